//! Bundles for evaluators: one file that carries a range of the log, checkable without the
//! centre's help and without a store.
//!
//! A bundle is one line of JSON, the [`Manifest`], then the records as a frame stream
//! (`store/FORMAT.md`, "Record frames"): the canonical bytes that the hash chain covers, each
//! with its hash, so an evaluator checks a record by hashing what is there. Identity never
//! enters the log, so a bundle carries none: it is pseudonymous by construction. A later
//! bundle (exported from a position) joins an earlier one when its first record's previous
//! hash is the earlier one's head hash.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

use parapompi_projections::{audit_trail, AuditSubject, AuditTrail, Projections, Recorded};
use parapompi_store::{
    read_record_frames, ChainChecker, FrameWriter, Hash, Limits, LogRules, ReadOptions, RecordAt, RecordedEvent,
    ScannedRecord, Store, StoreError, Timestamp,
};
use serde::{Deserialize, Serialize};

use crate::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
use crate::error::EngineError;
use crate::progress::{silently, Counter, Report, Work};
use crate::projector::AsOf;
use crate::records::decode;
use crate::signing_key::SigningKey;

/// The `format` field of every manifest.
pub const BUNDLE_FORMAT: &str = "parapompi-bundle";
/// The version of the bundle format this code writes and reads: 2, a manifest line and then
/// record frames. (Version 1 held JSON Lines records; it was never released.)
pub const BUNDLE_FORMAT_VERSION: u32 = 2;
/// The longest manifest line read, line end included.
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// A centre whose records a bundle carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCentre {
    /// The centre's stream id.
    pub stream_id: String,
    /// Its registered name.
    pub name: String,
}

/// The first line of a bundle: what it holds and where it sits in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`BUNDLE_FORMAT`].
    pub format: String,
    /// The bundle format's version.
    pub format_version: u32,
    /// The version of the Parapompi engine that wrote it.
    pub engine_version: String,
    /// When it was written, ms since the Unix epoch.
    pub created_at: i64,
    /// The centres registered in the log up to the bundle's last record.
    pub centres: Vec<ManifestCentre>,
    /// The position of the first record (1 for a whole log).
    pub first_position: u64,
    /// The position of the last record.
    pub last_position: u64,
    /// The hash of the record before the first (64 zeros for a whole log).
    pub prev_hash: String,
    /// The hash of the last record.
    pub head_hash: String,
    /// How many records follow the manifest.
    pub n_events: u64,
    /// The signed checkpoint of the last position (`store/FORMAT.md`, "Checkpoints"). Bundles
    /// written before checkpoints have none: their records are checked all the same, and
    /// verify says that nothing signed stands behind them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkpoint: Option<ManifestCheckpoint>,
}

/// A bundle's checkpoint: the signed note and the verifier key of its signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestCheckpoint {
    /// The signed note (C2SP signed-note text).
    pub note: String,
    /// The signer's verifier key (C2SP vkey: `name+keyid+base64`), the one to record.
    pub vkey: String,
}

/// A hash the log must have at a position, held outside the bundle: a witness's
/// checkpoint, a pin, or a record of a bundle held earlier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Anchor {
    /// The position (0 stands for "before the first record", the zero hash).
    pub position: u64,
    /// The hash of the record there.
    pub hash: Hash,
    /// Where it comes from, for messages (`the pin`, `witness w.json`, `held.bundle`).
    pub source: String,
}

/// What a check against anchors covered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnchorsChecked {
    /// The anchors the bundles reached and agreed with, in position order.
    pub agreed: Vec<Anchor>,
}

/// A bundle that does not check out, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}{at}: {problem}")]
pub struct BundleError {
    /// The bundle file.
    pub file: String,
    /// Where in the file.
    pub at: BundlePlace,
    /// What is wrong.
    pub problem: String,
}

/// A place in a bundle file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundlePlace {
    /// The file as a whole (it cannot be opened, or is empty).
    File,
    /// The manifest line.
    Manifest,
    /// A record: 1 for the first after the manifest; its byte offset in the file.
    Record {
        /// 1 for the first record of the bundle, then +1.
        number: u64,
        /// Where its frame starts in the file.
        offset: u64,
    },
}

impl fmt::Display for BundlePlace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BundlePlace::File => Ok(()),
            BundlePlace::Manifest => f.write_str(", manifest"),
            BundlePlace::Record { number, offset } => write!(f, ", record {number} (byte {offset})"),
        }
    }
}

/// What a verification of one or more joined bundles saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedBundles {
    /// The manifests, in order.
    pub manifests: Vec<Manifest>,
    /// Records checked.
    pub n_events: u64,
    /// The first and last positions checked.
    pub positions: (u64, u64),
    /// The hash of the last record.
    pub head_hash: Hash,
    /// The last bundle's checkpoint, its signature verified, and its signer; `None` for a
    /// bundle written without one.
    pub checkpoint: Option<(SignedCheckpoint, VerifierKey)>,
    /// The anchors the bundles were checked against.
    pub anchors: AnchorsChecked,
    /// The signing keys the records recorded and revoked, in log order.
    pub key_events: Vec<KeyEvent>,
}

/// Writes a bundle of the records from `from_position` to the store's head as it stands now.
pub fn export_bundle(
    store: &Store,
    out: &mut impl Write,
    from_position: u64,
    created_at: Timestamp,
) -> Result<Manifest, EngineError> {
    let head = store.head().position;
    export_bundle_through(store, None, out, from_position, head, created_at)
}

/// Writes a bundle as [`export_bundle`] does, carrying the checkpoint of its last position
/// signed with `key` (what [`crate::Engine::export_bundle`] writes).
pub fn export_signed_bundle(
    store: &Store,
    key: &SigningKey,
    out: &mut impl Write,
    from_position: u64,
    created_at: Timestamp,
) -> Result<Manifest, EngineError> {
    let head = store.head().position;
    export_bundle_through(store, Some(key), out, from_position, head, created_at)
}

/// Writes a bundle of the records from `from_position` to `last_position` (at most the
/// head; what a backup holds of the log while the log goes on), signed with `key` when
/// one is given.
pub fn export_bundle_through(
    store: &Store,
    key: Option<&SigningKey>,
    out: &mut impl Write,
    from_position: u64,
    last_position: u64,
    created_at: Timestamp,
) -> Result<Manifest, EngineError> {
    export_bundle_through_reporting(store, key, out, (from_position, last_position), created_at, &silently)
}

/// [`export_bundle_through`] of the positions `(from, last)`, reporting each record written
/// to `report`.
pub fn export_bundle_through_reporting(
    store: &Store,
    key: Option<&SigningKey>,
    out: &mut impl Write,
    (from_position, last_position): (u64, u64),
    created_at: Timestamp,
    report: Report<'_>,
) -> Result<Manifest, EngineError> {
    let now = store.head();
    let head = if last_position >= now.position {
        now
    } else {
        let record = store.read_positions(&[last_position])?;
        let first = record.first();
        parapompi_store::Head {
            position: last_position,
            hash: first.map_or(Hash::GENESIS, |r| r.hash),
            recorded_at: first.map_or(now.recorded_at, |r| r.recorded_at),
        }
    };
    let first_position = from_position.max(1);
    if first_position > head.position {
        return Err(EngineError::NotFound(format!(
            "nothing to export from position {first_position}: the log ends at {}",
            head.position
        )));
    }
    let prev_hash = if first_position == 1 {
        Hash::GENESIS
    } else {
        store.read_positions(&[first_position - 1])?.first().map_or(Hash::GENESIS, |record| record.hash)
    };
    let centres = centres_up_to(store, head.position)?;
    let checkpoint = key.map(|key| {
        let checkpoint = Checkpoint {
            origin: key.origin(),
            position: head.position,
            head_hash: head.hash,
            time_ms: created_at.unix_ms(),
            centres: centres.iter().map(|centre| centre.stream_id.clone()).collect(),
        };
        ManifestCheckpoint { note: checkpoint.sign(key).note, vkey: key.verifier_key().vkey() }
    });
    let manifest = Manifest {
        format: BUNDLE_FORMAT.to_owned(),
        format_version: BUNDLE_FORMAT_VERSION,
        engine_version: env!("CARGO_PKG_VERSION").to_owned(),
        created_at: created_at.unix_ms(),
        centres,
        first_position,
        last_position: head.position,
        prev_hash: prev_hash.to_hex(),
        head_hash: head.hash.to_hex(),
        n_events: head.position - first_position + 1,
        checkpoint,
    };
    let failed = |e: std::io::Error| EngineError::Store(StoreError::Io { context: "writing a bundle", source: e });
    let mut line = serde_json::to_vec(&manifest).map_err(|e| failed(std::io::Error::other(e)))?;
    line.push(b'\n');
    out.write_all(&line).map_err(failed)?;
    let mut frames = FrameWriter::start(out, prev_hash).map_err(failed)?;
    let mut counter = Counter::new(report, Work::Exporting, Some(manifest.n_events));
    for record in store.iter_range(first_position, head.position) {
        frames.write(&record?).map_err(failed)?;
        counter.tick();
    }
    frames.finish().map_err(failed)?;
    counter.finish();
    Ok(manifest)
}

/// The registered centres of the log up to `last`, in order of registration.
pub(crate) fn centres_up_to(store: &Store, last: u64) -> Result<Vec<ManifestCentre>, EngineError> {
    let mut centres = Vec::new();
    for record in store.iter_range(1, last) {
        let record = record?;
        if record.event_type.as_str() == "CentreRegistered" {
            let payload = record.payload.to_value().unwrap_or_default();
            let name = payload.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_owned();
            centres.push(ManifestCentre { stream_id: record.stream_id.to_string(), name });
        }
    }
    Ok(centres)
}

/// Reads bundles in order, checking each record against the chain as it goes and each
/// manifest against its records and the bundle before it.
struct BundleReader {
    files: Vec<PathBuf>,
    checker: Option<ChainChecker>,
    from_genesis: bool,
    /// Hashes held outside the bundles, by position.
    anchors: BTreeMap<u64, Anchor>,
    /// Those reached so far, and the last position where one agreed.
    agreed: Vec<Anchor>,
    /// The keys a checkpoint must be signed by; `None` takes the key the manifest names.
    trusted: Option<Vec<VerifierKey>>,
    checkpoint: Option<(SignedCheckpoint, VerifierKey)>,
    /// The signing keys the records recorded and revoked, in log order.
    key_events: Vec<KeyEvent>,
    /// The rules of a valid log past one record (`store/FORMAT.md`, "Rules of a valid log").
    rules: LogRules,
}

/// A signing key recorded or revoked by a centre, at a position of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    /// Where.
    pub position: u64,
    /// The verifier key's text.
    pub vkey: String,
    /// True for a revocation.
    pub revoked: bool,
}

/// The key event a record holds, if it is one (`SigningKeyRecorded`, `SigningKeyRevoked`).
fn key_event(record: &RecordedEvent) -> Option<KeyEvent> {
    let revoked = match record.event_type.as_str() {
        "SigningKeyRecorded" => false,
        "SigningKeyRevoked" => true,
        _ => return None,
    };
    let payload: serde_json::Value = serde_json::from_str(record.payload.as_str()).ok()?;
    let vkey = payload.get("key")?.as_str()?.to_owned();
    Some(KeyEvent { position: record.position, vkey, revoked })
}

impl BundleReader {
    /// A reader of `files`.
    fn new(files: &[PathBuf]) -> BundleReader {
        BundleReader {
            files: files.to_vec(),
            checker: None,
            from_genesis: false,
            anchors: BTreeMap::new(),
            agreed: Vec::new(),
            trusted: None,
            checkpoint: None,
            key_events: Vec::new(),
            rules: LogRules::new(Limits::default()),
        }
    }

    /// The keys a checkpoint may be signed by, when keys are trusted from outside: those, and
    /// every key the records recorded; `None` takes the key the manifest names.
    fn valid_keys(&self) -> Option<Vec<VerifierKey>> {
        let mut keys = self.trusted.clone()?;
        for event in self.key_events.iter().filter(|event| !event.revoked) {
            if let Ok(key) = VerifierKey::parse(&event.vkey) {
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        Some(keys)
    }

    /// Where the history departs from an anchor, for a message: after the last position
    /// where one agreed.
    fn departs(agreed: &[Anchor], anchor: &Anchor, found: &Hash) -> String {
        let since = match agreed.last() {
            Some(last) if last.position + 1 == anchor.position => {
                format!("it departs at position {}", anchor.position)
            }
            Some(last) => format!(
                "it still agreed at position {} ({}), so it departs within positions {}..={}",
                last.position,
                last.source,
                last.position + 1,
                anchor.position
            ),
            None => format!("it departs at or before position {}", anchor.position),
        };
        format!(
            "position {}: the hash here is {found}, {} holds {}: this is not the history it saw; {since}",
            anchor.position, anchor.source, anchor.hash
        )
    }

    /// Checks every record of every bundle, in order, and calls `each` with each record after
    /// checking it.
    fn for_each(
        &mut self,
        mut each: impl FnMut(&RecordedEvent) -> Result<(), EngineError>,
    ) -> Result<VerifiedBundles, BundleError> {
        let mut manifests = Vec::new();
        for path in self.files.clone() {
            let manifest = self.read_one(&path, &mut |scanned| scanned.record.as_ref().map_or(Ok(()), &mut each))?;
            manifests.push(manifest);
        }
        let (last, head_hash) = self.checker.as_ref().map_or((0, Hash::GENESIS), ChainChecker::head);
        let n_events = manifests.iter().map(|manifest| manifest.n_events).sum();
        let first_position = manifests.first().map_or(0, |manifest| manifest.first_position);
        let last_file = self.files.last().map(|f| f.display().to_string()).unwrap_or_default();
        let fail = |problem: String| BundleError { file: last_file.clone(), at: BundlePlace::Manifest, problem };
        if let Some((_, beyond)) = self.anchors.range(last + 1..).next() {
            return Err(fail(format!(
                "the bundles end at position {last}, but {} holds position {} (hash {}): the history was cut \
                 short after position {last}, or these bundles are older than that anchor",
                beyond.source, beyond.position, beyond.hash
            )));
        }
        if self.agreed.is_empty() {
            if let Some((_, before)) = self.anchors.iter().next_back() {
                return Err(fail(format!(
                    "these bundles cover positions {first_position}..={last} and start after hash {} at position {}, \
                     but the latest anchor, {} at position {}, is before that: the records between are not here, \
                     so nothing ties this range to the history that anchor saw (give the bundle from position {})",
                    manifests.first().map_or_else(String::new, |m| m.prev_hash.clone()),
                    first_position.saturating_sub(1),
                    before.source,
                    before.position,
                    before.position + 1
                )));
            }
        }
        Ok(VerifiedBundles {
            manifests,
            n_events,
            positions: (first_position, last),
            head_hash,
            checkpoint: self.checkpoint.take(),
            anchors: AnchorsChecked { agreed: std::mem::take(&mut self.agreed) },
            key_events: std::mem::take(&mut self.key_events),
        })
    }

    fn read_one(
        &mut self,
        path: &Path,
        each: &mut dyn FnMut(&ScannedRecord) -> Result<(), EngineError>,
    ) -> Result<Manifest, BundleError> {
        let name = path.display().to_string();
        let fail = |at: BundlePlace, problem: String| BundleError { file: name.clone(), at, problem };
        let file = std::fs::File::open(path).map_err(|e| fail(BundlePlace::File, format!("cannot open: {e}")))?;
        let file_bytes = file.metadata().map_err(|e| fail(BundlePlace::File, format!("cannot read: {e}")))?.len();
        let mut reader = BufReader::new(file);
        let (text, manifest_bytes) = read_manifest_line(&mut reader).map_err(|(at, problem)| fail(at, problem))?;
        let manifest = self.start(&text).map_err(|problem| fail(BundlePlace::Manifest, problem))?;
        let from_genesis = self.from_genesis;
        let checker = self.checker.as_mut().expect("set with the manifest");
        let mut n_records = 0u64;
        // Every record whole, read and checked on its own on every core (its fields, its
        // payload as JSON), then checked here in order: the chain, the anchors, and the
        // rules that look past one record (`LogRules`), as an import checks them.
        let options = ReadOptions::on_every_core(true);
        read_record_frames(reader, manifest_bytes, options, |RecordAt { number, offset, result }| {
            let at = BundlePlace::Record { number, offset };
            let record = result.map_err(|problem| fail(at, problem))?;
            checker
                .check_scanned(&record, |_| Ok(from_genesis.then_some(0)))
                .map_err(|problem| fail(at, format!("position {}: {problem}", record.position)))?;
            if let Some(anchor) = self.anchors.get(&record.position) {
                if anchor.hash != record.hash {
                    return Err(fail(at, BundleReader::departs(&self.agreed, anchor, &record.hash)));
                }
                self.agreed.push(anchor.clone());
            }
            if let Some(whole) = record.record.as_ref() {
                self.rules
                    .check(whole)
                    .map_err(|problem| fail(at, format!("position {}: {problem}", record.position)))?;
                if let Some(event) = key_event(whole) {
                    self.key_events.push(event);
                }
            }
            n_records += 1;
            each(&record).map_err(|error| fail(at, error.to_string()))
        })?;
        let (last, head_hash) = checker.head();
        if n_records != manifest.n_events || last != manifest.last_position {
            // Named where the next record would start: the end of the file.
            return Err(fail(
                BundlePlace::Record { number: n_records + 1, offset: file_bytes },
                format!(
                    "the manifest promises {} records ending at position {}, the file holds {n_records} ending at {last}: {}",
                    manifest.n_events,
                    manifest.last_position,
                    if n_records < manifest.n_events { "records are missing" } else { "records were added" }
                ),
            ));
        }
        if head_hash.to_hex() != manifest.head_hash {
            return Err(fail(
                BundlePlace::Manifest,
                format!("the manifest's head hash {} is not the last record's hash {head_hash}", manifest.head_hash),
            ));
        }
        self.checkpoint = match &manifest.checkpoint {
            None => None,
            Some(carried) => Some(
                check_checkpoint(carried, &manifest, self.valid_keys().as_deref(), &self.key_events)
                    .map_err(|problem| fail(BundlePlace::Manifest, problem))?,
            ),
        };
        Ok(manifest)
    }

    /// Reads a manifest and checks that it joins what came before.
    fn start(&mut self, text: &str) -> Result<Manifest, String> {
        // The format and its version first, so that a newer engine's manifest (which may
        // hold fields this one does not know) is named for what it is.
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not a bundle manifest: {e}"))?;
        let format = value.get("format").and_then(serde_json::Value::as_str);
        if format != Some(BUNDLE_FORMAT) {
            return Err(format!(
                "format is {}, not {BUNDLE_FORMAT:?}",
                format.map_or("missing".to_owned(), |f| format!("{f:?}"))
            ));
        }
        let version = value.get("format_version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(BUNDLE_FORMAT_VERSION)) {
            // The manifest is not trusted: its text is shown without control characters.
            let writer: String = value
                .get("engine_version")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("an unknown engine")
                .chars()
                .filter(|c| !c.is_control())
                .take(40)
                .collect();
            return Err(match version {
                Some(newer) if newer > u64::from(BUNDLE_FORMAT_VERSION) => format!(
                    "bundle format version {newer}, written by Parapompi {writer}, is newer than this engine \
                     (Parapompi {}) reads (version {BUNDLE_FORMAT_VERSION}): read it with Parapompi {writer} or later",
                    env!("CARGO_PKG_VERSION")
                ),
                Some(older) => {
                    format!("bundle format version {older} is not supported (this reads {BUNDLE_FORMAT_VERSION})")
                }
                None => "the manifest has no format_version".to_owned(),
            });
        }
        let manifest: Manifest = serde_json::from_value(value).map_err(|e| format!("not a bundle manifest: {e}"))?;
        let prev_hash = Hash::from_hex(&manifest.prev_hash).ok_or("the manifest's prev_hash is not 64 hex digits")?;
        if manifest.first_position == 0 || manifest.last_position < manifest.first_position {
            return Err(format!(
                "the manifest's positions {}..{} are not a range of the log",
                manifest.first_position, manifest.last_position
            ));
        }
        match &self.checker {
            None => {
                self.from_genesis = manifest.first_position == 1;
                if self.from_genesis && prev_hash != Hash::GENESIS {
                    return Err("a bundle from position 1 must have the zero previous hash".to_owned());
                }
                let before = manifest.first_position - 1;
                if let Some(anchor) = self.anchors.get(&before) {
                    if anchor.hash != prev_hash {
                        return Err(BundleReader::departs(&self.agreed, anchor, &prev_hash));
                    }
                    self.agreed.push(anchor.clone());
                }
                self.checker = Some(ChainChecker::after(before, prev_hash, Timestamp::from_unix_ms(i64::MIN)));
            }
            Some(checker) => {
                let (last, head_hash) = checker.head();
                if manifest.first_position != last + 1 || prev_hash != head_hash {
                    return Err(format!(
                        "this bundle does not join the one before: it starts at position {} after hash {}, the one before ends at {last} with hash {head_hash}",
                        manifest.first_position, manifest.prev_hash
                    ));
                }
            }
        }
        Ok(manifest)
    }
}

/// Reads a bundle's first line, its manifest: the text without its line end, and the bytes it
/// takes in the file (where the records start).
pub fn read_manifest_line(reader: &mut impl BufRead) -> Result<(String, u64), (BundlePlace, String)> {
    let mut line = Vec::new();
    let limit = u64::try_from(MAX_MANIFEST_BYTES).unwrap_or(u64::MAX);
    let n_read = Read::by_ref(reader)
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|e| (BundlePlace::Manifest, format!("cannot read: {e}")))?;
    if n_read == 0 {
        return Err((BundlePlace::File, "the file is empty: no manifest".to_owned()));
    }
    if line.last() != Some(&b'\n') {
        return Err((
            BundlePlace::Manifest,
            if n_read >= MAX_MANIFEST_BYTES {
                format!("the manifest line is longer than {MAX_MANIFEST_BYTES} bytes")
            } else {
                "the manifest is cut short (no line end): the bundle is truncated".to_owned()
            },
        ));
    }
    line.pop();
    let text =
        String::from_utf8(line).map_err(|_| (BundlePlace::Manifest, "the manifest is not UTF-8 text".to_owned()))?;
    Ok((text, u64::try_from(n_read).unwrap_or(u64::MAX)))
}

/// A bundle's manifest, read but not checked against its records.
pub fn read_manifest(path: &Path) -> Result<Manifest, BundleError> {
    let name = path.display().to_string();
    let fail = |at: BundlePlace, problem: String| BundleError { file: name.clone(), at, problem };
    let file = std::fs::File::open(path).map_err(|e| fail(BundlePlace::File, format!("cannot open: {e}")))?;
    let (text, _) = read_manifest_line(&mut BufReader::new(file)).map_err(|(at, problem)| fail(at, problem))?;
    serde_json::from_str(&text).map_err(|e| fail(BundlePlace::Manifest, format!("not a bundle manifest: {e}")))
}

/// Checks one bundle, or several that join in the order given, without a store.
pub fn verify_bundles(files: &[PathBuf]) -> Result<VerifiedBundles, BundleError> {
    BundleReader::new(files).for_each(|_| Ok(()))
}

/// Checks bundles as [`verify_bundles`] does, and against hashes held outside them: every
/// anchor within their positions must agree (the first that does not is named, with the
/// stretch where the history departs), none may lie past their end (a cut history), and a
/// range must reach back to one (a range that starts after every anchor ties to none). With
/// `trusted`, the last bundle's checkpoint must be signed by one of those keys or by a key
/// the records recorded (`SigningKeyRecorded`), and not by one they revoked at or before its
/// position (`SigningKeyRevoked`).
pub fn verify_bundles_against(
    files: &[PathBuf],
    anchors: &[Anchor],
    trusted: Option<Vec<VerifierKey>>,
) -> Result<VerifiedBundles, BundleError> {
    verify_bundles_against_reporting(files, anchors, trusted, &silently)
}

/// The records the manifests of `files` say they hold, when every manifest reads (the total
/// a report counts towards; a file whose manifest does not read fails its check anyway).
fn records_in(files: &[PathBuf]) -> Option<u64> {
    files.iter().map(|file| read_manifest(file).ok().map(|manifest| manifest.n_events)).sum()
}

/// [`verify_bundles_against`], reporting each record checked to `report`.
pub fn verify_bundles_against_reporting(
    files: &[PathBuf],
    anchors: &[Anchor],
    trusted: Option<Vec<VerifierKey>>,
    report: Report<'_>,
) -> Result<VerifiedBundles, BundleError> {
    let mut counter = Counter::new(report, Work::Verifying, records_in(files));
    let mut reader = BundleReader::new(files);
    for anchor in anchors {
        // Position 0 is the zero hash of every log: nothing to hold.
        if anchor.position > 0 {
            reader.anchors.insert(anchor.position, anchor.clone());
        }
    }
    reader.trusted = trusted;
    let verified = reader.for_each(|_| {
        counter.tick();
        Ok(())
    })?;
    counter.finish();
    Ok(verified)
}

/// Every record's hash of bundles checked on their own: the anchors a re-issued bundle is
/// held to (`verify --held`), named after `source`.
pub fn anchors_of_bundles(files: &[PathBuf], source: &str) -> Result<Vec<Anchor>, BundleError> {
    let mut anchors = Vec::new();
    let mut reader = BundleReader::new(files);
    let verified = reader.for_each(|record| {
        anchors.push(Anchor { position: record.position, hash: record.hash, source: source.to_owned() });
        Ok(())
    })?;
    if let Some(first) = verified.manifests.first() {
        if let Some(prev_hash) = Hash::from_hex(&first.prev_hash).filter(|_| first.first_position > 1) {
            anchors
                .insert(0, Anchor { position: first.first_position - 1, hash: prev_hash, source: source.to_owned() });
        }
    }
    Ok(anchors)
}

/// A bundle's checkpoint checked: its note reads, it is signed by the key it names (or by
/// one of `trusted`), and it states the manifest's last position and head hash.
fn check_checkpoint(
    carried: &ManifestCheckpoint,
    manifest: &Manifest,
    trusted: Option<&[VerifierKey]>,
    key_events: &[KeyEvent],
) -> Result<(SignedCheckpoint, VerifierKey), String> {
    let signed = SignedCheckpoint::parse(&carried.note).map_err(|problem| format!("the checkpoint: {problem}"))?;
    let named = VerifierKey::parse(&carried.vkey).map_err(|problem| format!("the checkpoint's key: {problem}"))?;
    let keys = match trusted {
        Some(keys) => keys.to_vec(),
        None => vec![named],
    };
    let signer = signed.verify_by(&keys)?.clone();
    let checkpoint = &signed.checkpoint;
    // A key revoked at or before the checkpoint's position signs nothing of the centre's there.
    let vkey = signer.vkey();
    if let Some(revoked) = key_events.iter().find(|event| event.revoked && event.vkey == vkey) {
        if revoked.position <= checkpoint.position {
            return Err(format!(
                "the checkpoint at position {} is signed by {vkey}, which the log revoked at position {}",
                checkpoint.position, revoked.position
            ));
        }
    }
    if checkpoint.origin != signer.name() {
        return Err(format!(
            "the checkpoint's origin {} is not its signer's name {}",
            checkpoint.origin,
            signer.name()
        ));
    }
    if checkpoint.position != manifest.last_position || checkpoint.head_hash.to_hex() != manifest.head_hash {
        return Err(format!(
            "the checkpoint states position {} with hash {}, but the bundle ends at {} with hash {}",
            checkpoint.position, checkpoint.head_hash, manifest.last_position, manifest.head_hash
        ));
    }
    Ok((signed, signer))
}

/// The read models computed straight from bundles, as the log stood at `as_of` (or at its
/// end). Every record is checked, past the as-of point too: a bundle is trusted whole or not
/// at all. The bundles must start at position 1.
pub fn replay_projections(files: &[PathBuf], as_of: Option<AsOf>) -> Result<Projections, BundleError> {
    replay_projections_reporting(files, as_of, &silently)
}

/// [`replay_projections`], reporting each record checked (and folded) to `report`.
pub fn replay_projections_reporting(
    files: &[PathBuf],
    as_of: Option<AsOf>,
    report: Report<'_>,
) -> Result<Projections, BundleError> {
    let mut projections = Projections::new();
    let mut counter = Counter::new(report, Work::Replaying, records_in(files));
    let mut reader = BundleReader::new(files);
    reader.for_each(|record| {
        counter.tick();
        let included = match as_of {
            None => true,
            Some(AsOf::Position(position)) => record.position <= position,
            Some(AsOf::RecordedAt(instant)) => record.recorded_at <= instant,
        };
        if included {
            projections.apply(&decode(record)?);
        }
        Ok(())
    })?;
    if !reader.from_genesis {
        return Err(BundleError {
            file: files.first().map(|f| f.display().to_string()).unwrap_or_default(),
            at: BundlePlace::Manifest,
            problem: "replaying needs the log from position 1: give the first bundle too".to_owned(),
        });
    }
    counter.finish();
    Ok(projections)
}

/// The audit trail of a case, beneficiary, referral or staff member, straight from bundles.
pub fn replay_audit(files: &[PathBuf], subject: &AuditSubject) -> Result<AuditTrail, BundleError> {
    replay_audit_reporting(files, subject, &silently)
}

/// [`replay_audit`], reporting its two passes over the records to `report`: the replay,
/// then the reading of the trail's records (`Work::Checking`).
pub fn replay_audit_reporting(
    files: &[PathBuf],
    subject: &AuditSubject,
    report: Report<'_>,
) -> Result<AuditTrail, BundleError> {
    let projections = replay_projections_reporting(files, None, report)?;
    let mut wanted: Vec<u64> = projections.audit_positions(subject);
    wanted.sort_unstable();
    let mut records: HashMap<u64, Recorded> = HashMap::with_capacity(wanted.len());
    let mut counter = Counter::new(report, Work::Checking, Some(projections.position()));
    BundleReader::new(files).for_each(|record| {
        counter.tick();
        if wanted.binary_search(&record.position).is_ok() {
            records.insert(record.position, decode(record)?);
        }
        Ok(())
    })?;
    counter.finish();
    let in_order: Vec<Recorded> = wanted.iter().filter_map(|position| records.remove(position)).collect();
    Ok(audit_trail(subject, &in_order))
}
