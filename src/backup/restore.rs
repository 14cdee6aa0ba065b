//! Restoring a backup (and its increments) into a new data directory: every file checked
//! whole first, the directory built beside the target (the key files, the log imported with
//! the decoding check, then the vault and the credentials as they were kept: from the last
//! file that holds them whole, each later increment's changes applied, and the state they
//! leave checked against the one the last file names), opened,
//! verified against the last file's head, erasures applied (and the later ones recorded),
//! the read models rebuilt, and only then renamed into place.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::values::BeneficiaryId;
use parapompi_core::Event;
use serde::Serialize;
use zeroize::Zeroizing;

use super::{backup_error, io_error, BackupFile, KEY_FILE, PERSON_KEY};
use crate::deployment_key::{self, DeploymentKey};
use crate::engine::{CommandMeta, Engine, EngineConfig};
use crate::error::EngineError;

/// What a restore did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The data directory made.
    pub data_dir: String,
    /// The log's last position and hash, as the backup's.
    pub head_position: u64,
    /// Its hash.
    pub head_hash: String,
    /// People whose data the restore removed again: erased in the log (their data still in
    /// the backup because the erasure had not finished) or named in the list of later
    /// erasures.
    pub erased: Vec<String>,
    /// The later erasures recorded in the restored log, each as the erasure act of the
    /// supervisor the list names (so the restored log itself says they are erased): after
    /// the backup's position, in the list's order.
    pub recorded_erasures: Vec<String>,
    /// The list's people the backup's log erased already (nothing to record again).
    pub erased_already: Vec<String>,
    /// The list's people the backup does not hold (registered after it was made, or an id
    /// of another deployment): reported, nothing done.
    pub not_in_backup: Vec<String>,
}

/// A person erased after a backup was made, to be erased again in its restore: recorded as
/// the `EraseIdentity` act of `meta.acting` (core's rule: a supervisor of the person's
/// centre), at `meta`'s time and under its command id.
#[derive(Clone, Copy, Debug)]
pub struct LaterErasure {
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// The act's metadata.
    pub meta: CommandMeta,
}

/// Where a restore builds the directory before renaming it into place.
fn building_dir(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".to_owned());
    target.with_file_name(format!(".{name}.restoring"))
}

/// Restores a backup, or a full backup and its increments in order (`backups`), into
/// `target`, which must not exist or be an empty directory. Every file is checked whole
/// first, and the chain: the first a full backup, each increment continuing the backup
/// before it (its base's position and head hash are that backup's, and it is of the same
/// deployment), a gap, a wrong order or another deployment's increment refused naming the
/// file; the directory is built beside `target` (the logs imported in order; the vault, the
/// credentials and the keys as the chain leaves them: the last whole ones with every later
/// increment's changes, checked against the state the last file names), opened with
/// `config` (whose deployment key must be the one the backup was made under), verified
/// against the backup's head, its read models rebuilt, every erasure the log records and
/// every one in `later_erasures` applied (and recorded, see [`LaterErasure`]; one the
/// backup does not hold is reported in [`Restored::not_in_backup`]; one whose act is refused
/// fails the restore, naming the person), and only then renamed into place. Nothing is left
/// at `target` if any step fails.
///
/// `keep_key`, a copy of the deployment key, is for a directory that kept its key inside
/// (`DATA_DIR/keys/deployment.key`, the default): it is written there, owner-only, and
/// `config` should then name the key in the data directory.
pub fn restore(
    backups: &[PathBuf],
    target: &Path,
    config: EngineConfig,
    keep_key: Option<&Path>,
    later_erasures: &[LaterErasure],
) -> Result<Restored, EngineError> {
    if target.exists() {
        let empty = std::fs::read_dir(target).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            return Err(backup_error(
                "file",
                format!("{} is not empty: a backup is restored into a new or empty directory", target.display()),
            ));
        }
    }
    let files = backups
        .iter()
        .map(|path| BackupFile::open(path).map_err(|error| in_file(path, error)))
        .collect::<Result<Vec<_>, _>>()?;
    check_chain(&files)?;
    let building = building_dir(target);
    if building.exists() {
        std::fs::remove_dir_all(&building).map_err(|e| io_error("removing the half-built", &building, e))?;
    }
    let result = build(&files, &building, config, keep_key, later_erasures);
    match result {
        Ok(mut restored) => {
            crate::fault_points::reached("restore: built and verified, not renamed");
            // A rename onto an empty directory replaces it; anything else in the way fails it,
            // and the directory built is removed (it holds everything, the key too).
            if let Err(error) = std::fs::rename(&building, target) {
                let _ = std::fs::remove_dir_all(&building);
                return Err(io_error("renaming into", target, error));
            }
            if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
                // In place already: a failed sync of its parent is said, not taken for a failure.
                if let Err(error) = deployment_key::sync_dir(parent) {
                    eprintln!("parapompi: warning: restored, but syncing {} failed: {error}", parent.display());
                }
            }
            restored.data_dir = target.display().to_string();
            Ok(restored)
        }
        Err(error) => {
            let _ = std::fs::remove_dir_all(&building);
            Err(error)
        }
    }
}

/// A backup error of one of several files, named by its path.
pub(super) fn in_file(path: &Path, error: EngineError) -> EngineError {
    match error {
        EngineError::Backup { part, problem } => {
            EngineError::Backup { part, problem: format!("{problem} (in {})", path.display()) }
        }
        other => other,
    }
}

/// Checks that `files` are a full backup and its increments in order, each continuing the
/// one before it.
pub(super) fn check_chain(files: &[BackupFile]) -> Result<(), EngineError> {
    let chain = |problem: String| backup_error("chain", problem);
    let Some(first) = files.first() else { return Err(chain("no backup file was given".to_owned())) };
    if let Some(base) = &first.manifest.header.since {
        return Err(chain(format!(
            "{} is an increment (of the backup up to position {}): a restore starts from a full backup, then its \
             increments in order",
            first.path.display(),
            base.position
        )));
    }
    for pair in files.windows(2) {
        let (before, file) = (&pair[0], &pair[1]);
        let (was, header) = (&before.manifest.header, &file.manifest.header);
        let (name, before_name) = (file.path.display(), before.path.display());
        let Some(base) = &header.since else {
            return Err(chain(format!("{name} is a full backup: give one full backup, then its increments in order")));
        };
        if let (Some(a), Some(b)) = (&was.deployment, &header.deployment) {
            if a != b {
                return Err(chain(format!(
                    "{name} is an increment of another deployment ({b}); {before_name} is of {a}"
                )));
            }
        }
        if base.position > was.head_position {
            return Err(chain(format!(
                "a gap: {name} continues from position {}, but {before_name} ends at {}: give the increments \
                 in between, in order",
                base.position, was.head_position
            )));
        }
        if base.position < was.head_position {
            return Err(chain(format!(
                "{name} continues from position {}, before the end of {before_name} at {}: the increments are \
                 out of order, or one belongs to another chain",
                base.position, was.head_position
            )));
        }
        if base.head_hash != was.head_hash {
            return Err(chain(format!(
                "{name} continues another history: at position {} its base has the hash {}, {before_name} has \
                 {} (an increment of another deployment, or of another backup)",
                base.position, base.head_hash, was.head_hash
            )));
        }
        if let Some(state) = base.state.as_ref().filter(|state| was.state.as_ref() != Some(*state)) {
            return Err(chain(format!(
                "{name} holds the changes since the state {state}, but {before_name} leaves {}: it is an \
                 increment of another backup at the same position",
                was.state.as_deref().unwrap_or("none named (a backup of format 2 or earlier)")
            )));
        }
    }
    Ok(())
}

fn build(
    files: &[BackupFile],
    dir: &Path,
    config: EngineConfig,
    keep_key: Option<&Path>,
    later_erasures: &[LaterErasure],
) -> Result<Restored, EngineError> {
    let Some(file) = files.last() else { return Err(backup_error("chain", "no backup file was given")) };
    let header = &file.manifest.header;
    std::fs::create_dir_all(dir.join("keys")).map_err(|e| io_error("creating", dir, e))?;
    for each in files {
        each.verify_with(dir, None).map_err(|error| in_file(&each.path, error))?;
    }
    if let Some(key_file) = keep_key {
        let key = DeploymentKey::read(key_file)?
            .ok_or_else(|| backup_error("keys", format!("{} holds no deployment key", key_file.display())))?;
        key.save(&crate::deployment_key_path(dir))?;
    }
    // The vault, the credentials and the keys the chain leaves, checked against the last
    // file's state; the key files first (the person keys under the deployment key the config
    // gives).
    let key = DeploymentKey::from_source(&config.deployment_key, Some(dir), true)?;
    let [vault, credentials, keys] = super::chain_state(files, &key)?;
    let mut person_keys = HashMap::new();
    for (name, bytes) in keys {
        let bytes = Zeroizing::new(bytes);
        if let Some(id) = name.strip_prefix(PERSON_KEY) {
            let id = uuid::Uuid::from_slice(id).map_err(|_| backup_error("keys", "names a person by no id"))?;
            let mut key = Zeroizing::new([0u8; 32]);
            if bytes.len() != key.len() {
                return Err(backup_error("keys", format!("the key of beneficiary-{id} is not 32 bytes")));
            }
            key.copy_from_slice(&bytes);
            person_keys.insert(BeneficiaryId::new(id), key);
            continue;
        }
        let name = name.strip_prefix(KEY_FILE).map(|n| String::from_utf8(n.to_vec()));
        let Some(Ok(name)) = name else { return Err(backup_error("keys", "names a key that is no file's")) };
        if name.contains('/') || name.starts_with('.') || name.starts_with("deployment.key") {
            return Err(backup_error("keys", format!("names a file it may not hold: {name:?}")));
        }
        deployment_key::write_private_file(&dir.join("keys").join(&name), &bytes)
            .map_err(|e| io_error("writing", &dir.join("keys").join(&name), e))?;
    }
    // Format 3 carries each person's key (earlier formats the person-key file, by name).
    if header.format_version >= 3 {
        crate::person_keys::write_person_keys(&crate::person_keys_path(dir), &key, person_keys)?;
    }
    // The log, then the vault and the credentials as they were kept: the Engine's open
    // after them finds each person's stream for the AMKA index it rebuilds.
    {
        let store = parapompi_store::Store::open(dir, config.store.clone())?;
        // Each file's log in order: each import joins the head the one before left.
        for each in files.iter().filter(|f| f.manifest.header.head_position >= f.manifest.header.first_position()) {
            let log = dir.join("backup-log.bundle");
            each.extract_log(&log)?;
            let offset = {
                let mut reader = BufReader::new(File::open(&log).map_err(|e| io_error("reading", &log, e))?);
                crate::bundle::read_manifest_line(&mut reader).map_err(|(_, p)| backup_error("log", p))?.1
            };
            store.import_frames_checked(&log, offset, crate::engine::decodable)?;
            let _ = std::fs::remove_file(&log);
        }
        crate::fault_points::reached("restore: logs imported, vault not written");
        for (tree_name, part, entries) in [
            (crate::vault::VAULT_TREE, "vault", vault),
            (crate::credentials::CREDENTIALS_TREE, "credentials", credentials),
        ] {
            let tree = store.auxiliary_tree(tree_name)?;
            for (k, v) in entries {
                tree.insert(k, v).map_err(|e| backup_error(part, format!("cannot be written: {e}")))?;
            }
        }
        store.sync()?;
        store.close()?;
    }
    let engine = Engine::open(dir, config)?;
    let head = engine.store().head();
    if head.position != header.head_position || head.hash.to_hex() != header.head_hash {
        return Err(backup_error("log", "the restored log does not end where the backup's header says"));
    }
    engine.store().verify()?;
    let mut erased = Vec::new();
    let erased_before = erased_in_log(&engine)?;
    for beneficiary_id in &erased_before {
        if engine.remove_personal_data(*beneficiary_id)? {
            erased.push(beneficiary_id.stream_id());
        }
    }
    let (mut recorded_erasures, mut erased_already, mut not_in_backup) = (Vec::new(), Vec::new(), Vec::new());
    for later in later_erasures {
        let id = later.beneficiary_id.stream_id();
        if erased_before.contains(&later.beneficiary_id) {
            erased_already.push(id);
            continue;
        }
        let stream = parapompi_store::StreamId::new(id.clone())?;
        if engine.store().stream_version(&stream)? == 0 {
            not_in_backup.push(id);
            continue;
        }
        let held = engine.identity(later.beneficiary_id)?.is_some();
        engine.erase_identity(later.beneficiary_id, later.meta).map_err(|error| {
            backup_error("erasures", format!("the erasure of {id} is refused ({error}); nothing was restored"))
        })?;
        if held {
            erased.push(id.clone());
        }
        recorded_erasures.push(id);
    }
    engine.rebuild()?;
    engine.close()?;
    Ok(Restored {
        data_dir: String::new(),
        head_position: header.head_position,
        head_hash: header.head_hash.clone(),
        erased,
        recorded_erasures,
        erased_already,
        not_in_backup,
    })
}

/// Everyone whose identity the log records as erased.
fn erased_in_log(engine: &Engine) -> Result<Vec<BeneficiaryId>, EngineError> {
    let mut erased = Vec::new();
    for record in engine.store().iter_from(1) {
        let record = record?;
        if record.event_type.as_str() != "IdentityErased" {
            continue;
        }
        if let Event::Beneficiary(BeneficiaryEvent::IdentityErased { .. }) = crate::decode(&record)?.event {
            if let Some(id) =
                record.stream_id.as_str().strip_prefix("beneficiary-").and_then(|u| uuid::Uuid::parse_str(u).ok())
            {
                erased.push(BeneficiaryId::new(id));
            }
        }
    }
    Ok(erased)
}
