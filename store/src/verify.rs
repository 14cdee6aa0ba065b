//! Verification: recompute the chain, the positions, the stream versions and the indexes
//! from the first record, and name the first position where anything is wrong.

use crate::block_reader::ScannedRecord;
use crate::canonical::{chain_hash, Decoder};
use crate::error::{Problem, StoreError};
use crate::frame_check::BlockSummary;
use crate::layout::{
    chunk_key_position, chunk_key_range, command_key, decode_command_entry, split_chunk, stream_key, AppendSpan,
};
use crate::log_tree::LogTree;
use crate::record::{Hash, RecordedEvent, StreamId, Timestamp};
use crate::store::Store;
use crate::stream_versions::{StreamHasher, StreamVersions};

/// What a successful verification saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub n_events: u64,
    /// Distinct streams.
    pub n_streams: u64,
    /// Appends, one a command id: a multi-stream append counts once (it has a stream entry
    /// in each of its streams, and one command entry).
    pub n_appends: u64,
    /// The last position checked.
    pub head_position: u64,
    /// The hash at that position.
    pub head_hash: Hash,
}

/// Checks records one after another by the rules of `FORMAT.md`: gapless positions, the hash
/// chain, recorded-at never going back, and gapless versions in every stream. A stored log,
/// an import and an evaluator's bundle are all checked with it.
#[derive(Clone, Debug)]
pub struct ChainChecker {
    next_position: u64,
    prev_hash: Hash,
    last_recorded_at: Timestamp,
    versions: StreamVersions,
}

impl ChainChecker {
    /// A checker for a log from its first record.
    pub fn from_genesis() -> ChainChecker {
        ChainChecker::after(0, Hash::GENESIS, Timestamp::from_unix_ms(i64::MIN))
    }

    /// A checker that expects the record after `position`, whose hash is `hash` and which was
    /// recorded at `recorded_at`.
    pub fn after(position: u64, hash: Hash, recorded_at: Timestamp) -> ChainChecker {
        ChainChecker {
            next_position: position + 1,
            prev_hash: hash,
            last_recorded_at: recorded_at,
            versions: StreamVersions::default(),
        }
    }

    /// The hasher of stream ids that [`ChainChecker::check_block`] expects in its spans.
    pub(crate) fn stream_hasher(&self) -> StreamHasher {
        *self.versions.hasher()
    }

    /// How many streams the records checked so far belong to.
    pub fn n_streams(&self) -> usize {
        self.versions.len()
    }

    /// The last position checked (0 before any) and its hash.
    pub fn head(&self) -> (u64, Hash) {
        (self.next_position - 1, self.prev_hash)
    }

    /// Checks one record, given its canonical bytes, against everything before it.
    /// `version_before` tells a stream's version before the first record of it this checker
    /// sees: `Some(v)` when known, `None` when the log before is not at hand (a later bundle
    /// alone), in which case that first version is taken as it stands.
    pub fn check(
        &mut self,
        record: &RecordedEvent,
        canonical: &[u8],
        version_before: impl FnOnce(&StreamId) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), Problem> {
        let recomputed = chain_hash(&record.prev_hash, canonical);
        self.check_fields(
            &Checked {
                position: record.position,
                stream_id: &record.stream_id,
                stream_version: record.stream_version,
                recorded_at: record.recorded_at,
                prev_hash: record.prev_hash,
                hash: record.hash,
                recomputed,
            },
            version_before,
        )
    }

    /// Checks one record read on its own (an export line by [`crate::LineScanner`], or a
    /// bundle frame), which carries its recomputed hash, against everything before it. The
    /// same rules as [`ChainChecker::check`].
    pub fn check_scanned(
        &mut self,
        scanned: &ScannedRecord,
        version_before: impl FnOnce(&StreamId) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), Problem> {
        self.check_fields(
            &Checked {
                position: scanned.position,
                stream_id: &scanned.stream_id,
                stream_version: scanned.stream_version,
                recorded_at: scanned.recorded_at,
                prev_hash: scanned.prev_hash,
                hash: scanned.hash,
                recomputed: scanned.recomputed,
            },
            version_before,
        )
    }

    /// Checks what a worker found in a block of frames ([`crate::frame_check`]) against everything
    /// before it: the first record's position, link and clock, and each stream's first version
    /// in the block; then moves on to the block's last record. The error is the index in the
    /// block of the first record that breaks a rule, its offset and the problem.
    pub(crate) fn check_block(
        &mut self,
        block: &BlockSummary,
        frames: &[u8],
        mut version_before: impl FnMut(&str) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), (u64, u64, String)> {
        let at_first = |problem: Problem, position: u64| (0, 0, format!("position {position}: {problem}"));
        if let Some((position, recorded_at)) = block.first {
            if position != self.next_position {
                return Err(at_first(Problem::Gap { expected: self.next_position, found: position }, position));
            }
            if block.leading_hash != self.prev_hash {
                let problem =
                    Problem::ChainBreak { expected: self.prev_hash.to_hex(), found: block.leading_hash.to_hex() };
                return Err(at_first(problem, position));
            }
            if block.n_checked > 0 && recorded_at < self.last_recorded_at {
                let problem = Problem::ClockBackwards {
                    previous_ms: self.last_recorded_at.unix_ms(),
                    found_ms: recorded_at.unix_ms(),
                };
                return Err(at_first(problem, position));
            }
        }
        // One look-up a stream: checked and moved on at once. After a problem the checker is
        // left part-way through the block; a check stops at its first problem.
        let first_position = block.first.map_or(0, |(first, _)| first);
        for span in &block.streams {
            let id = &frames[span.id.clone()];
            let known = self.versions.get_hashed_mut(span.hash, id);
            let stream_id = || std::str::from_utf8(id).expect("checked to be a stream id");
            let before = match &known {
                Some(version) => Some(**version),
                None => version_before(stream_id()).map_err(|error| (span.index, span.offset, error.to_string()))?,
            };
            let expected = before.map_or(span.first_version.max(1), |version| version + 1);
            if span.first_version != expected {
                let problem =
                    Problem::VersionBreak { stream_id: stream_id().to_owned(), expected, found: span.first_version };
                let position = first_position + span.index;
                return Err((span.index, span.offset, format!("position {position}: {problem}")));
            }
            match known {
                Some(version) => *version = span.last_version,
                None => self.versions.insert_new_hashed(span.hash, id, span.last_version),
            }
        }
        if let Some((position, hash, recorded_at)) = block.last {
            self.next_position = position + 1;
            self.prev_hash = hash;
            self.last_recorded_at = recorded_at;
        }
        Ok(())
    }

    fn check_fields(
        &mut self,
        record: &Checked<'_>,
        version_before: impl FnOnce(&StreamId) -> Result<Option<u64>, StoreError>,
    ) -> Result<(), Problem> {
        if record.position != self.next_position {
            return Err(Problem::Gap { expected: self.next_position, found: record.position });
        }
        if record.prev_hash != self.prev_hash {
            return Err(Problem::ChainBreak { expected: self.prev_hash.to_hex(), found: record.prev_hash.to_hex() });
        }
        if record.recomputed != record.hash {
            return Err(Problem::HashMismatch { stored: record.hash.to_hex(), recomputed: record.recomputed.to_hex() });
        }
        if record.recorded_at < self.last_recorded_at {
            return Err(Problem::ClockBackwards {
                previous_ms: self.last_recorded_at.unix_ms(),
                found_ms: record.recorded_at.unix_ms(),
            });
        }
        // One look-up for a stream seen before, the common case.
        let id = record.stream_id.as_str().as_bytes();
        let hash = self.versions.hash(id);
        let known = self.versions.get_hashed_mut(hash, id);
        let before = match &known {
            Some(version) => Some(**version),
            None => version_before(record.stream_id).map_err(|error| Problem::Index(error.to_string()))?,
        };
        let expected = before.map_or(record.stream_version.max(1), |version| version + 1);
        if record.stream_version != expected {
            return Err(Problem::VersionBreak {
                stream_id: record.stream_id.to_string(),
                expected,
                found: record.stream_version,
            });
        }
        match known {
            Some(version) => *version = record.stream_version,
            None => self.versions.insert_new_hashed(hash, id, record.stream_version),
        }
        self.next_position += 1;
        self.prev_hash = record.hash;
        self.last_recorded_at = record.recorded_at;
        Ok(())
    }
}

/// What the chain rules look at in one record.
struct Checked<'a> {
    position: u64,
    stream_id: &'a StreamId,
    stream_version: u64,
    recorded_at: Timestamp,
    prev_hash: Hash,
    hash: Hash,
    recomputed: Hash,
}

impl Store {
    /// Recomputes the whole chain from position 1 up to the head, with every stream's
    /// versions and the stream and command indexes. Returns [`StoreError::Corruption`] naming
    /// the first bad position and what is wrong there.
    pub fn verify(&self) -> Result<Verified, StoreError> {
        verify_log(self.log(), &|_, _| {})
    }

    /// [`Store::verify`], calling `report(records checked, records in all)` every 1,000
    /// records and once at the end.
    pub fn verify_reporting(&self, report: &(dyn Fn(u64, u64) + Sync)) -> Result<Verified, StoreError> {
        verify_log(self.log(), report)
    }
}

/// Records between two progress reports of a verify.
const VERIFY_REPORT_EVERY: u64 = 1_000;

fn verify_log(log: &LogTree, report: &(dyn Fn(u64, u64) + Sync)) -> Result<Verified, StoreError> {
    let head = log.head();
    // The index entries up to the head may still be on their way to the tree.
    log.pending.wait_through(head.position)?;
    let mut checker = ChainChecker::from_genesis();
    // The act (one command id's records) and its part (those in one stream) being read.
    let mut act: Option<(uuid::Uuid, AppendSpan)> = None;
    let mut part: Option<(RecordedEvent, u32)> = None;
    let mut n_appends = 0u64;
    let mut decoder = Decoder::default();
    'chunks: for entry in log.tree.range(chunk_key_range()) {
        let (key, value) = entry.map_err(|e| StoreError::sled("reading the log", e))?;
        let at = checker.next_position;
        let raw_records = split_chunk(&value).map_err(|f| StoreError::corrupt(at, Problem::Undecodable(f.0)))?;
        let key_position = chunk_key_position(&key).unwrap_or(0);
        if key_position != at {
            return Err(StoreError::corrupt(at, Problem::Gap { expected: at, found: key_position }));
        }
        for raw in raw_records {
            let at = checker.next_position;
            if at > head.position {
                break 'chunks;
            }
            let record = decoder
                .decode(raw.canonical, raw.prev_hash, raw.hash)
                .map_err(|f| StoreError::corrupt(at, Problem::Undecodable(f.0)))?;
            checker
                .check(&record, raw.canonical, |_| Ok(Some(0)))
                .map_err(|problem| StoreError::corrupt(at, problem))?;
            if at.is_multiple_of(VERIFY_REPORT_EVERY) {
                report(at, head.position);
            }
            // Consecutive records of one command form one act; those of one stream in it, a part.
            match (&mut part, &mut act) {
                (Some((first, n_events)), Some((_, span)))
                    if first.command_id == record.command_id && first.stream_id == record.stream_id =>
                {
                    *n_events += 1;
                    span.n_events += 1;
                }
                _ => {
                    let same_act = act.as_ref().is_some_and(|(command_id, _)| *command_id == record.command_id);
                    if let Some((first, n_events)) = part.take() {
                        check_stream_entry(log, &first, n_events)?;
                        if !same_act {
                            let (command_id, span) = act.take().expect("a part is in an act");
                            check_command_entry(log, command_id, &span, &first.stream_id)?;
                            n_appends += 1;
                        }
                    }
                    match &mut act {
                        Some((_, span)) => span.n_events += 1,
                        None => {
                            act = Some((record.command_id, AppendSpan { first_position: record.position, n_events: 1 }))
                        }
                    }
                    part = Some((record, 1));
                }
            }
        }
    }
    if let Some((first, n_events)) = part.take() {
        check_stream_entry(log, &first, n_events)?;
        let (command_id, span) = act.take().expect("a part is in an act");
        check_command_entry(log, command_id, &span, &first.stream_id)?;
        n_appends += 1;
    }
    let (last_checked, last_hash) = checker.head();
    if last_checked != head.position {
        let at = last_checked + 1;
        return Err(StoreError::corrupt(at, Problem::Gap { expected: at, found: 0 }));
    }
    if last_hash != head.hash {
        return Err(StoreError::corrupt(
            head.position,
            Problem::ChainBreak { expected: head.hash.to_hex(), found: last_hash.to_hex() },
        ));
    }
    report(head.position, head.position);
    Ok(Verified {
        n_events: head.position,
        n_streams: u64::try_from(checker.n_streams()).unwrap_or(u64::MAX),
        n_appends,
        head_position: head.position,
        head_hash: head.hash,
    })
}

/// Checks that the stream entry of one stream's part of an act names it exactly.
fn check_stream_entry(log: &LogTree, first: &RecordedEvent, n_events: u32) -> Result<(), StoreError> {
    let at = first.position;
    let expected = AppendSpan { first_position: first.position, n_events };
    let bad = |text: String| Err(StoreError::corrupt(at, Problem::Index(text)));
    let stream_entry = log
        .tree
        .get(stream_key(&first.stream_id, first.stream_version))
        .map_err(|e| StoreError::sled("reading a stream index", e))?;
    match stream_entry.map(|bytes| AppendSpan::decode(&bytes)) {
        Some(Ok(span)) if span == expected => {}
        Some(Ok(span)) => {
            return bad(format!(
                "stream entry of {} v{} spans {}+{}, the records span {}+{}",
                first.stream_id, first.stream_version, span.first_position, span.n_events, at, n_events
            ))
        }
        Some(Err(failure)) => return bad(failure.0),
        None => return bad(format!("no stream entry for {} v{}", first.stream_id, first.stream_version)),
    }
    Ok(())
}

/// Checks that the command entry of one act names its whole span and its last stream.
fn check_command_entry(
    log: &LogTree,
    command_id: uuid::Uuid,
    expected: &AppendSpan,
    last_stream: &StreamId,
) -> Result<(), StoreError> {
    let bad = |text: String| Err(StoreError::corrupt(expected.first_position, Problem::Index(text)));
    let command_entry =
        log.tree.get(command_key(command_id)).map_err(|e| StoreError::sled("reading the command index", e))?;
    match command_entry.map(|bytes| decode_command_entry(&bytes)) {
        Some(Ok((span, stream))) if span == *expected && stream == *last_stream => Ok(()),
        Some(Ok(_)) => bad(format!("command entry of {command_id} does not match its records")),
        Some(Err(failure)) => bad(failure.0),
        None => bad(format!("no command entry for {command_id}")),
    }
}
