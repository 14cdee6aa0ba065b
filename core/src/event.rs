//! The routing layer the Engine uses: one [`Command`], [`Event`] and [`State`] over all
//! streams, and the persisted event contract (type names, schema versions, payloads,
//! upcasting).
//!
//! The Engine's loop for one command:
//! 1. `let kind = command.stream_kind(); let stream = command.stream_id();`
//! 2. decode the stream's records with [`Event::from_payload`] and fold them with
//!    [`State::fold`];
//! 3. fold the streams named by [`Command::required_facts`] and build the [`Facts`]
//!    (`CentreFacts::from_state` and friends), plus the actor's [`crate::StaffFacts`];
//! 4. call [`decide`]; on `Ok(events)` append each with [`Event::event_type`],
//!    [`Event::schema_version`] and [`Event::to_payload`].
//!
//! [`Facts`]: crate::Facts

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::agency::{AgencyAggregate, AgencyCommand, AgencyEvent, AgencyState};
use crate::beneficiary::{BeneficiaryAggregate, BeneficiaryCommand, BeneficiaryEvent, BeneficiaryState};
use crate::case::{CaseAggregate, CaseCommand, CaseEvent, CaseState};
use crate::centre::{CentreAggregate, CentreCommand, CentreEvent, CentreState};
use crate::context::{Context, FactsNeeded};
use crate::limits;
use crate::rejection::Rejection;
use crate::staff::{StaffAggregate, StaffCommand, StaffEvent, StaffState};
use crate::stream::{Aggregate, StreamKind};
use crate::text::Text;

/// Any command, routed to its stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Command {
    /// To a centre.
    Centre(CentreCommand),
    /// To a staff member.
    Staff(StaffCommand),
    /// To an agency.
    Agency(AgencyCommand),
    /// To a beneficiary.
    Beneficiary(BeneficiaryCommand),
    /// To a case (its referrals included).
    Case(CaseCommand),
}

impl Command {
    /// The kind of the target stream.
    pub fn stream_kind(&self) -> StreamKind {
        match self {
            Self::Centre(_) => StreamKind::Centre,
            Self::Staff(_) => StreamKind::Staff,
            Self::Agency(_) => StreamKind::Agency,
            Self::Beneficiary(_) => StreamKind::Beneficiary,
            Self::Case(_) => StreamKind::Case,
        }
    }

    /// The target stream, e.g. `case-<uuid>`.
    pub fn stream_id(&self) -> String {
        match self {
            Self::Centre(c) => c.centre_id.stream_id(),
            Self::Staff(c) => c.staff_id.stream_id(),
            Self::Agency(c) => c.agency_id.stream_id(),
            Self::Beneficiary(c) => c.beneficiary_id.stream_id(),
            Self::Case(c) => c.case_id.stream_id(),
        }
    }

    /// The command's stable name, e.g. `"SendReferral"`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Centre(c) => c.action.name(),
            Self::Staff(c) => c.action.name(),
            Self::Agency(c) => c.action.name(),
            Self::Beneficiary(c) => c.action.name(),
            Self::Case(c) => c.action.name(),
        }
    }

    /// The free texts written by staff that the command carries (they go to the vault, not
    /// the log).
    pub fn texts(&self) -> Vec<&str> {
        match self {
            Self::Case(c) => c.action.texts(),
            Self::Beneficiary(c) => match &c.action {
                crate::beneficiary::BeneficiaryAction::RecordAccess { reason: Some(reason), .. } => {
                    vec![reason.as_str()]
                }
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// The other streams whose facts the decision reads. It takes the target stream's
    /// state because some facts are named there (sending a referral needs the agency the
    /// referral was created for). With a state of another kind it asks for nothing.
    pub fn required_facts(&self, state: &State) -> FactsNeeded {
        match (self, state) {
            (Self::Centre(c), State::Centre(s)) => CentreAggregate::required_facts(s, c),
            (Self::Staff(c), State::Staff(s)) => StaffAggregate::required_facts(s, c),
            (Self::Agency(c), State::Agency(s)) => AgencyAggregate::required_facts(s, c),
            (Self::Beneficiary(c), State::Beneficiary(s)) => BeneficiaryAggregate::required_facts(s, c),
            (Self::Case(c), State::Case(s)) => CaseAggregate::required_facts(s, c),
            _ => FactsNeeded::default(),
        }
    }
}

/// Any stream's folded state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// A centre's.
    Centre(CentreState),
    /// A staff member's.
    Staff(StaffState),
    /// An agency's.
    Agency(AgencyState),
    /// A beneficiary's.
    Beneficiary(BeneficiaryState),
    /// A case's.
    Case(CaseState),
}

impl State {
    /// The state of a stream of `kind` with no events.
    pub fn empty(kind: StreamKind) -> Self {
        match kind {
            StreamKind::Centre => Self::Centre(None),
            StreamKind::Staff => Self::Staff(None),
            StreamKind::Agency => Self::Agency(None),
            StreamKind::Beneficiary => Self::Beneficiary(None),
            StreamKind::Case => Self::Case(None),
        }
    }

    /// The kind of stream this state belongs to.
    pub fn kind(&self) -> StreamKind {
        match self {
            Self::Centre(_) => StreamKind::Centre,
            Self::Staff(_) => StreamKind::Staff,
            Self::Agency(_) => StreamKind::Agency,
            Self::Beneficiary(_) => StreamKind::Beneficiary,
            Self::Case(_) => StreamKind::Case,
        }
    }

    /// Applies one event.
    ///
    /// # Panics
    /// If the event belongs to another kind of stream: one stream only ever holds its own
    /// kind's events, so this is an Engine bug.
    pub fn evolve(&mut self, event: &Event) {
        match (self, event) {
            (Self::Centre(s), Event::Centre(e)) => CentreAggregate::evolve(s, e),
            (Self::Staff(s), Event::Staff(e)) => StaffAggregate::evolve(s, e),
            (Self::Agency(s), Event::Agency(e)) => AgencyAggregate::evolve(s, e),
            (Self::Beneficiary(s), Event::Beneficiary(e)) => BeneficiaryAggregate::evolve(s, e),
            (Self::Case(s), Event::Case(e)) => CaseAggregate::evolve(s, e),
            (state, event) => panic!("a {} event cannot apply to a {} stream", event.stream_kind(), state.kind()),
        }
    }

    /// Folds events from the empty state of `kind`.
    ///
    /// # Panics
    /// As [`State::evolve`], if an event is of another kind.
    pub fn fold<'a>(kind: StreamKind, events: impl IntoIterator<Item = &'a Event>) -> Self {
        let mut state = Self::empty(kind);
        for event in events {
            state.evolve(event);
        }
        state
    }
}

/// Decides a command against its stream's state: the events to append, or the rule broken.
pub fn decide(state: &State, command: &Command, ctx: &Context) -> Result<Vec<Event>, Rejection> {
    fn wrap<E>(result: Result<Vec<E>, Rejection>, f: fn(E) -> Event) -> Result<Vec<Event>, Rejection> {
        result.map(|events| events.into_iter().map(f).collect())
    }
    let latest = ctx.now.unix_ms().saturating_add(limits::MAX_CLOCK_SKEW_MS);
    if ctx.occurred_at.unix_ms() > latest {
        return Err(Rejection::OccurredInFuture {
            occurred_at: ctx.occurred_at,
            now: ctx.now,
            tolerance_s: limits::MAX_CLOCK_SKEW_MS / 1000,
        });
    }
    // The business date is the act's date where the centre is: some time zone from UTC−12
    // to UTC+14 gives it (the Engine's caller computes it; core checks it is possible).
    const HOUR_MS: i64 = 3_600_000;
    let day_of = |ms: i64| ms.div_euclid(24 * HOUR_MS);
    let at = ctx.occurred_at.unix_ms();
    let today = ctx.today.days_since_epoch();
    if today < day_of(at.saturating_sub(12 * HOUR_MS)) || today > day_of(at.saturating_add(14 * HOUR_MS)) {
        return Err(Rejection::BusinessDateNotOfTheAct { today: ctx.today, occurred_at: ctx.occurred_at });
    }
    match (state, command) {
        (State::Centre(s), Command::Centre(c)) => wrap(CentreAggregate::decide(s, c, ctx), Event::Centre),
        (State::Staff(s), Command::Staff(c)) => wrap(StaffAggregate::decide(s, c, ctx), Event::Staff),
        (State::Agency(s), Command::Agency(c)) => wrap(AgencyAggregate::decide(s, c, ctx), Event::Agency),
        (State::Beneficiary(s), Command::Beneficiary(c)) => {
            wrap(BeneficiaryAggregate::decide(s, c, ctx), Event::Beneficiary)
        }
        (State::Case(s), Command::Case(c)) => wrap(CaseAggregate::decide(s, c, ctx), Event::Case),
        (state, command) => {
            Err(Rejection::WrongStream { command_kind: command.stream_kind(), state_kind: state.kind() })
        }
    }
}

/// Any event, as recorded in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A centre's.
    Centre(CentreEvent),
    /// A staff member's.
    Staff(StaffEvent),
    /// An agency's.
    Agency(AgencyEvent),
    /// A beneficiary's.
    Beneficiary(BeneficiaryEvent),
    /// A case's.
    Case(CaseEvent),
}

/// Why a stored event could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// No event has this type name.
    #[error("unknown event type {event_type:?}")]
    UnknownType {
        /// The type name read.
        event_type: String,
    },
    /// The schema version is 0 or newer than this code knows.
    #[error(
        "{event_type} schema version {schema_version} is not supported: this engine reads versions 1 to {current}{}",
        if schema_version > current { ", so a newer engine wrote it" } else { "" }
    )]
    UnsupportedVersion {
        /// The type name.
        event_type: String,
        /// The version read.
        schema_version: u32,
        /// The newest version known.
        current: u32,
    },
    /// The payload does not match the type's schema (serde's message says where).
    #[error("bad {event_type} v{schema_version} payload: {message}")]
    BadPayload {
        /// The type name.
        event_type: String,
        /// The version read.
        schema_version: u32,
        /// The deserialiser's message.
        message: String,
    },
}

/// The current schema version of an event type, `None` for an unknown type.
pub fn current_schema_version(event_type: &str) -> Option<u32> {
    stream_kind_of(event_type)?;
    // Each type's version is the latest of its changes: a field added (ReferralCreated v2,
    // CentreRegistered v2, the ESF+ attributes of BeneficiaryRegistered and
    // BeneficiaryAttributesUpdated v2), or its free texts moved to the vault.
    let added_field = match event_type {
        "ReferralCreated" | "CentreRegistered" | "BeneficiaryRegistered" | "BeneficiaryAttributesUpdated" => 2,
        _ => 1,
    };
    Some(added_field.max(texts_sealed_since(event_type).unwrap_or(1)))
}

/// The first schema version of an event type whose free texts are sealed in the vault, for
/// the types that hold free text: from that version on, an event that holds a text inline
/// is malformed (and the Engine never writes one).
pub fn texts_sealed_since(event_type: &str) -> Option<u32> {
    CaseEvent::texts_sealed_since(event_type).or_else(|| BeneficiaryEvent::texts_sealed_since(event_type))
}

/// Refuses an event of a version that seals its texts but that holds one inline.
fn check_sealed(event: Event, event_type: &str, schema_version: u32) -> Result<Event, DecodeError> {
    match texts_sealed_since(event_type) {
        Some(since) if schema_version >= since && event.has_inline_text() => Err(DecodeError::BadPayload {
            event_type: event_type.to_owned(),
            schema_version,
            message: format!(
                "it holds a free text written out, which from version {since} on is kept in the vault (the event carries its reference and digest)"
            ),
        }),
        _ => Ok(event),
    }
}

/// Every event type name, grouped by stream kind.
pub fn all_event_types() -> Vec<&'static str> {
    [CentreEvent::TYPES, StaffEvent::TYPES, AgencyEvent::TYPES, BeneficiaryEvent::TYPES, CaseEvent::TYPES].concat()
}

fn stream_kind_of(event_type: &str) -> Option<StreamKind> {
    [
        (StreamKind::Centre, CentreEvent::TYPES),
        (StreamKind::Staff, StaffEvent::TYPES),
        (StreamKind::Agency, AgencyEvent::TYPES),
        (StreamKind::Beneficiary, BeneficiaryEvent::TYPES),
        (StreamKind::Case, CaseEvent::TYPES),
    ]
    .into_iter()
    .find(|(_, types)| types.contains(&event_type))
    .map(|(kind, _)| kind)
}

/// Serialises an externally tagged enum value and returns the content under its tag.
fn untagged_payload<T: Serialize>(event: &T) -> Value {
    let value = serde_json::to_value(event);
    // Events hold only strings, numbers, lists and string-keyed maps: serialising cannot
    // fail, and every variant is a struct variant, so the value is `{"Type": {...}}`.
    assert!(value.is_ok(), "events always serialise");
    match value.unwrap_or(Value::Null) {
        Value::Object(map) if map.len() == 1 => map.into_iter().next().map(|(_, v)| v).unwrap_or(Value::Null),
        other => panic!("event did not serialise as an externally tagged struct variant: {other}"),
    }
}

fn tagged<T: DeserializeOwned>(event_type: &str, schema_version: u32, payload: Value) -> Result<T, DecodeError> {
    let mut map = Map::new();
    map.insert(event_type.to_owned(), payload);
    serde_json::from_value(Value::Object(map)).map_err(|e| DecodeError::BadPayload {
        event_type: event_type.to_owned(),
        schema_version,
        message: e.to_string(),
    })
}

/// Brings an old payload up to the current schema. Old versions are upcast when read and
/// never rewritten in the log.
///
/// Municipalities need no case here: the payloads always held them as text, and every
/// version's text is resolved to the list's entry as it is read ([`crate::municipality`]);
/// a text that names no entry reads as an unlisted municipality, so the log stays readable.
fn upcast(event_type: &str, schema_version: u32, payload: Value) -> Result<Value, DecodeError> {
    match (event_type, schema_version) {
        // ReferralCreated v1 (before referrals had a priority): every v1 referral was an
        // ordinary one, so it reads as `routine`, FHIR's default request priority.
        ("ReferralCreated", 1) => with_default(event_type, schema_version, payload, "priority", "routine".into()),
        // CentreRegistered v1 (before it recorded its business date): the date is unknown,
        // so the rules that compare dates with it have nothing to compare with.
        ("CentreRegistered", 1) => with_default(event_type, schema_version, payload, "registered_on", Value::Null),
        // BeneficiaryRegistered and BeneficiaryAttributesUpdated v1 (before the ESF+
        // attributes): third-country national, foreign background and the area of residence
        // were never asked, so they read as absent (`None`, serde's default), which the
        // indicators count as not recorded.
        _ => Ok(payload),
    }
}

/// An old payload with a field added in a later version, set to `value` where absent.
fn with_default(
    event_type: &str,
    schema_version: u32,
    payload: Value,
    field: &str,
    value: Value,
) -> Result<Value, DecodeError> {
    match payload {
        Value::Object(mut map) => {
            map.entry(field).or_insert(value);
            Ok(Value::Object(map))
        }
        _ => Err(DecodeError::BadPayload {
            event_type: event_type.to_owned(),
            schema_version,
            message: "expected a JSON object".to_owned(),
        }),
    }
}

impl Event {
    /// The kind of stream this event belongs to.
    pub fn stream_kind(&self) -> StreamKind {
        match self {
            Self::Centre(_) => StreamKind::Centre,
            Self::Staff(_) => StreamKind::Staff,
            Self::Agency(_) => StreamKind::Agency,
            Self::Beneficiary(_) => StreamKind::Beneficiary,
            Self::Case(_) => StreamKind::Case,
        }
    }

    /// The stable type name, e.g. `"ReferralSent"`.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::Centre(e) => e.event_type(),
            Self::Staff(e) => e.event_type(),
            Self::Agency(e) => e.event_type(),
            Self::Beneficiary(e) => e.event_type(),
            Self::Case(e) => e.event_type(),
        }
    }

    /// The schema version this code writes for the event's type.
    pub fn schema_version(&self) -> u32 {
        let version = current_schema_version(self.event_type());
        assert!(version.is_some(), "every event's type is one of the known types");
        version.unwrap_or(1)
    }

    /// The event's free texts, each with its field's name (none for most events).
    pub fn texts(&self) -> Vec<(&'static str, &Text)> {
        match self {
            Self::Beneficiary(e) => e.texts(),
            Self::Case(e) => e.texts(),
            _ => Vec::new(),
        }
    }

    /// The event's free texts, for the Engine to seal them into the vault.
    pub fn texts_mut(&mut self) -> Vec<(&'static str, &mut Text)> {
        match self {
            Self::Beneficiary(e) => e.texts_mut(),
            Self::Case(e) => e.texts_mut(),
            _ => Vec::new(),
        }
    }

    /// True when a free text of the event is written out in it (not yet sealed).
    pub fn has_inline_text(&self) -> bool {
        self.texts().iter().any(|(_, text)| text.as_inline().is_some())
    }

    /// The payload to store: a JSON object of the event's fields (no type tag).
    pub fn to_payload(&self) -> Value {
        match self {
            Self::Centre(e) => untagged_payload(e),
            Self::Staff(e) => untagged_payload(e),
            Self::Agency(e) => untagged_payload(e),
            Self::Beneficiary(e) => untagged_payload(e),
            Self::Case(e) => untagged_payload(e),
        }
    }

    /// Reads a stored event back, upcasting older schema versions.
    pub fn from_payload(event_type: &str, schema_version: u32, payload: Value) -> Result<Self, DecodeError> {
        Self::decode_value(event_type, schema_version, payload)
    }

    /// Reads a stored event from its payload's JSON text: the same as [`Event::from_payload`],
    /// but a payload already at the current schema version is read in one pass, without
    /// building a [`Value`] first. Replaying a long log spends most of its time here.
    pub fn from_payload_text(event_type: &str, schema_version: u32, payload: &str) -> Result<Self, DecodeError> {
        let bad =
            |message: String| DecodeError::BadPayload { event_type: event_type.to_owned(), schema_version, message };
        let (Some(kind), Some(current)) = (stream_kind_of(event_type), current_schema_version(event_type)) else {
            return Err(DecodeError::UnknownType { event_type: event_type.to_owned() });
        };
        if schema_version != current {
            let value: Value = serde_json::from_str(payload).map_err(|e| bad(e.to_string()))?;
            return Self::decode_value(event_type, schema_version, value);
        }
        // An externally tagged enum value is `{"Type": payload}`; type names are plain
        // identifiers, so they need no escaping.
        let mut tagged_text = String::with_capacity(payload.len() + event_type.len() + 5);
        tagged_text.push_str("{\"");
        tagged_text.push_str(event_type);
        tagged_text.push_str("\":");
        tagged_text.push_str(payload);
        tagged_text.push('}');
        let read = |text: &str| -> Result<Self, serde_json::Error> {
            Ok(match kind {
                StreamKind::Centre => Self::Centre(serde_json::from_str(text)?),
                StreamKind::Staff => Self::Staff(serde_json::from_str(text)?),
                StreamKind::Agency => Self::Agency(serde_json::from_str(text)?),
                StreamKind::Beneficiary => Self::Beneficiary(serde_json::from_str(text)?),
                StreamKind::Case => Self::Case(serde_json::from_str(text)?),
            })
        };
        let event = read(&tagged_text).map_err(|e| bad(e.to_string()))?;
        check_sealed(event, event_type, schema_version)
    }

    fn decode_value(event_type: &str, schema_version: u32, payload: Value) -> Result<Self, DecodeError> {
        let (Some(kind), Some(current)) = (stream_kind_of(event_type), current_schema_version(event_type)) else {
            return Err(DecodeError::UnknownType { event_type: event_type.to_owned() });
        };
        if schema_version == 0 || schema_version > current {
            return Err(DecodeError::UnsupportedVersion { event_type: event_type.to_owned(), schema_version, current });
        }
        let payload = upcast(event_type, schema_version, payload)?;
        let v = schema_version;
        let event = match kind {
            StreamKind::Centre => Self::Centre(tagged(event_type, v, payload)?),
            StreamKind::Staff => Self::Staff(tagged(event_type, v, payload)?),
            StreamKind::Agency => Self::Agency(tagged(event_type, v, payload)?),
            StreamKind::Beneficiary => Self::Beneficiary(tagged(event_type, v, payload)?),
            StreamKind::Case => Self::Case(tagged(event_type, v, payload)?),
        };
        check_sealed(event, event_type, schema_version)
    }
}
