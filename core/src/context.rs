//! What a decision may read besides the stream's own state: who acts, when, and facts from
//! other streams. The Engine fills a [`Context`]; core only reads it.
//!
//! Facts are snapshots of other streams' states. Build them with the `from_state`
//! constructors (for instance [`CentreFacts::from_state`]) after folding those streams, and
//! ask [`crate::Command::required_facts`] which ones a command needs.

use std::collections::BTreeSet;

use crate::centre::FundingProgramme;
use crate::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ProgrammeCode, StaffId, Timestamp};
use crate::vocab::{AgencyKind, Attributes, NeedDomain, Role, SharingConsent};

/// Everything a decision may read besides the stream's own state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// Who issues the command.
    pub actor: Actor,
    /// The business time of the command, as the caller states it. Core does not put it in
    /// event payloads: the Engine records it in each record's metadata.
    pub occurred_at: Timestamp,
    /// The engine's clock when the command arrived (what the log records as `recorded_at`):
    /// an act dated after it, beyond [`crate::limits::MAX_CLOCK_SKEW_MS`], is refused.
    pub now: Timestamp,
    /// Today's business date (local to the centre), which dated events record.
    pub today: Date,
    /// Facts from other streams, as [`FactsNeeded`] asked.
    pub facts: Facts,
}

/// Who issues a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A staff member, with the facts of their own stream.
    Staff(StaffFacts),
    /// An evaluator of the national monitoring mechanism: reads, never writes.
    Evaluator,
    /// The bootstrap set-up actor: may only register a centre and that centre's first
    /// administrator (the one named at registration).
    Setup,
    /// The server's authenticator: records failed logins to an account, and nothing else.
    Authenticator,
}

/// A staff member as a fact: their centre, roles and whether they are active.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFacts {
    /// The staff member.
    pub staff_id: StaffId,
    /// Their centre (its antennas included).
    pub centre_id: CentreId,
    /// Their roles.
    pub roles: BTreeSet<Role>,
    /// False once deactivated.
    pub active: bool,
}

impl StaffFacts {
    /// Whether the staff member holds any of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.roles.contains(r))
    }
}

/// A centre as a fact: its open antennas and its first administrator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreFacts {
    /// The centre.
    pub centre_id: CentreId,
    /// Antennas currently open.
    pub open_antennas: BTreeSet<AntennaId>,
    /// The administrator named when the centre was registered.
    pub first_administrator: StaffId,
    /// The business date of its registration (`None` for a centre registered before the
    /// event recorded it).
    pub registered_on: Option<Date>,
    /// Its funding programmes: an intake within one's period enters the person into that
    /// operation ([`crate::esf`]).
    pub programmes: Vec<FundingProgramme>,
}

/// An agency as a fact: kind, active flag and the need domains it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyFacts {
    /// The agency.
    pub agency_id: AgencyId,
    /// Its kind, which referral events record for the indicators.
    pub kind: AgencyKind,
    /// False while deactivated.
    pub active: bool,
    /// The need domains it serves.
    pub need_domains: BTreeSet<NeedDomain>,
}

/// A beneficiary as a fact: that they are registered, where and when, whether their
/// identity was erased, and their sharing consents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeneficiaryFacts {
    /// The beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The centre that registered them: only its staff act on them.
    pub centre_id: CentreId,
    /// The business date of their registration.
    pub registered_on: Date,
    /// True once their identity was erased: they are not processed again.
    pub identity_erased: bool,
    /// Every sharing consent ever recorded, withdrawn ones included.
    pub consents: Vec<SharingConsent>,
    /// Their current attributes: an intake takes the situation at entry from them.
    pub attributes: Attributes,
}

/// A case as a fact: whose it is, where, and who holds it (for reading its texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The case.
    pub case_id: CaseId,
    /// Its beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The centre that holds it.
    pub centre_id: CentreId,
    /// Its assignee, if assigned.
    pub assignee: Option<StaffId>,
}

/// The facts supplied with a command. A fact a command needs but that is missing (or is
/// about another id) is rejected as [`crate::Rejection::MissingFact`]; for a command that
/// names a stream that does not exist, the Engine leaves the fact out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// The centre named by the command (intake, staff registration).
    pub centre: Option<CentreFacts>,
    /// The agency named by the command or by the referral it acts on.
    pub agency: Option<AgencyFacts>,
    /// The beneficiary of the case.
    pub beneficiary: Option<BeneficiaryFacts>,
    /// Another staff member the command names (the assignee).
    pub staff: Option<StaffFacts>,
    /// The case the command names (a read of its texts).
    pub case: Option<CaseFacts>,
    /// The active administrators of the centre [`FactsNeeded::administrators_of`] names.
    pub active_administrators: Option<ActiveAdministrators>,
    /// Who at the centre [`FactsNeeded::amka_holder_at`] names already holds the AMKA of
    /// the identity the command carries.
    pub amka_holder: Option<AmkaHolder>,
    /// The deployment's first-registered centre (the centre of the log's first
    /// `CentreRegistered`), when [`FactsNeeded::first_centre`] asks: its administrators
    /// administer the deployment as a whole (backups).
    pub first_centre: Option<CentreId>,
    /// The ESF+ operations of a centre that the beneficiary [`FactsNeeded::entered_operations_of`]
    /// names has already entered there.
    pub entered_operations: Option<EnteredOperations>,
}

/// The ESF+ operations (funding programmes) of a centre a person has entered, as a fact:
/// the programmes of every case of theirs there that recorded a `ParticipantEntered` or a
/// `ParticipantReturned`. An intake asks it so that a person's situation at entry is taken
/// once per operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnteredOperations {
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// The centre.
    pub centre_id: CentreId,
    /// The codes of the programmes entered.
    pub programmes: BTreeSet<ProgrammeCode>,
}

/// Who at a centre holds an AMKA, as a fact: the Engine finds it through its keyed index
/// (core never sees the index, and the AMKA never enters the log).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmkaHolder {
    /// The centre.
    pub centre_id: CentreId,
    /// The beneficiary registered there with that AMKA, if any.
    pub holder: Option<BeneficiaryId>,
}

/// The active administrators of a centre, as a fact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAdministrators {
    /// The centre.
    pub centre_id: CentreId,
    /// Its active staff members holding the administrator role.
    pub staff_ids: BTreeSet<StaffId>,
}

/// Which other streams the Engine must fold to build the [`Facts`] of a command. The
/// actor's own staff stream is always needed for a staff actor and is not listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactsNeeded {
    /// Fold this centre's stream into [`Facts::centre`].
    pub centre: Option<CentreId>,
    /// Fold this agency's stream into [`Facts::agency`].
    pub agency: Option<AgencyId>,
    /// Fold this beneficiary's stream into [`Facts::beneficiary`].
    pub beneficiary: Option<BeneficiaryId>,
    /// Fold this staff member's stream into [`Facts::staff`].
    pub staff: Option<StaffId>,
    /// Fold this case's stream into [`Facts::case`].
    pub case: Option<CaseId>,
    /// Find this centre's active administrators for [`Facts::active_administrators`].
    pub administrators_of: Option<CentreId>,
    /// Find who at this centre holds the AMKA of the command's identity, for
    /// [`Facts::amka_holder`].
    pub amka_holder_at: Option<CentreId>,
    /// Find the deployment's first-registered centre for [`Facts::first_centre`].
    pub first_centre: bool,
    /// Find the operations of this centre this person has entered, for
    /// [`Facts::entered_operations`].
    pub entered_operations_of: Option<(BeneficiaryId, CentreId)>,
}
