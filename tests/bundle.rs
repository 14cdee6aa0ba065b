//! Bundles for evaluators: written from a store, verified and replayed without one, joined
//! across exports, and every kind of damage found and located.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parapompi::bundle::{export_bundle, replay_audit, replay_projections, verify_bundles};
use parapompi::core::values::Date;
use parapompi::demo::{populate, DemoOptions, DemoSummary};
use parapompi::projections::{AuditSubject, IndicatorQuery};
use parapompi::store::{Clock, ManualClock, StoreConfig, Timestamp};
use parapompi::{AsOf, Engine, EngineConfig};

struct World {
    dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    engine: Engine,
    summary: DemoSummary,
}

fn world(n_beneficiaries: usize) -> World {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(0)));
    let config = EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(&clock) as Arc<dyn Clock>),
        ..EngineConfig::default()
    };
    let engine = Engine::open(dir.path().join("data"), config).expect("the engine opens");
    let options = DemoOptions { n_beneficiaries, n_days: 120, ..DemoOptions::default() };
    let summary = populate(&engine, &clock, &options).expect("the demo world is made");
    World { dir, clock, engine, summary }
}

fn export(world: &World, name: &str, from: u64) -> PathBuf {
    let path = world.dir.path().join(name);
    let mut file = std::fs::File::create(&path).expect("the bundle file is made");
    export_bundle(world.engine.store(), &mut file, from, Timestamp::from_unix_ms(1_700_000_000_000)).expect("export");
    path
}

fn period() -> IndicatorQuery {
    IndicatorQuery {
        centre: None,
        from: Date::from_ymd(2023, 6, 1).expect("a date"),
        to: Date::from_ymd(2023, 9, 30).expect("a date"),
    }
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).expect("readable").lines().map(|l| format!("{l}\n")).collect()
}

fn write(path: &Path, lines: &[String]) -> PathBuf {
    std::fs::write(path, lines.concat()).expect("writable");
    path.to_path_buf()
}

fn problem_at(path: PathBuf) -> (u64, String) {
    let error = verify_bundles(&[path]).expect_err("the damage is found");
    (error.line, error.problem)
}

#[test]
fn a_bundle_verifies_and_replays_to_the_centres_own_report_byte_for_byte() {
    let world = world(25);
    let bundle = export(&world, "all.jsonl", 1);
    let verified = verify_bundles(std::slice::from_ref(&bundle)).expect("the bundle verifies");
    assert_eq!(verified.n_events, world.engine.store().head().position);
    assert_eq!(verified.head_hash, world.engine.store().head().hash);
    assert_eq!(verified.manifests[0].centres.len(), 2);

    let from_store = world.engine.indicators(&period()).expect("report").to_json();
    let from_bundle =
        replay_projections(std::slice::from_ref(&bundle), None).expect("replay").indicators(&period()).to_json();
    assert_eq!(from_bundle, from_store);

    // Through an import into a fresh store, the same bytes again.
    let fresh = tempfile::tempdir().expect("a directory");
    let imported = Engine::open(fresh.path(), EngineConfig::default()).expect("opens");
    let records: String = lines(&bundle)[1..].concat();
    let export_file = fresh.path().join("records.jsonl");
    std::fs::write(&export_file, records).expect("writable");
    imported.store().import_jsonl(&export_file).expect("the records import");
    assert_eq!(imported.indicators(&period()).expect("report").to_json(), from_store);
}

#[test]
fn a_bundle_carries_no_identity() {
    let world = world(15);
    let bundle = std::fs::read_to_string(export(&world, "all.jsonl", 1)).expect("readable");
    for (beneficiary_id, _) in &world.summary.beneficiaries {
        let entry = world.engine.identity(*beneficiary_id).expect("vault").expect("registered");
        let identity = serde_json::to_value(&entry.identity).expect("JSON");
        assert!(!bundle.contains(identity["amka"].as_str().expect("an AMKA")), "an AMKA leaked into the bundle");
        for phone in identity["phones"].as_array().expect("phones") {
            assert!(!bundle.contains(phone.as_str().expect("text")), "a phone number leaked");
        }
        if let Some(address) = identity["address"].as_str() {
            assert!(!bundle.contains(address), "an address leaked");
        }
        let full_name = format!(
            "{} {}",
            identity["given_name"].as_str().unwrap_or(""),
            identity["family_name"].as_str().unwrap_or("")
        );
        assert!(!bundle.contains(&full_name), "a name leaked");
    }
}

#[test]
fn every_kind_of_damage_is_found_and_located() {
    let world = world(10);
    let bundle = export(&world, "all.jsonl", 1);
    let original = lines(&bundle);
    let dir = world.dir.path();

    let mut flipped = original.clone();
    flipped[5] = flipped[5].replacen("\"actor\":\"staff-", "\"actor\":\"staff_", 1);
    assert_ne!(flipped[5], original[5]);
    let (line, problem) = problem_at(write(&dir.join("flipped.jsonl"), &flipped));
    assert_eq!(line, 6, "{problem}");

    let mut dropped = original.clone();
    dropped.remove(8);
    let (line, problem) = problem_at(write(&dir.join("dropped.jsonl"), &dropped));
    assert!(line == 9 && problem.contains("gap"), "{line}: {problem}");

    let mut swapped = original.clone();
    swapped.swap(10, 11);
    let (line, problem) = problem_at(write(&dir.join("swapped.jsonl"), &swapped));
    assert!(line == 11 && problem.contains("gap"), "{line}: {problem}");

    let mut manifest = original.clone();
    let head = world.engine.store().head().hash.to_hex();
    manifest[0] = manifest[0].replace(&head, &"0".repeat(64));
    let (line, problem) = problem_at(write(&dir.join("manifest.jsonl"), &manifest));
    assert!(line == 1 && problem.contains("head hash"), "{line}: {problem}");

    let all = original.concat();
    std::fs::write(dir.join("cut.jsonl"), &all[..all.len() - 30]).expect("writable");
    let (line, problem) = problem_at(dir.join("cut.jsonl"));
    assert_eq!(line, u64::try_from(original.len()).expect("fits"), "{problem}");

    let mut short = original.clone();
    short.pop();
    let (_, problem) = problem_at(write(&dir.join("short.jsonl"), &short));
    assert!(problem.contains("missing"), "{problem}");
}

#[test]
fn a_later_bundle_joins_the_earlier_one_and_a_stranger_is_refused() {
    let world = world(10);
    let head = world.engine.store().head().position;
    let whole = export(&world, "whole.jsonl", 1);
    let first_lines = lines(&whole);
    // The first bundle as it was exported at an earlier head: its first `cut` records.
    let cut = head / 2;
    let earlier_records = &first_lines[1..=usize::try_from(cut).expect("fits")];
    let mut manifest: serde_json::Value = serde_json::from_str(&first_lines[0]).expect("JSON");
    let last: serde_json::Value = serde_json::from_str(earlier_records.last().expect("a record")).expect("JSON");
    manifest["last_position"] = cut.into();
    manifest["n_events"] = cut.into();
    manifest["head_hash"] = last["hash"].clone();
    let earlier = write(
        &world.dir.path().join("earlier.jsonl"),
        &[vec![format!("{manifest}\n")], earlier_records.to_vec()].concat(),
    );
    let later = export(&world, "later.jsonl", cut + 1);

    let joined = verify_bundles(&[earlier.clone(), later.clone()]).expect("the bundles join");
    assert_eq!(joined.positions, (1, head));
    let from_two =
        replay_projections(&[earlier.clone(), later.clone()], None).expect("replay").indicators(&period()).to_json();
    assert_eq!(from_two, world.engine.indicators(&period()).expect("report").to_json());

    let error = verify_bundles(&[later.clone(), earlier]).expect_err("out of order");
    assert!(error.problem.contains("does not join"), "{error}");
    let other = self::world(5);
    let stranger = export(&other, "stranger.jsonl", 3);
    let error = verify_bundles(&[whole, stranger]).expect_err("a stranger does not join");
    assert!(error.problem.contains("does not join"), "{error}");
}

#[test]
fn erasure_keeps_the_bundle_valid_joined_and_its_indicators_unchanged() {
    let world = world(12);
    let before = export(&world, "before.jsonl", 1);
    let head_before = world.engine.store().head().position;
    let report_before = replay_projections(std::slice::from_ref(&before), None).expect("replay").indicators(&period());
    let (beneficiary_id, centre_id) = world.summary.beneficiaries[0];
    let supervisor = world
        .summary
        .staff
        .iter()
        .find(|(_, _, centre, roles)| *centre == centre_id && roles.contains(&parapompi::core::vocab::Role::Supervisor))
        .map(|(id, _, _, _)| *id)
        .expect("a supervisor");
    world.clock.advance_ms(3_600_000);
    let occurred_at = parapompi::core::values::Timestamp::from_unix_ms(world.clock.now().unix_ms());
    let meta = parapompi::CommandMeta {
        command_id: uuid::Uuid::now_v7(),
        acting: parapompi::Acting::Staff(supervisor),
        occurred_at,
        business_date: parapompi::projections::athens_date(occurred_at),
    };
    world.engine.erase_identity(beneficiary_id, meta).expect("the supervisor erases");
    assert!(world.engine.identity(beneficiary_id).expect("vault").is_none());

    // The erasure adds one record; everything before it is the bundle the evaluator holds.
    let after = export(&world, "after.jsonl", 1);
    verify_bundles(std::slice::from_ref(&after)).expect("still verifies");
    assert!(lines(&after)[1..].starts_with(&lines(&before)[1..]), "the earlier records are untouched");
    let increment = export(&world, "increment.jsonl", head_before + 1);
    let joined = verify_bundles(&[before.clone(), increment.clone()]).expect("the increment joins");
    assert_eq!(joined.positions, (1, head_before + 1));
    let report_after = replay_projections(&[before, increment], None).expect("replay").indicators(&period());
    let mut after: serde_json::Value = serde_json::from_str(&report_after.to_json()).expect("JSON");
    let before: serde_json::Value = serde_json::from_str(&report_before.to_json()).expect("JSON");
    assert_ne!(after["position"], before["position"], "the report names the log it came from");
    for field in ["position", "head_hash"] {
        after[field] = before[field].clone();
    }
    assert_eq!(after, before, "every figure stays as it was");
}

#[test]
fn replaying_as_of_an_earlier_instant_gives_the_report_printed_then() {
    let world = world(12);
    let earlier_head = world.engine.store().head();
    let printed_then = world.engine.indicators(&period()).expect("report").to_json();
    // More work happens later (a case is reopened in the period); the evaluator asks what
    // the centre knew at the earlier instant.
    world.clock.advance_ms(3_600_000);
    reopen_a_closed_case(&world);
    assert!(world.engine.store().head().position > earlier_head.position);
    assert_ne!(world.engine.indicators(&period()).expect("report").to_json(), printed_then);
    let bundle = export(&world, "all.jsonl", 1);
    let as_of = replay_projections(std::slice::from_ref(&bundle), Some(AsOf::RecordedAt(earlier_head.recorded_at)))
        .expect("replay");
    assert_eq!(as_of.indicators(&period()).to_json(), printed_then);
    let by_position = replay_projections(&[bundle], Some(AsOf::Position(earlier_head.position))).expect("replay");
    assert_eq!(by_position.indicators(&period()).to_json(), printed_then);
}

#[test]
fn an_audit_trail_replays_from_a_bundle_as_the_store_gives_it() {
    let world = world(10);
    let bundle = export(&world, "all.jsonl", 1);
    let (beneficiary_id, _) = world.summary.beneficiaries[3];
    let subject = AuditSubject::Beneficiary(beneficiary_id);
    let from_store = world.engine.audit(&subject).expect("audit");
    let from_bundle = replay_audit(&[bundle], &subject).expect("replay");
    assert_eq!(from_bundle, from_store);
    assert!(!from_bundle.entries.is_empty());
}

/// Reopens the first closed case of the demo, as its centre's supervisor, dated in the period.
fn reopen_a_closed_case(world: &World) {
    use parapompi::core::case::{CaseAction, CaseCommand};
    use parapompi::core::values::Reason;
    use parapompi::core::vocab::Role;
    use parapompi::{Acting, CommandMeta};
    let (case_id, centre_id) = world
        .engine
        .with_projections(|p| {
            let open: std::collections::BTreeSet<_> =
                p.caseload(&Default::default()).cases.iter().map(|c| c.case_id).collect();
            let positions = p.audit_positions(&AuditSubject::Beneficiary(world.summary.beneficiaries[0].0));
            (open, positions)
        })
        .map(|(open, positions)| {
            let records = world.engine.store().read_positions(&positions).expect("records");
            records
                .iter()
                .filter_map(|r| parapompi::decode(r).ok())
                .find_map(|r| match r.event {
                    parapompi::core::Event::Case(parapompi::core::case::CaseEvent::CaseOpened {
                        case_id,
                        centre_id,
                        ..
                    }) if !open.contains(&case_id) => Some((case_id, centre_id)),
                    _ => None,
                })
                .expect("the first beneficiary's case is closed by the end of the demo")
        })
        .expect("read models");
    let supervisor = world
        .summary
        .staff
        .iter()
        .find(|(_, _, centre, roles)| *centre == centre_id && roles.contains(&Role::Supervisor))
        .map(|(id, _, _, _)| *id)
        .expect("a supervisor");
    let occurred_at = parapompi::core::values::Timestamp::from_unix_ms(world.clock.now().unix_ms());
    let meta = CommandMeta {
        command_id: uuid::Uuid::now_v7(),
        acting: Acting::Staff(supervisor),
        occurred_at,
        business_date: Date::from_ymd(2023, 9, 15).expect("a date"),
    };
    let reopen = CaseAction::Reopen {
        reason: Some(Reason::new("Νέο αίτημα του ωφελούμενου.").expect("a reason"))
    };
    world
        .engine
        .execute(&parapompi::core::Command::Case(CaseCommand { case_id, action: reopen }), meta)
        .expect("reopened");
}

/// Runs the standard-library Python checker on bundles; returns whether it passed and what it said.
fn python_verify(files: &[PathBuf]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/verify_log.py");
    let output = std::process::Command::new("python3").arg(script).args(files).output().expect("python3 runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

#[test]
fn the_python_checker_agrees_on_good_joined_and_damaged_bundles() {
    let world = world(10);
    let head = world.engine.store().head();
    let whole = export(&world, "whole.jsonl", 1);
    let (ok, said) = python_verify(std::slice::from_ref(&whole));
    assert!(ok, "{said}");
    assert_eq!(said.trim(), format!("ok: {} records, head {} {}", head.position, head.position, head.hash));

    // A later bundle joins the earlier one; given alone first, it is refused.
    let later = export(&world, "later.jsonl", head.position - 5);
    let original = lines(&whole);
    let cut = usize::try_from(head.position - 6).expect("fits");
    let mut manifest: serde_json::Value = serde_json::from_str(&original[0]).expect("JSON");
    let last: serde_json::Value = serde_json::from_str(&original[cut]).expect("JSON");
    manifest["last_position"] = (head.position - 6).into();
    manifest["n_events"] = (head.position - 6).into();
    manifest["head_hash"] = last["hash"].clone();
    let earlier = write(
        &world.dir.path().join("earlier.jsonl"),
        &[vec![format!("{manifest}\n")], original[1..=cut].to_vec()].concat(),
    );
    let (ok, said) = python_verify(&[earlier.clone(), later.clone()]);
    assert!(ok, "{said}");
    let (ok, said) = python_verify(&[later, earlier]);
    assert!(!ok && said.contains("does not join"), "{said}");

    // Damage: one byte, a dropped record, two swapped, the manifest's head hash, a cut.
    let dir = world.dir.path();
    let mut flipped = original.clone();
    flipped[4] = flipped[4].replacen("\"schema_version\":1", "\"schema_version\":2", 1);
    let (ok, said) = python_verify(&[write(&dir.join("p-flipped.jsonl"), &flipped)]);
    assert!(!ok && said.contains("line 5: hash mismatch"), "{said}");
    let mut dropped = original.clone();
    dropped.remove(7);
    let (ok, said) = python_verify(&[write(&dir.join("p-dropped.jsonl"), &dropped)]);
    assert!(!ok && said.contains("line 8: position gap"), "{said}");
    let mut swapped = original.clone();
    swapped.swap(9, 10);
    let (ok, said) = python_verify(&[write(&dir.join("p-swapped.jsonl"), &swapped)]);
    assert!(!ok && said.contains("line 10: position gap"), "{said}");
    let mut bad_manifest = original.clone();
    bad_manifest[0] = bad_manifest[0].replace(&head.hash.to_hex(), &"f".repeat(64));
    let (ok, said) = python_verify(&[write(&dir.join("p-manifest.jsonl"), &bad_manifest)]);
    assert!(!ok && said.contains("line 1: the manifest's head hash"), "{said}");
    let all = original.concat();
    std::fs::write(dir.join("p-cut.jsonl"), &all[..all.len() - 10]).expect("writable");
    let (ok, said) = python_verify(&[dir.join("p-cut.jsonl")]);
    assert!(!ok && said.contains(&format!("line {}:", original.len())), "{said}");
}

#[test]
fn damage_deep_in_a_large_bundle_is_located_and_the_first_one_is_named() {
    // Large enough that its records are parsed and hashed on several threads.
    let world = world(40);
    let bundle = export(&world, "large.jsonl", 1);
    let original = lines(&bundle);
    assert!(original.len() > 600, "the bundle has {} lines", original.len());
    let dir = world.dir.path();
    let mut damaged = original.clone();
    let late = original.len() - 20;
    damaged[late] = damaged[late].replacen("\"schema_version\":1", "\"schema_version\":7", 1);
    assert_ne!(damaged[late], original[late]);
    let (line, problem) = problem_at(write(&dir.join("late.jsonl"), &damaged));
    assert!(line == u64::try_from(late + 1).expect("fits") && problem.contains("hash mismatch"), "{line}: {problem}");
    damaged[300] = damaged[300].replacen("\"actor\":\"staff-", "\"actor\":\"staff_", 1);
    let (line, problem) = problem_at(write(&dir.join("two.jsonl"), &damaged));
    assert_eq!(line, 301, "the first damage is the one named: {problem}");
}
