//! Many writers at once: one winner per version, nothing lost or doubled, positions gapless;
//! and subscriptions that hand over from the log to live commits without a gap.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use common::*;
use parapompi_store::*;
use tokio_stream::StreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writers_on_one_stream_each_win_exactly_one_version() {
    let store = Arc::new(Store::open_temporary(StoreConfig::default()).unwrap());
    let a = stream("case-shared");
    let n_tasks = 16;
    let target_version = 40u64;
    let mut tasks = Vec::new();
    for task in 0..n_tasks {
        let store = Arc::clone(&store);
        let a = a.clone();
        tasks.push(tokio::spawn(async move {
            let mut won = Vec::new();
            let mut n_conflicts = 0u64;
            loop {
                let current = store.stream_version(&a).unwrap();
                if current >= target_version {
                    return (won, n_conflicts);
                }
                let label = format!("t{task}-v{}", current + 1);
                match store.append_async(append(&a, ExpectedVersion::Exact(current), &[&label])).await {
                    Ok(appended) => won.push(appended.last_version()),
                    Err(StoreError::Conflict { actual, .. }) => {
                        assert!(actual > current, "a conflict reports a newer version");
                        n_conflicts += 1;
                    }
                    Err(other) => panic!("unexpected error: {other}"),
                }
            }
        }));
    }
    let mut all_won = Vec::new();
    for task in tasks {
        let (won, _) = task.await.unwrap();
        all_won.extend(won);
    }
    all_won.sort_unstable();
    assert_eq!(all_won, (1..=target_version).collect::<Vec<_>>(), "each version won exactly once");
    let records: Vec<RecordedEvent> = store.iter_from(1).collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), usize::try_from(target_version).unwrap());
    let versions: Vec<u64> = records.iter().map(|r| r.stream_version).collect();
    assert_eq!(versions, (1..=target_version).collect::<Vec<_>>());
    let event_ids: HashSet<_> = records.iter().map(|r| r.event_id).collect();
    assert_eq!(event_ids.len(), records.len(), "no event written twice");
    store.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_durable_appends_to_distinct_streams_share_group_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), StoreConfig::default()).unwrap());
    let mut tasks = Vec::new();
    for task in 0..16 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let s = stream(&format!("case-{task}"));
            for version in 0..20u64 {
                store.append_async(append(&s, ExpectedVersion::Exact(version), &["x"])).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(store.head().position, 320);
    let metrics = store.writer_metrics();
    assert!(metrics.n_syncs < 320, "appends waiting together share a sync: {metrics:?}");
    let verified = store.verify().unwrap();
    assert_eq!((verified.n_streams, verified.n_appends), (16, 320));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_catches_up_then_follows_live_appends_without_gap_or_repeat() {
    let store = Arc::new(Store::open_temporary(StoreConfig::default()).unwrap());
    let a = stream("case-a");
    for version in 0..50u64 {
        store.append(append(&a, ExpectedVersion::Exact(version), &["before"])).unwrap();
    }
    let mut subscription = store.subscribe(10).unwrap();
    let writer = {
        let store = Arc::clone(&store);
        let a = a.clone();
        tokio::spawn(async move {
            for version in 50..300u64 {
                store.append_async(append(&a, ExpectedVersion::Exact(version), &["live"])).await.unwrap();
            }
        })
    };
    let mut positions = Vec::new();
    while positions.len() < 291 {
        let record = tokio::time::timeout(std::time::Duration::from_secs(30), subscription.next())
            .await
            .expect("records keep coming")
            .expect("the subscription is open")
            .unwrap();
        positions.push(record.position);
    }
    writer.await.unwrap();
    assert_eq!(positions, (10..=300).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_never_blocks_writers_and_still_sees_everything() {
    let mut config = StoreConfig::default();
    config.limits.subscription_buffer = 2;
    let store = Arc::new(Store::open_temporary(config).unwrap());
    let mut subscription = store.subscribe(1).unwrap();
    // Far more groups than the live broadcast holds, while nobody reads the subscription.
    for i in 0..1_000u64 {
        store.append_async(append(&stream(&format!("case-{i}")), ExpectedVersion::NoStream, &["x"])).await.unwrap();
    }
    let mut positions = Vec::new();
    while let Some(record) = subscription.next().await {
        positions.push(record.unwrap().position);
        if positions.len() == 1_000 {
            break;
        }
    }
    assert_eq!(positions, (1..=1_000).collect::<Vec<u64>>());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_is_a_tokio_stream_that_ends_when_the_store_closes() {
    let store = Store::open_temporary(StoreConfig::default()).unwrap();
    store.append(append(&stream("case-a"), ExpectedVersion::NoStream, &["a1", "a2"])).unwrap();
    let subscription = store.subscribe(1).unwrap();
    store.close().unwrap();
    let records: Vec<RecordedEvent> = subscription.map(|r| r.unwrap()).collect().await;
    assert_eq!(labels(&records), vec!["a1", "a2"]);
}

#[test]
fn a_writer_reads_its_own_appends_at_once_across_many_moves_of_the_index_queue() {
    // The index thread moves entries from its queue to the tree in batches while reads go on;
    // a read must never miss an entry caught between the two (reads look at the queue before
    // the tree for that reason). Each append is read back at once, through every index read,
    // thousands of times over several batch moves. The race it guards against is narrow: the
    // engine benchmark's million-event load is what found it.
    let t = TestStore::new();
    let streams: Vec<StreamId> = (0..3).map(|i| stream(&format!("case-{i}"))).collect();
    let mut versions = [0u64; 3];
    for round in 0..3_000usize {
        let i = round % 3;
        let mut next = append(&streams[i], ExpectedVersion::Exact(versions[i]), &["x"]);
        next.durability = Durability::Deferred;
        let written = t.store().append(next.clone()).unwrap();
        versions[i] += 1;
        assert_eq!(t.store().stream_version(&streams[i]).unwrap(), versions[i], "round {round}");
        let read = t.store().read_stream(&streams[i], versions[i].saturating_sub(2).max(1), 10).unwrap();
        assert_eq!(read.last().map(|r| r.stream_version), Some(versions[i]), "round {round}");
        assert_eq!(t.store().command_result(next.command_id).unwrap(), Some(written.events), "round {round}");
        if round % 97 == 0 {
            assert_eq!(t.store().stream_ids("case-").unwrap().len(), (round + 1).min(3), "round {round}");
        }
    }
    t.store().flush().unwrap();
}
