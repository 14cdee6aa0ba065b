//! Parapompi: an event-sourced referral-tracking engine for the Community Centres of Greek
//! municipalities.
//!
//! The [`Engine`] is what embedders link: it opens a data directory (the hash-chained log,
//! the identity vault and the read models' checkpoint, in one sled database), executes
//! commands from [`parapompi_core`] against the log, and answers queries from the read models
//! of [`parapompi_projections`].
//!
//! ```
//! use parapompi::{Acting, CommandMeta, Engine, EngineConfig};
//! use parapompi::core::centre::{CentreAction, CentreCommand};
//! use parapompi::core::values::{CentreId, Date, MunicipalityName, OrganisationName, StaffId, Timestamp};
//! use parapompi::core::Command;
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let engine = Engine::open_temporary(EngineConfig::default())?;
//! let register = Command::Centre(CentreCommand {
//!     centre_id: CentreId::new(uuid::Uuid::new_v4()),
//!     action: CentreAction::Register {
//!         name: OrganisationName::new("Κέντρο Κοινότητας Δήμου Αποκορώνου")?,
//!         host_municipality: MunicipalityName::new("Αποκορώνου")?,
//!         supervising_service: OrganisationName::new("Κοινωνική Υπηρεσία Δήμου Αποκορώνου")?,
//!         first_administrator: StaffId::new(uuid::Uuid::new_v4()),
//!     },
//! });
//! let meta = CommandMeta {
//!     command_id: uuid::Uuid::now_v7(),
//!     acting: Acting::Setup,
//!     occurred_at: Timestamp::from_unix_ms(1_767_261_600_000),
//!     business_date: Date::parse("2026-01-01")?,
//! };
//! let executed = engine.execute(&register, meta)?;
//! assert_eq!(executed.events[0].position, 1);
//! assert!(engine.execute(&register, meta)?.deduplicated);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod access;
pub mod act_form;
mod amka_index;
pub mod backup;
pub mod bundle;
pub mod checkpoint;
pub mod credentials;
pub mod demo;
mod deployment_key;
pub mod documents;
mod engine;
mod error;
pub mod fault_points;
mod finding;
mod identity_patch;
pub mod instant;
mod narrative;
mod person_keys;
pub mod progress;
mod projector;
mod records;
pub mod references;
pub mod signing_key;
mod vault;
pub mod witness;

pub use access::{
    AccessRecord, CaseTextsRead, IdentityRead, ShownText, SubjectAccess, SubjectAccessExport, SubjectCase,
    SubjectEntry, SubjectReferral, TextWords,
};
pub use deployment_key::{deployment_key_path, DeploymentKeySource, HexKey};
pub use engine::key_rotation::{NewDeploymentKey, Rotated};
pub use engine::{Acting, CommandMeta, Engine, EngineConfig, Executed};
pub use error::{EngineError, KeyError, KeyFileAction, KeyFileProblem};
pub use finding::{BeneficiarySearch, Found, FoundBeneficiary, NamesRead, MAX_FOUND, MAX_NAMES};
pub use identity_patch::IdentityPatch;
pub use parapompi_core as core;
pub use parapompi_projections as projections;
pub use parapompi_store as store;
pub use person_keys::person_keys_path;
pub use progress::{Progress, Work};
pub use projector::AsOf;
pub use records::{decode, entity_id, fold_stream};
/// The UUID crate the public API takes ids and command ids from, so that an embedder needs
/// no dependency of its own to name them.
pub use uuid;
pub use vault::VaultEntry;
