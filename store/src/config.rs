//! How a store is opened: its limits, its clock and its tuning.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use crate::error::{InvalidInput, StoreError};
use crate::record::Timestamp;

/// The source of recorded-at times. The store reads it once per group commit.
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told to: for tests and deterministic demos.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock { now_ms: AtomicI64::new(start.unix_ms()) }
    }

    /// Moves the clock to `instant`.
    pub fn set(&self, instant: Timestamp) {
        self.now_ms.store(instant.unix_ms(), Ordering::SeqCst);
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.now_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_unix_ms(self.now_ms.load(Ordering::SeqCst))
    }
}

/// The bounds the store enforces. Each one hit is a clear [`InvalidInput`] error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest payload of one event, in bytes.
    pub max_payload_bytes: usize,
    /// The most events in one append.
    pub max_events_per_append: usize,
    /// The most payload bytes in one append.
    pub max_append_bytes: usize,
    /// The most events the writer commits in one group (one write of its chunks, one sync).
    pub max_events_per_group: usize,
    /// The most records a subscription buffers for a consumer that has not taken them.
    pub subscription_buffer: usize,
    /// The most stream versions the writer keeps in memory before it forgets them.
    pub max_cached_streams: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_payload_bytes: 64 * 1024,
            max_events_per_append: 4096,
            max_append_bytes: 8 * 1024 * 1024,
            max_events_per_group: 16 * 1024,
            subscription_buffer: 1024,
            max_cached_streams: 1 << 20,
        }
    }
}

/// Everything a store is opened with.
#[derive(Clone)]
pub struct StoreConfig {
    /// The bounds the store enforces.
    pub limits: Limits,
    /// Where recorded-at times come from.
    pub clock: Arc<dyn Clock>,
    /// The target size of a chunk of records under one key, in bytes.
    pub chunk_target_bytes: usize,
    /// sled's page cache, in bytes.
    pub cache_capacity_bytes: u64,
    /// sled's log segment size, in bytes (a power of two). sled writes any page larger than a
    /// quarter of a segment as a blob file of its own, and a leaf page holds up to 17 keys;
    /// segments large enough to keep a leaf of full chunks inline avoid those blob files.
    pub segment_bytes: usize,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            limits: Limits::default(),
            clock: Arc::new(SystemClock),
            chunk_target_bytes: 32 * 1024,
            cache_capacity_bytes: 256 * 1024 * 1024,
            segment_bytes: 4 * 1024 * 1024,
        }
    }
}

impl std::fmt::Debug for StoreConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("limits", &self.limits)
            .field("chunk_target_bytes", &self.chunk_target_bytes)
            .field("cache_capacity_bytes", &self.cache_capacity_bytes)
            .field("segment_bytes", &self.segment_bytes)
            .finish_non_exhaustive()
    }
}

/// sled turns a value larger than a quarter of its 512 KiB segment into a blob file; chunks
/// and single records stay under this so that every record lives in sled's main file.
pub(crate) const LARGEST_CHUNK_BYTES: usize = 96 * 1024;

impl StoreConfig {
    /// A configuration with the given clock and defaults elsewhere.
    pub fn with_clock(clock: Arc<dyn Clock>) -> StoreConfig {
        StoreConfig { clock, ..StoreConfig::default() }
    }

    pub(crate) fn check(&self) -> Result<(), StoreError> {
        let limits = &self.limits;
        let problem = if limits.max_payload_bytes == 0 || limits.max_payload_bytes + 1024 > LARGEST_CHUNK_BYTES {
            Some(format!("max_payload_bytes must be between 1 and {}", LARGEST_CHUNK_BYTES - 1024))
        } else if self.chunk_target_bytes == 0 || self.chunk_target_bytes > LARGEST_CHUNK_BYTES / 2 {
            Some(format!("chunk_target_bytes must be between 1 and {}", LARGEST_CHUNK_BYTES / 2))
        } else if limits.max_events_per_append == 0 || limits.max_events_per_group < limits.max_events_per_append {
            Some("max_events_per_append must be at least 1 and at most max_events_per_group".to_owned())
        } else if limits.subscription_buffer == 0 {
            Some("subscription_buffer must be at least 1".to_owned())
        } else {
            None
        };
        match problem {
            Some(text) => Err(StoreError::Invalid(InvalidInput::Config(text))),
            None => Ok(()),
        }
    }
}
