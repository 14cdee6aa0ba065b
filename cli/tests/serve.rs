//! Credentials in direct mode and `parapompi serve`, through the real binary: an enrolment
//! code, a password, a login over HTTP, an act, and a graceful stop on SIGTERM.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn enrol(w: &World, staff: &str, by: &str) -> String {
    let issued = w.json(&["--as", by, "staff", "enrol", staff]);
    assert_eq!(issued["kind"], "enrolment", "{issued}");
    assert_eq!(issued["result"]["events"][0]["event_type"], "CredentialIssued", "{issued}");
    issued["secret"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn an_enrolment_code_sets_a_password_once_and_only_an_administrator_or_supervisor_issues_one() {
    let _watchdog = watchdog("enrolment in direct mode", 120);
    let w = World::new();
    set_up(&w);
    let code = enrol(&w, WORKER, ADMIN);
    let n_events = w.verified_events();
    let set = set_password(&w, &code);
    assert_eq!(set.code, 0, "{}{}", set.stderr, set.stdout);
    assert!(set.stdout.contains("password set"), "{}", set.stdout);
    assert_eq!(w.verified_events(), n_events + 2, "the code used up, the password issued");
    // A used code's secret is forgotten: it names nothing any more.
    let again = set_password(&w, &code);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("--code: no such enrolment code"), "{}", again.stderr);
    let forged = set_password(&w, &format!("{}0", &code[..code.len() - 1]));
    assert_eq!(forged.code, 2, "{}", forged.stderr);
    assert!(forged.stderr.contains("--code"), "{}", forged.stderr);
    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "staff", "enrol", SUPERVISOR]);
    w.fails(1, "OutsideCentre", &["--as", ADMIN2, "staff", "enrol", WORKER]);
    // The audit trail shows the credentials' lives, never their secrets.
    let trail = w.ok(&["--json", "audit", &format!("staff-{WORKER}")]);
    assert!(trail.contains("CredentialIssued") && trail.contains("CredentialRevoked"), "{trail}");
    assert!(!trail.contains("pp1_"), "{trail}");
    // A batch does not carry credentials.
    let batch = w.write(
        "enrol.jsonl",
        &format!("{{\"command\":\"staff enrol\",\"as\":\"{ADMIN}\",\"args\":{{\"staff\":\"{WORKER}\"}}}}\n"),
    );
    let run = w.run(&["apply", batch.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
}

#[test]
fn the_binary_serves_a_logged_in_staff_member_and_stops_on_sigterm() {
    let _watchdog = watchdog("serve through the binary", 120);
    let w = World::new();
    set_up(&w);
    let code = enrol(&w, WORKER, ADMIN);
    assert_eq!(set_password(&w, &code).code, 0);
    w.verified_events();
    w.fails(2, "--as", &["--as", ADMIN, "serve", "--listen", "127.0.0.1:0"]);
    let server = ServerProcess::start(&w.data(), &[]);
    let base = server.base.clone();

    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build();
    let post = |path: &str, token: Option<&str>, body: &Value| {
        http_json(&agent, "POST", &format!("{base}{path}"), token, Some(body))
    };
    let (status, login) = post("/v1/auth/login", None, &json!({"staff_id": WORKER, "password": PASSWORD}));
    assert_eq!(status, 200, "{login}");
    let token = login["secret"].as_str().unwrap_or_default().to_owned();
    let note = json!({"act": [{"case": {"case_id": CASE, "action": {"add_note": {"text": "Ήρθε στο ραντεβού."}}}}]});
    let (status, written) = post("/v1/commands", Some(&token), &note);
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["events"][0]["event_type"], "CaseNoteAdded", "{written}");
    let head = written["events"][0]["position"].as_u64().unwrap_or_default();
    // A second process cannot open the directory the server holds.
    let busy = w.run(&["--wait", "0", "verify"]);
    assert_eq!(busy.code, 2, "{}", busy.stderr);
    assert!(busy.stderr.contains("in use by another process") && busy.stderr.contains("--server"), "{}", busy.stderr);
    let log = server.stop();
    assert!(log.contains("SIGTERM") && log.contains("closing the engine"), "{log}");
    assert!(log.contains("command=\"AddCaseNote\"") && log.contains(&format!("actor=\"staff-{WORKER}\"")), "{log}");
    assert!(
        !log.contains(PASSWORD) && !log.contains(&token) && !log.contains("Ήρθε"),
        "a secret or a text in the log: {log}"
    );
    assert_eq!(w.verified_events(), head, "every acknowledged write is on disk");
}
