//! A store whose open was interrupted must open again. A kill while sled opens can leave a half-written `snap.<lsn>.generating` file in sled's
//! directory (sled 0.34.7 writes its snapshot on open and renames it when done); sled then
//! picks that file on every later open and fails with a corruption error (sled issues #1527,
//! #1533). Given such a file in a closed store, as a kill leaves it, the store must open with
//! every record intact.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use parapompi_store::*;

/// A closed store of `n_appends` appends of two events each, and the labels it holds.
fn closed_store(n_appends: u64) -> (TestStore, Vec<String>) {
    let mut test = TestStore::new();
    let case = stream("case-1");
    let mut written = Vec::new();
    for i in 0..n_appends {
        let labels = [format!("{i}a"), format!("{i}b")];
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        test.store().append(append(&case, ExpectedVersion::Exact(2 * i), &refs)).expect("the append succeeds");
        written.extend(labels);
    }
    // A restart makes sled write a snapshot, as every open after new writes does.
    test.restart();
    drop(test.store.take());
    (test, written)
}

/// sled's finished snapshot files in `sled_dir`.
fn snapshots(sled_dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(sled_dir)
        .expect("sled's directory")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("snap.") && !name.ends_with(".generating")
        })
        .collect();
    found.sort();
    found
}

/// What a kill in the middle of sled's snapshot write leaves: a `.generating` file holding
/// `keep` of the finished snapshot's bytes, named for an LSN past it, so that it sorts last.
fn leave_unfinished_snapshot(sled_dir: &Path, keep: impl FnOnce(&[u8]) -> Vec<u8>) -> PathBuf {
    let finished = snapshots(sled_dir).pop().expect("sled wrote a snapshot");
    let name = finished.file_name().and_then(|n| n.to_str()).expect("a file name").to_owned();
    let lsn = u64::from_str_radix(name.trim_start_matches("snap."), 16).expect("a hexadecimal LSN");
    let bytes = std::fs::read(&finished).expect("the snapshot reads");
    let unfinished = sled_dir.join(format!("snap.{:016X}.generating", lsn + 4096));
    std::fs::write(&unfinished, keep(&bytes)).expect("the unfinished snapshot is written");
    unfinished
}

fn check_recovers(keep: impl FnOnce(&[u8]) -> Vec<u8>) {
    let (mut test, written) = closed_store(40);
    let sled_dir = test.dir.path().join("sled");
    let unfinished = leave_unfinished_snapshot(&sled_dir, keep);

    // Given that file, sled on its own is bricked, exactly as the issue reports.
    // (Waiting, as `open_raw_sled` does, for the dropped store's sled to let go of its lock.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let raw = loop {
        let raw = sled::Config::new().path(&sled_dir).segment_size(StoreConfig::default().segment_bytes).open();
        match &raw {
            Err(sled::Error::Io(error))
                if error.to_string().contains("could not acquire lock") && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            _ => break raw,
        }
    };
    match raw {
        Err(sled::Error::Corruption { at: None, .. }) => {}
        Err(other) => panic!("sled failed otherwise than the issue reports: {other}"),
        Ok(_) => panic!("sled opened past the unfinished snapshot: the test no longer shows the bricking"),
    }

    // The store opens, holds every record, and the chain verifies.
    test.restart();
    assert!(!unfinished.exists(), "the unfinished snapshot is removed");
    let store = test.store();
    let verified = store.verify().expect("the log verifies");
    assert_eq!(verified.head_position, u64::try_from(written.len()).unwrap());
    let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().expect("the log reads");
    assert_eq!(labels(&records), written);
    assert_eq!(store.stream_version(&stream("case-1")).unwrap(), u64::try_from(written.len()).unwrap());

    // And it keeps working: another append, another restart.
    let next = u64::try_from(written.len()).unwrap();
    store.append(append(&stream("case-1"), ExpectedVersion::Exact(next), &["after"])).expect("the store appends");
    test.restart();
    test.store().verify().expect("the log verifies after another restart");
}

#[test]
fn an_open_recovers_from_a_snapshot_cut_off_half_way() {
    check_recovers(|bytes| bytes[..bytes.len() / 2].to_vec());
}

#[test]
fn an_open_recovers_from_an_empty_snapshot() {
    check_recovers(|_| Vec::new());
}

#[test]
fn an_open_recovers_from_a_snapshot_of_garbage() {
    check_recovers(|bytes| bytes.iter().map(|b| b ^ 0x5a).collect());
}

/// sled writes its configuration file (`conf`) when it creates a database, in two writes
/// (the settings, then their CRC), and never syncs it. A power cut before the store's first
/// sync of it can leave the first write without the second; sled then fails its checksum
/// and refuses every later open.
fn check_recovers_from_conf(keep: impl FnOnce(&[u8]) -> Vec<u8>) {
    let (mut test, written) = closed_store(5);
    let conf = test.dir.path().join("sled").join("conf");
    let bytes = std::fs::read(&conf).expect("sled's configuration reads");
    std::fs::write(&conf, keep(&bytes)).expect("the configuration is cut");

    test.restart();
    let store = test.store();
    store.verify().expect("the log verifies");
    let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().expect("the log reads");
    assert_eq!(labels(&records), written);
    drop(test.store.take());
    assert_eq!(std::fs::read(&conf).expect("sled wrote its configuration again"), bytes);
}

#[test]
fn an_open_recovers_from_a_configuration_without_its_checksum() {
    check_recovers_from_conf(|bytes| bytes[..bytes.len() - 4].to_vec());
}

#[test]
fn an_open_recovers_from_an_empty_configuration() {
    check_recovers_from_conf(|_| Vec::new());
}
