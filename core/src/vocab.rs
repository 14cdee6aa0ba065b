//! Closed vocabularies of the domain: roles, kinds, domains, channels, statuses, outcomes.
//!
//! Each serialises as a `snake_case` string; these strings are part of the persisted event
//! contract and never change meaning.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::values::{AgencyId, Date};

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:expr),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable `snake_case` name used in payloads.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// A staff member's role at a centre.
    Role {
        /// Front desk: receives people, registers them, opens cases.
        Reception => "reception",
        /// Social worker: assesses, serves, refers.
        SocialWorker => "social_worker",
        /// Psychologist: psychosocial support.
        Psychologist => "psychologist",
        /// Specialised staff for Roma support.
        RomaMediator => "roma_mediator",
        /// Supervisor from the municipal Social Service: reassigns, reopens, overrides.
        Supervisor => "supervisor",
        /// Administrator: centre set-up and staff.
        Administrator => "administrator",
    }
);

vocabulary!(
    /// The kind of a partner body (HSDS `organization` classification).
    AgencyKind {
        /// A service of the municipality itself.
        MunicipalService => "municipal_service",
        /// A public service (OAED/DYPA, EFKA, hospitals, schools...).
        PublicService => "public_service",
        /// A volunteer organisation.
        VolunteerOrganisation => "volunteer_organisation",
        /// A social-welfare organisation.
        SocialWelfareOrganisation => "social_welfare_organisation",
        /// A public-benefit company.
        PublicBenefitCompany => "public_benefit_company",
        /// Anything else.
        Other => "other",
    }
);

vocabulary!(
    /// A domain of need, used by assessments, agencies and referrals.
    NeedDomain {
        /// Income and benefits.
        IncomeAndBenefits => "income_and_benefits",
        /// Housing.
        Housing => "housing",
        /// Employment.
        Employment => "employment",
        /// Education.
        Education => "education",
        /// Health.
        Health => "health",
        /// Disability.
        Disability => "disability",
        /// Family and childcare.
        FamilyAndChildcare => "family_and_childcare",
        /// Legal matters and documents.
        LegalAndDocuments => "legal_and_documents",
        /// Social inclusion.
        SocialInclusion => "social_inclusion",
    }
);

vocabulary!(
    /// How pressing an assessed need is.
    NeedPriority {
        /// Low.
        Low => "low",
        /// Medium.
        Medium => "medium",
        /// High.
        High => "high",
    }
);

vocabulary!(
    /// A referral's priority, with FHIR's request-priority codes.
    ReferralPriority {
        /// Normal priority (the default, and the value of every version-1 referral).
        Routine => "routine",
        /// Sooner than routine.
        Urgent => "urgent",
        /// As soon as possible.
        Asap => "asap",
        /// Immediately.
        Stat => "stat",
    }
);

vocabulary!(
    /// A direct service the centre itself provides.
    ServiceKind {
        /// Information.
        Information => "information",
        /// Psychosocial support.
        PsychosocialSupport => "psychosocial_support",
        /// Counselling.
        Counselling => "counselling",
        /// Vocational guidance and counselling for entering the labour market.
        VocationalGuidance => "vocational_guidance",
        /// Help with an application (benefits, documents...).
        ApplicationHelp => "application_help",
    }
);

vocabulary!(
    /// Why a case was closed.
    CloseReason {
        /// The goals of the case were met.
        GoalsMet => "goals_met",
        /// The person is now followed by another body.
        ReferredElsewhere => "referred_elsewhere",
        /// The person withdrew.
        BeneficiaryWithdrew => "beneficiary_withdrew",
        /// Contact was lost.
        LostContact => "lost_contact",
        /// The person moved out of the area.
        MovedAway => "moved_away",
        /// The person died.
        Deceased => "deceased",
        /// Another reason, which must then be written out.
        Other => "other",
    }
);

vocabulary!(
    /// The outcome of a completed or failed referral.
    Outcome {
        /// The person got the help.
        GotHelp => "got_help",
        /// The person got part of the help.
        Partly => "partly",
        /// The person was not eligible.
        NotEligible => "not_eligible",
        /// The agency had no capacity.
        NoCapacity => "no_capacity",
        /// The person could not be contacted.
        CouldNotContact => "could_not_contact",
        /// The person was no longer interested.
        NoLongerInterested => "no_longer_interested",
        /// The person was referred elsewhere.
        ReferredElsewhere => "referred_elsewhere",
    }
);

impl Outcome {
    /// The outcomes a completed referral records: the person got help, in full or in part.
    pub const ON_COMPLETION: &'static [Outcome] = &[Outcome::GotHelp, Outcome::Partly];
    /// The outcomes a failed referral records: every reason the help did not come.
    pub const ON_FAILURE: &'static [Outcome] = &[
        Outcome::NotEligible,
        Outcome::NoCapacity,
        Outcome::CouldNotContact,
        Outcome::NoLongerInterested,
        Outcome::ReferredElsewhere,
    ];
}

vocabulary!(
    /// Gender, as the person states it.
    Gender {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// Another gender.
        Other => "other",
    }
);

vocabulary!(
    /// Labour-market status.
    LabourStatus {
        /// Employed or self-employed.
        Employed => "employed",
        /// Unemployed, registered or not.
        Unemployed => "unemployed",
        /// Long-term unemployed (12 months or more).
        LongTermUnemployed => "long_term_unemployed",
        /// Inactive (not seeking work).
        Inactive => "inactive",
        /// In education or training.
        InEducation => "in_education",
        /// Retired.
        Retired => "retired",
    }
);

vocabulary!(
    /// Highest education completed, as an ISCED 2011 band (the ESF indicator bands).
    IscedBand {
        /// ISCED 0: below primary.
        Isced0 => "isced_0",
        /// ISCED 1-2: primary or lower secondary.
        Isced1To2 => "isced_1_2",
        /// ISCED 3-4: upper secondary or post-secondary non-tertiary.
        Isced3To4 => "isced_3_4",
        /// ISCED 5-8: tertiary.
        Isced5To8 => "isced_5_8",
    }
);

vocabulary!(
    /// The degree of urbanisation of where a person lives: Eurostat's DEGURBA classes of
    /// local administrative units. ESF+ counts participants from rural areas (EECO17).
    Urbanisation {
        /// Cities (densely populated areas, DEGURBA 1).
        Cities => "cities",
        /// Towns and suburbs (intermediate density areas, DEGURBA 2).
        TownsAndSuburbs => "towns_and_suburbs",
        /// Rural areas (thinly populated areas, DEGURBA 3).
        RuralAreas => "rural_areas",
    }
);

vocabulary!(
    /// The legal basis for processing a beneficiary's data (GDPR Art. 6(1)).
    LegalBasis {
        /// Art. 6(1)(a): consent.
        Consent => "consent",
        /// Art. 6(1)(c): a legal obligation.
        LegalObligation => "legal_obligation",
        /// Art. 6(1)(d): vital interests.
        VitalInterests => "vital_interests",
        /// Art. 6(1)(e): a task in the public interest.
        PublicTask => "public_task",
    }
);

vocabulary!(
    /// What a sharing consent allows data to be shared for.
    SharingPurpose {
        /// Sending a referral to the agency.
        Referral => "referral",
        /// Exchanging follow-up information about a referral.
        FollowUp => "follow_up",
    }
);

vocabulary!(
    /// Where a referral stands (after FHIR Task statuses, Gravity referral profile).
    ReferralStatus {
        /// Written, not sent.
        Draft => "draft",
        /// Sent to the agency, awaiting an answer.
        Sent => "sent",
        /// The agency accepted.
        Accepted => "accepted",
        /// The agency declined.
        Declined => "declined",
        /// The agency is working on it.
        InProgress => "in_progress",
        /// Paused.
        OnHold => "on_hold",
        /// Done, with an outcome.
        Completed => "completed",
        /// Did not work out, with an outcome.
        Failed => "failed",
        /// Cancelled by the centre.
        Cancelled => "cancelled",
        /// Sent and unanswered past its due date.
        Expired => "expired",
    }
);

impl ReferralStatus {
    /// Open statuses still need work: a case with an open referral cannot be closed.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Draft | Self::Sent | Self::Accepted | Self::InProgress | Self::OnHold)
    }
}

/// An answer the person may decline to give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schema", schemars(rename = "Answer_of_{T}"))]
#[serde(rename_all = "snake_case")]
pub enum Answer<T> {
    /// The person answered.
    Given(T),
    /// The person declined to answer.
    DeclinedToAnswer,
}

/// A yes/no flag the person may decline to answer (vulnerable-group membership).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Yes.
    Yes,
    /// No.
    No,
    /// The person declined to answer.
    DeclinedToAnswer,
}

/// How a case came in (the intake channel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IntakeChannel {
    /// The person walked in.
    WalkIn,
    /// By phone.
    Phone,
    /// By e-mail.
    Email,
    /// Found by outreach work.
    Outreach,
    /// Referred in by a partner body.
    ReferredIn {
        /// The agency that referred the person.
        agency_id: AgencyId,
    },
}

impl IntakeChannel {
    /// The channel's stable name, without the referring agency.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::WalkIn => "walk_in",
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Outreach => "outreach",
            Self::ReferredIn { .. } => "referred_in",
        }
    }
}

/// The vulnerable-group flags indicators count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VulnerableGroups {
    /// Roma and other minorities.
    pub roma_or_minority: Flag,
    /// Migrant, refugee or of foreign background.
    pub migrant: Flag,
    /// Person with a disability.
    pub disability: Flag,
    /// Homeless or excluded from housing.
    pub homeless: Flag,
    /// Not a citizen of an EU member state (stateless persons included): ESF+'s EECO13.
    /// `None` where it was never asked (attributes recorded before version 2 of their
    /// events).
    #[serde(default)]
    pub third_country_national: Option<Flag>,
    /// Of foreign background (a foreign-born parent, or foreign-born themselves): ESF+'s
    /// EECO14. `None` where it was never asked.
    #[serde(default)]
    pub foreign_background: Option<Flag>,
}

/// The attributes of a beneficiary that indicators use. No identity here: these go into
/// events.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attributes {
    /// Gender.
    pub gender: Answer<Gender>,
    /// Year of birth (checked against today's date when recorded).
    pub year_of_birth: Answer<i32>,
    /// Municipality of residence: shows service to a neighbouring municipality.
    pub municipality_of_residence: crate::values::MunicipalityName,
    /// Vulnerable-group flags.
    pub vulnerable_groups: VulnerableGroups,
    /// Labour-market status.
    pub labour_status: Answer<LabourStatus>,
    /// Education band.
    pub education: Answer<IscedBand>,
    /// The degree of urbanisation of the place of residence (ESF+'s EECO17 counts rural
    /// areas). `None` where it was never asked (attributes recorded before version 2 of
    /// their events).
    #[serde(default)]
    pub area_of_residence: Option<Answer<Urbanisation>>,
}

/// One assessed need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Need {
    /// The domain.
    pub domain: NeedDomain,
    /// How pressing.
    pub priority: NeedPriority,
}

/// A consent to share the beneficiary's data with one agency for one purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SharingConsent {
    /// The agency.
    pub agency_id: AgencyId,
    /// The purpose.
    pub purpose: SharingPurpose,
    /// The date it was given.
    pub granted_on: Date,
    /// The date it was withdrawn, if it was.
    pub withdrawn_on: Option<Date>,
}

impl SharingConsent {
    /// Valid on `date`: granted on or before it and not withdrawn on or before it.
    pub fn is_valid_on(&self, date: Date) -> bool {
        let not_withdrawn = match self.withdrawn_on {
            None => true,
            Some(withdrawn_on) => withdrawn_on > date,
        };
        self.granted_on <= date && not_withdrawn
    }
}
