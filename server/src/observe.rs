//! Request ids and one structured log line per request: id, method, route, status,
//! outcome, actor, command and duration. Never a body, a token, identity data or free text:
//! a route is logged by its path (which holds ids at most), without its query.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::error::Outcome;

/// What a handler tells the log line: who acted and which command.
#[derive(Debug, Clone, Default)]
pub struct Acted {
    /// The authenticated staff member's stream id.
    pub actor: Option<String>,
    /// The command's stable names, comma-separated.
    pub command: Option<String>,
}

/// Gives the request an id, times it, and logs its line.
pub async fn observe(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7();
    let method = request.method().clone();
    // A refusal may come before the body was read (no token, too large): the connection then
    // holds unread bytes, so it is closed after the answer, and the client is told so.
    let has_body = request.headers().contains_key(axum::http::header::TRANSFER_ENCODING)
        || request.headers().get(axum::http::header::CONTENT_LENGTH).is_some_and(|length| length.as_bytes() != b"0");
    // The route's pattern when routing already matched, else the path (ids, never a query).
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| request.uri().path().to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&request_id.to_string()) {
        response.headers_mut().insert("x-request-id", value);
    }
    if has_body && !response.status().is_success() {
        response.headers_mut().insert(axum::http::header::CONNECTION, HeaderValue::from_static("close"));
    }
    let acted = response.extensions().get::<Acted>().cloned().unwrap_or_default();
    let outcome = response.extensions().get::<Outcome>().map_or("ok", |o| o.0);
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(
        request_id = %request_id,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        outcome,
        actor = acted.actor.as_deref().unwrap_or("-"),
        command = acted.command.as_deref().unwrap_or("-"),
        duration_ms,
        "request"
    );
    response
}
