//! `POST /v1/commands/batch`: many acts in one request, as the lines of `parapompi apply`.
//!
//! The body is a JSON array of acts, or JSON Lines of them (one act a line, blank lines
//! skipped), each in the form of `POST /v1/commands` ([`parapompi::act_form`]). Every act is
//! read and checked before any runs: a body that is not such a list, an act that is not in
//! the form, or one that names another actor refuses the whole batch (400 or 403, the field
//! named as `[INDEX].FIELD`), and nothing is written. Then each act is decided and appended
//! on its own, in order, through the same path as `POST /v1/commands` ([`crate::acts`]): one
//! refused by a rule does not stop the ones after it. The answer is a JSON array with one
//! result for each act, in order: `{index, ok: true, status: 200, result: <the write's
//! document>}` or `{index, ok: false, status, problem: <its problem details>}`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use parapompi::act_form::ActForm;
use parapompi::core::Command;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::auth::authenticate;
use crate::error::ApiError;
use crate::routes::{acted_by, answer};
use crate::AppState;

/// The most acts one batch may hold (413 `max_acts_per_batch` beyond). With the body limit
/// and the request time limit, it bounds the work one request asks for.
pub const MAX_ACTS_PER_BATCH: usize = 1000;

/// The handler.
pub(crate) async fn commands(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let caller = authenticate(&state, &headers).await?;
    let actor = caller.staff.staff_id;
    let text = crate::routes::text_body(&state, body).await?;
    let acts = read_acts(&text)?;
    for (index, act) in acts.iter().enumerate() {
        crate::acts::check_actor(act, actor).map_err(|error| at_index(index, error))?;
    }
    let mut names: Vec<&'static str> = acts.iter().flat_map(|act| act.commands.iter().map(Command::name)).collect();
    names.sort_unstable();
    names.dedup();
    let acted = acted_by(actor, Some(names.join(",")));
    let mut results = Vec::with_capacity(acts.len());
    for (index, act) in acts.into_iter().enumerate() {
        let result = match crate::acts::execute(&state, actor, act).await {
            Ok(document) => {
                ActResult { index, ok: true, status: StatusCode::OK.as_u16(), result: Some(document), problem: None }
            }
            Err(error) => ActResult {
                index,
                ok: false,
                status: error.status.as_u16(),
                result: None,
                problem: Some(error.problem()),
            },
        };
        results.push(result);
    }
    Ok(answer(StatusCode::OK, &json!(results), acted))
}

/// The result of one act of a batch.
#[derive(Serialize, JsonSchema)]
pub(crate) struct ActResult {
    /// The act's place in the batch, from 0.
    index: usize,
    /// Whether it was written (or answered as a repeat).
    ok: bool,
    /// The HTTP status `POST /v1/commands` would have answered it with.
    status: u16,
    /// The write's document, when it was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<parapompi::documents::WriteDocument>")]
    result: Option<Value>,
    /// Its problem details, when it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<crate::error::Problem>,
}

/// The acts of a body: a JSON array of them, or JSON Lines.
fn read_acts(text: &str) -> Result<Vec<ActForm>, ApiError> {
    let body = text.trim_start_matches('\u{feff}').trim();
    let objects: Vec<(usize, Value)> = if body.starts_with('[') {
        let items: Vec<Value> = serde_json::from_str(body)
            .map_err(|e| ApiError::bad_field("body", format!("not a JSON array of acts: {e}")))?;
        check_count(items.len())?;
        items.into_iter().enumerate().collect()
    } else if body.starts_with('{') {
        let lines: Vec<(usize, &str)> = body.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()).collect();
        check_count(lines.len())?;
        lines
            .into_iter()
            .enumerate()
            .map(|(index, (line_index, line))| {
                serde_json::from_str(line).map(|value| (index, value)).map_err(|e| {
                    ApiError::bad_field(format!("[{index}]"), format!("line {} is not valid JSON: {e}", line_index + 1))
                })
            })
            .collect::<Result<_, _>>()?
    } else {
        return Err(ApiError::bad_field("body", "a batch is a JSON array of acts, or JSON Lines of them"));
    };
    if objects.is_empty() {
        return Err(ApiError::bad_field("body", "the batch holds no act"));
    }
    objects
        .into_iter()
        .map(|(index, value)| {
            let map: &Map<String, Value> = value.as_object().ok_or_else(|| {
                ApiError::bad_field(format!("[{index}]"), "not a JSON object (an act in the form of POST /v1/commands)")
            })?;
            ActForm::from_map(map).map_err(|error| at_index(index, error.into()))
        })
        .collect()
}

fn check_count(n_acts: usize) -> Result<(), ApiError> {
    if n_acts > MAX_ACTS_PER_BATCH {
        return Err(ApiError::limit(
            StatusCode::PAYLOAD_TOO_LARGE,
            "max_acts_per_batch",
            format!("the batch holds {n_acts} acts; at most {MAX_ACTS_PER_BATCH} are taken in one request"),
        ));
    }
    Ok(())
}

/// An act's error as the batch's: its field prefixed with the act's index.
fn at_index(index: usize, error: ApiError) -> ApiError {
    let field = match &error.field {
        Some(field) => format!("[{index}].{field}"),
        None => format!("[{index}]"),
    };
    ApiError { field: Some(field), detail: format!("act {index}: {}", error.detail), ..error }
}
