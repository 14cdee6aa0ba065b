//! What a person types for a thing, turned into its id: the id itself (a UUID, or its stream
//! form), a case's or referral's short reference (`ΓΡΕ-2024-0042`, `ΓΡΕ-2024-0042/2`), or,
//! for staff, agencies, centres and beneficiaries, a name (an AMKA too, for a beneficiary).
//! A name must name one: an ambiguous one lists its candidates and nothing is written. And
//! back: the reference a case is shown by.

use parapompi::core::folding::{name_key, name_matches};
use parapompi::core::reference::Reference;
use parapompi::core::values::{AgencyId, Amka, BeneficiaryId, CaseId, CentreId, ReferralId, StaffId};
use parapompi::core::{State, StreamKind};
use parapompi::references::{ReferenceDocument, ReferenceQuery};
use parapompi::BeneficiarySearch;
use uuid::Uuid;

use crate::error::CliError;
use crate::i18n::message;
use crate::session::Ctx;

/// Candidates an ambiguous name lists at most.
const MAX_CANDIDATES_LISTED: usize = 10;

/// The id in `text` when it is one (`<uuid>` or `<prefix>-<uuid>`).
fn id_in(prefix: &str, text: &str) -> Option<Uuid> {
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).unwrap_or(trimmed);
    Uuid::parse_str(bare).ok()
}

/// What a short reference names, through the backend.
fn look_up(ctx: &Ctx<'_>, reference: Reference) -> Result<ReferenceDocument, CliError> {
    ctx.backend.look_up_reference(&ReferenceQuery::Reference(reference))
}

/// A case: its id, or its reference.
pub fn case(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<CaseId, CliError> {
    if let Some(uuid) = id_in("case", text) {
        return Ok(CaseId::new(uuid));
    }
    match Reference::parse(text) {
        Ok(reference @ Reference::Case(_)) => Ok(look_up(ctx, reference)?.case_id),
        Ok(Reference::Referral(referral)) => Err(CliError::field(
            field,
            message(
                "lookup-referral-not-case",
                &[("referral", &referral.to_string()), ("case", &referral.case.to_string())],
            ),
        )),
        Err(_) => Err(CliError::field(field, message("lookup-not-case", &[("text", &format!("{text:?}"))]))),
    }
}

/// A referral: its id, or its reference, with its case when the reference gave it.
pub fn referral(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<(ReferralId, Option<CaseId>), CliError> {
    if let Some(uuid) = id_in("referral", text) {
        return Ok((ReferralId::new(uuid), None));
    }
    match Reference::parse(text) {
        Ok(reference @ Reference::Referral(_)) => {
            let found = look_up(ctx, reference)?;
            let referral_id =
                found.referral_id.ok_or_else(|| CliError::field(field, message("lookup-not-a-referral", &[])))?;
            Ok((referral_id, Some(found.case_id)))
        }
        Ok(Reference::Case(case)) => {
            Err(CliError::field(field, message("lookup-case-not-referral", &[("case", &case.to_string())])))
        }
        Err(_) => Err(CliError::field(field, message("lookup-not-referral", &[("text", &format!("{text:?}"))]))),
    }
}

/// The one candidate a name names: the one whose whole name it is, else the one it is part
/// of; none, or several, is an error naming them.
fn one_named<Id: Copy + std::fmt::Display>(
    field: &str,
    kind: &str,
    prefix: &str,
    text: &str,
    candidates: &[(Id, String)],
) -> Result<Id, CliError> {
    let key = name_key(text);
    let exact: Vec<&(Id, String)> = candidates.iter().filter(|(_, name)| name_key(name) == key).collect();
    if let [(id, _)] = exact.as_slice() {
        return Ok(*id);
    }
    let partial: Vec<&(Id, String)> =
        if exact.is_empty() { candidates.iter().filter(|(_, name)| name_matches(text, name)).collect() } else { exact };
    match partial.as_slice() {
        [(id, _)] => Ok(*id),
        [] => {
            let what = message(&format!("lookup-what-{kind}"), &[]);
            Err(CliError::field(
                field,
                message("lookup-none", &[("what", &what), ("text", &format!("{:?}", text.trim()))]),
            ))
        }
        several => {
            let listed: Vec<String> = several
                .iter()
                .take(MAX_CANDIDATES_LISTED)
                .map(|(id, name)| format!("{name} ({prefix}-{id})"))
                .collect();
            let more = several.len().saturating_sub(MAX_CANDIDATES_LISTED);
            let more = if more > 0 {
                format!(" {}", message("lookup-more", &[("n", &more.to_string())]))
            } else {
                String::new()
            };
            let what = crate::output::count_of(several.len(), kind);
            let text = format!("{:?}", text.trim());
            let value = listed.join(", ");
            Err(CliError::field(
                field,
                message("lookup-several", &[("text", &text), ("what", &what), ("value", &value), ("more", &more)]),
            ))
        }
    }
}

/// A staff member: their id, or their name.
pub fn staff(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<StaffId, CliError> {
    if let Some(uuid) = id_in("staff", text) {
        return Ok(StaffId::new(uuid));
    }
    let mut candidates = Vec::new();
    for state in ctx.backend.directory(StreamKind::Staff)? {
        if let State::Staff(Some(staff)) = state {
            candidates.push((staff.staff_id, staff.name.as_str().to_owned()));
        }
    }
    one_named(field, "staff_member", "staff", text, &candidates)
}

/// An agency: its id, or its name.
pub fn agency(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<AgencyId, CliError> {
    if let Some(uuid) = id_in("agency", text) {
        return Ok(AgencyId::new(uuid));
    }
    let mut candidates = Vec::new();
    for state in ctx.backend.directory(StreamKind::Agency)? {
        if let State::Agency(Some(agency)) = state {
            candidates.push((agency.agency_id, agency.profile.name.as_str().to_owned()));
        }
    }
    one_named(field, "agency", "agency", text, &candidates)
}

/// A centre: its id, or its name (or its host municipality's).
pub fn centre(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<CentreId, CliError> {
    if let Some(uuid) = id_in("centre", text) {
        return Ok(CentreId::new(uuid));
    }
    let mut names = Vec::new();
    let mut hosts = Vec::new();
    for state in ctx.backend.directory(StreamKind::Centre)? {
        if let State::Centre(Some(centre)) = state {
            names.push((centre.centre_id, centre.name.as_str().to_owned()));
            hosts.push((centre.centre_id, centre.host_municipality.as_str().to_owned()));
        }
    }
    one_named(field, "centre", "centre", text, &names)
        .or_else(|by_name| one_named(field, "centre", "centre", text, &hosts).map_err(|_| by_name))
}

/// A beneficiary: their id, their AMKA, or their name, looked up among the people of the
/// acting staff member's centre; a look-up by AMKA or name reads the identities it shows,
/// and each read is recorded (`beneficiary find`).
pub fn beneficiary(ctx: &Ctx<'_>, field: &str, text: &str) -> Result<BeneficiaryId, CliError> {
    if let Some(uuid) = id_in("beneficiary", text) {
        return Ok(BeneficiaryId::new(uuid));
    }
    let trimmed = text.trim();
    let search = if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        BeneficiarySearch::Amka(crate::parse::value(field, Amka::new(trimmed))?)
    } else {
        BeneficiarySearch::Name(trimmed.to_owned())
    };
    let found = ctx.backend.find_beneficiaries(&search, ctx.meta(ctx.acting()?, Uuid::now_v7())?)?;
    let candidates: Vec<(BeneficiaryId, String)> = found
        .iter()
        .map(|person| {
            let identity = &person.identity;
            (person.beneficiary_id, format!("{} {}", identity.given_name().as_str(), identity.family_name().as_str()))
        })
        .collect();
    match (&search, candidates.as_slice()) {
        (BeneficiarySearch::Amka(_), [(id, _)]) => Ok(*id),
        (BeneficiarySearch::Amka(_), _) => Err(CliError::field(field, message("lookup-no-amka", &[]))),
        (_, _) => one_named(field, "person", "beneficiary", text, &candidates),
    }
}

/// The reference a case is shown by (`ΓΡΕ-2024-0042`), or its id where the read models give
/// none.
pub fn shown_case(ctx: &Ctx<'_>, case_id: CaseId) -> Result<String, CliError> {
    match ctx.backend.look_up_reference(&ReferenceQuery::Case(case_id)) {
        Ok(found) => Ok(found.reference),
        Err(CliError::Usage(_)) => Ok(case_id.stream_id()),
        Err(other) => Err(other),
    }
}
