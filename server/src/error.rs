//! Errors as HTTP answers: RFC 9457 problem details, with a stable machine code (`type`)
//! beside the human message, and the status following the command line's exit codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parapompi::act_form::ActFormError;
use parapompi::credentials::CredentialError;
use parapompi::EngineError;
use serde_json::json;

/// One refused or failed request. The request id is added by the logging layer.
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code: `rejected`, `bad_request`, `unauthenticated`, `limit`, …
    pub code: &'static str,
    /// What went wrong, for a person.
    pub detail: String,
    /// The rule of core, for a rejection.
    pub rule: Option<&'static str>,
    /// The limit hit, for a limit.
    pub limit: Option<&'static str>,
    /// The field at fault, for bad input.
    pub field: Option<String>,
}

impl ApiError {
    /// An error without rule, limit or field.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code, detail: detail.into(), rule: None, limit: None, field: None }
    }

    /// Bad input (400), naming the field.
    pub fn bad_field(field: impl Into<String>, detail: impl Into<String>) -> ApiError {
        ApiError { field: Some(field.into()), ..ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail) }
    }

    /// No or bad credentials (401).
    pub fn unauthenticated(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated", detail)
    }

    /// Not allowed (403), without a rule of core: a request that names another actor.
    pub fn forbidden(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// A limit hit, naming it.
    pub fn limit(status: StatusCode, limit: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { limit: Some(limit), ..ApiError::new(status, "limit", detail) }
    }
}

impl From<ActFormError> for ApiError {
    fn from(error: ActFormError) -> ApiError {
        ApiError::bad_field(error.field.clone(), error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        let detail = error.to_string();
        match &error {
            EngineError::Rejected(rejection) => {
                let status = match rejection.name() {
                    // An id that names nothing: the command line's usage error (exit 2).
                    "NotFound" | "MissingFact" => StatusCode::NOT_FOUND,
                    // Who may act: the actor's roles or centre.
                    "OutsideCentre"
                    | "RoleNotPermitted"
                    | "ActorDeactivated"
                    | "EvaluatorCannotWrite"
                    | "SetupActorNotAllowed"
                    | "AuthenticatorOnly"
                    | "NotOwnCredential" => StatusCode::FORBIDDEN,
                    _ => StatusCode::UNPROCESSABLE_ENTITY,
                };
                ApiError {
                    rule: Some(rejection.name()),
                    detail: format!("rejected by rule {}: {rejection}", rejection.name()),
                    ..ApiError::new(status, "rejected", detail)
                }
            }
            EngineError::Contended { .. } | EngineError::CommandIdReused { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", detail)
            }
            EngineError::Invalid(_) | EngineError::EmptyAct => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail)
            }
            EngineError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", detail),
            EngineError::Store(parapompi::store::StoreError::Invalid(_)) => {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_request", detail)
            }
            EngineError::Store(parapompi::store::StoreError::Conflict { .. })
            | EngineError::Store(parapompi::store::StoreError::CommandIdReused { .. }) => {
                ApiError::new(StatusCode::CONFLICT, "conflict", detail)
            }
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", detail),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(error: CredentialError) -> ApiError {
        match error {
            CredentialError::Unauthenticated(why) => ApiError::unauthenticated(why),
            CredentialError::LoginFailed(why) => ApiError::unauthenticated(format!("login failed: {why}")),
            CredentialError::BadPassword(why) => ApiError::bad_field("password", why),
            CredentialError::Engine(e) => e.into(),
            CredentialError::Store(why) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", why),
        }
    }
}

impl ApiError {
    /// The problem details object of the answer (RFC 9457), as its body holds it; a batch
    /// gives one for each act it refused.
    pub fn problem(&self) -> serde_json::Value {
        json!({
            "type": self.code,
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "rule": self.rule,
            "limit": self.limit,
            "field": self.field,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.problem();
        let mut response =
            (self.status, [("content-type", "application/problem+json")], body.to_string()).into_response();
        response.extensions_mut().insert(Outcome(self.code));
        response
    }
}

/// The outcome code of an error answer, for the request's log line.
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);
