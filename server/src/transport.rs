//! The transport: the accept loop, TLS, and HTTP/1.1 over hyper, with the limits a client's
//! pace meets before its request reaches the routes.
//!
//! - Connections at once: one over `max_connections` is answered 503 (over TLS on a TLS
//!   port) and closed.
//! - A client's pace: the TLS handshake, and then each request's headers, must each come
//!   within `header_timeout_ms`. A request begun and not finished in time is answered 408
//!   and its connection closed; a kept-alive connection idle that long is closed.
//! - An answer the client reads none of for `request_timeout_ms` closes its connection.
//! - A plain HTTP request to a TLS port is answered, in plain HTTP, that the port speaks
//!   HTTPS.
//! - Shutting down: the listener closes, every connection is told to stop after its request
//!   in flight (and live feeds end, by the same signal; hyper closes at once a connection
//!   idle or that has sent nothing yet), and the loop returns once they are closed, or after
//!   the longest a request may take when some client reads its answer a trickle at a time.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::error::ApiError;
use crate::limits::{Limits, Peer};
use crate::tls::TlsConfig;

/// Connections over the limit being answered at once; beyond, one is closed unanswered (an
/// answer over TLS costs a handshake, which a flood must not multiply).
const MAX_REFUSING: usize = 64;

/// The longest a connection over the limit is given to take its answer, in ms.
const REFUSAL_TIMEOUT_MS: u64 = 2_000;

/// The longest an answer written by the transport itself (408, or 400 to plain HTTP on a TLS
/// port) may take to leave, in ms.
const RAW_ANSWER_TIMEOUT_MS: u64 = 2_000;

/// The first byte of a TLS handshake record: anything else at a TLS port is not TLS.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// What every connection of one listener shares.
struct Shared {
    router: Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    header_timeout: Duration,
    /// The longest an answer may wait on a client that reads none of it.
    write_stall_limit: Duration,
    stopping: watch::Receiver<bool>,
}

/// Serves `router` on `listener` until `shutdown` resolves; then tells every connection and
/// live feed to stop through `stop`, and returns once the connections are closed.
pub async fn serve(
    listener: TcpListener,
    tls: Option<&TlsConfig>,
    limits: &Limits,
    router: Router,
    shutdown: impl Future<Output = ()>,
    stop: watch::Sender<bool>,
) {
    let shared = Arc::new(Shared {
        router,
        tls: tls.map(TlsConfig::acceptor),
        header_timeout: Duration::from_millis(limits.header_timeout_ms),
        write_stall_limit: Duration::from_millis(limits.request_timeout_ms),
        stopping: stop.subscribe(),
    });
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let over_limit: Arc<[u8]> = raw_answer(
        ApiError::limit(
            StatusCode::SERVICE_UNAVAILABLE,
            "max_connections",
            format!("the server holds {} connections at once; try again shortly", limits.max_connections),
        ),
        &[("retry-after", "1")],
    )
    .await
    .into();
    let mut connections = JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            // Finished connections are reaped as they end, so the set holds only live ones.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, address) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Out of file descriptors and the like: wait rather than spin.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // An answer goes out as soon as it is written, not held back until the
                // client acknowledges the last segment (Nagle's algorithm): answers are small
                // and each one is awaited.
                let _ = stream.set_nodelay(true);
                match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        connections.spawn(connection(stream, Peer(address), shared.clone(), slot));
                    }
                    Err(_) => {
                        tracing::warn!(limit = "max_connections", "connection refused");
                        if let Ok(refusal) = refusing.clone().try_acquire_owned() {
                            tokio::spawn(refuse(stream, shared.tls.clone(), over_limit.clone(), refusal));
                        }
                    }
                }
            }
        }
    }
    // Stop accepting: from here a new connection is refused by the operating system.
    drop(listener);
    let _ = stop.send(true);
    // A request takes at most its time limit, and an answer waits at most as long on a
    // client that reads none of it; the bound is for a client that reads its answer a
    // trickle at a time, which would otherwise hold the shutdown for ever.
    let drain_ms = limits.request_timeout_ms.saturating_add(limits.header_timeout_ms);
    let drained = tokio::time::timeout(Duration::from_millis(drain_ms), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(n_connections = connections.len(), "connections still open after {drain_ms} ms: closed");
        connections.shutdown().await;
    }
}

/// One connection, holding its slot under the limit until it closes.
async fn connection(tcp: TcpStream, peer: Peer, shared: Arc<Shared>, _slot: OwnedSemaphorePermit) {
    let Some(acceptor) = shared.tls.clone() else {
        return serve_http(tcp, peer, &shared).await;
    };
    let deadline = Instant::now() + shared.header_timeout;
    let mut stopping = shared.stopping.clone();
    let handshake = async {
        let mut first = [0_u8; 1];
        match tcp.peek(&mut first).await {
            Ok(0) | Err(_) => return None,
            Ok(_) if first[0] != TLS_HANDSHAKE_RECORD && first[0].is_ascii_uppercase() => {
                answer_plain_http(tcp).await;
                return None;
            }
            Ok(_) => {}
        }
        match acceptor.accept(tcp).await {
            Ok(stream) => Some(stream),
            Err(error) => {
                tracing::debug!(%error, "TLS handshake failed");
                None
            }
        }
    };
    let stream = tokio::select! {
        done = tokio::time::timeout_at(deadline, handshake) => match done {
            Ok(Some(stream)) => stream,
            Ok(None) => return,
            Err(_) => {
                tracing::info!(limit = "header_timeout_ms", "TLS handshake too slow: connection closed");
                return;
            }
        },
        _ = stopping.wait_for(|stopping| *stopping) => return,
    };
    serve_http(stream, peer, &shared).await;
}

/// HTTP/1.1 on one connection, plain or TLS, until it closes.
async fn serve_http<S>(stream: S, peer: Peer, shared: &Shared)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handler = Handler { router: shared.router.clone(), peer, n_requests: AtomicU64::new(0) };
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(shared.header_timeout).keep_alive(true);
    let stream = Paced { inner: stream, stall_limit: shared.write_stall_limit, stalled: None };
    let mut conn = builder.serve_connection(TokioIo::new(stream), handler);
    let mut stopping = shared.stopping.clone();
    let mut told_to_stop = *stopping.borrow_and_update();
    if told_to_stop {
        Pin::new(&mut conn).graceful_shutdown();
    }
    let served = loop {
        tokio::select! {
            served = &mut conn => break served,
            _ = stopping.changed(), if !told_to_stop => {
                // Finish the request in flight, then close; an idle connection closes now.
                told_to_stop = true;
                Pin::new(&mut conn).graceful_shutdown();
            }
        }
    };
    match served {
        Ok(()) => {}
        Err(error) if error.is_timeout() => {
            let parts = conn.into_parts();
            // Part of a request came, or none yet on a new connection: the client is told. A
            // kept-alive connection idle since its last answer is just closed.
            if !parts.read_buf.is_empty() || parts.service.n_requests.load(Ordering::Relaxed) == 0 {
                tracing::info!(limit = "header_timeout_ms", "request headers too slow: answered 408 and closed");
                let limit_ms = shared.header_timeout.as_millis();
                let answer = raw_answer(
                    ApiError::limit(
                        StatusCode::REQUEST_TIMEOUT,
                        "header_timeout_ms",
                        format!("the request's headers did not arrive within {limit_ms} ms"),
                    ),
                    &[],
                )
                .await;
                write_and_close(parts.io.into_inner(), &answer).await;
            }
        }
        Err(error) => tracing::debug!(%error, "connection ended with an error"),
    }
}

/// Hands each request to the router, with the client's address for the failed-login limits.
struct Handler {
    router: Router,
    peer: Peer,
    n_requests: AtomicU64,
}

impl hyper::service::Service<hyper::Request<Incoming>> for Handler {
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = axum::routing::future::RouteFuture<Infallible>;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        self.n_requests.fetch_add(1, Ordering::Relaxed);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        // A Router is always ready (axum's `poll_ready` returns at once), so it is called
        // without polling it first.
        let mut router = self.router.clone();
        tower_service::Service::call(&mut router, request)
    }
}

/// A connection's stream whose writes fail once they have waited on the client, without a
/// byte taken, for `stall_limit`: a client that stops reading its answers would otherwise
/// hold its connection, and its place under the limit, for ever. A live feed with nothing
/// to send writes nothing, so it never stalls.
struct Paced<S> {
    inner: S,
    stall_limit: Duration,
    /// Running while a write waits on the client.
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Paced<S> {
    /// After a write that could not proceed: the error once it has waited too long.
    fn poll_stall<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let limit = self.stall_limit;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match timer.as_mut().poll(cx) {
            Poll::Ready(()) => {
                tracing::info!(
                    limit = "request_timeout_ms",
                    "a client read none of its answer in time: connection closed"
                );
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the client read none of its answer for {} ms", limit.as_millis()),
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    /// A write's outcome: progress ends the wait, none goes on with it.
    fn paced<T>(&mut self, cx: &mut Context<'_>, polled: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match polled {
            Poll::Pending => self.poll_stall(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Paced<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Paced<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.paced(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.paced(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.paced(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.paced(cx, polled)
    }
}

/// Answers a connection over the limit and closes it: over TLS when the port speaks TLS.
async fn refuse(
    tcp: TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    answer: Arc<[u8]>,
    _refusal: OwnedSemaphorePermit,
) {
    let _ = tokio::time::timeout(Duration::from_millis(REFUSAL_TIMEOUT_MS), async move {
        match tls {
            None => write_and_close(tcp, &answer).await,
            Some(acceptor) => {
                if let Ok(stream) = acceptor.accept(tcp).await {
                    write_and_close(stream, &answer).await;
                }
            }
        }
    })
    .await;
}

/// A plain HTTP request at a TLS port: told, in plain HTTP, to use HTTPS.
async fn answer_plain_http(tcp: TcpStream) {
    tracing::info!("plain HTTP at the TLS port: answered 400");
    let answer = raw_answer(
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", "this port speaks HTTPS (TLS): use an https:// address"),
        &[],
    )
    .await;
    write_and_close(tcp, &answer).await;
}

async fn write_and_close<S: AsyncWrite + Unpin>(mut stream: S, answer: &[u8]) {
    let _ = tokio::time::timeout(Duration::from_millis(RAW_ANSWER_TIMEOUT_MS), async {
        if stream.write_all(answer).await.is_ok() {
            let _ = stream.shutdown().await;
        }
    })
    .await;
}

/// An error's answer as the bytes of an HTTP/1.1 response that closes its connection, for the
/// answers the transport writes itself: the same problem details the routes answer.
async fn raw_answer(error: ApiError, extra_headers: &[(&str, &str)]) -> Vec<u8> {
    let (parts, body) = error.into_response().into_parts();
    // The problem body is a few hundred bytes, already whole.
    let body = axum::body::to_bytes(body, 64 * 1024).await.unwrap_or_default();
    let mut head =
        format!("HTTP/1.1 {} {}\r\n", parts.status.as_u16(), parts.status.canonical_reason().unwrap_or("Error"));
    for (name, value) in &parts.headers {
        if name != axum::http::header::CONTENT_LENGTH {
            if let Ok(value) = value.to_str() {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
    }
    for (name, value) in extra_headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
    let mut answer = head.into_bytes();
    answer.extend_from_slice(&body);
    answer
}

/// The scheme a listener speaks, for its log line.
pub fn scheme(tls: bool) -> &'static str {
    if tls {
        "https"
    } else {
        "http"
    }
}

/// Plain HTTP on an address other machines reach: passwords and tokens would cross the
/// network unencrypted.
pub fn exposed_without_tls(tls: bool, address: SocketAddr) -> bool {
    !tls && !address.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::exposed_without_tls;

    #[test]
    fn plain_http_is_exposed_off_loopback_only() {
        let at = |text: &str| text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(!exposed_without_tls(false, at("127.0.0.1:8080")));
        assert!(!exposed_without_tls(false, at("[::1]:8080")));
        assert!(exposed_without_tls(false, at("0.0.0.0:8080")));
        assert!(exposed_without_tls(false, at("[::]:8080")));
        assert!(exposed_without_tls(false, at("192.0.2.7:8080")));
        assert!(!exposed_without_tls(true, at("0.0.0.0:443")));
    }
}
