//! The Engine's one error type.

use parapompi_core::{DecodeError, Rejection};
use std::path::PathBuf;

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
    /// The deployment key, the person keys or the signing key could not be read, made or
    /// saved, or a rotation of them is refused.
    #[error("keys: {0}")]
    Key(#[from] KeyError),
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

/// What the operating system failed to do with a key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFileAction {
    /// Read it.
    Read,
    /// Write it.
    Write,
    /// Write it again whole.
    Rewrite,
    /// Rename it into place.
    Rename,
    /// Remove it.
    Remove,
    /// Sync it (or its directory) to the disk.
    Sync,
    /// Open it to append to it.
    OpenForAppending,
    /// Read its length.
    ReadLength,
    /// Append a record to it.
    Append,
    /// Cut off a torn last record.
    CutTornRecord,
}

impl std::fmt::Display for KeyFileAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyFileAction::Read => "read",
            KeyFileAction::Write => "write",
            KeyFileAction::Rewrite => "rewrite",
            KeyFileAction::Rename => "rename",
            KeyFileAction::Remove => "remove",
            KeyFileAction::Sync => "sync",
            KeyFileAction::OpenForAppending => "open for appending",
            KeyFileAction::ReadLength => "read the length of",
            KeyFileAction::Append => "append to",
            KeyFileAction::CutTornRecord => "cut off a torn record of",
        })
    }
}

/// What is wrong inside a key file (or a key given as hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileProblem {
    /// A key file of another format version.
    #[error("the key file's format is {found:?}; this engine reads {reads:?}")]
    OtherFormat {
        /// Its first line.
        found: String,
        /// The first line this engine reads.
        reads: &'static str,
    },
    /// Not a key file of the kind expected.
    #[error("not a {kind} key file (its first line must be {header:?})")]
    NotAKeyFile {
        /// `deployment` or `signing`.
        kind: &'static str,
        /// The first line it must have.
        header: &'static str,
    },
    /// The key is not the right number of hex digits.
    #[error("the key must be {digits} hex digits")]
    HexLength {
        /// How many.
        digits: usize,
    },
    /// The key holds a character that is not a hex digit.
    #[error("the key is not hex")]
    NotHex,
    /// A signing key file's second line.
    #[error("its second line must be `deployment <uuid>`")]
    NoDeploymentLine,
    /// A signing key file's third line.
    #[error("its third line must be `secret <64 hex digits>`")]
    NoSecretLine,
    /// Not a person-key file (its first line, when it has one to show).
    #[error("not a person-key file of this engine{}", match (found, reads) {
        (Some(found), Some(reads)) => format!(" (its first line is {found:?}, this engine reads {reads:?})"),
        _ => String::new(),
    })]
    NotPersonKeyFile {
        /// Its first line.
        found: Option<String>,
        /// The first line this engine reads.
        reads: Option<String>,
    },
    /// The person-key file's check does not match the deployment key given.
    #[error("the deployment key given is not the one these person keys are kept under")]
    WrongDeploymentKey,
    /// The person-key file ends inside its header.
    #[error("the file is shorter than its first line and check")]
    ShorterThanHeader,
    /// A record before the last is damaged.
    #[error("the file is damaged {bytes} bytes after its check")]
    DamagedAfter {
        /// Where, after the check.
        bytes: usize,
    },
    /// A record ends early.
    #[error("a record is cut short")]
    RecordCutShort,
    /// A record does not decrypt.
    #[error("a record does not open: the file is damaged, or the deployment key is another")]
    RecordDoesNotOpen,
    /// A record's entries are not whole.
    #[error("a record holds a partial entry")]
    PartialEntry,
    /// A record cannot be encrypted.
    #[error("cannot encrypt a record")]
    CannotEncrypt,
    /// A record is longer than its length field holds.
    #[error("a record is too long")]
    RecordTooLong,
    /// Not the retired keys' file.
    #[error("not a file of retired keys of this engine")]
    NotRetiredKeys,
}

/// What is wrong with the deployment key, the person keys or the signing key, or with a
/// rotation of them.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system failed on a key file.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        /// What was being done.
        action: KeyFileAction,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A key file's content is not what it must be.
    #[error("{}: {problem}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: KeyFileProblem,
    },
    /// The deployment key given as hex digits is not a key.
    #[error("the deployment key given: {problem}")]
    GivenKey {
        /// What is wrong.
        problem: KeyFileProblem,
    },
    /// The deployment key file is missing while person keys are kept under it.
    #[error("{} is missing, but this data directory holds person keys encrypted under it: restore the file from its backup (or give the key with PARAPOMPI_DEPLOYMENT_KEY)", path.display())]
    DeploymentKeyMissing {
        /// The file.
        path: PathBuf,
    },
    /// The deployment key file is missing after a rotation that may have moved it.
    #[error("{} is missing, and this data directory's key was rotated before: if a rotation moved the key out of the data directory (`keys rotate --new-key-file`), give that key (PARAPOMPI_DEPLOYMENT_KEY_FILE); else restore the file from its backup", path.display())]
    MissingAfterRotation {
        /// The file.
        path: PathBuf,
    },
    /// The person-key file is missing while the vault holds entries.
    #[error("{}: is missing ({source}), but the vault holds entries only its keys open: restore it from its backup", path.display())]
    PersonKeysMissing {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A person's key is missing from the person-key file.
    #[error("the key of {beneficiary} is missing from the person-key file, though they were never erased")]
    PersonKeyMissing {
        /// The person's stream id.
        beneficiary: String,
    },
    /// The operating system gave no random bytes.
    #[error("no random bytes: {problem}")]
    NoRandomBytes {
        /// Its error.
        problem: String,
    },
    /// A temporary store has no key file to rotate.
    #[error("a temporary store's signing key lives in memory: nothing to rotate")]
    TemporaryStore,
    /// A signing key rotation was finished that was never prepared.
    #[error("{} is missing: no rotation was prepared", path.display())]
    NoRotationPrepared {
        /// The prepared key's file.
        path: PathBuf,
    },
    /// A deployment key rotation with no person-key file.
    #[error("{} is missing: there is nothing to rotate (open the data directory first, or restore the file)", path.display())]
    NothingToRotate {
        /// The person-key file.
        path: PathBuf,
    },
    /// The old key comes from outside, and the new one's source is not named.
    #[error("the deployment key is given from outside the data directory: name the new key's source (a key file, or its hex digits), which will be given from outside too")]
    NewKeySourceNeeded,
    /// The new key was retired by an earlier rotation.
    #[error("the new deployment key was retired by an earlier rotation: a rotation needs a key never used before")]
    NewKeyRetired,
    /// The new key is the one in use.
    #[error("the new deployment key is the one in use: a rotation needs another key")]
    NewKeyInUse,
    /// The new key file is inside the data directory's keys.
    #[error("{}: a new key given as a file must be kept outside {} (that directory is the data directory's own)", path.display(), keys_dir.display())]
    NewKeyFileInside {
        /// The file given.
        path: PathBuf,
        /// The data directory's keys directory.
        keys_dir: PathBuf,
    },
    /// Neither the current nor the next key opens the person keys after an interrupted rotation.
    #[error("{}: neither {} nor {} is the key these person keys are kept under: restore deployment.key from its backup", person_keys.display(), current.display(), next.display())]
    NeitherKey {
        /// The person-key file.
        person_keys: PathBuf,
        /// The current key's file.
        current: PathBuf,
        /// The next key's file.
        next: PathBuf,
    },
    /// The key given was retired by a rotation.
    #[error("{}: the deployment key given was retired by a rotation (`parapompi keys rotate`); these person keys are kept under the key it was rotated to: give that key instead (a backup made before the rotation still opens with this one)", person_keys.display())]
    RetiredKeyGiven {
        /// The person-key file.
        person_keys: PathBuf,
    },
}

impl KeyError {
    /// An operating system's failure on a key file, as an Engine error.
    pub(crate) fn file(action: KeyFileAction, path: &std::path::Path, source: std::io::Error) -> EngineError {
        EngineError::Key(KeyError::File { action, path: path.to_owned(), source })
    }

    /// A key file's damaged content, as an Engine error.
    pub(crate) fn damaged(path: &std::path::Path, problem: KeyFileProblem) -> EngineError {
        EngineError::Key(KeyError::Damaged { path: path.to_owned(), problem })
    }
}
