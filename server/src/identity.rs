//! Correcting a person's identity by the fields given: the others are kept from the identity
//! the vault holds, merged by the Engine ([`parapompi::IdentityPatch`]), so that the client
//! never receives the identity it corrects.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use parapompi::core::values::{Amka, BeneficiaryId, Email, PersonName, Phone, PostalAddress, ValidationError};
use parapompi::{documents, Acting, IdentityPatch};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::routes::{acted_by, answer, blocking, json_body, meta, occurred_at, uuid_of};
use crate::AppState;

/// The body of `POST /v1/beneficiaries/{beneficiary}/identity/correct`: the fields to change
/// (a list replaces the held list whole), and the act's command id and time.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CorrectionForm {
    /// The given name.
    given_name: Option<String>,
    /// The family name.
    family_name: Option<String>,
    /// The AMKA (11 digits with its check digit).
    amka: Option<String>,
    /// The telephone numbers.
    phones: Option<Vec<String>>,
    /// The e-mail addresses.
    emails: Option<Vec<String>>,
    /// The postal address.
    address: Option<String>,
    /// The act's command id; a new UUIDv7 when left out.
    command_id: Option<Uuid>,
    /// When it happened (RFC 3339); the server's clock when left out.
    at: Option<String>,
}

fn field<T>(
    name: &str,
    text: Option<&str>,
    make: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ApiError> {
    text.map(|t| make(t).map_err(|e| ApiError::bad_field(name, e.to_string()))).transpose()
}

fn listed<T>(
    name: &str,
    texts: Option<&[String]>,
    make: impl Fn(&str) -> Result<T, ValidationError>,
) -> Result<Option<Vec<T>>, ApiError> {
    texts
        .map(|list| list.iter().map(|t| make(t).map_err(|e| ApiError::bad_field(name, e.to_string()))).collect())
        .transpose()
}

/// `POST /v1/beneficiaries/{beneficiary}/identity/correct`: the write's document.
pub(crate) async fn correct(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(beneficiary): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let beneficiary_id = BeneficiaryId::new(uuid_of("beneficiary", "beneficiary", &beneficiary)?);
    let form: CorrectionForm = json_body(&state, body).await?;
    let patch = IdentityPatch {
        given_name: field("given_name", form.given_name.as_deref(), PersonName::new)?,
        family_name: field("family_name", form.family_name.as_deref(), PersonName::new)?,
        amka: field("amka", form.amka.as_deref(), Amka::new)?,
        phones: listed("phones", form.phones.as_deref(), Phone::new)?,
        emails: listed("emails", form.emails.as_deref(), Email::new)?,
        address: field("address", form.address.as_deref(), PostalAddress::new)?,
    };
    if patch.is_empty() {
        return Err(ApiError::bad_field("body", "give at least one identity field to change"));
    }
    let staff_id = caller.staff.staff_id;
    let meta = meta(
        form.command_id.unwrap_or_else(Uuid::now_v7),
        Acting::Staff(staff_id),
        occurred_at(&state, form.at.as_deref())?,
    );
    let engine = state.engine.clone();
    let executed = blocking(move || Ok(engine.correct_identity(beneficiary_id, &patch, meta)?)).await?;
    let document = documents::written("act", &[executed.into()], &[]);
    Ok(answer(StatusCode::OK, &document, acted_by(staff_id, Some("CorrectIdentity".to_owned()))))
}
