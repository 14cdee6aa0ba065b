//! `keys rotate`: replacing the deployment key of a data directory (docs/CLI.md, "Keys").

use parapompi::{DeploymentKeySource, Engine, EngineConfig, HexKey, NewDeploymentKey};
use serde_json::json;

use crate::args::{Global, KeysCommand, KeysRotateArgs};
use crate::error::CliError;
use crate::i18n::message;
use crate::output::{count_of, Out};
use crate::session::{data_dir, deployment_key_source, store_exists};

/// The variable `keys rotate --new-key-from-env` reads the new key from.
const NEW_KEY_VAR: &str = "PARAPOMPI_NEW_DEPLOYMENT_KEY";

/// Runs a `keys` command.
pub fn run(command: KeysCommand, global: &Global, out: &mut Out) -> Result<(), CliError> {
    match command {
        KeysCommand::Rotate(args) => rotate(&args, global, out),
    }
}

fn rotate(args: &KeysRotateArgs, global: &Global, out: &mut Out) -> Result<(), CliError> {
    let dir = data_dir(global);
    if !store_exists(&dir) {
        return Err(CliError::field("--data-dir", message("keys-no-store", &[("text", &dir.display().to_string())])));
    }
    let old = deployment_key_source();
    let new = match (&args.new_key_file, args.new_key_from_env) {
        (Some(file), _) => NewDeploymentKey::File(file.clone()),
        (None, true) => match std::env::var(NEW_KEY_VAR) {
            Ok(hex) => NewDeploymentKey::Hex(HexKey::new(hex)),
            Err(_) => {
                return Err(CliError::field(
                    "--new-key-from-env",
                    message("keys-variable-not-set", &[("value", NEW_KEY_VAR)]),
                ))
            }
        },
        (None, false) if matches!(old, DeploymentKeySource::InDataDir) => NewDeploymentKey::InDataDir,
        (None, false) => return Err(CliError::field("keys rotate", message("keys-new-key-outside", &[]))),
    };
    let old_from_hex = matches!(old, DeploymentKeySource::Hex(_));
    let config = EngineConfig { deployment_key: old, ..EngineConfig::default() };
    let rotated = Engine::rotate_deployment_key(&dir, config, &new)?;
    let key_file = rotated.new_key_file.as_ref().map(|path| path.display().to_string());
    out.json_line(&json!({
        "data_dir": dir.display().to_string(),
        "already_rotated": rotated.already_rotated,
        "n_person_keys": rotated.n_person_keys,
        "new_key_file": key_file,
        "removed_old_key_file": rotated.removed_old_key_file,
    }))?;
    let done = if rotated.already_rotated { "keys-rotation-finished" } else { "keys-rotated" };
    out.line(message(done, &[("what", &count_of(rotated.n_person_keys, "person_key"))]))?;
    let key_path = parapompi::deployment_key_path(&dir).display().to_string();
    if rotated.removed_old_key_file {
        out.line(message("keys-removed-old-file", &[("text", &key_path)]))?;
    }
    out.line(message("keys-old-backups", &[]))?;
    match &new {
        NewDeploymentKey::InDataDir => out.line(message("keys-new-key-in", &[("text", &key_path)])),
        NewDeploymentKey::File(path) => {
            out.line(message("keys-give-new-key-next", &[]))?;
            if old_from_hex {
                out.line("unset PARAPOMPI_DEPLOYMENT_KEY")?;
            }
            out.line(format!("export PARAPOMPI_DEPLOYMENT_KEY_FILE={}", shell_quoted(&path.display().to_string())))
        }
        NewDeploymentKey::Hex(_) => out.line(message("keys-give-new-key-variable", &[("value", NEW_KEY_VAR)])),
    }
}

/// A path as a shell reads it back: as it is when it is plain, else in single quotes.
fn shell_quoted(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c)) {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
