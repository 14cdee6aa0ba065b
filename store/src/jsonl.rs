//! Export and import of the log as JSON Lines, one record a line in canonical form
//! (`store/FORMAT.md`).

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::canonical::canonical_bytes;
use crate::error::StoreError;
use crate::export_reader::{read_export_lines, ReadOptions};
use crate::layout::{command_key, stream_key};
use crate::record::{Actor, EventType, Hash, Head, Payload, RecordedEvent, StreamId, Timestamp};
use crate::store::Store;
use crate::verify::ChainChecker;
use crate::writer::Writer;

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

    /// Imports a JSON Lines export whose first record joins this store's head (position 1
    /// with the zero hash, for an empty store). The whole file is checked before anything is
    /// written: a tampered, truncated or reordered file fails with its line number and the
    /// store is left as it was. No append runs while an import does.
    pub fn import_jsonl(&self, path: impl AsRef<Path>) -> Result<Imported, StoreError> {
        let path = path.as_ref().to_path_buf();
        self.exclusive(|writer| import(writer, &path))?
    }
}

fn import(writer: &mut Writer, path: &PathBuf) -> Result<Imported, StoreError> {
    let head = writer.head;
    // First pass: check everything, write nothing.
    let mut n_events = 0u64;
    for_each_checked_line(writer, path, head, |_, _| {
        n_events += 1;
        Ok(())
    })?;
    // Second pass: write, one group per bounded batch of whole appends, synced once at the end.
    let max_batch = writer.config.limits.max_events_per_group;
    let mut batch: Vec<(Vec<u8>, RecordedEvent)> = Vec::new();
    let mut index_keys: Vec<Vec<u8>> = Vec::new();
    let written = for_each_checked_line(writer, path, head, |writer, record| {
        let starts_append = batch.last().is_none_or(|(_, last)| last.command_id != record.command_id);
        if starts_append {
            if batch.len() >= max_batch {
                writer.commit_checked(std::mem::take(&mut batch), false)?;
            }
            index_keys.push(stream_key(&record.stream_id, record.stream_version));
            index_keys.push(command_key(record.command_id).to_vec());
        }
        batch.push((canonical_bytes(&record), record));
        Ok(())
    })
    .and_then(|()| writer.commit_checked(std::mem::take(&mut batch), false))
    .and_then(|()| writer.sync());
    if let Err(error) = written {
        // The file changed between the passes, or the disk failed: undo what was written.
        if let Err(rollback) = writer.roll_back_to(head, index_keys) {
            return Err(StoreError::Poisoned {
                reason: format!("{error}; rolling the import back failed: {rollback}"),
            });
        }
        return Err(error);
    }
    Ok(Imported { n_events, head: writer.head })
}

/// Reads an export file (on every core, [`read_export_lines`]), checks each record against
/// the chain that starts at `head` and against the store, in line order, and hands the good
/// ones to `each`. Stops at the first problem, naming its line.
fn for_each_checked_line(
    writer: &mut Writer,
    path: &PathBuf,
    head: Head,
    mut each: impl FnMut(&mut Writer, RecordedEvent) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let file = std::fs::File::open(path).map_err(|e| StoreError::io("opening the import file", e))?;
    let mut checker = ChainChecker::after(head.position, head.hash, head.recorded_at);
    let mut commands_seen: HashSet<Uuid> = HashSet::new();
    let mut last_command: Option<(Uuid, StreamId, usize)> = None;
    let limits = writer.config.limits.clone();
    read_export_lines(file, ReadOptions::on_every_core(true), |line_number, scanned| {
        let fail = |problem: String| Err(StoreError::Import { line: line_number, problem });
        let scanned = match scanned {
            Ok(scanned) => scanned,
            Err(problem) => return fail(problem),
        };
        if let Err(problem) = checker.check_scanned(&scanned, |stream| writer.stream_version(stream).map(Some)) {
            return fail(format!("position {}: {problem}", scanned.position));
        }
        let record = scanned.record.expect("the reader keeps records when asked");
        if record.payload.n_bytes() > limits.max_payload_bytes {
            return fail(format!(
                "payload of {} bytes is over the limit of {}",
                record.payload.n_bytes(),
                limits.max_payload_bytes
            ));
        }
        // Records of one append sit together; a command id never comes back later.
        match &mut last_command {
            Some((command, stream, n_events)) if *command == record.command_id => {
                if *stream != record.stream_id {
                    return fail(format!("command {command} writes to two streams"));
                }
                *n_events += 1;
                if *n_events > limits.max_events_per_append {
                    return fail(format!(
                        "append of command {command} is over {} events",
                        limits.max_events_per_append
                    ));
                }
            }
            _ => {
                if !commands_seen.insert(record.command_id) {
                    return fail(format!("command {} appears again after other commands", record.command_id));
                }
                if let Some((span, _)) = writer.log.command(record.command_id)? {
                    return fail(if span.last_position() + 1 == record.position {
                        format!(
                            "the file starts inside the append of command {} that ends before it; \
                             a range must start at the first record of an append",
                            record.command_id
                        )
                    } else {
                        format!("command {} is already in this store", record.command_id)
                    });
                }
                last_command = Some((record.command_id, record.stream_id.clone(), 1));
            }
        }
        each(writer, record)
    })
}
