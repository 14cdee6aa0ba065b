//! The caseload: open cases per staff member and per centre or antenna.

use std::collections::BTreeSet;

use parapompi_core::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ReferralId, StaffId};
use parapompi_core::vocab::{AgencyKind, NeedDomain, ReferralPriority, ReferralStatus};
use serde::{Deserialize, Serialize};

use crate::Projections;

/// Which open cases to list. Every filter given must hold; with none, all open cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadQuery {
    /// Only cases currently assigned to this staff member.
    pub staff: Option<StaffId>,
    /// Only cases of this centre (those taken at its antennas included).
    pub centre: Option<CentreId>,
    /// Only cases taken at this antenna.
    pub antenna: Option<AntennaId>,
}

/// An open referral of a case in the caseload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OpenReferral {
    /// The referral.
    pub referral_id: ReferralId,
    /// Its short reference, `ΓΡΕ-2024-0042/2`.
    pub reference: String,
    /// The agency referred to.
    pub agency_id: AgencyId,
    /// Its kind when referred.
    pub agency_kind: AgencyKind,
    /// The need referred for.
    pub need: NeedDomain,
    /// The status: draft, sent, accepted, in progress or on hold.
    pub status: ReferralStatus,
    /// The priority.
    pub priority: ReferralPriority,
    /// The follow-up due date.
    pub due_on: Date,
}

/// One open case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseloadEntry {
    /// The case.
    pub case_id: CaseId,
    /// Its short reference, `ΓΡΕ-2024-0042`.
    pub reference: String,
    /// Its beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The centre.
    pub centre_id: CentreId,
    /// The antenna that took the intake, if any.
    pub antenna_id: Option<AntennaId>,
    /// The current assignee; `None` while unassigned.
    pub assignee: Option<StaffId>,
    /// The intake date.
    pub opened_on: Date,
    /// Open referrals, in creation order.
    pub open_referrals: Vec<OpenReferral>,
    /// The earliest due date among the open referrals: the next follow-up.
    pub next_due_on: Option<Date>,
}

/// Open cases matching a [`CaseloadQuery`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caseload {
    /// Ordered by next due follow-up (cases with none last), then intake date, then case id.
    pub cases: Vec<CaseloadEntry>,
    /// Open referrals across these cases.
    pub n_open_referrals: u64,
}

impl Projections {
    /// Open cases matching the query, each with its open referrals and next follow-up.
    ///
    /// Cost: proportional to the smallest matching index (the staff member's, the antenna's
    /// or the centre's open cases) times log n; all open cases without a filter.
    pub fn caseload(&self, query: &CaseloadQuery) -> Caseload {
        let empty = BTreeSet::new();
        let candidates: Box<dyn Iterator<Item = &CaseId>> = match (query.staff, query.antenna, query.centre) {
            (Some(staff), _, _) => Box::new(self.open.by_staff.get(&staff).unwrap_or(&empty).iter()),
            (None, Some(antenna), _) => Box::new(self.open.by_antenna.get(&antenna).unwrap_or(&empty).iter()),
            (None, None, Some(centre)) => Box::new(self.open.by_centre.get(&centre).unwrap_or(&empty).iter()),
            (None, None, None) => Box::new(self.cases.iter().filter(|(_, c)| c.open).map(|(id, _)| id)),
        };
        let mut cases = Vec::new();
        let mut n_open_referrals = 0u64;
        for case_id in candidates {
            let Some(case) = self.cases.get(case_id) else { continue };
            let matches = case.open
                && query.staff.is_none_or(|s| case.assignee == Some(s))
                && query.antenna.is_none_or(|a| case.antenna == Some(a))
                && query.centre.is_none_or(|c| case.centre == c);
            if !matches {
                continue;
            }
            let reference = self.case_reference(*case_id).map(|r| r.to_string()).unwrap_or_default();
            let open_referrals: Vec<OpenReferral> = case
                .referrals
                .iter()
                .zip(1u32..)
                .filter_map(|(id, number)| self.referrals.get(id).map(|r| (id, number, r)))
                .filter(|(_, _, r)| r.status.is_open())
                .map(|(id, number, r)| OpenReferral {
                    referral_id: *id,
                    reference: format!("{reference}/{number}"),
                    agency_id: r.agency,
                    agency_kind: r.agency_kind,
                    need: r.need,
                    status: r.status,
                    priority: r.priority,
                    due_on: r.due_on,
                })
                .collect();
            n_open_referrals += u64::try_from(open_referrals.len()).unwrap_or(u64::MAX);
            cases.push(CaseloadEntry {
                case_id: *case_id,
                reference,
                beneficiary_id: case.beneficiary,
                centre_id: case.centre,
                antenna_id: case.antenna,
                assignee: case.assignee,
                opened_on: case.opened_on,
                next_due_on: open_referrals.iter().map(|r| r.due_on).min(),
                open_referrals,
            });
        }
        cases.sort_by_key(|c| (c.next_due_on.is_none(), c.next_due_on, c.opened_on, c.case_id));
        Caseload { cases, n_open_referrals }
    }
}
