//! Rules that hold under misuse, tried as an operator would: retries, set-up, other centres'
//! people, dates in the future, outcomes, erased people and locked-out centres.

mod common;

use common::*;
use serde_json::Value;

const RETRY_ID: &str = "0190f000-0000-7000-8000-000000000001";

/// The ids a write printed, by key.
fn id_of(result: &Value, key: &str) -> String {
    result[key].as_str().unwrap_or_else(|| panic!("no {key} in {result}")).to_owned()
}

#[test]
fn creating_commands_retried_with_their_command_id_answer_the_first_result() {
    let w = World::new();
    set_up(&w);
    let person = [
        "--given-name",
        "Ελένη",
        "--family-name",
        "Κωστάκη",
        "--amka",
        "15038500110",
        "--gender",
        "female",
        "--year-of-birth",
        "1985",
        "--municipality",
        "Σφακίων",
        "--roma",
        "no",
        "--labour-status",
        "unemployed",
    ];
    let tries: Vec<Vec<&str>> = vec![
        [&["--as", WORKER, "beneficiary", "register"][..], &person].concat(),
        vec!["--as", ADMIN, "staff", "add", "--name", "Γιάννης Ρήγας", "--role", "reception"],
        vec![
            "--as",
            ADMIN,
            "agency",
            "add",
            "--name",
            "ΚΕΠ Βρυσών",
            "--kind",
            "public_service",
            "--need",
            "legal_and_documents",
            "--municipality",
            "Αποκορώνου",
        ],
        vec![
            "--as",
            WORKER,
            "intake",
            "--beneficiary",
            BENEFICIARY,
            "--channel",
            "phone",
            "--request",
            "Χρειάζομαι βοήθεια.",
        ],
        vec!["--as", WORKER, "refer", CASE, "--agency", AGENCY, "--need", "income_and_benefits"],
    ];
    for (n, args) in tries.iter().enumerate() {
        let command_id = format!("0190f000-0000-7000-8000-0000000001{n:02}");
        let with_id = [&["--command-id", command_id.as_str()][..], args].concat();
        let first = w.json(&with_id);
        assert_eq!(first["deduplicated"], false, "{first}");
        let n_events = w.verified_events();
        let again = w.json(&with_id);
        assert_eq!(again["deduplicated"], true, "{args:?}: {again}");
        assert_eq!(again["events"], first["events"], "{args:?}: the first result again");
        let ids = |v: &Value| {
            v.as_object().map(|o| {
                o.iter().filter(|(k, _)| k.ends_with("_id")).map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>()
            })
        };
        assert_eq!(ids(&again), ids(&first), "{args:?}: the same ids");
        assert_eq!(w.verified_events(), n_events, "{args:?}: a retry writes nothing");
    }
    // The same AMKA twice at one centre is refused with the id of the person who holds it.
    let twin =
        [&["--as", WORKER, "beneficiary", "register"][..], &person[..4], &["--amka", AMKA], &person[6..]].concat();
    w.verified_events();
    w.fails(
        1,
        &format!("DuplicateAmka: centre {CENTRE} already holds this AMKA: it is beneficiary {BENEFICIARY}'s"),
        &twin,
    );
    w.fails(
        2,
        "digits 3-4 are the birth month, and 13 is not a month",
        &[&twin[..8], &["--amka", "01137012346"], &twin[10..]].concat(),
    );
    // Another command under a used id is refused, naming the first use, and writes nothing.
    w.verified_events();
    w.fails(
        2,
        "already used by another command",
        &["--command-id", "0190f000-0000-7000-8000-000000000100", "--as", WORKER, "note", CASE, "--text", "Άλλο."],
    );
    let note = ["--command-id", RETRY_ID, "--as", WORKER, "note", CASE, "--text", "Τηλεφώνησε."];
    w.ok(&note);
    w.verified_events();
    w.fails(
        2,
        "already used by another command",
        &["--command-id", RETRY_ID, "--as", WORKER, "note", CASE, "--text", "Άλλο κείμενο."],
    );
    let again = w.json(&note);
    assert_eq!(again["deduplicated"], true);
}

#[test]
fn a_centre_is_registered_with_its_first_administrator_as_one_act() {
    let w = World::new();
    w.ok(&["init"]);
    let register = [
        "--command-id",
        RETRY_ID,
        "centre",
        "register",
        "--name",
        "Κέντρο Κοινότητας Δήμου Γρεβενών",
        "--host",
        "Γρεβενών",
        "--supervising-service",
        "Κοινωνική Υπηρεσία Δήμου Γρεβενών",
        "--admin-name",
        "Ελένη Κωστάκη",
    ];
    let first = w.json(&register);
    let events = first["events"].as_array().expect("events");
    assert_eq!(events.len(), 2, "{first}");
    let positions: Vec<u64> = events.iter().filter_map(|e| e["position"].as_u64()).collect();
    assert_eq!(positions, [1, 2], "one act, consecutive positions");
    assert_eq!(w.verified_events(), 2);
    let again = w.json(&register);
    assert_eq!(again["deduplicated"], true, "{again}");
    assert_eq!(again["events"], first["events"]);
    assert_eq!(id_of(&again, "staff_id"), id_of(&first, "staff_id"));
    // An administrator id already taken refuses the whole act: no centre without its
    // administrator is left behind.
    let admin = id_of(&first, "staff_id");
    w.fails(
        1,
        "already exists",
        &[
            "centre",
            "register",
            "--name",
            "Κέντρο Β",
            "--host",
            "Δεσκάτης",
            "--supervising-service",
            "Κοινωνική Υπηρεσία",
            "--admin-name",
            "Νίκος",
            "--admin-id",
            &admin,
        ],
    );
    // The hint can be pasted into a shell as it is.
    let human = w.ok(&[
        "centre",
        "register",
        "--name",
        "Κέντρο Γ",
        "--host",
        "Δεσκάτης",
        "--supervising-service",
        "Κοινωνική Υπηρεσία",
        "--admin-name",
        "Νίκος",
    ]);
    assert!(
        human.lines().any(|l| l.starts_with("export PARAPOMPI_ACTOR=") && l.split_whitespace().count() == 2),
        "{human}"
    );
}

#[test]
fn acts_in_the_future_outcomes_that_contradict_and_erased_people_are_refused() {
    let w = World::new();
    set_up(&w);
    w.fails(
        1,
        "OccurredInFuture",
        &["--as", WORKER, "--at", "2150-01-01T10:00:00+02:00", "note", CASE, "--text", "Από το μέλλον."],
    );
    w.fails(
        1,
        "OccurredInFuture",
        &[
            "--as",
            WORKER,
            "--at",
            "2150-01-01T10:00:00+02:00",
            "intake",
            "--beneficiary",
            BENEFICIARY,
            "--channel",
            "phone",
            "--request",
            "x",
        ],
    );
    w.fails(
        1,
        "DateBeforeRegistration",
        &[
            "--as",
            WORKER,
            "intake",
            "--beneficiary",
            BENEFICIARY,
            "--channel",
            "phone",
            "--request",
            "x",
            "--date",
            "2001-01-01",
        ],
    );
    w.fails(1, "--detail", &["--as", WORKER, "case", "close", CASE, "--reason", "other"]);

    for step in [
        &["referral", "send", REFERRAL, "--override-reason", "Επείγον"][..],
        &["referral", "accept", REFERRAL],
        &["referral", "start", REFERRAL],
    ] {
        let actor = if step[1] == "send" { SUPERVISOR } else { WORKER };
        w.ok(&[&["--as", actor][..], step].concat());
    }
    w.verified_events();
    w.fails(1, "OutcomeNotAllowed", &["--as", WORKER, "referral", "complete", REFERRAL, "--outcome", "no_capacity"]);
    w.fails(1, "got_help, partly", &["--as", WORKER, "referral", "complete", REFERRAL, "--outcome", "not_eligible"]);
    w.fails(
        1,
        "OutcomeNotAllowed",
        &["--as", WORKER, "referral", "fail", REFERRAL, "--outcome", "got_help", "--reason", "x"],
    );

    w.ok(&["--as", SUPERVISOR, "beneficiary", "erase", BENEFICIARY]);
    w.verified_events();
    w.fails(
        1,
        "IdentityWasErased",
        &["--as", WORKER, "intake", "--beneficiary", BENEFICIARY, "--channel", "phone", "--request", "x"],
    );
    w.fails(
        1,
        "IdentityWasErased",
        &["--as", WORKER, "beneficiary", "update", BENEFICIARY, "--labour-status", "employed"],
    );
    w.fails(1, "IdentityWasErased", &["--as", WORKER, "beneficiary", "consent", BENEFICIARY, "--agency", AGENCY]);
    w.fails(1, "IdentityWasErased", &["--as", WORKER, "refer", CASE, "--agency", AGENCY, "--need", "employment"]);
    // Nothing more is written about an erased person: winding down takes no text.
    w.fails(
        1,
        "TextAboutErasedPerson",
        &["--as", WORKER, "referral", "cancel", REFERRAL, "--reason", "Η ταυτότητα διαγράφηκε."],
    );
    w.ok(&["--as", WORKER, "referral", "cancel", REFERRAL]);
    w.ok(&["--as", WORKER, "case", "close", CASE, "--reason", "goals_met"]);
}

#[test]
fn a_centre_cannot_lock_itself_out_and_staff_are_reactivated() {
    let w = World::new();
    set_up(&w);
    w.fails(1, "LastAdministrator", &["--as", ADMIN, "staff", "deactivate", ADMIN]);
    w.fails(1, "last active administrator", &["--as", ADMIN, "staff", "roles", ADMIN, "--role", "supervisor"]);
    w.ok(&["--as", ADMIN, "staff", "deactivate", WORKER]);
    w.verified_events();
    w.fails(1, "ActorDeactivated", &["--as", WORKER, "note", CASE, "--text", "x"]);
    w.fails(1, "ActorDeactivated", &["--as", WORKER, "staff", "reactivate", WORKER]);
    w.ok(&["--as", SUPERVISOR, "staff", "reactivate", WORKER]);
    w.verified_events();
    w.ok(&["--as", WORKER, "note", CASE, "--text", "Πάλι εδώ."]);
    // With a second administrator, the first may step down.
    w.ok(&["--as", ADMIN, "staff", "roles", SUPERVISOR, "--role", "supervisor", "--role", "administrator"]);
    w.ok(&["--as", ADMIN, "staff", "roles", ADMIN, "--role", "supervisor"]);
}
