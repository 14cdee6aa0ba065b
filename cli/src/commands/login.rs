//! `login` and `logout`: a session with the server of `--server`, kept between commands in
//! the user's config directory (owner-only), never printed.

use std::io::BufRead;

use parapompi::documents;
use serde_json::json;

use crate::args::LoginArgs;
use crate::client::{forget_session, save_session, Client, SavedSession};
use crate::commands::directory::staff_id;
use crate::error::CliError;
use crate::i18n::message;
use crate::output::Out;

/// The password: `PARAPOMPI_PASSWORD`, else the first line of standard input.
pub fn read_password() -> Result<parapompi::credentials::Secret, CliError> {
    if let Ok(password) = std::env::var("PARAPOMPI_PASSWORD") {
        return Ok(parapompi::credentials::Secret::new(password));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::field("password", message("login-stdin-unreadable", &[("problem", &e.to_string())])))?;
    let password = parapompi::credentials::Secret::new(line.trim_end_matches(['\r', '\n']));
    // Overwrite the bytes in place before the buffer is freed (NUL bytes keep it UTF-8).
    let zeros = "\0".repeat(line.len());
    line.replace_range(.., &zeros);
    Ok(password)
}

/// `login --staff STAFF`: a session token, saved for the commands that follow.
pub fn login(client: &Client, args: &LoginArgs, out: &mut Out) -> Result<(), CliError> {
    // An id (a UUID, staff-<UUID>), else the staff member's name, which the server resolves
    // where it checks the password.
    let by_id = staff_id("--staff", &args.staff).ok();
    let password = read_password()?;
    let body = match by_id {
        Some(staff) => json!({"staff_id": staff.to_string(), "password": password.expose()}),
        None => json!({"name": args.staff.trim(), "password": password.expose()}),
    };
    let check = if by_id.is_some() { "login-refused-id" } else { "login-refused-name" };
    let answer = client.post_anonymous("/v1/auth/login", &body).map_err(|error| match error {
        // A refused login is the person's to fix: exit 2, naming what to check.
        CliError::LoginRefused { detail } => CliError::field("--staff", message(check, &[("problem", &detail)])),
        other => other,
    })?;
    let text = |key: &str| answer.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let token = text("secret").ok_or_else(|| CliError::Environment(message("login-no-token", &[])))?;
    let session = SavedSession {
        server: client.base().to_owned(),
        staff_id: text("staff_id").or_else(|| by_id.map(|staff| staff.to_string())).unwrap_or_default(),
        credential_id: text("credential_id").unwrap_or_default(),
        expires_at: text("expires_at"),
        token,
    };
    let path = save_session(&session)?;
    let outcome =
        answer.get("result").map(documents::outcome_of_written).transpose().map_err(crate::messages::written_answer)?;
    let position = outcome.as_ref().and_then(|o| o.events.first()).map(|e| e.position);
    out.json_line(&json!({
        "server": session.server,
        "staff_id": session.staff_id,
        "credential_id": session.credential_id,
        "expires_at": session.expires_at,
        "session_file": path.display().to_string(),
        "result": answer.get("result"),
    }))?;
    out.line(message(
        "done-login",
        &[
            ("value", &session.server),
            ("staff", &session.staff_id),
            ("expires_at", session.expires_at.as_deref().unwrap_or("-")),
            ("position", &position.map_or("-".to_owned(), |p| p.to_string())),
            ("text", &path.display().to_string()),
        ],
    ))
}

/// `logout`: ends the session at the server and forgets it here.
pub fn logout(client: &Client, out: &mut Out) -> Result<(), CliError> {
    if std::env::var_os("PARAPOMPI_TOKEN").is_some() {
        return Err(CliError::field("PARAPOMPI_TOKEN", message("logout-token-from-environment", &[])));
    }
    client.staff_id()?;
    // The session is forgotten here only once the server has ended it (or says it had
    // ended): a logout that did not reach the server keeps the file, and with it the
    // credential id to revoke.
    match client.post_json("/v1/auth/logout", &json!({})) {
        Ok(answer) => {
            forget_session()?;
            let outcome = documents::outcome_of_written(&answer).map_err(crate::messages::written_answer)?;
            if out.json {
                return out.json_value(documents::written("logout", &[outcome], &[]));
            }
            let position = outcome.events.first().map_or("-".to_owned(), |e| e.position.to_string());
            out.line(message("done-logout", &[("value", client.base()), ("position", &position)]))
        }
        // A session that had ended already is forgotten all the same.
        Err(CliError::LoginRefused { .. }) => {
            forget_session()?;
            out.json_line(&json!({"server": client.base(), "ended_already": true}))?;
            out.line(message("done-logout-ended", &[("value", client.base())]))
        }
        Err(other) => Err(other),
    }
}
