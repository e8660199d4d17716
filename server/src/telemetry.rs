//! Logs (`RUST_LOG`-filtered tracing to stderr, pretty or JSON) and the process's Prometheus
//! recorder.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the log subscriber: `RUST_LOG`'s filter (`info` when unset), colours only on a
/// terminal (files and pipes get plain text). A `RUST_LOG` that is not a valid filter is an
/// error: falling back silently would hide the logs its author wanted.
pub fn init(format: LogFormat) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::builder()
            .parse(&directives)
            .map_err(|err| format!("RUST_LOG is not a valid log filter ({err}), e.g. `info` or `chat_server=debug,info`"))?,
        _ => EnvFilter::new("info"),
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (tests embedding the server) is harmless: keep the first subscriber.
    let _ = match format {
        LogFormat::Pretty => logs.try_init(),
        // One object per line, with the fields of every enclosing span (the request's id
        // among them), for log shippers.
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .flatten_event(true)
            .try_init(),
    };
    Ok(())
}

/// Request latency buckets, in seconds: loopback reads take ~1 ms, durable writes a few.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's metrics recorder, installed on first use. One per process: servers embedded
/// in one test process share it.
pub fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full("chat_http_request_duration_seconds".into()),
                LATENCY_BUCKETS,
            )
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed: /metrics stays empty");
        }
        describe();
        process_metrics().describe();
        handle
    })
}

/// The `GET /metrics` text, with the process's CPU, memory, open files and threads read now.
pub fn render() -> String {
    process_metrics().collect();
    prometheus().render()
}

/// `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_open_fds`,
/// `process_start_time_seconds`, ...: the names every Prometheus client library uses.
fn process_metrics() -> &'static metrics_process::Collector {
    static COLLECTOR: OnceLock<metrics_process::Collector> = OnceLock::new();
    COLLECTOR.get_or_init(metrics_process::Collector::default)
}

/// The `# HELP` lines (and units) of the server's own metrics.
fn describe() {
    metrics::describe_counter!(
        "chat_http_requests_total",
        "HTTP requests answered, by operation (operationId, `unmatched` for unrouted paths), method and status."
    );
    metrics::describe_histogram!(
        "chat_http_request_duration_seconds",
        Unit::Seconds,
        "Time from a request's arrival to its response, by operation, method and status."
    );
    metrics::describe_gauge!(
        "chat_websocket_connections",
        "WebSocket connections open on this instance."
    );
    metrics::describe_gauge!(
        "chat_db_connections",
        "Database connections by pool (SQLite: read, write; PostgreSQL: postgres) and state (in_use, idle)."
    );
    metrics::describe_counter!(
        "chat_http_connections_evicted_total",
        "Idle connections closed to make room for a new one (--max-connections reached)."
    );
    metrics::describe_counter!(
        "chat_http_connections_refused_total",
        "New connections closed at once: --max-connections reached and every connection busy."
    );
    metrics::describe_counter!(
        "chat_realtime_events_delivered_total",
        "Events queued to WebSocket connections."
    );
    metrics::describe_counter!(
        "chat_realtime_slow_consumers_closed_total",
        "WebSocket connections closed with 1008 because their queue was full."
    );
    metrics::describe_counter!(
        "chat_realtime_publish_dropped_total",
        "Events not passed on to other instances because the outgoing queue was full (PostgreSQL)."
    );
    metrics::describe_counter!(
        "chat_realtime_resyncs_total",
        "Times this instance told its sockets they may have missed events (PostgreSQL)."
    );
}
