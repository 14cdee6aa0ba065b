//! Crash test: a child process (this test binary, re-run) appends in a loop, to one stream or
//! to several at once, and reports each acknowledged append on stdout; the parent kills it
//! with SIGKILL at a random moment, many times over the same directory. After each kill the
//! reopened store must verify, hold every acknowledged append whole, hold the append in
//! flight whole or not at all (every stream of a multi-stream append, or none), and find
//! each append's records, all its streams', by its command id.
//!
//! PARAPOMPI_CRASH_KILLS sets the number of kills (default 12); PARAPOMPI_TEST_SEED replays
//! the printed seed.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use parapompi_store::*;
use uuid::Uuid;

const CHILD_DIR_VAR: &str = "PARAPOMPI_CRASH_CHILD_DIR";

/// The child's work: only when the parent set the variable, otherwise nothing.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let store = Store::open(&dir, StoreConfig::default()).expect("the child opens the store");
    let seed: u64 = std::env::var("PARAPOMPI_CHILD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut rng = XorShift(seed.max(1));
    let stdout = std::io::stdout();
    let mut versions: HashMap<String, u64> = HashMap::new();
    loop {
        // One stream, or (a third of the time) two or three distinct ones in one act.
        let n_streams = if rng.below(3) == 0 { 2 + rng.below(2) } else { 1 };
        let mut names: Vec<String> = Vec::new();
        while names.len() < usize::try_from(n_streams).unwrap() {
            let name = format!("case-{}", rng.below(20));
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let sizes: Vec<u64> = names.iter().map(|_| 1 + rng.below(5)).collect();
        let n_events: u64 = sizes.iter().sum();
        let command = Uuid::new_v4();
        // Each event names its append, its stream, its place in the append and the append's
        // size, so a partial append, or one whose streams came apart, would show.
        let mut next = 0u64;
        let mut parts = Vec::new();
        for (name, size) in names.iter().zip(&sizes) {
            let current = match versions.get(name) {
                Some(version) => *version,
                None => store.stream_version(&stream(name)).unwrap(),
            };
            let labels: Vec<String> = (next..next + size).map(|i| format!("{command}/{name}/{i}/{n_events}")).collect();
            next += size;
            parts.push(StreamEvents {
                stream_id: stream(name),
                expected: ExpectedVersion::Exact(current),
                events: labels.iter().map(|label| event(label)).collect(),
            });
        }
        let appended = if parts.len() == 1 {
            let StreamEvents { stream_id, expected, events } = parts.remove(0);
            let request = Append { stream_id, expected, command_id: command, events, durability: Durability::Durable };
            store.append(request).expect("the child's append succeeds")
        } else {
            let request = MultiAppend { command_id: command, streams: parts, durability: Durability::Durable };
            store.append_multi(request).expect("the child's multi-stream append succeeds")
        };
        for name in names {
            let version = appended.version_of(&stream(&name)).expect("the append wrote to each of its streams");
            versions.insert(name, version);
        }
        let mut out = stdout.lock();
        writeln!(out, "ACK {command} {}", appended.last_position()).unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn killing_the_writer_at_random_moments_loses_no_acknowledged_append() {
    let n_kills: u64 = std::env::var("PARAPOMPI_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(12);
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().subsec_nanos().into()
    });
    eprintln!("crash test: {n_kills} kills, PARAPOMPI_TEST_SEED={seed}");
    let mut rng = XorShift(seed.max(1));
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: Vec<(Uuid, u64)> = Vec::new();
    for kill in 0..n_kills {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_VAR, dir.path())
            .env("PARAPOMPI_CHILD_SEED", rng.next().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first acknowledgement, so each run really writes, then a random while.
        let first = lines_rx.iter().find(|line| line.starts_with("ACK ")).expect("the child acknowledges appends");
        std::thread::sleep(Duration::from_millis(rng.below(60)));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        for line in std::iter::once(first).chain(lines_rx.try_iter()).filter(|l| l.starts_with("ACK ")) {
            let mut parts = line.split(' ').skip(1);
            let command = Uuid::parse_str(parts.next().unwrap()).unwrap();
            let position: u64 = parts.next().unwrap().parse().unwrap();
            acknowledged.push((command, position));
        }

        let store = Store::open(dir.path(), StoreConfig::default()).expect("the store reopens after a kill");
        let verified = store.verify().unwrap_or_else(|e| panic!("kill {kill}: the log does not verify: {e}"));
        let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().unwrap();
        let mut events_by_command: HashMap<Uuid, Vec<&RecordedEvent>> = HashMap::new();
        for record in &records {
            events_by_command.entry(record.command_id).or_default().push(record);
        }
        for (command, written) in &events_by_command {
            let labels = labels(&written.iter().map(|record| (*record).clone()).collect::<Vec<_>>());
            let n_events: usize = labels[0].rsplit('/').next().unwrap().parse().unwrap();
            assert_eq!(labels.len(), n_events, "kill {kill}: append {command} is not whole");
            for (i, (label, record)) in labels.iter().zip(written).enumerate() {
                let fields: Vec<&str> = label.split('/').collect();
                assert_eq!(
                    fields[0],
                    command.to_string(),
                    "kill {kill}: a record of {command} carries another's label"
                );
                assert_eq!(
                    fields[1],
                    record.stream_id.as_str(),
                    "kill {kill}: a record of {command} is in the wrong stream"
                );
                assert_eq!(fields[2], i.to_string(), "kill {kill}: the records of {command} are out of order");
                assert_eq!(
                    record.position,
                    written[0].position + u64::try_from(i).unwrap(),
                    "kill {kill}: {command} has a gap"
                );
            }
            // The restored command index maps the id to the whole act.
            let found = store.command_result(*command).unwrap().expect("every command in the log is indexed");
            assert_eq!(found.len(), n_events, "kill {kill}: the command index of {command} is not whole");
        }
        let present: HashSet<Uuid> = events_by_command.keys().copied().collect();
        for (command, position) in &acknowledged {
            assert!(present.contains(command), "kill {kill}: acknowledged append {command} at {position} is lost");
            assert!(*position <= verified.head_position);
        }
        store.close().unwrap();
    }
    assert!(acknowledged.len() >= usize::try_from(n_kills).unwrap());
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
