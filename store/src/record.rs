//! The values that go into the log and come out of it.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{InvalidInput, StoreError};

/// The longest stream id the store accepts, in bytes.
pub const MAX_STREAM_ID_BYTES: usize = 128;
/// The longest event type name the store accepts, in bytes.
pub const MAX_EVENT_TYPE_BYTES: usize = 64;
/// The longest actor the store accepts, in bytes.
pub const MAX_ACTOR_BYTES: usize = 128;

/// The name of a stream, the unit of consistency (`case-…`, `centre-…`).
///
/// A stream id is 1 to [`MAX_STREAM_ID_BYTES`] bytes of ASCII letters, digits and `-_.:`.
/// The narrow alphabet keeps ids safe in keys, file names and shell arguments.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamId(Arc<str>);

impl StreamId {
    /// Checks and wraps a stream id.
    pub fn new(id: impl Into<String>) -> Result<StreamId, StoreError> {
        let id = id.into();
        check_stream_id(&id)
            .map_err(|reason| StoreError::Invalid(InvalidInput::StreamId { stream_id: id.clone(), reason }))?;
        Ok(StreamId(Arc::from(id)))
    }

    /// Wraps text already checked to be a stream id.
    pub(crate) fn from_checked(id: &str) -> StreamId {
        debug_assert!(check_stream_id(id).is_ok());
        StreamId(Arc::from(id))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for StreamId {
    type Error = StoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        StreamId::new(value)
    }
}

impl From<StreamId> for String {
    fn from(value: StreamId) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The stable name of an event's type, such as `ReferralSent`.
///
/// 1 to [`MAX_EVENT_TYPE_BYTES`] bytes of ASCII letters, digits, `_` and `.`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EventType(Arc<str>);

impl EventType {
    /// Checks and wraps an event type name.
    pub fn new(name: impl Into<String>) -> Result<EventType, StoreError> {
        let name = name.into();
        check_event_type(&name)
            .map_err(|reason| StoreError::Invalid(InvalidInput::EventType { event_type: name.clone(), reason }))?;
        Ok(EventType(Arc::from(name)))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EventType {
    type Error = StoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        EventType::new(value)
    }
}

impl From<EventType> for String {
    fn from(value: EventType) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who caused an event: a staff member's id, or a named system actor. Free text, but bounded
/// to [`MAX_ACTOR_BYTES`] bytes and never empty or holding control characters.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Actor(Arc<str>);

impl Actor {
    /// Checks and wraps an actor.
    pub fn new(actor: impl Into<String>) -> Result<Actor, StoreError> {
        let actor = actor.into();
        check_actor(&actor)
            .map_err(|reason| StoreError::Invalid(InvalidInput::Actor { actor: actor.clone(), reason }))?;
        Ok(Actor(Arc::from(actor)))
    }

    /// The actor as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Actor {
    type Error = StoreError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Actor::new(value)
    }
}

impl From<Actor> for String {
    fn from(value: Actor) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why `text` is not a stream id, if it is not.
pub(crate) fn check_stream_id(text: &str) -> Result<(), String> {
    check_name(text, MAX_STREAM_ID_BYTES, |c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

/// Why `text` is not an event type name, if it is not.
pub(crate) fn check_event_type(text: &str) -> Result<(), String> {
    check_name(text, MAX_EVENT_TYPE_BYTES, |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
}

/// Why `text` is not an actor, if it is not.
pub(crate) fn check_actor(text: &str) -> Result<(), String> {
    check_name(text, MAX_ACTOR_BYTES, |c| !c.is_control())
}

/// Whether `bytes` are a stream id; quick for the common case of one that is.
pub(crate) fn is_stream_id_bytes(bytes: &[u8]) -> bool {
    ((1..=MAX_STREAM_ID_BYTES).contains(&bytes.len()) && all_of(bytes, STREAM_ID))
        || std::str::from_utf8(bytes).is_ok_and(|text| check_stream_id(text).is_ok())
}

/// Whether `bytes` are an event type name; quick when they are.
pub(crate) fn is_event_type_bytes(bytes: &[u8]) -> bool {
    ((1..=MAX_EVENT_TYPE_BYTES).contains(&bytes.len()) && all_of(bytes, EVENT_TYPE))
        || std::str::from_utf8(bytes).is_ok_and(|text| check_event_type(text).is_ok())
}

/// Whether `bytes` are an actor; quick when they are printable ASCII.
pub(crate) fn is_actor_bytes(bytes: &[u8]) -> bool {
    // Arithmetic rather than the table: the compiler tests many bytes at once.
    let printable = bytes.iter().fold(true, |good, &byte| good & (byte.wrapping_sub(0x20) < 0x5f));
    ((1..=MAX_ACTOR_BYTES).contains(&bytes.len()) && printable)
        || std::str::from_utf8(bytes).is_ok_and(|text| check_actor(text).is_ok())
}

const STREAM_ID: u8 = 1;
const EVENT_TYPE: u8 = 2;

/// For each byte, the alphabets that hold it: stream ids, event type names.
const ALPHABETS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte: u8 = 0x20;
    while byte < 0x7f {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.' {
            table[byte as usize] |= STREAM_ID | EVENT_TYPE;
        }
        if byte == b'-' || byte == b':' {
            table[byte as usize] |= STREAM_ID;
        }
        byte += 1;
    }
    table
};

/// Whether every byte is in `alphabet`: looked at all, without stopping early.
fn all_of(bytes: &[u8], alphabet: u8) -> bool {
    bytes.iter().fold(alphabet, |left, &byte| left & ALPHABETS[usize::from(byte)]) == alphabet
}

fn check_name(text: &str, max_bytes: usize, allowed: impl Fn(char) -> bool) -> Result<(), String> {
    if text.is_empty() {
        return Err("is empty".to_owned());
    }
    if text.len() > max_bytes {
        return Err(format!("is {} bytes long, the limit is {max_bytes}", text.len()));
    }
    if let Some(bad) = text.chars().find(|&c| !allowed(c)) {
        return Err(format!("contains the character {bad:?}, which is not allowed"));
    }
    Ok(())
}

/// An event's payload: JSON text, checked to parse when it is made.
///
/// The store keeps the exact bytes it was given; they are what the hash chain covers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Payload(Arc<str>);

impl Payload {
    /// Serialises a JSON value compactly.
    pub fn from_value(value: &serde_json::Value) -> Payload {
        Payload(Arc::from(value.to_string()))
    }

    /// Serialises any serde value compactly.
    pub fn from_serialize<T: Serialize>(value: &T) -> Result<Payload, StoreError> {
        let text = serde_json::to_string(value)
            .map_err(|error| StoreError::Invalid(InvalidInput::Payload { reason: error.to_string() }))?;
        Ok(Payload(Arc::from(text)))
    }

    /// Wraps JSON text after checking that it parses.
    pub fn from_json(text: impl Into<String>) -> Result<Payload, StoreError> {
        let text = text.into();
        serde_json::from_str::<serde::de::IgnoredAny>(&text)
            .map_err(|error| StoreError::Invalid(InvalidInput::Payload { reason: error.to_string() }))?;
        Ok(Payload(Arc::from(text)))
    }

    /// Wraps text already checked to be JSON: written by the store itself, or a bundle's
    /// payload that `payload_check` passed.
    pub(crate) fn trusted(text: &str) -> Payload {
        Payload(Arc::from(text))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The size of the JSON text in bytes.
    pub fn n_bytes(&self) -> usize {
        self.0.len()
    }

    /// Parses the payload as a JSON value.
    pub fn to_value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.0)
    }

    /// Parses the payload into a typed value.
    pub fn decode<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.0)
    }
}

/// An instant, as milliseconds since the Unix epoch in UTC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `ms` milliseconds after the Unix epoch.
    pub const fn from_unix_ms(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_ms(self) -> i64 {
        self.0
    }
}

/// A SHA-256 digest in the hash chain.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The previous hash of the first record: 32 zero bytes.
    pub const GENESIS: Hash = Hash([0; 32]);

    /// Lower-case hexadecimal, 64 characters.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut text = String::with_capacity(64);
        for byte in self.0 {
            text.push(char::from(DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        text
    }

    /// Parses 64 hexadecimal characters.
    pub fn from_hex(text: &str) -> Option<Hash> {
        Hash::from_hex_bytes(text.as_bytes())
    }

    /// Parses 64 hexadecimal characters given as bytes.
    pub fn from_hex_bytes(bytes: &[u8]) -> Option<Hash> {
        if bytes.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let high = HEX_VALUE[usize::from(pair[0])];
            let low = HEX_VALUE[usize::from(pair[1])];
            if (high | low) > 0x0f {
                return None;
            }
            *slot = (high << 4) | low;
        }
        Some(Hash(out))
    }
}

/// The value of each byte as a hexadecimal digit (either case), or 0xff when it is not one.
const HEX_VALUE: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut digit = 0u8;
    while digit < 10 {
        table[(b'0' + digit) as usize] = digit;
        digit += 1;
    }
    let mut letter = 0u8;
    while letter < 6 {
        table[(b'a' + letter) as usize] = 10 + letter;
        table[(b'A' + letter) as usize] = 10 + letter;
        letter += 1;
    }
    table
};

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// An event to append: what the caller knows before the store gives it a place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEvent {
    /// A unique id for this event, chosen by the caller.
    pub event_id: Uuid,
    /// The event's stable type name.
    pub event_type: EventType,
    /// The version of the payload's schema for this type.
    pub schema_version: u32,
    /// Business time: when it happened, as the caller says.
    pub occurred_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The event's data.
    pub payload: Payload,
}

/// An event as the log holds it: the caller's data plus its place in the log and the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Global position: 1 for the first record, gapless, in commit order.
    pub position: u64,
    /// The stream the event belongs to.
    pub stream_id: StreamId,
    /// The event's version in its stream: 1 for the stream's first event, gapless.
    pub stream_version: u64,
    /// The caller's id for this event.
    pub event_id: Uuid,
    /// The id of the command whose append wrote this event.
    pub command_id: Uuid,
    /// The event's stable type name.
    pub event_type: EventType,
    /// The version of the payload's schema.
    pub schema_version: u32,
    /// Business time, given by the caller.
    pub occurred_at: Timestamp,
    /// When the store committed it, by the store's clock; never decreases along the log.
    pub recorded_at: Timestamp,
    /// Who caused it.
    pub actor: Actor,
    /// The event's data.
    pub payload: Payload,
    /// The hash of the record before this one ([`Hash::GENESIS`] for position 1).
    pub prev_hash: Hash,
    /// SHA-256 over `prev_hash` and this record's canonical bytes (see `store/FORMAT.md`).
    pub hash: Hash,
}

/// What an append expects of its stream's current version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have exactly this version (0 means no stream).
    Exact(u64),
    /// Any version: the caller does not check.
    Any,
}

impl fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(version) => write!(f, "version {version}"),
            ExpectedVersion::Any => f.write_str("any version"),
        }
    }
}

/// How durable an append must be when it is acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// On disk, through a power cut, before the append returns (sled's flush, then fsync).
    #[default]
    Durable,
    /// Applied and visible, but synced only by a later durable append, [`crate::Store::flush`]
    /// or closing the store. For bulk imports, where a crash means starting the import again.
    Deferred,
}

/// One atomic append to one stream.
#[derive(Clone, Debug)]
pub struct Append {
    /// The stream to append to.
    pub stream_id: StreamId,
    /// What the caller expects the stream's version to be.
    pub expected: ExpectedVersion,
    /// The id of the command that produced these events; a repeated id writes nothing.
    pub command_id: Uuid,
    /// The events, in order; at least one.
    pub events: Vec<NewEvent>,
    /// How durable the acknowledgement must be.
    pub durability: Durability,
}

/// The events one stream receives in a [`MultiAppend`], and the version it must be at.
#[derive(Clone, Debug)]
pub struct StreamEvents {
    /// The stream to append to.
    pub stream_id: StreamId,
    /// What the caller expects the stream's version to be before the append.
    pub expected: ExpectedVersion,
    /// The stream's events, in order; at least one.
    pub events: Vec<NewEvent>,
}

/// One atomic append to several streams, for one act that touches them all (a centre and
/// its first administrator, say): every stream's events are written in one commit, at
/// consecutive positions in the order the streams are given, or none are.
///
/// Every stream's expected version is checked before anything is written; a stream may be
/// named only once. The limits of one append (events, payload bytes) apply to the whole act.
/// All its records carry the one command id.
#[derive(Clone, Debug)]
pub struct MultiAppend {
    /// The id of the command that produced these events; a repeated id writes nothing.
    pub command_id: Uuid,
    /// The streams and their events, in the order they are to be written; at least one.
    pub streams: Vec<StreamEvents>,
    /// How durable the acknowledgement must be.
    pub durability: Durability,
}

/// What an append did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The records written, in log order (or, for a repeated command id, those it wrote
    /// first). For a multi-stream append, every stream's records.
    pub events: Vec<RecordedEvent>,
    /// True when the command id had been seen and nothing new was written.
    pub deduplicated: bool,
}

impl Appended {
    /// The stream's version after the append (for a multi-stream append, the version of the
    /// last stream written; see [`Appended::version_of`]).
    pub fn last_version(&self) -> u64 {
        self.events.last().map_or(0, |event| event.stream_version)
    }

    /// The version of `stream_id` after the append, if the append wrote to it.
    pub fn version_of(&self, stream_id: &StreamId) -> Option<u64> {
        self.events.iter().rev().find(|event| event.stream_id == *stream_id).map(|event| event.stream_version)
    }

    /// The global position of the last record written.
    pub fn last_position(&self) -> u64 {
        self.events.last().map_or(0, |event| event.position)
    }
}

/// The end of the log: the last position and its hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Head {
    /// The last position; 0 for an empty log.
    pub position: u64,
    /// The last record's hash; [`Hash::GENESIS`] for an empty log.
    pub hash: Hash,
    /// The last record's recorded-at; the epoch for an empty log.
    pub recorded_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn by_text(bytes: &[u8], check: fn(&str) -> Result<(), String>) -> bool {
        std::str::from_utf8(bytes).is_ok_and(|text| check(text).is_ok())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The quick checks of names in bytes accept exactly what the checks of text accept.
        #[test]
        fn name_checks_on_bytes_agree_with_those_on_text(
            bytes in prop_oneof![
                prop::collection::vec(any::<u8>(), 0..140),
                "[a-zA-Z0-9_.:-]{0,130}".prop_map(String::into_bytes),
                "[ -~α-ω\u{7f}\u{85}]{0,130}".prop_map(String::into_bytes),
            ],
        ) {
            prop_assert_eq!(is_stream_id_bytes(&bytes), by_text(&bytes, check_stream_id));
            prop_assert_eq!(is_event_type_bytes(&bytes), by_text(&bytes, check_event_type));
            prop_assert_eq!(is_actor_bytes(&bytes), by_text(&bytes, check_actor));
        }
    }
}
