//! Person keys: each beneficiary's vault entries are encrypted with a key of their own, and
//! the keys live here, outside sled, in one file encrypted under the deployment key. Erasing
//! a person removes their key from this file, and from that moment every copy of their
//! vault entries (in sled's old segments, in a backup of the data directory) is unreadable.
//!
//! The file, `DATA_DIR/keys/person-keys`, is made when the data directory is: a first line
//! naming the format and its version, 32 bytes that check the deployment key (an HMAC under
//! it, so that another key is refused even before anyone has a key of their own), then
//! records, each the 4-byte big-endian length of what follows, a 24-byte nonce and the
//! XChaCha20-Poly1305 ciphertext (under a key derived from the deployment key, the first
//! line as associated data) of one or more entries of 48 bytes: a beneficiary id and their
//! key. A new key is appended as one record and synced before any entry encrypted with it
//! is written; a torn last record (a crash while it was appended) is therefore a key no
//! entry uses, and is dropped. Removing a key rewrites the file whole and atomically (write,
//! fsync, rename, fsync the directory), so a crash leaves the old file or the new one.
//! A rotation of the deployment key rewrites it the same way, every key under the new one
//! (`engine/key_rotation.rs`); the keys themselves stay.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use parapompi_core::values::BeneficiaryId;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::deployment_key::{random_key, write_private_file, DeploymentKey};
use crate::error::{EngineError, KeyError, KeyFileAction, KeyFileProblem};

/// The first line of a person-key file.
const FILE_HEADER: &[u8] = b"parapompi-person-keys v1\n";
/// A key's length in bytes.
const KEY_BYTES: usize = 32;
/// An entry's length: a beneficiary id and a key.
const ENTRY_BYTES: usize = 16 + KEY_BYTES;
/// XChaCha20-Poly1305's nonce.
const NONCE_BYTES: usize = 24;
/// The check of the deployment key after the first line.
const CHECK_BYTES: usize = 32;
/// A record that an append writes: its length, a nonce, one entry and the AEAD's tag.
const APPEND_RECORD_BYTES: usize = 4 + NONCE_BYTES + ENTRY_BYTES + 16;

/// The purpose of the file's check of the deployment key.
const CHECK_PURPOSE: &str = "parapompi/person-keys/check";

/// A person's key; wiped when dropped.
pub(crate) type PersonKey = Zeroizing<[u8; KEY_BYTES]>;

/// Where a data directory keeps its person keys.
pub fn person_keys_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("person-keys")
}

/// The person keys: the file (none for a temporary Engine) and the keys it holds.
pub(crate) struct PersonKeys {
    path: Option<PathBuf>,
    file_cipher: XChaCha20Poly1305,
    /// The file's check of the deployment key.
    check: [u8; CHECK_BYTES],
    keys: Mutex<HashMap<BeneficiaryId, PersonKey>>,
}

fn key_error(path: &Path, problem: KeyFileProblem) -> EngineError {
    KeyError::damaged(path, problem)
}

fn file_error(action: KeyFileAction, path: &Path) -> impl FnOnce(std::io::Error) -> EngineError + '_ {
    move |source| KeyError::file(action, path, source)
}

impl PersonKeys {
    /// Reads the file at `path`; `None` keeps the keys in memory only. A missing file is
    /// made, unless `must_exist` (the vault holds entries, which only the file's keys open).
    pub(crate) fn open(
        path: Option<PathBuf>,
        deployment: &DeploymentKey,
        must_exist: bool,
    ) -> Result<PersonKeys, EngineError> {
        let file_key = deployment.derive("person-keys file");
        let file_cipher = XChaCha20Poly1305::new(file_key.as_ref().into());
        let check = check_of(deployment);
        let mut keys = HashMap::new();
        if let Some(path) = &path {
            match fs::read(path) {
                Ok(bytes) => {
                    let Some(rest) = bytes.strip_prefix(FILE_HEADER) else {
                        let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
                        return Err(key_error(
                            path,
                            KeyFileProblem::NotPersonKeyFile {
                                found: Some(String::from_utf8_lossy(first_line).into_owned()),
                                reads: Some(
                                    String::from_utf8_lossy(&FILE_HEADER[..FILE_HEADER.len() - 1]).into_owned(),
                                ),
                            },
                        ));
                    };
                    if !deployment.verify(CHECK_PURPOSE, rest.get(..CHECK_BYTES).unwrap_or_default()) {
                        return Err(key_error(path, KeyFileProblem::WrongDeploymentKey));
                    }
                    let whole = FILE_HEADER.len()
                        + CHECK_BYTES
                        + read_records(path, &file_cipher, &Zeroizing::new(rest[CHECK_BYTES..].to_vec()), &mut keys)?;
                    if whole < bytes.len() {
                        // A torn last record: cut it off, so that the next one follows a whole one.
                        let file = fs::OpenOptions::new().write(true).open(path);
                        file.and_then(|f| {
                            f.set_len(u64::try_from(whole).unwrap_or(u64::MAX)).and_then(|()| f.sync_all())
                        })
                        .map_err(file_error(KeyFileAction::CutTornRecord, path))?;
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound && must_exist => {
                    return Err(EngineError::Key(KeyError::PersonKeysMissing { path: path.clone(), source: error }))
                }
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    let mut file = FILE_HEADER.to_vec();
                    file.extend_from_slice(&check);
                    write_private_file(path, &file).map_err(file_error(KeyFileAction::Write, path))?;
                }
                Err(error) => return Err(KeyError::file(KeyFileAction::Read, path, error)),
            }
        }
        Ok(PersonKeys { path, file_cipher, check, keys: Mutex::new(keys) })
    }

    fn keys(&self) -> Result<std::sync::MutexGuard<'_, HashMap<BeneficiaryId, PersonKey>>, EngineError> {
        self.keys.lock().map_err(|_| EngineError::Interrupted("a panic poisoned the person keys".to_owned()))
    }

    /// How many keys the file holds.
    pub(crate) fn len(&self) -> Result<usize, EngineError> {
        Ok(self.keys()?.len())
    }

    /// The person's key, if they have one (not after an erasure).
    pub(crate) fn get(&self, beneficiary_id: BeneficiaryId) -> Result<Option<PersonKey>, EngineError> {
        Ok(self.keys()?.get(&beneficiary_id).cloned())
    }

    /// The person's key, made and durably saved first if they have none.
    pub(crate) fn get_or_create(&self, beneficiary_id: BeneficiaryId) -> Result<PersonKey, EngineError> {
        let mut keys = self.keys()?;
        if let Some(key) = keys.get(&beneficiary_id) {
            return Ok(key.clone());
        }
        let key = random_key()?;
        if let Some(path) = &self.path {
            let mut entry = Zeroizing::new(Vec::with_capacity(ENTRY_BYTES));
            entry.extend_from_slice(beneficiary_id.uuid().as_bytes());
            entry.extend_from_slice(key.as_ref());
            self.append_record(path, &entry)?;
        }
        keys.insert(beneficiary_id, key.clone());
        Ok(key)
    }

    /// Destroys the person's key: the file is rewritten without it. True if there was one.
    pub(crate) fn remove(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        let mut keys = self.keys()?;
        if !keys.contains_key(&beneficiary_id) {
            return Ok(false);
        }
        if let Some(path) = &self.path {
            let file = whole_file(path, &self.file_cipher, &self.check, &keys, Some(beneficiary_id))?;
            write_private_file(path, &file).map_err(file_error(KeyFileAction::Rewrite, path))?;
        }
        keys.remove(&beneficiary_id);
        Ok(true)
    }

    /// Rewrites the file whole and atomically with every key this holds, encrypted under
    /// `deployment` instead (a rotation of the deployment key); gives how many keys it
    /// holds. This value keeps the old key: the Engine that owns it is closed next.
    pub(crate) fn rewrite_under(&self, deployment: &DeploymentKey) -> Result<usize, EngineError> {
        let keys = self.keys()?;
        let Some(path) = &self.path else { return Ok(keys.len()) };
        let file_key = deployment.derive("person-keys file");
        let file_cipher = XChaCha20Poly1305::new(file_key.as_ref().into());
        let file = whole_file(path, &file_cipher, &check_of(deployment), &keys, None)?;
        write_private_file(path, &file).map_err(file_error(KeyFileAction::Rewrite, path))?;
        Ok(keys.len())
    }

    /// Every key this holds, by beneficiary id (what a backup carries, read while acts wait).
    pub(crate) fn all(&self) -> Result<Vec<(BeneficiaryId, PersonKey)>, EngineError> {
        let mut all: Vec<(BeneficiaryId, PersonKey)> =
            self.keys()?.iter().map(|(id, key)| (*id, key.clone())).collect();
        all.sort_by_key(|(id, _)| *id);
        Ok(all)
    }

    fn seal_record(&self, path: &Path, entries: &[u8]) -> Result<Vec<u8>, EngineError> {
        seal_record(path, &self.file_cipher, entries)
    }

    fn append_record(&self, path: &Path, entries: &[u8]) -> Result<(), EngineError> {
        let record = self.seal_record(path, entries)?;
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(file_error(KeyFileAction::OpenForAppending, path))?;
        let before = file.metadata().map_err(file_error(KeyFileAction::ReadLength, path))?.len();
        if let Err(error) = file.write_all(&record).and_then(|()| file.sync_data()) {
            // A part of a record (a full disk) must not stay for the next one to follow.
            let _ = file.set_len(before).and_then(|()| file.sync_data());
            return Err(KeyError::file(KeyFileAction::Append, path, error));
        }
        Ok(())
    }
}

/// The whole file: its first line, the check of the deployment key, and one record of every
/// key in `keys` but `except`'s, by beneficiary id.
fn whole_file(
    path: &Path,
    cipher: &XChaCha20Poly1305,
    check: &[u8; CHECK_BYTES],
    keys: &HashMap<BeneficiaryId, PersonKey>,
    except: Option<BeneficiaryId>,
) -> Result<Vec<u8>, EngineError> {
    let mut entries = Zeroizing::new(Vec::with_capacity(keys.len() * ENTRY_BYTES));
    let mut ids: Vec<&BeneficiaryId> = keys.keys().filter(|id| Some(**id) != except).collect();
    ids.sort();
    for id in ids {
        entries.extend_from_slice(id.uuid().as_bytes());
        entries.extend_from_slice(keys[id].as_ref());
    }
    let mut file = FILE_HEADER.to_vec();
    file.extend_from_slice(check);
    if !entries.is_empty() {
        file.extend_from_slice(&seal_record(path, cipher, &entries)?);
    }
    Ok(file)
}

/// Writes a whole person-key file at `path` holding `keys`, under `deployment` (a restore
/// puts back the keys a backup carries one by one).
pub(crate) fn write_person_keys(
    path: &Path,
    deployment: &DeploymentKey,
    keys: HashMap<BeneficiaryId, PersonKey>,
) -> Result<(), EngineError> {
    let file_key = deployment.derive("person-keys file");
    let cipher = XChaCha20Poly1305::new(file_key.as_ref().into());
    let file = whole_file(path, &cipher, &check_of(deployment), &keys, None)?;
    write_private_file(path, &file).map_err(file_error(KeyFileAction::Write, path))
}

/// One record of `entries`, sealed with the file's cipher.
fn seal_record(path: &Path, cipher: &XChaCha20Poly1305, entries: &[u8]) -> Result<Vec<u8>, EngineError> {
    let nonce = random_key()?;
    let nonce = XNonce::from_slice(&nonce[..NONCE_BYTES]);
    let sealed = cipher
        .encrypt(nonce, Payload { msg: entries, aad: FILE_HEADER })
        .map_err(|_| key_error(path, KeyFileProblem::CannotEncrypt))?;
    let length =
        u32::try_from(NONCE_BYTES + sealed.len()).map_err(|_| key_error(path, KeyFileProblem::RecordTooLong))?;
    let mut record = length.to_be_bytes().to_vec();
    record.extend_from_slice(nonce);
    record.extend_from_slice(&sealed);
    Ok(record)
}

/// The check of `deployment` that a person-key file kept under it holds after its first
/// line (a digest under the key: it tells the key without revealing it).
pub(crate) fn check_of(deployment: &DeploymentKey) -> [u8; CHECK_BYTES] {
    deployment.digest(CHECK_PURPOSE, &[])
}

/// The check of the deployment key in the person-key file at `path`; `None` when there is
/// no file.
pub(crate) fn file_check(path: &Path) -> Result<Option<[u8; CHECK_BYTES]>, EngineError> {
    let mut head = [0u8; FILE_HEADER.len() + CHECK_BYTES];
    let read = fs::File::open(path).and_then(|mut file| {
        use std::io::Read;
        file.read_exact(&mut head)
    });
    match read {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) if error.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(key_error(path, KeyFileProblem::ShorterThanHeader))
        }
        Err(error) => return Err(KeyError::file(KeyFileAction::Read, path, error)),
    }
    let Some(check) = head.strip_prefix(FILE_HEADER) else {
        return Err(key_error(path, KeyFileProblem::NotPersonKeyFile { found: None, reads: None }));
    };
    let mut out = [0u8; CHECK_BYTES];
    out.copy_from_slice(check);
    Ok(Some(out))
}

/// Reads the records of a person-key file (what follows its first line and check) into
/// `keys`, and gives the length of its whole records: a torn last record is left out.
fn read_records(
    path: &Path,
    cipher: &XChaCha20Poly1305,
    bytes: &[u8],
    keys: &mut HashMap<BeneficiaryId, PersonKey>,
) -> Result<usize, EngineError> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let whole = bytes.len() - rest.len();
        // Only an append can be torn, and an append is one record of one entry: a longer
        // tail that does not read is damage, never dropped.
        let torn = || {
            if rest.len() <= APPEND_RECORD_BYTES {
                Ok(whole)
            } else {
                Err(key_error(path, KeyFileProblem::DamagedAfter { bytes: whole }))
            }
        };
        let Some(length) = rest.get(..4) else { return torn() };
        let length =
            usize::try_from(u32::from_be_bytes([length[0], length[1], length[2], length[3]])).unwrap_or(usize::MAX);
        let Some(record) = rest.get(4..4usize.saturating_add(length)) else { return torn() };
        let last = rest.len() == 4 + length;
        if record.len() < NONCE_BYTES {
            return if last { torn() } else { Err(key_error(path, KeyFileProblem::RecordCutShort)) };
        }
        let (nonce, sealed) = record.split_at(NONCE_BYTES);
        let opened = cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: FILE_HEADER });
        let entries = match opened {
            Ok(entries) => Zeroizing::new(entries),
            // A record torn while it was appended (the key's check has shown the deployment
            // key is the right one).
            Err(_) if last => return torn(),
            Err(_) => return Err(key_error(path, KeyFileProblem::RecordDoesNotOpen)),
        };
        if entries.len() % ENTRY_BYTES != 0 {
            return Err(key_error(path, KeyFileProblem::PartialEntry));
        }
        for entry in entries.chunks_exact(ENTRY_BYTES) {
            let mut id = [0u8; 16];
            id.copy_from_slice(&entry[..16]);
            let mut key = Zeroizing::new([0u8; KEY_BYTES]);
            key.copy_from_slice(&entry[16..]);
            keys.insert(BeneficiaryId::new(Uuid::from_bytes(id)), key);
        }
        rest = &rest[4 + length..];
    }
    Ok(bytes.len())
}

/// Encrypts a vault entry of `beneficiary_id` with their key: a 24-byte nonce, then the
/// ciphertext, with the beneficiary id and `purpose` as associated data (so an entry cannot
/// be moved to another person or another use).
pub(crate) fn seal(
    key: &PersonKey,
    beneficiary_id: BeneficiaryId,
    purpose: &str,
    plain: &[u8],
) -> Result<Vec<u8>, EngineError> {
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let nonce = random_key()?;
    let nonce = XNonce::from_slice(&nonce[..NONCE_BYTES]);
    let aad = associated_data(beneficiary_id, purpose);
    let sealed = cipher
        .encrypt(nonce, Payload { msg: plain, aad: &aad })
        .map_err(|_| EngineError::Vault("cannot encrypt an entry".to_owned()))?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Decrypts what [`seal`] made.
pub(crate) fn open(
    key: &PersonKey,
    beneficiary_id: BeneficiaryId,
    purpose: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EngineError> {
    if sealed.len() < NONCE_BYTES {
        return Err(EngineError::Vault(format!("an entry of {} is cut short", beneficiary_id.stream_id())));
    }
    let (nonce, sealed) = sealed.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new(key.as_ref().into());
    let aad = associated_data(beneficiary_id, purpose);
    cipher.decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: &aad }).map(Zeroizing::new).map_err(|_| {
        EngineError::Vault(format!("an entry of {} does not open with their key", beneficiary_id.stream_id()))
    })
}

fn associated_data(beneficiary_id: BeneficiaryId, purpose: &str) -> Vec<u8> {
    let mut aad = b"parapompi/vault/v1\0".to_vec();
    aad.extend_from_slice(beneficiary_id.uuid().as_bytes());
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> BeneficiaryId {
        BeneficiaryId::new(Uuid::from_u128(n))
    }

    #[test]
    fn keys_are_kept_encrypted_removed_for_good_and_a_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = person_keys_path(dir.path());
        let deployment = DeploymentKey::ephemeral().expect("a key");
        let keys = PersonKeys::open(Some(path.clone()), &deployment, false).expect("opens");
        let a = keys.get_or_create(id(1)).expect("made");
        let b = keys.get_or_create(id(2)).expect("made");
        assert_eq!(keys.get_or_create(id(1)).expect("kept"), a);
        let file = fs::read(&path).expect("the file");
        assert!(!file.windows(KEY_BYTES).any(|w| w == a.as_ref()), "a key in the clear");
        let again = PersonKeys::open(Some(path.clone()), &deployment, false).expect("reopens");
        assert_eq!(again.get(id(2)).expect("read"), Some(b.clone()));

        assert!(keys.remove(id(1)).expect("removed"));
        let after = PersonKeys::open(Some(path.clone()), &deployment, false).expect("reopens");
        assert_eq!(after.get(id(1)).expect("read"), None);
        assert_eq!(after.get(id(2)).expect("read"), Some(b));

        // A record cut off while it was appended is a key no entry uses yet: dropped.
        let c = after.get_or_create(id(3)).expect("made");
        let whole = fs::read(&path).expect("the file");
        fs::write(&path, &whole[..whole.len() - 5]).expect("cut");
        let torn = PersonKeys::open(Some(path.clone()), &deployment, false).expect("opens without the torn record");
        assert_eq!(torn.get(id(3)).expect("read"), None);
        assert!(torn.get(id(2)).expect("read").is_some());
        drop(c);
        // The torn record was cut off: a key made after it reads back.
        let d = torn.get_or_create(id(4)).expect("made");
        let later = PersonKeys::open(Some(path.clone()), &deployment, false).expect("reopens");
        assert_eq!(later.get(id(4)).expect("read"), Some(d));

        // Another deployment key reads nothing, and says so.
        let stranger = DeploymentKey::ephemeral().expect("a key");
        let error = PersonKeys::open(Some(path.clone()), &stranger, false).err().expect("refused").to_string();
        assert!(error.contains("deployment key"), "{error}");
    }

    #[test]
    fn an_entry_opens_only_with_its_key_for_its_person_and_purpose() {
        let key = random_key().expect("a key");
        let sealed = seal(&key, id(1), "identity", "Αικατερίνη".as_bytes()).expect("sealed");
        assert!(!sealed.windows(4).any(|w| w == &"Αικατερίνη".as_bytes()[..4]));
        assert_eq!(open(&key, id(1), "identity", &sealed).expect("opens").as_slice(), "Αικατερίνη".as_bytes());
        assert!(open(&key, id(2), "identity", &sealed).is_err(), "another person");
        assert!(open(&key, id(1), "note", &sealed).is_err(), "another use");
        assert!(open(&random_key().expect("a key"), id(1), "identity", &sealed).is_err(), "another key");
    }
}
