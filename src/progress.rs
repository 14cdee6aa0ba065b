//! Progress of long work (a rebuild, a verify, an import, an export, a replay of bundles, the
//! demo), reported to the caller's callback as it goes, so that an embedder shows it as the
//! command line does.

/// What the work is doing now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Checking records before anything is written (an import's first pass).
    Checking,
    /// Writing records (an import's second pass).
    Writing,
    /// Recomputing the chain and the indexes (a verify).
    Verifying,
    /// Folding records into the read models (a rebuild).
    Folding,
    /// Simulating days of a centre's work (the demo).
    Simulating,
    /// Writing records out (an export).
    Exporting,
    /// Checking records and folding them into read models (a replay of bundles).
    Replaying,
}

impl Work {
    /// In words, for a progress line.
    pub fn as_str(self) -> &'static str {
        match self {
            Work::Checking => "checking",
            Work::Writing => "writing",
            Work::Verifying => "verifying",
            Work::Folding => "folding the read models",
            Work::Simulating => "simulating days",
            Work::Exporting => "writing the records",
            Work::Replaying => "checking and folding the records",
        }
    }
}

/// How far the work has got: `done` of `total` units (records; days for the demo), `total`
/// `None` while it is not known yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// What is being done.
    pub work: Work,
    /// Units done so far.
    pub done: u64,
    /// Units in all, when known.
    pub total: Option<u64>,
}

/// The callback progress is reported to: at most every [`REPORT_EVERY`] units, and once
/// at the end of each part of the work.
pub type Report<'a> = &'a (dyn Fn(Progress) + Sync);

/// Units between two reports.
pub const REPORT_EVERY: u64 = 1_000;

/// A report that shows nothing, for callers that want none.
pub fn silently(_: Progress) {}

/// Counts units and reports every [`REPORT_EVERY`] of them.
pub(crate) struct Counter<'a> {
    report: Report<'a>,
    work: Work,
    total: Option<u64>,
    done: u64,
}

impl<'a> Counter<'a> {
    pub(crate) fn new(report: Report<'a>, work: Work, total: Option<u64>) -> Counter<'a> {
        Counter { report, work, total, done: 0 }
    }

    /// One more unit done.
    pub(crate) fn tick(&mut self) {
        self.done += 1;
        if self.done.is_multiple_of(REPORT_EVERY) {
            (self.report)(Progress { work: self.work, done: self.done, total: self.total });
        }
    }

    /// Units done so far.
    pub(crate) fn done(&self) -> u64 {
        self.done
    }

    /// The last report of this part.
    pub(crate) fn finish(&self) {
        (self.report)(Progress { work: self.work, done: self.done, total: self.total.or(Some(self.done)) });
    }
}

/// A writer that reports a unit of progress for every line written through it (an export's
/// records are one a line).
pub(crate) struct LinesReported<'a, 'w, W: std::io::Write> {
    pub(crate) inner: &'w mut W,
    pub(crate) counter: Counter<'a>,
}

impl<W: std::io::Write> std::io::Write for LinesReported<'_, '_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        for _ in buf[..written].iter().filter(|b| **b == b'\n') {
            self.counter.tick();
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
