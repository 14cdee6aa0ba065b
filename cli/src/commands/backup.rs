//! `backup`, `restore` and `verify --backup`: a centre's whole data in one file, and back
//! (docs/BACKUP.md).

use parapompi::backup::{restore as restore_backup, BackupFile};
use parapompi::core::values::BeneficiaryId;
use parapompi::DeploymentKeySource;
use serde_json::json;

use crate::args::{BackupArgs, Global, RestoreArgs, VerifyArgs};
use crate::backend::Backend;
use crate::error::CliError;
use crate::i18n::message;
use crate::output::{count, Out};
use crate::progress::Progress;
use crate::session::Ctx;

/// `backup --out FILE`: of the data directory open here, or through the server (its
/// administrators), written to `FILE.partial`, checked whole and renamed.
pub fn backup(ctx: &mut Ctx<'_>, args: &BackupArgs) -> Result<(), CliError> {
    if args.out.exists() && !args.force {
        return Err(CliError::field("--out", format!("{} exists; give --force to replace it", args.out.display())));
    }
    let progress = Progress::spinner("writing the backup");
    let manifest = match ctx.backend {
        Backend::Direct(engine) => {
            let at = ctx.occurred_at()?;
            engine.backup(&args.out, parapompi::store::Timestamp::from_unix_ms(at.unix_ms()))?
        }
        Backend::Server(client) => {
            let partial = std::path::PathBuf::from(format!("{}.partial", args.out.display()));
            let received = receive(client, &partial);
            let checked = received.and_then(|()| Ok(BackupFile::open(&partial)?));
            match checked {
                Ok(file) => {
                    std::fs::rename(&partial, &args.out).map_err(|e| {
                        CliError::Environment(format!(
                            "cannot rename {} to {}: {e}",
                            partial.display(),
                            args.out.display()
                        ))
                    })?;
                    file.manifest
                }
                Err(error) => {
                    let _ = std::fs::remove_file(&partial);
                    return Err(error);
                }
            }
        }
    };
    progress.finish();
    ctx.out.json_line(
        &json!({"file": args.out.display().to_string(), "header": manifest.header, "parts": manifest.parts}),
    )?;
    ctx.out.line(message(
        "backup-written",
        &[
            ("text", &args.out.display().to_string()),
            ("position", &manifest.header.head_position.to_string()),
            ("hash", &manifest.header.head_hash.to_string()),
            ("what", &count(manifest.parts[1].items, "entry")),
            ("value", &count(manifest.parts[2].items, "credential_entry")),
            ("n", &count(manifest.parts[3].items, "key_file")),
        ],
    ))
}

/// The server's backup, into `path`, synced.
fn receive(client: &crate::client::Client, path: &std::path::Path) -> Result<(), CliError> {
    let mut stream = client.get_stream("/v1/backup")?;
    let mut file = std::fs::File::create(path)
        .map_err(|e| CliError::field("--out", format!("cannot create {}: {e}", path.display())))?;
    std::io::copy(&mut stream, &mut file)
        .map_err(|e| CliError::Environment(format!("the backup was cut short: {e}")))?;
    file.sync_all().map_err(|e| CliError::Environment(format!("cannot sync {}: {e}", path.display())))
}

/// `verify --backup FILE`: every part's digest and the log; with the key, the key files.
pub fn verify(args: &VerifyArgs, out: &mut Out) -> Result<(), CliError> {
    let Some(path) = &args.backup else { return Err(CliError::field("--backup", "give the backup file")) };
    let file = BackupFile::open(path)?;
    let key = match &args.key_file {
        Some(key_file) => DeploymentKeySource::File(key_file.clone()),
        None => crate::session::deployment_key_source(),
    };
    // The log part is checked as a bundle from a copy, in a directory of this process's own.
    let scratch = std::env::temp_dir().join(format!("parapompi-verify-backup-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| CliError::Environment(format!("cannot make {}: {e}", scratch.display())))?;
    let keys_checked = file.verify(&scratch, &key);
    let _ = std::fs::remove_dir_all(&scratch);
    let keys_checked = keys_checked?;
    out.json_line(&json!({"ok": true, "file": path.display().to_string(), "keys_checked": keys_checked,
        "header": file.manifest.header, "parts": file.manifest.parts}))?;
    out.line(message(
        if keys_checked { "backup-verifies-keys" } else { "backup-verifies" },
        &[
            ("position", &file.manifest.header.head_position.to_string()),
            ("hash", &file.manifest.header.head_hash.to_string()),
        ],
    ))
}

/// `restore FILE --data-dir NEW [--key-file K] [--erasures FILE]`.
pub fn restore(args: &RestoreArgs, global: &Global, out: &mut Out) -> Result<(), CliError> {
    let Some(target) = &global.data_dir else {
        return Err(CliError::field("--data-dir", "name the new data directory to restore into (or PARAPOMPI_DATA)"));
    };
    let source = crate::session::deployment_key_source();
    if args.key_file.is_none() && matches!(source, DeploymentKeySource::InDataDir) {
        return Err(CliError::field(
            "--key-file",
            "the deployment key is never in a backup: give a copy of the key the data directory was made with \
             (--key-file FILE), or name it with PARAPOMPI_DEPLOYMENT_KEY_FILE or PARAPOMPI_DEPLOYMENT_KEY",
        ));
    }
    let later = match &args.erasures {
        Some(path) => erasures(path)?,
        None => Vec::new(),
    };
    let config = parapompi::EngineConfig {
        deployment_key: if args.key_file.is_some() { DeploymentKeySource::InDataDir } else { source },
        ..parapompi::EngineConfig::default()
    };
    let progress = Progress::spinner("restoring");
    let restored = restore_backup(&args.file, target, config, args.key_file.as_deref(), &later)?;
    progress.finish();
    out.json_line(&serde_json::to_value(&restored).unwrap_or_default())?;
    out.line(message(
        "backup-restored",
        &[
            ("text", &args.file.display().to_string()),
            ("value", &restored.data_dir.to_string()),
            ("position", &restored.head_position.to_string()),
            ("hash", &restored.head_hash.to_string()),
            ("what", &count(u64::try_from(restored.erased.len()).unwrap_or(u64::MAX), "erased_person")),
        ],
    ))
}

/// The ids of a list of later erasures: one a line (bare or `beneficiary-<uuid>`), `#`
/// comments and blank lines skipped.
fn erasures(path: &std::path::Path) -> Result<Vec<BeneficiaryId>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::field("--erasures", format!("cannot read {}: {e}", path.display())))?;
    text.lines()
        .enumerate()
        .map(|(n, line)| (n, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(n, line)| {
            crate::parse::uuid_of("--erasures", "beneficiary", line)
                .map(BeneficiaryId::new)
                .map_err(|_| CliError::field("--erasures", format!("line {}: {line:?} is not a person's id", n + 1)))
        })
        .collect()
}
