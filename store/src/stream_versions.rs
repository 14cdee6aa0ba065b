//! The last version of each stream a check has seen: the one table a chain check looks up
//! for every record (or, for blocks of frames, every stream of a block), in order.
//!
//! A check of a large log looks up hundreds of thousands of streams in a table far larger
//! than the processor's caches, so each look-up is a few cache misses. This table keeps them
//! few: each entry holds its hash, so the table grows without hashing its keys again, and
//! holds a stream id of up to [`INLINE_BYTES`] bytes in place, so comparing keys reads no
//! other memory. The hash can be computed beforehand, by a worker, with [`StreamVersions::hasher`].

use hashbrown::HashTable;

/// Stream ids this long or shorter are kept in the entry itself.
const INLINE_BYTES: usize = 56;

/// Hashes stream ids for a [`StreamVersions`]: seeded at random once a table, and cloned to
/// whoever computes hashes for it.
pub(crate) type StreamHasher = foldhash::fast::RandomState;

/// Stream id → the last version seen.
#[derive(Clone, Debug, Default)]
pub(crate) struct StreamVersions {
    hasher: StreamHasher,
    table: HashTable<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    hash: u64,
    version: u64,
    id: Key,
}

#[derive(Clone, Debug)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE_BYTES] },
    Boxed(Box<[u8]>),
}

impl Key {
    fn of(id: &[u8]) -> Key {
        match u8::try_from(id.len()) {
            Ok(len) if id.len() <= INLINE_BYTES => {
                let mut bytes = [0u8; INLINE_BYTES];
                bytes[..id.len()].copy_from_slice(id);
                Key::Inline { len, bytes }
            }
            _ => Key::Boxed(id.into()),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Key::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Key::Boxed(bytes) => bytes,
        }
    }
}

impl StreamVersions {
    /// The hasher whose [`std::hash::BuildHasher::hash_one`] of a stream id's bytes gives the
    /// hash the `_hashed` methods take.
    pub(crate) fn hasher(&self) -> &StreamHasher {
        &self.hasher
    }

    /// How many streams.
    pub(crate) fn len(&self) -> usize {
        self.table.len()
    }

    /// The last version of a stream, for changing, given the hash of its id.
    pub(crate) fn get_hashed_mut(&mut self, hash: u64, id: &[u8]) -> Option<&mut u64> {
        self.table
            .find_mut(hash, |entry| entry.hash == hash && entry.id.as_bytes() == id)
            .map(|entry| &mut entry.version)
    }

    /// Adds a stream not in the table, given the hash of its id.
    pub(crate) fn insert_new_hashed(&mut self, hash: u64, id: &[u8], version: u64) {
        self.table.insert_unique(hash, Entry { hash, version, id: Key::of(id) }, |entry| entry.hash);
    }

    /// The hash of a stream id.
    pub(crate) fn hash(&self, id: &[u8]) -> u64 {
        std::hash::BuildHasher::hash_one(&self.hasher, id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_are_kept_apart_and_found_again_after_the_table_grows() {
        let mut versions = StreamVersions::default();
        let ids: Vec<Vec<u8>> = (0..5000u32)
            .map(|n| format!("case-{n:0width$}", width = if n % 2 == 0 { 4 } else { 90 }).into_bytes())
            .collect();
        for (n, id) in ids.iter().enumerate() {
            let hash = versions.hash(id);
            assert!(versions.get_hashed_mut(hash, id).is_none());
            versions.insert_new_hashed(hash, id, u64::try_from(n).expect("small"));
        }
        assert_eq!(versions.len(), ids.len());
        for (n, id) in ids.iter().enumerate() {
            let hash = versions.hash(id);
            let version = versions.get_hashed_mut(hash, id).expect("found");
            assert_eq!(*version, u64::try_from(n).expect("small"));
            *version += 1;
        }
        let id = b"case-0000";
        assert_eq!(versions.get_hashed_mut(versions.hash(id), id).copied(), Some(1));
        assert!(versions.get_hashed_mut(versions.hash(b"case-"), b"case-").is_none(), "a prefix is not the id");
    }
}
