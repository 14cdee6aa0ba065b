//! Closed sets on the command line: a `ValueEnum` mirror of each vocabulary of core, with
//! the same snake_case names core persists. A test checks each mirror against core's `ALL`,
//! so a vocabulary that grows in core cannot be silently missing here.
//!
//! Each set is read by a [`VocabParser`]: its snake_case names first, then, typed by a
//! person, its Greek names from `cli/locales/el/vocab.ftl` (the table human output uses),
//! compared without accents and case (`--channel αυτοπροσώπως`). `apply`'s JSON lines take
//! the snake_case names only.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::ValueEnum;
use parapompi::core::vocab::{
    AgencyKind, Answer, CloseReason, Flag, Gender, IscedBand, LabourStatus, LegalBasis, NeedDomain, NeedPriority,
    Outcome, ReferralPriority, ReferralStatus, Role, ServiceKind, SharingPurpose, Urbanisation,
};

/// Reads a closed set: clap's own reading of the snake_case names, then the set's Greek
/// (or English) names from the resources.
#[derive(Clone)]
pub struct VocabParser<E> {
    /// The set's name in the resources' keys (`<set>-<value>`).
    set: &'static str,
    kind: PhantomData<E>,
}

impl<E> VocabParser<E> {
    /// The parser of the set named `set` in the resources.
    pub fn new(set: &'static str) -> Self {
        Self { set, kind: PhantomData }
    }
}

impl<E: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for VocabParser<E> {
    type Value = E;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &OsStr) -> Result<E, clap::Error> {
        let error = match EnumValueParser::<E>::new().parse_ref(cmd, arg, value) {
            Ok(parsed) => return Ok(parsed),
            Err(error) => error,
        };
        value.to_str().and_then(|text| read::<E>(self.set, text)).ok_or(error)
    }

    /// The values as clap lists them in help and errors; in Greek, each described by its
    /// Greek name (which the parser also reads).
    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let greek = crate::i18n::lang() == crate::i18n::Lang::El;
        Some(Box::new(E::value_variants().iter().filter_map(ValueEnum::to_possible_value).map(move |value| {
            if greek {
                let name = crate::i18n::vocab(self.set, value.get_name());
                value.help(name)
            } else {
                value
            }
        })))
    }
}

/// Reads a value of a set from a part of an argument (`--need DOMAIN:PRIORITY`) the way its
/// parser reads a whole one: the snake_case name, or (typed by a person) the Greek name.
pub fn read<E: ValueEnum + Clone>(set: &'static str, text: &str) -> Option<E> {
    if let Ok(value) = E::from_str(text, false) {
        return Some(value);
    }
    let variants: Vec<(String, &E)> = E::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value().map(|p| (p.get_name().to_owned(), v)))
        .collect();
    let names: Vec<&str> = variants.iter().map(|(name, _)| name.as_str()).collect();
    let name = crate::i18n::vocab_from_text(set, &names, text)?;
    variants.iter().find(|(n, _)| n == name).map(|(_, v)| (*v).clone())
}

/// Every closed set the command line reads: its name in the resources and its values'
/// snake_case names.
pub fn sets() -> Vec<(&'static str, Vec<String>)> {
    fn names<T: ValueEnum>() -> Vec<String> {
        T::value_variants().iter().filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned())).collect()
    }
    vec![
        ("role", names::<RoleArg>()),
        ("agency_kind", names::<AgencyKindArg>()),
        ("need", names::<NeedArg>()),
        ("need_priority", names::<NeedPriorityArg>()),
        ("referral_priority", names::<ReferralPriorityArg>()),
        ("service", names::<ServiceKindArg>()),
        ("close_reason", names::<CloseReasonArg>()),
        ("outcome", names::<OutcomeArg>()),
        ("legal_basis", names::<LegalBasisArg>()),
        ("purpose", names::<PurposeArg>()),
        ("status", names::<StatusArg>()),
        ("flag", names::<FlagArg>()),
        ("gender", names::<GenderArg>()),
        ("labour_status", names::<LabourStatusArg>()),
        ("education", names::<EducationArg>()),
        ("area", names::<AreaArg>()),
        ("channel", names::<ChannelArg>()),
    ]
}

/// The set whose values are exactly `names` (as clap lists an argument's possible values).
pub fn set_of(names: &[&str]) -> Option<&'static str> {
    sets()
        .into_iter()
        .find(|(_, values)| values.len() == names.len() && values.iter().zip(names).all(|(a, b)| a == b))
        .map(|(set, _)| set)
}

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $core:ident as $set:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                #[value(name = $text)]
                $variant
            ),+
        }

        impl From<$name> for $core {
            fn from(value: $name) -> $core {
                match value {
                    $($name::$variant => $core::$variant),+
                }
            }
        }

        impl $name {
            /// Its parser, which every argument of this set names (`value_parser =`): clap
            /// would otherwise read a `ValueEnum` by its snake_case names alone.
            pub fn parser() -> VocabParser<$name> {
                VocabParser::new($set)
            }
        }
    };
}

/// Mirrors a vocabulary that a person may decline to answer: one more value,
/// `declined_to_answer`, which becomes `Answer::DeclinedToAnswer`.
macro_rules! mirror_answer {
    ($(#[$doc:meta])* $name:ident => $core:ident as $set:literal { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                #[value(name = $text)]
                $variant,
            )+
            /// The person declined to answer.
            #[value(name = "declined_to_answer")]
            DeclinedToAnswer,
        }

        impl From<$name> for Answer<$core> {
            fn from(value: $name) -> Answer<$core> {
                match value {
                    $($name::$variant => Answer::Given($core::$variant),)+
                    $name::DeclinedToAnswer => Answer::DeclinedToAnswer,
                }
            }
        }

        impl $name {
            /// Its parser, which every argument of this set names (`value_parser =`): clap
            /// would otherwise read a `ValueEnum` by its snake_case names alone.
            pub fn parser() -> VocabParser<$name> {
                VocabParser::new($set)
            }
        }
    };
}

mirror!(
    /// A staff role.
    RoleArg => Role as "role" {
        Reception = "reception",
        SocialWorker = "social_worker",
        Psychologist = "psychologist",
        RomaMediator = "roma_mediator",
        Supervisor = "supervisor",
        Administrator = "administrator",
    }
);

mirror!(
    /// The kind of a partner body.
    AgencyKindArg => AgencyKind as "agency_kind" {
        MunicipalService = "municipal_service",
        PublicService = "public_service",
        VolunteerOrganisation = "volunteer_organisation",
        SocialWelfareOrganisation = "social_welfare_organisation",
        PublicBenefitCompany = "public_benefit_company",
        Other = "other",
    }
);

mirror!(
    /// A need domain.
    NeedArg => NeedDomain as "need" {
        IncomeAndBenefits = "income_and_benefits",
        Housing = "housing",
        Employment = "employment",
        Education = "education",
        Health = "health",
        Disability = "disability",
        FamilyAndChildcare = "family_and_childcare",
        LegalAndDocuments = "legal_and_documents",
        SocialInclusion = "social_inclusion",
    }
);

mirror!(
    /// A need's priority.
    NeedPriorityArg => NeedPriority as "need_priority" {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

mirror!(
    /// A referral's priority.
    ReferralPriorityArg => ReferralPriority as "referral_priority" {
        Routine = "routine",
        Urgent = "urgent",
        Asap = "asap",
        Stat = "stat",
    }
);

mirror!(
    /// A kind of direct service.
    ServiceKindArg => ServiceKind as "service" {
        Information = "information",
        PsychosocialSupport = "psychosocial_support",
        Counselling = "counselling",
        VocationalGuidance = "vocational_guidance",
        ApplicationHelp = "application_help",
    }
);

mirror!(
    /// Why a case closes.
    CloseReasonArg => CloseReason as "close_reason" {
        GoalsMet = "goals_met",
        ReferredElsewhere = "referred_elsewhere",
        BeneficiaryWithdrew = "beneficiary_withdrew",
        LostContact = "lost_contact",
        MovedAway = "moved_away",
        Deceased = "deceased",
        Other = "other",
    }
);

mirror!(
    /// How a referral ended.
    OutcomeArg => Outcome as "outcome" {
        GotHelp = "got_help",
        Partly = "partly",
        NotEligible = "not_eligible",
        NoCapacity = "no_capacity",
        CouldNotContact = "could_not_contact",
        NoLongerInterested = "no_longer_interested",
        ReferredElsewhere = "referred_elsewhere",
    }
);

mirror!(
    /// The legal basis for processing a person's data.
    LegalBasisArg => LegalBasis as "legal_basis" {
        Consent = "consent",
        LegalObligation = "legal_obligation",
        VitalInterests = "vital_interests",
        PublicTask = "public_task",
    }
);

mirror!(
    /// What a sharing consent is for.
    PurposeArg => SharingPurpose as "purpose" {
        Referral = "referral",
        FollowUp = "follow_up",
    }
);

mirror!(
    /// A referral's status.
    StatusArg => ReferralStatus as "status" {
        Draft = "draft",
        Sent = "sent",
        Accepted = "accepted",
        Declined = "declined",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Completed = "completed",
        Failed = "failed",
        Cancelled = "cancelled",
        Expired = "expired",
    }
);

mirror!(
    /// A yes, no or declined answer about a vulnerable group.
    FlagArg => Flag as "flag" {
        Yes = "yes",
        No = "no",
        DeclinedToAnswer = "declined_to_answer",
    }
);

mirror_answer!(
    /// A gender, or declined.
    GenderArg => Gender as "gender" {
        Female = "female",
        Male = "male",
        Other = "other",
    }
);

mirror_answer!(
    /// A labour-market status, or declined.
    LabourStatusArg => LabourStatus as "labour_status" {
        Employed = "employed",
        Unemployed = "unemployed",
        LongTermUnemployed = "long_term_unemployed",
        Inactive = "inactive",
        InEducation = "in_education",
        Retired = "retired",
    }
);

mirror_answer!(
    /// An education level (ISCED band), or declined.
    EducationArg => IscedBand as "education" {
        Isced0 = "isced_0",
        Isced1To2 = "isced_1_2",
        Isced3To4 = "isced_3_4",
        Isced5To8 = "isced_5_8",
    }
);

mirror_answer!(
    /// The degree of urbanisation of where a person lives, or declined.
    AreaArg => Urbanisation as "area" {
        Cities = "cities",
        TownsAndSuburbs = "towns_and_suburbs",
        RuralAreas = "rural_areas",
    }
);

/// How a case came to the centre. `referred_in` needs `--referred-by AGENCY`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    /// The person walked in.
    #[value(name = "walk_in")]
    WalkIn,
    /// By telephone.
    #[value(name = "phone")]
    Phone,
    /// By e-mail.
    #[value(name = "email")]
    Email,
    /// Met by outreach work.
    #[value(name = "outreach")]
    Outreach,
    /// Referred in by a partner body.
    #[value(name = "referred_in")]
    ReferredIn,
}

impl ChannelArg {
    /// Its parser (see the mirrors' `parser`).
    pub fn parser() -> VocabParser<ChannelArg> {
        VocabParser::new("channel")
    }
}

/// The format of an indicators report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned sections for a terminal.
    Table,
    /// `IndicatorReport::to_json`, byte for byte.
    Json,
    /// `IndicatorReport::to_csv`, byte for byte.
    Csv,
    /// The CSV for a spreadsheet program: UTF-8 with a byte-order mark, `;` between fields
    /// in Greek (`,` in English).
    Spreadsheet,
    /// The ESF+ indicators in the managing authority's layout (`IndicatorReport::to_esf_csv`),
    /// byte for byte.
    EsfCsv,
    /// One self-contained HTML page to look at: charts with their tables, no script, nothing
    /// fetched.
    Html,
}

impl ReportFormat {
    /// The library's rendering this format prints or is made from.
    pub fn bytes(self) -> crate::backend::ReportBytes {
        match self {
            ReportFormat::Csv | ReportFormat::Spreadsheet => crate::backend::ReportBytes::Csv,
            ReportFormat::EsfCsv => crate::backend::ReportBytes::EsfCsv,
            ReportFormat::Json | ReportFormat::Table | ReportFormat::Html => crate::backend::ReportBytes::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{message_in, Lang};
    use parapompi::core::folding::fold;

    #[test]
    fn every_value_has_a_greek_name_distinct_within_its_set_and_read_back() {
        for (set, values) in sets() {
            let mut greek: Vec<String> = Vec::new();
            for value in &values {
                let key = if value == "declined_to_answer" {
                    "answer-declined_to_answer".to_owned()
                } else {
                    format!("{set}-{value}")
                };
                let name = message_in(Lang::El, &key, &[]);
                assert!(name != key && !name.is_ascii(), "{key} has no Greek name: {name}");
                greek.push(fold(&name));
                let names: Vec<&str> = values.iter().map(String::as_str).collect();
                assert_eq!(
                    crate::i18n::vocab_from_text(set, &names, &name.to_uppercase()),
                    Some(value.as_str()),
                    "{set} {name}"
                );
            }
            let n = greek.len();
            greek.sort();
            greek.dedup();
            assert_eq!(greek.len(), n, "two values of {set} share a Greek name");
        }
    }

    #[test]
    fn clap_reads_a_greek_name_and_still_refuses_an_unknown_one() {
        let parser = NeedArg::parser();
        let command = clap::Command::new("t");
        let read = |text: &str| parser.parse_ref(&command, None, OsStr::new(text));
        assert_eq!(read("housing").ok(), Some(NeedArg::Housing));
        assert_eq!(read("Στέγαση").ok(), Some(NeedArg::Housing));
        assert_eq!(read("ΝΟΜΙΚΑ ΚΑΙ ΕΓΓΡΑΦΑ").ok(), Some(NeedArg::LegalAndDocuments));
        assert!(read("σπίτι").is_err());
        crate::i18n::set_human_input(false);
        let refused_in_apply = read("στέγαση").is_err();
        crate::i18n::set_human_input(true);
        assert!(refused_in_apply, "apply takes the snake_case names only");
    }

    fn names<T: ValueEnum>() -> Vec<String> {
        T::value_variants().iter().filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned())).collect()
    }

    fn core_names<T: std::fmt::Display>(all: &[T]) -> Vec<String> {
        all.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_mirror_has_every_core_value_with_its_persisted_name() {
        assert_eq!(names::<RoleArg>(), core_names(Role::ALL));
        assert_eq!(names::<AgencyKindArg>(), core_names(AgencyKind::ALL));
        assert_eq!(names::<NeedArg>(), core_names(NeedDomain::ALL));
        assert_eq!(names::<NeedPriorityArg>(), core_names(NeedPriority::ALL));
        assert_eq!(names::<ReferralPriorityArg>(), core_names(ReferralPriority::ALL));
        assert_eq!(names::<ServiceKindArg>(), core_names(ServiceKind::ALL));
        assert_eq!(names::<CloseReasonArg>(), core_names(CloseReason::ALL));
        assert_eq!(names::<OutcomeArg>(), core_names(Outcome::ALL));
        assert_eq!(names::<LegalBasisArg>(), core_names(LegalBasis::ALL));
        assert_eq!(names::<PurposeArg>(), core_names(SharingPurpose::ALL));
        assert_eq!(names::<StatusArg>(), core_names(ReferralStatus::ALL));
        let mut genders = core_names(Gender::ALL);
        genders.push("declined_to_answer".to_owned());
        assert_eq!(names::<GenderArg>(), genders);
        let mut labour = core_names(LabourStatus::ALL);
        labour.push("declined_to_answer".to_owned());
        assert_eq!(names::<LabourStatusArg>(), labour);
        let mut education = core_names(IscedBand::ALL);
        education.push("declined_to_answer".to_owned());
        assert_eq!(names::<EducationArg>(), education);
    }
}
