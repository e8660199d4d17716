//! Runs the selected scenarios, in order, against the world `setup` built.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use reqwest::StatusCode;
use serde::Serialize;
use serde_json::json;

use crate::cli::{Settings, Which};
use crate::fanout;
use crate::idle::{self, IdleResult};
use crate::load::{LoadResult, MakeRequest, Tally};
use crate::page_cost::{self, PageCostResult};
use crate::resume::{self, ResumeResult};
use crate::setup::World;

/// One REST scenario's figures.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioResult {
    /// Stable key for the JSON and the ratios: `healthz`, `rooms`, `first_page`, `deep_page`,
    /// `shallow_page` (the control of `deep_page`), `create_1_sender`, `create_n_senders`,
    /// `events_nothing_new`.
    pub id: &'static str,
    /// The scenario's number in the issue (`5a`, `5b`: the two create runs; `4c`: control;
    /// `8c`: the REST part of scenario 8).
    pub number: &'static str,
    pub title: String,
    pub request: String,
    #[serde(flatten)]
    pub load: LoadResult,
}

#[derive(Default)]
pub struct Measured {
    pub scenarios: Vec<ScenarioResult>,
    pub fanout: Vec<fanout::RunResult>,
    pub idle: Option<IdleResult>,
    pub resume: Option<ResumeResult>,
    pub page_cost: Option<PageCostResult>,
}

/// One REST scenario before it runs.
struct Planned {
    id: &'static str,
    number: &'static str,
    title: String,
    request: String,
    expect: StatusCode,
    make: MakeRequest,
}

pub async fn run(settings: &Settings, which: Which, world: &mut World) -> anyhow::Result<Measured> {
    let mut measured = Measured::default();
    let planned = plan(settings, which, world)?;
    let pid = world.server.pid();
    let spec = settings.load_spec();
    let mut tallies: Vec<Tally> = planned.iter().map(|_| Tally::default()).collect();
    for round in 0..settings.rounds {
        for (p, tally) in planned.iter().zip(&mut tallies) {
            eprintln!(
                "round {}/{}: scenario {} {} ...",
                round + 1,
                settings.rounds,
                p.number,
                p.id
            );
            // Only a scenario's first slice warms up: later ones find its connections open.
            let warmup = if round == 0 {
                settings.warmup()
            } else {
                Duration::ZERO
            };
            tally
                .measure(spec, (warmup, settings.slice()), p.expect, &p.make, pid)
                .await?;
        }
    }
    for (p, tally) in planned.into_iter().zip(tallies) {
        measured.scenarios.push(ScenarioResult {
            id: p.id,
            number: p.number,
            title: p.title,
            request: p.request,
            load: tally.result(settings.concurrency),
        });
    }

    if which.includes(Which::Fanout) {
        measured.fanout = fanout::run(
            &settings.fanout,
            &world.http,
            &world.pool,
            &world.nonce,
            pid,
        )
        .await?;
    }

    if let (true, Some(room)) = (which.includes(Which::Idle), world.idle_room) {
        // A fresh process: see idle.rs.
        eprintln!("restarting the server for the idle-socket scenario ...");
        world.server.restart()?;
        world.http = world.http.rebased(&world.server.base);
        let hold = Duration::from_secs_f64(settings.duration_secs.clamp(0.5, 5.0));
        let users = &world.pool[..settings.users.min(world.pool.len())];
        let result = idle::run(
            &world.http,
            users,
            room,
            settings.idle,
            settings.fanout.connect_concurrency,
            hold,
            world.server.pid(),
        )
        .await
        .context("the idle-socket scenario")?;
        measured.idle = Some(result);
    }

    if let (true, Some(stream)) = (which.includes(Which::Resume), &world.resume) {
        let result = resume::run(&settings.resume, &world.http, stream, world.server.pid())
            .await
            .context("the resume scenario")?;
        measured.resume = Some(result);
    }

    // Last: it restarts the server with statistics on, and no other scenario may run between
    // its resets and its reads.
    if page_cost::selected(settings, which) {
        let result = page_cost::run(settings, world)
            .await
            .context("the page-cost scenario")?;
        measured.page_cost = Some(result);
    }
    Ok(measured)
}

/// The REST scenarios `which` selects, in the order.
fn plan(settings: &Settings, which: Which, world: &World) -> anyhow::Result<Vec<Planned>> {
    let client = world.http.client.clone();
    let size = settings.page_size;
    let path = |url: &str| url.trim_start_matches(&*world.http.base).to_owned();
    // Every GET scenario sends the same URL with the same token each time.
    let get = |id, number, title: String, url: String, token: Option<&str>| {
        let (client, token) = (client.clone(), token.map(str::to_owned));
        let request = format!("GET {}", path(&url));
        let make: MakeRequest = Arc::new(move |_, _| {
            let request = client.get(&url);
            match &token {
                Some(token) => request.bearer_auth(token),
                None => request,
            }
        });
        Planned {
            id,
            number,
            title,
            request,
            expect: StatusCode::OK,
            make,
        }
    };

    let mut planned = Vec::new();
    // `resume` alone measures healthz too: the baseline of its (8c)/(1).
    if which.includes(Which::Healthz) || which == Which::Resume {
        let url = world.http.url("/healthz");
        planned.push(get("healthz", "1", "healthz".into(), url, None));
    }
    if which.includes(Which::Rooms) {
        let title = format!(
            "rooms list: {} of {} rooms, 1-message previews",
            settings.rooms.min(size as usize),
            settings.rooms
        );
        let url = world.rooms_url(settings);
        planned.push(get("rooms", "2", title, url, Some(&world.reader.token)));
    }
    if let (true, Some(room)) = (which.includes(Which::FirstPage), world.big_room) {
        let title = format!("messages first page of {}", settings.messages);
        let url = world.page_url(room, size, None)?.to_string();
        planned.push(get("first_page", "3", title, url, Some(&world.owner.token)));
    }
    if let (true, Some(room), Some(deep), Some(shallow)) = (
        which.includes(Which::DeepPage),
        world.big_room,
        world.deep_cursor.as_deref(),
        world.shallow_cursor.as_deref(),
    ) {
        let title = format!("messages page {} down", world.info.deep_cursor_depth);
        let url = world.page_url(room, size, Some(deep))?.to_string();
        planned.push(get("deep_page", "4", title, url, Some(&world.owner.token)));
        // The same request with a cursor near the top: (4)/(4c) is the cost of depth alone,
        // without what any cursor page costs more than the first page.
        let title = format!(
            "control: messages page {} down",
            world.info.shallow_cursor_depth
        );
        let url = world.page_url(room, size, Some(shallow))?.to_string();
        planned.push(get(
            "shallow_page",
            "4c",
            title,
            url,
            Some(&world.owner.token),
        ));
    }
    if let (true, Some(room)) = (which.includes(Which::Create), world.create_room) {
        let url = world.http.url(&format!("/api/chat/rooms/{room}/messages/"));
        let request = format!("POST {}", path(&url));
        let senders = &world.pool[..settings.senders];
        for (id, number, count) in [
            ("create_1_sender", "5a", 1),
            ("create_n_senders", "5b", senders.len()),
        ] {
            let tokens: Arc<[String]> = senders[..count].iter().map(|u| u.token.clone()).collect();
            let (client, url, nonce) = (client.clone(), url.clone(), world.nonce.clone());
            // Worker w always sends as sender w mod n; contents are unique per request.
            let make: MakeRequest = Arc::new(move |worker, seq| {
                client
                    .post(&url)
                    .bearer_auth(&tokens[worker % tokens.len()])
                    .json(&json!({ "content": format!("{nonce} {id} {worker}:{seq}") }))
            });
            let title = match count {
                1 => format!(
                    "create message, 1 sender × {} in flight",
                    settings.concurrency
                ),
                n => format!(
                    "create message, {n} senders ({} in flight)",
                    settings.concurrency
                ),
            };
            planned.push(Planned {
                id,
                number,
                title,
                request: request.clone(),
                expect: StatusCode::CREATED,
                make,
            });
        }
    }
    if let (true, Some(stream)) = (which.includes(Which::Resume), &world.resume) {
        // A client polling without `timeout` that is up to date: what the route costs when
        // there is nothing to return. Events the create scenarios store meanwhile are not
        // the reader's, so nothing new stays nothing new.
        let url = world
            .http
            .url(&format!("/api/events/?since={}", stream.latest));
        let title = "events after the newest position (nothing new)".to_owned();
        planned.push(get(
            "events_nothing_new",
            "8c",
            title,
            url,
            Some(&stream.reader.token),
        ));
    }
    Ok(planned)
}
