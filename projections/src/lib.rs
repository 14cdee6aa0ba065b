//! `parapompi-projections`: the read models of Parapompi as pure, deterministic folds over
//! recorded events.
//!
//! The Engine hands every committed record to [`Projections::apply`] in position order.
//! Projections never write to the log, never read the clock and do no IO: the same records
//! give the same projections, whether folded in one go, caught up from a checkpoint
//! ([`Projections::to_checkpoint`], [`Projections::from_checkpoint`]) or replayed up to a
//! position. Every output is ordered by keys (no hash-map iteration order anywhere).
//!
//! Read models and their queries:
//! - caseload ([`Projections::caseload`]): open cases per staff member, centre or antenna,
//!   with their open referrals and next due follow-up;
//! - referral board ([`Projections::board`]): referrals by status and agency, overdue
//!   follow-ups as of a date (see [`is_overdue`]);
//! - case file ([`Projections::case_file_positions`], then [`case_file`]) and audit trail
//!   ([`Projections::audit_positions`], then [`audit_trail`]): the projection keeps an index
//!   from entity to log positions, the Engine reads those records back from the log;
//! - indicators ([`Projections::indicators`]): an evaluator's report whose definitions are
//!   documented on [`IndicatorReport`] and versioned by [`DEFINITIONS_VERSION`].
//!
//! Dates: every "in a period" and "as of a date" is by business date ([`business_date`]).
#![deny(missing_docs)]

mod audit;
mod board;
mod caseload;
mod checkpoint;
mod dates;
pub mod esf;
mod indicators;
mod references;
mod state;

use std::collections::BTreeMap;

use parapompi_core::agency::AgencyEvent;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::case::CaseEvent;
use parapompi_core::centre::CentreEvent;
use parapompi_core::values::{BeneficiaryId, CaseId, Date, ReferralId, StaffId, Timestamp};
use parapompi_core::vocab::{Attributes, ReferralStatus};
use parapompi_core::Event;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use audit::{
    audit_trail, case_file, describe, entry_texts, AuditEntry, AuditSubject, AuditTrail, CaseFile, CaseFileEntry,
    EntryText,
};
pub use board::{is_overdue, Board, BoardEntry, BoardQuery};
pub use caseload::{Caseload, CaseloadEntry, CaseloadQuery, OpenReferral};
pub use dates::{athens_date, business_date};
pub use esf::{
    EsfCounts, EsfIndicator, GenderCounts, MissingCounts, MissingData, OperationIndicators, ENTRY_VARIABLES, GENDERS,
    LEAVING_VARIABLES, OUTPUT_INDICATORS, RESULT_INDICATORS,
};
pub use indicators::{
    CaseIndicators, CaseloadAtPeriodEnd, FlagCounts, IndicatorQuery, IndicatorReport, IntakeIndicators, NeedIndicators,
    ParticipantBreakdown, ParticipantIndicators, ReferralIndicators, ReferralStats, ServiceIndicators,
};
pub use references::{CaseSummary, ReferenceTarget};

use state::{
    push_position, AgencyRecord, AttributeSnapshot, AuditIndex, BeneficiaryRecord, CaseChange, CaseRecord, EntryRecord,
    LeavingRecord, Municipalities, OpenIndex, OperationRecord, ReferralRecord, ReturnRecord,
};

/// The head hash of projections that have applied nothing: 64 zeros, the store's genesis
/// hash (the hash an empty log's head has).
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The version of the checkpoint byte format written by [`Projections::to_checkpoint`].
///
/// Version 1 was a text header line and JSON; version 2 is a fixed binary header and the
/// state in `postcard`, with dates as day numbers and log positions as differences; version
/// 3 also keeps the numbering of short references (centre codes, cases' numbers); version 4
/// the ESF+ operations, entries and situations on leaving; version 5 referrals' outcomes;
/// version 6 the returns to operations.
pub const CHECKPOINT_FORMAT_VERSION: u32 = 6;

/// The version of the indicator definitions and of what the folds keep. Any change to a
/// documented definition, or to what `apply` records, increments it; a checkpoint of another
/// definitions version is refused (the Engine then rebuilds from the log).
pub const DEFINITIONS_VERSION: u32 = 4;

/// One recorded event as the Engine hands it over (decoded from the store's record).
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Global position: gapless, from 1.
    pub position: u64,
    /// The stream, e.g. `case-<uuid>`.
    pub stream_id: String,
    /// The version of the stream this event made.
    pub stream_version: u64,
    /// The event's id.
    pub event_id: Uuid,
    /// The id of the command that produced it.
    pub command_id: Uuid,
    /// Business time, given by the caller.
    pub occurred_at: Timestamp,
    /// Commit time, never decreasing along the log.
    pub recorded_at: Timestamp,
    /// The acting staff member (`staff-<uuid>`) or a system actor such as `setup`.
    pub actor: String,
    /// The record's chain hash: 64 lower-case hex characters.
    pub hash: String,
    /// The decoded event.
    pub event: Event,
}

/// Why a checkpoint could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The bytes do not start with the checkpoint header.
    #[error("not a projections checkpoint (the header is missing or malformed)")]
    NotACheckpoint,
    /// Written by a format version this code does not read.
    #[error("checkpoint format version {found} is not supported (this code reads version {supported})")]
    UnsupportedVersion {
        /// The version in the header.
        found: u32,
        /// The version this code reads.
        supported: u32,
    },
    /// Computed under other definitions: rebuild from the log instead.
    #[error("checkpoint has definitions version {found}, this code has {current}: rebuild from the log")]
    DefinitionsChanged {
        /// The definitions version in the header.
        found: u32,
        /// [`DEFINITIONS_VERSION`].
        current: u32,
    },
    /// The checkpoint is cut short, fails its checksum or its body does not decode.
    #[error("checkpoint body is corrupt: {message}")]
    Corrupt {
        /// What is wrong: the lengths, the checksums or the decoder's message.
        message: String,
    },
}

/// Every read model, the position of the last record applied and its hash.
///
/// Build it with [`Projections::new`], feed it with [`Projections::apply`], query it with
/// [`Projections::caseload`], [`Projections::board`], [`Projections::indicators`],
/// [`Projections::case_file_positions`] and [`Projections::audit_positions`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Projections {
    position: u64,
    head_hash: String,
    #[serde(with = "checkpoint::sorted_map")]
    cases: BTreeMap<CaseId, CaseRecord>,
    #[serde(with = "checkpoint::sorted_map")]
    referrals: BTreeMap<ReferralId, ReferralRecord>,
    #[serde(with = "checkpoint::sorted_map")]
    beneficiaries: BTreeMap<BeneficiaryId, BeneficiaryRecord>,
    #[serde(with = "checkpoint::sorted_map")]
    agencies: BTreeMap<parapompi_core::values::AgencyId, AgencyRecord>,
    municipalities: Municipalities,
    open: OpenIndex,
    audit: AuditIndex,
    references: references::References,
    /// Each centre's funding programmes (its ESF+ operations), in the order recorded.
    #[serde(with = "checkpoint::sorted_map")]
    operations: BTreeMap<parapompi_core::values::CentreId, Vec<OperationRecord>>,
}

/// The id in a stream name `<prefix>-<uuid>`, if it has that shape.
fn stream_uuid(stream_id: &str, prefix: &str) -> Option<Uuid> {
    let rest = stream_id.strip_prefix(prefix)?.strip_prefix('-')?;
    Uuid::parse_str(rest).ok()
}

/// The staff member behind an actor string `staff-<uuid>`; `None` for system actors.
fn staff_actor(actor: &str) -> Option<StaffId> {
    stream_uuid(actor, "staff").map(StaffId::new)
}

impl Projections {
    /// Empty projections: position 0, head hash [`GENESIS_HASH`].
    pub fn new() -> Projections {
        Projections::default()
    }

    /// Folds one record. Records must come in position order; a record at or below
    /// [`Projections::position`] is ignored, so catching up after a checkpoint is safe.
    /// Never fails: an event that makes no sense in the current state (say, an answer to a
    /// referral never created) only enters the audit index.
    pub fn apply(&mut self, recorded: &Recorded) {
        if recorded.position <= self.position {
            return;
        }
        self.position = recorded.position;
        self.head_hash.clear();
        self.head_hash.push_str(&recorded.hash);
        let position = recorded.position;
        if let Some(staff) = staff_actor(&recorded.actor) {
            push_position(self.audit.staff.entry(staff).or_default(), position);
        }
        match &recorded.event {
            Event::Case(event) => self.apply_case(recorded, event),
            Event::Beneficiary(event) => self.apply_beneficiary(recorded, event),
            Event::Staff(_) => {
                if let Some(staff) = stream_uuid(&recorded.stream_id, "staff") {
                    push_position(self.audit.staff.entry(StaffId::new(staff)).or_default(), position);
                }
            }
            Event::Agency(event) => self.apply_agency(recorded, event),
            Event::Centre(CentreEvent::CentreRegistered {
                centre_id, host_municipality, first_administrator, ..
            }) => {
                push_position(self.audit.staff.entry(*first_administrator).or_default(), position);
                self.references.register_centre(*centre_id, host_municipality);
            }
            Event::Centre(CentreEvent::FundingProgrammeAdded { programme }) => {
                if let Some(centre) = stream_uuid(&recorded.stream_id, "centre") {
                    self.operations.entry(parapompi_core::values::CentreId::new(centre)).or_default().push(
                        OperationRecord {
                            code: programme.code.as_str().to_owned(),
                            fund: programme.fund.as_str().to_owned(),
                            starts_on: programme.starts_on,
                            ends_on: programme.ends_on,
                        },
                    );
                }
            }
            Event::Centre(_) => {}
        }
    }

    /// Folds records in order (see [`Projections::apply`]).
    pub fn apply_all<'a>(&mut self, records: impl IntoIterator<Item = &'a Recorded>) {
        for recorded in records {
            self.apply(recorded);
        }
    }

    /// The position of the last record applied; 0 if none.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The hash of the last record applied; [`GENESIS_HASH`] (64 zeros) if none.
    pub fn head_hash(&self) -> &str {
        if self.position == 0 {
            GENESIS_HASH
        } else {
            &self.head_hash
        }
    }

    fn apply_agency(&mut self, recorded: &Recorded, event: &AgencyEvent) {
        let Some(agency) = stream_uuid(&recorded.stream_id, "agency").map(parapompi_core::values::AgencyId::new) else {
            return;
        };
        match event {
            AgencyEvent::AgencyRegistered { profile, .. } | AgencyEvent::AgencyUpdated { profile } => {
                let active = self.agencies.get(&agency).is_none_or(|a| a.active);
                self.agencies.insert(
                    agency,
                    AgencyRecord { name: profile.name.as_str().to_owned(), kind: profile.kind, active },
                );
            }
            AgencyEvent::AgencyDeactivated { .. } => {
                if let Some(a) = self.agencies.get_mut(&agency) {
                    a.active = false;
                }
            }
            AgencyEvent::AgencyReactivated { .. } => {
                if let Some(a) = self.agencies.get_mut(&agency) {
                    a.active = true;
                }
            }
        }
    }

    fn apply_beneficiary(&mut self, recorded: &Recorded, event: &BeneficiaryEvent) {
        let Some(beneficiary) = stream_uuid(&recorded.stream_id, "beneficiary").map(BeneficiaryId::new) else {
            return;
        };
        push_position(self.audit.beneficiaries.entry(beneficiary).or_default(), recorded.position);
        let attributes = match event {
            BeneficiaryEvent::BeneficiaryRegistered { attributes, .. }
            | BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes } => attributes,
            _ => return,
        };
        let since = business_date(&recorded.event, recorded.occurred_at);
        let snapshot = self.snapshot(since, attributes);
        self.beneficiaries.entry(beneficiary).or_default().attributes.push(snapshot);
    }

    fn snapshot(&mut self, since: Date, attributes: &Attributes) -> AttributeSnapshot {
        AttributeSnapshot {
            since,
            gender: attributes.gender,
            year_of_birth: attributes.year_of_birth,
            municipality: self.municipalities.intern(attributes.municipality_of_residence.as_str()),
            vulnerable: attributes.vulnerable_groups,
            labour: attributes.labour_status,
            education: attributes.education,
        }
    }

    fn apply_case(&mut self, recorded: &Recorded, event: &CaseEvent) {
        let position = recorded.position;
        let from_stream = stream_uuid(&recorded.stream_id, "case").map(CaseId::new);
        let case_id = match (from_stream, event) {
            (Some(id), _) => id,
            (None, CaseEvent::CaseOpened { case_id, .. }) => *case_id,
            (None, _) => return,
        };
        push_position(self.audit.cases.entry(case_id).or_default(), position);
        let date = dates::case_event_date(event).unwrap_or_else(|| dates::athens_date(recorded.occurred_at));
        self.index_case_event(event, position);

        if let CaseEvent::CaseOpened { beneficiary_id, centre_id, antenna_id, intake_date, channel, .. } = event {
            if self.cases.contains_key(&case_id) {
                return;
            }
            let reference_year = intake_date.year();
            let reference_sequence = self.references.open_case(case_id, *centre_id, reference_year);
            let case = CaseRecord {
                reference_year,
                reference_sequence,
                beneficiary: *beneficiary_id,
                centre: *centre_id,
                antenna: *antenna_id,
                opened_on: *intake_date,
                channel: *channel,
                open: true,
                assignee: None,
                referrals: Vec::new(),
                activity: vec![date],
                changes: vec![(*intake_date, CaseChange::Opened)],
                assignments: Vec::new(),
                assessments: Vec::new(),
                services: Vec::new(),
                entries: Vec::new(),
                returns: Vec::new(),
                leavings: Vec::new(),
            };
            self.open.set(case_id, &case, true);
            self.cases.insert(case_id, case);
            self.beneficiaries.entry(*beneficiary_id).or_default().cases.push(case_id);
            return;
        }
        let Some(case) = self.cases.get_mut(&case_id) else {
            return;
        };
        if case.activity.last() != Some(&date) {
            case.activity.push(date);
        }
        match event {
            CaseEvent::CaseOpened { .. } => {}
            CaseEvent::CaseAssigned { staff_id, .. } | CaseEvent::CaseReassigned { staff_id, .. } => {
                if case.open {
                    self.open.reassign(case_id, case.assignee, *staff_id);
                }
                case.assignee = Some(*staff_id);
                case.assignments.push((date, *staff_id));
            }
            CaseEvent::NeedsAssessed { needs, .. } => {
                let mask = needs.iter().fold(0u16, |mask, need| mask | state::need_bit(need.domain));
                case.assessments.push((date, mask));
            }
            CaseEvent::ServiceProvided { kind, .. } => case.services.push((date, *kind)),
            CaseEvent::CaseNoteAdded { .. } => {}
            CaseEvent::CaseClosed { reason, .. } => {
                if case.open {
                    self.open.set(case_id, case, false);
                    case.open = false;
                }
                case.changes.push((date, CaseChange::Closed(*reason)));
                case.leavings.push(LeavingRecord { on: date, situation: None });
            }
            CaseEvent::ParticipantEntered { programme, entered_on, situation } => {
                let programme = programme.as_str().to_owned();
                if !case.entries.iter().any(|e| e.programme == programme) {
                    case.entries.push(EntryRecord { programme, on: *entered_on, situation: *situation });
                }
            }
            CaseEvent::ParticipantReturned { programme, returned_on } => {
                let programme = programme.as_str().to_owned();
                if !case.returns.iter().any(|r| r.programme == programme) {
                    case.returns.push(ReturnRecord { programme, on: *returned_on });
                }
            }
            CaseEvent::LeavingSituationRecorded { situation, .. } => {
                // Recorded in the act of the closure it follows.
                if let Some(last) = case.leavings.last_mut() {
                    last.situation = Some(*situation);
                }
            }
            CaseEvent::CaseReopened { .. } => {
                if !case.open {
                    case.open = true;
                    self.open.set(case_id, case, true);
                }
                case.changes.push((date, CaseChange::Reopened));
            }
            CaseEvent::ReferralCreated { referral_id, agency_id, agency_kind, need, due_on, priority, .. }
            | CaseEvent::ReferralRerouted { referral_id, agency_id, agency_kind, need, due_on, priority, .. } => {
                if self.referrals.contains_key(referral_id) {
                    return;
                }
                let rerouted_from = match event {
                    CaseEvent::ReferralRerouted { from_referral_id, .. } => Some(*from_referral_id),
                    _ => None,
                };
                if let Some(old) = rerouted_from.and_then(|from| self.referrals.get_mut(&from)) {
                    old.rerouted_to = Some(*referral_id);
                }
                case.referrals.push(*referral_id);
                self.referrals.insert(
                    *referral_id,
                    ReferralRecord {
                        case: case_id,
                        agency: *agency_id,
                        agency_kind: *agency_kind,
                        need: *need,
                        priority: *priority,
                        due_on: *due_on,
                        status: ReferralStatus::Draft,
                        rerouted_from,
                        rerouted_to: None,
                        statuses: vec![(date, ReferralStatus::Draft)],
                        dues: vec![(date, *due_on)],
                        outcome: None,
                    },
                );
            }
            CaseEvent::ReferralDueDateMoved { referral_id, due_on, .. } => {
                if let Some(r) = self.referrals.get_mut(referral_id) {
                    r.due_on = *due_on;
                    r.dues.push((date, *due_on));
                }
            }
            CaseEvent::ReferralFollowUpNoted { .. } => {}
            other => {
                let change = match other {
                    CaseEvent::ReferralSent { referral_id, .. } => Some((referral_id, ReferralStatus::Sent)),
                    CaseEvent::ReferralAccepted { referral_id, .. } => Some((referral_id, ReferralStatus::Accepted)),
                    CaseEvent::ReferralDeclined { referral_id, .. } => Some((referral_id, ReferralStatus::Declined)),
                    CaseEvent::ReferralStarted { referral_id, .. } => Some((referral_id, ReferralStatus::InProgress)),
                    CaseEvent::ReferralPutOnHold { referral_id, .. } => Some((referral_id, ReferralStatus::OnHold)),
                    CaseEvent::ReferralResumed { referral_id, resumed_to, .. } => Some((referral_id, *resumed_to)),
                    CaseEvent::ReferralCompleted { referral_id, .. } => Some((referral_id, ReferralStatus::Completed)),
                    CaseEvent::ReferralFailed { referral_id, .. } => Some((referral_id, ReferralStatus::Failed)),
                    CaseEvent::ReferralCancelled { referral_id, .. } => Some((referral_id, ReferralStatus::Cancelled)),
                    CaseEvent::ReferralExpired { referral_id, .. } => Some((referral_id, ReferralStatus::Expired)),
                    _ => None,
                };
                if let Some((referral_id, status)) = change {
                    if let Some(r) = self.referrals.get_mut(referral_id) {
                        r.status = status;
                        r.statuses.push((date, status));
                        if let CaseEvent::ReferralCompleted { outcome, .. }
                        | CaseEvent::ReferralFailed { outcome, .. } = other
                        {
                            r.outcome = Some(*outcome);
                        }
                    }
                }
            }
        }
    }

    /// Audit index entries of a case event other than the case's own stream: referrals
    /// named, and staff assigned to or from the case.
    fn index_case_event(&mut self, event: &CaseEvent, position: u64) {
        let mut referral = |id: &ReferralId| push_position(self.audit.referrals.entry(*id).or_default(), position);
        match event {
            CaseEvent::ReferralRerouted { from_referral_id, referral_id, .. } => {
                referral(from_referral_id);
                referral(referral_id);
            }
            CaseEvent::ReferralCreated { referral_id, .. }
            | CaseEvent::ReferralSent { referral_id, .. }
            | CaseEvent::ReferralAccepted { referral_id, .. }
            | CaseEvent::ReferralDeclined { referral_id, .. }
            | CaseEvent::ReferralStarted { referral_id, .. }
            | CaseEvent::ReferralPutOnHold { referral_id, .. }
            | CaseEvent::ReferralResumed { referral_id, .. }
            | CaseEvent::ReferralCompleted { referral_id, .. }
            | CaseEvent::ReferralFailed { referral_id, .. }
            | CaseEvent::ReferralCancelled { referral_id, .. }
            | CaseEvent::ReferralExpired { referral_id, .. }
            | CaseEvent::ReferralFollowUpNoted { referral_id, .. }
            | CaseEvent::ReferralDueDateMoved { referral_id, .. } => referral(referral_id),
            CaseEvent::CaseAssigned { staff_id, .. } => {
                push_position(self.audit.staff.entry(*staff_id).or_default(), position);
            }
            CaseEvent::CaseReassigned { from_staff_id, staff_id, .. } => {
                push_position(self.audit.staff.entry(*from_staff_id).or_default(), position);
                push_position(self.audit.staff.entry(*staff_id).or_default(), position);
            }
            _ => {}
        }
    }

    /// Every position of a case's stream, in order (empty for an unknown case). The Engine
    /// reads these records back from the log and passes them to [`case_file`].
    pub fn case_file_positions(&self, case_id: CaseId) -> Vec<u64> {
        self.audit.cases.get(&case_id).cloned().unwrap_or_default()
    }

    /// The case that holds a referral.
    pub fn case_of_referral(&self, referral_id: ReferralId) -> Option<CaseId> {
        self.referrals.get(&referral_id).map(|r| r.case)
    }

    /// The cases opened for a beneficiary, in the order opened.
    pub fn cases_of(&self, beneficiary_id: BeneficiaryId) -> Vec<CaseId> {
        self.beneficiaries.get(&beneficiary_id).map(|b| b.cases.clone()).unwrap_or_default()
    }

    /// The positions of every event about a subject, ascending and without repeats:
    /// - a case: its stream's events;
    /// - a beneficiary: their stream's events and the events of every case opened for them;
    /// - a referral: the events of its case stream that name it, including both sides of a
    ///   re-route (the old referral's trail holds the `ReferralRerouted` that links to the
    ///   new one, and the new one's trail starts with it);
    /// - a staff member: events they acted in (actor `staff-<uuid>`), their own stream, the
    ///   centre registration naming them first administrator, and case assignments and
    ///   re-assignments to or from them.
    pub fn audit_positions(&self, subject: &AuditSubject) -> Vec<u64> {
        let of = |positions: Option<&Vec<u64>>| positions.cloned().unwrap_or_default();
        match subject {
            AuditSubject::Case(id) => of(self.audit.cases.get(id)),
            AuditSubject::Referral(id) => of(self.audit.referrals.get(id)),
            AuditSubject::Staff(id) => of(self.audit.staff.get(id)),
            AuditSubject::Beneficiary(id) => {
                let mut positions = of(self.audit.beneficiaries.get(id));
                if let Some(b) = self.beneficiaries.get(id) {
                    for case in &b.cases {
                        positions.extend(self.audit.cases.get(case).into_iter().flatten());
                    }
                }
                positions.sort_unstable();
                positions.dedup();
                positions
            }
        }
    }

    /// The projections as versioned bytes: a 32-byte header (magic `PRJCKPT\0`, format
    /// version, definitions version, body length, body checksum) followed by the state in
    /// `postcard`. Maps are ordered by key, so equal projections give equal bytes.
    pub fn to_checkpoint(&self) -> Vec<u8> {
        checkpoint::encode(self, CHECKPOINT_FORMAT_VERSION, DEFINITIONS_VERSION)
    }

    /// Reads bytes written by [`Projections::to_checkpoint`]. Refuses another format version,
    /// including the text and JSON checkpoints of version 1
    /// ([`CheckpointError::UnsupportedVersion`]), and other definitions
    /// ([`CheckpointError::DefinitionsChanged`]): in both cases rebuild from the log. Bytes
    /// that are cut short, fail their checksum or do not decode give
    /// [`CheckpointError::Corrupt`]; anything else [`CheckpointError::NotACheckpoint`]. Never
    /// panics, whatever the bytes.
    pub fn from_checkpoint(bytes: &[u8]) -> Result<Projections, CheckpointError> {
        checkpoint::decode(bytes, CHECKPOINT_FORMAT_VERSION, DEFINITIONS_VERSION)
    }
}
