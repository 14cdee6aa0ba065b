//! What the CLI says: usage errors name what is missing or wrong on one line, counts read as
//! English, and hints are lines a shell can take as they are.

mod common;

use common::*;

#[test]
fn a_missing_required_argument_is_named_on_the_one_error_line() {
    let w = World::new();
    set_up(&w);
    let intake = ["--as", WORKER, "intake", "--beneficiary", BENEFICIARY];
    w.fails(2, "parapompi: --channel is required", &[&intake[..], &["--request", "Βοήθεια"]].concat());
    w.fails(2, "--channel and --request are required", &intake);
    w.fails(2, "CASE is required", &["--as", WORKER, "note", "--text", "Σημείωση"]);
}

#[test]
fn a_bad_value_of_a_closed_set_lists_the_allowed_values() {
    let w = World::new();
    set_up(&w);
    let intake = ["--as", WORKER, "intake", "--beneficiary", BENEFICIARY, "--request", "Βοήθεια", "--channel"];
    w.fails(
        2,
        "--channel: 'fax' is not one of walk_in, phone, email, outreach, referred_in",
        &[&intake[..], &["fax"]].concat(),
    );
    w.fails(2, "did you mean 'walk_in'?", &[&intake[..], &["walkin"]].concat());
    w.fails(2, "SHELL: 'tcsh' is not one of bash,", &["completions", "tcsh"]);
}

#[test]
fn apply_names_a_missing_argument_and_the_allowed_values_on_its_line() {
    let w = World::new();
    set_up(&w);
    let batch = w.write(
        "batch.jsonl",
        &format!(
            "{}\n{}\n",
            format_args!(
                r#"{{"command":"intake","as":"{WORKER}","args":{{"beneficiary":"{BENEFICIARY}","request":"Βοήθεια"}}}}"#
            ),
            format_args!(
                r#"{{"command":"intake","as":"{WORKER}","args":{{"beneficiary":"{BENEFICIARY}","request":"Βοήθεια","channel":"fax"}}}}"#
            ),
        ),
    );
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}{}", run.stderr, run.stdout);
    let lines: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(lines[0]["error"], "--channel is required", "{}", lines[0]);
    assert_eq!(
        lines[1]["error"], "--channel: 'fax' is not one of walk_in, phone, email, outreach, referred_in",
        "{}",
        lines[1]
    );
    assert_eq!(w.verified_events(), 13);
}

#[test]
fn counts_of_one_are_singular() {
    let w = World::new();
    set_up(&w);
    let caseload = w.ok(&["caseload"]);
    assert!(caseload.lines().any(|l| l == "1 open case, 1 open referral"), "{caseload}");
    let board = w.ok(&["board"]);
    assert!(board.lines().any(|l| l == "1 referral: draft 1"), "{board}");
    let fresh = World::new();
    fresh.ok(&["init"]);
    let again = fresh.ok(&["init"]);
    assert!(again.contains("(0 events)"), "{again}");
}

/// The lines of a set-up's human output that a shell would run as they are.
fn pasteable(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("export ") || l.starts_with("parapompi ")).collect()
}

#[test]
fn hints_after_a_write_are_lines_a_shell_can_paste() {
    let w = World::new();
    let init = w.ok(&["init"]);
    assert_eq!(pasteable(&init), ["parapompi centre register --help"], "{init}");
    let register = w.ok(&[
        "centre",
        "register",
        "--name",
        "Κέντρο Κοινότητας Δήμου Αποκορώνου",
        "--host",
        "Αποκορώνου",
        "--supervising-service",
        "Κοινωνική Υπηρεσία Δήμου Αποκορώνου",
        "--admin-name",
        "Ειρήνη Μαρκάκη",
        "--admin-id",
        ADMIN,
    ]);
    assert_eq!(pasteable(&register), [format!("export PARAPOMPI_ACTOR={ADMIN}")], "{register}");
    assert!(register.lines().next().is_some_and(|l| l.ends_with("(positions 1..2)")), "{register}");
    let added =
        w.ok(&["--as", ADMIN, "staff", "add", "--name", "Στέλιος", "--role", "social_worker", "--staff-id", WORKER]);
    assert_eq!(pasteable(&added), [format!("export PARAPOMPI_ACTOR={WORKER}")], "{added}");
}

#[test]
fn the_demo_quotes_a_data_directory_that_a_shell_would_split() {
    let w = World::new();
    let dir = w.file("my data");
    let run: Run = parapompi()
        .arg("--data-dir")
        .arg(&dir)
        .args(["demo", "--beneficiaries", "5"])
        .output()
        .expect("the binary runs")
        .into();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let quoted = format!("--data-dir '{}' stats", dir.display());
    assert!(run.stdout.lines().any(|l| l.trim() == format!("parapompi {quoted}")), "{}", run.stdout);
}
