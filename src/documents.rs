//! The JSON documents of answers: what `parapompi --json` prints and what the server's
//! bodies are, built in one place so that the two cannot drift. Listings are a list of
//! objects, which the command line prints and the server sends as JSON Lines, one object a
//! line; every other answer is one object. docs/CLI.md describes each shape.
//!
//! Each document is a typed struct here (or the projections' own line types), serialised by
//! serde: with the `schema` feature, the same structs give the JSON Schema of the server's
//! OpenAPI document, so the schema is of the bytes these builders write.

use std::collections::BTreeMap;

use parapompi_core::credential::{CredentialId, CredentialKind};
use parapompi_core::text::{Text, TextDigest};
use parapompi_core::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ReferralId, StaffId};
use parapompi_core::vocab::{AgencyKind, CloseReason, Need, NeedDomain, ReferralPriority, ReferralStatus};
use parapompi_projections::{AuditSubject, AuditTrail, Board, CaseFile, Caseload, EntryText};
use parapompi_store::Verified;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::access::{AccessRecord, CaseTextsRead, IdentityRead, SubjectAccessExport, TextWords};
use crate::engine::Executed;
use crate::instant::format_instant;

/// A document as JSON. Every document is plain data (strings, numbers, lists and maps with
/// string keys), which serde always turns into a value.
fn to_value(document: &impl Serialize) -> Value {
    let value = serde_json::to_value(document);
    assert!(value.is_ok(), "documents are plain data");
    value.unwrap_or(Value::Null)
}

/// The answer to a write, as `documents::written` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WriteDocument {
    /// The command as the caller named it: `act` for the server's acts, `case open`, `logout`, …
    pub command: String,
    /// True when the act's command id had been seen: nothing new was written and the events
    /// are those it recorded the first time.
    pub deduplicated: bool,
    /// The ids of what the act made or named (`case_id`, `referral_id`, …), each by its name.
    #[serde(flatten)]
    pub ids: BTreeMap<String, String>,
    /// The events recorded, in log order.
    pub events: Vec<WrittenEvent>,
}

/// One event a write recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WrittenEvent {
    /// Its global position in the log.
    pub position: u64,
    /// Its stream, e.g. `case-<uuid>`.
    pub stream_id: String,
    /// The version of the stream it made.
    pub stream_version: u64,
    /// Its stable type name, e.g. `ReferralSent`.
    pub event_type: String,
    /// Its chain hash, 64 lowercase hex digits.
    pub hash: String,
}

/// What one act wrote, as its answer tells it: the engine's [`Executed`] without the events'
/// contents, which is all a client of the server learns of a write.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WriteOutcome {
    /// True when the command id had been seen: nothing new was written.
    pub deduplicated: bool,
    /// The events recorded, in order.
    pub events: Vec<WrittenEvent>,
}

impl From<&Executed> for WriteOutcome {
    fn from(executed: &Executed) -> WriteOutcome {
        WriteOutcome {
            deduplicated: executed.deduplicated,
            events: executed
                .events
                .iter()
                .map(|r| WrittenEvent {
                    position: r.position,
                    stream_id: r.stream_id.clone(),
                    stream_version: r.stream_version,
                    event_type: r.event.event_type().to_owned(),
                    hash: r.hash.clone(),
                })
                .collect(),
        }
    }
}

impl From<Executed> for WriteOutcome {
    fn from(executed: Executed) -> WriteOutcome {
        WriteOutcome::from(&executed)
    }
}

/// The answer to a write: `{command, deduplicated, <ids>…, events:[{position, stream_id,
/// stream_version, event_type, hash}]}` (keys sorted). `ids` are the ids of what the act
/// made or named (`case_id`, `referral_id`, …).
pub fn written(command: &str, outcomes: &[WriteOutcome], ids: &[(&str, String)]) -> Value {
    to_value(&write_document(command, outcomes, ids))
}

fn write_document(command: &str, outcomes: &[WriteOutcome], ids: &[(&str, String)]) -> WriteDocument {
    WriteDocument {
        command: command.to_owned(),
        deduplicated: !outcomes.is_empty() && outcomes.iter().all(|o| o.deduplicated),
        ids: ids.iter().map(|(key, value)| ((*key).to_owned(), value.clone())).collect(),
        events: outcomes.iter().flat_map(|o| o.events.iter().cloned()).collect(),
    }
}

/// A write's outcome read back from its answer ([`written`]'s document).
pub fn outcome_of_written(document: &Value) -> Result<WriteOutcome, WrittenAnswerError> {
    let deduplicated = document
        .get("deduplicated")
        .and_then(Value::as_bool)
        .ok_or(WrittenAnswerError::Lacks { key: "deduplicated" })?;
    let events = document.get("events").cloned().ok_or(WrittenAnswerError::Lacks { key: "events" })?;
    let events = serde_json::from_value(events).map_err(|e| WrittenAnswerError::BadEvents { detail: e.to_string() })?;
    Ok(WriteOutcome { deduplicated, events })
}

/// An answer to a write that is not [`written`]'s document (a server of another version, or
/// not Parapompi's); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WrittenAnswerError {
    /// A key the document always holds is missing.
    #[error("the answer to a write has no {key:?}")]
    Lacks {
        /// The key.
        key: &'static str,
    },
    /// `events` is not a list of the events' summaries.
    #[error("the answer to a write: {detail}")]
    BadEvents {
        /// serde's account of what does not fit.
        detail: String,
    },
}

/// The answer to issuing a credential (a login's session included), as `documents::issued` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuedDocument {
    /// The secret: the token (`pp1_<staff>_<credential>_<secret>`) or the enrolment code.
    /// It is in this answer once, for its holder, and nowhere else.
    pub secret: String,
    /// The credential.
    pub credential_id: CredentialId,
    /// Its holder.
    pub staff_id: StaffId,
    /// Its kind.
    pub kind: CredentialKind,
    /// When it expires (RFC 3339, UTC); `null` for none.
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub expires_at: Option<String>,
    /// The write that recorded it.
    pub result: WriteDocument,
}

/// The answer to issuing a credential: `{secret, credential_id, staff_id, kind, expires_at,
/// result}`, `result` being the write's document. The secret is in it once, for its holder.
pub fn issued(command: &str, issued: &crate::credentials::Issued) -> Value {
    to_value(&IssuedDocument {
        secret: issued.secret.expose().to_owned(),
        credential_id: issued.credential_id,
        staff_id: issued.staff_id,
        kind: issued.kind,
        expires_at: issued.expires_at.map(format_instant),
        result: write_document(command, &[WriteOutcome::from(&issued.executed)], &[]),
    })
}

/// A free text of an event, as an answer shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TextLine {
    /// The event's field, e.g. `request`, `reason`.
    pub field: String,
    /// The vault entry's id; absent for an event recorded before texts moved to the vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_id: Option<Uuid>,
    /// The salted digest of the words; absent as `text_id` is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<TextDigest>,
    /// The words, where an audited read gave them; `null` otherwise.
    pub text: Option<String>,
}

fn text_lines(texts: &[EntryText], words: Option<&TextWords>) -> Vec<TextLine> {
    texts
        .iter()
        .map(|t| {
            // Not even an old event's own words are shown without a recorded read.
            let text = words.and_then(|w| w.words(&t.text)).map(str::to_owned);
            let (text_id, digest) = match &t.text {
                Text::Sealed(sealed) => (Some(sealed.text_id), Some(sealed.digest.clone())),
                Text::Inline(_) => (None, None),
            };
            TextLine { field: t.field.to_owned(), text_id, digest, text }
        })
        .collect()
}

/// The texts of an entry: each with its field and reference (or, for an old event, nothing
/// but its words), and its words where they were read (`words`, from an audited read).
pub fn texts(texts: &[EntryText], words: Option<&TextWords>) -> Value {
    to_value(&text_lines(texts, words))
}

/// The caseload as lines: the library's `CaseloadEntry`, one a case.
pub fn caseload_lines(caseload: &Caseload) -> Vec<Value> {
    caseload.cases.iter().map(to_value).collect()
}

/// The referral board as lines: the library's `BoardEntry`, one a referral.
pub fn board_lines(board: &Board) -> Vec<Value> {
    board.referrals.iter().map(to_value).collect()
}

/// A subject's kind and id as audit lines name them.
pub fn subject_text(subject: &AuditSubject) -> (&'static str, String) {
    match subject {
        AuditSubject::Case(id) => ("case", id.to_string()),
        AuditSubject::Beneficiary(id) => ("beneficiary", id.to_string()),
        AuditSubject::Referral(id) => ("referral", id.to_string()),
        AuditSubject::Staff(id) => ("staff", id.to_string()),
    }
}

/// One line of an audit trail, as `documents::audit_lines` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditLine {
    /// Whose trail: `case`, `beneficiary`, `referral` or `staff`.
    pub subject_kind: String,
    /// The subject's id, a UUID.
    pub subject_id: String,
    /// The event's global position.
    pub position: u64,
    /// Its stream.
    pub stream_id: String,
    /// Its chain hash.
    pub hash: String,
    /// Who acted: `staff-<uuid>` or a system actor such as `setup`.
    pub actor: String,
    /// Business time (RFC 3339, UTC).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub occurred_at: String,
    /// Commit time (RFC 3339, UTC).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub recorded_at: String,
    /// The event's type name.
    pub event_type: String,
    /// What happened, in one line of words.
    pub description: String,
    /// The event's free texts.
    pub texts: Vec<TextLine>,
}

/// An audit trail as lines: `{subject_kind, subject_id, position, stream_id, hash, actor,
/// occurred_at, recorded_at, event_type, description, texts}`, times RFC 3339 UTC; the
/// texts' words only where `words` holds them (an audited read).
pub fn audit_lines(trail: &AuditTrail, words: Option<&TextWords>) -> Vec<Value> {
    let (kind, id) = subject_text(&trail.subject);
    trail
        .entries
        .iter()
        .map(|entry| {
            to_value(&AuditLine {
                subject_kind: kind.to_owned(),
                subject_id: id.clone(),
                position: entry.position,
                stream_id: entry.stream_id.clone(),
                hash: entry.hash.clone(),
                actor: entry.actor.clone(),
                occurred_at: format_instant(entry.occurred_at),
                recorded_at: format_instant(entry.recorded_at),
                event_type: entry.event_type.to_owned(),
                description: entry.description.clone(),
                texts: text_lines(&entry.texts, words),
            })
        })
        .collect()
}

/// A case file as `case show` prints it, as `documents::case_file` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseFileDocument {
    /// The case.
    pub case_id: CaseId,
    /// Its short reference, `ΓΡΕ-2024-0042`.
    pub reference: Option<String>,
    /// Its beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The centre that took the intake.
    pub centre_id: CentreId,
    /// The antenna that took it, if not the centre's main office.
    pub antenna_id: Option<AntennaId>,
    /// How the person came: `walk_in`, `phone`, `email`, `outreach` or `referred_in`.
    pub channel: String,
    /// The intake date.
    pub opened_on: Date,
    /// Whether the case is open.
    pub open: bool,
    /// The current assignee.
    pub assignee: Option<StaffId>,
    /// Why it was last closed, while it is closed.
    pub close_reason: Option<CloseReason>,
    /// The current assessment's needs.
    pub needs: Vec<Need>,
    /// Every referral, with its status and links.
    pub referrals: Vec<CaseFileReferral>,
    /// Every event of the case's stream, in log order.
    pub history: Vec<CaseFileEvent>,
    /// Whether the texts' words are shown (an audited read).
    pub texts_read: bool,
    /// The position of the `RecordsAccessed` event of that read.
    pub access_position: Option<u64>,
}

/// A referral in a case file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseFileReferral {
    /// The referral.
    pub referral_id: ReferralId,
    /// Its short reference, `ΓΡΕ-2024-0042/2`.
    pub reference: Option<String>,
    /// The agency referred to.
    pub agency_id: AgencyId,
    /// Its kind when referred.
    pub agency_kind: AgencyKind,
    /// The need referred for.
    pub need: NeedDomain,
    /// The current status.
    pub status: ReferralStatus,
    /// The priority.
    pub priority: ReferralPriority,
    /// The follow-up due date.
    pub due_on: Date,
    /// The declined or failed referral this one re-routes.
    pub rerouted_from: Option<ReferralId>,
    /// The referral that re-routed this one.
    pub rerouted_to: Option<ReferralId>,
    /// The outcome, once completed or failed (`got_help`, `not_eligible`, …).
    pub outcome: Option<parapompi_core::vocab::Outcome>,
}

/// An event in a case file's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseFileEvent {
    /// Its global position.
    pub position: u64,
    /// The version of the case stream it made.
    pub stream_version: u64,
    /// Business time (RFC 3339, UTC).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub occurred_at: String,
    /// Commit time (RFC 3339, UTC).
    #[cfg_attr(feature = "schema", schemars(extend("format" = "date-time")))]
    pub recorded_at: String,
    /// Who acted.
    pub actor: String,
    /// The event's type name.
    pub event_type: String,
    /// What happened, in one line of words.
    pub description: String,
    /// The event's free texts.
    pub texts: Vec<TextLine>,
    /// Its chain hash.
    pub hash: String,
}

/// A case file as `case show` prints it, or `None` for a case never opened: the texts' words
/// only where `words` holds them (an audited read, recorded at `access_position`).
pub fn case_file(
    case_id: CaseId,
    file: &CaseFile,
    words: Option<&TextWords>,
    access_position: Option<u64>,
) -> Option<Value> {
    let case = file.case.as_ref()?;
    // A referral's outcome is its completion's or failure's (a re-routed one keeps its own).
    let outcomes: BTreeMap<ReferralId, parapompi_core::vocab::Outcome> = file
        .entries
        .iter()
        .filter_map(|e| match &e.event {
            parapompi_core::case::CaseEvent::ReferralCompleted { referral_id, outcome, .. }
            | parapompi_core::case::CaseEvent::ReferralFailed { referral_id, outcome, .. } => {
                Some((*referral_id, *outcome))
            }
            _ => None,
        })
        .collect();
    let referrals = case
        .referrals
        .values()
        .map(|r| CaseFileReferral {
            referral_id: r.referral_id,
            reference: file.referral_references.get(&r.referral_id).cloned(),
            agency_id: r.agency_id,
            agency_kind: r.agency_kind,
            need: r.need,
            status: r.status,
            priority: r.priority,
            due_on: r.due_on,
            rerouted_from: r.rerouted_from,
            rerouted_to: r.rerouted_to,
            outcome: outcomes.get(&r.referral_id).copied(),
        })
        .collect();
    let history = file
        .entries
        .iter()
        .map(|e| CaseFileEvent {
            position: e.position,
            stream_version: e.stream_version,
            occurred_at: format_instant(e.occurred_at),
            recorded_at: format_instant(e.recorded_at),
            actor: e.actor.clone(),
            event_type: e.event_type.to_owned(),
            description: e.description.clone(),
            texts: text_lines(&e.texts, words),
            hash: e.hash.clone(),
        })
        .collect();
    Some(to_value(&CaseFileDocument {
        case_id,
        reference: file.reference.clone(),
        beneficiary_id: case.beneficiary_id,
        centre_id: case.centre_id,
        antenna_id: case.antenna_id,
        channel: case.channel.as_str().to_owned(),
        opened_on: case.opened_on,
        open: case.open,
        assignee: case.assignee,
        close_reason: case.close_reason,
        needs: case.needs.clone(),
        referrals,
        history,
        texts_read: words.is_some(),
        access_position,
    }))
}

/// `verify`'s answer, as `documents::verified` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyDocument {
    /// Always true: a log that fails verification is an error answer instead.
    pub ok: bool,
    /// Records checked.
    pub n_events: u64,
    /// Distinct streams.
    pub n_streams: u64,
    /// Appends, one a command id.
    pub n_appends: u64,
    /// The last position checked.
    pub head_position: u64,
    /// The hash at that position, 64 lowercase hex digits.
    pub head_hash: String,
}

/// `verify`'s answer: `{ok, n_events, n_streams, n_appends, head_position, head_hash}`.
pub fn verified(verified: &Verified) -> Value {
    to_value(&VerifyDocument {
        ok: true,
        n_events: verified.n_events,
        n_streams: verified.n_streams,
        n_appends: verified.n_appends,
        head_position: verified.head_position,
        head_hash: verified.head_hash.to_hex(),
    })
}

/// `stats`' answer, as `documents::stats` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StatsDocument {
    /// The data directory.
    pub data_dir: String,
    /// Records in the log.
    pub n_events: u64,
    /// Distinct streams.
    pub n_streams: u64,
    /// Appends, one a command id.
    pub n_appends: u64,
    /// The head's position.
    pub head_position: u64,
    /// The head's hash, 64 lowercase hex digits.
    pub head_hash: String,
    /// The bytes the data directory's files take.
    pub size_on_disk_bytes: u64,
}

/// `stats`' answer: `{data_dir, n_events, n_streams, n_appends, head_position, head_hash,
/// size_on_disk_bytes}`.
pub fn stats(verified: &Verified, data_dir: &str, size_on_disk_bytes: u64) -> Value {
    to_value(&StatsDocument {
        data_dir: data_dir.to_owned(),
        n_events: verified.n_events,
        n_streams: verified.n_streams,
        n_appends: verified.n_appends,
        head_position: verified.head_position,
        head_hash: verified.head_hash.to_hex(),
        size_on_disk_bytes,
    })
}

/// Lines as JSON Lines text: each value on its own line, a line end after each.
pub fn json_lines(lines: &[Value]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    text
}

/// The bytes the files under `dir` take, subdirectories included (what `stats` reports).
pub fn size_on_disk(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => size_on_disk(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

/// The answer to a read of a case's texts: its case file with the words
/// ([`case_file`] with `texts_read` true and the read's position).
pub fn case_texts_read(case_id: CaseId, read: &CaseTextsRead) -> Option<Value> {
    let position = read.access.events.first().map(|r| r.position);
    case_file(case_id, &read.file, Some(&read.words), position)
}

/// The answer to a read of a person's identity: `{identity, access_position}` (`identity`
/// null when the vault holds none).
pub fn identity_read(read: &IdentityRead) -> Value {
    json!({
        "identity": read.entry.as_ref().map(|e| &e.identity),
        "access_position": read.access.events.first().map(|r| r.position),
    })
}

/// A person found by `beneficiary find`, as `documents::found_lines` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FoundDocument {
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// Their identity (a read of it, recorded at `access_position`), as `POST
    /// /v1/beneficiaries/{id}/identity` answers it. (Its schema is left open, as that
    /// answer's is: the record is written with `address: null` and read without it.)
    #[cfg_attr(feature = "schema", schemars(with = "serde_json::Map<String, Value>"))]
    pub identity: parapompi_core::identity::IdentityRecord,
    /// Their cases in the order opened, with references and status.
    pub cases: Vec<parapompi_projections::CaseSummary>,
    /// The position of the `RecordsAccessed` event of this read.
    pub access_position: u64,
}

/// The people a search found, one line each, in the order found (by family, then given name).
pub fn found_lines(found: &crate::Found) -> Vec<Value> {
    found_documents(found).iter().map(to_value).collect()
}

/// The people a search found, as [`found_lines`] gives them, before they are JSON.
pub fn found_documents(found: &crate::Found) -> Vec<FoundDocument> {
    found
        .people
        .iter()
        .map(|person| {
            let position = found
                .access
                .events
                .iter()
                .find(|r| r.stream_id == person.beneficiary_id.stream_id())
                .map_or(0, |r| r.position);
            FoundDocument {
                beneficiary_id: person.beneficiary_id,
                identity: person.entry.identity.clone(),
                cases: person.cases.clone(),
                access_position: position,
            }
        })
        .collect()
}

/// The names a view read, as `documents::names_read` builds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NamesDocument {
    /// Each person read, by id.
    pub names: Vec<PersonName>,
    /// The positions of the reads' `RecordsAccessed` events.
    pub access_positions: Vec<u64>,
}

/// One person's name, read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PersonName {
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
}

/// The answer to a read of names: each person read, and where the reads are recorded.
pub fn names_read(read: &crate::NamesRead) -> NamesDocument {
    NamesDocument {
        names: read
            .names
            .iter()
            .map(|(id, (given, family))| PersonName {
                beneficiary_id: *id,
                given_name: given.clone(),
                family_name: family.clone(),
            })
            .collect(),
        access_positions: read.access.events.iter().map(|r| r.position).collect(),
    }
}

/// A person's access report as lines: the library's `AccessRecord`, one a read.
pub fn access_lines(report: &[AccessRecord]) -> Vec<Value> {
    report.iter().map(to_value).collect()
}

/// A person's own copy as the file holds it: indented JSON, Greek as it is, a line end.
pub fn subject_export_text(export: &SubjectAccessExport) -> String {
    let mut text = serde_json::to_string_pretty(export).unwrap_or_default();
    text.push('\n');
    text
}
