//! Short references of cases and referrals, both ways: the ids a reference names, and the
//! reference of an id (`parapompi_core::reference` says how they are given).

use parapompi_core::reference::Reference;
use parapompi_core::values::{CaseId, ReferralId, ValidationError};
use parapompi_projections::{Projections, ReferenceTarget};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Engine, EngineError};

/// What is looked up: a reference as typed, or the id of a case or a referral.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceQuery {
    /// `ΓΡΕ-2024-0042` or `ΓΡΕ-2024-0042/2`.
    Reference(Reference),
    /// `case-<uuid>`.
    Case(CaseId),
    /// `referral-<uuid>`.
    Referral(ReferralId),
}

impl ReferenceQuery {
    /// Reads a reference (`ΓΡΕ-2024-0042`, `ΓΡΕ-2024-0042/2`) or an id in its stream form
    /// (`case-<uuid>`, `referral-<uuid>`).
    pub fn parse(text: &str) -> Result<ReferenceQuery, ValidationError> {
        let trimmed = text.trim();
        let id = |prefix: &str| {
            trimmed.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).and_then(|u| Uuid::parse_str(u).ok())
        };
        if let Some(uuid) = id("case") {
            return Ok(ReferenceQuery::Case(CaseId::new(uuid)));
        }
        if let Some(uuid) = id("referral") {
            return Ok(ReferenceQuery::Referral(ReferralId::new(uuid)));
        }
        Reference::parse(trimmed).map(ReferenceQuery::Reference)
    }
}

/// A case or referral with its short reference: the answer of `GET /v1/references/{query}`
/// and of the CLI's look-ups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferenceDocument {
    /// The reference of what was found: the case's, or the referral's (`ΓΡΕ-2024-0042/2`).
    pub reference: String,
    /// The case (the referral's case, for a referral).
    pub case_id: CaseId,
    /// The case's reference.
    pub case_reference: String,
    /// The referral, when a referral was found.
    pub referral_id: Option<ReferralId>,
}

/// The case or referral a query names, with its references; `None` if the log holds none.
pub fn look_up(projections: &Projections, query: &ReferenceQuery) -> Option<ReferenceDocument> {
    let (case_id, referral_id) = match query {
        ReferenceQuery::Reference(reference) => match projections.resolve_reference(reference)? {
            ReferenceTarget::Case(case_id) => (case_id, None),
            ReferenceTarget::Referral { case_id, referral_id } => (case_id, Some(referral_id)),
        },
        ReferenceQuery::Case(case_id) => (*case_id, None),
        ReferenceQuery::Referral(referral_id) => (projections.case_of_referral(*referral_id)?, Some(*referral_id)),
    };
    let case_reference = projections.case_reference(case_id)?.to_string();
    let reference = match referral_id {
        Some(referral_id) => projections.referral_reference(referral_id)?.to_string(),
        None => case_reference.clone(),
    };
    Some(ReferenceDocument { reference, case_id, case_reference, referral_id })
}

impl Engine {
    /// The case or referral a reference or id names, with its references (see [`look_up`]).
    pub fn look_up_reference(&self, query: &ReferenceQuery) -> Result<Option<ReferenceDocument>, EngineError> {
        self.with_projections(|p| look_up(p, query))
    }
}
