//! The black-box suites, in one test binary: each links the whole dependency graph, and one
//! process lets the slow suites (schemathesis, the browser, durability) overlap the others
//! instead of running one binary after another. Each module is a suite of its own; run one
//! with `cargo test -p contract-tests -- durability::`.

// sdk_postgres compiles sdk's files a second time on purpose: the same tests, under a parent
// whose `DATABASE` is PostgreSQL.
#![allow(clippy::duplicate_mod)]

mod asyncapi;
mod contract;
mod durability;
mod fuzz;
mod instances;
mod logs;
mod quickstart;
mod realtime_sdk;
mod schemathesis;
mod sdk;
mod sdk_postgres;
mod smoke;
mod spec_docs;
mod spec_rules;
mod string_limits;
mod swagger_ui;
mod typescript;
