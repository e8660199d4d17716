//! The chat API server: poem + poem-openapi handlers over an sqlx (SQLite or PostgreSQL) store.
//!
//! A request flows one way and dependencies point down: `api` (and `realtime`'s socket
//! actions) decode it and call a `service`; the service authorizes with `domain`'s pure rules,
//! parses the body with `domain`'s parsers, checks it against `store`, writes, and publishes
//! to `realtime`; it returns a `domain::views` value or a `crate::error::Error`, which `api`
//! turns into the documented response. Nothing below `api` imports it or poem.

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
