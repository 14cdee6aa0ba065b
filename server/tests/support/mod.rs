//! A real server on 127.0.0.1 (port 0) over a scenario's Engine, for the tests of many
//! clients and of the bulk endpoints: a watchdog that fails a run rather than let it hang,
//! staff enrolled and logged in as a team does, and a shutdown on every path (`Drop`).
#![allow(dead_code)]

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{valid, Scenario};
use parapompi::core::credential::CredentialKind;
use parapompi::core::values::StaffId;
use parapompi::credentials::{Credentials, PasswordHashing};
use parapompi::Acting;
use parapompi_server::{Limits, Running, ServerConfig};
use serde_json::{json, Value};

/// The longest any one request of these tests may take before it is a failure.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

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

/// An answer: status, body, content type.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub content_type: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A scenario's Engine served over HTTP.
pub struct Harness {
    pub scenario: Scenario,
    runtime: tokio::runtime::Runtime,
    running: Option<Running>,
    pub base: String,
    agent: ureq::Agent,
}

impl Harness {
    pub fn start(scenario: Scenario, limits: Limits) -> Harness {
        let config = ServerConfig {
            limits,
            session_lifetime_ms: 3_600_000,
            password_hashing: test_hashing(),
            ..ServerConfig::default()
        };
        let runtime = valid(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build());
        let engine = scenario.engine().clone();
        let running = valid(runtime.block_on(parapompi_server::start(engine, config, valid("127.0.0.1:0".parse()))));
        let base = format!("http://{}", running.local_addr());
        Harness { scenario, runtime, running: Some(running), base, agent: agent() }
    }

    /// One request; a transport error (refused, timed out) is a failure of the test.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> Answer {
        call_with(&self.agent, &self.base, method, path, token, body)
    }

    pub fn get(&self, path: &str, token: &str) -> Answer {
        self.call("GET", path, Some(token), None)
    }

    pub fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call("POST", path, token, Some(&body.to_string()))
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
        let login = self.post("/v1/auth/login", None, &json!({"staff_id": staff.to_string(), "password": PASSWORD}));
        assert_eq!(login.status, 200, "{}", login.body);
        let token = login.json()["secret"].as_str().unwrap_or_default().to_owned();
        assert!(token.starts_with("pp1_"), "{}", login.body);
        token
    }

    /// Stops the server and checks that it stopped cleanly.
    pub fn shutdown(&mut self) {
        if let Some(running) = self.running.take() {
            let stopped = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(20), running.shutdown()).await });
            assert!(matches!(stopped, Ok(Ok(()))), "the server did not stop cleanly: {stopped:?}");
        }
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = self
                .runtime
                .block_on(async { tokio::time::timeout(Duration::from_secs(20), running.shutdown()).await });
        }
    }
}

/// An HTTP client with the tests' time limit on every request.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(REQUEST_TIMEOUT).build()
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
    let mut request = agent.request(method, &format!("{base}{path}"));
    if let Some(token) = token {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    let result = match body {
        Some(body) => request.set("content-type", "application/json").send_string(body),
        None => request.call(),
    };
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {path}: {error}"),
    };
    let status = response.status();
    let content_type = response.header("content-type").unwrap_or_default().to_owned();
    assert!(response.header("x-request-id").is_some(), "{method} {path}: no request id");
    let body = valid(response.into_string());
    Answer { status, body, content_type }
}
