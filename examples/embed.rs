//! Embedding Parapompi end to end: open a data directory, fill it with the demo world when it
//! is empty, then ask what a centre's staff and an evaluator would ask.
//!
//! Run: `cargo run --release --example embed [DATA_DIR]` (default `./parapompi-data`).

use std::process::ExitCode;
use std::sync::Arc;

use parapompi::demo::{populate, DemoOptions};
use parapompi::projections::{BoardQuery, CaseloadQuery, IndicatorQuery};
use parapompi::store::{Clock, Durability, ManualClock, StoreConfig, Timestamp};
use parapompi::{Engine, EngineConfig, EngineError};

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "parapompi-data".to_owned());
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("parapompi: {error}");
            ExitCode::from(2)
        }
    }
}

fn run(dir: &str) -> Result<(), EngineError> {
    // The demo runs on a simulated clock, so the same seed writes the same log.
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(0)));
    let config = EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(&clock) as Arc<dyn Clock>),
        durability: Durability::Deferred,
        ..EngineConfig::default()
    };
    let engine = Engine::open(dir, config)?;
    let options = DemoOptions::default();
    if engine.store().head().position == 0 {
        let summary = populate(&engine, &clock, &options)?;
        println!("made the demo world in {dir}:");
        for (_, name) in &summary.centres {
            println!("  centre  {name}");
        }
        println!(
            "  {} staff, {} agencies, {} beneficiaries, {} cases, {} referrals, {} commands",
            summary.staff.len(),
            summary.n_agencies,
            summary.beneficiaries.len(),
            summary.n_cases,
            summary.n_referrals,
            summary.n_commands
        );
        for (ending, count) in &summary.referral_endings {
            println!("  referrals {ending:<30} {count}");
        }
    } else {
        println!("{dir} already holds {} events; reading it as it is", engine.store().head().position);
    }

    let caseload = engine.caseload(&CaseloadQuery::default())?;
    println!("\nopen cases: {} with {} open referrals", caseload.cases.len(), caseload.n_open_referrals);
    let (first_day, last_day) = (options.first_day, options.first_day.add_days(729)?);
    let board = engine.board(&BoardQuery { overdue_as_of: Some(last_day), ..BoardQuery::default() })?;
    println!("referrals overdue on {last_day}: {}", board.referrals.len());

    let report = engine.indicators(&IndicatorQuery { centre: None, from: first_day, to: last_day })?;
    let json = report.to_json();
    println!("\nindicators {first_day} to {last_day} (first lines of {} bytes of JSON):", json.len());
    for line in json.lines().take(12) {
        println!("  {line}");
    }
    let verified = engine.store().verify()?;
    println!(
        "\nthe log verifies: {} events, head {} {}",
        verified.n_events, verified.head_position, verified.head_hash
    );
    engine.close()
}
