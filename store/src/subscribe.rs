//! Subscriptions: the log from a position, then live commits, as a tokio stream.
//!
//! Each subscription has a feeder thread. It listens to the writer's broadcast of committed
//! groups *before* it reads the log, so that every commit is either in what it reads or in
//! what it hears; positions tell the two apart, so nothing is sent twice. When the feeder
//! falls behind the broadcast (the writer never waits for it), it goes back to the log.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::{broadcast, mpsc};
use tokio_stream::Stream;

use crate::error::StoreError;
use crate::log_tree::{LogIter, LogTree};
use crate::record::RecordedEvent;

/// A live stream of records, in log order, from a chosen position. It ends when the store
/// closes, or after the first error, which it yields.
pub struct Subscription {
    records: mpsc::Receiver<Result<RecordedEvent, StoreError>>,
}

impl Subscription {
    pub(crate) fn start(
        log: Arc<LogTree>,
        live: &broadcast::Sender<Arc<[RecordedEvent]>>,
        from_position: u64,
        buffer: usize,
    ) -> Result<Subscription, StoreError> {
        let heard = live.subscribe();
        let (sender, records) = mpsc::channel(buffer);
        std::thread::Builder::new()
            .name("parapompi-subscription".to_owned())
            .spawn(move || feed(&log, heard, from_position.max(1), &sender))
            .map_err(|e| StoreError::io("starting a subscription thread", e))?;
        Ok(Subscription { records })
    }

    /// The next record, waiting for one to be committed; `None` once the store has closed.
    pub async fn next(&mut self) -> Option<Result<RecordedEvent, StoreError>> {
        self.records.recv().await
    }

    /// The next record without waiting, for code outside an async runtime.
    pub fn blocking_next(&mut self) -> Option<Result<RecordedEvent, StoreError>> {
        self.records.blocking_recv()
    }
}

impl Stream for Subscription {
    type Item = Result<RecordedEvent, StoreError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.records.poll_recv(cx)
    }
}

/// What the feeder does next.
enum Next {
    CatchUp,
    Stop,
}

fn feed(
    log: &Arc<LogTree>,
    mut heard: broadcast::Receiver<Arc<[RecordedEvent]>>,
    from_position: u64,
    sender: &mpsc::Sender<Result<RecordedEvent, StoreError>>,
) {
    let mut next = from_position;
    loop {
        // Catch up from the log to the head as it stands now.
        for record in LogIter::new(Arc::clone(log), next, log.head().position) {
            match record {
                Ok(record) => {
                    next = record.position + 1;
                    if sender.blocking_send(Ok(record)).is_err() {
                        return;
                    }
                }
                Err(error) => {
                    let _ = sender.blocking_send(Err(error));
                    return;
                }
            }
        }
        // Follow live commits until one leaves a gap or the broadcast runs ahead of us.
        let after_live = loop {
            match heard.blocking_recv() {
                Ok(group) => {
                    if group.first().is_some_and(|first| first.position > next) {
                        break Next::CatchUp;
                    }
                    let unseen_from = next;
                    for record in group.iter().filter(|record| record.position >= unseen_from) {
                        next = record.position + 1;
                        if sender.blocking_send(Ok(record.clone())).is_err() {
                            return;
                        }
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => break Next::CatchUp,
                Err(broadcast::error::RecvError::Closed) => break Next::Stop,
            }
        };
        match after_live {
            Next::CatchUp => continue,
            Next::Stop => {
                // The writer has stopped: send what it committed last, then end.
                for record in LogIter::new(Arc::clone(log), next, log.head().position) {
                    if sender.blocking_send(record).is_err() {
                        return;
                    }
                }
                return;
            }
        }
    }
}
