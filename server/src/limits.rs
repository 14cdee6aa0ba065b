//! Limits on what a client controls: connections at once, body size, request time, and the
//! rate of failed logins per account and per address. Each limit hit is an answer naming it.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::connect_info::Connected;
use axum::http::StatusCode;
use axum::serve::{IncomingStream, Listener};
use parapompi::core::values::StaffId;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// The server's limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// The longest a request may take, from its headers to its answer, in ms (408 beyond;
    /// a command already handed to the Engine still finishes, and its retry under the same
    /// command id is answered as a repeat).
    pub request_timeout_ms: u64,
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Failed logins to one account within the window before logins to it are refused (429).
    pub failed_logins_per_account: usize,
    /// Failed logins from one address within the window before its logins are refused (429).
    pub failed_logins_per_address: usize,
    /// The window of the failed-login limits, in ms.
    pub failed_login_window_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 1024 * 1024,
            request_timeout_ms: 30_000,
            max_connections: 256,
            failed_logins_per_account: 5,
            failed_logins_per_address: 20,
            failed_login_window_ms: 15 * 60 * 1000,
        }
    }
}

/// Reads a whole body of at most `max_bytes`.
pub async fn read_body(body: Body, max_bytes: usize) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, max_bytes).await.map_err(|error| {
        // axum wraps http-body-util's `LengthLimitError`, which it does not re-export: it is
        // told by its message, anywhere in the chain of sources.
        let mut too_large = false;
        let mut cause: Option<&dyn std::error::Error> = Some(&error);
        while let Some(e) = cause {
            too_large |= e.to_string().contains("length limit exceeded");
            cause = e.source();
        }
        if too_large {
            ApiError::limit(
                StatusCode::PAYLOAD_TOO_LARGE,
                "max_body_bytes",
                format!("the request body is larger than {max_bytes} bytes"),
            )
        } else {
            ApiError::bad_field("body", format!("the request body could not be read: {error}"))
        }
    })
}

/// Counts failed logins per account and per address over a sliding window.
#[derive(Default)]
pub struct FailedLogins {
    by_account: Mutex<HashMap<StaffId, VecDeque<Instant>>>,
    by_address: Mutex<HashMap<IpAddr, VecDeque<Instant>>>,
}

/// The most keys each table keeps: beyond, the oldest-seen entries go (a flood of
/// addresses cannot grow the table without bound).
const MAX_TRACKED: usize = 100_000;

fn recent(times: &mut VecDeque<Instant>, window: Duration, now: Instant) -> usize {
    while times.front().is_some_and(|t| now.duration_since(*t) > window) {
        times.pop_front();
    }
    times.len()
}

impl FailedLogins {
    /// Refuses a login when the account or the address has failed too often lately.
    pub fn check(&self, limits: &Limits, account: StaffId, address: IpAddr) -> Result<(), ApiError> {
        let window = Duration::from_millis(limits.failed_login_window_ms);
        let now = Instant::now();
        let per_address = {
            let mut table = self.by_address.lock().unwrap_or_else(|e| e.into_inner());
            table.get_mut(&address).map_or(0, |t| recent(t, window, now))
        };
        if per_address >= limits.failed_logins_per_address {
            return Err(ApiError::limit(
                StatusCode::TOO_MANY_REQUESTS,
                "failed_logins_per_address",
                format!("too many failed logins from this address: wait {} s", window.as_secs()),
            ));
        }
        let per_account = {
            let mut table = self.by_account.lock().unwrap_or_else(|e| e.into_inner());
            table.get_mut(&account).map_or(0, |t| recent(t, window, now))
        };
        if per_account >= limits.failed_logins_per_account {
            return Err(ApiError::limit(
                StatusCode::TOO_MANY_REQUESTS,
                "failed_logins_per_account",
                format!("too many failed logins to this account: wait {} s", window.as_secs()),
            ));
        }
        Ok(())
    }

    /// Counts a failed login.
    pub fn record(&self, account: StaffId, address: IpAddr) {
        let now = Instant::now();
        fn push<K: std::hash::Hash + Eq>(table: &Mutex<HashMap<K, VecDeque<Instant>>>, key: K, now: Instant) {
            let mut table = table.lock().unwrap_or_else(|e| e.into_inner());
            if table.len() >= MAX_TRACKED && !table.contains_key(&key) {
                table.clear();
            }
            let times = table.entry(key).or_default();
            times.push_back(now);
            if times.len() > 1024 {
                times.pop_front();
            }
        }
        push(&self.by_account, account, now);
        push(&self.by_address, address, now);
    }
}

/// A TCP listener that holds at most `max_connections` connections at once: one more is
/// answered `503` with a JSON body naming the limit, and closed.
pub struct LimitedListener {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    max_connections: usize,
}

impl LimitedListener {
    /// Wraps a bound listener.
    pub fn new(listener: TcpListener, max_connections: usize) -> LimitedListener {
        LimitedListener { listener, permits: Arc::new(Semaphore::new(max_connections)), max_connections }
    }
}

/// The body of the answer to a connection over the limit.
fn over_limit_answer(max_connections: usize) -> Vec<u8> {
    let body = crate::error::ApiError::limit(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "max_connections",
        format!("the server holds {max_connections} connections at once; try again shortly"),
    )
    .problem()
    .to_json();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: {}\r\nconnection: close\r\nretry-after: 1\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

impl Listener for LimitedListener {
    type Io = LimitedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (mut stream, address) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: wait, as axum's own listener does.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            match self.permits.clone().try_acquire_owned() {
                Ok(permit) => return (LimitedStream { stream, _permit: permit }, address),
                Err(_) => {
                    let answer = over_limit_answer(self.max_connections);
                    tracing::warn!(limit = "max_connections", "connection refused");
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(&answer)).await;
                        let _ = stream.shutdown().await;
                    });
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.listener.local_addr()
    }
}

/// A connection holding its place under the limit until it closes.
pub struct LimitedStream {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for LimitedStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// The client's address, as the connection gives it (behind a reverse proxy, the proxy's).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Connected<IncomingStream<'_, LimitedListener>> for Peer {
    fn connect_info(stream: IncomingStream<'_, LimitedListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}
