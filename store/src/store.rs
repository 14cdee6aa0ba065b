//! The store's public face: open, append, read, subscribe, flush and close.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::broadcast;

use crate::config::StoreConfig;
use crate::durability::{DirLock, Syncer};
use crate::error::StoreError;
use crate::log_tree::{LogIter, LogTree, WriterMetrics};
use crate::pending_index::IndexWriter;
use crate::record::{Append, Appended, Head, MultiAppend, RecordedEvent, StreamId};
use crate::subscribe::Subscription;
use crate::writer::{Act, GroupCommit, Writer};

/// How many group commits a live subscriber may fall behind before it reads the log instead.
const LIVE_BATCHES_BUFFERED: usize = 256;

/// An open event log.
///
/// One process at a time may open a directory. Appends are committed in groups (see
/// [`Store::append`]); reads go straight to sled and never see past the last committed group.
/// `Store` is cheap to clone and `Send + Sync`: clones share one open log.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    log: Arc<LogTree>,
    commit: GroupCommit,
    index_writer: IndexWriter,
    live: broadcast::Sender<Arc<[RecordedEvent]>>,
    config: StoreConfig,
    path: Option<PathBuf>,
    // Dropped last, after sled has closed its files.
    _lock: Option<DirLock>,
}

impl Store {
    /// Opens the store in `dir`, creating the directory if it is missing.
    ///
    /// Fails with [`StoreError::InUse`] when another process has it open.
    pub fn open(dir: impl AsRef<Path>, config: StoreConfig) -> Result<Store, StoreError> {
        config.check()?;
        let dir = dir.as_ref();
        crate::durability::create_dir_durably(dir)?;
        let lock = DirLock::acquire(dir)?;
        let sled_dir = dir.join("sled");
        // A kill while sled opened may have left a half-written snapshot that sled would
        // otherwise read and reject on every later open (see `recovery`).
        crate::recovery::remove_unfinished_snapshots(&sled_dir)?;
        // A power cut while sled created the database may have torn its configuration file.
        crate::recovery::remove_torn_configuration(&sled_dir)?;
        let db = open_sled(&sled_dir, &config, dir)?;
        // The syncer fsyncs sled's files and both directories once: the entries sled made
        // while it opened (its snapshot's rename, its configuration, a new database's
        // files) and the lock file are on disk before the first append is acknowledged.
        let syncer = Syncer::new(&sled_dir)?;
        Store::start(db, config, Some(syncer), Some(dir.to_path_buf()), Some(lock))
    }

    /// Opens a store that lives in memory and a temporary file, gone when dropped: for tests.
    /// Appends are never synced to disk.
    pub fn open_temporary(config: StoreConfig) -> Result<Store, StoreError> {
        config.check()?;
        let db = sled::Config::new()
            .temporary(true)
            .cache_capacity(config.cache_capacity_bytes)
            .segment_size(config.segment_bytes)
            .open()
            .map_err(|e| StoreError::sled("opening a temporary sled", e))?;
        Store::start(db, config, None, None, None)
    }

    fn start(
        db: sled::Db,
        config: StoreConfig,
        syncer: Option<Syncer>,
        path: Option<PathBuf>,
        lock: Option<DirLock>,
    ) -> Result<Store, StoreError> {
        let log = Arc::new(LogTree::open(db)?);
        crate::index::restore_tail(&log)?;
        let index_writer = IndexWriter::start(log.tree.clone(), Arc::clone(&log.pending))?;
        let (live, _) = broadcast::channel(LIVE_BATCHES_BUFFERED);
        let writer = Writer::new(Arc::clone(&log), config.clone(), syncer, live.clone())?;
        let commit = GroupCommit::new(writer);
        Ok(Store { inner: Arc::new(Inner { log, commit, index_writer, live, config, path, _lock: lock }) })
    }

    /// The directory the store lives in; `None` for a temporary store.
    pub fn path(&self) -> Option<&Path> {
        self.inner.path.as_deref()
    }

    /// The configuration the store was opened with.
    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// Appends events to one stream, atomically, and returns what was recorded.
    ///
    /// With [`crate::Durability::Durable`] the events are on disk when this returns. A repeated
    /// command id returns what its first use wrote, with `deduplicated` set, and writes nothing.
    /// Concurrent appends share group commits. This blocks the calling thread for a sync;
    /// from async code use [`Store::append_async`].
    pub fn append(&self, append: Append) -> Result<Appended, StoreError> {
        single(self.inner.commit.append(vec![Act::from(append)]))
    }

    /// Appends to several streams as one act, atomically: every stream's events are written
    /// in one commit, at consecutive positions in the order given, or none are, also across a
    /// crash. Every stream's expected version is checked first; the first that does not hold
    /// is a [`StoreError::Conflict`] and nothing is written. Naming no stream, a stream twice,
    /// or a stream without events is a [`StoreError::Invalid`]; the limits of one append
    /// apply to the whole act. [`Store::append`] is the one-stream case of the same path.
    ///
    /// Every record carries the command id, and [`Store::command_result`] returns them all. A
    /// repeated command id, whether its first use was a one-stream or a multi-stream append,
    /// returns what that first use wrote, with `deduplicated` set, and writes nothing, as long
    /// as the repeat names at least one stream that the first use wrote to; otherwise it is a
    /// [`StoreError::CommandIdReused`]. Whether the repeat is the same command is the caller's
    /// to judge from the records.
    pub fn append_multi(&self, append: MultiAppend) -> Result<Appended, StoreError> {
        single(self.inner.commit.append(vec![Act::from(append)]))
    }

    /// Appends to several streams at once: each append is atomic on its own and succeeds or
    /// fails alone, and all of them share one group commit. (For one act across several
    /// streams, all or nothing, see [`Store::append_multi`].)
    pub fn append_batch(&self, appends: Vec<Append>) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        self.inner.commit.append(appends.into_iter().map(Act::from).collect())
    }

    /// [`Store::append`] for async code: the commit runs on tokio's blocking threads.
    pub async fn append_async(&self, append: Append) -> Result<Appended, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.append(append)).await.map_err(|_| StoreError::Closed)?
    }

    /// [`Store::append_multi`] for async code: the commit runs on tokio's blocking threads.
    pub async fn append_multi_async(&self, append: MultiAppend) -> Result<Appended, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.append_multi(append)).await.map_err(|_| StoreError::Closed)?
    }

    /// [`Store::append_batch`] for async code.
    pub async fn append_batch_async(
        &self,
        appends: Vec<Append>,
    ) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.append_batch(appends)).await.map_err(|_| StoreError::Closed)?
    }

    /// Syncs to disk whatever deferred appends have written.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.inner.commit.with_writer(Writer::sync_if_needed)?
    }

    /// Makes everything written to the database so far durable, whatever the tree: the Engine
    /// calls this after writing outside the log (the identity vault), so that a write it
    /// acknowledges survives a power cut as an append does.
    pub fn sync(&self) -> Result<(), StoreError> {
        self.inner.commit.with_writer(Writer::sync)?
    }

    /// Runs `job` with the writer to itself: no append commits in between (imports).
    pub(crate) fn exclusive<T>(&self, job: impl FnOnce(&mut Writer) -> T) -> Result<T, StoreError> {
        self.inner.commit.with_writer(job)
    }

    /// The last committed position and hash.
    pub fn head(&self) -> Head {
        self.inner.log.head()
    }

    /// How many group commits and syncs the writer has made since the store was opened.
    pub fn writer_metrics(&self) -> WriterMetrics {
        self.inner.log.metrics()
    }

    /// The ids of every stream whose id starts with `prefix` (`"agency-"`, say), in order.
    /// Costs a pass over that part of the stream index, not over the log.
    pub fn stream_ids(&self, prefix: &str) -> Result<Vec<StreamId>, StoreError> {
        self.inner.log.stream_ids(prefix)
    }

    /// A stream's current version: 0 when it has no events.
    pub fn stream_version(&self, stream_id: &StreamId) -> Result<u64, StoreError> {
        self.inner.log.stream_version(stream_id)
    }

    /// Up to `max_events` events of a stream, from `from_version` (1 for the start) on.
    pub fn read_stream(
        &self,
        stream_id: &StreamId,
        from_version: u64,
        max_events: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let from_version = from_version.max(1);
        let mut out = Vec::new();
        for (first_version, span) in self.inner.log.stream_appends(stream_id, from_version)? {
            if out.len() >= max_events {
                break;
            }
            let skip = from_version.saturating_sub(first_version);
            let first = span.first_position + skip;
            let wanted = u64::try_from(max_events - out.len()).unwrap_or(u64::MAX);
            let last = span.last_position().min(first.saturating_add(wanted - 1));
            if first <= last {
                out.extend(self.inner.log.read_positions(first, last)?);
            }
        }
        Ok(out)
    }

    /// What an append with this command id recorded, if one did: the Engine answers a repeated
    /// command with it instead of deciding again. For a multi-stream append, every stream's
    /// records, in log order.
    pub fn command_result(&self, command_id: uuid::Uuid) -> Result<Option<Vec<RecordedEvent>>, StoreError> {
        let Some((span, _)) = self.inner.log.command(command_id)? else { return Ok(None) };
        if span.last_position() > self.head().position {
            return Ok(None);
        }
        self.inner.log.read_positions(span.first_position, span.last_position()).map(Some)
    }

    /// The records at the given positions, in the order given. Runs of consecutive positions
    /// are read together. A position past the head is an error.
    pub fn read_positions(&self, positions: &[u64]) -> Result<Vec<RecordedEvent>, StoreError> {
        let head = self.head().position;
        let mut out = Vec::with_capacity(positions.len());
        let mut start = 0;
        while start < positions.len() {
            let mut end = start + 1;
            while end < positions.len() && positions[end] == positions[end - 1] + 1 {
                end += 1;
            }
            let (first, last) = (positions[start], positions[end - 1]);
            if first == 0 || last > head {
                let position = if first == 0 { first } else { last };
                return Err(StoreError::Invalid(crate::error::InvalidInput::PositionOutOfRange { position, head }));
            }
            out.extend(self.inner.log.read_positions(first, last)?);
            start = end;
        }
        Ok(out)
    }

    /// Up to `max_events` records in log order, from `from_position` (1 for the start) on: one
    /// bounded page. An empty page means the reader has reached the head.
    pub fn read_all(&self, from_position: u64, max_events: usize) -> Result<Vec<RecordedEvent>, StoreError> {
        self.iter_from(from_position).take(max_events).collect()
    }

    /// Every record from `from_position` to the head as it stands now, decoded lazily.
    pub fn iter_from(&self, from_position: u64) -> LogIter {
        LogIter::new(Arc::clone(&self.inner.log), from_position, self.head().position)
    }

    /// Every record from `from_position` to `to_position` (inclusive, capped at the head).
    pub fn iter_range(&self, from_position: u64, to_position: u64) -> LogIter {
        LogIter::new(Arc::clone(&self.inner.log), from_position, to_position.min(self.head().position))
    }

    /// A stream of records from `from_position` on: it reads the log up to the head, then
    /// follows new commits as they happen, with no gap and no repeat at the hand-over. A
    /// consumer that falls behind never slows writers: it goes back to reading the log.
    pub fn subscribe(&self, from_position: u64) -> Result<Subscription, StoreError> {
        Subscription::start(
            Arc::clone(&self.inner.log),
            &self.inner.live,
            from_position,
            self.inner.config.limits.subscription_buffer,
        )
    }

    pub(crate) fn log(&self) -> &Arc<LogTree> {
        &self.inner.log
    }

    /// Opens another sled tree in the same database (the Engine keeps its identity vault and
    /// projection checkpoints there). The log tree itself cannot be opened this way.
    pub fn auxiliary_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        if name == "log" || name.starts_with("__sled") {
            return Err(StoreError::Invalid(crate::error::InvalidInput::Config(format!(
                "tree name {name:?} is reserved by the store"
            ))));
        }
        self.inner.log.db.open_tree(name).map_err(|e| StoreError::sled("opening an auxiliary tree", e))
    }

    /// Syncs what deferred appends wrote and closes this handle. The database closes when
    /// the last clone of the store is gone.
    pub fn close(self) -> Result<(), StoreError> {
        self.flush()
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Nobody is left to hear of a failure here; the next open finds what reached disk.
        let _ = self.commit.with_writer(Writer::sync_if_needed);
        // A clean close leaves the index whole, with nothing for the next open to restore.
        self.index_writer.stop();
    }
}

/// How long an open waits for sled's own lock, held by this process's previous instance.
const SLED_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Opens sled in `sled_dir`. The caller holds the directory lock, so no other process has
/// the store; if sled's own file lock is still taken, it is this process's previous instance
/// of the store, whose background writes sled lets finish after the store is dropped. The
/// open waits for them (up to [`SLED_LOCK_WAIT`]) rather than failing a reopen at random.
fn open_sled(sled_dir: &Path, config: &StoreConfig, dir: &Path) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + SLED_LOCK_WAIT;
    loop {
        let opened = sled::Config::new()
            .path(sled_dir)
            .cache_capacity(config.cache_capacity_bytes)
            .segment_size(config.segment_bytes)
            .open();
        match opened {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(error)) if error.to_string().contains("could not acquire lock") => {
                if std::time::Instant::now() >= deadline {
                    return Err(StoreError::InUse { path: dir.to_path_buf() });
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(error) => return Err(StoreError::sled("opening sled", error)),
        }
    }
}

fn single(answer: Result<Vec<Result<Appended, StoreError>>, StoreError>) -> Result<Appended, StoreError> {
    answer?.into_iter().next().ok_or(StoreError::Closed)?
}
