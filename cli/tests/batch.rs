//! `apply` reads the files that spreadsheets and editors write.

mod common;

use common::*;

fn note_line(text: &str) -> String {
    format!(r#"{{"command":"note","as":"{WORKER}","args":{{"case":"{CASE}","text":"{text}"}}}}"#)
}

#[test]
fn apply_takes_a_byte_order_mark_at_the_start_of_its_input_only() {
    let w = World::new();
    set_up(&w);
    let batch = w.write("bom.jsonl", &format!("\u{feff}{}\r\n{}\r\n", note_line("Πρώτη"), note_line("Δεύτερη")));
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 0, "{}{}", run.stderr, run.stdout);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    assert_eq!(w.verified_events(), 15);

    // A mark anywhere else is an error of its line, and the line is named.
    let batch = w.write("late-bom.jsonl", &format!("{}\n\u{feff}{}\n", note_line("Τρίτη"), note_line("Τέταρτη")));
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}{}", run.stderr, run.stdout);
    let lines: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(lines[0]["ok"], true, "{}", lines[0]);
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap_or_default().contains("byte-order mark"), "{}", lines[1]);
    assert_eq!(w.verified_events(), 16);

    // From standard input too.
    let mut child = parapompi()
        .arg("--data-dir")
        .arg(w.data())
        .args(["apply", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    use std::io::Write;
    let input = format!("\u{feff}{}\n", note_line("Πέμπτη"));
    child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("written");
    let output = child.wait_with_output().expect("it ends");
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    assert_eq!(w.verified_events(), 17);
}

#[test]
fn apply_remembers_only_referrals_that_were_written() {
    let w = World::new();
    set_up(&w);
    let command_id = "01900000-0000-7000-8000-000000000001";
    let refer = |referral: &str| {
        format!(
            r#"{{"command":"refer","as":"{WORKER}","command_id":"{command_id}","args":{{"case":"{CASE}","agency":"{AGENCY}","need":"employment","referral_id":"{referral}"}}}}"#
        )
    };
    let send = |referral: &str| {
        format!(
            r#"{{"command":"referral send","as":"{WORKER}","args":{{"referral":"{referral}","override_reason":"Επείγει"}}}}"#
        )
    };
    let (first, repeat) = ("f0000000-0000-4000-8000-00000000000a", "f0000000-0000-4000-8000-00000000000b");
    // The command id used again for another referral is refused and writes nothing, so the
    // referral it names does not exist and must not be found.
    let lines = [refer(first), refer(repeat), send(repeat), send(first)];
    let batch = w.write("memo.jsonl", &(lines.join("\n") + "\n"));
    let run = w.run(&["--as", SUPERVISOR, "apply", batch.to_str().unwrap_or_default()]);
    let results: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(results.len(), 4, "{}", run.stdout);
    assert_eq!(results[0]["ok"], true, "{}", results[0]);
    assert_eq!(results[1]["exit_code"], 2, "{}", results[1]);
    assert!(results[1]["error"].as_str().unwrap_or_default().contains("already used by another command"));
    assert_eq!(results[2]["exit_code"], 2, "{}", results[2]);
    assert!(results[2]["error"].as_str().unwrap_or_default().contains("no referral"), "{}", results[2]);
    assert_ne!(results[3]["exit_code"], 2, "{}", results[3]);
}

#[test]
fn apply_takes_acts_in_the_library_form() {
    let w = World::new();
    set_up(&w);
    let n_events = w.verified_events();
    let act = |text: &str| {
        format!(
            r#"{{"act":[{{"case":{{"case_id":"{CASE}","action":{{"add_note":{{"text":"{text}"}}}}}}}}],"as":"{WORKER}","command_id":"01900000-0000-7000-8000-0000000000a1"}}"#
        )
    };
    let lines = [
        act("Τηλεφώνησε η ίδια."),
        act("Τηλεφώνησε η ίδια."),
        act("Άλλο κείμενο."),
        r#"{"act":[{"case":{"case_id":"nope"}}]}"#.to_owned(),
        r#"{"act":[],"as":"x"}"#.to_owned(),
    ];
    let batch = w.write("acts.jsonl", &(lines.join("\n") + "\n"));
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    let results: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(results.len(), 5, "{}", run.stdout);
    assert_eq!(results[0]["ok"], true, "{}", results[0]);
    assert_eq!(results[0]["result"]["events"][0]["event_type"], "CaseNoteAdded", "{}", results[0]);
    assert_eq!(results[1]["result"]["deduplicated"], true, "{}", results[1]);
    assert_eq!(results[2]["exit_code"], 2, "another act under the same id: {}", results[2]);
    assert!(results[3]["error"].as_str().unwrap_or_default().contains("act[0]"), "{}", results[3]);
    assert!(results[4]["error"].as_str().unwrap_or_default().contains("one or more commands"), "{}", results[4]);
    assert_eq!(w.verified_events(), n_events + 1);
}
