//! Group commit. Appenders put their requests in a queue and then take the writer lock;
//! whoever holds it commits everything waiting as one group (its chunks written at once
//! and, when any of them asks for it, one durable sync), its own request included.
//! Appenders that arrive while a sync runs queue up behind it and are committed together by
//! the next holder, so the cost of a sync is shared and throughput rises with the number of
//! writers; a lone appender commits on its own thread, with no hand-over to another.

use std::collections::{HashMap, VecDeque};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use tokio::sync::broadcast;
use uuid::Uuid;

use crate::canonical::CanonicalFields;
use crate::config::StoreConfig;
use crate::durability::Syncer;
use crate::error::{InvalidInput, StoreError};
use crate::index;
use crate::known_streams::KnownStreams;
use crate::layout::{AppendSpan, ChunkRun};
use crate::log_tree::LogTree;
use crate::record::{
    Append, Appended, Durability, ExpectedVersion, Head, MultiAppend, NewEvent, RecordedEvent, StreamEvents, StreamId,
    Timestamp,
};

/// What the writer commits as one unit, all or nothing: one command's events, in one stream
/// (an [`Append`]) or in several (a [`MultiAppend`]). There is one path for both; a
/// one-stream act keeps its stream inline, so the common case allocates nothing more.
pub(crate) struct Act {
    command_id: Uuid,
    durability: Durability,
    streams: ActStreams,
}

enum ActStreams {
    One(StreamEvents),
    Many(Vec<StreamEvents>),
}

impl Act {
    fn streams(&self) -> &[StreamEvents] {
        match &self.streams {
            ActStreams::One(stream) => std::slice::from_ref(stream),
            ActStreams::Many(streams) => streams,
        }
    }

    fn n_events(&self) -> usize {
        self.streams().iter().map(|stream| stream.events.len()).sum()
    }

    fn events(&self) -> impl Iterator<Item = &NewEvent> {
        self.streams().iter().flat_map(|stream| &stream.events)
    }
}

impl From<Append> for Act {
    fn from(append: Append) -> Act {
        let Append { stream_id, expected, command_id, events, durability } = append;
        Act { command_id, durability, streams: ActStreams::One(StreamEvents { stream_id, expected, events }) }
    }
}

impl From<MultiAppend> for Act {
    fn from(multi: MultiAppend) -> Act {
        let MultiAppend { command_id, streams, durability } = multi;
        Act { command_id, durability, streams: ActStreams::Many(streams) }
    }
}

/// Acts waiting to be committed, and where their answers go.
struct Waiting {
    appends: Vec<Act>,
    reply: SyncSender<Vec<Result<Appended, StoreError>>>,
}

/// The queue of waiting appends and the writer that commits them.
///
/// One appender at a time leads: it takes what is waiting, commits it as a group and answers
/// everyone in it, while the others wait on a condition variable, not on the writer, so an
/// appender whose request was committed returns at once even while the next group syncs.
pub(crate) struct GroupCommit {
    state: Mutex<Queue>,
    /// A leader finished: the next may lead, and those answered may return.
    changed: Condvar,
    /// A request joined the queue: a leader gathering a group may take it.
    arrived: Condvar,
    writer: Mutex<Writer>,
    max_events_per_group: usize,
}

struct Queue {
    waiting: VecDeque<Waiting>,
    /// True while some thread leads: commits a group or runs an exclusive job.
    led: bool,
    /// How many requests the last group held.
    last_group_size: usize,
    /// How long the next leader may wait for a group to gather: half the last sync.
    gather_window: std::time::Duration,
}

impl GroupCommit {
    pub(crate) fn new(writer: Writer) -> GroupCommit {
        GroupCommit {
            state: Mutex::new(Queue {
                waiting: VecDeque::new(),
                led: false,
                last_group_size: 0,
                gather_window: std::time::Duration::ZERO,
            }),
            changed: Condvar::new(),
            arrived: Condvar::new(),
            max_events_per_group: writer.config.limits.max_events_per_group,
            writer: Mutex::new(writer),
        }
    }

    /// Commits `appends` (each atomic on its own) in one group, and returns their results.
    pub(crate) fn append(&self, appends: Vec<Act>) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
        let (reply, answer) = sync_channel(1);
        let mut queue = self.lock_queue()?;
        queue.waiting.push_back(Waiting { appends, reply });
        self.arrived.notify_one();
        loop {
            // A leader before us may have committed our request with its own.
            if let Ok(results) = answer.try_recv() {
                return Ok(results);
            }
            if !queue.led {
                break;
            }
            queue = self.changed.wait(queue).map_err(|_| poisoned())?;
        }
        queue.led = true;
        if queue.last_group_size > 1 {
            // Appenders came in company last time: those just answered are about to return
            // with their next requests. Letting them queue first makes the group, and the
            // sync it shares, larger: the leader waits until as many requests wait as last
            // time, or for half the last sync at most (measured with 16 writers: 15 appends
            // a sync rather than 10; BENCHMARKS.md). A lone appender, or a group that did
            // not sync, never waits here.
            let deadline = std::time::Instant::now() + queue.gather_window;
            let target = queue.last_group_size;
            drop(queue);
            std::thread::yield_now();
            queue = self.lock_queue()?;
            while queue.waiting.len() < target {
                let now = std::time::Instant::now();
                if now >= deadline {
                    break;
                }
                queue = self.arrived.wait_timeout(queue, deadline - now).map_err(|_| poisoned())?.0;
            }
        }
        loop {
            let group = take_group(&mut queue.waiting, self.max_events_per_group);
            queue.last_group_size = group.len();
            drop(queue);
            let served = self.lock_writer().map(|mut writer| {
                writer.serve_group(group);
                writer.last_sync.take()
            });
            queue = self.lock_queue()?;
            let served = served.map(|synced| {
                queue.gather_window = synced.map_or(std::time::Duration::ZERO, |took| (took / 2).min(MAX_GATHER));
            });
            let outcome = match (served, answer.try_recv()) {
                (Err(error), _) => Some(Err(error)),
                (Ok(()), Ok(results)) => Some(Ok(results)),
                // Our request did not fit in this group: lead another.
                (Ok(()), Err(_)) => None,
            };
            if let Some(outcome) = outcome {
                queue.led = false;
                self.changed.notify_all();
                return outcome;
            }
        }
    }

    /// Runs `job` with the writer to itself: no append commits in between.
    pub(crate) fn with_writer<T>(&self, job: impl FnOnce(&mut Writer) -> T) -> Result<T, StoreError> {
        let mut queue = self.lock_queue()?;
        while queue.led {
            queue = self.changed.wait(queue).map_err(|_| poisoned())?;
        }
        queue.led = true;
        drop(queue);
        let result = self.lock_writer().map(|mut writer| job(&mut writer));
        let mut queue = self.lock_queue()?;
        queue.led = false;
        self.changed.notify_all();
        result
    }

    fn lock_queue(&self) -> Result<MutexGuard<'_, Queue>, StoreError> {
        self.state.lock().map_err(|_| poisoned())
    }

    fn lock_writer(&self) -> Result<MutexGuard<'_, Writer>, StoreError> {
        self.writer.lock().map_err(|_| poisoned())
    }
}

/// The oldest waiting requests, up to `max_events` events (always at least one request).
/// A request is never split: all its acts go in one group, so each act lands in one write.
fn take_group(queue: &mut VecDeque<Waiting>, max_events: usize) -> Vec<Waiting> {
    let mut group = Vec::new();
    let mut n_events = 0;
    while let Some(next) = queue.front() {
        let size: usize = next.appends.iter().map(Act::n_events).sum();
        if !group.is_empty() && n_events + size > max_events {
            break;
        }
        n_events += size;
        group.extend(queue.pop_front());
    }
    group
}

/// The longest a leader waits for a group to gather, whatever the disk.
const MAX_GATHER: std::time::Duration = std::time::Duration::from_millis(1);

fn poisoned() -> StoreError {
    StoreError::Poisoned { reason: "a commit panicked while holding the log".to_owned() }
}

/// The writer's state. It lives on its own thread; nothing else writes to the log tree.
pub(crate) struct Writer {
    pub(crate) log: Arc<LogTree>,
    pub(crate) config: StoreConfig,
    /// The last committed record; always equal to what the log tree has published.
    pub(crate) head: Head,
    /// Stream versions the writer has seen, so a hot stream needs no index read.
    versions: HashMap<StreamId, u64>,
    /// No command id in the log sorts after this one (`None`: the log holds none). Command ids
    /// are mostly time-ordered UUIDs (v7), so a new one mostly sorts after every id seen
    /// before and cannot be a repeat: only the others need a look in the command index.
    newest_command: Option<Uuid>,
    /// Which streams the log holds, so that a new stream needs no index read.
    streams: KnownStreams,
    syncer: Option<Syncer>,
    /// Set when a sync failed: what is on disk is then unknown, so no more writes.
    poisoned: Option<String>,
    /// True when deferred appends have been applied but not yet synced.
    unsynced: bool,
    /// How long the last sync took, since the group commit last asked.
    last_sync: Option<std::time::Duration>,
    events: broadcast::Sender<Arc<[RecordedEvent]>>,
}

/// One act checked and placed, waiting for its group to commit.
enum Placed {
    /// New records: this range of the group's records (every stream of the act).
    New(std::ops::Range<usize>),
    /// A command id seen in an earlier commit: the records it wrote then.
    SeenBefore(AppendSpan),
    /// A command id seen earlier in this same group.
    SeenInGroup(std::ops::Range<usize>),
}

/// A group being built: the records placed so far, their chunks, and what they change.
struct Group {
    head: Head,
    versions: HashMap<StreamId, u64>,
    /// The command ids placed so far, and their records in `records`.
    commands: HashMap<Uuid, std::ops::Range<usize>>,
    records: Vec<RecordedEvent>,
    chunks: ChunkRun,
    durable: bool,
}

impl Writer {
    pub(crate) fn new(
        log: Arc<LogTree>,
        config: StoreConfig,
        syncer: Option<Syncer>,
        events: broadcast::Sender<Arc<[RecordedEvent]>>,
    ) -> Result<Writer, StoreError> {
        let head = log.head();
        let newest_command = log.newest_command_id()?;
        Ok(Writer {
            log,
            config,
            head,
            versions: HashMap::new(),
            newest_command,
            streams: KnownStreams::new(),
            syncer,
            poisoned: None,
            unsynced: false,
            last_sync: None,
            events,
        })
    }

    /// Commits a group of waiting requests and answers each.
    fn serve_group(&mut self, waiting: Vec<Waiting>) {
        let n_appends = waiting.iter().map(|w| w.appends.len()).sum();
        let n_events = waiting.iter().flat_map(|w| &w.appends).map(Act::n_events).sum();
        let mut group = Group {
            head: self.head,
            versions: HashMap::with_capacity(n_appends),
            commands: HashMap::with_capacity(n_appends),
            records: Vec::with_capacity(n_events),
            chunks: ChunkRun::new(self.config.chunk_target_bytes),
            durable: false,
        };
        // Recorded-at never goes back, even when the clock does.
        let recorded_at = self.config.clock.now().max(self.head.recorded_at);
        let placed: Vec<(Vec<Result<Placed, StoreError>>, SyncSender<_>)> = waiting
            .into_iter()
            .map(|Waiting { appends, reply }| {
                (appends.into_iter().map(|append| self.place(&mut group, append, recorded_at)).collect(), reply)
            })
            .collect();
        let committed = self.commit(group.records, group.chunks, group.head, group.versions, group.durable);
        for (placed, reply) in placed {
            let results = placed
                .into_iter()
                .map(|placed| match (&committed, placed) {
                    (_, Err(error)) => Err(error),
                    (Err(error), Ok(_)) => Err(clone_error(error)),
                    (Ok(records), Ok(placed)) => self.answer(records, placed),
                })
                .collect();
            // The asker waits on this channel until it has its answer; it cannot be gone.
            let _ = reply.send(results);
        }
    }

    /// Syncs deferred appends, if any are unsynced.
    pub(crate) fn sync_if_needed(&mut self) -> Result<(), StoreError> {
        if let Some(reason) = &self.poisoned {
            return Err(StoreError::Poisoned { reason: reason.clone() });
        }
        if self.unsynced {
            self.sync()?;
        }
        Ok(())
    }

    /// Checks one act against the log and the group so far, and places its records: every
    /// check of every stream comes before the first record is placed, so a failing act
    /// leaves the group as it was.
    fn place(&mut self, group: &mut Group, act: Act, recorded_at: Timestamp) -> Result<Placed, StoreError> {
        if let Some(reason) = &self.poisoned {
            return Err(StoreError::Poisoned { reason: reason.clone() });
        }
        self.check_limits(&act)?;
        if let Some(range) = group.commands.get(&act.command_id) {
            let written = &group.records[range.clone()];
            return if wrote_to_any(written, act.streams()) {
                Ok(Placed::SeenInGroup(range.clone()))
            } else {
                Err(command_id_reused(&act, written))
            };
        }
        if let Some((span, stream_id)) = self.recorded_command(act.command_id)? {
            // The entry names the act's last stream; an act of several streams that this one
            // does not share may still share another, which only its records tell.
            if act.streams().iter().any(|stream| stream.stream_id == stream_id) {
                return Ok(Placed::SeenBefore(span));
            }
            let written = self.log.read_positions(span.first_position, span.last_position())?;
            return if wrote_to_any(&written, act.streams()) {
                Ok(Placed::SeenBefore(span))
            } else {
                Err(command_id_reused(&act, &written))
            };
        }
        let streams = act.streams();
        // Every stream's version is checked before anything is placed. The versions of a
        // second stream and on go in a vector, empty (unallocated) for a one-stream act.
        let first_actual = self.check_expected(group, &streams[0])?;
        let mut other_actuals = Vec::new();
        for stream in &streams[1..] {
            other_actuals.push(self.check_expected(group, stream)?);
        }
        group.durable |= act.durability == Durability::Durable;
        let start = group.records.len();
        let command_id = act.command_id;
        let parts = match act.streams {
            ActStreams::One(stream) => Either::One(std::iter::once(stream)),
            ActStreams::Many(streams) => Either::Many(streams.into_iter()),
        };
        for (stream, actual) in parts.zip(std::iter::once(first_actual).chain(other_actuals)) {
            place_records(group, command_id, stream, actual, recorded_at);
        }
        let end = group.records.len();
        group.commands.insert(command_id, start..end);
        Ok(Placed::New(start..end))
    }

    /// The stream's version, from the group or the log, if it is the one `stream` expects.
    fn check_expected(&mut self, group: &Group, stream: &StreamEvents) -> Result<u64, StoreError> {
        let actual = match group.versions.get(&stream.stream_id) {
            Some(version) => *version,
            None => self.stream_version(&stream.stream_id)?,
        };
        let matches = match stream.expected {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(expected) => actual == expected,
        };
        if !matches {
            return Err(StoreError::Conflict {
                stream_id: stream.stream_id.clone(),
                expected: stream.expected,
                actual,
            });
        }
        Ok(actual)
    }

    /// The limits of one append apply to the whole act; a multi-stream act must also name
    /// each stream once and give each at least one event.
    fn check_limits(&self, act: &Act) -> Result<(), StoreError> {
        let limits = &self.config.limits;
        let invalid = |input| Err(StoreError::Invalid(input));
        let streams = act.streams();
        match streams {
            [] => return invalid(InvalidInput::NoStreams),
            [only] if only.events.is_empty() => return invalid(InvalidInput::EmptyAppend),
            [_] => {}
            several => {
                if let Some(empty) = several.iter().find(|stream| stream.events.is_empty()) {
                    return invalid(InvalidInput::StreamWithoutEvents { stream_id: empty.stream_id.clone() });
                }
                if let Some(twice) = named_twice(several) {
                    return invalid(InvalidInput::StreamNamedTwice { stream_id: twice.clone() });
                }
            }
        }
        let n_events = act.n_events();
        if n_events > limits.max_events_per_append {
            return invalid(InvalidInput::TooManyEvents { n_events, max: limits.max_events_per_append });
        }
        let mut total = 0usize;
        for (index, event) in act.events().enumerate() {
            let n_bytes = event.payload.n_bytes();
            if n_bytes > limits.max_payload_bytes {
                return invalid(InvalidInput::EventTooLarge { index, n_bytes, max: limits.max_payload_bytes });
            }
            total += n_bytes;
        }
        if total > limits.max_append_bytes {
            return invalid(InvalidInput::Config(format!(
                "an append carries {total} payload bytes, the limit is {}",
                limits.max_append_bytes
            )));
        }
        Ok(())
    }

    /// What a command id wrote, if the log holds it. An id that sorts after every id in the
    /// log is new without a look in the index.
    pub(crate) fn recorded_command(&self, command_id: Uuid) -> Result<Option<(AppendSpan, StreamId)>, StoreError> {
        if self.newest_command.is_none_or(|newest| command_id > newest) {
            return Ok(None);
        }
        self.log.command(command_id)
    }

    /// A stream's version, from the writer's memory or else the index.
    pub(crate) fn stream_version(&mut self, stream_id: &StreamId) -> Result<u64, StoreError> {
        if let Some(version) = self.versions.get(stream_id) {
            return Ok(*version);
        }
        if !self.streams.may_hold(&self.log.tree, stream_id) {
            return Ok(0);
        }
        let version = self.log.stream_version(stream_id)?;
        self.remember_version(stream_id.clone(), version);
        Ok(version)
    }

    fn remember_version(&mut self, stream_id: StreamId, version: u64) {
        if self.versions.len() >= self.config.limits.max_cached_streams {
            // A crude bound: forgetting costs only an index read per stream afterwards.
            self.versions.clear();
        }
        self.versions.insert(stream_id, version);
    }

    /// Writes a group's records (their index entries follow, see `write_group`), syncs if
    /// asked, then publishes the new head and tells subscribers. Returns the records committed.
    fn commit(
        &mut self,
        records: Vec<RecordedEvent>,
        chunks: ChunkRun,
        head: Head,
        versions: HashMap<StreamId, u64>,
        durable: bool,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        if records.is_empty() {
            if durable && self.unsynced {
                self.sync()?;
            }
            return Ok(Vec::new());
        }
        if let Some(reason) = &self.poisoned {
            return Err(StoreError::Poisoned { reason: reason.clone() });
        }
        if let Err(error) = self.write_group(chunks, &records) {
            // Part of the group may be in the tree: nothing more can be written on top of it.
            // Reopening the store finds the records that are whole and restores their indexes.
            self.poisoned = Some(format!("writing a group of appends failed: {error}"));
            return Err(error);
        }
        self.log.count_commit();
        self.unsynced = true;
        if durable {
            self.sync()?;
        }
        self.head = head;
        for (stream_id, version) in versions {
            self.remember_version(stream_id, version);
        }
        self.newest_command = records.iter().map(|record| record.command_id).chain(self.newest_command).max();
        for record in records.iter().filter(|record| record.stream_version == 1) {
            self.streams.started(&record.stream_id);
        }
        self.log.publish(head);
        if self.events.receiver_count() > 0 {
            // No subscriber listening is fine; a lagging one reads the log instead.
            let _ = self.events.send(Arc::from(records.clone()));
        }
        Ok(records)
    }

    /// Writes records whose chain and versions the caller already checked: for imports.
    pub(crate) fn commit_checked(
        &mut self,
        records: Vec<(Vec<u8>, RecordedEvent)>,
        durable: bool,
    ) -> Result<(), StoreError> {
        let Some((_, last)) = records.last() else { return Ok(()) };
        let head = Head { position: last.position, hash: last.hash, recorded_at: last.recorded_at };
        let mut versions = HashMap::new();
        let mut chunks = ChunkRun::new(self.config.chunk_target_bytes);
        for (canonical, record) in &records {
            versions.insert(record.stream_id.clone(), record.stream_version);
            chunks.push(record.position, canonical, &record.prev_hash, &record.hash);
        }
        let records = records.into_iter().map(|(_, record)| record).collect();
        self.commit(records, chunks, head, versions, durable).map(|_| ())
    }

    /// Writes a group's chunks, then queues its index entries for the index thread (see
    /// `pending_index`; `index` explains why the order makes crashes safe). A group that fits
    /// in one chunk is one plain insert, atomic on its own: sled's `apply_batch` first writes
    /// out its IO buffer, which costs more than an insert (BENCHMARKS.md). A group of several
    /// chunks goes in one batch, so no append is ever cut in two.
    fn write_group(&self, chunks: ChunkRun, records: &[RecordedEvent]) -> Result<(), StoreError> {
        let mut chunks = chunks.finish();
        let failed = |e| StoreError::sled("writing a group of appends", e);
        if chunks.len() == 1 {
            let (key, value) = chunks.pop().expect("one chunk");
            self.log.tree.insert(key, value).map_err(failed)?;
        } else {
            let mut batch = sled::Batch::default();
            for (key, value) in chunks {
                batch.insert(&key, value);
            }
            self.log.tree.apply_batch(batch).map_err(failed)?;
        }
        self.log.pending.push(index::appends_of(records))
    }

    /// Makes everything applied so far durable. A failure poisons the writer: after a failed
    /// fsync the kernel may have dropped the dirty pages, so nothing later can be trusted.
    pub(crate) fn sync(&mut self) -> Result<(), StoreError> {
        let Some(syncer) = self.syncer.as_mut() else {
            self.unsynced = false;
            return Ok(());
        };
        let started = std::time::Instant::now();
        match syncer.sync(&self.log.db) {
            Ok(()) => {
                self.last_sync = Some(started.elapsed());
                self.log.count_sync();
                self.unsynced = false;
                Ok(())
            }
            Err(error) => {
                self.poisoned = Some(error.to_string());
                Err(error)
            }
        }
    }

    /// Removes what an unfinished import wrote: every chunk after `head`, and the given
    /// index keys. Used only by the import, which has the writer to itself.
    pub(crate) fn roll_back_to(&mut self, head: Head, index_keys: Vec<Vec<u8>>) -> Result<(), StoreError> {
        // Let the index thread finish first, so that no entry it writes comes back afterwards.
        self.log.pending.wait_through(u64::MAX)?;
        let mut batch = sled::Batch::default();
        for entry in
            self.log.tree.range(crate::layout::chunk_key(head.position + 1)..=crate::layout::chunk_key(u64::MAX))
        {
            let (key, _) = entry.map_err(|e| StoreError::sled("rolling back an import", e))?;
            batch.remove(key);
        }
        for key in index_keys {
            batch.remove(key);
        }
        self.log.tree.apply_batch(batch).map_err(|e| StoreError::sled("rolling back an import", e))?;
        self.head = head;
        self.versions.clear();
        self.log.publish(head);
        self.unsynced = true;
        self.sync()
    }

    /// The answer for one placed append, once its group has committed.
    fn answer(&self, records: &[RecordedEvent], placed: Placed) -> Result<Appended, StoreError> {
        match placed {
            Placed::New(range) => Ok(Appended { events: records[range].to_vec(), deduplicated: false }),
            Placed::SeenInGroup(range) => Ok(Appended { events: records[range].to_vec(), deduplicated: true }),
            Placed::SeenBefore(span) => {
                let events = self.log.read_positions(span.first_position, span.last_position())?;
                Ok(Appended { events, deduplicated: true })
            }
        }
    }
}

/// Places the records of one stream of an act, at the end of the group, chained to what
/// comes before them.
fn place_records(group: &mut Group, command_id: Uuid, stream: StreamEvents, actual: u64, recorded_at: Timestamp) {
    let StreamEvents { stream_id, events, .. } = stream;
    let start = group.records.len();
    let first_version = actual + 1;
    for (offset, event) in (0u64..).zip(events) {
        let position = group.head.position + 1;
        let stream_version = first_version + offset;
        let fields = CanonicalFields {
            position,
            stream_id: stream_id.as_str(),
            stream_version,
            event_id: event.event_id,
            command_id,
            event_type: event.event_type.as_str(),
            schema_version: event.schema_version,
            occurred_at: event.occurred_at,
            recorded_at,
            actor: event.actor.as_str(),
            payload: event.payload.as_str(),
        };
        let hash = group.chunks.encode(&fields, &group.head.hash);
        let record = RecordedEvent {
            position,
            stream_id: stream_id.clone(),
            stream_version,
            event_id: event.event_id,
            command_id,
            event_type: event.event_type,
            schema_version: event.schema_version,
            occurred_at: event.occurred_at,
            recorded_at,
            actor: event.actor,
            payload: event.payload,
            prev_hash: group.head.hash,
            hash,
        };
        group.head = Head { position, hash, recorded_at };
        group.records.push(record);
    }
    let n_placed = u64::try_from(group.records.len() - start).unwrap_or(u64::MAX);
    group.versions.insert(stream_id, actual + n_placed);
}

/// The parts of an act, taken by value: one inline, or several.
enum Either<A, B> {
    One(A),
    Many(B),
}

impl<T, A: Iterator<Item = T>, B: Iterator<Item = T>> Iterator for Either<A, B> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            Either::One(one) => one.next(),
            Either::Many(many) => many.next(),
        }
    }
}

/// A stream named more than once, if any. Streams are few: pairs are compared, unless there
/// are many.
fn named_twice(streams: &[StreamEvents]) -> Option<&StreamId> {
    if streams.len() <= 16 {
        return streams
            .iter()
            .enumerate()
            .find(|(i, stream)| streams[..*i].iter().any(|before| before.stream_id == stream.stream_id))
            .map(|(_, stream)| &stream.stream_id);
    }
    let mut seen = std::collections::HashSet::with_capacity(streams.len());
    streams.iter().map(|stream| &stream.stream_id).find(|stream_id| !seen.insert(*stream_id))
}

/// Whether the records a command id wrote are in any of `streams`: a repeat must name at
/// least one stream its first use wrote to. The records of one stream are adjacent, so each
/// stream is compared once.
fn wrote_to_any(written: &[RecordedEvent], streams: &[StreamEvents]) -> bool {
    let mut last: Option<&StreamId> = None;
    written.iter().any(|record| {
        if last == Some(&record.stream_id) {
            return false;
        }
        last = Some(&record.stream_id);
        streams.iter().any(|stream| stream.stream_id == record.stream_id)
    })
}

/// The error for a command id used again for other streams: each side named by its first.
fn command_id_reused(act: &Act, written: &[RecordedEvent]) -> StoreError {
    StoreError::CommandIdReused {
        command_id: act.command_id,
        original_stream: written.first().map_or_else(|| act.streams()[0].stream_id.clone(), |r| r.stream_id.clone()),
        stream_id: act.streams()[0].stream_id.clone(),
    }
}

/// Errors are answered to every append of a failed group; `std::io::Error` is not `Clone`,
/// so each gets a copy that keeps the kind and the message.
fn clone_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Io { context, source } => {
            StoreError::Io { context, source: std::io::Error::new(source.kind(), source.to_string()) }
        }
        StoreError::InUse { path } => StoreError::InUse { path: path.clone() },
        StoreError::Corruption { at, problem } => StoreError::Corruption { at: *at, problem: problem.clone() },
        StoreError::Conflict { stream_id, expected, actual } => {
            StoreError::Conflict { stream_id: stream_id.clone(), expected: *expected, actual: *actual }
        }
        StoreError::CommandIdReused { command_id, original_stream, stream_id } => StoreError::CommandIdReused {
            command_id: *command_id,
            original_stream: original_stream.clone(),
            stream_id: stream_id.clone(),
        },
        StoreError::Invalid(input) => StoreError::Invalid(input.clone()),
        StoreError::Import { line, problem } => StoreError::Import { line: *line, problem: problem.clone() },
        StoreError::ImportRecord { record, offset, problem } => {
            StoreError::ImportRecord { record: *record, offset: *offset, problem: problem.clone() }
        }
        StoreError::Poisoned { reason } => StoreError::Poisoned { reason: reason.clone() },
        StoreError::Closed => StoreError::Closed,
    }
}
