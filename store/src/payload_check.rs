//! Checking that a payload is one JSON value, without building it.
//!
//! The store checks a payload with serde_json when it is appended ([`crate::Payload::from_json`]).
//! Reading a log back from a file checks every payload again, and there serde_json's general
//! machinery costs as much as hashing the record. This checker accepts exactly the UTF-8 texts
//! serde_json accepts (property tests hold it to that; its callers have checked UTF-8 already),
//! and runs through the long strings that make up most payloads eight bytes at a time.

/// Whether `text` is one JSON value with only whitespace around it; the problem and its byte
/// offset when it is not. Nesting has no limit (as with serde_json's `IgnoredAny`) and costs
/// no stack: open arrays and objects are kept in a list.
pub(crate) fn check_json(text: &[u8]) -> Result<(), String> {
    let mut checker = Checker { text, at: 0 };
    let mut open: Vec<u8> = Vec::new();
    checker.whitespace();
    loop {
        // A value starts here.
        match checker.peek() {
            Some(b'"') => checker.string()?,
            Some(b'{') => {
                checker.at += 1;
                checker.whitespace();
                if checker.peek() == Some(b'}') {
                    checker.at += 1;
                } else {
                    open.push(b'{');
                    checker.key()?;
                    continue;
                }
            }
            Some(b'[') => {
                checker.at += 1;
                checker.whitespace();
                if checker.peek() == Some(b']') {
                    checker.at += 1;
                } else {
                    open.push(b'[');
                    continue;
                }
            }
            Some(b't') => checker.literal(b"true")?,
            Some(b'f') => checker.literal(b"false")?,
            Some(b'n') => checker.literal(b"null")?,
            Some(b'-' | b'0'..=b'9') => checker.number()?,
            _ => return Err(checker.unexpected("a value")),
        }
        // A value ended: close what it ends, up to the next value.
        loop {
            checker.whitespace();
            match (open.last(), checker.peek()) {
                (None, None) => return Ok(()),
                (None, Some(_)) => return Err(checker.unexpected("the end of the text")),
                (Some(_), Some(b',')) => {
                    checker.at += 1;
                    checker.whitespace();
                    if open.last() == Some(&b'{') {
                        checker.key()?;
                    }
                    break;
                }
                (Some(b'{'), Some(b'}')) | (Some(b'['), Some(b']')) => {
                    checker.at += 1;
                    open.pop();
                }
                (Some(b'{'), _) => return Err(checker.unexpected("',' or '}'")),
                (Some(_), _) => return Err(checker.unexpected("',' or ']'")),
            }
        }
    }
}

struct Checker<'a> {
    text: &'a [u8],
    at: usize,
}

impl Checker<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn unexpected(&self, wanted: &str) -> String {
        match self.peek() {
            Some(byte) => format!("expected {wanted} at byte {}, found {:?}", self.at, char::from(byte)),
            None => format!("expected {wanted} at byte {}, found the end", self.at),
        }
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// An object's key and its colon, and the whitespace up to the value.
    fn key(&mut self) -> Result<(), String> {
        if self.peek() != Some(b'"') {
            return Err(self.unexpected("a key"));
        }
        self.string()?;
        self.whitespace();
        if self.peek() != Some(b':') {
            return Err(self.unexpected("':'"));
        }
        self.at += 1;
        self.whitespace();
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(())
        } else {
            Err(self.unexpected(std::str::from_utf8(word).unwrap_or("a literal")))
        }
    }

    fn string(&mut self) -> Result<(), String> {
        self.at += 1;
        loop {
            self.at += plain_run(&self.text[self.at..]);
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return Ok(());
                }
                Some(b'\\') => self.escape()?,
                Some(_) => return Err(format!("a control character inside a string at byte {}", self.at)),
                None => return Err(format!("a string is not closed at byte {}", self.at)),
            }
        }
    }

    fn escape(&mut self) -> Result<(), String> {
        let start = self.at;
        self.at += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.at += 1;
                Ok(())
            }
            Some(b'u') => {
                let digits = self.text.get(self.at + 1..self.at + 5).filter(|d| d.iter().all(u8::is_ascii_hexdigit));
                if digits.is_none() {
                    return Err(format!("a \\u escape without four hex digits at byte {start}"));
                }
                self.at += 5;
                Ok(())
            }
            _ => Err(format!("an unknown escape at byte {start}")),
        }
    }

    fn number(&mut self) -> Result<(), String> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit after the decimal point"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }
}

/// Bytes that end a run of plain string content: the closing quote, an escape, and the
/// control characters JSON forbids inside a string.
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Whether a byte ends a run of plain string content.
pub(crate) fn is_string_stop(byte: u8) -> bool {
    STRING_STOP[usize::from(byte)]
}

/// The length of the run of plain string content at the start of `bytes`: up to the first
/// quote, backslash or control character (or the end). Eight bytes at a time: a word holds
/// one of those when one of its bytes, XORed with `"` or `\`, is zero, or is below 0x20.
pub(crate) fn plain_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let stops = has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if stops != 0 {
            // The lowest flagged byte is a true stop; flags above it may be false.
            return at + usize::try_from(stops.trailing_zeros() / 8).expect("below 8");
        }
        at += 8;
    }
    at + bytes[at..].iter().position(|&byte| is_string_stop(byte)).unwrap_or(bytes.len() - at)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn serde_accepts(text: &[u8]) -> bool {
        serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
    }

    #[test]
    fn agrees_with_serde_json_on_hand_picked_texts() {
        let texts: &[&str] = &[
            "{}",
            " [ ] ",
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#""Στέγαση \"επείγον\" \u00e9 \/ \b\f\n\r\t""#,
            "-0",
            "0.5e-3",
            "1E+10",
            "12345678901234567890123456789",
            "-",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1:2}",
            "[1 2]",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"tab\there\"",
            "\"open",
            "tru",
            "nulll",
            "{} {}",
            "",
            "   ",
            "[\"a\"]\n",
        ];
        for text in texts {
            assert_eq!(check_json(text.as_bytes()).is_ok(), serde_accepts(text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_accepted_as_serde_json_accepts_it_and_costs_no_stack() {
        for depth in [1, 2, 127, 128, 129, 100_000] {
            for (open, close) in [("[", "]"), ("{\"k\":", "}")] {
                let mut text = open.repeat(depth);
                text.push('1');
                text.push_str(&close.repeat(depth));
                assert_eq!(check_json(text.as_bytes()).is_ok(), serde_accepts(text.as_bytes()), "depth {depth} {open}");
            }
        }
    }

    /// JSON-ish texts: valid values, then often damaged by a cut, an inserted byte or a
    /// replaced one.
    fn texts() -> impl Strategy<Value = Vec<u8>> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(serde_json::Value::from),
            "[a-zα-ω \"\\\\/\\n\\t\\u{1}-\\u{1f}é€😀]{0,24}".prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::btree_map("[a-zα-ω\"]{0,6}", inner, 0..6)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        });
        let damage = prop_oneof![
            3 => Just(None),
            1 => (any::<prop::sample::Index>(), prop::sample::select(b"\"\\{}[],:0-.eE tfn\x01\xce".to_vec()))
                .prop_map(|(at, byte)| Some((at, byte, true))),
            1 => (any::<prop::sample::Index>(), prop::sample::select(b"\"\\{}[],:0-.eE tfn\x01".to_vec()))
                .prop_map(|(at, byte)| Some((at, byte, false))),
        ];
        (value, any::<bool>(), damage).prop_map(|(value, pretty, damage)| {
            let mut text = if pretty {
                serde_json::to_vec_pretty(&value).expect("serialises")
            } else {
                serde_json::to_vec(&value).expect("serialises")
            };
            if let Some((at, byte, insert)) = damage {
                let at = at.index(text.len() + 1);
                if insert {
                    text.insert(at, byte);
                } else if at < text.len() {
                    text[at] = byte;
                } else {
                    text.truncate(at / 2);
                }
            }
            text
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn accepts_exactly_what_serde_json_accepts(text in texts()) {
            // The checker reads text already known to be UTF-8, as payloads are.
            if let Ok(utf8) = std::str::from_utf8(&text) {
                prop_assert_eq!(check_json(utf8.as_bytes()).is_ok(), serde_accepts(&text), "{:?}", utf8);
            }
        }
    }
}
