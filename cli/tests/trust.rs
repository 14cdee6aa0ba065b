//! Trust against the producer: a centre that rewrites its history, reseals the chain and
//! signs a new checkpoint with its own key is refused by a witness and by `verify` given an
//! outside anchor (a witness file, a pin, a bundle held earlier), with the position named;
//! and by the standard-library Python checker the same way.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use parapompi::checkpoint::SignedCheckpoint;
use parapompi::signing_key::SigningKey;
use parapompi::store::{chain_hash, split_frames, Hash};
use serde_json::Value;

/// A bundle taken apart into what a forger edits: the manifest, the hash before the first
/// record, and each record's canonical bytes.
#[derive(Clone)]
struct Forge {
    manifest: Value,
    leading: Hash,
    records: Vec<Vec<u8>>,
}

/// Where the fields a forger moves sit in canonical bytes (store/FORMAT.md).
struct Fields {
    stream_id: (usize, usize),
    occurred_at: usize,
    recorded_at: usize,
    payload: (usize, usize),
}

fn text_at(c: &[u8], at: usize) -> (usize, usize) {
    let n = u32::from_be_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]]);
    (at + 4, usize::try_from(n).expect("a length"))
}

fn fields(c: &[u8]) -> Fields {
    let stream_id = text_at(c, 9);
    let event_type = text_at(c, stream_id.0 + stream_id.1 + 8 + 32);
    let occurred_at = event_type.0 + event_type.1 + 4;
    let recorded_at = occurred_at + 8;
    let actor = text_at(c, recorded_at + 8);
    let payload = text_at(c, actor.0 + actor.1);
    Fields { stream_id, occurred_at, recorded_at, payload }
}

impl Forge {
    fn read(path: &Path) -> Forge {
        let bytes = std::fs::read(path).expect("the bundle");
        let split = bytes.iter().position(|&b| b == b'\n').expect("a manifest line") + 1;
        let manifest = serde_json::from_slice(&bytes[..split]).expect("a manifest");
        let (leading, frames) = split_frames(&bytes[split..]).expect("whole frames");
        let records = frames.iter().map(|frame| frame[4..frame.len() - 32].to_vec()).collect();
        Forge { manifest, leading, records }
    }

    /// Writes the bundle with the chain resealed from its first record, the manifest made to
    /// match and its checkpoint signed again with `key` (the centre's own).
    fn seal(&self, key: &SigningKey, path: &Path) -> PathBuf {
        let mut prev = self.leading;
        let mut frames = prev.0.to_vec();
        for canonical in &self.records {
            prev = chain_hash(&prev, canonical);
            frames.extend_from_slice(&u32::try_from(canonical.len()).expect("a length").to_be_bytes());
            frames.extend_from_slice(canonical);
            frames.extend_from_slice(&prev.0);
        }
        let first = self.manifest["first_position"].as_u64().expect("a first position");
        let n = u64::try_from(self.records.len()).expect("a count");
        let mut manifest = self.manifest.clone();
        manifest["last_position"] = (first + n - 1).into();
        manifest["n_events"] = n.into();
        manifest["head_hash"] = prev.to_hex().into();
        manifest["prev_hash"] = self.leading.to_hex().into();
        let note = manifest["checkpoint"]["note"].as_str().expect("a checkpoint");
        let mut checkpoint = SignedCheckpoint::parse(note).expect("a checkpoint").checkpoint;
        checkpoint.position = first + n - 1;
        checkpoint.head_hash = prev;
        manifest["checkpoint"]["note"] = checkpoint.sign(key).note.into();
        manifest["checkpoint"]["vkey"] = key.verifier_key().vkey().into();
        let mut bytes = format!("{manifest}\n").into_bytes();
        bytes.extend_from_slice(&frames);
        std::fs::write(path, bytes).expect("written");
        path.to_path_buf()
    }

    /// The record at `position`'s canonical bytes.
    fn at(&mut self, position: u64) -> &mut Vec<u8> {
        let first = self.manifest["first_position"].as_u64().expect("a first position");
        &mut self.records[usize::try_from(position - first).expect("an index")]
    }

    /// Rewrites the position field of every record from the first position on.
    fn renumber(&mut self) {
        let first = self.manifest["first_position"].as_u64().expect("a first position");
        for (i, record) in self.records.iter_mut().enumerate() {
            record[1..9].copy_from_slice(&(first + u64::try_from(i).expect("an index")).to_be_bytes());
        }
    }
}

/// The centre's signing key, read from its data directory as a forger who holds it would.
fn centre_key(w: &World) -> SigningKey {
    let text = std::fs::read_to_string(w.data().join("keys/signing.key")).expect("the signing key");
    let line = |prefix: &str| text.lines().find_map(|l| l.strip_prefix(prefix)).expect("a line").to_owned();
    let deployment = parapompi::uuid::Uuid::parse_str(&line("deployment ")).expect("a uuid");
    let hex = line("secret ");
    let mut seed = [0u8; 32];
    for (i, byte) in seed.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex");
    }
    SigningKey::from_seed(deployment, &seed)
}

/// A demo world, a bundle of its whole log, and a witness that countersigned it.
struct Setting {
    w: World,
    bundle: PathBuf,
    witness: PathBuf,
    head: u64,
    /// What `demo --json` printed.
    demo: Value,
}

fn setting() -> Setting {
    let w = World::new();
    let demo = w.json(&["demo", "--seed", "5", "--beneficiaries", "6"]);
    let bundle = w.file("all.bundle");
    let exported = w.json(&["export", "--out", path(&bundle)]);
    let head = exported["last_position"].as_u64().expect("a head");
    let witness = w.file("witness.json");
    w.ok(&["witness", "init", "--witness", path(&witness)]);
    let added = w.json(&["witness", "add", "--witness", path(&witness), path(&bundle)]);
    assert_eq!(added["witnessed"]["status"], "added", "{added}");
    Setting { w, bundle, witness, head, demo }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// Runs the binary outside any data directory; it must fail with exit 2 and one line that
/// holds every needle.
fn refused(w: &World, args: &[&str], needles: &[&str]) -> String {
    let run = w.run_in(&w.file(""), args);
    assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
    for needle in needles {
        assert!(run.stderr.contains(needle), "{args:?}: {:?} lacks {needle:?}", run.stderr);
    }
    run.stderr
}

fn python(args: &[&str]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/verify_log.py");
    let output = std::process::Command::new("python3").arg(script).args(args).output().expect("python3 runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Both checkers refuse `forged` against the witness, naming `needle`.
fn refused_against_witness(s: &Setting, forged: &Path, needles: &[&str]) {
    refused(&s.w, &["verify", "--bundle", path(forged), "--witness", path(&s.witness)], needles);
    let (ok, said) = python(&["--witness", path(&s.witness), path(forged)]);
    assert!(!ok, "python accepted {}: {said}", forged.display());
    for needle in needles {
        assert!(said.contains(needle), "python: {said:?} lacks {needle:?}");
    }
}

#[test]
fn the_honest_bundle_verifies_against_its_witness_a_pin_and_its_key_in_both_checkers() {
    let s = setting();
    let verified = s.w.json(&["verify", "--bundle", path(&s.bundle), "--witness", path(&s.witness)]);
    assert_eq!(verified["anchors"][0]["position"], s.head, "{verified}");
    let key = verified["checkpoint"]["vkey"].as_str().expect("a key").to_owned();
    let pin = format!("{}:{}", s.head, verified["head_hash"].as_str().unwrap_or_default());
    s.w.ok(&["verify", "--bundle", path(&s.bundle), "--pin", &pin, "--key", &key]);
    let (ok, said) = python(&["--witness", path(&s.witness), "--pin", &pin, "--key", &key, path(&s.bundle)]);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("checkpoint {} signed by {key}", s.head)), "{said}");
    // A bundle written before checkpoints (none in its manifest) still verifies alone.
    let mut old = Forge::read(&s.bundle);
    old.manifest.as_object_mut().expect("an object").remove("checkpoint");
    let bytes = std::fs::read(&s.bundle).expect("the bundle");
    let split = bytes.iter().position(|&b| b == b'\n').expect("a line") + 1;
    let old_path = s.w.file("old.bundle");
    std::fs::write(&old_path, [format!("{}\n", old.manifest).as_bytes(), &bytes[split..]].concat()).expect("written");
    let said = s.w.ok(&["verify", "--bundle", path(&old_path)]);
    assert!(said.contains("no checkpoint"), "{said}");
    assert!(python(&[path(&old_path)]).0);
}

#[test]
fn a_record_rewritten_and_resealed_is_refused_at_the_witnessed_position() {
    let s = setting();
    let mut forge = Forge::read(&s.bundle);
    let record = forge.at(20);
    let f = fields(record);
    let payload = &mut record[f.payload.0..f.payload.0 + f.payload.1];
    let digit = payload.iter().position(u8::is_ascii_digit).expect("a digit in the payload");
    payload[digit] = if payload[digit] == b'1' { b'2' } else { b'1' };
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("rewritten.bundle"));
    // The chain alone holds: the forgery passes without an anchor.
    s.w.ok(&["verify", "--bundle", path(&forged)]);
    let at = format!("position {}", s.head);
    refused_against_witness(&s, &forged, &[&at, "not the history it saw"]);
    refused(&s.w, &["witness", "add", "--witness", path(&s.witness), path(&forged)], &[&at, "refused"]);
    // Against the bundle held, the very record is named.
    refused(
        &s.w,
        &["verify", "--bundle", path(&forged), "--held", path(&s.bundle)],
        &["position 20:", "departs at position 20"],
    );
    let (ok, said) = python(&["--held", path(&s.bundle), path(&forged)]);
    assert!(!ok && said.contains("position 20:"), "{said}");
}

#[test]
fn a_business_date_moved_forty_days_is_refused() {
    let s = setting();
    let mut forge = Forge::read(&s.bundle);
    let record = forge.at(30);
    let at = fields(record).occurred_at;
    let moved = i64::from_be_bytes(record[at..at + 8].try_into().expect("8 bytes")) + 40 * 86_400_000;
    record[at..at + 8].copy_from_slice(&moved.to_be_bytes());
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("moved.bundle"));
    s.w.ok(&["verify", "--bundle", path(&forged)]);
    refused_against_witness(&s, &forged, &[&format!("position {}", s.head)]);
    let pin_30 = held_hash(&s, 30);
    refused(&s.w, &["verify", "--bundle", path(&forged), "--pin", &pin_30], &["position 30:", "the pin 30:"]);
    let (ok, said) = python(&["--pin", &pin_30, path(&forged)]);
    assert!(!ok && said.contains("position 30:"), "{said}");
}

/// `POSITION:HASH` of the honest bundle at `position`.
fn held_hash(s: &Setting, position: u64) -> String {
    let bytes = std::fs::read(&s.bundle).expect("the bundle");
    let split = bytes.iter().position(|&b| b == b'\n').expect("a line") + 1;
    let (_, frames) = split_frames(&bytes[split..]).expect("frames");
    let frame = frames[usize::try_from(position - 1).expect("an index")];
    let hash = Hash(frame[frame.len() - 32..].try_into().expect("32 bytes"));
    format!("{position}:{}", hash.to_hex())
}

#[test]
fn the_tail_dropped_and_resealed_is_refused_as_cut_short() {
    let s = setting();
    let mut forge = Forge::read(&s.bundle);
    forge.records.truncate(forge.records.len() - 5);
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("cut.bundle"));
    s.w.ok(&["verify", "--bundle", path(&forged)]);
    let ends = format!("end at position {}", s.head - 5);
    refused_against_witness(&s, &forged, &[&ends, &format!("position {}", s.head), "cut short"]);
    refused(&s.w, &["witness", "add", "--witness", path(&s.witness), path(&forged)], &["cut short"]);
}

#[test]
fn records_swapped_with_their_times_are_refused() {
    let s = setting();
    let mut forge = Forge::read(&s.bundle);
    // Two neighbours of different streams change places, each with its business time; each
    // slot keeps its position and commit time, so every rule of the chain still holds and
    // only the order of what happened changes.
    let first = forge.manifest["first_position"].as_u64().expect("first");
    let stream = |record: &[u8]| {
        let f = fields(record);
        record[f.stream_id.0..f.stream_id.0 + f.stream_id.1].to_vec()
    };
    let pair = (10..forge.records.len() - 1)
        .find(|&i| stream(&forge.records[i]) != stream(&forge.records[i + 1]))
        .expect("neighbours of two streams");
    let recorded = |record: &[u8]| {
        let at = fields(record).recorded_at;
        record[at..at + 8].to_vec()
    };
    let (kept_a, kept_b) = (recorded(&forge.records[pair]), recorded(&forge.records[pair + 1]));
    forge.records.swap(pair, pair + 1);
    for (index, kept) in [(pair, kept_a), (pair + 1, kept_b)] {
        let at = fields(&forge.records[index]).recorded_at;
        forge.records[index][at..at + 8].copy_from_slice(&kept);
    }
    forge.renumber();
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("swapped.bundle"));
    s.w.ok(&["verify", "--bundle", path(&forged)]);
    refused_against_witness(&s, &forged, &[&format!("position {}", s.head)]);
    let position = first + u64::try_from(pair).expect("an index");
    refused(
        &s.w,
        &["verify", "--bundle", path(&forged), "--held", path(&s.bundle)],
        &[&format!("departs at position {position}")],
    );
    let (ok, said) = python(&["--held", path(&s.bundle), path(&forged)]);
    assert!(!ok && said.contains(&format!("departs at position {position}")), "{said}");
}

#[test]
fn a_reissued_full_bundle_differing_inside_a_held_range_is_refused_at_that_record() {
    let s = setting();
    let partial = s.w.file("partial.bundle");
    s.w.ok(&["export", "--from", "40", "--out", path(&partial)]);
    let mut forge = Forge::read(&s.bundle);
    let record = forge.at(45);
    let at = fields(record).occurred_at;
    record[at + 7] ^= 1;
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("reissued.bundle"));
    refused(
        &s.w,
        &["verify", "--bundle", path(&forged), "--held", path(&partial)],
        &["position 45:", "departs at position 45"],
    );
    let (ok, said) = python(&["--held", path(&partial), path(&forged)]);
    assert!(!ok && said.contains("position 45:"), "{said}");
    // The honest re-issue agrees with the range held, at every position of it.
    let said = s.w.ok(&["verify", "--bundle", path(&s.bundle), "--held", path(&partial)]);
    assert!(said.contains(&format!("from 39 to {}: agrees", s.head)), "{said}");
}

#[test]
fn the_head_dropped_and_the_rest_presented_as_a_range_is_shown_and_refused_against_an_earlier_anchor() {
    let s = setting();
    let range = s.w.file("range.bundle");
    s.w.ok(&["export", "--from", "11", "--out", path(&range)]);
    // Against the witness's head it agrees, and says plainly what it covers.
    let said = s.w.ok(&["verify", "--bundle", path(&range), "--witness", path(&s.witness)]);
    assert!(said.contains(&format!("a range: it covers positions 11..{} only", s.head)), "{said}");
    assert!(said.contains(&format!("its checkpoint at position {}) at position {}: agrees", s.head, s.head)), "{said}");
    // Against a pin inside the dropped head, nothing ties it: refused.
    let pin_5 = held_hash(&s, 5);
    refused(
        &s.w,
        &["verify", "--bundle", path(&range), "--pin", &pin_5],
        &["positions 11..", "position 5", "not here"],
    );
    let (ok, said) = python(&["--pin", &pin_5, path(&range)]);
    assert!(!ok && said.contains("position 5"), "{said}");
    // Renumbered from 1 and resealed as a whole log, it is another history.
    let mut forge = Forge::read(&range);
    forge.manifest["first_position"] = 1.into();
    forge.leading = Hash::GENESIS;
    forge.renumber();
    let forged = forge.seal(&centre_key(&s.w), &s.w.file("renumbered.bundle"));
    s.w.ok(&["verify", "--bundle", path(&forged)]);
    refused_against_witness(&s, &forged, &["cut short"]);
}

#[test]
fn a_checkpoint_signed_by_an_unknown_key_is_refused() {
    let s = setting();
    let stranger = SigningKey::from_seed(centre_key(&s.w).deployment_id(), &[9; 32]);
    let forged = Forge::read(&s.bundle).seal(&stranger, &s.w.file("stranger.bundle"));
    let said = s.w.ok(&["verify", "--bundle", path(&forged)]);
    assert!(said.contains(&stranger.verifier_key().vkey()), "the signer is shown to compare: {said}");
    refused_against_witness(&s, &forged, &["not signed by a key this check trusts"]);
    refused(&s.w, &["witness", "add", "--witness", path(&s.witness), path(&forged)], &["not signed by a key"]);
    let key = centre_key(&s.w).verifier_key().vkey();
    refused(&s.w, &["verify", "--bundle", path(&forged), "--key", &key], &["not signed by a key"]);
    let (ok, said) = python(&["--key", &key, path(&forged)]);
    assert!(!ok && said.contains("not signed by a key"), "{said}");
}

#[test]
fn a_tampered_witness_file_is_refused() {
    let s = setting();
    let text = std::fs::read_to_string(&s.witness).expect("the witness file");
    // One digit of the position it holds, changed.
    let head = format!("\\n{}\\n", s.head);
    assert!(text.contains(&head), "{text}");
    let tampered = s.w.file("tampered.json");
    std::fs::write(&tampered, text.replacen(&head, &format!("\\n{}\\n", s.head - 1), 1)).expect("written");
    refused(&s.w, &["verify", "--bundle", path(&s.bundle), "--witness", path(&tampered)], &["does not check"]);
    let (ok, said) = python(&["--witness", path(&tampered), path(&s.bundle)]);
    assert!(!ok && said.contains("does not check"), "{said}");
    // A witness file re-made under another key is told by the key recorded out of band.
    let other = s.w.file("other.json");
    s.w.ok(&["witness", "init", "--witness", path(&other)]);
    s.w.ok(&["witness", "add", "--witness", path(&other), path(&s.bundle)]);
    let vkey = s.w.json(&["verify", "--bundle", path(&s.bundle), "--witness", path(&s.witness)])["witness_key"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    refused(
        &s.w,
        &["verify", "--bundle", path(&s.bundle), "--witness", path(&other), "--witness-key", &vkey],
        &["it was replaced"],
    );
    let (ok, said) = python(&["--witness", path(&other), "--witness-key", &vkey, path(&s.bundle)]);
    assert!(!ok && said.contains("replaced"), "{said}");
    // Nothing was written to the witness by the refusals.
    assert_eq!(std::fs::read_to_string(&s.witness).expect("the witness file"), text);
}

#[test]
fn a_witness_takes_a_daily_bare_checkpoint_and_refuses_a_fork_or_an_older_one() {
    let s = setting();
    let dir = s.w.file("daily");
    std::fs::create_dir(&dir).expect("a directory");
    // The same head again: already held.
    let written = s.w.json(&["checkpoint", "--out", path(&dir)]);
    let file = written["file"].as_str().expect("a file").to_owned();
    let added = s.w.json(&["witness", "add", "--witness", path(&s.witness), &file]);
    assert_eq!(added["witnessed"]["status"], "already_held", "{added}");
    // The form `checkpoint --json` prints is taken too.
    let json_checkpoint = s.w.write("now.json", &s.w.ok(&["checkpoint", "--json"]));
    assert!(s.w.ok(&["checkpoint"]).contains(&format!("\n{}\n", s.head)));
    let added = s.w.json(&["witness", "add", "--witness", path(&s.witness), path(&json_checkpoint)]);
    assert_eq!(added["witnessed"]["status"], "already_held", "the log has not moved: {added}");
    // A checkpoint of the same position with another hash: a fork.
    let key = centre_key(&s.w);
    let note = std::fs::read_to_string(&file).expect("the checkpoint");
    let mut checkpoint = SignedCheckpoint::parse(&note).expect("a checkpoint").checkpoint;
    checkpoint.head_hash = Hash([1; 32]);
    let fork = s.w.write("fork.txt", &checkpoint.sign(&key).note);
    refused(
        &s.w,
        &["witness", "add", "--witness", path(&s.witness), path(&fork)],
        &[&format!("position {}", s.head), "a fork"],
    );
    // An older position than the witness holds: cut short.
    checkpoint.position = s.head - 3;
    let older = s.w.write("older.txt", &checkpoint.sign(&key).note);
    refused(&s.w, &["witness", "add", "--witness", path(&s.witness), path(&older)], &["before position", "cut short"]);
    // A later one, then a bundle that does not reach it: the cut is caught.
    checkpoint.position = s.head + 10;
    let later = s.w.write("later.txt", &checkpoint.sign(&key).note);
    let added = s.w.json(&["witness", "add", "--witness", path(&s.witness), path(&later)]);
    assert_eq!(added["witnessed"]["bare"], true, "{added}");
    refused(
        &s.w,
        &["witness", "add", "--witness", path(&s.witness), path(&s.bundle)],
        &[&format!("position {}", s.head + 10)],
    );
}

/// The first staff member of the demo with `role`, and their centre.
fn staff_with(s: &Setting, role: &str) -> (String, String) {
    let staff = s.demo["staff"].as_array().expect("the demo's staff");
    let member = staff.iter().find(|m| m["roles"].as_array().is_some_and(|r| r.iter().any(|x| x == role)));
    let member = member.expect("a member with the role");
    (
        member["staff_id"].as_str().unwrap_or_default().to_owned(),
        member["centre_id"].as_str().unwrap_or_default().to_owned(),
    )
}

#[test]
fn a_checkpoint_signed_by_a_key_the_centre_revoked_is_refused() {
    let s = setting();
    let (admin, centre) = staff_with(&s, "administrator");
    let (worker, _) = staff_with(&s, "social_worker");
    s.w.verified_events();
    // Only an administrator records or revokes the centre's signing key; each once.
    s.w.fails(1, "RoleNotPermitted", &["--as", &worker, "centre", "signing-key", &centre]);
    let recorded = s.w.json(&["--as", &admin, "centre", "signing-key", &centre]);
    let key = recorded["key"].as_str().expect("the key").to_owned();
    assert_eq!(key, centre_key(&s.w).verifier_key().vkey());
    s.w.verified_events();
    s.w.fails(1, "duplicate signing key", &["--as", &admin, "centre", "signing-key", &centre]);
    s.w.fails(2, "--key", &["--as", &admin, "centre", "revoke-signing-key", &centre, "--key", "not-a-key"]);
    // Recorded and still valid: a bundle signed with it is witnessed.
    let before = s.w.file("before.bundle");
    s.w.ok(&["export", "--out", path(&before)]);
    s.w.ok(&["witness", "add", "--witness", path(&s.witness), path(&before)]);
    s.w.ok(&["--as", &admin, "centre", "revoke-signing-key", &centre, "--key", &key]);
    s.w.verified_events();
    s.w.fails(1, "revoked already", &["--as", &admin, "centre", "revoke-signing-key", &centre, "--key", &key]);
    // The directory still signs with the revoked key: its next bundle is not the centre's.
    let after = s.w.file("after.bundle");
    let exported = s.w.json(&["export", "--out", path(&after)]);
    let head = exported["last_position"].as_u64().expect("a head");
    let revoked = format!("which the log revoked at position {head}");
    refused_against_witness(&s, &after, &[&revoked]);
    refused(&s.w, &["verify", "--bundle", path(&after), "--key", &key], &[&revoked]);
    let (ok, said) = python(&["--key", &key, path(&after)]);
    assert!(!ok && said.contains(&revoked), "{said}");
    // With no anchor at all too: the bundle's own records revoke its signer.
    refused(&s.w, &["verify", "--bundle", path(&after)], &[&revoked]);
    let (ok, said) = python(&[path(&after)]);
    assert!(!ok && said.contains(&revoked), "{said}");
    refused(&s.w, &["witness", "add", "--witness", path(&s.witness), path(&after)], &[&revoked]);
    // The log holds both events with the public key, and never the secret.
    let lines = s.w.file("log.jsonl");
    s.w.ok(&["export", "--jsonl", "--out", path(&lines)]);
    let text = std::fs::read_to_string(&lines).expect("the export");
    assert!(
        text.contains("\"event_type\":\"SigningKeyRecorded\"") && text.contains("\"event_type\":\"SigningKeyRevoked\"")
    );
    let secret = std::fs::read_to_string(s.w.data().join("keys/signing.key")).expect("the key file");
    let secret = secret.lines().find_map(|l| l.strip_prefix("secret ")).expect("a secret").to_owned();
    assert!(!text.contains(&secret) && !std::fs::read_to_string(&after).unwrap_or_default().contains(&secret));
}

#[test]
fn a_rotated_signing_key_is_recorded_the_old_one_revoked_and_the_witness_follows() {
    let s = setting();
    let (admin, centre) = staff_with(&s, "administrator");
    let old_key = centre_key(&s.w);
    let old =
        s.w.json(&["--as", &admin, "centre", "signing-key", &centre])["key"].as_str().unwrap_or_default().to_owned();
    let first = s.w.file("first.bundle");
    s.w.ok(&["export", "--out", path(&first)]);
    s.w.ok(&["witness", "add", "--witness", path(&s.witness), path(&first)]);

    let rotated = s.w.json(&["--as", &admin, "centre", "signing-key", &centre, "--rotate"]);
    let new = rotated["key"].as_str().unwrap_or_default().to_owned();
    assert_ne!(new, old);
    assert_eq!(rotated["revoked"], old.as_str(), "{rotated}");
    assert_eq!(centre_key(&s.w).verifier_key().vkey(), new, "the directory signs with the new key");
    assert!(!s.w.data().join("keys/signing.key.next").exists());
    assert_eq!(centre_key(&s.w).deployment_id(), old_key.deployment_id(), "the origin stays");

    // The witness takes the bundle that records the new key, signed by it, and both checkers
    // agree with it.
    let second = s.w.file("second.bundle");
    s.w.ok(&["export", "--out", path(&second)]);
    s.w.ok(&["witness", "add", "--witness", path(&s.witness), path(&second)]);
    s.w.ok(&["verify", "--bundle", path(&second), "--witness", path(&s.witness)]);
    let (ok, said) = python(&["--witness", path(&s.witness), path(&second)]);
    assert!(ok, "{said}");
    // A bare checkpoint by the new key is taken now.
    let json_checkpoint = s.w.write("now.json", &s.w.ok(&["checkpoint", "--json"]));
    s.w.ok(&["witness", "add", "--witness", path(&s.witness), path(&json_checkpoint)]);

    // The same bundle signed again with the old key after its revocation is refused: against
    // the witness, and by a check given the old key.
    let forged = Forge::read(&second).seal(&old_key, &s.w.file("old-key.bundle"));
    let revoked = "which the log revoked at position";
    refused_against_witness(&s, &forged, &[revoked]);
    refused(&s.w, &["verify", "--bundle", path(&forged), "--key", &old], &[revoked]);
    let (ok, said) = python(&["--key", &old, path(&forged)]);
    assert!(!ok && said.contains(revoked), "{said}");
    // Recording the key in place again is a duplicate; the old key cannot come back.
    let run = s.w.run(&["--as", &admin, "centre", "signing-key", &centre]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn serve_writes_a_checkpoint_at_start_that_the_witness_takes() {
    let _watchdog = watchdog("serve_writes_a_checkpoint_at_start_that_the_witness_takes", 120);
    let s = setting();
    let dir = s.w.file("served-checkpoints");
    std::fs::create_dir(&dir).expect("a directory");
    s.w.verified_events();
    s.w.fails(
        2,
        "--checkpoint-dir",
        &["serve", "--listen", "127.0.0.1:0", "--checkpoint-dir", path(&s.w.file("none"))],
    );
    let server = ServerProcess::start(&s.w.data(), &["--checkpoint-dir", path(&dir), "--checkpoint-every-hours", "24"]);
    let file = dir.join(format!("checkpoint-{:012}.txt", s.head));
    // The first is written at start; it is waited for (a bounded wait), never timed.
    for _ in 0..300 {
        if file.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let log = server.stop();
    assert!(file.exists(), "no checkpoint in {}: {log}", dir.display());
    assert!(log.contains("checkpoint written"), "{log}");
    let added = s.w.json(&["witness", "add", "--witness", path(&s.witness), path(&file)]);
    assert_eq!(added["witnessed"]["status"], "already_held", "the head the witness holds: {added}");
}

#[test]
fn the_same_demo_seed_gives_the_same_records_and_a_checkpoint_of_each_directory_s_own_key() {
    let (first, second) = (World::new(), World::new());
    let manifests: Vec<(Value, Vec<u8>)> = [&first, &second]
        .iter()
        .map(|w| {
            w.ok(&["demo", "--seed", "9", "--beneficiaries", "4"]);
            let bundle = w.file("demo.bundle");
            w.ok(&["--at", "2026-01-05T10:00:00Z", "export", "--out", path(&bundle)]);
            let bytes = std::fs::read(&bundle).expect("the bundle");
            let split = bytes.iter().position(|&b| b == b'\n').expect("a line") + 1;
            (serde_json::from_slice(&bytes[..split]).expect("a manifest"), bytes[split..].to_vec())
        })
        .collect();
    assert_eq!(manifests[0].1, manifests[1].1, "the records are the same bytes");
    let (mut a, mut b) = (manifests[0].0.clone(), manifests[1].0.clone());
    assert_ne!(a["checkpoint"], b["checkpoint"], "each directory signs with its own key");
    for manifest in [&mut a, &mut b] {
        manifest.as_object_mut().expect("an object").remove("checkpoint");
    }
    assert_eq!(a, b, "the rest of the manifest is the same");
}
