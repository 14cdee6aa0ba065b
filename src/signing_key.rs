//! The signing key of a data directory: the Ed25519 key that signs its checkpoints
//! (`checkpoint.rs`), so that a statement "the log had this head at this position" can be
//! checked by anyone who recorded the public key, and cannot be made by anyone else.
//!
//! It lives in `DATA_DIR/keys/signing.key`, made on the first open of the directory (as the
//! deployment key is), readable by its owner only and written whole and atomically by the
//! one writer of key files (`deployment_key::write_private_file`). It never enters the log;
//! its public key travels in every checkpoint as a C2SP verifier key, an evaluator or a
//! witness records it out of band, and a centre's administrator records it in the log
//! (`SigningKeyRecorded`, revoked by `SigningKeyRevoked`: `core/src/centre.rs`). Beside the data it suits a trial: a copy of the data
//! directory can then sign as the centre, so in production keep a backup apart.
//!
//! The file also names the deployment (a UUID made with the first key, kept by every
//! rotation): the origin of its checkpoints, which stays the same when the key changes.

use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::{Signer, SigningKey as Ed25519SigningKey};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::checkpoint::VerifierKey;
use crate::deployment_key::{random_key, write_private_file};
use crate::error::{EngineError, KeyError, KeyFileAction, KeyFileProblem};

/// The first line of a signing key file.
const SIGNING_KEY_HEADER: &str = "parapompi-signing-key v1";

/// Where a data directory keeps its signing key.
pub fn signing_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("signing.key")
}

/// Where a rotation keeps the new signing key until the log records it.
pub fn next_signing_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("signing.key.next")
}

/// The origin line of a deployment's checkpoints: a schema-less name, as C2SP asks.
pub fn origin_of(deployment_id: Uuid) -> String {
    format!("parapompi.eu/deployment/{deployment_id}")
}

/// A data directory's signing key and the deployment it names. The secret is wiped when
/// dropped (ed25519-dalek's `zeroize` feature) and never printed.
pub struct SigningKey {
    deployment_id: Uuid,
    key: Ed25519SigningKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({}, …)", self.verifier_key().vkey())
    }
}

impl SigningKey {
    /// A key that lives in memory only (temporary stores), for a new deployment.
    pub(crate) fn ephemeral() -> Result<SigningKey, EngineError> {
        let seed = random_key()?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id).map_err(|e| EngineError::Key(KeyError::NoRandomBytes { problem: e.to_string() }))?;
        Ok(SigningKey {
            deployment_id: uuid::Builder::from_random_bytes(id).into_uuid(),
            key: Ed25519SigningKey::from_bytes(&seed),
        })
    }

    /// A key made from a 32-byte seed: the same seed gives the same key (for a caller that
    /// needs a signature reproducible, such as a test).
    pub fn from_seed(deployment_id: Uuid, seed: &[u8; 32]) -> SigningKey {
        SigningKey { deployment_id, key: Ed25519SigningKey::from_bytes(seed) }
    }

    /// The key in the file at `path`, made and saved there when there is none.
    pub(crate) fn open(path: &Path) -> Result<(SigningKey, bool), EngineError> {
        match fs::read_to_string(path) {
            Ok(text) => SigningKey::parse(&Zeroizing::new(text))
                .map(|key| (key, false))
                .map_err(|problem| KeyError::damaged(path, problem)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::ephemeral()?;
                key.save(path)?;
                Ok((key, true))
            }
            Err(error) => Err(KeyError::file(KeyFileAction::Read, path, error)),
        }
    }

    /// The key in the file at `path`; `None` when there is none (nothing is made).
    pub(crate) fn read(path: &Path) -> Result<Option<SigningKey>, EngineError> {
        match fs::read_to_string(path) {
            Ok(text) => {
                SigningKey::parse(&Zeroizing::new(text)).map(Some).map_err(|problem| KeyError::damaged(path, problem))
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(KeyError::file(KeyFileAction::Read, path, error)),
        }
    }

    /// A copy of the key, for signing with after its holder's lock is let go (a backup's
    /// checkpoint, signed with the key chosen while acts were held off).
    pub(crate) fn duplicate(&self) -> SigningKey {
        let seed = Zeroizing::new(self.key.to_bytes());
        SigningKey::from_seed(self.deployment_id, &seed)
    }

    /// A new random key for the same deployment (a rotation keeps the origin).
    pub(crate) fn successor(&self) -> Result<SigningKey, EngineError> {
        Ok(SigningKey::from_seed(self.deployment_id, &*random_key()?))
    }

    fn parse(text: &str) -> Result<SigningKey, KeyFileProblem> {
        let mut lines = text.lines();
        match lines.next() {
            Some(SIGNING_KEY_HEADER) => {}
            Some(other) if other.starts_with("parapompi-signing-key ") => {
                return Err(KeyFileProblem::OtherFormat { found: other.to_owned(), reads: SIGNING_KEY_HEADER })
            }
            _ => return Err(KeyFileProblem::NotAKeyFile { kind: "signing", header: SIGNING_KEY_HEADER }),
        }
        let deployment = lines.next().and_then(|line| line.strip_prefix("deployment ")).unwrap_or_default();
        let deployment_id = Uuid::parse_str(deployment).map_err(|_| KeyFileProblem::NoDeploymentLine)?;
        let hex = lines.next().and_then(|line| line.strip_prefix("secret ")).unwrap_or_default();
        let seed = seed_from_hex(hex).ok_or(KeyFileProblem::NoSecretLine)?;
        Ok(SigningKey::from_seed(deployment_id, &seed))
    }

    /// Saves the key in a key file at `path`, whole and atomically, owner-only.
    pub(crate) fn save(&self, path: &Path) -> Result<(), EngineError> {
        let mut text = Zeroizing::new(format!("{SIGNING_KEY_HEADER}\ndeployment {}\nsecret ", self.deployment_id));
        for byte in self.key.to_bytes().iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('\n');
        write_private_file(path, text.as_bytes()).map_err(|e| KeyError::file(KeyFileAction::Write, path, e))
    }

    /// The deployment this key signs for.
    pub fn deployment_id(&self) -> Uuid {
        self.deployment_id
    }

    /// The origin line of the checkpoints it signs.
    pub fn origin(&self) -> String {
        origin_of(self.deployment_id)
    }

    /// The public half, named by the origin (the C2SP key name).
    pub fn verifier_key(&self) -> VerifierKey {
        VerifierKey::new(self.origin(), self.key.verifying_key())
    }

    /// The Ed25519 signature of `message`.
    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }
}

/// 32 bytes from 64 hex digits.
pub(crate) fn seed_from_hex(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 {
        return None;
    }
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signing_key_is_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = signing_key_path(dir.path());
        let (first, made) = SigningKey::open(&path).expect("made");
        let (again, made_again) = SigningKey::open(&path).expect("read back");
        assert!(made && !made_again);
        assert_eq!(first.verifier_key(), again.verifier_key());
        assert_eq!(first.sign(b"m"), again.sign(b"m"));
        assert!(format!("{first:?}").starts_with("SigningKey(parapompi.eu/deployment/"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).expect("the file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        for (text, needle) in [
            ("parapompi-signing-key v9\n", "this engine reads"),
            ("hello\n", "not a signing key file"),
            ("parapompi-signing-key v1\ndeployment x\n", "deployment <uuid>"),
            ("parapompi-signing-key v1\ndeployment 6f1f5f3e-0f6c-4b0a-9c55-1b1b1b1b1b1b\nsecret zz\n", "64 hex"),
        ] {
            fs::write(&path, text).expect("written");
            let error = SigningKey::open(&path).expect_err("refused").to_string();
            assert!(error.contains(needle) && error.contains("signing.key"), "{error}");
        }
    }
}
