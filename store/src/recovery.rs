//! Clearing what a process killed while sled opened can leave behind, before sled opens again.
//!
//! sled 0.34.7 writes a snapshot of its page table only while it opens (`advance_snapshot`
//! in `pagecache/snapshot.rs`, when recovery got past the last snapshot's LSN): it writes
//! `snap.<lsn as 16 hex digits>.generating`, fsyncs it, renames it to `snap.<lsn>`, then
//! removes the older `snap.*` files. When it opens it reads the snapshot file whose name
//! sorts last among all `snap.*` names (those ending in `.in___motion` aside), and a file that
//! does not check is a fatal `Corruption { at: None }` rather than a reason to use an older
//! one (sled issues #1527 and #1533; the fix, #1389, was never merged). A `.generating` file
//! always sorts after the finished snapshot it would replace (its name is that name with a
//! suffix, or a greater LSN), so a kill while it was being written leaves a store that no
//! later open can read.
//!
//! Removing every `snap.*.generating` file before sled opens is safe: sled renames the file
//! once it is whole and synced, so a file still named `.generating` is one whose open never
//! finished; the snapshot it held is only a summary of sled's log up to an LSN, which sled
//! rebuilds by replaying its log from the previous snapshot (still there, since old snapshots
//! are removed only after the rename) or, with none, from the start. That replay is what the
//! killed open was doing when it wrote the file, so the next open recovers the same tree.

use std::fs::File;
use std::path::Path;

use crate::error::StoreError;

/// Removes the snapshot files an unfinished sled open left in `sled_dir`, and makes their
/// removal durable. Returns how many it removed. A missing directory (a new store) holds none.
pub(crate) fn remove_unfinished_snapshots(sled_dir: &Path) -> Result<usize, StoreError> {
    let entries = match std::fs::read_dir(sled_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(error) => return Err(StoreError::io("listing sled's directory", error)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io("listing sled's directory", e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_unfinished_snapshot(name) {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => removed += 1,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(StoreError::io("removing sled's unfinished snapshot", error)),
            }
        }
    }
    if removed > 0 {
        File::open(sled_dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StoreError::io("syncing sled's directory", e))?;
    }
    Ok(removed)
}

/// sled's name for a snapshot it has not finished writing: `snap.<lsn>.generating`.
fn is_unfinished_snapshot(name: &str) -> bool {
    name.starts_with("snap.") && name.ends_with(".generating")
}

#[cfg(test)]
mod tests {
    use super::is_unfinished_snapshot;

    #[test]
    fn only_sleds_unfinished_snapshots_are_named_unfinished() {
        assert!(is_unfinished_snapshot("snap.00000000003A1C2D.generating"));
        assert!(!is_unfinished_snapshot("snap.00000000003A1C2D"));
        assert!(!is_unfinished_snapshot("db"));
        assert!(!is_unfinished_snapshot("conf"));
        assert!(!is_unfinished_snapshot("snap.00000000003A1C2D.in___motion"));
    }
}
