//! The results: ratios and targets computed from the figures, the printed table, the JSON.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::cli::Settings;
use crate::fanout::{self, Mode};
use crate::harness::{Measured, ScenarioResult};
use crate::idle::IdleResult;
use crate::page_cost::PageCostResult;
use crate::resume::ResumeResult;
use crate::setup::SetupInfo;
use crate::system::{Git, Machine};

/// Everything `bench/results/latest.json` holds.
#[derive(Debug, Serialize)]
pub struct Results {
    pub harness: &'static str,
    /// The subcommand: `all` or one scenario.
    pub run: String,
    pub generated_at: String,
    pub command: String,
    pub git: Option<Git>,
    pub machine: Machine,
    /// 1/5/15-minute load averages when the run started and ended: other work on the machine.
    pub load_average_start: Option<String>,
    pub load_average_end: Option<String>,
    pub server_binary: String,
    /// The server's peak resident set over the whole run (`VmHWM`, the highest of its
    /// processes when a scenario restarted it), seeding included.
    pub server_peak_rss_bytes: Option<u64>,
    pub settings: Settings,
    pub setup: SetupInfo,
    pub scenarios: Vec<ScenarioResult>,
    pub fanout: Vec<fanout::RunResult>,
    pub idle: Option<IdleResult>,
    pub resume: Option<ResumeResult>,
    /// Scenario 9 (PostgreSQL only).
    pub page_cost: Option<PageCostResult>,
    pub ratios: Vec<Ratio>,
    pub targets: Vec<Target>,
    /// Failed requests, lost deliveries, sockets closed early: the exit status is 1 if any.
    pub problems: Vec<String>,
}

/// Throughput of one scenario over another's.
#[derive(Debug, Clone, Serialize)]
pub struct Ratio {
    pub name: &'static str,
    pub value: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub name: &'static str,
    pub value: Option<f64>,
    /// `>=`, `<`, `<=`, or `±`: within `threshold` of 1.
    pub op: &'static str,
    pub threshold: f64,
    pub unit: &'static str,
    /// None when the run did not measure it.
    pub pass: Option<bool>,
}

impl Results {
    pub fn new(
        settings: Settings,
        setup: SetupInfo,
        measured: Measured,
        run: String,
        load_average_start: Option<String>,
        server_peak_rss_bytes: Option<u64>,
    ) -> Results {
        let mut results = Results {
            harness: "chat-bench",
            run,
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            command: command_line(),
            git: crate::system::git(),
            machine: Machine::read(),
            load_average_start,
            load_average_end: crate::system::load_average(),
            server_binary: workspace_relative(&settings.server_bin),
            server_peak_rss_bytes,
            settings,
            setup,
            scenarios: measured.scenarios,
            fanout: measured.fanout,
            idle: measured.idle,
            resume: measured.resume,
            page_cost: measured.page_cost,
            ratios: Vec::new(),
            targets: Vec::new(),
            problems: Vec::new(),
        };
        results.judge();
        results
    }

    fn throughput(&self, id: &str) -> Option<f64> {
        self.scenarios
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.load.throughput)
    }

    /// The fan-out run the target is about: the most subscribers, paced if there is one.
    fn fanout_headline(&self) -> Option<&fanout::RunResult> {
        self.fanout
            .iter()
            .max_by_key(|r| (r.subs, r.mode == Mode::Paced))
    }

    fn judge(&mut self) {
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        let healthz = self.throughput("healthz");
        let first = self.throughput("first_page");
        let rooms_r = ratio(self.throughput("rooms"), healthz);
        let first_r = ratio(first, healthz);
        let deep_r = ratio(self.throughput("deep_page"), first);
        let create_r = ratio(self.throughput("create_n_senders"), healthz);
        let depth_r = ratio(
            self.throughput("deep_page"),
            self.throughput("shallow_page"),
        );
        let events_r = ratio(self.throughput("events_nothing_new"), healthz);
        for (name, value) in [
            ("(2)/(1) rooms list / healthz", rooms_r),
            ("(3)/(1) first page / healthz", first_r),
            ("(4)/(3) deep page / first page", deep_r),
            ("(4)/(4c) deep page / shallow cursor page", depth_r),
            ("(5b)/(1) create, many senders / healthz", create_r),
            ("(8c)/(1) no new events / healthz", events_r),
        ] {
            if let Some(value) = value {
                self.ratios.push(Ratio { name, value });
            }
        }
        let fanout_p99 = self.fanout_headline().map(|r| r.send_to_recv_ms.p99);
        let idle = self.idle.as_ref().and_then(|i| i.bytes_per_connection);
        let target = |name, value: Option<f64>, op, threshold, unit| Target {
            name,
            value,
            op,
            threshold,
            unit,
            pass: value.map(|v| match op {
                ">=" => v >= threshold,
                "<" => v < threshold,
                "±" => (v - 1.0).abs() <= threshold,
                _ => v <= threshold,
            }),
        };
        self.targets = vec![
            target("(3)/(1) first page / healthz", first_r, ">=", 0.35, ""),
            target("(2)/(1) rooms list / healthz", rooms_r, ">=", 0.35, ""),
            target("(4)/(3) deep page / first page", deep_r, ">=", 0.9, ""),
            target(
                "(5b) create, many senders",
                self.throughput("create_n_senders"),
                ">=",
                5000.0,
                "msg/s",
            ),
            target("(6) fan-out p99 send→recv", fanout_p99, "<", 50.0, "ms"),
            target(
                "(7) idle memory per socket",
                idle,
                "<=",
                32.0 * 1024.0,
                "bytes",
            ),
            // Issue 19's target.
            target("(8c)/(1) no new events / healthz", events_r, ">=", 0.35, ""),
        ];
        // Listed only when measured: scenario 9 never runs on SQLite.
        if let Some(page_cost) = &self.page_cost {
            for ratio in page_cost.ratios.iter().filter(|r| r.target) {
                self.targets.push(target(
                    ratio.name,
                    Some(ratio.value),
                    "±",
                    crate::page_cost::TOLERANCE,
                    "",
                ));
            }
        }

        for s in &self.scenarios {
            if s.load.error_count() > 0 {
                let (first, _) = &s.load.errors[0];
                self.problems.push(format!(
                    "{} {}: {} failed requests (most: {first})",
                    s.number,
                    s.id,
                    s.load.error_count()
                ));
            }
            if s.load.ok == 0 {
                self.problems
                    .push(format!("{} {}: no successful request", s.number, s.id));
            }
        }
        for r in &self.fanout {
            let tag = format!("6 fan-out S={} {}", r.subs, r.mode.name());
            if r.lost > 0 || r.posted < self.settings.fanout.messages {
                self.problems.push(format!(
                    "{tag}: {} of {} messages posted, {} deliveries lost",
                    r.posted, self.settings.fanout.messages, r.lost
                ));
            }
            if r.sockets_ended_early > 0 {
                self.problems.push(format!(
                    "{tag}: {} sockets ended early",
                    r.sockets_ended_early
                ));
            }
        }
        if let Some(idle) = &self.idle
            && (idle.opened < idle.sockets || idle.ended_early > 0)
        {
            self.problems.push(format!(
                "7 idle: {} of {} sockets opened, {} ended early{}",
                idle.opened,
                idle.sockets,
                idle.ended_early,
                idle.failures
                    .first()
                    .map_or(String::new(), |(e, n)| format!(" ({n}× {e})"))
            ));
        }
        if let Some(page_cost) = &self.page_cost {
            for page in &page_cost.pages {
                let load = &page.http;
                if let Some((first, _)) = load.errors.first() {
                    self.problems.push(format!(
                        "9 page cost {}: {} failed requests (most: {first})",
                        page.id,
                        load.error_count()
                    ));
                }
                if load.ok == 0 {
                    self.problems
                        .push(format!("9 page cost {}: no successful request", page.id));
                }
            }
        }
        if let Some(resume) = &self.resume {
            for read in [&resume.socket, &resume.rest] {
                for failure in &read.failures {
                    self.problems.push(format!(
                        "{} resume {}: {failure}",
                        read.number, read.request
                    ));
                }
            }
        }
    }

    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        crate::cli::prepare_out(path)?;
        let mut json = serde_json::to_string_pretty(self)?;
        json.push('\n');
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))
    }
}

/// `path` relative to the workspace when it is inside it: the checked-in JSON should not
/// name the directory of whoever ran the bench.
fn workspace_relative(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent();
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let root = root.and_then(|r| std::fs::canonicalize(r).ok());
    match root.as_deref().and_then(|r| absolute.strip_prefix(r).ok()) {
        Some(inside) => inside.display().to_string(),
        None => path.display().to_string(),
    }
}

/// The command line as typed, quoted where a shell would need it.
fn command_line() -> String {
    std::env::args()
        .map(redact_password)
        .map(|arg| {
            if !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c))
            {
                arg
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `arg` with the password of a URL in it (`--postgres-url`) masked: the command is printed
/// and written to the results.
fn redact_password(arg: String) -> String {
    let (flag, value) = match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (&arg[..=flag.len()], value),
        _ => ("", arg.as_str()),
    };
    match reqwest::Url::parse(value) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("redacted"));
            format!("{flag}{url}")
        }
        _ => arg,
    }
}

#[cfg(test)]
mod tests {
    use super::redact_password;

    #[test]
    fn passwords_in_arguments_are_masked() {
        for (arg, expected) in [
            ("all", "all"),
            (
                "postgres://chat:secret@127.0.0.1:5432/chat",
                "postgres://chat:redacted@127.0.0.1:5432/chat",
            ),
            (
                "--postgres-url=postgres://chat:secret@h/chat",
                "--postgres-url=postgres://chat:redacted@h/chat",
            ),
            ("postgres://chat@h/chat", "postgres://chat@h/chat"),
            ("--server-env=A=B", "--server-env=A=B"),
        ] {
            assert_eq!(redact_password(arg.to_owned()), expected);
        }
    }
}
