//! Agencies (partner bodies, φορείς): a directory shared by all centres. Field names follow
//! Open Referral HSDS `organization` where one fits (`name`, `description`, `email`, `url`,
//! `phones`).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::context::{AgencyFacts, Context, FactsNeeded};
use crate::limits;
use crate::policy::{self, AGENCY_DIRECTORY};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::values::{AgencyId, Date, Email, MunicipalityName, Narrative, OrganisationName, Phone, Reason, WebUrl};
use crate::vocab::{AgencyKind, NeedDomain};

/// An agency's directory entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgencyProfile {
    /// HSDS `name`.
    pub name: OrganisationName,
    /// The kind of body.
    pub kind: AgencyKind,
    /// HSDS `description`.
    pub description: Option<Narrative>,
    /// The need domains it serves (at least one).
    pub need_domains: BTreeSet<NeedDomain>,
    /// The municipality where it is located.
    pub municipality: MunicipalityName,
    /// HSDS `email`.
    pub email: Option<Email>,
    /// HSDS `url`.
    pub url: Option<WebUrl>,
    /// HSDS `phones` (numbers only), at most [`limits::MAX_CONTACTS`].
    pub phones: Vec<Phone>,
}

/// A command to an agency's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgencyCommand {
    /// The agency (stream `agency-<uuid>`).
    pub agency_id: AgencyId,
    /// What to do.
    pub action: AgencyAction,
}

/// What can be asked of an agency's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgencyAction {
    /// Register the agency.
    Register {
        /// Its entry.
        profile: AgencyProfile,
    },
    /// Replace its entry.
    Update {
        /// The new entry.
        profile: AgencyProfile,
    },
    /// Stop referring to it.
    Deactivate {
        /// Why, if said.
        reason: Option<Reason>,
    },
    /// Refer to it again.
    Reactivate,
}

impl AgencyAction {
    /// The command's stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "RegisterAgency",
            Self::Update { .. } => "UpdateAgency",
            Self::Deactivate { .. } => "DeactivateAgency",
            Self::Reactivate => "ReactivateAgency",
        }
    }
}

/// What happened to an agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgencyEvent {
    /// "AgencyRegistered", v1.
    AgencyRegistered {
        /// The agency.
        agency_id: AgencyId,
        /// Its entry.
        profile: AgencyProfile,
    },
    /// "AgencyUpdated", v1.
    AgencyUpdated {
        /// The new entry.
        profile: AgencyProfile,
    },
    /// "AgencyDeactivated", v1.
    AgencyDeactivated {
        /// Why, if said.
        reason: Option<Reason>,
        /// Business date.
        deactivated_on: Date,
    },
    /// "AgencyReactivated", v1.
    AgencyReactivated {
        /// Business date.
        reactivated_on: Date,
    },
}

impl AgencyEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] =
        &["AgencyRegistered", "AgencyUpdated", "AgencyDeactivated", "AgencyReactivated"];
    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::AgencyRegistered { .. } => "AgencyRegistered",
            Self::AgencyUpdated { .. } => "AgencyUpdated",
            Self::AgencyDeactivated { .. } => "AgencyDeactivated",
            Self::AgencyReactivated { .. } => "AgencyReactivated",
        }
    }
}

/// A registered agency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    /// The agency.
    pub agency_id: AgencyId,
    /// Its current entry.
    pub profile: AgencyProfile,
    /// False while deactivated.
    pub active: bool,
}

/// The state of an agency stream: `None` until registered.
pub type AgencyState = Option<Agency>;

impl AgencyFacts {
    /// The facts of a registered agency, `None` if not registered.
    pub fn from_state(state: &AgencyState) -> Option<Self> {
        state.as_ref().map(|a| AgencyFacts {
            agency_id: a.agency_id,
            kind: a.profile.kind,
            active: a.active,
            need_domains: a.profile.need_domains.clone(),
        })
    }
}

fn check_profile(profile: &AgencyProfile) -> Result<(), Rejection> {
    profile.municipality.require_listed()?;
    if profile.need_domains.is_empty() {
        return Err(Rejection::NoNeeds);
    }
    if profile.phones.len() > limits::MAX_CONTACTS {
        return Err(Rejection::TooMany { what: "phones", max: limits::MAX_CONTACTS });
    }
    Ok(())
}

/// The agency stream's rules.
#[derive(Debug, Clone, Copy)]
pub struct AgencyAggregate;

impl Aggregate for AgencyAggregate {
    type State = AgencyState;
    type Command = AgencyCommand;
    type Event = AgencyEvent;
    const KIND: StreamKind = StreamKind::Agency;

    fn required_facts(_state: &AgencyState, _command: &AgencyCommand) -> FactsNeeded {
        FactsNeeded::default()
    }

    fn decide(state: &AgencyState, command: &AgencyCommand, ctx: &Context) -> Result<Vec<AgencyEvent>, Rejection> {
        let stream_id = command.agency_id.stream_id();
        if let Some(agency) = state {
            assert_eq!(agency.agency_id, command.agency_id, "command for another stream");
        }
        policy::require_staff(ctx, command.action.name(), None, AGENCY_DIRECTORY)?;
        match (&command.action, state) {
            (AgencyAction::Register { .. }, Some(_)) => Err(Rejection::AlreadyExists { stream_id }),
            (AgencyAction::Register { profile }, None) => {
                check_profile(profile)?;
                Ok(vec![AgencyEvent::AgencyRegistered { agency_id: command.agency_id, profile: profile.clone() }])
            }
            (_, None) => Err(Rejection::NotFound { stream_id }),
            (AgencyAction::Update { profile }, Some(agency)) => {
                check_profile(profile)?;
                if *profile == agency.profile {
                    return Err(Rejection::NothingToChange { what: "agency profile" });
                }
                Ok(vec![AgencyEvent::AgencyUpdated { profile: profile.clone() }])
            }
            (AgencyAction::Deactivate { reason }, Some(agency)) => {
                if !agency.active {
                    return Err(Rejection::NothingToChange { what: "agency already inactive" });
                }
                Ok(vec![AgencyEvent::AgencyDeactivated { reason: reason.clone(), deactivated_on: ctx.today }])
            }
            (AgencyAction::Reactivate, Some(agency)) => {
                if agency.active {
                    return Err(Rejection::NothingToChange { what: "agency already active" });
                }
                Ok(vec![AgencyEvent::AgencyReactivated { reactivated_on: ctx.today }])
            }
        }
    }

    fn evolve(state: &mut AgencyState, event: &AgencyEvent) {
        match (event, state.as_mut()) {
            (AgencyEvent::AgencyRegistered { agency_id, profile }, None) => {
                *state = Some(Agency { agency_id: *agency_id, profile: profile.clone(), active: true });
            }
            (AgencyEvent::AgencyUpdated { profile }, Some(agency)) => {
                agency.profile = profile.clone();
            }
            (AgencyEvent::AgencyDeactivated { .. }, Some(agency)) => agency.active = false,
            (AgencyEvent::AgencyReactivated { .. }, Some(agency)) => agency.active = true,
            _ => {}
        }
    }
}
