//! `parapompi serve` keeps answering when its standard error goes away: a supervisor or a
//! pipe (`parapompi serve 2>&1 | head`) that closes the log's reading end must not cost a
//! single request (an unwritable log line once made the request that logged it panic, and
//! its client got a dropped connection).

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;

use common::*;

#[test]
fn the_server_answers_every_request_after_its_log_is_closed() {
    let _watchdog = watchdog("the_server_answers_every_request_after_its_log_is_closed", 120);
    let w = World::new();
    w.ok(&["init"]);
    let child = parapompi()
        .arg("--data-dir")
        .arg(w.data())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("the binary starts: {e}"));
    let mut server = KillOnDrop(child);
    let stderr = server.0.stderr.take().unwrap_or_else(|| panic!("stderr is piped"));
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines.next().and_then(Result::ok).unwrap_or_else(|| panic!("no address logged"));
        if let Some(rest) = line.split("address=").nth(1) {
            break rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    // The log's reading end goes away.
    drop(lines);
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build();
    for n in 0..3 {
        let answer = agent.get(&format!("http://{address}/v1/health")).call();
        let status = answer.map(|a| a.status()).unwrap_or_else(|e| panic!("request {n}: {e}"));
        assert_eq!(status, 200, "request {n}");
    }
    assert!(matches!(server.0.try_wait(), Ok(None)), "the server exited");
}
