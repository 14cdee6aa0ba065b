//! Long work reports its progress to the caller: counts that only grow, a total once known,
//! and a last report of everything done, for the demo, a rebuild, a verify and an import.

use std::sync::{Arc, Mutex};

use parapompi::demo::{populate_reporting, DemoOptions};
use parapompi::store::{Clock, ManualClock, StoreConfig, Timestamp};
use parapompi::{Engine, EngineConfig, Progress, Work};

fn engine_at(dir: &std::path::Path) -> (Engine, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(0)));
    let config = EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(&clock) as Arc<dyn Clock>),
        ..EngineConfig::default()
    };
    (Engine::open(dir, config).expect("the engine opens"), clock)
}

/// The reports of one piece of work, as the callback received them.
#[derive(Default)]
struct Reports(Mutex<Vec<Progress>>);

impl Reports {
    fn take(&self) -> Vec<Progress> {
        std::mem::take(&mut *self.0.lock().expect("the reports' lock"))
    }

    fn record(&self, progress: Progress) {
        self.0.lock().expect("the reports' lock").push(progress);
    }
}

/// Within each part of the work, counts grow and never pass the total; the part ends with
/// all of its total done.
fn check_parts(reports: &[Progress], parts: &[(Work, u64)]) {
    let mut at = 0;
    for (work, total) in parts {
        let part: Vec<&Progress> = reports[at..].iter().take_while(|p| p.work == *work).collect();
        assert!(!part.is_empty(), "no {work:?} reports in {reports:?}");
        at += part.len();
        assert!(part.windows(2).all(|w| w[0].done <= w[1].done), "{work:?} went back: {part:?}");
        assert!(part.iter().all(|p| p.total.is_none_or(|t| p.done <= t)), "{part:?}");
        let last = part.last().copied().copied();
        assert_eq!(last, Some(Progress { work: *work, done: *total, total: Some(*total) }), "{work:?}");
    }
    assert_eq!(at, reports.len(), "reports after the last part: {reports:?}");
}

#[test]
fn the_demo_a_rebuild_a_verify_and_an_import_report_their_progress() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (engine, clock) = engine_at(&dir.path().join("data"));
    let reports = Reports::default();
    let options = DemoOptions { n_beneficiaries: 80, n_days: 120, ..DemoOptions::default() };
    populate_reporting(&engine, &clock, &options, &|p| reports.record(p)).expect("the demo world is made");
    check_parts(&reports.take(), &[(Work::Simulating, 120)]);
    let n_events = engine.store().head().position;
    assert!(n_events > 1_000, "enough events for reports along the way: {n_events}");

    engine.rebuild_reporting(&|p| reports.record(p)).expect("the read models are rebuilt");
    let rebuilt = reports.take();
    check_parts(&rebuilt, &[(Work::Folding, n_events)]);
    assert!(rebuilt.len() >= 2, "a report along the way, then the last: {rebuilt:?}");

    engine.verify_reporting(&|p| reports.record(p)).expect("the log verifies");
    check_parts(&reports.take(), &[(Work::Verifying, n_events)]);

    let export = dir.path().join("export.jsonl");
    let mut file = std::fs::File::create(&export).expect("the export file is made");
    engine.store().export_jsonl(&mut file, 1, u64::MAX).expect("the log is exported");
    let (copy, _) = engine_at(&dir.path().join("copy"));
    copy.import_jsonl_reporting(&export, &|p| reports.record(p)).expect("the export imports");
    let imported = reports.take();
    assert!(imported
        .iter()
        .take_while(|p| p.work == Work::Checking)
        .all(|p| p.total.is_none() || p.total == Some(n_events)));
    check_parts(&imported, &[(Work::Checking, n_events), (Work::Writing, n_events)]);
}

#[test]
fn exports_and_the_checks_and_replays_of_bundles_report_their_progress() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (engine, clock) = engine_at(&dir.path().join("data"));
    let options = DemoOptions { n_beneficiaries: 80, n_days: 120, ..DemoOptions::default() };
    populate_reporting(&engine, &clock, &options, &parapompi::progress::silently).expect("the demo world is made");
    let n_events = engine.store().head().position;
    assert!(n_events > 1_000, "enough events for reports along the way: {n_events}");
    let reports = Reports::default();

    let bundle = dir.path().join("log.bundle");
    let mut file = std::fs::File::create(&bundle).expect("the bundle file is made");
    engine.export_bundle_reporting(&mut file, 1, Timestamp::from_unix_ms(0), &|p| reports.record(p)).expect("exported");
    let exported = reports.take();
    check_parts(&exported, &[(Work::Exporting, n_events)]);
    assert!(exported.len() >= 2, "a report along the way, then the last: {exported:?}");
    drop(file);

    let mut lines = Vec::new();
    engine.export_jsonl_reporting(&mut lines, 11, u64::MAX, &|p| reports.record(p)).expect("exported as lines");
    check_parts(&reports.take(), &[(Work::Exporting, n_events - 10)]);

    let files = vec![bundle];
    parapompi::bundle::verify_bundles_against_reporting(&files, &[], None, &|p| reports.record(p)).expect("verifies");
    check_parts(&reports.take(), &[(Work::Verifying, n_events)]);

    let replayed =
        parapompi::bundle::replay_projections_reporting(&files, None, &|p| reports.record(p)).expect("replays");
    check_parts(&reports.take(), &[(Work::Replaying, n_events)]);
    let staff = replayed.caseload(&Default::default()).cases.iter().find_map(|c| c.assignee).expect("an assignee");
    let subject = parapompi::projections::AuditSubject::Staff(staff);
    let trail = parapompi::bundle::replay_audit_reporting(&files, &subject, &|p| reports.record(p)).expect("a trail");
    assert!(!trail.entries.is_empty());
    check_parts(&reports.take(), &[(Work::Replaying, n_events), (Work::Checking, n_events)]);

    // A bundle that does not check fails as before, its reports along the way notwithstanding.
    let damaged = dir.path().join("damaged.bundle");
    let mut bytes = std::fs::read(&files[0]).expect("the bundle reads");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&damaged, bytes).expect("the damaged copy is written");
    let refused = parapompi::bundle::verify_bundles_against_reporting(&[damaged], &[], None, &|p| reports.record(p));
    assert!(refused.is_err());
    assert!(reports.take().iter().all(|p| p.work == Work::Verifying && p.done < n_events));
}
