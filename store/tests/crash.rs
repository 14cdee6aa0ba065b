//! Crash test: a child process (this test binary, re-run) appends from several writer threads
//! at once, so that they share group commits: single appends, multi-stream appends,
//! `append_batch` of independent appends, and appends that expect a wrong version (which
//! must fail and write nothing). It reports each acknowledged append, with its records'
//! positions and hashes, on stdout. The parent kills it with SIGKILL at a random moment:
//! while the process starts and the store opens and recovers, before its first append,
//! during appends, and a second time right after a kill, before anyone has looked.
//!
//! After each round the reopened store must verify; hold every acknowledged append byte for
//! byte at its positions (its hashes, which cover the canonical bytes); hold the appends in
//! flight whole or not at all (every stream of a multi-stream append, or none); and agree
//! with itself: `command_result`, `read_stream` and `stream_version` give what the log holds.
//! The next child first appends the last acknowledged command id again, which must be
//! answered with the first result and write nothing.
//!
//! PARAPOMPI_CRASH_KILLS sets the number of rounds (default 12); PARAPOMPI_TEST_SEED replays
//! the printed seed.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use parapompi_store::*;
use serde_json::{json, Value};
use uuid::Uuid;

const CHILD_DIR_VAR: &str = "PARAPOMPI_CRASH_CHILD_DIR";
/// Each writer thread of a child appends to streams of its own, `case-<thread>-<n>`.
const STREAMS_PER_WRITER: u64 = 8;

/// What a writer sends: one act (one stream or several).
struct Act {
    command_id: Uuid,
    parts: Vec<(String, u64, Vec<String>)>,
}

impl Act {
    /// A new act of `writer` over `n_streams` of its streams, with labels that name the act,
    /// the stream, the record's place in the act and the act's size, so that a partial act,
    /// or one whose streams came apart, would show.
    fn new(writer: u64, n_streams: u64, rng: &mut XorShift, versions: &HashMap<String, u64>) -> Act {
        let mut names: Vec<String> = Vec::new();
        while names.len() < usize::try_from(n_streams).unwrap() {
            let name = format!("case-{writer}-{}", rng.below(STREAMS_PER_WRITER));
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let sizes: Vec<u64> = names.iter().map(|_| 1 + rng.below(4)).collect();
        let n_events: u64 = sizes.iter().sum();
        let command_id = Uuid::new_v4();
        let mut next = 0u64;
        let mut parts = Vec::new();
        for (name, size) in names.into_iter().zip(sizes) {
            let labels = (next..next + size).map(|i| format!("{command_id}/{name}/{i}/{n_events}")).collect();
            next += size;
            let version = versions.get(&name).copied().unwrap_or(0);
            parts.push((name, version, labels));
        }
        Act { command_id, parts }
    }

    fn single(&self) -> Append {
        let (name, version, labels) = &self.parts[0];
        Append {
            stream_id: stream(name),
            expected: ExpectedVersion::Exact(*version),
            command_id: self.command_id,
            events: labels.iter().map(|label| event(label)).collect(),
            durability: Durability::Durable,
        }
    }

    fn multi(&self) -> MultiAppend {
        MultiAppend {
            command_id: self.command_id,
            streams: self
                .parts
                .iter()
                .map(|(name, version, labels)| StreamEvents {
                    stream_id: stream(name),
                    expected: ExpectedVersion::Exact(*version),
                    events: labels.iter().map(|label| event(label)).collect(),
                })
                .collect(),
            durability: Durability::Durable,
        }
    }
}

fn ack(appended: &Appended) -> String {
    let positions: Vec<u64> = appended.events.iter().map(|r| r.position).collect();
    let hashes: Vec<String> = appended.events.iter().map(|r| r.hash.to_hex()).collect();
    let streams: Vec<&str> = appended.events.iter().map(|r| r.stream_id.as_str()).collect();
    let command_id = appended.events[0].command_id;
    json!({"command_id": command_id, "positions": positions, "hashes": hashes, "streams": streams}).to_string()
}

/// The child's work: only when the parent set the variable, otherwise nothing.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let store = Store::open(&dir, StoreConfig::default()).expect("the child opens the store");
    let seed: u64 = std::env::var("PARAPOMPI_CHILD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let out = Mutex::new(std::io::stdout());
    let say = |line: String| {
        let mut out = out.lock().unwrap();
        writeln!(out, "{line}").unwrap();
        out.flush().unwrap();
    };
    // The last acknowledged append of the child before, again under its command id: any
    // events on one of its streams; the store must answer with the first records.
    if let Ok(text) = std::env::var("PARAPOMPI_CHILD_REPEAT") {
        let repeat: Value = serde_json::from_str(&text).unwrap();
        let command_id = Uuid::parse_str(repeat["command_id"].as_str().unwrap()).unwrap();
        let stream_id = stream(repeat["streams"][0].as_str().unwrap());
        let again = Append {
            stream_id,
            expected: ExpectedVersion::Any,
            command_id,
            events: vec![event("a repeat must not be written")],
            durability: Durability::Durable,
        };
        let appended = store.append(again).expect("a repeat is answered");
        assert!(appended.deduplicated, "a repeated command id writes nothing");
        say(format!("REPEAT {}", ack(&appended)));
    }
    let n_writers = 1 + seed % 3;
    std::thread::scope(|scope| {
        for writer in 0..n_writers {
            let store = &store;
            let say = &say;
            scope.spawn(move || {
                let mut rng = XorShift((seed ^ (writer + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)).max(1));
                let mut versions: HashMap<String, u64> = HashMap::new();
                for n in 0..STREAMS_PER_WRITER {
                    let name = format!("case-{writer}-{n}");
                    versions.insert(name.clone(), store.stream_version(&stream(&name)).unwrap());
                }
                loop {
                    let results = match rng.below(6) {
                        // A stale expected version: refused, nothing written, nothing acknowledged.
                        0 => {
                            let mut stale = Act::new(writer, 1, &mut rng, &versions).single();
                            let ExpectedVersion::Exact(version) = stale.expected else { unreachable!() };
                            stale.expected = ExpectedVersion::Exact(version + 1);
                            let result = store.append(stale);
                            assert!(matches!(result, Err(StoreError::Conflict { .. })), "{result:?}");
                            continue;
                        }
                        // Independent appends on distinct streams, sharing one commit.
                        1 => {
                            let mut batch: Vec<Append> = Vec::new();
                            for _ in 0..2 + rng.below(2) {
                                let append = Act::new(writer, 1, &mut rng, &versions).single();
                                if batch.iter().all(|a| a.stream_id != append.stream_id) {
                                    batch.push(append);
                                }
                            }
                            store.append_batch(batch).expect("the batch commits")
                        }
                        2 | 3 => {
                            vec![store.append_multi(Act::new(writer, 2 + rng.below(2), &mut rng, &versions).multi())]
                        }
                        _ => vec![store.append(Act::new(writer, 1, &mut rng, &versions).single())],
                    };
                    for result in results {
                        let appended = result.expect("the child's append succeeds");
                        for record in &appended.events {
                            versions.insert(record.stream_id.to_string(), record.stream_version);
                        }
                        say(format!("ACK {}", ack(&appended)));
                    }
                }
            });
        }
    });
}

/// One acknowledged append, as the parent keeps it.
struct Acked(Value);

impl Acked {
    fn command_id(&self) -> Uuid {
        Uuid::parse_str(self.0["command_id"].as_str().unwrap()).unwrap()
    }
    fn positions(&self) -> Vec<u64> {
        self.0["positions"].as_array().unwrap().iter().filter_map(Value::as_u64).collect()
    }
}

#[derive(Clone, Copy)]
enum Stop {
    /// Kill this long after the process starts, whatever it is doing.
    After(Duration),
    /// Kill this long after the first acknowledged append.
    AfterFirstAck(Duration),
}

/// Runs a child until `stop`, kills it, and gives what it acknowledged.
fn run_child(dir: &std::path::Path, seed: u64, repeat: Option<&Value>, stop: Stop) -> Vec<Acked> {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_VAR, dir)
        .env("PARAPOMPI_CHILD_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(repeat) = repeat {
        command.env("PARAPOMPI_CHILD_REPEAT", repeat.to_string());
    }
    let mut child = command.spawn().expect("the child starts");
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    match stop {
        Stop::After(delay) => std::thread::sleep(delay),
        Stop::AfterFirstAck(delay) => {
            // A child that cannot start (a store it cannot open) must not hang the test.
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                match lines_rx.recv_timeout(Duration::from_millis(100)) {
                    Ok(line) => {
                        let acked = line.starts_with("ACK ");
                        lines.push(line);
                        if acked {
                            break;
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                        if let Ok(Some(status)) = child.try_wait() {
                            panic!("the child ended on its own ({status}) before acknowledging an append");
                        }
                    }
                    Err(_) => panic!("the child acknowledged no append within a minute"),
                }
            }
            std::thread::sleep(delay);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    lines.extend(lines_rx.try_iter());
    let mut acked = Vec::new();
    for line in lines {
        if let Some(text) = line.strip_prefix("REPEAT ") {
            let repeated: Value = serde_json::from_str(text).unwrap();
            let original = repeat.expect("a repeat only when one was asked");
            assert_eq!(repeated["positions"], original["positions"], "a repeat answers with the first records");
            assert_eq!(repeated["hashes"], original["hashes"], "a repeat answers with the first records");
        } else if let Some(text) = line.strip_prefix("ACK ") {
            acked.push(Acked(serde_json::from_str(text).unwrap()));
        }
    }
    acked
}

#[test]
fn killing_the_writers_at_any_stage_loses_no_acknowledged_append() {
    let n_rounds: u64 = std::env::var("PARAPOMPI_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos().into()
    });
    eprintln!("crash test: {n_rounds} rounds, PARAPOMPI_TEST_SEED={seed}");
    let mut rng = XorShift(seed.max(1));
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<Acked> = Vec::new();
    let (mut n_kills, mut n_early_kills) = (0u64, 0u64);
    for round in 0..n_rounds {
        // Now and then a kill while the process starts or the store opens and recovers,
        // before anyone checks what the kill before left; then a run that gets to write.
        if rng.below(2) == 0 {
            let repeat = acknowledged.last().map(|a| a.0.clone());
            let delay = Duration::from_millis(rng.below(60));
            acknowledged.extend(run_child(dir.path(), rng.next(), repeat.as_ref(), Stop::After(delay)));
            n_early_kills += 1;
            n_kills += 1;
        }
        let repeat = acknowledged.last().map(|a| a.0.clone());
        let delay = Duration::from_millis(rng.below(60));
        let acked = run_child(dir.path(), rng.next(), repeat.as_ref(), Stop::AfterFirstAck(delay));
        assert!(!acked.is_empty(), "round {round}: the child acknowledged nothing");
        acknowledged.extend(acked);
        n_kills += 1;

        let store = Store::open(dir.path(), StoreConfig::default())
            .unwrap_or_else(|e| panic!("round {round}: the store does not reopen after a kill: {e}"));
        check(&store, &acknowledged, round);
        store.close().unwrap();
    }
    eprintln!(
        "crash test: {n_kills} kills ({n_early_kills} early) in {n_rounds} rounds, {} acknowledged appends \
         checked, none lost or torn",
        acknowledged.len()
    );
    assert!(acknowledged.len() >= usize::try_from(n_rounds).unwrap());
}

fn check(store: &Store, acknowledged: &[Acked], round: u64) {
    let verified = store.verify().unwrap_or_else(|e| panic!("round {round}: the log does not verify: {e}"));
    let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(u64::try_from(records.len()).unwrap(), verified.head_position);
    // Every act in the log is whole, in order, in its streams, and indexed whole.
    let mut by_command: BTreeMap<Uuid, Vec<&RecordedEvent>> = BTreeMap::new();
    for record in &records {
        by_command.entry(record.command_id).or_default().push(record);
    }
    for (command, written) in &by_command {
        let labels = labels(&written.iter().map(|record| (*record).clone()).collect::<Vec<_>>());
        let n_events: usize = labels[0].rsplit('/').next().unwrap().parse().unwrap();
        assert_eq!(labels.len(), n_events, "round {round}: append {command} is not whole");
        for (i, (label, record)) in labels.iter().zip(written).enumerate() {
            let fields: Vec<&str> = label.split('/').collect();
            assert_eq!(fields[0], command.to_string(), "round {round}: a record of {command} carries another's label");
            assert_eq!(fields[1], record.stream_id.as_str(), "round {round}: a record of {command} is misplaced");
            assert_eq!(fields[2], i.to_string(), "round {round}: the records of {command} are out of order");
            assert_eq!(
                record.position,
                written[0].position + u64::try_from(i).unwrap(),
                "round {round}: {command} has a gap"
            );
        }
        let found = store.command_result(*command).unwrap().expect("every command in the log is indexed");
        let expected: Vec<RecordedEvent> = written.iter().map(|r| (*r).clone()).collect();
        assert_eq!(found, expected, "round {round}: the command index of {command} disagrees with the log");
    }
    // Every acknowledged append is there, byte for byte (its hashes cover the canonical bytes).
    for acked in acknowledged {
        let at = store
            .read_positions(&acked.positions())
            .unwrap_or_else(|e| panic!("round {round}: acknowledged append {} is lost: {e}", acked.command_id()));
        let hashes: Vec<Value> = at.iter().map(|r| Value::String(r.hash.to_hex())).collect();
        assert_eq!(Value::Array(hashes), acked.0["hashes"], "round {round}: append {} changed", acked.command_id());
        assert!(at.iter().all(|r| r.command_id == acked.command_id()));
    }
    // Each stream reads back as the log holds it, and its version is its last record's.
    let mut streams: BTreeMap<&str, Vec<&RecordedEvent>> = BTreeMap::new();
    for record in &records {
        streams.entry(record.stream_id.as_str()).or_default().push(record);
    }
    for (name, in_log) in streams {
        let stream_id = stream(name);
        let read: Vec<RecordedEvent> = store.read_stream(&stream_id, 1, usize::MAX).unwrap();
        let expected: Vec<RecordedEvent> = in_log.iter().map(|r| (*r).clone()).collect();
        assert_eq!(read, expected, "round {round}: read_stream({name}) disagrees with the log");
        assert_eq!(
            store.stream_version(&stream_id).unwrap(),
            in_log.last().map_or(0, |r| r.stream_version),
            "round {round}: {name}'s version"
        );
    }
}

/// A small deterministic generator, so that a seed replays the same kills.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}
