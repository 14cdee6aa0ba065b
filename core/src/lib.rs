//! `parapompi-core`: the pure domain of Parapompi.
//!
//! Commands (imperative) and events (past tense) for centres, staff, agencies, beneficiaries
//! and cases with their referrals; `decide` and `evolve` for each stream; the validated value
//! types; the identity record and its digest rule; the persisted event contract.
//!
//! This crate does no IO, reads no clock and draws no random numbers: ids, times and the
//! facts of other streams come in with the command and its [`Context`].
//!
//! Code map:
//! - [`values`], [`vocab`], [`limits`]: what a valid value is.
//! - [`identity`]: the identity record that never enters the log, and its salted digest.
//! - [`text`]: free text as events hold it: a vault reference and a salted digest.
//! - [`context`], [`policy`]: who acts, when, with which facts; who may do what.
//! - [`credential`]: staff credentials as domain facts (never their secrets), and the rule
//!   of who a credential lets act.
//! - [`centre`], [`staff`], [`agency`], [`beneficiary`], [`case`]: one module per stream,
//!   each an [`Aggregate`].
//! - [`event`]: the routing enums [`Command`], [`Event`], [`State`], the function
//!   [`decide`], and the payload contract with upcasting.
//! - [`folding`]: typed text compared with recorded text (case, accents, Greek and Latin).
//! - [`reference`](mod@reference): short references of cases and referrals (`ΓΡΕ-2024-0042/2`), for people.
//! - [`rejection`]: every rule, one variant each.
//!
//! How the Engine drives it, here for registering a centre:
//!
//! ```
//! use parapompi_core::centre::{CentreAction, CentreCommand};
//! use parapompi_core::values::{CentreId, Date, MunicipalityName, OrganisationName, StaffId, Timestamp};
//! use parapompi_core::{decide, Actor, Command, Context, Event, Facts, State};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let command = Command::Centre(CentreCommand {
//!     centre_id: CentreId::new(uuid::Uuid::from_u128(1)),
//!     action: CentreAction::Register {
//!         name: OrganisationName::new("Κέντρο Κοινότητας Αποκορώνου")?,
//!         host_municipality: MunicipalityName::new("Αποκορώνου")?,
//!         supervising_service: OrganisationName::new("Κοινωνική Υπηρεσία")?,
//!         first_administrator: StaffId::new(uuid::Uuid::from_u128(2)),
//!     },
//! });
//! // Load and fold the target stream (here: empty), gather the facts it needs.
//! let recorded: Vec<Event> = Vec::new();
//! let state = State::fold(command.stream_kind(), &recorded);
//! assert_eq!(command.required_facts(&state), Default::default());
//! let ctx = Context {
//!     actor: Actor::Setup,
//!     occurred_at: Timestamp::from_unix_ms(1_677_657_600_000),
//!     now: Timestamp::from_unix_ms(1_677_657_600_000),
//!     today: Date::parse("2023-03-01")?,
//!     facts: Facts::default(),
//! };
//! let events = decide(&state, &command, &ctx)?;
//! assert_eq!(events[0].event_type(), "CentreRegistered");
//! assert_eq!(command.stream_id(), "centre-00000000-0000-0000-0000-000000000001");
//! let stored = (events[0].event_type(), events[0].schema_version(), events[0].to_payload());
//! assert_eq!(Event::from_payload(stored.0, stored.1, stored.2)?, events[0]);
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod agency;
pub mod beneficiary;
pub mod case;
pub mod centre;
pub mod context;
pub mod credential;
pub mod esf;
pub mod event;
pub mod folding;
pub mod identity;
pub mod limits;
pub mod municipality;
pub mod policy;
pub mod reference;
pub mod rejection;
pub mod rejection_arguments;
pub mod staff;
pub mod stream;
pub mod text;
pub mod values;
pub mod vocab;

pub use context::{
    Actor, AgencyFacts, AmkaHolder, BeneficiaryFacts, CaseFacts, CentreFacts, Context, EnteredOperations, Facts,
    FactsNeeded, StaffFacts,
};
pub use event::{
    all_event_types, current_schema_version, decide, texts_sealed_since, Command, DecodeError, Event, State,
};
pub use rejection::Rejection;
pub use stream::{Aggregate, StreamKind};
pub use text::{SealedText, Text, TextDigest};
pub use values::ValidationError;
