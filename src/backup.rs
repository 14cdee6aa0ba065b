//! Backups of a whole data directory, taken while it works, and their restore on a new
//! machine (docs/BACKUP.md).
//!
//! A backup is one file: a header line, then parts, each a line naming it with its length and
//! SHA-256 followed by its bytes, then a trailer line with the SHA-256 of everything before
//! it. The parts:
//! - `log`: a bundle of the log from position 1 to the backup's position (it verifies on its
//!   own, as every bundle does);
//! - `vault`: the vault's entries as they are kept, identities and texts still encrypted with
//!   each person's key;
//! - `credentials`: the credentials' hashes (never a secret: none is kept), sealed like the
//!   key files, since hashes of passwords can be attacked offline;
//! - `keys`: each person's key and the key files of `DATA_DIR/keys` but the person-key file
//!   and the deployment key (the signing key and any other key state), sealed with
//!   XChaCha20-Poly1305 under a key derived from the deployment key. The deployment key
//!   itself is never in a backup: it is kept apart from them.
//!
//! In format 3 the last three parts are lists of changes, entry by entry: an entry's new
//! bytes, or that it was removed (each change a key and a value, each a `u32` big-endian
//! length and its bytes; the value is 1 then the entry's bytes, or 0 alone for a removal). A full backup's are every entry; an increment's only what
//! was added, changed or removed since its base, found by the base's index (each entry's
//! keyed digest), which the Engine records for its last [`MAX_RECORDED_STATES`] backups.
//! Every backup's header names the digest of its index (`state`), an increment's `since` the
//! base's, so a restore checks that each increment continues the state before it and that
//! the state it ends with is the one the last backup recorded. An increment whose base's
//! index is not recorded (taken by an older engine, before a rotation of the deployment key,
//! or too long ago) carries its parts whole, as format 2's increments did.
//!
//! Taking one is an act (core's `policy::may_take_backup`), recorded as `BackupTaken`. The
//! vault, the credentials and the key files are read with every act held off (a moment: the
//! time to read them), at the log's head then, and the key that signs the log's checkpoint is
//! chosen then; the log is then written up to that position while acts go on. (A
//! credential's hash is written with its act inside the acts' gate, so it stands in a backup
//! exactly when its act does.) So a backup holds exactly the log up to one position and what
//! the acts up to it left beside it. A restore applies every erasure the log records (and a
//! list of later ones, recorded in the restored log as erasure acts), and is built in a
//! directory of its own, renamed into place once it
//! opens and verifies: a restore that stops half-way leaves no directory that opens.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use parapompi_core::centre::{CentreAction, CentreCommand};
use parapompi_core::policy;
use parapompi_core::values::LogHashText;
use parapompi_core::Command;
use parapompi_store::{Hash, Timestamp};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::deployment_key::{self, DeploymentKey};
use crate::engine::{CommandMeta, Engine, Executed};
use crate::error::EngineError;

/// The format's name, in every backup's header.
pub const BACKUP_FORMAT: &str = "parapompi-backup";
/// The format's version this engine writes; it reads it and versions 1 (which had no
/// `deployment` and no increments) and 2 (whose increments carried the vault, the
/// credentials and the key files whole).
pub const BACKUP_FORMAT_VERSION: u32 = 3;
/// The parts of a backup, in the order written.
pub const PARTS: [&str; 4] = ["log", "vault", "credentials", "keys"];
/// The purpose of the key the `keys` part is sealed with (derived from the deployment key).
const KEYS_PURPOSE: &str = "parapompi/backup/keys/v1";
/// The purpose of the key the `credentials` part is sealed with.
const CREDENTIALS_PURPOSE: &str = "parapompi/backup/credentials/v1";
/// The trailer line's marker.
const END: &str = "parapompi-backup-end";
/// The longest header, part or trailer line read (a longer one is not a backup's).
const MAX_LINE_BYTES: usize = 64 * 1024;
/// The XChaCha20 nonce's length.
const NONCE_BYTES: usize = 24;
/// The purpose of the keyed digests of a state's index.
const INDEX_PURPOSE: &str = "parapompi/backup/state/v1";
/// The sled tree of the indexes of the last backups taken, by their head.
const STATES_TREE: &str = "backup-states";
/// How many backups' indexes the Engine keeps: an increment of an older one carries its
/// parts whole.
pub const MAX_RECORDED_STATES: usize = 8;
/// The parts of entries, each with the byte that tags its entries in a state's index.
const ENTRY_PARTS: [(&str, u8); 3] = [("vault", b'v'), ("credentials", b'c'), ("keys", b'k')];
/// In format 3's `keys` part: a key file, by its name after this.
const KEY_FILE: &[u8] = b"file/";
/// In format 3's `keys` part: a person's key, their id's 16 bytes after this.
const PERSON_KEY: &[u8] = b"person/";
/// A change's first byte: the entry's new bytes follow.
const PUT: u8 = 1;
/// A change's only byte: the entry was removed.
const REMOVED: u8 = 0;

/// A backup's first line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupHeader {
    /// [`BACKUP_FORMAT`].
    pub format: String,
    /// The format version it was written in.
    pub format_version: u32,
    /// The engine that wrote it.
    pub engine_version: String,
    /// When it was made (Unix milliseconds).
    pub created_at: i64,
    /// The log's position it holds up to.
    pub head_position: u64,
    /// The hash of the record at that position (64 zeros for an empty log).
    pub head_hash: String,
    /// The deployment it is of: its checkpoints' origin (`parapompi.eu/deployment/<uuid>`);
    /// absent in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment: Option<String>,
    /// For an increment: the backup it continues, whose head its log follows; absent for a
    /// full backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<BackupBase>,
    /// The SHA-256 (hex) of the index of the vault, credentials and keys it leaves (every
    /// entry with a keyed digest of its bytes); absent before version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// The head of the backup an increment continues.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupBase {
    /// Its position: the increment's log starts after it.
    pub position: u64,
    /// The hash of the record there, hex (64 zeros for position 0).
    pub head_hash: String,
    /// The base's `state`, when the increment's parts are the changes since it; absent when
    /// they are whole (version 2, or a base whose index was not at hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

impl BackupHeader {
    /// The head it holds up to, as the base of an increment that continues it.
    pub fn as_base(&self) -> Result<BackupBase, EngineError> {
        Hash::from_hex(&self.head_hash).ok_or_else(|| backup_error("header", "its head hash is not 64 hex digits"))?;
        Ok(BackupBase { position: self.head_position, head_hash: self.head_hash.clone(), state: self.state.clone() })
    }

    /// The first position its log part holds (1 for a full backup).
    pub fn first_position(&self) -> u64 {
        self.since.as_ref().map_or(1, |base| base.position + 1)
    }
}

/// A part's line: its name, length and digest, its bytes following.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartSummary {
    /// One of [`PARTS`].
    pub part: String,
    /// Its length in bytes.
    pub bytes: u64,
    /// How many entries it holds (records; changes of vault entries, credentials, keys).
    pub items: u64,
    /// How many of its changes are removals (version 3).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub removed: u64,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Trailer {
    end: String,
    parts: Vec<String>,
    sha256: String,
}

/// What a backup holds, as its header and parts say (checked against their digests).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BackupManifest {
    /// The header.
    pub header: BackupHeader,
    /// Each part.
    pub parts: Vec<PartSummary>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn backup_error(part: &str, problem: impl Into<String>) -> EngineError {
    EngineError::Backup { part: part.to_owned(), problem: problem.into() }
}

fn io_error(what: &str, path: &Path, error: std::io::Error) -> EngineError {
    EngineError::Backup { part: "file".to_owned(), problem: format!("{what} {}: {error}", path.display()) }
}

/// Key and value pairs, as a sled tree or a directory of key files holds them.
type Entries = Vec<(Vec<u8>, Vec<u8>)>;
/// Entries by key.
type EntryMap = BTreeMap<Vec<u8>, Vec<u8>>;
/// One entry's change: its new bytes, or `None` where it was removed.
type Change = (Vec<u8>, Option<Vec<u8>>);
/// A state's index: every entry of the vault, the credentials and the keys (its part's tag
/// byte, then its key) with a keyed digest of its bytes.
type StateIndex = BTreeMap<Vec<u8>, [u8; 32]>;

/// Entries as length-prefixed pairs: a `u32` length (big-endian) before each key and value.
fn encode_entries<'a>(entries: impl IntoIterator<Item = (&'a [u8], &'a [u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, value) in entries {
        for bytes in [key, value] {
            let length = u32::try_from(bytes.len());
            assert!(length.is_ok(), "sled keys and values are far below 4 GiB");
            out.extend_from_slice(&length.unwrap_or(u32::MAX).to_be_bytes());
            out.extend_from_slice(bytes);
        }
    }
    out
}

fn decode_entries(part: &str, mut bytes: &[u8]) -> Result<Entries, EngineError> {
    let mut entries = Vec::new();
    let take = |bytes: &mut &[u8]| -> Result<Vec<u8>, EngineError> {
        if bytes.len() < 4 {
            return Err(backup_error(part, "an entry is cut short"));
        }
        let length =
            usize::try_from(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])).unwrap_or(usize::MAX);
        if bytes.len() - 4 < length {
            return Err(backup_error(part, "an entry is cut short"));
        }
        let value = bytes[4..4 + length].to_vec();
        *bytes = &bytes[4 + length..];
        Ok(value)
    };
    while !bytes.is_empty() {
        let key = take(&mut bytes)?;
        let value = take(&mut bytes)?;
        entries.push((key, value));
    }
    Ok(entries)
}

/// Changes as entries: each key, then [`PUT`] and the new bytes, or [`REMOVED`].
fn encode_changes(changes: &[Change]) -> Vec<u8> {
    let tagged: Vec<(&[u8], Vec<u8>)> = changes
        .iter()
        .map(|(key, value)| {
            let tagged = match value {
                Some(bytes) => [&[PUT][..], bytes].concat(),
                None => vec![REMOVED],
            };
            (key.as_slice(), tagged)
        })
        .collect();
    encode_entries(tagged.iter().map(|(key, value)| (*key, value.as_slice())))
}

fn decode_changes(part: &str, bytes: &[u8]) -> Result<Vec<Change>, EngineError> {
    decode_entries(part, bytes)?
        .into_iter()
        .map(|(key, value)| match value.split_first() {
            Some((&PUT, bytes)) => Ok((key, Some(bytes.to_vec()))),
            Some((&REMOVED, [])) => Ok((key, None)),
            _ => Err(backup_error(part, "a change is neither an entry's bytes nor its removal")),
        })
        .collect()
}

/// The index of the entries of the vault, the credentials and the keys: each tagged by its
/// part, with a digest under the deployment key (a digest of a person's key or a password's
/// hash tells nothing without it).
fn state_index(key: &DeploymentKey, parts: [&EntryMap; 3]) -> StateIndex {
    let mut index = StateIndex::new();
    for ((_, tag), entries) in ENTRY_PARTS.iter().zip(parts) {
        for (name, bytes) in entries {
            index.insert([&[*tag][..], name].concat(), key.digest(INDEX_PURPOSE, &[bytes]));
        }
    }
    index
}

fn encode_index(index: &StateIndex) -> Vec<u8> {
    encode_entries(index.iter().map(|(name, digest)| (name.as_slice(), &digest[..])))
}

/// The `state` a header names: the SHA-256 of the index's bytes.
fn state_digest(index: &StateIndex) -> String {
    hex(&Sha256::digest(encode_index(index)))
}

/// The changes that take the part tagged `tag` from what `base` indexes (from nothing
/// without a base) to `entries`: the entries added or changed, then the removed.
fn part_changes(tag: u8, entries: &EntryMap, index: &StateIndex, base: Option<&StateIndex>) -> Vec<Change> {
    let name = |key: &[u8]| [&[tag][..], key].concat();
    let Some(base) = base else { return entries.iter().map(|(k, v)| (k.clone(), Some(v.clone()))).collect() };
    let mut changes: Vec<Change> = entries
        .iter()
        .filter(|(key, _)| base.get(&name(key)) != index.get(&name(key)))
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect();
    let removed = base.range([tag].to_vec()..[tag + 1].to_vec()).map(|(n, _)| n[1..].to_vec());
    changes.extend(removed.filter(|key| !entries.contains_key(key)).map(|key| (key, None)));
    changes
}

fn tree_entries(part: &str, tree: &sled::Tree) -> Result<EntryMap, EngineError> {
    tree.iter()
        .map(|entry| {
            entry.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(|e| backup_error(part, format!("reading: {e}")))
        })
        .collect()
}

/// The keys a backup carries: each person's key, and every regular file of `DATA_DIR/keys`
/// but the person-key file (its keys are carried one by one), the deployment key and a
/// rotation's next deployment key (a signing key's rotation in progress is carried: the open
/// after a restore settles it by the log, as any open does), by name.
fn key_entries(data_dir: &Path, person_keys: &crate::person_keys::PersonKeys) -> Result<EntryMap, EngineError> {
    let dir = data_dir.join("keys");
    let mut entries = EntryMap::new();
    for (id, key) in person_keys.all()? {
        entries.insert([PERSON_KEY, id.uuid().as_bytes()].concat(), key.to_vec());
    }
    let Ok(listing) = std::fs::read_dir(&dir) else { return Ok(entries) };
    let person_keys_file = crate::person_keys_path(data_dir);
    for entry in listing {
        let entry = entry.map_err(|e| io_error("listing", &dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().map(|t| t.is_file()).unwrap_or(false);
        if !is_file || name.starts_with("deployment.key") || name.ends_with(".tmp") || entry.path() == person_keys_file
        {
            continue;
        }
        let bytes = std::fs::read(entry.path()).map_err(|e| io_error("reading", &entry.path(), e))?;
        entries.insert([KEY_FILE, name.as_bytes()].concat(), bytes);
    }
    Ok(entries)
}

fn part_aad(purpose: &str, head_hash: &str) -> Vec<u8> {
    let mut aad = purpose.as_bytes().to_vec();
    aad.push(0);
    aad.extend_from_slice(head_hash.as_bytes());
    aad
}

/// Seals a part under a key derived from the deployment key for `purpose`, the backup's
/// head hash as associated data (so a part cannot be moved to another backup).
fn seal_part(
    key: &DeploymentKey,
    purpose: &str,
    part: &str,
    head_hash: &str,
    plain: &[u8],
) -> Result<Vec<u8>, EngineError> {
    let derived = key.derive(purpose);
    let cipher = XChaCha20Poly1305::new(derived.as_ref().into());
    let nonce = deployment_key::random_key()?;
    let nonce = XNonce::from_slice(&nonce[..NONCE_BYTES]);
    let sealed = cipher
        .encrypt(nonce, Payload { msg: plain, aad: &part_aad(purpose, head_hash) })
        .map_err(|_| backup_error(part, "cannot be sealed"))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

fn open_part(
    key: &DeploymentKey,
    purpose: &str,
    part: &str,
    head_hash: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, EngineError> {
    if sealed.len() < NONCE_BYTES {
        return Err(backup_error(part, "cut short"));
    }
    let (nonce, sealed) = sealed.split_at(NONCE_BYTES);
    let derived = key.derive(purpose);
    let cipher = XChaCha20Poly1305::new(derived.as_ref().into());
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &part_aad(purpose, head_hash) }).map_err(
        |_| backup_error(part, "does not open with this deployment key: give the key the data directory was made with"),
    )
}

/// A file written whole: its digest kept as it goes.
struct Written {
    file: File,
    digest: Sha256,
}

impl Written {
    fn write(&mut self, path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
        self.digest.update(bytes);
        self.file.write_all(bytes).map_err(|e| io_error("writing", path, e))
    }
}

/// What a backup read while acts were held off; its keys and credentials wiped when dropped.
struct Snapshot {
    head_position: u64,
    head_hash: Hash,
    vault: EntryMap,
    credentials: EntryMap,
    keys: EntryMap,
    /// The key the log's checkpoint is signed with, chosen at the snapshot's head (a
    /// rotation may put another in place before the log is written).
    signing_key: crate::signing_key::SigningKey,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.keys.values_mut().chain(self.credentials.values_mut()).for_each(Zeroize::zeroize);
    }
}

/// A backup written, and its record in the log.
#[derive(Clone, Debug)]
pub struct TakenBackup {
    /// What the file holds.
    pub manifest: BackupManifest,
    /// The `BackupTaken` act that records who took it, up to which position (in the acting
    /// administrator's centre stream, after the backup's position).
    pub record: Executed,
}

impl Engine {
    /// Writes a backup of the whole data directory to `out` (see the module's documentation)
    /// as `meta.acting`, made at `meta.occurred_at`: to `out.partial`, synced, then renamed,
    /// so that `out` is whole or absent. Acts wait only while the vault, the credentials and
    /// the key files are read.
    ///
    /// Taking a backup is an act: core's rule (`policy::may_take_backup`: an administrator of
    /// the deployment's first-registered centre) is asked before anything is read, and the
    /// `BackupTaken` event (the position and head hash the backup holds up to, in the acting
    /// administrator's centre stream) is recorded once the backup's contents are read and
    /// before the file is written, so that no copy of everything is made without the log
    /// saying who made it. A refusal writes nothing. A write that fails after the record
    /// leaves the record: it says who was given a copy of what, and the copy may have been
    /// partly written.
    pub fn backup(&self, out: &Path, meta: CommandMeta) -> Result<TakenBackup, EngineError> {
        self.take_backup(out, meta, None)
    }

    /// An increment of the backup whose header is `earlier` (a full backup or an increment):
    /// [`Engine::backup`]'s file and act, but its log part holds only the records after the
    /// earlier backup's position, and its vault, credentials and keys only the entries added,
    /// changed or removed since it (by the earlier backup's index, recorded when it was taken;
    /// without it, they are whole). Refused, with nothing written, when the earlier backup's
    /// head is not in this log at its position (another deployment's backup, or a history
    /// that departs from this one).
    pub fn backup_since(
        &self,
        out: &Path,
        meta: CommandMeta,
        earlier: &BackupHeader,
    ) -> Result<TakenBackup, EngineError> {
        let base = earlier.as_base()?;
        let origin = self.signing_key().origin();
        if let Some(deployment) = earlier.deployment.as_ref().filter(|d| **d != origin) {
            return Err(backup_error(
                "since",
                format!("the earlier backup is of the deployment {deployment}, this data directory is {origin}"),
            ));
        }
        self.backup_after(out, meta, base)
    }

    /// [`Engine::backup_since`] given the earlier backup's head alone (as the server takes
    /// it, from the client that holds the earlier file); a `state` it names must be the one
    /// recorded for that head, else the increment's parts are whole.
    pub fn backup_after(&self, out: &Path, meta: CommandMeta, base: BackupBase) -> Result<TakenBackup, EngineError> {
        self.take_backup(out, meta, Some(base))
    }

    /// Refuses a base whose head this log does not hold at its position.
    fn check_base(&self, base: &BackupBase) -> Result<(), EngineError> {
        let head = self.store().head();
        if base.position > head.position {
            return Err(backup_error(
                "since",
                format!(
                    "the earlier backup ends at position {}, past this log's head at {}: it is not of this log",
                    base.position, head.position
                ),
            ));
        }
        let held = match base.position {
            0 => Hash::GENESIS,
            position => match self.store().iter_range(position, position).next() {
                Some(record) => record?.hash,
                None => return Err(backup_error("since", format!("position {position} cannot be read"))),
            },
        };
        if held.to_hex() != base.head_hash {
            return Err(backup_error(
                "since",
                format!(
                    "the earlier backup's head hash {} is not this log's at position {} ({}): it is another \
                     deployment's backup, or of a history that departs from this one",
                    base.head_hash,
                    base.position,
                    held.to_hex()
                ),
            ));
        }
        Ok(())
    }

    fn take_backup(
        &self,
        out: &Path,
        meta: CommandMeta,
        since: Option<BackupBase>,
    ) -> Result<TakenBackup, EngineError> {
        let data_dir = self
            .store()
            .path()
            .map(Path::to_path_buf)
            .ok_or_else(|| backup_error("file", "a temporary Engine has no data directory to back up"))?;
        let actor = self.actor(meta.acting)?;
        let centre_id = policy::backup_centre(&actor)?;
        policy::may_take_backup(&actor, centre_id, self.first_centre()?)?;
        // The records up to the head never change: the base is checked before acts are held.
        let base_index = match &since {
            Some(base) => {
                self.check_base(base)?;
                self.recorded_state(base)?
            }
            None => None,
        };
        let since = since.map(|base| BackupBase { state: base_index.as_ref().map(state_digest), ..base });
        let snapshot = {
            let _held = self.hold_acts()?;
            let head = self.store().head();
            Snapshot {
                head_position: head.position,
                head_hash: head.hash,
                vault: tree_entries("vault", self.vault_tree())?,
                credentials: tree_entries(
                    "credentials",
                    &self.store().auxiliary_tree(crate::credentials::CREDENTIALS_TREE)?,
                )?,
                keys: key_entries(&data_dir, self.vault().person_keys())?,
                signing_key: self.signing_key_for_head()?,
            }
        };
        let head_hash = LogHashText::new(&snapshot.head_hash.to_hex())
            .map_err(|e| backup_error("log", format!("its head hash: {e}")))?;
        let command = Command::Centre(CentreCommand {
            centre_id,
            action: CentreAction::TakeBackup {
                position: snapshot.head_position,
                head_hash,
                since_position: since.as_ref().map(|base| base.position),
            },
        });
        let record = self.execute(&command, meta)?;
        let created_at = Timestamp::from_unix_ms(meta.occurred_at.unix_ms());
        let partial = PathBuf::from(format!("{}.partial", out.display()));
        let log_file = PathBuf::from(format!("{}.log.partial", out.display()));
        let written = self.write_backup(&snapshot, since, base_index.as_ref(), &partial, &log_file, created_at);
        let _ = std::fs::remove_file(&log_file);
        let manifest = match written {
            Ok(manifest) => manifest,
            Err(error) => {
                let _ = std::fs::remove_file(&partial);
                return Err(error);
            }
        };
        crate::fault_points::reached("backup: written and synced, not renamed");
        std::fs::rename(&partial, out).map_err(|e| io_error("renaming into", out, e))?;
        if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
            deployment_key::sync_dir(parent).map_err(|e| io_error("syncing", parent, e))?;
        }
        Ok(TakenBackup { manifest, record })
    }

    /// Keeps the index of a backup's state under its head, for the increments that continue
    /// it, and forgets all but the last [`MAX_RECORDED_STATES`]. Beside it, the check of the
    /// deployment key it was made under: after a rotation it is not used.
    fn record_state(&self, position: u64, head_hash: &str, index: &StateIndex) -> Result<(), EngineError> {
        let tree = self.store().auxiliary_tree(STATES_TREE)?;
        let failed = |e: sled::Error| backup_error("file", format!("the index of the backup cannot be kept: {e}"));
        let value = [&crate::person_keys::check_of(self.deployment_key())[..], &encode_index(index)].concat();
        tree.insert([&position.to_be_bytes()[..], head_hash.as_bytes()].concat(), value).map_err(failed)?;
        while tree.len() > MAX_RECORDED_STATES {
            if tree.pop_min().map_err(failed)?.is_none() {
                break;
            }
        }
        tree.flush().map_err(failed)?;
        Ok(())
    }

    /// The index recorded for the base's head under this deployment key, if it is kept and
    /// is the state the base names (a base that names none takes the one recorded).
    fn recorded_state(&self, base: &BackupBase) -> Result<Option<StateIndex>, EngineError> {
        let tree = self.store().auxiliary_tree(STATES_TREE)?;
        let key = [&base.position.to_be_bytes()[..], base.head_hash.as_bytes()].concat();
        let Some(value) = tree.get(key).map_err(|e| backup_error("since", format!("reading its index: {e}")))? else {
            return Ok(None);
        };
        let check = crate::person_keys::check_of(self.deployment_key());
        let Some(encoded) = value.strip_prefix(&check[..]) else { return Ok(None) };
        // An index that does not read is as good as none: the increment is then whole.
        let decoded = decode_entries("since", encoded).ok().and_then(|entries| {
            entries.into_iter().map(|(name, digest)| Some((name, <[u8; 32]>::try_from(digest).ok()?))).collect()
        });
        let Some(index) = decoded else { return Ok(None) };
        Ok(match &base.state {
            Some(named) if *named != state_digest(&index) => None,
            _ => Some(index),
        })
    }

    fn write_backup(
        &self,
        snapshot: &Snapshot,
        since: Option<BackupBase>,
        base_index: Option<&StateIndex>,
        partial: &Path,
        log_file: &Path,
        created_at: Timestamp,
    ) -> Result<BackupManifest, EngineError> {
        let index = state_index(self.deployment_key(), [&snapshot.vault, &snapshot.credentials, &snapshot.keys]);
        let header = BackupHeader {
            format: BACKUP_FORMAT.to_owned(),
            format_version: BACKUP_FORMAT_VERSION,
            engine_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_at: created_at.unix_ms(),
            head_position: snapshot.head_position,
            head_hash: snapshot.head_hash.to_hex(),
            deployment: Some(snapshot.signing_key.origin()),
            since,
            state: Some(state_digest(&index)),
        };
        // The log from its first position up to the snapshot's, in a bundle of its own first
        // (its length goes before its bytes); none when it holds no record.
        let first = header.first_position();
        {
            let mut file = File::create(log_file).map_err(|e| io_error("creating", log_file, e))?;
            if snapshot.head_position >= first {
                crate::bundle::export_bundle_through(
                    self.store(),
                    Some(&snapshot.signing_key),
                    &mut file,
                    first,
                    snapshot.head_position,
                    created_at,
                )?;
            }
            file.sync_all().map_err(|e| io_error("syncing", log_file, e))?;
        }
        crate::fault_points::reached("backup: log part written, backup file not begun");
        let mut changes = [&snapshot.vault, &snapshot.credentials, &snapshot.keys]
            .into_iter()
            .zip(ENTRY_PARTS)
            .map(|(entries, (_, tag))| part_changes(tag, entries, &index, base_index));
        let [vault, credentials, keys] = std::array::from_fn(|_| Zeroizing::new(changes.next().unwrap_or_default()));
        let counts = [&vault, &credentials, &keys]
            .map(|changes| (changes.len(), changes.iter().filter(|(_, value)| value.is_none()).count()));
        let keys = Zeroizing::new(encode_changes(&keys));
        let keys = seal_part(self.deployment_key(), KEYS_PURPOSE, "keys", &header.head_hash, &keys)?;
        let vault = encode_changes(&vault);
        // Password and token hashes are no secrets, but offline they can be attacked: sealed.
        let credentials = Zeroizing::new(encode_changes(&credentials));
        let credentials =
            seal_part(self.deployment_key(), CREDENTIALS_PURPOSE, "credentials", &header.head_hash, &credentials)?;

        let file = File::create(partial).map_err(|e| io_error("creating", partial, e))?;
        let mut out = Written { file, digest: Sha256::new() };
        let mut line = serde_json::to_vec(&header).unwrap_or_default();
        line.push(b'\n');
        out.write(partial, &line)?;
        let mut parts = Vec::new();
        // The log's length and digest go before its bytes: it is read twice, once for each.
        let log_bytes = std::fs::metadata(log_file).map_err(|e| io_error("reading", log_file, e))?.len();
        let mut log_digest = Sha256::new();
        copy_file(log_file, |chunk| {
            log_digest.update(chunk);
            Ok(())
        })?;
        let log_summary = PartSummary {
            part: "log".to_owned(),
            bytes: log_bytes,
            items: snapshot.head_position + 1 - first,
            removed: 0,
            sha256: hex(&log_digest.finalize()),
        };
        write_part_line(&mut out, partial, &log_summary)?;
        copy_file(log_file, |chunk| out.write(partial, chunk))?;
        parts.push(log_summary);
        for ((name, _), bytes, (items, removed)) in
            ENTRY_PARTS.into_iter().zip([&vault, &credentials, &keys]).zip(counts).map(|((a, b), c)| (a, b, c))
        {
            let summary = PartSummary {
                part: name.to_owned(),
                bytes: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                items: u64::try_from(items).unwrap_or(u64::MAX),
                removed: u64::try_from(removed).unwrap_or(u64::MAX),
                sha256: hex(&Sha256::digest(bytes)),
            };
            write_part_line(&mut out, partial, &summary)?;
            out.write(partial, bytes)?;
            parts.push(summary);
        }
        let trailer = Trailer {
            end: END.to_owned(),
            parts: parts.iter().map(|p| p.part.clone()).collect(),
            sha256: hex(&out.digest.clone().finalize()),
        };
        let mut line = serde_json::to_vec(&trailer).unwrap_or_default();
        line.push(b'\n');
        out.file.write_all(&line).map_err(|e| io_error("writing", partial, e))?;
        out.file.sync_all().map_err(|e| io_error("syncing", partial, e))?;
        // Kept once the file is whole: an increment of a backup whose file failed would be
        // taken against a state no file holds (one whose rename fails is harmless).
        self.record_state(header.head_position, &header.head_hash, &index)?;
        Ok(BackupManifest { header, parts })
    }
}

/// Hands the file's bytes to `each`, a mebibyte at a time.
fn copy_file(path: &Path, mut each: impl FnMut(&[u8]) -> Result<(), EngineError>) -> Result<(), EngineError> {
    let mut reader = File::open(path).map_err(|e| io_error("reading", path, e))?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buffer).map_err(|e| io_error("reading", path, e))?;
        if n == 0 {
            return Ok(());
        }
        each(&buffer[..n])?;
    }
}

fn write_part_line(out: &mut Written, path: &Path, summary: &PartSummary) -> Result<(), EngineError> {
    let mut line = serde_json::to_vec(summary).unwrap_or_default();
    line.push(b'\n');
    out.write(path, &line)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads one line of at most [`MAX_LINE_BYTES`], without its newline.
fn read_line(reader: &mut impl BufRead, what: &str) -> Result<Vec<u8>, EngineError> {
    let mut line = Vec::new();
    let n = reader
        .by_ref()
        .take(u64::try_from(MAX_LINE_BYTES).unwrap_or(u64::MAX))
        .read_until(b'\n', &mut line)
        .map_err(|e| backup_error(what, format!("cannot be read: {e}")))?;
    if n == 0 {
        return Err(backup_error(what, "is missing: the file ends before it (a backup cut short)"));
    }
    if line.last() != Some(&b'\n') {
        return Err(backup_error(what, "is cut short or too long"));
    }
    line.pop();
    Ok(line)
}

/// A backup file read and checked: its header, its parts' places, every digest.
pub struct BackupFile {
    path: PathBuf,
    /// What it holds.
    pub manifest: BackupManifest,
    offsets: Vec<u64>,
}

impl BackupFile {
    /// Reads a backup and checks its shape, its version and every part's digest and the
    /// whole file's, naming the part at fault.
    pub fn open(path: &Path) -> Result<BackupFile, EngineError> {
        let file = File::open(path).map_err(|e| io_error("opening", path, e))?;
        let mut reader = BufReader::new(file);
        let mut whole = Sha256::new();
        let header_line = read_line(&mut reader, "header")?;
        whole.update(&header_line);
        whole.update(b"\n");
        let value: serde_json::Value = serde_json::from_slice(&header_line)
            .map_err(|_| backup_error("header", "is not JSON: this is not a Parapompi backup"))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(BACKUP_FORMAT) {
            return Err(backup_error(
                "header",
                format!("does not name the format {BACKUP_FORMAT}: this is not a Parapompi backup"),
            ));
        }
        let version = value.get("format_version").and_then(serde_json::Value::as_u64).unwrap_or(0);
        if version == 0 || version > u64::from(BACKUP_FORMAT_VERSION) {
            let engine = value.get("engine_version").and_then(|v| v.as_str()).unwrap_or("unknown");
            return Err(backup_error(
                "header",
                format!(
                    "is format version {version}, written by engine {engine}; this engine ({}) reads versions 1 \
                     to {BACKUP_FORMAT_VERSION}: restore it with engine {engine} or later",
                    env!("CARGO_PKG_VERSION")
                ),
            ));
        }
        let header: BackupHeader =
            serde_json::from_value(value).map_err(|e| backup_error("header", format!("is malformed: {e}")))?;
        let mut parts = Vec::new();
        let mut offsets = Vec::new();
        let mut offset = u64::try_from(header_line.len() + 1).unwrap_or(u64::MAX);
        for expected in PARTS {
            let line = read_line(&mut reader, expected)?;
            whole.update(&line);
            whole.update(b"\n");
            let summary: PartSummary = serde_json::from_slice(&line)
                .map_err(|_| backup_error(expected, "its line is not the part's summary"))?;
            if summary.part != expected {
                return Err(backup_error(expected, format!("expected here, found part {:?}", summary.part)));
            }
            offset += u64::try_from(line.len() + 1).unwrap_or(u64::MAX);
            offsets.push(offset);
            let mut digest = Sha256::new();
            let mut left = summary.bytes;
            let mut buffer = vec![0u8; 1 << 20];
            while left > 0 {
                let want = usize::try_from(left.min(u64::try_from(buffer.len()).unwrap_or(u64::MAX))).unwrap_or(0);
                let n = reader
                    .read(&mut buffer[..want])
                    .map_err(|e| backup_error(expected, format!("cannot be read: {e}")))?;
                if n == 0 {
                    return Err(backup_error(expected, "is cut short: the file ends inside it"));
                }
                digest.update(&buffer[..n]);
                whole.update(&buffer[..n]);
                left -= u64::try_from(n).unwrap_or(left);
            }
            if hex(&digest.finalize()) != summary.sha256 {
                return Err(backup_error(expected, "is damaged: its SHA-256 is not the one recorded"));
            }
            offset += summary.bytes;
            parts.push(summary);
        }
        let line = read_line(&mut reader, "trailer")?;
        let trailer: Trailer =
            serde_json::from_slice(&line).map_err(|_| backup_error("trailer", "is not the backup's end"))?;
        if trailer.end != END || trailer.parts != PARTS.map(str::to_owned) {
            return Err(backup_error("trailer", "does not end this backup"));
        }
        if trailer.sha256 != hex(&whole.finalize()) {
            return Err(backup_error("trailer", "its SHA-256 of the whole backup does not match: the file is damaged"));
        }
        let mut rest = [0u8; 1];
        if reader.read(&mut rest).map_err(|e| backup_error("trailer", format!("cannot be read: {e}")))? != 0 {
            return Err(backup_error("trailer", "is followed by more bytes"));
        }
        Ok(BackupFile { path: path.to_path_buf(), manifest: BackupManifest { header, parts }, offsets })
    }

    fn part_bytes(&self, index: usize) -> Result<Vec<u8>, EngineError> {
        let summary = &self.manifest.parts[index];
        let mut file = File::open(&self.path).map_err(|e| io_error("opening", &self.path, e))?;
        file.seek(SeekFrom::Start(self.offsets[index])).map_err(|e| io_error("reading", &self.path, e))?;
        let mut bytes = vec![0u8; usize::try_from(summary.bytes).unwrap_or(0)];
        file.read_exact(&mut bytes).map_err(|e| io_error("reading", &self.path, e))?;
        // Read again since it was checked: the file may have changed in between.
        if hex(&Sha256::digest(&bytes)) != summary.sha256 {
            return Err(backup_error(
                &summary.part,
                "changed since it was checked: its SHA-256 is not the one recorded",
            ));
        }
        Ok(bytes)
    }

    /// Copies the `log` part (a bundle) to `path`.
    fn extract_log(&self, path: &Path) -> Result<(), EngineError> {
        let mut file = File::open(&self.path).map_err(|e| io_error("opening", &self.path, e))?;
        file.seek(SeekFrom::Start(self.offsets[0])).map_err(|e| io_error("reading", &self.path, e))?;
        let mut out = File::create(path).map_err(|e| io_error("creating", path, e))?;
        let copied = std::io::copy(&mut file.take(self.manifest.parts[0].bytes), &mut out)
            .map_err(|e| io_error("writing", path, e))?;
        if copied != self.manifest.parts[0].bytes {
            return Err(backup_error("log", "is cut short"));
        }
        out.sync_all().map_err(|e| io_error("syncing", path, e))
    }

    /// Checks the backup whole: the digests (checked when opened), the log part as a bundle
    /// that ends at the header's position and hash, and, given the deployment key (a file or
    /// hex; a key kept in a data directory is not at hand here), that the `keys` part opens
    /// with it. `scratch` is a directory for the log's copy. True when the keys were checked.
    pub fn verify(&self, scratch: &Path, key: &crate::DeploymentKeySource) -> Result<bool, EngineError> {
        let key = match key {
            crate::DeploymentKeySource::InDataDir => None,
            source => Some(DeploymentKey::from_source(source, None, true)?),
        };
        self.verify_with(scratch, key.as_ref())?;
        Ok(key.is_some())
    }

    /// [`BackupFile::verify`] of the last of `files` against the backups before it: each file
    /// checked whole, the chain (a full backup, then its increments in order, each continuing
    /// the one before), and their logs joined, from position 1, as one history. True when the
    /// keys were checked (of every file).
    pub fn verify_chain(
        files: &[PathBuf],
        scratch: &Path,
        key: &crate::DeploymentKeySource,
    ) -> Result<bool, EngineError> {
        let key = match key {
            crate::DeploymentKeySource::InDataDir => None,
            source => Some(DeploymentKey::from_source(source, None, true)?),
        };
        let opened = files
            .iter()
            .map(|path| BackupFile::open(path).map_err(|error| restore::in_file(path, error)))
            .collect::<Result<Vec<_>, _>>()?;
        restore::check_chain(&opened)?;
        let mut logs = Vec::new();
        let joined = (|| {
            for (n, file) in opened.iter().enumerate() {
                file.verify_with(scratch, key.as_ref()).map_err(|error| restore::in_file(&file.path, error))?;
                let header = &file.manifest.header;
                if header.head_position >= header.first_position() {
                    let log = scratch.join(format!("backup-log-{n}.bundle"));
                    file.extract_log(&log)?;
                    logs.push(log);
                }
            }
            crate::bundle::verify_bundles(&logs)
                .map_err(|e| backup_error("log", format!("the logs joined do not verify: {e}")))
        })();
        for log in &logs {
            let _ = std::fs::remove_file(log);
        }
        joined?;
        if let Some(key) = &key {
            chain_state(&opened, key)?;
        }
        Ok(key.is_some())
    }

    fn verify_with(&self, scratch: &Path, key: Option<&DeploymentKey>) -> Result<(), EngineError> {
        let header = &self.manifest.header;
        let first = header.first_position();
        if header.head_position >= first {
            let log = scratch.join("backup-log.bundle");
            self.extract_log(&log)?;
            let verified = crate::bundle::verify_bundles(std::slice::from_ref(&log));
            let _ = std::fs::remove_file(&log);
            let verified = verified.map_err(|e| backup_error("log", format!("does not verify: {e}")))?;
            let prev_hash = verified.manifests.first().map(|m| m.prev_hash.clone()).unwrap_or_default();
            let expected_prev = header.since.as_ref().map_or_else(|| Hash::GENESIS.to_hex(), |b| b.head_hash.clone());
            if verified.positions != (first, header.head_position)
                || verified.head_hash.to_hex() != header.head_hash
                || prev_hash != expected_prev
            {
                return Err(backup_error(
                    "log",
                    format!(
                        "holds positions {}..{} after {prev_hash} ending in {}, the header says {first}..{} after \
                         {expected_prev} ending in {}",
                        verified.positions.0,
                        verified.positions.1,
                        verified.head_hash.to_hex(),
                        header.head_position,
                        header.head_hash
                    ),
                ));
            }
        } else if self.manifest.parts[0].bytes != 0 || header.head_position + 1 != first {
            return Err(backup_error(
                "log",
                format!("the header says it holds no record, ending at {} after {first}", header.head_position),
            ));
        }
        if header.format_version >= 3 && header.state.is_none() {
            return Err(backup_error("header", "names no state: a backup of version 3 names its index's digest"));
        }
        let parts: &[usize] = if key.is_some() { &[1, 2, 3] } else { &[1] };
        for &part in parts {
            let changes = self.changes(part, key)?;
            if self.parts_are_whole() && changes.iter().any(|(_, value)| value.is_none()) {
                return Err(backup_error(PARTS[part], "removes an entry, but its backup holds its parts whole"));
            }
        }
        Ok(())
    }

    /// True when its vault, credentials and keys are whole (a full backup, or an increment
    /// without its base's state), not the changes since its base.
    fn parts_are_whole(&self) -> bool {
        self.manifest.header.since.as_ref().is_none_or(|base| base.state.is_none())
    }

    /// The changes part `part` (1 to 3) holds, opened with the deployment key where it is
    /// sealed: entry by entry in version 3; before, every entry as it is (the key files by
    /// name, as version 3 names them).
    fn changes(&self, part: usize, key: Option<&DeploymentKey>) -> Result<Vec<Change>, EngineError> {
        let name = PARTS[part];
        let header = &self.manifest.header;
        let bytes = match (part, key) {
            (1, _) => self.part_bytes(part)?,
            (_, Some(key)) => {
                let purpose = if part == 2 { CREDENTIALS_PURPOSE } else { KEYS_PURPOSE };
                open_part(key, purpose, name, &header.head_hash, &self.part_bytes(part)?)?
            }
            (_, None) => return Err(backup_error(name, "is sealed: the deployment key is needed to read it")),
        };
        if header.format_version >= 3 {
            return decode_changes(name, &bytes);
        }
        let prefix: &[u8] = if part == 3 { KEY_FILE } else { b"" };
        Ok(decode_entries(name, &bytes)?.into_iter().map(|(k, v)| ([prefix, &k].concat(), Some(v))).collect())
    }
}

/// The vault, the credentials and the keys that a chain of backups (checked as a chain)
/// leaves: from the last file whose parts are whole, each later one's changes applied in
/// order; checked against the state the last file names, when it names one.
pub(crate) fn chain_state(files: &[BackupFile], key: &DeploymentKey) -> Result<[EntryMap; 3], EngineError> {
    let start = files.iter().rposition(BackupFile::parts_are_whole).unwrap_or(0);
    let mut state: [EntryMap; 3] = Default::default();
    for file in &files[start..] {
        for (entries, part) in state.iter_mut().zip(1..) {
            for (name, value) in file.changes(part, Some(key)).map_err(|error| restore::in_file(&file.path, error))? {
                match value {
                    Some(bytes) => entries.insert(name, bytes),
                    None => entries.remove(&name),
                };
            }
        }
    }
    let Some(last) = files.last() else { return Ok(state) };
    if let Some(expected) = &last.manifest.header.state {
        let [vault, credentials, keys] = &state;
        if state_digest(&state_index(key, [vault, credentials, keys])) != *expected {
            return Err(backup_error(
                "chain",
                format!(
                    "the vault, credentials and keys its files leave are not the state {} recorded: an increment \
                     was taken against another state than the file before it",
                    last.path.display()
                ),
            ));
        }
    }
    Ok(state)
}

mod restore;

pub use restore::{restore, LaterErasure, Restored};
