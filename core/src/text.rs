//! Free text written by staff about a person (an intake request, a note, a reason), as an
//! event holds it.
//!
//! Such text never stays in the log: the Engine keeps it in the vault, encrypted with the
//! person's key, and the event carries a [`SealedText`], the vault entry's id and a salted
//! digest of the text. The chain then proves what was written, a holder of the text and its
//! salt can show it is the one recorded, and a bundle holds neither the text nor anything
//! from which it can be guessed (the salt is secret, kept with the text).
//!
//! Core decides with the text in hand ([`Text::Inline`], taken from the command); the
//! Engine seals every inline text of an act before it is encoded, and refuses to encode one
//! that is not ([`Event::has_inline_text`](crate::Event::has_inline_text)). Inline texts
//! are also what events of the versions before texts moved to the vault hold, read back as
//! they were written.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A free text as an event holds it.
#[derive(Clone, PartialEq, Eq)]
pub enum Text {
    /// Kept in the vault: the event holds its reference and digest.
    Sealed(SealedText),
    /// Written out in the event: only in an event just decided, which the Engine seals
    /// before it reaches the log, and in events recorded before texts moved to the vault.
    Inline(String),
}

impl Text {
    /// An inline text, as core makes it from a command.
    pub fn inline(text: impl Into<String>) -> Text {
        Text::Inline(text.into())
    }

    /// The text itself, when the event holds it.
    pub fn as_inline(&self) -> Option<&str> {
        match self {
            Text::Inline(text) => Some(text),
            Text::Sealed(_) => None,
        }
    }

    /// The vault reference, when the text is sealed.
    pub fn sealed(&self) -> Option<&SealedText> {
        match self {
            Text::Sealed(sealed) => Some(sealed),
            Text::Inline(_) => None,
        }
    }
}

impl fmt::Debug for Text {
    // A text's words are personal data: debugging output names only its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Text::Sealed(sealed) => write!(f, "Sealed({})", sealed.text_id),
            Text::Inline(text) => write!(f, "Inline({} chars)", text.chars().count()),
        }
    }
}

/// A text kept in the vault: its entry's id and the salted digest of its words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealedText {
    /// The vault entry's id (derived from the command id and the text's place in the act).
    pub text_id: uuid::Uuid,
    /// The salted digest of the text.
    pub digest: TextDigest,
}

/// The salted SHA-256 digest of a text, 64 lowercase hex digits:
/// SHA-256("parapompi/text/v1\0" ‖ len(salt) ‖ salt ‖ len(text) ‖ text), each length a
/// 4-byte big-endian count of bytes and the text its UTF-8 bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TextDigest(String);

impl TextDigest {
    /// The digest of `text` under `salt`.
    pub fn of(salt: &[u8], text: &str) -> TextDigest {
        let mut hasher = Sha256::new();
        hasher.update(b"parapompi/text/v1\0");
        for part in [salt, text.as_bytes()] {
            // Salts are 32 bytes and texts are bounded by the limits, far below 4 GiB.
            hasher.update(u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
            hasher.update(part);
        }
        TextDigest(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for TextDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(deserializer)?;
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(de::Error::custom("a text digest is 64 lowercase hex digits"));
        }
        Ok(TextDigest(hex))
    }
}

/// serde writes the hex digits and reads only 64 lowercase ones.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for TextDigest {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TextDigest".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "The salted SHA-256 digest of a text, 64 lowercase hex digits.",
        })
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Text::Sealed(sealed) => sealed.serialize(serializer),
            Text::Inline(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Text {
    // A string is an inline text, an object a sealed one; read in one pass (no buffering),
    // since replaying a log decodes every event.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a text, or a sealed text's {\"text_id\", \"digest\"}")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text, E> {
                Ok(Text::Inline(text.to_owned()))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text, E> {
                Ok(Text::Inline(text))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Text, A::Error> {
                let (mut text_id, mut digest) = (None, None);
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "text_id" if text_id.is_none() => text_id = Some(map.next_value()?),
                        "digest" if digest.is_none() => digest = Some(map.next_value()?),
                        "text_id" | "digest" => return Err(de::Error::custom(format!("duplicate field `{key}`"))),
                        other => return Err(de::Error::unknown_field(other, &["text_id", "digest"])),
                    }
                }
                let text_id = text_id.ok_or_else(|| de::Error::missing_field("text_id"))?;
                let digest = digest.ok_or_else(|| de::Error::missing_field("digest"))?;
                Ok(Text::Sealed(SealedText { text_id, digest }))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_text_and_an_inline_one_read_back_as_written() {
        let sealed = Text::Sealed(SealedText {
            text_id: uuid::Uuid::from_u128(7),
            digest: TextDigest::of(&[1; 32], "Η κα Νικολάου ζήτησε βοήθεια"),
        });
        let json = serde_json::to_string(&sealed).unwrap_or_default();
        assert!(json.starts_with("{\"text_id\":\"00000000-0000-0000-0000-000000000007\",\"digest\":\""), "{json}");
        assert_eq!(serde_json::from_str::<Text>(&json).ok(), Some(sealed));
        let inline = Text::inline("παλιό κείμενο");
        assert_eq!(serde_json::from_str::<Text>("\"παλιό κείμενο\"").ok(), Some(inline));
        assert!(serde_json::from_str::<Text>("{\"text_id\":\"00000000-0000-0000-0000-000000000007\"}").is_err());
        assert!(serde_json::from_str::<Text>("{\"text_id\":\"x\",\"digest\":\"00\"}").is_err());
        assert!(serde_json::from_str::<Text>("17").is_err());
    }

    #[test]
    fn the_digest_depends_on_salt_and_words_and_debug_shows_neither() {
        let d = TextDigest::of(&[0; 32], "note");
        assert_eq!(d.as_str().len(), 64);
        assert_ne!(d, TextDigest::of(&[1; 32], "note"));
        assert_ne!(d, TextDigest::of(&[0; 32], "notes"));
        // The lengths keep salt and text apart: moving a byte from one to the other changes it.
        assert_ne!(TextDigest::of(b"ab", "c"), TextDigest::of(b"a", "bc"));
        assert_eq!(format!("{:?}", Text::inline("ΑΜΚΑ 15038500110")), "Inline(16 chars)");
    }
}
