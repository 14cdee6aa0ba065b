//! Export to JSON Lines, import, and the detection of damage: in a stored record, and in an
//! export file (a flipped byte, a cut, two lines swapped). FORMAT.md is checked by a second,
//! independent implementation of the chain rule: scripts/verify_log.py.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use parapompi_store::*;

/// A store holding a few streams with Greek payloads, and its export.
fn exported_store() -> (TestStore, Vec<u8>) {
    let t = TestStore::new();
    for i in 0..6 {
        let s = stream(&format!("case-{i}"));
        t.store().append(append(&s, ExpectedVersion::NoStream, &["άνοιγμα", "αξιολόγηση"])).unwrap();
        t.clock.advance_ms(1_000);
        t.store().append(append(&s, ExpectedVersion::Exact(2), &["παραπομπή"])).unwrap();
    }
    let mut out = Vec::new();
    let exported = t.store().export_jsonl(&mut out, 1, u64::MAX).unwrap();
    assert_eq!(exported.n_events, 18);
    assert_eq!(exported.last_hash, t.store().head().hash);
    (t, out)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn import_error(bytes: &[u8]) -> (StoreError, TestStore) {
    let target = TestStore::new();
    let path = write(target.dir.path(), "import.jsonl", bytes);
    let error = target.store().import_jsonl(&path).unwrap_err();
    assert_eq!(target.store().head().position, 0, "a failed import leaves the store empty");
    assert_eq!(target.store().verify().unwrap().n_appends, 0, "and leaves no index entry behind");
    (error, target)
}

fn lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8(bytes.to_vec()).unwrap().lines().map(|l| format!("{l}\n")).collect()
}

#[test]
fn an_export_imports_into_an_empty_store_as_the_same_log() {
    let (source, bytes) = exported_store();
    let target = TestStore::new();
    let path = write(target.dir.path(), "export.jsonl", &bytes);
    let imported = target.store().import_jsonl(&path).unwrap();
    assert_eq!(imported.n_events, 18);
    assert_eq!(target.store().head(), source.store().head());
    let original: Vec<RecordedEvent> = source.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    let copy: Vec<RecordedEvent> = target.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(copy, original);
    assert_eq!(target.store().verify().unwrap().n_appends, 12);
    // The imported indexes work: stream reads, versions and command ids.
    let s = stream("case-3");
    assert_eq!(target.store().stream_version(&s).unwrap(), 3);
    let again = Append {
        stream_id: s.clone(),
        expected: ExpectedVersion::NoStream,
        command_id: original[9].command_id,
        events: vec![event("x")],
        durability: Durability::Durable,
    };
    assert!(target.store().append(again).unwrap().deduplicated);
}

#[test]
fn a_range_export_continues_a_store_that_holds_the_part_before_it() {
    let (source, _) = exported_store();
    // Positions 1-3 hold case-0's two appends, 4-6 case-1's: 7 starts an append.
    let mut first_part = Vec::new();
    source.store().export_jsonl(&mut first_part, 1, 6).unwrap();
    let mut second_part = Vec::new();
    source.store().export_jsonl(&mut second_part, 7, u64::MAX).unwrap();

    let target = TestStore::new();
    let error = target.store().import_jsonl(write(target.dir.path(), "b.jsonl", &second_part)).unwrap_err();
    assert!(matches!(error, StoreError::Import { line: 1, .. }), "{error}");
    target.store().import_jsonl(write(target.dir.path(), "a.jsonl", &first_part)).unwrap();
    target.store().import_jsonl(write(target.dir.path(), "b.jsonl", &second_part)).unwrap();
    assert_eq!(target.store().head(), source.store().head());
    target.store().verify().unwrap();
}

#[test]
fn a_range_that_starts_inside_an_append_is_refused_with_the_reason() {
    let (source, _) = exported_store();
    let mut first_part = Vec::new();
    source.store().export_jsonl(&mut first_part, 1, 7).unwrap();
    let mut second_part = Vec::new();
    source.store().export_jsonl(&mut second_part, 8, u64::MAX).unwrap();
    let target = TestStore::new();
    target.store().import_jsonl(write(target.dir.path(), "a.jsonl", &first_part)).unwrap();
    let error = target.store().import_jsonl(write(target.dir.path(), "b.jsonl", &second_part)).unwrap_err();
    assert!(
        matches!(&error, StoreError::Import { line: 1, problem } if problem.contains("inside the append")),
        "{error}"
    );
    assert_eq!(target.store().head().position, 7);
}

#[test]
fn a_flipped_byte_in_an_export_is_found_at_its_line() {
    let (_, bytes) = exported_store();
    let mut tampered = lines(&bytes);
    tampered[4] = tampered[4].replace("παραπομπή", "παραπομπἠ").replace("αξιολόγηση", "αξιολογηση");
    assert_ne!(tampered[4], lines(&bytes)[4]);
    let (error, _) = import_error(tampered.concat().as_bytes());
    assert!(matches!(&error, StoreError::Import { line: 5, problem } if problem.contains("hash mismatch")), "{error}");
}

#[test]
fn a_cut_export_is_found_at_its_last_line() {
    let (_, bytes) = exported_store();
    let cut = &bytes[..bytes.len() - 40];
    let (error, _) = import_error(cut);
    assert!(matches!(error, StoreError::Import { line: 18, .. }), "{error}");
}

#[test]
fn swapped_lines_in_an_export_are_found_where_the_order_breaks() {
    let (_, bytes) = exported_store();
    let mut swapped = lines(&bytes);
    swapped.swap(9, 10);
    let (error, _) = import_error(swapped.concat().as_bytes());
    assert!(matches!(&error, StoreError::Import { line: 10, problem } if problem.contains("gap")), "{error}");
}

#[test]
fn a_record_that_is_not_a_record_is_refused_by_name() {
    let (_, bytes) = exported_store();
    let mut broken = lines(&bytes);
    broken[2] = "{\"position\": 3}\n".to_owned();
    let (error, _) = import_error(broken.concat().as_bytes());
    assert!(matches!(&error, StoreError::Import { line: 3, problem } if problem.contains("missing field")), "{error}");
}

#[test]
fn a_flipped_byte_in_a_stored_record_is_found_at_its_position() {
    let (mut t, _) = exported_store();
    let dir = t.dir.path().to_path_buf();
    drop(t.store.take());
    {
        // Tamper with the log as someone with the files could: through sled itself.
        let segment_bytes = StoreConfig::default().segment_bytes;
        let db = open_raw_sled(&dir.join("sled"), segment_bytes);
        let tree = db.open_tree("log").unwrap();
        let (key, value) = tree.scan_prefix(b"L").next().unwrap().unwrap();
        let mut bytes = value.to_vec();
        let at = bytes.windows("αξιολόγηση".len()).position(|w| w == "αξιολόγηση".as_bytes()).unwrap();
        bytes[at + 1] ^= 0x01;
        tree.insert(key, bytes).unwrap();
        db.flush().unwrap();
    }
    t.store = Some(Store::open(&dir, config(&t.clock)).unwrap());
    let error = t.store().verify().unwrap_err();
    assert!(
        matches!(&error, StoreError::Corruption { at: 2, problem: Problem::HashMismatch { .. } }),
        "the second record carries the first 'αξιολόγηση': {error}"
    );
}

fn python_verify(path: &Path) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/verify_log.py");
    let output = Command::new("python3").arg(script).arg(path).output().expect("python3 runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn an_independent_python_checker_agrees_with_the_store_on_good_and_bad_exports() {
    let (t, bytes) = exported_store();
    let good = write(t.dir.path(), "good.jsonl", &bytes);
    let (ok, said) = python_verify(&good);
    assert!(ok, "{said}");
    assert_eq!(said.trim(), format!("ok: 18 records, head 18 {}", t.store().head().hash));

    let mut tampered = lines(&bytes);
    tampered[6] = tampered[6].replace("staff-test", "staff-tEst");
    let (ok, said) = python_verify(&write(t.dir.path(), "bad.jsonl", tampered.concat().as_bytes()));
    assert!(!ok);
    assert!(said.contains("bad.jsonl, line 7: hash mismatch"), "{said}");

    let mut swapped = lines(&bytes);
    swapped.swap(3, 4);
    let (ok, said) = python_verify(&write(t.dir.path(), "swapped.jsonl", swapped.concat().as_bytes()));
    assert!(!ok);
    assert!(said.contains("swapped.jsonl, line 4: position gap"), "{said}");

    let (ok, said) = python_verify(&write(t.dir.path(), "cut.jsonl", &bytes[..bytes.len() - 3]));
    assert!(!ok);
    assert!(said.contains("cut.jsonl, line 18:"), "{said}");
}
