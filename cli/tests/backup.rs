//! `backup`, `verify --backup` and `restore` as an operator runs them: in direct mode and
//! through a running server, restored into a new data directory that reports what the
//! original did; every refusal a clear error that writes nothing.

mod common;

use common::*;

fn restored(w: &World, name: &str) -> std::path::PathBuf {
    w.file(name)
}

fn run_on(dir: &std::path::Path, args: &[&str]) -> Run {
    parapompi().arg("--data-dir").arg(dir).args(args).output().map(Run::from).unwrap_or_else(|e| panic!("runs: {e}"))
}

#[test]
fn a_backup_verifies_and_restores_into_a_data_directory_that_reports_the_same() {
    let _watchdog = watchdog("backup and restore", 180);
    let w = World::new();
    set_up(&w);
    let file = w.file("centre.backup");
    let file_text = file.display().to_string();
    // A backup is an act: refused without an acting administrator, or to one who is not.
    let n_events = w.verified_events();
    w.fails(2, "--as", &["backup", "--out", &file_text]);
    w.fails(1, "RoleNotPermitted", &["--as", WORKER, "backup", "--out", &file_text]);
    assert!(!file.exists());
    let as_it_stood = w.run(&["verify", "--json"]).stdout;
    let wrote = w.ok(&["--as", ADMIN, "backup", "--out", &file_text]);
    assert!(
        wrote.contains("wrote the backup") && wrote.contains("2 keys"),
        "the person's key and the signing key: {wrote}"
    );
    // Recorded, after the position the backup holds up to.
    assert_eq!(w.verified_events(), n_events + 1);
    w.fails(2, "exists; give --force", &["--as", ADMIN, "backup", "--out", &file_text]);
    let key = w.data().join("keys/deployment.key").display().to_string();
    let checked = w.run_in(&w.file(""), &["verify", "--backup", &file_text, "--key-file", &key]);
    assert_eq!(checked.code, 0, "{}", checked.stderr);
    assert!(checked.stdout.contains("the key files open"), "{}", checked.stdout);

    // Restored without the key: refused, naming what to give.
    let target = restored(&w, "restored");
    let refused = run_on(&target, &["restore", &file_text]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--key-file") && !target.exists(), "{}", refused.stderr);
    let done = run_on(&target, &["restore", &file_text, "--key-file", &key]);
    assert_eq!(done.code, 0, "{}{}", done.stderr, done.stdout);
    assert!(done.stdout.contains("verified"), "{}", done.stdout);
    // The same log, reports and look-ups.
    let same = |args: &[&str]| {
        let original = w.run(args);
        let copy = run_on(&target, args);
        assert_eq!((original.code, copy.code), (0, 0), "{args:?}: {}{}", original.stderr, copy.stderr);
        (original.stdout, copy.stdout)
    };
    // The log as it stood when the backup was read (the original has its record since).
    assert_eq!(run_on(&target, &["verify", "--json"]).stdout, as_it_stood);
    let report = ["report", "indicators", "--from", "2020-01-01", "--to", "2030-12-31", "--json"];
    let position = n_events.to_string();
    let then = w.run(&[&report[..], &["--as-of-position", &position]].concat());
    let copy = run_on(&target, &report);
    assert_eq!((then.code, copy.code), (0, 0), "{}{}", then.stderr, copy.stderr);
    assert_eq!(then.stdout, copy.stdout);
    let (original, copy) = same(&["--as", WORKER, "case", "show", CASE, "--json"]);
    assert_eq!(original, copy);
    let (original, copy) = same(&[
        "--as",
        WORKER,
        "--command-id",
        "01900000-0000-7000-8000-000000000099",
        "beneficiary",
        "find",
        "--amka",
        AMKA,
    ]);
    assert!(original.contains("Παπαδάκη") && copy.contains("Παπαδάκη"), "{copy}");
    // A second restore into the same place is refused and leaves it as it is.
    let again = run_on(&target, &["restore", &file_text, "--key-file", &key]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("is not empty"), "{}", again.stderr);
    // A damaged backup is refused by name.
    let mut bytes = std::fs::read(&file).unwrap_or_default();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let damaged = w.file("damaged.backup");
    std::fs::write(&damaged, bytes).unwrap_or_else(|e| panic!("{e}"));
    let refused = w.run_in(&w.file(""), &["verify", "--backup", &damaged.display().to_string()]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("backup, ") && refused.stderr.contains("damaged"), "{}", refused.stderr);

    // Another centre's administrator may not copy everyone's data.
    w.verified_events();
    w.fails(
        1,
        "NotDeploymentCentre",
        &["--as", ADMIN2, "backup", "--out", &w.file("other.backup").display().to_string()],
    );
    // Erased after the backup: the restore removes the person's data again and records the
    // erasure, by the supervisor named; an id the backup does not hold is reported.
    w.ok(&["--as", SUPERVISOR, "beneficiary", "erase", BENEFICIARY]);
    let unknown = "b0000000-0000-4000-8000-0000000000ff";
    let list = w.write("erasures.txt", &format!("# erased since\n{BENEFICIARY}\n{unknown}\n"));
    let list = list.display().to_string();
    let erased_target = restored(&w, "erased");
    let refused = run_on(&erased_target, &["restore", &file_text, "--key-file", &key, "--erasures", &list]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("line 2") && refused.stderr.contains("--as"), "{}", refused.stderr);
    assert!(!erased_target.exists());
    let done =
        run_on(&erased_target, &["--as", SUPERVISOR, "restore", &file_text, "--key-file", &key, "--erasures", &list]);
    assert_eq!(done.code, 0, "{}{}", done.stderr, done.stdout);
    assert!(done.stdout.contains("recorded 1 later erasure"), "{}", done.stdout);
    assert!(
        done.stdout.contains(&format!(
            "not in the backup (registered after it was made?), nothing done: beneficiary-{unknown}"
        )),
        "{}",
        done.stdout
    );
    let trail = run_on(&erased_target, &["audit", &format!("beneficiary-{BENEFICIARY}"), "--json"]);
    assert!(trail.stdout.contains("\"event_type\":\"IdentityErased\""), "{}{}", trail.stdout, trail.stderr);
}

#[test]
fn an_administrator_takes_a_backup_through_the_running_server_and_others_may_not() {
    let _watchdog = watchdog("backup through the server", 180);
    let w = World::new();
    set_up(&w);
    let admin_token =
        w.json(&["--as", ADMIN, "staff", "api-token", ADMIN])["secret"].as_str().unwrap_or_default().to_owned();
    let worker_token =
        w.json(&["--as", ADMIN, "staff", "api-token", WORKER])["secret"].as_str().unwrap_or_default().to_owned();
    let server = ServerProcess::start(&w.data(), &[]);
    let file = w.file("served.backup");
    let through = |token: &str| {
        parapompi()
            .args(["--server", &server.base, "backup", "--out"])
            .arg(&file)
            .env("PARAPOMPI_TOKEN", token)
            .output()
            .map(Run::from)
            .unwrap_or_else(|e| panic!("runs: {e}"))
    };
    let refused = through(&worker_token);
    assert_eq!(refused.code, 1, "{}{}", refused.stderr, refused.stdout);
    assert!(refused.stderr.contains("RoleNotPermitted"), "{}", refused.stderr);
    assert!(!file.exists());
    let taken = through(&admin_token);
    assert_eq!(taken.code, 0, "{}{}", taken.stderr, taken.stdout);
    // While the server still holds the directory, the file restores on its own.
    let key = w.data().join("keys/deployment.key").display().to_string();
    let target = w.file("restored");
    let done = run_on(&target, &["restore", &file.display().to_string(), "--key-file", &key]);
    assert_eq!(done.code, 0, "{}{}", done.stderr, done.stdout);
    // An increment through the server: the log since the first, restored with it in order.
    let increment = w.file("served-inc.backup");
    let inc = parapompi()
        .args(["--server", &server.base, "backup", "--since"])
        .arg(&file)
        .arg("--out")
        .arg(&increment)
        .env("PARAPOMPI_TOKEN", &admin_token)
        .output()
        .map(Run::from)
        .unwrap_or_else(|e| panic!("runs: {e}"));
    assert_eq!(inc.code, 0, "{}{}", inc.stderr, inc.stdout);
    assert!(inc.stdout.contains("an increment of the backup"), "{}", inc.stdout);
    let (file_text, increment_text) = (file.display().to_string(), increment.display().to_string());
    let alone = w.run_in(&w.file(""), &["verify", "--backup", &increment_text]);
    assert!(alone.code == 0 && alone.stdout.contains("on its own"), "{}{}", alone.stdout, alone.stderr);
    let joined = w.run_in(&w.file(""), &["verify", "--backup", &increment_text, "--base", &file_text]);
    assert!(joined.code == 0 && joined.stdout.contains("with its base"), "{}{}", joined.stdout, joined.stderr);
    let both = w.file("restored-both");
    let done = run_on(&both, &["restore", &file_text, &increment_text, "--key-file", &key]);
    assert_eq!(done.code, 0, "{}{}", done.stderr, done.stdout);
    let wrong = run_on(&w.file("restored-wrong"), &["restore", &increment_text, "--key-file", &key]);
    assert!(wrong.code == 2 && wrong.stderr.contains("is an increment"), "{}", wrong.stderr);
    let log = server.stop();
    let events = run_on(&target, &["verify", "--json"]);
    assert!(events.stdout.contains("\"ok\":true"), "{}{log}", events.stdout);
    // The server recorded who took them (the backup and the increment); the worker's
    // refusal recorded nothing.
    let trail = w.run(&["audit", &format!("staff-{ADMIN}"), "--json"]);
    assert_eq!(trail.stdout.matches("\"event_type\":\"BackupTaken\"").count(), 2, "{}{}", trail.stdout, trail.stderr);
}
