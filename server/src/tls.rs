//! The server's certificate: a PEM certificate chain and its private key, read and checked
//! into a rustls configuration (the `ring` provider) before anything listens. Every way the
//! files can be wrong is an error naming the file and what is wrong with it.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use zeroize::Zeroizing;

/// The largest certificate or key file read, in bytes: a chain of a few certificates is a
/// few kilobytes, so anything near this is not one.
pub const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;

/// Which of the two files an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFile {
    /// The certificate chain (`serve --tls-cert`).
    Certificate,
    /// The private key (`serve --tls-key`).
    Key,
}

impl fmt::Display for TlsFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TlsFile::Certificate => "certificate file",
            TlsFile::Key => "private key file",
        })
    }
}

/// Why a certificate and key cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The file could not be read.
    #[error("cannot read the {file} {}: {source}", path.display())]
    Unreadable {
        /// Which file.
        file: TlsFile,
        /// Its path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_PEM_FILE_BYTES`].
    #[error("the {file} {} is larger than {MAX_PEM_FILE_BYTES} bytes: not a PEM certificate or key", path.display())]
    TooLarge {
        /// Which file.
        file: TlsFile,
        /// Its path.
        path: PathBuf,
    },
    /// The file is not well-formed PEM.
    #[error("the {file} {} is not valid PEM: {problem}", path.display())]
    BadPem {
        /// Which file.
        file: TlsFile,
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The certificate file holds no certificate.
    #[error("the certificate file {} holds no certificate (no PEM block \"BEGIN CERTIFICATE\")", path.display())]
    NoCertificate {
        /// Its path.
        path: PathBuf,
    },
    /// The key file holds no private key.
    #[error("the private key file {} holds no private key (no PEM block \"BEGIN PRIVATE KEY\", \"BEGIN RSA PRIVATE KEY\" or \"BEGIN EC PRIVATE KEY\"){}", path.display(), if *encrypted { "; it holds an encrypted one: give the key decrypted, readable by the server's user only" } else { "" })]
    NoKey {
        /// Its path.
        path: PathBuf,
        /// It holds an encrypted private key, which the server cannot use.
        encrypted: bool,
    },
    /// The key file holds more than one private key: which one is meant is not clear.
    #[error("the private key file {} holds {n_keys} private keys: give the one of the certificate alone", path.display())]
    SeveralKeys {
        /// Its path.
        path: PathBuf,
        /// How many it holds.
        n_keys: usize,
    },
    /// rustls cannot use the certificate.
    #[error("the certificate in {} cannot be used: {problem}", path.display())]
    BadCertificate {
        /// The certificate file's path.
        path: PathBuf,
        /// What rustls said.
        problem: String,
    },
    /// rustls cannot use the key.
    #[error("the private key in {} cannot be used: {problem}", path.display())]
    BadKey {
        /// The key file's path.
        path: PathBuf,
        /// What rustls said.
        problem: String,
    },
    /// The key is not the one of the certificate (the first of the chain).
    #[error("the private key in {} does not match the certificate in {}", key_path.display(), certificate_path.display())]
    KeyMismatch {
        /// The certificate file's path.
        certificate_path: PathBuf,
        /// The key file's path.
        key_path: PathBuf,
    },
}

impl TlsError {
    /// The file the error is about: for a key that does not match, the key.
    pub fn file(&self) -> TlsFile {
        match self {
            TlsError::Unreadable { file, .. } | TlsError::TooLarge { file, .. } | TlsError::BadPem { file, .. } => {
                *file
            }
            TlsError::NoCertificate { .. } | TlsError::BadCertificate { .. } => TlsFile::Certificate,
            TlsError::NoKey { .. }
            | TlsError::SeveralKeys { .. }
            | TlsError::BadKey { .. }
            | TlsError::KeyMismatch { .. } => TlsFile::Key,
        }
    }
}

/// A certificate chain and its key, ready to serve HTTPS with (HTTP/1.1 over TLS 1.2 or
/// 1.3). Cheap to clone.
#[derive(Clone)]
pub struct TlsConfig {
    rustls: Arc<rustls::ServerConfig>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The key stays out of every Debug output.
        f.debug_struct("TlsConfig").finish_non_exhaustive()
    }
}

impl TlsConfig {
    /// Reads a PEM certificate chain (the server's certificate first, then the
    /// intermediates) and its PEM private key (PKCS#8, PKCS#1 or SEC1), and checks that the
    /// key is the certificate's.
    pub fn from_pem_files(certificate_path: &Path, key_path: &Path) -> Result<TlsConfig, TlsError> {
        let chain = read_chain(certificate_path)?;
        let key = read_key(key_path)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let built = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::BadKey { path: key_path.to_owned(), problem: e.to_string() })?
            .with_no_client_auth()
            .with_single_cert(chain, key);
        let mut config = built.map_err(|error| match error {
            rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                TlsError::KeyMismatch { certificate_path: certificate_path.to_owned(), key_path: key_path.to_owned() }
            }
            rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented => {
                TlsError::BadCertificate { path: certificate_path.to_owned(), problem: error.to_string() }
            }
            other => TlsError::BadKey { path: key_path.to_owned(), problem: other.to_string() },
        })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        warn_if_others_may_read(key_path);
        Ok(TlsConfig { rustls: Arc::new(config) })
    }

    /// An embedder's own rustls configuration (another certificate resolver, client
    /// certificates). The server speaks HTTP/1.1 only: ALPN, if set, should offer `http/1.1`.
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> TlsConfig {
        TlsConfig { rustls: config }
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.rustls.clone())
    }
}

/// A file's bytes, at most [`MAX_PEM_FILE_BYTES`]; wiped when dropped (a key file's are
/// the key).
fn read_file(file: TlsFile, path: &Path) -> Result<Zeroizing<Vec<u8>>, TlsError> {
    let unreadable = |source| TlsError::Unreadable { file, path: path.to_owned(), source };
    let opened = std::fs::File::open(path).map_err(unreadable)?;
    let mut bytes = Zeroizing::new(Vec::new());
    opened.take(MAX_PEM_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(unreadable)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_PEM_FILE_BYTES {
        return Err(TlsError::TooLarge { file, path: path.to_owned() });
    }
    Ok(bytes)
}

/// pki-types' PEM errors, in words (its own show the bytes of the line at fault).
fn pem_problem(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a PEM block has no END line".to_owned(),
        pem::Error::IllegalSectionStart { .. } => "a BEGIN line is malformed".to_owned(),
        pem::Error::Base64Decode(why) => format!("a PEM block is not valid base64 ({why})"),
        pem::Error::SectionTooLarge => "a PEM block is too large".to_owned(),
        other => other.to_string(),
    }
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let file = TlsFile::Certificate;
    let bytes = read_file(file, path)?;
    let chain = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadPem { file, path: path.to_owned(), problem: pem_problem(&e) })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate { path: path.to_owned() });
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let file = TlsFile::Key;
    let bytes = read_file(file, path)?;
    let mut keys = PrivateKeyDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::BadPem { file, path: path.to_owned(), problem: pem_problem(&e) })?;
    match keys.len() {
        0 => {
            let encrypted = bytes.windows(ENCRYPTED_KEY_BEGIN.len()).any(|w| w == ENCRYPTED_KEY_BEGIN);
            Err(TlsError::NoKey { path: path.to_owned(), encrypted })
        }
        1 => Ok(keys.remove(0)),
        n_keys => Err(TlsError::SeveralKeys { path: path.to_owned(), n_keys }),
    }
}

/// Warns (a `tracing` line) when users other than the file's owner may read the key: it is
/// served all the same, since a directory of the owner's alone may protect it.
fn warn_if_others_may_read(key_path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(key_path) {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %key_path.display(),
                    mode = format!("{mode:o}"),
                    "the TLS private key file may be read by users other than its owner: make it readable by the server's user only (chmod 600)"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = key_path;
}

/// The start of a PKCS#8 encrypted key, which pki-types does not read.
const ENCRYPTED_KEY_BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";
