//! The accept loop: hyper-util's HTTP/1.1 + HTTP/2 server around the poem endpoint. poem's own
//! `Server` gives hyper no timer, so it cannot bound how long a client takes to send its
//! headers: one byte every few seconds (slowloris) or a silent keep-alive connection would
//! hold a connection and its task forever. Here a connection with no request in progress is
//! closed `header_read_timeout` after it was accepted or its last response was written,
//! whatever its protocol (hyper's own HTTP/1 timer does not run while the auto builder waits
//! for the first bytes to tell HTTP/1 from HTTP/2, so a silent socket escaped it), and the
//! [`Gate`] keeps the number of open connections below the open-file limit.

mod counted;
mod gate;
pub mod limits;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use poem::endpoint::BoxEndpoint;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use counted::Counted;
pub use gate::Gate;
use gate::{Busy, Connection};

pub struct Serve {
    pub listener: TcpListener,
    pub endpoint: Arc<BoxEndpoint<'static, Response>>,
    pub header_read_timeout: Duration,
    pub gate: Arc<Gate>,
    /// How long in-flight requests may still take once `stop` has completed.
    pub shutdown_grace: Duration,
}

impl Serve {
    /// Serves until `stop` completes, then stops accepting, lets every connection finish its
    /// in-flight request (idle ones close at once) and returns; after the grace period the
    /// rest are cut.
    pub async fn run(self, stop: impl Future<Output = ()>) -> std::io::Result<()> {
        let local = self.listener.local_addr()?;
        let (stopping, stopping_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                () = &mut stop => break,
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, remote)) => {
                        // Full of connections that are all busy: this one is closed at once.
                        let Some((slot, tracked)) = self.gate.admit() else {
                            metrics::counter!("chat_http_connections_refused_total").increment(1);
                            continue;
                        };
                        connections.spawn(connection(
                            Counted::new(stream, slot),
                            tracked,
                            local,
                            remote,
                            Arc::clone(&self.endpoint),
                            self.header_read_timeout,
                            stopping_rx.clone(),
                        ));
                    }
                    // Out of file descriptors (another part of the process holds more than
                    // the gate's reserve) or a connection reset while queued: keep serving
                    // the others, without spinning on a persistent error.
                    Err(err) => {
                        tracing::warn!(error = %err, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
        drop(self.listener);
        let _ = stopping.send(true);
        let drain = async { while connections.join_next().await.is_some() {} };
        if tokio::time::timeout(self.shutdown_grace, drain)
            .await
            .is_err()
        {
            tracing::warn!(
                left = connections.len(),
                "shutdown grace period over: closing the remaining connections"
            );
            connections.shutdown().await;
        }
        Ok(())
    }
}

async fn connection(
    stream: Counted<TcpStream>,
    tracked: Arc<Connection>,
    local: SocketAddr,
    remote: SocketAddr,
    endpoint: Arc<BoxEndpoint<'static, Response>>,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.get_ref().set_nodelay(true);
    let requests = Arc::clone(&tracked);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let endpoint = Arc::clone(&endpoint);
        let busy = requests.begin();
        async move {
            let request = poem::Request::from((
                request,
                LocalAddr(local.into()),
                RemoteAddr(remote.into()),
                Scheme::HTTP,
            ));
            let response = endpoint.get_response(request).await;
            let response = hyper::Response::<BoxBody<Bytes, std::io::Error>>::from(response);
            // The request is in progress until its body is written: the guard goes with it.
            Ok::<_, Infallible>(response.map(|body| InProgress { body, _busy: busy }))
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout);
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        result = conn.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(%remote, error = %err, "connection ended with an error");
            }
        }
        // `watch::Ref` is not `Send`: drop it before awaiting the connection.
        _ = async { stopping.wait_for(|stop| *stop).await.map(drop) } => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
        // Both only fire with no request in progress: nothing is cut short.
        () = quiet_for(&tracked, header_read_timeout) => {
            tracing::debug!(%remote, "closing a connection that sent no request in time");
        }
        () = tracked.evict.notified() => {
            tracing::debug!(%remote, "closing an idle connection to make room for a new one");
        }
    }
    tracked.retire();
}

/// A response body that keeps its request counted as in progress until it is written (or
/// dropped): the gate never evicts, nor the idle timer closes, a connection mid-response.
struct InProgress {
    body: BoxBody<Bytes, std::io::Error>,
    _busy: Busy,
}

impl hyper::body::Body for InProgress {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Completes once the connection has had no request in progress for `limit`.
async fn quiet_for(connection: &Connection, limit: Duration) {
    loop {
        match connection.quiet_since() {
            Some(since) if since.elapsed() >= limit => return,
            Some(since) => tokio::time::sleep_until((since + limit).into()).await,
            // Busy: look again later (a request's own duration is the request timeout's).
            None => tokio::time::sleep(limit).await,
        }
    }
}
