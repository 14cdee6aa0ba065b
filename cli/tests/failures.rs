//! For every command: a rejection by a domain rule (exit 1, the rule named) and a bad input
//! (exit 2, the field named); after each, the store verifies and holds the same events.

mod common;

use common::*;

const FUTURE: &str = "2199-01-01";
const BAD_ID: &str = "not-a-uuid";
const UNKNOWN: &str = "99999999-0000-4000-8000-000000000000";

#[test]
fn directory_commands_reject_and_refuse_bad_input_without_writing() {
    let w = World::new();
    set_up(&w);
    let register = |centre: &str, name: &str| {
        vec![
            "centre".to_owned(),
            "register".to_owned(),
            "--name".to_owned(),
            name.to_owned(),
            "--host".to_owned(),
            "Αποκορώνου".to_owned(),
            "--supervising-service".to_owned(),
            "Κοινωνική Υπηρεσία".to_owned(),
            "--admin-name".to_owned(),
            "Ειρήνη".to_owned(),
            "--centre-id".to_owned(),
            centre.to_owned(),
        ]
    };
    let args = register(CENTRE, "Κέντρο");
    w.fails(1, "AlreadyExists", &args.iter().map(String::as_str).collect::<Vec<_>>());
    let long_name = "Κ".repeat(201);
    let args = register(UNKNOWN, &long_name);
    w.fails(2, "--name", &args.iter().map(String::as_str).collect::<Vec<_>>());

    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "centre", "serve", CENTRE, "--municipality", "Σφακίων"]);
    w.fails(2, "--municipality", &["--as", ADMIN, "centre", "serve", CENTRE, "--municipality", "  "]);
    // A municipality not in the list: the nearest entries are named, nothing is written.
    w.fails(
        2,
        "«Grevna» is not a municipality of Greece; the nearest are: Γρεβενών (Grevena, 1501)",
        &["--as", ADMIN, "centre", "serve", CENTRE, "--municipality", "Grevna"],
    );
    w.fails(2, "Ηρακλείου (4604)", &["--as", ADMIN, "centre", "serve", CENTRE, "--municipality", "Ηρακλείου"]);
    w.fails(
        1,
        "RoleNotPermitted",
        &["--as", WORKER, "centre", "antenna", CENTRE, "--name", "Α", "--municipality", "Σφακίων"],
    );
    w.fails(2, "CENTRE", &["--as", ADMIN, "centre", "antenna", BAD_ID, "--name", "Α", "--municipality", "Σφακίων"]);
    w.fails(1, "AntennaNotOpen", &["--as", ADMIN, "centre", "close-antenna", CENTRE, UNKNOWN]);
    w.fails(2, "ANTENNA", &["--as", ADMIN, "centre", "close-antenna", CENTRE, BAD_ID]);
    let programme = ["centre", "programme", CENTRE, "--code", "MIS 5002", "--fund", "ΕΚΤ"];
    w.fails(
        1,
        "PeriodEndsBeforeStart",
        &[&["--as", ADMIN][..], &programme, &["--from", "2023-05-31", "--to", "2021-01-01", "--budget", "266400"]]
            .concat(),
    );
    w.fails(
        2,
        "--budget",
        &[&["--as", ADMIN][..], &programme, &["--from", "2021-01-01", "--to", "2023-05-31", "--budget", "lots"]]
            .concat(),
    );

    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "staff", "add", "--name", "Νέα", "--role", "reception"]);
    w.fails(2, "--role", &["--as", ADMIN, "staff", "add", "--name", "Νέα", "--role", "janitor"]);
    w.fails(2, "--as", &["staff", "add", "--name", "Νέα", "--role", "reception"]);
    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "staff", "roles", SUPERVISOR, "--role", "reception"]);
    w.fails(2, "unknown id", &["--as", ADMIN, "staff", "roles", UNKNOWN, "--role", "reception"]);
    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "staff", "deactivate", SUPERVISOR]);
    w.fails(2, "STAFF", &["--as", ADMIN, "staff", "deactivate", BAD_ID]);

    let agency = ["agency", "add", "--name", "Ε", "--kind", "other", "--need", "health", "--municipality", "Χανίων"];
    w.fails(1, "AlreadyExists", &[&["--as", ADMIN][..], &agency, &["--agency-id", AGENCY]].concat());
    w.fails(2, "--email", &[&["--as", ADMIN][..], &agency, &["--email", "not an address"]].concat());
    w.fails(1, "NothingToChange", &["--as", ADMIN, "agency", "update", AGENCY, "--municipality", "Χανίων"]);
    w.fails(2, "AGENCY", &["--as", ADMIN, "agency", "update", UNKNOWN, "--municipality", "Χανίων"]);
    w.fails(1, "NothingToChange", &["--as", ADMIN, "agency", "deactivate", AGENCY_OFF]);
    w.fails(2, "--reason", &["--as", ADMIN, "agency", "deactivate", AGENCY, "--reason", &"x".repeat(1001)]);
    w.fails(1, "NothingToChange", &["--as", ADMIN, "agency", "reactivate", AGENCY]);
    w.fails(2, "AGENCY", &["--as", ADMIN, "agency", "reactivate", BAD_ID]);
    w.fails(2, "--need", &["agency", "list", "--need", "everything"]);
}

#[test]
fn people_and_case_commands_reject_and_refuse_bad_input_without_writing() {
    let w = World::new();
    set_up(&w);
    let person = ["--given-name", "Ελένη", "--family-name", "Σαββίδου", "--municipality", "Σφακίων"];
    w.fails(
        1,
        "AlreadyExists",
        &[
            &["--as", WORKER, "beneficiary", "register"][..],
            &person,
            &["--amka", AMKA, "--beneficiary-id", BENEFICIARY],
        ]
        .concat(),
    );
    w.fails(
        2,
        "--amka",
        &[&["--as", WORKER, "beneficiary", "register"][..], &person, &["--amka", "01017012345"]].concat(),
    );
    w.fails(
        2,
        "--year-of-birth",
        &[&["--as", WORKER, "beneficiary", "register"][..], &person, &["--amka", AMKA, "--year-of-birth", "old"]]
            .concat(),
    );
    // Staff of another centre never act on this centre's people, whatever their roles.
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "beneficiary", "update", BENEFICIARY, "--labour-status", "employed"]);
    w.fails(2, "--gender", &["--as", WORKER, "beneficiary", "update", BENEFICIARY, "--gender", "unknown"]);
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "beneficiary", "legal-basis", BENEFICIARY, "--basis", "consent"]);
    w.fails(2, "unknown id", &["--as", WORKER, "beneficiary", "legal-basis", UNKNOWN, "--basis", "consent"]);
    w.fails(
        1,
        "DateInFuture",
        &["--as", WORKER, "beneficiary", "consent", BENEFICIARY, "--agency", AGENCY, "--on", FUTURE],
    );
    w.fails(
        2,
        "--on",
        &["--as", WORKER, "beneficiary", "consent", BENEFICIARY, "--agency", AGENCY, "--on", "2024-02-30"],
    );
    w.fails(
        1,
        "NoActiveConsent",
        &["--as", WORKER, "beneficiary", "withdraw-consent", BENEFICIARY, "--agency", AGENCY],
    );
    w.fails(2, "--agency", &["--as", WORKER, "beneficiary", "withdraw-consent", BENEFICIARY, "--agency", BAD_ID]);
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "beneficiary", "erase", BENEFICIARY]);
    w.fails(2, "BENEFICIARY", &["--as", WORKER, "beneficiary", "erase", UNKNOWN]);

    let intake = ["intake", "--beneficiary", BENEFICIARY, "--channel", "phone", "--request", "Βοήθεια"];
    w.fails(1, "DateInFuture", &[&["--as", WORKER][..], &intake, &["--date", FUTURE]].concat());
    w.fails(
        2,
        "--referred-by",
        &[&["--as", WORKER][..], &intake[..3], &["--channel", "referred_in", "--request", "Βοήθεια"]].concat(),
    );
    w.fails(1, "DateInFuture", &["--as", WORKER, "assess", CASE, "--need", "employment:high", "--on", FUTURE]);
    w.fails(2, "--need", &["--as", WORKER, "assess", CASE, "--need", "employment:urgent"]);
    w.fails(1, "DateInFuture", &["--as", WORKER, "service", CASE, "--kind", "counselling", "--on", FUTURE]);
    w.fails(2, "--kind", &["--as", WORKER, "service", CASE, "--kind", "massage"]);
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "note", CASE, "--text", "Σημείωση"]);
    w.fails(2, "--text", &["--as", WORKER, "note", CASE, "--text", "\u{7}"]);

    w.fails(1, "AlreadyAssigned", &["--as", WORKER, "case", "assign", CASE, "--staff", WORKER]);
    w.fails(2, "--staff", &["--as", WORKER, "case", "assign", CASE, "--staff", BAD_ID]);
    w.fails(1, "OpenReferralsRemain", &["--as", WORKER, "case", "close", CASE, "--reason", "goals_met"]);
    w.fails(2, "--reason", &["--as", WORKER, "case", "close", CASE, "--reason", "bored"]);
    w.fails(1, "CaseIsOpen", &["--as", SUPERVISOR, "case", "reopen", CASE, "--reason", "Ξανά"]);
    w.fails(2, "unknown id", &["--as", SUPERVISOR, "case", "reopen", UNKNOWN, "--reason", "Ξανά"]);
    w.fails(2, "CASE", &["case", "show", UNKNOWN]);
}

#[test]
fn referral_commands_reject_and_refuse_bad_input_without_writing() {
    let w = World::new();
    set_up(&w);
    w.fails(1, "AgencyDoesNotServeNeed", &["--as", WORKER, "refer", CASE, "--agency", AGENCY, "--need", "housing"]);
    w.fails(2, "--due", &["--as", WORKER, "refer", CASE, "--agency", AGENCY, "--need", "employment", "--due", "soon"]);
    w.fails(1, "NoSharingConsent", &["--as", WORKER, "referral", "send", REFERRAL]);
    w.fails(2, "REFERRAL", &["--as", WORKER, "referral", "send", UNKNOWN]);
    for step in ["accept", "start", "resume", "expire"] {
        w.fails(1, "TransitionNotAllowed", &["--as", WORKER, "referral", step, REFERRAL]);
        w.fails(2, "REFERRAL", &["--as", WORKER, "referral", step, BAD_ID]);
    }
    for (step, rule) in
        [("decline", "TransitionNotAllowed"), ("hold", "TransitionNotAllowed"), ("cancel", "MissingReason")]
    {
        w.fails(1, rule, &["--as", WORKER, "referral", step, REFERRAL]);
        w.fails(2, "--reason", &["--as", WORKER, "referral", step, REFERRAL, "--reason", ""]);
    }
    w.fails(1, "TransitionNotAllowed", &["--as", WORKER, "referral", "complete", REFERRAL]);
    w.fails(2, "--outcome", &["--as", WORKER, "referral", "complete", REFERRAL, "--outcome", "great"]);
    w.fails(1, "TransitionNotAllowed", &["--as", WORKER, "referral", "fail", REFERRAL, "--reason", "Δεν ήρθε"]);
    w.fails(2, "--case", &["--as", WORKER, "referral", "fail", REFERRAL, "--case", BAD_ID]);
    w.fails(1, "TransitionNotAllowed", &["--as", WORKER, "referral", "reroute", REFERRAL, "--agency", AGENCY]);
    w.fails(2, "--agency", &["--as", WORKER, "referral", "reroute", REFERRAL, "--agency", BAD_ID]);
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "referral", "note", REFERRAL, "--text", "Τηλεφώνησα"]);
    w.fails(2, "--text", &["--as", WORKER, "referral", "note", REFERRAL, "--text", &"λ".repeat(4001)]);
    w.fails(1, "DueDateOutOfRange", &["--as", WORKER, "referral", "due", REFERRAL, "--on", "2198-01-01"]);
    w.fails(2, "--on", &["--as", WORKER, "referral", "due", REFERRAL, "--on", "tomorrow"]);
}

#[test]
fn views_log_and_batch_commands_refuse_bad_input_without_writing() {
    let w = World::new();
    set_up(&w);
    w.fails(2, "--staff", &["caseload", "--staff", BAD_ID]);
    w.fails(2, "--status", &["board", "--status", "lost"]);
    w.fails(2, "ID", &["audit", UNKNOWN]);
    w.fails(2, "--from", &["report", "indicators", "--from", "2024-13-01", "--to", "2024-12-31"]);
    w.fails(
        2,
        "--as-of",
        &["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31", "--as-of", "yesterday"],
    );
    w.fails(2, "--from", &["export", "--out", w.file("x.bundle").to_str().unwrap_or_default(), "--from", "9999"]);
    w.fails(2, "FILE", &["import", w.file("missing.jsonl").to_str().unwrap_or_default()]);
    let not_a_log = w.write("not-a-log.jsonl", "{\"hello\": 1}\n");
    w.fails(2, "line 1", &["import", not_a_log.to_str().unwrap_or_default()]);
    w.fails(2, "SHELL", &["completions", "tcsh"]);
    w.fails(2, "unexpected argument", &["stats", "--verbose"]);
    w.fails(2, "unexpected argument", &["rebuild", "--fast"]);

    // apply: a rejected line exits 1 naming the rule, a malformed line exits 2; each line
    // reports on its own and writes nothing.
    let batch = w.write(
        "batch.jsonl",
        &format!(
            "{}\nnot json\n{{\"command\":\"intake\",\"args\":{{\"beneficiary\":\"{BENEFICIARY}\",\"channel\":\"walk_in\",\"request\":\"Βοήθεια\",\"colour\":\"red\"}}}}\n",
            format_args!(r#"{{"command":"referral send","as":"{WORKER}","args":{{"referral":"{REFERRAL}"}}}}"#)
        ),
    );
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    let lines: Vec<serde_json::Value> =
        run.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["rule"], "NoSharingConsent");
    assert_eq!(lines[0]["exit_code"], 1);
    assert_eq!(lines[1]["exit_code"], 2);
    assert!(lines[2]["error"].as_str().unwrap_or_default().contains("args.colour"), "{}", lines[2]);
    assert_eq!(w.verified_events(), 13);
    let run = w.run(&["apply", "--stop-on-error", batch.to_str().unwrap_or_default()]);
    assert_eq!((run.code, run.stdout.lines().count()), (1, 1), "{}", run.stdout);
    w.fails(2, "FILE", &["apply", w.file("missing.jsonl").to_str().unwrap_or_default()]);
    assert_eq!(w.verified_events(), 13);

    // A missing store is a usage error, and nothing is created.
    let missing = World::new();
    let run = missing.run(&["stats"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no store"), "{}", run.stderr);
    assert!(!missing.data().exists(), "a missing store is not created by a read");
}

#[test]
fn a_store_held_by_another_process_is_reported_in_one_line_and_exits_2() {
    let w = World::new();
    w.ok(&["init"]);
    // This test process holds the store, as another operator's command would.
    let held = parapompi::store::Store::open(w.data(), parapompi::store::StoreConfig::default()).expect("opens");
    for args in [&["stats"][..], &["verify"][..], &["caseload"][..]] {
        let run = w.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {:?}", run.stderr);
        assert!(run.stderr.contains("in use"), "{args:?}: {:?}", run.stderr);
    }
    drop(held);
    w.verified_events();
}
