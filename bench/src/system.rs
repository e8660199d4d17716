//! What the machine is and how busy it is, from `/proc` (Linux; every reader gives None
//! elsewhere), and the git commit the figures belong to.

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The soft `RLIMIT_NOFILE`, from `/proc/self/limits`.
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// CPU time (user + system, all threads) of a process so far, from `/proc/<pid>/stat`
/// (`USER_HZ` = 100, as on every common Linux platform).
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Field 2 (the command) is in parentheses and may hold spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// The run's PostgreSQL database, once there is one: the CPU time of the backends serving it
/// is measured apart. On SQLite the database works inside the server process.
static DATABASE_NAME: OnceLock<String> = OnceLock::new();

/// From now on, every measurement also takes the CPU time of the PostgreSQL backends that
/// serve the database `name`.
pub fn measure_database_backends(name: &str) {
    let _ = DATABASE_NAME.set(name.to_owned());
}

/// CPU time so far of the PostgreSQL backends serving the run's database: the processes whose
/// title (`postgres: 15/main: <role> <database> <client> <state>`) names it. PostgreSQL's
/// shared processes (WAL writer, checkpointer, autovacuum) stay in `other`. A backend that
/// exits during a measurement would take its time with it; the server's pool keeps its
/// connections far longer than a run.
fn database_cpu_time() -> Option<Duration> {
    let name = DATABASE_NAME.get()?;
    let mut total = Duration::ZERO;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse().ok()) else {
            continue;
        };
        let Ok(title) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let title = String::from_utf8_lossy(&title);
        let serves_it = title.starts_with("postgres: ")
            && title
                .split(|c: char| c.is_whitespace() || c == '\0')
                .any(|word| word == name);
        if serves_it {
            total += cpu_time(pid).unwrap_or_default();
        }
    }
    Some(total)
}

/// Busy CPU time of the whole machine so far (every CPU; not idle, not waiting for I/O),
/// from the first line of `/proc/stat` (`USER_HZ` = 100).
pub fn machine_busy() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    // user nice system idle iowait irq softirq (guest time is already in user).
    let ticks: Vec<u64> = line
        .split_whitespace()
        .take(7)
        .map(|t| t.parse().ok())
        .collect::<Option<_>>()?;
    let busy: u64 = ticks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3 && *i != 4)
        .map(|(_, t)| t)
        .sum();
    Some(Duration::from_millis(busy * 10))
}

/// `/proc/loadavg`'s 1, 5 and 15-minute load averages.
pub fn load_average() -> Option<String> {
    let loadavg = std::fs::read_to_string("/proc/loadavg").ok()?;
    Some(
        loadavg
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// A process's resident set (`VmRSS` of `/proc/<pid>/status`), in bytes.
pub fn vm_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmRSS:")
}

/// A process's peak resident set so far (`VmHWM` of `/proc/<pid>/status`), in bytes.
pub fn vm_hwm(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    kib_field(&status, "VmHWM:")
}

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn mem_total() -> Option<u64> {
    kib_field(&std::fs::read_to_string("/proc/meminfo").ok()?, "MemTotal:")
}

/// A `Name:   1234 kB` line, in bytes.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line[name.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    /// CPUs this process may run on (what the server's runtime sizes itself by too).
    pub cores: usize,
    /// `processor` entries of `/proc/cpuinfo`.
    pub cpus_online: Option<usize>,
    pub cpu_model: Option<String>,
    pub memory_bytes: Option<u64>,
    pub open_files_limit: Option<u64>,
    pub kernel: Option<String>,
}

impl Machine {
    pub fn read() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpus_online = cpuinfo
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count();
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, model)| model.trim().to_owned());
        Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpus_online: (cpus_online > 0).then_some(cpus_online),
            cpu_model,
            memory_bytes: mem_total(),
            open_files_limit: open_files_limit(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .ok()
                .map(|k| k.trim().to_owned()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Git {
    pub commit: String,
    /// Uncommitted changes in the work tree: the figures are of HEAD plus those.
    pub dirty: bool,
}

/// `git rev-parse HEAD` of the workspace, and whether the tree has local changes.
pub fn git() -> Option<Git> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let status = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .current_dir(root)
        .output()
        .ok();
    Some(Git {
        commit: String::from_utf8_lossy(&head.stdout).trim().to_owned(),
        dirty: status.is_some_and(|s| !s.stdout.is_empty()),
    })
}

/// CPU used during a measurement, in per cent of one core (2 cores = 200%).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CpuUse {
    pub server_pct: Option<f64>,
    pub bench_pct: Option<f64>,
    /// The PostgreSQL backends serving the run's database (absent on SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_pct: Option<f64>,
    /// Every other process on the machine: builds and tests running beside the bench.
    pub other_pct: Option<f64>,
}

impl CpuUse {
    /// `server/bench` (`server/bench/db` on PostgreSQL) and `other` columns of the tables.
    pub fn columns(&self) -> (String, String) {
        let pair = match (self.server_pct, self.bench_pct, self.database_pct) {
            (Some(s), Some(b), None) => format!("{s:.0}/{b:.0}"),
            (Some(s), Some(b), Some(d)) => format!("{s:.0}/{b:.0}/{d:.0}"),
            _ => "-".to_owned(),
        };
        let other = self.other_pct.map_or("-".to_owned(), |o| format!("{o:.0}"));
        (pair, other)
    }
}

/// The header of the CPU column: `CPU% s/b`, or `CPU% s/b/db` when the database's own
/// processes were measured.
pub fn cpu_label<'a>(mut uses: impl Iterator<Item = &'a CpuUse>) -> &'static str {
    if uses.any(|cpu| cpu.database_pct.is_some()) {
        "CPU% s/b/db"
    } else {
        "CPU% s/b"
    }
}

/// CPU counters at the start of a measurement.
pub struct CpuMeter {
    server_pid: u32,
    wall: Instant,
    server: Option<Duration>,
    bench: Option<Duration>,
    database: Option<Duration>,
    machine: Option<Duration>,
}

impl CpuMeter {
    pub fn start(server_pid: u32) -> CpuMeter {
        CpuMeter {
            server_pid,
            wall: Instant::now(),
            server: cpu_time(server_pid),
            bench: cpu_time(std::process::id()),
            database: database_cpu_time(),
            machine: machine_busy(),
        }
    }

    pub fn finish(&self) -> CpuSample {
        let delta = |before: Option<Duration>, after: Option<Duration>| {
            Some(after?.saturating_sub(before?))
        };
        CpuSample {
            wall: self.wall.elapsed(),
            server: delta(self.server, cpu_time(self.server_pid)),
            bench: delta(self.bench, cpu_time(std::process::id())),
            database: delta(self.database, database_cpu_time()),
            machine: delta(self.machine, machine_busy()),
        }
    }
}

/// CPU time used during one or more measured spans.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    wall: Duration,
    server: Option<Duration>,
    bench: Option<Duration>,
    database: Option<Duration>,
    machine: Option<Duration>,
}

impl CpuSample {
    /// Both spans together (a scenario measured in several interleaved slices).
    pub fn plus(self, other: CpuSample) -> CpuSample {
        let sum = |a: Option<Duration>, b: Option<Duration>| Some(a? + b?);
        CpuSample {
            wall: self.wall + other.wall,
            server: sum(self.server, other.server),
            bench: sum(self.bench, other.bench),
            database: sum(self.database, other.database),
            machine: sum(self.machine, other.machine),
        }
    }

    pub fn usage(&self) -> CpuUse {
        let wall = self.wall.as_secs_f64();
        let pct = |d: Option<Duration>| {
            d.filter(|_| wall > 0.0)
                .map(|d| d.as_secs_f64() / wall * 100.0)
        };
        let (server, bench, machine) = (pct(self.server), pct(self.bench), pct(self.machine));
        let database = pct(self.database);
        CpuUse {
            server_pct: server,
            bench_pct: bench,
            database_pct: database,
            other_pct: match (machine, server, bench) {
                (Some(m), Some(s), Some(b)) => Some((m - s - b - database.unwrap_or(0.0)).max(0.0)),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::kib_field;

    #[test]
    fn reads_kib_fields() {
        let status = "Name:\tchat-server\nVmRSS:\t   12345 kB\nThreads:\t3\n";
        assert_eq!(kib_field(status, "VmRSS:"), Some(12345 * 1024));
        assert_eq!(kib_field(status, "VmHWM:"), None);
    }
}
