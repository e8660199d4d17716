//! The accept loop: hyper-util's HTTP/1.1 + HTTP/2 server around the poem endpoint. poem's own
//! `Server` gives hyper no timer, so it cannot bound how long a client takes to send its
//! headers: one byte every few seconds (slowloris) or a silent keep-alive connection would
//! hold a connection and its task forever. Here every HTTP/1 request's headers must arrive
//! within `header_read_timeout`, counted from when the connection starts waiting for them, so
//! idle keep-alive connections close after that long too.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use poem::endpoint::BoxEndpoint;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, Response};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

pub struct Serve {
    pub listener: TcpListener,
    pub endpoint: Arc<BoxEndpoint<'static, Response>>,
    pub header_read_timeout: Duration,
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
                        connections.spawn(connection(
                            stream,
                            local,
                            remote,
                            Arc::clone(&self.endpoint),
                            self.header_read_timeout,
                            stopping_rx.clone(),
                        ));
                    }
                    // Out of file descriptors or a connection reset while queued: keep
                    // serving the others, without spinning on a persistent error.
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
    stream: TcpStream,
    local: SocketAddr,
    remote: SocketAddr,
    endpoint: Arc<BoxEndpoint<'static, Response>>,
    header_read_timeout: Duration,
    mut stopping: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let endpoint = Arc::clone(&endpoint);
        async move {
            let request = poem::Request::from((
                request,
                LocalAddr(local.into()),
                RemoteAddr(remote.into()),
                Scheme::HTTP,
            ));
            let response = endpoint.get_response(request).await;
            Ok::<_, Infallible>(hyper::Response::<BoxBody<Bytes, std::io::Error>>::from(
                response,
            ))
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
    }
}
