//! Making sled's writes survive a power cut, and keeping a second process out.
//!
//! sled 0.34.7's `flush` ends in `sync_file_range`, which on Linux neither flushes the disk's
//! write cache nor the file's metadata (sled issues #1351 and #1452). After every flush the
//! store therefore fsyncs sled's main file, every blob file sled has written since the last
//! sync, and the blob directory when its entries changed.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fs::File;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Syncs one sled database's files to disk.
pub(crate) struct Syncer {
    main_file: File,
    blob_dir: PathBuf,
    synced_blobs: HashSet<OsString>,
    /// The blob directory's modification time when it was last listed: while it stands
    /// still, no blob has come or gone, and the listing is skipped.
    blob_dir_modified: Option<std::time::SystemTime>,
}

impl Syncer {
    /// Prepares to sync the sled database in `sled_dir`, and syncs its directory entries once.
    pub(crate) fn new(sled_dir: &Path) -> Result<Syncer, StoreError> {
        let main_file =
            File::open(sled_dir.join("db")).map_err(|e| StoreError::io("opening sled's file to sync it", e))?;
        // sled writes its configuration file when it creates a database and never syncs it;
        // a torn one after a power cut fails its checksum, and sled then refuses to open.
        match File::open(sled_dir.join("conf")) {
            Ok(conf) => conf.sync_all().map_err(|e| StoreError::io("syncing sled's configuration", e))?,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(StoreError::io("opening sled's configuration to sync it", error)),
        }
        sync_dir(sled_dir)?;
        if let Some(parent) = sled_dir.parent() {
            sync_dir(parent)?;
        }
        let mut syncer = Syncer {
            main_file,
            blob_dir: sled_dir.join("blobs"),
            synced_blobs: HashSet::new(),
            blob_dir_modified: None,
        };
        syncer.sync_files()?;
        Ok(syncer)
    }

    /// Flushes sled, then fsyncs what the flush wrote. Two syncs: this is the price of a
    /// durable commit, shared by every append in a group.
    pub(crate) fn sync(&mut self, db: &sled::Db) -> Result<(), StoreError> {
        db.flush().map_err(|e| StoreError::sled("flushing sled", e))?;
        self.sync_files()
    }

    fn sync_files(&mut self) -> Result<(), StoreError> {
        self.main_file.sync_data().map_err(|e| StoreError::io("syncing sled's file", e))?;
        let modified = match std::fs::metadata(&self.blob_dir).and_then(|m| m.modified()) {
            Ok(modified) => Some(modified),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(StoreError::io("looking at sled's blobs", error)),
        };
        if modified.is_some() && modified == self.blob_dir_modified {
            return Ok(());
        }
        let entries = match std::fs::read_dir(&self.blob_dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(error) => return Err(StoreError::io("listing sled's blobs", error)),
        };
        let mut present = HashSet::new();
        let mut any_new = false;
        for entry in entries {
            let entry = entry.map_err(|e| StoreError::io("listing sled's blobs", e))?;
            let name = entry.file_name();
            if !self.synced_blobs.contains(&name) {
                match File::open(entry.path()) {
                    Ok(file) => file.sync_all().map_err(|e| StoreError::io("syncing a sled blob", e))?,
                    // sled may collect a blob between the listing and the open.
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(error) => return Err(StoreError::io("opening a sled blob to sync it", error)),
                }
                any_new = true;
            }
            present.insert(name);
        }
        if any_new || present.len() != self.synced_blobs.len() {
            sync_dir(&self.blob_dir)?;
        }
        self.synced_blobs = present;
        self.blob_dir_modified = modified;
        Ok(())
    }
}

/// Creates `dir` and any missing parent, and fsyncs the parent of each directory it created,
/// so that a new store's directory entry survives a power cut (a new directory, like a new
/// file, exists on disk only once the directory that names it has been synced).
pub(crate) fn create_dir_durably(dir: &Path) -> Result<(), StoreError> {
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(path) = cursor {
        match std::fs::symlink_metadata(path) {
            Ok(_) => break,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => missing.push(path),
            Err(error) => return Err(StoreError::io("looking at the store's directory", error)),
        }
        cursor = path.parent().filter(|parent| !parent.as_os_str().is_empty());
    }
    std::fs::create_dir_all(dir).map_err(|e| StoreError::io("creating the store's directory", e))?;
    for created in missing {
        let parent = created.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
        sync_dir(parent)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| StoreError::io("syncing a directory", e))
}

/// An exclusive, advisory lock on the data directory, held for as long as the store is open.
///
/// sled takes a lock of its own, but reports a conflict only as a generic I/O error; this one
/// lets the store say plainly that another process has the directory.
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    pub(crate) fn acquire(dir: &Path) -> Result<DirLock, StoreError> {
        let path = dir.join("parapompi.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::io("opening the store's lock file", e))?;
        // SAFETY: flock is called on a file descriptor that `file` owns and keeps open.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc != 0 {
            let error = std::io::Error::last_os_error();
            return if error.raw_os_error() == Some(libc::EWOULDBLOCK) {
                Err(StoreError::InUse { path: dir.to_path_buf() })
            } else {
                Err(StoreError::io("locking the store's directory", error))
            };
        }
        Ok(DirLock { _file: file })
    }
}
