//! The indicators report as an HTML page, opened in a real headless browser (Debian's
//! Chromium, which `.ci/run` installs; `PARAPOMPI_CHROMIUM` names another binary): the page
//! renders, every figure it shows equals the JSON report's at the place the page says it
//! comes from, it needs nothing from outside itself, and a screenshot of each language is
//! written under `target/` (`target/tmp/report-el.png`, `report-en.png`) for a person to
//! look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{watchdog, KillOnDrop, World};
use serde_json::Value;

/// The browser: `PARAPOMPI_CHROMIUM`, or Debian's `/usr/bin/chromium`.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PARAPOMPI_CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.exists(),
        "{} is missing: this test needs a headless Chromium (Debian's package `chromium`, which .ci/run installs; \
         or name one with PARAPOMPI_CHROMIUM)",
        path.display()
    );
    path
}

/// Runs headless Chromium on `page` with `args` (its own empty profile, no network of its
/// own), killed after 90 s; gives its standard output.
fn browse(page: &Path, profile: &Path, args: &[&str]) -> String {
    let child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("chromium starts: {e}"));
    let mut child = KillOnDrop(child);
    // Read while it runs: a page's DOM fills the pipe long before the browser exits.
    let mut stdout = child.0.stdout.take().unwrap_or_else(|| panic!("stdout is piped"));
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut out);
        out
    });
    let started = Instant::now();
    loop {
        match child.0.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() > Duration::from_secs(90) => panic!("chromium ran past 90 s"),
            Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => panic!("waiting for chromium: {e}"),
        }
    }
    reader.join().unwrap_or_else(|_| panic!("reading chromium's output"))
}

/// Every `data-pointer="P">TEXT<` of the rendered page, text decoded of the page's
/// escapes.
fn figures(dom: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = dom;
    while let Some(at) = rest.find("data-pointer=\"") {
        rest = &rest[at + "data-pointer=\"".len()..];
        let Some(end) = rest.find('"') else { break };
        let pointer = rest[..end].replace("&amp;", "&");
        let Some(open) = rest.find('>') else { break };
        let Some(close) = rest[open..].find('<') else { break };
        found.push((pointer, rest[open + 1..open + close].trim().to_owned()));
        rest = &rest[open..];
    }
    found
}

/// The PNG's width and height, from its header.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    (be(16), be(20))
}

#[test]
fn the_html_report_renders_in_a_browser_with_the_json_figures_and_nothing_from_outside() {
    let _watchdog = watchdog("the_html_report_renders_in_a_browser", 600);
    let w = World::new();
    w.json(&["demo", "--seed", "5", "--beneficiaries", "60"]);
    let period = ["report", "indicators", "--from", "2023-06-01", "--to", "2025-05-31"];
    let json: Value = serde_json::from_str(&w.ok(&[&period[..], &["--format", "json"]].concat()))
        .unwrap_or_else(|e| panic!("the JSON report: {e}"));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));

    for (lang, heading) in [("el", "Συμμετέχοντες"), ("en", "Participants")] {
        let html = w.ok(&[&["--lang", lang][..], &period, &["--format", "html"]].concat());
        // Self-contained: no script, nothing loaded from elsewhere.
        for outside in ["<script", "src=", "href=", "url(", "@import", "http://", "https://", "<link", "<iframe"] {
            assert!(!html.contains(outside), "{lang}: the page holds {outside:?}");
        }
        let page = w.file(&format!("report-{lang}.html"));
        std::fs::write(&page, &html).unwrap_or_else(|e| panic!("writing the page: {e}"));
        let profile = w.file(&format!("chromium-{lang}"));

        // The page as the browser parsed and laid it out.
        let dom = browse(&page, &profile, &["--dump-dom"]);
        assert!(dom.contains(&format!("<html lang=\"{lang}\">")), "{lang}: no page in the browser's DOM");
        assert!(dom.contains(heading), "{lang}: the participants' section is missing");
        let charts = dom.matches("<svg").count();
        assert!(charts >= 10, "{lang}: {charts} charts in the rendered page");
        assert_eq!(dom.matches("<svg").count(), dom.matches("</svg>").count(), "{lang}: an SVG chart is cut");

        // Every figure shown equals the JSON's at its pointer, and the main ones are shown.
        let shown = figures(&dom);
        assert!(shown.len() > 300, "{lang}: only {} figures in the page", shown.len());
        for (pointer, text) in &shown {
            let value = json.pointer(pointer).unwrap_or_else(|| panic!("{lang}: {pointer} is not in the JSON"));
            let expected = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(text, &expected, "{lang}: the page shows {text} for {pointer}");
        }
        let pointers: Vec<&str> = shown.iter().map(|(p, _)| p.as_str()).collect();
        for needed in [
            "/participants/total",
            "/participants/per_gender/female/by_age_band/30_54",
            "/referrals/all/by_outcome/got_help",
            "/referrals/days_to_answer/3_7",
            "/caseload/unassigned",
            "/head_hash",
            "/position",
        ] {
            assert!(pointers.contains(&needed), "{lang}: {needed} is not shown");
        }
        let staff = json["caseload"]["by_staff"].as_object().map_or(0, serde_json::Map::len);
        let staff_rows = pointers.iter().filter(|p| p.starts_with("/caseload/by_staff/")).count();
        assert_eq!(staff_rows, staff, "{lang}: one caseload row per worker");
        let months = json["intakes"]["by_month"].as_object().map_or(0, serde_json::Map::len);
        assert!(months > 12, "{lang}: the demo's two years have intakes in most months");
        assert_eq!(pointers.iter().filter(|p| p.starts_with("/intakes/by_month/")).count(), months);

        // A picture of the whole page, for a person to look at.
        let shot = shots.join(format!("report-{lang}.png"));
        let _ = std::fs::remove_file(&shot);
        browse(&page, &profile, &[&format!("--screenshot={}", shot.display()), "--window-size=1100,6000"]);
        let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("{lang}: no screenshot at {}: {e}", shot.display()));
        assert_eq!(png_size(&png), (1100, 6000), "{lang}: the screenshot's size");
        // A blank page of that size compresses to a few kilobytes; charts and tables do not.
        assert!(png.len() > 100_000, "{lang}: the screenshot is nearly empty ({} bytes)", png.len());
    }
}
