//! docs/CLI.md's "First day at a centre", run as written: the block is taken out of the page
//! and given to bash with the built `parapompi` first on the PATH, in an empty directory.

mod common;

use std::path::Path;
use std::process::Command;

/// The first `sh` block after the heading, as the page writes it.
fn walkthrough() -> String {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/CLI.md"))
        .unwrap_or_else(|e| panic!("docs/CLI.md: {e}"));
    let section = page.split_once("## First day at a centre").map(|(_, rest)| rest).unwrap_or_default();
    let block = section.split_once("```sh\n").map(|(_, rest)| rest).unwrap_or_default();
    let block = block.split_once("\n```").map(|(block, _)| block).unwrap_or_default();
    assert!(block.lines().count() > 20, "the walkthrough is missing from docs/CLI.md");
    block.to_owned()
}

#[test]
fn the_first_day_at_a_centre_runs_as_written_without_a_uuid_typed() {
    let _watchdog = common::watchdog("the walkthrough", 180);
    let script = walkthrough();
    let uuid_shape = first_uuid_in(&script);
    assert!(uuid_shape.is_none(), "the walkthrough types an id: {uuid_shape:?}");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("a temporary directory: {e}"));
    let bin = Path::new(env!("CARGO_BIN_EXE_parapompi")).parent().map(Path::to_path_buf).unwrap_or_default();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("PARAPOMPI_DATA")
        .env_remove("PARAPOMPI_ACTOR")
        .env_remove("PARAPOMPI_SERVER")
        .env_remove("PARAPOMPI_TOKEN")
        .env_remove("PARAPOMPI_AT")
        .env("PARAPOMPI_CONFIG_DIR", dir.path().join("config"))
        .output()
        .unwrap_or_else(|e| panic!("bash runs: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the walkthrough stopped: {stderr}\n{stdout}");
    // What the page promises along the way.
    for expected in [
        "opened case ΓΡΕ-2025-0001",
        "assigned ΓΡΕ-2025-0001 to Αθηνά Καραγιάννη",
        "Μαρία Παπαδοπούλου",
        "created draft referral ΓΡΕ-2025-0001/1",
        "referral send: ΓΡΕ-2025-0001/1",
        "referral complete: ΓΡΕ-2025-0001/1",
        "Ψάχνει εργασία μετά από απόλυση.",
        "ΔΥΠΑ Κέντρο Προώθησης Απασχόλησης Γρεβενών",
        "ΚΕΝΤΡΟ ΚΟΙΝΟΤΗΤΑΣ ΔΗΜΟΥ ΓΡΕΒΕΝΩΝ",
        "completed: got_help",
    ] {
        assert!(stdout.contains(expected), "the walkthrough did not print {expected:?}:\n{stdout}");
    }
    // Its data directory is the one it made, and it verifies.
    let verified = common::parapompi()
        .args(["--data-dir", &dir.path().join("grevena/parapompi-data").display().to_string(), "verify"])
        .output()
        .unwrap_or_else(|e| panic!("the binary runs: {e}"));
    assert!(verified.status.success(), "{}", String::from_utf8_lossy(&verified.stderr));
}

/// The first thing in `text` shaped like a UUID (8-4-4-4-12 hex digits), if any.
fn first_uuid_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let shape = [8, 4, 4, 4, 12];
    let length = 36;
    (0..chars.len().saturating_sub(length - 1)).find_map(|start| {
        let candidate: String = chars[start..start + length].iter().collect();
        let parts: Vec<&str> = candidate.split('-').collect();
        let fits = parts.len() == 5
            && parts.iter().zip(shape).all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()));
        fits.then_some(candidate)
    })
}
