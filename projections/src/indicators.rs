//! Indicators for a centre (or all centres) and a period: the evaluator's report.
//!
//! The definitions are stated on each field; they are version [`crate::DEFINITIONS_VERSION`].

use std::collections::{BTreeMap, BTreeSet};

use parapompi_core::values::{BeneficiaryId, CentreId, Date, ProgrammeCode};
use parapompi_core::vocab::{
    AgencyKind, Answer, CloseReason, Flag, Gender, IscedBand, LabourStatus, NeedDomain, Outcome, ReferralStatus,
    ServiceKind,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::esf::{OperationIndicators, GENDERS};
use crate::state::{need_bit, AttributeSnapshot, CaseChange, CaseRecord, Municipalities};
use crate::{is_overdue, Projections, DEFINITIONS_VERSION};

/// The key under which an unanswered ("declined to answer") attribute is counted.
const DECLINED: &str = "declined_to_answer";
/// The key under which a participant without recorded attributes is counted.
const NOT_RECORDED: &str = "not_recorded";

/// Which indicators: a centre (or all centres) and a period of business dates.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IndicatorQuery {
    /// Only cases of this centre (those taken at its antennas included); `None` for all.
    pub centre: Option<CentreId>,
    /// First day of the period (inclusive).
    pub from: Date,
    /// Last day of the period (inclusive); also the "period end" of the as-of indicators.
    pub to: Date,
    /// The ESF+ indicators of this funding programme only; `None` for every operation of
    /// the centre (or centres) whose period meets the query's. The other sections do not
    /// depend on it.
    #[serde(default)]
    pub programme: Option<ProgrammeCode>,
}

/// Counts of a yes/no flag the person may decline to answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FlagCounts {
    /// Answered yes.
    pub yes: u64,
    /// Answered no.
    pub no: u64,
    /// Declined to answer.
    pub declined_to_answer: u64,
    /// No attributes recorded (never happens for a beneficiary registered through core).
    pub not_recorded: u64,
}

/// Participants: unique beneficiaries with activity in the period.
///
/// A beneficiary is a participant if a case of theirs (of the queried centre) has an event
/// of any type whose business date ([`crate::business_date`]) lies in the period: an
/// intake, an assessment, a service, a note, an assignment, a referral event, a closure or
/// a reopening. Each participant counts once, with the attributes recorded on or before
/// the period end (the latest such record; the first record if all are later).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParticipantIndicators {
    /// Unique participants.
    pub total: u64,
    /// By gender: `female`, `male`, `other`, `declined_to_answer`.
    pub by_gender: BTreeMap<String, u64>,
    /// By age band, the age being the period end's year minus the year of birth (the age
    /// reached in the year the period ends): `under_18` (0–17), `18_29`, `30_54`,
    /// `55_plus`, `declined_to_answer`.
    pub by_age_band: BTreeMap<String, u64>,
    /// By labour-market status (core's `LabourStatus` names) or `declined_to_answer`.
    pub by_labour_status: BTreeMap<String, u64>,
    /// By ISCED 2011 band (`isced_0`, `isced_1_2`, `isced_3_4`, `isced_5_8`) or
    /// `declined_to_answer`.
    pub by_education: BTreeMap<String, u64>,
    /// Per vulnerable group (`roma_or_minority`, `migrant`, `disability`, `homeless`):
    /// how many answered yes, no, or declined to answer. A person counts in every group
    /// they answered yes to.
    pub by_vulnerable_group: BTreeMap<String, FlagCounts>,
    /// By municipality of residence, the name as recorded (only names that occur).
    pub by_municipality: BTreeMap<String, u64>,
    /// The same breakdowns for the participants of each gender (the keys of `by_gender`),
    /// as ESF+ asks of all participant data: for each gender, its participants by age band,
    /// labour-market status, education, vulnerable group and municipality, so that each
    /// gender's counts sum to its entry in `by_gender`.
    pub per_gender: BTreeMap<String, ParticipantBreakdown>,
}

/// Participants of one gender, broken down as [`ParticipantIndicators`] is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ParticipantBreakdown {
    /// Participants of this gender.
    pub total: u64,
    /// By age band, as [`ParticipantIndicators::by_age_band`].
    pub by_age_band: BTreeMap<String, u64>,
    /// By labour-market status, as [`ParticipantIndicators::by_labour_status`].
    pub by_labour_status: BTreeMap<String, u64>,
    /// By ISCED band, as [`ParticipantIndicators::by_education`].
    pub by_education: BTreeMap<String, u64>,
    /// Per vulnerable group, as [`ParticipantIndicators::by_vulnerable_group`].
    pub by_vulnerable_group: BTreeMap<String, FlagCounts>,
    /// By municipality of residence (only names that occur).
    pub by_municipality: BTreeMap<String, u64>,
}

/// Intakes: cases opened with an intake date in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IntakeIndicators {
    /// Intakes.
    pub total: u64,
    /// By channel: `walk_in`, `phone`, `email`, `outreach`, `referred_in`.
    pub by_channel: BTreeMap<String, u64>,
    /// By the person's gender, as participants are counted (their attributes as of the
    /// period end): the keys of [`ParticipantIndicators::by_gender`].
    pub by_gender: BTreeMap<String, u64>,
    /// By month of the intake date, `YYYY-MM` (only months with an intake).
    pub by_month: BTreeMap<String, u64>,
}

/// Needs: for each case with an assessment dated in the period, the needs of the latest
/// such assessment by its business date (of two with the same date, the later in the log),
/// each domain counted once per case. An assessment entered late with an earlier date so
/// does not replace a later one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NeedIndicators {
    /// Cases with an assessment in the period.
    pub cases_assessed: u64,
    /// Cases per need domain (core's `NeedDomain` names).
    pub by_domain: BTreeMap<String, u64>,
}

/// Services: direct services with a date of provision in the period; each counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ServiceIndicators {
    /// Services.
    pub total: u64,
    /// By kind (core's `ServiceKind` names).
    pub by_kind: BTreeMap<String, u64>,
}

/// Referral figures for one cohort: the referrals **sent** in the period (first
/// `ReferralSent` dated in the period). What happened to them counts only if dated on or
/// before the period end, so a closed period's figures do not move as the log grows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralStats {
    /// Referrals sent in the period.
    pub sent: u64,
    /// Of those, accepted by the period end.
    pub accepted: u64,
    /// Of those, declined by the period end.
    pub declined: u64,
    /// Of those, completed by the period end.
    pub completed: u64,
    /// Of those, failed by the period end.
    pub failed: u64,
    /// Of those, cancelled by the period end.
    pub cancelled: u64,
    /// Of those, expired unanswered by the period end.
    pub expired: u64,
    /// accepted ÷ (accepted + declined), in thousandths rounded half up; `null` when no
    /// referral was answered.
    pub acceptance_per_mille: Option<u64>,
    /// completed ÷ (completed + failed), in thousandths rounded half up; `null` when none
    /// reached an outcome.
    pub completion_per_mille: Option<u64>,
    /// Median whole days from sending to the answer (accepted or declined), over the
    /// answered ones; an even count takes the mean of the middle two, so the text is an
    /// integer or ends in `.5`; `null` when none was answered.
    pub median_days_to_answer: Option<String>,
    /// Median whole days from sending to the outcome (completed or failed), as above.
    pub median_days_to_outcome: Option<String>,
    /// Of those completed or failed by the period end, by the outcome recorded (core's
    /// `Outcome` names: `got_help` and `partly` on completion, the others on failure).
    pub by_outcome: BTreeMap<String, u64>,
}

/// Referrals of the centre's cases.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReferralIndicators {
    /// The whole cohort (see [`ReferralStats`]).
    pub all: ReferralStats,
    /// By the agency's kind when referred (core's `AgencyKind` names).
    pub by_agency_kind: BTreeMap<String, ReferralStats>,
    /// By need domain.
    pub by_need: BTreeMap<String, ReferralStats>,
    /// By the person's gender, as participants are counted (their attributes as of the
    /// period end).
    pub by_gender: BTreeMap<String, ReferralStats>,
    /// The answered referrals of the whole cohort by whole days from sending to the answer:
    /// `0_2`, `3_7`, `8_14`, `15_30`, `31_plus` (each band inclusive).
    pub days_to_answer: BTreeMap<String, u64>,
    /// Referrals (of any cohort) overdue at the period end: open as of the period end with
    /// a due date, as of the period end, before it ([`crate::is_overdue`]).
    pub overdue_at_period_end: u64,
}

/// Cases opened, closed and reopened in the period.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseIndicators {
    /// Cases with an intake date in the period.
    pub opened: u64,
    /// Closures dated in the period (a case closed twice counts twice).
    pub closed: u64,
    /// Reopenings dated in the period.
    pub reopened: u64,
    /// Closures in the period by reason (core's `CloseReason` names).
    pub closure_reasons: BTreeMap<String, u64>,
    /// Cases opened in the period by the person's gender, as participants are counted.
    pub opened_by_gender: BTreeMap<String, u64>,
    /// Closures in the period by the person's gender, as participants are counted.
    pub closed_by_gender: BTreeMap<String, u64>,
}

/// The caseload at the period end: cases open as of that date (last status change on or
/// before it is an opening or reopening), by their assignee as of that date.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseloadAtPeriodEnd {
    /// Open cases.
    pub open_cases: u64,
    /// Open cases with no assignee.
    pub unassigned: u64,
    /// Open cases per staff member (the staff id as a UUID), members with none left out.
    pub by_staff: BTreeMap<String, u64>,
}

/// The indicator report of a centre (or all) for a period, computed from the log up to
/// `position`, whose record has hash `head_hash`.
///
/// Every map lists each value of its vocabulary, zeros included (municipalities and staff
/// excepted), keyed by core's stable `snake_case` names, in key order. Rates are integers
/// in thousandths, medians exact decimal text; [`IndicatorReport::to_json`] and
/// [`IndicatorReport::to_csv`] are byte-for-byte reproducible from the same log prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IndicatorReport {
    /// [`crate::DEFINITIONS_VERSION`].
    pub definitions_version: u32,
    /// The last log position applied.
    pub position: u64,
    /// Its hash (64 zeros for an empty log).
    pub head_hash: String,
    /// The query.
    pub query: IndicatorQuery,
    /// Participants.
    pub participants: ParticipantIndicators,
    /// Intakes.
    pub intakes: IntakeIndicators,
    /// Needs.
    pub needs: NeedIndicators,
    /// Direct services.
    pub services: ServiceIndicators,
    /// Referrals.
    pub referrals: ReferralIndicators,
    /// Cases.
    pub cases: CaseIndicators,
    /// Caseload at the period end.
    pub caseload: CaseloadAtPeriodEnd,
    /// The ESF+ common indicators of each operation ([`crate::esf`]); not in
    /// [`IndicatorReport::to_csv`], which keeps its rows: [`IndicatorReport::to_esf_csv`]
    /// gives them in the managing authority's layout.
    pub esf: Vec<OperationIndicators>,
}

fn zeros<T: Default>(names: impl IntoIterator<Item = &'static str>) -> BTreeMap<String, T> {
    names.into_iter().map(|n| (n.to_owned(), T::default())).collect()
}

fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

fn answer<T>(value: Answer<T>, name: impl Fn(T) -> &'static str) -> &'static str {
    match value {
        Answer::Given(v) => name(v),
        Answer::DeclinedToAnswer => DECLINED,
    }
}

fn age_band(year_of_birth: Answer<i32>, reference: Date) -> &'static str {
    match year_of_birth {
        Answer::DeclinedToAnswer => DECLINED,
        Answer::Given(year) => match reference.year().saturating_sub(year) {
            ..=17 => "under_18",
            18..=29 => "18_29",
            30..=54 => "30_54",
            _ => "55_plus",
        },
    }
}

const AGE_BANDS: [&str; 5] = ["under_18", "18_29", "30_54", "55_plus", DECLINED];
const GROUPS: [&str; 4] = ["roma_or_minority", "migrant", "disability", "homeless"];
const CHANNELS: [&str; 5] = ["walk_in", "phone", "email", "outreach", "referred_in"];

fn with_declined(names: impl Iterator<Item = &'static str>) -> Vec<&'static str> {
    names.chain(std::iter::once(DECLINED)).collect()
}

/// Numbers for a referral cohort before the rates and medians are worked out.
#[derive(Default)]
struct Cohort {
    stats: ReferralStats,
    days_to_answer: Vec<i64>,
    days_to_outcome: Vec<i64>,
}

impl Cohort {
    fn finish(mut self) -> ReferralStats {
        let s = &mut self.stats;
        s.acceptance_per_mille = per_mille(s.accepted, s.accepted + s.declined);
        s.completion_per_mille = per_mille(s.completed, s.completed + s.failed);
        s.median_days_to_answer = median(&mut self.days_to_answer);
        s.median_days_to_outcome = median(&mut self.days_to_outcome);
        for outcome in Outcome::ALL {
            s.by_outcome.entry(outcome.as_str().to_owned()).or_insert(0);
        }
        self.stats
    }
}

/// `numerator ÷ denominator` in thousandths, rounded half up; `None` for a zero denominator.
fn per_mille(numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    Some((numerator.saturating_mul(2000) + denominator) / denominator.saturating_mul(2))
}

/// The median as exact decimal text: an integer, or an integer and a half.
fn median(values: &mut [i64]) -> Option<String> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    let twice = if n % 2 == 1 { values[n / 2] * 2 } else { values[n / 2 - 1] + values[n / 2] };
    Some(if twice % 2 == 0 {
        (twice / 2).to_string()
    } else {
        let sign = if twice < 0 { "-" } else { "" };
        format!("{sign}{}.5", twice.unsigned_abs() / 2)
    })
}

fn in_period(date: Date, query: &IndicatorQuery) -> bool {
    query.from <= date && date <= query.to
}

impl Projections {
    /// The indicator report of a centre (or all) for a period; see [`IndicatorReport`] and
    /// its fields for every definition. Cost: one pass over the cases and their referrals.
    pub fn indicators(&self, query: &IndicatorQuery) -> IndicatorReport {
        let end = query.to;
        let genders = || zeros::<u64>(gender_keys());
        let mut participants = BTreeSet::<BeneficiaryId>::new();
        let mut intakes =
            IntakeIndicators { total: 0, by_channel: zeros(CHANNELS), by_gender: genders(), by_month: BTreeMap::new() };
        let mut needs =
            NeedIndicators { cases_assessed: 0, by_domain: zeros(NeedDomain::ALL.iter().map(|d| d.as_str())) };
        let mut services = ServiceIndicators { total: 0, by_kind: zeros(ServiceKind::ALL.iter().map(|k| k.as_str())) };
        let mut cases = CaseIndicators {
            closure_reasons: zeros(CloseReason::ALL.iter().map(|r| r.as_str())),
            opened_by_gender: genders(),
            closed_by_gender: genders(),
            ..CaseIndicators::default()
        };
        let mut caseload = CaseloadAtPeriodEnd::default();
        let mut all = Cohort::default();
        let mut by_kind: BTreeMap<&'static str, Cohort> =
            AgencyKind::ALL.iter().map(|k| (k.as_str(), Cohort::default())).collect();
        let mut by_need: BTreeMap<&'static str, Cohort> =
            NeedDomain::ALL.iter().map(|d| (d.as_str(), Cohort::default())).collect();
        let mut by_gender: BTreeMap<&'static str, Cohort> = gender_keys().map(|g| (g, Cohort::default())).collect();
        let mut overdue = 0u64;

        for case in self.cases.values().filter(|c| query.centre.is_none_or(|centre| c.centre == centre)) {
            let gender = self.gender_as_of(case.beneficiary, end);
            if case.activity.iter().any(|d| in_period(*d, query)) {
                participants.insert(case.beneficiary);
            }
            if in_period(case.opened_on, query) {
                intakes.total += 1;
                bump(&mut intakes.by_channel, case.channel.as_str());
                bump(&mut intakes.by_gender, gender);
                let month = format!("{:04}-{:02}", case.opened_on.year(), case.opened_on.month());
                bump(&mut intakes.by_month, &month);
                cases.opened += 1;
                bump(&mut cases.opened_by_gender, gender);
            }
            count_case(case, query, gender, &mut needs, &mut services, &mut cases);
            if case.open_as_of(end) {
                caseload.open_cases += 1;
                match case.assignee_as_of(end) {
                    Some(staff) => bump(&mut caseload.by_staff, &staff.to_string()),
                    None => caseload.unassigned += 1,
                }
            }
            for r in case.referrals.iter().filter_map(|id| self.referrals.get(id)) {
                if let (Some(status), Some(due)) = (r.status_as_of(end), r.due_as_of(end)) {
                    if is_overdue(status, due, end) {
                        overdue += 1;
                    }
                }
                let Some(sent_on) = r.first(ReferralStatus::Sent).filter(|d| in_period(*d, query)) else {
                    continue;
                };
                let reached = |status: ReferralStatus| r.first(status).filter(|d| *d <= end);
                let cohorts = [
                    &mut all,
                    by_kind.entry(r.agency_kind.as_str()).or_default(),
                    by_need.entry(r.need.as_str()).or_default(),
                    by_gender.entry(gender).or_default(),
                ];
                for cohort in cohorts {
                    let s = &mut cohort.stats;
                    s.sent += 1;
                    let accepted = reached(ReferralStatus::Accepted);
                    let declined = reached(ReferralStatus::Declined);
                    let completed = reached(ReferralStatus::Completed);
                    let failed = reached(ReferralStatus::Failed);
                    s.accepted += u64::from(accepted.is_some());
                    s.declined += u64::from(declined.is_some());
                    s.completed += u64::from(completed.is_some());
                    s.failed += u64::from(failed.is_some());
                    s.cancelled += u64::from(reached(ReferralStatus::Cancelled).is_some());
                    s.expired += u64::from(reached(ReferralStatus::Expired).is_some());
                    if let Some(answered) = accepted.or(declined) {
                        cohort.days_to_answer.push(sent_on.days_until(answered));
                    }
                    if let Some(ended) = completed.or(failed) {
                        cohort.days_to_outcome.push(sent_on.days_until(ended));
                        if let Some(outcome) = r.outcome {
                            bump(&mut s.by_outcome, outcome.as_str());
                        }
                    }
                }
            }
        }

        let days_to_answer = answer_bands(&all.days_to_answer);
        IndicatorReport {
            definitions_version: DEFINITIONS_VERSION,
            position: self.position(),
            head_hash: self.head_hash().to_owned(),
            query: query.clone(),
            participants: self.participant_indicators(&participants, end),
            intakes,
            needs,
            services,
            referrals: ReferralIndicators {
                all: all.finish(),
                by_agency_kind: finish_all(by_kind),
                by_need: finish_all(by_need),
                by_gender: finish_all(by_gender),
                days_to_answer,
                overdue_at_period_end: overdue,
            },
            cases,
            caseload,
            esf: self.esf_indicators(query),
        }
    }

    /// The gender key a beneficiary is counted under: their attributes as of `end`.
    fn gender_as_of(&self, beneficiary: BeneficiaryId, end: Date) -> &'static str {
        match self.beneficiaries.get(&beneficiary).and_then(|b| b.attributes_as_of(end)) {
            Some(a) => answer(a.gender, |g| g.as_str()),
            None => NOT_RECORDED,
        }
    }

    fn participant_indicators(&self, participants: &BTreeSet<BeneficiaryId>, end: Date) -> ParticipantIndicators {
        let mut all = ParticipantBreakdown::empty();
        let mut by_gender = zeros::<u64>(gender_keys());
        let mut per_gender: BTreeMap<String, ParticipantBreakdown> =
            gender_keys().map(|g| (g.to_owned(), ParticipantBreakdown::empty())).collect();
        for id in participants {
            let attributes = self.beneficiaries.get(id).and_then(|b| b.attributes_as_of(end));
            let gender = attributes.map_or(NOT_RECORDED, |a| answer(a.gender, |g| g.as_str()));
            bump(&mut by_gender, gender);
            all.count(attributes, end, &self.municipalities);
            per_gender.entry(gender.to_owned()).or_insert_with(ParticipantBreakdown::empty).count(
                attributes,
                end,
                &self.municipalities,
            );
        }
        ParticipantIndicators {
            total: all.total,
            by_gender,
            by_age_band: all.by_age_band,
            by_labour_status: all.by_labour_status,
            by_education: all.by_education,
            by_vulnerable_group: all.by_vulnerable_group,
            by_municipality: all.by_municipality,
            per_gender,
        }
    }
}

/// The keys participants are counted under by gender: core's `Gender` names and
/// `declined_to_answer` (`not_recorded` is added where it occurs).
fn gender_keys() -> impl Iterator<Item = &'static str> {
    with_declined(Gender::ALL.iter().map(|g| g.as_str())).into_iter()
}

fn finish_all(cohorts: BTreeMap<&'static str, Cohort>) -> BTreeMap<String, ReferralStats> {
    cohorts.into_iter().map(|(k, c)| (k.to_owned(), c.finish())).collect()
}

const ANSWER_BANDS: [&str; 5] = ["0_2", "3_7", "8_14", "15_30", "31_plus"];

/// Whole days to an answer, counted in [`ANSWER_BANDS`].
fn answer_bands(days: &[i64]) -> BTreeMap<String, u64> {
    let mut bands = zeros::<u64>(ANSWER_BANDS);
    for d in days {
        let band = match d {
            ..=2 => "0_2",
            3..=7 => "3_7",
            8..=14 => "8_14",
            15..=30 => "15_30",
            _ => "31_plus",
        };
        bump(&mut bands, band);
    }
    bands
}

impl ParticipantBreakdown {
    /// Every key of every closed set at zero.
    fn empty() -> Self {
        ParticipantBreakdown {
            total: 0,
            by_age_band: zeros(AGE_BANDS),
            by_labour_status: zeros(with_declined(LabourStatus::ALL.iter().map(|l| l.as_str()))),
            by_education: zeros(with_declined(IscedBand::ALL.iter().map(|e| e.as_str()))),
            by_vulnerable_group: zeros(GROUPS),
            by_municipality: BTreeMap::new(),
        }
    }

    /// Counts one participant with their attributes as of the period end (`None`: none
    /// recorded).
    fn count(&mut self, attributes: Option<&AttributeSnapshot>, end: Date, municipalities: &Municipalities) {
        self.total += 1;
        let Some(a) = attributes else {
            for map in [&mut self.by_age_band, &mut self.by_labour_status, &mut self.by_education] {
                bump(map, NOT_RECORDED);
            }
            bump(&mut self.by_municipality, NOT_RECORDED);
            for counts in self.by_vulnerable_group.values_mut() {
                counts.not_recorded += 1;
            }
            return;
        };
        bump(&mut self.by_age_band, age_band(a.year_of_birth, end));
        bump(&mut self.by_labour_status, answer(a.labour, |l| l.as_str()));
        bump(&mut self.by_education, answer(a.education, |e| e.as_str()));
        bump(&mut self.by_municipality, municipalities.name(a.municipality));
        let v = a.vulnerable;
        for (group, flag) in GROUPS.iter().zip([v.roma_or_minority, v.migrant, v.disability, v.homeless]) {
            if let Some(counts) = self.by_vulnerable_group.get_mut(*group) {
                match flag {
                    Flag::Yes => counts.yes += 1,
                    Flag::No => counts.no += 1,
                    Flag::DeclinedToAnswer => counts.declined_to_answer += 1,
                }
            }
        }
    }
}

fn count_case(
    case: &CaseRecord,
    query: &IndicatorQuery,
    gender: &'static str,
    needs: &mut NeedIndicators,
    services: &mut ServiceIndicators,
    cases: &mut CaseIndicators,
) {
    // `max_by_key` keeps the last of equal keys: of one date, the later in the log.
    let latest = case.assessments.iter().filter(|(on, _)| in_period(*on, query)).max_by_key(|(on, _)| *on);
    if let Some((_, mask)) = latest {
        needs.cases_assessed += 1;
        for domain in NeedDomain::ALL {
            if mask & need_bit(*domain) != 0 {
                bump(&mut needs.by_domain, domain.as_str());
            }
        }
    }
    for (_, kind) in case.services.iter().filter(|(on, _)| in_period(*on, query)) {
        services.total += 1;
        bump(&mut services.by_kind, kind.as_str());
    }
    for (_, change) in case.changes.iter().filter(|(on, _)| in_period(*on, query)) {
        match change {
            CaseChange::Opened => {}
            CaseChange::Closed(reason) => {
                cases.closed += 1;
                bump(&mut cases.closure_reasons, reason.as_str());
                bump(&mut cases.closed_by_gender, gender);
            }
            CaseChange::Reopened => cases.reopened += 1,
        }
    }
}

impl IndicatorReport {
    /// The report as pretty-printed JSON (two-space indent, fields in declaration order,
    /// map keys sorted, UTF-8 text as is, a final line break).
    pub fn to_json(&self) -> String {
        let json = serde_json::to_string_pretty(self);
        // The report holds only strings, integers, options and string-keyed maps.
        assert!(json.is_ok(), "reports always serialise");
        let mut text = json.unwrap_or_default();
        text.push('\n');
        text
    }

    /// The report as long-format CSV (RFC 4180: CRLF line ends, fields quoted when they hold
    /// a comma, a quote or a line break, quotes doubled), header `section,key,value`.
    ///
    /// Each leaf of the JSON form is one row: `section` is the dotted path of the objects
    /// above it (`report` for the top-level numbers), `key` its name, `value` its text
    /// (empty for `null`). Rows follow the JSON's field order; within a map, key order.
    /// Example rows: `report,position,42`, `participants.by_gender,female,3`,
    /// `referrals.by_agency_kind.public_service,acceptance_per_mille,667`.
    pub fn to_csv(&self) -> String {
        let value = serde_json::to_value(self).unwrap_or(Value::Null);
        let mut rows = Vec::new();
        // Top-level fields in declaration order (serde_json's map may sort its keys).
        let order = [
            "definitions_version",
            "position",
            "head_hash",
            "query",
            "participants",
            "intakes",
            "needs",
            "services",
            "referrals",
            "cases",
            "caseload",
        ];
        for key in order {
            if let Some(v) = value.get(key) {
                match v {
                    Value::Object(_) => flatten(key, v, &self.field_order(key), &mut rows),
                    leaf => rows.push(("report".to_owned(), key.to_owned(), leaf_text(leaf))),
                }
            }
        }
        let mut csv = String::from("section,key,value\r\n");
        for (section, key, value) in rows {
            csv.push_str(&format!("{},{},{}\r\n", quote(&section), quote(&key), quote(&value)));
        }
        csv
    }

    /// The declaration order of a section's fields (nested maps are in key order).
    fn field_order(&self, section: &str) -> Vec<&'static str> {
        match section {
            "query" => vec!["centre", "from", "to", "programme"],
            "participants" => vec![
                "total",
                "by_gender",
                "by_age_band",
                "by_labour_status",
                "by_education",
                "by_vulnerable_group",
                "by_municipality",
                "per_gender",
            ],
            "intakes" => vec!["total", "by_channel", "by_gender", "by_month"],
            "needs" => vec!["cases_assessed", "by_domain"],
            "services" => vec!["total", "by_kind"],
            "referrals" => {
                vec!["all", "by_agency_kind", "by_need", "by_gender", "days_to_answer", "overdue_at_period_end"]
            }
            "cases" => vec!["opened", "closed", "reopened", "closure_reasons", "opened_by_gender", "closed_by_gender"],
            "caseload" => vec!["open_cases", "unassigned", "by_staff"],
            _ => Vec::new(),
        }
    }
}

impl IndicatorReport {
    /// The ESF+ indicators in the managing authority's layout: CSV (RFC 4180, CRLF), header
    /// `code,indicator,centre,programme,period_from,period_to,gender,in_period,cumulative`,
    /// one row per operation, indicator code (EECO01 to EECO17, then EECR01 to EECR04) and
    /// gender (`total`, `women`, `men`, `non_binary`, `gender_missing`), in that order;
    /// operations as in [`IndicatorReport::esf`]. Byte-for-byte reproducible from the same
    /// log prefix.
    pub fn to_esf_csv(&self) -> String {
        let mut csv =
            String::from("code,indicator,centre,programme,period_from,period_to,gender,in_period,cumulative\r\n");
        for operation in &self.esf {
            for indicator in operation.outputs.iter().chain(&operation.results) {
                for gender in GENDERS {
                    csv.push_str(&format!(
                        "{},{},{},{},{},{},{},{},{}\r\n",
                        indicator.code,
                        quote(&indicator.name),
                        operation.centre,
                        quote(&operation.programme),
                        self.query.from,
                        self.query.to,
                        gender,
                        indicator.in_period.get(gender),
                        indicator.cumulative.get(gender)
                    ));
                }
            }
        }
        csv
    }
}

const STATS_ORDER: [&str; 12] = [
    "sent",
    "accepted",
    "declined",
    "completed",
    "failed",
    "cancelled",
    "expired",
    "acceptance_per_mille",
    "completion_per_mille",
    "median_days_to_answer",
    "median_days_to_outcome",
    "by_outcome",
];
const BREAKDOWN_ORDER: [&str; 6] =
    ["total", "by_age_band", "by_labour_status", "by_education", "by_vulnerable_group", "by_municipality"];
const FLAG_ORDER: [&str; 4] = ["yes", "no", "declined_to_answer", "not_recorded"];

/// Rows for an object: its leaves under `section`, nested objects under `section.key`.
/// `order` fixes the order of a struct's fields; maps go in key order.
fn flatten(section: &str, value: &Value, order: &[&str], rows: &mut Vec<(String, String, String)>) {
    let Value::Object(map) = value else { return };
    let mut keys: Vec<&str> = order.iter().copied().filter(|k| map.contains_key(*k)).collect();
    if keys.is_empty() {
        let mut sorted: Vec<&str> = map.keys().map(String::as_str).collect();
        sorted.sort_unstable();
        keys = sorted;
    }
    for key in keys {
        let Some(v) = map.get(key) else { continue };
        match v {
            Value::Object(inner) => {
                let nested = format!("{section}.{key}");
                let inner_order: &[&str] = if inner.contains_key("acceptance_per_mille") {
                    &STATS_ORDER
                } else if inner.contains_key("yes") {
                    &FLAG_ORDER
                } else if inner.contains_key("by_age_band") {
                    &BREAKDOWN_ORDER
                } else {
                    &[]
                };
                flatten(&nested, v, inner_order, rows);
            }
            leaf => rows.push((section.to_owned(), key.to_owned(), leaf_text(leaf))),
        }
    }
}

fn leaf_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_are_exact() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some("5".to_owned()));
        assert_eq!(median(&mut [4, 1]), Some("2.5".to_owned()));
        assert_eq!(median(&mut [3, 1, 2, 10]), Some("2.5".to_owned()));
        assert_eq!(median(&mut [2, 4]), Some("3".to_owned()));
        assert_eq!(median(&mut [-1, -2]), Some("-1.5".to_owned()));
    }

    #[test]
    fn per_mille_rounds_half_up() {
        assert_eq!(per_mille(2, 3), Some(667));
        assert_eq!(per_mille(1, 3), Some(333));
        assert_eq!(per_mille(1, 8), Some(125));
        assert_eq!(per_mille(1, 16), Some(63)); // 62.5 rounds up
        assert_eq!(per_mille(0, 0), None);
        assert_eq!(per_mille(5, 5), Some(1000));
    }

    #[test]
    fn csv_quotes_per_rfc_4180() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a,b"), "\"a,b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("Σφακίων"), "Σφακίων");
    }
}
