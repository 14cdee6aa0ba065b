//! `parapompi keys rotate`, as an operator runs it: in the data directory, out of it into a
//! file, from file to file, and every refusal with its exit code and nothing changed.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

/// Runs the binary on the world's data directory with these environment variables.
fn run_with(world: &World, env: &[(&str, &Path)], args: &[&str]) -> Run {
    let mut command = parapompi();
    command.arg("--data-dir").arg(world.data()).args(args);
    command.env_remove("PARAPOMPI_DEPLOYMENT_KEY").env_remove("PARAPOMPI_DEPLOYMENT_KEY_FILE");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs").into()
}

fn key_files(world: &World) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(world.data().join("keys")).expect("keys/").flatten() {
        files.insert(entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).expect("read"));
    }
    files
}

/// The world's beneficiary's AMKA given to a newcomer: refused while the index holds it.
fn duplicate_refused(world: &World, env: &[(&str, &Path)]) {
    let run = run_with(
        world,
        env,
        &[
            "--as",
            WORKER,
            "beneficiary",
            "register",
            "--given-name",
            "Άννα",
            "--family-name",
            "Λιάκου",
            "--amka",
            AMKA,
            "--municipality",
            "Σφακίων",
        ],
    );
    assert_eq!(run.code, 1, "{}{}", run.stderr, run.stdout);
    assert!(run.stderr.contains("DuplicateAmka"), "{}", run.stderr);
}

#[test]
fn an_operator_rotates_the_key_in_the_data_directory_then_moves_it_out_and_rotates_it_again() {
    let world = World::new();
    set_up(&world);
    let old_copy = world.file("old.key");
    std::fs::copy(world.data().join("keys").join("deployment.key"), &old_copy).expect("a copy");

    let run = run_with(&world, &[], &["--json", "keys", "rotate"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("one JSON object");
    assert_eq!(report["already_rotated"], false);
    assert_eq!(report["n_person_keys"], 1);
    duplicate_refused(&world, &[]);
    let old = run_with(&world, &[("PARAPOMPI_DEPLOYMENT_KEY_FILE", &old_copy)], &["verify"]);
    assert_eq!(old.code, 2);
    assert!(old.stderr.contains("retired by a rotation"), "{}", old.stderr);

    // Out of the data directory, into a file the operator names.
    let outside = world.file("production.key");
    let out = world.ok(&["keys", "rotate", "--new-key-file", outside.to_str().expect("UTF-8")]);
    assert!(out.contains(&format!("export PARAPOMPI_DEPLOYMENT_KEY_FILE={}", outside.display())), "{out}");
    assert!(!world.data().join("keys").join("deployment.key").exists(), "the old key file is removed");
    let missing = run_with(&world, &[], &["verify"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("PARAPOMPI_DEPLOYMENT_KEY_FILE"), "{}", missing.stderr);
    let env = [("PARAPOMPI_DEPLOYMENT_KEY_FILE", outside.as_path())];
    duplicate_refused(&world, &env);

    // With the key given from outside, the new one must be named.
    let before = key_files(&world);
    let refused = run_with(&world, &env, &["keys", "rotate"]);
    assert_eq!(refused.code, 2);
    assert!(refused.stderr.contains("--new-key-file"), "{}", refused.stderr);
    let same = run_with(&world, &env, &["keys", "rotate", "--new-key-file", outside.to_str().expect("UTF-8")]);
    assert_eq!(same.code, 2);
    assert!(same.stderr.contains("the one in use"), "{}", same.stderr);
    let no_var = run_with(&world, &env, &["keys", "rotate", "--new-key-from-env"]);
    assert_eq!(no_var.code, 2);
    assert!(no_var.stderr.contains("PARAPOMPI_NEW_DEPLOYMENT_KEY"), "{}", no_var.stderr);
    assert_eq!(key_files(&world), before, "a refused rotation changed the key files");

    let next = world.file("next.key");
    let run = run_with(&world, &env, &["keys", "rotate", "--new-key-file", next.to_str().expect("UTF-8")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    duplicate_refused(&world, &[("PARAPOMPI_DEPLOYMENT_KEY_FILE", next.as_path())]);
    assert_eq!(run_with(&world, &env, &["verify"]).code, 2, "the retired key no longer opens the directory");
}
