//! The checkpoint byte format (version 2) and the compact serde forms the state uses in it.
//!
//! A checkpoint is a fixed 32-byte header followed by the state encoded with `postcard`
//! (varint integers, length-prefixed sequences, UUIDs as 16 raw bytes, dates packed into
//! one integer, log positions as differences):
//!
//! | bytes  | field                                                    |
//! |--------|----------------------------------------------------------|
//! | 0..8   | magic, [`MAGIC`]                                         |
//! | 8..12  | format version, `u32` little-endian                      |
//! | 12..16 | definitions version, `u32` little-endian                 |
//! | 16..24 | body length in bytes, `u64` little-endian                |
//! | 24..32 | checksum of the body ([`checksum`]), `u64` little-endian |
//! | 32..   | body                                                     |
//!
//! The versions come first and are checked before anything else, so a later format may
//! change everything after byte 16. The length and checksum turn a truncated or garbled
//! checkpoint into a [`CheckpointError::Corrupt`] before the decoder sees it; the decoder
//! itself is total as well (it returns an error on any input, and the state has no
//! recursion; no sequence is preallocated beyond [`PREALLOCATE_MAX`] elements on the word of
//! a length prefix).
//!
//! Version 1 was a text header line `parapompi-projections checkpoint 1 definitions 1`
//! followed by JSON; such bytes are recognised and refused as
//! [`CheckpointError::UnsupportedVersion`], so the Engine rebuilds from the log.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::CheckpointError;
use parapompi_core::values::Date;

/// The first 8 bytes of every binary checkpoint.
pub(crate) const MAGIC: [u8; 8] = *b"PRJCKPT\0";

/// Bytes before the body: magic, two versions, body length, checksum.
const HEADER_LEN: usize = 32;

/// The start of a version 1 (text and JSON) checkpoint.
const TEXT_HEADER_PREFIX: &[u8] = b"parapompi-projections checkpoint ";

/// The most elements preallocated for a sequence on the word of its length prefix; longer
/// sequences grow as they are read, so a damaged prefix cannot ask for a huge allocation.
pub(crate) const PREALLOCATE_MAX: usize = 4096;

/// The body's checksum: for each 8-byte little-endian word `w` (the last one padded with
/// zeros), `hash = ((hash ^ w) * K).rotate_left(29)` from `hash = 0xcbf2_9ce4_8422_2325`
/// with `K = 0x9e37_79b9_7f4a_7c15`. Each step is a bijection of the running hash for a
/// fixed word and of the word for a fixed hash, so any single damaged word changes the
/// result; the length in the header covers the padding. Not cryptographic: it catches
/// accidental damage to a cache the log can always rebuild, at several GB/s (a byte-wise
/// FNV-1a took 70 ms over a 32 MB body, longer than the rest of the header checks).
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let step = |hash: u64, word: [u8; 8]| (hash ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    let mut words = bytes.chunks_exact(8);
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for word in &mut words {
        hash = step(hash, word.try_into().unwrap_or_default());
    }
    let rest = words.remainder();
    if rest.is_empty() {
        return hash;
    }
    let mut tail = [0u8; 8];
    tail[..rest.len()].copy_from_slice(rest);
    step(hash, tail)
}

/// The header and the body, ready to store.
pub(crate) fn encode<T: Serialize>(state: &T, format: u32, definitions: u32) -> Vec<u8> {
    let body = postcard::to_stdvec(state);
    // The state is plain data (integers, strings, sequences, maps, unit and newtype
    // variants) and every compact form below is total, so encoding cannot fail.
    assert!(body.is_ok(), "projections always serialise: {body:?}");
    let body = body.unwrap_or_default();
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&format.to_le_bytes());
    bytes.extend_from_slice(&definitions.to_le_bytes());
    bytes.extend_from_slice(&u64::try_from(body.len()).unwrap_or(u64::MAX).to_le_bytes());
    bytes.extend_from_slice(&checksum(&body).to_le_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

/// Checks the header and decodes the body. The order of checks is part of the contract:
/// not a checkpoint, then format version, then definitions version, then corruption.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    format: u32,
    definitions: u32,
) -> Result<T, CheckpointError> {
    if !bytes.starts_with(&MAGIC) {
        return Err(text_header_version(bytes).map_or(CheckpointError::NotACheckpoint, |found| {
            CheckpointError::UnsupportedVersion { found, supported: format }
        }));
    }
    let corrupt = |message: String| CheckpointError::Corrupt { message };
    let field = |at: usize| -> Option<[u8; 8]> { bytes.get(at..at + 8).and_then(|b| b.try_into().ok()) };
    let Some(versions) = field(8) else {
        return Err(corrupt(format!("the header is cut short at {} bytes", bytes.len())));
    };
    let (found_format, found_definitions) = split_versions(versions);
    if found_format != format {
        return Err(CheckpointError::UnsupportedVersion { found: found_format, supported: format });
    }
    if found_definitions != definitions {
        return Err(CheckpointError::DefinitionsChanged { found: found_definitions, current: definitions });
    }
    let (Some(length), Some(expected)) = (field(16), field(24)) else {
        return Err(corrupt(format!("the header is cut short at {} bytes", bytes.len())));
    };
    let (length, expected) = (u64::from_le_bytes(length), u64::from_le_bytes(expected));
    let body = &bytes[HEADER_LEN..];
    if u64::try_from(body.len()).ok() != Some(length) {
        return Err(corrupt(format!("the body has {} bytes, the header says {length}", body.len())));
    }
    let actual = checksum(body);
    if actual != expected {
        return Err(corrupt(format!("body checksum {actual:016x} does not match the header's {expected:016x}")));
    }
    let (state, rest) = postcard::take_from_bytes::<T>(body).map_err(|e| corrupt(e.to_string()))?;
    if !rest.is_empty() {
        return Err(corrupt(format!("{} bytes left over after the state", rest.len())));
    }
    Ok(state)
}

fn split_versions(versions: [u8; 8]) -> (u32, u32) {
    let [a, b, c, d, e, f, g, h] = versions;
    (u32::from_le_bytes([a, b, c, d]), u32::from_le_bytes([e, f, g, h]))
}

/// The format version of a version 1 style text header
/// (`parapompi-projections checkpoint <format> definitions <definitions>\n`), if `bytes`
/// start with one.
fn text_header_version(bytes: &[u8]) -> Option<u32> {
    let rest = bytes.strip_prefix(TEXT_HEADER_PREFIX)?;
    let end = rest.iter().position(|b| *b == b' ')?;
    std::str::from_utf8(&rest[..end]).ok()?.parse().ok()
}

/// A date in the checkpoint: `year << 9 | month << 5 | day` as a `u32` (a varint of 3
/// bytes, instead of a 10-character string to parse back; unpacking is shifts and the
/// range checks of [`Date::from_ymd`], where day numbers would cost a dozen divisions per
/// date), and the usual `YYYY-MM-DD` in human-readable formats such as JSON.
struct Day(Date);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return self.0.serialize(serializer);
        }
        // Years are 1900 to 2199, so never negative and far below 2^23.
        let year = u32::try_from(self.0.year()).map_err(serde::ser::Error::custom)?;
        serializer.serialize_u32(year << 9 | u32::from(self.0.month()) << 5 | u32::from(self.0.day()))
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Day, D::Error> {
        if deserializer.is_human_readable() {
            return Date::deserialize(deserializer).map(Day);
        }
        let packed = u32::deserialize(deserializer)?;
        let year = i32::try_from(packed >> 9).map_err(D::Error::custom)?;
        // The masks keep both within u8.
        let (month, day) = (u8::try_from(packed >> 5 & 0xf), u8::try_from(packed & 0x1f));
        let (Ok(month), Ok(day)) = (month, day) else {
            return Err(D::Error::custom("a packed date's month or day does not fit a byte"));
        };
        Date::from_ymd(year, month, day).map(Day).map_err(D::Error::custom)
    }
}

/// Reads a sequence of `W` straight into a `Vec<T>`, with no intermediate vector.
fn seq_into<'de, D: Deserializer<'de>, W: Deserialize<'de>, T>(
    deserializer: D,
    convert: fn(W) -> T,
) -> Result<Vec<T>, D::Error> {
    struct SeqInto<W, T>(fn(W) -> T);

    impl<'de, W: Deserialize<'de>, T> Visitor<'de> for SeqInto<W, T> {
        type Value = Vec<T>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a sequence")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(PREALLOCATE_MAX));
            while let Some(element) = seq.next_element::<W>()? {
                out.push((self.0)(element));
            }
            Ok(out)
        }
    }

    deserializer.deserialize_seq(SeqInto(convert))
}

/// Reads a map with values `W` into a `BTreeMap<K, V>`. A checkpoint writes maps in key
/// order, so the entries are gathered and built in bulk (`BTreeMap::from_iter` checks the
/// order in one pass and builds the tree bottom-up) instead of inserted one by one, each
/// insert a search from the root: that took a third of the read. Out-of-order or repeated
/// keys (damage) still give a valid map, as `from_iter` sorts and keeps the last.
fn map_into<'de, D: Deserializer<'de>, K: Deserialize<'de> + Ord, W: Deserialize<'de>, V>(
    deserializer: D,
    convert: fn(W) -> V,
) -> Result<BTreeMap<K, V>, D::Error> {
    struct MapInto<K, W, V>(fn(W) -> V, PhantomData<K>);

    impl<'de, K: Deserialize<'de> + Ord, W: Deserialize<'de>, V> Visitor<'de> for MapInto<K, W, V> {
        type Value = BTreeMap<K, V>;

        fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            formatter.write_str("a map")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BTreeMap<K, V>, A::Error> {
            let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(PREALLOCATE_MAX));
            while let Some((key, value)) = map.next_entry::<K, W>()? {
                entries.push((key, (self.0)(value)));
            }
            Ok(BTreeMap::from_iter(entries))
        }
    }

    deserializer.deserialize_map(MapInto(convert, PhantomData))
}

/// A set read back in bulk, as [`map_into`] reads maps.
struct SortedSet<T>(BTreeSet<T>);

impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SortedSet<T>, D::Error> {
        seq_into(deserializer, |element: T| element).map(|elements| SortedSet(BTreeSet::from_iter(elements)))
    }
}

/// `#[serde(with)]` for a map written in key order (every `BTreeMap`), read in bulk.
pub(crate) mod sorted_map {
    use super::*;

    pub(crate) fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        map: &BTreeMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        map.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, K: Deserialize<'de> + Ord, V: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<K, V>, D::Error> {
        map_into(deserializer, |value: V| value)
    }
}

/// `#[serde(with)]` for a map of sets, `BTreeMap<K, BTreeSet<T>>`, read in bulk.
pub(crate) mod sorted_map_of_sets {
    use super::*;

    pub(crate) fn serialize<S: Serializer, K: Serialize, T: Serialize>(
        map: &BTreeMap<K, BTreeSet<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        map.serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, K: Deserialize<'de> + Ord, T: Deserialize<'de> + Ord>(
        deserializer: D,
    ) -> Result<BTreeMap<K, BTreeSet<T>>, D::Error> {
        map_into(deserializer, |set: SortedSet<T>| set.0)
    }
}

/// `#[serde(with)]` for a [`Date`] field.
pub(crate) mod day {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        Day(*date).serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        Day::deserialize(deserializer).map(|day| day.0)
    }
}

/// `#[serde(with)]` for a `Vec<Date>` field.
pub(crate) mod days {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(dates: &[Date], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(dates.iter().map(|date| Day(*date)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Date>, D::Error> {
        seq_into(deserializer, |day: Day| day.0)
    }
}

/// `#[serde(with)]` for a dated history, `Vec<(Date, T)>`.
pub(crate) mod dated {
    use super::*;

    pub(crate) fn serialize<S: Serializer, T: Serialize>(
        history: &[(Date, T)],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(history.iter().map(|(date, value)| (Day(*date), value)))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Vec<(Date, T)>, D::Error> {
        seq_into(deserializer, |(day, value): (Day, T)| (day.0, value))
    }
}

/// `#[serde(with)]` for a history of dates, `Vec<(Date, Date)>`.
pub(crate) mod dated_days {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(history: &[(Date, Date)], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(history.iter().map(|(date, value)| (Day(*date), Day(*value))))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<(Date, Date)>, D::Error> {
        seq_into(deserializer, |(day, value): (Day, Day)| (day.0, value.0))
    }
}

/// Log positions written as differences from the previous one (the first from 0). Lists
/// of positions are ascending, so most differences fit one varint byte instead of three or
/// four. Wrapping arithmetic keeps any list exact, ascending or not.
struct Deltas<'a>(&'a [u64]);

impl Serialize for Deltas<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return self.0.serialize(serializer);
        }
        let mut previous = 0u64;
        serializer.collect_seq(self.0.iter().map(|position| {
            let delta = position.wrapping_sub(previous);
            previous = *position;
            delta
        }))
    }
}

/// The owned side of [`Deltas`]: the positions, summed back.
struct Positions(Vec<u64>);

impl<'de> Deserialize<'de> for Positions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Positions, D::Error> {
        let human_readable = deserializer.is_human_readable();
        let mut values = Vec::<u64>::deserialize(deserializer)?;
        if !human_readable {
            let mut previous = 0u64;
            for value in &mut values {
                previous = previous.wrapping_add(*value);
                *value = previous;
            }
        }
        Ok(Positions(values))
    }
}

/// `#[serde(with)]` for an index from entity to ascending log positions.
pub(crate) mod positions_by_key {
    use super::*;

    pub(crate) fn serialize<S: Serializer, K: Serialize>(
        index: &BTreeMap<K, Vec<u64>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(index.iter().map(|(key, positions)| (key, Deltas(positions))))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, K: Deserialize<'de> + Ord>(
        deserializer: D,
    ) -> Result<BTreeMap<K, Vec<u64>>, D::Error> {
        map_into(deserializer, |positions: Positions| positions.0)
    }
}
