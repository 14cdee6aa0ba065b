//! ESF+ through the real binary: a centre with a funding programme takes a person in, the
//! intake records the situation at entry, the case closes only with the situation on
//! leaving, and the report gives the managing authority's rows and the table people read.

mod common;

use common::*;
use serde_json::Value;

const AT: &str = "2024-12-02T09:00:00+02:00";

fn id(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("{key} in {value}")).to_owned()
}

#[test]
fn an_intake_enters_the_operation_and_the_closure_records_the_leaving() {
    let _watchdog = watchdog("esf", 240);
    let w = World::new();
    w.ok(&["init"]);
    let centre = w.json(&[
        "centre",
        "register",
        "--name",
        "Κέντρο Κοινότητας Δήμου Γρεβενών",
        "--host",
        "Γρεβενά",
        "--supervising-service",
        "Κοινωνική Υπηρεσία Δήμου Γρεβενών",
        "--admin-name",
        "Ελένη Τσιρίκου",
        "--at",
        AT,
    ]);
    let (centre_id, admin) = (id(&centre, "centre_id"), id(&centre, "staff_id"));
    let as_admin = |args: &[&str]| w.json(&[&["--as", &admin, "--at", AT][..], args].concat());
    as_admin(&[
        "centre",
        "programme",
        &centre_id,
        "--code",
        "ΟΠΣ 6001244",
        "--fund",
        "ΕΚΤ+",
        "--from",
        "2023-06-01",
        "--to",
        "2026-12-31",
        "--budget",
        "412000.00",
    ]);
    let worker = id(&as_admin(&["staff", "add", "--name", "Νίκος Ζήσης", "--role", "social_worker"]), "staff_id");
    let as_worker = |args: &[&str]| w.json(&[&["--as", &worker, "--at", AT][..], args].concat());
    let person = id(
        &as_worker(&[
            "beneficiary",
            "register",
            "--given-name",
            "Σοφία",
            "--family-name",
            "Καραγιάννη",
            "--amka",
            AMKA,
            "--gender",
            "female",
            "--year-of-birth",
            "1988",
            "--municipality",
            "Γρεβενά",
            "--labour-status",
            "long_term_unemployed",
            "--education",
            "isced_3_4",
            "--third-country-national",
            "yes",
            "--area",
            "rural_areas",
        ]),
        "beneficiary_id",
    );
    let opened = as_worker(&["intake", "--beneficiary", &person, "--channel", "walk_in", "--request", "Εργασία."]);
    let case = id(&opened, "case_id");
    // The intake's act holds the case's opening and its entry into the operation.
    let shown = w.ok(&["--as", &worker, "audit", &case]);
    assert!(shown.contains("entered the ESF+ operation ΟΠΣ 6001244 on 2024-12-02"), "{shown}");

    let close = ["--as", &worker, "--at", AT, "case", "close", &case, "--reason", "goals_met"];
    // Without the situation on leaving: refused by the rule, nothing written.
    w.verified_events();
    w.fails(1, "situation on leaving", &close);
    // Three of the four: a usage error naming the missing one, nothing written.
    let three =
        [&close[..], &["--job-searching", "no", "--in-education-or-training", "no", "--gained-qualification", "yes"]]
            .concat();
    w.fails(2, "--in-employment", &three);
    // All four: closed, the situation recorded with the closure.
    let four = [&three[..], &["--in-employment", "yes"]].concat();
    w.ok(&four);

    // The managing authority's rows: one woman, long-term unemployed, upper secondary, a
    // third-country national from a rural area, who left in employment with a qualification.
    let csv = w.ok(&["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "esf-csv"]);
    let row = |code: &str, gender: &str| -> String {
        let found = csv.lines().find(|l| l.starts_with(&format!("{code},")) && l.contains(&format!(",{gender},")));
        found.unwrap_or_else(|| panic!("no {code} {gender} row in {csv}")).rsplitn(3, ',').collect::<Vec<_>>()[..2]
            .iter()
            .rev()
            .cloned()
            .collect::<Vec<_>>()
            .join(",")
    };
    assert!(csv.starts_with("code,indicator,centre,programme,period_from,period_to,gender,in_period,cumulative\r\n"));
    for (code, expected) in [
        ("EECO01", "1,1"),
        ("EECO02", "1,1"),
        ("EECO03", "1,1"),
        ("EECO05", "0,0"),
        ("EECO10", "1,1"),
        ("EECO13", "1,1"),
        ("EECO17", "1,1"),
        ("EECR01", "0,0"),
        ("EECR03", "1,1"),
        ("EECR04", "1,1"),
    ] {
        assert_eq!(row(code, "total"), expected, "{code}");
        assert_eq!(row(code, "women"), expected, "{code} women");
        assert_eq!(row(code, "men"), "0,0", "{code} men");
    }
    // --programme keeps the operation; another programme's code leaves the section empty.
    let other = ["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31", "--programme", "ΟΠΣ 1"];
    let none = w.ok(&[&other[..], &["--format", "esf-csv"]].concat());
    assert_eq!(none.lines().count(), 1, "{none}");

    // She comes back, now employed: the second intake returns to the operation without a
    // new situation at entry, so she is still one participant, described as she entered
    // (EECO02 1, EECO05 0), with one re-entry; the returned case is open, so she has not
    // left as of the period end (EECR04 0).
    as_worker(&["beneficiary", "update", &person, "--labour-status", "employed"]);
    let again = as_worker(&["intake", "--beneficiary", &person, "--channel", "walk_in", "--request", "Στέγαση."]);
    let second = id(&again, "case_id");
    let shown = w.ok(&["--as", &worker, "audit", &second]);
    assert!(shown.contains("returned to the ESF+ operation ΟΠΣ 6001244 on 2024-12-02"), "{shown}");
    assert!(!shown.contains("entered the ESF+ operation"), "{shown}");
    let shown = w.ok(&["--lang", "el", "--as", &worker, "audit", &second]);
    assert!(shown.contains("επάνοδος στην πράξη του ΕΚΤ+ ΟΠΣ 6001244 στις 2024-12-02"), "{shown}");
    let report = w.json(&["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"]);
    let operation = &report["esf"][0];
    assert_eq!(operation["repeat_entries"], 1, "{operation}");
    assert_eq!(operation["intakes_without_entry"], 0, "{operation}");
    let cumulative = |code: &str| {
        let mut all = operation["outputs"].as_array().into_iter().chain(operation["results"].as_array()).flatten();
        let found = all.find(|i| i["code"] == code);
        found.unwrap_or_else(|| panic!("no {code} in {operation}"))["cumulative"]["total"].clone()
    };
    for (code, expected) in [("EECO01", 1), ("EECO02", 1), ("EECO05", 0), ("EECR04", 0)] {
        assert_eq!(cumulative(code), expected, "{code}");
    }
    // Closing the returned case asks the situation on leaving again.
    let close_again = ["--as", &worker, "--at", AT, "case", "close", &second, "--reason", "goals_met"];
    w.verified_events();
    w.fails(1, "situation on leaving", &close_again);

    // The report people read, in Greek.
    let table = w.ok(&["--lang", "el", "report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"]);
    assert!(table.contains("Πράξη ΕΚΤ+ ΟΠΣ 6001244"), "{table}");
    assert!(table.contains("Υπήκοοι τρίτων χωρών"), "{table}");
    // The age bands by their Greek names (she was 36 in 2024).
    assert!(table.contains("30 έως 54"), "{table}");
}
