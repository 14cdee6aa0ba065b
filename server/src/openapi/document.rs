//! Building the OpenAPI 3.1 document from the table of endpoints.
//!
//! Schemas come from the types through schemars, as JSON Schema 2020-12 (OpenAPI 3.1's
//! dialect), with their components under `#/components/schemas`. Two generators make them:
//! one describes what serde *reads* (request bodies and parameters: a field that may be left
//! out is not required), the other what serde *writes* (answers: every field is there, `null`
//! or not). A type both read and written must then have one schema for both: building the
//! document asserts it.

use std::collections::BTreeSet;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::endpoint::{Auth, Content, Endpoint, Param, ParamValue};
use crate::error::Problem;

/// Where the components are, as the generators write their `$ref`s.
const COMPONENTS: &str = "/components/schemas";

/// Every status an endpoint may answer with a problem, and when (docs/SERVER.md, "Errors").
const PROBLEMS: &[(u16, &str)] = &[
    (400, "`bad_request`: malformed JSON, an unknown key or parameter, a bad value; `field` names it."),
    (
        401,
        "`unauthenticated`: no token, a malformed, unknown, forged, expired or revoked one, a deactivated \
         holder; a failed login.",
    ),
    (
        403,
        "`rejected`: core's rules of who may act (`OutsideCentre`, `RoleNotPermitted`, …, in `rule`); \
         `forbidden`: a request naming another actor (`field: \"as\"`).",
    ),
    (404, "`rejected` (`NotFound`, `MissingFact`) or `not_found`: an id that names nothing."),
    (
        408,
        "`limit` `request_timeout_ms`: the request took too long (a command sent may still finish: retry \
         with the same `command_id`).",
    ),
    (
        409,
        "`conflict`: the stream kept changing under the act, or a command id used by another act; retry \
         with the same `command_id`.",
    ),
    (413, "`limit` `max_body_bytes`: the body is too large."),
    (422, "`rejected`: every other rule of core, named in `rule`."),
    (
        429,
        "`limit` `failed_logins_per_account` (5 in 15 minutes) or `failed_logins_per_address` (20 in 15 \
         minutes).",
    ),
    (503, "`limit` `max_connections`: the connection is answered and closed."),
];

/// The OpenAPI document of `endpoints`.
pub(crate) fn document(endpoints: &[Endpoint]) -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = COMPONENTS.into();
        s.meta_schema = None;
    });
    let mut reads = settings.clone().for_deserialize().into_generator();
    let mut writes = settings.for_serialize().into_generator();
    let problem = writes.subschema_for::<Problem>();

    let mut paths = Map::new();
    for endpoint in endpoints {
        let operation = operation(endpoint, &mut reads, &mut writes, &problem);
        let item = paths.entry(endpoint.path).or_insert_with(|| Value::Object(Map::new()));
        let (key, _) = endpoint.method.name();
        let previous = item.as_object_mut().and_then(|item| item.insert(key.to_owned(), operation));
        assert!(previous.is_none(), "{} {} is in the table twice", key, endpoint.path);
    }

    let mut schemas = reads.take_definitions(true);
    for (name, schema) in writes.take_definitions(true) {
        match schemas.get(&name) {
            Some(read) => assert_eq!(
                read, &schema,
                "{name} is read and written in different forms: give the two different schema names"
            ),
            None => {
                schemas.insert(name, schema);
            }
        }
    }

    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Parapompi server",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "The HTTP API of `parapompi serve`: staff who log in, acts in the library's form, the read models.",
            "description": "The contract in words is docs/SERVER.md. Every schema here is generated from the Rust \
                types the server reads and writes.",
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A session token (`POST /v1/auth/login`) or an API token (`POST /v1/credentials`), \
                        `pp1_<staff>_<credential>_<secret>`.",
                },
            },
        },
    });
    plain_descriptions(&mut document);
    document
}

/// Descriptions come from doc comments, whose rustdoc links (`` [`Type::item`] ``) mean
/// nothing outside rustdoc: they are left as code spans.
fn plain_descriptions(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Value::String(text) if key == "description" => *text = text.replace("[`", "`").replace("`]", "`"),
                    _ => plain_descriptions(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

fn operation(
    endpoint: &Endpoint,
    reads: &mut SchemaGenerator,
    writes: &mut SchemaGenerator,
    problem: &Schema,
) -> Value {
    let (method, http_method) = endpoint.method.name();
    assert!(!endpoint.summary.is_empty(), "{http_method} {}: the table gives it no summary", endpoint.path);
    assert!(!endpoint.answer.is_empty(), "{http_method} {}: the table gives it no answer", endpoint.path);

    let in_path: BTreeSet<&str> = endpoint
        .path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    let described: BTreeSet<&str> = endpoint.path_params.iter().map(|p| p.name).collect();
    assert_eq!(in_path, described, "{http_method} {}: describe each path parameter once", endpoint.path);

    let mut operation = Map::new();
    let id: Vec<&str> = endpoint.path.split(['/', '{', '}', '.', '-']).filter(|part| !part.is_empty()).collect();
    operation.insert("operationId".to_owned(), json!(format!("{method}_{}", id.join("_"))));
    operation.insert("summary".to_owned(), json!(endpoint.summary));
    let security = match endpoint.auth {
        Auth::Open => json!([]),
        Auth::Token => json!([{"bearer": []}]),
    };
    operation.insert("security".to_owned(), security);

    let parameters: Vec<Value> = (endpoint.path_params.iter().map(|p| ("path", p)))
        .chain(endpoint.query.iter().map(|p| ("query", p)))
        .map(|(place, param)| parameter(place, param, reads))
        .collect();
    if !parameters.is_empty() {
        operation.insert("parameters".to_owned(), Value::Array(parameters));
    }
    if let Some(schema) = endpoint.request {
        operation.insert(
            "requestBody".to_owned(),
            json!({"required": true, "content": {"application/json": {"schema": schema(reads)}}}),
        );
    }

    let mut responses = Map::new();
    let content: Map<String, Value> = endpoint.answer.iter().map(|content| media(content, writes)).collect();
    responses.insert("200".to_owned(), json!({"description": endpoint.answer_description, "content": content}));
    for status in problem_statuses(endpoint) {
        let when = PROBLEMS.iter().find(|(s, _)| *s == status).map(|(_, when)| *when);
        assert!(when.is_some(), "{http_method} {}: {status} is not a status of docs/SERVER.md", endpoint.path);
        responses.insert(
            status.to_string(),
            json!({"description": when, "content": {"application/problem+json": {"schema": problem}}}),
        );
    }
    responses.insert(
        "default".to_owned(),
        json!({
            "description": "`internal`: the server failed (a bug or the disk); nothing of the request is half-done.",
            "content": {"application/problem+json": {"schema": problem}},
        }),
    );
    operation.insert("responses".to_owned(), Value::Object(responses));
    Value::Object(operation)
}

/// The problem statuses of an endpoint: its own, those of its token and body, and those of
/// every request, in order.
fn problem_statuses(endpoint: &Endpoint) -> BTreeSet<u16> {
    let mut statuses: BTreeSet<u16> = endpoint.problems.iter().copied().collect();
    statuses.extend([408, 503]);
    if endpoint.auth == Auth::Token {
        statuses.insert(401);
    }
    if endpoint.request.is_some() {
        statuses.extend([400, 413]);
    }
    if !endpoint.query.is_empty() {
        statuses.insert(400);
    }
    statuses
}

fn parameter(place: &str, param: &Param, reads: &mut SchemaGenerator) -> Value {
    let schema = match param.value {
        ParamValue::Typed(schema) => schema(reads),
        ParamValue::Id(prefixes) => {
            let uuid = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
            json_schema!({
                "type": "string",
                "pattern": format!(r"^\s*(({})-)?{uuid}\s*$", prefixes.join("|")),
            })
        }
        ParamValue::Instant => json_schema!({"type": "string", "format": "date-time"}),
        ParamValue::OneOf(words) => json_schema!({"type": "string", "enum": words}),
    };
    json!({
        "name": param.name,
        "in": place,
        "description": param.description,
        "required": param.required,
        "schema": schema,
    })
}

fn media(content: &Content, writes: &mut SchemaGenerator) -> (String, Value) {
    let (media_type, value) = match content {
        Content::Json(schema) => ("application/json", json!({"schema": schema(writes)})),
        // OpenAPI 3.1 has no schema for a sequence of documents: the body is text, and
        // `x-itemSchema` (3.2's `itemSchema`) describes each line.
        Content::JsonLines(schema) => (
            "application/jsonl",
            json!({
                "schema": {"type": "string", "description": "JSON Lines: one object a line, each of `x-itemSchema`."},
                "x-itemSchema": schema(writes),
            }),
        ),
        Content::NdJson(schema) => (
            "application/x-ndjson",
            json!({
                "schema": {"type": "string", "description": "Newline-delimited JSON, streamed: one object a line, each of `x-itemSchema`."},
                "x-itemSchema": schema(writes),
            }),
        ),
        Content::Csv => ("text/csv", json!({"schema": {"type": "string"}})),
        Content::EventStream => ("text/event-stream", json!({"schema": {"type": "string"}})),
        Content::Binary => (
            "application/octet-stream",
            json!({"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}),
        ),
    };
    (media_type.to_owned(), value)
}
