//! `GET /v1/export?from&to`: the log's records from position `from` (default 1) to `to`
//! (default the head when the request came), as the export lines of store/FORMAT.md: the
//! same bytes as `parapompi export --jsonl` writes, for they are written by the same
//! function (`Store::export_jsonl`).
//!
//! The answer is streamed: a window of [`EXPORT_WINDOW_RECORDS`] positions at a time is read
//! on a blocking thread and handed to the connection, with at most [`WINDOWS_BUFFERED`]
//! windows waiting for a slow reader, so a log of any size is sent in bounded memory. A read
//! that fails, or a shutdown that begins, while the answer is sent cuts the connection
//! without ending the body: the client sees a broken transfer, never a shorter log that
//! looks whole.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parapompi::core::credential::CredentialKind;
use tokio::sync::mpsc;

use crate::auth::{authenticate, bearer, now};
use crate::error::ApiError;
use crate::routes::{acted_by, params};
use crate::AppState;

/// Positions read and sent at a time.
pub const EXPORT_WINDOW_RECORDS: u64 = 512;

/// Windows read ahead of the client.
const WINDOWS_BUFFERED: usize = 2;

/// The handler.
pub(crate) async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<crate::routes::Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let token = bearer(&headers)?;
    let params = params(query, &["from", "to"])?;
    let head = state.engine.store().head().position;
    let position = |key: &str, default: u64| match params.get(key) {
        None => Ok(default),
        Some(text) => text
            .trim()
            .parse::<u64>()
            .map_err(|_| ApiError::bad_field(key, format!("{text:?} is not a position (a whole number from 1)"))),
    };
    let (from, to) = (position("from", 1)?, position("to", head)?);
    // As `parapompi export` refuses a start outside the log.
    if from == 0 || from > head {
        return Err(ApiError::bad_field("from", format!("position {from} is not in the log (1..={head})")));
    }
    if to < from || to > head {
        return Err(ApiError::bad_field("to", format!("position {to} is not in the log from {from} (..={head})")));
    }
    let (sender, receiver) = tokio::sync::mpsc::channel::<Window>(WINDOWS_BUFFERED);
    let (engine, mut stopping) = (state.engine.clone(), state.stopping.clone());
    let (credentials, clock_state) = (state.credentials.clone(), state.clone());
    tokio::spawn(async move {
        let mut next = from;
        while next <= to {
            let last = to.min(next.saturating_add(EXPORT_WINDOW_RECORDS - 1));
            let engine = engine.clone();
            // The token is checked again before each window, as the live feed checks it
            // before each record: a revoked or expired credential, or a holder deactivated
            // meanwhile, cuts the export.
            let (credentials, token, at) = (credentials.clone(), token.clone(), now(&clock_state));
            let window = tokio::task::spawn_blocking(move || {
                credentials
                    .check(&token, &[CredentialKind::Session, CredentialKind::ApiToken], at)
                    .map_err(|e| format!("the credential is no longer valid ({e})"))?;
                let mut bytes = Vec::new();
                let exported = engine.store().export_jsonl(&mut bytes, next, last).map_err(|e| e.to_string())?;
                let expected = last - next + 1;
                if exported.n_events != expected {
                    return Err(format!("{} records read where {expected} were expected", exported.n_events));
                }
                Ok(Bytes::from(bytes))
            });
            let bytes = match window.await {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(error)) => {
                    tracing::warn!(%error, from = next, to = last, "export cut short: a window could not be read");
                    return;
                }
                Err(error) => {
                    tracing::warn!(%error, from = next, to = last, "export cut short: its read failed");
                    return;
                }
            };
            tokio::select! {
                sent = sender.send(Window::Records(bytes)) => if sent.is_err() { return },
                _ = stopping.changed() => {
                    tracing::info!(from = next, "export cut short: the server is shutting down");
                    return;
                }
            }
            next = last + 1;
        }
        let _ = sender.send(Window::End).await;
    });
    let mut response = (
        StatusCode::OK,
        [("content-type", "application/x-ndjson")],
        Body::from_stream(Windows { receiver, ended: false }),
    )
        .into_response();
    response.extensions_mut().insert(acted_by(caller.staff.staff_id, None));
    Ok(response)
}

/// What the reading task hands the connection: a window's bytes, then the end.
pub(crate) enum Window {
    Records(Bytes),
    End,
}

/// The answer's body: the windows as they come, and an error, which cuts the connection
/// without the body's last chunk, when the reading task stops before the end.
pub(crate) struct Windows {
    pub(crate) receiver: mpsc::Receiver<Window>,
    pub(crate) ended: bool,
}

impl tokio_stream::Stream for Windows {
    type Item = Result<Bytes, io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.ended {
            return Poll::Ready(None);
        }
        match self.receiver.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Window::Records(bytes))) => Poll::Ready(Some(Ok(bytes))),
            Poll::Ready(Some(Window::End)) => {
                self.ended = true;
                Poll::Ready(None)
            }
            Poll::Ready(None) => {
                self.ended = true;
                Poll::Ready(Some(Err(io::Error::other("the export was cut short before its last position"))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_stream::StreamExt;

    async fn body_of(windows: Vec<Window>) -> Vec<Result<Bytes, String>> {
        let (sender, receiver) = mpsc::channel(windows.len().max(1));
        for window in windows {
            assert!(sender.send(window).await.is_ok());
        }
        drop(sender);
        Windows { receiver, ended: false }.map(|item| item.map_err(|e| e.to_string())).collect().await
    }

    #[tokio::test]
    async fn a_whole_export_ends_and_a_cut_one_fails() {
        let window = || Window::Records(Bytes::from_static(b"{}\n"));
        let whole = body_of(vec![window(), window(), Window::End]).await;
        assert_eq!(whole, vec![Ok(Bytes::from_static(b"{}\n")), Ok(Bytes::from_static(b"{}\n"))]);
        // The reading task stopped before the end (a failed read, a shutdown): the body's
        // last item is an error, so the connection is cut instead of the body ended.
        let cut = body_of(vec![window()]).await;
        assert_eq!(cut.len(), 2);
        assert!(matches!(&cut[1], Err(e) if e.contains("cut short")), "{cut:?}");
        assert_eq!(body_of(Vec::new()).await.len(), 1, "nothing read at all is a cut too");
    }
}
