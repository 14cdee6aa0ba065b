//! The JSON documents of answers: what `parapompi --json` prints and what the server's
//! bodies are, built in one place so that the two cannot drift. Listings are a list of
//! objects, which the command line prints and the server sends as JSON Lines, one object a
//! line; every other answer is one object. docs/CLI.md describes each shape.

use parapompi_core::text::Text;
use parapompi_core::values::CaseId;
use parapompi_projections::{AuditSubject, AuditTrail, Board, CaseFile, Caseload, EntryText};
use parapompi_store::Verified;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::access::{AccessRecord, CaseTextsRead, IdentityRead, SubjectAccessExport, TextWords};
use crate::engine::Executed;
use crate::instant::format_instant;

/// One event a write recorded, as its answer lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenEvent {
    /// Its position in the log.
    pub position: u64,
    /// Its stream.
    pub stream_id: String,
    /// Its version in the stream.
    pub stream_version: u64,
    /// Its type's stable name.
    pub event_type: String,
    /// Its chain hash (hex).
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
    let deduplicated = !outcomes.is_empty() && outcomes.iter().all(|o| o.deduplicated);
    let events: Vec<Value> =
        outcomes.iter().flat_map(|o| &o.events).map(|e| serde_json::to_value(e).unwrap_or(Value::Null)).collect();
    let mut object = Map::new();
    object.insert("command".to_owned(), json!(command));
    object.insert("deduplicated".to_owned(), json!(deduplicated));
    for (key, value) in ids {
        object.insert((*key).to_owned(), json!(value));
    }
    object.insert("events".to_owned(), Value::Array(events));
    Value::Object(object)
}

/// A write's outcome read back from its answer ([`written`]'s document).
pub fn outcome_of_written(document: &Value) -> Result<WriteOutcome, String> {
    let deduplicated = document
        .get("deduplicated")
        .and_then(Value::as_bool)
        .ok_or_else(|| "the answer to a write has no \"deduplicated\"".to_owned())?;
    let events = document.get("events").cloned().ok_or_else(|| "the answer to a write has no \"events\"".to_owned())?;
    let events = serde_json::from_value(events).map_err(|e| format!("the answer to a write: {e}"))?;
    Ok(WriteOutcome { deduplicated, events })
}

/// The answer to issuing a credential: `{secret, credential_id, staff_id, kind, expires_at,
/// result}`, `result` being the write's document. The secret is in it once, for its holder.
pub fn issued(command: &str, issued: &crate::credentials::Issued) -> Value {
    json!({
        "secret": issued.secret.expose(),
        "credential_id": issued.credential_id.to_string(),
        "staff_id": issued.staff_id.to_string(),
        "kind": issued.kind.as_str(),
        "expires_at": issued.expires_at.map(format_instant),
        "result": written(command, &[WriteOutcome::from(&issued.executed)], &[]),
    })
}

/// The texts of an entry: each with its field and reference (or, for an old event, nothing
/// but its words), and its words where they were read (`words`, from an audited read).
pub fn texts(texts: &[EntryText], words: Option<&TextWords>) -> Value {
    let texts: Vec<Value> = texts
        .iter()
        .map(|t| {
            // Not even an old event's own words are shown without a recorded read.
            let read = words.and_then(|w| w.words(&t.text));
            match &t.text {
                Text::Sealed(sealed) => json!({
                    "field": t.field,
                    "text_id": sealed.text_id.to_string(),
                    "digest": sealed.digest.as_str(),
                    "text": read,
                }),
                Text::Inline(_) => json!({"field": t.field, "text": read}),
            }
        })
        .collect();
    Value::Array(texts)
}

/// The caseload as lines: the library's `CaseloadEntry`, one a case.
pub fn caseload_lines(caseload: &Caseload) -> Vec<Value> {
    caseload.cases.iter().map(|entry| serde_json::to_value(entry).unwrap_or(Value::Null)).collect()
}

/// The referral board as lines: the library's `BoardEntry`, one a referral.
pub fn board_lines(board: &Board) -> Vec<Value> {
    board.referrals.iter().map(|entry| serde_json::to_value(entry).unwrap_or(Value::Null)).collect()
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

/// An audit trail as lines: `{subject_kind, subject_id, position, stream_id, hash, actor,
/// occurred_at, recorded_at, event_type, description, texts}`, times RFC 3339 UTC; the
/// texts' words only where `words` holds them (an audited read).
pub fn audit_lines(trail: &AuditTrail, words: Option<&TextWords>) -> Vec<Value> {
    let (kind, id) = subject_text(&trail.subject);
    trail
        .entries
        .iter()
        .map(|entry| {
            json!({
                "subject_kind": kind,
                "subject_id": id,
                "position": entry.position,
                "stream_id": entry.stream_id,
                "hash": entry.hash,
                "actor": entry.actor,
                "occurred_at": format_instant(entry.occurred_at),
                "recorded_at": format_instant(entry.recorded_at),
                "event_type": entry.event_type,
                "description": entry.description,
                "texts": texts(&entry.texts, words),
            })
        })
        .collect()
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
    let referrals: Vec<Value> = case
        .referrals
        .values()
        .map(|r| {
            json!({
                "referral_id": r.referral_id.to_string(),
                "agency_id": r.agency_id.to_string(),
                "agency_kind": r.agency_kind.as_str(),
                "need": r.need.as_str(),
                "status": r.status.as_str(),
                "priority": r.priority.as_str(),
                "due_on": r.due_on.to_string(),
                "rerouted_from": r.rerouted_from.map(|id| id.to_string()),
                "rerouted_to": r.rerouted_to.map(|id| id.to_string()),
            })
        })
        .collect();
    let history: Vec<Value> = file
        .entries
        .iter()
        .map(|e| {
            json!({
                "position": e.position,
                "stream_version": e.stream_version,
                "occurred_at": format_instant(e.occurred_at),
                "recorded_at": format_instant(e.recorded_at),
                "actor": e.actor,
                "event_type": e.event_type,
                "description": e.description,
                "texts": texts(&e.texts, words),
                "hash": e.hash,
            })
        })
        .collect();
    let needs: Vec<Value> =
        case.needs.iter().map(|n| json!({"domain": n.domain.as_str(), "priority": n.priority.as_str()})).collect();
    Some(json!({
        "case_id": case_id.to_string(),
        "beneficiary_id": case.beneficiary_id.to_string(),
        "centre_id": case.centre_id.to_string(),
        "antenna_id": case.antenna_id.map(|a| a.to_string()),
        "channel": case.channel.as_str(),
        "opened_on": case.opened_on.to_string(),
        "open": case.open,
        "assignee": case.assignee.map(|s| s.to_string()),
        "close_reason": case.close_reason.map(|r| r.as_str()),
        "needs": needs,
        "referrals": referrals,
        "history": history,
        "texts_read": words.is_some(),
        "access_position": access_position,
    }))
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

/// A person's access report as lines: the library's `AccessRecord`, one a read.
pub fn access_lines(report: &[AccessRecord]) -> Vec<Value> {
    report.iter().map(|record| serde_json::to_value(record).unwrap_or(Value::Null)).collect()
}

/// A person's own copy as the file holds it: indented JSON, Greek as it is, a line end.
pub fn subject_export_text(export: &SubjectAccessExport) -> String {
    let mut text = serde_json::to_string_pretty(export).unwrap_or_default();
    text.push('\n');
    text
}

/// `verify`'s answer: `{ok, n_events, n_streams, n_appends, head_position, head_hash}`.
pub fn verified(verified: &Verified) -> Value {
    json!({
        "ok": true,
        "n_events": verified.n_events,
        "n_streams": verified.n_streams,
        "n_appends": verified.n_appends,
        "head_position": verified.head_position,
        "head_hash": verified.head_hash.to_hex(),
    })
}

/// `stats`' answer: `{data_dir, n_events, n_streams, n_appends, head_position, head_hash,
/// size_on_disk_bytes}`.
pub fn stats(verified: &Verified, data_dir: &str, size_on_disk_bytes: u64) -> Value {
    json!({
        "data_dir": data_dir,
        "n_events": verified.n_events,
        "n_streams": verified.n_streams,
        "n_appends": verified.n_appends,
        "head_position": verified.head_position,
        "head_hash": verified.head_hash.to_hex(),
        "size_on_disk_bytes": size_on_disk_bytes,
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
