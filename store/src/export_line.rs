//! Reading one export line fast, and checking it on its own: its fields, and its hash against
//! the SHA-256 of its previous hash and canonical bytes.
//!
//! A line in exactly the form the store writes (`FORMAT.md`, "The JSON Lines export": the keys
//! in order, no spaces) is read field by field straight from its bytes, into borrowed text and
//! one reused buffer for the payload. Any other line, and any line with anything wrong, goes
//! to the general JSON reader, [`ExportLine::parse`], which accepts every valid JSON spelling
//! of a record and names the problem otherwise. The fast reader declines rather than judges,
//! so the two always agree; it only changes the speed.

use uuid::Uuid;

use crate::block_reader::ScannedRecord;
use crate::canonical::{canonical_bytes, chain_hash, CanonicalFields};
use crate::jsonl::ExportLine;
use crate::payload_check::{check_json, is_string_stop, plain_run};
use crate::record::{
    check_actor, Actor, EventType, Hash, Payload, RecordedEvent, StreamId, Timestamp, MAX_ACTOR_BYTES,
    MAX_EVENT_TYPE_BYTES, MAX_STREAM_ID_BYTES,
};

/// Reads export lines, reusing its buffers from one line to the next.
#[derive(Default)]
pub struct LineScanner {
    payload: String,
    canonical: Vec<u8>,
}

impl LineScanner {
    /// A scanner with empty buffers.
    pub fn new() -> LineScanner {
        LineScanner::default()
    }

    /// Reads one line (without its line end), checks each field's form and recomputes its
    /// hash. With `keep_record` the whole record comes back too. The error names the problem.
    pub fn scan(&mut self, line: &str, keep_record: bool) -> Result<ScannedRecord, String> {
        match self.scan_fast(line, keep_record) {
            Some(scanned) => Ok(scanned),
            None => scan_general(line, keep_record),
        }
    }

    /// The fast reader: `None` when the line is not in the store's own form or has anything
    /// wrong, for the general reader to accept or explain.
    pub(crate) fn scan_fast(&mut self, line: &str, keep_record: bool) -> Option<ScannedRecord> {
        let mut cursor = Cursor { line, at: 0 };
        cursor.literal(b"{\"position\":")?;
        let position = cursor.unsigned()?;
        cursor.literal(b",\"stream_id\":\"")?;
        let stream_id = StreamId::from_checked(cursor.name(MAX_STREAM_ID_BYTES, is_stream_id_byte)?);
        cursor.literal(b",\"stream_version\":")?;
        let stream_version = cursor.unsigned()?;
        cursor.literal(b",\"event_id\":\"")?;
        let event_id = Uuid::try_parse_ascii(cursor.fixed(36)?).ok()?;
        cursor.literal(b",\"command_id\":\"")?;
        let command_id = Uuid::try_parse_ascii(cursor.fixed(36)?).ok()?;
        cursor.literal(b",\"event_type\":\"")?;
        let event_type = cursor.name(MAX_EVENT_TYPE_BYTES, is_event_type_byte)?;
        cursor.literal(b",\"schema_version\":")?;
        let schema_version = u32::try_from(cursor.unsigned()?).ok()?;
        cursor.literal(b",\"occurred_at\":")?;
        let occurred_at = Timestamp::from_unix_ms(cursor.signed()?);
        cursor.literal(b",\"recorded_at\":")?;
        let recorded_at = Timestamp::from_unix_ms(cursor.signed()?);
        cursor.literal(b",\"actor\":\"")?;
        let actor = cursor.actor()?;
        cursor.literal(b",\"payload\":\"")?;
        let payload = cursor.escaped_string(&mut self.payload)?;
        check_json(payload.as_bytes()).ok()?;
        cursor.literal(b",\"prev_hash\":\"")?;
        let prev_hash = Hash::from_hex_bytes(cursor.fixed(64)?)?;
        cursor.literal(b",\"hash\":\"")?;
        let hash = Hash::from_hex_bytes(cursor.fixed(64)?)?;
        cursor.literal(b"}")?;
        if cursor.at != line.len() {
            return None;
        }
        let fields = CanonicalFields {
            position,
            stream_id: stream_id.as_str(),
            stream_version,
            event_id,
            command_id,
            event_type,
            schema_version,
            occurred_at,
            recorded_at,
            actor,
            payload,
        };
        self.canonical.clear();
        fields.encode_into(&mut self.canonical);
        let recomputed = chain_hash(&prev_hash, &self.canonical);
        let record = match keep_record {
            false => None,
            true => Some(RecordedEvent {
                position,
                stream_id: stream_id.clone(),
                stream_version,
                event_id,
                command_id,
                event_type: EventType::new(event_type).ok()?,
                schema_version,
                occurred_at,
                recorded_at,
                actor: Actor::new(actor).ok()?,
                payload: Payload::trusted(payload),
                prev_hash,
                hash,
            }),
        };
        Some(ScannedRecord { position, stream_id, stream_version, recorded_at, prev_hash, hash, recomputed, record })
    }
}

fn is_stream_id_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b':')
}

fn is_event_type_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.')
}

/// The general reader: any JSON spelling of a record, and the problem named when it is not one.
fn scan_general(line: &str, keep_record: bool) -> Result<ScannedRecord, String> {
    let record = ExportLine::parse(line)?;
    let recomputed = chain_hash(&record.prev_hash, &canonical_bytes(&record));
    Ok(ScannedRecord {
        position: record.position,
        stream_id: record.stream_id.clone(),
        stream_version: record.stream_version,
        recorded_at: record.recorded_at,
        prev_hash: record.prev_hash,
        hash: record.hash,
        recomputed,
        record: keep_record.then_some(record),
    })
}

/// A place in a line being read. Every method returns `None` on anything it does not expect.
struct Cursor<'a> {
    line: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.line.as_bytes()[self.at..]
    }

    fn literal<const N: usize>(&mut self, expected: &[u8; N]) -> Option<()> {
        (self.rest().get(..N)? == expected).then(|| self.at += N)
    }

    /// Digits as JSON writes an unsigned integer: no sign, no leading zero, no fraction.
    fn unsigned(&mut self) -> Option<u64> {
        let rest = self.rest();
        let mut value = 0u64;
        let mut digits = 0;
        while let Some(&digit) = rest.get(digits).filter(|b| b.is_ascii_digit()) {
            value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            digits += 1;
        }
        if digits == 0 || (digits > 1 && rest[0] == b'0') || matches!(rest.get(digits), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.at += digits;
        Some(value)
    }

    fn signed(&mut self) -> Option<i64> {
        if self.literal(b"-").is_some() {
            let magnitude = self.unsigned()?;
            return 0i64.checked_sub_unsigned(magnitude);
        }
        i64::try_from(self.unsigned()?).ok()
    }

    /// Exactly `n` bytes of string content, then the closing quote.
    fn fixed(&mut self, n: usize) -> Option<&'a [u8]> {
        let content = self.rest().get(..n)?;
        self.at += n;
        self.literal(b"\"")?;
        Some(content)
    }

    /// A name's content up to its closing quote: 1 to `max` bytes, each `allowed` (never a
    /// quote, a backslash or a control character).
    fn name(&mut self, max: usize, allowed: fn(u8) -> bool) -> Option<&'a str> {
        let length = self.rest().iter().take(max + 1).position(|&byte| !allowed(byte))?;
        if length == 0 || self.rest()[length] != b'"' {
            return None;
        }
        let name = &self.line[self.at..self.at + length];
        self.at += length + 1;
        Some(name)
    }

    /// An actor's content up to its closing quote: the rules of [`Actor::new`], and no escape.
    fn actor(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let length = rest.iter().position(|&byte| is_string_stop(byte) || byte == 0x7f)?;
        if rest[length] != b'"' {
            return None;
        }
        let actor = &self.line[self.at..self.at + length];
        // Control characters beyond ASCII take a look at the characters themselves.
        if !actor.is_ascii() {
            check_actor(actor).ok()?;
        }
        if actor.is_empty() || actor.len() > MAX_ACTOR_BYTES {
            return None;
        }
        self.at += length + 1;
        Some(actor)
    }

    /// A string's content up to its closing quote, unescaped: borrowed from the line when it
    /// holds no escape, else written into `out`.
    fn escaped_string<'b>(&mut self, out: &'b mut String) -> Option<&'b str>
    where
        'a: 'b,
    {
        let start = self.at;
        let mut escaped = false;
        loop {
            let length = plain_run(self.rest());
            let segment = &self.line[self.at..self.at + length];
            let stop = *self.rest().get(length)?;
            if stop < 0x20 {
                return None;
            }
            if escaped || stop == b'\\' {
                if !escaped {
                    out.clear();
                    escaped = true;
                }
                out.push_str(segment);
            }
            self.at += length + 1;
            if stop == b'"' {
                return Some(if escaped { out.as_str() } else { &self.line[start..self.at - 1] });
            }
            self.escape_into(out)?;
        }
    }

    /// One escape, after its backslash.
    fn escape_into(&mut self, out: &mut String) -> Option<()> {
        let (&kind, _) = self.rest().split_first()?;
        self.at += 1;
        let decoded = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                match unit {
                    0xD800..=0xDBFF => {
                        self.literal(b"\\u")?;
                        let low = self.hex4()?;
                        if !(0xDC00..=0xDFFF).contains(&low) {
                            return None;
                        }
                        char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                    }
                    0xDC00..=0xDFFF => return None,
                    _ => char::from_u32(unit)?,
                }
            }
            _ => return None,
        };
        out.push(decoded);
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        let mut value = 0u32;
        for &digit in digits {
            value = value * 16 + char::from(digit).to_digit(16)?;
        }
        self.at += 4;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Characters that exercise every path of both readers: Greek, quotes, backslashes,
    /// controls (escaped short and long), DEL and C1 controls, a slash, line separators and
    /// a character outside the basic plane (a surrogate pair when escaped).
    fn tricky_text() -> impl Strategy<Value = String> {
        let chars = prop_oneof![
            4 => prop::char::range('a', 'z'),
            3 => prop::char::range('α', 'ω'),
            1 => Just('"'),
            1 => Just('\\'),
            1 => Just('/'),
            1 => Just('\n'),
            1 => Just('\t'),
            1 => Just('\u{1}'),
            1 => Just('\u{7f}'),
            1 => Just('\u{85}'),
            1 => Just('\u{2028}'),
            1 => Just('😀'),
            1 => Just(' '),
        ];
        prop::collection::vec(chars, 0..24).prop_map(|chars| chars.into_iter().collect())
    }

    prop_compose! {
        fn record()(
            position in 1u64..u64::MAX,
            stream in "[a-z]{1,8}-[a-zA-Z0-9_.:-]{1,40}",
            stream_version in 1u64..u64::MAX,
            event_id in any::<u128>(),
            command_id in any::<u128>(),
            event_type in "[A-Za-z][A-Za-z0-9_.]{0,40}",
            schema_version in any::<u32>(),
            occurred_at in any::<i64>(),
            recorded_at in any::<i64>(),
            actor in prop_oneof![3 => "staff-[a-z0-9-]{1,40}", 1 => tricky_text()],
            texts in prop::collection::vec(tricky_text(), 0..4),
            number in any::<i64>(),
            prev in any::<[u8; 32]>(),
            hash in any::<[u8; 32]>(),
        ) -> RecordedEvent {
            let actor = if Actor::new(actor.clone()).is_ok() { actor } else { "staff-1".to_owned() };
            let payload = serde_json::json!({ "texts": texts, "number": number, "nothing": null, "yes": true });
            RecordedEvent {
                position,
                stream_id: StreamId::new(stream).expect("a valid stream id"),
                stream_version,
                event_id: Uuid::from_u128(event_id),
                command_id: Uuid::from_u128(command_id),
                event_type: EventType::new(event_type).expect("a valid type"),
                schema_version,
                occurred_at: Timestamp::from_unix_ms(occurred_at),
                recorded_at: Timestamp::from_unix_ms(recorded_at),
                actor: Actor::new(actor).expect("a valid actor"),
                payload: Payload::from_value(&payload),
                prev_hash: Hash(prev),
                hash: Hash(hash),
            }
        }
    }

    fn line_of(record: &RecordedEvent) -> String {
        serde_json::to_string(&ExportLine::of(record)).expect("a record serialises")
    }

    /// A payload written by serde with escapes of every kind, as another writer might.
    const ESCAPED_PAYLOAD: &str = r#""{\"a\":\"\u03b1\\u00e9\/\ud83d\ude00\\n\\b\\f\"}\n\t\r""#;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Every line the store writes is read by the fast reader, to the same result as the
        /// general one.
        #[test]
        fn the_fast_reader_reads_the_stores_lines_as_the_general_one_does(record in record(), keep in any::<bool>()) {
            let line = line_of(&record);
            let general = scan_general(&line, keep).expect("the general reader reads it");
            let needs_escapes = record.actor.as_str().contains(['"', '\\']);
            match LineScanner::new().scan_fast(&line, keep) {
                Some(fast) => prop_assert_eq!(fast, general),
                None => prop_assert!(needs_escapes, "the fast reader declined a plain line: {}", line),
            }
            if keep {
                let kept = LineScanner::new().scan(&line, true).expect("reads").record.expect("kept");
                prop_assert_eq!(kept, record);
            }
        }

        /// A damaged line is either declined by the fast reader, or read by it to exactly what
        /// the general reader makes of it: the fast reader never accepts what the other refuses.
        #[test]
        fn the_fast_reader_never_accepts_what_the_general_one_refuses(
            record in record(),
            at in any::<prop::sample::Index>(),
            edit in 0u8..3,
            byte in prop::sample::select(b"0159-+.eE\"\\/{}[],: \tuabfnrtx\x01\x7f".to_vec()),
        ) {
            let mut bytes = line_of(&record).into_bytes();
            let index = at.index(bytes.len());
            match edit {
                0 => bytes[index] = byte,
                1 => { bytes.remove(index); }
                _ => bytes.insert(index, byte),
            }
            let Ok(line) = String::from_utf8(bytes) else { return Ok(()) };
            if let Some(fast) = LineScanner::new().scan_fast(&line, true) {
                prop_assert_eq!(Ok(fast), scan_general(&line, true), "line: {}", line);
            }
        }
    }

    #[test]
    fn escapes_of_every_kind_in_a_payload_read_alike() {
        let record = line_of(&record_with_payload(r#"{"a":1}"#));
        let line = record.replace(r#""{\"a\":1}""#, ESCAPED_PAYLOAD);
        let fast = LineScanner::new().scan_fast(&line, true).expect("the fast reader unescapes it");
        assert_eq!(fast.record.as_ref().expect("kept").payload.as_str(), "{\"a\":\"α\\u00e9/😀\\n\\b\\f\"}\n\t\r");
        assert_eq!(Ok(fast), scan_general(&line, true));
    }

    #[test]
    fn spellings_json_forbids_or_the_store_never_writes_go_to_the_general_reader() {
        let line = line_of(&record_with_payload(r#"{"a":1}"#));
        let cases = [
            line.replace("\"position\":7", "\"position\":07"),
            line.replace("\"position\":7", "\"position\":7.0"),
            line.replace("\"position\":7", "\"position\": 7"),
            line.replace("\"stream_version\":3", "\"stream_version\":18446744073709551616"),
            line.replace("\"occurred_at\":-5", "\"occurred_at\":-9223372036854775809"),
            line.replace(r#"{\"a\":1}"#, r#"{\"a\":\"\ud83d\"}"#),
            line.replace(r#"{\"a\":1}"#, r#"{\"a\":\"\x\"}"#),
            line.replace(r#"{\"a\":1}"#, r#"{\"a\":"#),
            line.replace(r#"{\"a\":1}"#, r#"{\"a\":1}\b"#),
            line.replace("\"actor\":\"staff-1\"", "\"actor\":\"staff\\u002d1\""),
            format!("{line} "),
        ];
        for case in cases {
            assert_ne!(case, line, "each case changes the line");
            assert_eq!(LineScanner::new().scan_fast(&case, false), None, "{case}");
        }
        // What the general reader accepts among them reads the same through `scan`.
        let spaced = line.replace("\"position\":7", "\"position\": 7");
        assert_eq!(LineScanner::new().scan(&spaced, true), scan_general(&line, true));
        let escaped_actor = line.replace("\"actor\":\"staff-1\"", "\"actor\":\"staff\\u002d1\"");
        assert_eq!(LineScanner::new().scan(&escaped_actor, true), scan_general(&line, true));
        assert!(LineScanner::new().scan(&line.replace("\"position\":7", "\"position\":07"), false).is_err());
        // The smallest timestamp reads on both paths.
        let earliest = line.replace("\"occurred_at\":-5", "\"occurred_at\":-9223372036854775808");
        assert!(LineScanner::new().scan_fast(&earliest, false).is_some());
    }

    fn record_with_payload(payload: &str) -> RecordedEvent {
        RecordedEvent {
            position: 7,
            stream_id: StreamId::new("case-1").expect("valid"),
            stream_version: 3,
            event_id: Uuid::from_u128(1),
            command_id: Uuid::from_u128(2),
            event_type: EventType::new("CaseOpened").expect("valid"),
            schema_version: 1,
            occurred_at: Timestamp::from_unix_ms(-5),
            recorded_at: Timestamp::from_unix_ms(10),
            actor: Actor::new("staff-1").expect("valid"),
            payload: Payload::from_json(payload).expect("valid"),
            prev_hash: Hash([1; 32]),
            hash: Hash([2; 32]),
        }
    }
}
