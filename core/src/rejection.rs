//! Every rule a command can break, one variant each, with the data to explain it.

use crate::stream::StreamKind;
use std::fmt;

use crate::values::{AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, ReferralId, StaffId, Timestamp};
use crate::vocab::{CloseReason, NeedDomain, Outcome, ReferralStatus, Role, SharingPurpose};

/// Why a command was refused. Nothing is written for a rejected command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The credential does not let its holder do this: revoked, never issued, expired, or of
    /// another kind.
    #[error("credential {credential_id} is not valid: {why}")]
    CredentialNotValid {
        /// The credential.
        credential_id: crate::credential::CredentialId,
        /// Why.
        why: &'static str,
    },
    /// A credential would live too long, or end before it begins.
    #[error("a {kind} credential must expire after it is issued and at most {max_s} s later, not at {expires_at}")]
    CredentialLifetime {
        /// Its kind.
        kind: crate::credential::CredentialKind,
        /// The expiry asked for.
        expires_at: Timestamp,
        /// The longest lifetime of its kind, in seconds.
        max_s: i64,
    },
    /// Only the staff member themselves may do this with their credentials.
    #[error("staff member {staff_id} cannot {command} for another staff member: only the holder may")]
    NotOwnCredential {
        /// The actor.
        staff_id: StaffId,
        /// The command refused.
        command: &'static str,
    },
    /// The staff member the command concerns is deactivated.
    #[error("staff member {staff_id} is deactivated: reactivate them first")]
    StaffInactive {
        /// The staff member.
        staff_id: StaffId,
    },
    /// The authenticator only records failed logins; only it records them.
    #[error("{command}: only the authenticator records failed logins, and it does nothing else")]
    AuthenticatorOnly {
        /// The command refused.
        command: &'static str,
    },
    /// The command was decided against the state of another kind of stream (an Engine bug).
    #[error("a {command_kind} command cannot be decided on a {state_kind} stream")]
    WrongStream {
        /// The stream kind the command targets.
        command_kind: StreamKind,
        /// The stream kind of the state given.
        state_kind: StreamKind,
    },
    /// Evaluators read; they never write.
    #[error("evaluators cannot issue commands ({command})")]
    EvaluatorCannotWrite {
        /// The command refused.
        command: &'static str,
    },
    /// The set-up actor may only register a centre and its first administrator.
    #[error("the set-up actor may only register a centre and its first administrator, not {command}")]
    SetupActorNotAllowed {
        /// The command refused.
        command: &'static str,
    },
    /// The acting staff member is deactivated.
    #[error("staff member {staff_id} is deactivated")]
    ActorDeactivated {
        /// The actor.
        staff_id: StaffId,
    },
    /// The actor works at another centre than the one the command concerns.
    #[error("staff member {staff_id} of centre {actor_centre} cannot act for centre {target_centre}")]
    OutsideCentre {
        /// The actor.
        staff_id: StaffId,
        /// The actor's centre.
        actor_centre: CentreId,
        /// The centre the command concerns.
        target_centre: CentreId,
    },
    /// None of the actor's roles may issue this command.
    #[error("staff member {staff_id} has none of the roles needed for {command}: {}", Listed(allowed))]
    RoleNotPermitted {
        /// The actor.
        staff_id: StaffId,
        /// The command refused.
        command: &'static str,
        /// The roles that may issue it.
        allowed: Vec<Role>,
    },
    /// The Engine did not supply a fact the command needs (or the named stream is empty).
    #[error("missing fact: {fact} {id}")]
    MissingFact {
        /// Which fact: "centre", "agency", "beneficiary" or "staff".
        fact: &'static str,
        /// The id it should be about.
        id: String,
    },
    /// The stream already exists, so it cannot be created again.
    #[error("{stream_id} already exists")]
    AlreadyExists {
        /// The stream.
        stream_id: String,
    },
    /// The stream has no events, so only its creating command applies.
    #[error("{stream_id} does not exist")]
    NotFound {
        /// The stream.
        stream_id: String,
    },
    /// A limit on a count was reached.
    #[error("too many {what}: at most {max}")]
    TooMany {
        /// What is counted.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// The same thing twice where it must be unique.
    #[error("duplicate {what}: {value}")]
    Duplicate {
        /// What is duplicated.
        what: &'static str,
        /// The duplicated value.
        value: String,
    },
    /// The command would change nothing.
    #[error("nothing to change: {what}")]
    NothingToChange {
        /// What is already so.
        what: &'static str,
    },
    /// A period (of funding) ends before it starts.
    #[error("the period ends on {end}, before it starts on {start}")]
    PeriodEndsBeforeStart {
        /// Start date.
        start: Date,
        /// End date.
        end: Date,
    },
    /// A date after today.
    #[error("{date} is after today ({today})")]
    DateInFuture {
        /// The date given.
        date: Date,
        /// Today's business date.
        today: Date,
    },
    /// A date in a case earlier than the case's intake.
    #[error("{date} is before the case was opened on {opened_on}")]
    DateBeforeCaseOpened {
        /// The date.
        date: Date,
        /// The intake date.
        opened_on: Date,
    },
    /// A due date before today or too far ahead.
    #[error("due date {due_on} must be between {today} and {latest}")]
    DueDateOutOfRange {
        /// The due date given.
        due_on: Date,
        /// Today.
        today: Date,
        /// The latest allowed.
        latest: Date,
    },
    /// A year of birth in the future or implying an age over the limit.
    #[error("year of birth {year} is impossible on {today}")]
    YearOfBirthOutOfRange {
        /// The year given.
        year: i32,
        /// Today.
        today: Date,
    },
    /// The antenna is not an open antenna of the centre.
    #[error("antenna {antenna_id} is not open at centre {centre_id}")]
    AntennaNotOpen {
        /// The antenna.
        antenna_id: AntennaId,
        /// The centre.
        centre_id: CentreId,
    },
    /// A staff member needs at least one role.
    #[error("staff member {staff_id} needs at least one role")]
    NoRoles {
        /// The staff member.
        staff_id: StaffId,
    },
    /// Referral to, or assignment involving, an agency that is deactivated.
    #[error("agency {agency_id} is inactive")]
    AgencyInactive {
        /// The agency.
        agency_id: AgencyId,
    },
    /// The agency does not serve the referral's need domain.
    #[error("agency {agency_id} does not serve {need}")]
    AgencyDoesNotServeNeed {
        /// The agency.
        agency_id: AgencyId,
        /// The need.
        need: NeedDomain,
    },
    /// A referral sent without a valid sharing consent and without a supervisor override.
    #[error("beneficiary {beneficiary_id} has no valid consent to share with agency {agency_id} on {on}")]
    NoSharingConsent {
        /// The beneficiary.
        beneficiary_id: BeneficiaryId,
        /// The agency.
        agency_id: AgencyId,
        /// The date it was checked for.
        on: Date,
    },
    /// A consent for this agency and purpose is already in force.
    #[error("a consent to share with {agency_id} for {purpose} is already in force")]
    ConsentAlreadyActive {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
    },
    /// There is no consent in force to withdraw.
    #[error("no consent to share with {agency_id} for {purpose} is in force")]
    NoActiveConsent {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
    },
    /// The case is closed; only reopening applies.
    #[error("case {case_id} is closed")]
    CaseIsClosed {
        /// The case.
        case_id: CaseId,
    },
    /// The case is open, so it cannot be reopened.
    #[error("case {case_id} is open")]
    CaseIsOpen {
        /// The case.
        case_id: CaseId,
    },
    /// A first assignment on a case already assigned (use reassign).
    #[error("case {case_id} is already assigned to {staff_id}")]
    AlreadyAssigned {
        /// The case.
        case_id: CaseId,
        /// The current assignee.
        staff_id: StaffId,
    },
    /// A reassignment of a case nobody has.
    #[error("case {case_id} is not assigned")]
    NotAssigned {
        /// The case.
        case_id: CaseId,
    },
    /// The proposed assignee cannot take the case.
    #[error("staff member {staff_id} cannot be assigned: {why}")]
    AssigneeNotEligible {
        /// The proposed assignee.
        staff_id: StaffId,
        /// Why not.
        why: &'static str,
    },
    /// No such referral in this case.
    #[error("referral {referral_id} is not in this case")]
    UnknownReferral {
        /// The referral.
        referral_id: ReferralId,
    },
    /// The referral lifecycle forbids this step from the current status.
    #[error("referral {referral_id} is {from}: it cannot {action}; {}", next_steps(*from))]
    TransitionNotAllowed {
        /// The referral.
        referral_id: ReferralId,
        /// Its status.
        from: ReferralStatus,
        /// The step refused.
        action: &'static str,
    },
    /// Expiring a referral whose due date has not passed.
    #[error("referral {referral_id} is due on {due_on}; it cannot expire on {today}")]
    NotYetDue {
        /// The referral.
        referral_id: ReferralId,
        /// Its due date.
        due_on: Date,
        /// Today.
        today: Date,
    },
    /// Closing a case with open referrals.
    #[error("case {case_id} still has open referrals: {}; cancel or finish them first", Listed(open))]
    OpenReferralsRemain {
        /// The case.
        case_id: CaseId,
        /// The open referrals.
        open: Vec<ReferralId>,
    },
    /// Closing a case that entered an ESF+ operation without the person's situation on
    /// leaving.
    #[error(
        "case {case_id} entered the ESF+ operation(s) {}: closing it needs the person's situation on leaving (job searching, in education or training, gained a qualification, in employment)",
        Listed(programmes)
    )]
    LeavingSituationRequired {
        /// The case.
        case_id: CaseId,
        /// The programmes it entered.
        programmes: Vec<crate::values::ProgrammeCode>,
    },
    /// A situation on leaving given for a case that entered no ESF+ operation.
    #[error(
        "case {case_id} entered no ESF+ operation (no funding programme of its centre held its intake date): a situation on leaving is not recorded for it"
    )]
    LeavingSituationNotApplicable {
        /// The case.
        case_id: CaseId,
    },
    /// A step that needs a reason was given none.
    #[error("{action} needs a reason")]
    MissingReason {
        /// The step.
        action: &'static str,
    },
    /// A step that needs an outcome was given none.
    #[error("{action} needs an outcome")]
    MissingOutcome {
        /// The step.
        action: &'static str,
    },
    /// An assessment with no needs.
    #[error("an assessment needs at least one need")]
    NoNeeds,
    /// The act's business time lies after the engine's clock by more than the tolerance.
    #[error("the act is dated {occurred_at}, after the engine's clock ({now}) by more than {tolerance_s} s")]
    OccurredInFuture {
        /// The business time given.
        occurred_at: Timestamp,
        /// The engine's clock when the command arrived.
        now: Timestamp,
        /// The tolerance, in seconds.
        tolerance_s: i64,
    },
    /// A date before the centre or the person it concerns was registered.
    #[error("{date} is before {what} was registered on {registered_on}")]
    DateBeforeRegistration {
        /// The date given (or today's business date).
        date: Date,
        /// Whose registration: "the centre" or "the beneficiary".
        what: &'static str,
        /// The registration date.
        registered_on: Date,
    },
    /// An outcome that does not go with the way the referral ends.
    #[error("{action} takes one of the outcomes {}, not {outcome}", Listed(allowed))]
    OutcomeNotAllowed {
        /// The step.
        action: &'static str,
        /// The outcome given.
        outcome: Outcome,
        /// The outcomes this step takes.
        allowed: Vec<Outcome>,
    },
    /// The person's identity was erased (GDPR Art. 17): they are not processed again.
    #[error("beneficiary {beneficiary_id}'s identity was erased: {command} is refused (only closing their cases and cancelling or ending their referrals remain)")]
    IdentityWasErased {
        /// The beneficiary.
        beneficiary_id: BeneficiaryId,
        /// The command refused.
        command: &'static str,
    },
    /// A free text about a person whose identity was erased.
    #[error("beneficiary {beneficiary_id}'s identity was erased: nothing more is written about them, so {command} takes no {field}")]
    TextAboutErasedPerson {
        /// The beneficiary.
        beneficiary_id: BeneficiaryId,
        /// The command refused.
        command: &'static str,
        /// The text it carried.
        field: &'static str,
    },
    /// Reading a case's texts by someone other than its assignee needs a reason.
    #[error("case {case_id} is not assigned to you: reading its texts needs a reason, which the access record keeps")]
    ReadNeedsReason {
        /// The case.
        case_id: CaseId,
    },
    /// The case named is not the beneficiary's.
    #[error("case {case_id} is not a case of beneficiary {beneficiary_id}")]
    CaseOfAnotherPerson {
        /// The case.
        case_id: CaseId,
        /// The beneficiary named.
        beneficiary_id: BeneficiaryId,
    },
    /// The command would leave the centre with no active administrator.
    #[error("staff member {staff_id} is the last active administrator of centre {centre_id}: add or reactivate another administrator first")]
    LastAdministrator {
        /// The administrator.
        staff_id: StaffId,
        /// Their centre.
        centre_id: CentreId,
    },
    /// The business date is not a date the act's instant has anywhere (UTC−12 to UTC+14).
    #[error("the business date {today} is not the date of the act, dated {occurred_at}")]
    BusinessDateNotOfTheAct {
        /// The business date given.
        today: Date,
        /// The act's business time.
        occurred_at: Timestamp,
    },
    /// The centre already holds a beneficiary with this AMKA.
    #[error("centre {centre_id} already holds this AMKA: it is beneficiary {beneficiary_id}'s")]
    DuplicateAmka {
        /// The centre.
        centre_id: CentreId,
        /// The beneficiary who holds it.
        beneficiary_id: BeneficiaryId,
    },
    /// A command names a municipality that is not in the list (only an old event may hold
    /// one; see [`crate::municipality`]).
    #[error("«{municipality}» is not a municipality of Greece; the nearest are: {}", nearest.join("; "))]
    UnlistedMunicipality {
        /// The text given.
        municipality: String,
        /// The nearest entries, nearest first, each as `name (Latin, code)`.
        nearest: Vec<String>,
    },
    /// A backup was asked of an administrator of a centre other than the deployment's first
    /// (see [`crate::policy::may_take_backup`]).
    #[error(
        "staff member {staff_id} administers centre {centre_id}; a backup copies every centre's data, so only an administrator of the deployment's first centre {deployment_centre} takes one"
    )]
    NotDeploymentCentre {
        /// The administrator.
        staff_id: StaffId,
        /// Their centre.
        centre_id: CentreId,
        /// The deployment's first-registered centre.
        deployment_centre: CentreId,
    },
    /// A reason that needs a detail was given none.
    #[error("{action} with the reason {reason} needs a detail saying what the reason is")]
    MissingDetail {
        /// The step.
        action: &'static str,
        /// The reason that needs a detail.
        reason: CloseReason,
    },
}

/// A list of values, each in its display form, separated by commas.
struct Listed<'a, T>(&'a [T]);

impl<T: fmt::Display> fmt::Display for Listed<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

/// What may come next for a referral in `status`, in words (the lifecycle in [`crate::case`]).
pub fn next_steps(status: ReferralStatus) -> &'static str {
    match status {
        ReferralStatus::Draft => "send it first (or cancel it)",
        ReferralStatus::Sent => "the agency accepts or declines it first (it may also be put on hold, cancelled, or expire past its due date)",
        ReferralStatus::Accepted => "start it first (or fail, hold or cancel it)",
        ReferralStatus::InProgress => "it can be completed, failed, put on hold or cancelled",
        ReferralStatus::OnHold => "resume it first (or cancel it)",
        ReferralStatus::Declined | ReferralStatus::Failed => "it has ended; re-route it to another agency",
        ReferralStatus::Completed | ReferralStatus::Cancelled | ReferralStatus::Expired => "it has ended",
    }
}

impl Rejection {
    /// Every variant's name, for coverage checks and logs.
    pub const ALL_NAMES: &'static [&'static str] = &[
        "WrongStream",
        "EvaluatorCannotWrite",
        "SetupActorNotAllowed",
        "ActorDeactivated",
        "OutsideCentre",
        "RoleNotPermitted",
        "MissingFact",
        "AlreadyExists",
        "NotFound",
        "TooMany",
        "Duplicate",
        "NothingToChange",
        "PeriodEndsBeforeStart",
        "DateInFuture",
        "DateBeforeCaseOpened",
        "DueDateOutOfRange",
        "YearOfBirthOutOfRange",
        "AntennaNotOpen",
        "NoRoles",
        "AgencyInactive",
        "AgencyDoesNotServeNeed",
        "NoSharingConsent",
        "ConsentAlreadyActive",
        "NoActiveConsent",
        "CaseIsClosed",
        "CaseIsOpen",
        "AlreadyAssigned",
        "NotAssigned",
        "AssigneeNotEligible",
        "UnknownReferral",
        "TransitionNotAllowed",
        "NotYetDue",
        "OpenReferralsRemain",
        "MissingReason",
        "MissingOutcome",
        "NoNeeds",
        "OccurredInFuture",
        "DateBeforeRegistration",
        "OutcomeNotAllowed",
        "IdentityWasErased",
        "LastAdministrator",
        "MissingDetail",
        "DuplicateAmka",
        "BusinessDateNotOfTheAct",
        "CredentialNotValid",
        "CredentialLifetime",
        "NotOwnCredential",
        "StaffInactive",
        "AuthenticatorOnly",
        "TextAboutErasedPerson",
        "ReadNeedsReason",
        "CaseOfAnotherPerson",
        "UnlistedMunicipality",
        "LeavingSituationRequired",
        "LeavingSituationNotApplicable",
        "NotDeploymentCentre",
    ];

    /// The variant's name (one of [`Rejection::ALL_NAMES`]).
    pub fn name(&self) -> &'static str {
        match self {
            Self::WrongStream { .. } => "WrongStream",
            Self::EvaluatorCannotWrite { .. } => "EvaluatorCannotWrite",
            Self::SetupActorNotAllowed { .. } => "SetupActorNotAllowed",
            Self::ActorDeactivated { .. } => "ActorDeactivated",
            Self::OutsideCentre { .. } => "OutsideCentre",
            Self::RoleNotPermitted { .. } => "RoleNotPermitted",
            Self::MissingFact { .. } => "MissingFact",
            Self::AlreadyExists { .. } => "AlreadyExists",
            Self::NotFound { .. } => "NotFound",
            Self::TooMany { .. } => "TooMany",
            Self::Duplicate { .. } => "Duplicate",
            Self::NothingToChange { .. } => "NothingToChange",
            Self::PeriodEndsBeforeStart { .. } => "PeriodEndsBeforeStart",
            Self::DateInFuture { .. } => "DateInFuture",
            Self::DateBeforeCaseOpened { .. } => "DateBeforeCaseOpened",
            Self::DueDateOutOfRange { .. } => "DueDateOutOfRange",
            Self::YearOfBirthOutOfRange { .. } => "YearOfBirthOutOfRange",
            Self::AntennaNotOpen { .. } => "AntennaNotOpen",
            Self::NoRoles { .. } => "NoRoles",
            Self::AgencyInactive { .. } => "AgencyInactive",
            Self::AgencyDoesNotServeNeed { .. } => "AgencyDoesNotServeNeed",
            Self::NoSharingConsent { .. } => "NoSharingConsent",
            Self::ConsentAlreadyActive { .. } => "ConsentAlreadyActive",
            Self::NoActiveConsent { .. } => "NoActiveConsent",
            Self::CaseIsClosed { .. } => "CaseIsClosed",
            Self::CaseIsOpen { .. } => "CaseIsOpen",
            Self::AlreadyAssigned { .. } => "AlreadyAssigned",
            Self::NotAssigned { .. } => "NotAssigned",
            Self::AssigneeNotEligible { .. } => "AssigneeNotEligible",
            Self::UnknownReferral { .. } => "UnknownReferral",
            Self::TransitionNotAllowed { .. } => "TransitionNotAllowed",
            Self::NotYetDue { .. } => "NotYetDue",
            Self::OpenReferralsRemain { .. } => "OpenReferralsRemain",
            Self::MissingReason { .. } => "MissingReason",
            Self::MissingOutcome { .. } => "MissingOutcome",
            Self::NoNeeds => "NoNeeds",
            Self::OccurredInFuture { .. } => "OccurredInFuture",
            Self::DateBeforeRegistration { .. } => "DateBeforeRegistration",
            Self::OutcomeNotAllowed { .. } => "OutcomeNotAllowed",
            Self::IdentityWasErased { .. } => "IdentityWasErased",
            Self::LastAdministrator { .. } => "LastAdministrator",
            Self::MissingDetail { .. } => "MissingDetail",
            Self::DuplicateAmka { .. } => "DuplicateAmka",
            Self::BusinessDateNotOfTheAct { .. } => "BusinessDateNotOfTheAct",
            Self::CredentialNotValid { .. } => "CredentialNotValid",
            Self::CredentialLifetime { .. } => "CredentialLifetime",
            Self::NotOwnCredential { .. } => "NotOwnCredential",
            Self::StaffInactive { .. } => "StaffInactive",
            Self::AuthenticatorOnly { .. } => "AuthenticatorOnly",
            Self::TextAboutErasedPerson { .. } => "TextAboutErasedPerson",
            Self::ReadNeedsReason { .. } => "ReadNeedsReason",
            Self::CaseOfAnotherPerson { .. } => "CaseOfAnotherPerson",
            Self::UnlistedMunicipality { .. } => "UnlistedMunicipality",
            Self::LeavingSituationRequired { .. } => "LeavingSituationRequired",
            Self::LeavingSituationNotApplicable { .. } => "LeavingSituationNotApplicable",
            Self::NotDeploymentCentre { .. } => "NotDeploymentCentre",
        }
    }
}
