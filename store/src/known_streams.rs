//! Which streams the log holds, as a set of hashes of their ids, so that the writer can tell
//! a new stream without reading the index.
//!
//! Placing the first append of a stream needs the stream's version, and a stream the writer
//! has not seen since it started costs an index read (about 8 µs on sled) to learn that it
//! is 0. A bulk import of new cases pays that for every stream. The set answers instead: a
//! stream whose hash is not in it has no events. A hash in it proves nothing (two ids may
//! share one), and then the index is read as before.
//!
//! The set is filled by a scan of the stream index on a thread of its own, started the first
//! time the writer asks, so opening a store never waits for it, nor pays for it when nothing
//! is appended. Until the scan is done the writer reads the index. Streams the writer starts
//! meanwhile may or may not have their entries in the tree when the scan passes, so the
//! writer notes every stream it starts from the beginning and adds them to what the scan
//! found. The set costs about 16 bytes a stream, for as long as the store is open.

use std::hash::BuildHasher;
use std::sync::mpsc::{sync_channel, Receiver, TryRecvError};

use hashbrown::HashTable;

use crate::layout::STREAM_PREFIX;
use crate::record::StreamId;

/// Hashes stream ids: seeded at random once a writer, and cloned to the scanning thread.
type Hasher = foldhash::fast::RandomState;

pub(crate) struct KnownStreams {
    hasher: Hasher,
    state: State,
    /// Hashes of the streams started since the writer started, until the scan is done.
    started: Vec<u64>,
}

enum State {
    /// Nobody asked yet.
    Idle,
    /// The scan runs; its set (or nothing, if it failed) comes here.
    Scanning(Receiver<Option<Hashes>>),
    /// Every stream in the log is in the set.
    Known(Hashes),
    /// The scan failed or its thread did not start: the index is read every time.
    Unknown,
}

/// A set of stream-id hashes, each its own hash in the table.
#[derive(Default)]
struct Hashes(HashTable<u64>);

impl Hashes {
    fn insert(&mut self, hash: u64) {
        if self.0.find(hash, |known| *known == hash).is_none() {
            self.0.insert_unique(hash, hash, |known| *known);
        }
    }

    fn contains(&self, hash: u64) -> bool {
        self.0.find(hash, |known| *known == hash).is_some()
    }
}

impl KnownStreams {
    pub(crate) fn new() -> KnownStreams {
        KnownStreams { hasher: Hasher::default(), state: State::Idle, started: Vec::new() }
    }

    /// False when the log surely holds no event of `stream_id`; true when it may. The first
    /// call starts the scan of `tree`'s stream index.
    pub(crate) fn may_hold(&mut self, tree: &sled::Tree, stream_id: &StreamId) -> bool {
        if matches!(self.state, State::Idle) {
            self.state = self.start_scan(tree);
        }
        if let State::Scanning(receiver) = &self.state {
            self.state = match receiver.try_recv() {
                Err(TryRecvError::Empty) => return true,
                Ok(Some(mut hashes)) => {
                    for hash in self.started.drain(..) {
                        hashes.insert(hash);
                    }
                    State::Known(hashes)
                }
                Ok(None) | Err(TryRecvError::Disconnected) => State::Unknown,
            };
            self.started = Vec::new();
        }
        match &self.state {
            State::Known(hashes) => hashes.contains(self.hash(stream_id)),
            _ => true,
        }
    }

    /// Notes that the log now holds events of `stream_id`.
    pub(crate) fn started(&mut self, stream_id: &StreamId) {
        let hash = self.hash(stream_id);
        match &mut self.state {
            State::Known(hashes) => hashes.insert(hash),
            State::Idle | State::Scanning(_) => self.started.push(hash),
            State::Unknown => {}
        }
    }

    fn hash(&self, stream_id: &StreamId) -> u64 {
        self.hasher.hash_one(stream_id.as_str().as_bytes())
    }

    fn start_scan(&self, tree: &sled::Tree) -> State {
        let (sender, receiver) = sync_channel(1);
        let tree = tree.clone();
        let hasher = self.hasher;
        let spawned = std::thread::Builder::new().name("parapompi-streams".to_owned()).spawn(move || {
            // The writer may have gone (store closed); then nobody wants the answer.
            let _ = sender.send(scan(&tree, &hasher));
        });
        match spawned {
            Ok(_) => State::Scanning(receiver),
            Err(_) => State::Unknown,
        }
    }
}

/// The hashes of every stream id in the stream index; `None` if sled failed to read it.
fn scan(tree: &sled::Tree, hasher: &Hasher) -> Option<Hashes> {
    let mut hashes = Hashes::default();
    let mut last: Option<sled::IVec> = None;
    for entry in tree.scan_prefix([STREAM_PREFIX]) {
        let (key, _) = entry.ok()?;
        // A stream key is the prefix, the id, a 0 byte and a version (see `layout`).
        let end = key.iter().position(|byte| *byte == 0)?;
        let id = &key[1..end];
        if last.as_ref().is_some_and(|last| &last[1..] == id) {
            continue;
        }
        hashes.insert(hasher.hash_one(id));
        last = Some(sled::IVec::from(&key[..end]));
    }
    Some(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::stream_key;

    fn stream(id: &str) -> StreamId {
        StreamId::new(id).expect("valid")
    }

    /// Asks until the scan is done; the answer before then is always "may hold".
    fn settled(known: &mut KnownStreams, tree: &sled::Tree, id: &StreamId) -> bool {
        for _ in 0..1000 {
            let answer = known.may_hold(tree, id);
            if matches!(known.state, State::Known(_) | State::Unknown) {
                return answer;
            }
            assert!(answer, "before the scan is done every stream may be held");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("the scan did not finish");
    }

    #[test]
    fn streams_in_the_index_or_started_meanwhile_are_held_and_others_are_not() {
        let db = sled::Config::new().temporary(true).open().expect("sled opens");
        let tree = db.open_tree("log").expect("tree");
        for (id, versions) in [("case-a", &[1u64, 4][..]), ("case-b", &[1]), ("case-bb", &[1, 2, 3])] {
            for version in versions {
                tree.insert(stream_key(&stream(id), *version), &[0u8; 12][..]).expect("insert");
            }
        }
        // A chunk and a command key beside them are not streams.
        tree.insert([b'L', 0, 0, 0, 0, 0, 0, 0, 1], &[1u8][..]).expect("insert");
        tree.insert([b'C'; 17], &[1u8][..]).expect("insert");

        let mut known = KnownStreams::new();
        // Started before the scan begins, and while it runs: their entries are not in the tree.
        known.started(&stream("case-early"));
        // This starts the scan; its answer depends on whether the scan is done already.
        known.may_hold(&tree, &stream("case-new"));
        known.started(&stream("case-meanwhile"));
        assert!(settled(&mut known, &tree, &stream("case-a")));
        assert!(matches!(known.state, State::Known(_)));
        for held in ["case-a", "case-b", "case-bb", "case-early", "case-meanwhile"] {
            assert!(known.may_hold(&tree, &stream(held)), "{held}");
        }
        for new in ["case-new", "case-", "case-c", "L", "case-aa"] {
            assert!(!known.may_hold(&tree, &stream(new)), "{new}");
        }
        known.started(&stream("case-new"));
        assert!(known.may_hold(&tree, &stream("case-new")));
    }

    #[test]
    fn an_index_it_cannot_read_leaves_every_stream_possible() {
        let db = sled::Config::new().temporary(true).open().expect("sled opens");
        let tree = db.open_tree("log").expect("tree");
        // A stream key with no end to its id.
        tree.insert([STREAM_PREFIX, b'x', b'y'], &[0u8; 12][..]).expect("insert");
        let mut known = KnownStreams::new();
        assert!(settled(&mut known, &tree, &stream("case-new")));
        assert!(matches!(known.state, State::Unknown));
        known.started(&stream("case-a"));
        assert!(known.may_hold(&tree, &stream("anything")));
    }
}
