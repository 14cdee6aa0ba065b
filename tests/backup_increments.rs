//! Incremental backups: an increment holds the log after an earlier backup's position, it is
//! refused when that backup is not of this log, and a full backup with its increments
//! restores the log up to the last one's position; a gap, a wrong order or another
//! deployment's increment is refused naming the file.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use parapompi::backup::{restore, BackupFile, BackupHeader};
use parapompi::{Acting, DeploymentKeySource, Engine, EngineConfig, EngineError};

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
