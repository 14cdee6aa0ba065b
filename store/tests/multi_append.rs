//! Appends across several streams as one act: all or nothing, every expected version checked,
//! one command id for the whole act, through restarts and a crash's lost index entries.

mod common;

use common::*;
use parapompi_store::*;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(s, l)| ((*s).to_owned(), (*l).to_owned())).collect()
}

#[test]
fn a_multi_append_writes_every_stream_at_consecutive_positions_in_the_order_given() {
    let t = TestStore::new();
    let (centre, staff, agency) = (stream("centre-1"), stream("staff-1"), stream("agency-1"));
    t.store().append(append(&agency, ExpectedVersion::NoStream, &["g1"])).unwrap();
    let before = t.store().head();

    let request = multi(&[
        (&centre, ExpectedVersion::NoStream, &["c1", "c2"]),
        (&staff, ExpectedVersion::Exact(0), &["s1"]),
        (&agency, ExpectedVersion::Exact(1), &["g2"]),
    ]);
    let appended = t.store().append_multi(request.clone()).unwrap();

    assert!(!appended.deduplicated);
    assert_eq!(
        placed(&appended.events),
        pairs(&[("centre-1", "c1"), ("centre-1", "c2"), ("staff-1", "s1"), ("agency-1", "g2")])
    );
    let positions: Vec<u64> = appended.events.iter().map(|r| r.position).collect();
    assert_eq!(positions, vec![2, 3, 4, 5]);
    let versions: Vec<u64> = appended.events.iter().map(|r| r.stream_version).collect();
    assert_eq!(versions, vec![1, 2, 1, 2]);
    assert!(appended.events.iter().all(|r| r.command_id == request.command_id));
    // The hashes chain through the act, from the head before it.
    let mut prev = before.hash;
    for record in &appended.events {
        assert_eq!(record.prev_hash, prev);
        prev = record.hash;
    }
    assert_eq!(t.store().head().hash, prev);
    assert_eq!(
        (appended.last_position(), appended.version_of(&centre), appended.version_of(&staff)),
        (5, Some(2), Some(1))
    );

    for (stream_id, version, want) in
        [(&centre, 2, vec!["c1", "c2"]), (&staff, 1, vec!["s1"]), (&agency, 2, vec!["g1", "g2"])]
    {
        assert_eq!(t.store().stream_version(stream_id).unwrap(), version, "{stream_id}");
        assert_eq!(labels(&t.store().read_stream(stream_id, 1, 100).unwrap()), want, "{stream_id}");
    }
    assert_eq!(labels(&t.store().read_stream(&centre, 2, 100).unwrap()), vec!["c2"]);
    assert_eq!(t.store().command_result(request.command_id).unwrap(), Some(appended.events.clone()));
    let verified = t.store().verify().unwrap();
    assert_eq!((verified.n_events, verified.n_streams, verified.n_appends), (5, 3, 2));
}

#[test]
fn a_conflict_on_any_stream_of_a_multi_append_writes_nothing_at_all() {
    let t = TestStore::new();
    let (a, b, c) = (stream("case-a"), stream("case-b"), stream("case-c"));
    t.store().append(append(&b, ExpectedVersion::NoStream, &["b1", "b2"])).unwrap();
    let before = t.store().head();

    let request = multi(&[
        (&a, ExpectedVersion::NoStream, &["a1"]),
        (&b, ExpectedVersion::Exact(1), &["b3"]),
        (&c, ExpectedVersion::Exact(7), &["c1"]),
    ]);
    let error = t.store().append_multi(request.clone()).unwrap_err();

    // The first mismatch, in the order given, is the one reported.
    assert!(
        matches!(&error, StoreError::Conflict { stream_id, expected: ExpectedVersion::Exact(1), actual: 2 } if *stream_id == b),
        "{error}"
    );
    assert_eq!(t.store().head(), before);
    assert_eq!(t.store().stream_version(&a).unwrap(), 0);
    assert_eq!(t.store().stream_version(&b).unwrap(), 2);
    assert_eq!(t.store().stream_version(&c).unwrap(), 0);
    assert_eq!(t.store().command_result(request.command_id).unwrap(), None);
    assert_eq!(t.store().stream_ids("case-").unwrap(), vec![b.clone()]);
    // The command id was not used: the same act with the right versions goes through.
    let mut fixed = request;
    fixed.streams[1].expected = ExpectedVersion::Exact(2);
    fixed.streams[2].expected = ExpectedVersion::Any;
    assert_eq!(t.store().append_multi(fixed).unwrap().last_position(), 5);
    t.store().verify().unwrap();
}

#[test]
fn a_multi_append_must_name_each_stream_once_and_give_each_an_event() {
    let t = TestStore::new();
    t.store().append(append(&stream("case-z"), ExpectedVersion::NoStream, &["z1"])).unwrap();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let invalid = |request: MultiAppend| match t.store().append_multi(request) {
        Err(StoreError::Invalid(input)) => input,
        other => panic!("expected an invalid input, got {other:?}"),
    };

    let twice = multi(&[
        (&a, ExpectedVersion::Any, &["1"]),
        (&b, ExpectedVersion::Any, &["2"]),
        (&a, ExpectedVersion::Any, &["3"]),
    ]);
    assert_eq!(invalid(twice), InvalidInput::StreamNamedTwice { stream_id: a.clone() });
    assert_eq!(invalid(multi(&[])), InvalidInput::NoStreams);
    let without_events = multi(&[(&a, ExpectedVersion::Any, &["1"]), (&b, ExpectedVersion::Any, &[])]);
    assert_eq!(invalid(without_events), InvalidInput::StreamWithoutEvents { stream_id: b.clone() });
    assert_eq!(invalid(multi(&[(&a, ExpectedVersion::Any, &[])])), InvalidInput::EmptyAppend);
    // The limit on events per append holds for the whole act, not for each stream.
    let max = t.store().config().limits.max_events_per_append;
    let half: Vec<String> = (0..max / 2 + 1).map(|i| i.to_string()).collect();
    let half: Vec<&str> = half.iter().map(String::as_str).collect();
    let too_many = multi(&[(&a, ExpectedVersion::Any, &half), (&b, ExpectedVersion::Any, &half)]);
    assert_eq!(invalid(too_many), InvalidInput::TooManyEvents { n_events: 2 * (max / 2 + 1), max });

    assert_eq!(t.store().head().position, 1);
    assert_eq!(t.store().stream_ids("case-").unwrap(), vec![stream("case-z")]);
}

#[test]
fn a_repeated_command_id_returns_the_whole_act_and_writes_nothing() {
    let mut t = TestStore::new();
    let (centre, staff, other) = (stream("centre-1"), stream("staff-1"), stream("case-9"));
    let request =
        multi(&[(&centre, ExpectedVersion::NoStream, &["c1"]), (&staff, ExpectedVersion::NoStream, &["s1", "s2"])]);
    let first = t.store().append_multi(request.clone()).unwrap();

    let check_repeats = |t: &TestStore| {
        let again = t.store().append_multi(request.clone()).unwrap();
        assert!(again.deduplicated);
        assert_eq!(again.events, first.events);
        // A one-stream append under the same id, to any stream the act wrote, is answered
        // with the whole act: whether it is the same command is the caller's to judge.
        for stream_id in [&centre, &staff] {
            let mut single = append(stream_id, ExpectedVersion::Any, &["x"]);
            single.command_id = request.command_id;
            let again = t.store().append(single).unwrap();
            assert!(again.deduplicated);
            assert_eq!(again.events, first.events);
        }
        // Under the same id, to none of its streams, it is a reuse.
        let mut elsewhere = append(&other, ExpectedVersion::Any, &["x"]);
        elsewhere.command_id = request.command_id;
        let error = t.store().append(elsewhere).unwrap_err();
        assert!(
            matches!(&error, StoreError::CommandIdReused { original_stream, stream_id, .. } if *original_stream == centre && *stream_id == other),
            "{error}"
        );
        assert_eq!(t.store().head().position, 3);
        assert_eq!(t.store().command_result(request.command_id).unwrap(), Some(first.events.clone()));
    };
    check_repeats(&t);
    t.restart();
    check_repeats(&t);
}

#[test]
fn a_command_id_of_a_one_stream_append_repeated_by_a_multi_append_returns_the_first() {
    let t = TestStore::new();
    let (a, b, c) = (stream("case-a"), stream("case-b"), stream("case-c"));
    let single = append(&a, ExpectedVersion::NoStream, &["a1"]);
    let first = t.store().append(single.clone()).unwrap();

    let mut request = multi(&[(&b, ExpectedVersion::Any, &["b1"]), (&a, ExpectedVersion::Any, &["a2"])]);
    request.command_id = single.command_id;
    let again = t.store().append_multi(request).unwrap();
    assert!(again.deduplicated);
    assert_eq!(again.events, first.events);

    let mut unrelated = multi(&[(&b, ExpectedVersion::Any, &["b1"]), (&c, ExpectedVersion::Any, &["c1"])]);
    unrelated.command_id = single.command_id;
    let error = t.store().append_multi(unrelated).unwrap_err();
    assert!(matches!(error, StoreError::CommandIdReused { .. }), "{error}");
    assert_eq!(t.store().head().position, 1);
}

#[test]
fn concurrent_multi_appends_and_their_repeats_stay_whole_among_other_appends() {
    // Concurrent appenders share group commits: a multi-append and its repeat may land in
    // one group, beside others' appends. Every act stays whole, contiguous and in order.
    let t = TestStore::new();
    let store = t.store().clone();
    let n_threads = 4;
    let n_acts = 15;
    let threads: Vec<_> = (0..n_threads)
        .map(|thread| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut written = Vec::new();
                for i in 0..n_acts {
                    let (mine, shared) = (stream(&format!("case-{thread}")), stream(&format!("centre-{}", i % 3)));
                    let request = multi(&[
                        (&mine, ExpectedVersion::Any, &["m1", "m2"]),
                        (&shared, ExpectedVersion::Any, &["s1"]),
                    ]);
                    let appended = store.append_multi(request.clone()).unwrap();
                    assert!(!appended.deduplicated);
                    let again = store.append_multi(request.clone()).unwrap();
                    assert!(again.deduplicated);
                    assert_eq!(again.events, appended.events);
                    store.append(append(&mine, ExpectedVersion::Any, &["alone"])).unwrap();
                    written.push((request.command_id, appended.events));
                }
                written
            })
        })
        .collect();
    let written: Vec<_> = threads.into_iter().flat_map(|thread| thread.join().unwrap()).collect();
    let records: Vec<RecordedEvent> = t.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), n_threads * n_acts * 4);
    for (command_id, events) in &written {
        let first = usize::try_from(events[0].position - 1).unwrap();
        assert_eq!(&records[first..first + 3], &events[..], "act {command_id} is contiguous");
        assert_eq!(labels(events), vec!["m1", "m2", "s1"]);
        assert_eq!(t.store().command_result(*command_id).unwrap().as_ref(), Some(events));
    }
    let verified = t.store().verify().unwrap();
    assert_eq!(verified.n_appends, u64::try_from(n_threads * n_acts * 2).unwrap());
}

#[test]
fn a_multi_append_survives_a_restart_with_its_indexes() {
    let mut t = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let request = multi(&[(&a, ExpectedVersion::NoStream, &["a1"]), (&b, ExpectedVersion::NoStream, &["b1", "b2"])]);
    let appended = t.store().append_multi(request.clone()).unwrap();
    t.restart();

    assert_eq!(t.store().head().position, 3);
    assert_eq!(t.store().stream_version(&a).unwrap(), 1);
    assert_eq!(t.store().stream_version(&b).unwrap(), 2);
    assert_eq!(labels(&t.store().read_stream(&b, 1, 100).unwrap()), vec!["b1", "b2"]);
    assert_eq!(t.store().stream_ids("case-").unwrap(), vec![a.clone(), b.clone()]);
    assert_eq!(t.store().command_result(request.command_id).unwrap(), Some(appended.events));
    // The writer knows both streams after the restart: a new stream's version is not assumed.
    let error = t.store().append(append(&b, ExpectedVersion::NoStream, &["x"])).unwrap_err();
    assert!(matches!(error, StoreError::Conflict { actual: 2, .. }), "{error}");
    let next = multi(&[(&b, ExpectedVersion::Exact(2), &["b3"]), (&a, ExpectedVersion::Exact(1), &["a2"])]);
    assert_eq!(t.store().append_multi(next).unwrap().last_position(), 5);
    assert_eq!(t.store().verify().unwrap().n_appends, 2);
}

#[test]
fn index_entries_of_multi_appends_a_crash_cut_off_are_restored_on_open() {
    // As in append.rs: remove by hand the index entries a crash could have lost after the
    // records (a prefix of the writes survives), for the last two acts, and reopen.
    let mut t = TestStore::new();
    let (a, b, c) = (stream("case-a"), stream("case-b"), stream("case-c"));
    let mut acts = Vec::new();
    for round in 0..3u64 {
        let request = multi(&[
            (&a, ExpectedVersion::Exact(round), &["a"]),
            (&b, ExpectedVersion::Exact(round * 2), &["b", "b"]),
            (&c, ExpectedVersion::Exact(round), &["c"]),
        ]);
        acts.push((request.clone(), t.store().append_multi(request).unwrap().events));
    }
    let dir = t.dir.path().to_path_buf();
    drop(t.store.take());
    {
        let db = open_raw_sled(&dir.join("sled"), StoreConfig::default().segment_bytes);
        let tree = db.open_tree("log").unwrap();
        let command_key = |id: uuid::Uuid| [&[b'C'][..], id.as_bytes()].concat();
        let stream_key =
            |s: &StreamId, version: u64| [&[b'S'][..], s.as_str().as_bytes(), &[0], &version.to_be_bytes()].concat();
        // The last act loses everything; the one before keeps its first stream's entry only.
        assert!(tree.remove(command_key(acts[2].0.command_id)).unwrap().is_some());
        for key in [stream_key(&a, 3), stream_key(&b, 5), stream_key(&c, 3), stream_key(&b, 3), stream_key(&c, 2)] {
            assert!(tree.remove(key).unwrap().is_some());
        }
        assert!(tree.remove(command_key(acts[1].0.command_id)).unwrap().is_some());
        db.flush().unwrap();
    }
    t.store = Some(Store::open(&dir, config(&t.clock)).unwrap());

    let verified = t.store().verify().expect("the indexes are whole again");
    assert_eq!((verified.n_events, verified.n_appends), (12, 3));
    for (stream_id, version) in [(&a, 3), (&b, 6), (&c, 3)] {
        assert_eq!(t.store().stream_version(stream_id).unwrap(), version);
        assert_eq!(t.store().read_stream(stream_id, 1, 100).unwrap().len(), usize::try_from(version).unwrap());
    }
    for (request, written) in &acts {
        assert_eq!(t.store().command_result(request.command_id).unwrap().as_ref(), Some(written));
        let again = t.store().append_multi(request.clone()).unwrap();
        assert!(again.deduplicated);
        assert_eq!(&again.events, written);
    }
    assert_eq!(t.store().head().position, 12);
}

#[test]
fn an_export_with_multi_appends_imports_as_the_same_log() {
    let source = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    source.store().append(append(&a, ExpectedVersion::NoStream, &["a1"])).unwrap();
    let act = multi(&[(&b, ExpectedVersion::NoStream, &["b1", "b2"]), (&a, ExpectedVersion::Exact(1), &["a2"])]);
    source.store().append_multi(act.clone()).unwrap();
    source.store().append(append(&b, ExpectedVersion::Exact(2), &["b3"])).unwrap();
    let mut bytes = Vec::new();
    source.store().export_jsonl(&mut bytes, 1, u64::MAX).unwrap();

    let target = TestStore::new();
    let path = target.dir.path().join("export.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    target.store().import_jsonl(&path).unwrap();

    let original: Vec<RecordedEvent> = source.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    let copy: Vec<RecordedEvent> = target.store().iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(copy, original);
    assert_eq!(target.store().verify().unwrap().n_appends, 3);
    assert_eq!(target.store().command_result(act.command_id).unwrap().map(|r| r.len()), Some(3));
    assert_eq!(target.store().stream_version(&a).unwrap(), 2);
    assert_eq!(target.store().stream_version(&b).unwrap(), 3);
    // Importing the same file again finds its command ids in the store.
    assert!(matches!(target.store().import_jsonl(&path), Err(StoreError::Import { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_async_multi_append_is_the_same_act() {
    let t = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let request = multi(&[(&a, ExpectedVersion::NoStream, &["a1"]), (&b, ExpectedVersion::NoStream, &["b1"])]);
    let appended = t.store().append_multi_async(request.clone()).await.unwrap();
    assert_eq!(placed(&appended.events), pairs(&[("case-a", "a1"), ("case-b", "b1")]));
    assert!(t.store().append_multi_async(request).await.unwrap().deduplicated);
    let single = t.store().append_async(append(&a, ExpectedVersion::Exact(1), &["a2"])).await.unwrap();
    assert_eq!(single.last_position(), 3);
}

#[test]
fn an_import_refuses_an_act_whose_stream_comes_back_after_another() {
    // Given a chained file in which one command writes case-a, then case-b, then case-a again
    // (something the store never writes), the import names the record and writes nothing.
    let source = TestStore::new();
    let (a, b) = (stream("case-a"), stream("case-b"));
    let act = multi(&[(&a, ExpectedVersion::NoStream, &["a1"]), (&b, ExpectedVersion::NoStream, &["b1"])]);
    let mut records = source.store().append_multi(act).unwrap().events;
    let mut again = records[0].clone();
    again.position = 3;
    again.stream_version = 2;
    again.event_id = uuid::Uuid::new_v4();
    records.push(again);
    let mut prev = Hash::GENESIS;
    let mut bytes = Vec::new();
    for record in &mut records {
        record.prev_hash = prev;
        record.hash = chain_hash(&prev, &canonical_bytes(record));
        prev = record.hash;
        bytes.extend(serde_json::to_vec(&ExportLine::of(record)).unwrap());
        bytes.push(b'\n');
    }

    let target = TestStore::new();
    let path = target.dir.path().join("import.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let error = target.store().import_jsonl(&path).unwrap_err();

    assert!(
        matches!(&error, StoreError::Import { line: 3, problem } if problem.contains("writes to stream case-a twice")),
        "{error}"
    );
    assert_eq!(target.store().head().position, 0);
}
