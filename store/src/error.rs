//! The store's one error type.

use std::path::PathBuf;

use uuid::Uuid;

use crate::record::{ExpectedVersion, StreamId};

/// Everything that can go wrong in the store. Nothing is written when an append fails,
/// except where a variant says otherwise.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the store's directory open.
    #[error("the store at {path} is in use by another process")]
    InUse {
        /// The data directory.
        path: PathBuf,
    },
    /// The operating system or sled failed to read or write.
    #[error("input/output error while {context}: {source}")]
    Io {
        /// What the store was doing.
        context: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Stored data is damaged: it does not decode, or it breaks the chain or the versions.
    #[error("the log is corrupt at position {at}: {problem}")]
    Corruption {
        /// The first position found bad.
        at: u64,
        /// What is wrong there.
        problem: Problem,
    },
    /// The stream's version was not the one the append expected; nothing was written.
    #[error("stream {stream_id} was expected at {expected} but is at version {actual}")]
    Conflict {
        /// The stream appended to.
        stream_id: StreamId,
        /// What the append expected.
        expected: ExpectedVersion,
        /// The stream's actual version (0: no stream).
        actual: u64,
    },
    /// A command id seen before was used again for none of the streams it wrote to. For a
    /// multi-stream append, each side is named by its first stream.
    #[error("command {command_id} was already used for stream {original_stream}, not {stream_id}")]
    CommandIdReused {
        /// The repeated command id.
        command_id: Uuid,
        /// The stream the first use wrote to.
        original_stream: StreamId,
        /// The stream of this append.
        stream_id: StreamId,
    },
    /// An input broke a rule of the store's format or one of its limits.
    #[error("{0}")]
    Invalid(InvalidInput),
    /// An import file is not a valid log, or does not join this store's head.
    #[error("import line {line}: {problem}")]
    Import {
        /// The 1-based line number in the file.
        line: u64,
        /// What is wrong there.
        problem: String,
    },
    /// A frame stream (a bundle's records) is not a valid log, or does not join this store's
    /// head.
    #[error("import record {record} (byte {offset}): {problem}")]
    ImportRecord {
        /// The 1-based record number in the stream.
        record: u64,
        /// The byte offset of the record in the file.
        offset: u64,
        /// What is wrong there.
        problem: String,
    },
    /// An earlier fsync failed, so what is on disk is unknown; reopen the store.
    #[error("the store stopped accepting writes after a failed sync: {reason}")]
    Poisoned {
        /// The failure that poisoned it.
        reason: String,
    },
    /// The store has been closed.
    #[error("the store is closed")]
    Closed,
}

/// An input that breaks a rule of the store's format or one of its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// A stream id is empty, too long or has a character outside its alphabet.
    #[error("stream id {stream_id:?} {reason}")]
    StreamId {
        /// The offending id.
        stream_id: String,
        /// Why.
        reason: String,
    },
    /// An event type name is empty, too long or has a character outside its alphabet.
    #[error("event type {event_type:?} {reason}")]
    EventType {
        /// The offending name.
        event_type: String,
        /// Why.
        reason: String,
    },
    /// An actor is empty, too long or holds control characters.
    #[error("actor {actor:?} {reason}")]
    Actor {
        /// The offending actor.
        actor: String,
        /// Why.
        reason: String,
    },
    /// A payload is not JSON.
    #[error("payload is not valid JSON: {reason}")]
    Payload {
        /// The parser's message.
        reason: String,
    },
    /// An append holds no events.
    #[error("an append must hold at least one event")]
    EmptyAppend,
    /// A multi-stream append names no stream.
    #[error("a multi-stream append must name at least one stream")]
    NoStreams,
    /// One stream of a multi-stream append has no events.
    #[error("stream {stream_id} of a multi-stream append has no events; each stream needs at least one")]
    StreamWithoutEvents {
        /// The stream without events.
        stream_id: StreamId,
    },
    /// A multi-stream append names the same stream twice.
    #[error("stream {stream_id} is named twice in one multi-stream append")]
    StreamNamedTwice {
        /// The stream named twice.
        stream_id: StreamId,
    },
    /// An append holds more events than the limit.
    #[error("an append holds {n_events} events, the limit is {max}")]
    TooManyEvents {
        /// Events in the append.
        n_events: usize,
        /// The limit.
        max: usize,
    },
    /// One event's payload is larger than the limit.
    #[error("event {index} of the append has a payload of {n_bytes} bytes, the limit is {max}")]
    EventTooLarge {
        /// The event's index in the append, from 0.
        index: usize,
        /// Its payload size.
        n_bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A position asked for is not in the log.
    #[error("position {position} is outside the log, which runs from 1 to {head}")]
    PositionOutOfRange {
        /// The position asked for.
        position: u64,
        /// The log's last position.
        head: u64,
    },
    /// The store's configuration is not usable.
    #[error("configuration: {0}")]
    Config(String),
}

/// What is wrong at a corrupt position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    /// The stored hash is not the hash recomputed from the record.
    #[error("hash mismatch: stored {stored}, recomputed {recomputed}")]
    HashMismatch {
        /// The stored hash (hex).
        stored: String,
        /// The recomputed hash (hex).
        recomputed: String,
    },
    /// The record's previous hash is not the hash of the record before it.
    #[error("chain break: previous hash {found} but the record before has hash {expected}")]
    ChainBreak {
        /// The previous record's hash (hex).
        expected: String,
        /// The previous hash this record names (hex).
        found: String,
    },
    /// A position is missing or out of order.
    #[error("position gap: expected position {expected}, found {found}")]
    Gap {
        /// The position that should come next.
        expected: u64,
        /// The position found.
        found: u64,
    },
    /// A stream's versions do not run 1, 2, 3, … without a gap.
    #[error("version break in stream {stream_id}: expected version {expected}, found {found}")]
    VersionBreak {
        /// The stream.
        stream_id: String,
        /// The version that should come next.
        expected: u64,
        /// The version found.
        found: u64,
    },
    /// A record's recorded-at goes back in time.
    #[error("recorded-at {found_ms} ms is before the previous record's {previous_ms} ms")]
    ClockBackwards {
        /// The previous record's recorded-at.
        previous_ms: i64,
        /// This record's recorded-at.
        found_ms: i64,
    },
    /// Stored bytes do not decode.
    #[error("record does not decode: {0}")]
    Undecodable(String),
    /// The stream or command index does not match the records.
    #[error("index mismatch: {0}")]
    Index(String),
}

impl StoreError {
    pub(crate) fn io(context: &'static str, source: std::io::Error) -> StoreError {
        StoreError::Io { context, source }
    }

    pub(crate) fn sled(context: &'static str, error: sled::Error) -> StoreError {
        match error {
            sled::Error::Io(source) => StoreError::Io { context, source },
            sled::Error::Corruption { at, .. } => StoreError::Corruption {
                at: 0,
                problem: Problem::Undecodable(format!("sled reports corruption at {at:?}")),
            },
            sled::Error::Unsupported(reason) => StoreError::Invalid(InvalidInput::Config(format!("sled: {reason}"))),
            other => StoreError::Io { context, source: std::io::Error::other(other.to_string()) },
        }
    }

    pub(crate) fn corrupt(at: u64, problem: Problem) -> StoreError {
        StoreError::Corruption { at, problem }
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
