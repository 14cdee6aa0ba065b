//! The server's bulk endpoints through the real binary: a batch of acts sent to `parapompi
//! serve`, then its streamed export, read over HTTP and by `parapompi --server … export
//! --jsonl`, each of which must be byte for byte what `parapompi export --jsonl` writes of
//! the same data directory once the server has stopped.

mod common;

use std::io::Read;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

#[test]
fn a_batch_sent_to_the_server_is_exported_over_http_as_the_cli_exports_it() {
    let _watchdog = watchdog("a batch and the export through the binary", 180);
    let w = World::new();
    set_up(&w);
    let set = set_password(&w, &enrolment_code(&w, WORKER, ADMIN));
    assert_eq!(set.code, 0, "{}", set.stderr);
    let server = ServerProcess::start(&w.data(), &[]);
    let base = server.base.clone();
    let log_so_far = || server.log.try_iter().collect::<Vec<_>>().join("\n");
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build();
    let login = agent
        .post(&format!("{base}/v1/auth/login"))
        .send_string(&json!({"staff_id": WORKER, "password": PASSWORD}).to_string())
        .unwrap_or_else(|e| panic!("login: {e}"));
    let login: Value = serde_json::from_str(&login.into_string().unwrap_or_default()).unwrap_or(Value::Null);
    let token = login["secret"].as_str().unwrap_or_default().to_owned();

    // 600 notes as JSON Lines in one batch: the log grows past one window of the export.
    let lines: String = (0..600)
        .map(|n| {
            let note = json!({"case": {"case_id": CASE, "action": {"add_note": {"text": format!("Σημείωση {n}.")}}}});
            format!("{}\n", json!({"act": [note]}))
        })
        .collect();
    let batch = agent
        .post(&format!("{base}/v1/commands/batch"))
        .set("Authorization", &format!("Bearer {token}"))
        .send_string(&lines)
        .unwrap_or_else(|e| panic!("the batch: {e}; the server's log: {}", log_so_far()));
    let results: Value = serde_json::from_str(&batch.into_string().unwrap_or_default()).unwrap_or(Value::Null);
    let results = results.as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 600);
    assert!(results.iter().all(|r| r["ok"] == true), "{:?}", results.iter().find(|r| r["ok"] != true));

    let response = agent
        .get(&format!("{base}/v1/export"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap_or_else(|e| panic!("the export: {e}"));
    assert_eq!(response.content_type(), "application/x-ndjson");
    let mut streamed = Vec::new();
    response.into_reader().read_to_end(&mut streamed).unwrap_or_else(|e| panic!("reading the export: {e}"));
    // The command line as the server's client exports through the same endpoint.
    let through_server = w.file("through-server.jsonl");
    let run = parapompi()
        .env("PARAPOMPI_TOKEN", &token)
        .args(["--server", &base, "export", "--jsonl", "--out", through_server.to_str().unwrap_or_default()])
        .output()
        .unwrap_or_else(|e| panic!("the binary runs: {e}"));
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    server.stop();

    let file = w.file("log.jsonl");
    w.ok(&["export", "--jsonl", "--out", file.to_str().unwrap_or_default()]);
    let written = std::fs::read(&file).unwrap_or_else(|e| panic!("the CLI's export: {e}"));
    let n_events = w.verified_events();
    assert!(n_events > 600, "{n_events}");
    assert_eq!(streamed.iter().filter(|b| **b == b'\n').count(), usize::try_from(n_events).unwrap_or(0));
    assert!(streamed == written, "the streamed export differs from `parapompi export --jsonl`");
    let exported_through_server = std::fs::read(&through_server).unwrap_or_else(|e| panic!("{e}"));
    assert!(exported_through_server == written, "`parapompi --server … export --jsonl` differs from direct mode's");
}
