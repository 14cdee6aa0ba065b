//! One act in the library's form ([`parapompi::act_form`]) run as the authenticated staff
//! member: the one path that `POST /v1/commands` and every act of `POST /v1/commands/batch`
//! take, so that the two cannot drift.

use parapompi::act_form::{ActActor, ActForm};
use parapompi::core::values::StaffId;
use parapompi::core::Command;
use parapompi::{documents, Acting};
use serde_json::Value;
use uuid::Uuid;

use crate::auth::now;
use crate::error::ApiError;
use crate::observe::Acted;
use crate::routes::{acted_by, meta};
use crate::AppState;

/// Refuses an act that names an actor other than the authenticated staff member (403,
/// `field: "as"`); `as` may be left out.
pub(crate) fn check_actor(act: &ActForm, actor: StaffId) -> Result<(), ApiError> {
    match act.actor {
        None => Ok(()),
        Some(ActActor::Staff(named)) if named == actor => Ok(()),
        Some(_) => Err(ApiError {
            field: Some("as".to_owned()),
            ..ApiError::forbidden(
                "as: the actor is the authenticated staff member; a request naming another is refused",
            )
        }),
    }
}

/// The log line's actor and the act's commands by their stable names.
pub(crate) fn acted(actor: StaffId, act: &ActForm) -> Acted {
    let names: Vec<&str> = act.commands.iter().map(Command::name).collect();
    acted_by(actor, Some(names.join(",")))
}

/// Decides and appends the act (all of its commands or none) as `actor`, dated `at` or the
/// Engine's clock, under its command id or a new UUIDv7: the write's document, or the
/// problem that refused it. The actor must have been checked ([`check_actor`]).
pub(crate) async fn execute(state: &AppState, actor: StaffId, act: ActForm) -> Result<Value, ApiError> {
    // A deactivation's revoked credentials lose their hashes inside the act (the Engine
    // removes them with its append).
    let occurred_at = act.at.unwrap_or_else(|| now(state));
    let command_id = act.command_id.unwrap_or_else(Uuid::now_v7);
    let executed =
        state.engine.execute_all_async(act.commands, meta(command_id, Acting::Staff(actor), occurred_at)).await?;
    Ok(documents::written("act", &[executed.into()], &[]))
}
