//! The baseline: raw sled, one tree, one key per event (its position), `apply_batch`, then
//! flush and fsync for durability. No checks, no chain, no indexes: the floor of sled's cost.

use std::fs::File;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::workload::BenchEvent;

pub struct RawSled {
    db: sled::Db,
    tree: sled::Tree,
    main_file: File,
}

impl RawSled {
    pub fn open(dir: &Path) -> RawSled {
        let db = sled::Config::new().path(dir).cache_capacity(256 * 1024 * 1024).open().expect("sled opens");
        let tree = db.open_tree("raw").expect("tree opens");
        let main_file = File::open(dir.join("db")).expect("sled's file opens");
        RawSled { db, tree, main_file }
    }

    /// Writes events at consecutive positions in one batch, durably.
    pub fn append(&self, first_position: u64, events: &[BenchEvent]) {
        let mut batch = sled::Batch::default();
        for (position, event) in (first_position..).zip(events) {
            batch.insert(&position.to_be_bytes(), encode(event));
        }
        self.tree.apply_batch(batch).expect("apply_batch");
        self.sync();
    }

    pub fn sync(&self) {
        self.db.flush().expect("flush");
        self.main_file.sync_data().expect("fsync");
    }

    /// Reads every event in order and decodes its payload; returns the count.
    pub fn read_all(&self) -> usize {
        let mut n = 0;
        for entry in self.tree.iter() {
            let (_, value) = entry.expect("read");
            let (stream, _version, payload) = decode(&value);
            let parsed: serde_json::Value = serde_json::from_slice(payload).expect("JSON");
            assert!(!stream.is_empty() && parsed.is_object());
            n += 1;
        }
        n
    }

    /// Chains SHA-256 over every value in order: the same hashing work as a verify.
    pub fn hash_chain(&self) -> [u8; 32] {
        let mut prev = [0u8; 32];
        for entry in self.tree.iter() {
            let (_, value) = entry.expect("read");
            let mut hasher = Sha256::new();
            hasher.update(prev);
            hasher.update(&value);
            prev = hasher.finalize().into();
        }
        prev
    }
}

fn encode(event: &BenchEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(event.payload.len() + event.stream.len() + 12);
    out.extend_from_slice(&u32::try_from(event.stream.len()).expect("short").to_be_bytes());
    out.extend_from_slice(event.stream.as_bytes());
    out.extend_from_slice(&event.version.to_be_bytes());
    out.extend_from_slice(event.payload.as_bytes());
    out
}

fn decode(value: &[u8]) -> (&str, u64, &[u8]) {
    let n = usize::try_from(u32::from_be_bytes(value[..4].try_into().expect("4 bytes"))).expect("fits");
    let stream = std::str::from_utf8(&value[4..4 + n]).expect("UTF-8");
    let version = u64::from_be_bytes(value[4 + n..12 + n].try_into().expect("8 bytes"));
    (stream, version, &value[12 + n..])
}
