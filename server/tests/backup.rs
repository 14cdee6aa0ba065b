//! A backup through the running server while sixteen clients write over HTTP: restored, it
//! holds every acknowledged write up to its position and nothing after, its log byte for
//! byte the original's, the same reports and case files. A real server on 127.0.0.1 (port
//! 0), a watchdog, and the server shut down on every path (the harness's `Drop`).

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use parapompi::backup::restore;
use parapompi::core::values::CaseId;
use parapompi::projections::IndicatorQuery;
use parapompi::{AsOf, DeploymentKeySource, Engine, EngineConfig};
use parapompi_server::Limits;
use support::*;

const WRITERS: u32 = 16;
const NOTES_EACH: usize = 6;

fn jsonl(engine: &Engine, to: u64) -> Vec<u8> {
    let mut out = Vec::new();
    valid(engine.store().export_jsonl(&mut out, 1, to));
    out
}

#[test]
fn a_backup_through_the_server_while_sixteen_clients_write_restores_exactly_its_position() {
    let _watchdog = watchdog("a_backup_through_the_server_while_sixteen_clients_write", 300);
    let (mut scenario, _) = world_with_a_case();
    let w = scenario.world;
    let today = scenario.today();
    let mut cases: Vec<CaseId> = Vec::new();
    for n in 1..=WRITERS {
        let person = scenario.fresh_beneficiary();
        scenario.given(w.beneficiary(person, n, today));
        let case_id = scenario.fresh_case();
        scenario.given(vec![by(w.social_worker, open_case(case_id, person, w.centre, today))]);
        cases.push(case_id);
    }
    let worker_code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let admin_code = Harness::direct_enrolment(&mut scenario, w.admin, w.admin);
    let key = parapompi::deployment_key_path(scenario.directory());
    let h = Harness::start(scenario, Limits::default());
    let worker = h.enrol_and_login(&worker_code, w.social_worker);
    let admin = h.enrol_and_login(&admin_code, w.admin);
    let dir = valid(tempfile::tempdir());
    let file = dir.path().join("served.backup");
    let start = h.head();
    let taken = AtomicBool::new(false);
    let acknowledged: Vec<(CaseId, u64)> = std::thread::scope(|scope| {
        let writers: Vec<_> = cases
            .iter()
            .map(|case_id| {
                let (h, worker, taken) = (&h, &worker, &taken);
                scope.spawn(move || {
                    let mut written = Vec::new();
                    for i in 0..NOTES_EACH {
                        let answer = h.act(worker, &add_note(*case_id, &format!("Σημείωση {i}.")));
                        assert_eq!(answer.status, 200, "{}", answer.body);
                        let position = answer.json()["events"][0]["position"].as_u64().unwrap_or(0);
                        written.push((*case_id, position));
                        // Half go on writing only once the backup is under way.
                        if i == NOTES_EACH / 2 {
                            while !taken.load(Ordering::SeqCst) {
                                std::thread::yield_now();
                            }
                        }
                    }
                    written
                })
            })
            .collect();
        // The backup, once some have written and while they go on.
        while h.head() < start + u64::from(WRITERS) {
            std::thread::yield_now();
        }
        let response = agent()
            .get(&format!("{}/v1/backup", h.base))
            .set("Authorization", &format!("Bearer {admin}"))
            .call()
            .unwrap_or_else(|e| panic!("the backup: {e}"));
        taken.store(true, Ordering::SeqCst);
        let mut bytes = Vec::new();
        valid(response.into_reader().read_to_end(&mut bytes));
        valid(std::fs::write(&file, &bytes));
        writers.into_iter().flat_map(|writer| writer.join().unwrap_or_else(|_| panic!("a writer panicked"))).collect()
    });
    assert_eq!(acknowledged.len(), cases.len() * NOTES_EACH);
    let header = valid(parapompi::backup::BackupFile::open(&file)).manifest.header;
    let position = header.head_position;
    let engine = h.scenario.engine();
    assert!(position > start && position < engine.store().head().position, "taken while they wrote: {position}");

    let target = dir.path().join("restored");
    let config = EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..EngineConfig::default() };
    valid(restore(std::slice::from_ref(&file), &target, config.clone(), Some(&key), &[]));
    let copy = valid(Engine::open(&target, config));
    // Exactly the log up to the backup's position, byte for byte: every write acknowledged
    // at or before it, and none after.
    assert_eq!(copy.store().head().position, position);
    assert_eq!(jsonl(&copy, position), jsonl(engine, position));
    valid(copy.store().verify());
    for case_id in &cases {
        let notes = valid(copy.case_file(*case_id)).entries.iter().filter(|e| e.event_type == "CaseNoteAdded").count();
        let expected = acknowledged.iter().filter(|(c, at)| c == case_id && *at <= position).count();
        assert_eq!(notes, expected, "{case_id:?}");
    }
    assert!(acknowledged.iter().any(|(_, at)| *at > position), "some writes came after the backup's position");
    // The same reports as the original as it stood there.
    let query = IndicatorQuery {
        programme: None,
        centre: Some(w.centre),
        from: today.add_days(-400).unwrap_or(today),
        to: today,
    };
    let then = valid(engine.indicators_as_of(&query, AsOf::Position(position)));
    assert_eq!(valid(copy.indicators(&query)).to_json(), then.to_json());

    // An increment over HTTP: the server's data directory kept the backup's index, so it
    // carries only the changes since it (the notes written after its position), and the
    // two restore to the head the increment holds.
    let response = agent()
        .get(&format!("{}/v1/backup?since_position={position}&since_head_hash={}", h.base, header.head_hash))
        .set("Authorization", &format!("Bearer {admin}"))
        .call()
        .unwrap_or_else(|e| panic!("the increment: {e}"));
    let mut bytes = Vec::new();
    valid(response.into_reader().read_to_end(&mut bytes));
    let increment = dir.path().join("increment.backup");
    valid(std::fs::write(&increment, &bytes));
    let manifest = valid(parapompi::backup::BackupFile::open(&increment)).manifest;
    assert_eq!(manifest.header.since.as_ref().and_then(|b| b.state.clone()), header.state, "changes since it");
    let full_vault = valid(parapompi::backup::BackupFile::open(&file)).manifest.parts[1].items;
    let later_notes = u64::try_from(acknowledged.iter().filter(|(_, at)| *at > position).count()).unwrap_or(0);
    assert_eq!(manifest.parts[1].items, later_notes, "the vault's changes are the later notes (of {full_vault})");
    let target = dir.path().join("restored-with-increment");
    let config = EngineConfig { deployment_key: DeploymentKeySource::InDataDir, ..EngineConfig::default() };
    valid(restore(&[file.clone(), increment], &target, config.clone(), Some(&key), &[]));
    let copy = valid(Engine::open(&target, config));
    assert_eq!(jsonl(&copy, manifest.header.head_position), jsonl(engine, manifest.header.head_position));
    drop(copy);

    // An increment of a backup this log does not hold is refused, and so is half a base;
    // neither writes anything.
    let head = engine.store().head().position;
    let forged = h.get(&format!("/v1/backup?since_position=1&since_head_hash={}", "ab".repeat(32)), &admin);
    assert_eq!(forged.status, 422, "{}", forged.body);
    assert!(forged.body.contains("backup_since") && forged.body.contains("not this log's"), "{}", forged.body);
    let half = h.get("/v1/backup?since_position=1", &admin);
    assert_eq!(half.status, 400, "{}", half.body);
    assert_eq!(engine.store().head().position, head, "nothing recorded");
}
