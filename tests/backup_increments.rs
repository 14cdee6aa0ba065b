//! Incremental backups: an increment holds the log after an earlier backup's position and
//! only the vault entries, keys and credentials changed since it (removals included), it is
//! refused when that backup is not of this log, and a full backup with its increments
//! restores the log and the state up to the last one's position; a gap, a wrong order or
//! another deployment's increment is refused naming the file, a damaged or reordered one
//! naming the part; format-2 backups still restore.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use parapompi::backup::{restore, BackupFile, BackupHeader};
use parapompi::core::credential::CredentialKind;
use parapompi::core::values::BeneficiaryId;
use parapompi::credentials::CredentialError;
use parapompi::{Acting, CommandMeta, DeploymentKeySource, Engine, EngineConfig, EngineError};

fn restored_config() -> EngineConfig {
    EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..EngineConfig::default() }
}

fn header(path: &Path) -> BackupHeader {
    valid(BackupFile::open(path)).manifest.header
}

fn problem<T: std::fmt::Debug>(result: Result<T, EngineError>) -> (String, String) {
    match result {
        Err(EngineError::Backup { part, problem }) => (part, problem),
        other => panic!("{other:?}"),
    }
}

fn jsonl(engine: &Engine, to: u64) -> Vec<u8> {
    let mut out = Vec::new();
    valid(engine.store().export_jsonl(&mut out, 1, to));
    out
}

#[test]
fn a_full_backup_and_its_increments_restore_in_order_and_nothing_else_does() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let key = parapompi::deployment_key_path(s.directory());
    let file = |name: &str| -> PathBuf { dir.path().join(name) };
    let take = |s: &mut Scenario, name: &str, since: Option<&Path>| {
        let meta = s.next_meta(Acting::Staff(w.admin));
        match since {
            Some(earlier) => valid(s.engine().backup_since(&file(name), meta, &header(earlier))),
            None => valid(s.engine().backup(&file(name), meta)),
        }
    };
    let (first, second) = (s.fresh_beneficiary(), s.fresh_beneficiary());
    s.given(vec![by(w.reception, register_beneficiary(first, w.centre, 1))]);
    let full = take(&mut s, "full.backup", None);
    s.given(vec![by(w.reception, register_beneficiary(second, w.centre, 2))]);
    let one = take(&mut s, "one.backup", Some(&file("full.backup")));
    s.given(vec![by(w.supervisor, erase(first))]);
    let two = take(&mut s, "two.backup", Some(&file("one.backup")));

    // Each increment holds the log after its base, and says whose continuation it is.
    let base = one.manifest.header.since.clone().unwrap_or_else(|| panic!("an increment"));
    assert_eq!(
        (base.position, base.head_hash.as_str()),
        (full.manifest.header.head_position, full.manifest.header.head_hash.as_str())
    );
    assert_eq!(one.manifest.parts[0].items, one.manifest.header.head_position - full.manifest.header.head_position);
    // Recorded as an increment.
    match &one.record.events[0].event {
        parapompi::core::Event::Centre(parapompi::core::centre::CentreEvent::BackupTaken {
            since_position, ..
        }) => {
            assert_eq!(*since_position, Some(full.manifest.header.head_position));
        }
        other => panic!("{other:?}"),
    }
    // An increment verifies on its own, and with its base.
    let source = DeploymentKeySource::File(key.clone());
    assert!(valid(valid(BackupFile::open(&file("two.backup"))).verify(dir.path(), &source)));
    let chain = [file("full.backup"), file("one.backup"), file("two.backup")];
    assert!(valid(BackupFile::verify_chain(&chain, dir.path(), &source)));

    // Restored in order: the log up to the last increment's position, byte for byte.
    let target = file("restored");
    let restored = valid(restore(&chain, &target, restored_config(), Some(&key), &[]));
    assert_eq!(restored.head_position, two.manifest.header.head_position);
    // The erasure in the second increment's log is applied.
    assert_eq!(restored.erased, Vec::<String>::new(), "the erasure had finished: nothing of theirs in the vault");
    let copy = valid(Engine::open(&target, restored_config()));
    let position = two.manifest.header.head_position;
    assert_eq!(jsonl(&copy, position), jsonl(s.engine(), position));
    assert!(valid(copy.identity(second)).is_some());
    assert_eq!(valid(copy.identity(first)).map(|e| e.identity), None);
    valid(copy.store().verify());
    drop(copy);

    // Refused, naming the file, with nothing left behind.
    let refused = |files: &[PathBuf], needle: &str| {
        let target = file("refused");
        let (part, text) = problem(restore(files, &target, restored_config(), Some(&key), &[]));
        assert_eq!(part, "chain", "{text}");
        assert!(text.contains(needle), "{needle:?} in {text}");
        assert!(!target.exists());
    };
    refused(&[file("one.backup")], "is an increment");
    refused(&[file("full.backup"), file("two.backup")], "a gap");
    refused(&[file("full.backup"), file("one.backup"), file("one.backup")], "before the end");
    refused(&[file("full.backup"), file("full.backup")], "is a full backup");

    // Another deployment's backup is not a base here; its increment joins no chain of ours.
    let mut other = Scenario::set_up();
    let other_full = dir.path().join("other-full.backup");
    let meta = other.next_meta(Acting::Staff(w.admin));
    valid(other.engine().backup(&other_full, meta));
    let head = s.engine().store().head().position;
    let meta = s.next_meta(Acting::Staff(w.admin));
    let (part, text) = problem(s.engine().backup_since(&file("wrong.backup"), meta, &header(&other_full)));
    assert_eq!(part, "since", "{text}");
    assert!(text.contains("deployment"), "{text}");
    assert!(!file("wrong.backup").exists() && s.engine().store().head().position == head, "nothing written");
    other.given(vec![by(w.reception, register_beneficiary(first, w.centre, 1))]);
    let other_inc = dir.path().join("other-inc.backup");
    let meta = other.next_meta(Acting::Staff(w.admin));
    valid(other.engine().backup_since(&other_inc, meta, &header(&other_full)));
    refused(&[file("full.backup"), other_inc], "another deployment");

    // A base whose hash this log does not hold at its position: refused, nothing written.
    let mut forged = header(&file("full.backup"));
    forged.head_hash = "ab".repeat(32);
    let meta = s.next_meta(Acting::Staff(w.admin));
    let (part, text) = problem(s.engine().backup_since(&file("forged.backup"), meta, &forged));
    assert_eq!(part, "since", "{text}");
    assert!(text.contains("not this log's"), "{text}");
    assert!(!file("forged.backup").exists() && s.engine().store().head().position == head);
}

#[test]
fn an_increment_carries_only_the_entries_added_changed_or_removed_since_its_base() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let key = parapompi::deployment_key_path(s.directory());
    let file = |name: &str| -> PathBuf { dir.path().join(name) };
    for n in 0..20 {
        let beneficiary = s.fresh_beneficiary();
        s.given(vec![by(w.reception, register_beneficiary(beneficiary, w.centre, n))]);
    }
    let erased = s.fresh_beneficiary();
    s.given(vec![by(w.reception, register_beneficiary(erased, w.centre, 20))]);
    let token = valid(cheap_credentials(s.engine()).issue(
        w.social_worker,
        CredentialKind::ApiToken,
        3_600_000,
        s.next_meta(Acting::Staff(w.admin)),
    ));
    let meta = s.next_meta(Acting::Staff(w.admin));
    let full = valid(s.engine().backup(&file("full.backup"), meta)).manifest;

    // After it: two new people, a note, an erasure and a revoked token.
    let (new_people, case_id) = ([s.fresh_beneficiary(), s.fresh_beneficiary()], s.fresh_case());
    let today = s.today();
    s.given(vec![
        by(w.reception, register_beneficiary(new_people[0], w.centre, 21)),
        by(w.reception, register_beneficiary(new_people[1], w.centre, 22)),
        by(w.reception, open_case(case_id, new_people[0], w.centre, today)),
        by(w.social_worker, add_note(case_id, "Σημείωση μετά το πλήρες αντίγραφο")),
        by(w.supervisor, erase(erased)),
    ]);
    valid(cheap_credentials(s.engine()).revoke(
        w.social_worker,
        token.credential_id,
        false,
        s.next_meta(Acting::Staff(w.admin)),
    ));
    let meta = s.next_meta(Acting::Staff(w.admin));
    let inc = valid(s.engine().backup_since(&file("inc.backup"), meta, &header(&file("full.backup")))).manifest;
    let meta = s.next_meta(Acting::Staff(w.admin));
    let full_again = valid(s.engine().backup(&file("full-again.backup"), meta)).manifest;

    // The increment's parts hold the changes only: what a full backup gained, and the removals.
    let part = |m: &parapompi::backup::BackupManifest, name: &str| {
        m.parts.iter().find(|p| p.part == name).cloned().unwrap_or_else(|| panic!("{name}"))
    };
    let since = inc.header.since.clone().unwrap_or_else(|| panic!("an increment"));
    assert_eq!(since.state, full.header.state, "the increment names the state it changes");
    let (vault, keys, credentials) = (part(&inc, "vault"), part(&inc, "keys"), part(&inc, "credentials"));
    // The erased person's vault entry and key, and the revoked token's hash, are removals.
    assert_eq!((keys.items, keys.removed), (2 + 1, 1), "two new people's keys, the erased person's removed");
    assert_eq!((credentials.items, credentials.removed), (1, 1), "the revoked token's hash removed");
    let vault_gained = part(&full_again, "vault").items + vault.removed - part(&full, "vault").items;
    assert!(vault.removed >= 1, "{vault:?}");
    assert_eq!(vault.items - vault.removed, vault_gained, "{vault:?}");
    assert!(vault.items < part(&full_again, "vault").items / 3, "{vault:?}");
    assert!(vault.bytes * 3 < part(&full_again, "vault").bytes, "{vault:?}");
    assert_eq!(full_again.parts.iter().map(|p| p.removed).sum::<u64>(), 0, "a full backup removes nothing");

    // Restored, the chain ends with the original's state at the increment's position: the
    // erased person's key and entries are gone (nothing was left for the restore to erase
    // again), the revoked token's hash too, the new people are there.
    let chain = [file("full.backup"), file("inc.backup")];
    let target = file("restored");
    let restored = valid(restore(&chain, &target, restored_config(), Some(&key), &[]));
    assert_eq!(restored.erased, Vec::<String>::new(), "the increment removed the erased person's data itself");
    let copy = valid(Engine::open(&target, restored_config()));
    assert_eq!(valid(copy.identity(erased)), None);
    for person in new_people {
        assert!(valid(copy.identity(person)).is_some());
    }
    let now = s.next_meta(Acting::Staff(w.admin)).occurred_at;
    let refused = cheap_credentials(&copy).check(token.secret.expose(), &[CredentialKind::ApiToken], now);
    assert!(
        matches!(&refused, Err(CredentialError::Unauthenticated(why)) if why == "no such credential"),
        "{refused:?}"
    );
    drop(copy);
    // The erased person's key is absent from the restored person-key file: a directory
    // restored from the full backup alone (which holds her entry) cannot open her with it.
    let old = file("full-only");
    valid(restore(&chain[..1], &old, restored_config(), Some(&key), &[]));
    assert!(valid(valid(Engine::open(&old, restored_config())).identity(erased)).is_some());
    valid(std::fs::copy(parapompi::person_keys_path(&target), parapompi::person_keys_path(&old)));
    let error = valid(Engine::open(&old, restored_config())).identity(erased).err().map(|e| e.to_string());
    assert!(error.as_deref().is_some_and(|e| e.contains("key of") && e.contains("is missing")), "{error:?}");
    assert!(valid(BackupFile::verify_chain(&chain, dir.path(), &DeploymentKeySource::File(key.clone()))));

    // A damaged increment is refused naming the part, and so is one whose parts are reordered.
    assert_each_damaged_part_is_named(&file("inc.backup"), &inc);
    let bytes = valid(std::fs::read(file("inc.backup")));
    let blocks = backup_part_blocks(&bytes, &inc);
    let reordered = file("reordered.backup");
    let (vault_block, credentials_block) = (blocks[1].clone(), blocks[2].clone());
    let swapped = [
        &bytes[..vault_block.start],
        &bytes[credentials_block.clone()],
        &bytes[vault_block],
        &bytes[credentials_block.end..],
    ]
    .concat();
    valid(std::fs::write(&reordered, swapped));
    let (part, text) = backup_problem(&reordered);
    assert_eq!(part, "vault", "{text}");
    assert!(text.contains("found part \"credentials\""), "{text}");
    let (part, text) =
        problem(restore(&[file("full.backup"), reordered], &file("refused"), restored_config(), Some(&key), &[]));
    assert_eq!(part, "vault", "{text}");
    assert!(!file("refused").exists());
}

/// The format-2 backups of `tests/data/backup-v2` (made by the engine before format 3 with
/// `make_v2_fixture.rs.txt`): a full backup, then an increment after a registration and an
/// erasure, its parts whole.
fn v2_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/backup-v2").join(name)
}

#[test]
fn format_two_backups_still_restore_and_an_increment_of_them_carries_its_parts_whole() {
    let dir = valid(tempfile::tempdir());
    let key = v2_fixture("deployment.key");
    let people = valid(std::fs::read_to_string(v2_fixture("people.txt")));
    let [kept, erased, later] = [0, 1, 2].map(|n| {
        let id = people.lines().nth(n).and_then(|l| l.strip_prefix("beneficiary-")).unwrap_or_default();
        BeneficiaryId::new(valid(uuid::Uuid::parse_str(id)))
    });
    let v2 = [v2_fixture("full.backup"), v2_fixture("inc.backup")];
    assert_eq!(header(&v2[1]).format_version, 2);
    let target = dir.path().join("restored");
    let restored = valid(restore(&v2, &target, restored_config(), Some(&key), &[]));
    assert_eq!(restored.head_position, header(&v2[1]).head_position);
    let engine = valid(Engine::open(&target, restored_config()));
    assert!(valid(engine.identity(kept)).is_some() && valid(engine.identity(later)).is_some());
    assert_eq!(valid(engine.identity(erased)), None);

    // The restored directory kept no index of the format-2 backup: an increment of it
    // carries its parts whole, and names no state; the next one, only the changes.
    let admin = World::new().admin;
    let meta = |n: u128| CommandMeta {
        command_id: uuid::Uuid::from_u128(0xbac0 + n),
        acting: Acting::Staff(admin),
        occurred_at: parapompi::core::values::Timestamp::from_unix_ms(
            1_700_000_000_000 + i64::try_from(n).unwrap_or(0),
        ),
        business_date: parapompi::projections::athens_date(parapompi::core::values::Timestamp::from_unix_ms(
            1_700_000_000_000,
        )),
    };
    let whole = dir.path().join("whole.backup");
    let taken = valid(engine.backup_since(&whole, meta(1), &header(&v2[1]))).manifest;
    assert_eq!(taken.header.since.as_ref().map(|b| b.state.clone()), Some(None));
    assert!(taken.parts.iter().all(|p| p.removed == 0) && taken.parts[3].items >= 2, "{:?}", taken.parts);
    let changes = dir.path().join("changes.backup");
    let next = valid(engine.backup_since(&changes, meta(2), &header(&whole))).manifest;
    assert_eq!(next.header.since.as_ref().and_then(|b| b.state.clone()), taken.header.state);
    assert_eq!(next.parts[3].items, 0, "no key changed: {:?}", next.parts);
    drop(engine);
    let chain = [v2[0].clone(), v2[1].clone(), whole, changes];
    let again = dir.path().join("again");
    valid(restore(&chain, &again, restored_config(), Some(&key), &[]));
    let engine = valid(Engine::open(&again, restored_config()));
    assert_eq!(engine.store().head().position, next.header.head_position);
    assert!(valid(engine.identity(kept)).is_some());
    assert_eq!(valid(engine.identity(erased)), None);
}

#[test]
fn an_increment_after_a_rotation_of_the_deployment_key_carries_its_parts_whole_and_restores_under_the_new_key() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let key = parapompi::deployment_key_path(s.directory());
    let person = s.fresh_beneficiary();
    s.given(vec![by(w.reception, register_beneficiary(person, w.centre, 1))]);
    let full = dir.path().join("full.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    valid(s.engine().backup(&full, meta));
    let config = s.config.clone();
    s.restart_after(|data| {
        valid(Engine::rotate_deployment_key(data, config, &parapompi::NewDeploymentKey::InDataDir));
    });
    // The index kept for the full backup is under the old key: the increment is whole.
    let inc = dir.path().join("inc.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    let taken = valid(s.engine().backup_since(&inc, meta, &header(&full))).manifest;
    assert_eq!(taken.header.since.as_ref().map(|b| b.state.clone()), Some(None), "{:?}", taken.header);
    assert!(taken.parts[3].items >= 2 && taken.parts.iter().all(|p| p.removed == 0), "{:?}", taken.parts);
    // Restored under the new key from the increment's whole parts.
    let target = dir.path().join("restored");
    valid(restore(&[full, inc], &target, restored_config(), Some(&key), &[]));
    let copy = valid(Engine::open(&target, restored_config()));
    assert!(valid(copy.identity(person)).is_some());
}
