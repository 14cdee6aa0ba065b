//! The bulk endpoints over a real server: a batch of acts (`POST /v1/commands/batch`), each
//! decided and appended on its own and answered with its own result, and the streamed export
//! of the log (`GET /v1/export`), byte for byte the store's export lines over a log of many
//! windows.

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::io::Read;

use common::*;
use parapompi::core::vocab::ServiceKind;
use parapompi::core::Command;
use parapompi::Acting;
use parapompi_server::Limits;
use serde_json::{json, Value};
use support::*;

fn act(command: &Command, command_id: &str) -> Value {
    json!({"act": [command], "command_id": command_id})
}

fn results(answer: &Answer) -> Vec<Value> {
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.content_type, "application/json");
    answer.json().as_array().cloned().unwrap_or_else(|| panic!("not a list: {}", answer.body))
}

#[test]
fn a_batch_runs_each_act_in_order_and_answers_each_one() {
    let _watchdog = watchdog("a_batch_runs_each_act_in_order_and_answers_each_one", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let today = scenario.today();
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let h = Harness::start(scenario, Limits::default());
    let token = h.enrol_and_login(&code, w.social_worker);
    let head = h.head();

    // Four acts as a JSON array: the third is refused by a rule, the ones around it are kept.
    let batch = json!([
        act(&add_note(case_id, "Πρώτη."), "01900000-0000-7000-8000-0000000000c1"),
        act(&record_service(case_id, ServiceKind::ALL[0], today), "01900000-0000-7000-8000-0000000000c2"),
        act(&assign(case_id, w.social_worker), "01900000-0000-7000-8000-0000000000c3"),
        {"act": [add_note(case_id, "Δεύτερη."), add_note(case_id, "Τρίτη.")], "command_id": "01900000-0000-7000-8000-0000000000c4"},
    ]);
    let answer = h.post("/v1/commands/batch", Some(&token), &batch);
    let first = results(&answer);
    assert_eq!(first.len(), 4, "{}", answer.body);
    for (index, result) in first.iter().enumerate() {
        assert_eq!(result["index"], index, "{result}");
    }
    let ok: Vec<bool> = first.iter().map(|r| r["ok"].as_bool().unwrap_or_default()).collect();
    assert_eq!(ok, [true, true, false, true], "{}", answer.body);
    let refused = &first[2];
    assert_eq!((refused["status"].clone(), refused["problem"]["type"].clone()), (json!(422), json!("rejected")));
    assert_eq!(refused["problem"]["rule"], "AlreadyAssigned", "{refused}");
    // Each kept act is the write's document of `POST /v1/commands`, in order of the acts.
    let positions: Vec<u64> = first
        .iter()
        .filter(|r| r["ok"] == true)
        .flat_map(|r| r["result"]["events"].as_array().cloned().unwrap_or_default())
        .map(|e| e["position"].as_u64().unwrap_or_default())
        .collect();
    assert_eq!(positions, (head + 1..=head + 4).collect::<Vec<_>>(), "{}", answer.body);
    assert_eq!(h.head(), head + 4);
    assert_eq!(first[0]["result"]["command"], "act");
    assert_eq!(first[3]["result"]["events"][1]["event_type"], "CaseNoteAdded");
    let records = valid(h.scenario.engine().store().read_all(head + 1, 10));
    assert_eq!(records[0].actor.as_str(), w.social_worker.stream_id(), "the actor is who logged in");

    // The same batch again: every kept act is a repeat, the refused one is refused again, and
    // nothing is written.
    let again = results(&h.post("/v1/commands/batch", Some(&token), &batch));
    let repeats: Vec<Value> = again.iter().map(|r| r["result"]["deduplicated"].clone()).collect();
    assert_eq!(repeats, [json!(true), json!(true), Value::Null, json!(true)]);
    assert_eq!(again[3]["result"]["events"], first[3]["result"]["events"]);
    assert_eq!(again[2]["problem"]["rule"], "AlreadyAssigned");
    assert_eq!(h.head(), head + 4);

    // JSON Lines, blank lines skipped, each act its own append.
    let lines = format!(
        "{}\n\n{}\n",
        json!({"act": [add_note(case_id, "Γραμμή ένα.")]}),
        json!({"act": [add_note(case_id, "Γραμμή δύο.")], "as": w.social_worker.to_string()})
    );
    let answer = h.call("POST", "/v1/commands/batch", Some(&token), Some(&lines));
    let from_lines = results(&answer);
    assert_eq!(from_lines.iter().filter(|r| r["ok"] == true).count(), 2, "{}", answer.body);
    assert_eq!(h.head(), head + 6);
}

#[test]
fn a_bad_batch_is_refused_whole_naming_the_act_and_field_and_writes_nothing() {
    let _watchdog = watchdog("a_bad_batch_is_refused_whole_naming_the_act_and_field_and_writes_nothing", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let h = Harness::start(scenario, Limits::default());
    let token = h.enrol_and_login(&code, w.social_worker);
    let head = h.head();
    let note = json!({"act": [add_note(case_id, "Σημείωση.")]});
    let too_many = Value::Array(vec![json!({"act": [{"case": 1}]}); 1001]).to_string();
    let cases: Vec<(String, u16, &str)> = vec![
        ("{not json".to_owned(), 400, "[0]"),
        ("[1, 2".to_owned(), 400, "body"),
        ("5".to_owned(), 400, "body"),
        ("[]".to_owned(), 400, "body"),
        (json!([note, 7]).to_string(), 400, "[1]"),
        (json!([note, {"act": [{"case": {"case_id": "nope"}}]}]).to_string(), 400, "[1].act[0]"),
        (json!([note, {"act": [add_note(case_id, "x")], "colour": "red"}]).to_string(), 400, "[1].colour"),
        (format!("{note}\n{{\"act\": [\n"), 400, "[1]"),
        (json!([note, {"act": [add_note(case_id, "x")], "as": w.supervisor.to_string()}]).to_string(), 403, "[1].as"),
    ];
    for (body, status, field) in &cases {
        let answer = h.call("POST", "/v1/commands/batch", Some(&token), Some(body));
        assert_eq!(answer.status, *status, "{body}: {}", answer.body);
        assert!(answer.content_type.starts_with("application/problem+json"), "{}", answer.content_type);
        assert_eq!(answer.json()["field"], *field, "{body}: {}", answer.body);
    }
    let answer = h.call("POST", "/v1/commands/batch", Some(&token), Some(&too_many));
    assert_eq!(answer.status, 413, "{}", answer.body);
    assert_eq!(answer.json()["limit"], "max_acts_per_batch", "{}", answer.body);
    assert!(answer.json()["detail"].as_str().unwrap_or_default().contains("1000"), "{}", answer.body);
    let unauthenticated = h.call("POST", "/v1/commands/batch", None, Some(&json!([note]).to_string()));
    assert_eq!(unauthenticated.status, 401);
    assert_eq!(h.head(), head, "nothing written by a refused batch");
}

/// The answer's body as bytes, read as a stream (it may be larger than a string's limit).
fn body_bytes(h: &Harness, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let response =
        match agent().get(&format!("{}{path}", h.base)).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("GET {path}: {error}"),
        };
    let (status, content_type) = (response.status(), response.content_type().to_owned());
    let mut bytes = Vec::new();
    valid(response.into_reader().read_to_end(&mut bytes));
    (status, content_type, bytes)
}

fn exported(h: &Harness, from: u64, to: u64) -> Vec<u8> {
    let mut bytes = Vec::new();
    valid(h.scenario.engine().store().export_jsonl(&mut bytes, from, to));
    bytes
}

#[test]
fn the_export_streams_the_logs_export_lines_over_many_windows() {
    let _watchdog = watchdog("the_export_streams_the_logs_export_lines_over_many_windows", 180);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    // Three acts of 256 notes and one of 256 services: a log of more than two windows of
    // the export (a case holds at most 1,000 notes).
    for round in 0..4 {
        let today = scenario.today();
        let commands: Vec<Command> = (0..256)
            .map(|n| match round {
                3 => record_service(case_id, ServiceKind::ALL[n % ServiceKind::ALL.len()], today),
                _ => add_note(case_id, &format!("Σημείωση {round}.{n}.")),
            })
            .collect();
        let meta = scenario.next_meta(Acting::Staff(w.social_worker));
        valid(scenario.engine().execute_all(&commands, meta));
    }
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let h = Harness::start(scenario, Limits::default());
    let token = h.enrol_and_login(&code, w.social_worker);
    let head = h.head();
    assert!(head > 2 * 512, "the log is {head} records, not more than two windows");

    let (status, content_type, whole) = body_bytes(&h, "/v1/export", &token);
    assert_eq!((status, content_type.as_str()), (200, "application/x-ndjson"));
    assert_eq!(whole, exported(&h, 1, head), "the whole log, as the store exports it");
    assert_eq!(whole.iter().filter(|b| **b == b'\n').count(), usize::try_from(head).unwrap_or(0));
    assert!(!String::from_utf8_lossy(&whole).contains("Σημείωση"), "a note's words in the export");
    // A range that starts and ends inside windows, and one of a single position.
    for (from, to) in [(2, 1025), (head, head), (511, 513)] {
        let (status, _, part) = body_bytes(&h, &format!("/v1/export?from={from}&to={to}"), &token);
        assert_eq!(status, 200);
        assert_eq!(part, exported(&h, from, to), "positions {from}..={to}");
    }
    let (_, _, tail) = body_bytes(&h, &format!("/v1/export?from={}", head - 3), &token);
    assert_eq!(tail, exported(&h, head - 3, head));

    // Bad positions and parameters, each named.
    let next = head + 1;
    let refusals = [
        ("/v1/export?from=0".to_owned(), "from"),
        (format!("/v1/export?from={next}"), "from"),
        ("/v1/export?from=x".to_owned(), "from"),
        ("/v1/export?from=5&to=4".to_owned(), "to"),
        (format!("/v1/export?to={next}"), "to"),
        ("/v1/export?colour=red".to_owned(), "colour"),
    ];
    for (path, field) in &refusals {
        let answer = h.get(path, &token);
        assert_eq!(answer.status, 400, "{path}: {}", answer.body);
        assert_eq!(answer.json()["field"], *field, "{path}: {}", answer.body);
    }
    assert_eq!(h.call("GET", "/v1/export", None, None).status, 401);
    assert_eq!(h.head(), head, "an export writes nothing");
}

#[test]
fn an_export_is_cut_once_its_token_is_revoked() {
    let _watchdog = watchdog("an_export_is_cut_once_its_token_is_revoked", 300);
    let (mut scenario, first_case) = world_with_a_case();
    let w = scenario.world;
    // Three cases, each with three acts of 256 services and three of 256 notes (a case holds
    // at most 1,000 of each): a log of nine windows of the export.
    for case_number in 0..3 {
        let today = scenario.today();
        let case_id = if case_number == 0 { first_case } else { scenario.fresh_case() };
        if case_number > 0 {
            scenario.given(vec![by(w.social_worker, open_case(case_id, w.maria, w.centre, today))]);
        }
        for round in 0..6 {
            let commands: Vec<Command> = (0..256)
                .map(|n| match round {
                    0..3 => record_service(case_id, ServiceKind::ALL[n % ServiceKind::ALL.len()], today),
                    _ => add_note(case_id, &format!("Σημείωση {case_number}.{round}.{n}.")),
                })
                .collect();
            let meta = scenario.next_meta(Acting::Staff(w.social_worker));
            valid(scenario.engine().execute_all(&commands, meta));
        }
    }
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let h = Harness::start(scenario, Limits::default());
    let token = h.enrol_and_login(&code, w.social_worker);
    let head = h.head();
    assert!(head > 8 * 512 - 16, "the log is {head} records");
    let response =
        match agent().get(&format!("{}/v1/export", h.base)).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(response) => response,
            Err(error) => panic!("GET /v1/export: {error}"),
        };
    let mut reader = std::io::BufReader::new(response.into_reader());
    let mut first = String::new();
    valid(std::io::BufRead::read_line(&mut reader, &mut first));
    assert!(first.starts_with("{\"position\":1,"), "{first}");
    // The holder logs out while the export is under way: the windows read ahead may still
    // come, no more.
    let logout = h.post("/v1/auth/logout", Some(&token), &json!({}));
    assert_eq!(logout.status, 200, "{}", logout.body);
    let mut rest = Vec::new();
    let _ = reader.read_to_end(&mut rest);
    let lines = 1 + rest.iter().filter(|b| **b == b'\n').count();
    assert!(
        u64::try_from(lines).unwrap_or(u64::MAX) <= 4 * 512,
        "{lines} of {head} records came after the token was revoked"
    );
    assert!(u64::try_from(lines).unwrap_or(u64::MAX) < head, "the whole log came");
}
