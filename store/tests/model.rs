//! A model-based property test: random appends (right and wrong expected versions, repeated
//! command ids, deferred and durable), reads and restarts, checked after every step against a
//! plain in-memory model of what the log must hold. PROPTEST_CASES raises the case count;
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
    Append { stream: usize, expect: Expect, n_events: usize, repeat: Option<usize>, deferred: bool },
    ReadStream { stream: usize, from_version: u64, max: usize },
    ReadAll { from: u64, max: usize },
    Restart,
    Flush,
}

fn op() -> impl Strategy<Value = Op> {
    let expect = prop_oneof![4 => Just(Expect::Right), 1 => (1u64..3).prop_map(Expect::Wrong), 1 => Just(Expect::NoStream), 1 => Just(Expect::Any)];
    prop_oneof![
        8 => (0usize..4, expect, 1usize..4, proptest::option::weighted(0.15, 0usize..64), proptest::bool::weighted(0.3))
            .prop_map(|(stream, expect, n_events, repeat, deferred)| Op::Append { stream, expect, n_events, repeat, deferred }),
        2 => (0usize..4, 0u64..6, 1usize..8).prop_map(|(stream, from_version, max)| Op::ReadStream { stream, from_version, max }),
        2 => (0u64..40, 1usize..50).prop_map(|(from, max)| Op::ReadAll { from, max }),
        1 => Just(Op::Restart),
        1 => Just(Op::Flush),
    ]
}

/// What the log must hold: each record's stream and label, in position order, and each
/// command's stream and positions.
#[derive(Default)]
struct Model {
    records: Vec<(String, String)>,
    commands: Vec<(Uuid, String, Vec<u64>)>,
}

impl Model {
    fn version(&self, stream: &str) -> u64 {
        u64::try_from(self.records.iter().filter(|(s, _)| s == stream).count()).unwrap()
    }

    fn stream_labels(&self, stream: &str) -> Vec<String> {
        self.records.iter().filter(|(s, _)| s == stream).map(|(_, l)| l.clone()).collect()
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
                let expected = match expect {
                    Expect::Right => ExpectedVersion::Exact(current),
                    Expect::Wrong(offset) => ExpectedVersion::Exact(current + offset),
                    Expect::NoStream => ExpectedVersion::NoStream,
                    Expect::Any => ExpectedVersion::Any,
                };
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
                    (Some((_, first_stream, positions)), Ok(appended)) => {
                        assert_eq!(first_stream, name);
                        assert!(appended.deduplicated);
                        assert_eq!(appended.events.iter().map(|r| r.position).collect::<Vec<_>>(), positions);
                    }
                    (Some((_, first_stream, _)), Err(StoreError::CommandIdReused { .. })) => {
                        assert_ne!(first_stream, name)
                    }
                    (Some(_), Err(other)) => panic!("a repeated command failed: {other}"),
                    (None, result) => {
                        let fits = match expected {
                            ExpectedVersion::Exact(v) => v == current,
                            ExpectedVersion::NoStream => current == 0,
                            ExpectedVersion::Any => true,
                        };
                        match result {
                            Ok(appended) => {
                                assert!(fits, "an append with a wrong expected version succeeded");
                                assert!(!appended.deduplicated);
                                let start = u64::try_from(model.records.len()).unwrap() + 1;
                                let positions: Vec<u64> = appended.events.iter().map(|r| r.position).collect();
                                assert_eq!(
                                    positions,
                                    (start..start + u64::try_from(n_events).unwrap()).collect::<Vec<_>>()
                                );
                                for label in labels {
                                    model.records.push((name.clone(), label));
                                }
                                model.commands.push((appended.events[0].command_id, name.clone(), positions));
                            }
                            Err(StoreError::Conflict { actual, .. }) => {
                                assert!(!fits, "a right expected version conflicted");
                                assert_eq!(actual, current);
                            }
                            Err(other) => panic!("unexpected error: {other}"),
                        }
                    }
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
            Op::Restart => t.restart(),
            Op::Flush => t.store().flush().unwrap(),
        }
        // After every step: the head, every stream's version, and the chain.
        assert_eq!(t.store().head().position, u64::try_from(model.records.len()).unwrap());
        for s in 0..4 {
            let name = format!("case-{s}");
            assert_eq!(t.store().stream_version(&stream(&name)).unwrap(), model.version(&name));
        }
    }
    let verified = t.store().verify().unwrap();
    assert_eq!(verified.n_appends, u64::try_from(model.commands.len()).unwrap());
}

proptest! {
    #![proptest_config(proptest_config(48))]

    #[test]
    fn the_log_always_matches_the_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(ops);
    }
}
