//! Coverage-guided fuzzing of the request parsers (`fuzz/run.sh`: cargo-fuzz + libFuzzer,
//! every target for `FUZZ_SECONDS` from the checked-in corpus). Any crash fails.

use std::process::Command;

use contract_tests::server::workspace_root;

/// Seconds of fuzzing per target unless `FUZZ_SECONDS` says otherwise: the whole corpus is
/// replayed first, then mutated; the suite's other tests wait for the cores meanwhile. A longer
/// search is `fuzz/run.sh` on its own (60 s a target) or with a larger `FUZZ_SECONDS`.
const SECONDS: &str = "30";

#[test]
fn fuzz_targets_find_no_crashes() {
    if !cargo_fuzz_installed() {
        return;
    }
    let seconds = std::env::var("FUZZ_SECONDS").unwrap_or_else(|_| SECONDS.to_owned());
    let output = Command::new(workspace_root().join("fuzz/run.sh"))
        .env("FUZZ_SECONDS", seconds)
        .output()
        .expect("fuzz/run.sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The table of executions per target shows with `--nocapture`.
    println!("{stdout}");
    assert!(
        output.status.success(),
        "fuzzing failed ({}); reproducers are in fuzz/artifacts/:\n{stdout}\n{stderr}",
        output.status
    );
}

/// Whether `cargo fuzz` runs; outside CI a missing one skips the test, in CI it fails it.
fn cargo_fuzz_installed() -> bool {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let found = Command::new(cargo)
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return true;
    }
    let install = "cargo install cargo-fuzz --version 0.13.2 --locked";
    if std::env::var("CI").is_ok_and(|ci| ci == "true") {
        panic!("cargo-fuzz is missing; install it: {install}");
    }
    eprintln!("skipping: cargo-fuzz is not installed; install it with: {install}");
    false
}
