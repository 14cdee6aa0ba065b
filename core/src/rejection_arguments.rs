//! The values each [`Rejection`] carries, by the names its messages use: what a program
//! needs to word a refusal in any language (the command line's Fluent messages
//! `rule-<name>`), beside core's own English sentence. Closed sets' values are given by their
//! stable snake_case names, lists joined by `, `; ids as their UUIDs.

use crate::rejection::Rejection;

fn list<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The values `rejection` carries, by the names its messages use, in a stable order.
pub fn arguments(rejection: &Rejection) -> Vec<(&'static str, String)> {
    use Rejection as R;
    let s = |value: &dyn ToString| value.to_string();
    match rejection {
        R::CredentialNotValid { credential_id, why } => vec![("credential", s(credential_id)), ("why", s(why))],
        R::CredentialLifetime { kind, expires_at, max_s } => {
            vec![("kind", format!("{kind:?}")), ("expires_at", s(expires_at)), ("max_s", s(max_s))]
        }
        R::NotOwnCredential { staff_id, command } => vec![("staff", s(staff_id)), ("command", s(command))],
        R::StaffInactive { staff_id } | R::ActorDeactivated { staff_id } | R::NoRoles { staff_id } => {
            vec![("staff", s(staff_id))]
        }
        R::AuthenticatorOnly { command }
        | R::EvaluatorCannotWrite { command }
        | R::SetupActorNotAllowed { command } => {
            vec![("command", s(command))]
        }
        R::WrongStream { command_kind, state_kind } => {
            vec![("command_kind", s(command_kind)), ("state_kind", s(state_kind))]
        }
        R::OutsideCentre { staff_id, actor_centre, target_centre } => {
            vec![("staff", s(staff_id)), ("actor_centre", s(actor_centre)), ("centre", s(target_centre))]
        }
        R::RoleNotPermitted { staff_id, command, allowed } => vec![
            ("staff", s(staff_id)),
            ("command", s(command)),
            ("roles", allowed.iter().map(|role| role.as_str()).collect::<Vec<_>>().join(", ")),
        ],
        R::MissingFact { fact, id } => vec![("fact", s(fact)), ("id", id.clone())],
        R::AlreadyExists { stream_id } | R::NotFound { stream_id } => vec![("stream", stream_id.clone())],
        R::TooMany { what, max } => vec![("what", s(what)), ("max", s(max))],
        R::Duplicate { what, value } => vec![("what", s(what)), ("value", value.clone())],
        R::NothingToChange { what } => vec![("what", s(what))],
        R::PeriodEndsBeforeStart { start, end } => vec![("start", s(start)), ("end", s(end))],
        R::DateInFuture { date, today } => vec![("date", s(date)), ("today", s(today))],
        R::DateBeforeCaseOpened { date, opened_on } => vec![("date", s(date)), ("opened_on", s(opened_on))],
        R::DueDateOutOfRange { due_on, today, latest } => {
            vec![("due_on", s(due_on)), ("today", s(today)), ("latest", s(latest))]
        }
        R::YearOfBirthOutOfRange { year, today } => vec![("year", s(year)), ("today", s(today))],
        R::AntennaNotOpen { antenna_id, centre_id } => vec![("antenna", s(antenna_id)), ("centre", s(centre_id))],
        R::AgencyInactive { agency_id } => vec![("agency", s(agency_id))],
        R::AgencyDoesNotServeNeed { agency_id, need } => {
            vec![("agency", s(agency_id)), ("need", need.as_str().to_owned())]
        }
        R::NoSharingConsent { beneficiary_id, agency_id, on } => {
            vec![("beneficiary", s(beneficiary_id)), ("agency", s(agency_id)), ("date", s(on))]
        }
        R::ConsentAlreadyActive { agency_id, purpose } | R::NoActiveConsent { agency_id, purpose } => {
            vec![("agency", s(agency_id)), ("purpose", purpose.as_str().to_owned())]
        }
        R::CaseIsClosed { case_id } | R::CaseIsOpen { case_id } | R::NotAssigned { case_id } => {
            vec![("case", s(case_id))]
        }
        R::ReadNeedsReason { case_id } => vec![("case", s(case_id))],
        R::AlreadyAssigned { case_id, staff_id } => vec![("case", s(case_id)), ("staff", s(staff_id))],
        R::AssigneeNotEligible { staff_id, why } => vec![("staff", s(staff_id)), ("why", s(why))],
        R::UnknownReferral { referral_id } => vec![("referral", s(referral_id))],
        R::TransitionNotAllowed { referral_id, from, action } => {
            vec![("referral", s(referral_id)), ("from", from.as_str().to_owned()), ("action", s(action))]
        }
        R::NotYetDue { referral_id, due_on, today } => {
            vec![("referral", s(referral_id)), ("due_on", s(due_on)), ("today", s(today))]
        }
        R::OpenReferralsRemain { case_id, open } => vec![("case", s(case_id)), ("open", list(open))],
        R::MissingReason { action } | R::MissingOutcome { action } => vec![("action", s(action))],
        R::NoNeeds => Vec::new(),
        R::OccurredInFuture { occurred_at, now, tolerance_s } => {
            vec![("occurred_at", s(occurred_at)), ("now", s(now)), ("tolerance_s", s(tolerance_s))]
        }
        R::DateBeforeRegistration { date, what, registered_on } => {
            vec![("date", s(date)), ("what", s(what)), ("registered_on", s(registered_on))]
        }
        R::OutcomeNotAllowed { action, outcome, allowed } => vec![
            ("action", s(action)),
            ("outcome", outcome.as_str().to_owned()),
            ("allowed", allowed.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")),
        ],
        R::IdentityWasErased { beneficiary_id, command } => {
            vec![("beneficiary", s(beneficiary_id)), ("command", s(command))]
        }
        R::TextAboutErasedPerson { beneficiary_id, command, field } => {
            vec![("beneficiary", s(beneficiary_id)), ("command", s(command)), ("field", s(field))]
        }
        R::CaseOfAnotherPerson { case_id, beneficiary_id } => {
            vec![("case", s(case_id)), ("beneficiary", s(beneficiary_id))]
        }
        R::LastAdministrator { staff_id, centre_id } => vec![("staff", s(staff_id)), ("centre", s(centre_id))],
        R::BusinessDateNotOfTheAct { today, occurred_at } => {
            vec![("today", s(today)), ("occurred_at", s(occurred_at))]
        }
        R::DuplicateAmka { centre_id, beneficiary_id } => {
            vec![("centre", s(centre_id)), ("beneficiary", s(beneficiary_id))]
        }
        R::MissingDetail { action, reason } => {
            vec![("action", s(action)), ("reason", reason.as_str().to_owned())]
        }
        R::LeavingSituationRequired { case_id, programmes } => {
            vec![("case", s(case_id)), ("programmes", list(programmes))]
        }
        R::LeavingSituationNotApplicable { case_id } => vec![("case", s(case_id))],
        R::NotDeploymentCentre { staff_id, centre_id, deployment_centre } => {
            vec![("staff", s(staff_id)), ("centre", s(centre_id)), ("deployment_centre", s(deployment_centre))]
        }
        R::UnlistedMunicipality { municipality, nearest } => {
            vec![("municipality", municipality.clone()), ("nearest", nearest.join("; "))]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{CaseId, ReferralId};
    use crate::vocab::{ReferralStatus, Role};
    use uuid::Uuid;

    #[test]
    fn a_rejection_gives_its_values_by_name_with_stable_names_for_closed_sets() {
        let case_id = CaseId::new(Uuid::from_u128(7));
        assert_eq!(arguments(&Rejection::CaseIsClosed { case_id }), vec![("case", case_id.to_string())]);
        let refused = Rejection::TransitionNotAllowed {
            referral_id: ReferralId::new(Uuid::from_u128(9)),
            from: ReferralStatus::InProgress,
            action: "send",
        };
        let values = arguments(&refused);
        assert!(values.contains(&("from", "in_progress".to_owned())), "{values:?}");
        assert!(values.contains(&("action", "send".to_owned())), "{values:?}");
        let roles = Rejection::RoleNotPermitted {
            staff_id: crate::values::StaffId::new(Uuid::from_u128(1)),
            command: "case reopen",
            allowed: vec![Role::Supervisor, Role::Administrator],
        };
        assert!(arguments(&roles).contains(&("roles", "supervisor, administrator".to_owned())));
        assert!(arguments(&Rejection::NoNeeds).is_empty());
    }
}
