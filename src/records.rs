//! Crossing between the store's records and the domain's events: decoding a recorded event
//! for the projections, and encoding a decided event for the store.

use parapompi_core::values::Timestamp as CoreTimestamp;
use parapompi_core::{Command, Event, State, StreamKind};
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
fn decode_events(records: &[RecordedEvent]) -> Result<Vec<Event>, EngineError> {
    records.iter().map(|record| decode(record).map(|r| r.event)).collect()
}

/// The state of a stream of `kind` folded from its records (all of them, in order), and its
/// version: what [`crate::Engine::stream_state`] answers, for a program that holds the
/// stream's records itself (the command line as a client of the server reads them over HTTP).
pub fn fold_stream(kind: StreamKind, records: &[RecordedEvent]) -> Result<(State, u64), EngineError> {
    let version = records.last().map_or(0, |record| record.stream_version);
    Ok((State::fold(kind, &decode_events(records)?), version))
}

/// A decided event, ready for the store. Its id is derived from the command's id, the act's
/// fingerprint and the event's index in the act, so that replaying the same commands writes
/// the same log, byte for byte, and a repeated command id can be told apart from a reused one.
pub(crate) fn encode(
    event: &Event,
    command_id: uuid::Uuid,
    fingerprint: &Fingerprint,
    index: usize,
    actor: &Actor,
    occurred_at: CoreTimestamp,
) -> Result<NewEvent, EngineError> {
    // Free text never reaches the log: the Engine seals every text before it encodes.
    if event.has_inline_text() {
        return Err(EngineError::Vault(format!(
            "a {} event still holds a free text written out: texts are sealed into the vault before encoding",
            event.event_type()
        )));
    }
    Ok(NewEvent {
        event_id: event_id(command_id, fingerprint, index),
        event_type: EventType::new(event.event_type())?,
        schema_version: event.schema_version(),
        occurred_at: Timestamp::from_unix_ms(occurred_at.unix_ms()),
        actor: actor.clone(),
        payload: Payload::from_value(&event.to_payload()),
    })
}

/// What makes an act the same act again: SHA-256 over the acting party's log name and the
/// commands' JSON form (`parapompi_core::Command`'s serde form, one JSON text per command,
/// each preceded by its length), leaving out the identity record and its salt and every free
/// text (a request, a note, a reason…). They are left out because event ids are in every
/// bundle, and a hash of identity data or of a short text there could be tested against
/// guesses; the identity's salted digest is in the events already, and so is each text's.
/// A repeat is told to carry the same identity and texts by comparing them with the vault
/// (see [`crate::Engine::execute_all`]). The business time is left out too: a retry an hour
/// later is the same act.
pub struct Fingerprint([u8; 32]);

/// The fingerprint of `commands` issued by `actor` (see [`Fingerprint`]).
pub fn fingerprint(actor: &str, commands: &[Command]) -> Fingerprint {
    fingerprint_of(b"parapompi-act/v2\0", actor, commands, true)
}

/// The fingerprint acts had before free texts were left out of it (texts included): only
/// computed to recognise such an act when its command id comes again.
pub(crate) fn fingerprint_with_texts(actor: &str, commands: &[Command]) -> Fingerprint {
    fingerprint_of(b"parapompi-act/v1\0", actor, commands, false)
}

fn fingerprint_of(label: &[u8], actor: &str, commands: &[Command], without_texts: bool) -> Fingerprint {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(label);
    hasher.update(u64::try_from(actor.len()).unwrap_or(u64::MAX).to_be_bytes());
    hasher.update(actor.as_bytes());
    for command in commands {
        // Commands hold only strings, numbers, lists and string-keyed maps: this cannot fail.
        let form = serde_json::to_value(command);
        assert!(form.is_ok(), "commands always serialise");
        let mut form = form.unwrap_or_default();
        if let Some(action) = form.pointer_mut("/beneficiary/action").and_then(|a| a.as_object_mut()) {
            for (name, variant) in action.iter_mut() {
                let Some(variant) = variant.as_object_mut() else { continue };
                variant.remove("identity");
                variant.remove("salt");
                if without_texts && name == "record_access" {
                    variant.remove("reason");
                }
            }
        }
        if without_texts {
            if let Some(action) = form.pointer_mut("/case/action").and_then(|a| a.as_object_mut()) {
                for (name, variant) in action.iter_mut() {
                    let Some(variant) = variant.as_object_mut() else { continue };
                    // A case closes for a coded reason; its free text is the detail.
                    let texts: &[&str] = match name.as_str() {
                        "close" => &["detail"],
                        _ => &["request", "summary", "note", "text", "detail", "reason"],
                    };
                    for field in texts {
                        variant.remove(*field);
                    }
                    if let Some(overriding) = variant.get_mut("consent_override").and_then(|o| o.as_object_mut()) {
                        overriding.remove("reason");
                    }
                }
            }
        }
        let text = form.to_string();
        hasher.update(u64::try_from(text.len()).unwrap_or(u64::MAX).to_be_bytes());
        hasher.update(text.as_bytes());
    }
    Fingerprint(hasher.finalize().into())
}

/// The id of the `index`-th event of an act: the first 16 bytes of
/// SHA-256("parapompi-event/v2" ‖ command id ‖ fingerprint ‖ index), marked as a version 8
/// (custom) UUID.
pub(crate) fn event_id(command_id: uuid::Uuid, fingerprint: &Fingerprint, index: usize) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"parapompi-event/v2");
    hasher.update(command_id.as_bytes());
    hasher.update(fingerprint.0);
    hasher.update(u64::try_from(index).unwrap_or(u64::MAX).to_be_bytes());
    custom_uuid(&hasher.finalize())
}

/// The id the `index`-th event of a command was given before events carried the act's
/// fingerprint: SHA-256("parapompi-event" ‖ command id ‖ index). Only read, to recognise
/// such events when their command id comes again.
pub(crate) fn legacy_event_id(command_id: uuid::Uuid, index: usize) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"parapompi-event");
    hasher.update(command_id.as_bytes());
    hasher.update(u64::try_from(index).unwrap_or(u64::MAX).to_be_bytes());
    custom_uuid(&hasher.finalize())
}

/// The id of a new entity (a case, a referral, a beneficiary, a centre's first
/// administrator…) that a command creates, derived from the command's id and what the id is
/// for (`"case"`, `"referral"`, `"centre administrator"`): the first 16 bytes of
/// SHA-256("parapompi-entity" ‖ command id ‖ purpose), a version 8 UUID.
///
/// A client that gives each new entity this id instead of a random one sends the very same
/// command when it retries with the same command id, so the retry is answered with the first
/// result instead of being refused as another command (see [`crate::Engine::execute_all`]).
pub fn entity_id(command_id: uuid::Uuid, purpose: &str) -> uuid::Uuid {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(b"parapompi-entity");
    hasher.update(command_id.as_bytes());
    hasher.update(purpose.as_bytes());
    custom_uuid(&hasher.finalize())
}

fn custom_uuid(digest: &[u8]) -> uuid::Uuid {
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}
