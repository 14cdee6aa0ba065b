//! Staff members: registration at a centre with roles, role changes, deactivation.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::context::{Actor, Context, FactsNeeded, StaffFacts};
use crate::credential::{
    check_lifetime, CredentialId, CredentialKind, LiveCredential, LoginFailure, RevocationReason, MAX_LIVE_CREDENTIALS,
};
use crate::policy::{self, ADMINISTRATION};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::values::{CentreId, Date, PersonName, StaffId, Timestamp};
use crate::vocab::Role;

/// A command to a staff member's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StaffCommand {
    /// The staff member (stream `staff-<uuid>`).
    pub staff_id: StaffId,
    /// What to do.
    pub action: StaffAction,
}

/// What can be asked of a staff member's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
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
    /// Issue a credential whose secret the caller keeps (only its hash, outside the log):
    /// an enrolment code or an API token (by an administrator or a supervisor of the
    /// member's centre), or a session token (by the member themselves, who has a password:
    /// logging in). Passwords are set with [`StaffAction::SetPassword`] instead.
    IssueCredential {
        /// The new credential.
        credential_id: CredentialId,
        /// Enrolment, session or API token.
        kind: CredentialKind,
        /// When it stops being valid; at most its kind's lifetime after the act.
        expires_at: Timestamp,
    },
    /// Set a new password with a live enrolment code, by the member themselves: the code is
    /// used up, and every earlier password and token is revoked.
    SetPassword {
        /// The new password credential.
        credential_id: CredentialId,
        /// The enrolment code used.
        enrolment_id: CredentialId,
    },
    /// Revoke a live credential: by its holder (`logout` for a session they end), or by an
    /// administrator or a supervisor of the member's centre.
    RevokeCredential {
        /// The credential.
        credential_id: CredentialId,
        /// True when the holder ends their own session.
        logout: bool,
    },
    /// Record a failed login to this member's account (by the authenticator only).
    RecordLoginFailed {
        /// Why it failed.
        reason: LoginFailure,
    },
}

impl StaffAction {
    /// The command's stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "RegisterStaff",
            Self::ChangeRoles { .. } => "ChangeStaffRoles",
            Self::Deactivate => "DeactivateStaff",
            Self::Reactivate => "ReactivateStaff",
            Self::IssueCredential { .. } => "IssueCredential",
            Self::SetPassword { .. } => "SetPassword",
            Self::RevokeCredential { .. } => "RevokeCredential",
            Self::RecordLoginFailed { .. } => "RecordLoginFailed",
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
    /// "CredentialIssued", v1: a credential exists (its secret is kept outside the log).
    CredentialIssued {
        /// The credential.
        credential_id: CredentialId,
        /// Its kind.
        kind: CredentialKind,
        /// When it expires (`None` for a password).
        expires_at: Option<Timestamp>,
    },
    /// "CredentialRevoked", v1.
    CredentialRevoked {
        /// The credential.
        credential_id: CredentialId,
        /// Why.
        reason: RevocationReason,
    },
    /// "LoginFailed", v1: a login to this account failed (never the password tried).
    LoginFailed {
        /// Why.
        reason: LoginFailure,
    },
}

impl StaffEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] = &[
        "StaffRegistered",
        "StaffRolesChanged",
        "StaffDeactivated",
        "StaffReactivated",
        "CredentialIssued",
        "CredentialRevoked",
        "LoginFailed",
    ];
    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::StaffRegistered { .. } => "StaffRegistered",
            Self::StaffRolesChanged { .. } => "StaffRolesChanged",
            Self::StaffDeactivated { .. } => "StaffDeactivated",
            Self::StaffReactivated { .. } => "StaffReactivated",
            Self::CredentialIssued { .. } => "CredentialIssued",
            Self::CredentialRevoked { .. } => "CredentialRevoked",
            Self::LoginFailed { .. } => "LoginFailed",
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
    /// The credentials issued and not revoked (some may have expired), by id.
    pub credentials: BTreeMap<CredentialId, LiveCredential>,
}

impl Staff {
    /// The live credentials of these kinds, in id order.
    pub fn credentials_of(&self, kinds: &[CredentialKind]) -> Vec<CredentialId> {
        self.credentials.iter().filter(|(_, live)| kinds.contains(&live.kind)).map(|(id, _)| *id).collect()
    }

    /// The live password credential, if one is set.
    pub fn password(&self) -> Option<CredentialId> {
        self.credentials_of(&[CredentialKind::Password]).first().copied()
    }
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
/// Who may issue enrolment codes and API tokens to, and revoke the credentials of, a staff
/// member of their centre.
pub const CREDENTIAL_ADMINISTRATION: &[Role] = &[Role::Administrator, Role::Supervisor];

/// Checks that the actor is `staff` themselves, active: only they log in, set their password
/// or end their session.
fn require_self<'a>(ctx: &'a Context, command: &'static str, staff: &Staff) -> Result<&'a StaffFacts, Rejection> {
    let actor = policy::require_staff(ctx, command, Some(staff.centre_id), Role::ALL)?;
    if actor.staff_id != staff.staff_id {
        return Err(Rejection::NotOwnCredential { staff_id: actor.staff_id, command });
    }
    Ok(actor)
}

/// The credential events of an act on credentials.
fn decide_credentials(staff: &Staff, action: &StaffAction, ctx: &Context) -> Result<Vec<StaffEvent>, Rejection> {
    let name = action.name();
    let live = |id: &CredentialId, kind: CredentialKind, why: &'static str| match staff.credentials.get(id) {
        Some(c) if c.kind == kind && c.valid_at(ctx.now) => Ok(()),
        _ => Err(Rejection::CredentialNotValid { credential_id: *id, why }),
    };
    let fresh = |id: &CredentialId| {
        if staff.credentials.contains_key(id) {
            return Err(Rejection::AlreadyExists { stream_id: format!("credential {id}") });
        }
        let n_live = staff.credentials.values().filter(|c| c.valid_at(ctx.now)).count();
        if n_live >= MAX_LIVE_CREDENTIALS {
            return Err(Rejection::TooMany { what: "live credentials of one staff member", max: MAX_LIVE_CREDENTIALS });
        }
        Ok(())
    };
    match action {
        StaffAction::IssueCredential { credential_id, kind, expires_at } => {
            match kind {
                CredentialKind::Password => {
                    return Err(Rejection::CredentialNotValid {
                        credential_id: *credential_id,
                        why: "a password is set with an enrolment code, not issued",
                    })
                }
                CredentialKind::Session => {
                    require_self(ctx, name, staff)?;
                    let Some(password) = staff.password() else {
                        return Err(Rejection::CredentialNotValid {
                            credential_id: *credential_id,
                            why: "a session is given for a password, and none is set",
                        });
                    };
                    live(&password, CredentialKind::Password, "the password is no longer valid")?;
                }
                CredentialKind::Enrolment | CredentialKind::ApiToken => {
                    policy::require_staff(ctx, name, Some(staff.centre_id), CREDENTIAL_ADMINISTRATION)?;
                    if !staff.active {
                        return Err(Rejection::StaffInactive { staff_id: staff.staff_id });
                    }
                }
            }
            fresh(credential_id)?;
            check_lifetime(ctx, *kind, *expires_at)?;
            Ok(vec![StaffEvent::CredentialIssued {
                credential_id: *credential_id,
                kind: *kind,
                expires_at: Some(*expires_at),
            }])
        }
        StaffAction::SetPassword { credential_id, enrolment_id } => {
            require_self(ctx, name, staff)?;
            live(
                enrolment_id,
                CredentialKind::Enrolment,
                "it is not a live enrolment code (used, revoked or expired)",
            )?;
            fresh(credential_id)?;
            let mut events = vec![StaffEvent::CredentialRevoked {
                credential_id: *enrolment_id,
                reason: RevocationReason::EnrolmentUsed,
            }];
            let earlier =
                staff.credentials_of(&[CredentialKind::Password, CredentialKind::Session, CredentialKind::ApiToken]);
            events.extend(earlier.into_iter().map(|credential_id| StaffEvent::CredentialRevoked {
                credential_id,
                reason: RevocationReason::PasswordChanged,
            }));
            events.push(StaffEvent::CredentialIssued {
                credential_id: *credential_id,
                kind: CredentialKind::Password,
                expires_at: None,
            });
            Ok(events)
        }
        StaffAction::RevokeCredential { credential_id, logout } => {
            let Some(credential) = staff.credentials.get(credential_id) else {
                return Err(Rejection::CredentialNotValid {
                    credential_id: *credential_id,
                    why: "it was revoked or never issued",
                });
            };
            let own = matches!(&ctx.actor, Actor::Staff(actor) if actor.staff_id == staff.staff_id);
            if *logout {
                require_self(ctx, name, staff)?;
                if credential.kind != CredentialKind::Session {
                    return Err(Rejection::CredentialNotValid {
                        credential_id: *credential_id,
                        why: "only a session is ended by logging out",
                    });
                }
            } else if own {
                require_self(ctx, name, staff)?;
            } else {
                policy::require_staff(ctx, name, Some(staff.centre_id), CREDENTIAL_ADMINISTRATION)?;
            }
            let reason = if *logout { RevocationReason::Logout } else { RevocationReason::Revoked };
            Ok(vec![StaffEvent::CredentialRevoked { credential_id: *credential_id, reason }])
        }
        StaffAction::RecordLoginFailed { reason } => match ctx.actor {
            Actor::Authenticator => Ok(vec![StaffEvent::LoginFailed { reason: *reason }]),
            _ => Err(Rejection::AuthenticatorOnly { command: name }),
        },
        _ => unreachable!("decide_credentials is called for credential actions only"),
    }
}

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
                // Deactivation ends every credential: a reactivated member enrols again.
                let mut events = vec![StaffEvent::StaffDeactivated { deactivated_on: ctx.today }];
                events.extend(staff.credentials.keys().map(|credential_id| StaffEvent::CredentialRevoked {
                    credential_id: *credential_id,
                    reason: RevocationReason::StaffDeactivated,
                }));
                Ok(events)
            }
            (StaffAction::Reactivate, Some(staff)) => {
                policy::require_staff(ctx, name, Some(staff.centre_id), STAFF_REACTIVATION)?;
                if staff.active {
                    return Err(Rejection::NothingToChange { what: "already active" });
                }
                Ok(vec![StaffEvent::StaffReactivated { reactivated_on: ctx.today }])
            }
            (
                StaffAction::IssueCredential { .. }
                | StaffAction::SetPassword { .. }
                | StaffAction::RevokeCredential { .. }
                | StaffAction::RecordLoginFailed { .. },
                Some(staff),
            ) => decide_credentials(staff, &command.action, ctx),
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
                    credentials: BTreeMap::new(),
                });
            }
            (StaffEvent::StaffRolesChanged { roles }, Some(staff)) => staff.roles = roles.clone(),
            (StaffEvent::StaffDeactivated { .. }, Some(staff)) => staff.active = false,
            (StaffEvent::StaffReactivated { .. }, Some(staff)) => staff.active = true,
            (StaffEvent::CredentialIssued { credential_id, kind, expires_at }, Some(staff)) => {
                staff.credentials.insert(*credential_id, LiveCredential { kind: *kind, expires_at: *expires_at });
            }
            (StaffEvent::CredentialRevoked { credential_id, .. }, Some(staff)) => {
                staff.credentials.remove(credential_id);
            }
            _ => {}
        }
    }
}
