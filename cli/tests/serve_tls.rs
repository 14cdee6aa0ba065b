//! `parapompi serve --tls-cert FILE --tls-key FILE` through the real binary: HTTPS to a
//! client that trusts exactly the certificate made at test time, and every wrong pair of
//! flags refused (exit 2) naming its flag and file, before anything listens.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const PASSWORD: &str = "ένας μακρύς κωδικός";

/// Fails the run when a test outlives `seconds`.
struct Watchdog(#[allow(dead_code)] mpsc::Sender<()>);

fn watchdog(name: &'static str, seconds: u64) -> Watchdog {
    let (done, wait) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(Duration::from_secs(seconds)) {
            eprintln!("test {name} took longer than {seconds} s: stopping the run");
            std::process::exit(101);
        }
    });
    Watchdog(done)
}

/// A server process, killed if the test ends before it stops.
struct ServerProcess(Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A self-signed certificate for 127.0.0.1 and its key, as PEM files in the world's
/// temporary directory; and a client configuration that trusts it alone.
struct Certificate {
    cert: PathBuf,
    key: PathBuf,
    client: Arc<rustls::ClientConfig>,
}

fn make_certificate(w: &World, name: &str) -> Certificate {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
        .unwrap_or_else(|e| panic!("a certificate: {e}"));
    let cert = w.write(&format!("{name}.crt"), &made.cert.pem());
    let key = w.write(&format!("{name}.key"), &made.signing_key.serialize_pem());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap_or_else(|e| panic!("a trust anchor: {e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap_or_else(|e| panic!("TLS versions: {e}"))
        .with_root_certificates(roots)
        .with_no_client_auth();
    Certificate { cert, key, client: Arc::new(client) }
}

fn set_password(w: &World, code: &str) -> common::Run {
    parapompi()
        .env("PARAPOMPI_PASSWORD", PASSWORD)
        .arg("--data-dir")
        .arg(w.data())
        .args(["staff", "set-password", "--code", code])
        .output()
        .map(common::Run::from)
        .unwrap_or_else(|e| panic!("the binary runs: {e}"))
}

#[test]
fn the_binary_serves_https_with_a_certificate_and_key_and_stops_on_sigterm() {
    let _watchdog = watchdog("serve over https through the binary", 120);
    let w = World::new();
    set_up(&w);
    let issued = w.json(&["--as", ADMIN, "staff", "enrol", WORKER]);
    let code = issued["secret"].as_str().unwrap_or_default().to_owned();
    assert_eq!(set_password(&w, &code).code, 0);
    let certificate = make_certificate(&w, "server");
    // A key others may read is served, with a warning.
    std::fs::set_permissions(&certificate.key, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let child = parapompi()
        .arg("--data-dir")
        .arg(w.data())
        .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(&certificate.cert)
        .arg("--tls-key")
        .arg(&certificate.key)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("the binary starts: {e}"));
    let mut server = ServerProcess(child);
    let stderr = server.0.stderr.take().unwrap_or_else(|| panic!("stderr is piped"));
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = Vec::new();
    let address = loop {
        let line =
            lines.recv_timeout(Duration::from_secs(30)).unwrap_or_else(|e| panic!("no address logged: {e}; {log:?}"));
        log.push(line.clone());
        if let Some(rest) = line.split("address=").nth(1) {
            assert!(line.contains("https"), "{line}");
            break rest.split_whitespace().next().unwrap_or_default().to_owned();
        }
    };
    let base = format!("https://{address}");
    let agent =
        ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).tls_config(certificate.client.clone()).build();
    let call = |path: &str, token: Option<&str>, body: Option<&Value>| -> (u16, Value) {
        let mut request = agent.request(if body.is_some() { "POST" } else { "GET" }, &format!("{base}{path}"));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let result = match body {
            Some(body) => request.send_string(&body.to_string()),
            None => request.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(e) => panic!("{path}: {e}"),
        };
        let status = response.status();
        (status, serde_json::from_str(&response.into_string().unwrap_or_default()).unwrap_or(Value::Null))
    };
    assert_eq!(call("/v1/health", None, None), (200, json!({"ok": true})));
    let (status, login) = call("/v1/auth/login", None, Some(&json!({"staff_id": WORKER, "password": PASSWORD})));
    assert_eq!(status, 200, "{login}");
    let token = login["secret"].as_str().unwrap_or_default().to_owned();
    let note = json!({"act": [{"case": {"case_id": CASE, "action": {"add_note": {"text": "Μέσω HTTPS."}}}}]});
    let (status, written) = call("/v1/commands", Some(&token), Some(&note));
    assert_eq!(status, 200, "{written}");
    assert_eq!(written["events"][0]["event_type"], "CaseNoteAdded", "{written}");
    let head = written["events"][0]["position"].as_u64().unwrap_or_default();
    // A client that does not trust the certificate is refused at the handshake.
    let stranger = make_certificate(&w, "stranger");
    let refused =
        ureq::AgentBuilder::new().tls_config(stranger.client).build().get(&format!("{base}/v1/health")).call();
    assert!(matches!(refused, Err(ureq::Error::Transport(_))), "{refused:?}");

    let terminated = std::process::Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status();
    assert!(terminated.is_ok_and(|s| s.success()));
    let mut waited = None;
    for _ in 0..200 {
        if let Ok(Some(status)) = server.0.try_wait() {
            waited = Some(status);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(waited.is_some_and(|s| s.success()), "the server did not stop cleanly on SIGTERM: {waited:?}");
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
        log.push(line);
    }
    let log = log.join("\n");
    assert!(log.contains("may be read by users other than its owner") && log.contains("mode=\"644\""), "{log}");
    assert!(!log.contains("PRIVATE KEY") && !log.contains(&token), "a secret in the log: {log}");
    assert_eq!(w.verified_events(), head, "every acknowledged write is on disk");
}

#[test]
fn wrong_tls_flags_and_files_are_refused_naming_the_flag_and_file_before_anything_listens() {
    let _watchdog = watchdog("wrong tls flags", 120);
    let w = World::new();
    set_up(&w);
    let good = make_certificate(&w, "good");
    let other = make_certificate(&w, "other");
    let path = |p: &PathBuf| p.to_str().unwrap_or_default().to_owned();
    let (cert, key) = (path(&good.cert), path(&good.key));
    let missing = path(&w.file("missing.pem"));
    let directory = path(&w.file(""));
    let serve = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["serve".to_owned(), "--listen".to_owned(), "127.0.0.1:0".to_owned()];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    };
    let cases: Vec<(Vec<String>, &str, String)> = vec![
        (serve(&["--tls-cert", &cert]), "--tls-key", "missing".to_owned()),
        (serve(&["--tls-key", &key]), "--tls-cert", "missing".to_owned()),
        (serve(&["--tls-cert", &missing, "--tls-key", &key]), "--tls-cert", missing.clone()),
        (serve(&["--tls-cert", &cert, "--tls-key", &missing]), "--tls-key", missing.clone()),
        (serve(&["--tls-cert", &directory, "--tls-key", &key]), "--tls-cert", "cannot read".to_owned()),
        (serve(&["--tls-cert", &key, "--tls-key", &key]), "--tls-cert", "no certificate".to_owned()),
        (serve(&["--tls-cert", &cert, "--tls-key", &cert]), "--tls-key", "no private key".to_owned()),
        (serve(&["--tls-cert", &cert, "--tls-key", &path(&other.key)]), "--tls-key", "does not match".to_owned()),
    ];
    let n_events = w.verified_events();
    for (args, flag, problem) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = w.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.starts_with(&format!("parapompi: {flag}:")), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(&problem), "{args:?}: {}", run.stderr);
    }
    assert_eq!(w.verified_events(), n_events);
}
