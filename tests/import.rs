//! An import cannot break a store: a file whose chain is whole but which holds a record the
//! Engine cannot decode (an unknown type, a schema version from a newer engine, a payload
//! of the wrong shape) is refused whole, naming the record, and the store stays as it was.

mod common;

use common::*;
use parapompi::store::{canonical_bytes, chain_hash, EventType, ExportLine, Hash, Payload, RecordedEvent};
use parapompi::{Engine, EngineConfig, EngineError};

/// A change a forger makes to one record before resealing the chain.
type Forgery = fn(&mut RecordedEvent);

/// The records of a JSON Lines export.
fn records(export: &[u8]) -> Vec<RecordedEvent> {
    let text = valid(String::from_utf8(export.to_vec()));
    text.lines().map(|line| valid(ExportLine::parse(line))).collect()
}

/// The export of `records` with every hash recomputed from `prev` on, as a forger would
/// write it.
fn resealed(mut records: Vec<RecordedEvent>, mut prev: Hash) -> String {
    let mut out = String::new();
    for record in &mut records {
        record.prev_hash = prev;
        record.hash = chain_hash(&prev, &canonical_bytes(record));
        prev = record.hash;
        out.push_str(&valid(serde_json::to_string(&ExportLine::of(record))));
        out.push('\n');
    }
    out
}

#[test]
fn a_record_the_engine_cannot_decode_refuses_the_whole_import_and_changes_nothing() {
    let mut s = Scenario::set_up();
    let w = s.world;
    s.given(vec![by(w.reception, register_beneficiary(w.maria, w.centre, 0))]);
    let mut source = Vec::new();
    valid(s.engine().store().export_jsonl(&mut source, 1, u64::MAX));
    let good = records(&source);
    let n = good.len();
    assert!(n > 10);

    // The store that imports already holds data of its own, which must stay reachable.
    let target_dir = tempfile::tempdir().expect("a directory");
    let target = valid(Engine::open(target_dir.path(), EngineConfig::default()));
    let half = s.directory().join("half.jsonl");
    let half_text: String = String::from_utf8_lossy(&source).lines().take(5).map(|l| format!("{l}\n")).collect();
    valid(std::fs::write(&half, &half_text));
    valid(target.import_jsonl(&half));
    let mut before = Vec::new();
    valid(target.store().export_jsonl(&mut before, 1, u64::MAX));

    let forgeries: [(&str, Forgery, &str); 3] = [
        ("unknown type", |r| r.event_type = valid(EventType::new("ReferralTeleported")), "unknown event type"),
        ("newer schema", |r| r.schema_version = 7, "a newer engine wrote it"),
        ("wrong shape", |r| r.payload = valid(Payload::from_json(r#"{"unexpected":true}"#)), "does not decode"),
    ];
    for (what, forge, needle) in forgeries {
        let mut forged = good.clone();
        let at = n - 3;
        forge(&mut forged[at]);
        let path = s.directory().join(format!("{}.jsonl", what.replace(' ', "-")));
        valid(std::fs::write(&path, resealed(forged.clone(), Hash::GENESIS)));
        // The chain itself holds: only decoding finds the problem.
        let check = valid(Engine::open_temporary(EngineConfig::default()));
        let error = match check.import_jsonl(&path) {
            Err(error) => error.to_string(),
            Ok(imported) => panic!("{what}: imported {} events", imported.n_events),
        };
        let position = good[at].position;
        assert!(error.contains(&format!("position {position}")) && error.contains(needle), "{what}: {error}");
        assert_eq!(check.store().head().position, 0, "{what}: nothing written");

        // A store holding data, given the forged rest of the log: refused the same way, for
        // the same record, and left byte-identical and usable.
        let rest = s.directory().join(format!("{}-rest.jsonl", what.replace(' ', "-")));
        valid(std::fs::write(&rest, resealed(forged[5..].to_vec(), good[4].hash)));
        let result = target.import_jsonl(&rest);
        let error = match &result {
            Err(error @ EngineError::Store(_)) => error.to_string(),
            other => panic!("{what}: {other:?}"),
        };
        assert!(error.contains(&format!("position {position}")) && error.contains(needle), "{what}: {error}");
        let mut after = Vec::new();
        valid(target.store().export_jsonl(&mut after, 1, u64::MAX));
        assert_eq!(after, before, "{what}: the store is as it was");
        valid(target.store().verify());
        valid(target.rebuild());
    }
}

#[test]
fn a_bundle_from_a_newer_engine_is_refused_with_the_version_it_needs() {
    let s = Scenario::set_up();
    let bundle = s.directory().join("log.bundle");
    let mut file = valid(std::fs::File::create(&bundle));
    valid(parapompi::bundle::export_bundle(
        s.engine().store(),
        &mut file,
        1,
        parapompi::store::Timestamp::from_unix_ms(1_700_000_000_000),
    ));
    drop(file);
    let bytes = valid(std::fs::read(&bundle));
    let split = bytes.iter().position(|b| *b == b'\n').expect("a manifest line") + 1;
    let mut manifest: serde_json::Value = valid(serde_json::from_slice(&bytes[..split]));
    manifest["format_version"] = 3.into();
    manifest["engine_version"] = "9.1.0".into();
    manifest["a_field_of_the_future"] = true.into();
    let mut newer = format!("{manifest}\n").into_bytes();
    newer.extend_from_slice(&bytes[split..]);
    valid(std::fs::write(&bundle, newer));
    let error = parapompi::bundle::verify_bundles(std::slice::from_ref(&bundle)).expect_err("refused").to_string();
    assert!(
        error.contains("bundle format version 3, written by Parapompi 9.1.0") && error.contains("9.1.0 or later"),
        "{error}"
    );
}
