//! One rule of validity (`store/FORMAT.md`, "Rules of a valid log"): `verify`, `replay`,
//! `import` and the standard-library Python checker accept exactly the same bundles. A
//! bounded property test damages one record of a real bundle at random, in a way that the
//! hash chain does not see (the chain is resealed after it), and holds the four to one
//! verdict and one named record.
//!
//! Each case prints its seed; `PARAPOMPI_VALIDITY_SEED=N` replays one.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use parapompi::bundle::{export_bundle, replay_projections, verify_bundles, BundlePlace};
use parapompi::demo::{populate, DemoOptions};
use parapompi::store::{chain_hash, split_frames, Clock, Hash, ManualClock, StoreConfig, StoreError, Timestamp};
use parapompi::{Engine, EngineConfig, EngineError};

/// The kinds of damage, each breaking one rule past the chain.
const DAMAGES: [&str; 10] = [
    "none",
    "payload_not_utf8",
    "payload_not_json",
    "event_id_again",
    "command_id_again",
    "act_split",
    "payload_too_large",
    "stream_id_not_a_name",
    "event_type_not_a_name",
    "payload_nan",
];

/// A small deterministic generator (xorshift64*), so that a seed replays a case.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).expect("a count")).expect("an index")
    }
}

/// A bundle apart: its manifest line, the hash before its records, each record's canonical bytes.
struct Parts {
    manifest: serde_json::Value,
    leading: Hash,
    records: Vec<Vec<u8>>,
}

fn text_at(c: &[u8], at: usize) -> (usize, usize) {
    let n = u32::from_be_bytes(c[at..at + 4].try_into().expect("4 bytes"));
    (at + 4, usize::try_from(n).expect("a length"))
}

/// Where a record's ids and payload sit in its canonical bytes (FORMAT.md).
fn layout(c: &[u8]) -> (usize, usize, (usize, usize)) {
    let stream = text_at(c, 9);
    let event_id = stream.0 + stream.1 + 8;
    let command_id = event_id + 16;
    let event_type = text_at(c, command_id + 16);
    let actor = text_at(c, event_type.0 + event_type.1 + 4 + 16);
    (event_id, command_id, text_at(c, actor.0 + actor.1))
}

fn command_of(c: &[u8]) -> &[u8] {
    let (_, command_id, _) = layout(c);
    &c[command_id..command_id + 16]
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let bytes = std::fs::read(path).expect("the bundle");
        let split = bytes.iter().position(|&b| b == b'\n').expect("a manifest") + 1;
        let (leading, frames) = split_frames(&bytes[split..]).expect("frames");
        Parts {
            manifest: serde_json::from_slice(&bytes[..split]).expect("a manifest"),
            leading,
            records: frames.iter().map(|f| f[4..f.len() - 32].to_vec()).collect(),
        }
    }

    /// The bundle with the chain resealed over the records as they are now.
    fn write(&self, path: &Path) {
        let mut prev = self.leading;
        let mut frames = prev.0.to_vec();
        for canonical in &self.records {
            prev = chain_hash(&prev, canonical);
            frames.extend_from_slice(&u32::try_from(canonical.len()).expect("a length").to_be_bytes());
            frames.extend_from_slice(canonical);
            frames.extend_from_slice(&prev.0);
        }
        let mut manifest = self.manifest.clone();
        manifest["head_hash"] = prev.to_hex().into();
        let mut bytes = format!("{manifest}\n").into_bytes();
        bytes.extend_from_slice(&frames);
        std::fs::write(path, bytes).expect("written");
    }

    /// Damages record `k` (an index) by `damage`; returns the index of the record the rules
    /// must name, or `None` when the damage cannot be made at `k`.
    fn damage(&mut self, damage: &str, k: usize, draw: &mut Draw) -> Option<usize> {
        let (event_id, command_id, (payload, n_payload)) = layout(&self.records[k]);
        match damage {
            "none" => return None,
            "payload_not_utf8" => {
                let at = payload + draw.below(n_payload);
                self.records[k][at] = 0xff;
            }
            "payload_not_json" => self.records[k][payload] = b'x',
            "event_id_again" => {
                let (earlier, _, _) = layout(&self.records[k - 1]);
                let copied = self.records[k - 1][earlier..earlier + 16].to_vec();
                self.records[k][event_id..event_id + 16].copy_from_slice(&copied);
            }
            "command_id_again" => {
                // The command of an act before the one just before, which is over.
                let before = command_of(&self.records[k - 1]).to_vec();
                let j = (0..k - 1).rev().find(|&j| command_of(&self.records[j]) != before.as_slice())?;
                let copied = command_of(&self.records[j]).to_vec();
                self.records[k][command_id..command_id + 16].copy_from_slice(&copied);
            }
            "act_split" => {
                // Records k and k + 1 made one act (valid: an act may span streams), then record
                // k + 3, after another act's record, given that act's command id too: the
                // act's records are split apart.
                if k + 3 >= self.records.len() {
                    return None;
                }
                let copied = command_of(&self.records[k]).to_vec();
                for m in [k + 1, k + 3] {
                    let (_, command_id, _) = layout(&self.records[m]);
                    self.records[m][command_id..command_id + 16].copy_from_slice(&copied);
                }
                return Some(k + 3);
            }
            "stream_id_not_a_name" => self.records[k][13] = b' ',
            "event_type_not_a_name" => {
                let (_, command_id, _) = layout(&self.records[k]);
                self.records[k][command_id + 16 + 4] = b'-';
            }
            "payload_too_large" | "payload_nan" => {
                // JSON has no NaN (RFC 8259), though some readers take it.
                let large = if damage == "payload_nan" {
                    "{\"amount\":NaN}".to_owned()
                } else {
                    format!("\"{}\"", "a".repeat(64 * 1024 - 1))
                };
                let mut changed = self.records[k][..payload - 4].to_vec();
                changed.extend_from_slice(&u32::try_from(large.len()).expect("a length").to_be_bytes());
                changed.extend_from_slice(large.as_bytes());
                self.records[k] = changed;
            }
            other => panic!("no damage {other}"),
        }
        Some(k)
    }
}

/// The record a verdict names: `None` for an accepted bundle, `Some(0)` for its manifest.
fn named(place: Option<BundlePlace>) -> Option<u64> {
    place.map(|place| match place {
        BundlePlace::Record { number, .. } => number,
        BundlePlace::Manifest | BundlePlace::File => 0,
    })
}

fn python(path: &Path) -> (Option<u64>, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/verify_log.py");
    let output = std::process::Command::new("python3").arg(script).arg(path).output().expect("python3 runs");
    let said = String::from_utf8_lossy(&output.stdout).into_owned();
    if output.status.success() {
        return (None, said);
    }
    let number = said.split(", record ").nth(1).and_then(|rest| rest.split(' ').next()).and_then(|n| n.parse().ok());
    (Some(number.unwrap_or(0)), said)
}

fn import(path: &Path) -> (Option<u64>, String) {
    let engine = Engine::open_temporary(EngineConfig::default()).expect("a temporary engine");
    let bytes = std::fs::read(path).expect("the bundle");
    let records_at = bytes.iter().position(|&b| b == b'\n').expect("a manifest") + 1;
    match engine.import_frames(path, u64::try_from(records_at).expect("an offset")) {
        Ok(_) => (None, String::new()),
        Err(EngineError::Store(StoreError::ImportRecord { record, problem, .. })) => (Some(record), problem),
        Err(other) => (Some(0), other.to_string()),
    }
}

fn world(dir: &Path) -> PathBuf {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_ms(0)));
    let config = EngineConfig {
        store: StoreConfig::with_clock(Arc::clone(&clock) as Arc<dyn Clock>),
        ..EngineConfig::default()
    };
    let engine = Engine::open(dir.join("data"), config).expect("the engine opens");
    let options = DemoOptions { n_beneficiaries: 8, n_days: 90, ..DemoOptions::default() };
    populate(&engine, &clock, &options).expect("the demo world");
    let path = dir.join("honest.bundle");
    let mut file = std::fs::File::create(&path).expect("a file");
    export_bundle(engine.store(), &mut file, 1, Timestamp::from_unix_ms(1_700_000_000_000)).expect("exported");
    path
}

#[test]
fn verify_replay_import_and_the_python_checker_give_one_verdict_on_damaged_resealed_bundles() {
    let dir = tempfile::tempdir().expect("a directory");
    let honest = Parts::read(&world(dir.path()));
    let seeds: Vec<u64> = match std::env::var("PARAPOMPI_VALIDITY_SEED") {
        Ok(seed) => vec![seed.parse().expect("a number")],
        Err(_) => (1..=40).collect(),
    };
    for seed in seeds {
        let mut draw = Draw(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let damage = DAMAGES[usize::try_from(seed).expect("small") % DAMAGES.len()];
        let mut parts =
            Parts { manifest: honest.manifest.clone(), leading: honest.leading, records: honest.records.clone() };
        let k = 1 + draw.below(parts.records.len() - 2);
        let expected = parts.damage(damage, k, &mut draw).map(|index| u64::try_from(index + 1).expect("a number"));
        let path = dir.path().join(format!("case-{seed}.bundle"));
        parts.write(&path);
        let verified = verify_bundles(std::slice::from_ref(&path)).err();
        let replayed = replay_projections(std::slice::from_ref(&path), None).err();
        let (imported, import_said) = import(&path);
        let (checked, python_said) = python(&path);
        println!("seed {seed}: {damage} at record {expected:?}");
        let said = format!(
            "seed {seed} ({damage}): verify {verified:?}; replay {replayed:?}; import {import_said}; python {python_said}"
        );
        assert_eq!(named(verified.map(|e| e.at)), expected, "verify: {said}");
        assert_eq!(named(replayed.map(|e| e.at)), expected, "replay: {said}");
        assert_eq!(imported, expected, "import: {said}");
        assert_eq!(checked, expected, "python: {said}");
    }
}
