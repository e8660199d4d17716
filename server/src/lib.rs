//! The chat API server: poem + poem-openapi handlers over an sqlx (SQLite) store.
//!
//! A request flows one way: `api` parses it, `domain` validates and decides, `store` reads and
//! writes, and `api` maps the result to the documented response.

pub mod api;
pub mod auth;
pub mod config;
pub mod domain;
pub mod error;
pub mod files;
pub mod realtime;
pub mod serve;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod throttle;

pub use startup::{App, build};
