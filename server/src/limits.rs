//! Limits on what a client controls: connections at once, the pace of its headers, body size,
//! request time, and the rate of failed logins per account and per address. Each limit hit is
//! an answer naming it. The transport (`transport`) applies the first two.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use parapompi::core::values::StaffId;

use crate::error::ApiError;

/// The server's limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// The longest a request may take, from its headers to its answer, in ms (408 beyond;
    /// a command already handed to the Engine still finishes, and its retry under the same
    /// command id is answered as a repeat). Also the longest an answer may wait on a client
    /// that reads none of it: its connection is closed then.
    pub request_timeout_ms: u64,
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// The longest a client may take to send a request's headers, in ms, and before that,
    /// on a TLS port, to finish its handshake: a request begun and not in by then is answered
    /// 408 and its connection closed; a handshake not done, or a kept-alive connection idle
    /// that long, is closed.
    pub header_timeout_ms: u64,
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
            header_timeout_ms: 10_000,
            failed_logins_per_account: 5,
            failed_logins_per_address: 20,
            failed_login_window_ms: 15 * 60 * 1000,
        }
    }
}

/// The longest header time limit, in ms: a day.
const MAX_HEADER_TIMEOUT_MS: u64 = 24 * 3600 * 1000;

impl Limits {
    /// Refuses the values no server could serve with: the limit's name and why.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        if self.max_connections == 0 {
            return Err(("max_connections", "0 connections at once would serve no one".to_owned()));
        }
        if self.request_timeout_ms == 0 {
            return Err(("request_timeout_ms", "a request must be given at least 1 ms".to_owned()));
        }
        if !(1..=MAX_HEADER_TIMEOUT_MS).contains(&self.header_timeout_ms) {
            return Err((
                "header_timeout_ms",
                format!("{} is not between 1 and {MAX_HEADER_TIMEOUT_MS} ms", self.header_timeout_ms),
            ));
        }
        Ok(())
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

/// The client's address, as the connection gives it (behind a reverse proxy, the proxy's).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);
