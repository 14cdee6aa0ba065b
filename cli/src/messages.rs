//! The words of core's refusals in the chosen language: each [`Rejection`] by its stable
//! rule name (`rule-<Name>` in `messages.ftl`) and each [`ValidationError`] by its kind
//! (`invalid-<kind>`), with the values they carry as the message's arguments. English
//! shows core's own sentence (`$detail`); the vocabulary values among the arguments are
//! named as [`crate::i18n::vocab`] names them.

use parapompi::core::{Rejection, ValidationError};

use crate::i18n::{message, vocab};

/// A rejection's message in the chosen language (without the rule's name, which the caller
/// keeps visible beside it).
pub fn rejection(rejection: &Rejection) -> String {
    let detail = rejection.to_string();
    let mut args: Vec<(&str, String)> = rejection_args(rejection);
    args.push(("detail", detail));
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    message(&format!("rule-{}", rejection.name()), &borrowed)
}

/// A validation error's message in the chosen language.
pub fn invalid(error: &ValidationError) -> String {
    let (kind, args): (&str, Vec<(&str, String)>) = match error {
        ValidationError::Empty { what } => ("empty", vec![("what", what_of(what))]),
        ValidationError::TooLong { what, n_chars, max_chars } => {
            ("too_long", vec![("what", what_of(what)), ("value", n_chars.to_string()), ("max", max_chars.to_string())])
        }
        ValidationError::ControlCharacter { what } => ("control_character", vec![("what", what_of(what))]),
        ValidationError::Malformed { what, detail } => {
            ("malformed", vec![("what", what_of(what)), ("problem", (*detail).to_owned())])
        }
        ValidationError::AmkaCheckDigit { .. } => ("amka_check_digit", Vec::new()),
        ValidationError::AmkaBirthDate { detail, .. } => ("amka_birth_date", vec![("problem", detail.clone())]),
        ValidationError::OutOfRange { what, value, min, max } => (
            "out_of_range",
            vec![
                ("what", what_of(what)),
                ("value", value.to_string()),
                ("start", min.to_string()),
                ("end", max.to_string()),
            ],
        ),
        ValidationError::UnknownMunicipality { given, nearest } => {
            ("unknown_municipality", vec![("municipality", given.clone()), ("nearest", nearest.join("; "))])
        }
        ValidationError::AmbiguousMunicipality { given, candidates } => {
            ("ambiguous_municipality", vec![("municipality", given.clone()), ("nearest", candidates.join("; "))])
        }
    };
    let mut args = args;
    args.push(("detail", error.to_string()));
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    message(&format!("invalid-{kind}"), &borrowed)
}

/// Core names a value's kind in English words ("a municipality's name"); the resources name
/// it in theirs, by a key made of those words.
fn what_of(what: &str) -> String {
    let key: String = what.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let text = message(&format!("what-{key}"), &[]);
    if text.starts_with("what-") {
        what.to_owned()
    } else {
        text
    }
}

fn list<T: ToString>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// The values a rejection carries, by the names its messages use.
fn rejection_args(rejection: &Rejection) -> Vec<(&'static str, String)> {
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
            ("roles", allowed.iter().map(|role| vocab("role", role.as_str())).collect::<Vec<_>>().join(", ")),
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
            vec![("agency", s(agency_id)), ("need", vocab("need", need.as_str()))]
        }
        R::NoSharingConsent { beneficiary_id, agency_id, on } => {
            vec![("beneficiary", s(beneficiary_id)), ("agency", s(agency_id)), ("date", s(on))]
        }
        R::ConsentAlreadyActive { agency_id, purpose } | R::NoActiveConsent { agency_id, purpose } => {
            vec![("agency", s(agency_id)), ("purpose", vocab("purpose", purpose.as_str()))]
        }
        R::CaseIsClosed { case_id } | R::CaseIsOpen { case_id } | R::NotAssigned { case_id } => {
            vec![("case", s(case_id))]
        }
        R::ReadNeedsReason { case_id } => vec![("case", s(case_id))],
        R::AlreadyAssigned { case_id, staff_id } => vec![("case", s(case_id)), ("staff", s(staff_id))],
        R::AssigneeNotEligible { staff_id, why } => vec![("staff", s(staff_id)), ("why", s(why))],
        R::UnknownReferral { referral_id } => vec![("referral", s(referral_id))],
        R::TransitionNotAllowed { referral_id, from, action } => vec![
            ("referral", s(referral_id)),
            ("from", vocab("status", from.as_str())),
            ("action", s(action)),
            ("next", message(&format!("next-{}", from.as_str()), &[])),
        ],
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
            ("outcome", vocab("outcome", outcome.as_str())),
            ("allowed", allowed.iter().map(|o| vocab("outcome", o.as_str())).collect::<Vec<_>>().join(", ")),
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
            vec![("action", s(action)), ("reason", vocab("close_reason", reason.as_str()))]
        }
        R::LeavingSituationRequired { case_id, programmes } => {
            vec![("case", s(case_id)), ("programmes", list(programmes))]
        }
        R::LeavingSituationNotApplicable { case_id } => vec![("case", s(case_id))],
        R::UnlistedMunicipality { municipality, nearest } => {
            vec![("municipality", municipality.clone()), ("nearest", nearest.join("; "))]
        }
        R::NotDeploymentCentre { staff_id, centre_id, deployment_centre } => {
            vec![("staff", s(staff_id)), ("centre", s(centre_id)), ("deployment_centre", s(deployment_centre))]
        }
    }
}

#[cfg(test)]
mod tests {
    use parapompi::core::values::{CaseId, MunicipalityName};
    use parapompi::core::vocab::ReferralStatus;
    use uuid::Uuid;

    use super::*;
    use crate::i18n::{message_in, Lang};

    #[test]
    fn every_rule_has_a_message_in_both_languages() {
        for name in Rejection::ALL_NAMES {
            for lang in [Lang::En, Lang::El] {
                let text = message_in(lang, &format!("rule-{name}"), &[("detail", "d")]);
                assert!(!text.starts_with("rule-"), "{lang:?} has no message for rule {name}");
            }
        }
    }

    #[test]
    fn english_keeps_cores_sentence_and_the_values_reach_the_greek_one() {
        let case_id = CaseId::new(Uuid::from_u128(7));
        let refused = Rejection::TransitionNotAllowed {
            referral_id: parapompi::core::values::ReferralId::new(Uuid::from_u128(9)),
            from: ReferralStatus::Completed,
            action: "send",
        };
        assert_eq!(rejection(&refused), refused.to_string());
        let args = rejection_args(&Rejection::CaseIsClosed { case_id });
        assert_eq!(args, vec![("case", case_id.to_string())]);
        let greek = message_in(Lang::El, "rule-CaseIsClosed", &[("case", "Χ-1"), ("detail", "d")]);
        assert!(greek.contains("Χ-1") && greek.contains("κλειστ"), "{greek}");
        let unknown = MunicipalityName::new("Grevna").expect_err("not a municipality");
        assert_eq!(invalid(&unknown), unknown.to_string());
    }
}
