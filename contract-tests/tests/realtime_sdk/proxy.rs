//! A network failure on demand.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::{JoinHandle, JoinSet};

/// A TCP proxy to the server whose connections a test can cut, and which can refuse new
/// ones (closing them at once) for a while.
pub struct Proxy {
    /// `http://127.0.0.1:<port>` of the proxy.
    pub base: String,
    handle: ProxyHandle,
    accepting: JoinHandle<()>,
}

/// The proxy's controls, for another task.
#[derive(Clone)]
pub struct ProxyHandle {
    connections: Arc<Mutex<JoinSet<()>>>,
    refusing: Arc<AtomicBool>,
}

impl Proxy {
    pub async fn start(server_base: &str) -> Proxy {
        let upstream = server_base
            .strip_prefix("http://")
            .expect("an http:// base")
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let base = format!("http://{}", listener.local_addr().expect("an address"));
        let handle = ProxyHandle {
            connections: Arc::default(),
            refusing: Arc::default(),
        };
        let accepting = {
            let handle = handle.clone();
            tokio::spawn(async move {
                while let Ok((mut client, _)) = listener.accept().await {
                    if handle.refusing.load(Ordering::SeqCst) {
                        continue;
                    }
                    let upstream = upstream.clone();
                    handle.connections.lock().await.spawn(async move {
                        if let Ok(mut server) = TcpStream::connect(&upstream).await {
                            let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                        }
                    });
                }
            })
        };
        Proxy {
            base,
            handle,
            accepting,
        }
    }

    pub fn handle(&self) -> ProxyHandle {
        self.handle.clone()
    }

    pub fn refuse(&self, refusing: bool) {
        self.handle.refusing.store(refusing, Ordering::SeqCst);
    }

    pub async fn cut(&self) {
        self.handle.cut().await;
    }
}

impl ProxyHandle {
    /// Drops every open connection, and returns once they are all closed.
    pub async fn cut(&self) {
        let mut open = std::mem::take(&mut *self.connections.lock().await);
        open.shutdown().await;
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}
