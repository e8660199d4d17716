//! Rust client for the chat API. Generated from `openapi.yaml` (see issue: SDK).
