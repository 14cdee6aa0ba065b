//! The command line as a client of `parapompi serve`: HTTP requests with the saved token,
//! answers read back into the library's documents, and the server's problem details turned
//! into the same errors (and exit codes) as direct mode gives.
//!
//! The token comes from `PARAPOMPI_TOKEN` (an API token, for scripts), else from the session
//! `parapompi login` saved in the user's config directory ([`session_file`]), owner-only.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use parapompi::core::values::StaffId;
use parapompi::core::Rejection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::CliError;
use crate::i18n::message;

/// How long a request may wait for its answer before the client gives up (the server's own
/// request limit is shorter).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);
/// The largest answer read (a listing of a whole board or trail fits many times over).
const MAX_ANSWER_BYTES: u64 = 1 << 30;
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A login kept between commands: the server it is for, the staff member, and the token.
#[derive(Serialize, Deserialize)]
pub struct SavedSession {
    /// The server's URL, as given to `login`.
    pub server: String,
    /// The staff member logged in.
    pub staff_id: String,
    /// The session's credential id (to name it, never secret).
    pub credential_id: String,
    /// When it ends (RFC 3339).
    pub expires_at: Option<String>,
    /// The token itself.
    pub token: String,
}

impl std::fmt::Debug for SavedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedSession")
            .field("server", &self.server)
            .field("staff_id", &self.staff_id)
            .field("token", &"(secret)")
            .finish_non_exhaustive()
    }
}

/// Where `login` keeps the session: `PARAPOMPI_CONFIG_DIR`, else `$XDG_CONFIG_HOME/parapompi`,
/// else `$HOME/.config/parapompi`; the file `session.json` in it.
pub fn session_file() -> Result<PathBuf, CliError> {
    let dir = if let Some(dir) = std::env::var_os("PARAPOMPI_CONFIG_DIR") {
        PathBuf::from(dir)
    } else if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        PathBuf::from(dir).join("parapompi")
    } else if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        PathBuf::from(home).join(".config").join("parapompi")
    } else {
        return Err(CliError::Environment(message("client-no-config-dir", &[])));
    };
    Ok(dir.join("session.json"))
}

/// Saves the session, owner-only (the file 0600, its directory 0700), whole or not at all:
/// written to a new file of a random name beside it (never one that exists, nor a link),
/// synced, renamed over it, and the directory synced.
pub fn save_session(session: &SavedSession) -> Result<PathBuf, CliError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let path = session_file()?;
    let failed = |e: std::io::Error| session_error("client-cannot-save", &path, &e);
    let dir = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir).map_err(failed)?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).map_err(failed)?;
    let partial = dir.join(format!(".session.{}.partial", uuid::Uuid::new_v4().simple()));
    let text = serde_json::to_string(session).map_err(|e| CliError::Environment(e.to_string()))?;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&partial).map_err(failed)?;
    let written = file.write_all(text.as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written.and_then(|()| std::fs::rename(&partial, &path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(failed(e));
    }
    std::fs::File::open(&dir).and_then(|d| d.sync_all()).map_err(failed)?;
    Ok(path)
}

/// The saved session, if there is one.
pub fn saved_session() -> Result<Option<SavedSession>, CliError> {
    let path = session_file()?;
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            serde_json::from_str(&text).map(Some).map_err(|e| session_error("client-session-damaged", &path, &e))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(session_error("client-cannot-read-session", &path, &e)),
    }
}

/// Removes the saved session; true when there was one.
pub fn forget_session() -> Result<bool, CliError> {
    let path = session_file()?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(session_error("client-cannot-remove-session", &path, &e)),
    }
}

/// An environment error about the saved login's file: message `key` naming the file and the
/// system's reason.
fn session_error(key: &str, path: &std::path::Path, problem: &dyn std::fmt::Display) -> CliError {
    CliError::Environment(message(key, &[("text", &path.display().to_string()), ("problem", &problem.to_string())]))
}

/// A server's URL without its trailing slash, checked to be http or https.
pub fn server_url(text: &str) -> Result<String, CliError> {
    let url = text.trim().trim_end_matches('/');
    let rest = url.strip_prefix("http://").or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(url.to_owned()),
        _ => Err(CliError::field("--server", message("client-not-a-url", &[("text", &format!("{text:?}"))]))),
    }
}

/// The staff member a token belongs to (`pp1_<staff>_<credential>_<secret>`).
fn staff_of_token(token: &str) -> Option<StaffId> {
    let rest = token.strip_prefix("pp1_")?;
    let staff = rest.split('_').next()?;
    uuid::Uuid::parse_str(staff).ok().map(StaffId::new)
}

/// A connection to one server, as one staff member.
pub struct Client {
    base: String,
    token: Option<String>,
    staff_id: Option<StaffId>,
    agent: ureq::Agent,
    /// For long answers read as they come: each read is bounded, not the whole.
    stream_agent: ureq::Agent,
}

/// A TLS client configuration trusting the certificates of the PEM file `path` alone.
fn trusting(path: &std::path::Path) -> Result<Arc<rustls::ClientConfig>, CliError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |key: &str, problem: String| {
        let problem = message(key, &[("problem", &problem)]);
        CliError::field("--server-ca", format!("{}: {problem}", path.display()))
    };
    let bytes = std::fs::read(path).map_err(|e| bad("client-ca-unreadable", e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(&bytes) {
        let certificate = certificate.map_err(|e| bad("client-ca-not-pem", e.to_string()))?;
        roots.add(certificate).map_err(|e| bad("client-ca-untrusted", e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(bad("client-ca-empty", String::new()));
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| CliError::Environment(message("client-tls", &[("problem", &e.to_string())])))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl Client {
    /// A client of `server` with the token of `PARAPOMPI_TOKEN`, else of the saved login
    /// (which must be for this server); without either, only `login` can be sent. An https
    /// server's certificate is checked against the public authorities, or against `ca`
    /// (a PEM file of a municipality's own authority, or of a self-signed certificate) alone.
    pub fn new(server: &str, ca: Option<&std::path::Path>) -> Result<Client, CliError> {
        let base = server_url(server)?;
        let (token, staff_id) = match std::env::var("PARAPOMPI_TOKEN") {
            Ok(token) => {
                let staff = staff_of_token(token.trim())
                    .ok_or_else(|| CliError::field("PARAPOMPI_TOKEN", message("client-not-a-token", &[])))?;
                (Some(token.trim().to_owned()), Some(staff))
            }
            // A damaged saved login counts as none: `login` replaces it.
            Err(_) => match saved_session().ok().flatten() {
                Some(saved) if saved.server == base => {
                    let staff = staff_of_token(&saved.token);
                    (Some(saved.token), staff)
                }
                _ => (None, None),
            },
        };
        let tls = ca.map(trusting).transpose()?;
        let builder = |builder: ureq::AgentBuilder| match &tls {
            Some(config) => builder.tls_config(Arc::clone(config)),
            None => builder,
        };
        let agent = builder(ureq::AgentBuilder::new()).timeout_connect(CONNECT_TIMEOUT).timeout(ANSWER_TIMEOUT).build();
        let stream_agent =
            builder(ureq::AgentBuilder::new()).timeout_connect(CONNECT_TIMEOUT).timeout_read(ANSWER_TIMEOUT).build();
        Ok(Client { base, token, staff_id, agent, stream_agent })
    }

    /// The server's URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The staff member this client acts as: the one logged in.
    pub fn staff_id(&self) -> Result<StaffId, CliError> {
        self.staff_id.ok_or_else(|| self.not_logged_in())
    }

    fn not_logged_in(&self) -> CliError {
        CliError::Usage(message("client-not-logged-in", &[("value", &self.base)]))
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>, authenticated: bool) -> Result<String, CliError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.request(method, &url);
        if authenticated {
            let token = self.token.as_ref().ok_or_else(|| self.not_logged_in())?;
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        let answer = match body {
            Some(body) => request.set("content-type", "application/json").send_string(&body.to_string()),
            None => request.call(),
        };
        match answer {
            Ok(response) => {
                use std::io::Read;
                let mut text = String::new();
                response
                    .into_reader()
                    .take(MAX_ANSWER_BYTES + 1)
                    .read_to_string(&mut text)
                    .map_err(|e| self.server_error("client-answered-badly", &e))?;
                if u64::try_from(text.len()).unwrap_or(u64::MAX) > MAX_ANSWER_BYTES {
                    let max = MAX_ANSWER_BYTES.to_string();
                    return Err(CliError::Environment(message("client-answer-too-large", &[("max", &max)])));
                }
                Ok(text)
            }
            Err(ureq::Error::Status(status, response)) => {
                let text = response.into_string().unwrap_or_default();
                Err(problem_error(status, &text))
            }
            Err(ureq::Error::Transport(transport)) => Err(self.server_error("client-unreachable", &transport)),
        }
    }

    /// An environment error about this server: message `key` naming it and the reason.
    fn server_error(&self, key: &str, problem: &dyn std::fmt::Display) -> CliError {
        CliError::Environment(message(key, &[("value", &self.base), ("problem", &problem.to_string())]))
    }

    /// `GET path`, the body as a stream (read as it comes, however long).
    pub fn get_stream(&self, path: &str) -> Result<Box<dyn std::io::Read + Send>, CliError> {
        let url = format!("{}{path}", self.base);
        let token = self.token.as_ref().ok_or_else(|| self.not_logged_in())?;
        // A long stream has no time limit of its own: only each read waits at most as long
        // as an answer may.
        match self.stream_agent.get(&url).set("Authorization", &format!("Bearer {token}")).call() {
            Ok(response) => Ok(response.into_reader()),
            Err(ureq::Error::Status(status, response)) => {
                Err(problem_error(status, &response.into_string().unwrap_or_default()))
            }
            Err(ureq::Error::Transport(transport)) => Err(self.server_error("client-unreachable", &transport)),
        }
    }

    /// `GET path` (with its query), the body as text.
    pub fn get_text(&self, path: &str) -> Result<String, CliError> {
        self.call("GET", path, None, true)
    }

    /// `GET path`, one JSON object.
    pub fn get_json(&self, path: &str) -> Result<Value, CliError> {
        parse_json(&self.get_text(path)?)
    }

    /// `GET path`, JSON Lines.
    pub fn get_lines(&self, path: &str) -> Result<Vec<Value>, CliError> {
        self.get_text(path)?.lines().filter(|l| !l.trim().is_empty()).map(parse_json).collect()
    }

    /// `POST path` with a JSON body, one JSON object back.
    pub fn post_json(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        parse_json(&self.call("POST", path, Some(body), true)?)
    }

    /// `POST path` with a JSON body, the answer as text.
    pub fn post_text(&self, path: &str, body: &Value) -> Result<String, CliError> {
        self.call("POST", path, Some(body), true)
    }

    /// `POST path` with a JSON body, JSON Lines back.
    pub fn post_lines(&self, path: &str, body: &Value) -> Result<Vec<Value>, CliError> {
        self.post_text(path, body)?.lines().filter(|l| !l.trim().is_empty()).map(parse_json).collect()
    }

    /// `POST path` without a token (logging in, setting a password).
    pub fn post_anonymous(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        parse_json(&self.call("POST", path, Some(body), false)?)
    }
}

fn parse_json(text: &str) -> Result<Value, CliError> {
    serde_json::from_str(text)
        .map_err(|e| CliError::Environment(message("client-not-json", &[("problem", &e.to_string())])))
}

/// A problem-details answer as the error direct mode gives for the same cause: a rule's
/// refusal exit 1 with the rule's name, an id naming nothing or bad input exit 2, the
/// environment (conflicts, limits, the server failing) exit 2.
fn problem_error(status: u16, text: &str) -> CliError {
    let problem: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let detail = problem.get("detail").and_then(Value::as_str).unwrap_or(text).to_owned();
    let code = problem.get("type").and_then(Value::as_str).unwrap_or_default();
    match code {
        "rejected" => {
            let named = problem.get("rule").and_then(Value::as_str).unwrap_or_default();
            let Some(rule) = Rejection::ALL_NAMES.iter().copied().find(|n| *n == named) else {
                let named = format!("{named:?}");
                return CliError::Environment(message(
                    "client-unknown-rule",
                    &[("rule", &named), ("problem", &detail)],
                ));
            };
            // The server says "rejected by rule R: <core's sentence>", as the engine does, and
            // gives the values the refusal carries by name: the words are then the run's
            // language's, as in direct mode (core's sentence itself in English).
            let sentence = detail.strip_prefix(&format!("rejected by rule {rule}: ")).unwrap_or(&detail).to_owned();
            let words = match problem.get("arguments").and_then(Value::as_object) {
                Some(arguments) => {
                    let values: Vec<(String, String)> = arguments
                        .iter()
                        .filter_map(|(name, value)| value.as_str().map(|v| (name.clone(), v.to_owned())))
                        .collect();
                    crate::messages::rule_message(rule, &values, &sentence)
                }
                None => sentence,
            };
            match rule {
                "MissingFact" | "NotFound" => {
                    CliError::Usage(crate::i18n::message("unknown-id", &[("rule", rule), ("message", &words)]))
                }
                "MissingDetail" => {
                    CliError::Rejected { rule, message: crate::i18n::message("give-detail", &[("message", &words)]) }
                }
                _ => CliError::Rejected { rule, message: words },
            }
        }
        "not_found" | "forbidden" => CliError::Usage(detail),
        "bad_request" => match problem.get("field").and_then(Value::as_str) {
            // Named as direct mode names it: `field: problem`.
            Some(field) if !detail.starts_with(field) => CliError::field(field, detail),
            _ => CliError::Usage(detail),
        },
        "unauthenticated" => CliError::LoginRefused { detail },
        _ if status >= 500 || code == "conflict" || code == "limit" => CliError::Environment(detail),
        _ => CliError::Environment(message("client-answered", &[("value", &status.to_string()), ("problem", &detail)])),
    }
}
