//! Running the real `parapompi` binary on temporary data directories.
#![allow(dead_code)]

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

/// The binary, with the environment variables it reads removed.
pub fn parapompi() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_parapompi"));
    command
        .env_remove("PARAPOMPI_DATA")
        .env_remove("PARAPOMPI_ACTOR")
        .env_remove("PARAPOMPI_SERVER")
        .env_remove("PARAPOMPI_TOKEN")
        .env_remove("PARAPOMPI_WAIT")
        .env_remove("PARAPOMPI_PASSWORD")
        // English unless a test asks for Greek, whatever the machine's locale.
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG")
        // A login is kept where no other test or user keeps theirs.
        .env("PARAPOMPI_CONFIG_DIR", std::env::temp_dir().join("parapompi-tests-no-login"));
    command
}

/// Fails the run when a test outlives `seconds`.
pub struct Watchdog(#[allow(dead_code)] mpsc::Sender<()>);

/// Starts a watchdog for the test `name`.
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

/// A child process killed if the test ends (or panics) while it runs.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A `parapompi serve` process on a loopback port of its choosing, killed if the test ends
/// (or panics) before it stops.
pub struct ServerProcess {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its standard error, line by line.
    pub log: mpsc::Receiver<String>,
    /// The lines read so far.
    pub seen: Vec<String>,
}

impl ServerProcess {
    /// Starts `parapompi --data-dir DIR serve --listen 127.0.0.1:0 EXTRA…` and waits for the
    /// address it logs.
    pub fn start(data: &Path, extra: &[&str]) -> ServerProcess {
        let child = parapompi()
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("the binary starts: {e}"));
        let mut server = ServerProcess { child, base: String::new(), log: mpsc::channel().1, seen: Vec::new() };
        let stderr = server.child.stderr.take().unwrap_or_else(|| panic!("stderr is piped"));
        let (lines_tx, lines) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if lines_tx.send(line).is_err() {
                    break;
                }
            }
        });
        server.log = lines;
        let address = loop {
            let line = server
                .log
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("no address logged: {e}; {:?}", server.seen));
            server.seen.push(line.clone());
            if let Some(rest) = line.split("address=").nth(1) {
                break rest.split_whitespace().next().unwrap_or_default().to_owned();
            }
        };
        server.base = format!("http://{address}");
        server
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and waits (up to 20 s) for a clean exit; gives its log.
    pub fn stop(mut self) -> String {
        let terminated = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        assert!(terminated.is_ok_and(|s| s.success()), "kill -TERM failed");
        let mut waited = None;
        for _ in 0..200 {
            if let Ok(Some(status)) = self.child.try_wait() {
                waited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(waited.is_some_and(|s| s.success()), "the server did not stop cleanly on SIGTERM: {waited:?}");
        while let Ok(line) = self.log.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        self.seen.join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A temporary directory holding one data directory, and the event count last verified.
pub struct World {
    tmp: TempDir,
    n_events: Cell<u64>,
}

/// What a run printed.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl World {
    pub fn new() -> World {
        World { tmp: TempDir::new().expect("a temporary directory"), n_events: Cell::new(0) }
    }

    /// The data directory.
    pub fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    /// A path for other files.
    pub fn file(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Runs the binary on this data directory.
    pub fn run(&self, args: &[&str]) -> Run {
        parapompi().arg("--data-dir").arg(self.data()).args(args).output().expect("the binary runs").into()
    }

    /// Runs the binary with its working directory in the temporary directory.
    pub fn run_in(&self, dir: &Path, args: &[&str]) -> Run {
        parapompi().current_dir(dir).args(args).output().expect("the binary runs").into()
    }

    /// Runs a command that must succeed; gives its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "{args:?} failed: {}{}", run.stderr, run.stdout);
        run.stdout
    }

    /// Runs a command with --json that must succeed; gives its one JSON object.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let stdout = self.ok(&with_json);
        serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("{args:?} printed no JSON object ({e}): {stdout}"))
    }

    /// Runs `verify --json`, asserts that it passes, and remembers the event count.
    pub fn verified_events(&self) -> u64 {
        let report = self.json(&["verify"]);
        assert_eq!(report["ok"], true, "{report}");
        let n_events = report["n_events"].as_u64().expect("n_events");
        self.n_events.set(n_events);
        n_events
    }

    /// Runs a command that must fail with `code`, printing exactly one line on standard error
    /// that contains `needle`; then the store must verify with the event count unchanged.
    pub fn fails(&self, code: i32, needle: &str, args: &[&str]) {
        let before = self.n_events.get();
        let run = self.run(args);
        assert_eq!(run.code, code, "{args:?}: expected exit {code}, got {}: {}{}", run.code, run.stderr, run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: expected one line on stderr, got {:?}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: stderr {:?} does not contain {needle:?}", run.stderr);
        assert_eq!(self.verified_events(), before, "{args:?} wrote events");
    }

    /// Writes a file in the temporary directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.file(name);
        std::fs::write(&path, text).expect("a temporary file");
        path
    }
}

/// The password the tests' staff set.
pub const PASSWORD: &str = "ένας μακρύς κωδικός";

/// An enrolment code for `staff`, issued in direct mode by `by`.
pub fn enrolment_code(w: &World, staff: &str, by: &str) -> String {
    w.json(&["--as", by, "staff", "enrol", staff])["secret"].as_str().unwrap_or_default().to_owned()
}

/// `parapompi staff set-password --code CODE` with `PASSWORD`.
pub fn set_password(w: &World, code: &str) -> Run {
    parapompi()
        .env("PARAPOMPI_PASSWORD", PASSWORD)
        .arg("--data-dir")
        .arg(w.data())
        .args(["staff", "set-password", "--code", code])
        .output()
        .map(Run::from)
        .unwrap_or_else(|e| panic!("the binary runs: {e}"))
}

/// One request through `agent` to `url`, with `token` if given and `body` as its text: the
/// status and the body as JSON (`null` when it is not). A transport error fails the test.
pub fn http_json(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut request = agent.request(method, url);
    if let Some(token) = token {
        request = request.set("Authorization", &format!("Bearer {token}"));
    }
    let result = match body {
        Some(body) => request.send_string(&body.to_string()),
        None => request.call(),
    };
    let response = match result {
        Ok(response) | Err(ureq::Error::Status(_, response)) => response,
        Err(e) => panic!("{url}: {e}"),
    };
    let status = response.status();
    (status, serde_json::from_str(&response.into_string().unwrap_or_default()).unwrap_or(Value::Null))
}

/// Fixed ids of the test world.
pub const CENTRE: &str = "c0000000-0000-4000-8000-000000000001";
pub const CENTRE2: &str = "c0000000-0000-4000-8000-000000000002";
pub const ADMIN: &str = "a0000000-0000-4000-8000-000000000001";
pub const ADMIN2: &str = "a0000000-0000-4000-8000-000000000002";
pub const SUPERVISOR: &str = "a0000000-0000-4000-8000-000000000003";
pub const WORKER: &str = "a0000000-0000-4000-8000-000000000004";
pub const AGENCY: &str = "e0000000-0000-4000-8000-000000000001";
pub const AGENCY_OFF: &str = "e0000000-0000-4000-8000-000000000002";
pub const BENEFICIARY: &str = "b0000000-0000-4000-8000-000000000001";
pub const CASE: &str = "d0000000-0000-4000-8000-000000000001";
pub const REFERRAL: &str = "f0000000-0000-4000-8000-000000000001";
/// A valid AMKA (the Luhn check digit of the first ten digits is right).
pub const AMKA: &str = "01017012343";

/// The test world, set up through `apply`: two centres, staff, two agencies (one
/// deactivated), a beneficiary with an open, assigned case holding a draft referral.
pub fn set_up(world: &World) {
    let lines = [
        format!(
            r#"{{"command":"centre register","args":{{"name":"Κέντρο Κοινότητας Δήμου Αποκορώνου","host":"Αποκορώνου","supervising_service":"Κοινωνική Υπηρεσία Δήμου Αποκορώνου","admin_name":"Ειρήνη Μαρκάκη","centre_id":"{CENTRE}","admin_id":"{ADMIN}"}}}}"#
        ),
        format!(
            r#"{{"command":"centre register","args":{{"name":"Κέντρο Κοινότητας Δήμου Φλώρινας","host":"Φλώρινας","supervising_service":"Κοινωνική Υπηρεσία Δήμου Φλώρινας","admin_name":"Νίκος Παπάς","centre_id":"{CENTRE2}","admin_id":"{ADMIN2}"}}}}"#
        ),
        format!(
            r#"{{"command":"staff add","as":"{ADMIN}","args":{{"name":"Αργυρώ Βλαχάκη","role":["supervisor"],"staff_id":"{SUPERVISOR}"}}}}"#
        ),
        format!(
            r#"{{"command":"staff add","as":"{ADMIN}","args":{{"name":"Στέλιος Παπαδάκης","role":["social_worker"],"staff_id":"{WORKER}"}}}}"#
        ),
        format!(
            r#"{{"command":"agency add","as":"{ADMIN}","args":{{"name":"ΔΥΠΑ Χανίων","kind":"public_service","need":["employment","income_and_benefits"],"municipality":"Χανίων","agency_id":"{AGENCY}"}}}}"#
        ),
        format!(
            r#"{{"command":"agency add","as":"{ADMIN}","args":{{"name":"Κοινωνικό Παντοπωλείο","kind":"municipal_service","need":["income_and_benefits"],"municipality":"Αποκορώνου","agency_id":"{AGENCY_OFF}"}}}}"#
        ),
        format!(
            r#"{{"command":"agency deactivate","as":"{ADMIN}","args":{{"agency":"{AGENCY_OFF}","reason":"Έκλεισε"}}}}"#
        ),
        format!(
            r#"{{"command":"beneficiary register","as":"{WORKER}","args":{{"given_name":"Μαρία","family_name":"Παπαδάκη","amka":"{AMKA}","gender":"female","year_of_birth":"1970","municipality":"Σφακίων","roma":"no","labour_status":"unemployed","beneficiary_id":"{BENEFICIARY}"}}}}"#
        ),
        format!(
            r#"{{"command":"intake","as":"{WORKER}","args":{{"beneficiary":"{BENEFICIARY}","channel":"walk_in","request":"Ψάχνω εργασία.","case_id":"{CASE}"}}}}"#
        ),
        format!(r#"{{"command":"case assign","as":"{WORKER}","args":{{"case":"{CASE}","staff":"{WORKER}"}}}}"#),
        format!(
            r#"{{"command":"refer","as":"{WORKER}","args":{{"case":"{CASE}","agency":"{AGENCY}","need":"employment","referral_id":"{REFERRAL}"}}}}"#
        ),
    ];
    let path = world.write("world.jsonl", &(lines.join("\n") + "\n"));
    world.ok(&["init"]);
    let run = world.run(&["apply", path.to_str().expect("a UTF-8 path")]);
    assert_eq!(run.code, 0, "setting up the world failed: {}{}", run.stderr, run.stdout);
    world.verified_events();
}
