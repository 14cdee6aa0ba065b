//! A social worker's day in Greek, through the real binary: Greek names for the closed sets,
//! dates as DD/MM/YYYY, municipalities as people write them, messages and refusals in Greek
//! (by `--lang el` and by `LANG=el_GR.UTF-8`), and `--json` and `apply` unchanged.

mod common;

use common::*;
use serde_json::Value;

const AT: &str = "2024-12-02T09:00:00+02:00";

fn id(value: &Value, key: &str) -> String {
    value[key].as_str().unwrap_or_else(|| panic!("{key} in {value}")).to_owned()
}

/// Runs with `LANG=el_GR.UTF-8` in the environment (and no --lang).
fn run_greek_locale(w: &World, args: &[&str]) -> Run {
    parapompi().env("LANG", "el_GR.UTF-8").arg("--data-dir").arg(w.data()).args(args).output().expect("runs").into()
}

/// Centre in Grevena (host given in the nominative), its administrator, a social worker and
/// an agency (municipality given in Latin letters).
fn set_up(w: &World) -> (String, String, String, String) {
    let centre = w.json(&[
        "centre",
        "register",
        "--name",
        "Κέντρο Κοινότητας Δήμου Γρεβενών",
        "--host",
        "ΓΡΕΒΕΝΑ",
        "--supervising-service",
        "Κοινωνική Υπηρεσία Δήμου Γρεβενών",
        "--admin-name",
        "Ελένη Τσιρίκου",
        "--at",
        AT,
    ]);
    let (centre_id, admin) = (id(&centre, "centre_id"), id(&centre, "staff_id"));
    let as_admin = |args: &[&str]| w.json(&[&["--as", &admin, "--at", AT][..], args].concat());
    as_admin(&["centre", "serve", &centre_id, "--municipality", "Δήμος Δεσκάτης"]);
    let worker = id(
        &as_admin(&["staff", "add", "--name", "Νίκος Ζήσης", "--role", "Κοινωνικός Λειτουργός", "--lang", "el"]),
        "staff_id",
    );
    let agency = id(
        &as_admin(&[
            "agency",
            "add",
            "--name",
            "Ξενώνας Φιλοξενίας Γρεβενών",
            "--kind",
            "φορέας κοινωνικής πρόνοιας",
            "--need",
            "ΣΤΕΓΑΣΗ",
            "--municipality",
            "grevena",
        ]),
        "agency_id",
    );
    (centre_id, admin, worker, agency)
}

#[test]
fn municipalities_resolve_to_the_list_and_an_unknown_one_names_the_nearest() {
    let w = World::new();
    w.ok(&["init"]);
    let (centre_id, admin, _, agency) = set_up(&w);
    let centre = w.json(&["centre", "show", &centre_id]);
    assert_eq!(centre["host_municipality"], "Γρεβενών", "{centre}");
    assert_eq!(centre["served_municipalities"][0], "Δεσκάτης", "{centre}");
    let agency = w.json(&["agency", "show", &agency]);
    assert_eq!(agency["municipality"], "Γρεβενών", "{agency}");

    // Unknown: exit 2, the nearest entries named, nothing written; in English and in Greek.
    w.verified_events();
    w.fails(
        2,
        "«Grevna» is not a municipality of Greece; the nearest are: Γρεβενών (Grevena, 1501)",
        &["--as", &admin, "centre", "serve", &centre_id, "--municipality", "Grevna"],
    );
    let before = w.verified_events();
    let greek = run_greek_locale(&w, &["--as", &admin, "centre", "serve", &centre_id, "--municipality", "Σαμαρίνα"]);
    assert_eq!(greek.code, 2, "{}", greek.stderr);
    assert!(greek.stderr.contains("«Σαμαρίνα» δεν είναι δήμος της Ελλάδας· οι πλησιέστεροι:"), "{}", greek.stderr);
    assert_eq!(greek.stderr.lines().count(), 1);
    assert_eq!(w.verified_events(), before, "nothing is written");
    // A name two municipalities share asks for the code, and the code is taken.
    w.fails(2, "Ηρακλείου (4604)", &["--as", &admin, "centre", "serve", &centre_id, "--municipality", "Ηρακλείου"]);
    w.json(&["--as", &admin, "--at", AT, "centre", "serve", &centre_id, "--municipality", "Ηρακλείου (7101)"]);
    let centre = w.json(&["centre", "show", &centre_id]);
    assert_eq!(centre["served_municipalities"][1], "Ηρακλείου (7101)", "{centre}");

    // The JSON act form reads a municipality as the log does; naming one outside the list is
    // refused by its rule (exit 1), with the nearest entries, and nothing is written.
    let act = |municipality: &str| {
        format!(
            r#"{{"act": [{{"centre": {{"centre_id": "{centre_id}", "action": {{"add_served_municipality": {{"municipality": "{municipality}"}}}}}}}}], "as": "{admin}", "at": "{AT}"}}"#
        )
    };
    let path = w.write("act.jsonl", &format!("{}\n", act("Atlantida")));
    let before = w.verified_events();
    let applied = w.run(&["apply", path.to_str().unwrap_or_default()]);
    assert_eq!(applied.code, 1, "{}{}", applied.stdout, applied.stderr);
    assert!(
        applied.stdout.contains("UnlistedMunicipality")
            && applied.stdout.contains("«Atlantida» is not a municipality of Greece"),
        "{}",
        applied.stdout
    );
    assert_eq!(w.verified_events(), before);
    // A listed one in any spelling is recorded by its official name.
    let path = w.write("act2.jsonl", &format!("{}\n", act("Kozani")));
    assert_eq!(w.run(&["apply", path.to_str().unwrap_or_default()]).code, 0);
    assert_eq!(w.json(&["centre", "show", &centre_id])["served_municipalities"][2], "Κοζάνης");
}

#[test]
fn a_day_in_greek_names_dates_and_messages_with_json_and_apply_unchanged() {
    let w = World::new();
    w.ok(&["init"]);
    let (_, _, worker, agency) = set_up(&w);
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
            "Γυναίκα",
            "--year-of-birth",
            "1988",
            "--municipality",
            "Γρεβενά",
            "--roma",
            "όχι",
            "--labour-status",
            "ΑΝΕΡΓΟΣ",
            "--education",
            "τριτοβαθμια",
        ]),
        "beneficiary_id",
    );
    let case = id(
        &as_worker(&[
            "intake",
            "--beneficiary",
            &person,
            "--channel",
            "αυτοπροσώπως",
            "--request",
            "Χρειάζομαι στέγη.",
            "--date",
            "2/12/2024",
        ]),
        "case_id",
    );
    as_worker(&["assess", &case, "--need", "housing:high"]);
    let referral = id(
        &as_worker(&["refer", &case, "--agency", &agency, "--need", "στέγαση", "--due", "20/12/2024"]),
        "referral_id",
    );

    // --json is never translated: the stable names.
    let shown = w.json(&["--lang", "el", "case", "show", &case]);
    assert_eq!(shown["channel"], "walk_in", "{shown}");
    assert_eq!(shown["referrals"][0]["status"], "draft", "{shown}");
    assert_eq!(shown["referrals"][0]["due_on"], "2024-12-20", "{shown}");
    assert_eq!(shown["opened_on"], "2024-12-02", "{shown}");

    // Human output in Greek, by the flag and by the environment alike.
    let board = w.ok(&["--lang", "el", "board", "--all"]);
    assert!(board.contains("πρόχειρη") && board.contains("στέγαση"), "{board}");
    let by_locale = run_greek_locale(&w, &["board", "--all"]);
    assert_eq!(by_locale.stdout, board);
    let english = w.ok(&["board", "--all"]);
    assert!(english.contains("draft") && english.contains("housing"), "{english}");
    let case_file = w.ok(&["--lang", "el", "case", "show", &case]);
    assert!(case_file.contains("(αυτοπροσώπως)"), "{case_file}");

    // A rule's refusal in Greek, its stable name kept: no sharing consent yet.
    let before = w.verified_events();
    let refused = run_greek_locale(&w, &["--as", &worker, "--at", AT, "referral", "send", &referral]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.starts_with("parapompi: απορρίφθηκε από τον κανόνα NoSharingConsent: ")
            && refused.stderr.contains("δεν έχει σε ισχύ συγκατάθεση κοινοποίησης στον φορέα"),
        "{}",
        refused.stderr
    );
    assert_eq!(w.verified_events(), before);

    // An impossible date is named, in both languages; a malformed one shows both forms.
    w.fails(
        2,
        "--due: 31/02/2025 is not a day of the calendar",
        &["--as", &worker, "--at", AT, "refer", &case, "--agency", &agency, "--need", "housing", "--due", "31/02/2025"],
    );
    let greek = w.run(&[
        "--lang",
        "el",
        "--as",
        &worker,
        "--at",
        AT,
        "refer",
        &case,
        "--agency",
        &agency,
        "--need",
        "housing",
        "--due",
        "31/02/2025",
    ]);
    assert_eq!(greek.code, 2);
    assert!(greek.stderr.contains("--due: 31/02/2025: δεν υπάρχει τέτοια ημέρα στο ημερολόγιο"), "{}", greek.stderr);
    w.fails(
        2,
        "DD/MM/YYYY",
        &["--as", &worker, "--at", AT, "refer", &case, "--agency", &agency, "--need", "housing", "--due", "2025.01.10"],
    );
    // clap's own errors in Greek, the set's values listed by their Greek names.
    let greek = w.run(&[
        "--lang",
        "el",
        "--as",
        &worker,
        "intake",
        "--beneficiary",
        &person,
        "--channel",
        "ταχυδρομικώς",
        "--request",
        "x",
    ]);
    assert_eq!(greek.code, 2);
    assert_eq!(
        greek.stderr.trim(),
        "parapompi: --channel: «ταχυδρομικώς» δεν είναι ένα από: αυτοπροσώπως, τηλεφωνικά, με email, \
         επιτόπια προσέγγιση, παραπομπή από φορέα (δείτε --help)"
    );
    let missing = run_greek_locale(&w, &["--as", &worker, "intake", "--channel", "walk_in"]);
    assert_eq!(missing.stderr.trim(), "parapompi: --beneficiary και --request: είναι υποχρεωτικά (δείτε --help)");
    // The help of the commands a social worker uses, in Greek; the values by their Greek names.
    let help = w.ok(&["--lang", "el", "intake", "--help"]);
    assert!(help.starts_with("Άνοιγμα υπόθεσης με υποδοχή αιτήματος"), "{help}");
    assert!(help.contains("Πώς ήρθε το πρόσωπο") && help.contains("walk_in:     αυτοπροσώπως"), "{help}");
    assert!(w.ok(&["intake", "--help"]).starts_with("Open a case by an intake"));
    // A Greek name that is no value of the set is refused by clap, as any unknown value.
    w.fails(
        2,
        "--channel",
        &[
            "--as",
            &worker,
            "--at",
            AT,
            "intake",
            "--beneficiary",
            &person,
            "--channel",
            "ταχυδρομικώς",
            "--request",
            "x",
        ],
    );

    // apply's lines are the JSON form: snake_case names and ISO dates only.
    let greek_line = format!(
        r#"{{"command": "assess", "as": "{worker}", "at": "{AT}", "args": {{"case": "{case}", "need": ["housing:low"], "on": "2/12/2024"}}}}"#
    );
    let snake_line = format!(
        r#"{{"command": "refer", "as": "{worker}", "at": "{AT}", "args": {{"case": "{case}", "agency": "{agency}", "need": "στέγαση"}}}}"#
    );
    let path = w.write("lines.jsonl", &format!("{greek_line}\n{snake_line}\n"));
    let before = w.verified_events();
    let applied = w.run(&["apply", path.to_str().unwrap_or_default()]);
    assert_eq!(applied.code, 2, "{}{}", applied.stdout, applied.stderr);
    assert_eq!(w.verified_events(), before, "neither line is written: {}", applied.stdout);
}

#[test]
fn the_spreadsheet_csv_opens_in_greek_excel_and_the_machine_csv_stays_as_it_is() {
    let w = World::new();
    w.ok(&["init"]);
    set_up(&w);
    let args = ["report", "indicators", "--from", "2020-01-01", "--to", "2030-12-31"];
    let machine = w.ok(&[&args[..], &["--format", "csv"]].concat());
    let greek = run_greek_locale(&w, &[&args[..], &["--format", "spreadsheet"]].concat());
    assert_eq!(greek.code, 0, "{}", greek.stderr);
    assert!(greek.stdout.starts_with('\u{feff}'), "a byte-order mark first");
    let lines: Vec<&str> = greek.stdout.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], "ενότητα;δείκτης;τιμή");
    assert!(lines.iter().skip(1).filter(|l| !l.is_empty()).all(|l| l.split(';').count() >= 3), "{lines:?}");
    // The machine CSV, in the Greek locale too, is the library's bytes.
    let machine_greek = run_greek_locale(&w, &[&args[..], &["--format", "csv"]].concat());
    assert_eq!(machine_greek.stdout, machine);
    assert!(machine.starts_with("section,key,value\r\n"));
    // The report people read, in Greek.
    let table = run_greek_locale(&w, &args);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.starts_with("Δείκτες: όλα τα κέντρα, από 2020-01-01 έως 2030-12-31"), "{}", table.stdout);
    assert!(
        table.stdout.contains("Συμμετέχοντες") && table.stdout.contains("Υπολογίστηκε από το αρχείο"),
        "{}",
        table.stdout
    );
    let english = w.ok(&[&args[..], &["--format", "spreadsheet"]].concat());
    assert!(english.starts_with("\u{feff}section,key,value\r\n"), "{english}");
}

/// Whether `text` holds `id` (a UUID) anywhere.
fn shows(text: &str, id: &str) -> bool {
    text.contains(id)
}

#[test]
fn views_writes_and_counts_speak_greek_and_name_what_they_show() {
    let w = World::new();
    w.ok(&["init"]);
    let (_, admin, worker, agency) = set_up(&w);
    let greek = |args: &[&str]| w.ok(&[&["--lang", "el", "--as", &worker, "--at", AT][..], args].concat());
    let english = |args: &[&str]| w.ok(&[&["--as", &worker, "--at", AT][..], args].concat());
    let registered = greek(&[
        "beneficiary",
        "register",
        "--given-name",
        "Σοφία",
        "--family-name",
        "Καραγιάννη",
        "--amka",
        AMKA,
        "--gender",
        "γυναίκα",
        "--year-of-birth",
        "1970",
        "--municipality",
        "Γρεβενά",
    ]);
    assert!(registered.starts_with("καταχωρίστηκε ο ωφελούμενος ") && registered.contains("(θέση "), "{registered}");
    let person = w.json(&["beneficiary", "find", "--as", &worker, "--amka", AMKA])["beneficiary_id"]
        .as_str()
        .expect("found")
        .to_owned();

    // The confirmations of writes, in Greek; in English as before.
    let opened = greek(&["intake", "--beneficiary", &person, "--channel", "τηλεφωνικά", "--request", "Στέγη."]);
    assert!(opened.starts_with("άνοιξε η υπόθεση ΓΡΕ-2024-0001 (case-"), "{opened}");
    let case = "ΓΡΕ-2024-0001";
    let referred =
        greek(&["refer", case, "--agency", "Ξενώνας Φιλοξενίας Γρεβενών", "--need", "στέγαση", "--due", "20/12/2024"]);
    assert!(referred.starts_with("δημιουργήθηκε πρόχειρη παραπομπή ΓΡΕ-2024-0001/1 (referral-"), "{referred}");
    let consent = english(&["beneficiary", "consent", &person, "--agency", &agency, "--purpose", "referral"]);
    assert!(consent.starts_with(&format!("beneficiary consent: {person} (position ")), "{consent}");
    let sent = greek(&["referral", "send", "ΓΡΕ-2024-0001/1"]);
    assert!(sent.starts_with("στάλθηκε η παραπομπή ΓΡΕ-2024-0001/1 (θέση "), "{sent}");
    let repeat_id = "0190a000-0000-7000-8000-00000000abcd";
    greek(&["--command-id", repeat_id, "note", case, "--text", "Τηλεφώνησε."]);
    let repeated = greek(&["--command-id", repeat_id, "note", case, "--text", "Τηλεφώνησε."]);
    assert_eq!(repeated.trim(), "προστέθηκε σημείωση (επανάληψη προηγούμενης εντολής: δεν γράφτηκε τίποτα νέο)");

    // Counts take the plural form of their number.
    let on = |date: &str| w.ok(&["--lang", "el", "board", "--all", "--overdue", "--on", date]);
    assert!(on("21/12/2024").contains(" 1 ημέρα "), "{}", on("21/12/2024"));
    let later = on("10/01/2025");
    assert!(later.contains(" 21 ημέρες ") && later.contains("1 παραπομπή: απεσταλμένη 1"), "{later}");
    assert!(w.ok(&["board", "--all", "--overdue", "--on", "2025-01-10"]).contains(" 21 days "));
    let assigned = greek(&["case", "assign", case, "--staff", "Νίκος Ζήσης"]);
    assert!(assigned.starts_with("η ΓΡΕ-2024-0001 ανατέθηκε σε Νίκος Ζήσης (θέση "), "{assigned}");
    let caseload = greek(&["caseload"]);
    assert!(caseload.contains("1 ανοιχτή υπόθεση, 1 ανοιχτή παραπομπή που σας έχουν ανατεθεί"), "{caseload}");

    // case show: Greek labels, and the history names people, agencies and references.
    let shown = greek(&["case", "show", case]);
    for label in
        ["υπόθεση      ΓΡΕ-2024-0001", "κατάσταση    ανοιχτή", "άνοιξε στις  2024-12-02 (τηλεφωνικά)", "ιστορικό"]
    {
        assert!(shown.contains(label), "{label:?} in {shown}");
    }
    assert!(
        shown.contains("η παραπομπή ΓΡΕ-2024-0001/1 στάλθηκε στις 2024-12-02 (συγκατάθεση της 2024-12-02)"),
        "{shown}"
    );
    assert!(shown.contains("προς Ξενώνας Φιλοξενίας Γρεβενών (φορέας κοινωνικής πρόνοιας) για στέγαση"), "{shown}");
    assert!(shown.contains("υποδοχή στις 2024-12-02, τηλεφωνικά, από Νίκος Ζήσης"), "{shown}");
    // In English the log's sentences, with names and references for the ids.
    let shown_english = w.ok(&["case", "show", case]);
    assert!(shown_english.contains("referral ΓΡΕ-2024-0001/1 sent on 2024-12-02"), "{shown_english}");
    assert!(shown_english.contains("to agency Ξενώνας Φιλοξενίας Γρεβενών"), "{shown_english}");
    assert!(shown_english.contains("by staff Νίκος Ζήσης"), "{shown_english}");
    let referral_id = w.json(&["case", "show", case])["referrals"][0]["referral_id"].as_str().expect("id").to_owned();
    let history = shown.split("\nιστορικό\n").nth(1).expect("the history");
    for id in [&referral_id, &agency, &worker] {
        assert!(!shows(history, id), "{id} in {history}");
    }
    // audit likewise, and --json keeps the ids.
    let trail = w.ok(&["--lang", "el", "audit", case]);
    assert!(trail.starts_with("ιστορικό ελέγχου: υπόθεση ΓΡΕ-2024-0001, 5 γεγονότα"), "{trail}");
    assert!(trail.contains("η υπόθεση ανατέθηκε σε Νίκος Ζήσης από Νίκος Ζήσης"), "{trail}");
    for id in [&referral_id, &agency, &worker] {
        assert!(!shows(&trail, id), "{id} in {trail}");
    }
    let json_trail = w.ok(&["--lang", "el", "audit", case, "--json"]);
    assert!(shows(&json_trail, &referral_id) && shows(&json_trail, &agency) && !json_trail.contains("Ξενώνας"));

    // beneficiary show: the labels, the attributes and their values by their Greek names.
    let person_shown = greek(&["beneficiary", "show", &person]);
    for text in ["όνομα", "Σοφία Καραγιάννη", "ΑΜΚΑ", "φύλο γυναίκα", "νομική βάση", "συγκαταθέσεις κοινοποίησης"]
    {
        assert!(person_shown.contains(text), "{text:?} in {person_shown}");
    }
    assert!(person_shown.contains("(η ανάγνωση καταγράφεται στη θέση "), "{person_shown}");

    // The log's own commands.
    let verified = w.ok(&["--lang", "el", "verify"]);
    assert!(verified.starts_with("το αρχείο επαληθεύεται: ") && verified.contains(" γεγονότα σε "), "{verified}");
    let stats = w.ok(&["--lang", "el", "stats"]);
    assert!(stats.starts_with("κατάλογος δεδομένων  ") && stats.contains("\nθέση κεφαλής "), "{stats}");

    let bundle = w.file("log.bundle");
    let bundle = bundle.to_str().unwrap_or_default();
    w.ok(&["export", "--out", bundle]);
    let checked = w.ok(&["--lang", "el", "verify", "--bundle", bundle]);
    assert!(checked.starts_with("τα πακέτα επαληθεύονται: ") && checked.contains("εγγραφές, θέσεις 1.."), "{checked}");
    assert!(checked.contains("δεν ελέγχθηκε απέναντι σε εξωτερική άγκυρα"), "{checked}");

    let backup = w.file("data.backup");
    let backup = backup.to_str().unwrap_or_default();
    // Taking a backup is an act of the deployment's administrator.
    let wrote = w.ok(&["--lang", "el", "--as", &admin, "backup", "--out", backup]);
    assert!(
        wrote.starts_with("γράφτηκε το αντίγραφο ασφαλείας ") && wrote.contains(" στο θησαυροφυλάκιο, "),
        "{wrote}"
    );
    let backup_checked = w.ok(&["--lang", "el", "verify", "--backup", backup]);
    assert!(backup_checked.starts_with("το αντίγραφο ασφαλείας επαληθεύεται: "), "{backup_checked}");

    // The directory's views.
    let agency_shown = w.ok(&["--lang", "el", "agency", "show", "Ξενώνας Φιλοξενίας Γρεβενών"]);
    for text in ["είδος", "φορέας κοινωνικής πρόνοιας", "ανάγκες", "στέγαση", "ενεργό"]
    {
        assert!(agency_shown.contains(text), "{text:?} in {agency_shown}");
    }
    let staff_shown = w.ok(&["--lang", "el", "staff", "show", "Νίκος Ζήσης"]);
    assert!(staff_shown.contains("ρόλοι") && staff_shown.contains("κοινωνικός λειτουργός"), "{staff_shown}");

    // The printed case file.
    let printed = greek(&["case", "show", case, "--print"]);
    for text in
        ["Φάκελος υπόθεσης ΓΡΕ-2024-0001", "Πρόσωπο", "Σοφία Καραγιάννη", "απεσταλμένη", "σημείωση στις", "Εκτυπώθηκε"]
    {
        assert!(printed.contains(text), "{text:?} in {printed}");
    }
    assert!(printed.lines().all(|l| l.chars().count() <= 78), "{printed}");
    let printed_english = english(&["case", "show", case, "--print"]);
    assert!(printed_english.contains("Case file ΓΡΕ-2024-0001") && printed_english.contains("sent"));
}

#[test]
fn a_refusal_answered_by_a_server_reads_in_greek_as_in_direct_mode() {
    let _watchdog = watchdog("a Greek refusal through the server", 120);
    let w = World::new();
    w.ok(&["init"]);
    let (_, admin, worker, agency) = set_up(&w);
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
            "--municipality",
            "Γρεβενά",
        ]),
        "beneficiary_id",
    );
    let case =
        id(&as_worker(&["intake", "--beneficiary", &person, "--channel", "phone", "--request", "Στέγη."]), "case_id");
    as_worker(&["refer", &case, "--agency", &agency, "--need", "housing"]);
    let token =
        w.json(&["--as", &admin, "staff", "api-token", &worker])["secret"].as_str().unwrap_or_default().to_owned();
    // Refused twice in direct mode: no consent to send, and a draft cannot be accepted.
    let refusals = [["referral", "send", "ΓΡΕ-2024-0001/1"], ["referral", "accept", "ΓΡΕ-2024-0001/1"]];
    let direct: Vec<Run> =
        refusals.iter().map(|args| w.run(&[&["--lang", "el", "--as", &worker][..], &args[..]].concat())).collect();
    let server = ServerProcess::start(&w.data(), &[]);
    for (args, direct) in refusals.iter().zip(&direct) {
        let served: Run = parapompi()
            .args(["--lang", "el", "--server", &server.base])
            .env("PARAPOMPI_TOKEN", &token)
            .args(args)
            .output()
            .expect("runs")
            .into();
        assert_eq!((served.code, direct.code), (1, 1), "{}{}", served.stderr, direct.stderr);
        assert_eq!(served.stderr, direct.stderr, "{args:?}");
        assert!(!served.stderr.is_ascii(), "{}", served.stderr);
    }
    assert!(direct[0].stderr.contains("δεν έχει σε ισχύ συγκατάθεση κοινοποίησης"), "{}", direct[0].stderr);
    assert!(direct[1].stderr.contains("πρόχειρη"), "the status by its Greek name: {}", direct[1].stderr);
    server.stop();
}

#[test]
fn every_commands_help_is_greek_and_reads_show_no_write_options() {
    let w = World::new();
    for (command, first_words) in [
        (&["export"][..], "Σύνταξη πακέτου για αξιολογητές"),
        (&["verify"][..], "Επαλήθευση της αλυσίδας hash"),
        (&["staff", "add"][..], "Καταχώριση μέλους του προσωπικού"),
        (&["centre", "register"][..], "Καταχώριση κέντρου"),
        (&["report", "indicators"][..], "Η αναφορά δεικτών"),
        (&["witness", "add"][..], "Έλεγχος πακέτων"),
    ] {
        let help = w.ok(&[&["--lang", "el"][..], command, &["--help"][..]].concat());
        assert!(help.starts_with(first_words), "{command:?}: {help}");
        assert!(help.contains("Ο κατάλογος δεδομένων [προεπιλογή: ./parapompi-data]"), "{command:?}: {help}");
    }
    // A read hides what only a write uses; a write shows it; required flags come first.
    let report = w.ok(&["report", "indicators", "--help"]);
    assert!(!report.contains("--at <INSTANT>") && !report.contains("--command-id"), "{report}");
    assert!(report.contains("Usage: parapompi report indicators --from <DATE> --to <DATE> [OPTIONS]"), "{report}");
    let export = w.ok(&["export", "--help"]);
    assert!(export.contains("--at <INSTANT>") && !export.contains("--command-id"), "{export}");
    let intake = w.ok(&["intake", "--help"]);
    assert!(intake.contains("--at <INSTANT>") && intake.contains("--command-id <UUID>"), "{intake}");
    assert!(intake.contains("Usage: parapompi intake --beneficiary <BENEFICIARY> --channel <CHANNEL>"), "{intake}");
}

#[test]
fn a_name_that_names_none_or_several_is_refused_in_greek_listing_the_candidates() {
    let w = World::new();
    w.ok(&["init"]);
    let (_, admin, _, _) = set_up(&w);
    w.json(&["--as", &admin, "--at", AT, "staff", "add", "--name", "Νίκος Παπάς", "--role", "reception"]);
    let before = w.verified_events();
    let several = w.run(&["--lang", "el", "staff", "show", "Νίκος"]);
    assert_eq!(several.code, 2, "{}", several.stderr);
    assert!(
        several.stderr.contains("STAFF: το \"Νίκος\" ταιριάζει σε 2 μέλη του προσωπικού: ")
            && several.stderr.contains("Νίκος Ζήσης (staff-")
            && several.stderr.contains("Νίκος Παπάς (staff-"),
        "{}",
        several.stderr
    );
    w.fails(2, "STAFF: \"nikos\" names 2 staff members: ", &["staff", "show", "nikos"]);
    let none = w.run(&["--lang", "el", "--as", &admin, "staff", "roles", "Γιώργος", "--role", "reception"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(none.stderr.contains("δεν βρέθηκε μέλος του προσωπικού με το όνομα \"Γιώργος\""), "{}", none.stderr);
    let not_a_case = w.run(&["--lang", "el", "case", "show", "ΓΡΕ-2024-0001/1"]);
    assert!(
        not_a_case.stderr.contains("είναι αναφορά παραπομπής· η υπόθεσή της είναι η ΓΡΕ-2024-0001"),
        "{}",
        not_a_case.stderr
    );
    // The command line's own checks, in Greek too.
    let no_agency = w.run(&[
        "--lang",
        "el",
        "--as",
        &admin,
        "intake",
        "--beneficiary",
        BENEFICIARY,
        "--channel",
        "referred_in",
        "--request",
        "x",
    ]);
    assert!(
        no_agency.stderr.contains("--referred-by: είναι υποχρεωτικό με --channel referred_in"),
        "{}",
        no_agency.stderr
    );
    assert_eq!(w.verified_events(), before, "nothing is written");
}

/// `report indicators` of 2024 in Greek, with the `extra` arguments after the period.
fn report_of_2024_in_greek(w: &World, extra: &[&str]) -> Run {
    let mut args = vec!["--lang", "el", "report", "indicators", "--from", "2024-01-01", "--to", "2024-12-31"];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// A run that must fail with exit 2 and one line in Greek holding `greek` and none of the
/// English sentence `english` it replaced.
fn refused_in_greek(run: &Run, greek: &str, english: &str) {
    assert_eq!(run.code, 2, "{}{}", run.stderr, run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(greek), "{:?} lacks {greek:?}", run.stderr);
    assert!(!run.stderr.contains(english), "{:?} still says {english:?}", run.stderr);
}

/// Output that holds every Greek phrase and none of the English ones.
fn speaks_greek(text: &str, greek: &[&str], english: &[&str]) {
    for phrase in greek {
        assert!(text.contains(phrase), "{text:?} lacks {phrase:?}");
    }
    for phrase in english {
        assert!(!text.contains(phrase), "{text:?} still says {phrase:?}");
    }
}

#[test]
fn the_demo_its_checkpoint_and_a_witness_speak_greek_and_refuse_in_greek() {
    let w = World::new();
    let demo = w.run(&["--lang", "el", "demo", "--seed", "5", "--beneficiaries", "6"]);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    speaks_greek(
        &demo.stdout,
        &["δημιουργήθηκε ο κόσμος επίδειξης", "μέλη του προσωπικού", "  παραπομπές ", "στη συνέχεια, δοκιμάστε:"],
        &["made the demo world", " staff,", "referrals ", "completed_", "next, try"],
    );
    speaks_greek(
        &demo.stderr,
        &["προειδοποίηση: δημιουργήθηκε το κλειδί εγκατάστασης", "προειδοποίηση: δημιουργήθηκε το κλειδί υπογραφής"],
        &["warning: made the", "Back it up apart"],
    );
    // English keeps its words, and --json its shape.
    let english = World::new();
    let demo_en = english.run(&["demo", "--seed", "5", "--beneficiaries", "6"]);
    assert!(
        demo_en.stdout.contains("made the demo world") && demo_en.stdout.contains("next, try:"),
        "{}",
        demo_en.stdout
    );

    let daily = w.file("daily");
    std::fs::create_dir(&daily).expect("a directory");
    let daily = daily.display().to_string();
    let written = w.ok(&["--lang", "el", "checkpoint", "--out", &daily]);
    speaks_greek(&written, &["γράφτηκε το σημείο ελέγχου της θέσης", "hash κεφαλής"], &["wrote the checkpoint"]);
    let json = w.json(&["--lang", "el", "checkpoint", "--out", &daily]);
    assert!(json["file"].is_string() && json["head_hash"].is_string(), "{json}");

    let bundle = w.file("all.bundle").display().to_string();
    w.ok(&["export", "--out", &bundle]);
    let witness = w.file("witness.json").display().to_string();
    let made = w.ok(&["--lang", "el", "witness", "init", "--witness", &witness]);
    speaks_greek(&made, &["δημιουργήθηκε ο μάρτυρας", "προς δημοσίευση:"], &["made the witness", "to publish"]);
    // A witness that has seen nothing of this log has nothing to check the bundle against.
    refused_in_greek(
        &w.run_in(&w.file(""), &["--lang", "el", "verify", "--bundle", &bundle, "--witness", &witness]),
        "δεν κρατά κανένα σημείο ελέγχου",
        "holds no checkpoint",
    );
    let added = w.ok(&["--lang", "el", "witness", "add", "--witness", &witness, &bundle]);
    speaks_greek(&added, &["ο μάρτυρας προσυπέγραψε", "πρώτη φορά"], &["countersigned", "first time"]);
    let verified = w.ok(&["--lang", "el", "verify", "--bundle", &bundle, "--witness", &witness]);
    speaks_greek(&verified, &["ο μάρτυρας ", "στη θέση", "συμφωνεί"], &["the witness", "at position"]);
    // A witness is made once.
    refused_in_greek(
        &w.run(&["--lang", "el", "witness", "init", "--witness", &witness]),
        "υπάρχει ήδη: ένας μάρτυρας δημιουργείται μία φορά",
        "already exists",
    );
}

#[test]
fn key_rotations_and_the_administrators_argument_checks_speak_greek() {
    let w = World::new();
    w.ok(&["init"]);
    let (centre_id, admin, _, _) = set_up(&w);
    let rotated = w.ok(&["--lang", "el", "--as", &admin, "centre", "signing-key", &centre_id, "--rotate"]);
    speaks_greek(&rotated, &["το κλειδί υπογραφής είναι πλέον"], &["the signing key is now"]);
    let keys = w.ok(&["--lang", "el", "keys", "rotate"]);
    speaks_greek(
        &keys,
        &["έγινε εναλλαγή του κλειδιού εγκατάστασης", "το ευρετήριο ΑΜΚΑ ανακατασκευάστηκε", "το νέο κλειδί βρίσκεται"],
        &["rotated the deployment key", "person keys", "Backups made before now"],
    );
    // The checks of the arguments, each naming its flag.
    refused_in_greek(
        &w.run(&["--lang", "el", "keys", "rotate", "--new-key-from-env"]),
        "--new-key-from-env: το PARAPOMPI_NEW_DEPLOYMENT_KEY δεν έχει οριστεί",
        "is not set",
    );
    refused_in_greek(
        &w.run(&["--lang", "el", "export", "--from", "9999", "--out", &w.file("x.bundle").display().to_string()]),
        "--from: η θέση 9999 δεν υπάρχει στο αρχείο",
        "is not in the log",
    );
    let existing = w.write("taken.backup", "").display().to_string();
    refused_in_greek(
        &w.run(&["--lang", "el", "--as", &admin, "backup", "--out", &existing]),
        "υπάρχει ήδη· δώστε --force",
        "already exists",
    );
    refused_in_greek(
        &w.run(&["--lang", "el", "checkpoint", "--out", &existing]),
        "δεν είναι κατάλογος",
        "is not a directory",
    );
    refused_in_greek(
        &w.run(&["--lang", "el", "centre", "signing-key", &centre_id]),
        "--as: η εντολή καταγράφεται ως πράξη",
        "needs the acting",
    );
    refused_in_greek(
        &w.run(&["--lang", "el", "--at", "χθες", "checkpoint"]),
        "δεν είναι χρονική στιγμή RFC 3339",
        "is not an RFC 3339 instant",
    );
    let elsewhere = w.file("nowhere").display().to_string();
    refused_in_greek(
        &parapompi().args(["--lang", "el", "--data-dir", &elsewhere, "keys", "rotate"]).output().expect("runs").into(),
        "--data-dir: δεν υπάρχει αποθήκη",
        "there is no store",
    );
}

#[test]
fn login_and_session_errors_speak_greek() {
    let _watchdog = watchdog("Greek login errors", 120);
    let w = World::new();
    w.ok(&["init"]);
    let (_, admin, worker, _) = set_up(&w);
    let code = enrolment_code(&w, &worker, &admin);
    assert_eq!(set_password(&w, &code).code, 0);
    let server = ServerProcess::start(&w.data(), &[]);
    let config = w.file("config");
    let client = |password: Option<&str>, token: Option<&str>, args: &[&str]| -> Run {
        let mut command = parapompi();
        command.env("PARAPOMPI_CONFIG_DIR", &config).args(["--lang", "el", "--server", &server.base]).args(args);
        if let Some(password) = password {
            command.env("PARAPOMPI_PASSWORD", password);
        }
        if let Some(token) = token {
            command.env("PARAPOMPI_TOKEN", token);
        }
        command.output().expect("runs").into()
    };
    refused_in_greek(&client(None, None, &["caseload"]), "δεν έχετε συνδεθεί στον", "not logged in");
    refused_in_greek(&client(None, None, &["logout"]), "δεν έχετε συνδεθεί στον", "not logged in");
    refused_in_greek(
        &client(Some("όχι αυτός ο κωδικός"), None, &["login", "--staff", &worker]),
        "--staff: ο διακομιστής δεν δέχτηκε τη σύνδεση",
        "check the staff id",
    );
    refused_in_greek(
        &client(None, Some("not-a-token"), &["caseload"]),
        "PARAPOMPI_TOKEN: δεν είναι διακριτικό της μορφής pp1_",
        "not a token",
    );
    // The server's own refusal of a token it does not know, framed in Greek.
    let forged = format!("pp1_{}_00000000-0000-4000-8000-000000000000_secret", worker.trim_start_matches("staff-"));
    refused_in_greek(
        &client(None, Some(&forged), &["caseload"]),
        "ο διακομιστής δεν δέχτηκε τη σύνδεση",
        "run `parapompi login` again",
    );
    refused_in_greek(
        &client(None, Some(&forged), &["logout"]),
        "PARAPOMPI_TOKEN: το διακριτικό έρχεται από το περιβάλλον",
        "the token comes from the environment",
    );
    server.stop();
    refused_in_greek(
        &parapompi().args(["--lang", "el", "--server", "ftp://example"]).arg("caseload").output().expect("runs").into(),
        "--server: το \"ftp://example\" δεν είναι διεύθυνση URL",
        "is not a URL",
    );
}

#[test]
fn a_malformed_batch_is_refused_line_by_line_in_greek() {
    let w = World::new();
    w.ok(&["init"]);
    let batch = w
        .write(
            "batch.jsonl",
            &[
                "not json",
                "[1, 2]",
                r#"{"command": "intake", "colour": "blue"}"#,
                r#"{"command": "fly away"}"#,
                r#"{"command": "referral"}"#,
                r#"{"command": "note", "args": {"wings": "two"}}"#,
                r#"{"command": "note", "args": {"text": {"nested": true}}}"#,
                r#"{"command": "note", "args": ["a list"]}"#,
                r#"{"args": {}}"#,
                r#"{"command": "board"}"#,
                "\u{feff}{}",
            ]
            .join("\n"),
        )
        .display()
        .to_string();
    let run = w.run(&["--lang", "el", "apply", &batch]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let errors: Vec<String> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a result line"))
        .map(|line| line["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected = [
        ("η γραμμή δεν είναι έγκυρο JSON", "is not valid JSON"),
        ("η γραμμή δεν είναι αντικείμενο JSON", "not a JSON object"),
        ("colour: άγνωστο κλειδί (μια γραμμή περιέχει τα command, as, at, command_id, args)", "unknown key"),
        ("command: το \"fly away\" δεν είναι εντολή του parapompi", "is not a parapompi command"),
        ("command: το \"referral\" χρειάζεται υποεντολή", "needs a subcommand"),
        ("args.wings: δεν είναι όρισμα της `note`", "not an argument"),
        ("args.text: πρέπει να είναι συμβολοσειρά, αριθμός, λίστα ή (για διακόπτη) λογική τιμή", "must be a string"),
        ("args: πρέπει να είναι αντικείμενο", "must be an object"),
        ("command: είναι υποχρεωτικό: συμβολοσειρά όπως \"intake\"", "required, a string"),
        ("command: η apply εκτελεί μόνο τις εντολές που γράφουν", "runs the commands that write"),
        ("το σημάδι σειράς byte (U+FEFF) γίνεται δεκτό μόνο στην αρχή της εισόδου", "byte-order mark"),
    ];
    assert_eq!(errors.len(), expected.len(), "{}", run.stdout);
    for (error, (greek, english)) in errors.iter().zip(expected) {
        speaks_greek(error, &[greek], &[english]);
    }
    // A batch file that is not there, in Greek with the system's own words kept.
    let missing = w.file("missing.jsonl").display().to_string();
    let run = w.run(&["--lang", "el", "apply", &missing]);
    refused_in_greek(&run, "FILE: δεν διαβάζεται το", "cannot read");
    assert!(run.stderr.contains("os error 2"), "the system's text is kept: {}", run.stderr);
    // In English the words stay as they were.
    let english = w.run(&["apply", &batch]);
    assert!(english.stdout.contains("the line is not valid JSON"), "{}", english.stdout);
    assert!(english.stdout.contains("is not a parapompi command"), "{}", english.stdout);
}

#[test]
fn a_malformed_act_line_is_refused_in_greek() {
    let w = World::new();
    w.ok(&["init"]);
    let before = w.verified_events();
    let note = r#"{"case":{"case_id":"0190a000-0000-7000-8000-000000000001","action":{"add_note":{"text":"x"}}}}"#;
    let batch = w
        .write(
            "acts.jsonl",
            &[
                format!(r#"{{"act": [{note}], "command_id": "όχι"}}"#),
                format!(r#"{{"act": [{note}], "at": "χθες"}}"#),
                format!(r#"{{"act": [{note}], "as": "η διευθύντρια"}}"#),
                format!(r#"{{"act": [{note}], "at": 5}}"#),
                r#"{"act": []}"#.to_owned(),
                r#"{"act": [{"case": 1}]}"#.to_owned(),
                r#"{"act": [{"staff":{"staff_id":"0190a000-0000-7000-8000-000000000002","action":{"record_login_failed":{"reason":"wrong_password"}}}}]}"#.to_owned(),
            ]
            .join("\n"),
        )
        .display()
        .to_string();
    let errors = |run: &Run| -> Vec<String> {
        run.stdout
            .lines()
            .map(|line| serde_json::from_str::<Value>(line).expect("a result line"))
            .map(|line| line["error"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let run = w.run(&["--lang", "el", "apply", &batch]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let expected = [
        ("command_id: το \"όχι\" δεν είναι UUID", "is not a UUID"),
        ("at: το \"χθες\" δεν είναι χρονική στιγμή RFC 3339", "is not an RFC 3339 instant"),
        ("as: το \"η διευθύντρια\" δεν είναι αναγνωριστικό (UUID ή staff-<UUID>) ούτε setup", "is not an id"),
        ("at: πρέπει να είναι συμβολοσειρά", "must be a string"),
        ("act: πρέπει να είναι λίστα με μία ή περισσότερες εντολές", "must be a list"),
        ("act[0]: δεν είναι εντολή στη μορφή της βιβλιοθήκης: ", "not a command in the library's form"),
        ("act[0]: οι πράξεις διαπιστευτηρίων δεν γίνονται δεκτές", "credential acts are not taken"),
    ];
    let greek = errors(&run);
    assert_eq!(greek.len(), expected.len(), "{}", run.stdout);
    for (error, (greek, english)) in greek.iter().zip(expected) {
        speaks_greek(error, &[greek], &[english]);
    }
    // In English the words are the library's, as the server's answers give them.
    let english = errors(&w.run(&["apply", &batch]));
    for (error, (_, english)) in english.iter().zip(expected) {
        assert!(error.contains(english), "{error:?} lacks {english:?}");
    }
    assert_eq!(w.verified_events(), before, "nothing is written");
}

#[test]
fn the_environments_failures_speak_greek_and_keep_the_systems_words() {
    let w = World::new();
    // A data directory that is a file: the store's doing named in Greek, the OS text kept.
    let file = w.write("a-file", "").display().to_string();
    let run = parapompi().args(["--lang", "el", "--data-dir", &file, "init"]).output().expect("runs").into();
    refused_in_greek(&run, "σφάλμα εισόδου/εξόδου κατά τη δημιουργία του καταλόγου της αποθήκης", "input/output error");
    assert!(run.stderr.contains("os error"), "{}", run.stderr);
    let below = format!("{file}/data");
    let run = parapompi().args(["--lang", "el", "--data-dir", &below, "init"]).output().expect("runs").into();
    refused_in_greek(&run, "σφάλμα εισόδου/εξόδου κατά τον έλεγχο του καταλόγου της αποθήκης", "while looking at");
    let english: Run = parapompi().args(["--data-dir", &file, "init"]).output().expect("runs").into();
    assert!(english.stderr.contains("input/output error while creating the store's directory"), "{}", english.stderr);

    w.ok(&["init"]);
    // clap's own refusals, in the language's words.
    refused_in_greek(
        &w.run(&["--lang", "el", "stats", "--verbose"]),
        "μη αναμενόμενο όρισμα '--verbose'",
        "unexpected",
    );
    refused_in_greek(&w.run(&["--lang", "el", "satts"]), "άγνωστη υποεντολή 'satts'", "unrecognized");
    // The modes' and the report's checks.
    refused_in_greek(
        &w.run(&["--lang", "el", "login", "--staff", "x"]),
        "η σύνδεση και η αποσύνδεση γίνονται με διακομιστή",
        "login and logout are with a server",
    );
    refused_in_greek(
        &w.run(&[
            "--lang",
            "el",
            "--command-id",
            "όχι",
            "centre",
            "register",
            "--name",
            "Κέντρο",
            "--host",
            "Γρεβενά",
            "--supervising-service",
            "Υπηρεσία",
            "--admin-name",
            "Ελένη Τσιρίκου",
        ]),
        "--command-id: το \"όχι\" δεν είναι UUID",
        "is not a UUID",
    );
    refused_in_greek(
        &w.run(&["--lang", "el", "report", "indicators", "--from", "2024-12-31", "--to", "2024-01-01"]),
        "--to: η 2024-01-01 είναι πριν από την --from 2024-12-31",
        "is before",
    );
    let nobody = "centre-00000000-0000-4000-8000-000000000000";
    refused_in_greek(&report_of_2024_in_greek(&w, &["--centre", nobody]), "σε αυτό το αρχείο", "in this log");
    refused_in_greek(
        &report_of_2024_in_greek(&w, &["--as-of-position", "99"]),
        "η θέση 99 είναι μετά την κεφαλή του αρχείου (0)",
        "is past the head",
    );
}

#[test]
fn a_bad_pin_or_verifier_key_is_refused_in_greek() {
    let w = World::new();
    let demo = w.run(&["demo", "--seed", "3", "--beneficiaries", "2"]);
    assert_eq!(demo.code, 0, "{}", demo.stderr);
    let bundle = w.file("all.bundle").display().to_string();
    w.ok(&["export", "--out", &bundle]);
    let verify = |extra: &[&str]| -> Run {
        parapompi().args(["--lang", "el", "verify", "--bundle", &bundle]).args(extra).output().expect("runs").into()
    };
    let zeros = "0".repeat(64);
    let cases: [(&[&str], &str, &str); 6] = [
        (&["--pin", "12"], "--pin: το \"12\" δεν είναι της μορφής ΘΕΣΗ:HASH", "is not POSITION:HASH"),
        (&["--pin", "x:00"], "--pin: το \"x\" δεν είναι θέση", "is not a position"),
        (&["--pin", "1:00"], "--pin: το \"00\" δεν είναι 64 δεκαεξαδικά ψηφία", "hex digits"),
        (&["--pin", &format!("0:{zeros}")], "--pin: η θέση 0 δεν περιέχει τίποτα", "holds nothing to pin"),
        (&["--key", "nonsense"], "--key: το \"nonsense\" δεν είναι κλειδί επαλήθευσης", "is not a verifier key"),
        (
            &["--key", "name+00000000+!!!"],
            "--key: το κλειδί επαλήθευσης name: το κλειδί του δεν είναι σε base64",
            "is not base64",
        ),
    ];
    for (extra, greek, english) in cases {
        refused_in_greek(&verify(extra), greek, english);
    }
    let english: Run = parapompi().args(["verify", "--bundle", &bundle, "--pin", "12"]).output().expect("runs").into();
    assert!(english.stderr.contains("\"12\" is not POSITION:HASH"), "{}", english.stderr);
}

#[test]
fn a_bad_deployment_key_is_refused_in_greek() {
    let w = World::new();
    w.ok(&["init"]);
    let data = w.data().display().to_string();
    let with_key = |name: &str, value: &str, lang: &str| -> Run {
        parapompi().env(name, value).args(["--lang", lang, "--data-dir", &data, "stats"]).output().expect("runs").into()
    };
    refused_in_greek(
        &with_key("PARAPOMPI_DEPLOYMENT_KEY", "zz", "el"),
        "κλειδιά: το κλειδί εγκατάστασης που δόθηκε: το κλειδί πρέπει να έχει 64 δεκαεξαδικά ψηφία",
        "must be 64 hex digits",
    );
    let junk = w.write("junk.key", "junk\n").display().to_string();
    refused_in_greek(
        &with_key("PARAPOMPI_DEPLOYMENT_KEY_FILE", &junk, "el"),
        "δεν είναι αρχείο κλειδιού εγκατάστασης (η πρώτη του γραμμή πρέπει να είναι",
        "not a deployment key file",
    );
    let english = with_key("PARAPOMPI_DEPLOYMENT_KEY", "zz", "en");
    assert!(
        english.stderr.contains("keys: the deployment key given: the key must be 64 hex digits"),
        "{}",
        english.stderr
    );
}

#[test]
fn a_servers_certificate_problems_are_refused_in_greek() {
    let w = World::new();
    w.ok(&["init"]);
    let junk = w.write("junk.pem", "not pem at all\n").display().to_string();
    let missing = w.file("missing.pem").display().to_string();
    let serve = |cert: &str, key: &str| {
        w.run(&["--lang", "el", "serve", "--listen", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key])
    };
    refused_in_greek(&serve(&missing, &junk), "--tls-cert: δεν διαβάζεται το αρχείο πιστοποιητικού", "cannot read");
    refused_in_greek(&serve(&junk, &junk), "δεν περιέχει πιστοποιητικό", "holds no certificate");
}
