//! The Engine benchmark: commands per second through the Engine from 1 and from 16 tasks,
//! the full rebuild of every read model from a large log beside a raw scan and decode of the
//! same log, the open time with a checkpoint, query latencies, and the rebuild's peak memory.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use parapompi::core::case::{CaseAction, CaseCommand};
use parapompi::core::values::{BeneficiaryId, CaseId, CentreId, Date, Narrative, StaffId, Timestamp};
use parapompi::core::vocab::{IntakeChannel, Role, ServiceKind};
use parapompi::core::Command;
use parapompi::demo::{populate, DemoOptions, DemoSummary};
use parapompi::projections::{athens_date, CaseloadQuery, IndicatorQuery};
use parapompi::store::{Durability, ManualClock, StoreConfig};
use parapompi::{Acting, CommandMeta, Engine, EngineConfig};

/// Commands per case in the command-rate phases: an intake, then services.
pub(crate) const COMMANDS_PER_CASE: usize = 10;

pub(crate) fn engine_config(clock: &Arc<ManualClock>, durability: Durability) -> EngineConfig {
    EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(clock) as Arc<dyn parapompi::store::Clock>),
        durability,
        ..EngineConfig::default()
    }
}

pub(crate) fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(parapompi::store::Timestamp::from_unix_ms(1_685_602_800_000)))
}

/// A world of a few beneficiaries to run case commands against.
pub(crate) fn small_world(dir: &Path) -> (Engine, DemoSummary) {
    let clock = clock();
    let engine = Engine::open(dir, engine_config(&clock, Durability::Durable)).expect("engine opens");
    let options = DemoOptions { n_beneficiaries: 40, n_days: 30, ..DemoOptions::default() };
    let summary = populate(&engine, &clock, &options).expect("the demo world is made");
    (engine, summary)
}

/// The commands of one case: an intake for a beneficiary, then services by a caseworker.
pub(crate) fn case_commands(
    beneficiary: BeneficiaryId,
    centre: CentreId,
    worker: StaffId,
    case_id: CaseId,
    at: Timestamp,
) -> Vec<(Command, StaffId)> {
    let day = athens_date(at);
    let open = CaseAction::Open {
        beneficiary_id: beneficiary,
        centre_id: centre,
        antenna_id: None,
        intake_date: day,
        channel: IntakeChannel::WalkIn,
        request: Narrative::new("Χρειάζομαι βοήθεια για την αίτηση επιδόματος θέρμανσης.").expect("text"),
    };
    let mut commands = vec![(Command::Case(CaseCommand { case_id, action: open }), worker)];
    for i in 1..COMMANDS_PER_CASE {
        let action = CaseAction::RecordService {
            kind: ServiceKind::ALL[i % ServiceKind::ALL.len()],
            provided_on: day,
            note: Some(Narrative::new("Ενημέρωση και βοήθεια στη συμπλήρωση της αίτησης.").expect("text")),
        };
        commands.push((Command::Case(CaseCommand { case_id, action }), worker));
    }
    commands
}

/// A command's metadata, dated `occurred_at` (the engine's clock: an act dated after it is
/// refused).
pub(crate) fn meta(acting: Acting, occurred_at: Timestamp) -> CommandMeta {
    CommandMeta { command_id: uuid::Uuid::now_v7(), acting, occurred_at, business_date: athens_date(occurred_at) }
}

/// Commands per second from `n_tasks` tasks, each running whole cases.
pub(crate) fn command_rate(engine: &Engine, summary: &DemoSummary, n_tasks: usize, cases_per_task: usize) -> f64 {
    let centre = summary.centres[0].0;
    let worker = summary
        .staff
        .iter()
        .find(|(_, _, c, roles)| *c == centre && roles.contains(&Role::SocialWorker))
        .map(|(id, _, _, _)| *id)
        .expect("a social worker");
    let beneficiaries: Vec<BeneficiaryId> =
        summary.beneficiaries.iter().filter(|(_, c)| *c == centre).map(|(id, _)| *id).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(32)
        .build()
        .expect("runtime");
    let at = Timestamp::from_unix_ms(engine.store().config().clock.now().unix_ms());
    let start = Instant::now();
    let n_commands = runtime.block_on(async {
        let mut tasks = Vec::new();
        for task in 0..n_tasks {
            let engine = engine.clone();
            let beneficiary = beneficiaries[task % beneficiaries.len()];
            tasks.push(tokio::spawn(async move {
                let mut n = 0usize;
                for _ in 0..cases_per_task {
                    let case_id = CaseId::new(uuid::Uuid::new_v4());
                    for (command, actor) in case_commands(beneficiary, centre, worker, case_id, at) {
                        engine.execute_async(command, meta(Acting::Staff(actor), at)).await.expect("command executes");
                        n += 1;
                    }
                }
                n
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.expect("task");
        }
        total
    });
    per_second(n_commands, start.elapsed().as_secs_f64())
}

pub(crate) fn per_second(n: usize, seconds: f64) -> f64 {
    // Counts stay far below 2^52, where f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    n / seconds
}

fn percentile(sorted_micros: &[f64], percent: usize) -> f64 {
    let index = (sorted_micros.len() * percent / 100).min(sorted_micros.len() - 1);
    sorted_micros[index]
}

pub(crate) fn latencies(mut run: impl FnMut(), n: usize) -> (f64, f64) {
    let mut micros: Vec<f64> = (0..n)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    (percentile(&micros, 50), percentile(&micros, 99))
}

pub fn run(dir: &Path, n_events: u64) {
    println!("engine benchmark: commands are an intake then {} services per case", COMMANDS_PER_CASE - 1);

    // Commands through the Engine, each durable.
    let (engine, summary) = small_world(&dir.join("commands"));
    let one_task = command_rate(&engine, &summary, 1, 20);
    let sixteen_tasks = command_rate(&engine, &summary, 16, 8);
    drop(engine);
    println!("commands/s, 1 task:      {one_task:>10.0}");
    println!("commands/s, 16 tasks:    {sixteen_tasks:>10.0}  ({:.2}x)", sixteen_tasks / one_task);

    // A large log, made by the demo in bulk mode.
    let big = dir.join("big");
    let clock = clock();
    let engine = Engine::open(&big, engine_config(&clock, Durability::Deferred)).expect("engine opens");
    let mut n_beneficiaries = 1_000;
    let probe = emptied_dir(dir, "probe");
    {
        let probe_clock = self::clock();
        let probe_engine = Engine::open(&probe, engine_config(&probe_clock, Durability::Deferred)).expect("opens");
        populate(&probe_engine, &probe_clock, &DemoOptions { n_beneficiaries: 500, ..DemoOptions::default() })
            .expect("probe");
        let per_beneficiary = probe_engine.store().head().position / 500;
        n_beneficiaries = usize::try_from(n_events / per_beneficiary.max(1)).unwrap_or(n_beneficiaries);
    }
    let _ = std::fs::remove_dir_all(&probe);
    // Ten years rather than the demo's two, so that the caseloads stay what a centre's staff
    // carry (a hundred or two open cases each) while the log grows to a million events.
    let n_days = 3_650;
    let options = DemoOptions { n_beneficiaries, seed: 7, n_days, ..DemoOptions::default() };
    let load_start = Instant::now();
    populate(&engine, &clock, &options).expect("the large world is made");
    let n_logged = engine.store().head().position;
    println!(
        "large log: {n_logged} events from {n_beneficiaries} beneficiaries, loaded in {:.1} s through the Engine ({:.0} events/s, bulk mode)",
        load_start.elapsed().as_secs_f64(),
        per_second(usize::try_from(n_logged).unwrap_or(0), load_start.elapsed().as_secs_f64()),
    );

    // Raw scan and decode of the same log, then the full rebuild, in the same run.
    let start = Instant::now();
    let mut n_scanned = 0usize;
    for record in engine.store().iter_from(1) {
        let record = record.expect("read");
        let payload = record.payload.to_value().expect("JSON");
        assert!(payload.is_object());
        n_scanned += 1;
    }
    let scan_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let n_rebuilt = engine.rebuild().expect("rebuild");
    let rebuild_seconds = start.elapsed().as_secs_f64();
    let scan_rate = per_second(n_scanned, scan_seconds);
    let rebuild_rate = per_second(usize::try_from(n_rebuilt).unwrap_or(0), rebuild_seconds);
    println!("raw scan + decode:       {scan_rate:>10.0} events/s ({scan_seconds:.2} s)");
    println!(
        "full rebuild:            {rebuild_rate:>10.0} events/s ({rebuild_seconds:.2} s, {:.2}x raw)",
        rebuild_rate / scan_rate
    );

    // Queries at that size.
    let centre = summary_centre(&engine);
    let staff: Vec<StaffId> = engine
        .with_projections(|p| p.caseload(&CaseloadQuery::default()).cases.iter().filter_map(|c| c.assignee).collect())
        .expect("caseload");
    let mut next = 0usize;
    let (caseload_p50, caseload_p99) = latencies(
        || {
            let query =
                CaseloadQuery { staff: staff.get(next % staff.len().max(1)).copied(), ..CaseloadQuery::default() };
            next += 1;
            engine.caseload(&query).expect("caseload");
        },
        1_000,
    );
    let year = IndicatorQuery {
        programme: None,
        centre,
        from: Date::from_ymd(2024, 1, 1).expect("date"),
        to: Date::from_ymd(2024, 12, 31).expect("date"),
    };
    let (indicators_p50, indicators_p99) = latencies(
        || {
            engine.indicators(&year).expect("indicators");
        },
        20,
    );
    println!("caseload query:          p50 {caseload_p50:>8.1} µs, p99 {caseload_p99:>8.1} µs");
    println!("indicators (a year):     p50 {:>8.1} ms, p99 {:>8.1} ms", indicators_p50 / 1e3, indicators_p99 / 1e3);

    // Open with the checkpoint, beside the full rebuild. sled replays its own log since its
    // last snapshot when it opens, and writes a new snapshot then: the first open after the
    // bulk load replays the whole log, a later open only what came since.
    engine.close().expect("close");
    let mut open_seconds = 0.0;
    for (attempt, label) in ["first open after the load", "next open"].iter().enumerate() {
        let start = Instant::now();
        let reopened = Engine::open(&big, engine_config(&clock, Durability::Deferred)).expect("reopen");
        open_seconds = start.elapsed().as_secs_f64();
        assert_eq!(reopened.with_projections(|p| p.position()).expect("position"), n_logged);
        println!(
            "open with checkpoint, {label}: {open_seconds:.2} s ({:.1}% of the full rebuild){}",
            100.0 * open_seconds / rebuild_seconds,
            if attempt == 0 { ", sled replaying its log" } else { "" }
        );
        reopened.close().expect("close");
    }

    // The evaluator's side: verify and replay a bundle of the whole log, beside SHA-256 over
    // the same bytes (the floor for any verifier).
    bundle_phases(dir, &big, &clock, n_logged);

    // Peak memory of a rebuild, in a child process of its own.
    match rebuild_peak_memory(&big) {
        Ok(kib) => {
            println!("rebuild peak memory:     {:>10.0} MiB (VmHWM of a process that only rebuilds)", kib / 1024.0)
        }
        Err(error) => println!("rebuild peak memory:     not measured: {error}"),
    }
    println!();
    println!(
        "targets: rebuild >= 0.5x raw scan+decode: {}",
        if rebuild_rate >= 0.5 * scan_rate { "met" } else { "MISSED" }
    );
    println!(
        "         open with checkpoints <= 10% of a rebuild: {}",
        if open_seconds <= 0.1 * rebuild_seconds { "met" } else { "MISSED" }
    );
    println!("         caseload p99 < 1 ms: {}", if caseload_p99 < 1_000.0 { "met" } else { "MISSED" });
}

/// `dir/name`, removed first if an earlier run left it.
fn emptied_dir(dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    let _ = std::fs::remove_dir_all(&path);
    path
}

fn summary_centre(engine: &Engine) -> Option<CentreId> {
    engine.with_projections(|p| p.caseload(&CaseloadQuery::default()).cases.first().map(|c| c.centre_id)).ok().flatten()
}

/// Runs `parapompi-bench rebuild-child DIR` and reads the child's peak resident memory.
fn rebuild_peak_memory(dir: &Path) -> Result<f64, String> {
    let output = std::process::Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .arg("rebuild-child")
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|line| line.strip_prefix("VmHWM_KiB "))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("the child said: {text} {}", String::from_utf8_lossy(&output.stderr)))
}

/// The child: folds every read model from the log and reports its peak resident memory.
pub fn rebuild_child(dir: &Path) {
    let store = parapompi::store::Store::open(dir, StoreConfig::default()).expect("store opens");
    let mut projections = parapompi::projections::Projections::new();
    for record in store.iter_from(1) {
        projections.apply(&parapompi::decode(&record.expect("read")).expect("decode"));
    }
    assert!(projections.position() > 0);
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .map(|rest| rest.trim().trim_end_matches("kB").trim().to_owned())
        .unwrap_or_default();
    println!("VmHWM_KiB {kib}");
}

/// Exports the large log as a bundle, then times verifying and replaying it beside SHA-256
/// over the bundle's bytes.
fn bundle_phases(dir: &Path, data: &Path, clock: &Arc<ManualClock>, n_logged: u64) {
    use parapompi::bundle::export_bundle;
    let engine = Engine::open(data, engine_config(clock, Durability::Deferred)).expect("reopen");
    let path = dir.join("bundle.jsonl");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).expect("bundle file"));
    export_bundle(engine.store(), &mut file, 1, parapompi::store::Timestamp::from_unix_ms(1_767_225_600_000))
        .expect("export");
    drop(file);
    drop(engine);
    time_bundle(&path, n_logged);
    let _ = std::fs::remove_file(&path);
}

/// Times verifying and replaying the bundle at `path`, which holds `n_logged` records,
/// beside SHA-256 over its bytes. Also run alone: `parapompi-bench bundle FILE`.
pub fn time_bundle(path: &Path, n_logged: u64) {
    use parapompi::bundle::{replay_projections, verify_bundles};
    use sha2::{Digest, Sha256};
    let n = usize::try_from(n_logged).unwrap_or(0);
    let bytes = std::fs::read(path).expect("bundle bytes");
    let start = Instant::now();
    let digest = Sha256::digest(&bytes);
    let sha_seconds = start.elapsed().as_secs_f64();
    assert_ne!(digest[0..4], [0u8; 4][..]);
    let mib = f64::from(u32::try_from(bytes.len() / (1024 * 1024)).unwrap_or(u32::MAX));
    drop(bytes);
    let files = vec![path.to_path_buf()];
    let start = Instant::now();
    let verified = verify_bundles(&files).expect("the bundle verifies");
    let verify_seconds = start.elapsed().as_secs_f64();
    assert_eq!(verified.n_events, n_logged);
    let start = Instant::now();
    let replayed = replay_projections(&files, None).expect("the bundle replays");
    let replay_seconds = start.elapsed().as_secs_f64();
    assert_eq!(replayed.position(), n_logged);
    let sha_rate = per_second(n, sha_seconds);
    let verify_rate = per_second(n, verify_seconds);
    println!("bundle: {mib:.0} MiB for {n_logged} events");
    println!("  SHA-256 over its bytes:  {sha_rate:>10.0} events/s ({sha_seconds:.2} s)");
    println!(
        "  verify:                  {verify_rate:>10.0} events/s ({verify_seconds:.2} s, {:.2}x SHA-256)",
        verify_rate / sha_rate
    );
    println!("  replay (verify + fold):  {:>10.0} events/s ({replay_seconds:.2} s)", per_second(n, replay_seconds));
    println!("  target verify >= 0.8x SHA-256: {}", if verify_rate >= 0.8 * sha_rate { "met" } else { "MISSED" });
}
