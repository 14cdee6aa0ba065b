//! Crossing between the store's records and the domain's events: decoding a recorded event
//! for the projections, and encoding a decided event for the store.

use parapompi_core::values::Timestamp as CoreTimestamp;
use parapompi_core::Event;
use parapompi_projections::Recorded;
use parapompi_store::{Actor, EventType, NewEvent, Payload, RecordedEvent, Timestamp};

use crate::error::EngineError;

/// Decodes a stored record into the domain event it carries, with its place in the log.
pub fn decode(record: &RecordedEvent) -> Result<Recorded, EngineError> {
    let event = Event::from_payload_text(record.event_type.as_str(), record.schema_version, record.payload.as_str())
        .map_err(|source| EngineError::Decode { position: record.position, source })?;
    Ok(Recorded {
        position: record.position,
        stream_id: record.stream_id.to_string(),
        stream_version: record.stream_version,
        event_id: record.event_id,
        command_id: record.command_id,
        occurred_at: CoreTimestamp::from_unix_ms(record.occurred_at.unix_ms()),
        recorded_at: CoreTimestamp::from_unix_ms(record.recorded_at.unix_ms()),
        actor: record.actor.to_string(),
        hash: record.hash.to_hex(),
        event,
    })
}

/// The domain events alone, for folding a stream's state.
pub(crate) fn decode_events(records: &[RecordedEvent]) -> Result<Vec<Event>, EngineError> {
    records.iter().map(|record| decode(record).map(|r| r.event)).collect()
}

/// A decided event, ready for the store. Its id is derived from the command's id and its
/// index, so that replaying the same commands writes the same log, byte for byte.
pub(crate) fn encode(
    event: &Event,
    command_id: uuid::Uuid,
    index: usize,
    actor: &Actor,
    occurred_at: CoreTimestamp,
) -> Result<NewEvent, EngineError> {
    Ok(NewEvent {
        event_id: event_id(command_id, index),
        event_type: EventType::new(event.event_type())?,
        schema_version: event.schema_version(),
        occurred_at: Timestamp::from_unix_ms(occurred_at.unix_ms()),
        actor: actor.clone(),
        payload: Payload::from_value(&event.to_payload()),
    })
}

/// The id of the `index`-th event of a command: the first 16 bytes of
/// SHA-256("parapompi-event" ‖ command id ‖ index), marked as a version 8 (custom) UUID.
fn event_id(command_id: uuid::Uuid, index: usize) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"parapompi-event");
    hasher.update(command_id.as_bytes());
    hasher.update(u64::try_from(index).unwrap_or(u64::MAX).to_be_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
