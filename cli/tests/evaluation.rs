//! The demo is reproducible, and a bundle exported by the CLI verifies, replays to the same
//! report byte for byte, and is refused, with its bad record named, once tampered with.

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

    // The same records as JSON Lines, readable by eye: one a line, and they import too.
    let jsonl = w.file("all.jsonl");
    let exported = w.json(&["export", "--jsonl", "--out", jsonl.to_str().unwrap_or_default()]);
    assert_eq!(
        (exported["kind"].as_str(), exported["head_hash"].as_str()),
        (Some("jsonl"), manifest["head_hash"].as_str())
    );
    let text = std::fs::read_to_string(&jsonl).expect("the export");
    assert_eq!(u64::try_from(text.lines().count()).ok(), manifest["n_events"].as_u64());
    assert!(text.lines().all(|line| line.starts_with("{\"position\":")), "one record a line");
    let from_lines = World::new();
    assert_eq!(from_lines.json(&["import", jsonl.to_str().unwrap_or_default()])["kind"], "jsonl");
    assert_eq!(from_lines.ok(&json_report), w.ok(&json_report));

    // Its records: the manifest line, then one frame each.
    let head = manifest["last_position"].as_u64().unwrap_or(0);
    let bytes = std::fs::read(&bundle).expect("the bundle");
    let records_at = bytes.iter().position(|&b| b == b'\n').expect("a manifest line") + 1;
    let (_, frames) = parapompi::store::split_frames(&bytes[records_at..]).expect("whole frames");
    assert_eq!(u64::try_from(frames.len()).ok(), Some(head));
    let offset = |index: usize| records_at + 32 + frames[..index].iter().map(|f| f.len()).sum::<usize>();

    // Tampering: one changed byte in a record, a dropped record, a cut file; each is named by
    // its record number and byte offset.
    let tampered = |name: &str, bytes: Vec<u8>| {
        let path = w.file(name);
        std::fs::write(&path, bytes).expect("writable");
        let run = w.run_in(&w.file(""), &["verify", "--bundle", path.to_str().unwrap_or_default()]);
        assert_eq!(run.code, 2, "{name}: {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{name}: {}", run.stderr);
        run.stderr
    };
    let mut changed = bytes.clone();
    let at = offset(5) + frames[5].windows(6).position(|w| w == b"staff-").expect("an actor");
    changed[at + 5] = b'_';
    let said = tampered("changed.bundle", changed);
    assert!(said.contains(&format!("record 6 (byte {}): position 6: hash mismatch", offset(5))), "{said}");
    let dropped = [&bytes[..offset(5)], &bytes[offset(6)..]].concat();
    let said = tampered("dropped.bundle", dropped);
    assert!(said.contains(&format!("record 6 (byte {}): position 7: position gap", offset(5))), "{said}");
    let said = tampered("cut.bundle", bytes[..bytes.len() - 10].to_vec());
    assert!(
        said.contains(&format!("record {head} (byte {}): the last record is cut short", offset(frames.len() - 1))),
        "{said}"
    );
}

#[test]
fn an_export_into_a_pipe_is_written_through_it_and_leaves_the_pipe_in_place() {
    use std::os::unix::fs::FileTypeExt;
    let w = World::new();
    w.json(&["demo", "--seed", "3", "--beneficiaries", "5"]);
    w.verified_events();
    let fifo = w.file("records.fifo");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo runs");
    assert!(status.success());
    let (sent, got) = std::sync::mpsc::channel();
    let reading = fifo.clone();
    std::thread::spawn(move || sent.send(std::fs::read(&reading).expect("the pipe reads")));
    let exported = w.json(&["export", "--jsonl", "--out", fifo.to_str().unwrap_or_default()]);
    let bytes = got.recv_timeout(std::time::Duration::from_secs(30)).expect("the export came through the pipe");
    let text = String::from_utf8(bytes).expect("UTF-8");
    assert_eq!(u64::try_from(text.lines().count()).ok(), exported["n_events"].as_u64());
    assert!(std::fs::metadata(&fifo).expect("still there").file_type().is_fifo(), "the pipe is not replaced");
    w.fails(2, "is a directory", &["export", "--out", w.file("").to_str().unwrap_or_default()]);
}

#[test]
fn a_report_of_an_unknown_centre_or_past_the_head_is_a_usage_error() {
    let w = World::new();
    set_up(&w);
    let period = ["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"];
    w.fails(2, "--centre: no centre", &[&period[..], &["--centre", "c0000000-0000-4000-8000-00000000dead"]].concat());
    w.fails(
        2,
        "--as-of-position: position 14 is past the head of the log (13)",
        &[&period[..], &["--as-of-position", "14"]].concat(),
    );
    w.ok(&[&period[..], &["--centre", CENTRE, "--as-of-position", "13"]].concat());
    let bundle = w.file("all.bundle");
    w.ok(&["export", "--out", bundle.to_str().unwrap_or_default()]);
    let replay = ["replay", "--bundle", bundle.to_str().unwrap_or_default()];
    let run = w.run(&[&replay[..], &period[..], &["--as-of-position", "99"]].concat());
    assert_eq!(run.code, 2, "{}{}", run.stderr, run.stdout);
    assert!(run.stderr.contains("past the last record of the bundles (13)"), "{}", run.stderr);
}

#[test]
fn export_refuses_to_replace_a_file_unless_forced() {
    let w = World::new();
    set_up(&w);
    let out = w.write("old.bundle", "an earlier export\n");
    let path = out.to_str().unwrap_or_default();
    w.fails(2, &format!("--out: {path} already exists; give --force to replace it"), &["export", "--out", path]);
    w.fails(2, "give --force", &["export", "--jsonl", "--out", path]);
    assert_eq!(std::fs::read_to_string(&out).unwrap_or_default(), "an earlier export\n");
    w.ok(&["export", "--out", path, "--force"]);
    let verified = w.json(&["verify", "--bundle", path]);
    assert_eq!(verified["n_events"], 13, "{verified}");
    w.ok(&["export", "--jsonl", "--out", path, "--force"]);
    assert!(!w.file("old.bundle.partial").exists());
    // A device is written into as before, with no --force.
    let run = w.run(&["export", "--out", "/dev/null"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
