//! Cursor pagination of messages as properties: for any history (some messages deleted, others
//! sent to another room in between) and any `page_size` (out-of-range ones included), following
//! `next` from the first page lists every message of the room exactly once in the listing's
//! order, and following `previous` back from the last page lists them all again, reversed —
//! newest first, and oldest first with `after=<id>`.

use futures::StreamExt;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::helpers::*;

/// Enough to cover empty, partial and many-page histories while staying well under 30 s on two
/// cores in a debug build.
const CASES: u32 = 24;
/// Requests in flight while a history is written: the server commits concurrent messages
/// together, which is what keeps hundreds of messages per case cheap.
const IN_FLIGHT: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Kept,
    /// Sent, then deleted: leaves a gap in the room's ids.
    Deleted,
    /// Sent to another room: its id falls between this room's ids.
    Elsewhere,
}

#[derive(Clone)]
struct Case {
    history: Vec<Fate>,
    page_size: Option<i64>,
    /// Which message (of any fate, or none: before them all) `after` names.
    after: Index,
}

/// A failing case prints its history as one letter per message (`k`ept, `d`eleted, sent
/// `e`lsewhere) rather than hundreds of lines.
impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let history: String = self
            .history
            .iter()
            .map(|fate| match fate {
                Fate::Kept => 'k',
                Fate::Deleted => 'd',
                Fate::Elsewhere => 'e',
            })
            .collect();
        f.debug_struct("Case")
            .field("history", &history)
            .field("page_size", &self.page_size)
            .field("after", &self.after)
            .finish()
    }
}

fn case() -> impl Strategy<Value = Case> {
    let fate = prop_oneof![
        8 => Just(Fate::Kept),
        1 => Just(Fate::Deleted),
        1 => Just(Fate::Elsewhere),
    ];
    // Small sizes get their own weight: they make the most pages, where the boundaries are.
    let page_size = prop_oneof![
        3 => (1..=10i64).prop_map(Some),
        3 => (11..=100i64).prop_map(Some),
        2 => prop::sample::select(vec![None, Some(0), Some(-1), Some(101), Some(1000)]),
    ];
    (
        prop::collection::vec(fate, 0..300),
        page_size,
        any::<Index>(),
    )
        .prop_map(|(history, page_size, after)| Case {
            history,
            page_size,
            after,
        })
}

/// API.md: `page_size` defaults to 50 and is capped at 100; zero or less is the default.
fn effective(page_size: Option<i64>) -> usize {
    match page_size {
        Some(size) if size > 0 => usize::try_from(size.min(100)).unwrap_or(100),
        _ => 50,
    }
}

struct Shared {
    app: TestApp,
    sender: User,
    elsewhere: i64,
}

/// One page: the URL it was fetched from, its message ids and its links.
struct Page {
    url: String,
    ids: Vec<i64>,
    previous: Option<String>,
}

/// Follows `link` from `first` until it is null.
async fn walk(shared: &Shared, first: &str, link: &str) -> Result<Vec<Page>, TestCaseError> {
    let mut pages = Vec::new();
    let mut url = Some(first.to_owned());
    while let Some(current) = url {
        let reply = shared.app.get(&current, Some(&shared.sender.access)).await;
        prop_assert_eq!(reply.status, 200, "{}: {:?}", current, reply);
        let ids = reply.body["results"]
            .as_array()
            .map(|results| results.iter().filter_map(|m| m["id"].as_i64()).collect())
            .unwrap_or_default();
        let text = |key: &str| reply.body[key].as_str().map(str::to_owned);
        url = text(link);
        pages.push(Page {
            url: current,
            ids,
            previous: text("previous"),
        });
        prop_assert!(pages.len() <= 1000, "{} never ends", link);
    }
    Ok(pages)
}

/// Walks `first` forward and back again; `listed` is the room's messages in the listing's
/// order.
async fn both_ways(
    shared: &Shared,
    first: &str,
    listed: &[i64],
    size: usize,
) -> Result<(), TestCaseError> {
    let forward = walk(shared, first, "next").await?;
    prop_assert_eq!(
        &forward[0].previous,
        &None,
        "the first page has no previous"
    );
    let visited: Vec<i64> = forward.iter().flat_map(|p| p.ids.iter().copied()).collect();
    prop_assert_eq!(&visited, listed, "next from {}", first);
    let (last, full) = forward.split_last().expect("at least the first page");
    for page in full {
        prop_assert_eq!(
            page.ids.len(),
            size,
            "a page before the last is full: {}",
            page.url
        );
    }
    prop_assert!(last.ids.len() <= size, "oversized last page {}", last.url);
    prop_assert_eq!(
        last.ids.is_empty(),
        listed.is_empty(),
        "only an empty room has an empty page: {}",
        last.url
    );

    let backward = walk(shared, &last.url, "previous").await?;
    for page in &backward {
        prop_assert!(
            !page.ids.is_empty() || listed.is_empty(),
            "empty page {}",
            page.url
        );
        prop_assert!(page.ids.len() <= size, "oversized page {}", page.url);
    }
    // Pages come in reverse, each still in the listing's order: reversing every page undoes it.
    let revisited: Vec<i64> = backward
        .iter()
        .flat_map(|p| p.ids.iter().rev().copied())
        .collect();
    let reversed: Vec<i64> = listed.iter().rev().copied().collect();
    prop_assert_eq!(revisited, reversed, "previous from {}", last.url);
    Ok(())
}

async fn check(shared: &Shared, case: Case) -> Result<(), TestCaseError> {
    let Shared {
        app,
        sender,
        elsewhere,
    } = shared;
    let room = app.room(sender, "GROUP", &[]).await;
    let sent: Vec<(Fate, i64)> = futures::stream::iter(case.history.iter().enumerate())
        .map(|(i, &fate)| async move {
            let target = if fate == Fate::Elsewhere {
                *elsewhere
            } else {
                room
            };
            (
                fate,
                app.message(sender, target, &format!("message {i}")).await,
            )
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    let deleted: Vec<Reply> =
        futures::stream::iter(sent.iter().filter(|(f, _)| *f == Fate::Deleted))
            .map(|(_, id)| async move {
                let url = format!("/api/chat/rooms/{room}/messages/{id}/");
                app.delete(&url, Some(&sender.access)).await
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
    for reply in deleted {
        prop_assert_eq!(reply.status, 204, "delete: {:?}", reply);
    }

    let mut kept: Vec<i64> = sent
        .iter()
        .filter(|(f, _)| *f == Fate::Kept)
        .map(|(_, id)| *id)
        .collect();
    kept.sort_unstable();
    let size = effective(case.page_size);
    let url = |after: Option<i64>| {
        let query: Vec<String> = [
            after.map(|id| format!("after={id}")),
            case.page_size.map(|s| format!("page_size={s}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        format!("/api/chat/rooms/{room}/messages/?{}", query.join("&"))
    };

    let newest_first: Vec<i64> = kept.iter().rev().copied().collect();
    both_ways(shared, &url(None), &newest_first, size).await?;

    // Any message may be the last one a client saw, even one deleted since or of another room.
    let mut candidates: Vec<i64> = sent.iter().map(|(_, id)| *id).collect();
    candidates.push(0);
    candidates.sort_unstable();
    let after = candidates[case.after.index(candidates.len())];
    let newer: Vec<i64> = kept.iter().copied().filter(|id| *id > after).collect();
    both_ways(shared, &url(Some(after)), &newer, size).await
}

#[test]
fn cursor_walks_visit_every_message_once_both_ways() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // One server for every case (each case gets its own room): starting one per case would
    // cost more than the case itself.
    let shared = runtime.block_on(async {
        let app = spawn_app().await?;
        let sender = app.user("alice").await;
        let elsewhere = app.room(&sender, "GROUP", &[]).await;
        Some(Shared {
            app,
            sender,
            elsewhere,
        })
    });
    let Some(shared) = shared else { return };
    let config = Config {
        // A failure prints its minimal case; no regression file is written into the tree.
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::with_cases(CASES)
    };
    let result =
        TestRunner::new(config).run(&case(), |case| runtime.block_on(check(&shared, case)));
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
