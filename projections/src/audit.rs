//! Case files and audit trails, built from the records the Engine reads back from the log
//! at the positions the projections index.

use parapompi_core::agency::AgencyEvent;
use parapompi_core::beneficiary::{Access, BeneficiaryEvent};
use parapompi_core::case::{Case, CaseAggregate, CaseEvent, CaseState, SharingBasis};
use parapompi_core::centre::CentreEvent;
use parapompi_core::staff::StaffEvent;
use parapompi_core::values::{BeneficiaryId, CaseId, ReferralId, StaffId, Timestamp};
use parapompi_core::{Aggregate, Event, Text};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Recorded;

/// Whose audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditSubject {
    /// A case.
    Case(CaseId),
    /// A beneficiary.
    Beneficiary(BeneficiaryId),
    /// A referral.
    Referral(ReferralId),
    /// A staff member.
    Staff(StaffId),
}

/// One event of an audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// The global position.
    pub position: u64,
    /// The stream.
    pub stream_id: String,
    /// The record's chain hash.
    pub hash: String,
    /// Who acted.
    pub actor: String,
    /// Business time.
    pub occurred_at: Timestamp,
    /// Commit time.
    pub recorded_at: Timestamp,
    /// The event's type name, e.g. `ReferralSent`.
    pub event_type: &'static str,
    /// What happened, in one line of words ([`describe`]).
    pub description: String,
    /// The event's free texts, as it holds them.
    pub texts: Vec<EntryText>,
}

/// A free text of an event, as the event holds it: a vault reference and digest, or, in an
/// event recorded before texts moved to the vault, the words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryText {
    /// The event's field, e.g. `request`, `reason`.
    pub field: &'static str,
    /// The text.
    pub text: Text,
}

/// The texts of an event, for its entry.
pub fn entry_texts(event: &Event) -> Vec<EntryText> {
    event.texts().into_iter().map(|(field, text)| EntryText { field, text: text.clone() }).collect()
}

/// Every event about a subject, in log order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditTrail {
    /// The subject.
    pub subject: AuditSubject,
    /// The events, ascending by position.
    pub entries: Vec<AuditEntry>,
}

/// One event of a case file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFileEntry {
    /// The global position.
    pub position: u64,
    /// The version of the case stream it made.
    pub stream_version: u64,
    /// The event id.
    pub event_id: Uuid,
    /// The command id.
    pub command_id: Uuid,
    /// Business time.
    pub occurred_at: Timestamp,
    /// Commit time.
    pub recorded_at: Timestamp,
    /// Who acted.
    pub actor: String,
    /// The record's chain hash.
    pub hash: String,
    /// The type name.
    pub event_type: &'static str,
    /// What happened, in one line ([`describe`]).
    pub description: String,
    /// The event's free texts, as it holds them.
    pub texts: Vec<EntryText>,
    /// The event itself.
    pub event: CaseEvent,
}

/// Everything about one case, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseFile {
    /// The case.
    pub case_id: CaseId,
    /// The case as core folds it from these events (`None` if it was never opened): its
    /// status, assignee, current needs and every referral with its status and links.
    pub case: Option<Case>,
    /// Every event of the case's stream, ascending by position.
    pub entries: Vec<CaseFileEntry>,
    /// The case's short reference (`ΓΡΕ-2024-0042`), which the read models give: `None`
    /// from [`case_file`] alone, filled in by [`crate::Projections::case_file_references`].
    pub reference: Option<String>,
    /// The referrals' short references (`ΓΡΕ-2024-0042/2`), likewise.
    pub referral_references: std::collections::BTreeMap<parapompi_core::values::ReferralId, String>,
}

fn sorted(records: &[Recorded]) -> Vec<&Recorded> {
    let mut refs: Vec<&Recorded> = records.iter().collect();
    refs.sort_by_key(|r| r.position);
    refs.dedup_by_key(|r| r.position);
    refs
}

/// The case file from the records at [`crate::Projections::case_file_positions`]. Records of
/// other streams are left out; records are sorted and de-duplicated by position.
pub fn case_file(case_id: CaseId, records: &[Recorded]) -> CaseFile {
    let stream_id = case_id.stream_id();
    let mut state: CaseState = None;
    let mut entries = Vec::new();
    for r in sorted(records) {
        let Event::Case(event) = &r.event else { continue };
        if r.stream_id != stream_id {
            continue;
        }
        CaseAggregate::evolve(&mut state, event);
        entries.push(CaseFileEntry {
            position: r.position,
            stream_version: r.stream_version,
            event_id: r.event_id,
            command_id: r.command_id,
            occurred_at: r.occurred_at,
            recorded_at: r.recorded_at,
            actor: r.actor.clone(),
            hash: r.hash.clone(),
            event_type: r.event.event_type(),
            description: describe(&r.event),
            texts: entry_texts(&r.event),
            event: event.clone(),
        });
    }
    CaseFile { case_id, case: state, entries, reference: None, referral_references: Default::default() }
}

/// The audit trail from the records at [`crate::Projections::audit_positions`]: each with
/// its position, stream, hash, actor, both times, type and a description in words. Records
/// are sorted and de-duplicated by position.
pub fn audit_trail(subject: &AuditSubject, records: &[Recorded]) -> AuditTrail {
    let entries = sorted(records)
        .into_iter()
        .map(|r| AuditEntry {
            position: r.position,
            stream_id: r.stream_id.clone(),
            hash: r.hash.clone(),
            actor: r.actor.clone(),
            occurred_at: r.occurred_at,
            recorded_at: r.recorded_at,
            event_type: r.event.event_type(),
            description: describe(&r.event),
            texts: entry_texts(&r.event),
        })
        .collect();
    AuditTrail { subject: *subject, entries }
}

/// What an event says, in one line of English words. Free text written by staff about a
/// person (requests, notes, summaries, reasons) is left out: each entry lists its texts
/// apart, as the event holds them (a vault reference, or the words of an old event).
pub fn describe(event: &Event) -> String {
    match event {
        Event::Case(e) => describe_case(e),
        Event::Beneficiary(e) => match e {
            BeneficiaryEvent::BeneficiaryRegistered { beneficiary_id, centre_id, registered_on, .. } => {
                format!("beneficiary {beneficiary_id} registered at centre {centre_id} on {registered_on}")
            }
            BeneficiaryEvent::IdentityDigestChanged { .. } => "identity corrected (new identity digest)".to_owned(),
            BeneficiaryEvent::BeneficiaryAttributesUpdated { .. } => "attributes updated".to_owned(),
            BeneficiaryEvent::LegalBasisRecorded { basis, recorded_on } => {
                format!("legal basis {basis} recorded on {recorded_on}")
            }
            BeneficiaryEvent::SharingConsentGranted { agency_id, purpose, granted_on } => {
                format!("consent to share with agency {agency_id} for {purpose} granted on {granted_on}")
            }
            BeneficiaryEvent::SharingConsentWithdrawn { agency_id, purpose, withdrawn_on } => {
                format!("consent to share with agency {agency_id} for {purpose} withdrawn on {withdrawn_on}")
            }
            BeneficiaryEvent::IdentityErased { erased_on } => {
                format!("identity erased from the vault on {erased_on} (GDPR Art. 17)")
            }
            BeneficiaryEvent::RecordsAccessed { access, accessed_by, accessed_on, .. } => {
                let what = match access {
                    Access::Identity => "identity".to_owned(),
                    Access::CaseTexts { case_id } => format!("texts of case {case_id}"),
                    Access::SubjectExport => "everything held, for the person's own copy (GDPR Art. 15)".to_owned(),
                };
                format!("{what} read by staff {accessed_by} on {accessed_on}")
            }
        },
        Event::Staff(e) => match e {
            StaffEvent::StaffRegistered { staff_id, centre_id, name, roles } => {
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                format!("staff member {staff_id} ({name}) registered at centre {centre_id} as {}", roles.join(", "))
            }
            StaffEvent::StaffRolesChanged { roles } => {
                let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
                format!("roles changed to {}", roles.join(", "))
            }
            StaffEvent::StaffDeactivated { deactivated_on } => format!("staff member deactivated on {deactivated_on}"),
            StaffEvent::StaffReactivated { reactivated_on } => format!("staff member reactivated on {reactivated_on}"),
            StaffEvent::CredentialIssued { credential_id, kind, expires_at } => match expires_at {
                Some(at) => format!("{kind} credential {credential_id} issued, valid until {at}"),
                None => format!("{kind} credential {credential_id} issued"),
            },
            StaffEvent::CredentialRevoked { credential_id, reason } => {
                format!("credential {credential_id} revoked ({reason})")
            }
            StaffEvent::LoginFailed { reason } => format!("a login failed ({reason})"),
        },
        Event::Agency(e) => match e {
            AgencyEvent::AgencyRegistered { agency_id, profile } => {
                format!("agency {agency_id} ({}, {}) registered", profile.name, profile.kind)
            }
            AgencyEvent::AgencyUpdated { profile } => format!("agency entry updated ({}, {})", profile.name, profile.kind),
            AgencyEvent::AgencyDeactivated { deactivated_on, reason } => match reason {
                Some(reason) => format!("agency deactivated on {deactivated_on}: {}", one_line(reason.as_str())),
                None => format!("agency deactivated on {deactivated_on}"),
            },
            AgencyEvent::AgencyReactivated { reactivated_on } => format!("agency reactivated on {reactivated_on}"),
        },
        Event::Centre(e) => match e {
            CentreEvent::CentreRegistered { centre_id, name, host_municipality, first_administrator, .. } => format!(
                "centre {centre_id} ({name}) registered in {host_municipality}, first administrator {first_administrator}"
            ),
            CentreEvent::ServedMunicipalityAdded { municipality } => format!("now also serves {municipality}"),
            CentreEvent::AntennaOpened { antenna_id, name, municipality, opened_on } => {
                format!("antenna {antenna_id} ({name}) opened in {municipality} on {opened_on}")
            }
            CentreEvent::AntennaClosed { antenna_id, closed_on } => format!("antenna {antenna_id} closed on {closed_on}"),
            CentreEvent::FundingProgrammeAdded { programme } => format!(
                "funding programme {} ({}) from {} to {}, budget {} euro cents",
                programme.code,
                programme.fund,
                programme.starts_on,
                programme.ends_on,
                programme.budget.cents()
            ),
            CentreEvent::SigningKeyRecorded { key, recorded_on } => {
                format!("signing key {key} recorded on {recorded_on}")
            }
            CentreEvent::SigningKeyRevoked { key, revoked_on } => format!("signing key {key} revoked on {revoked_on}"),
            CentreEvent::BackupTaken { position, head_hash, since_position: None, taken_on } => {
                format!("backup of the whole data directory taken on {taken_on}, up to position {position} ({head_hash})")
            }
            CentreEvent::BackupTaken { position, head_hash, since_position: Some(since), taken_on } => format!(
                "incremental backup of the whole data directory taken on {taken_on}, positions {} to {position} \
                 ({head_hash})",
                since + 1
            ),
        },
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn describe_case(event: &CaseEvent) -> String {
    use CaseEvent as E;
    match event {
        E::CaseOpened { case_id, beneficiary_id, centre_id, antenna_id, intake_date, channel, opened_by, .. } => {
            let at = match antenna_id {
                Some(antenna) => format!("centre {centre_id} (antenna {antenna})"),
                None => format!("centre {centre_id}"),
            };
            let channel = match channel {
                parapompi_core::vocab::IntakeChannel::ReferredIn { agency_id } => format!("referred in by agency {agency_id}"),
                other => other.as_str().to_owned(),
            };
            format!(
                "case {case_id} opened for beneficiary {beneficiary_id} at {at}: intake on {intake_date}, {channel}, by staff {opened_by}"
            )
        }
        E::CaseAssigned { staff_id, assigned_by } => format!("case assigned to staff {staff_id} by staff {assigned_by}"),
        E::CaseReassigned { from_staff_id, staff_id, reassigned_by, .. } => {
            format!("case reassigned from staff {from_staff_id} to staff {staff_id} by staff {reassigned_by}")
        }
        E::NeedsAssessed { needs, assessed_on, assessed_by, .. } => {
            let needs: Vec<String> = needs.iter().map(|n| format!("{} ({})", n.domain, n.priority)).collect();
            format!("needs assessed on {assessed_on} by staff {assessed_by}: {}", needs.join(", "))
        }
        E::ServiceProvided { kind, provided_on, provided_by, .. } => {
            format!("service {kind} provided on {provided_on} by staff {provided_by}")
        }
        E::CaseNoteAdded { written_on, author, .. } => format!("note added on {written_on} by staff {author}"),
        E::CaseClosed { reason, closed_on, closed_by, .. } => {
            format!("case closed on {closed_on} by staff {closed_by}: {reason}")
        }
        E::CaseReopened { reopened_on, reopened_by, .. } => {
            format!("case reopened on {reopened_on} by staff {reopened_by}")
        }
        E::ReferralCreated { referral_id, agency_id, agency_kind, need, due_on, priority, created_on, .. } => format!(
            "referral {referral_id} created on {created_on} to agency {agency_id} ({agency_kind}) for {need}, {priority}, due {due_on}"
        ),
        E::ReferralSent { referral_id, sent_on, sharing_basis } => {
            let basis = match sharing_basis {
                SharingBasis::Consent { granted_on } => format!("consent granted on {granted_on}"),
                SharingBasis::SupervisorOverride { supervisor, .. } => format!("override by supervisor {supervisor}"),
            };
            format!("referral {referral_id} sent on {sent_on} ({basis})")
        }
        E::ReferralAccepted { referral_id, answered_on } => format!("referral {referral_id} accepted on {answered_on}"),
        E::ReferralDeclined { referral_id, answered_on, .. } => {
            format!("referral {referral_id} declined on {answered_on}")
        }
        E::ReferralStarted { referral_id, started_on } => format!("referral {referral_id} in progress from {started_on}"),
        E::ReferralPutOnHold { referral_id, held_from, held_on, .. } => {
            format!("referral {referral_id} put on hold on {held_on} (was {held_from})")
        }
        E::ReferralResumed { referral_id, resumed_to, resumed_on } => {
            format!("referral {referral_id} resumed on {resumed_on} to {resumed_to}")
        }
        E::ReferralCompleted { referral_id, outcome, completed_on, .. } => {
            format!("referral {referral_id} completed on {completed_on}: {outcome}")
        }
        E::ReferralFailed { referral_id, outcome, failed_on, .. } => {
            format!("referral {referral_id} failed on {failed_on}: {outcome}")
        }
        E::ReferralCancelled { referral_id, cancelled_on, .. } => {
            format!("referral {referral_id} cancelled on {cancelled_on}")
        }
        E::ReferralExpired { referral_id, due_on, expired_on } => {
            format!("referral {referral_id} expired on {expired_on} unanswered (due {due_on})")
        }
        E::ReferralRerouted { from_referral_id, referral_id, agency_id, agency_kind, need, due_on, created_on, .. } => {
            format!(
                "referral {from_referral_id} re-routed on {created_on} as referral {referral_id} to agency {agency_id} ({agency_kind}) for {need}, due {due_on}"
            )
        }
        E::ReferralFollowUpNoted { referral_id, noted_on, author, .. } => {
            format!("follow-up note on referral {referral_id} on {noted_on} by staff {author}")
        }
        E::ReferralDueDateMoved { referral_id, from_due_on, due_on, .. } => {
            format!("referral {referral_id} due date moved from {from_due_on} to {due_on}")
        }
        E::ParticipantEntered { programme, entered_on, .. } => {
            format!("entered the ESF+ operation {programme} on {entered_on}")
        }
        E::ParticipantReturned { programme, returned_on } => {
            format!("returned to the ESF+ operation {programme} on {returned_on}")
        }
        E::LeavingSituationRecorded { left_on, situation } => format!(
            "situation on leaving recorded on {left_on}: job searching {}, in education or training {}, gained a qualification {}, in employment {}",
            flag(situation.job_searching),
            flag(situation.in_education_or_training),
            flag(situation.gained_qualification),
            flag(situation.in_employment)
        ),
    }
}

fn flag(value: parapompi_core::vocab::Flag) -> &'static str {
    match value {
        parapompi_core::vocab::Flag::Yes => "yes",
        parapompi_core::vocab::Flag::No => "no",
        parapompi_core::vocab::Flag::DeclinedToAnswer => "declined to answer",
    }
}
