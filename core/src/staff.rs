//! Staff members: registration at a centre with roles, role changes, deactivation.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::context::{Actor, Context, FactsNeeded, StaffFacts};
use crate::policy::{self, ADMINISTRATION};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::values::{CentreId, Date, PersonName, StaffId};
use crate::vocab::Role;

/// A command to a staff member's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCommand {
    /// The staff member (stream `staff-<uuid>`).
    pub staff_id: StaffId,
    /// What to do.
    pub action: StaffAction,
}

/// What can be asked of a staff member's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffAction {
    /// Register at a centre. By an administrator of that centre, or by the set-up actor for
    /// the centre's first administrator (who must then hold the administrator role).
    Register {
        /// The centre.
        centre_id: CentreId,
        /// Display name (staff names may enter the log; beneficiaries' never do).
        name: PersonName,
        /// Roles, at least one.
        roles: BTreeSet<Role>,
    },
    /// Replace the roles.
    ChangeRoles {
        /// The new roles, at least one.
        roles: BTreeSet<Role>,
    },
    /// Deactivate: the member can no longer act.
    Deactivate,
    /// Reactivate a deactivated member (an administrator or a supervisor of the centre).
    Reactivate,
}

impl StaffAction {
    /// The command's stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "RegisterStaff",
            Self::ChangeRoles { .. } => "ChangeStaffRoles",
            Self::Deactivate => "DeactivateStaff",
            Self::Reactivate => "ReactivateStaff",
        }
    }
}

/// What happened to a staff member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StaffEvent {
    /// "StaffRegistered", v1.
    StaffRegistered {
        /// The staff member.
        staff_id: StaffId,
        /// The centre.
        centre_id: CentreId,
        /// Display name.
        name: PersonName,
        /// Roles.
        roles: BTreeSet<Role>,
    },
    /// "StaffRolesChanged", v1.
    StaffRolesChanged {
        /// The new roles.
        roles: BTreeSet<Role>,
    },
    /// "StaffDeactivated", v1.
    StaffDeactivated {
        /// Business date.
        deactivated_on: Date,
    },
    /// "StaffReactivated", v1.
    StaffReactivated {
        /// Business date.
        reactivated_on: Date,
    },
}

impl StaffEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] =
        &["StaffRegistered", "StaffRolesChanged", "StaffDeactivated", "StaffReactivated"];
    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::StaffRegistered { .. } => "StaffRegistered",
            Self::StaffRolesChanged { .. } => "StaffRolesChanged",
            Self::StaffDeactivated { .. } => "StaffDeactivated",
            Self::StaffReactivated { .. } => "StaffReactivated",
        }
    }
}

/// A registered staff member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// The staff member.
    pub staff_id: StaffId,
    /// The centre.
    pub centre_id: CentreId,
    /// Display name.
    pub name: PersonName,
    /// Roles.
    pub roles: BTreeSet<Role>,
    /// False once deactivated.
    pub active: bool,
}

/// The state of a staff stream: `None` until registered.
pub type StaffState = Option<Staff>;

impl StaffFacts {
    /// The facts of a registered staff member, `None` if not registered.
    pub fn from_state(state: &StaffState) -> Option<Self> {
        state.as_ref().map(|s| StaffFacts {
            staff_id: s.staff_id,
            centre_id: s.centre_id,
            roles: s.roles.clone(),
            active: s.active,
        })
    }
}

/// The staff stream's rules.
#[derive(Debug, Clone, Copy)]
pub struct StaffAggregate;

/// Who may reactivate a deactivated staff member of their centre.
const STAFF_REACTIVATION: &[Role] = &[Role::Administrator, Role::Supervisor];

/// Refuses a change that takes `staff` out of the centre's active administrators when they
/// are the last one: a centre that loses them can no longer add or reactivate anyone.
fn keep_an_administrator(ctx: &Context, staff: &Staff) -> Result<(), Rejection> {
    if !staff.active || !staff.roles.contains(&Role::Administrator) {
        return Ok(());
    }
    let administrators = match &ctx.facts.active_administrators {
        Some(a) if a.centre_id == staff.centre_id => a,
        _ => return Err(Rejection::MissingFact { fact: "active administrators", id: staff.centre_id.stream_id() }),
    };
    if administrators.staff_ids.iter().all(|id| *id == staff.staff_id) {
        return Err(Rejection::LastAdministrator { staff_id: staff.staff_id, centre_id: staff.centre_id });
    }
    Ok(())
}

impl Aggregate for StaffAggregate {
    type State = StaffState;
    type Command = StaffCommand;
    type Event = StaffEvent;
    const KIND: StreamKind = StreamKind::Staff;

    fn required_facts(state: &StaffState, command: &StaffCommand) -> FactsNeeded {
        match (&command.action, state) {
            (StaffAction::Register { centre_id, .. }, _) => {
                FactsNeeded { centre: Some(*centre_id), ..FactsNeeded::default() }
            }
            (StaffAction::ChangeRoles { .. } | StaffAction::Deactivate, Some(staff)) => {
                FactsNeeded { administrators_of: Some(staff.centre_id), ..FactsNeeded::default() }
            }
            _ => FactsNeeded::default(),
        }
    }

    fn decide(state: &StaffState, command: &StaffCommand, ctx: &Context) -> Result<Vec<StaffEvent>, Rejection> {
        let name = command.action.name();
        let stream_id = command.staff_id.stream_id();
        if let Some(staff) = state {
            assert_eq!(staff.staff_id, command.staff_id, "command for another stream");
        }
        match (&command.action, state) {
            (StaffAction::Register { .. }, Some(_)) => Err(Rejection::AlreadyExists { stream_id }),
            (StaffAction::Register { centre_id, name: person, roles }, None) => {
                let centre = match &ctx.facts.centre {
                    Some(c) if c.centre_id == *centre_id => c,
                    _ => return Err(Rejection::MissingFact { fact: "centre", id: centre_id.stream_id() }),
                };
                let bootstrap = matches!(ctx.actor, Actor::Setup)
                    && centre.first_administrator == command.staff_id
                    && roles.contains(&Role::Administrator);
                if !bootstrap {
                    policy::require_staff(ctx, name, Some(*centre_id), ADMINISTRATION)?;
                }
                if roles.is_empty() {
                    return Err(Rejection::NoRoles { staff_id: command.staff_id });
                }
                policy::check_registered(ctx.today, "the centre", centre.registered_on)?;
                Ok(vec![StaffEvent::StaffRegistered {
                    staff_id: command.staff_id,
                    centre_id: *centre_id,
                    name: person.clone(),
                    roles: roles.clone(),
                }])
            }
            (_, None) => Err(Rejection::NotFound { stream_id }),
            (StaffAction::ChangeRoles { roles }, Some(staff)) => {
                policy::require_staff(ctx, name, Some(staff.centre_id), ADMINISTRATION)?;
                if roles.is_empty() {
                    return Err(Rejection::NoRoles { staff_id: staff.staff_id });
                }
                if *roles == staff.roles {
                    return Err(Rejection::NothingToChange { what: "roles" });
                }
                if !roles.contains(&Role::Administrator) {
                    keep_an_administrator(ctx, staff)?;
                }
                Ok(vec![StaffEvent::StaffRolesChanged { roles: roles.clone() }])
            }
            (StaffAction::Deactivate, Some(staff)) => {
                policy::require_staff(ctx, name, Some(staff.centre_id), ADMINISTRATION)?;
                if !staff.active {
                    return Err(Rejection::NothingToChange { what: "already deactivated" });
                }
                keep_an_administrator(ctx, staff)?;
                Ok(vec![StaffEvent::StaffDeactivated { deactivated_on: ctx.today }])
            }
            (StaffAction::Reactivate, Some(staff)) => {
                policy::require_staff(ctx, name, Some(staff.centre_id), STAFF_REACTIVATION)?;
                if staff.active {
                    return Err(Rejection::NothingToChange { what: "already active" });
                }
                Ok(vec![StaffEvent::StaffReactivated { reactivated_on: ctx.today }])
            }
        }
    }

    fn evolve(state: &mut StaffState, event: &StaffEvent) {
        match (event, state.as_mut()) {
            (StaffEvent::StaffRegistered { staff_id, centre_id, name, roles }, None) => {
                *state = Some(Staff {
                    staff_id: *staff_id,
                    centre_id: *centre_id,
                    name: name.clone(),
                    roles: roles.clone(),
                    active: true,
                });
            }
            (StaffEvent::StaffRolesChanged { roles }, Some(staff)) => staff.roles = roles.clone(),
            (StaffEvent::StaffDeactivated { .. }, Some(staff)) => staff.active = false,
            (StaffEvent::StaffReactivated { .. }, Some(staff)) => staff.active = true,
            _ => {}
        }
    }
}
