//! Cases and their referrals: one stream per case.
//!
//! The referral lifecycle follows the FHIR Task used by the Gravity referral profile:
//!
//! ```text
//! draft ─send→ sent ─accept→ accepted ─start→ in_progress ─complete→ completed
//!                  ├decline→ declined          │            └fail→ failed
//!                  └expire (past due)→ expired  └fail→ failed
//! sent | accepted | in_progress ─hold→ on_hold ─resume→ (the status it was held from)
//! any open status ─cancel→ cancelled
//! declined | failed ─reroute→ a new draft referral linked to the old one
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::context::{CaseFacts, Context, FactsNeeded};
use crate::esf::{EntrySituation, LeavingSituation};
use crate::limits;
use crate::policy::{self, CASEWORK, CASE_MANAGEMENT, FRONT_LINE, SUPERVISION};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::text::Text;
use crate::values::{
    AgencyId, AntennaId, BeneficiaryId, CaseId, CentreId, Date, Narrative, ProgrammeCode, Reason, ReferralId, StaffId,
};
use crate::vocab::{
    AgencyKind, CloseReason, IntakeChannel, Need, NeedDomain, Outcome, ReferralPriority, ReferralStatus, Role,
    ServiceKind, SharingPurpose,
};

/// A command to a case's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CaseCommand {
    /// The case (stream `case-<uuid>`).
    pub case_id: CaseId,
    /// What to do.
    pub action: CaseAction,
}

/// A supervisor's override of the sharing-consent rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ConsentOverride {
    /// Why sharing without consent is justified (required).
    pub reason: Option<Reason>,
}

/// What can be asked of a case's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CaseAction {
    /// Open the case by an intake.
    Open {
        /// The beneficiary (must be registered).
        beneficiary_id: BeneficiaryId,
        /// The centre that took the intake.
        centre_id: CentreId,
        /// The antenna that took it, if not the centre's main office.
        antenna_id: Option<AntennaId>,
        /// The date of the intake (not after today).
        intake_date: Date,
        /// How the person came.
        channel: IntakeChannel,
        /// The request in the person's words.
        request: Narrative,
    },
    /// First assignment to a caseworker.
    Assign {
        /// The assignee.
        staff_id: StaffId,
    },
    /// Move the case to another caseworker (supervisor only).
    Reassign {
        /// The new assignee.
        staff_id: StaffId,
        /// Why.
        reason: Reason,
    },
    /// Assess (or reassess) the needs; the latest assessment is the current one.
    Assess {
        /// Needs, at most one per domain.
        needs: Vec<Need>,
        /// The date of the assessment.
        assessed_on: Date,
        /// A summary.
        summary: Option<Narrative>,
    },
    /// Record a direct service.
    RecordService {
        /// The kind.
        kind: ServiceKind,
        /// When it was provided.
        provided_on: Date,
        /// A note.
        note: Option<Narrative>,
    },
    /// Add a note.
    AddNote {
        /// The note.
        text: Narrative,
    },
    /// Close the case (no open referrals may remain).
    Close {
        /// The reason.
        reason: CloseReason,
        /// Details; required when the reason is `Other`.
        detail: Option<Reason>,
        /// The person's situation on leaving: required when the case entered an ESF+
        /// operation ([`crate::esf`]) and the person's identity was not erased, refused
        /// otherwise (nothing an indicator does not use is recorded).
        #[serde(default)]
        leaving: Option<LeavingSituation>,
    },
    /// Reopen a closed case (supervisor only).
    Reopen {
        /// Why (required).
        reason: Option<Reason>,
    },
    /// Create a draft referral.
    CreateReferral {
        /// The new referral's id.
        referral_id: ReferralId,
        /// The agency (active, serving the need).
        agency_id: AgencyId,
        /// The need referred for.
        need: NeedDomain,
        /// Why.
        reason: Reason,
        /// The follow-up due date.
        due_on: Date,
        /// The priority.
        priority: ReferralPriority,
    },
    /// Send a draft referral (needs a consent or a supervisor's override).
    SendReferral {
        /// The referral.
        referral_id: ReferralId,
        /// A supervisor's override of the consent rule.
        consent_override: Option<ConsentOverride>,
    },
    /// Record the agency's acceptance.
    AcceptReferral {
        /// The referral.
        referral_id: ReferralId,
    },
    /// Record the agency's refusal.
    DeclineReferral {
        /// The referral.
        referral_id: ReferralId,
        /// Why (required).
        reason: Option<Reason>,
    },
    /// Record that the agency started work.
    StartReferral {
        /// The referral.
        referral_id: ReferralId,
    },
    /// Put a referral on hold.
    HoldReferral {
        /// The referral.
        referral_id: ReferralId,
        /// Why (required).
        reason: Option<Reason>,
    },
    /// Resume a referral on hold.
    ResumeReferral {
        /// The referral.
        referral_id: ReferralId,
    },
    /// Record completion.
    CompleteReferral {
        /// The referral.
        referral_id: ReferralId,
        /// The outcome (required).
        outcome: Option<Outcome>,
        /// A note.
        note: Option<Narrative>,
    },
    /// Record failure.
    FailReferral {
        /// The referral.
        referral_id: ReferralId,
        /// The outcome (required).
        outcome: Option<Outcome>,
        /// Why (required).
        reason: Option<Reason>,
    },
    /// Cancel an open referral.
    CancelReferral {
        /// The referral.
        referral_id: ReferralId,
        /// Why (required).
        reason: Option<Reason>,
    },
    /// Expire a sent referral unanswered past its due date.
    ExpireReferral {
        /// The referral.
        referral_id: ReferralId,
    },
    /// Re-route a declined or failed referral: a new draft linked to the old one.
    RerouteReferral {
        /// The declined or failed referral.
        referral_id: ReferralId,
        /// The new referral's id.
        new_referral_id: ReferralId,
        /// The new agency.
        agency_id: AgencyId,
        /// Why.
        reason: Reason,
        /// The new due date.
        due_on: Date,
        /// The priority.
        priority: ReferralPriority,
    },
    /// Add a follow-up note to a referral.
    AddFollowUpNote {
        /// The referral.
        referral_id: ReferralId,
        /// The note.
        text: Narrative,
    },
    /// Move an open referral's due date.
    MoveDueDate {
        /// The referral.
        referral_id: ReferralId,
        /// The new due date.
        due_on: Date,
        /// Why.
        reason: Option<Reason>,
    },
}

impl CaseAction {
    /// The command's stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Open { .. } => "OpenCase",
            Self::Assign { .. } => "AssignCase",
            Self::Reassign { .. } => "ReassignCase",
            Self::Assess { .. } => "AssessNeeds",
            Self::RecordService { .. } => "RecordService",
            Self::AddNote { .. } => "AddCaseNote",
            Self::Close { .. } => "CloseCase",
            Self::Reopen { .. } => "ReopenCase",
            Self::CreateReferral { .. } => "CreateReferral",
            Self::SendReferral { .. } => "SendReferral",
            Self::AcceptReferral { .. } => "AcceptReferral",
            Self::DeclineReferral { .. } => "DeclineReferral",
            Self::StartReferral { .. } => "StartReferral",
            Self::HoldReferral { .. } => "HoldReferral",
            Self::ResumeReferral { .. } => "ResumeReferral",
            Self::CompleteReferral { .. } => "CompleteReferral",
            Self::FailReferral { .. } => "FailReferral",
            Self::CancelReferral { .. } => "CancelReferral",
            Self::ExpireReferral { .. } => "ExpireReferral",
            Self::RerouteReferral { .. } => "RerouteReferral",
            Self::AddFollowUpNote { .. } => "AddFollowUpNote",
            Self::MoveDueDate { .. } => "MoveDueDate",
        }
    }

    /// True for the steps that still apply once the person's identity was erased: closing
    /// the case and ending its referrals, so that nothing stays open for someone who is gone.
    pub fn winds_down(&self) -> bool {
        matches!(self, Self::Close { .. } | Self::CancelReferral { .. } | Self::ExpireReferral { .. })
    }

    /// The free texts the command carries, in field order.
    pub fn texts(&self) -> Vec<&str> {
        let mut texts: Vec<&str> = Vec::new();
        match self {
            Self::Open { request, .. } => texts.push(request.as_str()),
            Self::Assess { summary, .. } => texts.extend(summary.as_ref().map(|s| s.as_str())),
            Self::RecordService { note, .. } | Self::CompleteReferral { note, .. } => {
                texts.extend(note.as_ref().map(|n| n.as_str()))
            }
            Self::AddNote { text } | Self::AddFollowUpNote { text, .. } => texts.push(text.as_str()),
            Self::Close { detail, .. } => texts.extend(detail.as_ref().map(|d| d.as_str())),
            Self::SendReferral { consent_override, .. } => {
                texts.extend(consent_override.as_ref().and_then(|o| o.reason.as_ref()).map(|r| r.as_str()))
            }
            Self::Reassign { reason, .. }
            | Self::CreateReferral { reason, .. }
            | Self::RerouteReferral { reason, .. } => texts.push(reason.as_str()),
            Self::Reopen { reason }
            | Self::DeclineReferral { reason, .. }
            | Self::HoldReferral { reason, .. }
            | Self::FailReferral { reason, .. }
            | Self::CancelReferral { reason, .. }
            | Self::MoveDueDate { reason, .. } => texts.extend(reason.as_ref().map(|r| r.as_str())),
            _ => {}
        }
        texts
    }

    /// The command-line name of a free text the command carries, if it carries one.
    pub fn text_field(&self) -> Option<&'static str> {
        match self {
            Self::Open { .. } => Some("request"),
            Self::Assess { summary: Some(_), .. } => Some("summary"),
            Self::RecordService { note: Some(_), .. } | Self::CompleteReferral { note: Some(_), .. } => Some("note"),
            Self::AddNote { .. } | Self::AddFollowUpNote { .. } => Some("text"),
            Self::Close { detail: Some(_), .. } => Some("detail"),
            Self::SendReferral { consent_override: Some(ConsentOverride { reason: Some(_) }), .. } => {
                Some("override reason")
            }
            Self::Reassign { .. } | Self::CreateReferral { .. } | Self::RerouteReferral { .. } => Some("reason"),
            Self::Reopen { reason: Some(_) }
            | Self::DeclineReferral { reason: Some(_), .. }
            | Self::HoldReferral { reason: Some(_), .. }
            | Self::FailReferral { reason: Some(_), .. }
            | Self::CancelReferral { reason: Some(_), .. }
            | Self::MoveDueDate { reason: Some(_), .. } => Some("reason"),
            _ => None,
        }
    }

    /// The roles that may issue this command (within the case's centre).
    pub fn allowed_roles(&self) -> &'static [Role] {
        match self {
            Self::Open { .. } | Self::AddNote { .. } => FRONT_LINE,
            Self::Assign { .. } | Self::Close { .. } => CASE_MANAGEMENT,
            Self::Reassign { .. } | Self::Reopen { .. } => SUPERVISION,
            _ => CASEWORK,
        }
    }
}

/// On what grounds a referral was shared with its agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SharingBasis {
    /// A consent in force, granted on this date.
    Consent {
        /// The consent's grant date.
        granted_on: Date,
    },
    /// A supervisor's override.
    SupervisorOverride {
        /// The supervisor.
        supervisor: StaffId,
        /// Why.
        reason: Text,
    },
}

/// What happened in a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CaseEvent {
    /// "CaseOpened", v2 (v1 held its text inline).
    CaseOpened {
        /// The case.
        case_id: CaseId,
        /// The beneficiary.
        beneficiary_id: BeneficiaryId,
        /// The centre.
        centre_id: CentreId,
        /// The antenna, if one took the intake.
        antenna_id: Option<AntennaId>,
        /// The intake date.
        intake_date: Date,
        /// The channel.
        channel: IntakeChannel,
        /// The request in the person's words.
        request: Text,
        /// Who opened it.
        opened_by: StaffId,
    },
    /// "ParticipantEntered", v1: with this intake the person entered an ESF+ operation, a
    /// funding programme of the centre whose period holds the intake date; their situation
    /// at entry, from their attributes as they stood ([`crate::esf`]). Recorded at a
    /// person's first intake in the operation only; a later one records
    /// `ParticipantReturned`.
    ParticipantEntered {
        /// The programme (the operation, with the case's centre).
        programme: ProgrammeCode,
        /// The date of entry: the intake date.
        entered_on: Date,
        /// The situation at entry.
        situation: EntrySituation,
    },
    /// "ParticipantReturned", v1: with this intake a person who had already entered the
    /// ESF+ operation came back to it. The case belongs to the operation (its closure
    /// records the situation on leaving) but no situation at entry is taken again: ESF+
    /// counts a participant once per operation, as they were at their first entry.
    ParticipantReturned {
        /// The programme (the operation, with the case's centre).
        programme: ProgrammeCode,
        /// The date of the return: the intake date.
        returned_on: Date,
    },
    /// "CaseAssigned", v1.
    CaseAssigned {
        /// The assignee.
        staff_id: StaffId,
        /// Who assigned.
        assigned_by: StaffId,
    },
    /// "CaseReassigned", v2 (v1 held its text inline).
    CaseReassigned {
        /// The previous assignee.
        from_staff_id: StaffId,
        /// The new assignee.
        staff_id: StaffId,
        /// Why.
        reason: Text,
        /// The supervisor.
        reassigned_by: StaffId,
    },
    /// "NeedsAssessed", v2 (v1 held its text inline).
    NeedsAssessed {
        /// The needs.
        needs: Vec<Need>,
        /// The date.
        assessed_on: Date,
        /// A summary.
        summary: Option<Text>,
        /// Who assessed.
        assessed_by: StaffId,
    },
    /// "ServiceProvided", v2 (v1 held its text inline).
    ServiceProvided {
        /// The kind.
        kind: ServiceKind,
        /// The date.
        provided_on: Date,
        /// A note.
        note: Option<Text>,
        /// Who provided it.
        provided_by: StaffId,
    },
    /// "CaseNoteAdded", v2 (v1 held its text inline).
    CaseNoteAdded {
        /// The note.
        text: Text,
        /// Business date.
        written_on: Date,
        /// The author.
        author: StaffId,
    },
    /// "CaseClosed", v2 (v1 held its text inline).
    CaseClosed {
        /// The reason.
        reason: CloseReason,
        /// Details.
        detail: Option<Text>,
        /// Business date.
        closed_on: Date,
        /// Who closed it.
        closed_by: StaffId,
    },
    /// "LeavingSituationRecorded", v1: the person's situation on leaving the operations the
    /// case entered, recorded with its closure.
    LeavingSituationRecorded {
        /// The date of leaving: the closure's.
        left_on: Date,
        /// The situation on leaving.
        situation: LeavingSituation,
    },
    /// "CaseReopened", v2 (v1 held its text inline).
    CaseReopened {
        /// Why.
        reason: Text,
        /// Business date.
        reopened_on: Date,
        /// The supervisor.
        reopened_by: StaffId,
    },
    /// "ReferralCreated", v3 (v1 had no `priority`, which reads as `routine`; v1 and v2 held
    /// the reason inline).
    ReferralCreated {
        /// The referral.
        referral_id: ReferralId,
        /// The agency.
        agency_id: AgencyId,
        /// The agency's kind when referred (for indicators, no lookup needed).
        agency_kind: AgencyKind,
        /// The need.
        need: NeedDomain,
        /// Why.
        reason: Text,
        /// Follow-up due date.
        due_on: Date,
        /// Priority (added in version 2).
        priority: ReferralPriority,
        /// Business date.
        created_on: Date,
    },
    /// "ReferralSent", v2 (v1 held its text inline).
    ReferralSent {
        /// The referral.
        referral_id: ReferralId,
        /// Business date.
        sent_on: Date,
        /// On what grounds the data were shared.
        sharing_basis: SharingBasis,
    },
    /// "ReferralAccepted", v1.
    ReferralAccepted {
        /// The referral.
        referral_id: ReferralId,
        /// Business date of the answer.
        answered_on: Date,
    },
    /// "ReferralDeclined", v2 (v1 held its text inline).
    ReferralDeclined {
        /// The referral.
        referral_id: ReferralId,
        /// Why.
        reason: Text,
        /// Business date of the answer.
        answered_on: Date,
    },
    /// "ReferralStarted", v1.
    ReferralStarted {
        /// The referral.
        referral_id: ReferralId,
        /// Business date.
        started_on: Date,
    },
    /// "ReferralPutOnHold", v2 (v1 held its text inline).
    ReferralPutOnHold {
        /// The referral.
        referral_id: ReferralId,
        /// The status it was in, to which resuming returns.
        held_from: ReferralStatus,
        /// Why.
        reason: Text,
        /// Business date.
        held_on: Date,
    },
    /// "ReferralResumed", v1.
    ReferralResumed {
        /// The referral.
        referral_id: ReferralId,
        /// The status it returns to.
        resumed_to: ReferralStatus,
        /// Business date.
        resumed_on: Date,
    },
    /// "ReferralCompleted", v2 (v1 held its text inline).
    ReferralCompleted {
        /// The referral.
        referral_id: ReferralId,
        /// The outcome.
        outcome: Outcome,
        /// A note.
        note: Option<Text>,
        /// Business date.
        completed_on: Date,
    },
    /// "ReferralFailed", v2 (v1 held its text inline).
    ReferralFailed {
        /// The referral.
        referral_id: ReferralId,
        /// The outcome.
        outcome: Outcome,
        /// Why.
        reason: Text,
        /// Business date.
        failed_on: Date,
    },
    /// "ReferralCancelled", v2 (v1 held its reason inline, and always one).
    ReferralCancelled {
        /// The referral.
        referral_id: ReferralId,
        /// Why (none when the person's identity was erased: nothing more is written about
        /// them).
        reason: Option<Text>,
        /// Business date.
        cancelled_on: Date,
    },
    /// "ReferralExpired", v1.
    ReferralExpired {
        /// The referral.
        referral_id: ReferralId,
        /// The due date that passed.
        due_on: Date,
        /// Business date.
        expired_on: Date,
    },
    /// "ReferralRerouted", v2 (v1 held its reason inline): creates a new draft referral
    /// linked to a declined or failed one.
    ReferralRerouted {
        /// The declined or failed referral.
        from_referral_id: ReferralId,
        /// The new referral.
        referral_id: ReferralId,
        /// The new agency.
        agency_id: AgencyId,
        /// Its kind.
        agency_kind: AgencyKind,
        /// The need (the old referral's).
        need: NeedDomain,
        /// Why.
        reason: Text,
        /// Follow-up due date.
        due_on: Date,
        /// Priority.
        priority: ReferralPriority,
        /// Business date.
        created_on: Date,
    },
    /// "ReferralFollowUpNoted", v2 (v1 held its text inline).
    ReferralFollowUpNoted {
        /// The referral.
        referral_id: ReferralId,
        /// The note.
        text: Text,
        /// Business date.
        noted_on: Date,
        /// The author.
        author: StaffId,
    },
    /// "ReferralDueDateMoved", v2 (v1 held its text inline).
    ReferralDueDateMoved {
        /// The referral.
        referral_id: ReferralId,
        /// The previous due date.
        from_due_on: Date,
        /// The new due date.
        due_on: Date,
        /// Why.
        reason: Option<Text>,
    },
}

/// The free texts of a case event, each with its field's name, in field order: one match
/// for both `&CaseEvent` and `&mut CaseEvent` (match ergonomics binds accordingly).
macro_rules! texts_of {
    ($event:expr) => {
        match $event {
            CaseEvent::CaseOpened { request, .. } => vec![("request", request)],
            CaseEvent::CaseReassigned { reason, .. }
            | CaseEvent::CaseReopened { reason, .. }
            | CaseEvent::ReferralCreated { reason, .. }
            | CaseEvent::ReferralDeclined { reason, .. }
            | CaseEvent::ReferralPutOnHold { reason, .. }
            | CaseEvent::ReferralFailed { reason, .. }
            | CaseEvent::ReferralRerouted { reason, .. }
            | CaseEvent::ReferralCancelled { reason: Some(reason), .. }
            | CaseEvent::ReferralDueDateMoved { reason: Some(reason), .. } => vec![("reason", reason)],
            CaseEvent::NeedsAssessed { summary: Some(summary), .. } => vec![("summary", summary)],
            CaseEvent::ServiceProvided { note: Some(note), .. }
            | CaseEvent::ReferralCompleted { note: Some(note), .. } => {
                vec![("note", note)]
            }
            CaseEvent::CaseNoteAdded { text, .. } | CaseEvent::ReferralFollowUpNoted { text, .. } => {
                vec![("text", text)]
            }
            CaseEvent::CaseClosed { detail: Some(detail), .. } => vec![("detail", detail)],
            CaseEvent::ReferralSent { sharing_basis: SharingBasis::SupervisorOverride { reason, .. }, .. } => {
                vec![("override_reason", reason)]
            }
            _ => Vec::new(),
        }
    };
}

impl CaseEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] = &[
        "CaseOpened",
        "CaseAssigned",
        "CaseReassigned",
        "NeedsAssessed",
        "ServiceProvided",
        "CaseNoteAdded",
        "CaseClosed",
        "CaseReopened",
        "ReferralCreated",
        "ReferralSent",
        "ReferralAccepted",
        "ReferralDeclined",
        "ReferralStarted",
        "ReferralPutOnHold",
        "ReferralResumed",
        "ReferralCompleted",
        "ReferralFailed",
        "ReferralCancelled",
        "ReferralExpired",
        "ReferralRerouted",
        "ReferralFollowUpNoted",
        "ReferralDueDateMoved",
        "ParticipantEntered",
        "ParticipantReturned",
        "LeavingSituationRecorded",
    ];

    /// The event's free texts, each with its field's name.
    pub fn texts(&self) -> Vec<(&'static str, &Text)> {
        texts_of!(self)
    }

    /// The event's free texts, to seal them.
    pub fn texts_mut(&mut self) -> Vec<(&'static str, &mut Text)> {
        texts_of!(self)
    }

    /// The first schema version of each type whose texts are sealed, for the types that
    /// hold texts: an event of that version or later with an inline text is malformed.
    pub fn texts_sealed_since(event_type: &str) -> Option<u32> {
        match event_type {
            "ReferralCreated" => Some(3),
            "CaseOpened"
            | "CaseReassigned"
            | "NeedsAssessed"
            | "ServiceProvided"
            | "CaseNoteAdded"
            | "CaseClosed"
            | "CaseReopened"
            | "ReferralSent"
            | "ReferralDeclined"
            | "ReferralPutOnHold"
            | "ReferralCompleted"
            | "ReferralFailed"
            | "ReferralCancelled"
            | "ReferralRerouted"
            | "ReferralFollowUpNoted"
            | "ReferralDueDateMoved" => Some(2),
            _ => None,
        }
    }

    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::CaseOpened { .. } => "CaseOpened",
            Self::CaseAssigned { .. } => "CaseAssigned",
            Self::CaseReassigned { .. } => "CaseReassigned",
            Self::NeedsAssessed { .. } => "NeedsAssessed",
            Self::ServiceProvided { .. } => "ServiceProvided",
            Self::CaseNoteAdded { .. } => "CaseNoteAdded",
            Self::CaseClosed { .. } => "CaseClosed",
            Self::CaseReopened { .. } => "CaseReopened",
            Self::ReferralCreated { .. } => "ReferralCreated",
            Self::ReferralSent { .. } => "ReferralSent",
            Self::ReferralAccepted { .. } => "ReferralAccepted",
            Self::ReferralDeclined { .. } => "ReferralDeclined",
            Self::ReferralStarted { .. } => "ReferralStarted",
            Self::ReferralPutOnHold { .. } => "ReferralPutOnHold",
            Self::ReferralResumed { .. } => "ReferralResumed",
            Self::ReferralCompleted { .. } => "ReferralCompleted",
            Self::ReferralFailed { .. } => "ReferralFailed",
            Self::ReferralCancelled { .. } => "ReferralCancelled",
            Self::ReferralExpired { .. } => "ReferralExpired",
            Self::ReferralRerouted { .. } => "ReferralRerouted",
            Self::ReferralFollowUpNoted { .. } => "ReferralFollowUpNoted",
            Self::ReferralDueDateMoved { .. } => "ReferralDueDateMoved",
            Self::ParticipantEntered { .. } => "ParticipantEntered",
            Self::ParticipantReturned { .. } => "ParticipantReturned",
            Self::LeavingSituationRecorded { .. } => "LeavingSituationRecorded",
        }
    }
}

/// A referral within a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    /// The referral.
    pub referral_id: ReferralId,
    /// The agency.
    pub agency_id: AgencyId,
    /// The agency's kind when referred.
    pub agency_kind: AgencyKind,
    /// The need.
    pub need: NeedDomain,
    /// Follow-up due date.
    pub due_on: Date,
    /// Priority.
    pub priority: ReferralPriority,
    /// Status.
    pub status: ReferralStatus,
    /// While on hold, the status to resume to.
    pub held_from: Option<ReferralStatus>,
    /// The referral this one re-routes.
    pub rerouted_from: Option<ReferralId>,
    /// The referral that re-routed this one.
    pub rerouted_to: Option<ReferralId>,
    /// Follow-up notes recorded.
    pub n_follow_up_notes: usize,
    /// Due-date moves recorded.
    pub n_due_date_moves: usize,
}

/// An opened case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The case.
    pub case_id: CaseId,
    /// The beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The centre.
    pub centre_id: CentreId,
    /// The antenna, if one took the intake.
    pub antenna_id: Option<AntennaId>,
    /// The channel.
    pub channel: IntakeChannel,
    /// The intake date.
    pub opened_on: Date,
    /// False while closed.
    pub open: bool,
    /// The assignee.
    pub assignee: Option<StaffId>,
    /// The needs of the latest assessment.
    pub needs: Vec<Need>,
    /// Assessments recorded.
    pub n_assessments: usize,
    /// Services recorded.
    pub n_services: usize,
    /// Notes recorded.
    pub n_notes: usize,
    /// Reopenings recorded.
    pub n_reopenings: usize,
    /// The latest closing reason.
    pub close_reason: Option<CloseReason>,
    /// The ESF+ operations (funding programmes of the centre) the intake entered.
    pub operations: Vec<ProgrammeCode>,
    /// The referrals.
    pub referrals: BTreeMap<ReferralId, Referral>,
}

/// The state of a case stream: `None` until opened.
pub type CaseState = Option<Case>;

impl CaseFacts {
    /// The facts of an opened case, `None` if it was never opened.
    pub fn from_state(state: &CaseState) -> Option<Self> {
        state.as_ref().map(|case| CaseFacts {
            case_id: case.case_id,
            beneficiary_id: case.beneficiary_id,
            centre_id: case.centre_id,
            assignee: case.assignee,
        })
    }
}

/// The case stream's rules.
#[derive(Debug, Clone, Copy)]
pub struct CaseAggregate;

fn check_dated(date: Date, case: &Case, today: Date) -> Result<(), Rejection> {
    if date > today {
        return Err(Rejection::DateInFuture { date, today });
    }
    if date < case.opened_on {
        return Err(Rejection::DateBeforeCaseOpened { date, opened_on: case.opened_on });
    }
    Ok(())
}

fn check_due(due_on: Date, today: Date) -> Result<(), Rejection> {
    // `today` is at most year 2199; past the last representable date nothing is later.
    let latest = today.add_days(limits::MAX_DUE_DAYS_AHEAD).unwrap_or(today);
    if due_on < today || due_on > latest {
        return Err(Rejection::DueDateOutOfRange { due_on, today, latest });
    }
    Ok(())
}

fn required<T: Clone>(value: &Option<T>, missing: impl FnOnce() -> Rejection) -> Result<T, Rejection> {
    value.clone().ok_or_else(missing)
}

fn reason(value: &Option<Reason>, action: &'static str) -> Result<Text, Rejection> {
    required(value, || Rejection::MissingReason { action }).map(|reason| Text::inline(reason.as_str()))
}

/// An optional text of a command, as its event holds it until the Engine seals it.
fn inline_opt<T: AsRef<str>>(value: &Option<T>) -> Option<Text> {
    value.as_ref().map(|text| Text::inline(text.as_ref()))
}

/// The outcome a step requires, which must be one of those it takes.
fn outcome(value: &Option<Outcome>, action: &'static str, allowed: &[Outcome]) -> Result<Outcome, Rejection> {
    let outcome = required(value, || Rejection::MissingOutcome { action })?;
    if !allowed.contains(&outcome) {
        return Err(Rejection::OutcomeNotAllowed { action, outcome, allowed: allowed.to_vec() });
    }
    Ok(outcome)
}

fn referral(case: &Case, referral_id: ReferralId) -> Result<&Referral, Rejection> {
    case.referrals.get(&referral_id).ok_or(Rejection::UnknownReferral { referral_id })
}

fn require_status(referral: &Referral, allowed: &[ReferralStatus], action: &'static str) -> Result<(), Rejection> {
    if allowed.contains(&referral.status) {
        Ok(())
    } else {
        Err(Rejection::TransitionNotAllowed { referral_id: referral.referral_id, from: referral.status, action })
    }
}

/// Checks the agency fact for a new referral and returns its kind.
fn referral_agency(ctx: &Context, agency_id: AgencyId, need: NeedDomain) -> Result<AgencyKind, Rejection> {
    let agency = match &ctx.facts.agency {
        Some(a) if a.agency_id == agency_id => a,
        _ => return Err(Rejection::MissingFact { fact: "agency", id: agency_id.stream_id() }),
    };
    if !agency.active {
        return Err(Rejection::AgencyInactive { agency_id });
    }
    if !agency.need_domains.contains(&need) {
        return Err(Rejection::AgencyDoesNotServeNeed { agency_id, need });
    }
    Ok(agency.kind)
}

fn check_referral_room(case: &Case, new_referral_id: ReferralId) -> Result<(), Rejection> {
    if case.referrals.contains_key(&new_referral_id) {
        return Err(Rejection::Duplicate { what: "referral id", value: new_referral_id.to_string() });
    }
    if case.referrals.len() >= limits::MAX_REFERRALS {
        return Err(Rejection::TooMany { what: "referrals", max: limits::MAX_REFERRALS });
    }
    Ok(())
}

/// Decides a command on a case stream with no events: only opening applies.
fn open_case(command: &CaseCommand, ctx: &Context) -> Result<Vec<CaseEvent>, Rejection> {
    let CaseAction::Open { beneficiary_id, centre_id, antenna_id, intake_date, channel, request } = &command.action
    else {
        return Err(Rejection::NotFound { stream_id: command.case_id.stream_id() });
    };
    let actor = policy::require_staff(ctx, "OpenCase", Some(*centre_id), FRONT_LINE)?;
    let centre = match &ctx.facts.centre {
        Some(c) if c.centre_id == *centre_id => c,
        _ => return Err(Rejection::MissingFact { fact: "centre", id: centre_id.stream_id() }),
    };
    let beneficiary = match &ctx.facts.beneficiary {
        Some(b) if b.beneficiary_id == *beneficiary_id => b,
        _ => return Err(Rejection::MissingFact { fact: "beneficiary", id: beneficiary_id.stream_id() }),
    };
    if beneficiary.centre_id != *centre_id {
        return Err(Rejection::OutsideCentre {
            staff_id: actor.staff_id,
            actor_centre: actor.centre_id,
            target_centre: beneficiary.centre_id,
        });
    }
    if beneficiary.identity_erased {
        return Err(Rejection::IdentityWasErased { beneficiary_id: *beneficiary_id, command: "OpenCase" });
    }
    if let IntakeChannel::ReferredIn { agency_id } = channel {
        if !matches!(&ctx.facts.agency, Some(a) if a.agency_id == *agency_id) {
            return Err(Rejection::MissingFact { fact: "agency", id: agency_id.stream_id() });
        }
    }
    if let Some(antenna_id) = antenna_id {
        if !centre.open_antennas.contains(antenna_id) {
            return Err(Rejection::AntennaNotOpen { antenna_id: *antenna_id, centre_id: *centre_id });
        }
    }
    if *intake_date > ctx.today {
        return Err(Rejection::DateInFuture { date: *intake_date, today: ctx.today });
    }
    policy::check_registered(*intake_date, "the centre", centre.registered_on)?;
    policy::check_registered(*intake_date, "the beneficiary", Some(beneficiary.registered_on))?;
    let entered = match &ctx.facts.entered_operations {
        Some(e) if e.beneficiary_id == *beneficiary_id && e.centre_id == *centre_id => &e.programmes,
        _ => return Err(Rejection::MissingFact { fact: "entered operations", id: beneficiary_id.stream_id() }),
    };
    // The situation at entry is taken at a person's first intake in an operation; a later
    // intake within its period is a return to it.
    let situation = EntrySituation::at_entry(&beneficiary.attributes, *intake_date);
    let entries =
        centre.programmes.iter().filter(|p| p.starts_on <= *intake_date && *intake_date <= p.ends_on).map(|p| {
            let programme = p.code.clone();
            if entered.contains(&p.code) {
                CaseEvent::ParticipantReturned { programme, returned_on: *intake_date }
            } else {
                CaseEvent::ParticipantEntered { programme, entered_on: *intake_date, situation }
            }
        });
    let opened = CaseEvent::CaseOpened {
        case_id: command.case_id,
        beneficiary_id: *beneficiary_id,
        centre_id: *centre_id,
        antenna_id: *antenna_id,
        intake_date: *intake_date,
        channel: *channel,
        request: Text::inline(request.as_str()),
        opened_by: actor.staff_id,
    };
    Ok(std::iter::once(opened).chain(entries).collect())
}

fn check_assignee(ctx: &Context, case: &Case, staff_id: StaffId) -> Result<(), Rejection> {
    let staff = match &ctx.facts.staff {
        Some(s) if s.staff_id == staff_id => s,
        _ => return Err(Rejection::MissingFact { fact: "staff", id: staff_id.stream_id() }),
    };
    let why = if !staff.active {
        Some("deactivated")
    } else if staff.centre_id != case.centre_id {
        Some("works at another centre")
    } else if !staff.has_any(CASEWORK) {
        Some("holds no casework role")
    } else {
        None
    };
    match why {
        Some(why) => Err(Rejection::AssigneeNotEligible { staff_id, why }),
        None => Ok(()),
    }
}

fn decide_on_case(case: &Case, command: &CaseCommand, ctx: &Context) -> Result<Vec<CaseEvent>, Rejection> {
    let action = &command.action;
    let name = action.name();
    let actor = policy::require_staff(ctx, name, Some(case.centre_id), action.allowed_roles())?;
    let reopening = matches!(action, CaseAction::Reopen { .. });
    if !case.open && !reopening {
        return Err(Rejection::CaseIsClosed { case_id: case.case_id });
    }
    let me = actor.staff_id;
    let today = ctx.today;
    if today < case.opened_on {
        return Err(Rejection::DateBeforeCaseOpened { date: today, opened_on: case.opened_on });
    }
    let beneficiary = match &ctx.facts.beneficiary {
        Some(b) if b.beneficiary_id == case.beneficiary_id => b,
        _ => return Err(Rejection::MissingFact { fact: "beneficiary", id: case.beneficiary_id.stream_id() }),
    };
    let erased = beneficiary.identity_erased;
    if erased && !action.winds_down() {
        return Err(Rejection::IdentityWasErased { beneficiary_id: case.beneficiary_id, command: name });
    }
    // Once a person is erased nothing more is written about them: winding their case down
    // takes coded values only.
    if erased {
        if let Some(field) = action.text_field() {
            return Err(Rejection::TextAboutErasedPerson { beneficiary_id: case.beneficiary_id, command: name, field });
        }
    }
    let event = match action {
        CaseAction::Open { .. } => return Err(Rejection::AlreadyExists { stream_id: case.case_id.stream_id() }),
        CaseAction::Assign { staff_id } => {
            if let Some(current) = case.assignee {
                return Err(Rejection::AlreadyAssigned { case_id: case.case_id, staff_id: current });
            }
            check_assignee(ctx, case, *staff_id)?;
            CaseEvent::CaseAssigned { staff_id: *staff_id, assigned_by: me }
        }
        CaseAction::Reassign { staff_id, reason } => {
            let Some(current) = case.assignee else {
                return Err(Rejection::NotAssigned { case_id: case.case_id });
            };
            if current == *staff_id {
                return Err(Rejection::AlreadyAssigned { case_id: case.case_id, staff_id: current });
            }
            check_assignee(ctx, case, *staff_id)?;
            CaseEvent::CaseReassigned {
                from_staff_id: current,
                staff_id: *staff_id,
                reason: Text::inline(reason.as_str()),
                reassigned_by: me,
            }
        }
        CaseAction::Assess { needs, assessed_on, summary } => {
            if needs.is_empty() {
                return Err(Rejection::NoNeeds);
            }
            for (i, need) in needs.iter().enumerate() {
                if needs[..i].iter().any(|n| n.domain == need.domain) {
                    return Err(Rejection::Duplicate { what: "need domain", value: need.domain.to_string() });
                }
            }
            check_dated(*assessed_on, case, today)?;
            if case.n_assessments >= limits::MAX_ASSESSMENTS {
                return Err(Rejection::TooMany { what: "assessments", max: limits::MAX_ASSESSMENTS });
            }
            CaseEvent::NeedsAssessed {
                needs: needs.clone(),
                assessed_on: *assessed_on,
                summary: summary.as_ref().map(|s| Text::inline(s.as_str())),
                assessed_by: me,
            }
        }
        CaseAction::RecordService { kind, provided_on, note } => {
            check_dated(*provided_on, case, today)?;
            if case.n_services >= limits::MAX_SERVICES {
                return Err(Rejection::TooMany { what: "services", max: limits::MAX_SERVICES });
            }
            CaseEvent::ServiceProvided {
                kind: *kind,
                provided_on: *provided_on,
                note: inline_opt(note),
                provided_by: me,
            }
        }
        CaseAction::AddNote { text } => {
            if case.n_notes >= limits::MAX_CASE_NOTES {
                return Err(Rejection::TooMany { what: "case notes", max: limits::MAX_CASE_NOTES });
            }
            CaseEvent::CaseNoteAdded { text: Text::inline(text.as_str()), written_on: today, author: me }
        }
        CaseAction::Close { reason, detail, leaving } => {
            if *reason == CloseReason::Other && detail.is_none() && !erased {
                return Err(Rejection::MissingDetail { action: name, reason: *reason });
            }
            let open: Vec<ReferralId> =
                case.referrals.values().filter(|r| r.status.is_open()).map(|r| r.referral_id).collect();
            if !open.is_empty() {
                return Err(Rejection::OpenReferralsRemain { case_id: case.case_id, open });
            }
            let left = match (leaving, case.operations.is_empty()) {
                (Some(_), true) => return Err(Rejection::LeavingSituationNotApplicable { case_id: case.case_id }),
                (None, false) if !erased => {
                    return Err(Rejection::LeavingSituationRequired {
                        case_id: case.case_id,
                        programmes: case.operations.clone(),
                    })
                }
                (Some(situation), false) => {
                    Some(CaseEvent::LeavingSituationRecorded { left_on: today, situation: *situation })
                }
                (None, _) => None,
            };
            let closed =
                CaseEvent::CaseClosed { reason: *reason, detail: inline_opt(detail), closed_on: today, closed_by: me };
            return Ok(std::iter::once(closed).chain(left).collect());
        }
        CaseAction::Reopen { reason: why } => {
            if case.open {
                return Err(Rejection::CaseIsOpen { case_id: case.case_id });
            }
            let why = reason(why, name)?;
            if case.n_reopenings >= limits::MAX_REOPENINGS {
                return Err(Rejection::TooMany { what: "reopenings", max: limits::MAX_REOPENINGS });
            }
            CaseEvent::CaseReopened { reason: why, reopened_on: today, reopened_by: me }
        }
        CaseAction::CreateReferral { referral_id, agency_id, need, reason, due_on, priority } => {
            check_referral_room(case, *referral_id)?;
            let agency_kind = referral_agency(ctx, *agency_id, *need)?;
            check_due(*due_on, today)?;
            CaseEvent::ReferralCreated {
                referral_id: *referral_id,
                agency_id: *agency_id,
                agency_kind,
                need: *need,
                reason: Text::inline(reason.as_str()),
                due_on: *due_on,
                priority: *priority,
                created_on: today,
            }
        }
        CaseAction::SendReferral { referral_id, consent_override } => {
            let r = referral(case, *referral_id)?;
            require_status(r, &[ReferralStatus::Draft], "send")?;
            let agency_id = r.agency_id;
            referral_agency(ctx, agency_id, r.need)?;
            let beneficiary = match &ctx.facts.beneficiary {
                Some(b) if b.beneficiary_id == case.beneficiary_id => b,
                _ => return Err(Rejection::MissingFact { fact: "beneficiary", id: case.beneficiary_id.stream_id() }),
            };
            let consent = beneficiary
                .consents
                .iter()
                .find(|c| c.agency_id == agency_id && c.purpose == SharingPurpose::Referral && c.is_valid_on(today));
            let sharing_basis = match (consent, consent_override) {
                (Some(c), _) => SharingBasis::Consent { granted_on: c.granted_on },
                (None, Some(o)) => {
                    policy::require_staff(ctx, "OverrideSharingConsent", Some(case.centre_id), SUPERVISION)?;
                    SharingBasis::SupervisorOverride {
                        supervisor: me,
                        reason: reason(&o.reason, "OverrideSharingConsent")?,
                    }
                }
                (None, None) => {
                    return Err(Rejection::NoSharingConsent {
                        beneficiary_id: case.beneficiary_id,
                        agency_id,
                        on: today,
                    })
                }
            };
            CaseEvent::ReferralSent { referral_id: *referral_id, sent_on: today, sharing_basis }
        }
        CaseAction::AcceptReferral { referral_id } => {
            require_status(referral(case, *referral_id)?, &[ReferralStatus::Sent], "accept")?;
            CaseEvent::ReferralAccepted { referral_id: *referral_id, answered_on: today }
        }
        CaseAction::DeclineReferral { referral_id, reason: why } => {
            require_status(referral(case, *referral_id)?, &[ReferralStatus::Sent], "decline")?;
            CaseEvent::ReferralDeclined { referral_id: *referral_id, reason: reason(why, name)?, answered_on: today }
        }
        CaseAction::StartReferral { referral_id } => {
            require_status(referral(case, *referral_id)?, &[ReferralStatus::Accepted], "start")?;
            CaseEvent::ReferralStarted { referral_id: *referral_id, started_on: today }
        }
        CaseAction::HoldReferral { referral_id, reason: why } => {
            let r = referral(case, *referral_id)?;
            require_status(r, &[ReferralStatus::Sent, ReferralStatus::Accepted, ReferralStatus::InProgress], "hold")?;
            CaseEvent::ReferralPutOnHold {
                referral_id: *referral_id,
                held_from: r.status,
                reason: reason(why, name)?,
                held_on: today,
            }
        }
        CaseAction::ResumeReferral { referral_id } => {
            let r = referral(case, *referral_id)?;
            require_status(r, &[ReferralStatus::OnHold], "resume")?;
            CaseEvent::ReferralResumed {
                referral_id: *referral_id,
                resumed_to: r.held_from.unwrap_or(ReferralStatus::Sent),
                resumed_on: today,
            }
        }
        CaseAction::CompleteReferral { referral_id, outcome: result, note } => {
            require_status(referral(case, *referral_id)?, &[ReferralStatus::InProgress], "complete")?;
            CaseEvent::ReferralCompleted {
                referral_id: *referral_id,
                outcome: outcome(result, name, Outcome::ON_COMPLETION)?,
                note: inline_opt(note),
                completed_on: today,
            }
        }
        CaseAction::FailReferral { referral_id, outcome: result, reason: why } => {
            require_status(
                referral(case, *referral_id)?,
                &[ReferralStatus::Accepted, ReferralStatus::InProgress],
                "fail",
            )?;
            let outcome = outcome(result, name, Outcome::ON_FAILURE)?;
            CaseEvent::ReferralFailed {
                referral_id: *referral_id,
                outcome,
                reason: reason(why, name)?,
                failed_on: today,
            }
        }
        CaseAction::CancelReferral { referral_id, reason: why } => {
            let r = referral(case, *referral_id)?;
            if !r.status.is_open() {
                return Err(Rejection::TransitionNotAllowed {
                    referral_id: *referral_id,
                    from: r.status,
                    action: "cancel",
                });
            }
            let reason = match erased {
                true => None,
                false => Some(reason(why, name)?),
            };
            CaseEvent::ReferralCancelled { referral_id: *referral_id, reason, cancelled_on: today }
        }
        CaseAction::ExpireReferral { referral_id } => {
            let r = referral(case, *referral_id)?;
            require_status(r, &[ReferralStatus::Sent], "expire")?;
            if today <= r.due_on {
                return Err(Rejection::NotYetDue { referral_id: *referral_id, due_on: r.due_on, today });
            }
            CaseEvent::ReferralExpired { referral_id: *referral_id, due_on: r.due_on, expired_on: today }
        }
        CaseAction::RerouteReferral { referral_id, new_referral_id, agency_id, reason, due_on, priority } => {
            let r = referral(case, *referral_id)?;
            require_status(r, &[ReferralStatus::Declined, ReferralStatus::Failed], "reroute")?;
            if let Some(already) = r.rerouted_to {
                return Err(Rejection::Duplicate { what: "re-route of referral", value: already.to_string() });
            }
            check_referral_room(case, *new_referral_id)?;
            let agency_kind = referral_agency(ctx, *agency_id, r.need)?;
            check_due(*due_on, today)?;
            CaseEvent::ReferralRerouted {
                from_referral_id: *referral_id,
                referral_id: *new_referral_id,
                agency_id: *agency_id,
                agency_kind,
                need: r.need,
                reason: Text::inline(reason.as_str()),
                due_on: *due_on,
                priority: *priority,
                created_on: today,
            }
        }
        CaseAction::AddFollowUpNote { referral_id, text } => {
            let r = referral(case, *referral_id)?;
            if r.n_follow_up_notes >= limits::MAX_FOLLOW_UP_NOTES {
                return Err(Rejection::TooMany { what: "follow-up notes", max: limits::MAX_FOLLOW_UP_NOTES });
            }
            CaseEvent::ReferralFollowUpNoted {
                referral_id: *referral_id,
                text: Text::inline(text.as_str()),
                noted_on: today,
                author: me,
            }
        }
        CaseAction::MoveDueDate { referral_id, due_on, reason } => {
            let r = referral(case, *referral_id)?;
            if !r.status.is_open() {
                return Err(Rejection::TransitionNotAllowed {
                    referral_id: *referral_id,
                    from: r.status,
                    action: "move due date",
                });
            }
            check_due(*due_on, today)?;
            if *due_on == r.due_on {
                return Err(Rejection::NothingToChange { what: "due date" });
            }
            if r.n_due_date_moves >= limits::MAX_DUE_DATE_MOVES {
                return Err(Rejection::TooMany { what: "due-date moves", max: limits::MAX_DUE_DATE_MOVES });
            }
            CaseEvent::ReferralDueDateMoved {
                referral_id: *referral_id,
                from_due_on: r.due_on,
                due_on: *due_on,
                reason: inline_opt(reason),
            }
        }
    };
    Ok(vec![event])
}

impl Aggregate for CaseAggregate {
    type State = CaseState;
    type Command = CaseCommand;
    type Event = CaseEvent;
    const KIND: StreamKind = StreamKind::Case;

    fn required_facts(state: &CaseState, command: &CaseCommand) -> FactsNeeded {
        let none = FactsNeeded::default();
        match &command.action {
            CaseAction::Open { beneficiary_id, centre_id, channel, .. } => FactsNeeded {
                centre: Some(*centre_id),
                beneficiary: Some(*beneficiary_id),
                entered_operations_of: Some((*beneficiary_id, *centre_id)),
                agency: match channel {
                    IntakeChannel::ReferredIn { agency_id } => Some(*agency_id),
                    _ => None,
                },
                ..none
            },
            _ => {
                // Every step on an existing case reads its beneficiary: an erased person is
                // not processed again.
                let Some(case) = state else { return none };
                let with_beneficiary = FactsNeeded { beneficiary: Some(case.beneficiary_id), ..none };
                match &command.action {
                    CaseAction::Assign { staff_id } | CaseAction::Reassign { staff_id, .. } => {
                        FactsNeeded { staff: Some(*staff_id), ..with_beneficiary }
                    }
                    CaseAction::CreateReferral { agency_id, .. } | CaseAction::RerouteReferral { agency_id, .. } => {
                        FactsNeeded { agency: Some(*agency_id), ..with_beneficiary }
                    }
                    CaseAction::SendReferral { referral_id, .. } => {
                        FactsNeeded { agency: case.referrals.get(referral_id).map(|r| r.agency_id), ..with_beneficiary }
                    }
                    _ => with_beneficiary,
                }
            }
        }
    }

    fn decide(state: &CaseState, command: &CaseCommand, ctx: &Context) -> Result<Vec<CaseEvent>, Rejection> {
        match (state, &command.action) {
            (None, _) => open_case(command, ctx),
            (Some(case), _) => {
                assert_eq!(case.case_id, command.case_id, "command for another stream");
                decide_on_case(case, command, ctx)
            }
        }
    }

    fn evolve(state: &mut CaseState, event: &CaseEvent) {
        if let CaseEvent::CaseOpened { case_id, beneficiary_id, centre_id, antenna_id, intake_date, channel, .. } =
            event
        {
            if state.is_none() {
                *state = Some(Case {
                    case_id: *case_id,
                    beneficiary_id: *beneficiary_id,
                    centre_id: *centre_id,
                    antenna_id: *antenna_id,
                    channel: *channel,
                    opened_on: *intake_date,
                    open: true,
                    assignee: None,
                    needs: Vec::new(),
                    n_assessments: 0,
                    n_services: 0,
                    n_notes: 0,
                    n_reopenings: 0,
                    close_reason: None,
                    operations: Vec::new(),
                    referrals: BTreeMap::new(),
                });
            }
            return;
        }
        let Some(case) = state.as_mut() else {
            return;
        };
        let set_status = |case: &mut Case, referral_id: &ReferralId, status: ReferralStatus| {
            if let Some(r) = case.referrals.get_mut(referral_id) {
                r.status = status;
                r.held_from = None;
            }
        };
        match event {
            CaseEvent::CaseOpened { .. } | CaseEvent::LeavingSituationRecorded { .. } => {}
            CaseEvent::ParticipantEntered { programme, .. } | CaseEvent::ParticipantReturned { programme, .. } => {
                if !case.operations.contains(programme) {
                    case.operations.push(programme.clone());
                }
            }
            CaseEvent::CaseAssigned { staff_id, .. } | CaseEvent::CaseReassigned { staff_id, .. } => {
                case.assignee = Some(*staff_id);
            }
            CaseEvent::NeedsAssessed { needs, .. } => {
                case.needs = needs.clone();
                case.n_assessments = case.n_assessments.saturating_add(1);
            }
            CaseEvent::ServiceProvided { .. } => {
                case.n_services = case.n_services.saturating_add(1);
            }
            CaseEvent::CaseNoteAdded { .. } => case.n_notes = case.n_notes.saturating_add(1),
            CaseEvent::CaseClosed { reason, .. } => {
                case.open = false;
                case.close_reason = Some(*reason);
            }
            CaseEvent::CaseReopened { .. } => {
                case.open = true;
                case.n_reopenings = case.n_reopenings.saturating_add(1);
            }
            CaseEvent::ReferralCreated { referral_id, agency_id, agency_kind, need, due_on, priority, .. } => {
                case.referrals.entry(*referral_id).or_insert(Referral {
                    referral_id: *referral_id,
                    agency_id: *agency_id,
                    agency_kind: *agency_kind,
                    need: *need,
                    due_on: *due_on,
                    priority: *priority,
                    status: ReferralStatus::Draft,
                    held_from: None,
                    rerouted_from: None,
                    rerouted_to: None,
                    n_follow_up_notes: 0,
                    n_due_date_moves: 0,
                });
            }
            CaseEvent::ReferralRerouted {
                from_referral_id,
                referral_id,
                agency_id,
                agency_kind,
                need,
                due_on,
                priority,
                ..
            } => {
                if case.referrals.contains_key(referral_id) {
                    return;
                }
                if let Some(old) = case.referrals.get_mut(from_referral_id) {
                    old.rerouted_to = Some(*referral_id);
                }
                case.referrals.insert(
                    *referral_id,
                    Referral {
                        referral_id: *referral_id,
                        agency_id: *agency_id,
                        agency_kind: *agency_kind,
                        need: *need,
                        due_on: *due_on,
                        priority: *priority,
                        status: ReferralStatus::Draft,
                        held_from: None,
                        rerouted_from: Some(*from_referral_id),
                        rerouted_to: None,
                        n_follow_up_notes: 0,
                        n_due_date_moves: 0,
                    },
                );
            }
            CaseEvent::ReferralSent { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Sent);
            }
            CaseEvent::ReferralAccepted { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Accepted);
            }
            CaseEvent::ReferralDeclined { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Declined);
            }
            CaseEvent::ReferralStarted { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::InProgress);
            }
            CaseEvent::ReferralPutOnHold { referral_id, held_from, .. } => {
                if let Some(r) = case.referrals.get_mut(referral_id) {
                    r.status = ReferralStatus::OnHold;
                    r.held_from = Some(*held_from);
                }
            }
            CaseEvent::ReferralResumed { referral_id, resumed_to, .. } => set_status(case, referral_id, *resumed_to),
            CaseEvent::ReferralCompleted { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Completed);
            }
            CaseEvent::ReferralFailed { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Failed);
            }
            CaseEvent::ReferralCancelled { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Cancelled);
            }
            CaseEvent::ReferralExpired { referral_id, .. } => {
                set_status(case, referral_id, ReferralStatus::Expired);
            }
            CaseEvent::ReferralFollowUpNoted { referral_id, .. } => {
                if let Some(r) = case.referrals.get_mut(referral_id) {
                    r.n_follow_up_notes = r.n_follow_up_notes.saturating_add(1);
                }
            }
            CaseEvent::ReferralDueDateMoved { referral_id, due_on, .. } => {
                if let Some(r) = case.referrals.get_mut(referral_id) {
                    r.due_on = *due_on;
                    r.n_due_date_moves = r.n_due_date_moves.saturating_add(1);
                }
            }
        }
    }
}
