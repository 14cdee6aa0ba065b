//! Rotating the deployment key (a key suspected leaked, staff turnover), and the part of
//! every open that finishes or forgets a rotation a crash interrupted.
//!
//! Three things are kept under the deployment key: the person-key file (encrypted under a
//! key derived from it, with a check of it after its first line), the AMKA index (keyed
//! digests under it, marked with the key they were built under), and the salts the Engine
//! derives for the identity digests of new registrations ([`Engine::identity_salt`]). A
//! rotation rewrites the person-key file under the new key, whole and atomically, and the
//! AMKA index is rebuilt from the vault by the next open, which finds its mark is another
//! key's. Salts already used are kept in the vault entries, so every digest the log holds
//! stays checkable; only salts of later registrations come from the new key (a command sent
//! again across a rotation is still told a repeat, by the identity the vault holds).
//!
//! **The protocol.** The person-key file's check says which key it is kept under, and it
//! changes in one atomic rename; every other step is ordered around that one:
//!
//! 1. the new key is saved where it will be kept (a new key file, or
//!    `DATA_DIR/keys/deployment.key.next` beside the old one), synced;
//! 2. the old key's check is noted in `DATA_DIR/keys/retired-keys`, so that an open given
//!    the old key can say it was retired rather than merely wrong;
//! 3. the person-key file is rewritten under the new key (written, synced, renamed,
//!    directory synced): from here the data directory opens under the new key only;
//! 4. the data directory is opened under the new key: `deployment.key.next` is renamed over
//!    `deployment.key` (and the directory synced), the AMKA index is rebuilt;
//! 5. an old key kept in the data directory while the new one is kept elsewhere is removed.
//!
//! An open with the key kept in the data directory that finds `deployment.key.next` looks at
//! the person-key file's check: under the next key, it finishes step 4; under the current
//! one, the rotation never reached step 3 and the next key is removed; under neither,
//! nothing is touched and the open is refused. So a kill at any instant leaves a data
//! directory that opens under exactly one key. Partial files of writes a kill cut off
//! before their rename are removed on open: never whole, never read, and a person-key
//! file's might hold a key that a later erasure removes from the real one.
//!
//! A rotation works on a closed data directory rather than on an open Engine: the old key
//! is held by the person keys, the AMKA index and the salt derivation of every clone of an
//! Engine and of the commands in flight in them, and swapping it under them would need
//! each of them to take a lock on every use. Closed, the directory's lock (held from the
//! first open to the last step) keeps every other process out, so no key is appended to
//! the file while it is rewritten, and the open that ends the rotation runs the same code
//! as every open after a crash.

use std::fs;
use std::path::{Path, PathBuf};

use parapompi_core::values::BeneficiaryId;

use super::{Engine, EngineConfig};
use crate::deployment_key::{deployment_key_path, sync_dir, write_private_file, DeploymentKey};
use crate::deployment_key::{DeploymentKeySource, HexKey};
use crate::error::{EngineError, KeyError, KeyFileAction, KeyFileProblem};
use crate::fault_points::reached;
use crate::person_keys::{check_of, file_check};

/// The first line of the file of retired keys' checks.
const RETIRED_HEADER: &str = "parapompi-retired-deployment-keys v1";
/// How many retired keys the file remembers (the oldest go first): a rotation a day for
/// more than ten years.
const MAX_RETIRED_KEYS: usize = 4096;

/// Where a rotation puts the new deployment key.
#[derive(Clone, Debug)]
pub enum NewDeploymentKey {
    /// A new random key, kept in `DATA_DIR/keys/deployment.key` in place of the old one
    /// there (only when the old key is kept there too).
    InDataDir,
    /// The key in this file, or a new random key saved there (owner-only) when the file is
    /// missing. It must be outside `DATA_DIR/keys`.
    File(PathBuf),
    /// These 64 hex digits.
    Hex(HexKey),
}

/// What a rotation did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rotated {
    /// True when the person keys were already kept under the new key (a rotation that a
    /// crash interrupted after its rewrite, run again): only its last steps were done.
    pub already_rotated: bool,
    /// How many person keys the file holds under the new key.
    pub n_person_keys: usize,
    /// The file that holds the new key, if it is a file.
    pub new_key_file: Option<PathBuf>,
    /// True when `DATA_DIR/keys/deployment.key`, holding the old key, was removed because
    /// the new key is kept elsewhere.
    pub removed_old_key_file: bool,
}

/// `DATA_DIR/keys/deployment.key.next`: the new key of a rotation in progress.
fn next_key_path(dir: &Path) -> PathBuf {
    dir.join("keys").join("deployment.key.next")
}

/// `DATA_DIR/keys/retired-keys`: the checks of the keys rotations retired.
fn retired_keys_path(dir: &Path) -> PathBuf {
    dir.join("keys").join("retired-keys")
}

fn key_error(error: KeyError) -> EngineError {
    EngineError::Key(error)
}

impl Engine {
    /// Replaces the deployment key of the closed data directory `dir`: opened with `config`
    /// (whose `deployment_key` is the old key's source), its person-key file is rewritten
    /// under the new key, whole and atomically, and its AMKA index rebuilt under it (see
    /// the module's protocol: a kill at any moment leaves a directory that opens under
    /// exactly one of the two keys). From then on open it with the new key's source; a
    /// backup made before still opens with the old key only.
    ///
    /// Refused, with nothing written, when the old key does not open the directory, the
    /// new key cannot be read, is the old one or a key retired before, or `new` is
    /// [`NewDeploymentKey::InDataDir`] while the old key is kept elsewhere. Run again after
    /// a crash with the same arguments, it finishes what is left.
    pub fn rotate_deployment_key(
        dir: impl AsRef<Path>,
        config: EngineConfig,
        new: &NewDeploymentKey,
    ) -> Result<Rotated, EngineError> {
        let dir = dir.as_ref();
        let person_keys = crate::person_keys_path(dir);
        let old_in_data_dir = matches!(config.deployment_key, DeploymentKeySource::InDataDir);
        if matches!(new, NewDeploymentKey::InDataDir) && !old_in_data_dir {
            return Err(key_error(KeyError::NewKeySourceNeeded));
        }
        if let NewDeploymentKey::File(path) = new {
            refuse_file_in_keys_dir(dir, path)?;
        }
        // Nothing is written before the directory is known, the new key read, and the old
        // key found to open the directory.
        if file_check(&person_keys)?.is_none() {
            return Err(key_error(KeyError::NothingToRotate { path: person_keys.clone() }));
        }
        let given_new_key = match new {
            NewDeploymentKey::InDataDir => None,
            NewDeploymentKey::File(path) => DeploymentKey::read(path)?,
            NewDeploymentKey::Hex(hex) => Some(DeploymentKey::from_hex_key(hex)?),
        };
        let new_source = match new {
            NewDeploymentKey::InDataDir => DeploymentKeySource::InDataDir,
            NewDeploymentKey::File(path) => DeploymentKeySource::File(path.clone()),
            NewDeploymentKey::Hex(hex) => DeploymentKeySource::Hex(hex.clone()),
        };
        let new_key_file = match new {
            NewDeploymentKey::InDataDir => Some(deployment_key_path(dir)),
            NewDeploymentKey::File(path) => Some(path.clone()),
            NewDeploymentKey::Hex(_) => None,
        };
        if let (Some(new_key), Some(old_key)) = (&given_new_key, key_in(&config.deployment_key, dir)?) {
            if check_of(new_key) == check_of(&old_key) {
                return Err(same_key());
            }
        }
        let check = file_check(&person_keys)?;
        if let (Some(key), Some(check)) = (&given_new_key, check) {
            if check_of(key) == check {
                // A rotation a crash interrupted after its rewrite: its last steps again.
                let engine = Engine::open(dir, EngineConfig { deployment_key: new_source, ..config.clone() })?;
                let n_person_keys = engine.inner.vault.person_keys().len()?;
                engine.close()?;
                let removed_old_key_file = old_in_data_dir && remove_old_key_file(dir, key)?;
                return Ok(Rotated { already_rotated: true, n_person_keys, new_key_file, removed_old_key_file });
            }
        }

        let engine = Engine::open(dir, config.clone())?;
        let old_key = engine.inner.amka_index.key().clone();
        let new_key = match given_new_key {
            Some(key) => key,
            None => DeploymentKey::ephemeral()?,
        };
        if check_of(&new_key) == check_of(&old_key) {
            return Err(same_key());
        }
        if read_retired(dir)?.contains(&check_of(&new_key)) {
            return Err(key_error(KeyError::NewKeyRetired));
        }
        // 1. The new key where it will be kept.
        match new {
            NewDeploymentKey::InDataDir => new_key.save(&next_key_path(dir))?,
            NewDeploymentKey::File(path) if !path.exists() => new_key.save(path)?,
            NewDeploymentKey::File(_) | NewDeploymentKey::Hex(_) => {}
        }
        reached("rotation: new key saved, retired key not noted");
        // 2. The old key noted as retired.
        note_retired(dir, &check_of(&old_key))?;
        reached("rotation: retired key noted, person keys not rewritten");
        // 3. The person keys under the new key: the one step that moves the directory from
        // the old key to the new.
        let n_person_keys = engine.inner.vault.person_keys().rewrite_under(&new_key)?;
        reached("rotation: person keys rewritten, engine not reopened");
        engine.close()?;
        // 4. Opened under the new key: `deployment.key.next` takes the old key's place, the
        // AMKA index is rebuilt.
        Engine::open(dir, EngineConfig { deployment_key: new_source, ..config })?.close()?;
        reached("rotation: reopened under the new key, old key file not removed");
        // 5. The old key gone from the data directory, when the new one is kept elsewhere.
        let removed_old_key_file =
            old_in_data_dir && !matches!(new, NewDeploymentKey::InDataDir) && remove_old_key_file(dir, &new_key)?;
        Ok(Rotated { already_rotated: false, n_person_keys, new_key_file, removed_old_key_file })
    }

    /// True when the person-key file holds a key of the beneficiary's (false once they are
    /// erased, or before anything of theirs was stored).
    pub fn holds_person_key(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        Ok(self.inner.vault.person_keys().get(beneficiary_id)?.is_some())
    }
}

fn same_key() -> EngineError {
    key_error(KeyError::NewKeyInUse)
}

/// The key `source` gives for `dir` as it stands, without making or changing anything;
/// `None` when its file is missing.
fn key_in(source: &DeploymentKeySource, dir: &Path) -> Result<Option<DeploymentKey>, EngineError> {
    match source {
        DeploymentKeySource::InDataDir => DeploymentKey::read(&deployment_key_path(dir)),
        DeploymentKeySource::File(path) => DeploymentKey::read(path),
        DeploymentKeySource::Hex(hex) => DeploymentKey::from_hex_key(hex).map(Some),
    }
}

/// A new key's file must not be one of the data directory's own key files.
fn refuse_file_in_keys_dir(dir: &Path, path: &Path) -> Result<(), EngineError> {
    let keys_dir = fs::canonicalize(dir.join("keys")).ok();
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if keys_dir.is_some() && fs::canonicalize(parent).ok() == keys_dir {
        return Err(key_error(KeyError::NewKeyFileInside { path: path.to_owned(), keys_dir: dir.join("keys") }));
    }
    Ok(())
}

/// Removes `DATA_DIR/keys/deployment.key` when it holds a key other than `current` (the
/// old key, once the person keys are under the new one kept elsewhere); true if removed.
fn remove_old_key_file(dir: &Path, current: &DeploymentKey) -> Result<bool, EngineError> {
    let path = deployment_key_path(dir);
    match DeploymentKey::read(&path)? {
        Some(old) if check_of(&old) != check_of(current) => {
            fs::remove_file(&path).map_err(|e| KeyError::file(KeyFileAction::Remove, &path, e))?;
            sync_keys_dir(dir)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

fn sync_keys_dir(dir: &Path) -> Result<(), EngineError> {
    let keys_dir = dir.join("keys");
    sync_dir(&keys_dir).map_err(|e| KeyError::file(KeyFileAction::Sync, &keys_dir, e))
}

/// The checks of the keys rotations retired, oldest first.
fn read_retired(dir: &Path) -> Result<Vec<[u8; 32]>, EngineError> {
    let path = retired_keys_path(dir);
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(KeyError::file(KeyFileAction::Read, &path, error)),
    };
    let damaged = || KeyError::damaged(&path, KeyFileProblem::NotRetiredKeys);
    let mut lines = text.lines();
    if lines.next() != Some(RETIRED_HEADER) {
        return Err(damaged());
    }
    let mut checks = Vec::new();
    for line in lines.filter(|line| !line.is_empty()) {
        let mut check = [0u8; 32];
        if line.len() != 64 {
            return Err(damaged());
        }
        for (i, byte) in check.iter_mut().enumerate() {
            let pair = line.get(2 * i..2 * i + 2).ok_or_else(damaged)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| damaged())?;
        }
        checks.push(check);
    }
    Ok(checks)
}

fn write_retired(dir: &Path, checks: &[[u8; 32]]) -> Result<(), EngineError> {
    let path = retired_keys_path(dir);
    let mut text = format!("{RETIRED_HEADER}\n");
    for check in checks.iter().skip(checks.len().saturating_sub(MAX_RETIRED_KEYS)) {
        for byte in check {
            text.push_str(&format!("{byte:02x}"));
        }
        text.push('\n');
    }
    write_private_file(&path, text.as_bytes()).map_err(|e| KeyError::file(KeyFileAction::Write, &path, e))
}

/// Adds a key's check to the retired ones (once).
fn note_retired(dir: &Path, check: &[u8; 32]) -> Result<(), EngineError> {
    let mut checks = read_retired(dir)?;
    if !checks.contains(check) {
        checks.push(*check);
        write_retired(dir, &checks)?;
    }
    Ok(())
}

/// The deployment key an Engine opens `dir` with (`None` for a temporary store), from
/// `source`, after finishing or forgetting a rotation a crash interrupted. A key that does
/// not open the person-key file is refused here when a rotation retired it, with what to
/// do; any other wrong key is refused by the person keys' own check.
pub(crate) fn deployment_key_at_open(
    source: &DeploymentKeySource,
    dir: Option<&Path>,
    in_use: bool,
) -> Result<DeploymentKey, EngineError> {
    let Some(dir) = dir else { return DeploymentKey::from_source(source, None, in_use) };
    remove_partial_files(dir)?;
    let person_keys = crate::person_keys_path(dir);
    let check = file_check(&person_keys)?;
    let next_path = next_key_path(dir);
    if matches!(source, DeploymentKeySource::InDataDir) && next_path.exists() {
        let current_path = deployment_key_path(dir);
        let next = DeploymentKey::read(&next_path)?;
        match (check, &next) {
            (Some(check), Some(next)) if check_of(next) == check => {
                // Step 3 was done: the rotation is finished.
                reached("open: person keys under deployment.key.next, not renamed over deployment.key");
                fs::rename(&next_path, &current_path)
                    .map_err(|e| KeyError::file(KeyFileAction::Rename, &next_path, e))?;
                sync_keys_dir(dir)?;
            }
            _ => {
                // Step 3 was never done: the rotation is forgotten, but only if the current
                // key opens the person keys (or there are none yet).
                let current = DeploymentKey::read(&current_path)?;
                let opens = match (check, &current) {
                    (None, _) => true,
                    (Some(check), Some(current)) => check_of(current) == check,
                    (Some(_), None) => false,
                };
                if !opens {
                    return Err(key_error(KeyError::NeitherKey {
                        person_keys: person_keys.clone(),
                        current: current_path.clone(),
                        next: next_path.clone(),
                    }));
                }
                reached("open: person keys under deployment.key, deployment.key.next not removed");
                fs::remove_file(&next_path).map_err(|e| KeyError::file(KeyFileAction::Remove, &next_path, e))?;
                sync_keys_dir(dir)?;
            }
        }
    }
    if matches!(source, DeploymentKeySource::InDataDir)
        && check.is_some()
        && !deployment_key_path(dir).exists()
        && !read_retired(dir)?.is_empty()
    {
        return Err(key_error(KeyError::MissingAfterRotation { path: deployment_key_path(dir) }));
    }
    let key = DeploymentKey::from_source(source, Some(dir), in_use)?;
    if let Some(check) = check {
        let retired = read_retired(dir)?;
        let key_check = check_of(&key);
        if key_check != check && retired.contains(&key_check) {
            return Err(key_error(KeyError::RetiredKeyGiven { person_keys: person_keys.clone() }));
        }
        if key_check == check && retired.contains(&key_check) {
            // A rotation noted this key retired and was then forgotten (a crash before its
            // rewrite): the key is the current one, not retired.
            let kept: Vec<[u8; 32]> = retired.into_iter().filter(|c| *c != key_check).collect();
            write_retired(dir, &kept)?;
        }
    }
    Ok(key)
}

/// Removes the partial files of key-file writes a kill cut off before their rename.
fn remove_partial_files(dir: &Path) -> Result<(), EngineError> {
    let keys_dir = dir.join("keys");
    let mut removed = false;
    for name in ["person-keys.partial", "deployment.key.partial", "deployment.key.next.partial", "retired-keys.partial"]
    {
        let path = keys_dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => removed = true,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(KeyError::file(KeyFileAction::Remove, &path, error)),
        }
    }
    if removed {
        sync_keys_dir(dir)?;
    }
    Ok(())
}
