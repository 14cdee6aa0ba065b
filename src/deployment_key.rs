//! The deployment key: the one secret of a deployment, given at open. Under it
//! - identifiers (an AMKA) become keyed digests (HMAC-SHA256) for the indexes that find
//!   people: a plain digest of an AMKA would be reversible, since an AMKA has only about
//!   3.7·10⁸ values, and a keyed one is not without the key;
//! - the person-key file is encrypted (`person_keys.rs`): without the deployment key, no
//!   person's vault entries can be read.
//!
//! It comes from a file the embedder names, from the environment (as hex, through the
//! CLI), or by default from `DATA_DIR/keys/deployment.key`, made there on first use: 32 bytes
//! from the operating system's random source, readable by its owner only. A key beside the
//! data is fine for a trial but not for production, where it belongs on another volume (or
//! in the environment), so that a copy of the data directory alone reads nothing.
//! Its file is text: a first line naming the format and its version, then the key in hex.
//! It is written whole and atomically (a temporary file, fsync, rename, fsync of the
//! directory). Losing it loses every person's vault entries: back it up apart from the data.
//! It is replaced only by a rotation (`engine/key_rotation.rs`), which rewrites the person-key
//! file under the new key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{EngineError, KeyError, KeyFileAction, KeyFileProblem};

/// The first line of a key file.
const KEY_FILE_HEADER: &str = "parapompi-deployment-key v1";
/// The key's length in bytes.
const KEY_BYTES: usize = 32;

/// The deployment key. Its bytes are wiped when it is dropped and never printed.
#[derive(Clone)]
pub(crate) struct DeploymentKey {
    bytes: Zeroizing<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for DeploymentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeploymentKey(…)")
    }
}

/// Where a data directory keeps its deployment key by default.
pub fn deployment_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("deployment.key")
}

/// Where the deployment key of an Engine comes from.
#[derive(Clone, Debug, Default)]
pub enum DeploymentKeySource {
    /// `DATA_DIR/keys/deployment.key`, made there on first use (a temporary Engine keeps
    /// one in memory).
    #[default]
    InDataDir,
    /// This file, made there on first use.
    File(PathBuf),
    /// These 64 hex digits (from the environment, say).
    Hex(HexKey),
}

/// A key given as hex; wiped when dropped, never printed.
#[derive(Clone)]
pub struct HexKey(Zeroizing<String>);

impl HexKey {
    /// Wraps the hex text of a key (checked when the Engine opens).
    pub fn new(hex: String) -> HexKey {
        HexKey(Zeroizing::new(hex))
    }
}

impl std::fmt::Debug for HexKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HexKey(…)")
    }
}

impl DeploymentKey {
    /// A key that lives in memory only (temporary stores).
    pub(crate) fn ephemeral() -> Result<DeploymentKey, EngineError> {
        Ok(DeploymentKey { bytes: random_key()? })
    }

    /// The key from where `source` says, for the data directory `data_dir` (`None` for a
    /// temporary store). A key file is made on first use only while `in_use` is false:
    /// once something was encrypted under the key, a missing file is an error to mend from
    /// its backup, never a reason to make another key.
    pub(crate) fn from_source(
        source: &DeploymentKeySource,
        data_dir: Option<&Path>,
        in_use: bool,
    ) -> Result<DeploymentKey, EngineError> {
        let from_file = |path: &Path| {
            if in_use && !path.exists() {
                return Err(EngineError::Key(KeyError::DeploymentKeyMissing { path: path.to_owned() }));
            }
            DeploymentKey::open(path)
        };
        match (source, data_dir) {
            (DeploymentKeySource::File(path), _) => from_file(path),
            (DeploymentKeySource::Hex(hex), _) => DeploymentKey::from_hex_key(hex),
            (DeploymentKeySource::InDataDir, Some(dir)) => from_file(&deployment_key_path(dir)),
            (DeploymentKeySource::InDataDir, None) => DeploymentKey::ephemeral(),
        }
    }

    /// The key in the file at `path`, made and saved there on first use.
    pub(crate) fn open(path: &Path) -> Result<DeploymentKey, EngineError> {
        match fs::read_to_string(path) {
            Ok(text) => DeploymentKey::parse(&Zeroizing::new(text)).map_err(|problem| KeyError::damaged(path, problem)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = DeploymentKey::ephemeral()?;
                key.save(path)?;
                Ok(key)
            }
            Err(error) => Err(KeyError::file(KeyFileAction::Read, path, error)),
        }
    }

    fn parse(text: &str) -> Result<DeploymentKey, KeyFileProblem> {
        let mut lines = text.lines();
        match lines.next() {
            Some(KEY_FILE_HEADER) => {}
            Some(other) if other.starts_with("parapompi-deployment-key ") => {
                return Err(KeyFileProblem::OtherFormat { found: other.to_owned(), reads: KEY_FILE_HEADER })
            }
            _ => return Err(KeyFileProblem::NotAKeyFile { kind: "deployment", header: KEY_FILE_HEADER }),
        }
        DeploymentKey::from_hex(lines.next().unwrap_or_default().trim())
    }

    fn from_hex(hex: &str) -> Result<DeploymentKey, KeyFileProblem> {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        if hex.len() != 2 * KEY_BYTES {
            return Err(KeyFileProblem::HexLength { digits: 2 * KEY_BYTES });
        }
        for (i, byte) in bytes.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2).ok_or(KeyFileProblem::NotHex)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| KeyFileProblem::NotHex)?;
        }
        Ok(DeploymentKey { bytes })
    }

    /// The key in the file at `path`; `None` when there is no file (nothing is made).
    pub(crate) fn read(path: &Path) -> Result<Option<DeploymentKey>, EngineError> {
        match fs::read_to_string(path) {
            Ok(text) => DeploymentKey::parse(&Zeroizing::new(text))
                .map(Some)
                .map_err(|problem| KeyError::damaged(path, problem)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(KeyError::file(KeyFileAction::Read, path, error)),
        }
    }

    /// The key given as hex digits.
    pub(crate) fn from_hex_key(hex: &HexKey) -> Result<DeploymentKey, EngineError> {
        DeploymentKey::from_hex(hex.0.trim()).map_err(|problem| EngineError::Key(KeyError::GivenKey { problem }))
    }

    /// Saves the key in a new key file at `path`, whole and atomically, owner-only.
    pub(crate) fn save(&self, path: &Path) -> Result<(), EngineError> {
        let mut text = Zeroizing::new(format!("{KEY_FILE_HEADER}\n"));
        for byte in self.bytes.iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('\n');
        write_private_file(path, text.as_bytes()).map_err(|e| KeyError::file(KeyFileAction::Write, path, e))
    }

    /// A key of 32 bytes for `purpose`, derived from this one (HMAC-SHA256 of the purpose), so
    /// that each use of the deployment key has a key of its own.
    pub(crate) fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.digest("parapompi/derived-key/v1", &[purpose.as_bytes()]))
    }

    /// True when `tag` is the [`DeploymentKey::digest`] of `purpose` with no parts, compared
    /// in constant time.
    pub(crate) fn verify(&self, purpose: &str, tag: &[u8]) -> bool {
        self.mac(purpose, &[]).verify_slice(tag).is_ok()
    }

    fn mac(&self, purpose: &str, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(self.bytes.as_ref());
        // HMAC takes a key of any length.
        let mut mac = mac.unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            mac.update(part);
        }
        mac
    }

    /// HMAC-SHA256 of `parts`, each preceded by its length, under this key and a purpose tag.
    pub(crate) fn digest(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        self.mac(purpose, parts).finalize().into_bytes().into()
    }
}

/// 32 bytes from the operating system's random source.
pub(crate) fn random_key() -> Result<Zeroizing<[u8; KEY_BYTES]>, EngineError> {
    let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
    getrandom::fill(bytes.as_mut())
        .map_err(|e| EngineError::Key(KeyError::NoRandomBytes { problem: e.to_string() }))?;
    Ok(bytes)
}

/// Writes `bytes` to `path` whole and atomically, readable by its owner only: a temporary
/// file, fsync, rename over `path`, fsync of the directory.
pub(crate) fn write_private_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // A bare file name's parent is the empty path: the current directory.
    let dir = path.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.exists() {
        create_private_dir(dir)?;
        // A new directory's entry must survive a power cut too.
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::File::open(parent)?.sync_all()?;
        }
    }
    let mut partial_name = path.file_name().unwrap_or_default().to_os_string();
    partial_name.push(".partial");
    let partial = dir.join(partial_name);
    // A partial file a crash left may have another mode: it is made afresh.
    match fs::remove_file(&partial) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
        _ => {}
    }
    let mut file = private_file(&partial)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    crate::fault_points::reached_at_file("synced, not renamed", path);
    fs::rename(&partial, path)?;
    crate::fault_points::reached_at_file("renamed, directory not synced", path);
    sync_dir(dir)
}

/// Syncs a directory, so that the names made, renamed or removed in it survive a power cut.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create_new(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let first = DeploymentKey::open(&deployment_key_path(dir.path())).expect("made");
        let again = DeploymentKey::open(&deployment_key_path(dir.path())).expect("read back");
        assert_eq!(first.digest("t", &[b"x"]), again.digest("t", &[b"x"]));
        assert_ne!(first.digest("t", &[b"x"]), first.digest("u", &[b"x"]), "the purpose separates digests");
        assert_ne!(first.digest("t", &[b"xy"]), first.digest("t", &[b"x", b"y"]), "parts are delimited");
        assert_eq!(format!("{first:?}"), "DeploymentKey(…)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(deployment_key_path(dir.path())).expect("the file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = tempfile::tempdir().expect("a temporary directory");
        let stranger = DeploymentKey::open(&deployment_key_path(other.path())).expect("made");
        assert_ne!(first.digest("t", &[b"x"]), stranger.digest("t", &[b"x"]));
    }

    #[test]
    fn a_damaged_or_newer_key_file_is_named() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = deployment_key_path(dir.path());
        fs::create_dir_all(path.parent().expect("a parent")).expect("the directory");
        for (text, needle) in [
            ("parapompi-deployment-key v9\n00\n", "this engine reads"),
            ("hello\n", "not a deployment key file"),
            ("parapompi-deployment-key v1\nzz\n", "hex digits"),
        ] {
            fs::write(&path, text).expect("written");
            let error = DeploymentKey::open(&path).expect_err("refused").to_string();
            assert!(error.contains(needle) && error.contains("deployment.key"), "{error}");
        }
    }
}
