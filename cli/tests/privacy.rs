//! Personal data as an operator meets it: texts are shown only through recorded reads, a
//! bundle holds no name, AMKA, phone or note, and the person's own copy holds everything.

mod common;

use common::*;

const NOTE: &str = "Η κα Αικατερίνη Νικολάου, ΑΜΚΑ 15038500110, τηλ. 6944123456: ζήτησε ενίσχυση.";

#[test]
fn texts_are_read_through_recorded_reads_and_never_reach_a_bundle() {
    let w = World::new();
    set_up(&w);
    w.ok(&["--as", WORKER, "note", CASE, "--text", NOTE]);
    w.verified_events();

    // Without --texts, the case shows where its texts are, not their words.
    let shown = w.ok(&["case", "show", CASE]);
    assert!(shown.contains("(in the vault: add --texts to read it)"), "{shown}");
    assert!(!shown.contains("Νικολάου"), "{shown}");
    // Reading them needs the actor; the assignee reads without a reason, the read recorded.
    w.fails(2, "--as", &["case", "show", CASE, "--texts"]);
    let before = w.verified_events();
    let read = w.ok(&["--as", WORKER, "case", "show", CASE, "--texts"]);
    assert!(read.contains("Νικολάου") && read.contains("Ψάχνω εργασία."), "{read}");
    assert!(read.contains("this read is recorded at position"), "{read}");
    assert_eq!(w.verified_events(), before + 1, "one RecordsAccessed event");
    // The supervisor is not the assignee: a reason first.
    w.fails(1, "ReadNeedsReason", &["--as", SUPERVISOR, "case", "show", CASE, "--texts"]);
    w.verified_events();
    let json = w.json(&["--as", SUPERVISOR, "case", "show", CASE, "--texts", "--reason", "Εποπτεία"]);
    let texts: Vec<String> = json["history"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["texts"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["text"].as_str().map(str::to_owned))
        .collect();
    assert!(texts.iter().any(|t| t == NOTE), "{texts:?}");
    let audit = w.ok(&["--as", WORKER, "audit", CASE, "--texts"]);
    w.verified_events();
    assert!(audit.contains("ζήτησε ενίσχυση"), "{audit}");
    w.fails(2, "one case at a time", &["--as", WORKER, "audit", BENEFICIARY, "--texts"]);

    // Identity, and the report of every read.
    let person = w.ok(&["--as", WORKER, "beneficiary", "show", BENEFICIARY]);
    w.verified_events();
    assert!(person.contains("Μαρία Παπαδάκη") && person.contains(AMKA), "{person}");
    let accesses = w.ok(&["beneficiary", "accesses", BENEFICIARY]);
    assert!(accesses.contains("reads of beneficiary") && accesses.contains(": 4"), "{accesses}");
    assert!(accesses.contains("given (in the vault)"), "{accesses}");

    // A bundle for evaluators holds none of it.
    let bundle = w.file("all.bundle");
    w.ok(&["export", "--out", bundle.to_str().unwrap_or_default()]);
    let bytes = std::fs::read(&bundle).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    for secret in ["Νικολάου", "15038500110", "6944123456", "Ψάχνω εργασία", "Μαρία Παπαδάκη", AMKA, "Εποπτεία"]
    {
        assert!(!text.contains(secret), "the bundle holds {secret}");
    }

    // The person's own copy: a supervisor makes it; it holds everything, Greek as it is.
    let copy = w.file("copy.json");
    let copy_arg = copy.to_str().unwrap_or_default();
    w.verified_events();
    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "beneficiary", "export", BENEFICIARY, "--out", copy_arg]);
    w.ok(&["--as", SUPERVISOR, "beneficiary", "export", BENEFICIARY, "--out", copy_arg, "--reason", "Αίτηση 1/12"]);
    w.verified_events();
    let own = std::fs::read_to_string(&copy).unwrap_or_default();
    for expected in [NOTE, "Ψάχνω εργασία.", "Μαρία", AMKA, "Εποπτεία", "Αίτηση 1/12", "parapompi-subject-access/v1"]
    {
        assert!(own.contains(expected), "the copy lacks {expected}");
    }
    w.fails(2, "exists", &["--as", SUPERVISOR, "beneficiary", "export", BENEFICIARY, "--out", copy_arg]);
}
