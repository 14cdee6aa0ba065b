//! The crash test of backups and restores: a child process (this test binary, re-run) takes
//! a backup of a data directory, or restores one into a new directory, and the parent kills
//! it, at every named step boundary of the two (`parapompi::fault_points::BACKUP_CRASH_POINTS`:
//! the child pauses there and says so) and at random moments. After each kill the parent
//! checks that the backup's file is absent or whole and verifying (never a half-written
//! backup at FILE), and that the restore's target is absent or a directory that opens and
//! verifies at the head of the last backup restored (never a half-restored directory in its
//! place). The restores are of a full backup and an increment of changes (new people, an
//! erasure).
//! PARAPOMPI_BACKUP_CRASH_KILLS sets the random kills of each (default 4); PARAPOMPI_TEST_SEED
//! replays the printed seed.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::*;
use parapompi::backup::{restore, BackupFile};
use parapompi::projections::athens_date;
use parapompi::{Acting, CommandMeta, DeploymentKeySource, Engine, EngineConfig};

const CHILD_VAR: &str = "PARAPOMPI_BACKUP_CRASH_CHILD";
/// The longest the parent waits for a child to reach a point: a hang fails the test.
const MAX_WAIT: Duration = Duration::from_secs(60);

static FAULT: OnceLock<String> = OnceLock::new();

fn pause_at_fault(name: &str) {
    if FAULT.get().is_some_and(|fault| fault == name) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "PAUSED {name}");
        let _ = out.flush();
        drop(out);
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

fn in_data_dir() -> EngineConfig {
    EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..EngineConfig::default() }
}

/// The child's work: only when the parent set the variables, otherwise nothing.
#[test]
fn backup_crash_child() {
    let Ok(work) = std::env::var(CHILD_VAR) else { return };
    if let Ok(fault) = std::env::var("PARAPOMPI_BACKUP_CRASH_FAULT") {
        let _ = FAULT.set(fault);
        assert!(parapompi::fault_points::set_hook(pause_at_fault));
    }
    let path = |name: &str| PathBuf::from(std::env::var(name).unwrap_or_default());
    match work.as_str() {
        "backup" => {
            let engine = valid(Engine::open(path("PARAPOMPI_BACKUP_CRASH_DIR"), in_data_dir()));
            let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            let occurred_at = parapompi::core::values::Timestamp::from_unix_ms(
                i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX),
            );
            let meta = CommandMeta {
                command_id: uuid::Uuid::now_v7(),
                acting: Acting::Staff(World::new().admin),
                occurred_at,
                business_date: athens_date(occurred_at),
            };
            valid(engine.backup(&path("PARAPOMPI_BACKUP_CRASH_OUT"), meta));
        }
        _ => {
            let key = path("PARAPOMPI_BACKUP_CRASH_KEY");
            let backups = [path("PARAPOMPI_BACKUP_CRASH_FILE"), path("PARAPOMPI_BACKUP_CRASH_INCREMENT")];
            valid(restore(&backups, &path("PARAPOMPI_BACKUP_CRASH_OUT"), in_data_dir(), Some(&key), &[]));
        }
    }
    println!("DONE");
}

#[derive(Clone, Debug)]
enum Stop {
    AtFault(&'static str),
    After(Duration),
}

/// Runs the child with `vars` and stops it as `stop` says (a child that ends first is
/// let end: a kill after the work is done is a case too).
fn run_child(vars: &[(&str, &Path)], work: &str, stop: &Stop) {
    let mut command = Process::new(std::env::current_exe().unwrap_or_else(|e| panic!("the test binary: {e}")));
    command
        .args(["backup_crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, work)
        .stdout(Stdio::piped())
        .stderr(if std::env::var_os("BACKUP_CRASH_DEBUG").is_some() { Stdio::inherit() } else { Stdio::null() });
    for (name, value) in vars {
        command.env(name, value);
    }
    if let Stop::AtFault(point) = stop {
        command.env("PARAPOMPI_BACKUP_CRASH_FAULT", point);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("the child starts: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("a pipe"));
    let (lines_tx, lines_rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let outcome = match stop {
        Stop::After(delay) => {
            std::thread::sleep(*delay);
            Ok(())
        }
        Stop::AtFault(point) => {
            let deadline = Instant::now() + MAX_WAIT;
            loop {
                match lines_rx.recv_timeout(Duration::from_millis(50)) {
                    Ok(line) if line.contains("PAUSED ") => break Ok(()),
                    Ok(_) => {}
                    Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                        if let Ok(Some(status)) = child.try_wait() {
                            break Err(format!("{point:?}: the child ended before it ({status})"));
                        }
                    }
                    Err(_) => break Err(format!("{point:?}: the child did not get there in time")),
                }
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    if let Err(problem) = outcome {
        panic!("{problem}");
    }
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn cases() -> (Vec<Stop>, Vec<Stop>) {
    let n_kills: u64 = std::env::var("PARAPOMPI_BACKUP_CRASH_KILLS").ok().and_then(|v| v.parse().ok()).unwrap_or(4);
    let seed: u64 = std::env::var("PARAPOMPI_TEST_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().subsec_nanos().into());
    eprintln!("backup crash test: {n_kills} random kills of each, PARAPOMPI_TEST_SEED={seed}");
    let mut rng = Rng(seed.max(1));
    let points = parapompi::fault_points::BACKUP_CRASH_POINTS;
    let at =
        |prefix: &str| points.iter().filter(|p| p.starts_with(prefix)).map(|p| Stop::AtFault(p)).collect::<Vec<_>>();
    let (mut backups, mut restores) = (at("backup:"), at("restore:"));
    assert_eq!(backups.len() + restores.len(), points.len(), "every point is a backup's or a restore's");
    for _ in 0..n_kills {
        backups.push(Stop::After(Duration::from_millis(rng.below(400))));
        restores.push(Stop::After(Duration::from_millis(rng.below(400))));
    }
    (backups, restores)
}

#[test]
fn a_killed_backup_leaves_no_file_or_a_whole_one_and_a_killed_restore_no_directory_or_a_whole_one() {
    let _watchdog = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(600));
        eprintln!("backup crash test: more than 600 s, stopping");
        std::process::exit(101);
    });
    let (backup_cases, restore_cases) = cases();
    let mut s = Scenario::set_up();
    let w = s.world;
    for n in 0..20 {
        let beneficiary = s.fresh_beneficiary();
        s.given(vec![by(w.reception, register_beneficiary(beneficiary, w.centre, n))]);
    }
    let out_dir = valid(tempfile::tempdir());
    let key = parapompi::deployment_key_path(s.directory());
    let source = DeploymentKeySource::File(key.clone());
    let seed_backup = out_dir.path().join("seed.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    let seed_header = valid(s.engine().backup(&seed_backup, meta)).manifest.header;
    // An increment of changes: two people more, one erased.
    let erased = s.fresh_beneficiary();
    let later = s.fresh_beneficiary();
    s.given(vec![
        by(w.reception, register_beneficiary(erased, w.centre, 20)),
        by(w.reception, register_beneficiary(later, w.centre, 21)),
        by(w.supervisor, erase(erased)),
    ]);
    let seed_increment = out_dir.path().join("seed.inc");
    let meta = s.next_meta(Acting::Staff(w.admin));
    let increment = valid(s.engine().backup_since(&seed_increment, meta, &seed_header)).manifest;
    assert!(increment.header.since.as_ref().is_some_and(|b| b.state.is_some()), "an increment of changes");
    let seed_head = increment.header.head_position;
    let chain = [seed_backup.clone(), seed_increment.clone()];
    s.restart_after(|dir| {
        for (n, stop) in backup_cases.iter().enumerate() {
            let out = out_dir.path().join(format!("killed-{n}.backup"));
            run_child(&[("PARAPOMPI_BACKUP_CRASH_DIR", dir), ("PARAPOMPI_BACKUP_CRASH_OUT", &out)], "backup", stop);
            // Never a half-written backup at FILE: absent, or whole and verifying.
            if out.exists() {
                let file = BackupFile::open(&out).unwrap_or_else(|e| panic!("{stop:?}: {e}"));
                assert!(valid(file.verify(out_dir.path(), &source)), "{stop:?}");
            }
            if let Stop::AtFault(point) = stop {
                assert!(!out.exists(), "{point:?}: the file is in place before its rename");
            }
        }
        // The data directory itself opens and verifies after every kill.
        valid(valid(Engine::open(dir, in_data_dir())).store().verify());
    });
    for (n, stop) in restore_cases.iter().enumerate() {
        let target = out_dir.path().join(format!("restored-{n}"));
        run_child(
            &[
                ("PARAPOMPI_BACKUP_CRASH_FILE", &seed_backup),
                ("PARAPOMPI_BACKUP_CRASH_INCREMENT", &seed_increment),
                ("PARAPOMPI_BACKUP_CRASH_KEY", &key),
                ("PARAPOMPI_BACKUP_CRASH_OUT", &target),
            ],
            "restore",
            stop,
        );
        // Never a half-restored directory in place: absent, or one that opens at the head.
        if target.exists() {
            let copy = Engine::open(&target, in_data_dir()).unwrap_or_else(|e| panic!("{stop:?}: {e}"));
            assert_eq!(copy.store().head().position, seed_head, "{stop:?}");
            valid(copy.store().verify());
            assert!(valid(copy.identity(later)).is_some() && valid(copy.identity(erased)).is_none(), "{stop:?}");
        }
        if let Stop::AtFault(point) = stop {
            assert!(!target.exists(), "{point:?}: the directory is in place before its rename");
        }
        // A restore after the kill takes the same target (it clears what the kill left beside it).
        if !target.exists() {
            valid(restore(&chain, &target, in_data_dir(), Some(&key), &[]));
            assert_eq!(valid(Engine::open(&target, in_data_dir())).store().head().position, seed_head);
        }
    }
}
