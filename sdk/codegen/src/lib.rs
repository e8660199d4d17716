//! Nothing to link: the generator runs in `tests/generated.rs`, which rewrites
//! `sdk/src/generated.rs` with `UPDATE_SDK=1 cargo test -p chat-sdk-codegen`.
