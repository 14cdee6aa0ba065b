//! Backups taken while writers append, restored on a new data directory: exactly the log up
//! to the backup's position and what it left beside it, the same reports and look-ups, every
//! damaged part refused by name, erasures that hold, and nothing half-restored.

mod common;

use std::path::PathBuf;

use common::*;
use parapompi::backup::{restore, BackupFile};
use parapompi::core::values::{BeneficiaryId, CaseId};
use parapompi::projections::IndicatorQuery;
use parapompi::{Acting, AsOf, CommandMeta, DeploymentKeySource, Engine, EngineConfig, EngineError};

const WRITERS: u32 = 16;
const ACTS_PER_WRITER: u32 = 6;

fn key_file(s: &Scenario) -> PathBuf {
    parapompi::deployment_key_path(s.directory())
}

fn restored_config() -> EngineConfig {
    EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..EngineConfig::default() }
}

fn jsonl(engine: &Engine, to: u64) -> Vec<u8> {
    let mut out = Vec::new();
    if to > 0 {
        valid(engine.store().export_jsonl(&mut out, 1, to));
    }
    out
}

/// One writer's acts: a person registered, their case opened, a note; each acknowledged
/// act's last position.
fn write(engine: &Engine, w: &World, writer: u32, today: parapompi::core::values::Date) -> Vec<(u64, BeneficiaryId)> {
    let mut acknowledged = Vec::new();
    for i in 0..ACTS_PER_WRITER {
        let n = 100 + writer * 50 + i;
        let beneficiary = BeneficiaryId::new(uuid::Uuid::now_v7());
        let case_id = CaseId::new(uuid::Uuid::now_v7());
        for command in [
            register_beneficiary(beneficiary, w.centre, n),
            open_case(case_id, beneficiary, w.centre, today),
            add_note(case_id, "Ήρθε για πρώτη φορά."),
        ] {
            let meta = CommandMeta {
                command_id: uuid::Uuid::now_v7(),
                acting: Acting::Staff(w.reception),
                occurred_at: parapompi::core::values::Timestamp::from_unix_ms(START_UNIX_MS),
                business_date: today,
            };
            let executed = valid(engine.execute(&command, meta));
            let last = executed.events.last().map_or(0, |r| r.position);
            acknowledged.push((last, beneficiary));
        }
    }
    acknowledged
}

#[test]
fn a_backup_taken_while_sixteen_writers_append_restores_exactly_its_position() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let today = s.today();
    let dir = valid(tempfile::tempdir());
    let backup_file = dir.path().join("centre.backup");
    let backup_meta = s.next_meta(Acting::Staff(w.admin));
    let engine = s.engine().clone();
    let (acknowledged, manifest) = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|writer| {
                let engine = engine.clone();
                scope.spawn(move || write(&engine, &w, writer, today))
            })
            .collect();
        // The backup, taken while they write (after some of them have).
        while engine.store().head().position < 60 {
            std::thread::yield_now();
        }
        let manifest = valid(engine.backup(&backup_file, backup_meta)).manifest;
        let acknowledged: Vec<(u64, BeneficiaryId)> =
            writers.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| panic!("a writer panicked"))).collect();
        (acknowledged, manifest)
    });
    let position = manifest.header.head_position;
    assert!(position > 0 && position < engine.store().head().position, "taken while writers wrote: {position}");

    let target = dir.path().join("restored");
    let restored =
        valid(restore(std::slice::from_ref(&backup_file), &target, restored_config(), Some(&key_file(&s)), &[]));
    assert_eq!((restored.head_position, restored.head_hash.clone()), (position, manifest.header.head_hash.clone()));
    let copy = valid(Engine::open(&target, restored_config()));
    // Exactly the log up to the backup's position: every acknowledged append before it, byte
    // for byte, and nothing after it.
    assert_eq!(copy.store().head().position, position);
    assert_eq!(jsonl(&copy, position), jsonl(&engine, position));
    valid(copy.store().verify());
    for (at, beneficiary) in &acknowledged {
        if *at <= position {
            // The person's identity came along with the log that names them.
            let original = valid(engine.identity(*beneficiary)).map(|e| e.identity);
            assert!(original.is_some());
            assert_eq!(valid(copy.identity(*beneficiary)).map(|e| e.identity), original, "{beneficiary:?}");
        }
    }
    // The same reports and look-ups as the original as it stood at that position.
    let query = IndicatorQuery { programme: None, centre: Some(w.centre), from: s.in_days(-400), to: s.in_days(400) };
    let then = valid(engine.indicators_as_of(&query, AsOf::Position(position)));
    assert_eq!(valid(copy.indicators(&query)).to_json(), then.to_json());
    // The AMKA index is rebuilt: a person of the backup is found by their AMKA.
    let (_, sample) =
        acknowledged.iter().find(|(at, _)| *at <= position).copied().unwrap_or_else(|| panic!("none before"));
    let sample_amka = valid(engine.identity(sample)).map(|e| e.identity.amka().clone()).unwrap_or_else(|| amka(0));
    let meta = CommandMeta {
        command_id: uuid::Uuid::now_v7(),
        acting: Acting::Staff(w.reception),
        occurred_at: parapompi::core::values::Timestamp::from_unix_ms(START_UNIX_MS),
        business_date: today,
    };
    let found = valid(copy.find_beneficiaries(&parapompi::BeneficiarySearch::Amka(sample_amka), meta));
    assert_eq!(found.people.iter().map(|p| p.beneficiary_id).collect::<Vec<_>>(), vec![sample]);
    drop(copy);
    drop(s);
}

#[test]
fn every_damaged_part_is_refused_by_name_and_a_cut_or_foreign_file_too() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let beneficiary = s.fresh_beneficiary();
    s.given(vec![by(w.reception, register_beneficiary(beneficiary, w.centre, 1))]);
    let dir = valid(tempfile::tempdir());
    let file = dir.path().join("b.backup");
    let meta = s.next_meta(Acting::Staff(w.admin));
    let manifest = valid(s.engine().backup(&file, meta)).manifest;
    let opened = valid(BackupFile::open(&file));
    assert_eq!(opened.manifest, manifest);
    assert!(valid(opened.verify(dir.path(), &DeploymentKeySource::File(key_file(&s)))));
    assert_each_damaged_part_is_named(&file, &manifest);
    let bytes = valid(std::fs::read(&file));
    let header_end = bytes.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
    // The header, the trailer, a cut, another file.
    assert_eq!(backup_problem(&damaged_backup(&file, 3)).0, "header");
    assert_eq!(backup_problem(&damaged_backup(&file, bytes.len() - 5)).0, "trailer");
    let cut = dir.path().join("cut.backup");
    valid(std::fs::write(&cut, &bytes[..bytes.len() / 2]));
    assert!(BackupFile::open(&cut).is_err());
    let foreign = dir.path().join("foreign");
    valid(std::fs::write(&foreign, b"{\"format\":\"something-else\"}\n"));
    assert_eq!(backup_problem(&foreign).0, "header");
    // A newer format is refused naming what it needs.
    let text = String::from_utf8_lossy(&bytes).replacen("\"format_version\":3", "\"format_version\":4", 1);
    let newer = dir.path().join("newer.backup");
    valid(std::fs::write(&newer, text.as_bytes()));
    let (part, problem) = backup_problem(&newer);
    assert_eq!(part, "header");
    assert!(problem.contains("version 4") && problem.contains("reads versions 1 to 3"), "{problem}");
    // And a damaged backup restores nothing.
    let target = dir.path().join("restored");
    assert!(restore(&[damaged_backup(&file, header_end + 40)], &target, restored_config(), Some(&key_file(&s)), &[])
        .is_err());
    assert!(!target.exists());
}

#[test]
fn a_restore_refuses_a_directory_in_use_and_leaves_nothing_when_it_fails() {
    let mut s = Scenario::set_up();
    let dir = valid(tempfile::tempdir());
    let file = dir.path().join("b.backup");
    let meta = s.next_meta(Acting::Staff(s.world.admin));
    valid(s.engine().backup(&file, meta));
    let occupied = dir.path().join("occupied");
    valid(std::fs::create_dir_all(&occupied));
    valid(std::fs::write(occupied.join("something"), b"x"));
    let refused = restore(std::slice::from_ref(&file), &occupied, restored_config(), Some(&key_file(&s)), &[]);
    assert!(matches!(refused, Err(EngineError::Backup { ref part, .. }) if part == "file"), "{refused:?}");
    assert!(occupied.join("something").exists());
    // Another deployment key: the sealed parts do not open; nothing is left behind.
    let other = Scenario::new();
    let wrong_key = key_file(&other);
    let target = dir.path().join("new");
    let failed = restore(std::slice::from_ref(&file), &target, restored_config(), Some(&wrong_key), &[]);
    assert!(matches!(failed, Err(EngineError::Backup { ref part, .. }) if part == "credentials"), "{failed:?}");
    assert!(!target.exists());
    let leftovers: Vec<_> = valid(std::fs::read_dir(dir.path())).flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|name| !name.to_string_lossy().contains("restoring")), "{leftovers:?}");
    // An empty directory is taken.
    let empty = dir.path().join("empty");
    valid(std::fs::create_dir_all(&empty));
    valid(restore(std::slice::from_ref(&file), &empty, restored_config(), Some(&key_file(&s)), &[]));
    assert!(valid(Engine::open(&empty, restored_config())).store().head().position > 0);
}

#[test]
fn a_person_erased_after_the_backup_stays_erased_after_its_restore() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let (kept, erased_later) = (s.fresh_beneficiary(), s.fresh_beneficiary());
    let erased_before = s.fresh_beneficiary();
    s.given(vec![
        by(w.reception, register_beneficiary(kept, w.centre, 1)),
        by(w.reception, register_beneficiary(erased_later, w.centre, 2)),
        by(w.reception, register_beneficiary(erased_before, w.centre, 3)),
        by(w.supervisor, erase(erased_before)),
    ]);
    let dir = valid(tempfile::tempdir());
    let file = dir.path().join("b.backup");
    let meta = s.next_meta(Acting::Staff(s.world.admin));
    valid(s.engine().backup(&file, meta));
    let registered_later = s.fresh_beneficiary();
    s.given(vec![
        by(w.supervisor, erase(erased_later)),
        by(w.reception, register_beneficiary(registered_later, w.centre, 4)),
        by(w.supervisor, erase(registered_later)),
    ]);
    // The list of later erasures removes their data again and records each erasure in the
    // restored log, by the supervisor it names; one the backup does not hold is reported, one
    // the backup's log erased already is said so.
    let later = |beneficiary_id: BeneficiaryId, s: &mut Scenario| parapompi::backup::LaterErasure {
        beneficiary_id,
        meta: s.next_meta(Acting::Staff(w.supervisor)),
    };
    let list = [later(erased_later, &mut s), later(registered_later, &mut s), later(erased_before, &mut s)];
    let position = valid(BackupFile::open(&file)).manifest.header.head_position;
    // An erasure core refuses (reception may not erase) fails the restore, naming the person.
    let refused_target = dir.path().join("refused");
    let by_reception = [parapompi::backup::LaterErasure {
        beneficiary_id: erased_later,
        meta: s.next_meta(Acting::Staff(w.reception)),
    }];
    match restore(std::slice::from_ref(&file), &refused_target, restored_config(), Some(&key_file(&s)), &by_reception) {
        Err(EngineError::Backup { part, problem }) => {
            assert_eq!(part, "erasures", "{problem}");
            assert!(problem.contains(&erased_later.stream_id()) && problem.contains("supervisor"), "{problem}");
        }
        other => panic!("{other:?}"),
    }
    assert!(!refused_target.exists());
    let target = dir.path().join("restored");
    let restored = valid(restore(std::slice::from_ref(&file), &target, restored_config(), Some(&key_file(&s)), &list));
    assert_eq!(restored.erased, vec![erased_later.stream_id()]);
    assert_eq!(restored.recorded_erasures, vec![erased_later.stream_id()]);
    assert_eq!(restored.not_in_backup, vec![registered_later.stream_id()]);
    assert_eq!(restored.erased_already, vec![erased_before.stream_id()]);
    let copy = valid(Engine::open(&target, restored_config()));
    assert!(valid(copy.identity(kept)).is_some());
    assert_eq!(valid(copy.identity(erased_later)).map(|e| e.identity), None);
    assert_eq!(valid(copy.identity(erased_before)).map(|e| e.identity), None);
    // The restored log says so itself: the backup's log, then the erasure, by the supervisor.
    assert_eq!(copy.store().head().position, position + 1);
    let record = valid(copy.store().iter_from(position + 1).next().unwrap_or_else(|| panic!("no record")));
    assert_eq!(
        (record.event_type.as_str(), record.stream_id.as_str(), record.actor.as_str()),
        ("IdentityErased", erased_later.stream_id().as_str(), w.supervisor.stream_id().as_str())
    );
    valid(copy.store().verify());
    // And no byte of the later-erased person's identity is left readable in the new directory.
    let held = identity(2);
    let family = held.family_name().as_str().to_owned();
    drop(copy);
    for path in files_under(&target) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        assert!(!bytes.windows(family.len()).any(|w| w == family.as_bytes()), "{} holds the name", path.display());
    }
}

#[test]
fn only_an_administrator_of_the_first_centre_takes_a_backup_and_the_log_records_who_did() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let dir = valid(tempfile::tempdir());
    let file = dir.path().join("b.backup");
    // Refused: another centre's administrator (the backup holds every centre's data), a
    // member who is no administrator, an evaluator. Nothing is written, the log stays put.
    let head = s.engine().store().head().position;
    for (acting, rule) in [
        (Acting::Staff(w.other_admin), "NotDeploymentCentre"),
        (Acting::Staff(w.reception), "RoleNotPermitted"),
        (Acting::Evaluator, "EvaluatorCannotWrite"),
    ] {
        let meta = s.next_meta(acting);
        match s.engine().backup(&file, meta) {
            Err(EngineError::Rejected(rejection)) => assert_eq!(rejection.name(), rule, "{acting:?}: {rejection}"),
            other => panic!("{acting:?}: {other:?}"),
        }
        assert!(!file.exists() && !dir.path().join("b.backup.partial").exists(), "{acting:?}");
        assert_eq!(s.engine().store().head().position, head, "{acting:?}: nothing recorded");
    }
    // Taken by the first centre's administrator: recorded in their centre's stream, after
    // the position it holds up to, naming that position and its hash.
    let meta = s.next_meta(Acting::Staff(w.admin));
    let taken = valid(s.engine().backup(&file, meta));
    assert_eq!(taken.manifest.header.head_position, head);
    let records = &taken.record.events;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(record.position, head + 1);
    assert_eq!(record.stream_id, w.centre.stream_id());
    match &record.event {
        parapompi::core::Event::Centre(parapompi::core::centre::CentreEvent::BackupTaken {
            position,
            head_hash,
            ..
        }) => {
            assert_eq!((*position, head_hash.as_str()), (head, taken.manifest.header.head_hash.as_str()));
        }
        other => panic!("{other:?}"),
    }
    // The administrator's audit trail shows it.
    let trail = valid(s.engine().audit(&parapompi::projections::AuditSubject::Staff(w.admin)));
    let last = trail.entries.last().unwrap_or_else(|| panic!("an empty trail"));
    assert_eq!((last.position, last.event_type), (head + 1, "BackupTaken"));
    assert!(last.description.contains(&format!("up to position {head}")), "{}", last.description);
}
