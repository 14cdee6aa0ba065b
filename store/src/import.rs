//! Importing a log file into a store: a JSON Lines export, or the record frames of a bundle.
//! The whole file is checked before anything is written, and a failure while writing rolls
//! back, so the store is left as it was or holds the whole file.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::path::{Path, PathBuf};

use uuid::Uuid;

use crate::block_reader::{ReadOptions, RecordAt};
use crate::canonical::canonical_bytes;
use crate::error::StoreError;
use crate::export_reader::read_export_lines;
use crate::frames::read_record_frames;
use crate::jsonl::Imported;
use crate::layout::{command_key, stream_key};
use crate::log_rules::LogRules;
use crate::record::{Head, RecordedEvent, StreamId};
use crate::store::Store;
use crate::verify::ChainChecker;
use crate::writer::Writer;

/// Where an import reads its records, and in which form.
#[derive(Clone, Debug)]
enum Source {
    /// A JSON Lines export (`FORMAT.md`, "The JSON Lines export").
    Lines(PathBuf),
    /// A frame stream (`FORMAT.md`, "Record frames") that starts at this byte of the file.
    Frames(PathBuf, u64),
}

impl Store {
    /// Imports a JSON Lines export whose first record joins this store's head (position 1
    /// with the zero hash, for an empty store). The whole file is checked before anything is
    /// written: a tampered, truncated or reordered file fails with its line number and the
    /// store is left as it was. No append runs while an import does.
    pub fn import_jsonl(&self, path: impl AsRef<Path>) -> Result<Imported, StoreError> {
        self.import_jsonl_checked(path, |_| Ok(()))
    }

    /// [`Store::import_jsonl`] with a check of the caller's on every record, run in the
    /// checking pass before anything is written: a record it refuses refuses the whole file,
    /// named by its line and position. The Engine checks that it can decode every event.
    pub fn import_jsonl_checked(
        &self,
        path: impl AsRef<Path>,
        check: impl FnMut(&RecordedEvent) -> Result<(), String>,
    ) -> Result<Imported, StoreError> {
        let source = Source::Lines(path.as_ref().to_path_buf());
        self.exclusive(|writer| import(writer, &source, check))?
    }

    /// Imports a frame stream that starts at byte `offset` of the file at `path` (0 for a
    /// file of frames alone; past the manifest for a bundle) and joins this store's head. The
    /// same checks and the same all-or-nothing promise as [`Store::import_jsonl`]; a problem
    /// is named by record number and byte offset.
    pub fn import_frames(&self, path: impl AsRef<Path>, offset: u64) -> Result<Imported, StoreError> {
        self.import_frames_checked(path, offset, |_| Ok(()))
    }

    /// [`Store::import_frames`] with a check of the caller's on every record, as
    /// [`Store::import_jsonl_checked`] has.
    pub fn import_frames_checked(
        &self,
        path: impl AsRef<Path>,
        offset: u64,
        check: impl FnMut(&RecordedEvent) -> Result<(), String>,
    ) -> Result<Imported, StoreError> {
        let source = Source::Frames(path.as_ref().to_path_buf(), offset);
        self.exclusive(|writer| import(writer, &source, check))?
    }
}

impl Source {
    /// Opens the file and calls `each` with every record in order (read on every core).
    fn read(&self, each: impl FnMut(RecordAt) -> Result<(), StoreError>) -> Result<(), StoreError> {
        let options = ReadOptions::on_every_core(true);
        match self {
            Source::Lines(path) => read_export_lines(open(path)?, options, each),
            Source::Frames(path, offset) => {
                let mut file = open(path)?;
                file.seek(SeekFrom::Start(*offset)).map_err(|e| StoreError::io("reading the import file", e))?;
                read_record_frames(file, *offset, options, each)
            }
        }
    }

    /// The error for a problem with the record numbered `number`, at byte `offset`.
    fn problem(&self, number: u64, offset: u64, problem: String) -> StoreError {
        match self {
            Source::Lines(_) => StoreError::Import { line: number, problem },
            Source::Frames(..) => StoreError::ImportRecord { record: number, offset, problem },
        }
    }
}

fn open(path: &Path) -> Result<File, StoreError> {
    File::open(path).map_err(|e| StoreError::io("opening the import file", e))
}

fn import(
    writer: &mut Writer,
    source: &Source,
    mut check: impl FnMut(&RecordedEvent) -> Result<(), String>,
) -> Result<Imported, StoreError> {
    let head = writer.head;
    // First pass: check everything, the caller's check included, write nothing.
    let mut n_events = 0u64;
    for_each_checked(writer, source, head, &mut check, |_, _| {
        n_events += 1;
        Ok(())
    })?;
    // Second pass: write, one group per bounded batch of whole acts (all the streams of a
    // command id in one group), synced once at the end.
    let max_batch = writer.config.limits.max_events_per_group;
    let mut batch: Vec<(Vec<u8>, RecordedEvent)> = Vec::new();
    let mut index_keys: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<(Uuid, StreamId)> = None;
    // The caller's check runs again on the second pass: the file may have changed between.
    let written = for_each_checked(writer, source, head, &mut check, |writer, record| {
        let same_act = last.as_ref().is_some_and(|(command_id, _)| *command_id == record.command_id);
        let same_part = same_act && last.as_ref().is_some_and(|(_, stream_id)| *stream_id == record.stream_id);
        if !same_act {
            if batch.len() >= max_batch {
                writer.commit_checked(std::mem::take(&mut batch), false)?;
            }
            index_keys.push(command_key(record.command_id).to_vec());
        }
        if !same_part {
            index_keys.push(stream_key(&record.stream_id, record.stream_version));
            last = Some((record.command_id, record.stream_id.clone()));
        }
        batch.push((canonical_bytes(&record), record));
        Ok(())
    })
    .and_then(|()| writer.commit_checked(std::mem::take(&mut batch), false))
    .and_then(|()| writer.sync());
    if let Err(error) = written {
        // The file changed between the passes, or the disk failed: undo what was written.
        if let Err(rollback) = writer.roll_back_to(head, index_keys) {
            return Err(StoreError::Poisoned {
                reason: format!("{error}; rolling the import back failed: {rollback}"),
            });
        }
        return Err(error);
    }
    Ok(Imported { n_events, head: writer.head })
}

/// Reads the file, checks each record against the chain that starts at `head` and against
/// the store, in order, and hands the good ones to `each`. Stops at the first problem, naming
/// its record.
fn for_each_checked(
    writer: &mut Writer,
    source: &Source,
    head: Head,
    check: &mut dyn FnMut(&RecordedEvent) -> Result<(), String>,
    mut each: impl FnMut(&mut Writer, RecordedEvent) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut checker = ChainChecker::after(head.position, head.hash, head.recorded_at);
    let mut rules = LogRules::new(writer.config.limits.clone());
    source.read(|RecordAt { number, offset, result }| {
        let fail = |problem: String| Err(source.problem(number, offset, problem));
        let scanned = match result {
            Ok(scanned) => scanned,
            Err(problem) => return fail(problem),
        };
        if let Err(problem) = checker.check_scanned(&scanned, |stream| writer.stream_version(stream).map(Some)) {
            return fail(format!("position {}: {problem}", scanned.position));
        }
        let record = scanned.record.expect("the reader keeps records when asked");
        match rules.check(&record) {
            Err(problem) => return fail(problem),
            Ok(true) => {
                if let Some((span, _)) = writer.recorded_command(record.command_id)? {
                    return fail(if span.last_position() + 1 == record.position {
                        format!(
                            "the file starts inside the append of command {} that ends before it; \
                             a range must start at the first record of an append",
                            record.command_id
                        )
                    } else {
                        format!("command {} is already in this store", record.command_id)
                    });
                }
            }
            Ok(false) => {}
        }
        if let Err(problem) = check(&record) {
            return fail(format!("position {}: {problem}", record.position));
        }
        each(writer, record)
    })
}
