//! The command line as a client of `parapompi serve`: the same story told in direct mode on
//! one data directory and through a server on another prints the same and exits the same,
//! step by step; logging in and out; and `--wait` for a directory another process holds.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

const OTHER_CASE: &str = "d0000000-0000-4000-8000-0000000000ff";

/// Masks what differs between two data directories that hold the same acts: the instants
/// the clock gave, the chain's hashes (the identities' salts and the credentials' ids
/// differ, so every hash after them does), the ids of the set-up's texts and of
/// credentials.
fn masked(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        // 2024-03-05T08:00:00.000Z or 2024-03-05T08:00:00Z
        let digits = |range: std::ops::Range<usize>| {
            bytes.get(range.clone()).is_some_and(|b| b.len() == range.len() && b.iter().all(u8::is_ascii_digit))
        };
        let instant_len = if digits(i..i + 4) && bytes.get(i + 4) == Some(&b'-') && bytes.get(i + 10) == Some(&b'T') {
            match (bytes.get(i + 19), bytes.get(i + 23)) {
                (Some(b'Z'), _) => Some(20),
                (Some(b'.'), Some(b'Z')) if digits(i + 20..i + 23) => Some(24),
                _ => None,
            }
        } else {
            None
        };
        // A printed history's line begins with its act's time to the minute (2024-03-05 08:00):
        // the twins' acts are made moments apart, and may fall either side of a minute.
        let history_time = (out.is_empty() || out.ends_with('\n'))
            && digits(i..i + 4)
            && bytes.get(i + 4) == Some(&b'-')
            && bytes.get(i + 10) == Some(&b' ')
            && digits(i + 11..i + 13)
            && bytes.get(i + 13) == Some(&b':')
            && digits(i + 14..i + 16);
        let hex_run = bytes[i..].iter().take_while(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()).count();
        // A text's id derives from its command's id, which the set-up left to the clock; a
        // credential's is random.
        if (out.ends_with("\"text_id\":\"") || out.ends_with("\"credential_id\":\"")) && bytes.len() - i >= 36 {
            out.push_str("<id>");
            i += 36;
        } else if history_time {
            out.push_str(&text[i..i + 10]);
            out.push_str(" <time>");
            i += 16;
        } else if let Some(n) = instant_len {
            out.push_str("<instant>");
            i += n;
        } else if hex_run == 64 {
            out.push_str("<hash>");
            i += 64;
        } else {
            let c = text[i..].chars().next().unwrap_or_default();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Two worlds that hold the same acts: `direct` is used through its data directory, `served`
/// through a server, the worker and the supervisor each with an API token.
struct Twins {
    direct: World,
    served: World,
    server: ServerProcess,
    /// The API tokens of the served world: the worker's, the supervisor's, the other
    /// centre's administrator's.
    tokens: [(&'static str, String); 3],
    worker_token: String,
}

fn api_token(w: &World, by: &str, staff: &str) -> String {
    let issued = w.json(&["--as", by, "staff", "api-token", staff]);
    issued["secret"].as_str().unwrap_or_default().to_owned()
}

fn twins() -> Twins {
    let (direct, served) = (World::new(), World::new());
    set_up(&direct);
    set_up(&served);
    let mut tokens = [(WORKER, String::new()), (SUPERVISOR, String::new()), (ADMIN2, String::new())];
    for (staff, token) in &mut tokens {
        let by = if *staff == ADMIN2 { ADMIN2 } else { ADMIN };
        api_token(&direct, by, staff);
        *token = api_token(&served, by, staff);
    }
    let server = ServerProcess::start(&served.data(), &[]);
    let worker_token = tokens[0].1.clone();
    Twins { direct, served, server, tokens, worker_token }
}

impl Twins {
    /// Runs `args` as `staff` both ways; asserts the same exit code (`code`), the same
    /// standard output and standard error (masked); gives the direct run's output.
    fn same(&self, staff: &str, code: i32, args: &[&str]) -> String {
        let direct = parapompi().arg("--data-dir").arg(self.direct.data()).args(["--as", staff]).args(args).output();
        let direct = common::Run::from(direct.unwrap_or_else(|e| panic!("the binary runs: {e}")));
        let token = self
            .tokens
            .iter()
            .find(|(holder, _)| *holder == staff)
            .map(|(_, token)| token)
            .unwrap_or_else(|| panic!("no token for staff member {staff}"));
        let served = parapompi()
            .args(["--server", &self.server.base])
            .env("PARAPOMPI_TOKEN", token)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("the binary runs: {e}"));
        let served = common::Run::from(served);
        assert_eq!(direct.code, code, "{args:?} in direct mode: {}{}", direct.stderr, direct.stdout);
        assert_eq!(served.code, code, "{args:?} through the server: {}{}", served.stderr, served.stdout);
        assert_eq!(masked(&served.stdout), masked(&direct.stdout), "{args:?}: standard output differs");
        assert_eq!(masked(&served.stderr), masked(&direct.stderr), "{args:?}: standard error differs");
        direct.stdout + &direct.stderr
    }
}

#[test]
fn the_story_through_the_server_prints_and_exits_as_in_direct_mode() {
    let _watchdog = watchdog("the story through the server", 300);
    let t = twins();
    // Acts are dated by the clock (the set-up is), their business dates today in Athens.
    let year = std::process::Command::new("date")
        .arg("+%Y")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let id = |n: u32| format!("01900000-0000-7000-8000-{n:012}");
    // Writes, each with its own command id and time, so that both logs hold the same acts.
    t.same(WORKER, 0, &["--command-id", &id(20), "beneficiary", "legal-basis", BENEFICIARY, "--basis", "consent"]);
    t.same(WORKER, 0, &["--command-id", &id(21), "beneficiary", "consent", BENEFICIARY, "--agency", AGENCY]);
    let wrote = t.same(WORKER, 0, &["--command-id", &id(1), "referral", "send", REFERRAL]);
    assert!(wrote.contains("position"), "{wrote}");
    t.same(WORKER, 0, &["--command-id", &id(1), "referral", "send", REFERRAL, "--json"]);
    let again = t.same(WORKER, 0, &["--command-id", &id(1), "referral", "send", REFERRAL]);
    assert!(again.contains("a repeat of an earlier command"), "{again}");
    t.same(WORKER, 0, &["--command-id", &id(2), "assess", CASE, "--need", "employment:high"]);
    t.same(WORKER, 0, &["--command-id", &id(3), "service", CASE, "--kind", "vocational_guidance"]);
    t.same(WORKER, 0, &["--command-id", &id(4), "note", CASE, "--text", "Ενδιαφέρεται για κατάρτιση."]);
    t.same(WORKER, 0, &["--command-id", &id(5), "referral", "accept", REFERRAL]);
    t.same(WORKER, 0, &["--command-id", &id(6), "referral", "start", REFERRAL]);
    let intake = t.same(
        WORKER,
        0,
        &[
            "--command-id",
            &id(7),
            "intake",
            "--beneficiary",
            BENEFICIARY,
            "--channel",
            "phone",
            "--request",
            "Ζητά στέγη.",
            "--json",
        ],
    );
    let second_case: Value = serde_json::from_str(intake.trim()).unwrap_or(Value::Null);
    let second_reference = second_case["reference"].as_str().unwrap_or_default().to_owned();
    let second_case = second_case["case_id"].as_str().unwrap_or_default().to_owned();
    assert!(second_reference.ends_with("-0002"), "{intake}");
    assert!(!second_case.is_empty(), "{intake}");
    // Refusals: a rule's (exit 1), a bad or unknown id (exit 2), the same words both ways.
    let refused = t.same(WORKER, 1, &["--command-id", &id(8), "referral", "send", REFERRAL]);
    assert!(refused.contains("rejected by rule"), "{refused}");
    let outside = t.same(ADMIN2, 1, &["--command-id", &id(9), "note", CASE, "--text", "x"]);
    assert!(outside.contains("OutsideCentre") || outside.contains("RoleNotPermitted"), "{outside}");
    t.same(WORKER, 2, &["--command-id", &id(10), "note", OTHER_CASE, "--text", "Καμία."]);
    t.same(WORKER, 2, &["case", "show", OTHER_CASE]);
    t.same(WORKER, 2, &["centre", "show", OTHER_CASE]);
    t.same(WORKER, 2, &["staff", "show", OTHER_CASE]);
    t.same(WORKER, 2, &["agency", "show", OTHER_CASE]);
    // A staff member's credentials are listed by id, kind and expiry, never by secret.
    let credentials = t.direct.ok(&["staff", "show", WORKER]);
    assert!(credentials.contains("api_token") && !credentials.contains("pp1_"), "{credentials}");
    t.same(WORKER, 2, &["audit", OTHER_CASE]);
    t.same(WORKER, 2, &["note", "not-an-id", "--text", "x"]);
    // A batch, in both of apply's forms.
    let batch = format!(
        "{{\"command\":\"note\",\"command_id\":\"{}\",\"args\":{{\"case\":\"{CASE}\",\"text\":\"Τηλεφώνησε.\"}}}}\n\
         {{\"act\":[{{\"case\":{{\"case_id\":\"{CASE}\",\"action\":{{\"add_note\":{{\"text\":\"Ήρθε.\"}}}}}}}}],\"command_id\":\"{}\"}}\n",
        id(11),
        id(12),
    );
    let batch_direct = t.direct.write("batch.jsonl", &batch);
    let batch_served = t.served.write("batch.jsonl", &batch);
    assert_eq!(std::fs::read(&batch_direct).ok(), std::fs::read(&batch_served).ok());
    // The file's path differs between the worlds; each runs its own copy of the same lines.
    let applied_direct = t.direct.run(&["--as", WORKER, "apply", batch_direct.to_str().unwrap_or_default()]);
    let applied_served = parapompi()
        .args(["--server", &t.server.base])
        .env("PARAPOMPI_TOKEN", &t.worker_token)
        .args(["apply", batch_served.to_str().unwrap_or_default()])
        .output()
        .map(common::Run::from)
        .unwrap_or_else(|e| panic!("the binary runs: {e}"));
    assert_eq!(applied_direct.code, 0, "{}{}", applied_direct.stderr, applied_direct.stdout);
    assert_eq!(applied_served.code, 0, "{}{}", applied_served.stderr, applied_served.stdout);
    assert_eq!(masked(&applied_served.stdout), masked(&applied_direct.stdout));
    // Views, as a person reads them and as JSON.
    for args in [
        &["caseload"][..],
        &["caseload", "--json"],
        &["caseload", "--all"],
        &["board", "--all"],
        &["board", "--staff", WORKER, "--json"],
        &["caseload", "--staff", WORKER],
        &["board"],
        &["board", "--status", "in_progress", "--json"],
        &["board", "--overdue", "--on", "2099-12-31"],
        &["case", "show", CASE],
        &["case", "show", CASE, "--json"],
        &["case", "show", &second_case],
        &["audit", CASE],
        &["audit", &format!("referral-{REFERRAL}"), "--json"],
        &["audit", BENEFICIARY],
        &["agency", "list"],
        &["agency", "list", "--all", "--json"],
        &["agency", "list", "--name", "dypa"],
        &["agency", "show", AGENCY],
        &["agency", "show", AGENCY_OFF, "--json"],
        &["centre", "list"],
        &["centre", "list", "--json"],
        &["centre", "show", CENTRE],
        &["centre", "show", CENTRE2, "--json"],
        &["staff", "list"],
        &["staff", "list", "--all", "--centre", CENTRE, "--json"],
        &["staff", "show", ADMIN],
        &["report", "indicators", "--from", &from, "--to", &to],
        &["report", "indicators", "--from", &from, "--to", &to, "--format", "csv"],
        &["report", "indicators", "--from", &from, "--to", &to, "--centre", CENTRE, "--json"],
        &["verify"],
    ] {
        let shown = t.same(WORKER, 0, args);
        assert!(!shown.trim().is_empty(), "{args:?} printed nothing");
    }
    // "My work": the worker's own cases unless --all; the second intake is nobody's yet.
    let mine = t.same(WORKER, 0, &["caseload"]);
    let every = t.same(WORKER, 0, &["caseload", "--all"]);
    assert!(mine.contains("1 open case") && mine.contains("assigned to you"), "{mine}");
    assert!(every.contains("2 open cases") && !every.contains("assigned to you"), "{every}");
    assert!(!mine.contains(&second_reference) && every.contains(&second_reference), "{mine}{every}");
    t.same(WORKER, 2, &["caseload", "--all", "--staff", WORKER]);
    let shown = t.same(WORKER, 0, &["case", "show", CASE]);
    assert!(shown.contains("history") && shown.contains("AddCaseNote") || shown.contains("note"), "{shown}");
    t.same(WORKER, 2, &["report", "indicators", "--from", &from, "--to", &to, "--centre", OTHER_CASE]);
    t.same(WORKER, 2, &["report", "indicators", "--from", &from, "--to", &to, "--as-of-position", "9999"]);
    // Short references and names stand for ids, the same both ways.
    let case_ref = format!("ΑΠΟ-{year}-0001");
    let shown = t.same(WORKER, 0, &["case", "show", &case_ref]);
    assert!(shown.contains(&case_ref) && shown.contains(&format!("{case_ref}/1")), "{shown}");
    assert!(shown.contains("Στέλιος Παπαδάκης") && shown.contains("ΔΥΠΑ Χανίων"), "names, not ids: {shown}");
    t.same(WORKER, 0, &["case", "show", &format!("απο-{year}-1"), "--json"]);
    t.same(WORKER, 0, &["audit", &format!("{case_ref}/1")]);
    let noted = t.same(
        WORKER,
        0,
        &["--command-id", &id(15), "referral", "note", &format!("{case_ref}/1"), "--text", "Κλήθηκε."],
    );
    assert!(noted.contains(&format!("{case_ref}/1")), "{noted}");
    t.same(WORKER, 2, &["case", "show", &format!("ΑΠΟ-{year}-0099")]);
    t.same(WORKER, 2, &["case", "show", &format!("{case_ref}/1")]);
    t.same(WORKER, 2, &["referral", "send", &case_ref]);
    let by_name = t.same(WORKER, 0, &["caseload", "--staff", "Παπαδάκης"]);
    assert!(by_name.contains(&case_ref), "{by_name}");
    t.same(WORKER, 0, &["board", "--agency", "δυπα", "--json"]);
    let unknown = t.same(WORKER, 2, &["board", "--agency", "Κανένας Φορέας"]);
    assert!(unknown.contains("no agency is named"), "{unknown}");
    let found = t.same(WORKER, 0, &["--command-id", &id(37), "beneficiary", "find", "--name", "papadaki"]);
    assert!(found.contains("Μαρία Παπαδάκη") && found.contains(&case_ref) && found.contains("1 person"), "{found}");
    t.same(WORKER, 0, &["--command-id", &id(38), "beneficiary", "find", "--amka", AMKA, "--json"]);
    t.same(WORKER, 0, &["--command-id", &id(42), "beneficiary", "find", "--phone", "6999999999"]);
    t.same(ADMIN2, 1, &["--command-id", &id(39), "beneficiary", "find", "--name", "Μαρία"]);
    t.same(WORKER, 2, &["beneficiary", "find", "--name", "Μαρία", "--amka", AMKA]);
    // Audited reads: each is recorded, then shown, the same both ways.
    let texts = t.same(WORKER, 0, &["--command-id", &id(30), "case", "show", CASE, "--texts"]);
    assert!(texts.contains("Ενδιαφέρεται για κατάρτιση.") && texts.contains("this read is recorded"), "{texts}");
    t.same(WORKER, 0, &["--command-id", &id(31), "audit", REFERRAL, "--texts", "--json"]);
    let printed = t.same(WORKER, 0, &["--command-id", &id(43), "case", "show", CASE, "--print"]);
    assert!(printed.contains("ΚΕΝΤΡΟ ΚΟΙΝΟΤΗΤΑΣ ΔΗΜΟΥ ΑΠΟΚΟΡΩΝΟΥ") && printed.contains(AMKA), "{printed}");
    assert!(
        printed.contains("Ενδιαφέρεται για κατάρτιση.") && printed.contains("These reads are recorded"),
        "{printed}"
    );
    t.same(WORKER, 2, &["case", "show", CASE, "--print", "--json"]);
    t.same(WORKER, 2, &["case", "show", CASE, "--reason", "Έλεγχος"]);
    t.same(WORKER, 2, &["--command-id", &id(32), "audit", BENEFICIARY, "--texts"]);
    // An identity corrected by one field keeps the others, merged where the vault is.
    t.same(WORKER, 0, &["--command-id", &id(40), "beneficiary", "update", BENEFICIARY, "--phone", "2821012345"]);
    t.same(WORKER, 2, &["--command-id", &id(41), "beneficiary", "update", BENEFICIARY, "--phone", "not a phone"]);
    let shown = t.same(WORKER, 0, &["--command-id", &id(33), "beneficiary", "show", BENEFICIARY]);
    assert!(shown.contains("Μαρία Παπαδάκη") && shown.contains(AMKA) && shown.contains("2821012345"), "{shown}");
    t.same(WORKER, 0, &["--command-id", &id(34), "beneficiary", "show", BENEFICIARY, "--json"]);
    t.same(ADMIN2, 1, &["--command-id", &id(35), "beneficiary", "show", BENEFICIARY]);
    let accesses = t.same(SUPERVISOR, 0, &["beneficiary", "accesses", BENEFICIARY]);
    assert!(accesses.contains("texts of case") && accesses.contains("identity"), "{accesses}");
    t.same(SUPERVISOR, 0, &["beneficiary", "accesses", BENEFICIARY, "--json"]);
    // The person's own copy: the same file both ways (its instants and hashes aside).
    let own_direct = t.direct.file("own-copy.json");
    let own_served = t.served.file("own-copy.json");
    let exported_direct = t.direct.run(&[
        "--as",
        SUPERVISOR,
        "--command-id",
        &id(36),
        "beneficiary",
        "export",
        BENEFICIARY,
        "--out",
        own_direct.to_str().unwrap_or_default(),
    ]);
    let exported_served = parapompi()
        .args(["--server", &t.server.base, "--command-id", &id(36), "beneficiary", "export", BENEFICIARY, "--out"])
        .arg(&own_served)
        .env("PARAPOMPI_TOKEN", &t.tokens[1].1)
        .output()
        .map(common::Run::from)
        .unwrap_or_else(|e| panic!("the binary runs: {e}"));
    assert_eq!(exported_direct.code, 0, "{}", exported_direct.stderr);
    assert_eq!(exported_served.code, 0, "{}", exported_served.stderr);
    let own = |path: &std::path::Path| masked(&std::fs::read_to_string(path).unwrap_or_default());
    assert!(own(&own_direct).contains("Παπαδάκη"), "{}", own(&own_direct));
    assert_eq!(own(&own_served), own(&own_direct), "the own copies differ");
    assert_eq!(
        exported_served.stdout.replace(own_served.to_str().unwrap_or_default(), "OUT"),
        exported_direct.stdout.replace(own_direct.to_str().unwrap_or_default(), "OUT")
    );
    // The erasure, by the supervisor; then a text about the erased person is refused.
    t.same(SUPERVISOR, 0, &["--command-id", &id(13), "beneficiary", "erase", BENEFICIARY]);
    t.same(WORKER, 1, &["--command-id", &id(14), "note", CASE, "--text", "Μετά τη διαγραφή."]);
    let erased = t.same(WORKER, 0, &["beneficiary", "show", BENEFICIARY]);
    assert!(erased.contains("erased from the vault"), "{erased}");
    // Both logs hold the same number of acts, and both verify.
    let direct_events = t.direct.verified_events();
    let log = t.server.stop();
    assert_eq!(t.served.verified_events(), direct_events, "{log}");
}

#[test]
fn through_the_server_the_actor_is_the_staff_member_logged_in() {
    let _watchdog = watchdog("the actor through the server", 120);
    let t = twins();
    let client = |args: &[&str]| {
        parapompi()
            .args(["--server", &t.server.base])
            .env("PARAPOMPI_TOKEN", &t.worker_token)
            .args(args)
            .output()
            .map(common::Run::from)
            .unwrap_or_else(|e| panic!("the binary runs: {e}"))
    };
    let named = client(&["--as", SUPERVISOR, "note", CASE, "--text", "x"]);
    assert_eq!(named.code, 2, "{}", named.stderr);
    assert!(named.stderr.contains("--as") && named.stderr.contains("logged in"), "{}", named.stderr);
    let line = format!(
        "{{\"act\":[{{\"case\":{{\"case_id\":\"{CASE}\",\"action\":{{\"add_note\":{{\"text\":\"x\"}}}}}}}}],\"as\":\"{SUPERVISOR}\"}}\n"
    );
    let batch = t.served.write("as.jsonl", &line);
    let applied = client(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(applied.code, 2, "{}", applied.stdout);
    assert!(applied.stdout.contains("\"as\"") || applied.stdout.contains("as:"), "{}", applied.stdout);
    for direct_only in [&["rebuild"][..], &["init"], &["serve"], &["keys", "rotate"]] {
        let run = client(direct_only);
        assert_eq!(run.code, 2, "{direct_only:?}: {}", run.stderr);
        assert!(run.stderr.contains("data directory itself"), "{direct_only:?}: {}", run.stderr);
    }
    // A credential issued again under the same command id is not issued twice.
    let admin = |args: &[&str]| {
        parapompi()
            .args(["--server", &t.server.base])
            .env("PARAPOMPI_TOKEN", &t.tokens[1].1)
            .args(args)
            .output()
            .map(common::Run::from)
            .unwrap_or_else(|e| panic!("the binary runs: {e}"))
    };
    let issue = ["--command-id", "01900000-0000-7000-8000-0000000000aa", "staff", "api-token", WORKER, "--json"];
    let first = admin(&issue);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let again = admin(&issue);
    assert_ne!(again.code, 0, "a second token under one command id: {}", again.stdout);
    assert!(!again.stdout.contains("pp1_"), "{}", again.stdout);
    // Nothing else was written: the served log holds what set-up wrote and the one token.
    let log = t.server.stop();
    assert_eq!(t.served.verified_events(), t.direct.verified_events() + 1, "{log}");
}

#[test]
fn login_keeps_a_session_for_the_commands_after_it_and_logout_ends_it() {
    let _watchdog = watchdog("login and logout", 120);
    let w = World::new();
    set_up(&w);
    let set = set_password(&w, &enrolment_code(&w, WORKER, ADMIN));
    assert_eq!(set.code, 0, "{}", set.stderr);
    let server = ServerProcess::start(&w.data(), &[]);
    let config = w.file("config");
    let client = |password: Option<&str>, args: &[&str]| {
        let mut command = parapompi();
        command.env("PARAPOMPI_CONFIG_DIR", &config).args(["--server", &server.base]).args(args);
        if let Some(password) = password {
            command.env("PARAPOMPI_PASSWORD", password);
        }
        command.output().map(common::Run::from).unwrap_or_else(|e| panic!("the binary runs: {e}"))
    };
    let before = client(None, &["caseload"]);
    assert_eq!(before.code, 2, "{}", before.stderr);
    assert!(before.stderr.contains("not logged in"), "{}", before.stderr);
    let wrong = client(Some("not the password at all"), &["login", "--staff", WORKER]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("--staff") && wrong.stderr.contains("password"), "{}", wrong.stderr);
    assert!(!config.join("session.json").exists());
    let login = client(Some(PASSWORD), &["login", "--staff", WORKER]);
    assert_eq!(login.code, 0, "{}", login.stderr);
    assert!(login.stdout.contains("logged in") && !login.stdout.contains("pp1_"), "{}", login.stdout);
    let session = config.join("session.json");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&session).map(|m| m.permissions().mode() & 0o777).unwrap_or_default();
    assert_eq!(mode, 0o600, "the session file is the owner's alone");
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&session).unwrap_or_default()).unwrap_or_default();
    let token = saved["token"].as_str().unwrap_or_default().to_owned();
    assert!(token.starts_with("pp1_"), "{saved}");
    let noted = client(None, &["note", CASE, "--text", "Ήρθε στο ραντεβού.", "--json"]);
    assert_eq!(noted.code, 0, "{}", noted.stderr);
    let noted: Value = serde_json::from_str(noted.stdout.trim()).unwrap_or_default();
    let position = noted["events"][0]["position"].as_u64().unwrap_or_default();
    let trail = client(None, &["audit", CASE, "--json"]);
    let actor = trail
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| l["position"] == position)
        .map(|l| l["actor"].clone());
    assert_eq!(actor, Some(Value::String(format!("staff-{WORKER}"))), "the log names the staff member logged in");
    let logout = client(None, &["logout"]);
    assert_eq!(logout.code, 0, "{}", logout.stderr);
    assert!(!session.exists(), "logout forgets the session");
    let after = client(None, &["caseload"]);
    assert_eq!(after.code, 2, "{}", after.stderr);
    // The token itself no longer opens anything.
    let replayed = parapompi()
        .args(["--server", &server.base])
        .env("PARAPOMPI_TOKEN", &token)
        .args(["caseload"])
        .output()
        .map(common::Run::from)
        .unwrap_or_else(|e| panic!("the binary runs: {e}"));
    assert_eq!(replayed.code, 2, "{}", replayed.stderr);
    assert!(replayed.stderr.contains("did not accept the login"), "{}", replayed.stderr);
    // By name: the whole name, as people write it; a wrong one says only what to check.
    let by_name = client(Some(PASSWORD), &["login", "--staff", "στελιος παπαδακης", "--json"]);
    assert_eq!(by_name.code, 0, "{}", by_name.stderr);
    let by_name: Value = serde_json::from_str(by_name.stdout.trim()).unwrap_or_default();
    assert_eq!(by_name["staff_id"], Value::String(WORKER.to_owned()), "{by_name}");
    let unknown = client(Some(PASSWORD), &["login", "--staff", "Στέλιος"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("--staff") && unknown.stderr.contains("the name or the password is not right"),
        "{}",
        unknown.stderr
    );
    assert_eq!(client(None, &["logout"]).code, 0);
    let log = server.stop();
    assert!(!log.contains(PASSWORD) && !log.contains(&token), "a secret in the server's log");
}

#[test]
fn a_data_directory_held_by_another_process_is_waited_for() {
    let _watchdog = watchdog("--wait", 120);
    let w = World::new();
    set_up(&w);
    let server = ServerProcess::start(&w.data(), &[]);
    let started = Instant::now();
    let busy = w.run(&["--wait", "1", "verify"]);
    assert_eq!(busy.code, 2, "{}", busy.stderr);
    assert!(started.elapsed() >= Duration::from_secs(1), "it waited");
    assert!(busy.stderr.contains("in use by another process") && busy.stderr.contains("waited 1 s"), "{}", busy.stderr);
    // A command that waits long enough gets the directory once the holder lets go.
    let data = w.data();
    let waiter = std::thread::spawn(move || {
        parapompi()
            .arg("--data-dir")
            .arg(&data)
            .args(["--wait", "60", "verify"])
            .output()
            .map(common::Run::from)
            .unwrap_or_else(|e| panic!("the binary runs: {e}"))
    });
    std::thread::sleep(Duration::from_millis(500));
    server.stop();
    let waited = waiter.join().unwrap_or_else(|_| panic!("the waiting command's thread"));
    assert_eq!(waited.code, 0, "{}", waited.stderr);
    assert!(waited.stdout.contains("the log verifies"), "{}", waited.stdout);
}
