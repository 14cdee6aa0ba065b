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
//! - [`context`], [`policy`]: who acts, when, with which facts; who may do what.
//! - [`centre`], [`staff`], [`agency`], [`beneficiary`], [`case`]: one module per stream,
//!   each an [`Aggregate`].
//! - [`event`]: the routing enums [`Command`], [`Event`], [`State`], the function
//!   [`decide`], and the payload contract with upcasting.
//! - [`rejection`]: every rule, one variant each.
#![deny(missing_docs)]

pub mod agency;
pub mod beneficiary;
pub mod case;
pub mod centre;
pub mod context;
pub mod event;
pub mod identity;
pub mod limits;
pub mod policy;
pub mod rejection;
pub mod staff;
pub mod stream;
pub mod values;
pub mod vocab;

pub use context::{Actor, AgencyFacts, BeneficiaryFacts, CentreFacts, Context, Facts, FactsNeeded, StaffFacts};
pub use event::{all_event_types, current_schema_version, decide, Command, DecodeError, Event, State};
pub use rejection::Rejection;
pub use stream::{Aggregate, StreamKind};
pub use values::ValidationError;
