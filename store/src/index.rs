//! The stream and command indexes: their entries for a group of records, and putting back
//! the entries a crash cut off.
//!
//! The records are the truth; the two indexes are derived from them. A group writes its
//! chunks first; its index entries follow later, in the order of the appends (for each
//! append, the stream entry, then the command entry; see `pending_index`). sled recovers a
//! prefix of its log after a crash (it stops at the first torn write), so after a crash the
//! tree holds every chunk up to some point and the index entries up to some earlier point,
//! never an entry without its records. If the command entry of an append is there, every
//! entry before it is too; opening the store therefore walks back from the head, append by
//! append, until it meets one whose command entry is in place, and writes the entries of
//! those after it again.

use uuid::Uuid;

use crate::error::{Problem, StoreError};
use crate::layout::{
    chunk_key_position, chunk_key_range, command_key, decode_chunk, encode_command_entry, stream_key, AppendSpan,
};
use crate::log_tree::LogTree;
use crate::record::{RecordedEvent, StreamId};

/// One index entry: a key and its value.
pub(crate) type Entry = (Vec<u8>, Vec<u8>);

/// One append as the indexes know it.
#[derive(Clone, Debug)]
pub(crate) struct IndexedAppend {
    pub command_id: Uuid,
    pub stream_id: StreamId,
    pub first_version: u64,
    pub span: AppendSpan,
}

impl IndexedAppend {
    /// Its two entries, in the order they are written: the stream entry, then the command entry.
    pub(crate) fn entries(&self) -> [Entry; 2] {
        [
            (stream_key(&self.stream_id, self.first_version), self.span.encode().to_vec()),
            (command_key(self.command_id).to_vec(), encode_command_entry(&self.span, &self.stream_id)),
        ]
    }
}

/// The appends of records in log order: runs of consecutive records with one command id.
pub(crate) fn appends_of<'a>(records: impl IntoIterator<Item = &'a RecordedEvent>) -> Vec<IndexedAppend> {
    let mut appends: Vec<IndexedAppend> = Vec::new();
    for record in records {
        match appends.last_mut() {
            Some(append) if append.command_id == record.command_id => append.span.n_events += 1,
            _ => appends.push(IndexedAppend {
                command_id: record.command_id,
                stream_id: record.stream_id.clone(),
                first_version: record.stream_version,
                span: AppendSpan { first_position: record.position, n_events: 1 },
            }),
        }
    }
    appends
}

/// Writes again the index entries of the appends at the end of the log whose entries a crash
/// cut off, and returns how many appends that was (0 after a clean stop). Runs when the store
/// opens, before anything reads an index.
pub(crate) fn restore_tail(log: &LogTree) -> Result<usize, StoreError> {
    let mut walk = NewestFirst { chunks: log.tree.range(chunk_key_range()), buffered: Vec::new() };
    // The records of the appends whose entries are missing, newest first.
    let mut missing: Vec<RecordedEvent> = Vec::new();
    while let Some(last) = walk.pop()? {
        let in_place = log
            .command(last.command_id)?
            .is_some_and(|(span, stream_id)| span.last_position() == last.position && stream_id == last.stream_id);
        if in_place {
            break;
        }
        let command_id = last.command_id;
        missing.push(last);
        while walk.peek()?.is_some_and(|record| record.command_id == command_id) {
            missing.extend(walk.pop()?);
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    missing.reverse();
    let appends = appends_of(&missing);
    for (key, value) in appends.iter().flat_map(IndexedAppend::entries) {
        log.tree.insert(key, value).map_err(|e| StoreError::sled("restoring the index", e))?;
    }
    Ok(appends.len())
}

/// The log's records from the newest back, a chunk at a time.
struct NewestFirst {
    chunks: sled::Iter,
    /// The records of the chunk being walked, oldest first: the newest is popped first.
    buffered: Vec<RecordedEvent>,
}

impl NewestFirst {
    fn peek(&mut self) -> Result<Option<&RecordedEvent>, StoreError> {
        if self.buffered.is_empty() {
            let Some(chunk) = self.chunks.next_back() else { return Ok(None) };
            let (key, value) = chunk.map_err(|e| StoreError::sled("reading the log's end", e))?;
            let first = chunk_key_position(&key).unwrap_or(0);
            self.buffered =
                decode_chunk(&value).map_err(|failure| StoreError::corrupt(first, Problem::Undecodable(failure.0)))?;
        }
        Ok(self.buffered.last())
    }

    fn pop(&mut self) -> Result<Option<RecordedEvent>, StoreError> {
        self.peek()?;
        Ok(self.buffered.pop())
    }
}
