//! The page-cost section of the report: one row per page, then the ratios against the target.

use super::{PageCostResult, TOLERANCE, statements::one_line};
use crate::system::cpu_label;

pub fn print_section(r: &PageCostResult) {
    println!(
        "9   PostgreSQL page cost from pg_stat_statements: each page {} times ({} in flight, {} \
         rounds, the pages taking turns, after {} warm-up requests), the statistics reset \
         before and read after each round of a page; in ms: exec/plan/buf = the page \
         statement's execution, planning and shared buffers per call; DB/req = every \
         statement's execution + planning per HTTP request; CPU/req = the backends' CPU time \
         (/proc) per request",
        r.requests_per_page, r.in_flight, r.rounds, r.warmup_requests
    );
    let cpu_label = cpu_label(r.pages.iter().map(|p| &p.http.cpu));
    let w = cpu_label.len();
    println!(
        " {:<40} {:>6} {:>6} {:>6} {:>9} {:>9} {:>8} | {:>9} {:>8} {:>8} | {:>7} {:>6} {:>6} {:>w$} {:>5}",
        "page",
        "reqs",
        "calls",
        "plans",
        "exec/call",
        "plan/call",
        "buf/call",
        "stmts/req",
        "DB/req",
        "CPU/req",
        "req/s",
        "p50",
        "p99",
        cpu_label,
        "other"
    );
    for page in &r.pages {
        let statement = page.page_statement.clone().unwrap_or_default();
        let (cpu, other) = page.http.cpu.columns();
        println!(
            " {:<40} {:>6} {:>6} {:>6} {:>9.4} {:>9.4} {:>8.1} | {:>9.2} {:>8.4} {:>8} | {:>7.0} {:>6.2} {:>6.2} {:>w$} {:>5}",
            page.title,
            page.requests,
            statement.calls,
            statement.plans,
            statement.mean_exec_ms,
            statement.plan_ms_per_call,
            statement.buffers_per_call,
            page.statements_per_request,
            page.db_ms_per_request,
            page.backend_cpu_ms_per_request
                .map_or("-".to_owned(), |ms| format!("{ms:.3}")),
            page.http.throughput,
            page.http.latency_ms.p50,
            page.http.latency_ms.p99,
            cpu,
            other
        );
    }
    for page in &r.pages {
        println!("     {}: {}", page.id, page.request);
    }
    if let (Some(id), Some(query)) = (r.page_queryid, &r.page_query) {
        println!("     page statement {id}: {}", one_line(query, 150));
    }
    let rounds: Vec<String> = r
        .pages
        .iter()
        .map(|page| {
            let each: Vec<String> = page
                .page_exec_ms_by_round
                .iter()
                .map(|ms| format!("{ms:.3}"))
                .collect();
            format!("{} {}", page.id, each.join(" "))
        })
        .collect();
    println!(
        "     page statement exec ms/call by round: {}",
        rounds.join("; ")
    );
    for page in &r.pages {
        let others: Vec<String> = page
            .statements
            .iter()
            .filter(|s| Some(s.queryid) != r.page_queryid)
            .map(|s| format!("{} × {:.2} ms {}", s.calls, s.total_ms(), s.text))
            .collect();
        if !others.is_empty() {
            println!("     other statements, {}: {}", page.id, others.join("; "));
        }
    }
    println!("   ratios (target: 1 ± {TOLERANCE})");
    for ratio in &r.ratios {
        let verdict = match ratio.pass() {
            Some(true) => "PASS",
            Some(false) => "MISS",
            None => "",
        };
        println!("     {:<36} {:>6.3}  {verdict}", ratio.name, ratio.value);
    }
    for note in &r.notes {
        println!("   note: {note}");
    }
}
