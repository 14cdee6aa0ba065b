//! `GET /v1/events?from=N`: the log's records from a position on, then live, as
//! server-sent events (`id` the position, `event: record`, `data` the record's export line of
//! store/FORMAT.md). The token is checked again before every record, so a feed ends when its
//! credential is revoked or expires or its holder is deactivated; every feed ends when the
//! server shuts down.

use std::convert::Infallible;

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use parapompi::core::credential::CredentialKind;
use parapompi::store::ExportLine;
use tokio_stream::wrappers::ReceiverStream;

use crate::auth::{authenticate, bearer, now};
use crate::error::ApiError;
use crate::observe::Acted;
use crate::AppState;

/// Records buffered for a slow reader before the feed waits for it.
const FEED_BUFFER: usize = 64;

/// The feed.
pub async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<std::collections::BTreeMap<String, String>>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let token = bearer(&headers)?;
    let Query(params) = query.map_err(|e| ApiError::bad_field("query", e.body_text()))?;
    if let Some(key) = params.keys().find(|k| k.as_str() != "from") {
        return Err(ApiError::bad_field(key.clone(), "unknown parameter (the feed takes from)"));
    }
    let from = match params.get("from") {
        None => 1,
        Some(text) => match text.parse::<u64>() {
            Ok(position) if position >= 1 => position,
            _ => return Err(ApiError::bad_field("from", format!("{text:?} is not a position (1 or more)"))),
        },
    };
    let mut subscription = state.engine.subscribe(from)?;
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Event, Infallible>>(FEED_BUFFER);
    let mut stopping = state.stopping.clone();
    let (credentials, clock_state) = (state.credentials.clone(), state.clone());
    tokio::spawn(async move {
        loop {
            let next = tokio::select! {
                next = subscription.next() => next,
                _ = stopping.changed() => break,
                () = sender.closed() => break,
            };
            let record = match next {
                Some(Ok(record)) => record,
                Some(Err(error)) => {
                    let _ = sender.send(Ok(Event::default().event("error").data(error.to_string()))).await;
                    break;
                }
                None => break,
            };
            let (credentials, token, at) = (credentials.clone(), token.clone(), now(&clock_state));
            let still = tokio::task::spawn_blocking(move || {
                credentials.check(&token, &[CredentialKind::Session, CredentialKind::ApiToken], at)
            })
            .await;
            if !matches!(still, Ok(Ok(_))) {
                let _ = sender.send(Ok(Event::default().event("end").data("the credential is no longer valid"))).await;
                break;
            }
            let line = serde_json::to_string(&ExportLine::of(&record)).unwrap_or_default();
            let event = Event::default().id(record.position.to_string()).event("record").data(line);
            if sender.send(Ok(event)).await.is_err() {
                break;
            }
        }
    });
    let mut response = Sse::new(ReceiverStream::new(receiver)).keep_alive(KeepAlive::default()).into_response();
    response.extensions_mut().insert(Acted { actor: Some(caller.staff.staff_id.stream_id()), command: None });
    Ok(response)
}
