//! `keys rotate`: replacing the deployment key of a data directory (docs/CLI.md, "Keys").

use parapompi::{DeploymentKeySource, Engine, EngineConfig, HexKey, NewDeploymentKey};
use serde_json::json;

use crate::args::{Global, KeysCommand, KeysRotateArgs};
use crate::error::CliError;
use crate::output::Out;
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
        return Err(CliError::Usage(format!(
            "--data-dir: there is no store in {}; there is no key to rotate",
            dir.display()
        )));
    }
    let old = deployment_key_source();
    let new = match (&args.new_key_file, args.new_key_from_env) {
        (Some(file), _) => NewDeploymentKey::File(file.clone()),
        (None, true) => match std::env::var(NEW_KEY_VAR) {
            Ok(hex) => NewDeploymentKey::Hex(HexKey::new(hex)),
            Err(_) => {
                return Err(CliError::Usage(format!("--new-key-from-env: {NEW_KEY_VAR} is not set (64 hex digits)")))
            }
        },
        (None, false) if matches!(old, DeploymentKeySource::InDataDir) => NewDeploymentKey::InDataDir,
        (None, false) => return Err(CliError::Usage(
            "keys rotate: the deployment key comes from PARAPOMPI_DEPLOYMENT_KEY or PARAPOMPI_DEPLOYMENT_KEY_FILE, \
                 so the new one is kept outside the data directory too: give --new-key-file FILE (made there if \
                 missing) or --new-key-from-env (PARAPOMPI_NEW_DEPLOYMENT_KEY)"
                .to_owned(),
        )),
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
    let done = if rotated.already_rotated { "finished an interrupted rotation" } else { "rotated the deployment key" };
    out.line(format!(
        "{done}: {} person keys are kept under the new key, the AMKA index was rebuilt under it",
        rotated.n_person_keys
    ))?;
    if rotated.removed_old_key_file {
        out.line(format!("removed the old key file {}", parapompi::deployment_key_path(&dir).display()))?;
    }
    out.line(
        "Backups made before now open with the old key only: keep the old key as long as those backups, \
         and back up the new one apart from the data.",
    )?;
    match &new {
        NewDeploymentKey::InDataDir => {
            out.line(format!("the new key is in {}", parapompi::deployment_key_path(&dir).display()))
        }
        NewDeploymentKey::File(path) => {
            out.line("from now on, give the new key to every command:\nnext:")?;
            if old_from_hex {
                out.line("unset PARAPOMPI_DEPLOYMENT_KEY")?;
            }
            out.line(format!("export PARAPOMPI_DEPLOYMENT_KEY_FILE={}", shell_quoted(&path.display().to_string())))
        }
        NewDeploymentKey::Hex(_) => out.line(format!(
            "from now on, give the new key to every command: set PARAPOMPI_DEPLOYMENT_KEY to what {NEW_KEY_VAR} holds"
        )),
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
