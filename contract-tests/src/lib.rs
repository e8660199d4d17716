//! Contract tests: run the real server and check every response against `openapi.yaml`.
