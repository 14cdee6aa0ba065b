//! The projections' internal records: what `apply` keeps, compact and `Copy` where it can.
//!
//! Current state (for the caseload and the board) sits beside short dated histories (for
//! indicators "in a period" and "as of the period end"). Histories are in log order.
//!
//! The `#[serde(with)]` attributes pick compact forms for the checkpoint (dates packed into
//! an integer, positions as differences, maps read in bulk; see `checkpoint.rs`); JSON still
//! shows dates as `YYYY-MM-DD`.

use std::collections::{BTreeMap, BTreeSet};

use parapompi_core::esf::{EntrySituation, LeavingSituation};
use parapompi_core::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ReferralId, StaffId};
use parapompi_core::vocab::{
    AgencyKind, Answer, CloseReason, Gender, IntakeChannel, IscedBand, LabourStatus, NeedDomain, Outcome,
    ReferralPriority, ReferralStatus, ServiceKind, VulnerableGroups,
};
use serde::{Deserialize, Serialize};

/// Pushes a position unless it is already the last one (one event may name an entity twice).
pub(crate) fn push_position(positions: &mut Vec<u64>, position: u64) {
    if positions.last() != Some(&position) {
        positions.push(position);
    }
}

/// A change of a case's open/closed status, with its business date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CaseChange {
    Opened,
    Closed(CloseReason),
    Reopened,
}

/// One opened case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CaseRecord {
    /// The year of the case's reference (its intake date's).
    pub reference_year: i32,
    /// The case's number among its centre's intakes of that year (see `references.rs`).
    pub reference_sequence: u32,
    pub beneficiary: BeneficiaryId,
    pub centre: CentreId,
    pub antenna: Option<AntennaId>,
    #[serde(with = "crate::checkpoint::day")]
    pub opened_on: Date,
    pub channel: IntakeChannel,
    pub open: bool,
    pub assignee: Option<StaffId>,
    /// Referral ids in creation order.
    pub referrals: Vec<ReferralId>,
    /// Distinct business dates of the stream's events (consecutive repeats dropped).
    #[serde(with = "crate::checkpoint::days")]
    pub activity: Vec<Date>,
    #[serde(with = "crate::checkpoint::dated")]
    pub changes: Vec<(Date, CaseChange)>,
    #[serde(with = "crate::checkpoint::dated")]
    pub assignments: Vec<(Date, StaffId)>,
    /// Assessments: date and the set of need domains as a bit mask over `NeedDomain::ALL`.
    #[serde(with = "crate::checkpoint::dated")]
    pub assessments: Vec<(Date, u16)>,
    #[serde(with = "crate::checkpoint::dated")]
    pub services: Vec<(Date, ServiceKind)>,
    /// The ESF+ operations the intake entered, in log order.
    pub entries: Vec<EntryRecord>,
    /// The ESF+ operations the intake returned to (the person had entered them before), in
    /// log order.
    pub returns: Vec<ReturnRecord>,
    /// Each closure with the situation on leaving recorded with it (`None`: none was, as
    /// for a person whose identity was erased), in log order.
    pub leavings: Vec<LeavingRecord>,
}

/// An entry into an ESF+ operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EntryRecord {
    /// The programme's code.
    pub programme: String,
    #[serde(with = "crate::checkpoint::day")]
    pub on: Date,
    pub situation: EntrySituation,
}

/// A return to an ESF+ operation a person had already entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReturnRecord {
    /// The programme's code.
    pub programme: String,
    #[serde(with = "crate::checkpoint::day")]
    pub on: Date,
}

/// A closure of a case, with its situation on leaving if one was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LeavingRecord {
    #[serde(with = "crate::checkpoint::day")]
    pub on: Date,
    pub situation: Option<LeavingSituation>,
}

/// A centre's funding programme: an ESF+ operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OperationRecord {
    pub code: String,
    pub fund: String,
    #[serde(with = "crate::checkpoint::day")]
    pub starts_on: Date,
    #[serde(with = "crate::checkpoint::day")]
    pub ends_on: Date,
}

impl CaseRecord {
    /// Open as of the end of `date`: the last status change dated on or before it.
    pub fn open_as_of(&self, date: Date) -> bool {
        let last = self.changes.iter().rev().find(|(on, _)| *on <= date);
        matches!(last, Some((_, CaseChange::Opened | CaseChange::Reopened)))
    }

    /// The assignee as of the end of `date`.
    pub fn assignee_as_of(&self, date: Date) -> Option<StaffId> {
        self.assignments.iter().rev().find(|(on, _)| *on <= date).map(|(_, staff)| *staff)
    }
}

/// One referral.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReferralRecord {
    pub case: CaseId,
    pub agency: AgencyId,
    pub agency_kind: AgencyKind,
    pub need: NeedDomain,
    pub priority: ReferralPriority,
    #[serde(with = "crate::checkpoint::day")]
    pub due_on: Date,
    pub status: ReferralStatus,
    pub rerouted_from: Option<ReferralId>,
    pub rerouted_to: Option<ReferralId>,
    /// Every status reached, with its business date; starts with `(created_on, Draft)`.
    #[serde(with = "crate::checkpoint::dated")]
    pub statuses: Vec<(Date, ReferralStatus)>,
    /// Due dates: `(date set, due date)`; starts with `(created_on, due_on)`.
    #[serde(with = "crate::checkpoint::dated_days")]
    pub dues: Vec<(Date, Date)>,
    /// The outcome recorded when it was completed or failed.
    pub outcome: Option<Outcome>,
}

impl ReferralRecord {
    /// The status as of the end of `date`, `None` before it was created.
    pub fn status_as_of(&self, date: Date) -> Option<ReferralStatus> {
        self.statuses.iter().rev().find(|(on, _)| *on <= date).map(|(_, s)| *s)
    }

    /// The due date as of the end of `date`.
    pub fn due_as_of(&self, date: Date) -> Option<Date> {
        self.dues.iter().rev().find(|(on, _)| *on <= date).map(|(_, due)| *due)
    }

    /// The first date the referral reached `status`.
    pub fn first(&self, status: ReferralStatus) -> Option<Date> {
        self.statuses.iter().find(|(_, s)| *s == status).map(|(on, _)| *on)
    }
}

/// A beneficiary's attributes from one date on, with the municipality interned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AttributeSnapshot {
    #[serde(with = "crate::checkpoint::day")]
    pub since: Date,
    pub gender: Answer<Gender>,
    pub year_of_birth: Answer<i32>,
    /// Index into `Projections::municipalities`.
    pub municipality: u32,
    pub vulnerable: VulnerableGroups,
    pub labour: Answer<LabourStatus>,
    pub education: Answer<IscedBand>,
}

/// A beneficiary's side table: attribute history and the cases opened for them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BeneficiaryRecord {
    pub attributes: Vec<AttributeSnapshot>,
    pub cases: Vec<CaseId>,
}

impl BeneficiaryRecord {
    /// The attributes recorded on or before `date`; the first ones if all are later.
    pub fn attributes_as_of(&self, date: Date) -> Option<&AttributeSnapshot> {
        self.attributes.iter().rev().find(|a| a.since <= date).or_else(|| self.attributes.first())
    }
}

/// An agency's side table (for the board's names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AgencyRecord {
    pub name: String,
    pub kind: AgencyKind,
    pub active: bool,
}

/// Interned municipality names: an index per distinct name. Only the names are saved; the
/// reverse index is rebuilt from them when read back.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub(crate) struct Municipalities {
    pub names: Vec<String>,
    pub index: BTreeMap<String, u32>,
}

impl From<Vec<String>> for Municipalities {
    fn from(names: Vec<String>) -> Municipalities {
        let mut municipalities = Municipalities::default();
        for name in &names {
            municipalities.intern(name);
        }
        municipalities
    }
}

impl From<Municipalities> for Vec<String> {
    fn from(municipalities: Municipalities) -> Vec<String> {
        municipalities.names
    }
}

impl Municipalities {
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(found) = self.index.get(name) {
            return *found;
        }
        let next = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), next);
        next
    }

    pub fn name(&self, index: u32) -> &str {
        usize::try_from(index).ok().and_then(|i| self.names.get(i)).map_or("", String::as_str)
    }
}

/// Entity → log positions, for case files and audit trails.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AuditIndex {
    /// A case stream's positions.
    #[serde(with = "crate::checkpoint::positions_by_key")]
    pub cases: BTreeMap<CaseId, Vec<u64>>,
    /// A beneficiary stream's positions (their cases are merged in at query time).
    #[serde(with = "crate::checkpoint::positions_by_key")]
    pub beneficiaries: BTreeMap<BeneficiaryId, Vec<u64>>,
    /// The positions of events naming a referral.
    #[serde(with = "crate::checkpoint::positions_by_key")]
    pub referrals: BTreeMap<ReferralId, Vec<u64>>,
    /// Positions where a staff member acted, their own stream, assignments to and from them.
    #[serde(with = "crate::checkpoint::positions_by_key")]
    pub staff: BTreeMap<StaffId, Vec<u64>>,
}

/// Open cases indexed for the caseload.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OpenIndex {
    #[serde(with = "crate::checkpoint::sorted_map_of_sets")]
    pub by_staff: BTreeMap<StaffId, BTreeSet<CaseId>>,
    #[serde(with = "crate::checkpoint::sorted_map_of_sets")]
    pub by_centre: BTreeMap<CentreId, BTreeSet<CaseId>>,
    #[serde(with = "crate::checkpoint::sorted_map_of_sets")]
    pub by_antenna: BTreeMap<AntennaId, BTreeSet<CaseId>>,
}

fn set_member<K: Ord>(map: &mut BTreeMap<K, BTreeSet<CaseId>>, key: K, case: CaseId, member: bool) {
    if member {
        map.entry(key).or_default().insert(case);
    } else if let Some(set) = map.get_mut(&key) {
        set.remove(&case);
        if set.is_empty() {
            map.remove(&key);
        }
    }
}

impl OpenIndex {
    /// Adds (or removes) an open case under its centre, antenna and assignee.
    pub fn set(&mut self, case_id: CaseId, case: &CaseRecord, member: bool) {
        set_member(&mut self.by_centre, case.centre, case_id, member);
        if let Some(antenna) = case.antenna {
            set_member(&mut self.by_antenna, antenna, case_id, member);
        }
        if let Some(staff) = case.assignee {
            set_member(&mut self.by_staff, staff, case_id, member);
        }
    }

    /// Moves an open case from one assignee to another.
    pub fn reassign(&mut self, case_id: CaseId, from: Option<StaffId>, to: StaffId) {
        if let Some(from) = from {
            set_member(&mut self.by_staff, from, case_id, false);
        }
        set_member(&mut self.by_staff, to, case_id, true);
    }
}

/// The bit of a need domain in an assessment mask.
pub(crate) fn need_bit(domain: NeedDomain) -> u16 {
    let index = NeedDomain::ALL.iter().position(|d| *d == domain).unwrap_or(0);
    1u16.checked_shl(u32::try_from(index).unwrap_or(0)).unwrap_or(0)
}
