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

/// How many bytes the reader hands a worker at a time, by default (then cut back to whole
/// lines): large enough that handing over costs nothing beside reading, small enough that a
/// few blocks in flight are a few megabytes.
const BLOCK_BYTES: usize = 4 * 1024 * 1024;

/// How the lines of an export file are read.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Keep each whole record, not only what the chain checks need.
    pub keep_records: bool,
    /// Threads that read lines; at least one.
    pub workers: usize,
    /// Bytes read at a time, before cutting back to whole lines; at least one.
    pub block_bytes: usize,
}

impl ReadOptions {
    /// One worker per core the process may use.
    pub fn on_every_core(keep_records: bool) -> ReadOptions {
        let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        ReadOptions { keep_records, workers, block_bytes: BLOCK_BYTES }
    }
}

/// A block of whole lines, and where its workers' answer goes.
struct Job {
    block: Vec<u8>,
    reply: SyncSender<Answer>,
}

/// A block's lines read, and the block itself back, for the reader to fill again.
struct Answer {
    results: Vec<Result<ScannedLine, String>>,
    block: Vec<u8>,
}

/// What the caller gets next, in file order.
enum Pending {
    /// The lines of one block, being read by a worker.
    Block(Receiver<Answer>),
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
        let mut blocks = Blocks {
            input,
            block_bytes: options.block_bytes.max(1),
            carry: Vec::new(),
            problem: None,
            ended: false,
            free: Vec::new(),
        };
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
                    Ok(Answer { results, block }) => {
                        blocks.free.push(block);
                        results
                    }
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
        let _ = reply.send(Answer { results, block });
    }
}

fn too_long() -> String {
    format!("line is longer than {MAX_EXPORT_LINE_BYTES} bytes")
}

/// Cuts the input into blocks of whole lines.
struct Blocks<R> {
    input: R,
    block_bytes: usize,
    /// The start of a line that the last block cut off.
    carry: Vec<u8>,
    /// A problem found after the whole lines just handed out, to hand out next.
    problem: Option<String>,
    ended: bool,
    /// Blocks the workers are done with, to fill again rather than allocate.
    free: Vec<Vec<u8>>,
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
        let mut block = self.free.pop().unwrap_or_default();
        block.clear();
        block.reserve(self.carry.len() + self.block_bytes);
        block.extend_from_slice(&self.carry);
        let wanted = u64::try_from(self.block_bytes).unwrap_or(u64::MAX);
        let n_read = match self.input.by_ref().take(wanted).read_to_end(&mut block) {
            Ok(n_read) => n_read,
            Err(error) => {
                self.ended = true;
                return Some(Err(format!("cannot read: {error}")));
            }
        };
        let at_end = n_read < self.block_bytes;
        self.ended = at_end;
        let whole = memchr::memrchr(b'\n', &block).map_or(0, |last| last + 1);
        self.carry.clear();
        self.carry.extend_from_slice(&block[whole..]);
        block.truncate(whole);
        if !self.carry.is_empty() {
            // With its line end still to come, the line will be longer than this.
            let problem = if self.carry.len() >= MAX_EXPORT_LINE_BYTES {
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
        }
        if block.is_empty() {
            return if self.ended { None } else { self.next_block() };
        }
        Some(Ok(block))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonl::ExportLine;
    use crate::record::{Actor, EventType, Hash, Payload, RecordedEvent, StreamId, Timestamp};

    fn line(position: u64) -> String {
        let record = RecordedEvent {
            position,
            stream_id: StreamId::new(format!("case-{}", position % 7)).expect("valid"),
            stream_version: position,
            event_id: uuid::Uuid::from_u128(u128::from(position)),
            command_id: uuid::Uuid::from_u128(u128::from(position) << 64),
            event_type: EventType::new("ServiceProvided").expect("valid"),
            schema_version: 1,
            occurred_at: Timestamp::from_unix_ms(1_700_000_000_000),
            recorded_at: Timestamp::from_unix_ms(1_700_000_000_000),
            actor: Actor::new("staff-1").expect("valid"),
            payload: Payload::from_value(
                &serde_json::json!({ "note": "Στέγαση \"επείγον\"".repeat(1 + (position % 5) as usize) }),
            ),
            prev_hash: Hash([3; 32]),
            hash: Hash([4; 32]),
        };
        let mut line = serde_json::to_string(&ExportLine::of(&record)).expect("serialises");
        line.push('\n');
        line
    }

    fn read_all(bytes: &[u8], workers: usize, block_bytes: usize) -> Vec<(u64, Result<u64, String>)> {
        let mut seen = Vec::new();
        let options = ReadOptions { keep_records: false, workers, block_bytes };
        read_export_lines(bytes, options, |number, result| {
            seen.push((number, result.map(|line| line.position)));
            Ok::<(), ()>(())
        })
        .expect("never stops early");
        seen
    }

    #[test]
    fn lines_come_back_numbered_and_in_order_whatever_the_blocks_and_workers() {
        let text: String = (1..=200).map(line).collect();
        let expected: Vec<(u64, Result<u64, String>)> = (1..=200).map(|n| (n, Ok(n))).collect();
        for (workers, block_bytes) in [(1, 1), (1, 1000), (2, 333), (3, 4096), (4, 1 << 20)] {
            assert_eq!(
                read_all(text.as_bytes(), workers, block_bytes),
                expected,
                "{workers} workers, blocks of {block_bytes}"
            );
        }
        assert!(read_all(b"", 2, 100).is_empty());
    }

    #[test]
    fn a_cut_an_overlong_line_and_bad_bytes_are_named_at_their_line_and_end_the_reading() {
        let whole: String = (1..=5).map(line).collect();
        let cut = &whole[..whole.len() - 10];
        for block_bytes in [50, 1 << 20] {
            let seen = read_all(cut.as_bytes(), 2, block_bytes);
            assert_eq!(seen.len(), 5);
            assert_eq!(seen[3], (4, Ok(4)));
            let (number, problem) = &seen[4];
            assert_eq!(*number, 5);
            assert!(problem.as_ref().is_err_and(|p| p.contains("cut short")), "{problem:?}");
        }
        let mut long = line(1).into_bytes();
        long.extend(std::iter::repeat_n(b'x', MAX_EXPORT_LINE_BYTES));
        long.extend(line(2).into_bytes());
        for block_bytes in [4096, 1 << 22] {
            let seen = read_all(&long, 2, block_bytes);
            assert_eq!(seen[0], (1, Ok(1)));
            assert!(seen[1].1.as_ref().is_err_and(|p| p.contains("longer than")), "{:?}", seen[1]);
        }
        let mut bad = line(1).into_bytes();
        bad.extend(b"\xff\xfe\n");
        bad.extend(line(3).into_bytes());
        let seen = read_all(&bad, 2, 64);
        assert!(seen[1].1.as_ref().is_err_and(|p| p.contains("not UTF-8")), "{:?}", seen[1]);
        assert_eq!(seen[2], (3, Ok(3)));
    }

    #[test]
    fn the_callers_error_stops_the_reading_and_comes_back() {
        let text: String = (1..=300).map(line).collect();
        let mut calls = 0;
        let options = ReadOptions { keep_records: true, workers: 2, block_bytes: 700 };
        let outcome = read_export_lines(text.as_bytes(), options, |number, result| {
            calls += 1;
            assert!(result.expect("reads").record.is_some(), "records are kept");
            if number == 17 {
                Err(number)
            } else {
                Ok(())
            }
        });
        assert_eq!(outcome, Err(17));
        assert_eq!(calls, 17);
    }
}
