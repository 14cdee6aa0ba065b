//! The Engine's one error type.

use parapompi_core::{DecodeError, Rejection};
use parapompi_store::StoreError;

/// Everything that can go wrong in the Engine. A failed command writes nothing.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A domain rule refused the command.
    #[error("rejected: {0}")]
    Rejected(#[from] Rejection),
    /// The target stream kept changing under the command: it was decided again this many
    /// times, and each time another writer got there first.
    #[error("stream {stream_id} kept changing: gave up after {attempts} attempts")]
    Contended {
        /// The contended stream.
        stream_id: String,
        /// How many times the command was decided.
        attempts: u32,
    },
    /// The log failed or refused the write.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored event does not decode into a domain event.
    #[error("the event at position {position} does not decode: {source}")]
    Decode {
        /// Its position.
        position: u64,
        /// Why.
        source: DecodeError,
    },
    /// A stored event's business time is not a date core accepts.
    #[error("the event at position {position} has an unusable time: {reason}")]
    BadTime {
        /// Its position.
        position: u64,
        /// Why.
        reason: String,
    },
    /// A value given to the Engine is not valid (an empty name, a bad AMKA, a bad date).
    #[error("invalid value: {0}")]
    Invalid(#[from] parapompi_core::ValidationError),
    /// The identity vault could not be read or written.
    #[error("identity vault: {0}")]
    Vault(String),
    /// The work stopped half-way: a command's task was cancelled, or a panic poisoned the
    /// read models. Reopen the engine.
    #[error("interrupted: {0}")]
    Interrupted(String),
    /// The deployment key or the person keys could not be read, made or saved.
    #[error("keys: {0}")]
    Key(String),
    /// An act with no command in it.
    #[error("an act needs at least one command")]
    EmptyAct,
    /// A command id already used by another act (another command, other arguments, or
    /// another actor). The same act sent again is answered as a repeat instead.
    #[error("command id {command_id} was already used by another command (its first event is {first_event_type} at position {first_position} in {first_stream}); send a new command id")]
    CommandIdReused {
        /// The command id.
        command_id: uuid::Uuid,
        /// The position of the first event its first use wrote.
        first_position: u64,
        /// That event's stream.
        first_stream: String,
        /// That event's type.
        first_event_type: String,
    },
    /// A search for people matched more than it may show; nobody was read.
    #[error("{found} people match, more than the {max} a search shows: give more of the name, or the AMKA")]
    TooManyFound {
        /// How many matched.
        found: usize,
        /// The most a search shows.
        max: usize,
    },
    /// A backup cannot be made, read or restored: `part` names where (`header`, `log`,
    /// `vault`, `credentials`, `keys`, `trailer`, or `file` for the file itself).
    #[error("backup, {part}: {problem}")]
    Backup {
        /// The part at fault.
        part: String,
        /// What is wrong.
        problem: String,
    },
    /// A checkpoint or an argument names something the log does not hold.
    #[error("{0}")]
    NotFound(String),
}
