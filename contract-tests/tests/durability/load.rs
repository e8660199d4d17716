//! Concurrent message creation: each sender posts distinct messages, one after another, until
//! told to stop or until the server stops answering.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;

use super::api::{Answer, Api, User};
use super::ledger::Sent;

/// One POST and what came of it.
#[derive(Debug)]
pub struct Attempt {
    pub sent: Sent,
    pub answer: Answer,
    pub ended: Instant,
}

pub struct Load {
    stop: Arc<AtomicBool>,
    created: Arc<AtomicUsize>,
    senders: JoinSet<Vec<Attempt>>,
}

impl Load {
    /// `senders` tasks posting to `room`, round-robin over `users`; `label` makes this run's
    /// contents unique in the room.
    pub fn start(api: &Api, room: i64, users: &[User], senders: usize, label: &str) -> Load {
        let stop = Arc::new(AtomicBool::new(false));
        let created = Arc::new(AtomicUsize::new(0));
        let mut tasks = JoinSet::new();
        for sender in 0..senders {
            let api = api.clone();
            let user = users[sender % users.len()].clone();
            let (stop, created) = (Arc::clone(&stop), Arc::clone(&created));
            let label = format!("{label} s{sender}");
            tasks.spawn(
                async move { send_until_stopped(api, user, room, label, stop, created).await },
            );
        }
        Load {
            stop,
            created,
            senders: tasks,
        }
    }

    /// Waits for the first 201, so that a kill timed from here lands in a running load
    /// however slow the machine is to get it going.
    pub async fn running(&self) {
        let started = Instant::now();
        while self.created.load(Ordering::SeqCst) == 0 {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "no message was created within 20 s of starting the load"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stops the senders and collects every attempt.
    pub async fn finish(mut self) -> Vec<Attempt> {
        self.stop();
        let mut attempts = Vec::new();
        let all = async {
            while let Some(sender) = self.senders.join_next().await {
                attempts.extend(sender.expect("a sender task"));
            }
        };
        tokio::time::timeout(Duration::from_secs(40), all)
            .await
            .expect("the senders end within the client's timeout");
        attempts
    }
}

async fn send_until_stopped(
    api: Api,
    user: User,
    room: i64,
    label: String,
    stop: Arc<AtomicBool>,
    created: Arc<AtomicUsize>,
) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    for seq in 0.. {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let client_id = uuid::Uuid::new_v4().to_string();
        let sent = Sent {
            sender_id: user.id,
            content: format!("{label} n{seq} {client_id}"),
            client_id,
        };
        let answer = api
            .post_message(&user, room, &sent.content, &sent.client_id)
            .await;
        let gone = matches!(answer, Answer::NoAnswer(_));
        if matches!(answer, Answer::Status(status, _) if status.as_u16() == 201) {
            created.fetch_add(1, Ordering::SeqCst);
        }
        attempts.push(Attempt {
            sent,
            answer,
            ended: Instant::now(),
        });
        // A server that stopped answering is dead or shutting down: no point hammering it.
        if gone {
            break;
        }
    }
    attempts
}
