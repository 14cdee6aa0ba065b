//! Reading a whole export file on every core, with the results in line order.
//!
//! The file is read in blocks of whole lines. Worker threads read and check the lines of a
//! block on their own ([`LineScanner`]: fields, and each hash against its canonical bytes),
//! which is most of the work; the caller sees every line's result in file order, one after
//! another, and does the checks that need the lines before (positions, the chain's links,
//! stream versions). Memory stays bounded: only a few blocks are in flight at once.

use std::collections::VecDeque;
use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use crate::export_line::{LineScanner, ScannedLine};

/// The longest line an export may hold, in bytes (line end included): a record at the
/// payload limit, JSON-escaped.
pub const MAX_EXPORT_LINE_BYTES: usize = 1024 * 1024;

/// How many bytes the reader hands a worker at a time (then cut back to whole lines).
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// How the lines of an export file are read.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Keep each whole record, not only what the chain checks need.
    pub keep_records: bool,
    /// Threads that read lines; at least one.
    pub workers: usize,
}

impl ReadOptions {
    /// One worker per core the process may use.
    pub fn on_every_core(keep_records: bool) -> ReadOptions {
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        ReadOptions { keep_records, workers }
    }
}

/// A block of whole lines, and where its workers' answer goes.
struct Job {
    block: Vec<u8>,
    reply: SyncSender<Vec<Result<ScannedLine, String>>>,
}

/// What the caller gets next, in file order.
enum Pending {
    /// The lines of one block, being read by a worker.
    Block(Receiver<Vec<Result<ScannedLine, String>>>),
    /// A problem with the line after everything before it; nothing follows.
    Problem(String),
}

/// Reads the lines of `input` and calls `each` with every line's number (1 for the first line
/// of `input`) and result, in order, until the input ends or `each` returns an error, which is
/// then returned. A read failure, an over-long line and a last line with no line end (a file
/// cut short) arrive as the problem of the line where they happen, and end the reading.
pub fn read_export_lines<E>(
    input: impl Read,
    options: ReadOptions,
    mut each: impl FnMut(u64, Result<ScannedLine, String>) -> Result<(), E>,
) -> Result<(), E> {
    let workers = options.workers.max(1);
    let (jobs, queue) = sync_channel::<Job>(workers);
    let queue = Arc::new(Mutex::new(queue));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let queue = Arc::clone(&queue);
            scope.spawn(move || work(&queue, options.keep_records));
        }
        let mut blocks = Blocks { input, carry: Vec::new(), problem: None, ended: false };
        let mut pending: VecDeque<Pending> = VecDeque::new();
        let mut line_number = 0u64;
        let outcome = loop {
            while pending.len() < 2 * workers {
                match blocks.next_block() {
                    None => break,
                    Some(Ok(block)) => {
                        let (reply, answer) = sync_channel(1);
                        if jobs.send(Job { block, reply }).is_err() {
                            break;
                        }
                        pending.push_back(Pending::Block(answer));
                    }
                    Some(Err(problem)) => pending.push_back(Pending::Problem(problem)),
                }
            }
            let Some(next) = pending.pop_front() else { break Ok(()) };
            let results = match next {
                Pending::Block(answer) => match answer.recv() {
                    Ok(results) => results,
                    Err(_) => vec![Err("a worker reading the file stopped".to_owned())],
                },
                Pending::Problem(problem) => vec![Err(problem)],
            };
            let mut failed = None;
            for result in results {
                line_number += 1;
                if let Err(error) = each(line_number, result) {
                    failed = Some(error);
                    break;
                }
            }
            if let Some(error) = failed {
                break Err(error);
            }
        };
        // Closing the queue ends the workers; blocks still in flight are dropped unread.
        drop(jobs);
        outcome
    })
}

/// A worker: reads the lines of each block it takes until the queue closes.
fn work(queue: &Mutex<Receiver<Job>>, keep_records: bool) {
    let mut scanner = LineScanner::new();
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job { block, reply }) = job else { return };
        let mut results = Vec::with_capacity(block.len() / 512);
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &block) {
            let line = &block[start..end];
            start = end + 1;
            results.push(if line.len() >= MAX_EXPORT_LINE_BYTES {
                Err(too_long())
            } else {
                match std::str::from_utf8(line) {
                    Ok(text) => scanner.scan(text, keep_records),
                    Err(error) => Err(format!("the line is not UTF-8 text: {error}")),
                }
            });
        }
        // The reader may have stopped waiting (an earlier line failed): nothing to do then.
        let _ = reply.send(results);
    }
}

fn too_long() -> String {
    format!("line is longer than {MAX_EXPORT_LINE_BYTES} bytes")
}

/// Cuts the input into blocks of whole lines.
struct Blocks<R> {
    input: R,
    /// The start of a line that the last block cut off.
    carry: Vec<u8>,
    /// A problem found after the whole lines just handed out, to hand out next.
    problem: Option<String>,
    ended: bool,
}

impl<R: Read> Blocks<R> {
    /// The next block of whole lines, a problem that ends the input, or `None` at its end.
    fn next_block(&mut self) -> Option<Result<Vec<u8>, String>> {
        if let Some(problem) = self.problem.take() {
            return Some(Err(problem));
        }
        if self.ended {
            return None;
        }
        let mut block = std::mem::take(&mut self.carry);
        block.reserve(BLOCK_BYTES);
        let wanted = u64::try_from(BLOCK_BYTES).unwrap_or(u64::MAX);
        let n_read = match self.input.by_ref().take(wanted).read_to_end(&mut block) {
            Ok(n_read) => n_read,
            Err(error) => {
                self.ended = true;
                return Some(Err(format!("cannot read: {error}")));
            }
        };
        let at_end = n_read < BLOCK_BYTES;
        self.ended = at_end;
        let whole = block.iter().rposition(|&byte| byte == b'\n').map_or(0, |last| last + 1);
        let cut = block.split_off(whole);
        if !cut.is_empty() {
            let problem = if cut.len() > MAX_EXPORT_LINE_BYTES {
                Some(too_long())
            } else if at_end {
                Some("the last line is cut short (no line end): the file is truncated".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                self.ended = true;
                if block.is_empty() {
                    return Some(Err(problem));
                }
                // The whole lines first; the problem comes out on the next call.
                self.problem = Some(problem);
                return Some(Ok(block));
            }
            self.carry = cut;
        }
        if block.is_empty() {
            return if self.ended { None } else { self.next_block() };
        }
        Some(Ok(block))
    }
}
