//! Support for the contract tests: the real server binary and the spec it must keep.

pub mod server;

pub use server::Server;
