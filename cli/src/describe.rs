//! What the human views call things by: staff members, agencies and centres by name, cases
//! and referrals by their short references, in place of the ids the log's descriptions of
//! events (the documents' `description`) hold. Beneficiaries keep their ids: a person's name
//! is an audited read, which a view of the history does not make. `--json` keeps the ids.

use std::collections::BTreeMap;

use parapompi::core::values::{AgencyId, CaseId, ReferralId, StaffId};
use parapompi::core::{State, StreamKind};
use parapompi::references::ReferenceQuery;
use serde_json::Value;
use uuid::Uuid;

use crate::error::CliError;
use crate::session::Ctx;

/// The length of a UUID's hyphenated text.
const UUID_LEN: usize = 36;

/// The stream prefixes an id may carry in a description (`staff-<uuid>`).
const PREFIXES: [&str; 6] = ["beneficiary-", "referral-", "agency-", "centre-", "staff-", "case-"];

/// Names by id, for the lines of one view.
#[derive(Default)]
pub struct Names {
    /// Staff members' names.
    pub staff: BTreeMap<StaffId, String>,
    /// Agencies' names.
    pub agencies: BTreeMap<AgencyId, String>,
    /// Every id a description may name, by its UUID, with what it is shown as.
    shown: BTreeMap<Uuid, String>,
}

impl Names {
    /// The directory's names (staff, agencies, centres); none in JSON mode, which shows ids.
    pub fn of(ctx: &Ctx<'_>) -> Result<Names, CliError> {
        if ctx.out.json {
            return Ok(Names::default());
        }
        let staff = crate::commands::directory::staff_names(ctx)?;
        let agencies = crate::commands::directory::agency_names(ctx)?;
        let mut shown = BTreeMap::new();
        for state in ctx.backend.directory(StreamKind::Centre)? {
            if let State::Centre(Some(centre)) = state {
                shown.insert(centre.centre_id.uuid(), centre.name.as_str().to_owned());
            }
        }
        shown.extend(staff.iter().map(|(id, name)| (id.uuid(), name.clone())));
        shown.extend(agencies.iter().map(|(id, name)| (id.uuid(), name.clone())));
        Ok(Names { staff, agencies, shown })
    }

    /// Adds the short references of the cases and referrals the `lines`' descriptions name
    /// (the other ids in them are looked up as either, and stay ids when neither).
    pub fn learn_references(&mut self, ctx: &Ctx<'_>, lines: &[Value]) -> Result<(), CliError> {
        if ctx.out.json {
            return Ok(());
        }
        let mut unknown: Vec<Uuid> = lines
            .iter()
            .filter_map(|line| line.get("description").and_then(Value::as_str))
            .flat_map(|text| uuids_in(text).into_iter().map(|(_, uuid)| uuid))
            .filter(|uuid| !self.shown.contains_key(uuid))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        for uuid in unknown {
            for query in [ReferenceQuery::Referral(ReferralId::new(uuid)), ReferenceQuery::Case(CaseId::new(uuid))] {
                match ctx.backend.look_up_reference(&query) {
                    Ok(found) => {
                        self.shown.insert(uuid, found.reference);
                        break;
                    }
                    // Not a case or referral (or not this one): the id stays.
                    Err(CliError::Usage(_)) => {}
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(())
    }

    /// A line's `description` with the ids it knows replaced by their names or references.
    pub fn describe(&self, line: &Value) -> String {
        let text = line.get("description").and_then(Value::as_str).unwrap_or("-");
        self.named(text)
    }

    /// `text` with the ids it knows (with or without their stream prefix) replaced.
    pub fn named(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest_from = 0;
        for (start, uuid) in uuids_in(text) {
            let Some(name) = self.shown.get(&uuid) else { continue };
            let before = &text[rest_from..start];
            let before = PREFIXES.iter().find_map(|p| before.strip_suffix(p)).unwrap_or(before);
            out.push_str(before);
            out.push_str(name);
            rest_from = start + UUID_LEN;
        }
        out.push_str(&text[rest_from..]);
        out
    }
}

/// The UUIDs written in `text` (hyphenated, as ids are shown), with their byte offsets.
fn uuids_in(text: &str) -> Vec<(usize, Uuid)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at + UUID_LEN <= bytes.len() {
        let candidate = &bytes[at..at + UUID_LEN];
        let shaped = candidate.iter().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
        let starts_word = at == 0 || !bytes[at - 1].is_ascii_hexdigit();
        match std::str::from_utf8(candidate).ok().filter(|_| shaped && starts_word).map(Uuid::parse_str) {
            Some(Ok(uuid)) => {
                found.push((at, uuid));
                at += UUID_LEN;
            }
            _ => at += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_are_replaced_with_or_without_their_prefix_and_others_stay() {
        let staff = Uuid::from_u128(1);
        let referral = Uuid::from_u128(2);
        let person = Uuid::from_u128(3);
        let names = Names {
            shown: [(staff, "Νίκος Ζήσης".to_owned()), (referral, "ΓΡΕ-2024-0001/1".to_owned())].into(),
            ..Names::default()
        };
        let text = format!("referral {referral} sent by staff-{staff} for beneficiary {person}");
        assert_eq!(
            names.named(&text),
            format!("referral ΓΡΕ-2024-0001/1 sent by Νίκος Ζήσης for beneficiary {person}")
        );
        assert_eq!(uuids_in(&format!("«{person}»")), vec![(2, person)]);
        assert_eq!(uuids_in("no ids here"), Vec::new());
    }
}
