//! Keeping the read models: restored from a checkpoint on open, caught up with the log in
//! position order, saved again every so often, rebuilt on request, and folded "as of" any
//! point of the log. Whatever the path, the same prefix of the log gives the same models.

use parapompi_projections::{Projections, Recorded};
use parapompi_store::{Store, Timestamp};

use crate::error::EngineError;
use crate::records::decode;

/// The sled tree that holds the read models' checkpoint.
const CHECKPOINT_TREE: &str = "checkpoints";
const CHECKPOINT_KEY: &[u8] = b"projections";

/// A point of the log to compute the read models at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AsOf {
    /// Up to and including this position.
    Position(u64),
    /// Every record committed at or before this instant (recorded-at never decreases along
    /// the log, so this is a prefix of it).
    RecordedAt(Timestamp),
}

/// The read models in memory, with their checkpoint.
pub(crate) struct Projector {
    projections: Projections,
    checkpoint_position: u64,
    checkpoint_every_events: u64,
    tree: sled::Tree,
}

impl Projector {
    /// Starts from the saved checkpoint when it still matches the log, else from nothing.
    pub(crate) fn restore(store: &Store, checkpoint_every_events: u64) -> Result<Projector, EngineError> {
        let tree = store.auxiliary_tree(CHECKPOINT_TREE)?;
        let saved = tree.get(CHECKPOINT_KEY).map_err(|e| {
            EngineError::Store(parapompi_store::StoreError::Io {
                context: "reading the read models' checkpoint",
                source: std::io::Error::other(e.to_string()),
            })
        })?;
        let projections = saved
            .and_then(|bytes| Projections::from_checkpoint(&bytes).ok())
            .filter(|projections| matches_log(store, projections))
            .unwrap_or_default();
        let checkpoint_position = projections.position();
        Ok(Projector { projections, checkpoint_position, checkpoint_every_events, tree })
    }

    pub(crate) fn projections(&self) -> &Projections {
        &self.projections
    }

    /// Folds every record after the models' position up to the log's head.
    pub(crate) fn catch_up(&mut self, store: &Store) -> Result<(), EngineError> {
        let head = store.head().position;
        if self.projections.position() >= head {
            return Ok(());
        }
        for record in store.iter_from(self.projections.position() + 1) {
            self.projections.apply(&decode(&record?)?);
        }
        self.save_if_due()
    }

    /// Folds records just appended: directly when they follow the models' position, else
    /// (another append came between) by catching up from the log, which keeps the order.
    pub(crate) fn apply_appended(&mut self, store: &Store, recorded: &[Recorded]) -> Result<(), EngineError> {
        match recorded.first() {
            Some(first) if first.position == self.projections.position() + 1 => {
                self.projections.apply_all(recorded);
                self.save_if_due()
            }
            _ => self.catch_up(store),
        }
    }

    /// Folds the whole log afresh and saves a checkpoint.
    pub(crate) fn rebuild(&mut self, store: &Store, report: crate::progress::Report<'_>) -> Result<u64, EngineError> {
        let mut counter =
            crate::progress::Counter::new(report, crate::progress::Work::Folding, Some(store.head().position));
        let mut projections = Projections::new();
        for record in store.iter_range(1, u64::MAX) {
            projections.apply(&decode(&record?)?);
            counter.tick();
        }
        counter.finish();
        self.projections = projections;
        self.save()?;
        Ok(self.projections.position())
    }

    fn save_if_due(&mut self) -> Result<(), EngineError> {
        if self.projections.position() >= self.checkpoint_position + self.checkpoint_every_events {
            self.save()?;
        }
        Ok(())
    }

    /// Saves the models' state. A checkpoint is a cache of a fold of the log: losing one
    /// costs a longer catch-up, never a wrong answer, so it is written without a sync.
    pub(crate) fn save(&mut self) -> Result<(), EngineError> {
        self.tree.insert(CHECKPOINT_KEY, self.projections.to_checkpoint()).map_err(|e| {
            EngineError::Store(parapompi_store::StoreError::Io {
                context: "writing the read models' checkpoint",
                source: std::io::Error::other(e.to_string()),
            })
        })?;
        self.checkpoint_position = self.projections.position();
        Ok(())
    }
}

/// True when the checkpoint's position is in the log with the same hash there.
fn matches_log(store: &Store, projections: &Projections) -> bool {
    let position = projections.position();
    if position == 0 {
        return true;
    }
    if position > store.head().position {
        return false;
    }
    store
        .read_positions(&[position])
        .ok()
        .and_then(|records| records.first().map(|record| record.hash.to_hex() == projections.head_hash()))
        .unwrap_or(false)
}

/// Folds the log from its first record up to `as_of`.
pub(crate) fn fold_as_of(store: &Store, as_of: AsOf) -> Result<Projections, EngineError> {
    let mut projections = Projections::new();
    let last = match as_of {
        AsOf::Position(position) => position,
        AsOf::RecordedAt(_) => u64::MAX,
    };
    for record in store.iter_range(1, last) {
        let record = record?;
        if let AsOf::RecordedAt(instant) = as_of {
            if record.recorded_at > instant {
                break;
            }
        }
        projections.apply(&decode(&record)?);
    }
    Ok(projections)
}
