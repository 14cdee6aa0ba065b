//! What ESF+ asks of a participant, at the moments it asks it: their situation when they
//! enter an operation and when they leave it.
//!
//! An **operation** is a centre's funding programme ([`crate::centre::FundingProgramme`]):
//! a person **enters** it with their first intake at that centre dated within the
//! programme's period, **returns** to it with a later one (nothing is taken again: ESF+
//! describes a participant as they were at entry), and **leaves** it when the cases that
//! entered or returned to it are closed. The common indicators these
//! feed are those of Annex I of Regulation (EU) 2021/1057 (the ESF+ Regulation), with the
//! codes (EECO…, EECR…) the managing authorities report them under; docs/EVALUATORS.md
//! gives each one's definition and its source.
//!
//! Data minimisation: each field names the indicators that use it, and nothing else is
//! recorded. The situation at entry is taken from the person's attributes as they stand at
//! the intake, so it is not asked twice; it is then fixed in the case's stream, so later
//! corrections of the attributes do not move an operation's figures.

use serde::{Deserialize, Serialize};

use crate::values::Date;
use crate::vocab::{Answer, Attributes, Flag, Gender, IscedBand, LabourStatus, Urbanisation};

/// A participant's situation when they enter an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntrySituation {
    /// Gender: every indicator is broken down by it (women, men, non-binary persons; core's
    /// `other` counts as non-binary).
    pub gender: Answer<Gender>,
    /// Age in whole years reached in the year of entry (the intake's year minus the year of
    /// birth): EECO06 (below 18), EECO07 (18 to 29), EECO08 (55 and above).
    pub age: Answer<u16>,
    /// Labour-market status: EECO01 to EECO05, and the reference populations of EECR01,
    /// EECR02 and EECR04.
    pub labour_status: Answer<LabourStatus>,
    /// Education: EECO09 (ISCED 0–2), EECO10 (ISCED 3–4), EECO11 (ISCED 5–8).
    pub education: Answer<IscedBand>,
    /// Disability: EECO12.
    pub disability: Flag,
    /// Third-country national: EECO13 (`None`: never asked).
    pub third_country_national: Option<Flag>,
    /// Foreign background: EECO14 (`None`: never asked).
    pub foreign_background: Option<Flag>,
    /// Minorities, Roma included: EECO15.
    pub minority: Flag,
    /// Homeless or affected by housing exclusion: EECO16.
    pub homeless: Flag,
    /// Degree of urbanisation of the residence: EECO17 counts rural areas (`None`: never
    /// asked).
    pub area_of_residence: Option<Answer<Urbanisation>>,
}

impl EntrySituation {
    /// The situation of a person with `attributes` entering on `entered_on`.
    pub fn at_entry(attributes: &Attributes, entered_on: Date) -> EntrySituation {
        let groups = attributes.vulnerable_groups;
        EntrySituation {
            gender: attributes.gender,
            age: match attributes.year_of_birth {
                Answer::Given(year) => {
                    let years = entered_on.year().saturating_sub(year).max(0);
                    Answer::Given(u16::try_from(years).unwrap_or(u16::MAX))
                }
                Answer::DeclinedToAnswer => Answer::DeclinedToAnswer,
            },
            labour_status: attributes.labour_status,
            education: attributes.education,
            disability: groups.disability,
            third_country_national: groups.third_country_national,
            foreign_background: groups.foreign_background,
            minority: groups.roma_or_minority,
            homeless: groups.homeless,
            area_of_residence: attributes.area_of_residence,
        }
    }
}

/// A participant's situation when they leave an operation, recorded with the closure of
/// the case that entered it. Each answer may be `declined_to_answer`: the person could not
/// or would not say, which the indicators count as missing data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LeavingSituation {
    /// Searching for a job: EECR01.
    pub job_searching: Flag,
    /// In education or training: EECR02.
    pub in_education_or_training: Flag,
    /// Gained a qualification while participating: EECR03.
    pub gained_qualification: Flag,
    /// In employment, self-employment included: EECR04.
    pub in_employment: Flag,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::MunicipalityName;
    use crate::vocab::VulnerableGroups;

    fn attributes(year_of_birth: Answer<i32>) -> Attributes {
        Attributes {
            gender: Answer::Given(Gender::Female),
            year_of_birth,
            municipality_of_residence: MunicipalityName::new("Γρεβενά").unwrap_or_else(|e| panic!("{e}")),
            vulnerable_groups: VulnerableGroups {
                roma_or_minority: Flag::Yes,
                migrant: Flag::No,
                disability: Flag::DeclinedToAnswer,
                homeless: Flag::No,
                third_country_national: None,
                foreign_background: Some(Flag::Yes),
            },
            labour_status: Answer::Given(LabourStatus::LongTermUnemployed),
            education: Answer::Given(IscedBand::Isced1To2),
            area_of_residence: Some(Answer::Given(Urbanisation::RuralAreas)),
        }
    }

    #[test]
    fn the_age_is_the_one_reached_in_the_year_of_entry() {
        let on = |text: &str| Date::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let born_2006 = attributes(Answer::Given(2006));
        // Born in 2006: 17 all through 2023, 18 from the first day of 2024.
        assert_eq!(EntrySituation::at_entry(&born_2006, on("2023-12-31")).age, Answer::Given(17));
        assert_eq!(EntrySituation::at_entry(&born_2006, on("2024-01-01")).age, Answer::Given(18));
        let declined = attributes(Answer::DeclinedToAnswer);
        assert_eq!(EntrySituation::at_entry(&declined, on("2024-01-01")).age, Answer::DeclinedToAnswer);
    }

    #[test]
    fn the_situation_carries_every_answer_as_given() {
        let on = Date::parse("2024-03-01").unwrap_or_else(|e| panic!("{e}"));
        let s = EntrySituation::at_entry(&attributes(Answer::Given(1990)), on);
        assert_eq!(s.gender, Answer::Given(Gender::Female));
        assert_eq!(s.labour_status, Answer::Given(LabourStatus::LongTermUnemployed));
        assert_eq!(s.minority, Flag::Yes);
        assert_eq!(s.disability, Flag::DeclinedToAnswer);
        assert_eq!(s.third_country_national, None);
        assert_eq!(s.foreign_background, Some(Flag::Yes));
        assert_eq!(s.area_of_residence, Some(Answer::Given(Urbanisation::RuralAreas)));
    }
}
