//! The log's behaviours through its public API: append, conflicts, idempotency, limits, reads.

mod common;

use common::*;
use parapompi_store::*;

#[test]
fn appends_get_gapless_positions_and_stream_versions() {
    let t = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let first = t.store().append(append(&a, ExpectedVersion::NoStream, &["a1", "a2"])).unwrap();
    let second = t.store().append(append(&b, ExpectedVersion::NoStream, &["b1"])).unwrap();
    let third = t.store().append(append(&a, ExpectedVersion::Exact(2), &["a3"])).unwrap();

    let positions: Vec<u64> = [first.events, second.events, third.events].concat().iter().map(|r| r.position).collect();
    assert_eq!(positions, vec![1, 2, 3, 4]);
    assert_eq!(t.store().stream_version(&a).unwrap(), 3);
    assert_eq!(t.store().stream_version(&b).unwrap(), 1);
    assert_eq!(labels(&t.store().read_stream(&a, 1, 100).unwrap()), vec!["a1", "a2", "a3"]);
    assert_eq!(labels(&t.store().read_stream(&a, 2, 1).unwrap()), vec!["a2"]);
    assert_eq!(labels(&t.store().read_all(2, 10).unwrap()), vec!["a2", "b1", "a3"]);
    assert_eq!(t.store().head().position, 4);
}

#[test]
fn a_wrong_expected_version_is_a_conflict_carrying_the_actual_version_and_writes_nothing() {
    let t = TestStore::new();
    let a = stream("case-a");
    t.store().append(append(&a, ExpectedVersion::NoStream, &["a1"])).unwrap();

    let error = t.store().append(append(&a, ExpectedVersion::Exact(5), &["x"])).unwrap_err();
    assert!(matches!(error, StoreError::Conflict { actual: 1, expected: ExpectedVersion::Exact(5), .. }), "{error}");
    let error = t.store().append(append(&a, ExpectedVersion::NoStream, &["x"])).unwrap_err();
    assert!(matches!(error, StoreError::Conflict { actual: 1, .. }), "{error}");
    assert_eq!(t.store().head().position, 1);

    let any = t.store().append(append(&a, ExpectedVersion::Any, &["a2"])).unwrap();
    assert_eq!(any.last_version(), 2);
}

#[test]
fn a_repeated_command_id_returns_the_first_result_and_writes_nothing() {
    let mut t = TestStore::new();
    let a = stream("case-a");
    let request = append(&a, ExpectedVersion::NoStream, &["a1", "a2"]);
    let first = t.store().append(request.clone()).unwrap();
    t.restart();
    let again = t.store().append(request.clone()).unwrap();

    assert!(again.deduplicated);
    assert_eq!(again.events, first.events);
    assert_eq!(t.store().head().position, 2);

    let mut elsewhere = request;
    elsewhere.stream_id = stream("case-b");
    let error = t.store().append(elsewhere).unwrap_err();
    assert!(matches!(error, StoreError::CommandIdReused { .. }), "{error}");
}

#[test]
fn command_ids_are_told_apart_wherever_they_sort_among_those_seen_before() {
    // The writer skips the command index for an id that sorts after every id it has seen:
    // ids on either side of that line, and across restarts, must all be told apart.
    let mut t = TestStore::new();
    let a = stream("case-a");
    let with_id = |id: u128, label: &str, expected: ExpectedVersion| {
        let mut request = append(&a, expected, &[label]);
        request.command_id = uuid::Uuid::from_u128(id);
        request
    };
    let middle = with_id(1 << 64, "middle", ExpectedVersion::NoStream);
    assert!(!t.store().append(middle.clone()).unwrap().deduplicated);
    t.restart();
    let after = with_id(u128::MAX - 1, "after", ExpectedVersion::Exact(1));
    let before = with_id(1, "before", ExpectedVersion::Exact(2));
    assert!(!t.store().append(after.clone()).unwrap().deduplicated);
    assert!(!t.store().append(before.clone()).unwrap().deduplicated);
    for request in [&middle, &after, &before] {
        assert!(t.store().append(request.clone()).unwrap().deduplicated);
    }
    t.restart();
    for request in [&middle, &after, &before] {
        assert!(t.store().append(request.clone()).unwrap().deduplicated);
    }
    let last = with_id(u128::MAX, "last", ExpectedVersion::Exact(3));
    assert!(!t.store().append(last.clone()).unwrap().deduplicated);
    assert!(t.store().append(last).unwrap().deduplicated);
    assert_eq!(labels(&t.store().read_stream(&a, 1, 10).unwrap()), vec!["middle", "after", "before", "last"]);
}

#[test]
fn streams_written_before_a_restart_are_not_taken_for_new_ones() {
    // After a restart the writer learns which streams exist from a scan of the index, in the
    // background; once it has, a new stream needs no index read. Old streams must still
    // conflict with "no stream", and keep their versions.
    let mut t = TestStore::new();
    let old: Vec<StreamId> = (0..20).map(|i| stream(&format!("case-old-{i}"))).collect();
    for id in &old {
        t.store().append(append(id, ExpectedVersion::NoStream, &["o1", "o2"])).unwrap();
    }
    t.restart();
    t.store().append(append(&stream("case-first-new"), ExpectedVersion::NoStream, &["n1"])).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    for id in &old {
        let error = t.store().append(append(id, ExpectedVersion::NoStream, &["x"])).unwrap_err();
        assert!(matches!(error, StoreError::Conflict { actual: 2, .. }), "{error}");
        assert_eq!(t.store().append(append(id, ExpectedVersion::Exact(2), &["o3"])).unwrap().last_version(), 3);
    }
    let new = stream("case-second-new");
    t.store().append(append(&new, ExpectedVersion::NoStream, &["n1"])).unwrap();
    let error = t.store().append(append(&new, ExpectedVersion::NoStream, &["x"])).unwrap_err();
    assert!(matches!(error, StoreError::Conflict { actual: 1, .. }), "{error}");
    assert_eq!(t.store().head().position, 20 * 3 + 2);
}

#[test]
fn a_repeated_command_id_within_one_batch_is_written_once() {
    let t = TestStore::new();
    let a = stream("case-a");
    let request = append(&a, ExpectedVersion::NoStream, &["a1"]);
    let results = t.store().append_batch(vec![request.clone(), request]).unwrap();
    let (first, second) = (results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
    assert!(!first.deduplicated && second.deduplicated);
    assert_eq!(first.events, second.events);
    assert_eq!(t.store().head().position, 1);
}

#[test]
fn one_failing_append_in_a_batch_leaves_the_others_alone() {
    let t = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let results = t
        .store()
        .append_batch(vec![
            append(&a, ExpectedVersion::NoStream, &["a1"]),
            append(&b, ExpectedVersion::Exact(3), &["b1"]),
            append(&a, ExpectedVersion::Exact(1), &["a2"]),
        ])
        .unwrap();
    assert!(results[0].is_ok() && results[2].is_ok());
    assert!(matches!(results[1], Err(StoreError::Conflict { actual: 0, .. })));
    assert_eq!(t.store().head().position, 2);
    t.store().verify().unwrap();
}

#[test]
fn limits_are_enforced_with_a_clear_error_and_nothing_is_written() {
    let t = TestStore::new();
    let a = stream("case-a");
    let empty = append(&a, ExpectedVersion::Any, &[]);
    assert!(matches!(t.store().append(empty), Err(StoreError::Invalid(InvalidInput::EmptyAppend))));

    let max = t.store().config().limits.max_events_per_append;
    let labels: Vec<String> = (0..=max).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let too_many = append(&a, ExpectedVersion::Any, &refs);
    assert!(matches!(t.store().append(too_many), Err(StoreError::Invalid(InvalidInput::TooManyEvents { .. }))));

    let mut too_large = append(&a, ExpectedVersion::Any, &["x"]);
    let big = "α".repeat(t.store().config().limits.max_payload_bytes);
    too_large.events[0].payload = Payload::from_value(&serde_json::json!({ "label": big }));
    let error = t.store().append(too_large).unwrap_err();
    assert!(matches!(error, StoreError::Invalid(InvalidInput::EventTooLarge { index: 0, .. })), "{error}");

    let long_id = "c".repeat(MAX_STREAM_ID_BYTES + 1);
    assert!(matches!(StreamId::new(long_id), Err(StoreError::Invalid(InvalidInput::StreamId { .. }))));
    assert!(matches!(StreamId::new("case 1"), Err(StoreError::Invalid(InvalidInput::StreamId { .. }))));
    assert!(matches!(EventType::new(""), Err(StoreError::Invalid(InvalidInput::EventType { .. }))));
    assert!(matches!(Payload::from_json("{not json"), Err(StoreError::Invalid(InvalidInput::Payload { .. }))));
    assert_eq!(t.store().head().position, 0);
}

#[test]
fn a_second_opener_of_the_same_directory_is_told_the_store_is_in_use() {
    let t = TestStore::new();
    let error = Store::open(t.dir.path(), StoreConfig::default()).err().expect("the second open fails");
    assert!(matches!(error, StoreError::InUse { .. }), "{error}");
    assert!(error.to_string().contains("in use"));
}

#[test]
fn records_survive_a_restart_with_their_chain_and_the_clock_never_goes_back() {
    let mut t = TestStore::new();
    let a = stream("case-a");
    t.store().append(append(&a, ExpectedVersion::NoStream, &["a1"])).unwrap();
    t.clock.advance_ms(-60_000);
    let later = t.store().append(append(&a, ExpectedVersion::Exact(1), &["a2"])).unwrap();
    assert_eq!(later.events[0].recorded_at.unix_ms(), START_MS, "recorded-at held at the previous value");
    let head = t.store().head();
    t.restart();
    assert_eq!(t.store().head(), head);
    let records = t.store().read_all(1, 10).unwrap();
    assert_eq!(records[1].prev_hash, records[0].hash);
    assert_eq!(records[0].prev_hash, Hash::GENESIS);
    let verified = t.store().verify().unwrap();
    assert_eq!((verified.n_events, verified.n_streams, verified.n_appends), (2, 1, 2));
}

#[test]
fn deferred_appends_are_visible_at_once_and_kept_by_flush_and_close() {
    let mut t = TestStore::new();
    let a = stream("case-a");
    let mut bulk = append(&a, ExpectedVersion::NoStream, &["a1", "a2"]);
    bulk.durability = Durability::Deferred;
    t.store().append(bulk).unwrap();
    assert_eq!(t.store().head().position, 2);
    t.store().flush().unwrap();
    let store = t.store.take().unwrap();
    store.close().unwrap();
    t.store = Some(Store::open(t.dir.path(), config(&t.clock)).unwrap());
    assert_eq!(labels(&t.store().read_stream(&a, 1, 10).unwrap()), vec!["a1", "a2"]);
}

#[test]
fn large_batches_are_split_into_chunks_and_read_back_in_order() {
    let t = TestStore::new();
    let appends: Vec<Append> = (0..200)
        .map(|i| {
            let labels: Vec<String> = (0..12).map(|v| format!("{i}-{v}")).collect();
            let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
            append(&stream(&format!("case-{i}")), ExpectedVersion::NoStream, &refs)
        })
        .collect();
    for result in t.store().append_batch(appends).unwrap() {
        result.unwrap();
    }
    let all: Vec<RecordedEvent> = t.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 2400);
    assert!(all.iter().enumerate().all(|(i, r)| r.position == u64::try_from(i).unwrap() + 1));
    assert_eq!(labels(&t.store().read_stream(&stream("case-150"), 11, 5).unwrap()), vec!["150-10", "150-11"]);
    assert_eq!(t.store().read_all(2399, 10).unwrap().len(), 2);
    assert!(t.store().read_all(2401, 10).unwrap().is_empty());
    t.store().verify().unwrap();
}

#[test]
fn an_append_larger_than_a_chunk_is_cut_across_chunks_and_still_whole() {
    // An append too large for one chunk is cut across several, written together in one
    // atomic batch with the small appends around it.
    let mut t = TestStore::new();
    let big_text = "Κοινωνική υπηρεσία ".repeat(1_500);
    let big = |label: &str| NewEvent {
        payload: Payload::from_value(&serde_json::json!({ "label": label, "text": big_text })),
        ..event(label)
    };
    let small = append(&stream("case-small"), ExpectedVersion::NoStream, &["s1", "s2"]);
    let mut large = append(&stream("case-large"), ExpectedVersion::NoStream, &[]);
    large.events = (0..6).map(|i| big(&format!("l{i}"))).collect();
    let after = append(&stream("case-small"), ExpectedVersion::Exact(2), &["s3"]);
    for result in t.store().append_batch(vec![small, large, after]).unwrap() {
        result.unwrap();
    }
    t.restart();
    t.store().verify().unwrap();
    assert_eq!(
        labels(&t.store().read_stream(&stream("case-large"), 1, 100).unwrap()),
        ["l0", "l1", "l2", "l3", "l4", "l5"]
    );
    assert_eq!(labels(&t.store().read_stream(&stream("case-small"), 1, 100).unwrap()), ["s1", "s2", "s3"]);
    assert_eq!(t.store().iter_from(1).count(), 9);
}

#[test]
fn auxiliary_trees_cannot_reach_the_log() {
    let t = TestStore::new();
    assert!(t.store().auxiliary_tree("log").is_err());
    let vault = t.store().auxiliary_tree("identity-vault").unwrap();
    vault.insert(b"k", b"v").unwrap();
    assert_eq!(t.store().head().position, 0);
}

#[test]
fn closing_a_store_releases_its_directory_for_the_next_opener() {
    let t = TestStore::new();
    t.store().append(append(&stream("case-a"), ExpectedVersion::NoStream, &["a1"])).unwrap();
    let TestStore { store, dir, .. } = t;
    store.unwrap().close().unwrap();
    let reopened = Store::open(dir.path(), StoreConfig::default()).unwrap();
    assert_eq!(reopened.head().position, 1);
}

#[test]
fn streams_are_listed_by_prefix_from_the_index() {
    let t = TestStore::new();
    for name in ["agency-b", "case-1", "agency-a", "agency-b"] {
        t.store().append(append(&stream(name), ExpectedVersion::Any, &["x"])).unwrap();
    }
    let agencies: Vec<String> = t.store().stream_ids("agency-").unwrap().iter().map(|s| s.to_string()).collect();
    assert_eq!(agencies, vec!["agency-a", "agency-b"]);
    assert_eq!(t.store().stream_ids("centre-").unwrap(), Vec::<StreamId>::new());
}

#[test]
fn index_entries_a_crash_cut_off_at_the_end_of_the_log_are_restored_on_open() {
    // A crash can keep a group's records and lose the index entries written after them
    // (sled keeps a prefix of its writes). Cut the entries of the last appends off by hand,
    // as such a crash would, and reopen.
    let mut t = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let mut commands = Vec::new();
    for round in 0..4u64 {
        for stream_id in [&a, &b] {
            let mut next = append(stream_id, ExpectedVersion::Exact(round * 2), &["x", "y"]);
            next.command_id = uuid::Uuid::new_v4();
            commands.push((next.clone(), t.store().append(next).expect("appends").events));
        }
    }
    let dir = t.dir.path().to_path_buf();
    drop(t.store.take());
    {
        let segment_bytes = StoreConfig::default().segment_bytes;
        let db = open_raw_sled(&dir.join("sled"), segment_bytes);
        let tree = db.open_tree("log").unwrap();
        // The last three appends: b at version 7, a at 7, and b at 5 loses its command entry only.
        for (stream_id, first_version, command_id, stream_entry_too) in [
            (&b, 7u64, commands[7].0.command_id, true),
            (&a, 7, commands[6].0.command_id, true),
            (&b, 5, commands[5].0.command_id, false),
        ] {
            let mut command_key = vec![b'C'];
            command_key.extend_from_slice(command_id.as_bytes());
            assert!(tree.remove(command_key).unwrap().is_some());
            if stream_entry_too {
                let mut stream_key = vec![b'S'];
                stream_key.extend_from_slice(stream_id.as_str().as_bytes());
                stream_key.push(0);
                stream_key.extend_from_slice(&first_version.to_be_bytes());
                assert!(tree.remove(stream_key).unwrap().is_some());
            }
        }
        db.flush().unwrap();
    }
    t.store = Some(Store::open(&dir, config(&t.clock)).unwrap());
    let verified = t.store().verify().expect("the indexes are whole again");
    assert_eq!((verified.n_events, verified.n_appends), (16, 8));
    assert_eq!(t.store().stream_version(&a).unwrap(), 8);
    assert_eq!(t.store().read_stream(&b, 1, 100).unwrap().len(), 8);
    // A retried command is still recognised, and answered with what it wrote.
    for (command, written) in &commands {
        let again = t.store().append(command.clone()).expect("a retry is answered");
        assert!(again.deduplicated);
        assert_eq!(&again.events, written);
    }
    assert_eq!(t.store().head().position, 16);
}

#[test]
fn reads_find_appends_whether_their_index_entries_are_written_or_still_queued() {
    // Index entries reach the tree in batches, a little after their commit; reads look at the
    // queue too. Mix the two: appends written to the tree (a restart drains the queue), then
    // appends still queued, then the same after the queue has drained.
    let mut t = TestStore::new();
    let a = stream("case-a");
    let mut commands = Vec::new();
    let mut add = |t: &TestStore, stream_id: &StreamId, labels: &[&str]| {
        let version = t.store().stream_version(stream_id).unwrap();
        let next = append(stream_id, ExpectedVersion::Exact(version), labels);
        let written = t.store().append(next.clone()).unwrap().events;
        commands.push((next.command_id, written));
    };
    add(&t, &a, &["1", "2"]);
    add(&t, &a, &["3"]);
    t.restart();
    add(&t, &a, &["4", "5"]);
    add(&t, &stream("case-b"), &["b1"]);
    add(&t, &a, &["6"]);
    let check = |t: &TestStore| {
        assert_eq!(t.store().stream_version(&a).unwrap(), 6);
        for from in 1..=7u64 {
            let read = labels(&t.store().read_stream(&a, from, 100).unwrap());
            let expected: Vec<String> = (from..=6).map(|v| v.to_string()).collect();
            assert_eq!(read, expected, "case-a from version {from}");
        }
        assert_eq!(labels(&t.store().read_stream(&a, 2, 3).unwrap()), vec!["2", "3", "4"]);
        let streams: Vec<String> = t.store().stream_ids("case-").unwrap().iter().map(|s| s.to_string()).collect();
        assert_eq!(streams, vec!["case-a", "case-b"]);
        for (command_id, written) in &commands {
            assert_eq!(t.store().command_result(*command_id).unwrap().as_ref(), Some(written));
        }
    };
    check(&t);
    // Verifying waits for the queue to reach the tree, and checks the entries there.
    assert_eq!(t.store().verify().unwrap().n_appends, 5);
    check(&t);
    t.restart();
    check(&t);
}

#[test]
fn a_long_read_reads_ahead_stops_where_asked_and_names_a_missing_chunk() {
    let mut t = TestStore::new();
    for i in 0..40 {
        let labels: Vec<String> = (0..60).map(|v| format!("{i}-{v}")).collect();
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        t.store().append(append(&stream(&format!("case-{i}")), ExpectedVersion::NoStream, &refs)).unwrap();
    }
    // Long enough to read ahead (each append is a chunk of its own), short of the end, from
    // the middle of a chunk.
    let range: Vec<u64> = t.store().iter_range(31, 2_000).map(|r| r.unwrap().position).collect();
    assert_eq!(range, (31..=2_000).collect::<Vec<u64>>());
    // An iterator dropped early lets its read-ahead go.
    let mut partial = t.store().iter_from(1);
    assert_eq!(partial.nth(700).unwrap().unwrap().position, 701);
    drop(partial);
    // Remove a chunk in the middle, as damage would: the read stops there, naming it.
    let dir = t.dir.path().to_path_buf();
    drop(t.store.take());
    {
        let segment_bytes = StoreConfig::default().segment_bytes;
        let db = open_raw_sled(&dir.join("sled"), segment_bytes);
        let tree = db.open_tree("log").unwrap();
        let mut key = vec![b'L'];
        key.extend_from_slice(&1_201u64.to_be_bytes());
        assert!(tree.remove(key).unwrap().is_some(), "positions 1201..=1260 are one chunk");
        db.flush().unwrap();
    }
    t.store = Some(Store::open(&dir, config(&t.clock)).unwrap());
    let read: Vec<Result<RecordedEvent, StoreError>> = t.store().iter_from(1).collect();
    assert_eq!(read.len(), 1_201, "1,200 records, then the error");
    assert!(read[..1_200].iter().all(Result::is_ok));
    let error = read[1_200].as_ref().unwrap_err();
    assert!(matches!(error, StoreError::Corruption { at: 1_201, .. }), "{error}");
}
