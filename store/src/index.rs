//! The stream and command indexes: their entries for a group of records, and putting back
//! the entries a crash cut off.
//!
//! The records are the truth; the two indexes are derived from them. An act (the records of
//! one command id: one append, or a multi-stream append) has a stream entry for each stream
//! it wrote to and one command entry, which spans the whole act and comes last. A group
//! writes its chunks first; its index entries follow later, in log order (for each act, its
//! streams' entries, then its command entry; see `pending_index`). sled recovers a prefix of
//! its log after a crash (it stops at the first torn write), so after a crash the tree holds
//! every chunk up to some point and the index entries up to some earlier point, never an
//! entry without its records. If the command entry of an act is there, every entry before it
//! is too; opening the store therefore walks back from the head, act by act, until it meets
//! one whose command entry is in place, and writes the entries of those after it again, all
//! the streams of each act included.

use uuid::Uuid;

use crate::error::{Problem, StoreError};
use crate::layout::{
    chunk_key_position, chunk_key_range, command_key, decode_chunk, encode_command_entry, stream_key, AppendSpan,
};
use crate::log_tree::LogTree;
use crate::record::{RecordedEvent, StreamId};

/// One index entry: a key and its value.
pub(crate) type Entry = (Vec<u8>, Vec<u8>);

/// One stream's part of an act, as the indexes know it: a one-stream append is an act of
/// one part.
#[derive(Clone, Debug)]
pub(crate) struct IndexedAppend {
    pub command_id: Uuid,
    pub stream_id: StreamId,
    pub first_version: u64,
    /// This stream's records.
    pub span: AppendSpan,
    /// The records of the whole act, on its last part only, which carries its command entry.
    pub act: Option<AppendSpan>,
}

impl IndexedAppend {
    /// Its entries, in the order they are written: the stream entry, then, on an act's last
    /// part, the command entry (the act's span and this part's stream).
    pub(crate) fn entries(&self) -> impl Iterator<Item = Entry> + '_ {
        let stream_entry = (stream_key(&self.stream_id, self.first_version), self.span.encode().to_vec());
        let command_entry = self
            .act
            .as_ref()
            .map(|act| (command_key(self.command_id).to_vec(), encode_command_entry(act, &self.stream_id)));
        std::iter::once(stream_entry).chain(command_entry)
    }
}

/// The parts of the acts of records in log order: an act is a run of consecutive records
/// with one command id, and its parts the runs within it with one stream.
pub(crate) fn appends_of<'a>(records: impl IntoIterator<Item = &'a RecordedEvent>) -> Vec<IndexedAppend> {
    let mut appends: Vec<IndexedAppend> = Vec::new();
    for record in records {
        match appends.last_mut() {
            Some(append) if append.command_id == record.command_id && append.stream_id == record.stream_id => {
                append.span.n_events += 1;
                if let Some(act) = &mut append.act {
                    act.n_events += 1;
                }
            }
            last => {
                // The act goes on in another stream: its command entry moves to the new part.
                let act = match last {
                    Some(last) if last.command_id == record.command_id => {
                        let act = last.act.take().expect("an act's last part carries its span");
                        AppendSpan { first_position: act.first_position, n_events: act.n_events + 1 }
                    }
                    _ => AppendSpan { first_position: record.position, n_events: 1 },
                };
                appends.push(IndexedAppend {
                    command_id: record.command_id,
                    stream_id: record.stream_id.clone(),
                    first_version: record.stream_version,
                    span: AppendSpan { first_position: record.position, n_events: 1 },
                    act: Some(act),
                });
            }
        }
    }
    appends
}

/// Writes again the index entries of the acts at the end of the log whose entries a crash
/// cut off, and returns how many acts that was (0 after a clean stop). Runs when the store
/// opens, before anything reads an index.
pub(crate) fn restore_tail(log: &LogTree) -> Result<usize, StoreError> {
    let mut walk = NewestFirst { chunks: log.tree.range(chunk_key_range()), buffered: Vec::new() };
    // The records of the acts whose entries are missing, newest first. An act's command entry
    // names its span and its last stream, so the act's newest record is what it must match;
    // its other records, in every stream it wrote to, are those with its command id before it.
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
    Ok(appends.iter().filter(|append| append.act.is_some()).count())
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
