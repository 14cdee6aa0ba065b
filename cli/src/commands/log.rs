//! The log: init, stats, export, import, verify (a store or bundles), replay, rebuild, and
//! shell completions.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use parapompi::bundle::{
    read_manifest_line, replay_audit_reporting, replay_projections_reporting, verify_bundles, Manifest, BUNDLE_FORMAT,
};
use parapompi::{Engine, EngineConfig};
use serde_json::json;

use crate::args::{Cli, CompletionsArgs, ExportArgs, Global, ImportArgs, ReplayArgs, ReplayCommand, ReportCommand};
use crate::backend::Backend;
use crate::client::Client;
use crate::commands::trust::bundle_refused;
use crate::commands::views::{indicator_request, print_audit, print_report, report_text, resolve_subject};
use crate::error::CliError;
use crate::i18n::message;
use crate::output::{count, Fields, Out};
use crate::progress::Progress;
use crate::session::{data_dir, store_exists, Ctx};

/// `init`: creates the data directory and an empty store.
pub fn init(global: &Global, out: &mut Out) -> Result<(), CliError> {
    let dir = data_dir(global);
    let existed = store_exists(&dir);
    let engine = crate::session::open_engine(global, EngineConfig::default())?;
    let head = engine.store().head();
    engine.close()?;
    out.json_line(&json!({"data_dir": dir.display().to_string(), "created": !existed, "n_events": head.position}))?;
    if existed {
        let events = count(head.position, "event");
        out.line(message("log-init-exists", &[("text", &dir.display().to_string()), ("events", &events)]))
    } else {
        out.line(message("log-init-created", &[("text", &dir.display().to_string())]))?;
        out.line(message("written-next", &[]))?;
        out.line("parapompi centre register --help")
    }
}

/// `stats`.
pub fn stats(ctx: &mut Ctx<'_>, dir: &Path) -> Result<(), CliError> {
    let progress = Progress::spinner(&message("progress-counting", &[]));
    let stats = ctx.backend.stats(dir)?;
    progress.finish();
    ctx.out.json_line(&stats)?;
    if ctx.out.json {
        return Ok(());
    }
    let mut fields = Fields::new();
    fields.field("stats-data-dir", text_of(&stats, "data_dir"));
    fields.field("stats-events", text_of(&stats, "n_events"));
    fields.field("stats-streams", text_of(&stats, "n_streams"));
    fields.field("stats-head-position", text_of(&stats, "head_position"));
    fields.field("stats-head-hash", text_of(&stats, "head_hash"));
    fields.field("stats-size", message("stats-bytes", &[("n", &text_of(&stats, "size_on_disk_bytes"))]));
    ctx.out.fields(&fields)
}

/// A field of a document as text: a string as it is, a number in digits.
fn text_of(document: &serde_json::Value, key: &str) -> String {
    match document.get(key) {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn manifest_json(manifest: &Manifest) -> serde_json::Value {
    serde_json::to_value(manifest).unwrap_or(serde_json::Value::Null)
}

/// `export --out FILE [--from POSITION] [--jsonl]`: a bundle, or the records as JSON Lines.
pub fn export(ctx: &mut Ctx<'_>, args: ExportArgs) -> Result<(), CliError> {
    if let Backend::Server(client) = ctx.backend {
        return export_through_server(ctx, client, &args);
    }
    let engine = ctx.backend.engine("export")?;
    let head = engine.store().head().position;
    if args.from == 0 || args.from > head {
        return Err(not_in_log(args.from, head));
    }
    if args.jsonl {
        let progress = Progress::bar(&message("progress-exporting", &[]));
        let report = |p| progress.report(p);
        let exported =
            write_whole(
                &args.out,
                args.force,
                |out| Ok(engine.export_jsonl_reporting(out, args.from, head, &report)?),
            )?;
        progress.finish();
        ctx.out.json_line(&json!({
            "file": args.out.display().to_string(),
            "kind": "jsonl",
            "n_events": exported.n_events,
            "first_position": exported.first_position,
            "last_position": exported.last_position,
            "head_hash": exported.last_hash.to_hex(),
        }))?;
        return ctx.out.line(wrote_lines(
            exported.n_events,
            (exported.first_position, exported.last_position),
            &args.out,
            &exported.last_hash.to_hex(),
        ));
    }
    let created_at = parapompi::store::Timestamp::from_unix_ms(ctx.occurred_at()?.unix_ms());
    let progress = Progress::bar(&message("progress-exporting", &[]));
    let report = |p| progress.report(p);
    let manifest = write_whole(&args.out, args.force, |out| {
        Ok(engine.export_bundle_reporting(out, args.from, created_at, &report)?)
    })?;
    progress.finish();
    let mut object = manifest_json(&manifest);
    object["file"] = json!(args.out.display().to_string());
    ctx.out.json_line(&object)?;
    ctx.out.line(message(
        "log-wrote-bundle",
        &[
            ("what", &count(manifest.n_events, "record")),
            ("start", &manifest.first_position.to_string()),
            ("end", &manifest.last_position.to_string()),
            ("text", &args.out.display().to_string()),
            ("hash", &manifest.head_hash),
        ],
    ))
}

/// What an export as JSON Lines says it wrote.
fn wrote_lines(n_events: u64, (first, last): (u64, u64), out: &Path, last_hash: &str) -> String {
    message(
        "log-wrote-lines",
        &[
            ("what", &count(n_events, "record")),
            ("start", &first.to_string()),
            ("end", &last.to_string()),
            ("text", &out.display().to_string()),
            ("hash", last_hash),
        ],
    )
}

/// `--from` names a position the log does not hold.
fn not_in_log(from: u64, head: u64) -> CliError {
    CliError::field("--from", message("log-not-in-log", &[("position", &from.to_string()), ("end", &head.to_string())]))
}

/// `export --jsonl` through the server: its records streamed into the file as they come
/// (`GET /v1/export`), the same bytes and the same summary as direct mode. A bundle is
/// written on the data directory itself.
fn export_through_server(ctx: &mut Ctx<'_>, client: &Client, args: &ExportArgs) -> Result<(), CliError> {
    use std::io::{BufRead, Write};
    if !args.jsonl {
        return Err(CliError::field("--jsonl", message("log-export-server-jsonl", &[])));
    }
    let head = ctx.backend.head()?;
    if args.from == 0 || args.from > head {
        return Err(not_in_log(args.from, head));
    }
    let stream = client.get_stream(&format!("/v1/export?from={}&to={head}", args.from))?;
    let progress = Progress::bar(&message("progress-exporting", &[]));
    let total = head - args.from + 1;
    let (n_events, first, last, last_hash) = write_whole(&args.out, args.force, |out| {
        let failed = |e: std::io::Error| {
            CliError::Environment(message("log-export-server-failed", &[("problem", &e.to_string())]))
        };
        let (mut n_events, mut first, mut last, mut last_hash) = (0_u64, 0_u64, 0_u64, String::new());
        for line in std::io::BufReader::new(stream).lines() {
            let line = line.map_err(failed)?;
            let record = parapompi::store::ExportLine::parse(&line)
                .map_err(|e| CliError::Environment(message("log-server-bad-record", &[("problem", &e.to_string())])))?;
            if n_events == 0 {
                first = record.position;
            }
            (n_events, last, last_hash) = (n_events + 1, record.position, record.hash.to_hex());
            if n_events.is_multiple_of(parapompi::progress::REPORT_EVERY) || n_events == total {
                let work = parapompi::Work::Exporting;
                progress.report(parapompi::Progress { work, done: n_events, total: Some(total) });
            }
            out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).map_err(failed)?;
        }
        out.flush().map_err(failed)?;
        if last != head {
            let (last, head) = (last.to_string(), head.to_string());
            return Err(CliError::Environment(message(
                "log-export-ended-early",
                &[("position", &last), ("end", &head)],
            )));
        }
        Ok((n_events, first, last, last_hash))
    })?;
    progress.finish();
    ctx.out.json_line(&json!({
        "file": args.out.display().to_string(),
        "kind": "jsonl",
        "n_events": n_events,
        "first_position": first,
        "last_position": last,
        "head_hash": last_hash,
    }))?;
    ctx.out.line(wrote_lines(n_events, (first, last), &args.out, &last_hash))
}

/// Writes `out` through `write`. A file is written to a temporary file beside it, renamed
/// when whole, so `out` is either complete or untouched; an existing regular file is
/// replaced only with `force`. Anything else that already exists there (a pipe,
/// `/dev/stdout`, a device) is written straight into, never replaced.
fn write_whole<T>(
    out: &Path,
    force: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let cannot = |path: &Path, e: std::io::Error| {
        let text = path.display().to_string();
        CliError::field("--out", message("error-cannot-write", &[("text", &text), ("problem", &e.to_string())]))
    };
    let name = out.display().to_string();
    let exists = || CliError::field("--out", message("error-exists-force", &[("text", &name)]));
    let existing = std::fs::metadata(out).ok();
    if existing.as_ref().is_some_and(std::fs::Metadata::is_dir) {
        return Err(CliError::field("--out", message("error-is-a-directory", &[("text", &name)])));
    }
    if !force && existing.as_ref().is_some_and(std::fs::Metadata::is_file) {
        return Err(exists());
    }
    let special = existing.is_some_and(|meta| !meta.is_file());
    let target = if special { out.to_path_buf() } else { partial_path(out) };
    let file = if special { File::options().write(true).open(&target) } else { File::create(&target) };
    let file = file.map_err(|e| cannot(&target, e))?;
    let mut writer = BufWriter::new(file);
    let written = write(&mut writer);
    drop(writer);
    if special {
        return written;
    }
    let value = written.inspect_err(|_| {
        let _ = std::fs::remove_file(&target);
    })?;
    if force {
        std::fs::rename(&target, out).map_err(|e| cannot(out, e))?;
    } else {
        // A file that appeared at `out` while the export ran is not replaced either: a hard
        // link fails when its name exists. A file system without hard links gets a last
        // check and the rename.
        let placed = match std::fs::hard_link(&target, out) {
            Ok(()) => std::fs::remove_file(&target).map_err(|e| cannot(&target, e)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
            Err(_) if std::fs::symlink_metadata(out).is_ok() => Err(exists()),
            Err(_) => std::fs::rename(&target, out).map_err(|e| cannot(out, e)),
        };
        if placed.is_err() {
            let _ = std::fs::remove_file(&target);
        }
        placed?;
    }
    Ok(value)
}

fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".partial");
    path.with_file_name(name)
}

/// True when the file's first line is a bundle manifest.
pub fn is_bundle(path: &Path) -> Result<bool, CliError> {
    let file = File::open(path).map_err(|e| unreadable(path, &e))?;
    let Ok((first, _)) = read_manifest_line(&mut BufReader::new(file)) else { return Ok(false) };
    let value: serde_json::Value = serde_json::from_str(&first).unwrap_or(serde_json::Value::Null);
    Ok(value.get("format").and_then(|f| f.as_str()) == Some(BUNDLE_FORMAT))
}

/// `FILE` cannot be read.
fn unreadable(path: &Path, problem: &std::io::Error) -> CliError {
    let text = path.display().to_string();
    CliError::field("FILE", message("error-cannot-read", &[("text", &text), ("problem", &problem.to_string())]))
}

/// `import FILE`: a store's JSON Lines export, or a bundle (verified first, then its records
/// without the manifest). Either way the store checks the whole file before writing.
pub fn import(engine: &Engine, out: &mut Out, args: ImportArgs) -> Result<(), CliError> {
    let bundle = is_bundle(&args.file)?;
    let progress = Progress::bar(&message("progress-importing", &[]));
    let report = |p: parapompi::Progress| progress.report(p);
    let imported = if bundle {
        verify_bundles(std::slice::from_ref(&args.file)).map_err(|e| bundle_refused(&e))?;
        engine.import_frames_reporting(&args.file, manifest_bytes(&args.file)?, &report)?
    } else {
        engine.import_jsonl_reporting(&args.file, &report)?
    };
    progress.finish();
    out.json_line(&json!({
        "file": args.file.display().to_string(),
        "kind": if bundle { "bundle" } else { "jsonl" },
        "n_events": imported.n_events,
        "head_position": imported.head.position,
        "head_hash": imported.head.hash.to_hex(),
    }))?;
    out.line(message(
        "log-imported",
        &[
            ("what", &count(imported.n_events, "event")),
            ("text", &args.file.display().to_string()),
            ("position", &imported.head.position.to_string()),
            ("hash", &imported.head.hash.to_hex()),
        ],
    ))
}

/// Where a bundle's records start: the byte after its manifest line.
fn manifest_bytes(bundle: &Path) -> Result<u64, CliError> {
    let failed = |e: std::io::Error| unreadable(bundle, &e);
    let mut reader = BufReader::new(File::open(bundle).map_err(failed)?);
    read_manifest_line(&mut reader)
        .map(|(_, n_bytes)| n_bytes)
        .map_err(|(_, problem)| CliError::field("FILE", format!("{}: {problem}", bundle.display())))
}

/// `verify`: the store's whole chain, versions and indexes.
pub fn verify_store(ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let progress = Progress::bar(&message("progress-the-log", &[]));
    let verified = ctx.backend.verify(&|p| progress.report(p))?;
    progress.finish();
    ctx.out.json_line(&verified)?;
    let number = |key: &str| verified.get(key).and_then(serde_json::Value::as_u64).unwrap_or_default();
    ctx.out.line(message(
        "log-verifies",
        &[
            ("what", &count(number("n_events"), "event")),
            ("value", &count(number("n_streams"), "stream")),
            ("position", &number("head_position").to_string()),
            ("hash", &text_of(&verified, "head_hash")),
        ],
    ))
}

/// `replay --bundle FILE... report indicators ...` and `replay --bundle FILE... audit ID`.
pub fn replay(args: ReplayArgs, out: &mut Out) -> Result<(), CliError> {
    let bad = |e: parapompi::bundle::BundleError| bundle_refused(&e);
    match args.what {
        ReplayCommand::Report(ReportCommand::Indicators(indicators)) => {
            let (query, as_of, format) = indicator_request(&indicators, out.json)?;
            let progress = Progress::bar(&message("progress-replaying", &[]));
            let projections =
                replay_projections_reporting(&args.bundle, as_of, &|p| progress.report(p)).map_err(bad)?;
            progress.finish();
            if let Some(parapompi::AsOf::Position(position)) = as_of {
                if position > projections.position() {
                    let (position, last) = (position.to_string(), projections.position().to_string());
                    return Err(CliError::field(
                        "--as-of-position",
                        message("log-past-bundles", &[("position", &position), ("end", &last)]),
                    ));
                }
            }
            let names = crate::report::ReportNames::default();
            let layout = crate::report::Layout { names: &names, zeros: indicators.zeros };
            print_report(out, &report_text(&projections.indicators(&query), format), format, &layout)
        }
        ReplayCommand::Audit(audit) => {
            let progress = Progress::bar(&message("progress-replaying", &[]));
            let report = |p| progress.report(p);
            let projections = replay_projections_reporting(&args.bundle, None, &report).map_err(bad)?;
            let subject = resolve_subject(&projections, &audit)?;
            let trail = replay_audit_reporting(&args.bundle, &subject, &report).map_err(bad)?;
            progress.finish();
            print_audit(out, &trail, None)
        }
    }
}

/// `rebuild`.
pub fn rebuild(ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let progress = Progress::bar(&message("progress-rebuilding", &[]));
    let position = ctx.backend.engine("rebuild")?.rebuild_reporting(&|p| progress.report(p))?;
    progress.finish();
    ctx.out.json_line(&json!({"rebuilt_to_position": position}))?;
    ctx.out.line(message("log-rebuilt", &[("what", &count(position, "event"))]))
}

/// `completions SHELL`.
pub fn completions(args: CompletionsArgs, out: &mut Out) -> Result<(), CliError> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "parapompi", &mut script);
    out.raw(&String::from_utf8_lossy(&script))
}
