//! The Engine's crash test: a child process (this test binary, re-run) executes acts through
//! the Engine (a centre registered with its first administrator as one act, staff, people,
//! intakes, notes), some lives durably, some deferred with a flush before acknowledging, and
//! reports each acknowledged act with its records' positions and last hash. The parent kills
//! it at random moments: while the process starts and the Engine opens (restoring its
//! read models), before its first act, during acts and flushes, and a second time right
//! after a kill, before anyone has looked. After each round the reopened Engine must hold
//! every acknowledged act byte for byte at its positions, find it by its command id, agree
//! with the log on every stream's version, verify, and have read models restored from their
//! checkpoint equal to a fold of the whole log; the next child first sends the last
//! acknowledged act again under its command id, which must be answered as a repeat.
//!
//! PARAPOMPI_CRASH_KILLS sets the number of rounds (default 8); PARAPOMPI_TEST_SEED replays
//! the printed seed.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command as Process, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::values::{BeneficiaryId, CaseId, CentreId, StaffId, Timestamp};
use parapompi::core::vocab::Role;
use parapompi::core::Command;
use parapompi::projections::athens_date;
use parapompi::store::{Durability, StreamId};
use parapompi::{entity_id, Acting, AsOf, CommandMeta, Engine, EngineConfig};
use serde_json::{json, Value};
use uuid::Uuid;

const CHILD_DIR_VAR: &str = "PARAPOMPI_ENGINE_CRASH_CHILD_DIR";

/// The Engine's configuration in the child and in the parent: checkpoints every few events,
/// so that kills land on them too.
fn config(durability: Durability) -> EngineConfig {
    EngineConfig { checkpoint_every_events: 40, durability, ..EngineConfig::default() }
}

fn now() -> Timestamp {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

fn meta(command_id: Uuid, acting: Acting) -> CommandMeta {
    let occurred_at = now();
    CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) }
}

/// The acknowledgement line of an act: its command id, who acted, its commands, and where
/// its records are.
fn ack_line(meta: &CommandMeta, commands: &[Command], executed: &parapompi::Executed) -> String {
    let acting = match meta.acting {
        Acting::Staff(staff_id) => staff_id.to_string(),
        _ => "setup".to_owned(),
    };
    let positions: Vec<u64> = executed.events.iter().map(|e| e.position).collect();
    let hashes: Vec<&str> = executed.events.iter().map(|e| e.hash.as_str()).collect();
    let line = json!({
        "command_id": meta.command_id,
        "acting": acting,
        "commands": commands,
        "positions": positions,
        "hashes": hashes,
    });
    format!("ACK {line}")
}

fn acting_of(text: &str) -> Acting {
    match text {
        "setup" => Acting::Setup,
        id => Acting::Staff(StaffId::new(valid(Uuid::parse_str(id)))),
    }
}

/// The child's work: only when the parent set the variable, otherwise nothing.
#[test]
fn engine_crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let deferred = std::env::var("PARAPOMPI_CHILD_DEFERRED").is_ok();
    let durability = if deferred { Durability::Deferred } else { Durability::Durable };
    let engine = Engine::open(&dir, config(durability)).expect("the child opens the Engine");
    let stdout = std::io::stdout();
    let say = |line: String| {
        let mut out = stdout.lock();
        writeln!(out, "{line}").expect("the parent reads");
        out.flush().expect("the parent reads");
    };
    // First the act the last child was acknowledged for, again under its command id.
    if let Ok(text) = std::env::var("PARAPOMPI_CHILD_REPEAT") {
        let repeat: Value = valid(serde_json::from_str(&text));
        let commands: Vec<Command> = valid(serde_json::from_value(repeat["commands"].clone()));
        let command_id = valid(Uuid::parse_str(repeat["command_id"].as_str().expect("a command id")));
        let acting = acting_of(repeat["acting"].as_str().expect("an actor"));
        let executed = match erased_person(&repeat) {
            Some(beneficiary_id) => valid(engine.erase_identity(beneficiary_id, meta(command_id, acting))),
            None => valid(engine.execute_all(&commands, meta(command_id, acting))),
        };
        assert!(executed.deduplicated, "a repeat of an acknowledged act deduplicates");
        say(format!("REPEAT {}", ack_line(&meta(command_id, acting), &commands, &executed)));
    }
    let seed: u64 = std::env::var("PARAPOMPI_CHILD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut rng = XorShift(seed.max(1));
    let mut pending: Vec<String> = Vec::new();
    let execute = |commands: Vec<Command>, acting: Acting, pending: &mut Vec<String>| {
        let meta = meta(Uuid::now_v7(), acting);
        let executed = match &commands[..] {
            [Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action: BeneficiaryAction::EraseIdentity })] => {
                engine.erase_identity(*beneficiary_id, meta)
            }
            _ => engine.execute_all(&commands, meta),
        };
        let executed = executed.expect("the child's act is accepted");
        pending.push(ack_line(&meta, &commands, &executed));
        if !deferred || pending.len() >= 4 {
            engine.flush().expect("the child's flush");
            for line in pending.drain(..) {
                say(line);
            }
        }
    };
    loop {
        // An episode: a centre and its administrator in one act, a social worker, then people,
        // intakes and notes.
        let seed_id = Uuid::now_v7();
        let centre = CentreId::new(entity_id(seed_id, "centre"));
        let admin = StaffId::new(entity_id(seed_id, "admin"));
        let worker = StaffId::new(entity_id(seed_id, "worker"));
        let supervisor = StaffId::new(entity_id(seed_id, "supervisor"));
        execute(
            vec![
                register_centre(centre, "Κέντρο Κοινότητας", "Γρεβενών", admin),
                register_staff(admin, centre, "Διαχειριστής", &[Role::Administrator]),
            ],
            Acting::Setup,
            &mut pending,
        );
        execute(
            vec![
                register_staff(worker, centre, "Κοινωνική λειτουργός", &[Role::SocialWorker]),
                register_staff(supervisor, centre, "Επόπτρια", &[Role::Supervisor]),
            ],
            Acting::Staff(admin),
            &mut pending,
        );
        for person in 0..1 + rng.below(4) {
            let beneficiary = BeneficiaryId::new(Uuid::now_v7());
            let n = u32::try_from(person).unwrap_or(0) + u32::try_from(rng.below(1000)).unwrap_or(0) * 4;
            execute(vec![register_beneficiary(beneficiary, centre, n)], Acting::Staff(worker), &mut pending);
            let case = CaseId::new(Uuid::now_v7());
            execute(
                vec![open_case(case, beneficiary, centre, athens_date(now()))],
                Acting::Staff(worker),
                &mut pending,
            );
            for _ in 0..rng.below(4) {
                execute(vec![add_note(case, "Τηλεφωνική επικοινωνία.")], Acting::Staff(worker), &mut pending);
            }
            // Now and then the person is erased: their key leaves the person-key file, which
            // is rewritten whole, so a kill must find the old file or the new one.
            if rng.below(3) == 0 {
                let erase = Command::Beneficiary(BeneficiaryCommand {
                    beneficiary_id: beneficiary,
                    action: BeneficiaryAction::EraseIdentity,
                });
                execute(vec![erase], Acting::Staff(supervisor), &mut pending);
            }
        }
    }
}

/// The person an acknowledged act erased, if it is an erasure.
fn erased_person(ack: &Value) -> Option<BeneficiaryId> {
    let command = &ack["commands"][0]["beneficiary"];
    (command["action"] == "erase_identity").then(|| valid(serde_json::from_value(command["beneficiary_id"].clone())))
}

/// The person an acknowledged act registered, if it is a registration.
fn registered_person(ack: &Value) -> Option<BeneficiaryId> {
    let command = &ack["commands"][0]["beneficiary"];
    command["action"].get("register").map(|_| valid(serde_json::from_value(command["beneficiary_id"].clone())))
}

/// One acknowledged act, as the parent keeps it.
struct Acked {
    line: Value,
}

impl Acked {
    fn command_id(&self) -> Uuid {
        valid(Uuid::parse_str(self.line["command_id"].as_str().expect("a command id")))
    }
    fn positions(&self) -> Vec<u64> {
        self.line["positions"].as_array().expect("positions").iter().filter_map(Value::as_u64).collect()
    }
    fn hashes(&self) -> Vec<String> {
        self.line["hashes"].as_array().expect("hashes").iter().filter_map(|h| h.as_str().map(str::to_owned)).collect()
    }
}

/// Runs a child until `stop` says so, kills it, and gives what it acknowledged.
fn run_child(dir: &std::path::Path, seed: u64, deferred: bool, repeat: Option<&Value>, stop: Stop) -> Vec<Value> {
    let mut command = Process::new(std::env::current_exe().expect("the test binary"));
    command
        .args(["engine_crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR_VAR, dir)
        .env("PARAPOMPI_CHILD_SEED", seed.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if deferred {
        command.env("PARAPOMPI_CHILD_DEFERRED", "1");
    }
    if let Some(repeat) = repeat {
        command.env("PARAPOMPI_CHILD_REPEAT", repeat.to_string());
    }
    let mut child = command.spawn().expect("the child starts");
    let stdout = child.stdout.take().expect("a pipe");
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
                            panic!("the child ended on its own ({status}) before acknowledging an act");
                        }
                    }
                    Err(_) => panic!("the child acknowledged no act within a minute"),
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
        if let Some(text) = line.strip_prefix("REPEAT ACK ") {
            let repeated: Value = valid(serde_json::from_str(text));
            let original = repeat.expect("a repeat only when one was asked");
            assert_eq!(repeated["positions"], original["positions"], "a repeat answers with the first result");
            assert_eq!(repeated["hashes"], original["hashes"], "a repeat answers with the first result");
        } else if let Some(text) = line.strip_prefix("ACK ") {
            acked.push(valid(serde_json::from_str(text)));
        }
    }
    acked
}

#[derive(Clone, Copy)]
enum Stop {
    /// Kill this long after the process starts, whatever it is doing.
    After(Duration),
    /// Kill this long after the first acknowledged act.
    AfterFirstAck(Duration),
}

#[test]
fn killing_the_engine_at_any_stage_loses_no_acknowledged_act_and_keeps_the_read_models_true() {
    let n_rounds: u64 = std::env::var("PARAPOMPI_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().subsec_nanos().into());
    eprintln!("engine crash test: {n_rounds} rounds, PARAPOMPI_TEST_SEED={seed}");
    let mut rng = XorShift(seed.max(1));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut acknowledged: Vec<Acked> = Vec::new();
    let mut n_early_kills = 0u64;
    for round in 0..n_rounds {
        let deferred = rng.below(3) == 0;
        let repeat = acknowledged.last().map(|a| a.line.clone());
        // Now and then a kill while the process starts or the Engine opens, before anyone
        // checks what the last kill left; then a run that gets to write.
        if rng.below(2) == 0 {
            let delay = Duration::from_millis(rng.below(120));
            let acked = run_child(dir.path(), rng.next(), deferred, repeat.as_ref(), Stop::After(delay));
            acknowledged.extend(acked.into_iter().map(|line| Acked { line }));
            n_early_kills += 1;
        }
        let repeat = acknowledged.last().map(|a| a.line.clone());
        let delay = Duration::from_millis(rng.below(80));
        let acked = run_child(dir.path(), rng.next(), deferred, repeat.as_ref(), Stop::AfterFirstAck(delay));
        assert!(!acked.is_empty(), "round {round}: the child acknowledged nothing");
        acknowledged.extend(acked.into_iter().map(|line| Acked { line }));

        let engine = Engine::open(dir.path(), config(Durability::Durable))
            .unwrap_or_else(|e| panic!("round {round}: the Engine does not reopen after a kill: {e}"));
        check(&engine, &acknowledged, round);
        valid(engine.close());
    }
    eprintln!(
        "engine crash test: {} rounds ({n_early_kills} with an early kill), {} acknowledged acts checked",
        n_rounds,
        acknowledged.len()
    );
}

fn check(engine: &Engine, acknowledged: &[Acked], round: u64) {
    let store = engine.store();
    let verified = store.verify().unwrap_or_else(|e| panic!("round {round}: the log does not verify: {e}"));
    for acked in acknowledged {
        let positions = acked.positions();
        let records = valid(store.read_positions(&positions));
        let hashes: Vec<String> = records.iter().map(|r| r.hash.to_hex()).collect();
        assert_eq!(hashes, acked.hashes(), "round {round}: act {} is not as acknowledged", acked.command_id());
        let found = valid(store.command_result(acked.command_id()))
            .unwrap_or_else(|| panic!("round {round}: act {} is not found by its command id", acked.command_id()));
        assert_eq!(found, records, "round {round}: act {}: the command index disagrees", acked.command_id());
        for record in &records {
            let stream = valid(StreamId::new(record.stream_id.as_str()));
            let in_stream = valid(store.read_stream(&stream, record.stream_version, 1));
            assert_eq!(in_stream.first(), Some(record), "round {round}: read_stream disagrees at {}", record.position);
            assert!(valid(store.stream_version(&stream)) >= record.stream_version);
        }
    }
    // The person keys survived every kill: everyone registered reads back unless the log
    // records their erasure (acknowledged, or in flight when the child was killed), and no
    // one whose erasure the log records does.
    let erased: std::collections::BTreeSet<BeneficiaryId> =
        acknowledged.iter().filter_map(|a| erased_person(&a.line)).collect();
    for person in acknowledged.iter().filter_map(|a| registered_person(&a.line)) {
        let stream = valid(StreamId::new(person.stream_id()));
        let in_log = match valid(engine.stream_state(parapompi::core::StreamKind::Beneficiary, &stream)).0 {
            parapompi::core::State::Beneficiary(Some(state)) => state.identity_erased,
            _ => panic!("round {round}: registered {person} is not in the log"),
        };
        assert!(in_log || !erased.contains(&person), "round {round}: an acknowledged erasure of {person} is lost");
        let identity = match engine.identity(person) {
            Ok(identity) => identity,
            Err(error) => panic!(
                "round {round}: {person} (erased in the log: {in_log}, acknowledged erasure: {}): {error}",
                erased.contains(&person)
            ),
        };
        assert_eq!(identity.is_none(), in_log, "round {round}: {person} (erased in the log: {in_log})");
    }
    // Every stream's version is its last record's.
    let mut last_versions = std::collections::BTreeMap::new();
    for record in store.iter_from(1) {
        let record = valid(record);
        last_versions.insert(record.stream_id.to_string(), record.stream_version);
    }
    for (stream, version) in &last_versions {
        let stream_id = valid(StreamId::new(stream.as_str()));
        assert_eq!(valid(store.stream_version(&stream_id)), *version, "round {round}: {stream}'s version");
    }
    // The read models restored from their checkpoint and caught up equal a fold of the log.
    let restored = valid(engine.with_projections(|p| p.to_checkpoint()));
    let folded = valid(engine.projections_as_of(AsOf::Position(verified.head_position))).to_checkpoint();
    assert!(restored == folded, "round {round}: the restored read models differ from a fold of the log");
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
