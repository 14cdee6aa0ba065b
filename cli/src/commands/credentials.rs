//! Credentials in direct mode: enrolment codes, setting a password, API tokens, revoking;
//! and `serve`, which hands the data directory to the HTTP server.

use std::io::BufRead;

use parapompi::core::credential::{CredentialId, CredentialKind};
use parapompi::credentials::{CredentialError, Credentials, PasswordHashing};
use parapompi::documents;
use parapompi::projections::athens_date;
use parapompi::{CommandMeta, Engine};

use crate::args::{ServeArgs, StaffApiTokenArgs, StaffEnrolArgs, StaffRevokeArgs, StaffSetPasswordArgs};
use crate::commands::directory::staff_id;
use crate::error::CliError;
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
        CredentialError::Store(why) => CliError::Environment(format!("credential store: {why}")),
    }
}

fn credentials(engine: &Engine) -> Result<Credentials, CliError> {
    Credentials::open(engine, PasswordHashing::default()).map_err(|e| cli_error("credentials", e))
}

fn issue(ctx: &mut Ctx<'_>, command: &str, text: &str, kind: CredentialKind, lifetime_ms: i64) -> Result<(), CliError> {
    let staff_id = staff_id("STAFF", text)?;
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let issued =
        credentials(ctx.engine)?.issue(staff_id, kind, lifetime_ms, meta).map_err(|e| cli_error("STAFF", e))?;
    if ctx.out.json {
        return ctx.out.json_value(documents::issued(command, &issued));
    }
    let until = issued.expires_at.map(parapompi::instant::format_instant).unwrap_or_default();
    let position = issued.executed.events.first().map(|r| r.position).unwrap_or_default();
    ctx.out.line(format!(
        "{} {} for staff member {staff_id}, valid until {until} (position {position}); it is shown only this once:",
        kind.as_str().replace('_', " "),
        issued.credential_id
    ))?;
    ctx.out.line(issued.secret.expose())
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
    let password = match std::env::var("PARAPOMPI_PASSWORD") {
        Ok(password) => parapompi::credentials::Secret::new(password),
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| CliError::field("password", format!("cannot read standard input: {e}")))?;
            let password = parapompi::credentials::Secret::new(line.trim_end_matches(['\r', '\n']));
            zeroize_string(&mut line);
            password
        }
    };
    let (command_id, occurred_at) = (ctx.command_id()?, ctx.occurred_at()?);
    let executed = credentials(ctx.engine)?
        .set_password(&args.code, password.expose(), |acting| CommandMeta {
            command_id,
            acting,
            occurred_at,
            business_date: athens_date(occurred_at),
        })
        .map_err(|e| cli_error("--code", e))?;
    let staff = executed.events.first().map(|r| r.stream_id.clone()).unwrap_or_default();
    ctx.written(
        "staff set-password",
        &[executed],
        &[],
        &format!("password set for {staff}; earlier passwords and tokens revoked"),
    )
}

fn zeroize_string(text: &mut String) {
    // Overwrite the bytes in place before the buffer is freed (NUL bytes keep it UTF-8).
    let zeros = "\0".repeat(text.len());
    text.replace_range(.., &zeros);
}

/// `staff revoke-credential STAFF CREDENTIAL`.
pub fn revoke(ctx: &mut Ctx<'_>, args: StaffRevokeArgs) -> Result<(), CliError> {
    let staff_id = staff_id("STAFF", &args.staff)?;
    let credential_id = CredentialId::new(parse::uuid_of("CREDENTIAL", "credential", &args.credential)?);
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let executed = credentials(ctx.engine)?
        .revoke(staff_id, credential_id, false, meta)
        .map_err(|e| cli_error("CREDENTIAL", e))?;
    ctx.written(
        "staff revoke-credential",
        &[executed],
        &[("staff_id", staff_id.to_string()), ("credential_id", credential_id.to_string())],
        "credential revoked",
    )
}

/// After a deactivation: the secrets of the credentials it revoked go too.
pub fn forget_revoked(engine: &Engine, staff: parapompi::core::values::StaffId) -> Result<(), CliError> {
    credentials(engine)?.forget_revoked(staff).map_err(|e| cli_error("STAFF", e))
}

/// `serve --listen ADDR`: holds the Engine and serves the HTTP API until SIGTERM or SIGINT.
pub fn serve(engine: Engine, args: ServeArgs) -> Result<(), CliError> {
    let listen: std::net::SocketAddr = args.listen.parse().map_err(|_| {
        CliError::field("--listen", format!("{:?} is not an address such as 127.0.0.1:8080", args.listen))
    })?;
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        // A log line that cannot be written is dropped: reporting it would print to the same
        // closed standard error, which panics and takes the request that logged it down.
        .log_internal_errors(false)
        .try_init();
    let config = parapompi_server::ServerConfig {
        session_lifetime_ms: i64::from(args.session_hours) * HOUR_MS,
        limits: parapompi_server::Limits {
            max_body_bytes: args.max_body_bytes,
            request_timeout_ms: args.request_timeout_s.saturating_mul(1000),
            max_connections: usize::try_from(args.max_connections).unwrap_or(usize::MAX),
            ..parapompi_server::Limits::default()
        },
        ..parapompi_server::ServerConfig::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Environment(format!("cannot start the server's runtime: {e}")))?;
    runtime
        .block_on(parapompi_server::serve(engine, config, listen))
        .map_err(|e| CliError::Environment(format!("serve: {e}")))
}
