//! The deployment's look-up key: the secret under which identifiers (an AMKA) are turned into
//! keyed digests (HMAC-SHA256) for the indexes that find people. A plain digest of an AMKA
//! would be reversible, since an AMKA has only about 3.7·10⁸ values; a keyed one is not
//! without the key.
//!
//! The key is made on first use, 32 bytes from the operating system's random source, and
//! kept in `DATA_DIR/keys/lookup.key` (or a file the embedder names), apart from sled's
//! files, readable by its owner only.
//! Its file is text: a first line naming the format and its version, then the key in hex.
//! It is written whole and atomically (a temporary file, fsync, rename, fsync of the
//! directory). Losing it loses nothing: the indexes are rebuilt from the vault under a new
//! key when their key does not match.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::EngineError;

/// The first line of a key file.
const KEY_FILE_HEADER: &str = "parapompi-lookup-key v1";
/// The key's length in bytes.
const KEY_BYTES: usize = 32;

/// The look-up key. Its bytes are wiped when it is dropped and never printed.
pub(crate) struct LookupKey {
    bytes: Zeroizing<[u8; KEY_BYTES]>,
}

impl std::fmt::Debug for LookupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LookupKey(…)")
    }
}

/// Where a data directory keeps its look-up key.
pub fn lookup_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("keys").join("lookup.key")
}

impl LookupKey {
    /// A key that lives in memory only (temporary stores).
    pub(crate) fn ephemeral() -> Result<LookupKey, EngineError> {
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        getrandom::fill(bytes.as_mut()).map_err(|e| EngineError::Key(format!("no random bytes: {e}")))?;
        Ok(LookupKey { bytes })
    }

    /// The key in the file at `path`, made and saved there on first use.
    pub(crate) fn open(path: &Path) -> Result<LookupKey, EngineError> {
        match fs::read_to_string(path) {
            Ok(text) => LookupKey::parse(&Zeroizing::new(text))
                .map_err(|problem| EngineError::Key(format!("{}: {problem}", path.display()))),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let key = LookupKey::ephemeral()?;
                key.save(path)?;
                Ok(key)
            }
            Err(error) => Err(EngineError::Key(format!("cannot read {}: {error}", path.display()))),
        }
    }

    fn parse(text: &str) -> Result<LookupKey, String> {
        let mut lines = text.lines();
        match lines.next() {
            Some(KEY_FILE_HEADER) => {}
            Some(other) if other.starts_with("parapompi-lookup-key ") => {
                return Err(format!("the key file's format is {other:?}; this engine reads {KEY_FILE_HEADER:?}"))
            }
            _ => return Err(format!("not a look-up key file (its first line must be {KEY_FILE_HEADER:?})")),
        }
        let hex = lines.next().unwrap_or_default().trim();
        let mut bytes = Zeroizing::new([0u8; KEY_BYTES]);
        if hex.len() != 2 * KEY_BYTES {
            return Err(format!("the key must be {} hex digits", 2 * KEY_BYTES));
        }
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| "the key is not hex".to_owned())?;
        }
        Ok(LookupKey { bytes })
    }

    fn save(&self, path: &Path) -> Result<(), EngineError> {
        let io =
            |what: &str, error: std::io::Error| EngineError::Key(format!("cannot {what} {}: {error}", path.display()));
        let dir = path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|e| io("make the directory of", e))?;
        let mut text = Zeroizing::new(format!("{KEY_FILE_HEADER}\n"));
        for byte in self.bytes.iter() {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('\n');
        let partial = path.with_extension("key.partial");
        let mut file = private_file(&partial).map_err(|e| io("write", e))?;
        file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io("write", e))?;
        drop(file);
        fs::rename(&partial, path).map_err(|e| io("put in place", e))?;
        fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|e| io("sync the directory of", e))?;
        Ok(())
    }

    /// HMAC-SHA256 of `parts`, each preceded by its length, under this key and a purpose tag.
    pub(crate) fn digest(&self, purpose: &str, parts: &[&[u8]]) -> [u8; 32] {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(self.bytes.as_ref());
        // HMAC takes a key of any length.
        let mut mac = mac.unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        for part in std::iter::once(purpose.as_bytes()).chain(parts.iter().copied()) {
            mac.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
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
    fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<fs::File> {
    fs::OpenOptions::new().write(true).create(true).truncate(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_made_once_kept_private_and_read_back() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let first = LookupKey::open(&lookup_key_path(dir.path())).expect("made");
        let again = LookupKey::open(&lookup_key_path(dir.path())).expect("read back");
        assert_eq!(first.digest("t", &[b"x"]), again.digest("t", &[b"x"]));
        assert_ne!(first.digest("t", &[b"x"]), first.digest("u", &[b"x"]), "the purpose separates digests");
        assert_ne!(first.digest("t", &[b"xy"]), first.digest("t", &[b"x", b"y"]), "parts are delimited");
        assert_eq!(format!("{first:?}"), "LookupKey(…)");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(lookup_key_path(dir.path())).expect("the file").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let other = tempfile::tempdir().expect("a temporary directory");
        let stranger = LookupKey::open(&lookup_key_path(other.path())).expect("made");
        assert_ne!(first.digest("t", &[b"x"]), stranger.digest("t", &[b"x"]));
    }

    #[test]
    fn a_damaged_or_newer_key_file_is_named() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = lookup_key_path(dir.path());
        fs::create_dir_all(path.parent().expect("a parent")).expect("the directory");
        for (text, needle) in [
            ("parapompi-lookup-key v9\n00\n", "this engine reads"),
            ("hello\n", "not a look-up key file"),
            ("parapompi-lookup-key v1\nzz\n", "hex digits"),
        ] {
            fs::write(&path, text).expect("written");
            let error = LookupKey::open(&path).expect_err("refused").to_string();
            assert!(error.contains(needle) && error.contains("lookup.key"), "{error}");
        }
    }
}
