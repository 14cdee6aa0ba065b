//! Closed sets on the command line: a `ValueEnum` mirror of each vocabulary of core, with
//! the same snake_case names core persists. A test checks each mirror against core's `ALL`,
//! so a vocabulary that grows in core cannot be silently missing here.

use clap::ValueEnum;
use parapompi::core::vocab::{
    AgencyKind, Answer, CloseReason, Flag, Gender, IscedBand, LabourStatus, LegalBasis, NeedDomain, NeedPriority,
    Outcome, ReferralPriority, ReferralStatus, Role, ServiceKind, SharingPurpose,
};

macro_rules! mirror {
    ($(#[$doc:meta])* $name:ident => $core:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
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
    };
}

/// Mirrors a vocabulary that a person may decline to answer: one more value,
/// `declined_to_answer`, which becomes `Answer::DeclinedToAnswer`.
macro_rules! mirror_answer {
    ($(#[$doc:meta])* $name:ident => $core:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
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
    };
}

mirror!(
    /// A staff role.
    RoleArg => Role {
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
    AgencyKindArg => AgencyKind {
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
    NeedArg => NeedDomain {
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
    NeedPriorityArg => NeedPriority {
        Low = "low",
        Medium = "medium",
        High = "high",
    }
);

mirror!(
    /// A referral's priority.
    ReferralPriorityArg => ReferralPriority {
        Routine = "routine",
        Urgent = "urgent",
        Asap = "asap",
        Stat = "stat",
    }
);

mirror!(
    /// A kind of direct service.
    ServiceKindArg => ServiceKind {
        Information = "information",
        PsychosocialSupport = "psychosocial_support",
        Counselling = "counselling",
        VocationalGuidance = "vocational_guidance",
        ApplicationHelp = "application_help",
    }
);

mirror!(
    /// Why a case closes.
    CloseReasonArg => CloseReason {
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
    OutcomeArg => Outcome {
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
    LegalBasisArg => LegalBasis {
        Consent = "consent",
        LegalObligation = "legal_obligation",
        VitalInterests = "vital_interests",
        PublicTask = "public_task",
    }
);

mirror!(
    /// What a sharing consent is for.
    PurposeArg => SharingPurpose {
        Referral = "referral",
        FollowUp = "follow_up",
    }
);

mirror!(
    /// A referral's status.
    StatusArg => ReferralStatus {
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
    FlagArg => Flag {
        Yes = "yes",
        No = "no",
        DeclinedToAnswer = "declined_to_answer",
    }
);

mirror_answer!(
    /// A gender, or declined.
    GenderArg => Gender {
        Female = "female",
        Male = "male",
        Other = "other",
    }
);

mirror_answer!(
    /// A labour-market status, or declined.
    LabourStatusArg => LabourStatus {
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
    EducationArg => IscedBand {
        Isced0 = "isced_0",
        Isced1To2 = "isced_1_2",
        Isced3To4 = "isced_3_4",
        Isced5To8 = "isced_5_8",
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

/// The format of an indicators report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned sections for a terminal.
    Table,
    /// `IndicatorReport::to_json`, byte for byte.
    Json,
    /// `IndicatorReport::to_csv`, byte for byte.
    Csv,
}

#[cfg(test)]
mod tests {
    use super::*;

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
