//! A model-based property test: random appends to one stream and to several at once (right
//! and wrong expected versions, repeated command ids, a stream named twice, deferred and
//! durable), reads and restarts, checked after every step against a plain in-memory model of
//! what the log must hold. PROPTEST_CASES raises the case count;
//! PROPTEST_RNG_SEED replays the seed a run printed.

mod common;

use common::*;
use parapompi_store::*;
use proptest::prelude::*;
use uuid::Uuid;

#[derive(Clone, Debug)]
enum Expect {
    Right,
    Wrong(u64),
    NoStream,
    Any,
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        stream: usize,
        expect: Expect,
        n_events: usize,
        repeat: Option<usize>,
        deferred: bool,
    },
    /// One act across the streams given (maybe one named twice), each with its expectation
    /// and its number of events.
    Multi {
        streams: Vec<(usize, Expect, usize)>,
        repeat: Option<usize>,
        deferred: bool,
    },
    ReadStream {
        stream: usize,
        from_version: u64,
        max: usize,
    },
    ReadAll {
        from: u64,
        max: usize,
    },
    Restart,
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    let expect = prop_oneof![4 => Just(Expect::Right), 1 => (1u64..3).prop_map(Expect::Wrong), 1 => Just(Expect::NoStream), 1 => Just(Expect::Any)];
    let part = (0usize..4, expect.clone(), 1usize..3);
    prop_oneof![
        4 => (proptest::collection::vec(part, 1..4), proptest::option::weighted(0.15, 0usize..64), proptest::bool::weighted(0.3))
            .prop_map(|(streams, repeat, deferred)| Op::Multi { streams, repeat, deferred }),
        8 => (0usize..4, expect, 1usize..4, proptest::option::weighted(0.15, 0usize..64), proptest::bool::weighted(0.3))
            .prop_map(|(stream, expect, n_events, repeat, deferred)| Op::Append { stream, expect, n_events, repeat, deferred }),
        2 => (0usize..4, 0u64..6, 1usize..8).prop_map(|(stream, from_version, max)| Op::ReadStream { stream, from_version, max }),
        2 => (0u64..40, 1usize..50).prop_map(|(from, max)| Op::ReadAll { from, max }),
        1 => Just(Op::Restart),
        1 => Just(Op::Flush),
    ]
}

/// What the log must hold: each record's stream and label, in position order, and each
/// command's streams and positions.
#[derive(Default)]
struct Model {
    records: Vec<(String, String)>,
    commands: Vec<(Uuid, Vec<String>, Vec<u64>)>,
}

impl Model {
    fn version(&self, stream: &str) -> u64 {
        u64::try_from(self.records.iter().filter(|(s, _)| s == stream).count()).unwrap()
    }

    fn stream_labels(&self, stream: &str) -> Vec<String> {
        self.records.iter().filter(|(s, _)| s == stream).map(|(_, l)| l.clone()).collect()
    }

    /// Records an act that was written, its records being `written`.
    fn wrote(&mut self, written: &Appended, parts: &[(String, Vec<String>)]) {
        assert!(!written.deduplicated);
        let start = u64::try_from(self.records.len()).unwrap() + 1;
        let positions: Vec<u64> = written.events.iter().map(|r| r.position).collect();
        assert_eq!(positions, (start..start + u64::try_from(positions.len()).unwrap()).collect::<Vec<_>>());
        for (name, labels) in parts {
            for label in labels {
                self.records.push((name.clone(), label.clone()));
            }
        }
        let streams = parts.iter().map(|(name, _)| name.clone()).collect();
        self.commands.push((written.events[0].command_id, streams, positions));
    }
}

fn expected_version(expect: &Expect, current: u64) -> ExpectedVersion {
    match expect {
        Expect::Right => ExpectedVersion::Exact(current),
        Expect::Wrong(offset) => ExpectedVersion::Exact(current + offset),
        Expect::NoStream => ExpectedVersion::NoStream,
        Expect::Any => ExpectedVersion::Any,
    }
}

fn fits(expected: ExpectedVersion, current: u64) -> bool {
    match expected {
        ExpectedVersion::Exact(v) => v == current,
        ExpectedVersion::NoStream => current == 0,
        ExpectedVersion::Any => true,
    }
}

/// What a repeated command id must answer: the first use's records when the repeat names a
/// stream it wrote to, a reuse error otherwise.
fn check_repeat(first: &(Uuid, Vec<String>, Vec<u64>), names: &[String], result: Result<Appended, StoreError>) {
    let (_, first_streams, positions) = first;
    let shares_a_stream = names.iter().any(|name| first_streams.contains(name));
    match result {
        Ok(appended) => {
            assert!(shares_a_stream, "a repeat to other streams was answered");
            assert!(appended.deduplicated);
            assert_eq!(&appended.events.iter().map(|r| r.position).collect::<Vec<_>>(), positions);
        }
        Err(StoreError::CommandIdReused { .. }) => assert!(!shares_a_stream, "a repeat to the same stream was refused"),
        Err(other) => panic!("a repeated command failed: {other}"),
    }
}

fn run(ops: Vec<Op>) {
    let mut t = TestStore::new();
    let mut model = Model::default();
    let mut n_labels = 0u64;
    for op in ops {
        match op {
            Op::Append { stream: s, expect, n_events, repeat, deferred } => {
                let name = format!("case-{s}");
                let current = model.version(&name);
                let expected = expected_version(&expect, current);
                let labels: Vec<String> =
                    (0..n_events).map(|i| format!("l{}", n_labels + u64::try_from(i).unwrap())).collect();
                n_labels += u64::try_from(n_events).unwrap();
                let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
                let mut request = append(&stream(&name), expected, &refs);
                if deferred {
                    request.durability = Durability::Deferred;
                }
                let repeated = repeat
                    .filter(|_| !model.commands.is_empty())
                    .map(|i| model.commands[i % model.commands.len()].clone());
                if let Some((command, _, _)) = &repeated {
                    request.command_id = *command;
                }
                let result = t.store().append(request);
                match (repeated, result) {
                    (Some(first), result) => check_repeat(&first, std::slice::from_ref(&name), result),
                    (None, Ok(appended)) => {
                        assert!(fits(expected, current), "an append with a wrong expected version succeeded");
                        model.wrote(&appended, &[(name, labels)]);
                    }
                    (None, Err(StoreError::Conflict { actual, .. })) => {
                        assert!(!fits(expected, current), "a right expected version conflicted");
                        assert_eq!(actual, current);
                    }
                    (None, Err(other)) => panic!("unexpected error: {other}"),
                }
            }
            Op::Multi { streams, repeat, deferred } => {
                let mut parts: Vec<(String, Vec<String>)> = Vec::new();
                let mut request =
                    MultiAppend { command_id: Uuid::new_v4(), streams: Vec::new(), durability: Durability::Durable };
                if deferred {
                    request.durability = Durability::Deferred;
                }
                for (s, expect, n_events) in &streams {
                    let name = format!("case-{s}");
                    let labels: Vec<String> =
                        (0..*n_events).map(|i| format!("l{}", n_labels + u64::try_from(i).unwrap())).collect();
                    n_labels += u64::try_from(*n_events).unwrap();
                    request.streams.push(StreamEvents {
                        stream_id: stream(&name),
                        expected: expected_version(expect, model.version(&name)),
                        events: labels.iter().map(|label| event(label)).collect(),
                    });
                    parts.push((name, labels));
                }
                let names: Vec<String> = parts.iter().map(|(name, _)| name.clone()).collect();
                let named_twice = names.iter().enumerate().find(|(i, name)| names[..*i].contains(name));
                let repeated = repeat
                    .filter(|_| !model.commands.is_empty())
                    .map(|i| model.commands[i % model.commands.len()].clone());
                if let Some((command, _, _)) = &repeated {
                    request.command_id = *command;
                }
                let conflict =
                    request.streams.iter().find(|part| !fits(part.expected, model.version(part.stream_id.as_str())));
                let conflict = conflict.map(|part| (part.stream_id.clone(), model.version(part.stream_id.as_str())));
                let result = t.store().append_multi(request);
                match (named_twice, repeated, result) {
                    // The act's own shape is checked first, repeat or not.
                    (Some((_, twice)), _, Err(StoreError::Invalid(InvalidInput::StreamNamedTwice { stream_id }))) => {
                        assert_eq!(stream_id.as_str(), twice)
                    }
                    (Some(_), _, other) => panic!("a stream named twice was not refused: {other:?}"),
                    (None, Some(first), result) => check_repeat(&first, &names, result),
                    (None, None, Ok(appended)) => {
                        assert_eq!(conflict, None, "a multi-append with a wrong expected version succeeded");
                        model.wrote(&appended, &parts);
                    }
                    (None, None, Err(StoreError::Conflict { stream_id, actual, .. })) => {
                        assert_eq!(conflict, Some((stream_id, actual)), "the first wrong stream is the one named");
                    }
                    (None, None, Err(other)) => panic!("unexpected error: {other}"),
                }
            }
            Op::ReadStream { stream: s, from_version, max } => {
                let name = format!("case-{s}");
                let got = t.store().read_stream(&stream(&name), from_version, max).unwrap();
                let want: Vec<String> = model
                    .stream_labels(&name)
                    .into_iter()
                    .skip(usize::try_from(from_version.max(1) - 1).unwrap())
                    .take(max)
                    .collect();
                assert_eq!(labels(&got), want);
            }
            Op::ReadAll { from, max } => {
                let got = t.store().read_all(from, max).unwrap();
                let want: Vec<String> = model
                    .records
                    .iter()
                    .skip(usize::try_from(from.max(1) - 1).unwrap())
                    .take(max)
                    .map(|(_, l)| l.clone())
                    .collect();
                assert_eq!(labels(&got), want);
            }
            Op::Restart => {
                t.restart();
                check_commands(&t, &model);
            }
            Op::Flush => t.store().flush().unwrap(),
        }
        // After every step: the head, every stream's version, and the last command's records.
        assert_eq!(t.store().head().position, u64::try_from(model.records.len()).unwrap());
        for s in 0..4 {
            let name = format!("case-{s}");
            assert_eq!(t.store().stream_version(&stream(&name)).unwrap(), model.version(&name));
        }
        if let Some((command, _, positions)) = model.commands.last() {
            let records = t.store().command_result(*command).unwrap().expect("a written command is found");
            assert_eq!(&records.iter().map(|r| r.position).collect::<Vec<_>>(), positions);
        }
    }
    check_commands(&t, &model);
    let verified = t.store().verify().unwrap();
    assert_eq!(verified.n_appends, u64::try_from(model.commands.len()).unwrap());
}

/// Every command's records, in every stream it wrote to, and every stream's whole contents.
fn check_commands(t: &TestStore, model: &Model) {
    for (command, streams, positions) in &model.commands {
        let records = t.store().command_result(*command).unwrap().expect("a written command is found");
        assert_eq!(&records.iter().map(|r| r.position).collect::<Vec<_>>(), positions);
        let mut written: Vec<String> = records.iter().map(|r| r.stream_id.to_string()).collect();
        written.dedup();
        assert_eq!(&written, streams);
    }
    for s in 0..4 {
        let name = format!("case-{s}");
        assert_eq!(labels(&t.store().read_stream(&stream(&name), 1, usize::MAX).unwrap()), model.stream_labels(&name));
    }
}

proptest! {
    #![proptest_config(proptest_config(48))]

    #[test]
    fn the_log_always_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
