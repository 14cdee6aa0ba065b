//! The identity record and its digest rule.
//!
//! Identity never enters the log. The Engine keeps an [`IdentityRecord`] with its
//! [`IdentitySalt`] in the identity vault, keyed by beneficiary id; events carry only the
//! [`IdentityDigest`]. Erasing a person deletes the vault entry; the digest left in the log
//! then identifies no one, because without the salt it cannot be recomputed from guessed data.
//!
//! # Salt
//! The salt is **per record**: the Engine draws at least 16 random bytes (core draws no random
//! numbers) for every registration or correction and stores it in the vault beside the record.
//! A per-store salt would let anyone holding it confirm a guessed AMKA against every digest of
//! the export; a per-record salt limits that to one record and disappears with the erasure.
//!
//! # Canonical byte form (version 1)
//! The digest is the lowercase hex SHA-256 of these bytes, in this order:
//! 1. the ASCII tag `parapompi/identity/v1` followed by one zero byte;
//! 2. the salt's length as a 4-byte big-endian unsigned integer, then the salt bytes;
//! 3. for each field in the order given_name, family_name, amka, phones, emails, address:
//!    * a text field: its UTF-8 length as 4-byte big-endian, then its UTF-8 bytes (texts are
//!      stored trimmed, exactly as validated);
//!    * a list (phones, emails): its element count as 4-byte big-endian, then each element as
//!      a text field, in the record's order;
//!    * the optional address: one byte `0` when absent, or `1` followed by the text field.
//!
//! Length prefixes make the encoding unambiguous, so two different records never share bytes.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::limits;
use crate::values::{Amka, Email, PersonName, Phone, PostalAddress, ValidationError};

/// A beneficiary's identity data: lives in the vault only, never in an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdentityRecord {
    given_name: PersonName,
    family_name: PersonName,
    amka: Amka,
    phones: Vec<Phone>,
    emails: Vec<Email>,
    address: Option<PostalAddress>,
}

impl IdentityRecord {
    /// Builds a record; at most [`limits::MAX_CONTACTS`] phones and as many e-mails.
    pub fn new(
        given_name: PersonName,
        family_name: PersonName,
        amka: Amka,
        phones: Vec<Phone>,
        emails: Vec<Email>,
        address: Option<PostalAddress>,
    ) -> Result<Self, ValidationError> {
        for (what, n) in [("phones", phones.len()), ("emails", emails.len())] {
            if n > limits::MAX_CONTACTS {
                return Err(ValidationError::OutOfRange {
                    what,
                    value: i64::try_from(n).unwrap_or(i64::MAX),
                    min: 0,
                    max: i64::try_from(limits::MAX_CONTACTS).unwrap_or(i64::MAX),
                });
            }
        }
        Ok(Self { given_name, family_name, amka, phones, emails, address })
    }
    /// Given name.
    pub fn given_name(&self) -> &PersonName {
        &self.given_name
    }
    /// Family name.
    pub fn family_name(&self) -> &PersonName {
        &self.family_name
    }
    /// Social-security number.
    pub fn amka(&self) -> &Amka {
        &self.amka
    }
    /// Phone numbers.
    pub fn phones(&self) -> &[Phone] {
        &self.phones
    }
    /// E-mail addresses.
    pub fn emails(&self) -> &[Email] {
        &self.emails
    }
    /// Postal address.
    pub fn address(&self) -> Option<&PostalAddress> {
        self.address.as_ref()
    }

    /// The canonical bytes (see the module documentation) that the digest hashes.
    pub fn canonical_bytes(&self, salt: &IdentitySalt) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"parapompi/identity/v1\0");
        push_bytes(&mut out, &salt.0);
        push_bytes(&mut out, self.given_name.as_str().as_bytes());
        push_bytes(&mut out, self.family_name.as_str().as_bytes());
        push_bytes(&mut out, self.amka.as_str().as_bytes());
        push_len(&mut out, self.phones.len());
        for phone in &self.phones {
            push_bytes(&mut out, phone.as_str().as_bytes());
        }
        push_len(&mut out, self.emails.len());
        for email in &self.emails {
            push_bytes(&mut out, email.as_str().as_bytes());
        }
        match &self.address {
            None => out.push(0),
            Some(address) => {
                out.push(1);
                push_bytes(&mut out, address.as_str().as_bytes());
            }
        }
        out
    }

    /// The salted digest that events carry.
    pub fn digest(&self, salt: &IdentitySalt) -> IdentityDigest {
        let hash = Sha256::digest(self.canonical_bytes(salt));
        let hex = hash.iter().map(|b| format!("{b:02x}")).collect::<String>();
        IdentityDigest(hex)
    }
}

fn push_len(out: &mut Vec<u8>, len: usize) {
    // Every length here is bounded far below 4 GiB by the value types' limits.
    let len = u32::try_from(len);
    assert!(len.is_ok(), "identity field lengths are bounded by limits");
    out.extend_from_slice(&len.unwrap_or(u32::MAX).to_be_bytes());
}

fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    push_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

/// The per-record salt, 16 to 64 bytes, chosen at random by the Engine.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u8>", into = "Vec<u8>")]
pub struct IdentitySalt(Vec<u8>);

impl IdentitySalt {
    /// The fewest bytes a salt may have.
    pub const MIN_BYTES: usize = 16;
    /// The most bytes a salt may have.
    pub const MAX_BYTES: usize = 64;
    /// Checks the length.
    pub fn new(bytes: Vec<u8>) -> Result<Self, ValidationError> {
        if !(Self::MIN_BYTES..=Self::MAX_BYTES).contains(&bytes.len()) {
            return Err(ValidationError::OutOfRange {
                what: "salt bytes",
                value: i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                min: 16,
                max: 64,
            });
        }
        Ok(Self(bytes))
    }
    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for IdentitySalt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdentitySalt({} bytes)", self.0.len())
    }
}

impl TryFrom<Vec<u8>> for IdentitySalt {
    type Error = ValidationError;
    fn try_from(bytes: Vec<u8>) -> Result<Self, ValidationError> {
        Self::new(bytes)
    }
}
impl From<IdentitySalt> for Vec<u8> {
    fn from(value: IdentitySalt) -> Vec<u8> {
        value.0
    }
}

/// serde writes and reads the bytes as a list of numbers (`try_from = "Vec<u8>"`).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for IdentitySalt {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IdentitySalt".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 255},
            "minItems": IdentitySalt::MIN_BYTES,
            "maxItems": IdentitySalt::MAX_BYTES,
            "description": "The per-record salt of an identity digest: its bytes, each a number.",
        })
    }
}

/// A salted SHA-256 digest of an identity record: 64 lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdentityDigest(String);

impl IdentityDigest {
    /// Parses 64 lowercase hex characters.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let ok = text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok {
            return Err(ValidationError::Malformed {
                what: "IdentityDigest",
                detail: "expected 64 lowercase hex characters",
            });
        }
        Ok(Self(text.to_owned()))
    }
    /// The hex text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether `record` with `salt` is the identity that was recorded.
    pub fn matches(&self, record: &IdentityRecord, salt: &IdentitySalt) -> bool {
        record.digest(salt) == *self
    }
}

impl TryFrom<String> for IdentityDigest {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::parse(&raw)
    }
}
impl From<IdentityDigest> for String {
    fn from(value: IdentityDigest) -> String {
        value.0
    }
}
