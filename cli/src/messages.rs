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
    let values = parapompi::core::rejection_arguments::arguments(rejection);
    let values: Vec<(String, String)> = values.into_iter().map(|(name, value)| (name.to_owned(), value)).collect();
    rule_message(rejection.name(), &values, &rejection.to_string())
}

/// The message of rule `rule` in the chosen language from the values a refusal carries by
/// name (core's `rejection_arguments`, or a server's problem details' `arguments`) and
/// core's English sentence `detail`: closed sets' values named in the language, and what
/// may come next for a referral in the status it was in.
pub fn rule_message(rule: &str, values: &[(String, String)], detail: &str) -> String {
    let named = |set: &str, list: &str| {
        list.split(", ").filter(|v| !v.is_empty()).map(|v| vocab(set, v)).collect::<Vec<_>>().join(", ")
    };
    let mut args: Vec<(&str, String)> = Vec::new();
    for (name, value) in values {
        let shown = match name.as_str() {
            "roles" => named("role", value),
            "need" => vocab("need", value),
            "purpose" => vocab("purpose", value),
            "outcome" => vocab("outcome", value),
            "allowed" => named("outcome", value),
            "reason" => vocab("close_reason", value),
            "from" => {
                args.push(("next", message(&format!("next-{value}"), &[])));
                vocab("status", value)
            }
            _ => value.clone(),
        };
        args.push((name.as_str(), shown));
    }
    args.push(("detail", detail.to_owned()));
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    message(&format!("rule-{rule}"), &borrowed)
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
        let values = vec![("case".to_owned(), case_id.to_string())];
        assert_eq!(rule_message("CaseIsClosed", &values, "the detail"), "the detail");
        let greek = message_in(Lang::El, "rule-CaseIsClosed", &[("case", "Χ-1"), ("detail", "d")]);
        assert!(greek.contains("Χ-1") && greek.contains("κλειστ"), "{greek}");
        let unknown = MunicipalityName::new("Grevna").expect_err("not a municipality");
        assert_eq!(invalid(&unknown), unknown.to_string());
    }
}
