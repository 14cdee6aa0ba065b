//! Checkpoints: a signed statement that the log of a deployment had a given head hash at a
//! given position, at a given time. Their bytes follow C2SP's `tlog-checkpoint` inside a
//! C2SP `signed-note` (store/FORMAT.md, "Checkpoints"), and a witness countersigns one with a
//! C2SP `tlog-cosignature` line.
//!
//! A checkpoint proves nothing alone: it binds its signer. An evaluator who recorded the
//! signer's public key (or a witness that holds an earlier checkpoint) can then tell the
//! history the centre shows today from one it rewrote.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use parapompi_store::Hash;
use sha2::{Digest, Sha256};

use crate::signing_key::SigningKey;

/// The C2SP signed-note type byte of an Ed25519 note signature.
const NOTE_ED25519: u8 = 0x01;
/// The C2SP type byte of a timestamped Ed25519 checkpoint cosignature.
const COSIGNATURE_ED25519: u8 = 0x04;
/// The longest note read (a checkpoint is a few hundred bytes; a deployment has few centres).
pub const MAX_NOTE_BYTES: usize = 64 * 1024;
/// The most centres a checkpoint names.
pub const MAX_CENTRES: usize = 256;

/// A public key and the name it signs under: a C2SP verifier key
/// (`name+keyid+base64(type ‖ key)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key: VerifyingKey,
}

impl VerifierKey {
    /// The key `key` under `name`.
    pub fn new(name: String, key: VerifyingKey) -> VerifierKey {
        VerifierKey { name, key }
    }

    /// The same public key under another name (a witness signs under its own name).
    pub fn renamed(&self, name: &str) -> VerifierKey {
        VerifierKey { name: name.to_owned(), key: self.key }
    }

    /// The name (for a deployment, its checkpoints' origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The 32 bytes of the public key, as hex.
    pub fn public_key_hex(&self) -> String {
        hex(self.key.as_bytes())
    }

    /// The 32 bytes of the public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// The note key id: the first 4 bytes of SHA-256(name ‖ "\n" ‖ type ‖ key).
    fn key_id(&self, type_byte: u8) -> [u8; 4] {
        let mut hasher = Sha256::new();
        hasher.update(self.name.as_bytes());
        hasher.update([b'\n', type_byte]);
        hasher.update(self.key.as_bytes());
        let digest = hasher.finalize();
        [digest[0], digest[1], digest[2], digest[3]]
    }

    /// The verifier key's text form (C2SP signed-note, "Verifier keys").
    pub fn vkey(&self) -> String {
        let mut material = vec![NOTE_ED25519];
        material.extend_from_slice(self.key.as_bytes());
        format!("{}+{}+{}", self.name, hex(&self.key_id(NOTE_ED25519)), BASE64.encode(material))
    }

    /// Reads a verifier key's text form, checking its key id.
    pub fn parse(text: &str) -> Result<VerifierKey, VerifierKeyError> {
        // The name holds no '+' and the id is hex; base64 may hold '+', so it is the rest.
        let mut parts = text.trim().splitn(3, '+');
        let (Some(name), Some(id), Some(material)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(VerifierKeyError::NotAKey { text: text.to_owned() });
        };
        if check_key_name(name).is_err() {
            return Err(VerifierKeyError::BadName { name: name.to_owned() });
        }
        let named = |name: &str| name.to_owned();
        let bytes = BASE64.decode(material).map_err(|_| VerifierKeyError::NotBase64 { name: named(name) })?;
        if bytes.len() != 33 || bytes[0] != NOTE_ED25519 {
            return Err(VerifierKeyError::NotEd25519 { name: named(name) });
        }
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes[1..]);
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| VerifierKeyError::NotACurvePoint { name: named(name) })?;
        let parsed = VerifierKey { name: name.to_owned(), key };
        if hex(&parsed.key_id(NOTE_ED25519)) != id {
            return Err(VerifierKeyError::KeyIdMismatch { name: named(name), id: id.to_owned() });
        }
        Ok(parsed)
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|signature| self.key.verify(message, &signature).is_ok())
    }
}

/// Why a verifier key's text form does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifierKeyError {
    /// It is not three parts joined by `+`.
    #[error("{text:?} is not a verifier key (name+keyid+key)")]
    NotAKey {
        /// The text given.
        text: String,
    },
    /// Its name is empty, too long, or holds a space or a `+`.
    #[error("{name:?} is not a key name (1-256 characters, no spaces, no '+')")]
    BadName {
        /// The name read.
        name: String,
    },
    /// Its key is not base64.
    #[error("the verifier key {name}: its key is not base64")]
    NotBase64 {
        /// The key's name.
        name: String,
    },
    /// Its key is not of type 0x01 with 32 bytes.
    #[error("the verifier key {name} is not an Ed25519 key (type 0x01 and 32 bytes)")]
    NotEd25519 {
        /// The key's name.
        name: String,
    },
    /// Its 32 bytes are not a point of the curve.
    #[error("the verifier key {name} is not a curve point")]
    NotACurvePoint {
        /// The key's name.
        name: String,
    },
    /// Its key id is not the one its name and key give.
    #[error("the verifier key {name}: its key id {id} does not match its key")]
    KeyIdMismatch {
        /// The key's name.
        name: String,
        /// The key id read.
        id: String,
    },
}

fn check_key_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 256 || name.chars().any(|c| c.is_whitespace() || c == '+' || c.is_control()) {
        return Err(format!("{name:?} is not a key name (1-256 characters, no spaces, no '+')"));
    }
    Ok(())
}

/// What a checkpoint states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The deployment's origin line.
    pub origin: String,
    /// The log's head position (C2SP's tree size).
    pub position: u64,
    /// The hash of the record at that position (32 zero bytes for an empty log).
    pub head_hash: Hash,
    /// When it was made, ms since the Unix epoch.
    pub time_ms: i64,
    /// The stream ids of the centres registered in the log up to `position`.
    pub centres: Vec<String>,
}

impl Checkpoint {
    /// The note text: origin, position, head hash in base64, then the extension lines
    /// `time MS` and one `centre ID` a centre (store/FORMAT.md, "Checkpoints").
    pub fn body(&self) -> String {
        let mut text =
            format!("{}\n{}\n{}\ntime {}\n", self.origin, self.position, BASE64.encode(self.head_hash.0), self.time_ms);
        for centre in &self.centres {
            text.push_str("centre ");
            text.push_str(centre);
            text.push('\n');
        }
        text
    }

    /// Reads a note text back, strictly: the bytes must be the ones [`Checkpoint::body`]
    /// writes for what they say.
    pub fn parse_body(text: &str) -> Result<Checkpoint, String> {
        let lines: Vec<&str> =
            text.strip_suffix('\n').ok_or("the checkpoint does not end with a line end")?.split('\n').collect();
        if lines.len() < 4 {
            return Err("a checkpoint has an origin, a position, a head hash and a time line".to_owned());
        }
        check_key_name(lines[0]).map_err(|problem| format!("the checkpoint's origin: {problem}"))?;
        let position: u64 =
            lines[1].parse().map_err(|_| format!("the checkpoint's position {:?} is not a number", lines[1]))?;
        let hash = BASE64.decode(lines[2]).ok().filter(|bytes| bytes.len() == 32);
        let hash =
            hash.ok_or_else(|| format!("the checkpoint's head hash {:?} is not 32 bytes of base64", lines[2]))?;
        let time = lines[3].strip_prefix("time ").and_then(|ms| ms.parse::<i64>().ok());
        let time_ms = time.ok_or_else(|| format!("the checkpoint's fourth line {:?} is not `time MS`", lines[3]))?;
        let mut centres = Vec::new();
        for line in &lines[4..] {
            let centre = line
                .strip_prefix("centre ")
                .ok_or_else(|| format!("the checkpoint line {line:?} is not `centre ID`"))?;
            centres.push(centre.to_owned());
        }
        if centres.len() > MAX_CENTRES {
            return Err(format!("the checkpoint names more than {MAX_CENTRES} centres"));
        }
        let mut head_hash = [0u8; 32];
        head_hash.copy_from_slice(&hash);
        let checkpoint =
            Checkpoint { origin: lines[0].to_owned(), position, head_hash: Hash(head_hash), time_ms, centres };
        if checkpoint.body() != text {
            return Err("the checkpoint is not in its one written form (store/FORMAT.md, \"Checkpoints\")".to_owned());
        }
        Ok(checkpoint)
    }

    /// The signed note of this checkpoint: its body, a blank line, the signature line.
    pub fn sign(&self, key: &SigningKey) -> SignedCheckpoint {
        let body = self.body();
        let verifier = key.verifier_key();
        let mut signature = verifier.key_id(NOTE_ED25519).to_vec();
        signature.extend_from_slice(&key.sign(body.as_bytes()));
        let note = format!("{body}\n\u{2014} {} {}\n", verifier.name, BASE64.encode(signature));
        SignedCheckpoint { note, checkpoint: self.clone() }
    }
}

/// A checkpoint as a signed note, and what it says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The whole note: body, blank line, signature lines.
    pub note: String,
    /// What its body says.
    pub checkpoint: Checkpoint,
}

/// One signature line of a note.
struct NoteSignature {
    name: String,
    bytes: Vec<u8>,
}

impl SignedCheckpoint {
    /// Reads a signed note (nothing is verified yet but its form).
    pub fn parse(note: &str) -> Result<SignedCheckpoint, String> {
        if note.len() > MAX_NOTE_BYTES {
            return Err(format!("the checkpoint is longer than {MAX_NOTE_BYTES} bytes"));
        }
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err("the checkpoint holds control characters".to_owned());
        }
        let (body, _) = split_note(note)?;
        Ok(SignedCheckpoint { note: note.to_owned(), checkpoint: Checkpoint::parse_body(body)? })
    }

    fn body(&self) -> &str {
        split_note(&self.note).map(|(body, _)| body).unwrap_or_default()
    }

    fn signatures(&self) -> Vec<NoteSignature> {
        let Ok((_, lines)) = split_note(&self.note) else { return Vec::new() };
        lines
            .iter()
            .filter_map(|line| {
                let rest = line.strip_prefix("\u{2014} ")?;
                let (name, signature) = rest.split_once(' ')?;
                Some(NoteSignature { name: name.to_owned(), bytes: BASE64.decode(signature).ok()? })
            })
            .collect()
    }

    /// The first of `keys` whose signature on this note verifies; a signature of a key named
    /// and identified in `keys` that does not verify is an error, as is no known signature.
    pub fn verify_by<'k>(&self, keys: &'k [VerifierKey]) -> Result<&'k VerifierKey, String> {
        let body = self.body().as_bytes();
        let mut known = None;
        for signature in self.signatures() {
            let Some(key) = keys.iter().find(|key| {
                key.name == signature.name && signature.bytes.get(..4) == Some(&key.key_id(NOTE_ED25519)[..])
            }) else {
                continue;
            };
            if !key.verifies(body, &signature.bytes[4..]) {
                return Err(format!("the checkpoint's signature by {} does not verify: it was altered", key.vkey()));
            }
            known = known.or(Some(key));
        }
        known.ok_or_else(|| {
            format!(
                "the checkpoint at position {} is not signed by a key this check trusts ({})",
                self.checkpoint.position,
                if keys.is_empty() {
                    "none".to_owned()
                } else {
                    keys.iter().map(VerifierKey::vkey).collect::<Vec<_>>().join(", ")
                }
            )
        })
    }

    /// This note with a witness's cosignature line added (C2SP tlog-cosignature, Ed25519):
    /// the witness signs "cosignature/v1\ntime T\n" and the checkpoint body, T in seconds.
    pub fn cosigned(&self, witness: &SigningKey, name: &str, time_s: u64) -> SignedCheckpoint {
        let verifier = witness.verifier_key().renamed(name);
        let message = cosigned_message(time_s, self.body());
        let mut signature = verifier.key_id(COSIGNATURE_ED25519).to_vec();
        signature.extend_from_slice(&time_s.to_be_bytes());
        signature.extend_from_slice(&witness.sign(message.as_bytes()));
        let note = format!("{}\u{2014} {name} {}\n", self.note, BASE64.encode(signature));
        SignedCheckpoint { note, checkpoint: self.checkpoint.clone() }
    }

    /// True when `witness` cosigned this note.
    pub fn cosigned_by(&self, witness: &VerifierKey) -> bool {
        let id = witness.key_id(COSIGNATURE_ED25519);
        self.signatures().iter().any(|signature| {
            signature.name == witness.name && signature.bytes.len() == 4 + 8 + 64 && signature.bytes[..4] == id && {
                let mut time = [0u8; 8];
                time.copy_from_slice(&signature.bytes[4..12]);
                witness.verifies(
                    cosigned_message(u64::from_be_bytes(time), self.body()).as_bytes(),
                    &signature.bytes[12..],
                )
            }
        })
    }
}

fn cosigned_message(time_s: u64, body: &str) -> String {
    format!("cosignature/v1\ntime {time_s}\n{body}")
}

/// A note's body (with its final line end) and its signature lines.
fn split_note(note: &str) -> Result<(&str, Vec<&str>), String> {
    let at = note.rfind("\n\n").ok_or("the checkpoint has no blank line before its signatures")?;
    let (body, signatures) = (&note[..=at], &note[at + 2..]);
    let lines: Vec<&str> = signatures
        .strip_suffix('\n')
        .ok_or("the checkpoint's last signature line has no line end")?
        .split('\n')
        .collect();
    if lines.iter().any(|line| !line.starts_with("\u{2014} ")) {
        return Err("a line after the checkpoint's blank line is not a signature (\u{2014} NAME SIGNATURE)".to_owned());
    }
    Ok((body, lines))
}

/// Signs a whole text as a note by `key` under `name`: the text (ending with a line end), a
/// blank line, the signature line. The witness file is such a note.
pub(crate) fn sign_note(text: &str, key: &SigningKey, name: &str) -> String {
    let verifier = key.verifier_key().renamed(name);
    let mut signature = verifier.key_id(NOTE_ED25519).to_vec();
    signature.extend_from_slice(&key.sign(text.as_bytes()));
    format!("{text}\n\u{2014} {name} {}\n", BASE64.encode(signature))
}

/// The text of a note signed by `key` (its one signature line must be `key`'s and verify).
pub(crate) fn open_note<'a>(note: &'a str, key: &VerifierKey) -> Result<&'a str, String> {
    let (body, lines) = split_note(note)?;
    let id = key.key_id(NOTE_ED25519);
    let signed = lines.iter().any(|line| {
        line.strip_prefix("\u{2014} ")
            .and_then(|rest| rest.split_once(' '))
            .filter(|(name, _)| *name == key.name)
            .and_then(|(_, signature)| BASE64.decode(signature).ok())
            .is_some_and(|bytes| bytes.len() == 68 && bytes[..4] == id && key.verifies(body.as_bytes(), &bytes[4..]))
    });
    if signed {
        Ok(body)
    } else {
        Err(format!("its signature by {} does not verify: it was altered, or signed by another key", key.vkey()))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> SigningKey {
        SigningKey::from_seed(uuid::Uuid::from_u128(u128::from(n)), &[n; 32])
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: key(1).origin(),
            position: 42,
            head_hash: Hash([7; 32]),
            time_ms: 1_700_000_000_000,
            centres: vec!["centre-a".to_owned()],
        }
    }

    #[test]
    fn a_signed_checkpoint_reads_back_and_verifies_only_by_its_key() {
        let signed = checkpoint().sign(&key(1));
        let read = SignedCheckpoint::parse(&signed.note).expect("reads");
        assert_eq!(read.checkpoint, checkpoint());
        let mine = [key(1).verifier_key()];
        assert_eq!(read.verify_by(&mine).expect("verifies"), &mine[0]);
        let stranger = [key(2).verifier_key()];
        assert!(read.verify_by(&stranger).expect_err("unknown key").contains("not signed by a key"));
        let vkey = VerifierKey::parse(&mine[0].vkey()).expect("the vkey reads back");
        assert_eq!(vkey, mine[0]);
        // One changed digit of the position: the signature fails.
        let forged = signed.note.replacen("\n42\n", "\n43\n", 1);
        let forged = SignedCheckpoint::parse(&forged).expect("the form holds");
        assert!(forged.verify_by(&mine).expect_err("refused").contains("does not verify"));
    }

    #[test]
    fn a_cosignature_verifies_for_its_witness_only() {
        let cosigned = checkpoint().sign(&key(1)).cosigned(&key(3), "witness.example/w", 1_700_000_000);
        let witness = VerifierKey::new("witness.example/w".to_owned(), key(3).verifier_key().key);
        assert!(cosigned.cosigned_by(&witness));
        assert!(!cosigned.cosigned_by(&VerifierKey::new("witness.example/w".to_owned(), key(4).verifier_key().key)));
        assert!(SignedCheckpoint::parse(&cosigned.note).expect("reads").verify_by(&[key(1).verifier_key()]).is_ok());
    }

    #[test]
    fn a_checkpoint_in_another_spelling_is_refused() {
        for (body, needle) in [
            ("o\n1\n", "has an origin"),
            ("o\n01\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\ntime 1\n", "one written form"),
            ("o\nx\nAA==\ntime 1\n", "not a number"),
            ("o\n1\nAA==\ntime 1\n", "32 bytes"),
            ("o\n1\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\nwhen 1\n", "time MS"),
        ] {
            let error = Checkpoint::parse_body(body).expect_err("refused");
            assert!(error.contains(needle), "{body:?}: {error}");
        }
    }
}
