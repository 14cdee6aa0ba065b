//! What a client needs to read before it acts, as the command line does in direct mode: the
//! records of a stream (to fold its state with core's own code), every directory stream of a
//! kind, the head of the log, and three look-ups of the read models (the case of a referral,
//! the cases of a beneficiary, what a short reference names). Records are served as export lines (store/FORMAT.md), the
//! same bytes as the live feed and `parapompi export`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use parapompi::core::values::{BeneficiaryId, ReferralId};
use parapompi::references::ReferenceQuery;
use parapompi::store::{ExportLine, RecordedEvent, StreamId};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::routes::{acted_by, answer, blocking, lines_answer, uuid_of};
use crate::AppState;

/// The directory kinds whose streams `GET /v1/directory/{kind}` serves: few and small.
pub(crate) const DIRECTORY_KINDS: &[&str] = &["centre", "staff", "agency"];

/// The answer of `GET /v1/head`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct HeadDocument {
    /// The last record's position (0 for an empty log).
    position: u64,
    /// Its chain hash, 64 lowercase hex digits (the genesis hash for an empty log).
    hash: String,
}

/// The answer of `GET /v1/referrals/{referral}/case`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ReferralCaseDocument {
    /// The referral.
    referral_id: String,
    /// The case that holds it; `null` when none does.
    case_id: Option<String>,
}

/// The answer of `GET /v1/beneficiaries/{beneficiary}/cases`.
#[derive(Serialize, JsonSchema)]
pub(crate) struct BeneficiaryCasesDocument {
    /// The person.
    beneficiary_id: String,
    /// Their cases' ids.
    cases: Vec<String>,
}

fn document(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn export_lines(records: &[RecordedEvent]) -> Vec<Value> {
    records.iter().map(|record| serde_json::to_value(ExportLine::of(record)).unwrap_or(Value::Null)).collect()
}

/// `GET /v1/head`: `{position, hash}` of the log's last record (0 and the genesis hash when
/// empty).
pub async fn head(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let head = state.engine.store().head();
    let answered = HeadDocument { position: head.position, hash: head.hash.to_hex() };
    Ok(answer(StatusCode::OK, &document(&answered), acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/streams/{stream}`: the stream's records in order, as JSON Lines of export lines
/// (none for a stream without events).
pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(stream): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let stream_id = StreamId::new(stream.trim()).map_err(|e| ApiError::bad_field("stream", e.to_string()))?;
    let engine = state.engine.clone();
    let lines = blocking(move || {
        let records = engine.store().read_stream(&stream_id, 1, usize::MAX).map_err(parapompi::EngineError::from)?;
        Ok(export_lines(&records))
    })
    .await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/directory/{kind}` (`centre`, `staff` or `agency`): the records of every stream of
/// the kind, stream after stream (in stream id order), each stream's in order.
pub async fn directory(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(kind): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    if !DIRECTORY_KINDS.contains(&kind.as_str()) {
        return Err(ApiError::bad_field(
            "kind",
            format!("{kind:?} is not a directory kind (one of {})", DIRECTORY_KINDS.join(", ")),
        ));
    }
    let engine = state.engine.clone();
    let lines = blocking(move || {
        let store = engine.store();
        let mut lines = Vec::new();
        for stream_id in store.stream_ids(&format!("{kind}-")).map_err(parapompi::EngineError::from)? {
            let records = store.read_stream(&stream_id, 1, usize::MAX).map_err(parapompi::EngineError::from)?;
            lines.extend(export_lines(&records));
        }
        Ok(lines)
    })
    .await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/referrals/{referral}/case`: `{referral_id, case_id}`, `case_id` null when no
/// case holds the referral.
pub async fn case_of_referral(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(referral): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let referral_id = ReferralId::new(uuid_of("referral", "referral", &referral)?);
    let engine = state.engine.clone();
    let case_id = blocking(move || Ok(engine.with_projections(|p| p.case_of_referral(referral_id))?)).await?;
    let answered =
        ReferralCaseDocument { referral_id: referral_id.to_string(), case_id: case_id.map(|c| c.to_string()) };
    Ok(answer(StatusCode::OK, &document(&answered), acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/references/{query}`: the case or referral a short reference (`ΓΡΕ-2024-0042`,
/// `ΓΡΕ-2024-0042/2`) or an id (`case-<uuid>`, `referral-<uuid>`) names, with its references;
/// 404 when the log holds none.
pub async fn reference(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(query): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let parsed = ReferenceQuery::parse(&query).map_err(|e| ApiError::bad_field("query", e.to_string()))?;
    let engine = state.engine.clone();
    let found = blocking(move || Ok(engine.look_up_reference(&parsed)?)).await?;
    let found = found.ok_or_else(|| {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no case or referral {}", query.trim()))
    })?;
    Ok(answer(StatusCode::OK, &document(&found), acted_by(caller.staff.staff_id, None)))
}

/// `GET /v1/beneficiaries/{beneficiary}/cases`: `{beneficiary_id, cases: [case id…]}`, the
/// person's cases in the order `beneficiary show` lists them.
pub async fn cases_of_beneficiary(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(beneficiary): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let beneficiary_id = BeneficiaryId::new(uuid_of("beneficiary", "beneficiary", &beneficiary)?);
    let engine = state.engine.clone();
    let cases = blocking(move || Ok(engine.with_projections(|p| p.cases_of(beneficiary_id))?)).await?;
    let answered = BeneficiaryCasesDocument {
        beneficiary_id: beneficiary_id.to_string(),
        cases: cases.iter().map(ToString::to_string).collect(),
    };
    Ok(answer(StatusCode::OK, &document(&answered), acted_by(caller.staff.staff_id, None)))
}
