//! Crash test: a child process (this test binary, re-run) appends in a loop and reports each
//! acknowledged append on stdout; the parent kills it with SIGKILL at a random moment, many
//! times over the same directory. After each kill the reopened store must verify, hold every
//! acknowledged append whole, and hold the append in flight whole or not at all.
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
        let name = format!("case-{}", rng.below(20));
        let current = match versions.get(&name) {
            Some(version) => *version,
            None => store.stream_version(&stream(&name)).unwrap(),
        };
        let n_events = 1 + rng.below(5);
        let command = Uuid::new_v4();
        // Each event names its append and its size, so a partial append would show.
        let labels: Vec<String> = (0..n_events).map(|i| format!("{command}/{i}/{n_events}")).collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        let mut request = append(&stream(&name), ExpectedVersion::Exact(current), &refs);
        request.command_id = command;
        let appended = store.append(request).expect("the child's append succeeds");
        versions.insert(name, appended.last_version());
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
        let mut events_by_command: HashMap<Uuid, Vec<String>> = HashMap::new();
        for record in &records {
            let label = labels(std::slice::from_ref(record)).remove(0);
            events_by_command.entry(record.command_id).or_default().push(label);
        }
        for (command, labels) in &events_by_command {
            let n_events: usize = labels[0].rsplit('/').next().unwrap().parse().unwrap();
            assert_eq!(labels.len(), n_events, "kill {kill}: append {command} is not whole");
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
