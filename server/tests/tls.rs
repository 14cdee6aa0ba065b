//! The server's transport as its users meet it: HTTPS with a certificate made at test time,
//! real TLS clients that trust exactly that certificate (or another), plain HTTP at the TLS
//! port, certificate files that are wrong, and clients too slow with their headers. Every
//! server is on 127.0.0.1, port 0; every test has a watchdog, and the server is shut down on
//! every path, panics included (the harness's `Drop`).

#[path = "../../tests/common/mod.rs"]
mod common;
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use parapompi_server::{Limits, ServerConfig, TlsConfig, TlsError, TlsFile};
use rustls::pki_types::CertificateDer;
use serde_json::json;
use support::*;

/// A self-signed certificate for 127.0.0.1, its PEM files in a directory of their own.
struct Certificate {
    der: CertificateDer<'static>,
    directory: tempfile::TempDir,
}

impl Certificate {
    fn new() -> Certificate {
        let made = valid(rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]));
        let directory = valid(tempfile::tempdir());
        valid(std::fs::write(directory.path().join("server.crt"), made.cert.pem()));
        valid(std::fs::write(directory.path().join("server.key"), made.signing_key.serialize_pem()));
        Certificate { der: made.cert.der().clone(), directory }
    }

    fn cert_path(&self) -> PathBuf {
        self.directory.path().join("server.crt")
    }

    fn key_path(&self) -> PathBuf {
        self.directory.path().join("server.key")
    }

    fn tls_config(&self) -> TlsConfig {
        valid(TlsConfig::from_pem_files(&self.cert_path(), &self.key_path()))
    }

    /// A rustls client configuration that trusts this certificate and nothing else.
    fn trusted_by_client(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        valid(roots.add(self.der.clone()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = valid(rustls::ClientConfig::builder_with_provider(provider).with_safe_default_protocol_versions())
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }

    /// A client that trusts this certificate only.
    fn agent(&self) -> ureq::Agent {
        agent_builder().tls_config(self.trusted_by_client()).build()
    }
}

/// A scenario's Engine served with `limits`, over TLS when given a certificate.
fn serve(scenario: Scenario, limits: Limits, tls: Option<TlsConfig>) -> Harness {
    let config = ServerConfig { limits, password_hashing: test_hashing(), tls, ..ServerConfig::default() };
    Harness::start_with(scenario, config)
}

/// `GET /v1/health` through `agent`, as it came (an answer over the connection limit is the
/// transport's, without a request id).
fn health(h: &Harness, agent: &ureq::Agent) -> Answer {
    exchange(agent, &h.base, "GET", "/v1/health", None, None)
}

#[test]
fn a_staff_member_logs_in_and_acts_over_https_and_only_a_client_trusting_the_certificate_gets_in() {
    let _watchdog = watchdog("https end to end", 120);
    let (mut scenario, case_id) = world_with_a_case();
    let w = scenario.world;
    let code = Harness::direct_enrolment(&mut scenario, w.social_worker, w.admin);
    let certificate = Certificate::new();
    let mut h = serve(scenario, Limits::default(), Some(certificate.tls_config()));
    assert!(h.base.starts_with("https://127.0.0.1:"), "{}", h.base);
    let agent = certificate.agent();

    let alive = health(&h, &agent);
    assert_eq!((alive.status, alive.json()["ok"].clone()), (200, json!(true)), "{}", alive.body);
    let password = json!({"code": code, "password": PASSWORD}).to_string();
    let set = exchange(&agent, &h.base, "POST", "/v1/auth/password", None, Some(&password));
    assert_eq!(set.status, 200, "{}", set.body);
    let login = json!({"staff_id": w.social_worker.to_string(), "password": PASSWORD}).to_string();
    let login = exchange(&agent, &h.base, "POST", "/v1/auth/login", None, Some(&login));
    assert_eq!(login.status, 200, "{}", login.body);
    let token = login.json()["secret"].as_str().unwrap_or_default().to_owned();
    let act = json!({"act": [add_note(case_id, "Μέσω HTTPS.")], "command_id": uuid::Uuid::now_v7().to_string()});
    let note = exchange(&agent, &h.base, "POST", "/v1/commands", Some(&token), Some(&act.to_string()));
    assert_eq!(note.status, 200, "{}", note.body);
    assert_eq!(note.json()["events"][0]["event_type"], "CaseNoteAdded", "{}", note.body);
    let head = h.head();

    // Plain HTTP at the TLS port is told to use HTTPS, and harms nothing.
    match ureq::agent().get(&format!("http://{}/v1/health", h.address())).call() {
        Err(ureq::Error::Status(400, response)) => {
            let body = valid(response.into_string());
            assert!(body.contains("https://") && body.contains("\"type\":\"bad_request\""), "{body}");
        }
        other => panic!("plain HTTP at the TLS port: {other:?}"),
    }
    let (answer, _) =
        raw_exchange(&h.address(), b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("https://"), "{answer}");
    assert_eq!(health(&h, &agent).status, 200);
    // Nor does garbage that is neither.
    let (answer, _) =
        raw_exchange(&h.address(), &[0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5], Duration::from_secs(10));
    assert!(!answer.contains("HTTP/1.1"), "{answer}");
    assert_eq!(health(&h, &agent).status, 200);

    // A client trusting another certificate refuses the server's, and sends nothing.
    let stranger = Certificate::new();
    let refused = stranger.agent().get(&format!("{}/v1/health", h.base)).call();
    match refused {
        Err(ureq::Error::Transport(error)) => {
            let text = error.to_string();
            assert!(text.contains("certificate") || text.contains("UnknownIssuer"), "{text}");
        }
        other => panic!("a client trusting another certificate got in: {other:?}"),
    }
    assert_eq!(health(&h, &agent).status, 200);
    assert_eq!(h.head(), head, "nothing written by the refused");
    h.shutdown();
}

#[test]
fn connections_over_the_limit_at_a_tls_port_are_answered_503_over_tls() {
    let _watchdog = watchdog("the connection limit over TLS", 120);
    let (scenario, _) = world_with_a_case();
    let certificate = Certificate::new();
    let limits = Limits { max_connections: 1, ..Limits::default() };
    let h = serve(scenario, limits, Some(certificate.tls_config()));
    // A bare TCP connection holds the one place while it is to shake hands.
    let held = valid(TcpStream::connect(h.address()));
    std::thread::sleep(Duration::from_millis(200));
    let over = health(&h, &certificate.agent());
    assert_eq!(over.status, 503, "{}", over.body);
    assert_eq!(over.json()["limit"], "max_connections", "{}", over.body);
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(health(&h, &certificate.agent()).status, 200);
}

#[test]
fn a_client_too_slow_with_its_headers_or_handshake_is_ended_within_the_limit_while_others_are_served() {
    let _watchdog = watchdog("slow headers", 120);
    let limit = Duration::from_millis(2_000);
    let limits = Limits { header_timeout_ms: 2_000, ..Limits::default() };
    let (scenario, _) = world_with_a_case();
    let h = serve(scenario, limits.clone(), None);
    let address = h.address();
    // Half a request line, then nothing: answered 408 naming the limit, and closed.
    let slow = {
        let address = address.clone();
        std::thread::spawn(move || raw_exchange(&address, b"GET /v1/hea", Duration::from_secs(20)))
    };
    // Meanwhile other clients are served, while the slow one still waits.
    std::thread::sleep(Duration::from_millis(100));
    for _ in 0..5 {
        assert_eq!(health(&h, &agent()).status, 200);
    }
    assert!(!slow.is_finished(), "the others were served only once the slow client was ended");
    let (answer, took) = valid(slow.join().map_err(|_| "the slow client panicked"));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"limit\":\"header_timeout_ms\""), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(took >= limit - Duration::from_millis(100) && took < limit * 5, "ended after {took:?}");
    // A connection that sends nothing at all is told too.
    let (answer, took) = raw_exchange(&address, b"", Duration::from_secs(20));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < limit * 5, "ended after {took:?}");
    // A kept-alive connection idle after its answer is closed quietly.
    let (answer, took) = raw_exchange(&address, b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n", Duration::from_secs(20));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(answer.matches("HTTP/1.1").count(), 1, "{answer}");
    assert!(took >= limit - Duration::from_millis(100) && took < limit * 5, "closed after {took:?}");
    drop(h);

    // At a TLS port: a handshake begun and never finished is closed within the limit, and so
    // is a request trickled over TLS, answered 408 over TLS.
    let (scenario, _) = world_with_a_case();
    let certificate = Certificate::new();
    let h = serve(scenario, limits, Some(certificate.tls_config()));
    let (answer, took) = raw_exchange(&h.address(), &[0x16, 0x03, 0x01], Duration::from_secs(20));
    assert!(answer.is_empty(), "{answer}");
    assert!(took < limit * 5, "ended after {took:?}");
    let tcp = valid(TcpStream::connect(h.address()));
    valid(tcp.set_read_timeout(Some(Duration::from_secs(20))));
    let name = valid(rustls::pki_types::ServerName::try_from("127.0.0.1"));
    let client = valid(rustls::ClientConnection::new(certificate.trusted_by_client(), name));
    let mut tls = rustls::StreamOwned::new(client, tcp);
    let started = Instant::now();
    valid(tls.write_all(b"GET /v1/hea"));
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"limit\":\"header_timeout_ms\""), "{answer}");
    assert!(started.elapsed() < limit * 5, "ended after {:?}", started.elapsed());
    assert_eq!(health(&h, &certificate.agent()).status, 200);
}

#[test]
fn certificate_and_key_files_that_cannot_serve_are_refused_naming_the_file() {
    let _watchdog = watchdog("bad certificate files", 60);
    let certificate = Certificate::new();
    let other = Certificate::new();
    let dir = certificate.directory.path();
    let write = |name: &str, text: &[u8]| -> PathBuf {
        let path = dir.join(name);
        valid(std::fs::write(&path, text));
        path
    };
    let refused = |cert: &Path, key: &Path| -> TlsError {
        match TlsConfig::from_pem_files(cert, key) {
            Ok(_) => panic!("{} and {} were taken", cert.display(), key.display()),
            Err(error) => error,
        }
    };
    let (cert, key) = (certificate.cert_path(), certificate.key_path());
    let missing = dir.join("missing.pem");

    let error = refused(&missing, &key);
    assert!(matches!(error, TlsError::Unreadable { file: TlsFile::Certificate, .. }), "{error:?}");
    assert!(error.to_string().contains("missing.pem"), "{error}");
    let error = refused(&cert, &missing);
    assert!(matches!(error, TlsError::Unreadable { file: TlsFile::Key, .. }), "{error:?}");
    // The files swapped: no certificate in the one, no key in the other.
    let error = refused(&key, &key);
    assert!(matches!(error, TlsError::NoCertificate { .. }), "{error:?}");
    assert_eq!(error.file(), TlsFile::Certificate);
    let error = refused(&cert, &cert);
    assert!(matches!(error, TlsError::NoKey { encrypted: false, .. }), "{error:?}");
    assert_eq!(error.file(), TlsFile::Key);
    let encrypted = write(
        "encrypted.key",
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBvTBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQI\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    let error = refused(&cert, &encrypted);
    assert!(matches!(error, TlsError::NoKey { encrypted: true, .. }), "{error:?}");
    assert!(error.to_string().contains("encrypted"), "{error}");
    // Another certificate's key.
    let error = refused(&cert, &other.key_path());
    assert!(matches!(error, TlsError::KeyMismatch { .. }), "{error:?}");
    assert!(error.to_string().contains("does not match"), "{error}");
    // Two keys in one file.
    let both = [valid(std::fs::read(&key)), valid(std::fs::read(other.key_path()))].concat();
    let error = refused(&cert, &write("two.key", &both));
    assert!(matches!(error, TlsError::SeveralKeys { n_keys: 2, .. }), "{error:?}");
    // A PEM block cut short, and one that is not base64.
    let pem = String::from_utf8_lossy(&valid(std::fs::read(&cert))).into_owned();
    let cut = pem.lines().take(3).collect::<Vec<_>>().join("\n");
    let error = refused(&write("cut.crt", cut.as_bytes()), &key);
    assert!(matches!(error, TlsError::BadPem { file: TlsFile::Certificate, .. }), "{error:?}");
    let error = refused(&write("garbled.crt", b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"), &key);
    assert!(matches!(error, TlsError::BadPem { .. } | TlsError::BadCertificate { .. }), "{error:?}");
    // Well-formed PEM around bytes that are no certificate, or no key.
    let not_der = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    let error = refused(&write("empty.crt", not_der), &key);
    assert!(matches!(error, TlsError::BadCertificate { .. }), "{error:?}");
    let not_key = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    let error = refused(&cert, &write("empty.key", not_key));
    assert!(matches!(error, TlsError::BadKey { .. }), "{error:?}");
    // A file far too large to be a certificate.
    let huge = write("huge.crt", &vec![b'A'; 1024 * 1024 + 1]);
    let error = refused(&huge, &key);
    assert!(matches!(error, TlsError::TooLarge { file: TlsFile::Certificate, .. }), "{error:?}");
    // The key stays out of Debug output.
    let debug = format!("{:?}", certificate.tls_config());
    assert!(!debug.contains("PRIVATE") && debug.len() < 40, "{debug}");
}

#[test]
fn a_shutdown_does_not_wait_for_connections_that_sent_nothing_or_are_idle() {
    let _watchdog = watchdog("shutdown with silent connections", 120);
    let certificate = Certificate::new();
    // A header limit far longer than the shutdown may take: a silent connection is not waited
    // for until it runs out.
    let limits = Limits { header_timeout_ms: 120_000, ..Limits::default() };
    for tls in [None, Some(certificate.tls_config())] {
        let over_tls = tls.is_some();
        let (scenario, _) = world_with_a_case();
        let mut h = serve(scenario, limits.clone(), tls);
        let agent = if over_tls { certificate.agent() } else { agent() };
        // A kept-alive connection, idle after its answer.
        assert_eq!(health(&h, &agent).status, 200);
        // A connection that sent nothing; on the TLS port, one mid-handshake and one whose
        // handshake is done.
        let mut silent = vec![valid(TcpStream::connect(h.address()))];
        if over_tls {
            let tcp = valid(TcpStream::connect(h.address()));
            let name = valid(rustls::pki_types::ServerName::try_from("127.0.0.1"));
            let mut client = valid(rustls::ClientConnection::new(certificate.trusted_by_client(), name));
            let mut handshaken = tcp;
            while client.is_handshaking() {
                valid(client.complete_io(&mut handshaken));
            }
            silent.push(handshaken);
        }
        std::thread::sleep(Duration::from_millis(200));
        let started = Instant::now();
        h.shutdown();
        assert!(started.elapsed() < Duration::from_secs(10), "over TLS {over_tls}: {:?}", started.elapsed());
        for mut stream in silent {
            valid(stream.set_read_timeout(Some(Duration::from_secs(10))));
            let mut rest = Vec::new();
            let _ = stream.read_to_end(&mut rest);
            assert!(!String::from_utf8_lossy(&rest).contains("HTTP/1.1"), "over TLS {over_tls}: answered at shutdown");
        }
    }
}

#[test]
fn limits_no_server_could_serve_with_are_refused_before_listening() {
    let _watchdog = watchdog("bad limits", 60);
    let runtime = valid(tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build());
    for (limits, name) in [
        (Limits { header_timeout_ms: 0, ..Limits::default() }, "header_timeout_ms"),
        (Limits { header_timeout_ms: u64::MAX, ..Limits::default() }, "header_timeout_ms"),
        (Limits { max_connections: 0, ..Limits::default() }, "max_connections"),
        (Limits { request_timeout_ms: 0, ..Limits::default() }, "request_timeout_ms"),
    ] {
        let scenario = Scenario::set_up();
        let config = ServerConfig { limits, ..ServerConfig::default() };
        let started =
            runtime.block_on(parapompi_server::start(scenario.engine().clone(), config, valid("127.0.0.1:0".parse())));
        match started {
            Err(parapompi_server::ServerError::BadLimit { limit, problem }) => {
                assert_eq!(limit, name, "{problem}");
            }
            Err(other) => panic!("{name}: {other}"),
            Ok(running) => {
                let _ = runtime.block_on(running.shutdown());
                panic!("{name}: a server started");
            }
        }
    }
}

#[test]
fn a_client_that_stops_reading_its_answers_loses_its_connection_and_its_place() {
    let _watchdog = watchdog("a client that stops reading", 120);
    let limits = Limits { max_connections: 1, request_timeout_ms: 1_000, ..Limits::default() };
    let (scenario, _) = world_with_a_case();
    let h = serve(scenario, limits, None);
    let stuck = valid(TcpStream::connect(h.address()));
    let mut writer = valid(stuck.try_clone());
    valid(writer.set_write_timeout(Some(Duration::from_secs(20))));
    // Requests pipelined and their answers never read: the writer goes on until the server,
    // its answers waiting on this client, stops taking them, then closes the connection.
    let requests = b"GET /v1/health HTTP/1.1\r\nhost: x\r\n\r\n".repeat(1000);
    let writing = std::thread::spawn(move || while writer.write_all(&requests).is_ok() {});
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(health(&h, &agent()).status, 503, "the client that reads nothing holds the one place");
    let deadline = Instant::now() + Duration::from_secs(30);
    while health(&h, &agent()).status != 200 {
        assert!(Instant::now() < deadline, "the client that reads nothing still holds the one place");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(stuck);
    let _ = writing.join();
}
