//! A closed-loop load driver: `concurrency` workers, each sending its next request as soon as
//! the previous one's body has arrived, until the time or the request budget runs out.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::StatusCode;
use serde::Serialize;

use crate::stats::{Summary, ms};
use crate::system::{CpuMeter, CpuSample, CpuUse};

/// Builds request number `seq` for worker `worker` (so a worker can have its own token).
pub type MakeRequest = Arc<dyn Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync>;

#[derive(Debug, Clone, Copy)]
pub struct LoadSpec {
    pub concurrency: usize,
    /// Most requests in one measured slice (and in a warm-up): the bound besides time.
    pub max_requests: u64,
}

/// The measured run of one scenario.
#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub concurrency: usize,
    /// Requests answered with the expected status.
    pub ok: u64,
    /// 429 answers (a server-side throttle), counted apart from errors.
    pub throttled: u64,
    /// Other statuses and transport errors, with how often each happened.
    pub errors: Vec<(String, u64)>,
    pub elapsed_secs: f64,
    /// `ok` per second of `elapsed_secs`.
    pub throughput: f64,
    /// Of the expected answers: from just before sending to the whole body read.
    pub latency_ms: Summary,
    pub cpu: CpuUse,
}

impl LoadResult {
    pub fn error_count(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }
}

/// Everything measured of one scenario so far, over one or more slices.
#[derive(Default)]
pub struct Tally {
    latencies: Vec<f64>,
    throttled: u64,
    errors: HashMap<String, u64>,
    elapsed: Duration,
    cpu: Option<CpuSample>,
}

impl Tally {
    /// Warms up for `warmup` (unmeasured), then measures for `duration` and adds the figures;
    /// `expect` is the status of a successful request.
    pub async fn measure(
        &mut self,
        spec: LoadSpec,
        (warmup, duration): (Duration, Duration),
        expect: StatusCode,
        make: &MakeRequest,
        server_pid: u32,
    ) -> anyhow::Result<()> {
        if !warmup.is_zero() {
            phase(spec, warmup, expect, make.clone()).await?;
        }
        let meter = CpuMeter::start(server_pid);
        let started = Instant::now();
        let logs = phase(spec, duration, expect, make.clone()).await?;
        self.elapsed += started.elapsed();
        let cpu = meter.finish();
        self.cpu = Some(self.cpu.map_or(cpu, |sum| sum.plus(cpu)));
        for log in logs {
            self.latencies.extend(log.latencies);
            self.throttled += log.throttled;
            for (error, n) in log.errors {
                *self.errors.entry(error).or_default() += n;
            }
        }
        Ok(())
    }

    pub fn result(mut self, concurrency: usize) -> LoadResult {
        let mut errors: Vec<(String, u64)> = self.errors.into_iter().collect();
        errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let ok = self.latencies.len() as u64;
        let elapsed = self.elapsed.as_secs_f64();
        LoadResult {
            concurrency,
            ok,
            throttled: self.throttled,
            errors,
            elapsed_secs: elapsed,
            throughput: if elapsed > 0.0 {
                ok as f64 / elapsed
            } else {
                0.0
            },
            latency_ms: Summary::of(&mut self.latencies),
            cpu: self.cpu.map(|c| c.usage()).unwrap_or_default(),
        }
    }
}

#[derive(Default)]
struct WorkerLog {
    latencies: Vec<f64>,
    throttled: u64,
    errors: HashMap<String, u64>,
}

async fn phase(
    spec: LoadSpec,
    duration: Duration,
    expect: StatusCode,
    make: MakeRequest,
) -> anyhow::Result<Vec<WorkerLog>> {
    let issued = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let workers: Vec<_> = (0..spec.concurrency)
        .map(|worker| {
            let (issued, make) = (issued.clone(), make.clone());
            // One task per worker, so the runtime spreads them over its threads.
            tokio::spawn(async move {
                let mut log = WorkerLog::default();
                loop {
                    let seq = issued.fetch_add(1, Ordering::Relaxed);
                    if seq >= spec.max_requests || Instant::now() >= deadline {
                        break;
                    }
                    let request = make(worker, seq);
                    let before = Instant::now();
                    let outcome = match request.send().await {
                        Ok(response) => {
                            let status = response.status();
                            // The whole body: a response is not served until it is read.
                            match response.bytes().await {
                                Ok(_) => Ok(status),
                                Err(err) => Err(format!("{status}, body: {err}")),
                            }
                        }
                        Err(err) => Err(err.to_string()),
                    };
                    let latency = ms(before.elapsed());
                    match outcome {
                        Ok(status) if status == expect => log.latencies.push(latency),
                        Ok(StatusCode::TOO_MANY_REQUESTS) => log.throttled += 1,
                        Ok(status) => *log.errors.entry(status.to_string()).or_default() += 1,
                        Err(err) => *log.errors.entry(err).or_default() += 1,
                    }
                }
                log
            })
        })
        .collect();
    let mut logs = Vec::with_capacity(workers.len());
    for worker in workers {
        logs.push(worker.await.context("a load worker")?);
    }
    Ok(logs)
}
