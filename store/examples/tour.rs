//! A tour of the event log: opens a data directory (`./parapompi-data`, or the first
//! argument), records a referral's story for one case as events, reads it back, verifies the
//! hash chain, and exports the log as JSON Lines beside the store.
//!
//! Run: `cargo run -p parapompi-store --example tour [DATA_DIR]`

use std::process::ExitCode;

use parapompi_store::*;
use uuid::Uuid;

fn main() -> ExitCode {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "parapompi-data".to_owned());
    match tour(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("parapompi tour: {error}");
            ExitCode::from(2)
        }
    }
}

fn tour(dir: &str) -> Result<(), StoreError> {
    let store = Store::open(dir, StoreConfig::default())?;
    println!("opened the log in {dir}: {} records so far", store.head().position);

    let case = StreamId::new(format!("case-{}", Uuid::new_v4()))?;
    let actor = Actor::new("staff-tour")?;
    let story = [
        ("CaseOpened", r#"{"channel":"walk_in","request":"Χρειάζομαι βοήθεια για το επίδομα θέρμανσης"}"#),
        ("NeedsAssessed", r#"{"needs":[{"domain":"income_and_benefits","priority":"high"}]}"#),
        ("ReferralCreated", r#"{"agency":"Κοινωνικό Παντοπωλείο Δήμου Αποκορώνου","need":"income_and_benefits"}"#),
        ("ReferralSent", r#"{"follow_up_due":"2026-12-10"}"#),
        ("ReferralAccepted", r#"{}"#),
    ];
    let mut version = 0;
    for (day, (event_type, payload)) in (0i64..).zip(story) {
        let appended = store.append(Append {
            stream_id: case.clone(),
            expected: ExpectedVersion::Exact(version),
            command_id: Uuid::now_v7(),
            events: vec![NewEvent {
                event_id: Uuid::new_v4(),
                event_type: EventType::new(event_type)?,
                schema_version: 1,
                occurred_at: Timestamp::from_unix_ms(1_764_028_800_000 + day * 86_400_000),
                actor: actor.clone(),
                payload: Payload::from_json(payload)?,
            }],
            durability: Durability::Durable,
        })?;
        version = appended.last_version();
    }

    println!("\n{case}:");
    for record in store.read_stream(&case, 1, 100)? {
        println!(
            "  #{:<6} v{} {:<17} {}",
            record.position,
            record.stream_version,
            record.event_type.as_str(),
            record.payload.as_str()
        );
    }
    let verified = store.verify()?;
    println!(
        "\nverified {} records in {} streams; head {} {}",
        verified.n_events, verified.n_streams, verified.head_position, verified.head_hash
    );
    let export_path = std::path::Path::new(dir).join("export.jsonl");
    let mut file = std::fs::File::create(&export_path)
        .map_err(|e| StoreError::Io { context: "creating the export", source: e })?;
    let exported = store.export_jsonl(&mut file, 1, u64::MAX)?;
    println!("exported {} records to {}", exported.n_events, export_path.display());
    println!("check it without Parapompi: python3 scripts/verify_log.py {}", export_path.display());
    Ok(())
}
