//! The human-readable report on stdout (the README's table is pasted from it).

use crate::database::DatabaseKind;
use crate::fanout;
use crate::report::Results;
use crate::system::cpu_label;

const MIB: f64 = 1024.0 * 1024.0;

pub fn print(r: &Results) {
    let s = &r.settings;
    let m = &r.machine;
    println!();
    println!("chat-bench {} — {}", r.run, r.generated_at);
    println!("command:  {}", r.command);
    if let Some(git) = &r.git {
        let dirty = if git.dirty {
            " + uncommitted changes"
        } else {
            ""
        };
        println!("commit:   {}{dirty}", git.commit);
    }
    println!(
        "machine:  {} cores{}, {} memory, ulimit -n {}, kernel {}; load average {} at the start, \
         {} at the end",
        m.cores,
        m.cpu_model
            .as_deref()
            .map_or(String::new(), |c| format!(" ({c})")),
        m.memory_bytes.map_or("unknown".to_owned(), |b| format!(
            "{:.1} GiB",
            b as f64 / MIB / 1024.0
        )),
        m.open_files_limit
            .map_or("unknown".to_owned(), |n| n.to_string()),
        m.kernel.as_deref().unwrap_or("unknown"),
        r.load_average_start.as_deref().unwrap_or("?"),
        r.load_average_end.as_deref().unwrap_or("?"),
    );
    println!(
        "server:   {} on 127.0.0.1, {}; {}",
        r.server_binary,
        r.setup.database.description,
        r.setup.server_env.join(" ")
    );
    println!(
        "          peak resident set over the run (VmHWM, seeding included): {}",
        r.server_peak_rss_bytes
            .map_or("unknown".to_owned(), |b| format!(
                "{:.1} MiB",
                b as f64 / MIB
            ))
    );
    let u = &r.setup;
    println!(
        "setup:    {} users registered in {:.1} s; {} room(s); {} messages inserted directly in {:.1} s",
        u.users, u.register_secs, u.rooms_created, u.seeded_messages, u.seed_secs
    );
    if u.posted_events > 0 {
        println!(
            "          resume: {} events stored through the API (POSTs, {} senders, {} in flight) \
             in {:.1} s, {:.0} events/s",
            u.posted_events,
            s.resume.senders,
            s.resume.in_flight,
            u.post_events_secs,
            u.posted_events as f64 / u.post_events_secs.max(1e-9)
        );
    }
    if u.deep_walk_pages > 0 {
        println!(
            "          deep cursor: {} messages down, found by following `next` over {} pages \
             of 100 in {:.1} s",
            u.deep_cursor_depth, u.deep_walk_pages, u.deep_walk_secs
        );
    }
    println!(
        "load:     closed loop, {} requests in flight; per scenario {} s measured in {} slices, \
         the scenarios taking turns slice by slice, after {} s of warm-up (at most {} requests); \
         latency = just before sending → whole body read, in ms",
        s.concurrency, s.duration_secs, s.rounds, s.warmup_secs, s.max_requests
    );
    println!(
        "CPU:      server/bench = CPU time of the server and of this bench during the measured \
         run, % of one core ({} cores = {}%); {}other = every other process (builds, tests{})",
        m.cores,
        m.cores * 100,
        match s.database {
            DatabaseKind::Sqlite => "",
            DatabaseKind::Postgres => "db = the PostgreSQL backends serving the run's database; ",
        },
        match s.database {
            DatabaseKind::Sqlite => "",
            DatabaseKind::Postgres => ", PostgreSQL's shared processes such as the WAL writer",
        }
    );

    if !r.scenarios.is_empty() {
        let cpu_label = cpu_label(r.scenarios.iter().map(|sc| &sc.load.cpu));
        let w = cpu_label.len();
        println!();
        println!(
            "{:<3} {:<48} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8} {:>5} {:>5} {:>w$} {:>5}",
            "#",
            "scenario",
            "req/s",
            "p50",
            "p90",
            "p99",
            "max",
            "ok",
            "429",
            "err",
            cpu_label,
            "other"
        );
        for sc in &r.scenarios {
            let l = &sc.load;
            let (cpu, other) = l.cpu.columns();
            println!(
                "{:<3} {:<48} {:>9.0} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>8} {:>5} {:>5} {:>w$} {:>5}",
                sc.number,
                sc.title,
                l.throughput,
                l.latency_ms.p50,
                l.latency_ms.p90,
                l.latency_ms.p99,
                l.latency_ms.max,
                l.ok,
                l.throttled,
                l.error_count(),
                cpu,
                other
            );
        }
        for sc in &r.scenarios {
            println!("    {}: {}", sc.number, sc.request);
        }
    }

    if !r.fanout.is_empty() {
        println!();
        println!(
            "6   WebSocket fan-out: {} messages per run ({}), posters rotate over {} members; \
             latency in ms over every (message, subscriber) delivery: send = from just before \
             the POST, 201→ = from its 201 (negative: the event beat the response)",
            s.fanout.messages,
            match s.fanout.modes.as_slice() {
                [fanout::Mode::Paced] => format!("one every {} ms", s.fanout.interval_ms),
                _ => format!(
                    "paced: one every {} ms; burst: {} in flight",
                    s.fanout.interval_ms, s.fanout.burst_concurrency
                ),
            },
            s.fanout.posters
        );
        fanout::print_table(&r.fanout);
    }

    if let Some(i) = &r.idle {
        let mib = |b: Option<u64>| b.map_or("?".to_owned(), |b| format!("{:.1}", b as f64 / MIB));
        println!();
        println!(
            "7   idle WebSockets: {} of {} open ({} users × ≤{}, opened in {:.2} s); server RSS \
             {} MiB before, {} MiB open, {} MiB after closing → {} bytes per connection",
            i.opened,
            i.sockets,
            i.users,
            i.sockets.div_ceil(i.users.max(1)),
            i.connect_secs,
            mib(i.rss_before_bytes),
            mib(i.rss_open_bytes),
            mib(i.rss_closed_bytes),
            i.bytes_per_connection
                .map_or("?".to_owned(), |b| format!("{b:.0}"))
        );
    }

    if let Some(resume) = &r.resume {
        println!();
        crate::resume::print_section(resume);
    }

    if let Some(page_cost) = &r.page_cost {
        println!();
        crate::page_cost::print_section(page_cost);
    }

    if !r.ratios.is_empty() {
        println!();
        println!("ratios (throughput)");
        for ratio in &r.ratios {
            println!("  {:<44} {:>6.3}", ratio.name, ratio.value);
        }
    }
    println!();
    println!("targets");
    for t in &r.targets {
        let value = t.value.map_or("-".to_owned(), |v| match t.unit {
            "" => format!("{v:.3}"),
            unit => format!("{v:.1} {unit}"),
        });
        let threshold = match t.unit {
            "" if t.op == "±" => format!("1 ± {}", t.threshold),
            "" => format!("{} {}", t.op, t.threshold),
            "bytes" => format!("{} {} bytes (32 KiB)", t.op, t.threshold),
            unit => format!("{} {} {unit}", t.op, t.threshold),
        };
        let verdict = match t.pass {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "not run",
        };
        println!(
            "  {:<36} {:>16}   {:<28} {verdict}",
            t.name, value, threshold
        );
    }
    println!();
    if r.problems.is_empty() {
        println!("problems: none (every request answered as expected, no delivery lost)");
    }
    for problem in &r.problems {
        println!("PROBLEM: {problem}");
    }
}
