//! Errors as HTTP answers: RFC 9457 problem details, with a stable machine code (`type`)
//! beside the human message, and the status following the command line's exit codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parapompi::act_form::ActFormError;
use parapompi::credentials::CredentialError;
use parapompi::EngineError;
use schemars::JsonSchema;
use serde::Serialize;

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
    /// The values a rejection carries, by name (core's `rejection_arguments`); boxed, so that
    /// an error stays small to return.
    pub arguments: Option<Box<std::collections::BTreeMap<String, String>>>,
}

impl ApiError {
    /// An error without rule, limit or field.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError { status, code, detail: detail.into(), rule: None, limit: None, field: None, arguments: None }
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
                let arguments = parapompi::core::rejection_arguments::arguments(rejection);
                ApiError {
                    rule: Some(rejection.name()),
                    arguments: Some(Box::new(
                        arguments.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
                    )),
                    detail: format!("rejected by rule {}: {rejection}", rejection.name()),
                    ..ApiError::new(status, "rejected", detail)
                }
            }
            EngineError::Contended { .. } | EngineError::CommandIdReused { .. } => {
                ApiError::new(StatusCode::CONFLICT, "conflict", detail)
            }
            EngineError::Invalid(_) | EngineError::EmptyAct | EngineError::TooManyFound { .. } => {
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

/// The body of an error answer: RFC 9457 problem details with the machine code beside the
/// words (docs/SERVER.md, "Errors"): the body of every error answer, the 503 of a connection
/// over the limit included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Problem {
    /// The stable machine code: `bad_request`, `unauthenticated`, `forbidden`, `rejected`,
    /// `not_found`, `method_not_allowed`, `limit`, `conflict` or `internal`.
    #[serde(rename = "type")]
    pub code: String,
    /// The HTTP status's reason phrase, e.g. `Forbidden`.
    pub title: String,
    /// The HTTP status.
    #[schemars(range(min = 400, max = 599))]
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// The rule of core that refused the request (`type` `rejected`), e.g. `OutsideCentre`.
    pub rule: Option<String>,
    /// The limit hit (`type` `limit`), e.g. `max_body_bytes`.
    pub limit: Option<String>,
    /// The field, parameter or key at fault (bad input), e.g. `act[0]`, `as`, `from`.
    pub field: Option<String>,
    /// The values the rule's refusal carries, by name (`type` `rejected`), e.g.
    /// `{"case": "<uuid>"}` for `CaseIsClosed`: closed sets' values by their snake_case
    /// names, lists joined by `, `. A client words the refusal in its own language with them.
    pub arguments: Option<std::collections::BTreeMap<String, String>>,
}

impl Problem {
    /// The body's bytes: the problem as JSON with its keys in order.
    pub fn to_json(&self) -> String {
        // Through a value, whose keys are sorted: the bytes the answers have always had.
        serde_json::to_value(self).map(|value| value.to_string()).unwrap_or_default()
    }
}

impl ApiError {
    /// The body of this error's answer.
    pub fn problem(&self) -> Problem {
        Problem {
            code: self.code.to_owned(),
            title: self.status.canonical_reason().unwrap_or("error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            rule: self.rule.map(str::to_owned),
            limit: self.limit.map(str::to_owned),
            field: self.field.clone(),
            arguments: self.arguments.as_deref().cloned(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.problem().to_json();
        let mut response = (self.status, [("content-type", "application/problem+json")], body).into_response();
        response.extensions_mut().insert(Outcome(self.code));
        response
    }
}

/// The outcome code of an error answer, for the request's log line.
#[derive(Debug, Clone, Copy)]
pub struct Outcome(pub &'static str);
