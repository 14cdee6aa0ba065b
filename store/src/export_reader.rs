//! Reading a whole export file on every core ([`crate::block_reader`]), a block of whole
//! lines at a time, with the results in line order.

use std::io::Read;

use crate::block_reader::{read_in_blocks, Block, BlockSource, ReadOptions, RecordAt, Scanned, Stop};
use crate::export_line::LineScanner;

/// The longest line an export may hold, in bytes (line end included): a record at the
/// payload limit, JSON-escaped.
pub const MAX_EXPORT_LINE_BYTES: usize = 1024 * 1024;

/// Reads the lines of `input` and calls `each` with every line (its number is the line
/// number, 1 for the first line of `input`), in order, until the input ends or `each` returns
/// an error, which is then returned. A read failure, an over-long line and a last line with no
/// line end (a file cut short) arrive as the problem of the line where they happen, and end
/// the reading.
pub fn read_export_lines<E>(
    input: impl Read,
    options: ReadOptions,
    each: impl FnMut(RecordAt) -> Result<(), E>,
) -> Result<(), E> {
    let source = LineBlocks {
        input,
        block_bytes: options.block_bytes.max(1),
        carry: Vec::new(),
        offset: 0,
        problem: None,
        ended: false,
    };
    let keep_records = options.keep_records;
    read_in_blocks(source, options.workers, &|block| scan_lines(block, keep_records), each)
}

/// Reads every line of a block of whole lines.
fn scan_lines(block: &[u8], keep_records: bool) -> Vec<Scanned> {
    let mut scanner = LineScanner::new();
    let mut results = Vec::with_capacity(block.len() / 512);
    let mut start = 0;
    for end in memchr::memchr_iter(b'\n', block) {
        let line = &block[start..end];
        let offset = start as u64;
        start = end + 1;
        results.push((
            offset,
            if line.len() >= MAX_EXPORT_LINE_BYTES {
                Err(too_long())
            } else {
                match std::str::from_utf8(line) {
                    Ok(text) => scanner.scan(text, keep_records),
                    Err(error) => Err(format!("the line is not UTF-8 text: {error}")),
                }
            },
        ));
    }
    results
}

fn too_long() -> String {
    format!("line is longer than {MAX_EXPORT_LINE_BYTES} bytes")
}

/// Cuts the input into blocks of whole lines.
struct LineBlocks<R> {
    input: R,
    block_bytes: usize,
    /// The start of a line that the last block cut off.
    carry: Vec<u8>,
    /// The input offset of `carry`.
    offset: u64,
    /// A problem found after the whole lines just handed out, to hand out next.
    problem: Option<Stop>,
    ended: bool,
}

impl<R: Read> BlockSource for LineBlocks<R> {
    fn next_block(&mut self, mut block: Vec<u8>) -> Option<Result<Block, Stop>> {
        if let Some(stop) = self.problem.take() {
            return Some(Err(stop));
        }
        if self.ended {
            return None;
        }
        // Until a whole line is read, or the input ends.
        loop {
            block.clear();
            block.reserve(self.carry.len() + self.block_bytes);
            block.extend_from_slice(&self.carry);
            let wanted = u64::try_from(self.block_bytes).unwrap_or(u64::MAX);
            let n_read = match self.input.by_ref().take(wanted).read_to_end(&mut block) {
                Ok(n_read) => n_read,
                Err(error) => {
                    self.ended = true;
                    return Some(Err(Stop { offset: self.offset, problem: format!("cannot read: {error}") }));
                }
            };
            let at_end = n_read < self.block_bytes;
            self.ended = at_end;
            let whole = memchr::memrchr(b'\n', &block).map_or(0, |last| last + 1);
            let offset = self.offset;
            self.offset += whole as u64;
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
                    let stop = Stop { offset: self.offset, problem };
                    if block.is_empty() {
                        return Some(Err(stop));
                    }
                    // The whole lines first; the problem comes out on the next call.
                    self.problem = Some(stop);
                    return Some(Ok(Block { bytes: block, offset }));
                }
            }
            if block.is_empty() {
                if self.ended {
                    return None;
                }
                continue;
            }
            return Some(Ok(Block { bytes: block, offset }));
        }
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
        read_export_lines(bytes, options, |at| {
            seen.push((at.number, at.result.map(|line| line.position)));
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
        let outcome = read_export_lines(text.as_bytes(), options, |at| {
            calls += 1;
            assert!(at.result.expect("reads").record.is_some(), "records are kept");
            if at.number == 17 {
                Err(at.number)
            } else {
                Ok(())
            }
        });
        assert_eq!(outcome, Err(17));
        assert_eq!(calls, 17);
    }
}
