//! Named points between the durable steps of the changes to the key files (a key file
//! written, a deployment key rotated, a person erased), for crash tests. A test process
//! installs a hook, which runs at every point with its name; the hook may pause the
//! process there, so that its parent kills it at exactly that step boundary (random kills
//! reach some of these windows only rarely). Without a hook a point costs one atomic load.
//!
//! The points are named by what is durable and what is not yet, for example
//! `"write person-keys: synced, not renamed"` or `"erasure: key removed, vault entry not
//! removed"`; [`POINTS`] lists every one.

use std::sync::OnceLock;

/// A hook run at every fault point, with the point's name.
pub type FaultHook = fn(&str);

static HOOK: OnceLock<FaultHook> = OnceLock::new();

/// Every fault point, by name. A key file's write has two, named after the file
/// (`deployment.key`, `deployment.key.next`, `person-keys`, `retired-keys`, or the name of
/// the file an operator gave a new key in): `"write FILE: synced, not renamed"` and
/// `"write FILE: renamed, directory not synced"`.
pub const POINTS: &[&str] = &[
    "erasure: event and mark durable, key not removed",
    "erasure: key removed, vault entry not removed",
    "erasure: vault entry removed, mark not cleared",
    "rotation: new key saved, retired key not noted",
    "rotation: retired key noted, person keys not rewritten",
    "rotation: person keys rewritten, engine not reopened",
    "rotation: reopened under the new key, old key file not removed",
    "open: person keys under deployment.key.next, not renamed over deployment.key",
    "open: person keys under deployment.key, deployment.key.next not removed",
];

/// Points in a backup's way, where a test pauses one act to take a backup beside it (not
/// crash points: nothing is killed at them).
pub const BACKUP_POINTS: &[&str] = &["credential: hash written, act not recorded"];

/// Points between the steps of a backup's and a restore's files, where the crash test of
/// backups (`tests/backup_crash.rs`) pauses a child to be killed.
pub const BACKUP_CRASH_POINTS: &[&str] = &[
    "backup: log part written, backup file not begun",
    "backup: written and synced, not renamed",
    "restore: logs imported, vault not written",
    "restore: built and verified, not renamed",
];

/// Installs the hook of this process; false if one was installed already (it stays).
pub fn set_hook(hook: FaultHook) -> bool {
    HOOK.set(hook).is_ok()
}

/// Runs the hook, if any, at the point `name`.
pub(crate) fn reached(name: &str) {
    if let Some(hook) = HOOK.get() {
        hook(name);
    }
}

/// Runs the hook, if any, at the point `"write FILE: step"` of a key file's write.
pub(crate) fn reached_at_file(step: &str, path: &std::path::Path) {
    if let Some(hook) = HOOK.get() {
        let file = path.file_name().unwrap_or_default().to_string_lossy();
        hook(&format!("write {file}: {step}"));
    }
}
