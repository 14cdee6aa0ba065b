//! `parapompi serve --tls-cert FILE --tls-key FILE` through the real binary: HTTPS to a
//! client that trusts exactly the certificate made at test time, and every wrong pair of
//! flags refused (exit 2) naming its flag and file, before anything listens.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

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

#[test]
fn the_binary_serves_https_with_a_certificate_and_key_and_stops_on_sigterm() {
    let _watchdog = watchdog("serve over https through the binary", 120);
    let w = World::new();
    set_up(&w);
    let code = enrolment_code(&w, WORKER, ADMIN);
    assert_eq!(set_password(&w, &code).code, 0);
    let certificate = make_certificate(&w, "server");
    // A key others may read is served, with a warning.
    std::fs::set_permissions(&certificate.key, std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .unwrap_or_else(|e| panic!("chmod: {e}"));
    let (cert, key) = (certificate.cert.to_str().unwrap_or_default(), certificate.key.to_str().unwrap_or_default());
    let server = ServerProcess::start(&w.data(), &["--tls-cert", cert, "--tls-key", key]);
    let listening = server.seen.iter().find(|l| l.contains("address=")).cloned().unwrap_or_default();
    assert!(listening.contains("https"), "{listening}");
    let base = server.base.replacen("http://", "https://", 1);
    let agent =
        ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).tls_config(certificate.client.clone()).build();
    let call = |path: &str, token: Option<&str>, body: Option<&Value>| {
        http_json(&agent, if body.is_some() { "POST" } else { "GET" }, &format!("{base}{path}"), token, body)
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
        ureq::AgentBuilder::new().tls_config(stranger.client.clone()).build().get(&format!("{base}/v1/health")).call();
    assert!(matches!(refused, Err(ureq::Error::Transport(_))), "{refused:?}");

    // The command line as a client over HTTPS, trusting that certificate alone.
    let client = |args: &[&str], ca: Option<&std::path::Path>| {
        let mut command = parapompi();
        command.args(["--server", &base]).env("PARAPOMPI_TOKEN", &token).args(args);
        if let Some(ca) = ca {
            command.arg("--server-ca").arg(ca);
        }
        command.output().map(common::Run::from).unwrap_or_else(|e| panic!("the binary runs: {e}"))
    };
    let noted = client(&["note", CASE, "--text", "Από τη γραμμή εντολών, μέσω HTTPS."], Some(&certificate.cert));
    assert_eq!(noted.code, 0, "{}", noted.stderr);
    assert!(noted.stdout.contains("position"), "{}", noted.stdout);
    let shown = client(&["case", "show", CASE], Some(&certificate.cert));
    assert_eq!(shown.code, 0, "{}", shown.stderr);
    let untrusted = client(&["caseload"], None);
    assert_eq!(untrusted.code, 2, "a certificate no public authority signed: {}", untrusted.stdout);
    assert!(untrusted.stderr.contains("cannot reach the server"), "{}", untrusted.stderr);
    let stranger_ca = client(&["caseload"], Some(&stranger.cert));
    assert_eq!(stranger_ca.code, 2, "{}", stranger_ca.stdout);
    let not_pem = w.write("not-a-certificate.pem", "no certificate here\n");
    let bad_ca = client(&["caseload"], Some(&not_pem));
    assert_eq!(bad_ca.code, 2, "{}", bad_ca.stdout);
    assert!(bad_ca.stderr.contains("--server-ca") && bad_ca.stderr.contains("no certificate"), "{}", bad_ca.stderr);
    let head = head + 1;

    let log = server.stop();
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
