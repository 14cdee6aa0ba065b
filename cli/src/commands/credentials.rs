//! Credentials, in direct mode or through the server: enrolment codes, setting a password, API tokens, revoking;
//! and `serve`, which hands the data directory to the HTTP server.

use parapompi::core::credential::{CredentialId, CredentialKind};
use parapompi::credentials::{CredentialError, Credentials, PasswordHashing};
use parapompi::documents::{self, WriteOutcome};
use parapompi::projections::athens_date;
use parapompi::{CommandMeta, Engine};
use serde_json::{json, Value};

use crate::args::{ServeArgs, StaffApiTokenArgs, StaffEnrolArgs, StaffRevokeArgs, StaffSetPasswordArgs};
use crate::backend::Backend;
use crate::error::CliError;
use crate::i18n::message;
use crate::parse;
use crate::session::Ctx;

const HOUR_MS: i64 = 3_600_000;

/// A credential error as the command line reports it: a bad code or password is a usage
/// error (exit 2), a rule's refusal exit 1.
fn cli_error(field: &str, error: CredentialError) -> CliError {
    match error {
        CredentialError::Engine(e) => e.into(),
        CredentialError::BadPassword(why) => CliError::field("password", why),
        CredentialError::Unauthenticated(why) | CredentialError::LoginFailed(why) => CliError::field(field, why),
        CredentialError::Store(why) => CliError::Environment(message("error-credential-store", &[("problem", &why)])),
    }
}

fn credentials(engine: &Engine) -> Result<Credentials, CliError> {
    Credentials::open(engine, PasswordHashing::default()).map_err(|e| cli_error("credentials", e))
}

fn issue(ctx: &mut Ctx<'_>, command: &str, text: &str, kind: CredentialKind, lifetime_ms: i64) -> Result<(), CliError> {
    let staff_id = crate::resolve::staff(ctx, "STAFF", text)?;
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let document = match ctx.backend {
        Backend::Direct(engine) => {
            let issued =
                credentials(engine)?.issue(staff_id, kind, lifetime_ms, meta).map_err(|e| cli_error("STAFF", e))?;
            documents::issued(command, &issued)
        }
        Backend::Server(client) => {
            let mut answer = client.post_json(
                "/v1/credentials",
                &json!({
                    "staff_id": staff_id.to_string(),
                    "kind": kind.as_str(),
                    "valid_for_s": lifetime_ms / 1000,
                    "command_id": meta.command_id.to_string(),
                    "at": parapompi::instant::format_instant(meta.occurred_at),
                }),
            )?;
            // The server names the act by its endpoint; the command line by its command.
            if let Some(result) = answer.get_mut("result").and_then(Value::as_object_mut) {
                result.insert("command".to_owned(), json!(command));
            }
            answer
        }
    };
    if ctx.out.json {
        return ctx.out.json_value(document);
    }
    let text = |key: &str| document.get(key).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let position = document["result"]["events"][0]["position"].as_u64().unwrap_or_default();
    ctx.out.line(crate::i18n::message(
        &format!("done-issued-{}", kind.as_str()),
        &[
            ("credential", &text("credential_id")),
            ("staff", &staff_id.to_string()),
            ("expires_at", &text("expires_at")),
            ("position", &position.to_string()),
        ],
    ))?;
    ctx.out.line(text("secret"))
}

/// `staff enrol STAFF [--valid-hours N]`.
pub fn enrol(ctx: &mut Ctx<'_>, args: StaffEnrolArgs) -> Result<(), CliError> {
    issue(ctx, "staff enrol", &args.staff, CredentialKind::Enrolment, i64::from(args.valid_hours) * HOUR_MS)
}

/// `staff api-token STAFF [--valid-days N]`.
pub fn api_token(ctx: &mut Ctx<'_>, args: StaffApiTokenArgs) -> Result<(), CliError> {
    issue(ctx, "staff api-token", &args.staff, CredentialKind::ApiToken, i64::from(args.valid_days) * 24 * HOUR_MS)
}

/// `staff set-password --code CODE`: the password from PARAPOMPI_PASSWORD, else the first
/// line of standard input. The code names the staff member, who is the actor.
pub fn set_password(ctx: &mut Ctx<'_>, args: StaffSetPasswordArgs) -> Result<(), CliError> {
    let password = crate::commands::login::read_password()?;
    let (command_id, occurred_at) = (ctx.command_id()?, ctx.occurred_at()?);
    let executed: WriteOutcome = match ctx.backend {
        Backend::Direct(engine) => credentials(engine)?
            .set_password(&args.code, password.expose(), |acting| CommandMeta {
                command_id,
                acting,
                occurred_at,
                business_date: athens_date(occurred_at),
            })
            .map_err(|e| cli_error("--code", e))?
            .into(),
        Backend::Server(client) => {
            let answer = client
                .post_anonymous(
                    "/v1/auth/password",
                    &json!({
                        "code": args.code,
                        "password": password.expose(),
                        "command_id": command_id.to_string(),
                        "at": parapompi::instant::format_instant(occurred_at),
                    }),
                )
                .map_err(|error| match error {
                    CliError::LoginRefused { detail } => CliError::field("--code", detail),
                    other => other,
                })?;
            documents::outcome_of_written(&answer).map_err(crate::messages::written_answer)?
        }
    };
    let staff = executed.events.first().map(|r| r.stream_id.clone()).unwrap_or_default();
    ctx.written(
        "staff set-password",
        &[executed],
        &[],
        &crate::i18n::message("done-password-set", &[("staff", &staff)]),
    )
}

/// `staff revoke-credential STAFF CREDENTIAL`.
pub fn revoke(ctx: &mut Ctx<'_>, args: StaffRevokeArgs) -> Result<(), CliError> {
    let staff_id = crate::resolve::staff(ctx, "STAFF", &args.staff)?;
    let credential_id = CredentialId::new(parse::uuid_of("CREDENTIAL", "credential", &args.credential)?);
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let executed: WriteOutcome = match ctx.backend {
        Backend::Direct(engine) => credentials(engine)?
            .revoke(staff_id, credential_id, false, meta)
            .map_err(|e| cli_error("CREDENTIAL", e))?
            .into(),
        Backend::Server(client) => {
            let answer = client.post_json(
                "/v1/credentials/revoke",
                &json!({
                    "staff_id": staff_id.to_string(),
                    "credential_id": credential_id.to_string(),
                    "command_id": meta.command_id.to_string(),
                    "at": parapompi::instant::format_instant(meta.occurred_at),
                }),
            )?;
            documents::outcome_of_written(&answer).map_err(crate::messages::written_answer)?
        }
    };
    ctx.written(
        "staff revoke-credential",
        &[executed],
        &[("staff_id", staff_id.to_string()), ("credential_id", credential_id.to_string())],
        &crate::i18n::message("done-credential-revoked", &[]),
    )
}

/// `serve --listen ADDR [--tls-cert FILE --tls-key FILE]`: holds the Engine and serves the
/// HTTP API (HTTPS with a certificate) until SIGTERM or SIGINT.
pub fn serve(engine: Engine, args: ServeArgs) -> Result<(), CliError> {
    let listen: std::net::SocketAddr = args.listen.parse().map_err(|_| {
        CliError::field("--listen", message("error-not-an-address", &[("text", &format!("{:?}", args.listen))]))
    })?;
    use std::io::IsTerminal;
    parapompi_server::install_log(std::io::stderr, std::io::stderr().is_terminal());
    let tls = tls_config(args.tls_cert.as_deref(), args.tls_key.as_deref())?;
    let config = parapompi_server::ServerConfig {
        session_lifetime_ms: i64::from(args.session_hours) * HOUR_MS,
        limits: parapompi_server::Limits {
            max_body_bytes: args.max_body_bytes,
            request_timeout_ms: args.request_timeout_s.saturating_mul(1000),
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            header_timeout_ms: args.header_timeout_s.saturating_mul(1000),
            ..parapompi_server::Limits::default()
        },
        tls,
        ..parapompi_server::ServerConfig::default()
    };
    if let Some(dir) = &args.checkpoint_dir {
        if !dir.is_dir() {
            let dir = dir.display().to_string();
            return Err(CliError::field("--checkpoint-dir", message("error-not-a-directory", &[("text", &dir)])));
        }
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Environment(message("error-no-runtime", &[("problem", &e.to_string())])))?;
    if let Some(dir) = args.checkpoint_dir.clone() {
        let every = std::time::Duration::from_secs(args.checkpoint_every_hours.saturating_mul(3600));
        runtime.spawn(crate::commands::trust::write_checkpoints(engine.clone(), dir, every));
    }
    // The checkpoints' task ends with the runtime, when the server has stopped.
    runtime
        .block_on(parapompi_server::serve(engine, config, listen))
        .map_err(|e| CliError::Environment(format!("serve: {e}")))
}

/// `--tls-cert FILE --tls-key FILE`, both or neither, read and checked before anything
/// listens: each problem names its flag and its file.
fn tls_config(
    certificate: Option<&std::path::Path>,
    key: Option<&std::path::Path>,
) -> Result<Option<parapompi_server::TlsConfig>, CliError> {
    let (certificate, key) = match (certificate, key) {
        (None, None) => return Ok(None),
        (Some(certificate), Some(key)) => (certificate, key),
        (Some(_), None) => return Err(CliError::field("--tls-key", message("error-tls-key-missing", &[]))),
        (None, Some(_)) => return Err(CliError::field("--tls-cert", message("error-tls-cert-missing", &[]))),
    };
    parapompi_server::TlsConfig::from_pem_files(certificate, key).map(Some).map_err(|error| {
        let flag = match error.file() {
            parapompi_server::TlsFile::Certificate => "--tls-cert",
            parapompi_server::TlsFile::Key => "--tls-key",
        };
        CliError::field(flag, tls_problem(&error))
    })
}

/// A certificate's or key's problem in the run's language (the server's `Display` stays
/// English for embedders).
fn tls_problem(error: &parapompi_server::TlsError) -> String {
    use parapompi_server::{TlsError as E, TlsFile};
    let file = |file: &TlsFile| match file {
        TlsFile::Certificate => message("tls-certificate-file", &[]),
        TlsFile::Key => message("tls-key-file", &[]),
    };
    let shown = |path: &std::path::Path| path.display().to_string();
    match error {
        E::Unreadable { file: which, path, source } => message(
            "tls-unreadable",
            &[("what", &file(which)), ("text", &shown(path)), ("problem", &source.to_string())],
        ),
        E::TooLarge { file: which, path } => message(
            "tls-too-large",
            &[
                ("what", &file(which)),
                ("text", &shown(path)),
                ("max", &parapompi_server::MAX_PEM_FILE_BYTES.to_string()),
            ],
        ),
        E::BadPem { file: which, path, problem } => {
            message("tls-bad-pem", &[("what", &file(which)), ("text", &shown(path)), ("problem", problem)])
        }
        E::NoCertificate { path } => message("tls-no-certificate", &[("text", &shown(path))]),
        E::NoKey { path, encrypted: false } => message("tls-no-key", &[("text", &shown(path))]),
        E::NoKey { path, encrypted: true } => message("tls-no-key-encrypted", &[("text", &shown(path))]),
        E::SeveralKeys { path, n_keys } => {
            message("tls-several-keys", &[("text", &shown(path)), ("n", &n_keys.to_string())])
        }
        E::BadCertificate { path, problem } => {
            message("tls-bad-certificate", &[("text", &shown(path)), ("problem", problem)])
        }
        E::BadKey { path, problem } => message("tls-bad-key", &[("text", &shown(path)), ("problem", problem)]),
        E::KeyMismatch { certificate_path, key_path } => {
            message("tls-key-mismatch", &[("text", &shown(key_path)), ("value", &shown(certificate_path))])
        }
    }
}
