//! Checking a frame stream without keeping its records: what `verify --bundle` runs.
//!
//! Each worker checks a block of frames whole (decoding, names, positions, hashes, clock, and
//! each stream's versions within the block) and hands back only a [`BlockSummary`]: the
//! block's edges and, for each stream, its first and last versions there. The calling thread
//! checks those against the blocks before ([`ChainChecker::check_block`]), so the work done in
//! order is once a block and stream, not once a record.

use std::hash::BuildHasher;
use std::io::Read;

use hashbrown::HashTable;

use crate::block_reader::{read_blocks, Read as BlockRead, Stop};
use crate::canonical::{chain_hash, utf8, RawFields};
use crate::error::{Problem, StoreError};
use crate::frames::{frame_length, FrameBlocks, HASH_BYTES, LENGTH_BYTES};
use crate::record::{
    is_actor_bytes, is_event_type_bytes, is_stream_id_bytes, Actor, EventType, Hash, StreamId, Timestamp,
};
use crate::stream_versions::StreamHasher;
use crate::verify::ChainChecker;

/// A record that does not check out: where it is, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRecord {
    /// 1 for the first record of the stream, then +1.
    pub number: u64,
    /// Where its frame starts in the file.
    pub offset: u64,
    /// What is wrong.
    pub problem: String,
}

/// Checks a frame stream against `checker`, which it carries forward, without keeping the
/// records: the same rules as [`crate::read_record_frames`] and [`ChainChecker::check_scanned`],
/// with the work of each block done on its own core and only the block's edges and its
/// streams' first and last versions checked in order. Payloads are hashed, not parsed: the
/// chain covers their bytes, and reading them is for replay and import. Returns how many
/// records were checked. `version_before` is as for [`ChainChecker::check`]; `workers` and
/// `block_bytes` as in [`crate::ReadOptions`] (whose [`crate::ReadOptions::on_every_core`]
/// gives the usual).
pub fn check_record_frames(
    input: impl Read,
    offset: u64,
    workers: usize,
    block_bytes: usize,
    checker: &mut ChainChecker,
    mut version_before: impl FnMut(&str) -> Result<Option<u64>, StoreError>,
) -> Result<u64, BadRecord> {
    let source = FrameBlocks::new(input, offset, block_bytes);
    let mut n_records = 0u64;
    let hasher = checker.stream_hasher();
    read_blocks(source, workers, &|block| summarize_frames(block, &hasher), |read| match read {
        BlockRead::Stop(Stop { offset, problem }) => Err(BadRecord { number: n_records + 1, offset, problem }),
        BlockRead::Block { offset, made, bytes } => {
            let frames = &bytes[HASH_BYTES..];
            let bad = |index: u64, at: u64, problem: String| BadRecord {
                number: n_records + index + 1,
                offset: offset + at,
                problem,
            };
            checker
                .check_block(&made, frames, &mut version_before)
                .map_err(|(index, at, problem)| bad(index, at, problem))?;
            if let Some((index, at, problem)) = made.problem {
                return Err(bad(index, at, problem));
            }
            n_records += made.n_checked;
            Ok(())
        }
    })?;
    Ok(n_records)
}

/// What a worker found in a block of frames: the block's edges and, per stream, its first and
/// last versions in the block, for the checks that need the blocks before; and the first
/// problem, if the block has one. Offsets are from the block's first frame.
pub(crate) struct BlockSummary {
    /// The hash before the block's first record.
    pub leading_hash: Hash,
    /// Records checked whole, all before the problem.
    pub n_checked: u64,
    /// The first record's position and recorded-at, when it decodes.
    pub first: Option<(u64, Timestamp)>,
    /// The last record checked whole: position, hash, recorded-at.
    pub last: Option<(u64, Hash, Timestamp)>,
    /// The streams of the records checked, in the order they first appear.
    pub streams: Vec<StreamSpan>,
    /// The first problem: its record's index in the block, offset and what is wrong.
    pub problem: Option<(u64, u64, String)>,
}

/// A stream's records in a block, whose versions run without a gap.
pub(crate) struct StreamSpan {
    /// Where the stream id's bytes are in the block's frames.
    pub id: std::ops::Range<usize>,
    /// The hash of those bytes, by the checker's [`ChainChecker::stream_hasher`].
    pub hash: u64,
    pub first_version: u64,
    pub last_version: u64,
    /// The index in the block of the stream's first record there, and its offset.
    pub index: u64,
    pub offset: u64,
}

/// Checks every frame of a block on its own, as far as the block allows; stream ids are
/// hashed with `hasher`.
fn summarize_frames(block: &[u8], hasher: &StreamHasher) -> BlockSummary {
    let (leading, frames) = block.split_at(HASH_BYTES);
    let mut summary = BlockSummary {
        leading_hash: Hash(leading.try_into().expect("a block starts with a hash")),
        n_checked: 0,
        first: None,
        last: None,
        streams: Vec::with_capacity(block.len() / 512),
        problem: None,
    };
    // The spans of the block by the hash of their stream id, each with its last version so
    // far: a record of a stream seen before touches this table only.
    let mut span_of: HashTable<OpenSpan<'_>> = HashTable::with_capacity(block.len() / 512);
    let mut prev_hash = summary.leading_hash;
    let mut at = 0;
    while at < frames.len() {
        let length = frame_length(&frames[at..]).expect("blocks hold whole frames");
        let start = at + LENGTH_BYTES;
        let canonical = &frames[start..start + length];
        let end = start + length + HASH_BYTES;
        let hash = Hash(frames[end - HASH_BYTES..end].try_into().expect("32 bytes"));
        let index = summary.n_checked;
        if let Err(problem) = summarize_frame(&mut summary, &mut span_of, hasher, canonical, start, prev_hash, hash, at)
        {
            summary.problem = Some((index, at as u64, problem));
            break;
        }
        prev_hash = hash;
        at = end;
    }
    for open in span_of {
        summary.streams[open.span].last_version = open.last_version;
    }
    summary
}

/// A stream's span in a block being summarised.
struct OpenSpan<'a> {
    hash: u64,
    id: &'a [u8],
    /// Its place in [`BlockSummary::streams`].
    span: usize,
    last_version: u64,
}

/// Checks one frame against the block's records before it and adds it to the summary.
#[allow(clippy::too_many_arguments)]
fn summarize_frame<'a>(
    summary: &mut BlockSummary,
    span_of: &mut HashTable<OpenSpan<'a>>,
    hasher: &StreamHasher,
    canonical: &'a [u8],
    canonical_at: usize,
    prev_hash: Hash,
    hash: Hash,
    frame_at: usize,
) -> Result<(), String> {
    let fields =
        RawFields::decode(canonical).map_err(|failure| format!("the record does not decode: {}", failure.0))?;
    let stream_hash = hasher.hash_one(fields.stream_id);
    let span = span_of.find_mut(stream_hash, |open| open.hash == stream_hash && open.id == fields.stream_id);
    // A stream id seen earlier in the block was checked then.
    check_names(&fields, span.is_none())?;
    if summary.first.is_none() {
        summary.first = Some((fields.position, fields.recorded_at));
    }
    let position_problem = |problem: Problem| format!("position {}: {problem}", fields.position);
    // The first record's position, link and clock are checked against the blocks before.
    let last = summary.last;
    if let Some((last_position, _, _)) = last {
        if fields.position != last_position + 1 {
            return Err(position_problem(Problem::Gap { expected: last_position + 1, found: fields.position }));
        }
    }
    let recomputed = chain_hash(&prev_hash, canonical);
    if recomputed != hash {
        return Err(position_problem(Problem::HashMismatch { stored: hash.to_hex(), recomputed: recomputed.to_hex() }));
    }
    if let Some((_, _, last_recorded_at)) = last {
        if fields.recorded_at < last_recorded_at {
            return Err(position_problem(Problem::ClockBackwards {
                previous_ms: last_recorded_at.unix_ms(),
                found_ms: fields.recorded_at.unix_ms(),
            }));
        }
    }
    match span {
        Some(span) => {
            if fields.stream_version != span.last_version + 1 {
                return Err(position_problem(Problem::VersionBreak {
                    stream_id: String::from_utf8_lossy(fields.stream_id).into_owned(),
                    expected: span.last_version + 1,
                    found: fields.stream_version,
                }));
            }
            span.last_version = fields.stream_version;
        }
        None => {
            // The stream id's bytes sit right after the format byte, the position and the length.
            let id_at = canonical_at + 1 + 8 + LENGTH_BYTES;
            let open = OpenSpan {
                hash: stream_hash,
                id: fields.stream_id,
                span: summary.streams.len(),
                last_version: fields.stream_version,
            };
            span_of.insert_unique(stream_hash, open, |open| open.hash);
            summary.streams.push(StreamSpan {
                id: id_at..id_at + fields.stream_id.len(),
                hash: stream_hash,
                first_version: fields.stream_version,
                last_version: fields.stream_version,
                index: summary.n_checked,
                offset: frame_at as u64,
            });
        }
    }
    summary.last = Some((fields.position, hash, fields.recorded_at));
    summary.n_checked += 1;
    Ok(())
}

/// Checks a record's stream id (when `new_stream`), event type and actor by their rules, with
/// the store's own words when one breaks them. As the record check does
/// (`CanonicalFields::decode`), every text must be UTF-8 before any name is checked.
fn check_names(fields: &RawFields<'_>, new_stream: bool) -> Result<(), String> {
    let stream_ok = !new_stream || is_stream_id_bytes(fields.stream_id);
    if stream_ok && is_event_type_bytes(fields.event_type) && is_actor_bytes(fields.actor) {
        return Ok(());
    }
    let undecodable = |problem: String| format!("the record does not decode: {problem}");
    let text = |bytes| utf8(bytes).map_err(|failure| undecodable(failure.0));
    let (stream_id, event_type, actor) = (text(fields.stream_id)?, text(fields.event_type)?, text(fields.actor)?);
    let named = |made: Result<(), StoreError>| made.map_err(|error| undecodable(error.to_string()));
    if !stream_ok {
        named(StreamId::new(stream_id).map(drop))?;
    }
    named(EventType::new(event_type).map(drop))?;
    named(Actor::new(actor).map(drop))
}
