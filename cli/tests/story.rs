//! A full story through the real binary: a centre is set up, a person comes in, is assessed,
//! served and referred, the referral is completed, and the indicators report counts it all.

mod common;

use common::*;
use serde_json::Value;

fn id(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("{key} in {value}")).to_owned()
}

#[test]
fn from_centre_set_up_to_a_completed_referral_and_its_indicators() {
    let w = World::new();
    assert_eq!(w.json(&["init"])["created"], true);
    let at = "2024-03-04T09:00:00+02:00";
    let centre = w.json(&[
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
        "--at",
        at,
    ]);
    assert_eq!(centre["command"], "centre register");
    assert_eq!(centre["deduplicated"], false);
    let events: Vec<&str> = centre["events"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["event_type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(events, ["CentreRegistered", "StaffRegistered"]);
    assert_eq!(centre["events"][0]["position"], 1);
    let (centre_id, admin) = (id(&centre, "centre_id"), id(&centre, "staff_id"));
    let as_admin = |args: &[&str]| w.json(&[&["--as", &admin, "--at", at][..], args].concat());
    as_admin(&["centre", "serve", &centre_id, "--municipality", "Σφακίων"]);
    let worker = id(&as_admin(&["staff", "add", "--name", "Στέλιος Παπαδάκης", "--role", "social_worker"]), "staff_id");
    let supervisor = id(&as_admin(&["staff", "add", "--name", "Αργυρώ Βλαχάκη", "--role", "supervisor"]), "staff_id");
    let agency = id(
        &as_admin(&[
            "agency",
            "add",
            "--name",
            "ΔΥΠΑ Χανίων",
            "--kind",
            "public_service",
            "--need",
            "employment",
            "--municipality",
            "Χανίων",
        ]),
        "agency_id",
    );
    let listed = w.json(&["agency", "list", "--need", "employment"]);
    assert_eq!(listed["agency_id"], agency.as_str(), "{listed}");
    assert_eq!(listed["name"], "ΔΥΠΑ Χανίων");
    assert_eq!(w.ok(&["agency", "list", "--need", "housing", "--json"]).trim(), "", "no agency serves housing");
    let as_worker = |at: &str, args: &[&str]| w.json(&[&["--as", &worker, "--at", at][..], args].concat());
    let person = id(
        &as_worker(
            at,
            &[
                "beneficiary",
                "register",
                "--given-name",
                "Μαρία",
                "--family-name",
                "Παπαδάκη",
                "--amka",
                AMKA,
                "--gender",
                "female",
                "--year-of-birth",
                "1990",
                "--municipality",
                "Σφακίων",
                "--roma",
                "yes",
                "--labour-status",
                "long_term_unemployed",
                "--education",
                "isced_3_4",
            ],
        ),
        "beneficiary_id",
    );
    as_worker(at, &["beneficiary", "legal-basis", &person, "--basis", "consent"]);
    as_worker(at, &["beneficiary", "consent", &person, "--agency", &agency]);
    let case = id(
        &as_worker(at, &["intake", "--beneficiary", &person, "--channel", "walk_in", "--request", "Ψάχνω εργασία."]),
        "case_id",
    );
    as_worker(at, &["case", "assign", &case, "--staff", &worker]);
    as_worker(at, &["assess", &case, "--need", "employment:high"]);
    as_worker(at, &["service", &case, "--kind", "vocational_guidance"]);
    as_worker(at, &["note", &case, "--text", "Ενδιαφέρεται για κατάρτιση."]);
    let referral = as_worker(at, &["refer", &case, "--agency", &agency, "--need", "employment", "--due", "2024-03-20"]);
    let referral_id = id(&referral, "referral_id");
    assert_eq!(referral["events"][0]["event_type"], "ReferralCreated");
    let command_id = "01900000-0000-7000-8000-000000000001";
    let sent = as_worker("2024-03-05T10:00:00+02:00", &["referral", "send", &referral_id, "--command-id", command_id]);
    assert_eq!(sent["case_id"], Value::String(case.clone()), "the referral's case is found from its id");
    let again = as_worker("2024-03-05T10:00:00+02:00", &["referral", "send", &referral_id, "--command-id", command_id]);
    assert_eq!(again["deduplicated"], true);
    assert_eq!(again["events"], sent["events"]);
    as_worker("2024-03-08T10:00:00+02:00", &["referral", "accept", &referral_id]);
    as_worker("2024-03-11T10:00:00+02:00", &["referral", "start", &referral_id]);
    as_worker("2024-03-12T10:00:00+02:00", &["referral", "note", &referral_id, "--text", "Ξεκίνησε το πρόγραμμα."]);
    let done = as_worker(
        "2024-04-15T10:00:00+02:00",
        &["referral", "complete", &referral_id, "--outcome", "got_help", "--note", "Βρήκε εργασία."],
    );
    assert_eq!(done["events"][0]["event_type"], "ReferralCompleted");
    as_worker("2024-04-16T10:00:00+02:00", &["case", "close", &case, "--reason", "goals_met"]);

    // Views.
    let shown = w.json(&["case", "show", &case]);
    assert_eq!(shown["open"], false);
    assert_eq!(shown["referrals"][0]["status"], "completed");
    assert_eq!(shown["needs"][0]["domain"], "employment");
    let board = w.ok(&["board", "--json"]);
    let board: Vec<Value> = board.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    assert_eq!(board.len(), 1);
    assert_eq!(board[0]["status"], "completed");
    assert_eq!(w.ok(&["caseload", "--json"]), "", "no case is open");
    let audit = w.ok(&["audit", &format!("referral-{referral_id}"), "--json"]);
    let types: Vec<String> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON lines")["event_type"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "ReferralCreated",
            "ReferralSent",
            "ReferralAccepted",
            "ReferralStarted",
            "ReferralFollowUpNoted",
            "ReferralCompleted"
        ]
    );
    assert!(w.ok(&["audit", &person]).contains("audit trail of beneficiary"));

    // The evaluator's report, as JSON.
    let report = w.json(&["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"]);
    assert_eq!(report["participants"]["total"], 1);
    assert_eq!(report["participants"]["by_municipality"]["Σφακίων"], 1);
    assert_eq!(report["intakes"]["by_channel"]["walk_in"], 1);
    assert_eq!(report["referrals"]["all"]["sent"], 1);
    assert_eq!(report["referrals"]["all"]["completed"], 1);
    assert_eq!(report["cases"]["closure_reasons"]["goals_met"], 1);
    let stats = w.json(&["stats"]);
    assert_eq!(report["position"], stats["head_position"]);
    assert_eq!(report["head_hash"], stats["head_hash"]);
    let csv = w.ok(&["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31", "--format", "csv"]);
    assert!(csv.starts_with("section,key,value\r\n"), "{csv}");

    // Erasure is a supervisor's, is recorded in the log, and leaves the report as it was.
    w.verified_events();
    w.fails(1, "RoleNotPermitted", &["--as", &worker, "beneficiary", "erase", &person]);
    let erased = w.json(&["--as", &supervisor, "beneficiary", "erase", &person]);
    assert_eq!(erased["events"][0]["event_type"], "IdentityErased", "{erased}");
    w.verified_events();
    w.fails(1, "NothingToChange", &["--as", &supervisor, "beneficiary", "erase", &person]);
    let mut after = w.json(&["report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"]);
    for field in ["position", "head_hash"] {
        after[field] = report[field].clone();
    }
    assert_eq!(after, report, "only the log position and hash moved");

    // Completions and a broken pipe.
    for shell in ["bash", "zsh", "fish"] {
        assert!(w.ok(&["completions", shell]).contains("parapompi"));
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let w = World::new();
    let mut child = parapompi()
        .args(["completions", "bash"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    drop(child.stdout.take());
    let status = child.wait().expect("it ends");
    let mut stderr = String::new();
    child.stderr.take().map(|mut e| e.read_to_string(&mut stderr));
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.code(), Some(0), "{stderr}");
    drop(w);
}
