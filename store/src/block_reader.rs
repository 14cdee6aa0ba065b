//! Reading a file of records on every core, with the results in file order.
//!
//! A [`BlockSource`] cuts the input into blocks of whole records (lines of an export, frames
//! of a bundle). Worker threads read and check the records of a block on their own, which is
//! most of the work: their fields, and each hash against its canonical bytes. The caller sees
//! what they made of each block in file order — every record's result ([`read_in_blocks`]),
//! or a summary of the whole block ([`read_blocks`], for `frame_check`) — and does the checks
//! that need the records before (positions, the chain's links, stream versions). Memory stays
//! bounded: only a few blocks are in flight at once, and their buffers are filled again.

use std::collections::VecDeque;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use crate::record::{Hash, RecordedEvent, StreamId, Timestamp};

/// How many bytes a source hands a worker at a time, by default (then cut back to whole
/// records): large enough that handing over costs nothing beside reading, small enough that a
/// few blocks in flight are a few megabytes.
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// How the records of a file are read.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Keep each whole record, not only what the chain checks need.
    pub keep_records: bool,
    /// Threads that read records; at least one.
    pub workers: usize,
    /// Bytes read at a time, before cutting back to whole records; at least one.
    pub block_bytes: usize,
}

impl ReadOptions {
    /// One worker per core the process may use.
    pub fn on_every_core(keep_records: bool) -> ReadOptions {
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        ReadOptions { keep_records, workers, block_bytes: BLOCK_BYTES }
    }
}

/// One record of a file, where it is, and what was read of it, or the problem that stopped it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordAt {
    /// 1 for the first record of the input, then +1.
    pub number: u64,
    /// The byte offset in the input where the record starts.
    pub offset: u64,
    /// The record, or what is wrong with it.
    pub result: Result<ScannedRecord, String>,
}

/// One record (an export line, a bundle frame) read and checked on its own: what the chain
/// checks in order need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScannedRecord {
    /// The record's global position.
    pub position: u64,
    /// Its stream.
    pub stream_id: StreamId,
    /// Its version in the stream.
    pub stream_version: u64,
    /// When the store committed it.
    pub recorded_at: Timestamp,
    /// The previous hash: the one the line names, or the hash of the frame before.
    pub prev_hash: Hash,
    /// The hash the record carries.
    pub hash: Hash,
    /// SHA-256 over the previous hash and the record's canonical bytes.
    pub recomputed: Hash,
    /// The whole record, when the reader was asked to keep it.
    pub record: Option<RecordedEvent>,
}

/// A block of whole records for a worker.
pub(crate) struct Block {
    /// What the worker reads; the source decides the layout.
    pub bytes: Vec<u8>,
    /// The byte offset in the input of the first record in the block.
    pub offset: u64,
}

/// A problem that ends the input, and where.
pub(crate) struct Stop {
    pub offset: u64,
    pub problem: String,
}

/// Cuts an input into blocks of whole records.
pub(crate) trait BlockSource {
    /// The next block, a problem that ends the input, or `None` at its end. `spare` is a
    /// buffer a worker is done with, to fill again rather than allocate.
    fn next_block(&mut self, spare: Vec<u8>) -> Option<Result<Block, Stop>>;
}

/// What a worker makes of one record of a block: its offset from the block's first record,
/// and the record or its problem.
pub(crate) type Scanned = (u64, Result<ScannedRecord, String>);

/// What a worker made of a block (and the block, which it may point into), or the problem
/// that ends the input; `offset` is where in the input the block or the problem is.
pub(crate) enum Read<'b, T> {
    Block { offset: u64, made: T, bytes: &'b [u8] },
    Stop(Stop),
}

/// A block's records read, and the block's bytes back, for the source to fill again.
struct Answer<T> {
    made: T,
    bytes: Vec<u8>,
}

struct Job<T> {
    bytes: Vec<u8>,
    reply: SyncSender<Answer<T>>,
}

/// What the caller gets next, in file order.
enum Pending<T> {
    /// One block starting at this offset, being read by a worker.
    Block(u64, Receiver<Answer<T>>),
    /// A problem after everything before it; nothing follows.
    Stop(Stop),
}

/// Reads every block of `source` with `scan` on `workers` threads and calls `each` with every
/// record in order, until the input ends or `each` returns an error, which is then returned.
pub(crate) fn read_in_blocks<E>(
    source: impl BlockSource,
    workers: usize,
    scan: &(dyn Fn(&[u8]) -> Vec<Scanned> + Sync),
    mut each: impl FnMut(RecordAt) -> Result<(), E>,
) -> Result<(), E> {
    let mut number = 0u64;
    read_blocks(source, workers, scan, |read| {
        let (block_offset, results) = match read {
            Read::Block { offset, made, .. } => (offset, made),
            Read::Stop(Stop { offset, problem }) => (offset, vec![(0, Err(problem))]),
        };
        for (offset, result) in results {
            number += 1;
            each(RecordAt { number, offset: block_offset + offset, result })?;
        }
        Ok(())
    })
}

/// Reads every block of `source` with `make` on `workers` threads and calls `each` with what
/// was made of each block, in order, until the input ends or `each` returns an error, which
/// is then returned. A problem that ends the input comes last.
pub(crate) fn read_blocks<T: Send, E>(
    mut source: impl BlockSource,
    workers: usize,
    make: &(dyn Fn(&[u8]) -> T + Sync),
    mut each: impl FnMut(Read<'_, T>) -> Result<(), E>,
) -> Result<(), E> {
    let workers = workers.max(1);
    let (jobs, queue) = sync_channel::<Job<T>>(workers);
    let queue = Arc::new(Mutex::new(queue));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            scope.spawn(move || work(&queue, make));
        }
        let mut spare: Vec<Vec<u8>> = Vec::new();
        let mut pending: VecDeque<Pending<T>> = VecDeque::new();
        let mut ended = false;
        let outcome = loop {
            while !ended && pending.len() < 2 * workers {
                match source.next_block(spare.pop().unwrap_or_default()) {
                    None => ended = true,
                    Some(Ok(Block { bytes, offset })) => {
                        let (reply, answer) = sync_channel(1);
                        if jobs.send(Job { bytes, reply }).is_err() {
                            ended = true;
                        }
                        pending.push_back(Pending::Block(offset, answer));
                    }
                    Some(Err(stop)) => {
                        ended = true;
                        pending.push_back(Pending::Stop(stop));
                    }
                }
            }
            let Some(next) = pending.pop_front() else { break Ok(()) };
            let outcome = match next {
                Pending::Block(offset, answer) => match answer.recv() {
                    Ok(Answer { made, bytes }) => {
                        let outcome = each(Read::Block { offset, made, bytes: &bytes });
                        spare.push(bytes);
                        outcome
                    }
                    Err(_) => {
                        ended = true;
                        pending.clear();
                        each(Read::Stop(Stop { offset, problem: "a worker reading the file stopped".to_owned() }))
                    }
                },
                Pending::Stop(stop) => each(Read::Stop(stop)),
            };
            if let Err(error) = outcome {
                break Err(error);
            }
        };
        // Closing the queue ends the workers; blocks still in flight are dropped unread.
        drop(jobs);
        outcome
    })
}

/// A worker: reads each block it takes until the queue closes.
fn work<T>(queue: &Mutex<Receiver<Job<T>>>, make: &(dyn Fn(&[u8]) -> T + Sync)) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job { bytes, reply }) = job else { return };
        let made = make(&bytes);
        // The caller may have stopped waiting (an earlier record failed): nothing to do then.
        let _ = reply.send(Answer { made, bytes });
    }
}
