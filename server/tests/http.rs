//! The server as its users meet it: a real server on 127.0.0.1 (port 0), real HTTP clients,
//! the whole way from an enrolment code to a report. Every test has a watchdog (it fails the
//! run rather than hang) and the server is shut down on every path, panics included (the
//! harness's `Drop`).

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::sync::mpsc;
use std::time::Duration;

use common::*;
use parapompi::core::values::CaseId;
use parapompi::core::Command;
use parapompi_server::{Limits, ServerConfig};
use serde_json::{json, Value};
use support::*;

fn event_types(answer: &Answer) -> Vec<String> {
    answer.json()["events"]
        .as_array()
        .map(|events| events.iter().map(|e| e["event_type"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

#[test]
fn a_team_enrols_logs_in_acts_and_reads_over_http() {
    let _watchdog = watchdog("a_team_enrols_logs_in_acts_and_reads_over_http", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.admin, w.admin);
    let h = Harness::start(scenario, Limits::default());

    // Health and nothing else without a token.
    let health = h.call("GET", "/v1/health", None, None);
    assert_eq!((health.status, health.json()["ok"].clone()), (200, json!(true)));

    // The administrator sets a password with the code made in direct mode and logs in; the
    // code is used up.
    let admin = h.enrol_and_login(&code, w.admin);
    let again = h.post("/v1/auth/password", None, &json!({"code": code, "password": PASSWORD}));
    assert_eq!(again.status, 401, "{}", again.body);

    // The administrator enrols the social worker, who logs in and acts.
    let worker = h.enrol_over_api(&admin, w.social_worker);
    let note = h.act(&worker, &add_note(case_id, "Τηλεφώνησε η ίδια."));
    assert_eq!(note.status, 200, "{}", note.body);
    assert_eq!(event_types(&note), ["CaseNoteAdded"]);
    assert_eq!(note.json()["command"], "act");
    // The actor is the one who logged in.
    let position = note.json()["events"][0]["position"].as_u64().unwrap_or_default();
    let record = valid(h.scenario.engine().store().read_all(position, 1));
    assert_eq!(record[0].actor.as_str(), w.social_worker.stream_id());

    // A retry under the same command id is answered as a repeat and writes nothing.
    let act =
        json!({"act": [add_note(case_id, "Δεύτερη σημείωση.")], "command_id": "01900000-0000-7000-8000-0000000000b1"});
    let first = h.post("/v1/commands", Some(&worker), &act);
    let head = h.head();
    let repeat = h.post("/v1/commands", Some(&worker), &act);
    assert_eq!((first.status, repeat.status, repeat.json()["deduplicated"].clone()), (200, 200, json!(true)));
    assert_eq!(h.head(), head);

    // Views: the same documents as the library builds for --json.
    let engine = h.scenario.engine().clone();
    let caseload = h.get(&format!("/v1/caseload?staff={}", w.social_worker), &worker);
    assert_eq!(caseload.status, 200, "{}", caseload.body);
    assert_eq!(caseload.content_type, "application/jsonl");
    let expected = parapompi::documents::json_lines(&parapompi::documents::caseload_lines(&valid(engine.caseload(
        &parapompi::projections::CaseloadQuery { staff: Some(w.social_worker), centre: None, antenna: None },
    ))));
    assert_eq!(caseload.body, expected);
    assert!(caseload.body.contains(&case_id.to_string()));
    let board = h.get("/v1/board?overdue=true", &worker);
    assert_eq!(board.status, 200, "{}", board.body);
    let file = h.get(&format!("/v1/cases/case-{case_id}"), &worker);
    assert_eq!(file.status, 200, "{}", file.body);
    assert_eq!(
        file.json(),
        valid(parapompi::documents::case_file(case_id, &valid(engine.case_file(case_id)), None, None).ok_or("no case"))
    );
    let trail = h.get(&format!("/v1/audit/staff-{}", w.social_worker), &admin);
    assert_eq!(trail.status, 200, "{}", trail.body);
    for event in ["CredentialIssued", "CredentialRevoked"] {
        assert!(trail.body.contains(event), "{event} missing from {}", trail.body);
    }
    assert!(!trail.body.contains("pp1_"), "a secret in the audit trail");
    let today = h.scenario.today();
    let report = h.get(&format!("/v1/reports/indicators?from=2023-01-01&to={today}&centre={}", w.centre), &admin);
    assert_eq!(report.status, 200, "{}", report.body);
    let query = parapompi::projections::IndicatorQuery {
        programme: None,
        centre: Some(w.centre),
        from: date("2023-01-01"),
        to: today,
    };
    assert_eq!(report.body, valid(engine.indicators(&query)).to_json());
    let csv = h.get(&format!("/v1/reports/indicators?from=2023-01-01&to={today}&format=csv"), &admin);
    assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
    let stats = h.get("/v1/stats", &admin);
    assert_eq!(stats.json()["n_events"].as_u64(), Some(h.head()));
    let verify = h.get("/v1/verify", &admin);
    assert_eq!((verify.json()["ok"].clone(), verify.json()["head_position"].as_u64()), (json!(true), Some(h.head())));

    // Logging out ends the session.
    let out = h.call("POST", "/v1/auth/logout", Some(&worker), None);
    assert_eq!(out.status, 200, "{}", out.body);
    assert_eq!(event_types(&out), ["CredentialRevoked"]);
    assert_eq!(h.get("/v1/caseload", &worker).status, 401);

    // No secret ever reached the log.
    let mut log = Vec::new();
    valid(engine.store().export_jsonl(&mut log, 1, h.head()));
    let log = String::from_utf8_lossy(&log);
    assert!(!log.contains("pp1_") && !log.contains("argon2") && !log.contains(PASSWORD), "a secret in the log");
}

#[test]
fn sixteen_clients_write_at_once_to_different_cases_and_to_one() {
    let _watchdog = watchdog("sixteen_clients_write_at_once_to_different_cases_and_to_one", 240);
    let (mut scenario, shared_case) = world_with_a_case();
    let w = scenario.world;
    let today = scenario.today();
    let mut own_cases = Vec::new();
    for n in 1..=16u32 {
        let person = scenario.fresh_beneficiary();
        scenario.given(w.beneficiary(person, n, today));
        let case_id = scenario.fresh_case();
        scenario.given(vec![by(w.social_worker, open_case(case_id, person, w.centre, today))]);
        own_cases.push(case_id);
    }
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let h = Harness::start(scenario, Limits::default());
    let token = h.enrol_and_login(&code, w.social_worker);
    let head_before = h.head();
    const N_EACH: usize = 4;
    let outcomes: Vec<(CaseId, u16, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = own_cases
            .iter()
            .map(|own| {
                let (h, token) = (&h, &token);
                scope.spawn(move || {
                    let mut outcomes = Vec::new();
                    for i in 0..N_EACH {
                        for case_id in [*own, shared_case] {
                            let answer = h.act(token, &add_note(case_id, &format!("Σημείωση {i}.")));
                            outcomes.push((case_id, answer.status, answer.body));
                        }
                    }
                    outcomes
                })
            })
            .collect();
        handles.into_iter().flat_map(|handle| handle.join().unwrap_or_default()).collect()
    });
    assert_eq!(outcomes.len(), 16 * N_EACH * 2);
    // Every command succeeded, or was reported as a conflict the Engine gave up retrying:
    // never last-writer-wins, never a silent loss.
    for (_, status, body) in &outcomes {
        assert!(*status == 200 || (*status == 409 && body.contains("\"conflict\"")), "{status} {body}");
    }
    let succeeded = |case: Option<CaseId>| {
        outcomes.iter().filter(|(c, status, _)| *status == 200 && case.is_none_or(|case| *c == case)).count()
    };
    let n_conflicts = outcomes.len() - succeeded(None);
    println!("{} commands: {} written, {n_conflicts} reported as conflicts", outcomes.len(), succeeded(None));
    assert!(succeeded(Some(shared_case)) > 0);
    assert_eq!(h.head(), head_before + u64::try_from(succeeded(None)).unwrap_or(0), "one event per success");
    let verified = valid(h.scenario.engine().store().verify());
    assert_eq!(verified.head_position, h.head(), "positions gapless and the chain whole");
    let file = valid(h.scenario.engine().case_file(shared_case));
    let notes = file.entries.iter().filter(|e| e.event_type == "CaseNoteAdded").count();
    assert_eq!(notes, succeeded(Some(shared_case)));
    for own in &own_cases {
        let notes = valid(h.scenario.engine().case_file(*own))
            .entries
            .iter()
            .filter(|e| e.event_type == "CaseNoteAdded")
            .count();
        assert_eq!(notes, succeeded(Some(*own)));
    }
    // Stream versions are gapless too: each new note took the next version.
    let versions: Vec<u64> = file.entries.iter().map(|e| e.stream_version).collect();
    assert_eq!(versions, (1..=u64::try_from(versions.len()).unwrap_or(0)).collect::<Vec<_>>());
}

#[test]
fn every_authentication_failure_is_refused_and_writes_nothing() {
    let _watchdog = watchdog("every_authentication_failure_is_refused_and_writes_nothing", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let admin_code = Harness::direct_enrolment(&mut scenario, w.admin, w.admin);
    let outsider_code = Harness::direct_enrolment(&mut scenario, w.outsider, w.other_admin);
    let limits = Limits { failed_logins_per_account: 3, ..Limits::default() };
    let h = Harness::start(scenario, limits);
    let admin = h.enrol_and_login(&admin_code, w.admin);
    let worker = h.enrol_over_api(&admin, w.social_worker);
    let reception = h.enrol_over_api(&admin, w.reception);
    let outsider = h.enrol_and_login(&outsider_code, w.outsider);
    let note = add_note(case_id, "Σημείωση.");
    let refused = |answer: Answer, status: u16, what: &str| {
        assert_eq!(answer.status, status, "{what}: {}", answer.body);
        assert!(answer.content_type.starts_with("application/problem+json"), "{what}: {}", answer.content_type);
        answer.json()
    };

    let head = h.head();
    let body = json!({"act": [note]}).to_string();
    refused(h.call("POST", "/v1/commands", None, Some(&body)), 401, "no token");
    refused(h.call("POST", "/v1/commands", Some("pp1_nonsense"), Some(&body)), 401, "malformed token");
    // The last character changed, to one it is not (a token ending in 0 stayed valid).
    let last = if worker.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &worker[..worker.len() - 1]);
    refused(h.call("POST", "/v1/commands", Some(&forged), Some(&body)), 401, "wrong secret");
    refused(h.call("GET", "/v1/caseload", None, None), 401, "a view without a token");
    // Another centre's staff acting on this centre's case: core's rule, 403.
    let outside = refused(h.act(&outsider, &note), 403, "another centre");
    assert_eq!(outside["rule"], "OutsideCentre");
    // A request naming another actor.
    let named = json!({"act": [note], "as": w.supervisor.to_string()});
    let named = refused(h.post("/v1/commands", Some(&worker), &named), 403, "as another");
    assert_eq!(named["field"], "as");
    let setup = json!({"act": [note], "as": "setup"});
    refused(h.post("/v1/commands", Some(&worker), &setup), 403, "as setup");
    // A rule's refusal, as a rule's JSON.
    let reception_assess = refused(h.act(&reception, &assess(case_id, h.scenario.today())), 403, "role");
    assert_eq!(reception_assess["rule"], "RoleNotPermitted");
    // A credential act in the command form.
    let failed = json!({"act": [{"staff": {"staff_id": w.admin.to_string(), "action": {"record_login_failed": {"reason": "wrong_password"}}}}]});
    refused(h.post("/v1/commands", Some(&worker), &failed), 400, "credential act");
    assert_eq!(h.head(), head, "nothing written by refused requests");

    // A wrong password is refused and recorded as a failed login, nothing else; after three
    // the account is refused for a while (429), without a password check or an event.
    for _ in 0..3 {
        let before = h.head();
        let wrong = json!({"staff_id": w.reception.to_string(), "password": "λάθος κωδικός πρόσβασης"});
        refused(h.post("/v1/auth/login", None, &wrong), 401, "wrong password");
        assert_eq!(h.head(), before + 1);
        let last = valid(h.scenario.engine().store().read_all(h.head(), 1));
        assert_eq!((last[0].event_type.as_str(), last[0].actor.as_str()), ("LoginFailed", "authenticator"));
    }
    let before = h.head();
    let right = json!({"staff_id": w.reception.to_string(), "password": PASSWORD});
    let limited = refused(h.post("/v1/auth/login", None, &right), 429, "rate");
    assert_eq!(limited["limit"], "failed_logins_per_account");
    assert_eq!(h.head(), before);
    refused(
        h.post(
            "/v1/auth/login",
            None,
            &json!({"staff_id": uuid::Uuid::from_u128(9).to_string(), "password": PASSWORD}),
        ),
        401,
        "nobody",
    );

    // An expired session: the engine's clock moves past its hour.
    h.scenario.clock.advance_ms(3_600_001);
    let head = h.head();
    let expired = refused(h.act(&admin, &note), 401, "expired");
    assert!(expired["detail"].as_str().unwrap_or_default().contains("expired"), "{expired}");
    assert_eq!(h.head(), head);
    let admin = h.login(w.admin);

    // A revoked token: the administrator revokes the social worker's API token.
    let api =
        h.post("/v1/credentials", Some(&admin), &json!({"staff_id": w.social_worker.to_string(), "kind": "api_token"}));
    assert_eq!(api.status, 200, "{}", api.body);
    let (api_token, api_id) =
        (api.json()["secret"].as_str().unwrap_or_default().to_owned(), api.json()["credential_id"].clone());
    assert_eq!(h.act(&api_token, &note).status, 200, "an API token acts as its staff member");
    let revoked = h.post(
        "/v1/credentials/revoke",
        Some(&admin),
        &json!({"staff_id": w.social_worker.to_string(), "credential_id": api_id}),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let head = h.head();
    refused(h.act(&api_token, &note), 401, "revoked");
    assert_eq!(h.head(), head);

    // A deactivated staff member: their session stops at once, and they cannot log in.
    let social_worker_session = h.login(w.social_worker);
    let off = h.act(
        &admin,
        &Command::Staff(parapompi::core::staff::StaffCommand {
            staff_id: w.social_worker,
            action: parapompi::core::staff::StaffAction::Deactivate,
        }),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    assert!(event_types(&off).iter().filter(|t| *t == "CredentialRevoked").count() >= 2, "{}", off.body);
    let head = h.head();
    refused(h.act(&social_worker_session, &note), 401, "deactivated");
    assert_eq!(h.head(), head);
    let login = json!({"staff_id": w.social_worker.to_string(), "password": PASSWORD});
    refused(h.post("/v1/auth/login", None, &login), 401, "deactivated login");
}

#[test]
fn malformed_and_oversized_bodies_are_refused_naming_the_problem() {
    let _watchdog = watchdog("malformed_and_oversized_bodies_are_refused_naming_the_problem", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let limits = Limits { max_body_bytes: 4096, ..Limits::default() };
    let h = Harness::start(scenario, limits);
    let token = h.enrol_and_login(&code, w.social_worker);
    let head = h.head();
    let cases: [(&str, u16, &str); 6] = [
        ("{not json", 400, "body"),
        ("[1, 2]", 400, "body"),
        (r#"{"act": [], "command_id": "x"}"#, 400, "act"),
        (r#"{"act": [{"case": {"case_id": "nope"}}]}"#, 400, "act[0]"),
        (r#"{"act": [{"case": 1}], "colour": "red"}"#, 400, "colour"),
        (r#"{"act": [{"case": 1}], "at": 5}"#, 400, "at"),
    ];
    for (body, status, field) in cases {
        let answer = h.call("POST", "/v1/commands", Some(&token), Some(body));
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        assert_eq!(answer.json()["field"], field, "{body}: {}", answer.body);
    }
    let long_note = "α".repeat(3000);
    let oversized = h.act(&token, &add_note(case_id, &long_note));
    assert_eq!(oversized.status, 413, "{}", oversized.body);
    assert_eq!(oversized.json()["limit"], "max_body_bytes");
    let unknown_view = h.get("/v1/caseload?colour=red", &token);
    assert_eq!((unknown_view.status, unknown_view.json()["field"].clone()), (400, json!("colour")));
    let bad_date = h.get("/v1/reports/indicators?from=2023-02-30&to=2023-03-01", &token);
    assert_eq!((bad_date.status, bad_date.json()["field"].clone()), (400, json!("from")));
    let no_case = h.get(&format!("/v1/cases/{}", uuid::Uuid::from_u128(77)), &token);
    assert_eq!(no_case.status, 404, "{}", no_case.body);
    assert_eq!(h.call("GET", "/v1/nothing", None, None).status, 404);
    let bad_login = h.call("POST", "/v1/auth/login", None, Some(r#"{"staff_id": "x"}"#));
    assert_eq!((bad_login.status, bad_login.json()["field"].clone()), (400, json!("body")));
    assert_eq!(h.head(), head, "nothing written");
}

#[test]
fn connections_beyond_the_limit_are_told_so_and_shutdown_keeps_every_write() {
    let _watchdog = watchdog("connections_beyond_the_limit_are_told_so_and_shutdown_keeps_every_write", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let limits = Limits { max_connections: 2, ..Limits::default() };
    let mut h = Harness::start(scenario, limits);
    let token = h.enrol_and_login(&code, w.social_worker);
    let address = h.base.trim_start_matches("http://").to_owned();
    // Two idle connections hold both places; a third is answered 503 and closed.
    let held: Vec<std::net::TcpStream> = (0..2).map(|_| valid(std::net::TcpStream::connect(&address))).collect();
    std::thread::sleep(Duration::from_millis(200));
    let (answer, _) = raw_exchange(&address, b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"limit\":\"max_connections\""), "{answer}");
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    let note = h.act(&token, &add_note(case_id, "Μετά."));
    assert_eq!(note.status, 200, "{}", note.body);
    let head = h.head();
    // A graceful stop closes the Engine; the data directory reopens with every write.
    h.shutdown();
    assert!(std::net::TcpStream::connect(&address).is_err(), "still accepting after shutdown");
    h.scenario.restart();
    assert_eq!(h.scenario.engine().store().head().position, head);
    assert_eq!(valid(h.scenario.engine().store().verify()).head_position, head);
}

#[test]
fn slow_requests_and_failed_logins_from_one_address_hit_their_limits() {
    let _watchdog = watchdog("slow_requests_and_failed_logins_from_one_address_hit_their_limits", 120);
    let (mut scenario, _) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    // The default Argon2id (19 MiB, 2 passes) takes far longer than 2 ms.
    let config = ServerConfig {
        limits: Limits { request_timeout_ms: 2, failed_logins_per_address: 2, ..Limits::default() },
        ..ServerConfig::default()
    };
    let h = Harness::start_with(scenario, config);
    let slow = h.post("/v1/auth/password", None, &json!({"code": code, "password": PASSWORD}));
    assert_eq!(slow.status, 408, "{}", slow.body);
    assert_eq!(slow.json()["limit"], "request_timeout_ms");
    // Two failed logins from this address, to two accounts; the third attempt is refused
    // before any password is checked, and records nothing.
    for staff in [w.reception, w.supervisor] {
        let wrong = h.post(
            "/v1/auth/login",
            None,
            &json!({"staff_id": staff.to_string(), "password": "λάθος κωδικός πρόσβασης"}),
        );
        assert!(matches!(wrong.status, 401 | 408), "{}", wrong.body);
    }
    std::thread::sleep(Duration::from_millis(500));
    let head = h.head();
    let third = h.post("/v1/auth/login", None, &json!({"staff_id": w.admin.to_string(), "password": PASSWORD}));
    assert_eq!(third.status, 429, "{}", third.body);
    assert_eq!(third.json()["limit"], "failed_logins_per_address");
    assert_eq!(h.head(), head);
}

/// Reads a server-sent-events feed on its own thread: each `(event, data)` as it comes, then
/// `("closed", "")` when the server ends it.
fn follow(url: String, token: String) -> mpsc::Receiver<(String, String)> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
        match agent.get(&url).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(response) => {
                let _ = sender.send(("open".to_owned(), response.content_type().to_owned()));
                let mut event = String::new();
                for line in std::io::BufReader::new(response.into_reader()).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.strip_prefix("event: ") {
                        event = rest.to_owned();
                    } else if let Some(rest) = line.strip_prefix("data: ") {
                        let _ = sender.send((event.clone(), rest.to_owned()));
                    }
                }
            }
            Err(error) => {
                let _ = sender.send(("refused".to_owned(), error.to_string()));
            }
        }
        let _ = sender.send(("closed".to_owned(), String::new()));
    });
    receiver
}

#[test]
fn the_feed_follows_the_log_and_ends_with_its_credential_and_at_shutdown() {
    let _watchdog = watchdog("the_feed_follows_the_log_and_ends_with_its_credential_and_at_shutdown", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let worker_code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let admin_code = Harness::direct_enrolment(&mut scenario, w.admin, w.admin);
    let mut h = Harness::start(scenario, Limits::default());
    let worker = h.enrol_and_login(&worker_code, w.social_worker);
    let admin = h.enrol_and_login(&admin_code, w.admin);
    let next = |feed: &mpsc::Receiver<(String, String)>| {
        feed.recv_timeout(Duration::from_secs(20)).unwrap_or_else(|e| panic!("the feed said nothing: {e}"))
    };
    assert_eq!(next(&follow(format!("{}/v1/events", h.base), "pp1_nonsense".to_owned())).0, "refused");

    // Live: a new record reaches the feed, as its export line, without the note's words.
    let feed = follow(format!("{}/v1/events?from={}", h.base, h.head() + 1), worker.clone());
    assert_eq!(next(&feed), ("open".to_owned(), "text/event-stream".to_owned()));
    let note = h.act(&worker, &add_note(case_id, "Στη ροή."));
    assert_eq!(note.status, 200, "{}", note.body);
    let (kind, data) = next(&feed);
    assert_eq!(kind, "record", "{data}");
    let line: Value = valid(serde_json::from_str(&data));
    assert_eq!(line["position"], note.json()["events"][0]["position"], "{line}");
    assert_eq!(line["event_type"], "CaseNoteAdded", "{line}");
    assert!(!data.contains("Στη ροή"), "a text in the feed: {data}");
    // Logging out revokes the feed's own token: the feed ends instead of sending more.
    assert_eq!(h.call("POST", "/v1/auth/logout", Some(&worker), None).status, 200);
    assert_eq!(next(&feed).0, "end");
    assert_eq!(next(&feed).0, "closed");

    // From the start: the whole log, in order; a shutdown ends an open feed and completes.
    let feed = follow(format!("{}/v1/events?from=1", h.base), admin);
    assert_eq!(next(&feed).0, "open");
    let (kind, first) = next(&feed);
    assert_eq!(kind, "record");
    assert_eq!(valid(serde_json::from_str::<Value>(&first))["position"], 1);
    h.shutdown();
    loop {
        if next(&feed).0 == "closed" {
            break;
        }
    }
}

#[test]
fn a_login_by_name_answers_one_way_for_every_failure_and_the_directory_stays_closed() {
    let _watchdog = watchdog("a_login_by_name_answers_one_way_for_every_failure", 120);
    let (mut scenario, _) = world_with_a_case();
    let w = scenario.world;
    let admin_code = Harness::direct_enrolment(&mut scenario, w.admin, w.admin);
    let h = Harness::start(scenario, Limits::default());
    h.enrol_and_login(&admin_code, w.admin);
    // The whole name, in capitals without accents or in Latin letters, logs in.
    for name in ["ΙΩΑΝΝΑ ΒΑΣΙΛΑΚΗ", "ioanna vasilaki"] {
        let login = h.post("/v1/auth/login", None, &json!({"name": name, "password": PASSWORD}));
        assert_eq!(login.status, 200, "{name}: {}", login.body);
        assert_eq!(login.json()["staff_id"], json!(w.admin.to_string()), "{}", login.body);
    }
    // A wrong password, a name that is nobody's, a part of a name, a name whose holder has no
    // password: one answer, word for word, and at least a second each.
    let failures = [
        json!({"name": "Ιωάννα Βασιλάκη", "password": "λάθος κωδικός πρόσβασης"}),
        json!({"name": "Κανένας Κανενός", "password": PASSWORD}),
        json!({"name": "Ιωάννα", "password": PASSWORD}),
        json!({"name": "Σοφία Αρχοντάκη", "password": PASSWORD}),
    ];
    let mut answers = Vec::new();
    for body in &failures {
        let started = std::time::Instant::now();
        let answer = h.post("/v1/auth/login", None, body);
        assert!(started.elapsed() >= std::time::Duration::from_millis(1_000), "{body}: answered early");
        assert_eq!(answer.status, 401, "{body}: {}", answer.body);
        let mut problem = answer.json();
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("the name or the password is not right")));
        problem.as_object_mut().map(|p| p.remove("request_id"));
        answers.push(problem);
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "{answers:?}");
    // Neither an id and a name, nor none.
    let both = json!({"staff_id": w.admin.to_string(), "name": "Ιωάννα Βασιλάκη", "password": PASSWORD});
    assert_eq!(h.post("/v1/auth/login", None, &both).status, 400);
    assert_eq!(h.post("/v1/auth/login", None, &json!({"password": PASSWORD})).status, 400);
}
