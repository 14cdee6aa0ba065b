//! Bearer tokens to staff members: every endpoint but health and login goes through here.

use axum::http::HeaderMap;
use parapompi::core::credential::CredentialKind;
use parapompi::core::values::Timestamp;
use parapompi::credentials::Authenticated;

use crate::error::ApiError;
use crate::AppState;

/// The kinds of credential a bearer token may be.
const BEARER_KINDS: [CredentialKind; 2] = [CredentialKind::Session, CredentialKind::ApiToken];

/// The engine's clock, which also dates the acts and decides expiry.
pub fn now(state: &AppState) -> Timestamp {
    Timestamp::from_unix_ms(state.engine.store().config().clock.now().unix_ms())
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Result<String, ApiError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| ApiError::unauthenticated("no credentials: send Authorization: Bearer <token>"))?;
    let text = value.to_str().map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| ApiError::unauthenticated("the Authorization header is not Bearer <token>"))?;
    Ok(token.trim().to_owned())
}

/// The staff member a request's token lets act: a live session or API token, unexpired, of
/// an active staff member, as the Engine's state stands now (core's rule).
pub async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let token = bearer(headers)?;
    let now = now(state);
    // The usual case, a token of a staff member whose stream has not moved since it was last
    // folded, is checked here on the runtime's thread: a hash and two reads of the store,
    // without the hand-over to a blocking thread and back (two thread wake-ups a request).
    // A check that would fold the stream goes to a blocking thread.
    if let Some(checked) = state.credentials.check_if_folded(&token, &BEARER_KINDS, now) {
        return Ok(checked?);
    }
    let credentials = state.credentials.clone();
    let checked = tokio::task::spawn_blocking(move || credentials.check(&token, &BEARER_KINDS, now))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    Ok(checked?)
}
