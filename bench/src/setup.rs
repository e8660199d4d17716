//! Everything before the first measurement: the server on a fresh database (SQLite or
//! PostgreSQL: `database.rs`), users, rooms, the bulk-seeded messages and the deep cursor.

use std::time::Instant;

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, TryStreamExt, stream};
use reqwest::Url;
use serde::{Deserialize, Serialize};
use tempfile::TempDir;

use crate::cli::{Settings, Which};
use crate::database::{Database, DatabaseInfo};
use crate::http::{Http, User, create_room, register_users};
use crate::seed::{self, Batch};
use crate::server::Server;
use crate::{page_cost, resume};

/// The server and the data the scenarios use.
pub struct World {
    pub server: Server,
    pub http: Http,
    /// Prefix of every username and message content of this run.
    pub nonce: String,
    /// Member of exactly the `rooms` rooms (scenario 2).
    pub reader: User,
    /// Owner and only member of the big room (scenarios 3, 4 and 9) and of the small one (9).
    pub owner: User,
    /// Senders, subscribers and idle sockets (scenarios 5-7).
    pub pool: Vec<User>,
    pub big_room: Option<i64>,
    /// Scenario 9's small room: the big room's twin but for its size.
    pub small_room: Option<i64>,
    pub create_room: Option<i64>,
    pub idle_room: Option<i64>,
    pub deep_cursor: Option<String>,
    /// The cursor after the walk's first page: the control for the deep page.
    pub shallow_cursor: Option<String>,
    /// The stored events scenario 8 resumes over.
    pub resume: Option<resume::Stream>,
    pub info: SetupInfo,
    /// Dropped after `server`, which is killed before its database goes.
    database: Database,
    /// Declared last: dropped after `server`, which is killed before its files go.
    _dir: TempDir,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SetupInfo {
    pub database: DatabaseInfo,
    pub server_env: Vec<String>,
    pub users: usize,
    pub register_secs: f64,
    pub rooms_created: usize,
    pub seeded_messages: u64,
    pub seed_secs: f64,
    /// Messages newer than the deep cursor, and the walk that found it.
    pub deep_cursor_depth: u64,
    /// Messages newer than the control cursor (the walk's first page).
    pub shallow_cursor_depth: u64,
    pub deep_walk_pages: u64,
    pub deep_walk_secs: f64,
    /// Scenario 8's events, stored through the API (POSTs), and how long that took.
    pub posted_events: usize,
    pub post_events_secs: f64,
}

/// A cursor page, as far as the bench reads it.
#[derive(Deserialize)]
struct Page {
    next: Option<String>,
    results: Vec<Id>,
}

#[derive(Deserialize)]
struct Id {
    id: i64,
}

pub async fn build(settings: &Settings, which: Which) -> anyhow::Result<World> {
    let f = &settings.fanout;
    let max_subs = f.subscribers.iter().copied().max().unwrap_or(1);
    let mut pool_size = 2;
    let mut per_user = 0;
    if which.includes(Which::Create) {
        pool_size = pool_size.max(settings.senders);
    }
    if which.includes(Which::Fanout) {
        let room = max_subs.min(settings.users);
        pool_size = pool_size.max(room);
        per_user = max_subs.div_ceil(room);
    }
    if which.includes(Which::Idle) {
        pool_size = pool_size.max(settings.users);
        per_user = per_user.max(settings.idle.div_ceil(settings.users));
    }
    if which.includes(Which::Resume) {
        pool_size = pool_size.max(settings.resume.senders);
    }

    let mut env = vec![
        // Long enough for the slowest full run: the tokens are issued once, at the start.
        ("JWT_ACCESS_TTL_SECS".to_owned(), "21600".to_owned()),
        // Restarts (after seeding, before the idle scenario) should not wait 10 s.
        ("CHAT_SHUTDOWN_GRACE_SECS".to_owned(), "2".to_owned()),
        // The harness measures capacity, not the per-user throttles (one user sends at
        // thousands a second in scenario 5a): off, unless `--server-env` sets them.
        ("CHAT_MESSAGE_RATE".to_owned(), "0".to_owned()),
        ("CHAT_TOKEN_RATE_PER_MIN".to_owned(), "0".to_owned()),
    ];
    // The server's default is 32 sockets per user; raised only when a scenario needs more.
    if per_user > 32 {
        env.push((
            "CHAT_WS_MAX_CONNECTIONS_PER_USER".to_owned(),
            per_user.to_string(),
        ));
    }
    if let Some(n) = settings.ws_queue_len {
        env.push(("CHAT_WS_QUEUE_LEN".to_owned(), n.to_string()));
    }
    env.extend(settings.server_env.iter().cloned());
    let mut info = SetupInfo {
        server_env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
        ..SetupInfo::default()
    };

    let dir = tempfile::tempdir().context("a temporary directory")?;
    // Declared before `server`, so an early return kills the server before dropping this.
    let (database, database_info) = Database::create(
        settings.database,
        dir.path(),
        settings.postgres_url.as_deref(),
    )
    .await?;
    info.database = database_info;
    let page_cost = page_cost::selected(settings, which);
    if page_cost {
        // Before the minutes of setup, not after them.
        page_cost::check_database(&database).await?;
    }
    eprintln!(
        "starting {} on a {} ...",
        settings.server_bin.display(),
        info.database.description
    );
    let mut server = Server::start(&settings.server_bin, dir.path(), &database.url(), &env)?;
    let mut http = Http::new(&server.base, settings.concurrency)?;
    let nonce = format!("b{}", crate::unix_millis());

    let count = pool_size + 2;
    eprintln!(
        "registering {count} users ({} at a time) ...",
        settings.register_concurrency
    );
    let started = Instant::now();
    let mut users = register_users(&http, &nonce, count, settings.register_concurrency).await?;
    info.users = count;
    info.register_secs = started.elapsed().as_secs_f64();
    let pool = users.split_off(2);
    let owner = users.pop().context("the owner")?;
    let reader = users.pop().context("the reader")?;

    let mut batches = Vec::new();
    if which.includes(Which::Rooms) {
        let rooms: Vec<i64> =
            stream::iter(0..settings.rooms)
                .map(|i| {
                    let (http, reader, owner, nonce) = (&http, &reader, &owner, &nonce);
                    async move {
                        create_room(http, reader, &[owner], &format!("{nonce} room {i}")).await
                    }
                })
                .buffered(8)
                .try_collect()
                .await?;
        info.rooms_created += rooms.len();
        batches.extend(rooms.into_iter().map(|room| Batch {
            room,
            senders: vec![reader.id, owner.id],
            count: settings.room_messages,
        }));
    }
    let mut small_room = None;
    if page_cost {
        // The big room's twin (same owner, members and sender) but for its size.
        let room = create_room(&http, &owner, &[], &format!("{nonce} small")).await?;
        info.rooms_created += 1;
        batches.push(Batch {
            room,
            senders: vec![owner.id],
            count: settings.page_cost.small_messages,
        });
        small_room = Some(room);
    }
    let mut big_room = None;
    if which.includes(Which::FirstPage) || which.includes(Which::DeepPage) || page_cost {
        let room = create_room(&http, &owner, &[], &format!("{nonce} archive")).await?;
        info.rooms_created += 1;
        // Seeded last: its ids are one contiguous run, which the deep-page check relies on.
        batches.push(Batch {
            room,
            senders: vec![owner.id],
            count: settings.messages,
        });
        big_room = Some(room);
    }
    let create = match which.includes(Which::Create) {
        true => Some(
            group(
                &http,
                &pool[..settings.senders],
                &format!("{nonce} senders"),
            )
            .await?,
        ),
        false => None,
    };
    let idle = match which.includes(Which::Idle) {
        true => Some(group(&http, &pool, &format!("{nonce} idle")).await?),
        false => None,
    };
    info.rooms_created += usize::from(create.is_some()) + usize::from(idle.is_some());

    if !batches.is_empty() {
        let total: u64 = batches.iter().map(|b| b.count).sum();
        eprintln!("stopping the server to insert {total} messages directly ...");
        server.stop()?;
        let (rows, elapsed) = seed::seed(&database, &batches).await?;
        info.seeded_messages = rows;
        info.seed_secs = elapsed.as_secs_f64();
        eprintln!("  {rows} messages in {:.1} s; restarting", info.seed_secs);
        server.restart()?;
        http = http.rebased(&server.base);
    }
    // After the direct inserts: these go through the server, which appends their events.
    let resume = match which.includes(Which::Resume) {
        true => {
            let senders = &pool[..settings.resume.senders];
            let stream = resume::prepare(&settings.resume, &http, senders, &nonce).await?;
            info.users += 1;
            info.rooms_created += 1;
            info.posted_events = stream.positions.len();
            info.post_events_secs = stream.seed_secs;
            Some(stream)
        }
        false => None,
    };

    let mut world = World {
        server,
        http,
        nonce,
        reader,
        owner,
        pool,
        big_room,
        small_room,
        create_room: create,
        idle_room: idle,
        deep_cursor: None,
        shallow_cursor: None,
        resume,
        info,
        database,
        _dir: dir,
    };
    world.check_rooms(settings, which).await?;
    if which.includes(Which::DeepPage) || page_cost {
        world.find_deep_cursor(settings).await?;
    }
    Ok(world)
}

impl World {
    /// The run's database (scenario 9 reads PostgreSQL's statistics in it).
    pub fn database(&self) -> &Database {
        &self.database
    }

    /// `GET /api/chat/rooms/{room}/messages/?page_size=<size>[&cursor=<cursor>]`.
    pub fn page_url(&self, room: i64, size: u32, cursor: Option<&str>) -> anyhow::Result<Url> {
        let mut url = Url::parse(&self.http.url(&format!("/api/chat/rooms/{room}/messages/")))?;
        url.query_pairs_mut()
            .append_pair("page_size", &size.to_string());
        if let Some(cursor) = cursor {
            url.query_pairs_mut().append_pair("cursor", cursor);
        }
        Ok(url)
    }

    /// The seeded data reads back as the scenarios assume.
    async fn check_rooms(&self, settings: &Settings, which: Which) -> anyhow::Result<()> {
        if which.includes(Which::Rooms) {
            let url = self.rooms_url(settings);
            let list: serde_json::Value = self.http.get_json(&url, &self.reader.token).await?;
            let results = list["results"].as_array().context("rooms: no results")?;
            ensure!(
                list["count"] == settings.rooms
                    && results.len() == settings.rooms.min(settings.page_size as usize),
                "rooms: expected {} rooms, got count {} and {} results",
                settings.rooms,
                list["count"],
                results.len()
            );
            let previews = results.iter().all(|r| {
                r["messages"].as_array().map(Vec::len)
                    == Some(settings.room_messages.min(1) as usize)
            });
            ensure!(
                previews,
                "rooms: every room should carry a 1-message preview"
            );
        }
        Ok(())
    }

    pub fn rooms_url(&self, settings: &Settings) -> String {
        self.http.url(&format!(
            "/api/chat/rooms/?page_size={}",
            settings.page_size
        ))
    }

    /// Walks the big room newest-first with full pages of 100, following `next`, until
    /// `deep_depth` messages are behind: the cursor is sealed by the server, so walking is
    /// the only honest way to hold one that deep. Checks the page behind it starts where it
    /// should.
    async fn find_deep_cursor(&mut self, settings: &Settings) -> anyhow::Result<()> {
        let room = self.big_room.context("no big room")?;
        let token = self.owner.token.clone();
        let first: Page = self
            .http
            .get_json(self.page_url(room, 1, None)?.as_str(), &token)
            .await?;
        let newest = first.results.first().context("the big room is empty")?.id;
        let depth = settings.deep_depth;
        eprintln!("walking {depth} messages down the big room for a deep cursor ...");
        let started = Instant::now();
        let (mut walked, mut pages, mut cursor) = (0u64, 0u64, None::<String>);
        while walked < depth {
            let size = (depth - walked).min(100) as u32;
            let url = self.page_url(room, size, cursor.as_deref())?;
            let page: Page = self.http.get_json(url.as_str(), &token).await?;
            walked += page.results.len() as u64;
            pages += 1;
            let Some(next) = page.next else {
                bail!("the big room ended after {walked} messages, before the deep cursor");
            };
            cursor = Some(cursor_of(&next)?);
            if pages == 1 {
                self.shallow_cursor = cursor.clone();
                self.info.shallow_cursor_depth = walked;
            }
            if pages % 2000 == 0 {
                eprintln!("  {walked} / {depth}");
            }
        }
        let cursor = cursor.context("a deep cursor")?;
        let deep: Page = self
            .http
            .get_json(
                self.page_url(room, settings.page_size, Some(&cursor))?
                    .as_str(),
                &token,
            )
            .await?;
        let expected = newest - depth as i64;
        ensure!(
            deep.results.first().map(|m| m.id) == Some(expected),
            "the deep page should start at message {expected} ({depth} below the newest)"
        );
        self.info.deep_cursor_depth = walked;
        self.info.deep_walk_pages = pages;
        self.info.deep_walk_secs = started.elapsed().as_secs_f64();
        eprintln!("  {pages} pages in {:.1} s", self.info.deep_walk_secs);
        self.deep_cursor = Some(cursor);
        Ok(())
    }
}

/// A room of `members`, the first one its creator.
async fn group(http: &Http, members: &[User], name: &str) -> anyhow::Result<i64> {
    let others: Vec<&User> = members[1..].iter().collect();
    create_room(http, &members[0], &others, name).await
}

/// The `cursor` parameter of a `next` link.
fn cursor_of(link: &str) -> anyhow::Result<String> {
    Url::parse(link)?
        .query_pairs()
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| v.into_owned())
        .with_context(|| format!("no cursor in {link}"))
}
