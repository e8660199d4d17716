//! What the suites that drive outside tools (Node, Chromium) need, and the rule for when
//! they are missing: under `CI=true` the test fails (a CI run that silently skipped the only
//! browser test would prove nothing), elsewhere it is skipped, saying what to install.

use std::path::PathBuf;
use std::process::Command;

/// The Chromium to drive: `CHROMIUM`, or Debian's.
pub fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .filter(|path| !path.is_empty())
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

/// What to install for each of `tools` (`node`, `npm`...) that does not run.
pub fn missing_commands(tools: &[&str]) -> Vec<String> {
    tools
        .iter()
        .filter(|tool| {
            !Command::new(tool)
                .arg("--version")
                .output()
                .is_ok_and(|output| output.status.success())
        })
        .map(|tool| format!("{tool} (Node.js 20 or newer, with npm) on PATH"))
        .collect()
}

/// What to install for Chromium, if it is not there.
pub fn missing_chromium(chromium: &std::path::Path) -> Option<String> {
    (!chromium.is_file()).then(|| {
        format!(
            "{} (Chromium; set CHROMIUM to use another): apt-get install chromium",
            chromium.display()
        )
    })
}

/// Whether `suite` may run: true when nothing is missing. Otherwise it panics under
/// `CI=true`, and elsewhere says what to install and returns false.
pub fn ready(suite: &str, missing: &[String]) -> bool {
    if missing.is_empty() {
        return true;
    }
    let list = missing.join("\n  ");
    let in_ci = std::env::var("CI").is_ok_and(|ci| ci.eq_ignore_ascii_case("true") || ci == "1");
    assert!(!in_ci, "CI=true and {suite} cannot run; missing:\n  {list}");
    eprintln!("skipping {suite}; to run it, install:\n  {list}");
    false
}
