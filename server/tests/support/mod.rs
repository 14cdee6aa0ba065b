//! A real server on 127.0.0.1 (port 0) over a scenario's Engine, for every test of the
//! server: a watchdog that fails a run rather than let it hang, staff enrolled and logged in
//! as a team does, and a shutdown on every path, panics included (`Drop`).
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::{assign, by, open_case, valid, Scenario};
use parapompi::core::credential::CredentialKind;
use parapompi::core::values::{CaseId, StaffId};
use parapompi::core::Command;
use parapompi::credentials::{Credentials, PasswordHashing};
use parapompi::Acting;
use parapompi_server::{Limits, Running, ServerConfig, ServerError};
use serde_json::{json, Value};

/// The longest any one request of these tests may take before it is a failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest a server may take to stop.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(20);

/// Fails the whole run when a test outlives `seconds`: nothing hangs.
pub struct Watchdog(#[allow(dead_code)] mpsc::Sender<()>);

pub fn watchdog(name: &'static str, seconds: u64) -> Watchdog {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(Duration::from_secs(seconds)) {
            eprintln!("test {name} took longer than {seconds} s: stopping the run");
            std::process::exit(101);
        }
    });
    Watchdog(done)
}

/// A cheap Argon2id for tests (the default costs 19 MiB a hash).
pub fn test_hashing() -> PasswordHashing {
    PasswordHashing { memory_kib: 1024, iterations: 1, parallelism: 1 }
}

pub const PASSWORD: &str = "σωστός κωδικός 2026";

/// Both centres set up, Maria registered and her case open, assigned to the social worker.
pub fn world_with_a_case() -> (Scenario, CaseId) {
    let mut scenario = Scenario::set_up();
    let w = scenario.world;
    let today = scenario.today();
    scenario.given(w.beneficiary(w.maria, 0, today));
    let case_id = scenario.fresh_case();
    scenario.given(vec![
        by(w.social_worker, open_case(case_id, w.maria, w.centre, today)),
        by(w.social_worker, assign(case_id, w.social_worker)),
    ]);
    (scenario, case_id)
}

/// An answer: status, body, content type, and the request id it carried.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub content_type: String,
    pub request_id: Option<String>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A scenario's Engine served over HTTP, or HTTPS when its configuration holds a certificate.
pub struct Harness {
    pub scenario: Scenario,
    runtime: tokio::runtime::Runtime,
    running: Option<Running>,
    /// `http://127.0.0.1:PORT`, or `https://…`.
    pub base: String,
    agent: ureq::Agent,
}

impl Harness {
    /// With `limits`, cheap password hashing and sessions of an hour.
    pub fn start(scenario: Scenario, limits: Limits) -> Harness {
        let config = ServerConfig {
            limits,
            session_lifetime_ms: 3_600_000,
            password_hashing: test_hashing(),
            ..ServerConfig::default()
        };
        Harness::start_with(scenario, config)
    }

    /// With `config` as it is.
    pub fn start_with(scenario: Scenario, config: ServerConfig) -> Harness {
        let scheme = if config.tls.is_some() { "https" } else { "http" };
        let runtime = valid(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build());
        let engine = scenario.engine().clone();
        let running = valid(runtime.block_on(parapompi_server::start(engine, config, valid("127.0.0.1:0".parse()))));
        let base = format!("{scheme}://{}", running.local_addr());
        Harness { scenario, runtime, running: Some(running), base, agent: agent() }
    }

    /// `127.0.0.1:PORT`, for raw connections; empty once stopped.
    pub fn address(&self) -> String {
        self.running.as_ref().map(|r| r.local_addr().to_string()).unwrap_or_default()
    }

    /// One request; a transport error (refused, timed out) is a failure of the test, and so
    /// is an answer without a request id.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        call_with(&self.agent, &self.base, method, path, token, body)
    }

    /// One request, its answer as it came, whether or not it carries a request id.
    pub fn exchange(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        exchange(&self.agent, &self.base, method, path, token, body)
    }

    pub fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call("POST", path, token, Some(&body.to_string()))
    }

    /// An act of one command as `token`'s holder.
    pub fn act(&self, token: &str, command: &Command) -> Answer {
        self.post(
            "/v1/commands",
            Some(token),
            &json!({"act": [command], "command_id": uuid::Uuid::now_v7().to_string()}),
        )
    }

    pub fn head(&self) -> u64 {
        self.scenario.engine().store().head().position
    }

    /// An enrolment code made in direct mode by `by`, as an administrator does before the
    /// server runs (`parapompi staff enrol`).
    pub fn direct_enrolment(scenario: &mut Scenario, staff: StaffId, by: StaffId) -> String {
        let credentials = valid(Credentials::open(scenario.engine(), test_hashing()));
        let meta = scenario.next_meta(Acting::Staff(by));
        // Twelve hours: a scenario moves its clock ten minutes a command.
        let issued = valid(credentials.issue(staff, CredentialKind::Enrolment, 12 * 3_600_000, meta));
        issued.secret.expose().to_owned()
    }

    /// Sets a password with `code` and logs in: the session token.
    pub fn enrol_and_login(&self, code: &str, staff: StaffId) -> String {
        let set = self.post("/v1/auth/password", None, &json!({"code": code, "password": PASSWORD}));
        assert_eq!(set.status, 200, "{}", set.body);
        self.login(staff)
    }

    /// Logs in with `PASSWORD`: the session token.
    pub fn login(&self, staff: StaffId) -> String {
        let login = self.post("/v1/auth/login", None, &json!({"staff_id": staff.to_string(), "password": PASSWORD}));
        assert_eq!(login.status, 200, "{}", login.body);
        let token = login.json()["secret"].as_str().unwrap_or_default().to_owned();
        assert!(token.starts_with("pp1_"), "{}", login.body);
        token
    }

    /// An enrolment code issued over the API by `admin_token`'s holder, then that staff
    /// member's session token.
    pub fn enrol_over_api(&self, admin_token: &str, staff: StaffId) -> String {
        let issued = self.post(
            "/v1/credentials",
            Some(admin_token),
            &json!({"staff_id": staff.to_string(), "kind": "enrolment"}),
        );
        assert_eq!(issued.status, 200, "{}", issued.body);
        let code = issued.json()["secret"].as_str().unwrap_or_default().to_owned();
        self.enrol_and_login(&code, staff)
    }

    /// Stops the server and checks that it stopped cleanly.
    pub fn shutdown(&mut self) {
        if let Some(stopped) = self.stop() {
            assert!(matches!(stopped, Ok(Ok(()))), "the server did not stop cleanly: {stopped:?}");
        }
    }

    /// Stops the server if it still runs: how its stop went.
    fn stop(&mut self) -> Option<Result<Result<(), ServerError>, tokio::time::error::Elapsed>> {
        let running = self.running.take()?;
        Some(self.runtime.block_on(async { tokio::time::timeout(SHUTDOWN_TIMEOUT, running.shutdown()).await }))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}

/// A client builder with the tests' time limit on every request.
pub fn agent_builder() -> ureq::AgentBuilder {
    ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT)
}

/// An HTTP client with the tests' time limit on every request.
pub fn agent() -> ureq::Agent {
    agent_builder().build()
}

/// One request through `agent`; every answer must carry its request id.
pub fn call_with(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let answer = exchange(agent, base, method, path, token, body);
    assert!(answer.request_id.is_some(), "{method} {path}: no request id");
    answer
}

/// One request through `agent`, its answer as it came (the transport's own answers, a 503
/// over the connection limit or a 408, carry no request id); a transport error (refused,
/// timed out) is a failure of the test.
pub fn exchange(
    agent: &ureq::Agent,
    base: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Answer {
    let mut request = agent.request(method, &format!("{base}{path}"));
    if let Some(token) = token {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    let result = match body {
        Some(body) => request.set("content-type", "application/json").send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {path}: {error}"),
    };
    let status = response.status();
    let content_type = response.header("content-type").unwrap_or_default().to_owned();
    let request_id = response.header("x-request-id").map(str::to_owned);
    let body = valid(response.into_string());
    Answer { status, body, content_type, request_id }
}

/// Sends `request` on a fresh TCP connection and reads until the server closes it (at most
/// `wait`): what came back, and how long until the close.
pub fn raw_exchange(address: &str, request: &[u8], wait: Duration) -> (String, Duration) {
    let mut stream = valid(TcpStream::connect(address));
    valid(stream.set_read_timeout(Some(wait)));
    let started = Instant::now();
    valid(stream.write_all(request));
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (String::from_utf8_lossy(&answer).into_owned(), started.elapsed())
}
