//! The words of core's refusals in the chosen language: each [`Rejection`] by its stable
//! rule name (`rule-<Name>` in `messages.ftl`) and each [`ValidationError`] by its kind
//! (`invalid-<kind>`), with the values they carry as the message's arguments. English
//! shows core's own sentence (`$detail`); the vocabulary values among the arguments are
//! named as [`crate::i18n::vocab`] names them.

use parapompi::act_form::{ActProblem, ACT_KEYS};
use parapompi::core::{DecodeError, Rejection, ValidationError};
use parapompi::documents::WrittenAnswerError;
use parapompi::store::{ExpectedVersion, InvalidInput, Problem, StoreError};
use parapompi::{EngineError, KeyError, KeyFileAction, KeyFileProblem};

use crate::error::CliError;
use crate::i18n::{has_message_in, lang, message, vocab, Lang};

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

/// What is wrong with a field of an act (an `act` line of `apply`) in the chosen language;
/// English is the library's own sentence.
pub fn act_problem(problem: &ActProblem) -> String {
    let quoted = |text: &String| format!("{text:?}");
    let (key, mut args): (&str, Vec<(&str, String)>) = match problem {
        ActProblem::NotAnObject => ("act-not-an-object", vec![]),
        ActProblem::NotJson { detail } => ("act-not-json", vec![("problem", detail.clone())]),
        ActProblem::UnknownKey => ("act-unknown-key", vec![("allowed", ACT_KEYS.join(", "))]),
        ActProblem::NotAString => ("act-not-a-string", vec![]),
        ActProblem::TooManyCommands { max } => ("act-too-many-commands", vec![("max", max.to_string())]),
        ActProblem::NotAList => ("act-not-a-list", vec![]),
        ActProblem::NotACommand { detail } => ("act-not-a-command", vec![("problem", detail.clone())]),
        ActProblem::CredentialAct => ("act-credential-act", vec![]),
        ActProblem::NotAnInstant { text } => ("act-not-an-instant", vec![("text", quoted(text))]),
        ActProblem::NotAUuid { text } => ("act-not-a-uuid", vec![("text", quoted(text))]),
        ActProblem::NotAnActor { text } => ("act-not-an-actor", vec![("text", quoted(text))]),
    };
    args.push(("detail", problem.to_string()));
    keyed(key, &args)
}

/// A server's answer to a write that is not the write's document, as the environment's
/// error, in the chosen language; English is the library's own sentence.
pub fn written_answer(error: WrittenAnswerError) -> CliError {
    let (key, value) = match &error {
        WrittenAnswerError::Lacks { key } => ("client-answer-lacks", ("text", format!("{key:?}"))),
        WrittenAnswerError::BadEvents { detail } => ("client-answer-bad-events", ("problem", detail.clone())),
    };
    CliError::Environment(keyed(key, &[value, ("detail", error.to_string())]))
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

/// A message from a key and owned arguments.
fn keyed(key: &str, args: &[(&str, String)]) -> String {
    let borrowed: Vec<(&str, &str)> = args.iter().map(|(name, value)| (*name, value.as_str())).collect();
    message(key, &borrowed)
}

/// The message `key`, or `fallback` where the resources do not have it.
fn named_or(key: &str, fallback: &str) -> String {
    if has_message_in(Lang::En, key) {
        message(key, &[])
    } else {
        fallback.to_owned()
    }
}

/// The key of what the store was doing when the operating system failed (`io-<words>`, the
/// store's English words with every other character a dash).
pub fn io_context_key(context: &str) -> String {
    let words: String = context.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("io-{words}")
}

/// What the store was doing, in the chosen language; a doing the resources do not name is
/// the store's own words in English and a general phrase in Greek.
fn io_context(context: &str) -> String {
    let key = io_context_key(context);
    if has_message_in(Lang::En, &key) {
        message(&key, &[])
    } else if lang() == Lang::En {
        context.to_owned()
    } else {
        message("io-other", &[])
    }
}

/// An input/output failure: what was being done, in the language, and the operating
/// system's own text.
pub fn io_failure(context: &str, source: &std::io::Error) -> String {
    keyed("io-error", &[("what", io_context(context)), ("problem", source.to_string())])
}

/// A store's error in the chosen language (its `Display` stays English for embedders).
pub fn store_error(error: &StoreError) -> String {
    match error {
        StoreError::InUse { path } => keyed("store-in-use", &[("text", path.display().to_string())]),
        StoreError::Io { context, source } => io_failure(context, source),
        StoreError::Corruption { at, problem } => {
            keyed("store-corrupt", &[("position", at.to_string()), ("problem", corruption(problem))])
        }
        StoreError::Conflict { stream_id, expected, actual } => keyed(
            "store-conflict",
            &[
                ("stream", stream_id.to_string()),
                ("value", expected_version(expected)),
                ("version", actual.to_string()),
            ],
        ),
        StoreError::CommandIdReused { command_id, original_stream, stream_id } => keyed(
            "store-command-id-reused",
            &[
                ("command", command_id.to_string()),
                ("value", original_stream.to_string()),
                ("stream", stream_id.to_string()),
            ],
        ),
        StoreError::Invalid(invalid) => invalid_input(invalid),
        StoreError::Import { line, problem } => {
            keyed("store-import-line", &[("n", line.to_string()), ("problem", problem.clone())])
        }
        StoreError::ImportRecord { record, offset, problem } => keyed(
            "store-import-record",
            &[("n", record.to_string()), ("value", offset.to_string()), ("problem", problem.clone())],
        ),
        StoreError::Poisoned { reason } => keyed("store-poisoned", &[("problem", reason.clone())]),
        StoreError::Closed => message("store-closed", &[]),
    }
}

/// The version an append expected its stream at, in the chosen language.
fn expected_version(expected: &ExpectedVersion) -> String {
    match expected {
        ExpectedVersion::NoStream => message("store-expected-no-stream", &[]),
        ExpectedVersion::Exact(version) => message("store-expected-version", &[("version", &version.to_string())]),
        ExpectedVersion::Any => message("store-expected-any", &[]),
    }
}

/// What is wrong at a corrupt position, in the chosen language.
pub fn corruption(problem: &Problem) -> String {
    match problem {
        Problem::HashMismatch { stored, recomputed } => {
            keyed("corrupt-hash-mismatch", &[("hash", stored.clone()), ("value", recomputed.clone())])
        }
        Problem::ChainBreak { expected, found } => {
            keyed("corrupt-chain-break", &[("hash", found.clone()), ("value", expected.clone())])
        }
        Problem::Gap { expected, found } => {
            keyed("corrupt-gap", &[("position", expected.to_string()), ("value", found.to_string())])
        }
        Problem::VersionBreak { stream_id, expected, found } => keyed(
            "corrupt-version-break",
            &[("stream", stream_id.clone()), ("version", expected.to_string()), ("value", found.to_string())],
        ),
        Problem::ClockBackwards { previous_ms, found_ms } => {
            keyed("corrupt-clock-backwards", &[("value", found_ms.to_string()), ("start", previous_ms.to_string())])
        }
        Problem::Undecodable(text) => keyed("corrupt-undecodable", &[("problem", text.clone())]),
        Problem::Index(text) => keyed("corrupt-index", &[("problem", text.clone())]),
    }
}

/// An input that breaks a rule of the store's format or one of its limits.
fn invalid_input(invalid: &InvalidInput) -> String {
    match invalid {
        InvalidInput::StreamId { stream_id, reason } => {
            keyed("store-invalid-stream-id", &[("text", format!("{stream_id:?}")), ("problem", reason.clone())])
        }
        InvalidInput::EventType { event_type, reason } => {
            keyed("store-invalid-event-type", &[("text", format!("{event_type:?}")), ("problem", reason.clone())])
        }
        InvalidInput::Actor { actor, reason } => {
            keyed("store-invalid-actor", &[("text", format!("{actor:?}")), ("problem", reason.clone())])
        }
        InvalidInput::Payload { reason } => keyed("store-invalid-payload", &[("problem", reason.clone())]),
        InvalidInput::EmptyAppend => message("store-empty-append", &[]),
        InvalidInput::NoStreams => message("store-no-streams", &[]),
        InvalidInput::StreamWithoutEvents { stream_id } => {
            keyed("store-stream-without-events", &[("stream", stream_id.to_string())])
        }
        InvalidInput::StreamNamedTwice { stream_id } => {
            keyed("store-stream-named-twice", &[("stream", stream_id.to_string())])
        }
        InvalidInput::TooManyEvents { n_events, max } => {
            keyed("store-too-many-events", &[("n", n_events.to_string()), ("max", max.to_string())])
        }
        InvalidInput::EventTooLarge { index, n_bytes, max } => keyed(
            "store-event-too-large",
            &[("value", index.to_string()), ("n", n_bytes.to_string()), ("max", max.to_string())],
        ),
        InvalidInput::PositionOutOfRange { position, head } => {
            keyed("store-position-out-of-range", &[("position", position.to_string()), ("end", head.to_string())])
        }
        InvalidInput::Config(text) => keyed("store-config", &[("problem", text.clone())]),
    }
}

/// A stored event that does not decode, in the chosen language.
fn decode_error(error: &DecodeError) -> String {
    match error {
        DecodeError::UnknownType { event_type } => keyed("decode-unknown-type", &[("text", format!("{event_type:?}"))]),
        DecodeError::UnsupportedVersion { event_type, schema_version, current } => keyed(
            if schema_version > current { "decode-newer-version" } else { "decode-unsupported-version" },
            &[("text", event_type.clone()), ("version", schema_version.to_string()), ("max", current.to_string())],
        ),
        // The payload's problem is serde's own sentence, kept as it is.
        other => keyed("decode-other", &[("problem", other.to_string())]),
    }
}

/// What is wrong with a key or a key file, in the chosen language.
pub fn key_error(error: &KeyError) -> String {
    let shown = |path: &std::path::Path| path.display().to_string();
    match error {
        KeyError::File { action, path, source } => keyed(
            "key-file-failed",
            &[("what", key_file_action(*action)), ("text", shown(path)), ("problem", source.to_string())],
        ),
        KeyError::Damaged { path, problem } => {
            keyed("key-file-damaged", &[("text", shown(path)), ("problem", key_file_problem(problem))])
        }
        KeyError::GivenKey { problem } => keyed("key-given", &[("problem", key_file_problem(problem))]),
        KeyError::DeploymentKeyMissing { path } => keyed("key-deployment-missing", &[("text", shown(path))]),
        KeyError::MissingAfterRotation { path } => keyed("key-missing-after-rotation", &[("text", shown(path))]),
        KeyError::PersonKeysMissing { path, source } => {
            keyed("key-person-keys-missing", &[("text", shown(path)), ("problem", source.to_string())])
        }
        KeyError::PersonKeyMissing { beneficiary } => keyed("key-person-key-missing", &[("id", beneficiary.clone())]),
        KeyError::NoRandomBytes { problem } => keyed("key-no-random", &[("problem", problem.clone())]),
        KeyError::TemporaryStore => message("key-temporary-store", &[]),
        KeyError::NoRotationPrepared { path } => keyed("key-no-rotation-prepared", &[("text", shown(path))]),
        KeyError::NothingToRotate { path } => keyed("key-nothing-to-rotate", &[("text", shown(path))]),
        KeyError::NewKeySourceNeeded => message("key-new-source-needed", &[]),
        KeyError::NewKeyRetired => message("key-new-retired", &[]),
        KeyError::NewKeyInUse => message("key-new-in-use", &[]),
        KeyError::NewKeyFileInside { path, keys_dir } => {
            keyed("key-new-file-inside", &[("text", shown(path)), ("value", shown(keys_dir))])
        }
        KeyError::NeitherKey { person_keys, current, next } => {
            keyed("key-neither", &[("text", shown(person_keys)), ("value", shown(current)), ("start", shown(next))])
        }
        KeyError::RetiredKeyGiven { person_keys } => keyed("key-retired-given", &[("text", shown(person_keys))]),
    }
}

/// What the operating system failed to do with a key file, as a verb in the language.
fn key_file_action(action: KeyFileAction) -> String {
    let key = match action {
        KeyFileAction::Read => "key-action-read",
        KeyFileAction::Write => "key-action-write",
        KeyFileAction::Rewrite => "key-action-rewrite",
        KeyFileAction::Rename => "key-action-rename",
        KeyFileAction::Remove => "key-action-remove",
        KeyFileAction::Sync => "key-action-sync",
        KeyFileAction::OpenForAppending => "key-action-open-for-appending",
        KeyFileAction::ReadLength => "key-action-read-length",
        KeyFileAction::Append => "key-action-append",
        KeyFileAction::CutTornRecord => "key-action-cut-torn-record",
    };
    message(key, &[])
}

/// What is wrong inside a key file, in the chosen language.
fn key_file_problem(problem: &KeyFileProblem) -> String {
    match problem {
        KeyFileProblem::OtherFormat { found, reads } => {
            keyed("key-other-format", &[("text", format!("{found:?}")), ("value", format!("{reads:?}"))])
        }
        KeyFileProblem::NotAKeyFile { kind, header } => keyed(
            if *kind == "signing" { "key-not-signing-key-file" } else { "key-not-deployment-key-file" },
            &[("value", format!("{header:?}"))],
        ),
        KeyFileProblem::HexLength { digits } => keyed("key-hex-length", &[("n", digits.to_string())]),
        KeyFileProblem::NotHex => message("key-not-hex", &[]),
        KeyFileProblem::NoDeploymentLine => message("key-no-deployment-line", &[]),
        KeyFileProblem::NoSecretLine => message("key-no-secret-line", &[]),
        KeyFileProblem::NotPersonKeyFile { found: Some(found), reads: Some(reads) } => {
            keyed("key-not-person-key-file-line", &[("text", format!("{found:?}")), ("value", format!("{reads:?}"))])
        }
        KeyFileProblem::NotPersonKeyFile { .. } => message("key-not-person-key-file", &[]),
        KeyFileProblem::WrongDeploymentKey => message("key-wrong-deployment-key", &[]),
        KeyFileProblem::ShorterThanHeader => message("key-shorter-than-header", &[]),
        KeyFileProblem::DamagedAfter { bytes } => keyed("key-damaged-after", &[("n", bytes.to_string())]),
        KeyFileProblem::RecordCutShort => message("key-record-cut-short", &[]),
        KeyFileProblem::RecordDoesNotOpen => message("key-record-does-not-open", &[]),
        KeyFileProblem::PartialEntry => message("key-partial-entry", &[]),
        KeyFileProblem::CannotEncrypt => message("key-cannot-encrypt", &[]),
        KeyFileProblem::RecordTooLong => message("key-record-too-long", &[]),
        KeyFileProblem::NotRetiredKeys => message("key-not-retired-keys", &[]),
    }
}

/// An Engine's error other than a refusal or a bad value (which [`rejection`] and
/// [`invalid`] word), in the chosen language.
pub fn engine_error(error: &EngineError) -> String {
    match error {
        EngineError::Rejected(refused) => rejection(refused),
        EngineError::Invalid(bad) => invalid(bad),
        EngineError::Store(store) => store_error(store),
        EngineError::Contended { stream_id, attempts } => {
            keyed("engine-contended", &[("stream", stream_id.clone()), ("n", attempts.to_string())])
        }
        EngineError::Decode { position, source } => {
            keyed("engine-decode", &[("position", position.to_string()), ("problem", decode_error(source))])
        }
        EngineError::BadTime { position, reason } => {
            keyed("engine-bad-time", &[("position", position.to_string()), ("problem", reason.clone())])
        }
        EngineError::Vault(text) => keyed("engine-vault", &[("problem", text.clone())]),
        EngineError::Interrupted(text) => keyed("engine-interrupted", &[("problem", text.clone())]),
        EngineError::Key(key) => key_error(key),
        EngineError::EmptyAct => message("engine-empty-act", &[]),
        EngineError::CommandIdReused { command_id, first_position, first_stream, first_event_type } => keyed(
            "engine-command-id-reused",
            &[
                ("command", command_id.to_string()),
                ("text", first_event_type.clone()),
                ("position", first_position.to_string()),
                ("stream", first_stream.clone()),
            ],
        ),
        EngineError::TooManyFound { found, max } => {
            keyed("engine-too-many-found", &[("n", found.to_string()), ("max", max.to_string())])
        }
        EngineError::Backup { part, problem } => keyed(
            "engine-backup",
            &[("what", named_or(&format!("backup-part-{part}"), part)), ("problem", problem.clone())],
        ),
        EngineError::NotFound(text) => text.clone(),
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

    /// Every doing the store names when the operating system fails (`StoreError::io("…"`,
    /// `StoreError::sled("…"`, `context: "…"` in the store's and the library's sources) has
    /// its words in both languages.
    #[test]
    fn every_doing_of_the_store_has_its_words_in_both_languages() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("a source directory").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).expect("a source file"));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut texts = Vec::new();
        sources(&root.join("store/src"), &mut texts);
        sources(&root.join("src"), &mut texts);
        let mut contexts = Vec::new();
        for text in &texts {
            for opening in ["StoreError::io(\"", "StoreError::sled(\"", "context: \""] {
                for rest in text.split(opening).skip(1) {
                    contexts.extend(rest.split('"').next().map(str::to_owned));
                }
            }
        }
        assert!(contexts.len() > 30, "found {} doings", contexts.len());
        for context in &contexts {
            let key = super::io_context_key(context);
            for lang in [Lang::En, Lang::El] {
                assert!(has_message_in(lang, &key), "{lang:?} has no message {key} for {context:?}");
            }
            assert_eq!(crate::i18n::message_in(Lang::En, &key, &[]), *context, "English keeps the store's words");
        }
    }
}
