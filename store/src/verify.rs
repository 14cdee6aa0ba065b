//! Verification: recompute the chain, the positions, the stream versions and the indexes
//! from the first record, and name the first position where anything is wrong.

use std::collections::HashMap;

use crate::canonical::{chain_hash, Decoder};
use crate::error::{Problem, StoreError};
use crate::layout::{
    chunk_key_position, chunk_key_range, command_key, decode_command_entry, split_chunk, stream_key, AppendSpan,
};
use crate::log_tree::LogTree;
use crate::record::{Hash, RecordedEvent, StreamId, Timestamp};
use crate::store::Store;

/// What a successful verification saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Records checked.
    pub n_events: u64,
    /// Distinct streams.
    pub n_streams: u64,
    /// Appends (one stream and command entry each).
    pub n_appends: u64,
    /// The last position checked.
    pub head_position: u64,
    /// The hash at that position.
    pub head_hash: Hash,
}

/// Checks records one after another: the rules an exported log and a stored log share.
pub(crate) struct ChainChecker {
    pub next_position: u64,
    pub prev_hash: Hash,
    pub last_recorded_at: Timestamp,
    pub versions: HashMap<StreamId, u64>,
}

impl ChainChecker {
    /// A checker that expects the record after `position` with hash `hash`.
    pub(crate) fn after(position: u64, hash: Hash, recorded_at: Timestamp) -> ChainChecker {
        ChainChecker {
            next_position: position + 1,
            prev_hash: hash,
            last_recorded_at: recorded_at,
            versions: HashMap::new(),
        }
    }

    /// Checks one record, given its canonical bytes, against everything before it. `version_before`
    /// tells a stream's version before the first record this checker sees of it.
    pub(crate) fn check(
        &mut self,
        record: &RecordedEvent,
        canonical: &[u8],
        version_before: impl FnOnce(&StreamId) -> Result<u64, StoreError>,
    ) -> Result<(), Problem> {
        if record.position != self.next_position {
            return Err(Problem::Gap { expected: self.next_position, found: record.position });
        }
        if record.prev_hash != self.prev_hash {
            return Err(Problem::ChainBreak { expected: self.prev_hash.to_hex(), found: record.prev_hash.to_hex() });
        }
        let recomputed = chain_hash(&record.prev_hash, canonical);
        if recomputed != record.hash {
            return Err(Problem::HashMismatch { stored: record.hash.to_hex(), recomputed: recomputed.to_hex() });
        }
        if record.recorded_at < self.last_recorded_at {
            return Err(Problem::ClockBackwards {
                previous_ms: self.last_recorded_at.unix_ms(),
                found_ms: record.recorded_at.unix_ms(),
            });
        }
        let before = match self.versions.get(&record.stream_id) {
            Some(version) => *version,
            None => version_before(&record.stream_id).map_err(|error| Problem::Index(error.to_string()))?,
        };
        if record.stream_version != before + 1 {
            return Err(Problem::VersionBreak {
                stream_id: record.stream_id.to_string(),
                expected: before + 1,
                found: record.stream_version,
            });
        }
        self.versions.insert(record.stream_id.clone(), record.stream_version);
        self.next_position += 1;
        self.prev_hash = record.hash;
        self.last_recorded_at = record.recorded_at;
        Ok(())
    }
}

impl Store {
    /// Recomputes the whole chain from position 1 up to the head, with every stream's
    /// versions and the stream and command indexes. Returns [`StoreError::Corruption`] naming
    /// the first bad position and what is wrong there.
    pub fn verify(&self) -> Result<Verified, StoreError> {
        verify_log(self.log())
    }
}

fn verify_log(log: &LogTree) -> Result<Verified, StoreError> {
    let head = log.head();
    let mut checker = ChainChecker::after(0, Hash::GENESIS, Timestamp::from_unix_ms(i64::MIN));
    let mut append: Option<(RecordedEvent, u32)> = None;
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
            checker.check(&record, raw.canonical, |_| Ok(0)).map_err(|problem| StoreError::corrupt(at, problem))?;
            // Consecutive records of one command form one append.
            match &mut append {
                Some((first, n_events)) if first.command_id == record.command_id => *n_events += 1,
                _ => {
                    if let Some((first, n_events)) = append.take() {
                        check_append_index(log, &first, n_events)?;
                        n_appends += 1;
                    }
                    append = Some((record, 1));
                }
            }
        }
    }
    if let Some((first, n_events)) = append.take() {
        check_append_index(log, &first, n_events)?;
        n_appends += 1;
    }
    if checker.next_position != head.position + 1 {
        let at = checker.next_position;
        return Err(StoreError::corrupt(at, Problem::Gap { expected: at, found: 0 }));
    }
    if checker.prev_hash != head.hash {
        return Err(StoreError::corrupt(
            head.position,
            Problem::ChainBreak { expected: head.hash.to_hex(), found: checker.prev_hash.to_hex() },
        ));
    }
    Ok(Verified {
        n_events: head.position,
        n_streams: u64::try_from(checker.versions.len()).unwrap_or(u64::MAX),
        n_appends,
        head_position: head.position,
        head_hash: head.hash,
    })
}

/// Checks that the stream and command entries of one append name it exactly.
fn check_append_index(log: &LogTree, first: &RecordedEvent, n_events: u32) -> Result<(), StoreError> {
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
    let command_entry =
        log.tree.get(command_key(first.command_id)).map_err(|e| StoreError::sled("reading the command index", e))?;
    match command_entry.map(|bytes| decode_command_entry(&bytes)) {
        Some(Ok((span, stream))) if span == expected && stream == first.stream_id => Ok(()),
        Some(Ok(_)) => bad(format!("command entry of {} does not match its records", first.command_id)),
        Some(Err(failure)) => bad(failure.0),
        None => bad(format!("no command entry for {}", first.command_id)),
    }
}
