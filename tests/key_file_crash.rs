//! The key files' crash test: a child process (this test binary, re-run) registers people
//! with distinctive identities, erases some of them (each erasure rewrites the person-key
//! file without their key) and rotates the deployment key (the person-key file rewritten
//! under a new key, the AMKA index rebuilt), in a loop, saying what it is about to do and
//! what was acknowledged. The parent kills it, at random moments and, deterministically, at
//! every named step boundary of a key-file write, an erasure and a rotation
//! (`parapompi::fault_points`: the child pauses there and says so, the parent kills it).
//! After each kill the parent checks:
//! - the data directory opens under the old key or the new one, and under exactly one;
//! - everyone acknowledged as registered and not erased reads back with their identity,
//!   and their AMKA is still refused to a newcomer at their centre (the index is whole and
//!   under the current key);
//! - every acknowledged erasure is complete: the log records it, the person reads as
//!   nothing, their key is gone from the person-key file, and their AMKA is free again;
//! - an erasure in flight is either finished or not begun, never half done;
//! - no partial key file and no half-done rotation is left after the open.
//!
//! Both ways of keeping the key are run: in the data directory (`deployment.key`, with
//! `deployment.key.next` during a rotation) and in files outside it, as an operator names
//! them. PARAPOMPI_KEY_CRASH_KILLS sets the random kills per way (default 20);
//! PARAPOMPI_SOAK=1 makes it 500; PARAPOMPI_TEST_SEED replays the printed seed.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use parapompi::core::values::{BeneficiaryId, CentreId, StaffId, Timestamp};
use parapompi::core::vocab::Role;
use parapompi::core::{State, StreamKind};
use parapompi::projections::athens_date;
use parapompi::store::StreamId;
use parapompi::{
    entity_id, Acting, CommandMeta, DeploymentKeySource, Engine, EngineConfig, EngineError, HexKey, NewDeploymentKey,
};
use uuid::Uuid;

const CHILD_DIR_VAR: &str = "PARAPOMPI_KEY_CRASH_CHILD_DIR";
/// How many people one child registers at most (their numbers are its base and up).
const PEOPLE_PER_CHILD: u32 = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The key in `DATA_DIR/keys/deployment.key`, rotated through `deployment.key.next`.
    InDataDir,
    /// The key in a file outside the data directory, rotated to a new file each time.
    Files,
}

fn config(source: DeploymentKeySource) -> EngineConfig {
    EngineConfig { checkpoint_every_events: 40, deployment_key: source, ..EngineConfig::default() }
}

fn source_of(mode: Mode, key_file: &Path) -> DeploymentKeySource {
    match mode {
        Mode::InDataDir => DeploymentKeySource::InDataDir,
        Mode::Files => DeploymentKeySource::File(key_file.to_path_buf()),
    }
}

fn now() -> Timestamp {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

fn meta(acting: Acting) -> CommandMeta {
    let occurred_at = now();
    CommandMeta { command_id: Uuid::now_v7(), acting, occurred_at, business_date: athens_date(occurred_at) }
}

/// The fault point the child pauses at, and at which of its passes there.
static FAULT: OnceLock<(String, u32)> = OnceLock::new();
static FAULT_PASSES: AtomicU32 = AtomicU32::new(0);

/// The child's hook: at its fault point (a `*` in the name matches any text), on the pass
/// asked for, it says so and waits to be killed.
fn pause_at_fault(name: &str) {
    let Some((target, pass)) = FAULT.get() else { return };
    let matches = match target.split_once('*') {
        Some((prefix, suffix)) => name.starts_with(prefix) && name.ends_with(suffix),
        None => name == target,
    };
    if matches && FAULT_PASSES.fetch_add(1, Ordering::SeqCst) + 1 == *pass {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PAUSED {name}");
        let _ = out.flush();
        drop(out);
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// The child's work: only when the parent set the variable, otherwise nothing.
#[test]
fn key_file_crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_VAR) else { return };
    let dir = PathBuf::from(dir);
    let mode =
        if std::env::var("PARAPOMPI_KEY_CRASH_MODE").as_deref() == Ok("files") { Mode::Files } else { Mode::InDataDir };
    let mut key_file = PathBuf::from(std::env::var("PARAPOMPI_KEY_CRASH_KEY_FILE").unwrap_or_default());
    let keys_dir = key_file.parent().map(Path::to_path_buf).unwrap_or_default();
    if let Ok(fault) = std::env::var("PARAPOMPI_KEY_CRASH_FAULT") {
        let pass = std::env::var("PARAPOMPI_KEY_CRASH_PASS").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
        FAULT.set((fault, pass)).expect("set once");
        assert!(parapompi::fault_points::set_hook(pause_at_fault));
    }
    let base: u32 = std::env::var("PARAPOMPI_KEY_CRASH_BASE").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let seed: u64 = std::env::var("PARAPOMPI_KEY_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut rng = XorShift(seed.max(1));
    let say = |line: String| {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}").expect("the parent reads");
        out.flush().expect("the parent reads");
    };
    // libtest has printed "test key_file_crash_child ... " without ending its line.
    say(String::new());
    let mut n_registered = 0u32;
    loop {
        let engine = Engine::open(&dir, config(source_of(mode, &key_file))).expect("the child opens the Engine");
        let seed_id = Uuid::now_v7();
        let centre = CentreId::new(entity_id(seed_id, "centre"));
        let admin = StaffId::new(entity_id(seed_id, "admin"));
        let worker = StaffId::new(entity_id(seed_id, "worker"));
        let supervisor = StaffId::new(entity_id(seed_id, "supervisor"));
        let set_up = [
            register_centre(centre, "Κέντρο Κοινότητας", "Μετεώρων", admin),
            register_staff(admin, centre, "Διαχειρίστρια", &[Role::Administrator]),
        ];
        engine.execute_all(&set_up, meta(Acting::Setup)).expect("the centre is registered");
        let staff = [
            register_staff(worker, centre, "Κοινωνικός λειτουργός", &[Role::SocialWorker]),
            register_staff(supervisor, centre, "Επόπτης", &[Role::Supervisor]),
        ];
        engine.execute_all(&staff, meta(Acting::Staff(admin))).expect("the staff are registered");
        say(format!("SETUP {centre} {worker}"));
        let mut here = Vec::new();
        for _ in 0..1 + rng.below(4) {
            if n_registered < PEOPLE_PER_CHILD {
                let person = BeneficiaryId::new(Uuid::now_v7());
                let n = base + n_registered;
                n_registered += 1;
                engine
                    .execute(&register_beneficiary(person, centre, n), meta(Acting::Staff(worker)))
                    .expect("the person is registered");
                say(format!("REG {} {n} {centre}", person.uuid()));
                here.push(person);
            }
            if !here.is_empty() && rng.below(2) == 0 {
                let person =
                    here.remove(usize::try_from(rng.below(u64::try_from(here.len()).unwrap_or(1))).unwrap_or(0));
                say(format!("ERASING {}", person.uuid()));
                engine.erase_identity(person, meta(Acting::Staff(supervisor))).expect("the person is erased");
                say(format!("ERASED {}", person.uuid()));
            }
        }
        engine.close().expect("the child closes the Engine");
        match mode {
            Mode::InDataDir => {
                say("ROTATING -".to_owned());
                Engine::rotate_deployment_key(
                    &dir,
                    config(DeploymentKeySource::InDataDir),
                    &NewDeploymentKey::InDataDir,
                )
                .expect("the key is rotated");
                say("ROTATED -".to_owned());
            }
            Mode::Files => {
                let new_file = keys_dir.join(format!("key-{}", Uuid::now_v7()));
                say(format!("ROTATING {}", new_file.display()));
                Engine::rotate_deployment_key(
                    &dir,
                    config(DeploymentKeySource::File(key_file.clone())),
                    &NewDeploymentKey::File(new_file.clone()),
                )
                .expect("the key is rotated");
                say(format!("ROTATED {}", new_file.display()));
                key_file = new_file;
            }
        }
    }
}

/// A person the parent knows of.
struct Person {
    n: u32,
    centre: CentreId,
    /// The child acknowledged their erasure.
    erasure_acknowledged: bool,
    /// The child said it was erasing them and was killed before acknowledging.
    erasure_in_flight: bool,
    /// Their AMKA was shown free at their centre after their erasure.
    free_shown: bool,
}

/// What the parent knows: who was registered and erased, the centres' workers, the key.
struct Model {
    mode: Mode,
    dir: PathBuf,
    people: BTreeMap<BeneficiaryId, Person>,
    workers: BTreeMap<CentreId, StaffId>,
    /// The key file the directory was last found to open with (files mode).
    key_file: PathBuf,
    /// A rotation's new key file said but not acknowledged (files mode).
    rotating_to: Option<PathBuf>,
    next_base: u32,
    n_rotations: u64,
    n_erasures: u64,
    n_registrations: u64,
}

enum Stop {
    /// Kill this long after the child starts.
    After(Duration),
    /// Kill this long after the child's first registration.
    AfterFirstRegistration(Duration),
    /// Kill when the child pauses at this fault point, on this pass.
    AtFault(String, u32),
}

impl Model {
    fn new(mode: Mode, root: &Path) -> Model {
        let dir = root.join("data");
        let keys_dir = root.join("keys");
        valid(std::fs::create_dir_all(&keys_dir));
        let key_file = keys_dir.join("key-first");
        // The directory and its first key.
        valid(valid(Engine::open(&dir, config(source_of(mode, &key_file)))).close());
        Model {
            mode,
            dir,
            people: BTreeMap::new(),
            workers: BTreeMap::new(),
            key_file,
            rotating_to: None,
            next_base: 0,
            n_rotations: 0,
            n_erasures: 0,
            n_registrations: 0,
        }
    }

    /// Runs a child until `stop`, kills it, and takes in what it said.
    fn run_child(&mut self, seed: u64, stop: &Stop) {
        let mut command = Process::new(std::env::current_exe().expect("the test binary"));
        command
            .args(["key_file_crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_VAR, &self.dir)
            .env("PARAPOMPI_KEY_CRASH_MODE", if self.mode == Mode::Files { "files" } else { "in-data-dir" })
            .env("PARAPOMPI_KEY_CRASH_KEY_FILE", &self.key_file)
            .env("PARAPOMPI_KEY_CRASH_BASE", self.next_base.to_string())
            .env("PARAPOMPI_KEY_CRASH_SEED", seed.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        self.next_base += PEOPLE_PER_CHILD;
        if let Stop::AtFault(point, pass) = stop {
            command.env("PARAPOMPI_KEY_CRASH_FAULT", point).env("PARAPOMPI_KEY_CRASH_PASS", pass.to_string());
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
        // Waits for a line that `wanted` accepts; a child that ends or never gets there
        // within a minute fails the test (after being killed).
        let mut wait_for = |wanted: &dyn Fn(&str) -> bool, child: &mut std::process::Child| -> Result<(), String> {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                match lines_rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(line) => {
                        let found = wanted(&line);
                        lines.push(line);
                        if found {
                            return Ok(());
                        }
                    }
                    Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                        if let Ok(Some(status)) = child.try_wait() {
                            return Err(format!("the child ended on its own ({status})"));
                        }
                    }
                    Err(_) => return Err("the child did not get there within a minute".to_owned()),
                }
            }
        };
        let waited = match stop {
            Stop::After(delay) => {
                std::thread::sleep(*delay);
                Ok(())
            }
            Stop::AfterFirstRegistration(delay) => {
                let waited = wait_for(&|line| line.starts_with("REG "), &mut child);
                std::thread::sleep(*delay);
                waited
            }
            Stop::AtFault(point, pass) => wait_for(&|line| line.starts_with("PAUSED "), &mut child)
                .map_err(|problem| format!("fault point {point:?} (pass {pass}): {problem}")),
        };
        let _ = child.kill();
        let _ = child.wait();
        let _ = reader.join();
        lines.extend(lines_rx.try_iter());
        if let Err(problem) = waited {
            panic!("{problem}; the child said: {lines:?}");
        }
        for line in &lines {
            if std::env::var_os("KEYCRASH_DEBUG").is_some() {
                eprintln!("child: {line}");
            }
            self.take_in(line);
        }
    }

    fn take_in(&mut self, line: &str) {
        let words: Vec<&str> = line.split(' ').collect();
        let person = |text: &str| BeneficiaryId::new(valid(Uuid::parse_str(text)));
        match words.as_slice() {
            ["SETUP", centre, worker] => {
                let centre = CentreId::new(valid(Uuid::parse_str(centre)));
                self.workers.insert(centre, StaffId::new(valid(Uuid::parse_str(worker))));
            }
            ["REG", id, n, centre] => {
                let centre = CentreId::new(valid(Uuid::parse_str(centre)));
                let n = valid(n.parse());
                let record =
                    Person { n, centre, erasure_acknowledged: false, erasure_in_flight: false, free_shown: false };
                self.people.insert(person(id), record);
                self.n_registrations += 1;
            }
            ["ERASING", id] => self.people.get_mut(&person(id)).expect("a known person").erasure_in_flight = true,
            ["ERASED", id] => {
                let record = self.people.get_mut(&person(id)).expect("a known person");
                record.erasure_in_flight = false;
                record.erasure_acknowledged = true;
                self.n_erasures += 1;
            }
            ["ROTATING", file] => {
                self.rotating_to = (self.mode == Mode::Files).then(|| PathBuf::from(file));
            }
            ["ROTATED", file] => {
                if self.mode == Mode::Files {
                    self.key_file = PathBuf::from(file);
                }
                self.rotating_to = None;
                self.n_rotations += 1;
            }
            _ => {}
        }
    }

    /// Opens the directory after a kill under exactly one key and checks everything.
    fn check(&mut self, label: &str) {
        let engine = match self.mode {
            Mode::InDataDir => self.open_in_data_dir(label),
            Mode::Files => self.open_with_files(label),
        };
        let leftovers: Vec<String> = std::fs::read_dir(self.dir.join("keys"))
            .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        for name in &leftovers {
            assert!(
                !name.ends_with(".partial") && name != "deployment.key.next",
                "{label}: {name} is left in keys/ after the open ({leftovers:?})"
            );
        }
        valid(engine.store().verify());
        let ids: Vec<BeneficiaryId> = self.people.keys().copied().collect();
        let mut holders: Vec<BeneficiaryId> = Vec::new();
        for id in ids {
            let stream = valid(StreamId::new(id.stream_id()));
            let erased_in_log = match valid(engine.stream_state(StreamKind::Beneficiary, &stream)).0 {
                State::Beneficiary(Some(state)) => state.identity_erased,
                _ => panic!("{label}: {id}, acknowledged as registered, is not in the log"),
            };
            let person = &self.people[&id];
            let read = engine.identity(id).unwrap_or_else(|e| panic!("{label}: {id} does not read: {e}"));
            let holds_key = valid(engine.holds_person_key(id));
            if person.erasure_acknowledged {
                assert!(erased_in_log, "{label}: the acknowledged erasure of {id} is not in the log");
            }
            if !person.erasure_acknowledged && !person.erasure_in_flight {
                assert!(!erased_in_log, "{label}: {id} is erased in the log, though no erasure was begun");
            }
            if erased_in_log {
                assert_eq!(read, None, "{label}: {id} is erased in the log but still reads");
                assert!(!holds_key, "{label}: {id} is erased in the log but their key is in the person-key file");
                let person = self.people.get_mut(&id).expect("known");
                person.erasure_in_flight = false;
                person.erasure_acknowledged = true;
            } else {
                let entry = read.unwrap_or_else(|| panic!("{label}: {id}, registered and not erased, reads nothing"));
                assert_eq!(entry.identity, identity(person.n), "{label}: {id} reads another identity");
                assert!(holds_key, "{label}: {id} reads, but has no key");
                let person = self.people.get_mut(&id).expect("known");
                person.erasure_in_flight = false;
                holders.push(id);
            }
        }
        // The AMKA index: an erased person's AMKA is free at their centre (a newcomer with it
        // is registered), and a holder's is still refused.
        let erased_unshown: Vec<BeneficiaryId> =
            self.people.iter().filter(|(_, p)| p.erasure_acknowledged && !p.free_shown).map(|(id, _)| *id).collect();
        for id in erased_unshown {
            let (n, centre) = (self.people[&id].n, self.people[&id].centre);
            let newcomer = BeneficiaryId::new(Uuid::now_v7());
            let worker = self.workers[&centre];
            let registered = engine.execute(&register_beneficiary(newcomer, centre, n), meta(Acting::Staff(worker)));
            if let Err(error) = registered {
                panic!("{label}: the AMKA of erased {id} is not free at their centre: {error}");
            }
            self.people.get_mut(&id).expect("known").free_shown = true;
            let record = Person { n, centre, erasure_acknowledged: false, erasure_in_flight: false, free_shown: false };
            self.people.insert(newcomer, record);
        }
        for id in holders.iter().rev().take(3) {
            let (n, centre) = (self.people[id].n, self.people[id].centre);
            let worker = self.workers[&centre];
            let twin = BeneficiaryId::new(Uuid::now_v7());
            match engine.execute(&register_beneficiary(twin, centre, n), meta(Acting::Staff(worker))) {
                Err(EngineError::Rejected(rejection)) if rejection.name() == "DuplicateAmka" => {}
                other => panic!("{label}: the AMKA of {id} is not refused to a newcomer: {other:?}"),
            }
        }
        valid(engine.close());
    }

    /// In the data directory: the open finishes or forgets a rotation in progress; the key
    /// it keeps is the old or the new one, and the other does not open the directory.
    fn open_in_data_dir(&self, label: &str) -> Engine {
        let current_path = parapompi::deployment_key_path(&self.dir);
        let next_path = current_path.with_file_name("deployment.key.next");
        let before = std::fs::read_to_string(&current_path).ok();
        let next = std::fs::read_to_string(&next_path).ok();
        let engine = Engine::open(&self.dir, config(DeploymentKeySource::InDataDir))
            .unwrap_or_else(|e| panic!("{label}: the data directory opens under neither key: {e}"));
        let after = std::fs::read_to_string(&current_path).ok();
        assert!(after.is_some(), "{label}: deployment.key is gone");
        assert!(after == before || after == next, "{label}: deployment.key is neither the old key nor the new");
        let other = if after == before { next } else { before };
        if let Some(other) = other {
            valid(engine.close());
            let hex = other.lines().nth(1).unwrap_or_default().to_owned();
            let refused = Engine::open(&self.dir, config(DeploymentKeySource::Hex(HexKey::new(hex))));
            assert!(refused.is_err(), "{label}: the data directory opens under both keys");
            drop(refused);
            return open_when_released(&self.dir, config(DeploymentKeySource::InDataDir));
        }
        engine
    }

    /// Outside: exactly one of the last acknowledged key and a rotation's new key opens.
    fn open_with_files(&mut self, label: &str) -> Engine {
        let mut candidates = vec![self.key_file.clone()];
        candidates.extend(self.rotating_to.take().filter(|file| file.exists()));
        let mut opened = Vec::new();
        let mut refusals = Vec::new();
        for file in &candidates {
            match Engine::open(&self.dir, config(DeploymentKeySource::File(file.clone()))) {
                Ok(engine) => {
                    valid(engine.close());
                    opened.push(file.clone());
                }
                Err(error) => refusals.push(error.to_string()),
            }
        }
        assert_eq!(
            opened.len(),
            1,
            "{label}: {} of the keys {candidates:?} open the directory ({refusals:?})",
            opened.len()
        );
        for refusal in &refusals {
            assert!(refusal.contains("deployment key"), "{label}: a refusal that does not name the key: {refusal}");
        }
        self.key_file = opened.remove(0);
        valid(Engine::open(&self.dir, config(DeploymentKeySource::File(self.key_file.clone()))))
    }
}

/// Every step boundary to pause at, with the pass to pause on, per way of keeping the key.
/// A pair marked `then` is run without a check between: the second pauses in the open that
/// finds what the first left.
fn faults(mode: Mode) -> Vec<(&'static str, u32, bool)> {
    let mut faults = vec![
        ("erasure: event and mark durable, key not removed", 1, true),
        ("erasure: key removed, vault entry not removed", 1, true),
        ("erasure: vault entry removed, mark not cleared", 2, true),
        ("write person-keys: synced, not renamed", 1, true),
        ("write person-keys: renamed, directory not synced", 1, true),
        ("write person-keys: synced, not renamed", 3, true),
        ("write person-keys: renamed, directory not synced", 4, true),
        ("rotation: new key saved, retired key not noted", 1, true),
        ("write retired-keys: synced, not renamed", 1, true),
        ("write retired-keys: renamed, directory not synced", 2, true),
        ("rotation: retired key noted, person keys not rewritten", 1, true),
        ("rotation: person keys rewritten, engine not reopened", 1, true),
        ("rotation: reopened under the new key, old key file not removed", 1, true),
    ];
    match mode {
        Mode::InDataDir => faults.extend([
            ("write deployment.key.next: synced, not renamed", 1, true),
            ("write deployment.key.next: renamed, directory not synced", 1, true),
            ("open: person keys under deployment.key.next, not renamed over deployment.key", 1, true),
            // A rotation stopped before its rewrite, then the open that forgets it stopped too.
            ("rotation: retired key noted, person keys not rewritten", 2, false),
            ("open: person keys under deployment.key, deployment.key.next not removed", 1, true),
            // A rotation stopped after its rewrite, then the open that finishes it stopped too.
            ("rotation: person keys rewritten, engine not reopened", 2, false),
            ("open: person keys under deployment.key.next, not renamed over deployment.key", 1, true),
        ]),
        Mode::Files => faults.extend([
            ("write key-*: synced, not renamed", 1, true),
            ("write key-*: renamed, directory not synced", 2, true),
        ]),
    }
    faults
}

fn campaign(mode: Mode) {
    let n_kills: u64 = match std::env::var("PARAPOMPI_KEY_CRASH_KILLS").ok().and_then(|v| v.parse().ok()) {
        Some(n) => n,
        None if std::env::var_os("PARAPOMPI_SOAK").is_some() => 500,
        None => 20,
    };
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().subsec_nanos().into());
    eprintln!("key-file crash test ({mode:?}): {n_kills} random kills, PARAPOMPI_TEST_SEED={seed}");
    let started = Instant::now();
    let mut rng = XorShift(seed.max(1));
    let root = tempfile::tempdir().expect("a temporary directory");
    let mut model = Model::new(mode, root.path());
    let faults = faults(mode);
    let covered: BTreeSet<&str> = faults.iter().map(|(point, _, _)| *point).collect();
    for point in parapompi::fault_points::POINTS {
        let applies = mode == Mode::InDataDir || !point.contains("deployment.key");
        assert!(!applies || covered.contains(point), "{mode:?}: the fault point {point:?} is never paused at");
    }
    for (point, pass, check) in &faults {
        model.run_child(rng.next(), &Stop::AtFault((*point).to_owned(), *pass));
        if *check {
            model.check(&format!("{mode:?}, paused at {point:?} (pass {pass})"));
        }
    }
    for kill in 0..n_kills {
        if rng.below(3) == 0 {
            model.run_child(rng.next(), &Stop::After(Duration::from_millis(rng.below(250))));
        } else {
            model.run_child(rng.next(), &Stop::AfterFirstRegistration(Duration::from_millis(rng.below(500))));
        }
        model.check(&format!("{mode:?}, random kill {kill}"));
    }
    let n_people = model.people.len();
    eprintln!(
        "key-file crash test ({mode:?}): {} kills ({} at fault points), {} registrations, {} erasures and {} \
         rotations acknowledged, {n_people} people checked, 0 lost, in {:.1} s",
        u64::try_from(faults.len()).unwrap_or(0) + n_kills,
        faults.len(),
        model.n_registrations,
        model.n_erasures,
        model.n_rotations,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn a_kill_at_any_step_of_a_rotation_or_an_erasure_leaves_the_key_in_the_data_directory_whole() {
    campaign(Mode::InDataDir);
}

#[test]
fn a_kill_at_any_step_of_a_rotation_or_an_erasure_leaves_keys_kept_in_files_whole() {
    campaign(Mode::Files);
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

/// Opens the data directory, waiting (as the command line's `--wait` does) while the store a
/// refused open dropped a moment ago still holds its lock: sled's threads let go of it after
/// the open returns.
fn open_when_released(dir: &std::path::Path, config: EngineConfig) -> Engine {
    for _ in 0..100 {
        match Engine::open(dir, config.clone()) {
            Err(parapompi::EngineError::Store(parapompi::store::StoreError::InUse { .. })) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            other => return valid(other),
        }
    }
    valid(Engine::open(dir, config))
}
