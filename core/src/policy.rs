//! Who may do what. Staff act within their own centre (its antennas included); only a
//! supervisor reassigns, reopens or overrides consent; evaluators never write; the set-up
//! actor only bootstraps a centre.

use crate::context::{Actor, Context, StaffFacts};
use crate::rejection::Rejection;
use crate::values::{CentreId, Date};
use crate::vocab::Role;

/// Roles that meet the public and may register beneficiaries, open cases and add notes.
pub const FRONT_LINE: &[Role] =
    &[Role::Reception, Role::SocialWorker, Role::Psychologist, Role::RomaMediator, Role::Supervisor];
/// Roles that carry casework: assess, serve, refer; and that can be assigned a case.
pub const CASEWORK: &[Role] = &[Role::SocialWorker, Role::Psychologist, Role::RomaMediator, Role::Supervisor];
/// Roles that assign a case for the first time and close it.
pub const CASE_MANAGEMENT: &[Role] = &[Role::SocialWorker, Role::Supervisor];
/// The supervisor alone: reassign, reopen, consent override.
pub const SUPERVISION: &[Role] = &[Role::Supervisor];
/// The administrator alone: centre set-up and staff.
pub const ADMINISTRATION: &[Role] = &[Role::Administrator];
/// Roles that keep the directory of partner bodies.
pub const AGENCY_DIRECTORY: &[Role] = &[Role::Administrator, Role::Supervisor, Role::SocialWorker];

/// Checks that the actor is an active staff member of `centre` (when given) holding one of
/// `allowed`, and returns their facts.
pub(crate) fn require_staff<'a>(
    ctx: &'a Context,
    command: &'static str,
    centre: Option<CentreId>,
    allowed: &[Role],
) -> Result<&'a StaffFacts, Rejection> {
    require_staff_actor(&ctx.actor, command, centre, allowed)
}

/// [`require_staff`] for a rule that needs no more of a context than its actor.
pub(crate) fn require_staff_actor<'a>(
    actor: &'a Actor,
    command: &'static str,
    centre: Option<CentreId>,
    allowed: &[Role],
) -> Result<&'a StaffFacts, Rejection> {
    let staff = match actor {
        Actor::Evaluator => return Err(Rejection::EvaluatorCannotWrite { command }),
        Actor::Setup => return Err(Rejection::SetupActorNotAllowed { command }),
        Actor::Authenticator => return Err(Rejection::AuthenticatorOnly { command }),
        Actor::Staff(staff) => staff,
    };
    if !staff.active {
        return Err(Rejection::ActorDeactivated { staff_id: staff.staff_id });
    }
    if let Some(target_centre) = centre {
        if staff.centre_id != target_centre {
            return Err(Rejection::OutsideCentre {
                staff_id: staff.staff_id,
                actor_centre: staff.centre_id,
                target_centre,
            });
        }
    }
    if !staff.has_any(allowed) {
        return Err(Rejection::RoleNotPermitted { staff_id: staff.staff_id, command, allowed: allowed.to_vec() });
    }
    Ok(staff)
}

/// The command name a backup through the server is refused under.
pub const TAKE_BACKUP: &str = "TakeBackup";

/// The centre in whose stream a backup's `BackupTaken` is recorded: the acting
/// administrator's own (an actor that is no staff administrator is refused here).
pub fn backup_centre(actor: &Actor) -> Result<CentreId, Rejection> {
    require_staff_actor(actor, TAKE_BACKUP, None, ADMINISTRATION).map(|staff| staff.centre_id)
}

/// Who may take a backup of the data directory: an active administrator of the deployment's
/// first-registered centre (`first_centre`, the centre of the log's first registration).
///
/// A backup copies every centre's log and, encrypted, every person's data, so it is an act
/// of the deployment's administration, not of one centre's. Where several centres share a
/// data directory, the municipality's IT registers the first centre and administers it (the
/// deployment's set-up, `init`, names its first administrator); the administrators of the
/// centres registered after it administer their own centre and may not copy the others'.
/// Where one centre has the directory, its administrators take backups, as before.
pub fn may_take_backup(actor: &Actor, centre_id: CentreId, first_centre: Option<CentreId>) -> Result<(), Rejection> {
    let staff = require_staff_actor(actor, TAKE_BACKUP, Some(centre_id), ADMINISTRATION)?;
    let Some(deployment_centre) = first_centre else {
        return Err(Rejection::MissingFact { fact: "first centre", id: centre_id.stream_id() });
    };
    if deployment_centre != centre_id {
        return Err(Rejection::NotDeploymentCentre { staff_id: staff.staff_id, centre_id, deployment_centre });
    }
    Ok(())
}

/// Checks that `date` is not before a registration (of "the centre" or "the beneficiary")
/// recorded on `registered_on`; a registration recorded without its date checks nothing.
pub(crate) fn check_registered(date: Date, what: &'static str, registered_on: Option<Date>) -> Result<(), Rejection> {
    match registered_on {
        Some(registered_on) if date < registered_on => {
            Err(Rejection::DateBeforeRegistration { date, what, registered_on })
        }
        _ => Ok(()),
    }
}
