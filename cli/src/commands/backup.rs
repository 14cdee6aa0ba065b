//! `backup`, `restore` and `verify --backup`: a centre's whole data in one file, and back
//! (docs/BACKUP.md).

use parapompi::backup::{restore as restore_backup, BackupFile, LaterErasure};
use parapompi::core::values::{BeneficiaryId, StaffId};
use parapompi::DeploymentKeySource;
use serde_json::json;

use crate::args::{BackupArgs, Global, RestoreArgs, VerifyArgs};
use crate::backend::Backend;
use crate::error::CliError;
use crate::i18n::message;
use crate::output::{count, Out};
use crate::progress::Progress;
use crate::session::Ctx;

/// `backup --out FILE`: of the data directory open here (as `--as`), or through the server
/// (as the staff member logged in), an act of an administrator of the deployment's first
/// centre recorded as `BackupTaken`; written to `FILE.partial`, checked whole and renamed.
pub fn backup(ctx: &mut Ctx<'_>, args: &BackupArgs) -> Result<(), CliError> {
    if args.out.exists() && !args.force {
        return Err(CliError::field(
            "--out",
            message("error-exists-force", &[("text", &args.out.display().to_string())]),
        ));
    }
    // The earlier backup of an increment, checked whole first.
    let earlier = match &args.since {
        Some(path) => Some(
            BackupFile::open(path)
                .map_err(|e| CliError::field("--since", format!("{}: {e}", path.display())))?
                .manifest
                .header,
        ),
        None => None,
    };
    let progress = Progress::spinner(&message("progress-backup", &[]));
    let manifest = match ctx.backend {
        Backend::Direct(engine) => {
            let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
            match &earlier {
                Some(earlier) => engine.backup_since(&args.out, meta, earlier)?.manifest,
                None => engine.backup(&args.out, meta)?.manifest,
            }
        }
        Backend::Server(client) => {
            let partial = std::path::PathBuf::from(format!("{}.partial", args.out.display()));
            let path = match &earlier {
                Some(earlier) => {
                    format!("/v1/backup?since_position={}&since_head_hash={}", earlier.head_position, earlier.head_hash)
                }
                None => "/v1/backup".to_owned(),
            };
            let received = receive(client, &path, &partial);
            let checked = received.and_then(|()| Ok(BackupFile::open(&partial)?));
            match checked {
                Ok(file) => {
                    std::fs::rename(&partial, &args.out).map_err(|e| {
                        let (from, to) = (partial.display().to_string(), args.out.display().to_string());
                        CliError::Environment(message(
                            "error-cannot-rename",
                            &[("text", &from), ("value", &to), ("problem", &e.to_string())],
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
            // Each person's key and each key file (in an increment: those changed).
            ("n", &count(manifest.parts[3].items, "key")),
        ],
    ))?;
    if let Some(base) = &manifest.header.since {
        ctx.out.line(message("backup-increment", &[("position", &base.position.to_string())]))?;
    }
    Ok(())
}

/// The server's backup, into `path`, synced.
fn receive(client: &crate::client::Client, url_path: &str, path: &std::path::Path) -> Result<(), CliError> {
    let mut stream = client.get_stream(url_path)?;
    let mut file = std::fs::File::create(path)
        .map_err(|e| CliError::field("--out", file_problem("error-cannot-create", path, &e)))?;
    std::io::copy(&mut stream, &mut file)
        .map_err(|e| CliError::Environment(message("backup-cut-short", &[("problem", &e.to_string())])))?;
    file.sync_all().map_err(|e| CliError::Environment(file_problem("error-cannot-sync", path, &e)))
}

/// Message `key` about a file and the system's reason.
fn file_problem(key: &str, path: &std::path::Path, problem: &std::io::Error) -> String {
    message(key, &[("text", &path.display().to_string()), ("problem", &problem.to_string())])
}

/// `verify --backup FILE`: every part's digest and the log; with the key, the key files.
pub fn verify(args: &VerifyArgs, out: &mut Out) -> Result<(), CliError> {
    let Some(path) = &args.backup else { return Err(CliError::field("--backup", message("backup-give-file", &[]))) };
    let file = BackupFile::open(path)?;
    let key = match &args.key_file {
        Some(key_file) => DeploymentKeySource::File(key_file.clone()),
        None => crate::session::deployment_key_source(),
    };
    // The log part is checked as a bundle from a copy, in a directory of this process's own.
    let scratch = std::env::temp_dir().join(format!("parapompi-verify-backup-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| CliError::Environment(file_problem("error-cannot-create", &scratch, &e)))?;
    let keys_checked = if args.base.is_empty() {
        file.verify(&scratch, &key)
    } else {
        let chain: Vec<std::path::PathBuf> = args.base.iter().chain(std::iter::once(path)).cloned().collect();
        BackupFile::verify_chain(&chain, &scratch, &key)
    };
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
    ))?;
    if let Some(base) = &file.manifest.header.since {
        let key = if args.base.is_empty() { "backup-increment-alone" } else { "backup-increment-with-base" };
        out.line(message(key, &[("position", &base.position.to_string())]))?;
    }
    Ok(())
}

/// `restore FILE --data-dir NEW [--key-file K] [--erasures FILE [--as STAFF]]`.
pub fn restore(args: &RestoreArgs, global: &Global, out: &mut Out) -> Result<(), CliError> {
    let Some(target) = &global.data_dir else {
        return Err(CliError::field("--data-dir", message("restore-give-data-dir", &[])));
    };
    let source = crate::session::deployment_key_source();
    if args.key_file.is_none() && matches!(source, DeploymentKeySource::InDataDir) {
        return Err(CliError::field("--key-file", message("restore-give-key", &[])));
    }
    let later = match &args.erasures {
        Some(path) => erasures(path, global)?,
        None => Vec::new(),
    };
    let config = parapompi::EngineConfig {
        deployment_key: if args.key_file.is_some() { DeploymentKeySource::InDataDir } else { source },
        ..parapompi::EngineConfig::default()
    };
    let progress = Progress::spinner(&message("progress-restore", &[]));
    let restored = restore_backup(&args.files, target, config, args.key_file.as_deref(), &later)?;
    progress.finish();
    out.json_line(&serde_json::to_value(&restored).unwrap_or_default())?;
    let n = |list: &[String]| u64::try_from(list.len()).unwrap_or(u64::MAX);
    out.line(message(
        "backup-restored",
        &[
            ("text", &args.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")),
            ("value", &restored.data_dir.to_string()),
            ("position", &restored.head_position.to_string()),
            ("hash", &restored.head_hash.to_string()),
            ("what", &count(n(&restored.erased), "erased_person")),
        ],
    ))?;
    if !restored.recorded_erasures.is_empty() {
        out.line(message("restore-later-erasures", &[("what", &count(n(&restored.recorded_erasures), "erasure"))]))?;
    }
    if !restored.erased_already.is_empty() {
        out.line(message("restore-erased-already", &[("text", &restored.erased_already.join(", "))]))?;
    }
    if !restored.not_in_backup.is_empty() {
        out.line(message("restore-not-in-backup", &[("text", &restored.not_in_backup.join(", "))]))?;
    }
    Ok(())
}

/// A list of later erasures: one a line, the person's id (bare or `beneficiary-<uuid>`) and,
/// after a space, the supervisor who records the erasure again in the restored log (bare or
/// `staff-<uuid>`; else `--as`); `#` comments and blank lines skipped. Each is one act, at
/// `--at` or now.
fn erasures(path: &std::path::Path, global: &Global) -> Result<Vec<LaterErasure>, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::field("--erasures", file_problem("error-cannot-read", path, &e)))?;
    let default_by = match &global.actor {
        Some(text) => Some(
            crate::parse::uuid_of("--as", "staff", text)
                .map_err(|_| CliError::field("--as", message("restore-actor-id", &[("text", &format!("{text:?}"))])))?,
        ),
        None => None,
    };
    let occurred_at = match &global.at {
        Some(text) => crate::parse::instant("--at", text)?,
        None => {
            let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
            parapompi::core::values::Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
        }
    };
    let mut later = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |key: &str| {
            let (number, quoted) = ((n + 1).to_string(), format!("{line:?}"));
            CliError::field("--erasures", message(key, &[("n", &number), ("text", &quoted)]))
        };
        let mut fields = line.split_whitespace();
        let person = fields.next().unwrap_or_default();
        let beneficiary_id = crate::parse::uuid_of("--erasures", "beneficiary", person)
            .map(BeneficiaryId::new)
            .map_err(|_| bad("restore-line-no-person"))?;
        let by = match fields.next() {
            Some(staff) => {
                crate::parse::uuid_of("--erasures", "staff", staff).map_err(|_| bad("restore-line-no-staff"))?
            }
            None => default_by.ok_or_else(|| bad("restore-line-no-supervisor"))?,
        };
        if fields.next().is_some() {
            return Err(bad("restore-line-too-long"));
        }
        let meta = parapompi::CommandMeta {
            command_id: uuid::Uuid::now_v7(),
            acting: parapompi::Acting::Staff(StaffId::new(by)),
            occurred_at,
            business_date: parapompi::projections::athens_date(occurred_at),
        };
        later.push(LaterErasure { beneficiary_id, meta });
    }
    Ok(later)
}
