//! Clearing what a process killed, or a power cut, while sled opened can leave behind, before
//! sled opens again.
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
//!
//! sled also writes its configuration file, `conf` (its settings, then their CRC-32, in two
//! writes), when it creates a database, and never syncs it. A power cut before the store
//! synced it can leave the settings without their CRC; sled then fails its checksum and
//! refuses every open ("corruption at None", again). The store syncs `conf` on every open
//! before it acknowledges any append ([`crate::durability::Syncer::new`]), so a `conf` that
//! fails its CRC was written by an open that never acknowledged anything: removing it is
//! safe, and sled writes it again from the store's configuration (sled itself treats a
//! `conf` of 8 bytes or fewer as absent, the same way).

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
        File::open(sled_dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io("syncing sled's directory", e))?;
    }
    Ok(removed)
}

/// Removes sled's configuration file from `sled_dir` when it fails sled's own check (its last
/// four bytes are the CRC-32 of the rest, little-endian), and makes the removal durable.
/// Returns whether it removed it.
pub(crate) fn remove_torn_configuration(sled_dir: &Path) -> Result<bool, StoreError> {
    let path = sled_dir.join("conf");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(error) => return Err(StoreError::io("reading sled's configuration", error)),
    };
    if configuration_checks(&bytes) {
        return Ok(false);
    }
    std::fs::remove_file(&path).map_err(|e| StoreError::io("removing sled's torn configuration", e))?;
    File::open(sled_dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io("syncing sled's directory", e))?;
    Ok(true)
}

/// Whether sled would accept these configuration bytes: 8 bytes or fewer it treats as no
/// file at all; otherwise the last four must be the CRC-32 of those before.
fn configuration_checks(bytes: &[u8]) -> bool {
    if bytes.len() <= 8 {
        return true;
    }
    let (settings, crc) = bytes.split_at(bytes.len() - 4);
    let crc: [u8; 4] = crc.try_into().expect("four bytes");
    crc32fast::hash(settings) == u32::from_le_bytes(crc)
}

/// sled's name for a snapshot it has not finished writing: `snap.<lsn>.generating`.
fn is_unfinished_snapshot(name: &str) -> bool {
    name.starts_with("snap.") && name.ends_with(".generating")
}

#[cfg(test)]
mod tests {
    use super::{configuration_checks, is_unfinished_snapshot};

    #[test]
    fn a_configuration_checks_by_its_crc() {
        let settings = b"segment_size: 4194304\nuse_compression: false\nversion: 0.34\n";
        let mut whole = settings.to_vec();
        whole.extend_from_slice(&crc32fast::hash(settings).to_le_bytes());
        assert!(configuration_checks(&whole));
        assert!(!configuration_checks(settings));
        assert!(configuration_checks(&[]));
    }

    #[test]
    fn only_sleds_unfinished_snapshots_are_named_unfinished() {
        assert!(is_unfinished_snapshot("snap.00000000003A1C2D.generating"));
        assert!(!is_unfinished_snapshot("snap.00000000003A1C2D"));
        assert!(!is_unfinished_snapshot("db"));
        assert!(!is_unfinished_snapshot("conf"));
        assert!(!is_unfinished_snapshot("snap.00000000003A1C2D.in___motion"));
    }
}
