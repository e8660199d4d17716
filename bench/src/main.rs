//! # `chat-bench`: the load harness of `chat-server`
//!
//! ```sh
//! cargo build --release -p chat-server -p chat-bench
//! target/release/chat-bench all            # or: cargo run --release -p chat-bench -- all
//! target/release/chat-bench rooms --concurrency 32 --duration-secs 5
//! target/release/chat-bench fanout --subscribers 10,100,1000 --modes paced,burst
//! target/release/chat-bench --smoke all    # seconds, tiny data: does every scenario work?
//! BENCH_POSTGRES_URL=postgres://chat:chat@127.0.0.1:5432/chat \
//!     target/release/chat-bench --database postgres all
//! BENCH_POSTGRES_URL=... target/release/chat-bench --database postgres page-cost  # scenario 9
//! ```
//!
//! Every run starts the server binary (`--server-bin`, default
//! `<workspace>/target/release/chat-server`) on `127.0.0.1:0` with a fresh database
//! (`database.rs`: SQLite in a temporary directory, or with `--database postgres` a PostgreSQL
//! database created for the run and dropped after it), builds the data the selected scenarios
//! need (`setup.rs`: users and rooms through the API, bulk messages straight into the database
//! while the server is stopped, the events scenario 8 resumes over through the API),
//! drives the load over loopback with its own client (`load.rs`, `fanout/`, `idle.rs`,
//! `resume/`), prints a table with ratios and targets and, for a full `all`, writes
//! `bench/results/latest.json`.
//! `bench/README.md` explains each scenario and holds the latest table.
//!
//! The exit status is 1 when the run itself went wrong (failed requests, lost deliveries,
//! sockets the server closed); a missed performance target is reported, not an error.

mod cli;
mod database;
mod fanout;
mod harness;
mod http;
mod idle;
mod load;
mod page_cost;
mod print;
mod report;
mod resume;
mod seed;
mod server;
mod setup;
mod stats;
mod system;

use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use clap::Parser;

use cli::{Cli, Which};
use report::Results;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let which = cli.scenario;
    let settings = cli.options.resolve(which)?;
    check_open_files(&settings, which)?;
    if let Some(out) = &settings.out {
        // Fail now, not after minutes of measuring.
        cli::prepare_out(out)?;
    }
    let load_average_start = system::load_average();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("the tokio runtime")?;
    let results = runtime.block_on(async {
        let mut world = setup::build(&settings, which).await?;
        let outcome = harness::run(&settings, which, &mut world).await;
        if outcome.is_err() {
            let log = world.server.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!("server log (last lines):");
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
        }
        let measured = outcome?;
        let info = world.info.clone();
        let server_peak_rss = world.server.peak_rss();
        // The server is stopped before the figures are judged and written.
        drop(world);
        anyhow::Ok(Results::new(
            settings.clone(),
            info,
            measured,
            run_name(which),
            load_average_start,
            server_peak_rss,
        ))
    })?;

    print::print(&results);
    if let Some(out) = &settings.out {
        results.write(out)?;
        println!("results written to {}", out.display());
    }
    if !results.problems.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

fn run_name(which: Which) -> String {
    let name = format!("{which:?}");
    // `FirstPage` → `first-page`, as typed on the command line.
    let mut kebab = String::new();
    for (i, c) in name.char_indices() {
        if c.is_ascii_uppercase() && i > 0 {
            kebab.push('-');
        }
        kebab.push(c.to_ascii_lowercase());
    }
    kebab
}

/// Each socket is a file descriptor in the bench and another in the server, which inherits
/// the bench's limit. The bench never raises the limit itself: it stops with advice instead.
fn check_open_files(settings: &cli::Settings, which: Which) -> anyhow::Result<()> {
    let mut sockets = 0;
    if which.includes(Which::Fanout) {
        sockets = settings
            .fanout
            .subscribers
            .iter()
            .copied()
            .max()
            .unwrap_or(0);
    }
    if which.includes(Which::Idle) {
        sockets = sockets.max(settings.idle);
    }
    // Pooled HTTP connections, the database and the process's own files, with room to spare.
    let needed = (sockets + settings.concurrency + 128) as u64;
    if let Some(limit) = system::open_files_limit()
        && limit < needed
    {
        bail!(
            "the open-files limit (ulimit -n) is {limit}; {sockets} sockets need about \
             {needed} descriptors here and as many in the server. Raise it in the shell first \
             (e.g. `ulimit -n 20000`) or pass a smaller --idle / --subscribers."
        );
    }
    Ok(())
}

pub fn unix_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}
