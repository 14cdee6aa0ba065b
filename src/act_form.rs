//! The one JSON form of an act: what a program that holds commands sends, whether as a line
//! of `parapompi apply` or as the body of the server's `POST /v1/commands`.
//!
//! ```json
//! {"act": [{"case": {"case_id": "UUID", "action": {"add_note": {"text": "…"}}}}],
//!  "as": "STAFF", "at": "2024-03-05T10:00:00+02:00", "command_id": "UUID"}
//! ```
//!
//! `act` is a list of one or more commands exactly as [`parapompi_core::Command`]
//! serialises them (serde, externally tagged, snake_case), decided in order and appended as
//! one ([`crate::Engine::execute_all`]). `as` is a staff member (`<UUID>` or
//! `staff-<UUID>`) or `setup` (the set-up of a centre and its first administrator); `at` is
//! an RFC 3339 instant; `command_id` a UUID. Each of the three may be left out, for the
//! caller to fill (the command line from its options, the server from the authenticated
//! staff member and its clock).
//!
//! Credential acts (issuing, setting a password, revoking, recording failed logins) carry
//! no secret, so they are refused in this form: they go through [`crate::credentials`],
//! which keeps the secrets they stand for.

use parapompi_core::staff::StaffAction;
use parapompi_core::values::{StaffId, Timestamp};
use parapompi_core::Command;
use serde_json::{Map, Value};
use uuid::Uuid;

/// The keys an act may hold.
pub const ACT_KEYS: &[&str] = &["act", "as", "at", "command_id"];

/// The most commands one act may hold.
pub const MAX_COMMANDS_PER_ACT: usize = 256;

/// Who an act says it is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActActor {
    /// A staff member.
    Staff(StaffId),
    /// The set-up of a new centre and its first administrator.
    Setup,
}

/// An act read from its JSON form, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ActForm {
    /// The commands, in order; at least one.
    pub commands: Vec<Command>,
    /// `as`, if given.
    pub actor: Option<ActActor>,
    /// `at`, if given.
    pub at: Option<Timestamp>,
    /// `command_id`, if given.
    pub command_id: Option<Uuid>,
}

/// What is wrong with an act's JSON, naming the field (`act[0]`, `as`, `command_id`, or a
/// key that is not one of [`ACT_KEYS`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ActFormError {
    /// The field.
    pub field: String,
    /// What is wrong with it.
    pub problem: ActProblem,
}

/// What is wrong with a field of an act, with the values a caller needs to say it in its
/// own words; `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActProblem {
    /// The body is JSON, but not an object.
    #[error("not a JSON object")]
    NotAnObject,
    /// The body is not JSON.
    #[error("not valid JSON: {detail}")]
    NotJson {
        /// serde's account of where and why.
        detail: String,
    },
    /// A key that is not one of [`ACT_KEYS`].
    #[error("unknown key (an act holds {})", ACT_KEYS.join(", "))]
    UnknownKey,
    /// `as`, `at` or `command_id` is not a string.
    #[error("must be a string")]
    NotAString,
    /// `act` holds more than [`MAX_COMMANDS_PER_ACT`] commands.
    #[error("at most {max} commands")]
    TooManyCommands {
        /// The most an act may hold.
        max: usize,
    },
    /// `act` is missing, empty or not a list.
    #[error("must be a list of one or more commands")]
    NotAList,
    /// An item of `act` is not a command in the library's form.
    #[error("not a command in the library's form: {detail}")]
    NotACommand {
        /// serde's account of what does not fit.
        detail: String,
    },
    /// A credential act, which this form does not take.
    #[error(
        "credential acts are not taken in this form: they carry secrets it does not (use the credential \
         commands or endpoints)"
    )]
    CredentialAct,
    /// `at` is not an RFC 3339 instant.
    #[error("{text:?} is not an RFC 3339 instant such as 2024-05-01T09:30:00+03:00")]
    NotAnInstant {
        /// The text given.
        text: String,
    },
    /// `command_id` is not a UUID.
    #[error("{text:?} is not a UUID")]
    NotAUuid {
        /// The text given.
        text: String,
    },
    /// `as` is neither a staff id nor `setup`.
    #[error("{text:?} is not an id (a UUID, or staff-<UUID>), nor setup")]
    NotAnActor {
        /// The text given.
        text: String,
    },
}

impl ActFormError {
    fn new(field: impl Into<String>, problem: ActProblem) -> ActFormError {
        ActFormError { field: field.into(), problem }
    }
}

impl ActForm {
    /// Reads an act from JSON text.
    pub fn from_json(text: &str) -> Result<ActForm, ActFormError> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => ActForm::from_map(&map),
            Ok(_) => Err(ActFormError::new("body", ActProblem::NotAnObject)),
            Err(e) => Err(ActFormError::new("body", ActProblem::NotJson { detail: e.to_string() })),
        }
    }

    /// Reads an act from a JSON object.
    pub fn from_map(map: &Map<String, Value>) -> Result<ActForm, ActFormError> {
        if let Some(key) = map.keys().find(|k| !ACT_KEYS.contains(&k.as_str())) {
            return Err(ActFormError::new(key, ActProblem::UnknownKey));
        }
        let text = |key: &str| match map.get(key) {
            Some(Value::String(text)) => Ok(Some(text.as_str())),
            Some(Value::Null) | None => Ok(None),
            Some(_) => Err(ActFormError::new(key, ActProblem::NotAString)),
        };
        let (actor, at, command_id) = (text("as")?, text("at")?, text("command_id")?);
        let commands: Vec<Command> = match map.get("act") {
            Some(Value::Array(items)) if !items.is_empty() => {
                if items.len() > MAX_COMMANDS_PER_ACT {
                    return Err(ActFormError::new("act", ActProblem::TooManyCommands { max: MAX_COMMANDS_PER_ACT }));
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        Command::deserialize_from(item).map_err(|e| {
                            ActFormError::new(format!("act[{i}]"), ActProblem::NotACommand { detail: e.to_string() })
                        })
                    })
                    .collect::<Result<_, _>>()?
            }
            _ => return Err(ActFormError::new("act", ActProblem::NotAList)),
        };
        if let Some(i) = commands.iter().position(is_credential_act) {
            return Err(ActFormError::new(format!("act[{i}]"), ActProblem::CredentialAct));
        }
        let actor = actor.map(parse_actor).transpose()?;
        let at = at
            .map(|text| {
                crate::instant::parse_rfc3339(text.trim())
                    .ok_or_else(|| ActFormError::new("at", ActProblem::NotAnInstant { text: text.to_owned() }))
            })
            .transpose()?;
        let command_id = command_id
            .map(|text| {
                Uuid::parse_str(text.trim())
                    .map_err(|_| ActFormError::new("command_id", ActProblem::NotAUuid { text: text.to_owned() }))
            })
            .transpose()?;
        Ok(ActForm { commands, actor, at, command_id })
    }
}

/// The act's JSON form as [`ActForm::from_map`] reads it (the struct is what it reads the
/// form into, not a serde type, so the schema is written here beside the reader).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for ActForm {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ActForm".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let command = generator.subschema_for::<Command>();
        let uuid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
        schemars::json_schema!({
            "type": "object",
            "description": "One act: commands decided in order and appended as one, all or nothing. \
                Credential acts (issue_credential, set_password, revoke_credential, \
                record_login_failed) are refused in this form.",
            "properties": {
                "act": {
                    "type": "array",
                    "items": command,
                    "minItems": 1,
                    "maxItems": MAX_COMMANDS_PER_ACT,
                    "description": "The commands, in the library's form.",
                },
                "as": {
                    "type": ["string", "null"],
                    "pattern": format!(r"^\s*(setup|(staff-)?{uuid})\s*$"),
                    "description": "Who acts: a staff id (<UUID> or staff-<UUID>) or `setup`; \
                        the server takes the authenticated staff member and refuses another.",
                },
                "at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": "When the act happened, an RFC 3339 instant; by default the clock's now.",
                },
                "command_id": {
                    "type": ["string", "null"],
                    "format": "uuid",
                    "description": "The act's id, for a safe retry; by default a new UUIDv7.",
                },
            },
            "required": ["act"],
            "additionalProperties": false,
        })
    }
}

/// Reads a serde value as a command without cloning it first.
trait DeserializeFrom: Sized {
    fn deserialize_from(value: &Value) -> Result<Self, serde_json::Error>;
}

impl DeserializeFrom for Command {
    fn deserialize_from(value: &Value) -> Result<Self, serde_json::Error> {
        serde::Deserialize::deserialize(value)
    }
}

/// `as`: `setup`, or a staff id bare or as `staff-<UUID>`.
fn parse_actor(text: &str) -> Result<ActActor, ActFormError> {
    let trimmed = text.trim();
    if trimmed == "setup" {
        return Ok(ActActor::Setup);
    }
    let bare = trimmed.strip_prefix("staff-").unwrap_or(trimmed);
    Uuid::parse_str(bare)
        .map(|uuid| ActActor::Staff(StaffId::new(uuid)))
        .map_err(|_| ActFormError::new("as", ActProblem::NotAnActor { text: text.to_owned() }))
}

/// True for the staff commands that stand for a secret.
fn is_credential_act(command: &Command) -> bool {
    matches!(
        command,
        Command::Staff(staff) if matches!(
            staff.action,
            StaffAction::IssueCredential { .. }
                | StaffAction::SetPassword { .. }
                | StaffAction::RevokeCredential { .. }
                | StaffAction::RecordLoginFailed { .. }
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_act_is_read_with_its_actor_time_and_id() {
        let text = r#"{"act":[{"case":{"case_id":"0190a000-0000-7000-8000-000000000001","action":{"add_note":{"text":"Τηλεφώνησε."}}}}],
            "as":"staff-0190a000-0000-7000-8000-000000000002","at":"2024-03-05T10:00:00+02:00","command_id":"0190a000-0000-7000-8000-000000000003"}"#;
        let act = ActForm::from_json(text).map_err(|e| e.to_string());
        let act = act.as_ref().map(|a| (a.commands.len(), a.actor, a.at.map(|t| t.unix_ms()), a.command_id.is_some()));
        let staff = StaffId::new(Uuid::from_u128(0x0190a000_0000_7000_8000_000000000002));
        assert_eq!(act, Ok((1, Some(ActActor::Staff(staff)), Some(1_709_625_600_000), true)));
    }

    #[test]
    fn every_bad_field_is_named() {
        let cases = [
            (r#"[1]"#, "body"),
            (r#"{"act":[],"as":"x"}"#, "act"),
            (r#"{"act":[{"case":{"case_id":"nope"}}]}"#, "act[0]"),
            (r#"{"act":[{"case":1}],"colour":"red"}"#, "colour"),
            (r#"{"act":{"case":1}}"#, "act"),
            (
                r#"{"act":[{"centre":{"centre_id":"0190a000-0000-7000-8000-000000000001","action":{"serve_municipality":{"municipality":"Σφακίων"}}}}],"as":5}"#,
                "as",
            ),
        ];
        for (text, field) in cases {
            assert_eq!(ActForm::from_json(text).map_err(|e| e.field), Err(field.to_owned()), "{text}");
        }
    }

    #[test]
    fn credential_acts_are_refused_in_this_form() {
        let text = r#"{"act":[{"staff":{"staff_id":"0190a000-0000-7000-8000-000000000001","action":{"record_login_failed":{"reason":"wrong_password"}}}}]}"#;
        assert_eq!(ActForm::from_json(text).map_err(|e| e.field), Err("act[0]".to_owned()));
    }
}
