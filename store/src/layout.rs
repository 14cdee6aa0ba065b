//! How the log lies in its sled tree: the keys and the values behind them.
//!
//! One tree holds everything, told apart by a one-byte key prefix, because sled's
//! `apply_batch` is atomic within one tree only:
//!
//! | key | value |
//! |---|---|
//! | `L` + first position (u64 BE) | a chunk: consecutive records, see [`encode_chunk`] |
//! | `S` + stream id + `0x00` + first version (u64 BE) | one append's records in the stream: first position (u64 BE), count (u32 BE) |
//! | `C` + command id (16 bytes) | one act, all its streams: first position (u64 BE), count (u32 BE), its last stream's id |
//!
//! An act is what one command id wrote: one append, or a multi-stream append, whose records
//! are adjacent, each stream's together, and which has a stream entry in each of its streams.
//!
//! sled's cost is per key far more than per byte, so records are packed into chunks of a few
//! dozen kilobytes rather than given a key each. Chunks stay well below sled's blob threshold
//! (a quarter of its 512 KiB segment), so a chunk never becomes a blob file of its own.

use uuid::Uuid;

use crate::canonical::{chain_hash, CanonicalFields, DecodeFailure, Decoder, Reader};
use crate::record::{Hash, RecordedEvent, StreamId};

/// The first byte of every chunk value: the version of the chunk form.
const CHUNK_FORMAT_VERSION: u8 = 1;
const LOG_PREFIX: u8 = b'L';
pub(crate) const STREAM_PREFIX: u8 = b'S';
const COMMAND_PREFIX: u8 = b'C';

/// The key of the chunk whose first record has `first_position`.
pub(crate) fn chunk_key(first_position: u64) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[0] = LOG_PREFIX;
    key[1..].copy_from_slice(&first_position.to_be_bytes());
    key
}

/// The first position named by a chunk key.
pub(crate) fn chunk_key_position(key: &[u8]) -> Option<u64> {
    if key.len() != 9 || key[0] != LOG_PREFIX {
        return None;
    }
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key[1..]);
    Some(u64::from_be_bytes(bytes))
}

/// The range of keys that holds every chunk.
pub(crate) fn chunk_key_range() -> std::ops::RangeInclusive<[u8; 9]> {
    chunk_key(0)..=chunk_key(u64::MAX)
}

/// The prefix of every append entry of one stream.
pub(crate) fn stream_prefix(stream_id: &StreamId) -> Vec<u8> {
    let mut key = Vec::with_capacity(stream_id.as_str().len() + 2);
    key.push(STREAM_PREFIX);
    key.extend_from_slice(stream_id.as_str().as_bytes());
    key.push(0);
    key
}

/// The key of a stream's append that starts at `first_version`.
pub(crate) fn stream_key(stream_id: &StreamId, first_version: u64) -> Vec<u8> {
    let mut key = stream_prefix(stream_id);
    key.extend_from_slice(&first_version.to_be_bytes());
    key
}

/// The first version named by a stream key.
pub(crate) fn stream_key_version(key: &[u8]) -> Option<u64> {
    let tail = key.len().checked_sub(8)?;
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&key[tail..]);
    Some(u64::from_be_bytes(bytes))
}

/// An append, as the stream and command entries remember it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AppendSpan {
    pub first_position: u64,
    pub n_events: u32,
}

impl AppendSpan {
    pub(crate) fn encode(&self) -> [u8; 12] {
        let mut out = [0u8; 12];
        out[..8].copy_from_slice(&self.first_position.to_be_bytes());
        out[8..].copy_from_slice(&self.n_events.to_be_bytes());
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<AppendSpan, DecodeFailure> {
        let mut reader = Reader { bytes, at: 0 };
        Ok(AppendSpan { first_position: reader.u64()?, n_events: reader.u32()? })
    }

    pub(crate) fn last_position(&self) -> u64 {
        self.first_position + u64::from(self.n_events) - 1
    }
}

/// The key that remembers a command id.
pub(crate) fn command_key(command_id: Uuid) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[0] = COMMAND_PREFIX;
    key[1..].copy_from_slice(command_id.as_bytes());
    key
}

/// The value behind a command key: the act's span, then the id of the last stream it wrote.
pub(crate) fn encode_command_entry(span: &AppendSpan, stream_id: &StreamId) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + stream_id.as_str().len());
    out.extend_from_slice(&span.encode());
    out.extend_from_slice(stream_id.as_str().as_bytes());
    out
}

/// Reads a command entry back.
pub(crate) fn decode_command_entry(bytes: &[u8]) -> Result<(AppendSpan, StreamId), DecodeFailure> {
    if bytes.len() < 12 {
        return Err(DecodeFailure(format!("command entry of {} bytes is too short", bytes.len())));
    }
    let span = AppendSpan::decode(&bytes[..12])?;
    let stream = std::str::from_utf8(&bytes[12..])
        .map_err(|error| DecodeFailure(format!("stream id is not UTF-8: {error}")))
        .and_then(|text| StreamId::new(text).map_err(|error| DecodeFailure(error.to_string())))?;
    Ok((span, stream))
}

/// Builds chunk values: `[format u8][prev_hash 32][count u32]`, then for each record
/// `[length u32][canonical bytes][hash 32]`, all integers big-endian.
struct ChunkBuilder {
    bytes: Vec<u8>,
    n_records: u32,
    first_position: u64,
}

/// Bytes a chunk spends on a record besides its canonical bytes: its length and its hash.
const RECORD_FRAME_BYTES: usize = 4 + 32;

impl ChunkBuilder {
    fn new(first_position: u64, prev_hash: Hash, capacity: usize) -> ChunkBuilder {
        let mut bytes = Vec::with_capacity(capacity);
        bytes.push(CHUNK_FORMAT_VERSION);
        bytes.extend_from_slice(&prev_hash.0);
        bytes.extend_from_slice(&0u32.to_be_bytes());
        ChunkBuilder { bytes, n_records: 0, first_position }
    }

    /// The key and the value of the finished chunk.
    fn finish(mut self) -> ([u8; 9], Vec<u8>) {
        self.bytes[33..37].copy_from_slice(&self.n_records.to_be_bytes());
        (chunk_key(self.first_position), self.bytes)
    }
}

/// The chunks of a group of consecutive records, each about `target_bytes` long, built as
/// the records are placed: a record's canonical bytes are encoded straight into its chunk and
/// hashed there, never held on their own.
pub(crate) struct ChunkRun {
    target_bytes: usize,
    finished: Vec<([u8; 9], Vec<u8>)>,
    current: Option<ChunkBuilder>,
}

impl ChunkRun {
    pub(crate) fn new(target_bytes: usize) -> ChunkRun {
        ChunkRun { target_bytes, finished: Vec::new(), current: None }
    }

    /// Encodes the record of `fields`, which follows `prev_hash`, and returns its hash.
    pub(crate) fn encode(&mut self, fields: &CanonicalFields<'_>, prev_hash: &Hash) -> Hash {
        let n_bytes = fields.encoded_len();
        let chunk = self.chunk_for(fields.position, prev_hash, n_bytes);
        let length = u32::try_from(n_bytes).expect("records are bounded by the event size limit");
        chunk.bytes.extend_from_slice(&length.to_be_bytes());
        let start = chunk.bytes.len();
        fields.encode_into(&mut chunk.bytes);
        debug_assert_eq!(chunk.bytes.len() - start, n_bytes, "encoded_len agrees with encode_into");
        let hash = chain_hash(prev_hash, &chunk.bytes[start..]);
        chunk.bytes.extend_from_slice(&hash.0);
        chunk.n_records += 1;
        hash
    }

    /// Adds a record whose canonical bytes and hash are already known.
    pub(crate) fn push(&mut self, position: u64, canonical: &[u8], prev_hash: &Hash, hash: &Hash) {
        let chunk = self.chunk_for(position, prev_hash, canonical.len());
        let length = u32::try_from(canonical.len()).expect("records are bounded by the event size limit");
        chunk.bytes.extend_from_slice(&length.to_be_bytes());
        chunk.bytes.extend_from_slice(canonical);
        chunk.bytes.extend_from_slice(&hash.0);
        chunk.n_records += 1;
    }

    /// The chunk a record of `n_bytes` canonical bytes goes in: the current one, unless the
    /// record would take it past the target (a chunk holds at least one record, however long).
    fn chunk_for(&mut self, position: u64, prev_hash: &Hash, n_bytes: usize) -> &mut ChunkBuilder {
        let full = self.current.as_ref().is_some_and(|chunk| {
            chunk.n_records > 0 && chunk.bytes.len() + n_bytes + RECORD_FRAME_BYTES > self.target_bytes
        });
        if full {
            self.finished.extend(self.current.take().map(ChunkBuilder::finish));
        }
        let capacity = self.target_bytes.max(37 + n_bytes + RECORD_FRAME_BYTES);
        self.current.get_or_insert_with(|| ChunkBuilder::new(position, *prev_hash, capacity))
    }

    /// The finished chunks as keys and values, oldest first.
    pub(crate) fn finish(mut self) -> Vec<([u8; 9], Vec<u8>)> {
        self.finished.extend(self.current.take().map(ChunkBuilder::finish));
        self.finished
    }
}

/// One record of a chunk, still as bytes.
pub(crate) struct RawRecord<'a> {
    pub canonical: &'a [u8],
    pub prev_hash: Hash,
    pub hash: Hash,
}

impl RawRecord<'_> {
    /// The record's position, read from its canonical bytes without decoding the rest.
    pub(crate) fn position(&self) -> Option<u64> {
        let bytes: [u8; 8] = self.canonical.get(1..9)?.try_into().ok()?;
        Some(u64::from_be_bytes(bytes))
    }
}

/// Splits a chunk value into its records without decoding them.
pub(crate) fn split_chunk(value: &[u8]) -> Result<Vec<RawRecord<'_>>, DecodeFailure> {
    let mut reader = Reader { bytes: value, at: 0 };
    let format = reader.u8()?;
    if format != CHUNK_FORMAT_VERSION {
        return Err(DecodeFailure(format!("unknown chunk format version {format}")));
    }
    let mut prev_hash = reader.hash()?;
    let n_records = reader.u32()?;
    let mut records = Vec::with_capacity(usize::try_from(n_records).unwrap_or(0).min(4096));
    for _ in 0..n_records {
        let n_bytes =
            usize::try_from(reader.u32()?).map_err(|_| DecodeFailure("record length overflows".to_owned()))?;
        let canonical = reader.take(n_bytes)?;
        let hash = reader.hash()?;
        records.push(RawRecord { canonical, prev_hash, hash });
        prev_hash = hash;
    }
    if reader.at != value.len() {
        return Err(DecodeFailure(format!("{} trailing bytes after the last record", value.len() - reader.at)));
    }
    if records.is_empty() {
        return Err(DecodeFailure("chunk holds no record".to_owned()));
    }
    Ok(records)
}

/// Decodes every record of a chunk.
pub(crate) fn decode_chunk(value: &[u8]) -> Result<Vec<RecordedEvent>, DecodeFailure> {
    let mut decoder = Decoder::default();
    split_chunk(value)?.into_iter().map(|raw| decoder.decode(raw.canonical, raw.prev_hash, raw.hash)).collect()
}
