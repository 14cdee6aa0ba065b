//! Trust against the producer: `checkpoint`, `witness init` and `witness add`, and `verify
//! --bundle` with its outside anchors (`--witness`, `--pin`, `--held`, `--key`).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parapompi::bundle::{anchors_of_bundles, verify_bundles_against_reporting, Anchor, BundleError, BundlePlace};
use parapompi::checkpoint::{SignedCheckpoint, VerifierKey, VerifierKeyError};
use parapompi::witness::{default_witness_key_path, init_witness, parse_pin, PinError, WitnessError, WitnessFile};
use serde_json::json;

use crate::args::{CheckpointArgs, Global, VerifyArgs, WitnessAddArgs, WitnessCommand, WitnessInitArgs};
use crate::commands::log::is_bundle;
use crate::error::CliError;
use crate::i18n::{counted, message};
use crate::output::{count, Out};
use crate::progress::Progress;
use crate::session::Ctx;

/// `checkpoint [--out DIR]`: the signed checkpoint of the head, printed or written.
pub fn checkpoint(ctx: &mut Ctx<'_>, args: &CheckpointArgs) -> Result<(), CliError> {
    let at = parapompi::store::Timestamp::from_unix_ms(ctx.occurred_at()?.unix_ms());
    let engine = ctx.backend.engine("checkpoint")?;
    let (file, signed) = match &args.out {
        Some(dir) => {
            if !dir.is_dir() {
                return Err(CliError::field(
                    "--out",
                    message("error-not-a-directory", &[("text", &dir.display().to_string())]),
                ));
            }
            let (file, signed) = engine.write_checkpoint(dir, at)?;
            (Some(file), signed)
        }
        None => (None, engine.signed_checkpoint(at)?),
    };
    let vkey = engine.signing_verifier_key().vkey();
    let checkpoint = &signed.checkpoint;
    ctx.out.json_line(&json!({
        "origin": checkpoint.origin,
        "position": checkpoint.position,
        "head_hash": checkpoint.head_hash.to_hex(),
        "time": checkpoint.time_ms,
        "centres": checkpoint.centres,
        "note": signed.note,
        "vkey": vkey,
        "file": file.as_ref().map(|f| f.display().to_string()),
    }))?;
    match file {
        Some(file) => ctx.out.line(message(
            "trust-checkpoint-written",
            &[
                ("position", &checkpoint.position.to_string()),
                ("hash", &checkpoint.head_hash.to_hex()),
                ("text", &file.display().to_string()),
            ],
        )),
        None if ctx.out.json => Ok(()),
        None => ctx.out.raw(&signed.note),
    }
}

/// `serve --checkpoint-dir DIR`: the checkpoint of the head written into DIR at once, then
/// every `every`, each logged; a failure is logged and tried again at the next turn.
pub async fn write_checkpoints(engine: parapompi::Engine, dir: PathBuf, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let (engine, dir) = (engine.clone(), dir.clone());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
        let at = parapompi::store::Timestamp::from_unix_ms(i64::try_from(now).unwrap_or(i64::MAX));
        let written = tokio::task::spawn_blocking(move || engine.write_checkpoint(&dir, at)).await;
        match written {
            Ok(Ok((file, signed))) => tracing::info!(
                position = signed.checkpoint.position,
                head_hash = %signed.checkpoint.head_hash,
                file = %file.display(),
                "checkpoint written"
            ),
            Ok(Err(error)) => tracing::error!(%error, "checkpoint not written"),
            Err(error) => tracing::error!(%error, "checkpoint not written"),
        }
    }
}

/// `witness init` and `witness add`.
pub fn witness(command: WitnessCommand, _global: &Global, out: &mut Out) -> Result<(), CliError> {
    match command {
        WitnessCommand::Init(args) => witness_init(&args, out),
        WitnessCommand::Add(args) => witness_add(&args, out),
    }
}

fn refused(error: WitnessError) -> CliError {
    CliError::Usage(witness_refusal(&error))
}

/// What a witness refused, or could not do, in the run's language: each [`WitnessError`] by
/// its variant (`witness-<kind>` in `trust.ftl`) with the values it carries.
fn witness_refusal(error: &WitnessError) -> String {
    let (key, args): (&str, Vec<(&str, String)>) = match error {
        WitnessError::KeyUnreadable { path, problem } => {
            ("witness-key-unreadable", vec![("text", path.clone()), ("problem", problem.clone())])
        }
        WitnessError::NotAKeyFile { path, header } => {
            ("witness-not-a-key-file", vec![("text", path.clone()), ("value", (*header).to_owned())])
        }
        WitnessError::Exists { path } => ("witness-exists", vec![("text", path.clone())]),
        WitnessError::BadName { problem } => ("witness-bad-name", vec![("problem", problem.clone())]),
        WitnessError::NoRandomKey { problem } => ("witness-no-random-key", vec![("problem", problem.clone())]),
        WitnessError::Unwritable { path, problem } => {
            ("error-cannot-write", vec![("text", path.clone()), ("problem", problem.clone())])
        }
        WitnessError::FileUnreadable { path, problem } => {
            ("witness-file-unreadable", vec![("text", path.clone()), ("problem", problem.clone())])
        }
        WitnessError::FileTooLarge { path, max_bytes } => {
            ("witness-file-too-large", vec![("text", path.clone()), ("max", max_bytes.to_string())])
        }
        WitnessError::Altered { path, problem } => {
            ("witness-altered", vec![("text", path.clone()), ("problem", problem.clone())])
        }
        WitnessError::Bundle(bundle) => return bundle_problem(bundle),
        WitnessError::HistoryRefused(bundle) => ("witness-history-refused", vec![("problem", bundle_problem(bundle))]),
        WitnessError::NoCheckpointInBundle { bundle } => {
            ("witness-no-checkpoint-in-bundle", vec![("text", bundle.clone())])
        }
        WitnessError::BadBundleCheckpoint { bundle, problem } => {
            ("witness-bad-bundle-checkpoint", vec![("text", bundle.clone()), ("problem", problem.clone())])
        }
        WitnessError::BadCheckpoint { problem } => ("witness-bad-checkpoint", vec![("problem", problem.clone())]),
        WitnessError::BadCheckpointKey { problem } => {
            ("witness-bad-checkpoint-key", vec![("problem", problem.clone())])
        }
        WitnessError::NeverSeen { origin } => ("witness-never-seen", vec![("origin", origin.clone())]),
        WitnessError::SignatureRefused { problem } => ("witness-signature-refused", vec![("problem", problem.clone())]),
        WitnessError::Fork { position, stated, held } => (
            "witness-fork",
            vec![("position", position.to_string()), ("hash", stated.clone()), ("value", held.clone())],
        ),
        WitnessError::CutShort { position, held_position } => {
            ("witness-cut-short", vec![("position", position.to_string()), ("value", held_position.to_string())])
        }
        WitnessError::WrongProducerKey { signed_by, given } => {
            ("witness-wrong-producer-key", vec![("key", signed_by.clone()), ("value", given.clone())])
        }
        WitnessError::KeyMismatch { key_path, path, vkey } => {
            ("witness-key-mismatch", vec![("key", key_path.clone()), ("text", path.clone()), ("value", vkey.clone())])
        }
        WitnessError::Full { max, origin } => {
            ("witness-full", vec![("max", max.to_string()), ("origin", origin.clone())])
        }
        WitnessError::CheckpointNotRead { bundle } => ("witness-checkpoint-not-read", vec![("text", bundle.clone())]),
        WitnessError::State { problem } => ("witness-state", vec![("problem", problem.clone())]),
    };
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    message(key, &borrowed)
}

/// Why a verifier key does not read, in the run's language.
pub fn verifier_key_problem(error: &VerifierKeyError) -> String {
    match error {
        VerifierKeyError::NotAKey { text } => message("vkey-not-a-key", &[("text", &format!("{text:?}"))]),
        VerifierKeyError::BadName { name } => message("vkey-bad-name", &[("name", &format!("{name:?}"))]),
        VerifierKeyError::NotBase64 { name } => message("vkey-not-base64", &[("name", name)]),
        VerifierKeyError::NotEd25519 { name } => message("vkey-not-ed25519", &[("name", name)]),
        VerifierKeyError::NotACurvePoint { name } => message("vkey-not-a-curve-point", &[("name", name)]),
        VerifierKeyError::KeyIdMismatch { name, id } => message("vkey-id-mismatch", &[("name", name), ("id", id)]),
    }
}

/// Why a pin does not read, in the run's language.
pub fn pin_problem(error: &PinError) -> String {
    match error {
        PinError::NotPositionHash { text } => message("pin-not-position-hash", &[("text", &format!("{text:?}"))]),
        PinError::NotAPosition { text } => message("pin-not-a-position", &[("text", &format!("{text:?}"))]),
        PinError::NotAHash { text } => message("pin-not-a-hash", &[("text", &format!("{text:?}"))]),
        PinError::PositionZero => message("pin-position-zero", &[]),
    }
}

/// Where in which bundle a check failed, in the run's language (the problem itself is the
/// bundle check's own sentence).
pub fn bundle_problem(error: &BundleError) -> String {
    let file = error.file.as_str();
    match error.at {
        BundlePlace::File => message("bundle-place-file", &[("text", file), ("problem", &error.problem)]),
        BundlePlace::Manifest => message("bundle-place-manifest", &[("text", file), ("problem", &error.problem)]),
        BundlePlace::Record { number, offset } => message(
            "bundle-place-record",
            &[("text", file), ("n", &number.to_string()), ("value", &offset.to_string()), ("problem", &error.problem)],
        ),
    }
}

/// A bundle that does not verify, as a usage error.
pub fn bundle_refused(error: &BundleError) -> CliError {
    CliError::Usage(message("trust-bundle-bad", &[("problem", &bundle_problem(error))]))
}

fn witness_init(args: &WitnessInitArgs, out: &mut Out) -> Result<(), CliError> {
    let key = args.key.clone().unwrap_or_else(|| default_witness_key_path(&args.witness));
    let vkey = init_witness(&args.witness, &key, &args.name).map_err(refused)?;
    out.json_line(&json!({
        "witness": args.witness.display().to_string(),
        "key_file": key.display().to_string(),
        "vkey": vkey.vkey(),
    }))?;
    out.line(message(
        "witness-made",
        &[("text", &args.witness.display().to_string()), ("value", &key.display().to_string()), ("key", &vkey.vkey())],
    ))
}

fn now_s() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

fn witness_add(args: &WitnessAddArgs, out: &mut Out) -> Result<(), CliError> {
    let key = args.key.clone().unwrap_or_else(|| default_witness_key_path(&args.witness));
    let producer = match &args.producer_key {
        Some(text) => {
            Some(VerifierKey::parse(text).map_err(|e| CliError::field("--producer-key", verifier_key_problem(&e)))?)
        }
        None => None,
    };
    let mut witness = WitnessFile::read(&args.witness, None).map_err(refused)?;
    for file in &args.files {
        let witnessed = if is_bundle(file)? {
            let progress = Progress::spinner(&message("progress-checking-bundle", &[]));
            let witnessed = witness.add_bundle(file, producer.as_ref(), &key, now_s());
            progress.finish();
            witnessed
        } else {
            let (note, vkey) = read_checkpoint_file(file)?;
            witness.add_checkpoint(&note, vkey.as_deref(), producer.as_ref(), &key, now_s())
        }
        .map_err(|e| CliError::Usage(format!("{}: {}", file.display(), witness_refusal(&e))))?;
        out.json_line(&json!({"file": file.display().to_string(), "witnessed": witnessed}))?;
        let key = match (witnessed.status == "added", witnessed.bare, witnessed.checked_against.is_empty()) {
            (true, true, _) => "witness-countersigned-bare",
            (true, false, true) => "witness-countersigned",
            (true, false, false) => "witness-countersigned-extends",
            (false, true, _) => "witness-already-held-bare",
            (false, false, true) => "witness-already-held",
            (false, false, false) => "witness-already-held-extends",
        };
        let positions = witnessed.checked_against.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
        out.line(message(
            key,
            &[
                ("text", &file.display().to_string()),
                ("origin", &witnessed.origin),
                ("position", &witnessed.position.to_string()),
                ("hash", &witnessed.head_hash),
                ("value", &positions),
            ],
        ))?;
        if witnessed.first_seen {
            out.line(message("witness-first-seen", &[]))?;
        }
    }
    Ok(())
}

/// A checkpoint file: the signed note as `checkpoint --out` writes it, or the JSON that
/// `checkpoint --json` prints (its note and its signer's verifier key).
fn read_checkpoint_file(file: &Path) -> Result<(String, Option<String>), CliError> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| {
        CliError::field(
            "BUNDLE_OR_CHECKPOINT",
            message("error-cannot-read", &[("text", &name), ("problem", &e.to_string())]),
        )
    })?;
    if text.len() > parapompi::checkpoint::MAX_NOTE_BYTES * 2 {
        return Err(CliError::field("BUNDLE_OR_CHECKPOINT", message("trust-checkpoint-too-long", &[("text", &name)])));
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
        let note = value.get("note").and_then(serde_json::Value::as_str).map(str::to_owned);
        let vkey = value.get("vkey").and_then(serde_json::Value::as_str).map(str::to_owned);
        return match note {
            Some(note) => Ok((note, vkey)),
            None => {
                Err(CliError::field("BUNDLE_OR_CHECKPOINT", message("trust-json-not-checkpoint", &[("text", &name)])))
            }
        };
    }
    SignedCheckpoint::parse(&text).map_err(|problem| {
        CliError::field(
            "BUNDLE_OR_CHECKPOINT",
            message("trust-not-checkpoint", &[("text", &name), ("problem", &problem)]),
        )
    })?;
    Ok((text, None))
}

/// `verify --bundle FILE... [--witness FILE] [--pin P:H] [--held FILE] [--key VKEY]`: no
/// store; the first bad record is named, and with anchors the position where the history
/// departs from them.
pub fn verify_bundle_files(args: &VerifyArgs, out: &mut Out) -> Result<(), CliError> {
    let bad = |e: BundleError| bundle_refused(&e);
    let mut anchors: Vec<Anchor> = Vec::new();
    for pin in &args.pin {
        let mut anchor = parse_pin(pin).map_err(|e| CliError::field("--pin", pin_problem(&e)))?;
        anchor.source =
            message("trust-source-pin", &[("position", &anchor.position.to_string()), ("hash", &anchor.hash.to_hex())]);
        anchors.push(anchor);
    }
    let mut trusted = match &args.key {
        Some(text) => {
            Some(vec![VerifierKey::parse(text).map_err(|e| CliError::field("--key", verifier_key_problem(&e)))?])
        }
        None => None,
    };
    let mut witness_key = None;
    if let Some(file) = &args.witness {
        let expected = match &args.witness_key {
            Some(text) => {
                Some(VerifierKey::parse(text).map_err(|e| CliError::field("--witness-key", verifier_key_problem(&e)))?)
            }
            None => None,
        };
        let witness = WitnessFile::read(file, expected.as_ref()).map_err(refused)?;
        let origin = bundle_origin(&args.bundle)?;
        if witness.checkpoints(&origin).is_empty() {
            let held =
                if witness.origins().is_empty() { message("trust-none", &[]) } else { witness.origins().join(", ") };
            return Err(CliError::Usage(message(
                "trust-witness-no-origin",
                &[("text", &file.display().to_string()), ("origin", &origin), ("value", &held)],
            )));
        }
        anchors.extend(witness.anchors(&origin).into_iter().map(|mut anchor| {
            anchor.source = message(
                "trust-source-witness",
                &[("text", &file.display().to_string()), ("position", &anchor.position.to_string())],
            );
            anchor
        }));
        let producer = witness.producer_keys(&origin);
        trusted = Some(match trusted {
            // Both were given: the key must be one the witness trusts too.
            Some(given) => given.into_iter().filter(|key| producer.contains(key)).collect(),
            None => producer,
        });
        witness_key = Some(witness.witness_key().vkey());
    }
    if !args.held.is_empty() {
        let source = message("trust-source-held", &[("text", &display_all(&args.held))]);
        anchors.extend(anchors_of_bundles(&args.held, &source).map_err(bad)?);
    }
    let progress = Progress::bar(&message("progress-verifying-bundles", &[]));
    let verified =
        verify_bundles_against_reporting(&args.bundle, &anchors, trusted, &|p| progress.report(p)).map_err(bad)?;
    progress.finish();
    let (first, last) = verified.positions;
    let checkpoint = verified.checkpoint.as_ref().map(|(signed, signer)| {
        json!({
            "origin": signed.checkpoint.origin,
            "position": signed.checkpoint.position,
            "head_hash": signed.checkpoint.head_hash.to_hex(),
            "time": signed.checkpoint.time_ms,
            "vkey": signer.vkey(),
        })
    });
    let agreed: Vec<_> = verified
        .anchors
        .agreed
        .iter()
        .map(|anchor| json!({"position": anchor.position, "hash": anchor.hash.to_hex(), "source": anchor.source}))
        .collect();
    out.json_line(&json!({
        "ok": true,
        "files": args.bundle.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "n_events": verified.n_events,
        "first_position": first,
        "last_position": last,
        "head_hash": verified.head_hash.to_hex(),
        "range": first > 1,
        "checkpoint": checkpoint,
        "anchors": agreed,
        "witness_key": witness_key,
    }))?;
    let (first_text, last_text) = (first.to_string(), last.to_string());
    out.line(message(
        "trust-bundles-verify",
        &[
            ("what", &count(verified.n_events, "record")),
            ("start", &first_text),
            ("end", &last_text),
            ("hash", &verified.head_hash.to_hex()),
        ],
    ))?;
    if first > 1 {
        let before = (first - 1).to_string();
        out.line(message("trust-range", &[("start", &first_text), ("end", &last_text), ("position", &before)]))?;
    }
    match &verified.checkpoint {
        Some((signed, signer)) => {
            let unanchored = args.key.is_none() && args.witness.is_none();
            let key = if unanchored { "trust-signed-compare" } else { "trust-signed" };
            let position = signed.checkpoint.position.to_string();
            out.line(message(key, &[("position", &position), ("value", &signer.vkey())]))?
        }
        None => out.line(message("trust-no-checkpoint", &[]))?,
    }
    if anchors.is_empty() {
        return out.line(message("trust-no-anchor", &[]));
    }
    for anchor in dedup_sources(&verified.anchors.agreed) {
        out.line(message("trust-anchor-agrees", &[("text", &anchor.to_string())]))?;
    }
    if let Some(key) = witness_key {
        out.line(message("trust-witness-signed", &[("value", &key)]))?;
    }
    Ok(())
}

/// Each anchor source once, with the positions it was checked at (a held bundle is every
/// position: shown as its range).
fn dedup_sources(agreed: &[Anchor]) -> Vec<String> {
    let mut lines: Vec<(String, u64, u64, u64)> = Vec::new();
    for anchor in agreed {
        match lines.last_mut() {
            Some((source, _, last, n)) if *source == anchor.source => {
                *last = anchor.position;
                *n += 1;
            }
            _ => lines.push((anchor.source.clone(), anchor.position, anchor.position, 1)),
        }
    }
    lines
        .into_iter()
        .map(|(source, first, last, n)| {
            if n == 1 {
                message("trust-source-at", &[("text", &source), ("position", &first.to_string())])
            } else {
                let (start, end) = (first.to_string(), last.to_string());
                counted("trust-source-at-many", i128::from(n), &[("text", &source), ("start", &start), ("end", &end)])
            }
        })
        .collect()
}

fn display_all(files: &[PathBuf]) -> String {
    files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
}

/// The origin the bundles' last checkpoint names (the witness holds checkpoints by origin).
fn bundle_origin(files: &[PathBuf]) -> Result<String, CliError> {
    let last = files.last().ok_or_else(|| CliError::field("--bundle", message("error-no-bundle", &[])))?;
    let manifest = parapompi::bundle::read_manifest(last).map_err(|e| bundle_refused(&e))?;
    let name = last.display().to_string();
    let carried = manifest
        .checkpoint
        .ok_or_else(|| CliError::Usage(message("trust-witness-no-checkpoint", &[("text", &name)])))?;
    SignedCheckpoint::parse(&carried.note).map(|signed| signed.checkpoint.origin).map_err(|problem| {
        let problem = message("witness-bad-checkpoint", &[("problem", &problem)]);
        CliError::Usage(message(
            "trust-bundle-bad",
            &[("problem", &message("bundle-place-manifest", &[("text", &name), ("problem", &problem)]))],
        ))
    })
}
