//! A witness: a party outside the centre (the supervising Social Service, the region, the
//! national mechanism) that keeps the checkpoints it has seen of each deployment's log and
//! countersigns a new one only when the history it comes with extends them.
//!
//! The witness file is one signed note (C2SP signed-note): a line of JSON, the state, then
//! the witness's signature, so that a change to it is seen by anyone who knows the witness's
//! public key (`store/FORMAT.md`, "Witness files"). The witness's own Ed25519 key is kept in
//! a key file apart from it, owner-only, written atomically by the one writer of key files.

use std::path::{Path, PathBuf};

use parapompi_store::Hash;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::bundle::{verify_bundles_against, Anchor, ManifestCheckpoint, VerifiedBundles};
use crate::checkpoint::{open_note, sign_note, SignedCheckpoint, VerifierKey};
use crate::deployment_key::{random_key, write_private_file};
use crate::signing_key::{seed_from_hex, SigningKey};

/// The `format` field of a witness file's state.
pub const WITNESS_FORMAT: &str = "parapompi-witness";
/// The version of the witness file this code writes and reads.
pub const WITNESS_FORMAT_VERSION: u32 = 1;
/// The first line of a witness key file.
const WITNESS_KEY_HEADER: &str = "parapompi-witness-key v1";
/// The longest witness file read.
pub const MAX_WITNESS_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// The most checkpoints a witness keeps of one log (a daily one for more than fifty years).
pub const MAX_CHECKPOINTS_PER_LOG: usize = 20_000;

/// Something a witness refuses, or cannot do, with the values a caller needs to say why in
/// its own words (paths as they are displayed, positions, keys).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    /// The witness key file cannot be read.
    #[error("cannot read the witness key {path}: {problem}")]
    KeyUnreadable {
        /// The key file.
        path: String,
        /// The system's reason.
        problem: String,
    },
    /// The file named as the witness key is not one.
    #[error("{path} is not a witness key file (first line {header:?})")]
    NotAKeyFile {
        /// The file.
        path: String,
        /// The first line a witness key file has.
        header: &'static str,
    },
    /// `init` would replace a witness file or key.
    #[error("{path} already exists: a witness is made once")]
    Exists {
        /// The file that exists.
        path: String,
    },
    /// The witness's name cannot be a key's name.
    #[error("--name: {problem}")]
    BadName {
        /// Why.
        problem: String,
    },
    /// No random key could be drawn.
    #[error("{problem}")]
    NoRandomKey {
        /// The engine's reason.
        problem: String,
    },
    /// A file cannot be written.
    #[error("cannot write {path}: {problem}")]
    Unwritable {
        /// The file.
        path: String,
        /// The system's reason.
        problem: String,
    },
    /// The witness file cannot be read.
    #[error("cannot read the witness file {path}: {problem}")]
    FileUnreadable {
        /// The witness file.
        path: String,
        /// The system's reason.
        problem: String,
    },
    /// The witness file is larger than a witness file may be.
    #[error("the witness file {path} is larger than {max_bytes} bytes")]
    FileTooLarge {
        /// The witness file.
        path: String,
        /// The limit.
        max_bytes: u64,
    },
    /// The witness file does not check: altered, replaced, or not a witness file.
    #[error("the witness file {path} does not check: {problem}")]
    Altered {
        /// The witness file.
        path: String,
        /// What does not check.
        problem: String,
    },
    /// A bundle cannot be read.
    #[error("{0}")]
    Bundle(crate::bundle::BundleError),
    /// The bundle's history does not extend what the witness holds, or does not verify.
    #[error("refused: {0}")]
    HistoryRefused(crate::bundle::BundleError),
    /// The bundle carries no checkpoint to countersign.
    #[error(
        "{bundle}: the bundle carries no checkpoint, so there is nothing signed to countersign (it was written \
         before checkpoints; export it again)"
    )]
    NoCheckpointInBundle {
        /// The bundle file.
        bundle: String,
    },
    /// The checkpoint a bundle carries does not parse.
    #[error("{bundle}: {problem}")]
    BadBundleCheckpoint {
        /// The bundle file.
        bundle: String,
        /// Why.
        problem: String,
    },
    /// A bare checkpoint does not parse.
    #[error("the checkpoint: {problem}")]
    BadCheckpoint {
        /// Why.
        problem: String,
    },
    /// The key a checkpoint carries does not parse.
    #[error("the checkpoint's key: {problem}")]
    BadCheckpointKey {
        /// Why.
        problem: String,
    },
    /// A bare checkpoint of a log this witness has never seen, with no key to trust.
    #[error(
        "this witness has never seen {origin}: give its first bundle, or the centre's key with \
         --producer-key, before a bare checkpoint"
    )]
    NeverSeen {
        /// The log's origin.
        origin: String,
    },
    /// The checkpoint's signature is not by a key the witness trusts.
    #[error("refused: {problem}")]
    SignatureRefused {
        /// Why.
        problem: String,
    },
    /// A checkpoint states another hash at a position the witness holds: a fork.
    #[error(
        "refused: position {position}: the checkpoint states hash {stated}, but the witness holds {held} there: \
         the centre has signed two different histories (a fork)"
    )]
    Fork {
        /// The position.
        position: u64,
        /// The hash the new checkpoint states.
        stated: String,
        /// The hash the witness holds there.
        held: String,
    },
    /// A bare checkpoint before the last one the witness holds.
    #[error(
        "refused: the checkpoint states position {position}, before position {held_position} the witness already \
         holds: a history cut short, or an old checkpoint (a bare checkpoint cannot show that it \
         agrees; a bundle can)"
    )]
    CutShort {
        /// The position the checkpoint states.
        position: u64,
        /// The last position the witness holds.
        held_position: u64,
    },
    /// The first checkpoint of a log is signed by another key than the centre's one given.
    #[error("refused: the checkpoint is signed by {signed_by}, not by the centre's key given, {given}")]
    WrongProducerKey {
        /// The key that signed.
        signed_by: String,
        /// The key given.
        given: String,
    },
    /// The witness key is not the key of the witness file.
    #[error("the witness key {key_path} is not the key of the witness file {path} ({vkey})")]
    KeyMismatch {
        /// The key file.
        key_path: String,
        /// The witness file.
        path: String,
        /// The witness file's verifier key.
        vkey: String,
    },
    /// The witness holds as many checkpoints of this log as it may.
    #[error("the witness holds {max} checkpoints of {origin} already")]
    Full {
        /// The limit.
        max: usize,
        /// The log's origin.
        origin: String,
    },
    /// A checkpoint was verified but not read back (a bug of the bundle check).
    #[error("{bundle}: the bundle's checkpoint was not read")]
    CheckpointNotRead {
        /// The bundle file.
        bundle: String,
    },
    /// The state cannot be serialised.
    #[error("the witness state: {problem}")]
    State {
        /// Why.
        problem: String,
    },
}

/// The state a witness file holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessState {
    format: String,
    format_version: u32,
    /// The witness's name (its key name in cosignatures).
    name: String,
    /// The witness's verifier key.
    vkey: String,
    logs: Vec<WitnessedLog>,
}

/// What a witness holds of one deployment's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessedLog {
    /// The deployment's origin.
    origin: String,
    /// The keys its checkpoints are signed by (vkeys): as first seen or given, and every key
    /// a witnessed bundle recorded (`SigningKeyRecorded`).
    producer_vkeys: Vec<String>,
    /// The keys a witnessed bundle revoked (`SigningKeyRevoked`): no later checkpoint by them
    /// is taken.
    #[serde(default)]
    revoked_vkeys: Vec<String>,
    /// The checkpoints accepted, in position order, each with the witness's cosignature.
    checkpoints: Vec<String>,
}

/// A witness file read and checked: its signature, its form, every checkpoint cosigned.
#[derive(Debug)]
pub struct WitnessFile {
    path: PathBuf,
    state: WitnessState,
    witness: VerifierKey,
    held: Vec<Vec<SignedCheckpoint>>,
    /// The key events of the bundle being added, learnt when its checkpoint is recorded.
    pending_key_events: Vec<crate::bundle::KeyEvent>,
}

/// What [`WitnessFile::add_bundle`] or [`WitnessFile::add_checkpoint`] did with one bundle or checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witnessed {
    /// The deployment's origin.
    pub origin: String,
    /// The position and head hash now held.
    pub position: u64,
    /// The head hash at that position, hex.
    pub head_hash: String,
    /// `added`, or `already_held` (the witness held this very checkpoint's position and hash).
    pub status: &'static str,
    /// The first time this witness saw the origin: the producer's key was taken from the
    /// bundle (or given), to be compared with the one the centre gave out of band.
    pub first_seen: bool,
    /// The positions of the held checkpoints the new history was checked against.
    pub checked_against: Vec<u64>,
    /// True for a bare checkpoint: it came with no records, so the history behind it is
    /// checked when a bundle reaches it.
    pub bare: bool,
}

/// Where a witness keeps its key by default: `FILE.key` beside the witness file.
pub fn default_witness_key_path(witness_file: &Path) -> PathBuf {
    let mut name = witness_file.file_name().unwrap_or_default().to_os_string();
    name.push(".key");
    witness_file.with_file_name(name)
}

fn read_key(path: &Path) -> Result<(String, SigningKey), WitnessError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| WitnessError::KeyUnreadable { path: path.display().to_string(), problem: e.to_string() })?,
    );
    let mut lines = text.lines();
    let bad = || WitnessError::NotAKeyFile { path: path.display().to_string(), header: WITNESS_KEY_HEADER };
    if lines.next() != Some(WITNESS_KEY_HEADER) {
        return Err(bad());
    }
    let name = lines.next().and_then(|line| line.strip_prefix("name ")).ok_or_else(bad)?.to_owned();
    let seed = lines.next().and_then(|line| line.strip_prefix("secret ")).and_then(seed_from_hex).ok_or_else(bad)?;
    Ok((name, SigningKey::from_seed(uuid::Uuid::nil(), &seed)))
}

/// Makes a new witness: its key in `key_path` (owner-only) and an empty witness file at
/// `path`. Refuses to replace either. Returns the witness's verifier key, to publish.
pub fn init_witness(path: &Path, key_path: &Path, name: &str) -> Result<VerifierKey, WitnessError> {
    for existing in [path, key_path] {
        if existing.exists() {
            return Err(WitnessError::Exists { path: existing.display().to_string() });
        }
    }
    let probe = SigningKey::from_seed(uuid::Uuid::nil(), &[0; 32]).verifier_key().renamed(name);
    VerifierKey::parse(&probe.vkey()).map_err(|problem| WitnessError::BadName { problem: problem.to_string() })?;
    let seed = random_key().map_err(|e| WitnessError::NoRandomKey { problem: e.to_string() })?;
    let key = SigningKey::from_seed(uuid::Uuid::nil(), &seed);
    let mut text = Zeroizing::new(format!("{WITNESS_KEY_HEADER}\nname {name}\nsecret "));
    for byte in seed.iter() {
        text.push_str(&format!("{byte:02x}"));
    }
    text.push('\n');
    write_private_file(key_path, text.as_bytes())
        .map_err(|e| WitnessError::Unwritable { path: key_path.display().to_string(), problem: e.to_string() })?;
    let witness = key.verifier_key().renamed(name);
    let file = WitnessFile {
        path: path.to_path_buf(),
        state: WitnessState {
            format: WITNESS_FORMAT.to_owned(),
            format_version: WITNESS_FORMAT_VERSION,
            name: name.to_owned(),
            vkey: witness.vkey(),
            logs: Vec::new(),
        },
        witness: witness.clone(),
        held: Vec::new(),
        pending_key_events: Vec::new(),
    };
    // Nothing is left half made: without its file, the key is taken away again.
    file.save(&key).inspect_err(|_| {
        let _ = std::fs::remove_file(key_path);
    })?;
    Ok(witness)
}

impl WitnessFile {
    /// Reads and checks the witness file at `path`: signed by `expected` when given (the
    /// witness key recorded out of band), else by the key it names; every checkpoint in it
    /// cosigned by that key.
    pub fn read(path: &Path, expected: Option<&VerifierKey>) -> Result<WitnessFile, WitnessError> {
        let name = path.display().to_string();
        let unreadable =
            |e: std::io::Error| WitnessError::FileUnreadable { path: name.clone(), problem: e.to_string() };
        let size = std::fs::metadata(path).map_err(unreadable)?.len();
        if size > MAX_WITNESS_FILE_BYTES {
            return Err(WitnessError::FileTooLarge { path: name, max_bytes: MAX_WITNESS_FILE_BYTES });
        }
        let note = std::fs::read_to_string(path).map_err(unreadable)?;
        let altered = |problem: String| WitnessError::Altered { path: name.clone(), problem };
        let line = note.split('\n').next().unwrap_or_default();
        let state: WitnessState =
            serde_json::from_str(line).map_err(|e| altered(format!("its first line is not a witness's state: {e}")))?;
        if state.format != WITNESS_FORMAT || state.format_version != WITNESS_FORMAT_VERSION {
            return Err(altered(format!(
                "it is format {:?} version {}, this reads {WITNESS_FORMAT:?} version {WITNESS_FORMAT_VERSION}",
                state.format, state.format_version
            )));
        }
        let own = VerifierKey::parse(&state.vkey).map_err(|problem| altered(problem.to_string()))?;
        let witness = match expected {
            Some(expected) if *expected != own => {
                return Err(altered(format!(
                    "it names the witness key {}, not the one given, {}: it was replaced",
                    own.vkey(),
                    expected.vkey()
                )))
            }
            _ => own,
        };
        let body = open_note(&note, &witness).map_err(altered)?;
        if body != format!("{line}\n") {
            return Err(altered("its signed text is not one line of state".to_owned()));
        }
        let mut held = Vec::with_capacity(state.logs.len());
        for log in &state.logs {
            let mut checkpoints: Vec<SignedCheckpoint> = Vec::with_capacity(log.checkpoints.len());
            for note in &log.checkpoints {
                let signed = SignedCheckpoint::parse(note).map_err(altered)?;
                if !signed.cosigned_by(&witness) || signed.checkpoint.origin != log.origin {
                    return Err(altered(format!(
                        "its checkpoint of {} at position {} is not cosigned by the witness",
                        log.origin, signed.checkpoint.position
                    )));
                }
                if checkpoints.last().is_some_and(|last| last.checkpoint.position >= signed.checkpoint.position) {
                    return Err(altered(format!("its checkpoints of {} are not in position order", log.origin)));
                }
                checkpoints.push(signed);
            }
            held.push(checkpoints);
        }
        Ok(WitnessFile { path: path.to_path_buf(), state, witness, held, pending_key_events: Vec::new() })
    }

    /// The witness's verifier key (as the file names it, checked).
    pub fn witness_key(&self) -> &VerifierKey {
        &self.witness
    }

    /// The origins this witness holds checkpoints of.
    pub fn origins(&self) -> Vec<String> {
        self.state.logs.iter().map(|log| log.origin.clone()).collect()
    }

    /// The checkpoints held of `origin`, in position order.
    pub fn checkpoints(&self, origin: &str) -> &[SignedCheckpoint] {
        self.log_index(origin).map_or(&[], |index| &self.held[index])
    }

    /// The producer keys this witness trusts for `origin`: those it holds, less those revoked.
    pub fn producer_keys(&self, origin: &str) -> Vec<VerifierKey> {
        self.log_index(origin).map_or_else(Vec::new, |index| {
            let log = &self.state.logs[index];
            log.producer_vkeys
                .iter()
                .filter(|vkey| !log.revoked_vkeys.contains(vkey))
                .filter_map(|vkey| VerifierKey::parse(vkey).ok())
                .collect()
        })
    }

    /// The held checkpoints of `origin` as anchors for a bundle check.
    pub fn anchors(&self, origin: &str) -> Vec<Anchor> {
        self.checkpoints(origin)
            .iter()
            .map(|signed| Anchor {
                position: signed.checkpoint.position,
                hash: signed.checkpoint.head_hash,
                source: format!(
                    "the witness {} (its checkpoint at position {})",
                    self.path.display(),
                    signed.checkpoint.position
                ),
            })
            .collect()
    }

    fn log_index(&self, origin: &str) -> Option<usize> {
        self.state.logs.iter().position(|log| log.origin == origin)
    }

    /// Checks a bundle against what the witness holds and, when it extends it, records its
    /// checkpoint countersigned. `producer` is the producer's key the first time an origin
    /// is seen (else the bundle's own is taken, and reported as first seen).
    pub fn add_bundle(
        &mut self,
        bundle: &Path,
        producer: Option<&VerifierKey>,
        key_path: &Path,
        now_s: u64,
    ) -> Result<Witnessed, WitnessError> {
        let manifest = crate::bundle::read_manifest(bundle).map_err(WitnessError::Bundle)?;
        let Some(ManifestCheckpoint { note, vkey }) = manifest.checkpoint else {
            return Err(WitnessError::NoCheckpointInBundle { bundle: bundle.display().to_string() });
        };
        let origin = SignedCheckpoint::parse(&note)
            .map_err(|problem| WitnessError::BadBundleCheckpoint { bundle: bundle.display().to_string(), problem })?
            .checkpoint
            .origin;
        let (trusted, first_seen) = self.trusted_keys(&origin, producer, &vkey)?;
        let anchors = self.anchors(&origin);
        let verified: VerifiedBundles =
            verify_bundles_against(&[bundle.to_path_buf()], &anchors, Some(trusted.clone()))
                .map_err(WitnessError::HistoryRefused)?;
        let Some((signed, _)) = verified.checkpoint else {
            return Err(WitnessError::CheckpointNotRead { bundle: bundle.display().to_string() });
        };
        let checked_against = verified.anchors.agreed.iter().map(|anchor| anchor.position).collect();
        self.pending_key_events = verified.key_events;
        self.record(signed, trusted, first_seen, checked_against, false, key_path, now_s)
    }

    /// Records a bare checkpoint (a signed note with no records): signed by a key the witness
    /// trusts for its origin, not before the last checkpoint held, and the same head as any
    /// held at its position. The history up to it is checked when a bundle reaches it.
    pub fn add_checkpoint(
        &mut self,
        note: &str,
        carried_vkey: Option<&str>,
        producer: Option<&VerifierKey>,
        key_path: &Path,
        now_s: u64,
    ) -> Result<Witnessed, WitnessError> {
        let signed = SignedCheckpoint::parse(note).map_err(|problem| WitnessError::BadCheckpoint { problem })?;
        let origin = signed.checkpoint.origin.clone();
        let known = self.log_index(&origin).is_some();
        let carried = match (known, producer, carried_vkey) {
            (false, None, None) => return Err(WitnessError::NeverSeen { origin }),
            (_, _, Some(vkey)) => vkey.to_owned(),
            (_, Some(key), None) => key.vkey(),
            (true, None, None) => String::new(),
        };
        let (trusted, first_seen) = self.trusted_keys(&origin, producer, &carried)?;
        signed.verify_by(&trusted).map_err(|problem| WitnessError::SignatureRefused { problem })?;
        let position = signed.checkpoint.position;
        for held in self.checkpoints(&origin) {
            if held.checkpoint.position == position && held.checkpoint.head_hash != signed.checkpoint.head_hash {
                return Err(WitnessError::Fork {
                    position,
                    stated: signed.checkpoint.head_hash.to_string(),
                    held: held.checkpoint.head_hash.to_string(),
                });
            }
        }
        if let Some(last) = self.checkpoints(&origin).last() {
            if position < last.checkpoint.position {
                return Err(WitnessError::CutShort { position, held_position: last.checkpoint.position });
            }
        }
        let checked = self.checkpoints(&origin).iter().filter(|held| held.checkpoint.position == position);
        let checked_against = checked.map(|held| held.checkpoint.position).collect();
        self.record(signed, trusted, first_seen, checked_against, true, key_path, now_s)
    }

    /// The keys a new checkpoint of `origin` must be signed by, and whether the origin is new.
    fn trusted_keys(
        &self,
        origin: &str,
        producer: Option<&VerifierKey>,
        carried: &str,
    ) -> Result<(Vec<VerifierKey>, bool), WitnessError> {
        if self.log_index(origin).is_some() {
            return Ok((self.producer_keys(origin), false));
        }
        let carried = VerifierKey::parse(carried)
            .map_err(|problem| WitnessError::BadCheckpointKey { problem: problem.to_string() })?;
        match producer {
            Some(given) if *given != carried => {
                Err(WitnessError::WrongProducerKey { signed_by: carried.vkey(), given: given.vkey() })
            }
            _ => Ok((vec![carried], true)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        signed: SignedCheckpoint,
        trusted: Vec<VerifierKey>,
        first_seen: bool,
        checked_against: Vec<u64>,
        bare: bool,
        key_path: &Path,
        now_s: u64,
    ) -> Result<Witnessed, WitnessError> {
        let (name, key) = read_key(key_path)?;
        if key.verifier_key().renamed(&name) != self.witness {
            return Err(WitnessError::KeyMismatch {
                key_path: key_path.display().to_string(),
                path: self.path.display().to_string(),
                vkey: self.witness.vkey(),
            });
        }
        let origin = signed.checkpoint.origin.clone();
        let index = match self.log_index(&origin) {
            Some(index) => index,
            None => {
                self.state.logs.push(WitnessedLog {
                    origin: origin.clone(),
                    producer_vkeys: trusted.iter().map(VerifierKey::vkey).collect(),
                    revoked_vkeys: Vec::new(),
                    checkpoints: Vec::new(),
                });
                self.held.push(Vec::new());
                self.state.logs.len() - 1
            }
        };
        let position = signed.checkpoint.position;
        let head_hash = signed.checkpoint.head_hash.to_hex();
        let already = self.held[index].last().is_some_and(|last| last.checkpoint.position == position);
        let log = &mut self.state.logs[index];
        let mut learnt = false;
        for event in std::mem::take(&mut self.pending_key_events) {
            let list = if event.revoked { &mut log.revoked_vkeys } else { &mut log.producer_vkeys };
            if !list.contains(&event.vkey) && VerifierKey::parse(&event.vkey).is_ok() {
                list.push(event.vkey);
                learnt = true;
            }
        }
        if already && learnt {
            self.save(&key)?;
        }
        if !already {
            if self.held[index].len() >= MAX_CHECKPOINTS_PER_LOG {
                return Err(WitnessError::Full { max: MAX_CHECKPOINTS_PER_LOG, origin });
            }
            let cosigned = signed.cosigned(&key, &name, now_s);
            self.state.logs[index].checkpoints.push(cosigned.note.clone());
            self.held[index].push(cosigned);
            self.save(&key)?;
        }
        Ok(Witnessed {
            origin,
            position,
            head_hash,
            status: if already { "already_held" } else { "added" },
            first_seen,
            checked_against,
            bare,
        })
    }

    fn save(&self, key: &SigningKey) -> Result<(), WitnessError> {
        let line = serde_json::to_string(&self.state).map_err(|e| WitnessError::State { problem: e.to_string() })?;
        let note = sign_note(&format!("{line}\n"), key, &self.state.name);
        write_private_file(&self.path, note.as_bytes())
            .map_err(|e| WitnessError::Unwritable { path: self.path.display().to_string(), problem: e.to_string() })
    }
}

/// Why a pin (`POSITION:HASH`) does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// It has no `:`.
    #[error("{text:?} is not POSITION:HASH")]
    NotPositionHash {
        /// The pin given.
        text: String,
    },
    /// Its position is not a number.
    #[error("{text:?} is not a position")]
    NotAPosition {
        /// The part before the `:`.
        text: String,
    },
    /// Its hash is not 64 hex digits.
    #[error("{text:?} is not 64 hex digits")]
    NotAHash {
        /// The part after the `:`.
        text: String,
    },
    /// It pins position 0, which holds nothing.
    #[error("position 0 holds nothing to pin: positions start at 1")]
    PositionZero,
}

/// The hash a pin (`POSITION:HASH`) names.
pub fn parse_pin(text: &str) -> Result<Anchor, PinError> {
    let (position, hash) = text.split_once(':').ok_or_else(|| PinError::NotPositionHash { text: text.to_owned() })?;
    let position: u64 = position.parse().map_err(|_| PinError::NotAPosition { text: position.to_owned() })?;
    let hash = Hash::from_hex(hash).ok_or_else(|| PinError::NotAHash { text: hash.to_owned() })?;
    if position == 0 {
        return Err(PinError::PositionZero);
    }
    Ok(Anchor { position, hash, source: format!("the pin {position}:{hash}") })
}
