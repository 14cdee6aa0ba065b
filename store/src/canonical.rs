//! The canonical byte form of a record and the hash chain rule. `store/FORMAT.md` documents
//! both for evaluators; this module is the reference implementation and must agree with it.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::record::{Actor, EventType, Hash, Payload, RecordedEvent, StreamId, Timestamp};

/// The first byte of every canonical record: the version of this byte form.
pub const CANONICAL_FORMAT_VERSION: u8 = 1;

/// The fields of a record that the hash covers, borrowed.
pub(crate) struct CanonicalFields<'a> {
    pub position: u64,
    pub stream_id: &'a str,
    pub stream_version: u64,
    pub event_id: Uuid,
    pub command_id: Uuid,
    pub event_type: &'a str,
    pub schema_version: u32,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor: &'a str,
    pub payload: &'a str,
}

impl<'a> CanonicalFields<'a> {
    pub(crate) fn of(record: &'a RecordedEvent) -> CanonicalFields<'a> {
        CanonicalFields {
            position: record.position,
            stream_id: record.stream_id.as_str(),
            stream_version: record.stream_version,
            event_id: record.event_id,
            command_id: record.command_id,
            event_type: record.event_type.as_str(),
            schema_version: record.schema_version,
            occurred_at: record.occurred_at,
            recorded_at: record.recorded_at,
            actor: record.actor.as_str(),
            payload: record.payload.as_str(),
        }
    }

    /// How many bytes `encode_into` appends.
    pub(crate) fn encoded_len(&self) -> usize {
        let texts = [self.stream_id, self.event_type, self.actor, self.payload];
        // version, position, stream version, event id, command id, schema version, two times
        1 + 8 + 8 + 16 + 16 + 4 + 8 + 8 + texts.iter().map(|text| 4 + text.len()).sum::<usize>()
    }

    /// Appends the canonical bytes to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(CANONICAL_FORMAT_VERSION);
        out.extend_from_slice(&self.position.to_be_bytes());
        put_text(out, self.stream_id);
        out.extend_from_slice(&self.stream_version.to_be_bytes());
        out.extend_from_slice(self.event_id.as_bytes());
        out.extend_from_slice(self.command_id.as_bytes());
        put_text(out, self.event_type);
        out.extend_from_slice(&self.schema_version.to_be_bytes());
        out.extend_from_slice(&self.occurred_at.unix_ms().to_be_bytes());
        out.extend_from_slice(&self.recorded_at.unix_ms().to_be_bytes());
        put_text(out, self.actor);
        put_text(out, self.payload);
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    // Every text the store accepts is bounded far below 4 GiB (the payload by the event size
    // limit), so the length always fits the u32 prefix.
    let n_bytes = u32::try_from(text.len()).expect("text lengths are bounded by the store's limits");
    out.extend_from_slice(&n_bytes.to_be_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// The chain rule: `SHA-256(prev_hash ‖ canonical bytes)`.
pub fn chain_hash(prev_hash: &Hash, canonical: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.0);
    hasher.update(canonical);
    Hash(hasher.finalize().into())
}

/// The canonical bytes of a record.
pub fn canonical_bytes(record: &RecordedEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(128 + record.payload.n_bytes());
    CanonicalFields::of(record).encode_into(&mut out);
    out
}

/// Why canonical bytes did not decode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DecodeFailure(pub String);

/// Reads canonical bytes back into records. Consecutive records mostly share their stream,
/// event type and actor, so the decoder keeps the last of each and reuses it when the bytes
/// are the same, sparing a check and an allocation per field.
#[derive(Default)]
pub(crate) struct Decoder {
    stream_id: Option<StreamId>,
    event_type: Option<EventType>,
    actor: Option<Actor>,
}

impl Decoder {
    /// Decodes one record, given the chain hashes around it.
    pub(crate) fn decode(&mut self, bytes: &[u8], prev_hash: Hash, hash: Hash) -> Result<RecordedEvent, DecodeFailure> {
        let fields = CanonicalFields::decode(bytes)?;
        let (stream_id, event_type, actor) = self.names(&fields)?;
        Ok(fields.record(stream_id, event_type, actor, prev_hash, hash))
    }

    /// The stream id, event type and actor of decoded fields, each checked (or the same as
    /// the record before's).
    fn names(&mut self, fields: &CanonicalFields<'_>) -> Result<(StreamId, EventType, Actor), DecodeFailure> {
        Ok((
            reuse(&mut self.stream_id, fields.stream_id, StreamId::as_str, StreamId::new)?,
            reuse(&mut self.event_type, fields.event_type, EventType::as_str, EventType::new)?,
            reuse(&mut self.actor, fields.actor, Actor::as_str, Actor::new)?,
        ))
    }
}

impl<'a> CanonicalFields<'a> {
    /// The record of these fields, given their names already checked and the chain hashes
    /// around it.
    pub(crate) fn record(
        &self,
        stream_id: StreamId,
        event_type: EventType,
        actor: Actor,
        prev_hash: Hash,
        hash: Hash,
    ) -> RecordedEvent {
        RecordedEvent {
            position: self.position,
            stream_id,
            stream_version: self.stream_version,
            event_id: self.event_id,
            command_id: self.command_id,
            event_type,
            schema_version: self.schema_version,
            occurred_at: self.occurred_at,
            recorded_at: self.recorded_at,
            actor,
            payload: Payload::trusted(self.payload),
            prev_hash,
            hash,
        }
    }

    /// Reads canonical bytes back into their fields. Every text is checked to be UTF-8; the
    /// rules of each name are not (see [`Decoder::names`]).
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<CanonicalFields<'a>, DecodeFailure> {
        let raw = RawFields::decode(bytes)?;
        Ok(CanonicalFields {
            position: raw.position,
            stream_id: utf8(raw.stream_id)?,
            stream_version: raw.stream_version,
            event_id: raw.event_id,
            command_id: raw.command_id,
            event_type: utf8(raw.event_type)?,
            schema_version: raw.schema_version,
            occurred_at: raw.occurred_at,
            recorded_at: raw.recorded_at,
            actor: utf8(raw.actor)?,
            payload: utf8(raw.payload)?,
        })
    }
}

/// The text of `bytes`, or why they are not UTF-8.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, DecodeFailure> {
    std::str::from_utf8(bytes).map_err(|error| DecodeFailure(format!("text is not UTF-8: {error}")))
}

/// The fields of canonical bytes with each text as the bytes it holds, not yet checked to be
/// UTF-8: the layout of `FORMAT.md`, "Canonical bytes", read back.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct RawFields<'a> {
    pub position: u64,
    pub stream_id: &'a [u8],
    pub stream_version: u64,
    pub event_id: Uuid,
    pub command_id: Uuid,
    pub event_type: &'a [u8],
    pub schema_version: u32,
    pub occurred_at: Timestamp,
    pub recorded_at: Timestamp,
    pub actor: &'a [u8],
    pub payload: &'a [u8],
}

impl<'a> RawFields<'a> {
    /// Reads canonical bytes: every field there, in order, and nothing after.
    pub(crate) fn decode(bytes: &'a [u8]) -> Result<RawFields<'a>, DecodeFailure> {
        match RawFields::decode_whole(bytes) {
            Some(fields) => Ok(fields),
            None => RawFields::decode_explained(bytes),
        }
    }

    /// The quick reading of bytes that hold a whole record: `None` for anything else.
    fn decode_whole(bytes: &'a [u8]) -> Option<RawFields<'a>> {
        let u64_at = |at: usize| Some(u64::from_be_bytes(bytes.get(at..at + 8)?.try_into().ok()?));
        let u32_at = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
        let text_at = |at: usize| {
            let end = at + 4 + usize::try_from(u32_at(at)?).ok()?;
            Some((bytes.get(at + 4..end)?, end))
        };
        if *bytes.first()? != CANONICAL_FORMAT_VERSION {
            return None;
        }
        let (stream_id, at) = text_at(9)?;
        let ids = bytes.get(at + 8..at + 40)?;
        let (event_type, at_type) = text_at(at + 40)?;
        let (actor, at_actor) = text_at(at_type + 20)?;
        let (payload, end) = text_at(at_actor)?;
        if end != bytes.len() {
            return None;
        }
        Some(RawFields {
            position: u64_at(1)?,
            stream_id,
            stream_version: u64_at(at)?,
            event_id: Uuid::from_bytes(ids[..16].try_into().ok()?),
            command_id: Uuid::from_bytes(ids[16..].try_into().ok()?),
            event_type,
            schema_version: u32_at(at_type)?,
            occurred_at: Timestamp::from_unix_ms(i64::from_be_bytes(
                bytes.get(at_type + 4..at_type + 12)?.try_into().ok()?,
            )),
            recorded_at: Timestamp::from_unix_ms(i64::from_be_bytes(
                bytes.get(at_type + 12..at_type + 20)?.try_into().ok()?,
            )),
            actor,
            payload,
        })
    }

    /// The field-by-field reading, which names what is wrong.
    fn decode_explained(bytes: &'a [u8]) -> Result<RawFields<'a>, DecodeFailure> {
        let mut reader = Reader { bytes, at: 0 };
        let format = reader.u8()?;
        if format != CANONICAL_FORMAT_VERSION {
            return Err(DecodeFailure(format!("unknown canonical format version {format}")));
        }
        let fields = RawFields {
            position: reader.u64()?,
            stream_id: reader.text_bytes()?,
            stream_version: reader.u64()?,
            event_id: reader.uuid()?,
            command_id: reader.uuid()?,
            event_type: reader.text_bytes()?,
            schema_version: reader.u32()?,
            occurred_at: Timestamp::from_unix_ms(reader.i64()?),
            recorded_at: Timestamp::from_unix_ms(reader.i64()?),
            actor: reader.text_bytes()?,
            payload: reader.text_bytes()?,
        };
        if reader.at != bytes.len() {
            return Err(DecodeFailure(format!("{} trailing bytes", bytes.len() - reader.at)));
        }
        Ok(fields)
    }
}

/// The cached value when its text is `text`, else a newly checked one, which is then cached.
fn reuse<T: Clone>(
    cached: &mut Option<T>,
    text: &str,
    as_str: impl Fn(&T) -> &str,
    make: impl Fn(String) -> Result<T, crate::error::StoreError>,
) -> Result<T, DecodeFailure> {
    if let Some(value) = cached.as_ref().filter(|value| as_str(value) == text) {
        return Ok(value.clone());
    }
    let value = make(text.to_owned()).map_err(|error| DecodeFailure(error.to_string()))?;
    *cached = Some(value.clone());
    Ok(value)
}

/// A cursor over bytes that fails cleanly when they run out.
pub(crate) struct Reader<'a> {
    pub bytes: &'a [u8],
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeFailure> {
        let end = self.at.checked_add(n).filter(|&end| end <= self.bytes.len()).ok_or_else(|| {
            DecodeFailure(format!("needs {n} bytes at offset {}, only {} left", self.at, self.bytes.len() - self.at))
        })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeFailure> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, DecodeFailure> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, DecodeFailure> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, DecodeFailure> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, DecodeFailure> {
        Ok(i64::from_be_bytes(self.array()?))
    }

    fn uuid(&mut self) -> Result<Uuid, DecodeFailure> {
        Ok(Uuid::from_bytes(self.array()?))
    }

    pub(crate) fn hash(&mut self) -> Result<Hash, DecodeFailure> {
        Ok(Hash(self.array()?))
    }

    /// A text's bytes, after their length.
    fn text_bytes(&mut self) -> Result<&'a [u8], DecodeFailure> {
        let n_bytes = usize::try_from(self.u32()?).map_err(|_| DecodeFailure("text length overflows".to_owned()))?;
        self.take(n_bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn record(stream: &str, actor: &str, payload: &str) -> RecordedEvent {
        RecordedEvent {
            position: 7,
            stream_id: StreamId::new(stream).expect("valid"),
            stream_version: 3,
            event_id: Uuid::from_u128(11),
            command_id: Uuid::from_u128(12),
            event_type: EventType::new("CaseOpened").expect("valid"),
            schema_version: 2,
            occurred_at: Timestamp::from_unix_ms(-5),
            recorded_at: Timestamp::from_unix_ms(1_700_000_000_000),
            actor: Actor::new(actor).expect("valid"),
            payload: Payload::from_json(payload).expect("JSON"),
            prev_hash: Hash::GENESIS,
            hash: Hash::GENESIS,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// The quick reading and the field-by-field one agree on whole records and on damaged
        /// bytes alike: the same fields, or both refuse.
        #[test]
        fn the_quick_and_the_explained_reading_agree(
            stream in "[a-z]{1,8}-[a-z0-9]{0,40}",
            actor in "[a-zα-ω ]{1,30}",
            note in "[a-zα-ω\"]{0,60}",
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            how in 0..4u8,
        ) {
            let payload = serde_json::json!({ "note": note }).to_string();
            let mut bytes = canonical_bytes(&record(&stream, &actor, &payload));
            let at = at.index(bytes.len());
            match how {
                0 => {}
                1 => bytes[at] = byte,
                2 => bytes.truncate(at),
                _ => bytes.insert(at, byte),
            }
            prop_assert_eq!(RawFields::decode_whole(&bytes), RawFields::decode_explained(&bytes).ok());
            if how == 0 {
                let fields = CanonicalFields::decode(&bytes).expect("a whole record decodes");
                prop_assert_eq!((fields.stream_id, fields.actor, fields.payload), (stream.as_str(), actor.as_str(), payload.as_str()));
            }
        }
    }
}
