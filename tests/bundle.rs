//! Bundles for evaluators: written from a store, verified and replayed without one, joined
//! across exports, and every kind of damage found and located.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parapompi::bundle::{
    export_bundle, read_manifest_line, replay_audit, replay_projections, verify_bundles, BundlePlace,
};
use parapompi::core::values::Date;
use parapompi::demo::{populate, DemoOptions, DemoSummary};
use parapompi::projections::{AuditSubject, IndicatorQuery};
use parapompi::store::{chain_hash, split_frames, Clock, Hash, ManualClock, StoreConfig, Timestamp};
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
        programme: None,
        centre: None,
        from: Date::from_ymd(2023, 6, 1).expect("a date"),
        to: Date::from_ymd(2023, 9, 30).expect("a date"),
    }
}

/// A bundle taken apart: its manifest line (with its line end), the hash before its records,
/// and each record's frame whole.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Parts {
    manifest: String,
    leading: Vec<u8>,
    frames: Vec<Vec<u8>>,
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let bytes = std::fs::read(path).expect("readable");
        let end = bytes.iter().position(|&b| b == b'\n').expect("a manifest line") + 1;
        let manifest = String::from_utf8(bytes[..end].to_vec()).expect("UTF-8");
        let (leading, frames) = split_frames(&bytes[end..]).expect("whole frames");
        Parts { manifest, leading: leading.0.to_vec(), frames: frames.into_iter().map(<[u8]>::to_vec).collect() }
    }

    fn bytes(&self) -> Vec<u8> {
        [self.manifest.as_bytes(), &self.leading, &self.frames.concat()].concat()
    }

    fn write(&self, path: &Path) -> PathBuf {
        std::fs::write(path, self.bytes()).expect("writable");
        path.to_path_buf()
    }

    /// The place verify names for the frame at `index` (0 for the first record).
    fn place(&self, index: usize) -> BundlePlace {
        let before: usize = self.frames[..index].iter().map(Vec::len).sum();
        BundlePlace::Record {
            number: u64::try_from(index + 1).expect("fits"),
            offset: u64::try_from(self.manifest.len() + self.leading.len() + before).expect("fits"),
        }
    }

    /// The stored hash of the frame at `index`.
    fn hash(&self, index: usize) -> Hash {
        let frame = &self.frames[index];
        Hash(frame[frame.len() - 32..].try_into().expect("32 bytes"))
    }

    /// The manifest as JSON.
    fn manifest_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.manifest).expect("JSON")
    }

    /// The same bundle cut after its first `n` records, with a manifest that says so: the
    /// bundle an evaluator got when the log ended there.
    fn first(&self, n: usize) -> Parts {
        let mut manifest = self.manifest_json();
        manifest["last_position"] = u64::try_from(n).expect("fits").into();
        manifest["n_events"] = u64::try_from(n).expect("fits").into();
        manifest["head_hash"] = self.hash(n - 1).to_hex().into();
        Parts { manifest: format!("{manifest}\n"), leading: self.leading.clone(), frames: self.frames[..n].to_vec() }
    }
}

/// `frame` with the first `from` in it replaced by `to` (of the same length).
fn replaced(frame: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = frame.windows(from.len()).position(|w| w == from).expect("the bytes are in the frame");
    let mut changed = frame.to_vec();
    changed[at..at + to.len()].copy_from_slice(to);
    changed
}

fn problem_at(path: PathBuf) -> (BundlePlace, String) {
    let error = verify_bundles(&[path]).expect_err("the damage is found");
    (error.at, error.problem)
}

#[test]
fn a_bundle_verifies_and_replays_to_the_centres_own_report_byte_for_byte() {
    let world = world(25);
    let bundle = export(&world, "all.bundle", 1);
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
    let mut file = std::io::BufReader::new(std::fs::File::open(&bundle).expect("readable"));
    let (_, records_at) = read_manifest_line(&mut file).expect("a manifest");
    imported.store().import_frames(&bundle, records_at).expect("the records import");
    assert_eq!(imported.indicators(&period()).expect("report").to_json(), from_store);
}

#[test]
fn a_bundle_carries_no_identity() {
    let world = world(15);
    let bytes = std::fs::read(export(&world, "all.bundle", 1)).expect("readable");
    // Every text in a bundle is whole UTF-8, so the lossy reading keeps each one as it is.
    let bundle = String::from_utf8_lossy(&bytes);
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
    let original = Parts::read(&export(&world, "all.bundle", 1));
    let dir = world.dir.path();

    let mut flipped = original.clone();
    flipped.frames[5] = replaced(&flipped.frames[5], b"staff-", b"staff_");
    let (at, problem) = problem_at(flipped.write(&dir.join("flipped.bundle")));
    assert!(at == original.place(5) && problem.contains("hash mismatch"), "{at:?}: {problem}");

    let mut dropped = original.clone();
    dropped.frames.remove(8);
    let (at, problem) = problem_at(dropped.write(&dir.join("dropped.bundle")));
    assert!(at == original.place(8) && problem.contains("gap"), "{at:?}: {problem}");

    let mut swapped = original.clone();
    swapped.frames.swap(10, 11);
    let (at, problem) = problem_at(swapped.write(&dir.join("swapped.bundle")));
    assert!(at == swapped.place(10) && problem.contains("gap"), "{at:?}: {problem}");

    let mut manifest = original.clone();
    let head = world.engine.store().head().hash.to_hex();
    manifest.manifest = manifest.manifest.replace(&head, &"0".repeat(64));
    let (at, problem) = problem_at(manifest.write(&dir.join("manifest.bundle")));
    assert!(at == BundlePlace::Manifest && problem.contains("head hash"), "{at:?}: {problem}");

    let mut leading = original.clone();
    leading.leading[0] ^= 1;
    let (at, problem) = problem_at(leading.write(&dir.join("leading.bundle")));
    assert!(at == original.place(0) && problem.contains("chain break"), "{at:?}: {problem}");

    let all = original.bytes();
    std::fs::write(dir.join("cut.bundle"), &all[..all.len() - 30]).expect("writable");
    let (at, problem) = problem_at(dir.join("cut.bundle"));
    let last = original.frames.len() - 1;
    assert!(at == original.place(last) && problem.contains("cut short"), "{at:?}: {problem}");

    let mut short = original.clone();
    short.frames.pop();
    let (at, problem) = problem_at(short.write(&dir.join("short.bundle")));
    let end = u64::try_from(short.bytes().len()).expect("fits");
    assert_eq!(at, BundlePlace::Record { number: u64::try_from(last + 1).expect("fits"), offset: end });
    assert!(problem.contains("missing"), "{problem}");

    // A record added after those the manifest promises, chained as the log goes on.
    let mut longer = original.first(original.frames.len() - 1);
    longer.frames.push(original.frames[last].clone());
    let (at, problem) = problem_at(longer.write(&dir.join("longer.bundle")));
    assert!(matches!(at, BundlePlace::Record { .. }) && problem.contains("records were added"), "{at:?}: {problem}");
    let (ok, said) = python_verify(&[dir.join("longer.bundle")]);
    assert!(!ok && said.contains("records were added"), "{said}");

    // Replay reads every record whole and finds the same damage at the same place.
    let error = replay_projections(&[dir.join("swapped.bundle")], None).expect_err("the damage is found");
    assert_eq!(error.at, swapped.place(10), "{error}");
}

#[test]
fn a_payload_that_is_not_json_is_named_by_verify_replay_and_import() {
    // The chain covers a payload's bytes; verify, replay and import also read them, and name a
    // record whose payload does not parse even when every hash agrees (one rule of validity:
    // store/FORMAT.md, "Rules of a valid log").
    let world = world(5);
    let mut parts = Parts::read(&export(&world, "all.bundle", 1));
    let last_byte = parts.frames[3].len() - 32 - 1;
    assert_eq!(parts.frames[3][last_byte], b'}', "a payload ends the canonical bytes");
    parts.frames[3][last_byte] = b']';
    // Seal the damaged record and every one after it again, as a forger would.
    let mut prev = parts.hash(2);
    for frame in &mut parts.frames[3..] {
        let at = frame.len() - 32;
        let hash = chain_hash(&prev, &frame[4..at]);
        frame[at..].copy_from_slice(&hash.0);
        prev = hash;
    }
    let mut manifest = parts.manifest_json();
    manifest["head_hash"] = prev.to_hex().into();
    parts.manifest = format!("{manifest}\n");
    let forged = parts.write(&world.dir.path().join("forged.bundle"));

    let error = verify_bundles(std::slice::from_ref(&forged)).expect_err("verify reads the payload");
    assert!(error.at == parts.place(3) && error.problem.contains("not JSON"), "{error}");
    let error = replay_projections(std::slice::from_ref(&forged), None).expect_err("replay reads the payload");
    assert!(error.at == parts.place(3) && error.problem.contains("not JSON"), "{error}");
    let fresh = tempfile::tempdir().expect("a directory");
    let engine = Engine::open(fresh.path(), EngineConfig::default()).expect("opens");
    let records_at = u64::try_from(parts.manifest.len()).expect("fits");
    let error = engine.store().import_frames(&forged, records_at).expect_err("import reads the payload");
    assert!(error.to_string().contains("record 4 (") && error.to_string().contains("not JSON"), "{error}");
    assert_eq!(engine.store().head().position, 0, "nothing is written");
}

#[test]
fn a_later_bundle_joins_the_earlier_one_and_a_stranger_is_refused() {
    let world = world(10);
    let head = world.engine.store().head().position;
    let whole = export(&world, "whole.bundle", 1);
    // The first bundle as it was exported at an earlier head: its first `cut` records.
    let cut = head / 2;
    let earlier =
        Parts::read(&whole).first(usize::try_from(cut).expect("fits")).write(&world.dir.path().join("earlier.bundle"));
    let later = export(&world, "later.bundle", cut + 1);

    let joined = verify_bundles(&[earlier.clone(), later.clone()]).expect("the bundles join");
    assert_eq!(joined.positions, (1, head));
    let from_two =
        replay_projections(&[earlier.clone(), later.clone()], None).expect("replay").indicators(&period()).to_json();
    assert_eq!(from_two, world.engine.indicators(&period()).expect("report").to_json());

    let error = verify_bundles(&[later.clone(), earlier]).expect_err("out of order");
    assert!(error.problem.contains("does not join"), "{error}");
    let other = self::world(5);
    let stranger = export(&other, "stranger.bundle", 3);
    let error = verify_bundles(&[whole, stranger]).expect_err("a stranger does not join");
    assert!(error.problem.contains("does not join"), "{error}");
}

#[test]
fn erasure_keeps_the_bundle_valid_joined_and_its_indicators_unchanged() {
    let world = world(12);
    let before = export(&world, "before.bundle", 1);
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
    let after = export(&world, "after.bundle", 1);
    verify_bundles(std::slice::from_ref(&after)).expect("still verifies");
    let (before_parts, after_parts) = (Parts::read(&before), Parts::read(&after));
    assert_eq!(after_parts.leading, before_parts.leading);
    assert!(after_parts.frames.starts_with(&before_parts.frames), "the earlier records are untouched");
    let increment = export(&world, "increment.bundle", head_before + 1);
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
    let bundle = export(&world, "all.bundle", 1);
    let as_of = replay_projections(std::slice::from_ref(&bundle), Some(AsOf::RecordedAt(earlier_head.recorded_at)))
        .expect("replay");
    assert_eq!(as_of.indicators(&period()).to_json(), printed_then);
    let by_position = replay_projections(&[bundle], Some(AsOf::Position(earlier_head.position))).expect("replay");
    assert_eq!(by_position.indicators(&period()).to_json(), printed_then);
}

#[test]
fn an_audit_trail_replays_from_a_bundle_as_the_store_gives_it() {
    let world = world(10);
    let bundle = export(&world, "all.bundle", 1);
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
        business_date: parapompi::projections::athens_date(occurred_at),
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
    let whole = export(&world, "whole.bundle", 1);
    let (ok, said) = python_verify(std::slice::from_ref(&whole));
    assert!(ok, "{said}");
    assert_eq!(said.trim(), format!("ok: {} records, head {} {}", head.position, head.position, head.hash));

    // A later bundle joins the earlier one; given alone first, it is refused.
    let later = export(&world, "later.bundle", head.position - 5);
    let original = Parts::read(&whole);
    let dir = world.dir.path();
    let earlier = original.first(usize::try_from(head.position - 6).expect("fits")).write(&dir.join("earlier.bundle"));
    let (ok, said) = python_verify(&[earlier.clone(), later.clone()]);
    assert!(ok, "{said}");
    let (ok, said) = python_verify(&[later, earlier]);
    assert!(!ok && said.contains("does not join"), "{said}");

    // Damage: one byte, a dropped record, two swapped, the manifest's head hash, a cut; each
    // named where verify names it.
    let named = |place: BundlePlace| match place {
        BundlePlace::Record { number, offset } => format!("record {number} (byte {offset}): "),
        other => panic!("a record's place, not {other:?}"),
    };
    let mut flipped = original.clone();
    flipped.frames[4] = replaced(&flipped.frames[4], b"staff-", b"staff_");
    let (ok, said) = python_verify(&[flipped.write(&dir.join("p-flipped.bundle"))]);
    assert!(!ok && said.contains(&format!("{}hash mismatch", named(original.place(4)))), "{said}");
    let mut dropped = original.clone();
    dropped.frames.remove(7);
    let (ok, said) = python_verify(&[dropped.write(&dir.join("p-dropped.bundle"))]);
    assert!(!ok && said.contains(&format!("{}position gap", named(original.place(7)))), "{said}");
    let mut swapped = original.clone();
    swapped.frames.swap(9, 10);
    let (ok, said) = python_verify(&[swapped.write(&dir.join("p-swapped.bundle"))]);
    assert!(!ok && said.contains(&format!("{}position gap", named(swapped.place(9)))), "{said}");
    let mut bad_manifest = original.clone();
    bad_manifest.manifest = bad_manifest.manifest.replace(&head.hash.to_hex(), &"f".repeat(64));
    let (ok, said) = python_verify(&[bad_manifest.write(&dir.join("p-manifest.bundle"))]);
    assert!(!ok && said.contains("line 1: the manifest's head hash"), "{said}");
    let all = original.bytes();
    std::fs::write(dir.join("p-cut.bundle"), &all[..all.len() - 10]).expect("writable");
    let (ok, said) = python_verify(&[dir.join("p-cut.bundle")]);
    let last = original.frames.len() - 1;
    assert!(!ok && said.contains(&format!("{}the last record is cut short", named(original.place(last)))), "{said}");
}

#[test]
fn damage_deep_in_a_large_bundle_is_located_and_the_first_one_is_named() {
    let world = world(40);
    let original = Parts::read(&export(&world, "large.bundle", 1));
    assert!(original.frames.len() > 600, "the bundle has {} records", original.frames.len());
    let dir = world.dir.path();
    let mut damaged = original.clone();
    let late = original.frames.len() - 20;
    damaged.frames[late] = replaced(&damaged.frames[late], b"staff-", b"staff_");
    let (at, problem) = problem_at(damaged.write(&dir.join("late.bundle")));
    assert!(at == original.place(late) && problem.contains("hash mismatch"), "{at:?}: {problem}");
    damaged.frames[300] = replaced(&damaged.frames[300], b"staff-", b"staff_");
    let (at, problem) = problem_at(damaged.write(&dir.join("two.bundle")));
    assert_eq!(at, original.place(300), "the first damage is the one named: {problem}");
}
