//! Support for the contract tests: the real server binary and the spec it must keep.

pub mod annotate;
pub mod asyncapi;
pub mod coverage;
pub mod examples;
pub mod http;
pub mod schema;
pub mod server;
pub mod spec;
pub mod tools;
pub mod validate;

pub use coverage::{Coverage, Exemption};
pub use http::{ContractClient, Ledger, Reply};
pub use server::{Database, Server};
pub use spec::{Operation, Spec};
pub use validate::{Exchange, Verdict, Violation};
