//! The ESF+ common indicators of a centre's operations: participants at entry, results on
//! leaving, each by gender, for a period and cumulatively over the operation.
//!
//! The indicators and their wording are those of Annex I of Regulation (EU) 2021/1057 (the
//! ESF+ Regulation, points 1.1, 1.2 and 2); the codes are the ones the Commission's
//! reporting system SFC2021 and its "ESF+ Common Indicators Toolbox" (2021) give them.
//! docs/EVALUATORS.md gives every definition in prose.
//!
//! Definitions (version [`crate::DEFINITIONS_VERSION`]):
//! - An **operation** is a centre's funding programme; one appears in a report when its
//!   period meets the report's.
//! - A **participant** of an operation is a person with a `ParticipantEntered` of one of
//!   their cases at that centre for that programme. Their **entry** is the earliest such
//!   record by business date (then log position). Every output indicator reads the
//!   situation recorded at that first entry.
//! - A later intake of a participant within the operation's period records
//!   `ParticipantReturned`: a **re-entry**, whose case belongs to the participation (its
//!   closure may be the leaving) but which takes no situation again. Re-entries are counted
//!   once, at the first entry, and only their number is reported. (A log may also hold a
//!   participant's further `ParticipantEntered`, written before returns were recorded: each
//!   is a re-entry in the same way.) A return whose person has no entry counted by the period end (an intake recorded
//!   later with an earlier date) is an intake without an entry.
//! - **New entrants** of a period: participants whose entry date lies in the period;
//!   **cumulative**: whose entry date is on or before the period end.
//! - A participant has **left** as of a date when none of their cases that entered the
//!   operation is open as of that date; the leaving date is the latest closure, on or before
//!   it, of those cases, and the situation on leaving is the one recorded with that closure.
//!   Results count leavers **in the period** (leaving date in it) and **cumulatively**
//!   (leaving date on or before the period end).
//! - Gender: `women` (female), `men` (male), `non_binary` (core's `other`), `gender_missing`
//!   (declined to answer); `total` is their sum.
//! - Missing data: an answer declined (the attempt is documented, as ESF+ asks) or never
//!   asked (`not_recorded`: attributes from before the ESF+ fields, or a closure without a
//!   situation on leaving) counts in no indicator of its variable, and in that variable's
//!   missing-data counts.

use std::collections::{BTreeMap, BTreeSet};

use parapompi_core::esf::{EntrySituation, LeavingSituation};
use parapompi_core::values::{BeneficiaryId, CaseId, CentreId, Date};
use parapompi_core::vocab::{Answer, Flag, Gender, IscedBand, LabourStatus, Urbanisation};
use serde::Serialize;

use crate::indicators::IndicatorQuery;
use crate::state::{CaseRecord, EntryRecord, OperationRecord};
use crate::Projections;

/// The output indicators for participants: code and name as the annex words them.
pub const OUTPUT_INDICATORS: [(&str, &str); 17] = [
    ("EECO01", "Total number of participants"),
    ("EECO02", "Unemployed, including long-term unemployed"),
    ("EECO03", "Long-term unemployed"),
    ("EECO04", "Inactive"),
    ("EECO05", "Employed, including self-employed"),
    ("EECO06", "Children below 18 years of age"),
    ("EECO07", "Young people between 18 and 29 years of age"),
    ("EECO08", "Participants of 55 years of age and above"),
    ("EECO09", "With lower secondary education or less (ISCED 0-2)"),
    ("EECO10", "With upper secondary (ISCED 3) or post-secondary education (ISCED 4)"),
    ("EECO11", "With tertiary education (ISCED 5 to 8)"),
    ("EECO12", "Participants with disabilities"),
    ("EECO13", "Third-country nationals"),
    ("EECO14", "Participants with a foreign background"),
    ("EECO15", "Minorities (including marginalised communities such as Roma)"),
    ("EECO16", "Homeless or affected by housing exclusion"),
    ("EECO17", "Participants from rural areas"),
];

/// The immediate result indicators for participants.
pub const RESULT_INDICATORS: [(&str, &str); 4] = [
    ("EECR01", "Participants engaged in job searching upon leaving"),
    ("EECR02", "Participants in education or training upon leaving"),
    ("EECR03", "Participants gaining a qualification upon leaving"),
    ("EECR04", "Participants in employment, including self-employment, upon leaving"),
];

/// The variables of the situation at entry, as the missing-data counts name them.
pub const ENTRY_VARIABLES: [&str; 10] = [
    "gender",
    "age",
    "labour_status",
    "education",
    "disability",
    "third_country_national",
    "foreign_background",
    "minority",
    "homeless",
    "area_of_residence",
];

/// The variables of the situation on leaving.
pub const LEAVING_VARIABLES: [&str; 4] =
    ["job_searching", "in_education_or_training", "gained_qualification", "in_employment"];

/// The genders the counts are broken down by, in CSV order.
pub const GENDERS: [&str; 5] = ["total", "women", "men", "non_binary", "gender_missing"];

/// A count broken down by gender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GenderCounts {
    /// Everyone counted.
    pub total: u64,
    /// Women (gender `female`).
    pub women: u64,
    /// Men (gender `male`).
    pub men: u64,
    /// Non-binary persons (gender `other`).
    pub non_binary: u64,
    /// Gender declined to answer.
    pub gender_missing: u64,
}

impl GenderCounts {
    fn add(&mut self, gender: Answer<Gender>) {
        self.total += 1;
        match gender {
            Answer::Given(Gender::Female) => self.women += 1,
            Answer::Given(Gender::Male) => self.men += 1,
            Answer::Given(Gender::Other) => self.non_binary += 1,
            Answer::DeclinedToAnswer => self.gender_missing += 1,
        }
    }

    /// The count for one of [`GENDERS`].
    pub fn get(&self, gender: &str) -> u64 {
        match gender {
            "women" => self.women,
            "men" => self.men,
            "non_binary" => self.non_binary,
            "gender_missing" => self.gender_missing,
            _ => self.total,
        }
    }
}

/// One indicator of an operation: in the period and cumulatively.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EsfIndicator {
    /// The code (`EECO01`…, `EECR01`…).
    pub code: String,
    /// Its name, as the annex words it.
    pub name: String,
    /// Outputs: new entrants of the period; results: participants who left in it.
    pub in_period: GenderCounts,
    /// Outputs: participants entered from the operation's start to the period end;
    /// results: those who left by the period end.
    pub cumulative: GenderCounts,
}

/// Missing answers of one variable.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MissingData {
    /// The person declined to answer (or, on leaving, could not say).
    pub declined_to_answer: u64,
    /// Never asked.
    pub not_recorded: u64,
}

/// Missing answers of one variable, in the period and cumulatively (as its indicators).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MissingCounts {
    /// Among the period's new entrants (or leavers).
    pub in_period: MissingData,
    /// Among all participants entered (or left) by the period end.
    pub cumulative: MissingData,
}

/// The ESF+ indicators of one operation (a centre's funding programme) for the report's
/// period; see the module's definitions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OperationIndicators {
    /// The centre.
    pub centre: CentreId,
    /// The programme's code.
    pub programme: String,
    /// Its fund.
    pub fund: String,
    /// First day of the operation.
    pub starts_on: Date,
    /// Last day of the operation.
    pub ends_on: Date,
    /// The output indicators EECO01 to EECO17, by gender.
    pub outputs: Vec<EsfIndicator>,
    /// The result indicators EECR01 to EECR04, by gender.
    pub results: Vec<EsfIndicator>,
    /// Every participant counted at entry, whether or not their labour-market status is
    /// known (EECO01 counts only those whose status is), by gender.
    pub entrants: EsfCounts,
    /// Participants who left, by gender.
    pub leavers: EsfCounts,
    /// Re-entries: intakes of participants already in the operation, on or before the
    /// period end (their returns, and any further entries): counted once, at their first.
    pub repeat_entries: u64,
    /// Intakes at the centre within the operation's period, on or before the period end,
    /// that recorded no entry (taken before the programme was recorded, or by an engine
    /// before ESF+ entries), or a return whose person has no entry counted by the period
    /// end: these people are in no output indicator.
    pub intakes_without_entry: u64,
    /// Missing answers at entry, per variable of [`ENTRY_VARIABLES`].
    pub missing_at_entry: BTreeMap<String, MissingCounts>,
    /// Missing answers on leaving, per variable of [`LEAVING_VARIABLES`] (a closure with no
    /// situation recorded counts as not recorded in each).
    pub missing_on_leaving: BTreeMap<String, MissingCounts>,
}

/// A head count in the period and cumulatively, by gender.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EsfCounts {
    /// In the period.
    pub in_period: GenderCounts,
    /// From the operation's start to the period end.
    pub cumulative: GenderCounts,
}

/// A participant's first entry and every case of theirs that entered the operation.
struct Participation<'a> {
    entry: &'a EntryRecord,
    /// The first entry's log position, to order entries of one date.
    first_position: u64,
    cases: Vec<&'a CaseRecord>,
}

/// A participant's leaving as of a date: its date and the situation recorded with it.
fn leaving_as_of(cases: &[&CaseRecord], end: Date) -> Option<(Date, Option<LeavingSituation>)> {
    if cases.iter().any(|case| case.open_as_of(end)) {
        return None;
    }
    cases
        .iter()
        .filter_map(|case| case.leavings.iter().rev().find(|l| l.on <= end))
        .max_by_key(|l| l.on)
        .map(|l| (l.on, l.situation))
}

/// Which output indicators a situation at entry counts in (indices into
/// [`OUTPUT_INDICATORS`]).
fn outputs_of(s: &EntrySituation) -> Vec<usize> {
    let mut counted = Vec::new();
    if let Answer::Given(status) = s.labour_status {
        counted.push(0);
        counted.extend(match status {
            LabourStatus::Unemployed => vec![1],
            LabourStatus::LongTermUnemployed => vec![1, 2],
            LabourStatus::Inactive | LabourStatus::InEducation | LabourStatus::Retired => vec![3],
            LabourStatus::Employed => vec![4],
        });
    }
    if let Answer::Given(age) = s.age {
        match age {
            0..=17 => counted.push(5),
            18..=29 => counted.push(6),
            55.. => counted.push(7),
            _ => {}
        }
    }
    if let Answer::Given(band) = s.education {
        counted.push(match band {
            IscedBand::Isced0 | IscedBand::Isced1To2 => 8,
            IscedBand::Isced3To4 => 9,
            IscedBand::Isced5To8 => 10,
        });
    }
    let yes = |flag: Option<Flag>| flag == Some(Flag::Yes);
    for (index, flag) in [
        (11, Some(s.disability)),
        (12, s.third_country_national),
        (13, s.foreign_background),
        (14, Some(s.minority)),
        (15, Some(s.homeless)),
    ] {
        if yes(flag) {
            counted.push(index);
        }
    }
    if s.area_of_residence == Some(Answer::Given(Urbanisation::RuralAreas)) {
        counted.push(16);
    }
    counted
}

/// The missing answers of a situation at entry, per variable of [`ENTRY_VARIABLES`]:
/// `Some(true)` declined, `Some(false)` never asked, `None` answered.
fn missing_at_entry(s: &EntrySituation) -> [Option<bool>; 10] {
    let answer = |declined: bool| declined.then_some(true);
    let flag = |flag: Option<Flag>| match flag {
        None => Some(false),
        Some(Flag::DeclinedToAnswer) => Some(true),
        Some(_) => None,
    };
    [
        answer(s.gender == Answer::DeclinedToAnswer),
        answer(s.age == Answer::DeclinedToAnswer),
        answer(s.labour_status == Answer::DeclinedToAnswer),
        answer(s.education == Answer::DeclinedToAnswer),
        flag(Some(s.disability)),
        flag(s.third_country_national),
        flag(s.foreign_background),
        flag(Some(s.minority)),
        flag(Some(s.homeless)),
        match s.area_of_residence {
            None => Some(false),
            Some(Answer::DeclinedToAnswer) => Some(true),
            Some(Answer::Given(_)) => None,
        },
    ]
}

fn leaving_flags(s: &LeavingSituation) -> [Flag; 4] {
    [s.job_searching, s.in_education_or_training, s.gained_qualification, s.in_employment]
}

fn count_missing(map: &mut BTreeMap<String, MissingCounts>, variable: &str, declined: bool, in_period: bool) {
    let counts = map.entry(variable.to_owned()).or_default();
    let bump = |data: &mut MissingData| {
        if declined {
            data.declined_to_answer += 1;
        } else {
            data.not_recorded += 1;
        }
    };
    bump(&mut counts.cumulative);
    if in_period {
        bump(&mut counts.in_period);
    }
}

fn indicators(table: &[(&str, &str)]) -> Vec<EsfIndicator> {
    table
        .iter()
        .map(|(code, name)| EsfIndicator {
            code: (*code).to_owned(),
            name: (*name).to_owned(),
            in_period: GenderCounts::default(),
            cumulative: GenderCounts::default(),
        })
        .collect()
}

impl Projections {
    /// The ESF+ indicators of every operation of the queried centre (or all centres), or
    /// of the queried programme only, whose period meets the query's; ordered by centre
    /// and programme code.
    pub(crate) fn esf_indicators(&self, query: &IndicatorQuery) -> Vec<OperationIndicators> {
        let mut operations: Vec<(CentreId, &OperationRecord)> = self
            .operations
            .iter()
            .filter(|(centre, _)| query.centre.is_none_or(|wanted| wanted == **centre))
            .flat_map(|(centre, ops)| ops.iter().map(move |op| (*centre, op)))
            .filter(|(_, op)| query.programme.as_ref().is_none_or(|wanted| wanted.as_str() == op.code))
            .filter(|(_, op)| op.starts_on <= query.to && query.from <= op.ends_on)
            .collect();
        operations.sort_by(|a, b| (a.0, &a.1.code).cmp(&(b.0, &b.1.code)));
        operations.into_iter().map(|(centre, op)| self.operation_indicators(centre, op, query)).collect()
    }

    fn operation_indicators(
        &self,
        centre: CentreId,
        op: &OperationRecord,
        query: &IndicatorQuery,
    ) -> OperationIndicators {
        let end = query.to;
        let in_period = |date: Date| query.from <= date && date <= query.to;
        let within = |programme: &str, on: Date| programme == op.code && op.starts_on <= on && on <= op.ends_on;
        let mut participations: BTreeMap<BeneficiaryId, Participation<'_>> = BTreeMap::new();
        let mut entries_by_end = 0u64;
        let mut intakes_without_entry = 0u64;
        let mut returns = Vec::new();
        for (case_id, case) in self.cases.iter().filter(|(_, c)| c.centre == centre) {
            let Some(entry) = case.entries.iter().find(|e| within(&e.programme, e.on)) else {
                match case.returns.iter().find(|r| within(&r.programme, r.on)) {
                    Some(back) if back.on <= end => returns.push(case),
                    Some(_) => {}
                    None if op.starts_on <= case.opened_on && case.opened_on <= op.ends_on && case.opened_on <= end => {
                        intakes_without_entry += 1;
                    }
                    None => {}
                }
                continue;
            };
            if entry.on > end {
                continue;
            }
            entries_by_end += 1;
            let position = self.first_position(case_id);
            let participation = participations.entry(case.beneficiary).or_insert(Participation {
                entry,
                first_position: position,
                cases: Vec::new(),
            });
            if (entry.on, position) < (participation.entry.on, participation.first_position) {
                participation.entry = entry;
                participation.first_position = position;
            }
            participation.cases.push(case);
        }
        // Returns join the participation of their person's first entry.
        for case in returns {
            match participations.get_mut(&case.beneficiary) {
                Some(participation) => {
                    entries_by_end += 1;
                    participation.cases.push(case);
                }
                None => intakes_without_entry += 1,
            }
        }

        let mut outputs = indicators(&OUTPUT_INDICATORS);
        let mut results = indicators(&RESULT_INDICATORS);
        let mut entrants = EsfCounts::default();
        let mut leavers = EsfCounts::default();
        let mut missing_at = BTreeMap::new();
        let mut missing_on = BTreeMap::new();
        for participation in participations.values() {
            let situation = &participation.entry.situation;
            let gender = situation.gender;
            let new = in_period(participation.entry.on);
            entrants.cumulative.add(gender);
            if new {
                entrants.in_period.add(gender);
            }
            for index in outputs_of(situation) {
                outputs[index].cumulative.add(gender);
                if new {
                    outputs[index].in_period.add(gender);
                }
            }
            for (variable, missing) in ENTRY_VARIABLES.iter().zip(missing_at_entry(situation)) {
                if let Some(declined) = missing {
                    count_missing(&mut missing_at, variable, declined, new);
                }
            }
            let Some((left_on, leaving)) = leaving_as_of(&participation.cases, end) else { continue };
            let left_in_period = in_period(left_on);
            leavers.cumulative.add(gender);
            if left_in_period {
                leavers.in_period.add(gender);
            }
            for (i, variable) in LEAVING_VARIABLES.iter().enumerate() {
                let flag = leaving.map(|l| leaving_flags(&l)[i]);
                match flag {
                    Some(Flag::Yes) => {
                        results[i].cumulative.add(gender);
                        if left_in_period {
                            results[i].in_period.add(gender);
                        }
                    }
                    Some(Flag::No) => {}
                    Some(Flag::DeclinedToAnswer) => count_missing(&mut missing_on, variable, true, left_in_period),
                    None => count_missing(&mut missing_on, variable, false, left_in_period),
                }
            }
        }
        let zeros = |names: &[&str]| -> BTreeMap<String, MissingCounts> {
            names.iter().map(|n| ((*n).to_owned(), MissingCounts::default())).collect()
        };
        let mut missing_at_entry = zeros(&ENTRY_VARIABLES);
        missing_at_entry.extend(missing_at);
        let mut missing_on_leaving = zeros(&LEAVING_VARIABLES);
        missing_on_leaving.extend(missing_on);
        let participants = u64::try_from(participations.len()).unwrap_or(u64::MAX);
        OperationIndicators {
            centre,
            programme: op.code.clone(),
            fund: op.fund.clone(),
            starts_on: op.starts_on,
            ends_on: op.ends_on,
            outputs,
            results,
            entrants,
            leavers,
            repeat_entries: entries_by_end.saturating_sub(participants),
            intakes_without_entry,
            missing_at_entry,
            missing_on_leaving,
        }
    }

    /// The codes of the ESF+ operations of `centre` that `beneficiary` has entered: those
    /// of every case of theirs there that recorded an entry or a return.
    pub fn operations_entered(&self, beneficiary: BeneficiaryId, centre: CentreId) -> BTreeSet<String> {
        let cases = self.beneficiaries.get(&beneficiary).map(|b| b.cases.as_slice()).unwrap_or_default();
        cases
            .iter()
            .filter_map(|case_id| self.cases.get(case_id))
            .filter(|case| case.centre == centre)
            .flat_map(|case| {
                let entered = case.entries.iter().map(|e| e.programme.clone());
                entered.chain(case.returns.iter().map(|r| r.programme.clone()))
            })
            .collect()
    }

    /// The position of a case stream's first record (its intake).
    fn first_position(&self, case_id: &CaseId) -> u64 {
        self.audit.cases.get(case_id).and_then(|positions| positions.first()).copied().unwrap_or(u64::MAX)
    }
}
