//! The demo is reproducible, and a bundle exported by the CLI verifies, replays to the same
//! report byte for byte, and is refused, with its bad line named, once tampered with.

mod common;

use common::*;

const REPORT: [&str; 6] = ["report", "indicators", "--from", "2023-06-01", "--to", "2025-05-31"];

#[test]
fn the_same_demo_seed_gives_the_same_report_bytes() {
    let (first, second) = (World::new(), World::new());
    let demo = ["demo", "--seed", "7", "--beneficiaries", "40"];
    let made = first.json(&demo);
    assert_eq!(made["seed"], 7);
    second.ok(&demo);
    let report = [&REPORT[..], &["--format", "json"]].concat();
    let bytes = first.ok(&report);
    assert_eq!(bytes, second.ok(&report));
    assert!(bytes.contains("\"participants\""));
    first.verified_events();
    first.fails(2, "not empty", &demo);
}

#[test]
fn export_verify_replay_and_import_round_trip_and_tampering_is_located() {
    let w = World::new();
    let made = w.json(&["demo", "--seed", "3", "--beneficiaries", "25"]);
    let case = made["sample_open_case"].as_str().expect("an open case").to_owned();
    let bundle = w.file("all.bundle");
    let manifest = w.json(&["export", "--out", bundle.to_str().unwrap_or_default()]);
    assert_eq!(manifest["format"], "parapompi-bundle");
    let bundle_arg = bundle.to_str().unwrap_or_default();
    let verified = w.json(&["verify", "--bundle", bundle_arg]);
    assert_eq!(verified["head_hash"], manifest["head_hash"]);

    for format in ["json", "csv"] {
        let report = [&REPORT[..], &["--format", format]].concat();
        let from_store = w.ok(&report);
        let replayed = w.run_in(&w.file(""), &[&["replay", "--bundle", bundle_arg][..], &report].concat());
        assert_eq!(replayed.code, 0, "{}", replayed.stderr);
        assert_eq!(replayed.stdout, from_store, "replayed {format} differs");
    }
    let audit = w.ok(&["audit", &case, "--json"]);
    let replayed = w.run_in(&w.file(""), &["replay", "--bundle", bundle_arg, "audit", &case, "--json"]);
    assert_eq!((replayed.code, replayed.stdout), (0, audit), "the audit trail replays the same");

    // Import the bundle into a fresh store: the same report, byte for byte.
    let fresh = World::new();
    let imported = fresh.json(&["import", bundle_arg]);
    assert_eq!(imported["kind"], "bundle");
    assert_eq!(imported["head_hash"], manifest["head_hash"]);
    let json_report = [&REPORT[..], &["--format", "json"]].concat();
    assert_eq!(fresh.ok(&json_report), w.ok(&json_report));

    // Incremental: a second bundle from the next position joins the first.
    let head = manifest["last_position"].as_u64().unwrap_or(0);
    let text = std::fs::read_to_string(&bundle).expect("the bundle");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(u64::try_from(lines.len() - 1).ok(), Some(head));

    // Tampering: one changed byte in a record, a dropped record, a cut file.
    let tampered = |name: &str, text: String| {
        let path = w.write(name, &text);
        let run = w.run_in(&w.file(""), &["verify", "--bundle", path.to_str().unwrap_or_default()]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        run.stderr
    };
    let changed = text.replacen("\"actor\":\"staff-", "\"actor\":\"staff_", 1);
    let first_changed = text.lines().zip(changed.lines()).position(|(a, b)| a != b).expect("a changed line") + 1;
    assert!(tampered("changed.bundle", changed).contains(&format!("line {first_changed}:")));
    let mut dropped: Vec<&str> = lines.clone();
    dropped.remove(5);
    assert!(tampered("dropped.bundle", dropped.join("\n") + "\n").contains("line 6:"));
    let cut = &text[..text.len() - 10];
    assert!(tampered("cut.bundle", cut.to_owned()).contains(&format!("line {}:", lines.len())));
}
