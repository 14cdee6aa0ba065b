//! Reading the log: the sled tree, the head the writer has published, and the reads that
//! every part of the store shares.
//!
//! Reads never go past the published head, so a reader sees whole group commits only, and
//! in the default durability mode only what is already on disk.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, RwLock};

use crate::canonical::Decoder;
use crate::error::{Problem, StoreError};
use crate::layout::{
    chunk_key, chunk_key_position, decode_chunk, decode_command_entry, split_chunk, stream_key, stream_key_version,
    stream_prefix, AppendSpan,
};
use crate::pending_index::PendingIndex;
use crate::record::{Head, RecordedEvent, StreamId};
use uuid::Uuid;

/// The log's sled tree and its published head.
pub(crate) struct LogTree {
    pub db: sled::Db,
    pub tree: sled::Tree,
    /// Index entries of committed appends not yet in the tree; every index read looks here too.
    pub pending: Arc<PendingIndex>,
    head: RwLock<Head>,
    n_group_commits: AtomicU64,
    n_syncs: AtomicU64,
}

/// Counters of the writer's work since the store was opened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterMetrics {
    /// Groups committed: writes of a group's chunks to sled.
    pub n_group_commits: u64,
    /// Durable syncs (sled flush, then fsync) performed.
    pub n_syncs: u64,
}

impl LogTree {
    /// Opens the log tree of `db` and finds its head from the last chunk.
    pub(crate) fn open(db: sled::Db) -> Result<LogTree, StoreError> {
        let tree = db.open_tree("log").map_err(|e| StoreError::sled("opening the log tree", e))?;
        let head = find_head(&tree)?;
        Ok(LogTree {
            db,
            tree,
            pending: Arc::new(PendingIndex::default()),
            head: RwLock::new(head),
            n_group_commits: AtomicU64::new(0),
            n_syncs: AtomicU64::new(0),
        })
    }

    /// The head readers may see.
    pub(crate) fn head(&self) -> Head {
        *self.head.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Lets readers see up to `head`. Only the writer calls this.
    pub(crate) fn publish(&self, head: Head) {
        *self.head.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = head;
    }

    /// Counts a group commit. Only the writer calls this.
    pub(crate) fn count_commit(&self) {
        self.n_group_commits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a durable sync. Only the writer calls this.
    pub(crate) fn count_sync(&self) {
        self.n_syncs.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn metrics(&self) -> WriterMetrics {
        WriterMetrics {
            n_group_commits: self.n_group_commits.load(Ordering::Relaxed),
            n_syncs: self.n_syncs.load(Ordering::Relaxed),
        }
    }

    /// The records at positions `from..=to`, which must lie within the head. Only the
    /// records asked for are decoded, not the whole chunks that hold them.
    pub(crate) fn read_positions(&self, from: u64, to: u64) -> Result<Vec<RecordedEvent>, StoreError> {
        let capacity = usize::try_from(to.saturating_sub(from).saturating_add(1)).unwrap_or(0).min(4096);
        let mut out = Vec::with_capacity(capacity);
        let mut decoder = Decoder::default();
        let mut next = from;
        while next <= to {
            let (first, value) = self.raw_chunk_holding(next)?;
            let raw_records = split_chunk(&value).map_err(|f| StoreError::corrupt(first, Problem::Undecodable(f.0)))?;
            let mut advanced = false;
            for raw in raw_records {
                let position = raw.position().unwrap_or(0);
                if position < next || position > to {
                    continue;
                }
                if position != next {
                    return Err(StoreError::corrupt(next, Problem::Gap { expected: next, found: position }));
                }
                let record = decoder
                    .decode(raw.canonical, raw.prev_hash, raw.hash)
                    .map_err(|f| StoreError::corrupt(next, Problem::Undecodable(f.0)))?;
                out.push(record);
                next += 1;
                advanced = true;
            }
            if !advanced {
                return Err(StoreError::corrupt(
                    next,
                    Problem::Undecodable("position missing from the log".to_owned()),
                ));
            }
        }
        Ok(out)
    }

    /// The first position and the raw value of the chunk that holds `position`.
    fn raw_chunk_holding(&self, position: u64) -> Result<(u64, sled::IVec), StoreError> {
        let found = self
            .tree
            .range(chunk_key(0)..=chunk_key(position))
            .next_back()
            .transpose()
            .map_err(|e| StoreError::sled("reading the log", e))?;
        let Some((key, value)) = found else {
            return Err(StoreError::corrupt(position, Problem::Undecodable("no chunk holds this position".to_owned())));
        };
        Ok((chunk_key_position(&key).unwrap_or(position), value))
    }

    /// The appends of a stream, oldest first, as (first version, span), within the head.
    pub(crate) fn stream_appends(
        &self,
        stream_id: &StreamId,
        from_version: u64,
    ) -> Result<Vec<(u64, AppendSpan)>, StoreError> {
        let head = self.head();
        // The queue first, the tree after: an entry leaves the queue only once it is in the
        // tree, so whatever moves between the two reads is seen in the tree (and maybe in
        // both), never in neither.
        let queued = self.pending.stream_appends(stream_id, head.position);
        let prefix = stream_prefix(stream_id);
        // Start at the append that holds `from_version`: the last one that starts at or before it.
        let start_key = self
            .tree
            .range(prefix.clone()..=stream_key(stream_id, from_version.max(1)))
            .next_back()
            .transpose()
            .map_err(|e| StoreError::sled("reading a stream index", e))?
            .map(|(key, _)| key.to_vec())
            .unwrap_or_else(|| prefix.clone());
        let mut out = Vec::new();
        for entry in self.tree.range(start_key..) {
            let (key, value) = entry.map_err(|e| StoreError::sled("reading a stream index", e))?;
            if !key.starts_with(&prefix) {
                break;
            }
            let span = AppendSpan::decode(&value).map_err(|f| StoreError::corrupt(0, Problem::Index(f.0)))?;
            if span.last_position() > head.position {
                break;
            }
            let first_version = stream_key_version(&key).unwrap_or(0);
            out.push((first_version, span));
        }
        // The newest appends may still be queued; the queue holds the newest entries, so it
        // continues what the tree holds, overlapping it at most.
        for (first_version, span) in queued {
            let already = out.last().is_some_and(|(last, _)| *last >= first_version);
            let before_wanted = first_version + u64::from(span.n_events) <= from_version;
            if !already && !before_wanted {
                out.push((first_version, span));
            }
        }
        Ok(out)
    }

    /// The ids of the streams whose ids start with `prefix`, in order, within the head. Reads
    /// the stream index only (a key per append), never the records.
    pub(crate) fn stream_ids(&self, prefix: &str) -> Result<Vec<StreamId>, StoreError> {
        let head = self.head();
        // The queue before the tree, as in `stream_appends`.
        let queued = self.pending.stream_ids(prefix, head.position);
        let mut key_prefix = vec![crate::layout::STREAM_PREFIX];
        key_prefix.extend_from_slice(prefix.as_bytes());
        let mut out: Vec<StreamId> = Vec::new();
        for entry in self.tree.scan_prefix(&key_prefix) {
            let (key, value) = entry.map_err(|e| StoreError::sled("reading a stream index", e))?;
            let span = AppendSpan::decode(&value).map_err(|f| StoreError::corrupt(0, Problem::Index(f.0)))?;
            if span.last_position() > head.position {
                continue;
            }
            let Some(end) = key.iter().position(|byte| *byte == 0) else { continue };
            let id =
                std::str::from_utf8(&key[1..end]).map_err(|e| StoreError::corrupt(0, Problem::Index(e.to_string())))?;
            if out.last().is_none_or(|last| last.as_str() != id) {
                out.push(StreamId::new(id)?);
            }
        }
        out.extend(queued);
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }

    /// The stream's version within the head: 0 when it has no events.
    pub(crate) fn stream_version(&self, stream_id: &StreamId) -> Result<u64, StoreError> {
        let head = self.head();
        if let Some(version) = self.pending.stream_version(stream_id, head.position) {
            return Ok(version);
        }
        let prefix = stream_prefix(stream_id);
        for entry in self.tree.scan_prefix(&prefix).rev() {
            let (key, value) = entry.map_err(|e| StoreError::sled("reading a stream index", e))?;
            let span = AppendSpan::decode(&value).map_err(|f| StoreError::corrupt(0, Problem::Index(f.0)))?;
            if span.last_position() <= head.position {
                return Ok(stream_key_version(&key).unwrap_or(0) + u64::from(span.n_events) - 1);
            }
        }
        Ok(0)
    }

    /// The greatest command id in the command index, if any. Only the writer asks, when it
    /// starts, once the index is whole (see `index::restore_tail`).
    pub(crate) fn newest_command_id(&self) -> Result<Option<Uuid>, StoreError> {
        let last = self
            .tree
            .range(crate::layout::command_key(Uuid::nil())..=crate::layout::command_key(Uuid::max()))
            .next_back()
            .transpose()
            .map_err(|e| StoreError::sled("reading the command index", e))?;
        Ok(last.and_then(|(key, _)| Uuid::from_slice(&key[1..]).ok()))
    }

    /// What a command id wrote, if it was seen.
    pub(crate) fn command(&self, command_id: Uuid) -> Result<Option<(AppendSpan, StreamId)>, StoreError> {
        if let Some(found) = self.pending.command(command_id) {
            return Ok(Some(found));
        }
        let value = self
            .tree
            .get(crate::layout::command_key(command_id))
            .map_err(|e| StoreError::sled("reading the command index", e))?;
        value
            .map(|bytes| decode_command_entry(&bytes).map_err(|f| StoreError::corrupt(0, Problem::Index(f.0))))
            .transpose()
    }
}

fn find_head(tree: &sled::Tree) -> Result<Head, StoreError> {
    let last = tree
        .range(crate::layout::chunk_key_range())
        .next_back()
        .transpose()
        .map_err(|e| StoreError::sled("finding the log's head", e))?;
    let Some((key, value)) = last else {
        return Ok(Head::default());
    };
    let first = chunk_key_position(&key).unwrap_or(0);
    let records =
        decode_chunk(&value).map_err(|failure| StoreError::corrupt(first, Problem::Undecodable(failure.0)))?;
    let last = records.last().expect("a decoded chunk holds at least one record");
    Ok(Head { position: last.position, hash: last.hash, recorded_at: last.recorded_at })
}

/// Every record from a position up to a last position (at most the head when the iterator
/// was made), decoded a chunk at a time while walking the chunks forward.
///
/// A long walk reads ahead: after a few chunks, a thread reads and decodes the chunks that
/// follow while the caller works on the records it has, so reading the log and using it share
/// the cores. The thread keeps a few chunks ready, and the iterator ends it when dropped.
pub struct LogIter {
    log: Arc<LogTree>,
    chunks: Option<sled::Iter>,
    ahead: Option<ReadAhead>,
    chunks_read: usize,
    next: u64,
    last: u64,
    buffered: VecDeque<RecordedEvent>,
    failed: bool,
}

/// Chunks an iterator decodes itself before it starts reading ahead: a short read never does.
const READ_AHEAD_AFTER_CHUNKS: usize = 4;
/// Decoded chunks the read-ahead thread keeps ready.
const CHUNKS_AHEAD: usize = 4;

impl LogIter {
    pub(crate) fn new(log: Arc<LogTree>, from: u64, last: u64) -> LogIter {
        LogIter {
            log,
            chunks: None,
            ahead: None,
            chunks_read: 0,
            next: from.max(1),
            last,
            buffered: VecDeque::new(),
            failed: false,
        }
    }

    /// Decodes the next chunk into the buffer.
    fn refill(&mut self) -> Result<(), StoreError> {
        if let Some(ahead) = &self.ahead {
            let records = ahead
                .chunks
                .as_ref()
                .map_or(Err(missing(self.next)), |chunks| chunks.recv().unwrap_or_else(|_| Err(missing(self.next))))?;
            self.buffered.extend(records);
            return Ok(());
        }
        if self.chunks.is_none() {
            // Start at the chunk that holds `next`: the last one whose first position is at or before it.
            let start = self
                .log
                .tree
                .range(chunk_key(0)..=chunk_key(self.next))
                .next_back()
                .transpose()
                .map_err(|e| StoreError::sled("reading the log", e))?
                .map_or(chunk_key(self.next), |(key, _)| {
                    let mut start = [0u8; 9];
                    start.copy_from_slice(&key);
                    start
                });
            self.chunks = Some(self.log.tree.range(start..=chunk_key(u64::MAX)));
        }
        let chunks = self.chunks.as_mut().expect("set above");
        let Some(entry) = chunks.next() else {
            return Err(missing(self.next));
        };
        let (key, value) = entry.map_err(|e| StoreError::sled("reading the log", e))?;
        let records = decode_chunk_at(&key, &value)?;
        let (next, last) = (self.next, self.last);
        let fetched_through = records.last().map_or(0, |record| record.position);
        self.buffered.extend(records.into_iter().filter(|r| r.position >= next && r.position <= last));
        self.chunks_read += 1;
        if self.chunks_read == READ_AHEAD_AFTER_CHUNKS && fetched_through < self.last {
            self.ahead = Some(read_ahead(Arc::clone(&self.log), fetched_through + 1, self.last)?);
            self.chunks = None;
        }
        Ok(())
    }
}

fn missing(position: u64) -> StoreError {
    StoreError::corrupt(position, Problem::Undecodable("position missing from the log".to_owned()))
}

fn decode_chunk_at(key: &[u8], value: &[u8]) -> Result<Vec<RecordedEvent>, StoreError> {
    let first = chunk_key_position(key).unwrap_or(0);
    decode_chunk(value).map_err(|failure| StoreError::corrupt(first, Problem::Undecodable(failure.0)))
}

/// The thread that reads ahead for an iterator, and the chunks it has decoded.
struct ReadAhead {
    chunks: Option<Receiver<Result<Vec<RecordedEvent>, StoreError>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // Hanging up ends the thread at its next hand-over; waiting for it means no thread
        // still holds the log (and sled's files) once the iterator is gone.
        drop(self.chunks.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a thread that decodes the chunks from the one that starts at `from` on, up to the
/// record at `last`, and hands them over in order.
fn read_ahead(log: Arc<LogTree>, from: u64, last: u64) -> Result<ReadAhead, StoreError> {
    let (sender, receiver) = sync_channel(CHUNKS_AHEAD);
    let thread = std::thread::Builder::new()
        .name("parapompi-read-ahead".to_owned())
        .spawn(move || {
            for entry in log.tree.range(chunk_key(from)..=chunk_key(last)) {
                let decoded = entry
                    .map_err(|e| StoreError::sled("reading the log", e))
                    .and_then(|(key, value)| decode_chunk_at(&key, &value))
                    .map(|mut records| {
                        records.retain(|record| record.position <= last);
                        records
                    });
                let failed = decoded.is_err();
                // The iterator was dropped, or has what it needs: stop.
                if sender.send(decoded).is_err() || failed {
                    return;
                }
            }
        })
        .map_err(|e| StoreError::io("starting a read-ahead thread", e))?;
    Ok(ReadAhead { chunks: Some(receiver), thread: Some(thread) })
}

impl Iterator for LogIter {
    type Item = Result<RecordedEvent, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next > self.last {
            return None;
        }
        if self.buffered.is_empty() {
            if let Err(error) = self.refill() {
                self.failed = true;
                return Some(Err(error));
            }
        }
        match self.buffered.pop_front() {
            Some(record) if record.position == self.next => {
                self.next += 1;
                Some(Ok(record))
            }
            other => {
                self.failed = true;
                let found = other.map_or(0, |record| record.position);
                Some(Err(StoreError::corrupt(self.next, Problem::Gap { expected: self.next, found })))
            }
        }
    }
}
