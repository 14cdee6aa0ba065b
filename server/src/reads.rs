//! Audited reads: a case's texts, a case's or a referral's trail with its texts, a person's
//! identity, a search for people, their access report and their own copy. Each read that shows words or identity
//! is recorded in the log by the Engine (a `RecordsAccessed` event, decided by core's rules
//! of who may read) before anything is answered, so they are `POST`s taking the read's
//! `{reason?, command_id?}`. A read happens when it is answered: it is dated by the server's
//! clock, never by the client, so that no read can be recorded as older than it is.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use parapompi::core::values::{Amka, BeneficiaryId, CaseId, Reason, ReferralId};
use parapompi::documents;
use parapompi::projections::AuditSubject;
use parapompi::{Acting, BeneficiarySearch, CommandMeta};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::{authenticate, now};
use crate::error::ApiError;
use crate::routes::{acted_by, answer, blocking, json_body, lines_answer, meta, uuid_of};
use crate::AppState;

/// The body of an audited read: why (where the rules ask for a reason), and the read's own
/// command id, each optional.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReadForm {
    /// Why the texts are read (core asks for one from anyone but the case's assignee).
    pub reason: Option<String>,
    /// The read's command id; a new UUIDv7 when left out.
    pub command_id: Option<Uuid>,
}

/// The read's metadata and reason, as the authenticated staff member.
async fn read_of(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<(parapompi::core::values::StaffId, CommandMeta, Option<Reason>), ApiError> {
    let caller = authenticate(state, headers).await?;
    let form: ReadForm = json_body(state, body).await?;
    let occurred_at = now(state);
    let reason = form
        .reason
        .as_deref()
        .map(|text| Reason::new(text).map_err(|e| ApiError::bad_field("reason", e.to_string())))
        .transpose()?;
    let staff_id = caller.staff.staff_id;
    let command_id = form.command_id.unwrap_or_else(Uuid::now_v7);
    Ok((staff_id, meta(command_id, Acting::Staff(staff_id), occurred_at), reason))
}

/// `POST /v1/cases/{case}/texts`: the case file with its texts' words, as `case show --texts
/// --json` prints it.
pub async fn case_texts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(case): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let case_id = CaseId::new(uuid_of("case", "case", &case)?);
    let (staff_id, meta, reason) = read_of(&state, &headers, body).await?;
    let engine = state.engine.clone();
    let document =
        blocking(move || Ok(documents::case_texts_read(case_id, &engine.read_case_texts(case_id, meta, reason)?)))
            .await?
            .ok_or_else(|| {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no case {}", case_id.stream_id()))
            })?;
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("RecordAccess".to_owned()))))
}

/// `POST /v1/audit/{subject}/texts` (`case-<UUID>` or `referral-<UUID>`): the trail as JSON
/// Lines with the words of its case's texts, as `audit ID --texts --json` prints it.
pub async fn trail_texts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(subject): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let trimmed = subject.trim();
    let subject = if let Some(rest) = trimmed.strip_prefix("case-") {
        AuditSubject::Case(CaseId::new(uuid_of("subject", "case", rest)?))
    } else if let Some(rest) = trimmed.strip_prefix("referral-") {
        AuditSubject::Referral(ReferralId::new(uuid_of("subject", "referral", rest)?))
    } else {
        return Err(ApiError::bad_field(
            "subject",
            "texts are read one case at a time: give case-<UUID> or referral-<UUID>",
        ));
    };
    let (staff_id, meta, reason) = read_of(&state, &headers, body).await?;
    let engine = state.engine.clone();
    let lines = blocking(move || {
        let (trail, read) = engine.read_trail_texts(&subject, meta, reason)?;
        Ok(documents::audit_lines(&trail, Some(&read.words)))
    })
    .await?;
    Ok(lines_answer(&lines, acted_by(staff_id, Some("RecordAccess".to_owned()))))
}

/// `POST /v1/beneficiaries/{beneficiary}/identity`: `{identity, access_position}`.
pub async fn identity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(beneficiary): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let beneficiary_id = BeneficiaryId::new(uuid_of("beneficiary", "beneficiary", &beneficiary)?);
    let (staff_id, meta, reason) = read_of(&state, &headers, body).await?;
    if reason.is_some() {
        return Err(ApiError::bad_field("reason", "a read of an identity takes no reason"));
    }
    let engine = state.engine.clone();
    let document = blocking(move || Ok(documents::identity_read(&engine.read_identity(beneficiary_id, meta)?))).await?;
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("RecordAccess".to_owned()))))
}

/// The body of `POST /v1/beneficiaries/find`: exactly one of `amka`, `name` and `phone`,
/// and the search's own command id.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindForm {
    /// An AMKA, found exactly.
    pub amka: Option<String>,
    /// Words of a name: each part of the given or family name, in any case, with or without
    /// accents, in Greek or Latin letters.
    pub name: Option<String>,
    /// A phone number: the same digits, or its last six or more.
    pub phone: Option<String>,
    /// The search's command id (its reads are one act); a new UUIDv7 when left out.
    pub command_id: Option<Uuid>,
}

impl FindForm {
    fn search(&self) -> Result<BeneficiarySearch, ApiError> {
        match (&self.amka, &self.name, &self.phone) {
            (Some(amka), None, None) => {
                Ok(BeneficiarySearch::Amka(Amka::new(amka).map_err(|e| ApiError::bad_field("amka", e.to_string()))?))
            }
            (None, Some(name), None) => Ok(BeneficiarySearch::Name(name.clone())),
            (None, None, Some(phone)) => Ok(BeneficiarySearch::Phone(phone.clone())),
            _ => Err(ApiError::bad_field("amka", "give exactly one of amka, name and phone")),
        }
    }
}

/// `POST /v1/beneficiaries/find`: the people of the caller's centre that match, as JSON
/// Lines (`beneficiary find --json`); the reads of their identities are recorded first.
pub async fn find(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let form: FindForm = json_body(&state, body).await?;
    let search = form.search()?;
    let staff_id = caller.staff.staff_id;
    let meta = meta(form.command_id.unwrap_or_else(Uuid::now_v7), Acting::Staff(staff_id), now(&state));
    let engine = state.engine.clone();
    let lines = blocking(move || Ok(documents::found_lines(&engine.find_beneficiaries(&search, meta)?))).await?;
    Ok(lines_answer(&lines, acted_by(staff_id, Some("RecordAccess".to_owned()))))
}

/// The body of `POST /v1/beneficiaries/names`: the people a view lists.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NamesForm {
    /// The people (`beneficiary-<UUID>` or a bare UUID), at most 1,000.
    pub beneficiaries: Vec<String>,
    /// The reads' command id (they are one act); a new UUIDv7 when left out.
    pub command_id: Option<Uuid>,
}

/// `POST /v1/beneficiaries/names`: the names of the people of the caller's centre among
/// those given (others, and erased people, are left out), the reads recorded first.
pub async fn names(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let form: NamesForm = json_body(&state, body).await?;
    let people = form
        .beneficiaries
        .iter()
        .map(|text| uuid_of("beneficiaries", "beneficiary", text).map(BeneficiaryId::new))
        .collect::<Result<Vec<_>, _>>()?;
    let staff_id = caller.staff.staff_id;
    let meta = meta(form.command_id.unwrap_or_else(Uuid::now_v7), Acting::Staff(staff_id), now(&state));
    let engine = state.engine.clone();
    let document = blocking(move || Ok(documents::names_read(&engine.read_names(&people, meta)?))).await?;
    let document = serde_json::to_value(&document).unwrap_or(serde_json::Value::Null);
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("RecordAccess".to_owned()))))
}

/// `GET /v1/beneficiaries/{beneficiary}/accesses`: every read of the person's data, as JSON
/// Lines (`beneficiary accesses --json`).
pub async fn accesses(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(beneficiary): Path<String>,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let beneficiary_id = BeneficiaryId::new(uuid_of("beneficiary", "beneficiary", &beneficiary)?);
    let engine = state.engine.clone();
    let lines = blocking(move || Ok(documents::access_lines(&engine.access_report(beneficiary_id)?))).await?;
    Ok(lines_answer(&lines, acted_by(caller.staff.staff_id, None)))
}

/// `POST /v1/beneficiaries/{beneficiary}/export`: the person's own copy (GDPR Art. 15),
/// exactly the file `beneficiary export` writes.
pub async fn subject_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(beneficiary): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let beneficiary_id = BeneficiaryId::new(uuid_of("beneficiary", "beneficiary", &beneficiary)?);
    let (staff_id, meta, reason) = read_of(&state, &headers, body).await?;
    let engine = state.engine.clone();
    let text = blocking(move || {
        Ok(documents::subject_export_text(&engine.subject_access_export(beneficiary_id, meta, reason)?))
    })
    .await?;
    let mut response = (StatusCode::OK, [("content-type", "application/json")], text).into_response();
    response.extensions_mut().insert(acted_by(staff_id, Some("RecordAccess".to_owned())));
    Ok(response)
}
