//! The append-only, hash-chained event log of Parapompi, kept in sled.
//!
//! The store knows nothing of referrals: it keeps typed, versioned JSON payloads with their
//! metadata in streams, gives each record a gapless global position, chains the records with
//! SHA-256, and promises that an acknowledged append is whole and on disk. An append goes to
//! one stream ([`Store::append`]) or, for one act that touches several, to all of them at
//! once, all or nothing ([`Store::append_multi`]). `FORMAT.md` beside this crate documents the
//! record's canonical bytes and the chain rule for evaluators.
//!
//! ```
//! use parapompi_store::*;
//! let store = Store::open_temporary(StoreConfig::default())?;
//! let stream_id = StreamId::new("case-1")?;
//! let appended = store.append(Append {
//!     stream_id: stream_id.clone(),
//!     expected: ExpectedVersion::NoStream,
//!     command_id: uuid::Uuid::new_v4(),
//!     events: vec![NewEvent {
//!         event_id: uuid::Uuid::new_v4(),
//!         event_type: EventType::new("CaseOpened")?,
//!         schema_version: 1,
//!         occurred_at: Timestamp::from_unix_ms(0),
//!         actor: Actor::new("staff-1")?,
//!         payload: Payload::from_json(r#"{"channel":"walk_in"}"#)?,
//!     }],
//!     durability: Durability::Durable,
//! })?;
//! assert_eq!(appended.last_position(), 1);
//! assert_eq!(store.read_stream(&stream_id, 1, 100)?.len(), 1);
//! store.verify()?;
//! # Ok::<(), StoreError>(())
//! ```
#![deny(missing_docs)]

mod block_reader;
mod canonical;
mod config;
mod durability;
mod error;
mod export_line;
mod export_reader;
mod frame_check;
mod frames;
mod import;
mod index;
mod jsonl;
mod known_streams;
mod layout;
mod log_rules;
mod log_tree;
mod payload_check;
mod pending_index;
mod record;
mod recovery;
mod store;
mod stream_versions;
mod subscribe;
mod verify;
mod writer;

pub use block_reader::{ReadOptions, RecordAt, ScannedRecord};
pub use canonical::{canonical_bytes, chain_hash, CANONICAL_FORMAT_VERSION};
pub use config::{Clock, Limits, ManualClock, StoreConfig, SystemClock};
pub use error::{InvalidInput, Problem, Result, StoreError};
pub use export_line::LineScanner;
pub use export_reader::{read_export_lines, MAX_EXPORT_LINE_BYTES};
pub use frame_check::{check_record_frames, BadRecord};
pub use frames::{read_record_frames, split_frames, FrameWriter, MAX_FRAME_RECORD_BYTES};
pub use jsonl::{ExportLine, Exported, Imported};
pub use log_rules::LogRules;
pub use log_tree::{LogIter, WriterMetrics};
pub use record::{
    Actor, Append, Appended, Durability, EventType, ExpectedVersion, Hash, Head, MultiAppend, NewEvent, Payload,
    RecordedEvent, StreamEvents, StreamId, Timestamp, MAX_ACTOR_BYTES, MAX_EVENT_TYPE_BYTES, MAX_STREAM_ID_BYTES,
};
pub use store::Store;
pub use subscribe::Subscription;
pub use verify::{ChainChecker, Verified};
