//! Index entries on their way to the tree, and the thread that takes them there.
//!
//! A group commit writes its chunks and syncs; the stream and command entries of its appends
//! join this queue instead of the commit, and a background thread writes them to the tree in
//! log order, in batches, on the core that the committing thread leaves idle while it waits
//! for the disk. Readers look here beside the tree: an entry leaves the queue only once it is
//! in the tree, so a reader always finds it in one or the other. The queue is bounded; a
//! commit waits when it is full. Entries the thread had not written when a crash came are
//! restored from the records when the store opens ([`crate::index::restore_tail`]).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use uuid::Uuid;

use crate::error::StoreError;
use crate::index::IndexedAppend;
use crate::layout::AppendSpan;
use crate::record::StreamId;

/// The most appends whose entries may wait; a commit that would pass it waits for the thread.
const MAX_WAITING_APPENDS: usize = 8192;
/// The most appends the thread writes in one go.
const MAX_BATCH_APPENDS: usize = 1024;
/// From this many appends on, the thread writes one sled batch rather than plain inserts. A
/// batch makes sled write out and sync its IO buffer first, an IO that competes with the
/// commits' syncs; below this the inserts' CPU, on a core that is otherwise idle, costs less
/// (measured, BENCHMARKS.md: durable single appends 5% faster with inserts, durable bulk
/// batches faster with one batch).
const BATCH_FROM_APPENDS: usize = 128;
/// The thread writes at once after a commit of this many appends or more (a bulk batch, or a
/// group shared by a dozen concurrent appenders), so that their entries are written while
/// that commit syncs, not while the next one places its records (measured: durable bulk
/// batches 15–25% faster than when they waited for 256 appends; BENCHMARKS.md)...
const LARGE_COMMIT_APPENDS: usize = 8;
/// ...and otherwise once this many appends wait...
const EAGER_APPENDS: usize = 256;
/// ...or once the oldest has waited this long. Writing single appends' entries in batches
/// keeps the index's sled writes, and the bytes every durable sync must flush, few.
const LAZY_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

/// The appends whose index entries are not yet in the tree, oldest first.
#[derive(Default)]
pub(crate) struct PendingIndex {
    state: Mutex<Pending>,
    changed: Condvar,
}

#[derive(Default)]
struct Pending {
    queue: VecDeque<IndexedAppend>,
    /// The sequence number of the queue's front: every append gets the next one.
    front_seq: u64,
    by_command: HashMap<Uuid, u64>,
    /// Each stream's waiting appends, oldest first.
    by_stream: HashMap<StreamId, VecDeque<u64>>,
    /// When the oldest waiting append joined the queue.
    oldest_since: Option<std::time::Instant>,
    /// How many callers wait for entries to reach the tree: the thread writes at once then.
    hurried: usize,
    /// A large commit's entries wait: the thread writes at once.
    large_commit: bool,
    stopping: bool,
    failed: Option<String>,
}

impl Pending {
    fn get(&self, seq: u64) -> Option<&IndexedAppend> {
        self.queue.get(usize::try_from(seq.checked_sub(self.front_seq)?).ok()?)
    }

    fn stream(&self, stream_id: &StreamId) -> impl DoubleEndedIterator<Item = &IndexedAppend> {
        self.by_stream.get(stream_id).into_iter().flatten().filter_map(|seq| self.get(*seq))
    }
}

impl PendingIndex {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        // The state is a queue and two maps kept in step under the lock; no code that can
        // panic runs while it is half changed, so a poisoned lock still holds a whole state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn wait<'a>(&self, guard: MutexGuard<'a, Pending>) -> MutexGuard<'a, Pending> {
        self.changed.wait(guard).unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues the entries of committed appends, in log order. Waits while the queue is full;
    /// fails when the thread could not write to the tree.
    pub(crate) fn push(&self, appends: Vec<IndexedAppend>) -> Result<(), StoreError> {
        let mut state = self.lock();
        while state.queue.len() >= MAX_WAITING_APPENDS && state.failed.is_none() {
            state = self.wait(state);
        }
        if let Some(reason) = &state.failed {
            return Err(StoreError::Poisoned { reason: format!("writing the index failed: {reason}") });
        }
        let was_empty = state.queue.is_empty();
        if was_empty && !appends.is_empty() {
            state.oldest_since = Some(std::time::Instant::now());
        }
        state.large_commit |= appends.len() >= LARGE_COMMIT_APPENDS;
        for append in appends {
            let seq = state.front_seq + u64::try_from(state.queue.len()).unwrap_or(u64::MAX);
            // Only an act's last part carries its command entry.
            if append.act.is_some() {
                state.by_command.insert(append.command_id, seq);
            }
            state.by_stream.entry(append.stream_id.clone()).or_default().push_back(seq);
            state.queue.push_back(append);
        }
        // The thread needs waking only to start its wait for the first entry, or to write
        // now; a wake-up for every single append would cost a context switch each.
        if was_empty || state.large_commit || state.queue.len() >= EAGER_APPENDS {
            self.changed.notify_all();
        }
        Ok(())
    }

    /// What a waiting command entry says: the act's span and its last stream.
    pub(crate) fn command(&self, command_id: Uuid) -> Option<(AppendSpan, StreamId)> {
        let state = self.lock();
        let append = state.get(*state.by_command.get(&command_id)?)?;
        Some((append.act.clone()?, append.stream_id.clone()))
    }

    /// The stream's waiting appends that end at or before `head`, oldest first, as
    /// (first version, span).
    pub(crate) fn stream_appends(&self, stream_id: &StreamId, head: u64) -> Vec<(u64, AppendSpan)> {
        let state = self.lock();
        state
            .stream(stream_id)
            .filter(|append| append.span.last_position() <= head)
            .map(|append| (append.first_version, append.span.clone()))
            .collect()
    }

    /// The stream's version after its newest waiting append that ends at or before `head`.
    pub(crate) fn stream_version(&self, stream_id: &StreamId, head: u64) -> Option<u64> {
        let state = self.lock();
        let newest = state.stream(stream_id).rev().find(|append| append.span.last_position() <= head)?;
        Some(newest.first_version + u64::from(newest.span.n_events) - 1)
    }

    /// The streams with a waiting append that ends at or before `head` and an id that starts
    /// with `prefix`, in no order.
    pub(crate) fn stream_ids(&self, prefix: &str, head: u64) -> Vec<StreamId> {
        let state = self.lock();
        state
            .by_stream
            .keys()
            .filter(|stream_id| stream_id.as_str().starts_with(prefix))
            .filter(|stream_id| state.stream(stream_id).any(|append| append.span.last_position() <= head))
            .cloned()
            .collect()
    }

    /// Waits until every entry of the appends that start at or before `position` is in the
    /// tree.
    pub(crate) fn wait_through(&self, position: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        state.hurried += 1;
        self.changed.notify_all();
        let outcome = loop {
            if let Some(reason) = &state.failed {
                break Err(StoreError::Poisoned { reason: format!("writing the index failed: {reason}") });
            }
            if state.queue.front().is_none_or(|append| append.span.first_position > position) {
                break Ok(());
            }
            state = self.wait(state);
        };
        state.hurried -= 1;
        outcome
    }

    /// The next appends to write, oldest first, left in the queue; `None` once stopping and
    /// nothing is left.
    fn next_batch(&self) -> Option<Vec<IndexedAppend>> {
        let mut state = self.lock();
        loop {
            if state.queue.is_empty() {
                if state.stopping {
                    return None;
                }
                state = self.wait(state);
                continue;
            }
            let waited = state.oldest_since.map_or(LAZY_WAIT, |since| since.elapsed());
            let due = state.queue.len() >= EAGER_APPENDS
                || state.large_commit
                || waited >= LAZY_WAIT
                || state.hurried > 0
                || state.stopping
                || state.queue.len() >= MAX_WAITING_APPENDS;
            if due {
                state.large_commit = false;
                return Some(state.queue.iter().take(MAX_BATCH_APPENDS).cloned().collect());
            }
            state = self.changed.wait_timeout(state, LAZY_WAIT - waited).map_or_else(|p| p.into_inner().0, |(s, _)| s);
        }
    }

    /// Takes the `n` oldest appends off the queue: their entries are in the tree.
    fn written(&self, n: usize) {
        let mut state = self.lock();
        for _ in 0..n {
            let Some(append) = state.queue.pop_front() else { break };
            let seq = state.front_seq;
            state.front_seq += 1;
            if state.by_command.get(&append.command_id) == Some(&seq) {
                state.by_command.remove(&append.command_id);
            }
            if let Some(seqs) = state.by_stream.get_mut(&append.stream_id) {
                seqs.pop_front();
                if seqs.is_empty() {
                    state.by_stream.remove(&append.stream_id);
                }
            }
        }
        // What is left has waited since about now: it joined while the batch was written.
        state.oldest_since = (!state.queue.is_empty()).then(std::time::Instant::now);
        self.changed.notify_all();
    }

    fn fail(&self, reason: String) {
        self.lock().failed = Some(reason);
        self.changed.notify_all();
    }

    fn stop(&self) {
        self.lock().stopping = true;
        self.changed.notify_all();
    }
}

/// The background thread that writes waiting index entries to the tree.
pub(crate) struct IndexWriter {
    pending: Arc<PendingIndex>,
    thread: Option<JoinHandle<()>>,
}

impl IndexWriter {
    pub(crate) fn start(tree: sled::Tree, pending: Arc<PendingIndex>) -> Result<IndexWriter, StoreError> {
        let queue = Arc::clone(&pending);
        let thread = std::thread::Builder::new()
            .name("parapompi-index".to_owned())
            .spawn(move || {
                while let Some(appends) = queue.next_batch() {
                    match write(&tree, &appends) {
                        Ok(()) => queue.written(appends.len()),
                        Err(error) => return queue.fail(error.to_string()),
                    }
                }
            })
            .map_err(|e| StoreError::io("starting the index thread", e))?;
        Ok(IndexWriter { pending, thread: Some(thread) })
    }

    /// Writes what is waiting, then ends the thread.
    pub(crate) fn stop(&mut self) {
        self.pending.stop();
        if let Some(thread) = self.thread.take() {
            // A panic in the thread leaves entries unwritten; the next open restores them.
            let _ = thread.join();
        }
    }
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes the entries of `appends` in order: plain inserts for a few, one batch for more.
fn write(tree: &sled::Tree, appends: &[IndexedAppend]) -> Result<(), sled::Error> {
    if appends.len() < BATCH_FROM_APPENDS {
        for append in appends {
            for (key, value) in append.entries() {
                tree.insert(key, value)?;
            }
        }
        return Ok(());
    }
    let mut batch = sled::Batch::default();
    for append in appends {
        for (key, value) in append.entries() {
            batch.insert(key, value);
        }
    }
    tree.apply_batch(batch)
}
