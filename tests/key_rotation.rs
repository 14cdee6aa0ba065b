//! Rotating the deployment key, given/when/then: everyone reads back under the new key, the
//! AMKA index works under it, the old key is refused as retired while a backup made before
//! still opens with it, a bad input changes nothing, and a rotation run again finishes.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::values::{BeneficiaryId, CentreId, StaffId, Timestamp};
use parapompi::core::vocab::Role;
use parapompi::projections::athens_date;
use parapompi::{
    Acting, CommandMeta, DeploymentKeySource, Engine, EngineConfig, EngineError, HexKey, NewDeploymentKey,
};
use uuid::Uuid;

fn meta(acting: Acting) -> CommandMeta {
    meta_with(Uuid::now_v7(), acting)
}

fn meta_with(command_id: Uuid, acting: Acting) -> CommandMeta {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let occurred_at = Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX));
    CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) }
}

fn with_key(source: DeploymentKeySource) -> EngineConfig {
    EngineConfig { deployment_key: source, ..EngineConfig::default() }
}

fn in_data_dir() -> EngineConfig {
    with_key(DeploymentKeySource::InDataDir)
}

/// A data directory with a centre, its staff, and three people, the last of them erased.
struct World {
    tmp: tempfile::TempDir,
    centre: CentreId,
    worker: StaffId,
    people: Vec<BeneficiaryId>,
}

impl World {
    fn new(config: EngineConfig) -> World {
        let tmp = tempfile::tempdir().expect("a temporary directory");
        let engine = valid(Engine::open(tmp.path().join("data"), config));
        let (centre, admin) = (CentreId::new(Uuid::now_v7()), StaffId::new(Uuid::now_v7()));
        let (worker, supervisor) = (StaffId::new(Uuid::now_v7()), StaffId::new(Uuid::now_v7()));
        let set_up = [
            register_centre(centre, "Κέντρο Κοινότητας", "Τρικκαίων", admin),
            register_staff(admin, centre, "Διαχειριστής", &[Role::Administrator]),
        ];
        valid(engine.execute_all(&set_up, meta(Acting::Setup)));
        let staff = [
            register_staff(worker, centre, "Κοινωνική λειτουργός", &[Role::SocialWorker]),
            register_staff(supervisor, centre, "Επόπτρια", &[Role::Supervisor]),
        ];
        valid(engine.execute_all(&staff, meta(Acting::Staff(admin))));
        let people: Vec<BeneficiaryId> = (0..3).map(|_| BeneficiaryId::new(Uuid::now_v7())).collect();
        for (n, person) in (0u32..).zip(&people) {
            valid(engine.execute(&register_beneficiary(*person, centre, n), meta(Acting::Staff(worker))));
        }
        valid(engine.erase_identity(people[2], meta(Acting::Staff(supervisor))));
        valid(engine.close());
        World { tmp, centre, worker, people }
    }

    fn data(&self) -> PathBuf {
        self.tmp.path().join("data")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Opens the directory and checks that it holds what it should: the two people not
    /// erased read back, their AMKA is refused to a newcomer, the erased one's is free.
    fn check(&self, config: EngineConfig) {
        let engine = valid(Engine::open(self.data(), config));
        for (n, person) in (0u32..).zip(&self.people[..2]) {
            let entry = valid(engine.identity(*person)).expect("readable");
            assert_eq!(entry.identity, identity(n));
        }
        assert_eq!(valid(engine.identity(self.people[2])), None);
        assert!(!valid(engine.holds_person_key(self.people[2])));
        let newcomer = BeneficiaryId::new(Uuid::now_v7());
        let twin = engine.execute(&register_beneficiary(newcomer, self.centre, 0), meta(Acting::Staff(self.worker)));
        assert!(matches!(&twin, Err(EngineError::Rejected(r)) if r.name() == "DuplicateAmka"), "{twin:?}");
        valid(engine.close());
    }

    /// Every file in `DATA_DIR/keys`, by name.
    fn key_files(&self) -> BTreeMap<String, Vec<u8>> {
        key_files(&self.data())
    }
}

fn key_files(data: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in valid(std::fs::read_dir(data.join("keys"))) {
        let entry = valid(entry);
        files.insert(entry.file_name().to_string_lossy().into_owned(), valid(std::fs::read(entry.path())));
    }
    files
}

/// The hex digits of a key file.
fn hex_of(file: &Path) -> HexKey {
    let text = valid(std::fs::read_to_string(file));
    HexKey::new(text.lines().nth(1).expect("a key line").to_owned())
}

fn copy_tree(from: &Path, to: &Path) {
    valid(std::fs::create_dir_all(to));
    for entry in valid(std::fs::read_dir(from)) {
        let path = valid(entry).path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            valid(std::fs::copy(&path, &target));
        }
    }
}

fn refusal<T>(result: Result<T, EngineError>) -> String {
    match result {
        Ok(_) => panic!("expected a refusal, got a success"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn a_rotation_in_the_data_directory_keeps_everyone_and_retires_the_old_key_but_not_old_backups() {
    let world = World::new(in_data_dir());
    let old_key = parapompi::deployment_key_path(&world.data());
    let old_hex = hex_of(&old_key);
    let backup = world.file("backup");
    copy_tree(&world.data(), &backup);
    let before = world.key_files();

    let rotated = valid(Engine::rotate_deployment_key(world.data(), in_data_dir(), &NewDeploymentKey::InDataDir));
    assert!(!rotated.already_rotated);
    assert_eq!(rotated.n_person_keys, 2, "the erased person's key is not carried over");
    assert_eq!(rotated.new_key_file.as_deref(), Some(old_key.as_path()));
    let after = world.key_files();
    assert_ne!(after["deployment.key"], before["deployment.key"], "a new key");
    assert_ne!(after["person-keys"], before["person-keys"], "rewritten");
    assert!(!after.contains_key("deployment.key.next"), "the rotation is finished");
    world.check(in_data_dir());

    // The old key is named as retired; the backup opens with it and not with the new key.
    let error = refusal(Engine::open(world.data(), with_key(DeploymentKeySource::Hex(old_hex.clone()))));
    assert!(error.contains("retired by a rotation") && error.contains("give that key"), "{error}");
    let new_hex = hex_of(&old_key);
    let error = refusal(Engine::open(&backup, with_key(DeploymentKeySource::Hex(new_hex))));
    assert!(error.contains("not the one these person keys are kept under"), "{error}");
    let old_backup = valid(Engine::open(&backup, with_key(DeploymentKeySource::Hex(old_hex))));
    assert_eq!(valid(old_backup.identity(world.people[0])).map(|e| e.identity), Some(identity(0)));
}

#[test]
fn a_bad_rotation_is_refused_by_name_and_changes_nothing() {
    let world = World::new(in_data_dir());
    let current = hex_of(&parapompi::deployment_key_path(&world.data()));
    let before = world.key_files();
    let stranger = HexKey::new("ab".repeat(32));
    let not_hex = HexKey::new("zz".repeat(32));
    valid(std::fs::create_dir_all(world.file("a-directory")));
    let malformed = world.file("malformed.key");
    valid(std::fs::write(&malformed, "parapompi-deployment-key v1\n1234\n"));
    let cases: Vec<(&str, EngineConfig, NewDeploymentKey, &str)> = vec![
        (
            "a wrong old key",
            with_key(DeploymentKeySource::Hex(stranger.clone())),
            NewDeploymentKey::InDataDir,
            "outside the data directory",
        ),
        (
            "a wrong old key",
            with_key(DeploymentKeySource::Hex(stranger.clone())),
            NewDeploymentKey::Hex(HexKey::new("cd".repeat(32))),
            "not the one these person keys are kept under",
        ),
        ("the new key is the old", in_data_dir(), NewDeploymentKey::Hex(current.clone()), "the one in use"),
        ("a new key not hex", in_data_dir(), NewDeploymentKey::Hex(not_hex), "not hex"),
        (
            "a new key file that is a directory",
            in_data_dir(),
            NewDeploymentKey::File(world.file("a-directory")),
            "cannot read",
        ),
        ("a malformed new key file", in_data_dir(), NewDeploymentKey::File(malformed), "hex digits"),
        (
            "a new key file among the data directory's own",
            in_data_dir(),
            NewDeploymentKey::File(world.data().join("keys").join("mine")),
            "outside",
        ),
    ];
    for (what, config, new, needle) in cases {
        let error = refusal(Engine::rotate_deployment_key(world.data(), config, &new));
        assert!(error.contains(needle), "{what}: {error}");
        assert_eq!(world.key_files(), before, "{what}: the key files changed");
    }
    world.check(in_data_dir());

    // A key retired once is not taken again.
    valid(Engine::rotate_deployment_key(world.data(), in_data_dir(), &NewDeploymentKey::InDataDir));
    let before = world.key_files();
    let error = refusal(Engine::rotate_deployment_key(world.data(), in_data_dir(), &NewDeploymentKey::Hex(current)));
    assert!(error.contains("retired by an earlier rotation"), "{error}");
    assert_eq!(world.key_files(), before);
    world.check(in_data_dir());
}

#[test]
fn a_key_moved_out_of_the_data_directory_is_given_from_its_file_and_a_rotation_run_again_finishes() {
    let world = World::new(in_data_dir());
    let outside = world.file("deployment.key");
    let to_outside = NewDeploymentKey::File(outside.clone());
    let rotated = valid(Engine::rotate_deployment_key(world.data(), in_data_dir(), &to_outside));
    assert!(rotated.removed_old_key_file && !rotated.already_rotated);
    assert!(outside.is_file() && !parapompi::deployment_key_path(&world.data()).exists());
    let error = refusal(Engine::open(world.data(), in_data_dir()));
    assert!(error.contains("is missing") && error.contains("moved the key out"), "{error}");
    let from_file = || with_key(DeploymentKeySource::File(outside.clone()));
    world.check(from_file());
    // Run again (as after a crash in its last steps): it finishes, and changes no key.
    let before = world.key_files();
    let again = valid(Engine::rotate_deployment_key(world.data(), in_data_dir(), &to_outside));
    assert!(again.already_rotated);
    assert_eq!(world.key_files(), before);

    // From one file to another; the key kept outside cannot become one kept inside.
    let error = refusal(Engine::rotate_deployment_key(world.data(), from_file(), &NewDeploymentKey::InDataDir));
    assert!(error.contains("name the new key's source"), "{error}");
    let next = world.file("next.key");
    valid(Engine::rotate_deployment_key(world.data(), from_file(), &NewDeploymentKey::File(next.clone())));
    let error = refusal(Engine::open(world.data(), from_file()));
    assert!(error.contains("retired by a rotation"), "{error}");
    world.check(with_key(DeploymentKeySource::File(next)));
}

#[test]
fn a_registration_sent_again_across_a_rotation_is_still_a_repeat() {
    let world = World::new(in_data_dir());
    let engine = valid(Engine::open(world.data(), in_data_dir()));
    let person = BeneficiaryId::new(Uuid::now_v7());
    let command_id = Uuid::now_v7();
    // The salt the Engine derives under the deployment key, as the command line does.
    let register = |engine: &Engine| {
        let mut command = register_beneficiary(person, world.centre, 7);
        if let parapompi::core::Command::Beneficiary(BeneficiaryCommand {
            action: BeneficiaryAction::Register { salt, .. },
            ..
        }) = &mut command
        {
            *salt = valid(engine.identity_salt(command_id, person));
        }
        engine.execute(&command, meta_with(command_id, Acting::Staff(world.worker)))
    };
    let first = valid(register(&engine));
    let salt_before = valid(engine.identity_salt(command_id, person));
    valid(engine.close());
    valid(Engine::rotate_deployment_key(world.data(), in_data_dir(), &NewDeploymentKey::InDataDir));
    let engine = valid(Engine::open(world.data(), in_data_dir()));
    assert_ne!(valid(engine.identity_salt(command_id, person)), salt_before, "salts of new registrations change");
    let again = valid(register(&engine));
    assert!(again.deduplicated, "the same command again");
    assert_eq!(again.events, first.events);
    let held = valid(engine.identity(person)).expect("readable");
    assert_eq!((held.identity, held.salt), (identity(7), salt_before), "the identity and salt recorded stay");
}
