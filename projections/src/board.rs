//! The referral board: referrals by status and agency, overdue follow-ups.

use std::collections::BTreeMap;

use parapompi_core::values::{AgencyId, AntennaId, CaseId, CentreId, Date, ReferralId, StaffId};
use parapompi_core::vocab::{AgencyKind, NeedDomain, ReferralPriority, ReferralStatus};
use serde::{Deserialize, Serialize};

use crate::Projections;

/// Overdue as of a date: the referral is open (draft, sent, accepted, in progress or on
/// hold) and its follow-up due date is strictly before `as_of`. A referral due on `as_of`
/// itself is not yet overdue; closed statuses (declined, completed, failed, cancelled,
/// expired) are never overdue.
pub fn is_overdue(status: ReferralStatus, due_on: Date, as_of: Date) -> bool {
    status.is_open() && due_on < as_of
}

/// Which referrals to list. Every filter given must hold; with none, all referrals.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardQuery {
    /// Only referrals in this status.
    pub status: Option<ReferralStatus>,
    /// Only referrals to this agency.
    pub agency: Option<AgencyId>,
    /// Only referrals overdue as of this date (see [`is_overdue`]).
    pub overdue_as_of: Option<Date>,
    /// Only referrals of this centre's cases.
    pub centre: Option<CentreId>,
    /// Only referrals of the cases assigned to this staff member.
    #[serde(default)]
    pub assignee: Option<StaffId>,
}

/// One referral on the board.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BoardEntry {
    /// The referral.
    pub referral_id: ReferralId,
    /// Its short reference, `ΓΡΕ-2024-0042/2`.
    pub reference: String,
    /// Its case.
    pub case_id: CaseId,
    /// The case's short reference, `ΓΡΕ-2024-0042`.
    pub case_reference: String,
    /// The case's beneficiary.
    pub beneficiary_id: parapompi_core::values::BeneficiaryId,
    /// The case's centre.
    pub centre_id: CentreId,
    /// The antenna that took the case, if any.
    pub antenna_id: Option<AntennaId>,
    /// The agency.
    pub agency_id: AgencyId,
    /// The agency's current name, if its registration is in the log.
    pub agency_name: Option<String>,
    /// The agency's kind when referred.
    pub agency_kind: AgencyKind,
    /// The need.
    pub need: NeedDomain,
    /// The current status.
    pub status: ReferralStatus,
    /// The priority.
    pub priority: ReferralPriority,
    /// The current follow-up due date.
    pub due_on: Date,
    /// The declined or failed referral this one re-routes.
    pub rerouted_from: Option<ReferralId>,
    /// The referral that re-routed this one.
    pub rerouted_to: Option<ReferralId>,
    /// With `overdue_as_of`: whole days from the due date to that date (at least 1).
    pub days_overdue: Option<i64>,
}

/// Referrals matching a [`BoardQuery`], with counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// Ordered by due date, then referral id.
    pub referrals: Vec<BoardEntry>,
    /// How many of the listed referrals are in each status (statuses with none left out).
    pub by_status: BTreeMap<ReferralStatus, u64>,
    /// How many of the listed referrals go to each agency.
    pub by_agency: BTreeMap<AgencyId, u64>,
}

impl Projections {
    /// The referrals matching the query. Cost: one pass over all referrals.
    pub fn board(&self, query: &BoardQuery) -> Board {
        let mut board = Board::default();
        for (id, r) in &self.referrals {
            let Some(case) = self.cases.get(&r.case) else { continue };
            let matches = query.status.is_none_or(|s| r.status == s)
                && query.agency.is_none_or(|a| r.agency == a)
                && query.centre.is_none_or(|c| case.centre == c)
                && query.assignee.is_none_or(|s| case.assignee == Some(s))
                && query.overdue_as_of.is_none_or(|d| is_overdue(r.status, r.due_on, d));
            if !matches {
                continue;
            }
            *board.by_status.entry(r.status).or_default() += 1;
            *board.by_agency.entry(r.agency).or_default() += 1;
            let reference = self.referral_reference(*id);
            board.referrals.push(BoardEntry {
                referral_id: *id,
                reference: reference.as_ref().map(ToString::to_string).unwrap_or_default(),
                case_id: r.case,
                case_reference: reference.map(|r| r.case.to_string()).unwrap_or_default(),
                beneficiary_id: case.beneficiary,
                centre_id: case.centre,
                antenna_id: case.antenna,
                agency_id: r.agency,
                agency_name: self.agencies.get(&r.agency).map(|a| a.name.clone()),
                agency_kind: r.agency_kind,
                need: r.need,
                status: r.status,
                priority: r.priority,
                due_on: r.due_on,
                rerouted_from: r.rerouted_from,
                rerouted_to: r.rerouted_to,
                days_overdue: query.overdue_as_of.map(|d| r.due_on.days_until(d)),
            });
        }
        board.referrals.sort_by_key(|e| (e.due_on, e.referral_id));
        board
    }
}
