//! `demo`: the realistic demo world of `parapompi::demo`, written on a simulated clock so the
//! same seed gives the same log, byte for byte.

use std::sync::Arc;

use parapompi::demo::DemoOptions;
use parapompi::store::{Clock, Durability, ManualClock, StoreConfig, Timestamp};
use parapompi::EngineConfig;
use serde_json::json;

use crate::args::{DemoArgs, Global};
use crate::error::CliError;
use crate::i18n::{message, vocab};
use crate::output::{count, count_of, shell_word, Out};
use crate::progress::Progress;
use crate::session::data_dir;

/// Runs the demo in an empty (or missing) data directory.
pub fn run(args: DemoArgs, global: &Global, out: &mut Out) -> Result<(), CliError> {
    let dir = data_dir(global);
    if let Ok(mut entries) = std::fs::read_dir(&dir) {
        if entries.next().is_some() {
            return Err(CliError::field(
                "--data-dir",
                message("demo-not-empty", &[("text", &dir.display().to_string())]),
            ));
        }
    }
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(0)));
    let config = EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(&clock) as Arc<dyn Clock>),
        durability: Durability::Deferred,
        ..EngineConfig::default()
    };
    let options = DemoOptions {
        seed: args.seed,
        n_beneficiaries: usize::try_from(args.beneficiaries).unwrap_or(usize::MAX),
        ..DemoOptions::default()
    };
    let engine = crate::session::open_engine(global, config)?;
    let progress = Progress::bar(&message("progress-demo", &[]));
    let summary = parapompi::demo::populate_reporting(&engine, &clock, &options, &|p| progress.report(p))?;
    progress.finish();
    let head = engine.store().head();
    engine.close()?;

    let (first_day, last_day) = summary.period.unwrap_or((options.first_day, options.first_day));
    let admin = summary.staff.first().map(|s| s.0.to_string()).unwrap_or_default();
    let case = summary.sample_open_case.map(|c| c.to_string());
    let centres: Vec<serde_json::Value> =
        summary.centres.iter().map(|(id, name)| json!({"centre_id": id.to_string(), "name": name})).collect();
    let staff: Vec<serde_json::Value> = summary
        .staff
        .iter()
        .map(|(id, name, centre, roles)| {
            json!({
                "staff_id": id.to_string(),
                "name": name,
                "centre_id": centre.to_string(),
                "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    out.json_line(&json!({
        "data_dir": dir.display().to_string(),
        "seed": options.seed,
        "centres": centres,
        "staff": staff,
        "n_agencies": summary.n_agencies,
        "n_beneficiaries": summary.beneficiaries.len(),
        "n_cases": summary.n_cases,
        "n_referrals": summary.n_referrals,
        "n_commands": summary.n_commands,
        "referral_endings": summary.referral_endings,
        "sample_open_case": case,
        "period": {"from": first_day.to_string(), "to": last_day.to_string()},
        "head_position": head.position,
        "head_hash": head.hash.to_hex(),
    }))?;
    let seed = options.seed.to_string();
    out.line(message("demo-made", &[("text", &dir.display().to_string()), ("value", &seed)]))?;
    for (_, name) in &summary.centres {
        out.line(format!("  {}", message("demo-centre", &[("name", name)])))?;
    }
    let counts = [
        count_of(summary.staff.len(), "staff_member"),
        count_of(summary.n_agencies, "agency"),
        count_of(summary.beneficiaries.len(), "beneficiary"),
        count_of(summary.n_cases, "case"),
        count_of(summary.n_referrals, "referral"),
        count(head.position, "event"),
    ];
    out.line(format!("  {}", counts.join(", ")))?;
    // The endings (a referral's status, named in the run's language) in one column and their
    // counts right-aligned in the next.
    let endings: Vec<(String, String)> = summary
        .referral_endings
        .iter()
        .map(|(ending, n_referrals)| (ending_name(ending), n_referrals.to_string()))
        .collect();
    let name_width = endings.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0);
    let count_width = endings.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
    let label = message("demo-referrals", &[]);
    for (ending, n_referrals) in &endings {
        out.line(format!("  {label} {ending:<name_width$}  {n_referrals:>count_width$}"))?;
    }
    let data = format!("--data-dir {}", shell_word(&dir.display().to_string()));
    out.line(format!("\n{}", message("demo-next", &[])))?;
    out.line(format!("  export PARAPOMPI_ACTOR={admin}"))?;
    out.line(format!("  parapompi {data} stats"))?;
    out.line(format!("  parapompi {data} caseload"))?;
    out.line(format!("  parapompi {data} board --overdue --on {last_day}"))?;
    if let Some(case) = &case {
        out.line(format!("  parapompi {data} case show {case}"))?;
        out.line(format!("  parapompi {data} audit {case}"))?;
    }
    out.line(format!("  parapompi {data} report indicators --from {first_day} --to {last_day}"))?;
    out.line(format!("  parapompi {data} export --out demo.bundle && parapompi verify --bundle demo.bundle"))
}

/// A referral's ending as the demo counts it (`declined`, `completed_partly`: a status, and
/// for a completed or failed referral its outcome) in the run's language.
fn ending_name(ending: &str) -> String {
    for status in ["completed", "failed"] {
        if let Some(outcome) = ending.strip_prefix(status).and_then(|rest| rest.strip_prefix('_')) {
            let (status, outcome) = (vocab("status", status), vocab("outcome", outcome));
            return message("demo-ending-outcome", &[("text", &status), ("outcome", &outcome)]);
        }
    }
    vocab("status", ending)
}
