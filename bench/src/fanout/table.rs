//! The fan-out section of the report: one row per (S, mode).

use super::RunResult;
use crate::system::cpu_label;

pub fn print_table(results: &[RunResult]) {
    let cpu_label = cpu_label(results.iter().map(|r| &r.cpu));
    let w = cpu_label.len().max(9);
    println!(
        "{:>5} {:>5} {:>5} {:>9} {:>4} | {:>7} {:>7} {:>7} {:>7} | {:>7} {:>7} {:>7} | {:>7} {:>7} | {:>9} {:>6} | {:>w$} {:>5}",
        "subs",
        "mode",
        "msgs",
        "delivered",
        "lost",
        "send50",
        "send90",
        "send99",
        "sendmax",
        "201→50",
        "201→99",
        "201→max",
        "POST50",
        "POST99",
        "deliv/s",
        "msg/s",
        cpu_label,
        "other"
    );
    for r in results {
        let (cpu, other) = r.cpu.columns();
        let (send, ack, rtt) = (&r.send_to_recv_ms, &r.created_to_recv_ms, &r.post_rtt_ms);
        println!(
            "{:>5} {:>5} {:>5} {:>9} {:>4} | {:>7.2} {:>7.2} {:>7.2} {:>7.2} | {:>7.2} {:>7.2} {:>7.2} | {:>7.2} {:>7.2} | {:>9.0} {:>6.0} | {:>w$} {:>5}",
            r.subs,
            r.mode.name(),
            r.posted,
            r.deliveries,
            r.lost,
            send.p50,
            send.p90,
            send.p99,
            send.max,
            ack.p50,
            ack.p99,
            ack.max,
            rtt.p50,
            rtt.p99,
            r.deliveries_per_sec,
            r.posts_per_sec,
            cpu,
            other
        );
    }
    for r in results {
        let tag = format!("fan-out S={} {}", r.subs, r.mode.name());
        println!(
            "  {tag}: {} sockets of {} users opened in {:.2} s",
            r.subs, r.room_users, r.connect_secs
        );
        if !r.post_failures.is_empty() {
            let mut failures = r.post_failures.clone();
            failures.dedup();
            println!(
                "  {tag}: {} POSTs failed ({})",
                r.post_failures.len(),
                failures.join(", ")
            );
        }
        if r.duplicates > 0 {
            println!("  {tag}: {} duplicate deliveries", r.duplicates);
        }
        if !r.sockets_ended.is_empty() {
            println!(
                "  {tag}: {} sockets ended early (first: {})",
                r.sockets_ended.len(),
                r.sockets_ended[0]
            );
        }
    }
}
