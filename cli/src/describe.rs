//! How the human views describe events: staff members, agencies and centres by name, cases
//! and referrals by their short references, in place of the ids the log's descriptions of
//! events (the documents' `description`) hold; in the run's language, by the message
//! `event-<type>` of `events.ftl` with the event's fields as arguments (English: the log's
//! sentence, `$detail`). Beneficiaries keep their ids: a person's name is an audited read,
//! which a view of the history does not make. `--json` keeps the ids and the log's sentence.

use std::collections::BTreeMap;

use parapompi::core::values::{AgencyId, CaseId, ReferralId, StaffId};
use parapompi::core::{State, StreamKind};
use parapompi::references::ReferenceQuery;
use serde_json::Value;
use uuid::Uuid;

use crate::error::CliError;
use crate::i18n::{lang, message, vocab, Lang};
use crate::session::Ctx;

/// The most streams a view reads the events of to describe them in words; past it, the
/// log's sentences are shown (an audit of a busy staff member spans many cases).
const MAX_STREAMS_READ: usize = 64;

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
    /// The events read to describe them, by log position: their type and payload (of the
    /// current schema: decoded, so upcast, then written out again).
    events: BTreeMap<u64, (&'static str, Value)>,
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
        Ok(Names { staff, agencies, shown, events: BTreeMap::new() })
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

    /// Reads the events of `streams` (stream ids), to describe them in words. Only for a
    /// language other than English, which shows the log's sentences, and for at most
    /// [`MAX_STREAMS_READ`] streams.
    pub fn learn_events(&mut self, ctx: &Ctx<'_>, streams: &[String]) -> Result<(), CliError> {
        let mut streams: Vec<&String> = streams.iter().collect();
        streams.sort_unstable();
        streams.dedup();
        if ctx.out.json || lang() == Lang::En || streams.len() > MAX_STREAMS_READ {
            return Ok(());
        }
        for stream in streams {
            let stream = parapompi::store::StreamId::new(stream.clone())?;
            for record in ctx.backend.stream_records(&stream)? {
                let recorded = parapompi::decode(&record)?;
                self.events.insert(recorded.position, (recorded.event.event_type(), recorded.event.to_payload()));
            }
        }
        Ok(())
    }

    /// A line's description (of a case file's history or an audit trail) in the run's
    /// language, the ids it knows replaced by their names or references.
    pub fn describe(&self, line: &Value) -> String {
        let detail = self.named(line.get("description").and_then(Value::as_str).unwrap_or("-"));
        let event = line.get("position").and_then(Value::as_u64).and_then(|position| self.events.get(&position));
        let Some((event_type, payload)) = event else { return detail };
        let mut args = self.event_arguments(event_type, payload);
        args.push(("detail".to_owned(), detail.clone()));
        let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
        let key = format!("event-{event_type}");
        let words = message(&key, &borrowed);
        if words == key {
            detail
        } else {
            words
        }
    }

    /// An event's fields as its message's arguments: ids by name or reference, closed sets'
    /// values by their names, the nested forms (needs, channel, sharing basis, profile,
    /// programme, situation, access) in words; texts (vault references) left out.
    fn event_arguments(&self, event_type: &str, payload: &Value) -> Vec<(String, String)> {
        let mut args = Vec::new();
        let Some(fields) = payload.as_object() else { return args };
        for (key, value) in fields {
            let shown = match (key.as_str(), value) {
                ("needs", Value::Array(needs)) => Some(
                    needs
                        .iter()
                        .map(|n| {
                            let field = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("-");
                            format!(
                                "{} ({})",
                                vocab("need", field("domain")),
                                vocab("need_priority", field("priority"))
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                ("channel", Value::Object(referred)) => referred.get("referred_in").map(|by| {
                    let agency = by.get("agency_id").and_then(Value::as_str).unwrap_or("-");
                    format!("{} ({})", vocab("channel", "referred_in"), self.named(agency))
                }),
                ("sharing_basis", Value::Object(basis)) => Some(self.sharing_basis(basis)),
                ("access", access) => Some(self.access(access)),
                ("profile" | "programme" | "situation", Value::Object(inner)) => {
                    for (inner_key, inner_value) in inner {
                        if let Some(text) = self.plain(event_type, inner_key, inner_value) {
                            args.push((inner_key.clone(), text));
                        }
                    }
                    None
                }
                (_, Value::Array(items)) => {
                    let set = set_of(event_type, key);
                    let items: Vec<String> = items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|item| set.map_or_else(|| self.named(item), |set| vocab(set, item)))
                        .collect();
                    Some(items.join(", "))
                }
                _ => self.plain(event_type, key, value),
            };
            if let Some(shown) = shown {
                args.push((key.clone(), shown));
            }
        }
        args
    }

    /// A plain field in words: text (a closed set's value by its name, an id by its name or
    /// reference), a number (a budget in euros), or nothing for the rest.
    fn plain(&self, event_type: &str, key: &str, value: &Value) -> Option<String> {
        match value {
            Value::String(text) => Some(match set_of(event_type, key) {
                Some(set) => vocab(set, text),
                None => self.named(text),
            }),
            Value::Number(n) if key == "budget" => {
                n.as_i64().map(|cents| format!("{}.{:02}", cents / 100, (cents % 100).abs()))
            }
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    fn sharing_basis(&self, basis: &serde_json::Map<String, Value>) -> String {
        let inner = |key: &str, field: &str| {
            basis.get(key).and_then(|b| b.get(field)).and_then(Value::as_str).map(|v| self.named(v))
        };
        match (inner("consent", "granted_on"), inner("supervisor_override", "supervisor")) {
            (Some(granted_on), _) => message("event-basis-consent", &[("date", &granted_on)]),
            (None, Some(supervisor)) => message("event-basis-override", &[("staff", &supervisor)]),
            (None, None) => "-".to_owned(),
        }
    }

    fn access(&self, access: &Value) -> String {
        match access {
            Value::String(kind) if kind == "identity" => message("access-identity", &[]),
            Value::String(kind) if kind == "subject_export" => message("access-own-copy", &[]),
            Value::Object(fields) => {
                let case = fields.get("case_texts").and_then(|c| c.get("case_id")).and_then(Value::as_str);
                message("access-case-texts", &[("case", &self.named(case.unwrap_or("-")))])
            }
            other => other.to_string(),
        }
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

/// The closed set a field's values come from, by the event it is in.
fn set_of(event_type: &str, field: &str) -> Option<&'static str> {
    match (event_type, field) {
        (_, "need" | "need_domains") => Some("need"),
        (_, "agency_kind") => Some("agency_kind"),
        ("AgencyRegistered" | "AgencyUpdated", "kind") => Some("agency_kind"),
        ("ServiceProvided", "kind") => Some("service"),
        ("ReferralCreated" | "ReferralRerouted", "priority") => Some("referral_priority"),
        ("CaseClosed", "reason") => Some("close_reason"),
        (_, "outcome") => Some("outcome"),
        (_, "held_from" | "resumed_to") => Some("status"),
        (_, "basis") => Some("legal_basis"),
        (_, "purpose") => Some("purpose"),
        (_, "channel") => Some("channel"),
        (_, "roles") => Some("role"),
        ("LeavingSituationRecorded", "job_searching" | "in_education_or_training" | "gained_qualification")
        | ("LeavingSituationRecorded", "in_employment") => Some("flag"),
        _ => None,
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
