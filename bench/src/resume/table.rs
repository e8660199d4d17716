//! The resume section of the report: one row per way of reading the stored events.

use super::ResumeResult;
use crate::system::cpu_label;

pub fn print_section(r: &ResumeResult) {
    println!(
        "8   resume the event stream: {} stored events (message.created in room {}, positions \
         {}..={}) after position {}, read by a member of that room alone; {} runs each way, \
         alternating; time in ms: socket from the handshake's completion to the last event, \
         REST over every page",
        r.events, r.room, r.first_position, r.last_position, r.since, r.repeats
    );
    let cpu_label = cpu_label([&r.socket.cpu, &r.rest.cpu].into_iter());
    let w = cpu_label.len().max(9);
    println!(
        " {:<3} {:<50} {:>5} {:>9} {:>9} {:>9} {:>9} {:>9} {:>7} | {:>w$} {:>5}",
        "#",
        "read",
        "exact",
        "median",
        "best",
        "events/s",
        "best ev/s",
        "1st event",
        "hshake",
        cpu_label,
        "other"
    );
    for read in [&r.socket, &r.rest] {
        let (cpu, other) = read.cpu.columns();
        let request = match read.pages {
            Some(pages) => format!("{} ({pages} pages)", read.request),
            None => read.request.clone(),
        };
        let optional = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
        println!(
            " {:<3} {:<50} {:>5} {:>9.2} {:>9.2} {:>9.0} {:>9.0} {:>9} {:>7} | {:>w$} {:>5}",
            read.number,
            request,
            format!("{}/{}", read.exact_runs, read.runs_ms.len()),
            read.median_ms,
            read.best_ms,
            read.events_per_sec,
            read.best_events_per_sec,
            optional(read.first_event_ms),
            optional(read.handshake_ms),
            cpu,
            other
        );
    }
    let runs = |ms: &[f64]| {
        ms.iter()
            .map(|m| format!("{m:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    println!(
        "     runs in order (ms): 8a {}; 8b {}",
        runs(&r.socket.runs_ms),
        runs(&r.rest.runs_ms)
    );
    for read in [&r.socket, &r.rest] {
        if read.other_frames > 0 {
            println!(
                "     {}: {} frames without a position (ephemeral events) besides the stored ones",
                read.number, read.other_frames
            );
        }
    }
    if r.socket.failures.is_empty() && r.rest.failures.is_empty() {
        println!(
            "     every run: exactly the {} positions the POSTs answered (X-Event-Position), in \
             increasing order",
            r.events
        );
    }
}
