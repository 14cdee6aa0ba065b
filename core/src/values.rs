//! Validated value types: ids, bounded text, AMKA, dates, timestamps and money.
//!
//! Every type here has private fields and a checking constructor, so a value that exists is
//! a valid one. Deserialisation goes through the same constructors (`try_from`), so a payload
//! read back from the log is checked exactly like a command's input.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::limits;

/// Why a raw value could not become a validated value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The text was empty after trimming.
    #[error("{what} must not be empty")]
    Empty {
        /// The kind of value.
        what: &'static str,
    },
    /// The text had more characters than allowed.
    #[error("{what} has {n_chars} characters, at most {max_chars} are allowed")]
    TooLong {
        /// The kind of value.
        what: &'static str,
        /// Characters in the input, after trimming.
        n_chars: usize,
        /// The limit.
        max_chars: usize,
    },
    /// The text contained a control character (or a line break in a one-line value).
    #[error("{what} contains a control character")]
    ControlCharacter {
        /// The kind of value.
        what: &'static str,
    },
    /// The value does not have the expected shape.
    #[error("{what} is malformed: {detail}")]
    Malformed {
        /// The kind of value.
        what: &'static str,
        /// What is wrong, in words.
        detail: &'static str,
    },
    /// An AMKA whose last digit does not match the Luhn check digit of the first ten. (The
    /// message leaves the digits out: an AMKA one typo away is still identity data.)
    #[error("the AMKA given: its last digit is not the check digit of the first ten")]
    AmkaCheckDigit {
        /// The rejected input.
        amka: String,
    },
    /// An AMKA whose first six digits are not a birth date (DDMMYY).
    #[error("the AMKA given: {detail}")]
    AmkaBirthDate {
        /// The rejected input.
        amka: String,
        /// Which part is wrong, in words.
        detail: String,
    },
    /// A municipality that is not in the list of Greece's municipalities.
    #[error("«{given}» is not a municipality of Greece; the nearest are: {}", nearest.join("; "))]
    UnknownMunicipality {
        /// The text given.
        given: String,
        /// The nearest entries, nearest first, each as `name (Latin, code)`.
        nearest: Vec<String>,
    },
    /// A spelling that several municipalities share.
    #[error("«{given}» names more than one municipality: {}; give the name with its code", candidates.join("; "))]
    AmbiguousMunicipality {
        /// The text given.
        given: String,
        /// The entries it names, each as `name (Latin, code)`.
        candidates: Vec<String>,
    },
    /// A number outside the accepted range.
    #[error("{what} {value} is outside {min}..={max}")]
    OutOfRange {
        /// The kind of value.
        what: &'static str,
        /// The rejected value.
        value: i64,
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
    },
}

/// The JSON Schema of a type whose serde form is written by hand (an id, a bounded text, a
/// checked string, a number with a range): `$schema` is that schema, and it is put inline
/// where the type is used, under the type's name.
macro_rules! inline_schema {
    ($name:ident, $schema:expr) => {
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                $schema
            }
        }
    };
}

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $prefix:expr, $label:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID chosen by the caller (core never generates ids).
            pub fn new(uuid: Uuid) -> Self {
                Self(uuid)
            }
            /// The wrapped UUID.
            pub fn uuid(&self) -> Uuid {
                self.0
            }
            /// Parses the hyphenated text form.
            pub fn parse(text: &str) -> Result<Self, ValidationError> {
                Uuid::parse_str(text.trim()).map(Self).map_err(|_| ValidationError::Malformed {
                    what: $label,
                    detail: "not a UUID",
                })
            }
            /// The prefix of this id's stream names (`<prefix>-<uuid>`).
            pub const STREAM_PREFIX: &'static str = $prefix;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        // serde writes the bare UUID (`transparent`), hyphenated; it reads any form the
        // `uuid` crate parses, but the hyphenated one is the form to send.
        inline_schema!($name, uuid_schema($label));
    };
}

/// The schema of an id: a hyphenated UUID (the stream prefix is not part of it).
#[cfg(feature = "schema")]
pub(crate) fn uuid_schema(what: &str) -> schemars::Schema {
    schemars::json_schema!({
        "type": "string",
        "format": "uuid",
        "description": format!("{what}: a UUID, hyphenated"),
    })
}

/// The characters `check_text` refuses in a one-line value (Unicode's control characters).
#[cfg(feature = "schema")]
const CONTROL: &str = r"\x00-\x1F\x7F-\x9F";
/// The same, less tab and line feed, which a multi-line value may hold.
#[cfg(feature = "schema")]
const CONTROL_BUT_TAB_AND_LINE_FEED: &str = r"\x00-\x08\x0B-\x1F\x7F-\x9F";

/// The schema of a text `check_text` accepts: at least one character that is not white
/// space, at most `max_chars` characters, no control character (tab and line feed allowed in
/// a multi-line one). serde trims what it reads and writes the trimmed text, so the limits
/// hold for what it writes and for what it reads once trimmed.
#[cfg(feature = "schema")]
pub(crate) fn text_schema(what: &str, max_chars: usize, multiline: bool) -> schemars::Schema {
    let refused = if multiline { CONTROL_BUT_TAB_AND_LINE_FEED } else { CONTROL };
    let lines = if multiline { "may span lines" } else { "one line" };
    schemars::json_schema!({
        "type": "string",
        "minLength": 1,
        "maxLength": max_chars,
        "pattern": format!("^[^{refused}]*[^\\s{CONTROL}][^{refused}]*$"),
        "description": format!("{what}: trimmed, not empty, at most {max_chars} characters, {lines}"),
    })
}

macro_rules! stream_id_fn {
    ($name:ident) => {
        impl $name {
            /// The name of this entity's stream in the log, `<prefix>-<uuid>`.
            pub fn stream_id(&self) -> String {
                format!("{}-{}", Self::STREAM_PREFIX, self.0.hyphenated())
            }
        }
    };
}

uuid_id!(
    /// A Community Centre; its stream is `centre-<uuid>`.
    CentreId,
    "centre",
    "a centre id"
);
stream_id_fn!(CentreId);
uuid_id!(
    /// A staff member; the stream is `staff-<uuid>`.
    StaffId,
    "staff",
    "a staff id"
);
stream_id_fn!(StaffId);
uuid_id!(
    /// A partner body (agency); the stream is `agency-<uuid>`.
    AgencyId,
    "agency",
    "an agency id"
);
stream_id_fn!(AgencyId);
uuid_id!(
    /// A beneficiary; the stream is `beneficiary-<uuid>`.
    BeneficiaryId,
    "beneficiary",
    "a beneficiary id"
);
stream_id_fn!(BeneficiaryId);
uuid_id!(
    /// A case; the stream is `case-<uuid>` and holds the case's referrals too.
    CaseId,
    "case",
    "a case id"
);
stream_id_fn!(CaseId);
uuid_id!(
    /// A referral. Referrals have no stream of their own: they live in their case's stream.
    ReferralId,
    "referral",
    "a referral id"
);
uuid_id!(
    /// An antenna (branch office) of a centre; it lives in the centre's stream.
    AntennaId,
    "antenna",
    "an antenna id"
);

pub(crate) fn check_text(
    what: &'static str,
    raw: &str,
    max_chars: usize,
    multiline: bool,
) -> Result<String, ValidationError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(ValidationError::Empty { what });
    }
    let n_chars = trimmed.chars().count();
    if n_chars > max_chars {
        return Err(ValidationError::TooLong { what, n_chars, max_chars });
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\t'));
    if trimmed.chars().any(bad) {
        return Err(ValidationError::ControlCharacter { what });
    }
    Ok(trimmed.to_owned())
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $label:expr, $max:expr, $multiline:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// The most characters (Unicode scalar values) this text may hold.
            pub const MAX_CHARS: usize = $max;
            /// Trims the input and checks it is non-empty, short enough and free of control
            /// characters.
            pub fn new(raw: &str) -> Result<Self, ValidationError> {
                check_text($label, raw, $max, $multiline).map(Self)
            }
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(raw: String) -> Result<Self, ValidationError> {
                Self::new(&raw)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        // serde reads it through [`Self::new`] (`try_from = "String"`).
        inline_schema!($name, text_schema($label, $max, $multiline));
    };
}

bounded_text!(
    /// The name of a centre, an antenna, an agency or a Social Service (one line).
    OrganisationName,
    "a name",
    limits::MAX_NAME_CHARS,
    false
);
/// A Greek municipality (Δήμος): one of the closed list's entries (see [`crate::municipality`]).
pub use crate::municipality::MunicipalityName;
bounded_text!(
    /// A person's given or family name (one line). Staff names may enter the log;
    /// beneficiary names only ever live in the identity vault.
    PersonName,
    "a person's name",
    limits::MAX_PERSON_NAME_CHARS,
    false
);
bounded_text!(
    /// A funding programme's code, e.g. an operational-programme MIS code (one line).
    ProgrammeCode,
    "a programme code",
    limits::MAX_CODE_CHARS,
    false
);
bounded_text!(
    /// The fund paying a programme, e.g. "ESF+ / ΕΣΠΑ 2021-2027" (one line).
    FundName,
    "a fund's name",
    limits::MAX_NAME_CHARS,
    false
);
/// The public key that signs a deployment's checkpoints, as a C2SP verifier key:
/// `NAME+KEYID+BASE64`, with NAME 1-256 characters and no space or `+`, KEYID 8 lower-case hex
/// digits and BASE64 the 44 characters of a type byte and a 32-byte Ed25519 key (no padding). Core checks
/// its shape only (it does no cryptography); the Engine and every verifier check the key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SigningKeyText(String);

impl SigningKeyText {
    /// Checks the shape of a verifier key.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let what = "a signing key";
        let text = raw.trim();
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ValidationError::Malformed { what, detail: "not NAME+KEYID+KEY" });
        };
        if name.is_empty() || name.chars().count() > 256 || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ValidationError::Malformed { what, detail: "its name must be 1-256 characters, no spaces" });
        }
        if id.len() != 8 || !id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(ValidationError::Malformed { what, detail: "its key id must be 8 lower-case hex digits" });
        }
        let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        // 33 bytes (a type byte and the key) are 44 characters of base64, with no padding.
        if key.len() != 44 || !key.bytes().all(base64) {
            return Err(ValidationError::Malformed { what, detail: "its key must be 44 characters of base64" });
        }
        Ok(Self(text.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SigningKeyText {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}

impl From<SigningKeyText> for String {
    fn from(value: SigningKeyText) -> String {
        value.0
    }
}

impl fmt::Display for SigningKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// serde reads it through [`SigningKeyText::new`] (`try_from = "String"`).
inline_schema!(SigningKeyText, text_schema("a signing key (C2SP verifier key)", 400, false));

/// A record's hash in the log, as 64 lower-case hex digits (the store's SHA-256 chain hash;
/// 64 zeros for an empty log's head). Core checks its shape only.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LogHashText(String);

impl LogHashText {
    /// Checks the shape of a log hash.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        if raw.len() != 64 || !raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(ValidationError::Malformed {
                what: "a log hash",
                detail: "it must be 64 lower-case hex digits",
            });
        }
        Ok(Self(raw.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for LogHashText {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}

impl From<LogHashText> for String {
    fn from(value: LogHashText) -> String {
        value.0
    }
}

impl fmt::Display for LogHashText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// serde reads it through [`LogHashText::new`] (`try_from = "String"`).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for LogHashText {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "LogHashText".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "a record's hash in the log: 64 lower-case hex digits",
        })
    }
}

bounded_text!(
    /// Free text: a request in the person's words, a note, a description (may span lines).
    Narrative,
    "a text",
    limits::MAX_NARRATIVE_CHARS,
    true
);
bounded_text!(
    /// A short reason given for a decision (may span lines).
    Reason,
    "a reason",
    limits::MAX_REASON_CHARS,
    true
);
bounded_text!(
    /// A postal address as one text (may span lines). Identity data: vault only.
    PostalAddress,
    "an address",
    limits::MAX_ADDRESS_CHARS,
    true
);

/// An e-mail address: one `@` with text on both sides, no spaces, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks the shape; deliverability is not core's business.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let text = check_text("Email", raw, limits::MAX_EMAIL_CHARS, false)?;
        let mut parts = text.split('@');
        let shape_ok = matches!(
            (parts.next(), parts.next(), parts.next()),
            (Some(local), Some(domain), None) if !local.is_empty() && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.')
        );
        if !shape_ok || text.chars().any(char::is_whitespace) {
            return Err(ValidationError::Malformed {
                what: "an e-mail address",
                detail: "expected local@domain.tld without spaces",
            });
        }
        Ok(Self(text))
    }
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}
impl From<Email> for String {
    fn from(value: Email) -> String {
        value.0
    }
}

// serde reads it through [`Email::new`].
inline_schema!(Email, {
    let (part, host) = (format!("[^@\\s{CONTROL}]"), format!("[^@.\\s{CONTROL}]"));
    schemars::json_schema!({
        "type": "string",
        "maxLength": limits::MAX_EMAIL_CHARS,
        "pattern": format!("^{part}+@{host}{part}*\\.{part}*{host}$"),
        "description": "An e-mail address: local@domain.tld, without spaces.",
    })
});

/// A telephone number: digits with optional `+`, spaces, `-`, parentheses; 5 to 20 digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Checks the characters and the number of digits.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let text = check_text("Phone", raw, limits::MAX_PHONE_CHARS, false)?;
        let allowed = |c: char| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')');
        let n_digits = text.chars().filter(char::is_ascii_digit).count();
        if !text.chars().all(allowed) || !(5..=20).contains(&n_digits) {
            return Err(ValidationError::Malformed {
                what: "a phone number",
                detail: "expected 5 to 20 digits with optional + - ( ) and spaces",
            });
        }
        Ok(Self(text))
    }
    /// The number as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}
impl From<Phone> for String {
    fn from(value: Phone) -> String {
        value.0
    }
}

// serde reads it through [`Phone::new`].
inline_schema!(
    Phone,
    schemars::json_schema!({
        "type": "string",
        "maxLength": limits::MAX_PHONE_CHARS,
        "pattern": "^[+() -]*([0-9][+() -]*){5,20}$",
        "description": "A telephone number: 5 to 20 digits with optional + - ( ) and spaces.",
    })
);

/// A web address starting with `http://` or `https://` (HSDS `url`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WebUrl(String);

impl WebUrl {
    /// Checks the scheme, the length and that there are no spaces.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let text = check_text("WebUrl", raw, limits::MAX_URL_CHARS, false)?;
        let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !text.chars().any(char::is_whitespace) => Ok(Self(text)),
            _ => Err(ValidationError::Malformed {
                what: "a web address",
                detail: "expected http:// or https:// followed by a host, without spaces",
            }),
        }
    }
    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for WebUrl {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}
impl From<WebUrl> for String {
    fn from(value: WebUrl) -> String {
        value.0
    }
}

// serde reads it through [`WebUrl::new`].
inline_schema!(
    WebUrl,
    schemars::json_schema!({
        "type": "string",
        "maxLength": limits::MAX_URL_CHARS,
        "pattern": format!("^https?://[^\\s{CONTROL}]+$"),
        "description": "A web address: http:// or https:// and a host, without spaces.",
    })
);

/// A Greek social-security number (ΑΜΚΑ): 11 digits whose first six are the holder's birth
/// date (DDMMYY) and whose last is the Luhn check digit of the first ten (the rules ΗΔΙΚΑ
/// applies when it issues one). The century is not in the number, so 29 February is
/// accepted for every year that is a leap year in one of the two centuries (`YY` divisible
/// by 4, `00` included, since 2000 was a leap year).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amka(String);

impl Amka {
    /// Accepts exactly 11 ASCII digits (surrounding spaces trimmed) passing the Luhn check.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let text = raw.trim();
        if text.len() != 11 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ValidationError::Malformed { what: "an AMKA", detail: "expected exactly 11 digits" });
        }
        if text.bytes().all(|b| b == b'0') {
            return Err(ValidationError::Malformed { what: "an AMKA", detail: "all its digits are zero" });
        }
        check_amka_birth_date(text)?;
        if !luhn_valid(text) {
            return Err(ValidationError::AmkaCheckDigit { amka: text.to_owned() });
        }
        Ok(Self(text.to_owned()))
    }
    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks that the first six digits of an AMKA (ASCII digits) are a date, DDMMYY.
fn check_amka_birth_date(digits: &str) -> Result<(), ValidationError> {
    let two = |at: usize| -> u32 {
        let bytes = digits.as_bytes();
        u32::from(bytes[at] - b'0') * 10 + u32::from(bytes[at + 1] - b'0')
    };
    let (day, month, year) = (two(0), two(2), two(4));
    if !(1..=12).contains(&month) {
        return Err(ValidationError::AmkaBirthDate {
            amka: digits.to_owned(),
            detail: format!("digits 3-4 are the birth month, and {month:02} is not a month"),
        });
    }
    let days_in_month = match month {
        2 if year % 4 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=days_in_month).contains(&day) {
        return Err(ValidationError::AmkaBirthDate {
            amka: digits.to_owned(),
            detail: format!("digits 1-2 are the day of birth, and month {month:02} has no day {day:02}"),
        });
    }
    Ok(())
}

/// The Luhn check: from the right, every second digit is doubled (minus 9 when over 9);
/// the sum must be a multiple of 10. `digits` must be ASCII digits.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    // `is_multiple_of` is newer than the workspace's minimum Rust version.
    matches!(sum % 10, 0)
}

/// Debug output hides all but the last two digits: AMKA is identity data.
impl fmt::Debug for Amka {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tail = self.0.get(9..).unwrap_or("");
        write!(f, "Amka(*********{tail})")
    }
}

impl TryFrom<String> for Amka {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::new(&raw)
    }
}
impl From<Amka> for String {
    fn from(value: Amka) -> String {
        value.0
    }
}

// serde reads it through [`Amka::new`]; the birth date and the check digit are beyond a
// pattern, so the schema says them in words.
inline_schema!(
    Amka,
    schemars::json_schema!({
        "type": "string",
        "pattern": "^[0-9]{11}$",
        "description": "A Greek social-security number (AMKA): 11 digits, the first six a birth date DDMMYY, the last the Luhn check digit of the first ten.",
    })
);

/// A civil (proleptic Gregorian) calendar date, written `YYYY-MM-DD`, years 1900 to 2199.
///
/// Day arithmetic goes through a count of days since 1970-01-01 computed with the
/// days-from-civil algorithm (H. Hinnant), implemented here to keep core free of a date crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date {
    // Field order matters: the derived ordering compares year, then month, then day.
    year: i32,
    month: u8,
    day: u8,
}

/// The smallest year a [`Date`] may have.
pub const MIN_YEAR: i32 = 1900;
/// The largest year a [`Date`] may have.
pub const MAX_YEAR: i32 = 2199;

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

impl Date {
    /// Checks the year range, the month and the day of that month.
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Result<Self, ValidationError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(ValidationError::OutOfRange {
                what: "year",
                value: i64::from(year),
                min: i64::from(MIN_YEAR),
                max: i64::from(MAX_YEAR),
            });
        }
        if !(1..=12).contains(&month) {
            return Err(ValidationError::OutOfRange { what: "month", value: i64::from(month), min: 1, max: 12 });
        }
        let last = days_in_month(year, month);
        if !(1..=last).contains(&day) {
            return Err(ValidationError::OutOfRange {
                what: "day",
                value: i64::from(day),
                min: 1,
                max: i64::from(last),
            });
        }
        Ok(Self { year, month, day })
    }

    /// Parses `YYYY-MM-DD` exactly (ten ASCII characters).
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        let bytes = text.trim().as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes.iter().enumerate().all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(ValidationError::Malformed { what: "a date", detail: "expected YYYY-MM-DD" });
        }
        let number = |range: std::ops::Range<usize>| -> i32 {
            bytes[range].iter().fold(0, |acc, b| acc * 10 + i32::from(b - b'0'))
        };
        let month = u8::try_from(number(5..7)).unwrap_or(0);
        let day = u8::try_from(number(8..10)).unwrap_or(0);
        Self::from_ymd(number(0..4), month, day)
    }

    /// The year.
    pub fn year(&self) -> i32 {
        self.year
    }
    /// The month, 1 to 12.
    pub fn month(&self) -> u8 {
        self.month
    }
    /// The day of the month, 1 to 31.
    pub fn day(&self) -> u8 {
        self.day
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(&self) -> i64 {
        let month = i64::from(self.month);
        let day = i64::from(self.day);
        let year = i64::from(self.year) - i64::from(month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let shifted_month = (month + 9) % 12; // March is 0.
        let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `days` days after 1970-01-01, if it lies within the supported years.
    pub fn from_days_since_epoch(days: i64) -> Result<Self, ValidationError> {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 { shifted_month + 3 } else { shifted_month - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        let out_of_range = ValidationError::OutOfRange {
            what: "days since epoch",
            value: days,
            min: i64::from(MIN_YEAR),
            max: i64::from(MAX_YEAR),
        };
        let year = i32::try_from(year).map_err(|_| out_of_range.clone())?;
        let month = u8::try_from(month).map_err(|_| out_of_range.clone())?;
        let day = u8::try_from(day).map_err(|_| out_of_range.clone())?;
        Self::from_ymd(year, month, day).map_err(|_| out_of_range)
    }

    /// Whole days from `self` to `later` (negative if `later` is earlier).
    pub fn days_until(&self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    /// The date `days` days later (or earlier, if negative), within the supported years.
    pub fn add_days(&self, days: i64) -> Result<Self, ValidationError> {
        Self::from_days_since_epoch(self.days_since_epoch().saturating_add(days))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl TryFrom<String> for Date {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::parse(&raw)
    }
}
impl From<Date> for String {
    fn from(value: Date) -> String {
        value.to_string()
    }
}

// serde writes and reads `YYYY-MM-DD` (`try_from = "String"`, through [`Date::parse`]).
inline_schema!(
    Date,
    schemars::json_schema!({
        "type": "string",
        "format": "date",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": format!("A calendar date, YYYY-MM-DD, in the years {MIN_YEAR} to {MAX_YEAR}."),
    })
);

/// An instant: milliseconds since 1970-01-01T00:00:00Z. Core never reads a clock; the
/// caller supplies every timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    /// Wraps a count of milliseconds since the Unix epoch (UTC).
    pub fn from_unix_ms(unix_ms: i64) -> Self {
        Self(unix_ms)
    }
    /// Milliseconds since the Unix epoch (UTC).
    pub fn unix_ms(&self) -> i64 {
        self.0
    }
}

// serde writes the bare count of milliseconds (`transparent`).
inline_schema!(
    Timestamp,
    schemars::json_schema!({
        "type": "integer",
        "format": "int64",
        "description": "An instant: milliseconds since 1970-01-01T00:00:00Z.",
    })
);

/// RFC 3339 in UTC to the second, `2026-12-01T09:30:00Z`, for messages; an instant outside
/// the years [`Date`] holds prints as its milliseconds since the epoch.
impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MS_PER_DAY: i64 = 86_400_000;
        let days = self.0.div_euclid(MS_PER_DAY);
        let seconds_of_day = self.0.rem_euclid(MS_PER_DAY) / 1000;
        match Date::from_days_since_epoch(days) {
            Ok(date) => write!(
                f,
                "{date}T{:02}:{:02}:{:02}Z",
                seconds_of_day / 3600,
                seconds_of_day / 60 % 60,
                seconds_of_day % 60
            ),
            Err(_) => write!(f, "{} ms since 1970", self.0),
        }
    }
}

/// An amount of money in euro cents, from 0 to [`limits::MAX_EURO_CENTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct EuroCents(u64);

impl EuroCents {
    /// Checks the upper bound (one hundred billion euro).
    pub fn new(cents: u64) -> Result<Self, ValidationError> {
        if cents > limits::MAX_EURO_CENTS {
            return Err(ValidationError::OutOfRange {
                what: "euro cents",
                value: i64::try_from(cents).unwrap_or(i64::MAX),
                min: 0,
                max: i64::try_from(limits::MAX_EURO_CENTS).unwrap_or(i64::MAX),
            });
        }
        Ok(Self(cents))
    }
    /// The amount in cents.
    pub fn cents(&self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for EuroCents {
    type Error = ValidationError;
    fn try_from(cents: u64) -> Result<Self, ValidationError> {
        Self::new(cents)
    }
}
impl From<EuroCents> for u64 {
    fn from(value: EuroCents) -> u64 {
        value.0
    }
}

// serde reads it through [`EuroCents::new`] (`try_from = "u64"`).
inline_schema!(
    EuroCents,
    schemars::json_schema!({
        "type": "integer",
        "minimum": 0,
        "maximum": limits::MAX_EURO_CENTS,
        "description": "An amount of money in euro cents.",
    })
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_civil_round_trips_over_the_whole_range() {
        let first = Date::from_ymd(MIN_YEAR, 1, 1).map(|d| d.days_since_epoch());
        let last = Date::from_ymd(MAX_YEAR, 12, 31).map(|d| d.days_since_epoch());
        let (Ok(first), Ok(last)) = (first, last) else {
            panic!("range ends must be valid dates");
        };
        let mut previous: Option<Date> = None;
        for days in first..=last {
            let date = Date::from_days_since_epoch(days);
            assert!(date.is_ok(), "day {days} must map to a date");
            if let Ok(date) = date {
                assert_eq!(date.days_since_epoch(), days);
                assert_eq!(Date::parse(&date.to_string()), Ok(date));
                if let Some(p) = previous {
                    assert!(p < date);
                }
                previous = Some(date);
            }
        }
        assert_eq!(Date::parse("1970-01-01").map(|d| d.days_since_epoch()), Ok(0));
        assert_eq!(Date::parse("2000-03-01").map(|d| d.days_since_epoch()), Ok(11_017));
        assert!(Date::from_days_since_epoch(last + 1).is_err());
    }

    #[test]
    fn dates_reject_impossible_days() {
        assert!(Date::parse("2023-02-29").is_err());
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("1900-02-29").is_err());
        assert!(Date::parse("2023-13-01").is_err());
        assert!(Date::parse("23-01-01").is_err());
        assert!(Date::parse("1899-12-31").is_err());
    }

    #[test]
    fn amka_needs_eleven_digits_and_the_luhn_digit() {
        // 0101801234 followed by its Luhn digit.
        let base = "0101801234";
        let check = (0..10u8).map(|d| format!("{base}{d}")).find(|c| luhn_valid(c));
        let Some(valid) = check else {
            panic!("some digit completes the Luhn sum");
        };
        assert!(Amka::new(&valid).is_ok());
        let last = valid.as_bytes()[10] - b'0';
        let wrong = format!("{base}{}", (last + 1) % 10);
        assert!(matches!(Amka::new(&wrong), Err(ValidationError::AmkaCheckDigit { .. })));
        assert!(matches!(Amka::new("1234"), Err(ValidationError::Malformed { .. })));
        assert!(!format!("{:?}", Amka::new(&valid)).contains(base));
    }

    /// `digits` (ten) followed by the Luhn digit that completes them.
    fn with_check_digit(digits: &str) -> String {
        let completed = (0..10u8).map(|d| format!("{digits}{d}")).find(|c| luhn_valid(c));
        completed.unwrap_or_else(|| panic!("some digit completes the Luhn sum of {digits}"))
    }

    #[test]
    fn an_amka_begins_with_a_birth_date() {
        assert!(Amka::new(&with_check_digit("2902001234")).is_ok(), "2000 was a leap year");
        assert!(Amka::new(&with_check_digit("3112991234")).is_ok());
        let refused = |digits: &str| match Amka::new(&with_check_digit(digits)) {
            Err(ValidationError::AmkaBirthDate { detail, .. }) => detail,
            other => panic!("{digits}: expected a birth-date error, got {other:?}"),
        };
        assert!(refused("3213801234").contains("13 is not a month"));
        assert!(refused("0100801234").contains("00 is not a month"));
        assert!(refused("3204801234").contains("month 04 has no day 32"));
        assert!(refused("3104801234").contains("month 04 has no day 31"));
        assert!(refused("2902011234").contains("month 02 has no day 29"));
        assert!(refused("0002801234").contains("no day 00"));
        let zeros = Amka::new("00000000000");
        assert!(matches!(&zeros, Err(ValidationError::Malformed { detail, .. }) if detail.contains("zero")));
        assert_eq!(
            zeros.map_err(|e| e.to_string()).err().as_deref(),
            Some("an AMKA is malformed: all its digits are zero")
        );
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(MunicipalityName::new("  Σφακίων ").map(|m| m.as_str().to_owned()), Ok("Σφακίων".to_owned()));
        assert!(matches!(MunicipalityName::new("   "), Err(ValidationError::Empty { .. })));
        let long = "α".repeat(MunicipalityName::MAX_CHARS + 1);
        assert!(matches!(MunicipalityName::new(&long), Err(ValidationError::TooLong { .. })));
        assert!(matches!(OrganisationName::new("a\nb"), Err(ValidationError::ControlCharacter { .. })));
        assert!(Narrative::new("line one\nline two").is_ok());
        assert!(Email::new("a@b.gr").is_ok());
        assert!(Email::new("a@b").is_err());
        assert!(Phone::new("+30 210 1234567").is_ok());
        assert!(Phone::new("call me").is_err());
        assert!(WebUrl::new("https://kapodistrias.gr").is_ok());
        assert!(WebUrl::new("ftp://x").is_err());
        assert!(EuroCents::new(26_640_000).is_ok());
        assert!(EuroCents::new(u64::MAX).is_err());
    }
}
