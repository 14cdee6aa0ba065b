//! Helpers shared by the store's tests: short ways to build appends and open stores.
#![allow(dead_code)]

use std::sync::Arc;

use parapompi_store::*;
use uuid::Uuid;

/// A store in a fresh temporary directory, with a manual clock at 2026-01-01.
pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub store: Option<Store>,
}

pub const START_MS: i64 = 1_767_225_600_000;

impl TestStore {
    pub fn new() -> TestStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(START_MS)));
        let store = Store::open(dir.path(), config(&clock)).expect("the store opens");
        TestStore { dir, clock, store: Some(store) }
    }

    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("the store is open")
    }

    /// Drops the store and opens it again, as a restarted process would.
    pub fn restart(&mut self) {
        drop(self.store.take());
        self.store = Some(Store::open(self.dir.path(), config(&self.clock)).expect("the store reopens"));
    }
}

pub fn config(clock: &Arc<ManualClock>) -> StoreConfig {
    StoreConfig::with_clock(Arc::clone(clock) as Arc<dyn Clock>)
}

pub fn stream(name: &str) -> StreamId {
    StreamId::new(name).expect("a valid stream id")
}

/// An event with a small JSON payload that names it, in Greek as the centres write.
pub fn event(label: &str) -> NewEvent {
    NewEvent {
        event_id: Uuid::new_v4(),
        event_type: EventType::new("NoteAdded").expect("a valid type"),
        schema_version: 1,
        occurred_at: Timestamp::from_unix_ms(START_MS - 86_400_000),
        actor: Actor::new("staff-test").expect("a valid actor"),
        payload: Payload::from_value(&serde_json::json!({ "label": label, "text": "Επίσκεψη στο Κέντρο Κοινότητας" })),
    }
}

pub fn append(stream_id: &StreamId, expected: ExpectedVersion, labels: &[&str]) -> Append {
    Append {
        stream_id: stream_id.clone(),
        expected,
        command_id: Uuid::new_v4(),
        events: labels.iter().map(|label| event(label)).collect(),
        durability: Durability::Durable,
    }
}

/// The label each record's payload carries, in order.
pub fn labels(records: &[RecordedEvent]) -> Vec<String> {
    records.iter().map(|r| r.payload.to_value().expect("JSON")["label"].as_str().expect("a label").to_owned()).collect()
}

/// A proptest configuration with `default_cases` cases (PROPTEST_CASES overrides) and a seed
/// that is printed, so that any failure can be replayed with PROPTEST_RNG_SEED=<seed>.
pub fn proptest_config(default_cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(default_cases);
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        u64::try_from(nanos.as_nanos() % u128::from(u64::MAX)).unwrap_or(0)
    });
    eprintln!("proptest: {cases} cases, PROPTEST_RNG_SEED={seed}");
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        ..proptest::test_runner::Config::default()
    }
}

/// One stream's part of a multi-stream append: its stream, the version it expects, and its
/// events' labels.
pub type Part<'a> = (&'a StreamId, ExpectedVersion, &'a [&'a str]);

/// A durable multi-stream append with a fresh command id, its streams in the order given.
pub fn multi(parts: &[Part<'_>]) -> MultiAppend {
    MultiAppend {
        command_id: Uuid::new_v4(),
        streams: parts
            .iter()
            .map(|(stream_id, expected, labels)| StreamEvents {
                stream_id: (*stream_id).clone(),
                expected: *expected,
                events: labels.iter().map(|label| event(label)).collect(),
            })
            .collect(),
        durability: Durability::Durable,
    }
}

/// The stream and label of each record, in order.
pub fn placed(records: &[RecordedEvent]) -> Vec<(String, String)> {
    records.iter().map(|r| r.stream_id.to_string()).zip(labels(records)).collect()
}

/// Opens a closed store's sled directly (to damage it as a crash would). sled lets the
/// background writes of a dropped instance finish before it lets go of its file lock, so
/// right after the store is dropped the lock may still be taken by this very process: wait
/// for it, as `Store::open` does, instead of failing at random.
pub fn open_raw_sled(path: &std::path::Path, segment_bytes: usize) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::Config::new().path(path).segment_size(segment_bytes).open() {
            Ok(db) => return db,
            Err(sled::Error::Io(error))
                if error.to_string().contains("could not acquire lock") && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(error) => panic!("sled does not open: {error}"),
        }
    }
}
