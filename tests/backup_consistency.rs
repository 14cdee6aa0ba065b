//! A backup beside the acts that write outside the log: a credential issued while a backup
//! reads is in the backup with its act or not at all, a deactivated member's credentials'
//! hashes never are in a backup that holds the deactivation, and a signing-key rotation caught
//! between its act and its rename does not leave the backup's log signed by a key its records
//! revoked.

mod common;

use std::sync::{Condvar, Mutex};
use std::thread::ThreadId;
use std::time::{Duration, Instant};

use common::*;
use parapompi::backup::BackupFile;
use parapompi::core::centre::{CentreAction, CentreCommand};
use parapompi::core::credential::CredentialKind;
use parapompi::core::values::{SigningKeyText, StaffId};
use parapompi::core::vocab::Role;
use parapompi::core::Command;
use parapompi::credentials::CredentialError;
use parapompi::{Acting, DeploymentKeySource};

/// The point an issuing thread is paused at, with the gate its act holds.
const POINT: &str = "credential: hash written, act not recorded";
/// The longest a paused thread waits to be let go, or a test for the thread to reach the
/// point: a hang is a failure, never a stuck run.
const MAX_WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Pause {
    thread: Option<ThreadId>,
    reached: bool,
    released: bool,
}

static PAUSE: Mutex<Pause> = Mutex::new(Pause { thread: None, reached: false, released: false });
static PAUSE_CHANGED: Condvar = Condvar::new();

/// The fault hook: pauses the thread named in [`PAUSE`] at [`POINT`] until it is released.
fn pause_at(name: &str) {
    if name != POINT {
        return;
    }
    let mut pause = PAUSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if pause.thread != Some(std::thread::current().id()) {
        return;
    }
    pause.reached = true;
    PAUSE_CHANGED.notify_all();
    let started = Instant::now();
    while !pause.released && started.elapsed() < MAX_WAIT {
        pause = PAUSE_CHANGED.wait_timeout(pause, MAX_WAIT).unwrap_or_else(|e| e.into_inner()).0;
    }
}

fn wait_until_reached() {
    let mut pause = PAUSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = Instant::now();
    while !pause.reached {
        assert!(started.elapsed() < MAX_WAIT, "the issuing thread never reached {POINT:?}");
        pause = PAUSE_CHANGED.wait_timeout(pause, MAX_WAIT).unwrap_or_else(|e| e.into_inner()).0;
    }
}

fn release() {
    PAUSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).released = true;
    PAUSE_CHANGED.notify_all();
}

#[test]
fn a_credential_issued_while_a_backup_is_taken_is_in_it_with_its_act_or_not_at_all() {
    assert!(parapompi::fault_points::BACKUP_POINTS.contains(&POINT));
    assert!(parapompi::fault_points::set_hook(pause_at));
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let credentials = cheap_credentials(s.engine());
    // With nothing under way: how many credential entries a backup holds.
    let meta = s.next_meta(Acting::Staff(w.admin));
    let before = valid(s.engine().backup(&dir.path().join("before.backup"), meta)).manifest.parts[2].items;
    let (issue_meta, backup_meta) = (s.next_meta(Acting::Staff(w.admin)), s.next_meta(Acting::Staff(w.admin)));
    let engine = s.engine().clone();
    let file = dir.path().join("during.backup");
    let (issued, taken) = std::thread::scope(|scope| {
        let issuer = scope.spawn(|| {
            PAUSE.lock().unwrap_or_else(std::sync::PoisonError::into_inner).thread = Some(std::thread::current().id());
            credentials.issue(w.reception, CredentialKind::Enrolment, 3_600_000, issue_meta)
        });
        // The issuer has written the code's hash and not yet recorded its act: a backup now.
        wait_until_reached();
        let backup = scope.spawn(|| engine.backup(&file, backup_meta));
        std::thread::sleep(Duration::from_millis(300));
        release();
        let issued = valid(issuer.join().unwrap_or_else(|_| panic!("the issuer panicked")));
        let taken = valid(backup.join().unwrap_or_else(|_| panic!("the backup panicked")));
        (issued, taken)
    });
    let act_position = issued.executed.events.last().map_or(0, |r| r.position);
    let (position, held) = (taken.manifest.header.head_position, taken.manifest.parts[2].items);
    // The backup holds the code's hash exactly when it holds the act that issued it.
    let expected = if act_position <= position { before + 1 } else { before };
    assert_eq!(held, expected, "the issue at {act_position}, the backup up to {position}");
    // And since the hash and its act are written in one entry of the acts' gate, the backup
    // waited for the act it found half done.
    assert!(act_position <= position, "the issue at {act_position}, the backup up to {position}");
}

fn centre_key(s: &Scenario, action: CentreAction) -> Step {
    by(s.world.admin, Command::Centre(CentreCommand { centre_id: s.world.centre, action }))
}

#[test]
fn a_backup_taken_between_a_key_rotations_act_and_its_rename_is_signed_by_the_new_key() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let key_file = DeploymentKeySource::File(parapompi::deployment_key_path(s.directory()));
    let first = s.engine().signing_verifier_key();
    let first_text = valid(SigningKeyText::new(&first.vkey()));
    let step = centre_key(&s, CentreAction::RecordSigningKey { key: first_text.clone() });
    s.given(vec![step]);
    // A rotation's act records the new key and revokes the old; the rename has not happened.
    let next = valid(s.engine().prepare_signing_key_rotation());
    let steps = vec![
        centre_key(&s, CentreAction::RecordSigningKey { key: valid(SigningKeyText::new(&next.vkey())) }),
        centre_key(&s, CentreAction::RevokeSigningKey { key: first_text }),
    ];
    s.given(steps);
    assert_eq!(s.engine().signing_verifier_key(), first, "not yet renamed into place");
    let file = dir.path().join("between.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    valid(s.engine().backup(&file, meta));
    // The old key signs nothing at or after its revocation: the log part is the new key's.
    let opened = valid(BackupFile::open(&file));
    assert!(valid(opened.verify(dir.path(), &key_file)));
    // Once renamed, the same.
    valid(s.engine().finish_signing_key_rotation());
    let after = dir.path().join("after.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    valid(s.engine().backup(&after, meta));
    assert!(valid(valid(BackupFile::open(&after)).verify(dir.path(), &key_file)));
}

/// How many deactivations race a backup.
const DEACTIVATION_CASES: usize = 4;

#[test]
fn a_backup_taken_while_staff_are_deactivated_never_holds_a_live_hash_of_a_deactivated_members_credential() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let key = parapompi::deployment_key_path(s.directory());
    let credentials = cheap_credentials(s.engine());
    let staff: Vec<StaffId> = (0..DEACTIVATION_CASES).map(|_| StaffId::new(s.fresh())).collect();
    let mut tokens = Vec::new();
    for (n, staff_id) in staff.iter().enumerate() {
        s.given(vec![by(w.admin, register_staff(*staff_id, w.centre, &format!("Μέλος {n}"), &[Role::SocialWorker]))]);
        let meta = s.next_meta(Acting::Staff(w.admin));
        tokens.push(valid(credentials.issue(*staff_id, CredentialKind::ApiToken, 30 * 86_400_000, meta)));
    }
    let checked_at = s.next_meta(Acting::Staff(w.admin)).occurred_at;
    for (n, staff_id) in staff.iter().enumerate() {
        let (deactivate_meta, backup_meta) = (s.next_meta(Acting::Staff(w.admin)), s.next_meta(Acting::Staff(w.admin)));
        let file = dir.path().join(format!("during-{n}.backup"));
        let engine = s.engine().clone();
        let start = std::sync::Barrier::new(2);
        std::thread::scope(|scope| {
            let deactivation = scope.spawn(|| {
                start.wait();
                engine.execute(&deactivate_staff(*staff_id), deactivate_meta)
            });
            start.wait();
            valid(engine.backup(&file, backup_meta));
            valid(deactivation.join().unwrap_or_else(|_| panic!("the deactivation panicked")));
        });
        // Restored, each member's token is live and its hash held, or they are deactivated
        // and their token's hash is not there at all: never a deactivated member's hash.
        let target = dir.path().join(format!("restored-{n}"));
        let config = parapompi::EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..Default::default() };
        valid(parapompi::backup::restore(std::slice::from_ref(&file), &target, config.clone(), Some(&key), &[]));
        let copy = valid(parapompi::Engine::open(&target, config));
        let restored = cheap_credentials(&copy);
        for (m, token) in tokens.iter().enumerate() {
            let checked = restored.check(token.secret.expose(), &[CredentialKind::ApiToken], checked_at);
            match checked {
                Ok(_) => assert!(m >= n, "case {n}: member {m} was deactivated before the backup"),
                Err(CredentialError::Unauthenticated(why)) => {
                    assert!(m <= n, "case {n}: member {m} is refused ({why})");
                    assert_eq!(why, "no such credential", "case {n}: member {m}'s hash is in the backup");
                }
                Err(other) => panic!("case {n}: member {m}: {other}"),
            }
        }
    }
}
