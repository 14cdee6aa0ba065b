//! The endpoints. Each handler authenticates, reads the library's form, calls the Engine or
//! the credential store, and answers with the library's document. The router is built from
//! the table of endpoints in [`crate::openapi`], which the API's OpenAPI document is built
//! from too: a handler is served only through its entry there.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use parapompi::act_form::ActForm;
use parapompi::core::credential::{CredentialId, CredentialKind};
use parapompi::core::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ReferralId, StaffId};
use parapompi::core::{State as StreamState, StreamKind};
use parapompi::documents;
use parapompi::projections::{athens_date, AuditSubject, BoardQuery, CaseloadQuery, IndicatorQuery};
use parapompi::store::StreamId;
use parapompi::{Acting, AsOf, CommandMeta};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::auth::{authenticate, now};
use crate::error::ApiError;
use crate::limits::{read_body, Peer};
use crate::observe::{observe, Acted};
use crate::AppState;

/// Every route of the table ([`crate::openapi::endpoints`]), with the time limit and the log
/// line around them.
pub fn router(state: AppState) -> Router {
    crate::openapi::endpoints()
        .into_iter()
        .fold(Router::new(), |router, endpoint| router.route(endpoint.path, endpoint.handler))
        .fallback(no_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(from_fn_with_state(state.clone(), time_limit))
        .layer(from_fn(observe))
        .with_state(state)
}

async fn no_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint (see docs/SERVER.md)")
}

async fn wrong_method() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this endpoint takes another method")
}

/// Answers 408 when a request takes longer than the limit. A command already handed to the
/// Engine runs to its end (its blocking task is not cancelled), so a retry under the same
/// command id is answered as a repeat.
async fn time_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit_ms = state.config.limits.request_timeout_ms;
    match tokio::time::timeout(Duration::from_millis(limit_ms), next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::limit(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout_ms",
            format!("the request took longer than {limit_ms} ms; a command sent may still finish: retry it with the same command_id"),
        )
        .into_response(),
    }
}

pub(crate) fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", error.to_string())
}

/// Runs blocking Engine work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.map_err(internal)?
}

/// A JSON answer with the log line's actor and command.
pub(crate) fn answer(status: StatusCode, body: &Value, acted: Acted) -> Response {
    // Written once into one buffer (the bytes `Display` gives, without the formatter's
    // adapter), with its newline.
    let mut bytes = serde_json::to_vec(body).unwrap_or_default();
    bytes.push(b'\n');
    let mut response = (status, [("content-type", "application/json")], bytes).into_response();
    response.extensions_mut().insert(acted);
    response
}

/// A listing as JSON Lines, the command line's `--json` bytes.
pub(crate) fn lines_answer(lines: &[Value], acted: Acted) -> Response {
    let mut response =
        (StatusCode::OK, [("content-type", "application/jsonl")], documents::json_lines(lines)).into_response();
    response.extensions_mut().insert(acted);
    response
}

pub(crate) fn acted_by(staff_id: StaffId, command: Option<String>) -> Acted {
    Acted { actor: Some(staff_id.stream_id()), command }
}

/// A JSON body of type `T` (unknown keys refused), at most the body limit.
pub(crate) async fn json_body<T: DeserializeOwned>(state: &AppState, body: Body) -> Result<T, ApiError> {
    let bytes = read_body(body, state.config.limits.max_body_bytes).await?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_field("body", format!("not the expected JSON: {e}")))
}

/// A body as text (UTF-8), at most the body limit.
pub(crate) async fn text_body(state: &AppState, body: Body) -> Result<String, ApiError> {
    let bytes = read_body(body, state.config.limits.max_body_bytes).await?;
    String::from_utf8(Vec::from(bytes)).map_err(|_| ApiError::bad_field("body", "not UTF-8"))
}

pub(crate) fn meta(command_id: Uuid, acting: Acting, occurred_at: parapompi::core::values::Timestamp) -> CommandMeta {
    CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) }
}

/// An id bare or with its stream prefix.
pub(crate) fn uuid_of(field: &str, prefix: &str, text: &str) -> Result<Uuid, ApiError> {
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).unwrap_or(trimmed);
    Uuid::parse_str(bare)
        .map_err(|_| ApiError::bad_field(field, format!("{text:?} is not an id (a UUID, or {prefix}-<UUID>)")))
}

/// The answer of `GET /v1/health`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct Health {
    /// Always true: the server is up.
    ok: bool,
}

/// `GET /v1/health`: `{"ok": true}`, without a token.
pub(crate) async fn health() -> Response {
    answer(StatusCode::OK, &json!(Health { ok: true }), Acted::default())
}

/// `GET /v1/openapi.json`: the API's OpenAPI document, without a token.
pub(crate) async fn openapi_document() -> Response {
    let text = crate::openapi::document_text();
    (StatusCode::OK, [("content-type", "application/json")], text).into_response()
}

// ---------------------------------------------------------------- logins and credentials

/// The body of `POST /v1/auth/login`: the staff member by id or by name, not both.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LoginBody {
    /// The staff member: a UUID, or `staff-<UUID>`.
    staff_id: Option<String>,
    /// Or the staff member's whole name, in any case, with or without accents, in Greek or
    /// Latin letters; a failed login by name says only that the name or the password is not
    /// right, whatever failed, and takes at least a second.
    name: Option<String>,
    /// Their password.
    password: String,
}

/// The least time a failed login by name takes to answer: longer than any password check
/// and failure record, so that how long it took tells nothing of whether the name is
/// someone's.
const NAME_LOGIN_FAILURE_MS: u64 = 1_000;

/// Who a login names: by id, or by name (resolved where the password is checked).
enum LoginName {
    Id(StaffId),
    Name(String),
}

/// `POST /v1/auth/login {staff_id | name, password}`: a session token.
pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<Peer>,
    body: Body,
) -> Result<Response, ApiError> {
    let started = std::time::Instant::now();
    let body: LoginBody = json_body(&state, body).await?;
    let who = match (&body.staff_id, &body.name) {
        (Some(id), None) => LoginName::Id(StaffId::new(uuid_of("staff_id", "staff", id)?)),
        (None, Some(name)) => LoginName::Name(name.clone()),
        _ => return Err(ApiError::bad_field("staff_id", "give the staff member's staff_id or name, one of them")),
    };
    let (credentials, lifetime_ms, at) = (state.credentials.clone(), state.config.session_lifetime_ms, now(&state));
    let account = match &who {
        LoginName::Id(staff_id) => *staff_id,
        LoginName::Name(name) => {
            let (credentials, name) = (credentials.clone(), name.clone());
            blocking(move || Ok(credentials.name_account(&name)?)).await?.0
        }
    };
    let address = peer.0.ip();
    state.failed_logins.check(&state.config.limits, account, address)?;
    let failed_logins = state.failed_logins.clone();
    let by_name = matches!(who, LoginName::Name(_));
    // A failure is counted in the blocking task, which runs to its end even when the request
    // times out: a client cannot dodge the count by hanging up.
    let issued = blocking(move || {
        let password = zeroize_on_drop(body.password);
        let meta_of = |acting| meta(Uuid::now_v7(), acting, at);
        let result = match &who {
            LoginName::Id(staff_id) => credentials.login(*staff_id, password.expose(), lifetime_ms, meta_of),
            LoginName::Name(name) => credentials.login_by_name(name, password.expose(), lifetime_ms, meta_of),
        };
        if matches!(result, Err(parapompi::credentials::CredentialError::LoginFailed(_))) {
            failed_logins.record(account, address);
        }
        Ok(result?)
    })
    .await;
    let issued = match issued {
        Err(error) if by_name => {
            let floor = std::time::Duration::from_millis(NAME_LOGIN_FAILURE_MS);
            tokio::time::sleep(floor.saturating_sub(started.elapsed())).await;
            return Err(error);
        }
        other => other?,
    };
    let staff_id = issued.staff_id;
    // The session's token is its secret: `{secret, credential_id, …}` as any issue.
    let document = documents::issued("login", &issued);
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("IssueCredential".to_owned()))))
}

/// Keeps a password out of memory once the request is done.
fn zeroize_on_drop(text: String) -> parapompi::credentials::Secret {
    parapompi::credentials::Secret::new(text)
}

/// The body of `POST /v1/auth/password`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    /// The enrolment code an administrator or a supervisor issued (used up by this).
    code: String,
    /// The new password: at least 12 characters, at most 1024 bytes.
    password: String,
    /// The act's command id (a retry under it is answered as the first time); a new UUIDv7 when left out.
    command_id: Option<Uuid>,
    /// When it happened (RFC 3339); the server's clock when left out.
    at: Option<String>,
}

/// When an act happened: `at` (RFC 3339) if given, else the engine's clock.
pub(crate) fn occurred_at(state: &AppState, at: Option<&str>) -> Result<parapompi::core::values::Timestamp, ApiError> {
    match at {
        Some(text) => parapompi::instant::parse_rfc3339(text.trim())
            .ok_or_else(|| ApiError::bad_field("at", format!("{text:?} is not an RFC 3339 instant"))),
        None => Ok(now(state)),
    }
}

/// `POST /v1/auth/password {code, password}`: sets a password with an enrolment code.
pub(crate) async fn set_password(State(state): State<AppState>, body: Body) -> Result<Response, ApiError> {
    let body: PasswordBody = json_body(&state, body).await?;
    let (credentials, at) = (state.credentials.clone(), occurred_at(&state, body.at.as_deref())?);
    let command_id = body.command_id.unwrap_or_else(Uuid::now_v7);
    let executed = blocking(move || {
        let (code, password) = (zeroize_on_drop(body.code), zeroize_on_drop(body.password));
        Ok(credentials.set_password(code.expose(), password.expose(), |acting| meta(command_id, acting, at))?)
    })
    .await?;
    let staff = executed.events.first().map(|r| r.stream_id.clone()).unwrap_or_default();
    let document = documents::written("staff set-password", &[executed.into()], &[]);
    Ok(answer(StatusCode::OK, &document, Acted { actor: Some(staff), command: Some("SetPassword".to_owned()) }))
}

/// `POST /v1/auth/logout`: ends the session of the token sent.
pub(crate) async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let staff_id = caller.staff.staff_id;
    let (credentials, at) = (state.credentials.clone(), now(&state));
    let executed = blocking(move || {
        Ok(credentials.revoke(
            staff_id,
            caller.credential_id,
            true,
            meta(Uuid::now_v7(), Acting::Staff(staff_id), at),
        )?)
    })
    .await?;
    let document = documents::written("logout", &[executed.into()], &[]);
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("RevokeCredential".to_owned()))))
}

/// The body of `POST /v1/credentials`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct IssueBody {
    /// The staff member the credential is for: a UUID, or `staff-<UUID>`.
    staff_id: String,
    /// `enrolment` or `api_token` (sessions come from logging in, passwords from an enrolment code).
    kind: CredentialKind,
    /// How long it lives, in seconds; by default the server's lifetime for the kind.
    valid_for_s: Option<u64>,
    /// The act's command id; a new UUIDv7 when left out.
    command_id: Option<Uuid>,
    /// When it happened, from which it expires (RFC 3339); the server's clock when left out.
    at: Option<String>,
}

/// `POST /v1/credentials {staff_id, kind: enrolment|api_token, valid_for_s?}`: an enrolment
/// code or an API token for a staff member, as the caller (core decides who may).
pub(crate) async fn issue_credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let body: IssueBody = json_body(&state, body).await?;
    let staff_id = StaffId::new(uuid_of("staff_id", "staff", &body.staff_id)?);
    let default_ms = match body.kind {
        CredentialKind::Enrolment => state.config.enrolment_lifetime_ms,
        CredentialKind::ApiToken => state.config.api_token_lifetime_ms,
        CredentialKind::Session | CredentialKind::Password => {
            return Err(ApiError::bad_field(
                "kind",
                "issued here: enrolment or api_token (sessions come from logging in)",
            ))
        }
    };
    let lifetime_ms = match body.valid_for_s {
        Some(seconds) => i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
        None => default_ms,
    };
    let actor = caller.staff.staff_id;
    let (credentials, at) = (state.credentials.clone(), occurred_at(&state, body.at.as_deref())?);
    let (kind, command_id) = (body.kind, body.command_id.unwrap_or_else(Uuid::now_v7));
    let issued = blocking(move || {
        Ok(credentials.issue(staff_id, kind, lifetime_ms, meta(command_id, Acting::Staff(actor), at))?)
    })
    .await?;
    let document = documents::issued("credential issue", &issued);
    Ok(answer(StatusCode::OK, &document, acted_by(actor, Some("IssueCredential".to_owned()))))
}

/// The body of `POST /v1/credentials/revoke`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeBody {
    /// The credential's holder: a UUID, or `staff-<UUID>`.
    staff_id: String,
    /// The credential, a UUID.
    credential_id: String,
    /// The act's command id; a new UUIDv7 when left out.
    command_id: Option<Uuid>,
    /// When it happened (RFC 3339); the server's clock when left out.
    at: Option<String>,
}

/// `POST /v1/credentials/revoke {staff_id, credential_id}`.
pub(crate) async fn revoke_credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let body: RevokeBody = json_body(&state, body).await?;
    let staff_id = StaffId::new(uuid_of("staff_id", "staff", &body.staff_id)?);
    let credential_id = CredentialId::parse(&body.credential_id)
        .map_err(|_| ApiError::bad_field("credential_id", format!("{:?} is not a UUID", body.credential_id)))?;
    let actor = caller.staff.staff_id;
    let (credentials, at) = (state.credentials.clone(), occurred_at(&state, body.at.as_deref())?);
    let command_id = body.command_id.unwrap_or_else(Uuid::now_v7);
    let executed = blocking(move || {
        Ok(credentials.revoke(staff_id, credential_id, false, meta(command_id, Acting::Staff(actor), at))?)
    })
    .await?;
    let document = documents::written("credential revoke", &[executed.into()], &[]);
    Ok(answer(StatusCode::OK, &document, acted_by(actor, Some("RevokeCredential".to_owned()))))
}

// ---------------------------------------------------------------- commands

/// `POST /v1/commands`: one act in the library's form, as the authenticated staff member.
pub(crate) async fn commands(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let actor = caller.staff.staff_id;
    let text = text_body(&state, body).await?;
    let act = ActForm::from_json(&text)?;
    crate::acts::check_actor(&act, actor)?;
    let acted = crate::acts::acted(actor, &act);
    let mut response = match crate::acts::execute(&state, actor, act).await {
        Ok(document) => answer(StatusCode::OK, &document, Acted::default()),
        Err(error) => error.into_response(),
    };
    response.extensions_mut().insert(acted);
    Ok(response)
}

// ---------------------------------------------------------------- views

pub(crate) type Params = BTreeMap<String, String>;

pub(crate) fn params(
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
    allowed: &[&str],
) -> Result<Params, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_field("query", e.body_text()))?;
    if let Some(key) = params.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(ApiError::bad_field(
            key.clone(),
            format!("unknown parameter (this view takes {})", allowed.join(", ")),
        ));
    }
    Ok(params)
}

fn id_param<T>(params: &Params, key: &str, prefix: &str, make: fn(Uuid) -> T) -> Result<Option<T>, ApiError> {
    params.get(key).map(|text| uuid_of(key, prefix, text).map(make)).transpose()
}

fn date_param(params: &Params, key: &str) -> Result<Option<Date>, ApiError> {
    params
        .get(key)
        .map(|text| Date::parse(text).map_err(|e| ApiError::bad_field(key, format!("{text:?}: {e}"))))
        .transpose()
}

/// `GET /v1/caseload?staff&centre&antenna`: JSON Lines of `CaseloadEntry`.
pub(crate) async fn caseload(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let params = params(query, &["staff", "centre", "antenna"])?;
    let query = CaseloadQuery {
        staff: id_param(&params, "staff", "staff", StaffId::new)?,
        centre: id_param(&params, "centre", "centre", CentreId::new)?,
        antenna: id_param(&params, "antenna", "antenna", AntennaId::new)?,
    };
    let engine = state.engine.clone();
    let lines = blocking(move || Ok(documents::caseload_lines(&engine.caseload(&query)?))).await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/board?status&overdue&on&agency&centre`: JSON Lines of `BoardEntry`.
pub(crate) async fn board(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let params = params(query, &["status", "overdue", "on", "agency", "centre", "staff"])?;
    let status = params
        .get("status")
        .map(|text| {
            serde_json::from_value(Value::String(text.clone()))
                .map_err(|_| ApiError::bad_field("status", format!("{text:?} is not a referral status")))
        })
        .transpose()?;
    let overdue = match params.get("overdue").map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(ApiError::bad_field("overdue", format!("{other:?} is not true or false"))),
    };
    let on = date_param(&params, "on")?.unwrap_or_else(|| athens_date(now(&state)));
    let query = BoardQuery {
        status,
        agency: id_param(&params, "agency", "agency", AgencyId::new)?,
        overdue_as_of: overdue.then_some(on),
        centre: id_param(&params, "centre", "centre", CentreId::new)?,
        assignee: id_param(&params, "staff", "staff", StaffId::new)?,
    };
    let engine = state.engine.clone();
    let lines = blocking(move || Ok(documents::board_lines(&engine.board(&query)?))).await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/cases/{case}`: the case file, as `case show --json` (texts by reference only:
/// reading their words is an audited read, not served yet).
pub(crate) async fn case_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(case): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let case_id = CaseId::new(uuid_of("case", "case", &case)?);
    let engine = state.engine.clone();
    let document = blocking(move || Ok(documents::case_file(case_id, &engine.case_file(case_id)?, None, None))).await?;
    let document = document.ok_or_else(|| ApiError {
        field: Some("case".to_owned()),
        ..ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no case {}", case_id.stream_id()))
    })?;
    Ok(answer(StatusCode::OK, &document, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/audit/{id}`: a case's, beneficiary's, referral's or staff member's trail, as JSON
/// Lines; the id by its prefix, else the first kind it names (as `audit ID`).
pub(crate) async fn audit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let trimmed = id.trim();
    let bad = || {
        ApiError::bad_field(
            "id",
            format!("{id:?} is not an id (a UUID, or case-, beneficiary-, referral- or staff-<UUID>)"),
        )
    };
    let parse = |rest: &str| Uuid::parse_str(rest).map_err(|_| bad());
    let candidates = if let Some(rest) = trimmed.strip_prefix("case-") {
        vec![AuditSubject::Case(CaseId::new(parse(rest)?))]
    } else if let Some(rest) = trimmed.strip_prefix("beneficiary-") {
        vec![AuditSubject::Beneficiary(BeneficiaryId::new(parse(rest)?))]
    } else if let Some(rest) = trimmed.strip_prefix("referral-") {
        vec![AuditSubject::Referral(ReferralId::new(parse(rest)?))]
    } else if let Some(rest) = trimmed.strip_prefix("staff-") {
        vec![AuditSubject::Staff(StaffId::new(parse(rest)?))]
    } else {
        let uuid = parse(trimmed)?;
        vec![
            AuditSubject::Case(CaseId::new(uuid)),
            AuditSubject::Beneficiary(BeneficiaryId::new(uuid)),
            AuditSubject::Referral(ReferralId::new(uuid)),
            AuditSubject::Staff(StaffId::new(uuid)),
        ]
    };
    let engine = state.engine.clone();
    let lines = blocking(move || {
        let subject = engine
            .with_projections(|p| candidates.into_iter().find(|s| !p.audit_positions(s).is_empty()))?
            .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no case, beneficiary, referral or staff member with this id",
            )
        })?;
        Ok(documents::audit_lines(&engine.audit(&subject)?, None))
    })
    .await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/reports/indicators?from&to&centre&programme&as_of&as_of_position&format=json|csv|esf_csv`:
/// exactly `IndicatorReport::to_json`, `to_csv` or `to_esf_csv`.
pub(crate) async fn indicators(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let params = params(query, &["from", "to", "centre", "programme", "as_of", "as_of_position", "format"])?;
    let from =
        date_param(&params, "from")?.ok_or_else(|| ApiError::bad_field("from", "required, a date YYYY-MM-DD"))?;
    let to = date_param(&params, "to")?.ok_or_else(|| ApiError::bad_field("to", "required, a date YYYY-MM-DD"))?;
    if to < from {
        return Err(ApiError::bad_field("to", format!("{to} is before from {from}")));
    }
    let centre = id_param(&params, "centre", "centre", CentreId::new)?;
    let as_of = match (params.get("as_of"), params.get("as_of_position")) {
        (Some(text), _) => {
            let at = parapompi::instant::parse_rfc3339(text.trim())
                .ok_or_else(|| ApiError::bad_field("as_of", format!("{text:?} is not an RFC 3339 instant")))?;
            Some(AsOf::RecordedAt(parapompi::store::Timestamp::from_unix_ms(at.unix_ms())))
        }
        (None, Some(text)) => Some(AsOf::Position(
            text.parse().map_err(|_| ApiError::bad_field("as_of_position", format!("{text:?} is not a position")))?,
        )),
        (None, None) => None,
    };
    let programme = match params.get("programme") {
        Some(code) => Some(
            parapompi::core::values::ProgrammeCode::new(code)
                .map_err(|e| ApiError::bad_field("programme", e.to_string()))?,
        ),
        None => None,
    };
    let format: &'static str = match params.get("format").map(String::as_str) {
        None | Some("json") => "json",
        Some("csv") => "csv",
        Some("esf_csv") => "esf_csv",
        Some(other) => return Err(ApiError::bad_field("format", format!("{other:?} is not json, csv or esf_csv"))),
    };
    let csv = format != "json";
    let engine = state.engine.clone();
    let text = blocking(move || {
        // A report of a centre the log does not hold, or of a point past its head, would be
        // a report of nothing that looks like an answer (as `report indicators` refuses).
        if let Some(centre) = centre {
            let stream = StreamId::new(centre.stream_id()).map_err(|e| ApiError::bad_field("centre", e.to_string()))?;
            if !matches!(engine.stream_state(StreamKind::Centre, &stream)?.0, StreamState::Centre(Some(_))) {
                return Err(ApiError::bad_field("centre", format!("no centre {centre} in this log")));
            }
        }
        if let Some(AsOf::Position(position)) = as_of {
            let head = engine.store().head().position;
            if position > head {
                return Err(ApiError::bad_field(
                    "as_of_position",
                    format!("position {position} is past the head of the log ({head})"),
                ));
            }
        }
        let query = IndicatorQuery { programme, centre, from, to };
        let report = match as_of {
            Some(as_of) => engine.indicators_as_of(&query, as_of)?,
            None => engine.indicators(&query)?,
        };
        Ok(match format {
            "csv" => report.to_csv(),
            "esf_csv" => report.to_esf_csv(),
            _ => report.to_json(),
        })
    })
    .await?;
    let content_type = if csv { "text/csv; charset=utf-8" } else { "application/json" };
    let mut response = (StatusCode::OK, [("content-type", content_type)], text).into_response();
    response.extensions_mut().insert(acted_by(caller.staff.staff_id, None));
    Ok(response)
}

/// `GET /v1/stats`: as `stats --json`.
pub(crate) async fn stats(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let engine = state.engine.clone();
    let document = blocking(move || {
        let verified = engine.store().verify().map_err(parapompi::EngineError::from)?;
        let dir = engine.store().path().map(|p| p.to_path_buf()).unwrap_or_default();
        Ok(documents::stats(&verified, &dir.display().to_string(), documents::size_on_disk(&dir)))
    })
    .await?;
    Ok(answer(StatusCode::OK, &document, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/verify`: as `verify --json`.
pub(crate) async fn verify(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let engine = state.engine.clone();
    let document = blocking(move || {
        let verified = engine.store().verify().map_err(parapompi::EngineError::from)?;
        Ok(documents::verified(&verified))
    })
    .await?;
    Ok(answer(StatusCode::OK, &document, acted_by(caller.staff.staff_id, None)))
}
