//! Record frames: the log as a stream of canonical bytes, the form an evaluator's bundle
//! carries (`FORMAT.md`, "Record frames").
//!
//! A frame stream is the 32-byte hash before its first record, then for each record the
//! length of its canonical bytes (u32 big-endian), the canonical bytes and the record's hash.
//! The hash covers exactly the bytes in the frame, so checking a record is reading a length
//! and hashing what follows: no text is parsed or re-encoded. It is read on every core
//! ([`crate::block_reader`]): each worker gets a block of whole frames headed by the hash of
//! the frame before, so it can check every hash of its block on its own. This module reads
//! every record whole (replay, import); `frame_check` checks a stream without keeping them.

use std::collections::HashMap;
use std::io::{Read, Write};

use crate::block_reader::{read_in_blocks, Block, BlockSource, ReadOptions, RecordAt, Scanned, ScannedRecord, Stop};
use crate::canonical::{chain_hash, CanonicalFields};
use crate::config::LARGEST_CHUNK_BYTES;
use crate::error::StoreError;
use crate::payload_check::check_json;
use crate::record::{Actor, EventType, Hash, RecordedEvent, StreamId};

/// The longest canonical record a frame may hold: what fits a chunk of the store.
pub const MAX_FRAME_RECORD_BYTES: usize = LARGEST_CHUNK_BYTES;

pub(crate) const HASH_BYTES: usize = 32;
/// How much of a block is read at a time: its frames are walked while it is in the cache.
const READ_PIECE_BYTES: usize = 128 * 1024;
pub(crate) const LENGTH_BYTES: usize = 4;

/// Writes frame streams: the hash before the first record once, then one frame per record.
pub struct FrameWriter<W: Write> {
    out: W,
    canonical: Vec<u8>,
    expected_prev: Hash,
}

impl<W: Write> FrameWriter<W> {
    /// Starts a stream whose first record follows `prev_hash`.
    pub fn start(mut out: W, prev_hash: Hash) -> std::io::Result<FrameWriter<W>> {
        out.write_all(&prev_hash.0)?;
        Ok(FrameWriter { out, canonical: Vec::with_capacity(1024), expected_prev: prev_hash })
    }

    /// Writes one record's frame. The records must follow one another in the chain: a frame
    /// carries no previous hash of its own, so a record that does not follow would be written
    /// as damage.
    pub fn write(&mut self, record: &RecordedEvent) -> std::io::Result<()> {
        if record.prev_hash != self.expected_prev {
            return Err(std::io::Error::other(format!(
                "record {} does not follow the record written before it in the chain",
                record.position
            )));
        }
        self.canonical.clear();
        CanonicalFields::of(record).encode_into(&mut self.canonical);
        let length = u32::try_from(self.canonical.len()).map_err(std::io::Error::other)?;
        self.out.write_all(&length.to_be_bytes())?;
        self.out.write_all(&self.canonical)?;
        self.out.write_all(&record.hash.0)?;
        self.expected_prev = record.hash;
        Ok(())
    }

    /// Flushes and hands back the output.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Takes a frame stream held in memory apart: its leading hash, and each frame whole (length,
/// canonical bytes, hash), checking nothing but that the lengths fit. For tools that split or
/// rejoin streams; [`read_record_frames`] and [`crate::check_record_frames`] check them.
pub fn split_frames(stream: &[u8]) -> Result<(Hash, Vec<&[u8]>), String> {
    let leading = stream.get(..HASH_BYTES).ok_or("the stream is cut short before its leading hash")?;
    let mut frames = Vec::new();
    let mut at = HASH_BYTES;
    while at < stream.len() {
        let end = frame_length(&stream[at..])
            .map(|length| at + LENGTH_BYTES + length + HASH_BYTES)
            .filter(|&end| end <= stream.len())
            .ok_or_else(|| format!("the frame at byte {at} is cut short"))?;
        frames.push(&stream[at..end]);
        at = end;
    }
    Ok((Hash(leading.try_into().expect("32 bytes")), frames))
}

/// Reads a frame stream from `input` (which starts at its leading hash; `offset` is where that
/// is in the file, for the offsets reported) and calls `each` with every record, in order,
/// until the input ends or `each` returns an error, which is then returned. The first record's
/// previous hash is the stream's leading hash; each later one's, the hash of the frame before.
/// A stream cut short, a frame longer than [`MAX_FRAME_RECORD_BYTES`] and a read failure arrive
/// as the problem of the record where they happen, and end the reading.
pub fn read_record_frames<E>(
    input: impl Read,
    offset: u64,
    options: ReadOptions,
    each: impl FnMut(RecordAt) -> Result<(), E>,
) -> Result<(), E> {
    let source = FrameBlocks::new(input, offset, options.block_bytes);
    let keep_records = options.keep_records;
    read_in_blocks(source, options.workers, &|block| scan_frames(block, keep_records), each)
}

/// Reads every frame of a block: the hash before the first, then whole frames.
fn scan_frames(block: &[u8], keep_records: bool) -> Vec<Scanned> {
    let mut names = Names::default();
    let mut results = Vec::with_capacity(block.len() / 400);
    let (first, frames) = block.split_at(HASH_BYTES);
    let mut prev_hash = Hash(first.try_into().expect("a block starts with a hash"));
    let mut at = 0;
    while at < frames.len() {
        let length = frame_length(&frames[at..]).expect("blocks hold whole frames");
        let canonical = &frames[at + LENGTH_BYTES..at + LENGTH_BYTES + length];
        let end = at + LENGTH_BYTES + length + HASH_BYTES;
        let hash = Hash(frames[end - HASH_BYTES..end].try_into().expect("32 bytes"));
        results.push((at as u64, scan_frame(&mut names, canonical, prev_hash, hash, keep_records)));
        prev_hash = hash;
        at = end;
    }
    results
}

/// Checks one frame's record on its own: its fields, its payload, and its hash.
fn scan_frame<'a>(
    names: &mut Names<'a>,
    canonical: &'a [u8],
    prev_hash: Hash,
    hash: Hash,
    keep_record: bool,
) -> Result<ScannedRecord, String> {
    let fields =
        CanonicalFields::decode(canonical).map_err(|failure| format!("the record does not decode: {}", failure.0))?;
    let stream_id = names.stream_ids.get(fields.stream_id, |text| StreamId::new(text))?;
    let event_type = names.event_types.get(fields.event_type, |text| EventType::new(text))?;
    let actor = names.actors.get(fields.actor, |text| Actor::new(text))?;
    check_json(fields.payload.as_bytes())
        .map_err(|problem| format!("position {}: the payload is not JSON: {problem}", fields.position))?;
    let recomputed = chain_hash(&prev_hash, canonical);
    let record = keep_record.then(|| fields.record(stream_id.clone(), event_type, actor, prev_hash, hash));
    Ok(ScannedRecord {
        position: fields.position,
        stream_id,
        stream_version: fields.stream_version,
        recorded_at: fields.recorded_at,
        prev_hash,
        hash,
        recomputed,
        record,
    })
}

/// The names of a block's records, each checked once: a block holds thousands of records of
/// far fewer streams, event types and actors.
#[derive(Default)]
struct Names<'a> {
    stream_ids: Known<'a, StreamId>,
    event_types: Known<'a, EventType>,
    actors: Known<'a, Actor>,
}

/// Values made from text once, then looked up by that text.
struct Known<'a, T>(HashMap<&'a str, T>);

impl<T> Default for Known<'_, T> {
    fn default() -> Self {
        Known(HashMap::new())
    }
}

impl<'a, T: Clone> Known<'a, T> {
    fn get(&mut self, text: &'a str, make: impl Fn(&str) -> Result<T, StoreError>) -> Result<T, String> {
        if let Some(value) = self.0.get(text) {
            return Ok(value.clone());
        }
        let value = make(text).map_err(|error| format!("the record does not decode: {error}"))?;
        self.0.insert(text, value.clone());
        Ok(value)
    }
}

/// The canonical length a frame at the start of `bytes` declares, if its length is there.
pub(crate) fn frame_length(bytes: &[u8]) -> Option<usize> {
    let length: [u8; LENGTH_BYTES] = bytes.get(..LENGTH_BYTES)?.try_into().ok()?;
    usize::try_from(u32::from_be_bytes(length)).ok()
}

/// Cuts a frame stream into blocks of whole frames, each headed by the hash before it.
pub(crate) struct FrameBlocks<R> {
    input: R,
    block_bytes: usize,
    /// The start of a frame that the last block cut off.
    carry: Vec<u8>,
    /// The hash of the last frame handed out; `None` until the leading hash is read.
    prev: Option<[u8; HASH_BYTES]>,
    /// The input offset of `carry`.
    offset: u64,
    /// A problem found after the whole frames just handed out, to hand out next.
    problem: Option<Stop>,
    ended: bool,
}

impl<R: Read> FrameBlocks<R> {
    /// Blocks of about `block_bytes` from `input`, which starts at the stream's leading hash,
    /// at byte `offset` of its file.
    pub(crate) fn new(input: R, offset: u64, block_bytes: usize) -> FrameBlocks<R> {
        FrameBlocks {
            input,
            block_bytes: block_bytes.max(1),
            carry: Vec::new(),
            prev: None,
            offset: offset + HASH_BYTES as u64,
            problem: None,
            ended: false,
        }
    }

    /// Reads the leading hash.
    fn leading_hash(&mut self) -> Result<[u8; HASH_BYTES], Stop> {
        let mut hash = [0u8; HASH_BYTES];
        let offset = self.offset - HASH_BYTES as u64;
        self.input.read_exact(&mut hash).map_err(|error| Stop {
            offset,
            problem: if error.kind() == std::io::ErrorKind::UnexpectedEof {
                "the records are cut short before their leading hash: the file is truncated".to_owned()
            } else {
                format!("cannot read: {error}")
            },
        })?;
        Ok(hash)
    }
}

impl<R: Read> BlockSource for FrameBlocks<R> {
    fn next_block(&mut self, mut block: Vec<u8>) -> Option<Result<Block, Stop>> {
        if let Some(stop) = self.problem.take() {
            return Some(Err(stop));
        }
        if self.ended {
            return None;
        }
        let prev = match self.prev {
            Some(prev) => prev,
            None => match self.leading_hash() {
                Ok(hash) => *self.prev.insert(hash),
                Err(stop) => {
                    self.ended = true;
                    return Some(Err(stop));
                }
            },
        };
        block.clear();
        block.reserve(HASH_BYTES + self.carry.len() + self.block_bytes);
        block.extend_from_slice(&prev);
        block.extend_from_slice(&self.carry);
        // Read in pieces, walking the lengths to the last whole frame after each, while the
        // piece is still in the cache; past the block's size only until it holds a whole frame.
        let mut whole = HASH_BYTES;
        let mut problem = None;
        let mut n_read = 0;
        let mut at_end = false;
        while problem.is_none() && (n_read < self.block_bytes || whole == HASH_BYTES) {
            let piece = if n_read < self.block_bytes {
                (self.block_bytes - n_read).min(READ_PIECE_BYTES)
            } else {
                // Past the block's size only the first frame is wanted: read what it lacks.
                let pending = &block[whole..];
                let wanted = frame_length(pending).map_or(LENGTH_BYTES, |length| LENGTH_BYTES + length + HASH_BYTES);
                wanted.saturating_sub(pending.len()).clamp(1, READ_PIECE_BYTES)
            };
            let n_piece = match self.input.by_ref().take(piece as u64).read_to_end(&mut block) {
                Ok(n_piece) => n_piece,
                Err(error) => {
                    self.ended = true;
                    return Some(Err(Stop { offset: self.offset, problem: format!("cannot read: {error}") }));
                }
            };
            n_read += n_piece;
            while let Some(length) = frame_length(&block[whole..]) {
                if length > MAX_FRAME_RECORD_BYTES {
                    problem = Some(format!(
                        "the record's length, {length} bytes, is over the limit of {MAX_FRAME_RECORD_BYTES}: \
                         the records are damaged"
                    ));
                    break;
                }
                let end = whole + LENGTH_BYTES + length + HASH_BYTES;
                if end > block.len() {
                    break;
                }
                whole = end;
            }
            if n_piece < piece {
                at_end = true;
                break;
            }
        }
        self.ended = at_end;
        let offset = self.offset;
        self.offset += (whole - HASH_BYTES) as u64;
        self.carry.clear();
        self.carry.extend_from_slice(&block[whole..]);
        block.truncate(whole);
        if whole > HASH_BYTES {
            self.prev = Some(block[whole - HASH_BYTES..].try_into().expect("32 bytes"));
        }
        if problem.is_none() && at_end && !self.carry.is_empty() {
            problem = Some("the last record is cut short: the file is truncated".to_owned());
        }
        if let Some(problem) = problem {
            self.ended = true;
            let stop = Stop { offset: self.offset, problem };
            if block.len() == HASH_BYTES {
                return Some(Err(stop));
            }
            // The whole frames first; the problem comes out on the next call.
            self.problem = Some(stop);
            return Some(Ok(Block { bytes: block, offset }));
        }
        if block.len() == HASH_BYTES {
            // Reading stops short of a whole frame only at the end of the input.
            return None;
        }
        Some(Ok(Block { bytes: block, offset }))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::canonical::canonical_bytes;
    use crate::frame_check::check_record_frames;
    use crate::record::Payload;
    use crate::record::Timestamp;
    use crate::verify::ChainChecker;

    /// A chained log of `n` records over interleaved streams, payloads of varied lengths.
    fn log(n: u64) -> Vec<RecordedEvent> {
        let mut versions: HashMap<u64, u64> = HashMap::new();
        let mut prev_hash = Hash::GENESIS;
        (1..=n)
            .map(|position| {
                let stream = position % 7;
                let version = versions.entry(stream).or_default();
                *version += 1;
                let mut record = RecordedEvent {
                    position,
                    stream_id: StreamId::new(format!("case-{stream}")).expect("valid"),
                    stream_version: *version,
                    event_id: uuid::Uuid::from_u128(u128::from(position)),
                    command_id: uuid::Uuid::from_u128(u128::from(position) << 64),
                    event_type: EventType::new("ServiceProvided").expect("valid"),
                    schema_version: 1,
                    occurred_at: Timestamp::from_unix_ms(1_700_000_000_000),
                    recorded_at: Timestamp::from_unix_ms(1_700_000_000_000 + i64::try_from(position).expect("small")),
                    actor: Actor::new(format!("staff-{}", position % 3)).expect("valid"),
                    payload: Payload::from_value(&serde_json::json!({
                        "note": "Στέγαση \"επείγον\"".repeat(1 + usize::try_from(position % 5).expect("small"))
                    })),
                    prev_hash,
                    hash: Hash::GENESIS,
                };
                record.hash = chain_hash(&prev_hash, &canonical_bytes(&record));
                prev_hash = record.hash;
                record
            })
            .collect()
    }

    fn stream_of(records: &[RecordedEvent]) -> Vec<u8> {
        let mut writer = FrameWriter::start(Vec::new(), Hash::GENESIS).expect("writes");
        for record in records {
            writer.write(record).expect("writes");
        }
        writer.finish().expect("writes")
    }

    /// How the record-by-record reader (replay, import) sees a stream: the records, or where
    /// the first problem is (record number, offset).
    fn by_records(bytes: &[u8], workers: usize, block_bytes: usize) -> Result<Vec<RecordedEvent>, (u64, u64)> {
        let mut checker = ChainChecker::from_genesis();
        let mut records = Vec::new();
        let options = ReadOptions { keep_records: true, workers, block_bytes };
        read_record_frames(bytes, 0, options, |RecordAt { number, offset, result }| {
            let scanned = result.map_err(|_| (number, offset))?;
            checker.check_scanned(&scanned, |_| Ok(Some(0))).map_err(|_| (number, offset))?;
            records.push(scanned.record.expect("kept"));
            Ok::<(), (u64, u64)>(())
        })?;
        Ok(records)
    }

    /// How the block-by-block check (verify) sees it: how many records, or where.
    fn by_blocks(bytes: &[u8], workers: usize, block_bytes: usize) -> Result<u64, (u64, u64)> {
        let mut checker = ChainChecker::from_genesis();
        check_record_frames(bytes, 0, workers, block_bytes, &mut checker, |_| Ok(Some(0)))
            .map_err(|bad| (bad.number, bad.offset))
    }

    #[test]
    fn records_come_back_whole_and_in_order_whatever_the_blocks_and_workers() {
        let records = log(150);
        let bytes = stream_of(&records);
        for (workers, block_bytes) in [(1, 1), (2, 300), (3, 4096), (2, 1 << 20)] {
            assert_eq!(by_records(&bytes, workers, block_bytes).as_ref(), Ok(&records), "{workers}, {block_bytes}");
            assert_eq!(by_blocks(&bytes, workers, block_bytes), Ok(150), "{workers}, {block_bytes}");
        }
        let (leading, frames) = split_frames(&bytes).expect("whole frames");
        assert_eq!((leading, frames.len()), (Hash::GENESIS, 150));
        assert_eq!(by_blocks(&bytes[..32], 2, 100), Ok(0), "a stream of no records");
    }

    #[test]
    fn a_frame_far_longer_than_a_block_is_read_whole_or_named_as_cut_short() {
        // Byte by byte, a frame of some 90 KB is gathered in one block, without a call per byte.
        let mut big = log(1).remove(0);
        big.payload = Payload::from_value(&serde_json::json!({ "note": "α".repeat(45_000) }));
        big.hash = chain_hash(&Hash::GENESIS, &canonical_bytes(&big));
        let bytes = stream_of(std::slice::from_ref(&big));
        assert!(bytes.len() > 90_000);
        assert_eq!(by_records(&bytes, 2, 1), Ok(vec![big]));
        assert_eq!(by_blocks(&bytes, 2, 1), Ok(1));
        let cut = &bytes[..bytes.len() - 1];
        assert_eq!(by_records(cut, 2, 1).map(|r| r.len()), Err((1, 32)));
        assert_eq!(by_blocks(cut, 2, 1), Err((1, 32)));
    }

    #[test]
    fn the_writer_refuses_a_record_that_does_not_follow() {
        let records = log(3);
        let mut writer = FrameWriter::start(Vec::new(), Hash::GENESIS).expect("writes");
        writer.write(&records[0]).expect("writes");
        let error = writer.write(&records[2]).expect_err("record 3 does not follow record 1");
        assert!(error.to_string().contains("does not follow"), "{error}");
    }

    #[test]
    fn each_rule_is_named_by_the_block_check_in_the_words_of_the_record_check() {
        let records = log(40);
        let damaged = |change: &dyn Fn(&mut Vec<RecordedEvent>)| {
            let mut changed = records.clone();
            change(&mut changed);
            // Re-seal so that only the rule under test breaks.
            let mut prev = Hash::GENESIS;
            for record in &mut changed {
                record.prev_hash = prev;
                record.hash = chain_hash(&prev, &canonical_bytes(record));
                prev = record.hash;
            }
            stream_of(&changed)
        };
        type Change = Box<dyn Fn(&mut Vec<RecordedEvent>)>;
        let cases: [(&str, Change); 3] = [
            ("position gap: expected position 21, found 22", Box::new(|r| r[20].position = 22)),
            ("recorded-at", Box::new(|r| r[30].recorded_at = Timestamp::from_unix_ms(0))),
            ("version break in stream case-4: expected version 3, found 4", Box::new(|r| r[17].stream_version += 1)),
        ];
        for (words, change) in cases {
            let bytes = damaged(&*change);
            for block_bytes in [1, 500, 1 << 20] {
                let mut checker = ChainChecker::from_genesis();
                let bad = check_record_frames(&bytes[..], 0, 2, block_bytes, &mut checker, |_| Ok(Some(0)))
                    .expect_err("a rule breaks");
                assert!(bad.problem.contains(words), "{block_bytes}: {}", bad.problem);
                assert_eq!(Err((bad.number, bad.offset)), by_records(&bytes, 2, block_bytes).map(|r| r.len()));
            }
        }
    }

    #[test]
    fn a_name_that_is_not_utf8_is_refused_by_both_checks_even_with_the_chain_resealed() {
        // A record's names can only break UTF-8 in its bytes: change one byte of a name in the
        // canonical bytes, then reseal the chain from there, as a forger would.
        let records = log(10);
        for (name, at) in [("stream id", "case-4"), ("event type", "ServiceProvided"), ("actor", "staff-1")] {
            let mut canonicals: Vec<Vec<u8>> = records.iter().map(canonical_bytes).collect();
            // Record 4 starts stream case-4 and has actor staff-1.
            let canonical = &mut canonicals[3];
            let start = canonical.windows(at.len()).position(|w| w == at.as_bytes()).expect("the name is there");
            canonical[start + 1] = 0xff;
            let mut bytes = Hash::GENESIS.0.to_vec();
            let mut prev = Hash::GENESIS;
            for canonical in &canonicals {
                let hash = chain_hash(&prev, canonical);
                bytes.extend_from_slice(&u32::try_from(canonical.len()).expect("small").to_be_bytes());
                bytes.extend_from_slice(canonical);
                bytes.extend_from_slice(&hash.0);
                prev = hash;
            }
            let mut checker = ChainChecker::from_genesis();
            let bad = check_record_frames(&bytes[..], 0, 2, 1 << 20, &mut checker, |_| Ok(Some(0)))
                .expect_err("the block check refuses it");
            assert!(bad.problem.contains("text is not UTF-8"), "{name}: {}", bad.problem);
            assert_eq!(Err((bad.number, bad.offset)), by_records(&bytes, 2, 1 << 20).map(|r| r.len()), "{name}");
            assert_eq!(bad.number, 4, "{name}");
        }
    }

    /// Damage to a frame stream: a byte changed, a frame dropped or doubled, two swapped, the
    /// stream cut short.
    #[derive(Clone, Debug)]
    enum Damage {
        Flip { at: prop::sample::Index, xor: u8 },
        Drop(prop::sample::Index),
        Double(prop::sample::Index),
        Swap(prop::sample::Index, prop::sample::Index),
        Cut(prop::sample::Index),
    }

    fn damage() -> impl Strategy<Value = Damage> {
        prop_oneof![
            3 => (any::<prop::sample::Index>(), 1..=255u8).prop_map(|(at, xor)| Damage::Flip { at, xor }),
            1 => any::<prop::sample::Index>().prop_map(Damage::Drop),
            1 => any::<prop::sample::Index>().prop_map(Damage::Double),
            1 => (any::<prop::sample::Index>(), any::<prop::sample::Index>()).prop_map(|(a, b)| Damage::Swap(a, b)),
            1 => any::<prop::sample::Index>().prop_map(Damage::Cut),
        ]
    }

    fn apply(bytes: &[u8], damage: &Damage) -> Vec<u8> {
        let (leading, frames) = split_frames(bytes).expect("whole frames");
        let mut frames: Vec<Vec<u8>> = frames.into_iter().map(<[u8]>::to_vec).collect();
        let join = |frames: &[Vec<u8>]| [&leading.0[..], &frames.concat()].concat();
        match damage {
            Damage::Flip { at, xor } => {
                let mut changed = bytes.to_vec();
                changed[at.index(bytes.len())] ^= xor;
                changed
            }
            Damage::Drop(at) => {
                frames.remove(at.index(frames.len()));
                join(&frames)
            }
            Damage::Double(at) => {
                let at = at.index(frames.len());
                frames.insert(at, frames[at].clone());
                join(&frames)
            }
            Damage::Swap(a, b) => {
                let (a, b) = (a.index(frames.len()), b.index(frames.len()));
                frames.swap(a, b);
                join(&frames)
            }
            Damage::Cut(at) => bytes[..at.index(bytes.len())].to_vec(),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        /// Verify (blocks) and replay (records) find any damage at the same record, whatever
        /// the blocks.
        #[test]
        fn the_block_check_and_the_record_check_name_the_same_first_bad_record(
            n in 1..60u64,
            damage in damage(),
            block_bytes in prop::sample::select(vec![1usize, 64, 700, 5000, 1 << 20]),
            workers in 1..3usize,
        ) {
            let bytes = stream_of(&log(n));
            let damaged = apply(&bytes, &damage);
            let records = by_records(&damaged, workers, block_bytes);
            let blocks = by_blocks(&damaged, workers, block_bytes);
            prop_assert_eq!(records.as_ref().map(Vec::len).map_err(|e| *e), blocks.map(|n| usize::try_from(n).expect("small")));
            if damaged != bytes {
                // A swap of two frames of the same content, or a cut at the end of a frame,
                // leaves a shorter or equal stream that still checks; anything else is found.
                let whole_prefix = records.as_ref().is_ok_and(|r| bytes.starts_with(&damaged) && r.len() < usize::try_from(n).expect("small"));
                prop_assert!(records.is_err() || whole_prefix, "{:?} went unnoticed", damage);
            }
        }
    }
}
