//! The log as JSON Lines, one record a line in canonical form (`store/FORMAT.md`): the line
//! form and the export. Importing is `import.rs`.

use std::io::Write;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;
use crate::record::{Actor, EventType, Hash, Head, Payload, RecordedEvent, StreamId, Timestamp};
use crate::store::Store;

/// One exported record. The field order here is the order of the keys on each line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportLine {
    /// Global position.
    pub position: u64,
    /// Stream id.
    pub stream_id: String,
    /// Version within the stream.
    pub stream_version: u64,
    /// Event id, hyphenated lower-case.
    pub event_id: Uuid,
    /// Command id, hyphenated lower-case.
    pub command_id: Uuid,
    /// Event type name.
    pub event_type: String,
    /// Payload schema version.
    pub schema_version: u32,
    /// Business time, ms since the Unix epoch.
    pub occurred_at: i64,
    /// Commit time, ms since the Unix epoch.
    pub recorded_at: i64,
    /// Who caused it.
    pub actor: String,
    /// The payload's exact JSON text, as a string: its bytes are what the hash covers.
    pub payload: String,
    /// The previous record's hash, hex.
    pub prev_hash: String,
    /// This record's hash, hex.
    pub hash: String,
}

impl ExportLine {
    /// The line for a record.
    pub fn of(record: &RecordedEvent) -> ExportLine {
        ExportLine {
            position: record.position,
            stream_id: record.stream_id.to_string(),
            stream_version: record.stream_version,
            event_id: record.event_id,
            command_id: record.command_id,
            event_type: record.event_type.to_string(),
            schema_version: record.schema_version,
            occurred_at: record.occurred_at.unix_ms(),
            recorded_at: record.recorded_at.unix_ms(),
            actor: record.actor.to_string(),
            payload: record.payload.as_str().to_owned(),
            prev_hash: record.prev_hash.to_hex(),
            hash: record.hash.to_hex(),
        }
    }

    /// Parses one line into a record, checking each field's form (not yet the chain).
    pub fn parse(line: &str) -> Result<RecordedEvent, String> {
        let parsed: ExportLine = serde_json::from_str(line).map_err(|error| format!("not a record: {error}"))?;
        parsed.into_record()
    }

    /// The record this line describes, checking each field's form.
    pub fn into_record(self) -> Result<RecordedEvent, String> {
        let hash_of = |name: &str, text: &str| {
            Hash::from_hex(text).ok_or_else(|| format!("{name} is not 64 hexadecimal characters"))
        };
        Ok(RecordedEvent {
            position: self.position,
            stream_id: StreamId::new(self.stream_id).map_err(|e| e.to_string())?,
            stream_version: self.stream_version,
            event_id: self.event_id,
            command_id: self.command_id,
            event_type: EventType::new(self.event_type).map_err(|e| e.to_string())?,
            schema_version: self.schema_version,
            occurred_at: Timestamp::from_unix_ms(self.occurred_at),
            recorded_at: Timestamp::from_unix_ms(self.recorded_at),
            actor: Actor::new(self.actor).map_err(|e| e.to_string())?,
            payload: Payload::from_json(self.payload).map_err(|e| e.to_string())?,
            prev_hash: hash_of("prev_hash", &self.prev_hash)?,
            hash: hash_of("hash", &self.hash)?,
        })
    }
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Records written.
    pub n_events: u64,
    /// The first position written (0 when none).
    pub first_position: u64,
    /// The last position written (0 when none).
    pub last_position: u64,
    /// The hash at the last position written.
    pub last_hash: Hash,
}

/// What an import wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// Records imported.
    pub n_events: u64,
    /// The head after the import.
    pub head: Head,
}

impl Store {
    /// Writes the records at positions `from..=to` (capped at the head) as JSON Lines.
    pub fn export_jsonl(&self, out: &mut impl Write, from: u64, to: u64) -> Result<Exported, StoreError> {
        let mut exported = Exported { n_events: 0, first_position: 0, last_position: 0, last_hash: Hash::GENESIS };
        for record in self.iter_range(from, to) {
            let record = record?;
            let mut line = serde_json::to_vec(&ExportLine::of(&record))
                .map_err(|e| StoreError::io("encoding an export line", std::io::Error::other(e)))?;
            line.push(b'\n');
            out.write_all(&line).map_err(|e| StoreError::io("writing the export", e))?;
            if exported.n_events == 0 {
                exported.first_position = record.position;
            }
            exported.n_events += 1;
            exported.last_position = record.position;
            exported.last_hash = record.hash;
        }
        out.flush().map_err(|e| StoreError::io("writing the export", e))?;
        Ok(exported)
    }
}
