//! One entry of the table of endpoints: the route (method, path, handler) and what the
//! OpenAPI document says of it (summary, authentication, parameters, body, answers).
//!
//! The method router is made from the entry's own method, so the route served and the route
//! described cannot disagree.

use axum::handler::Handler;
use axum::routing::{get, post, MethodRouter};
use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::AppState;

/// A type's schema from a generator (a `$ref` to its component, or the schema itself for
/// an inline type): `schema_of::<T>`.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T`, as a [`SchemaFn`].
pub(crate) fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    /// A read.
    Get,
    /// A write, or a request with a body.
    Post,
}

impl Method {
    /// The name as an OpenAPI path item's key and as HTTP writes it.
    pub(crate) fn name(&self) -> (&'static str, &'static str) {
        match self {
            Method::Get => ("get", "GET"),
            Method::Post => ("post", "POST"),
        }
    }
}

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// Anyone: no token.
    Open,
    /// A live session or API token (`Authorization: Bearer TOKEN`); 401 otherwise.
    Token,
}

/// What a path or query parameter holds.
#[derive(Clone, Copy)]
pub(crate) enum ParamValue {
    /// A value of a type, as its JSON form reads (`Date`, `ReferralStatus`, `u64`, …).
    Typed(SchemaFn),
    /// An id: a UUID, bare or after one of these stream prefixes (`case-<UUID>`).
    Id(&'static [&'static str]),
    /// An RFC 3339 instant, e.g. `2024-05-01T09:30:00+03:00`.
    Instant,
    /// One of these words.
    OneOf(&'static [&'static str]),
}

/// A path or query parameter.
#[derive(Clone, Copy)]
pub(crate) struct Param {
    /// Its name.
    pub name: &'static str,
    /// What it does, for a person.
    pub description: &'static str,
    /// What it holds.
    pub value: ParamValue,
    /// Whether it must be given (path parameters always).
    pub required: bool,
}

/// The body of a successful answer.
#[derive(Clone, Copy)]
pub(crate) enum Content {
    /// One JSON object (`application/json`) of this schema.
    Json(SchemaFn),
    /// JSON Lines (`application/jsonl`), each line an object of this schema.
    JsonLines(SchemaFn),
    /// Newline-delimited JSON (`application/x-ndjson`), streamed: each line an object of this
    /// schema (the log's export).
    NdJson(SchemaFn),
    /// CSV text (`text/csv`).
    Csv,
    /// Server-sent events (`text/event-stream`).
    EventStream,
    /// A file's bytes (`application/octet-stream`), streamed.
    Binary,
}

/// One endpoint: its route and its description.
pub(crate) struct Endpoint {
    /// The method.
    pub method: Method,
    /// The path, with `{name}` for a path parameter (axum's syntax and OpenAPI's alike).
    pub path: &'static str,
    /// What it does, in one line.
    pub summary: &'static str,
    /// Who may call it.
    pub auth: Auth,
    /// Its path parameters, one for each `{name}` in the path.
    pub path_params: Vec<Param>,
    /// The query parameters it takes (it refuses any other with 400).
    pub query: Vec<Param>,
    /// The JSON body it reads, if any.
    pub request: Option<SchemaFn>,
    /// What its 200 answer holds, in each content type it can answer.
    pub answer: Vec<Content>,
    /// What the 200 answer is, in words.
    pub answer_description: &'static str,
    /// The error statuses it may answer beyond those every endpoint may (408 and 503), those
    /// of its authentication (401) and of its body (400 and 413).
    pub problems: Vec<u16>,
    /// The handler, routed by `method`.
    pub handler: MethodRouter<AppState>,
}

impl Endpoint {
    fn new(method: Method, path: &'static str, handler: MethodRouter<AppState>) -> Endpoint {
        Endpoint {
            method,
            path,
            summary: "",
            auth: Auth::Token,
            path_params: Vec::new(),
            query: Vec::new(),
            request: None,
            answer: Vec::new(),
            answer_description: "",
            problems: Vec::new(),
            handler,
        }
    }

    /// A `GET` endpoint; it needs a token unless made [`Endpoint::open`].
    pub(crate) fn get<H, T>(path: &'static str, handler: H) -> Endpoint
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Endpoint::new(Method::Get, path, get(handler))
    }

    /// A `POST` endpoint; it needs a token unless made [`Endpoint::open`].
    pub(crate) fn post<H, T>(path: &'static str, handler: H) -> Endpoint
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        Endpoint::new(Method::Post, path, post(handler))
    }

    /// What it does, in one line.
    pub(crate) fn summary(mut self, summary: &'static str) -> Endpoint {
        self.summary = summary;
        self
    }

    /// Callable without a token.
    pub(crate) fn open(mut self) -> Endpoint {
        self.auth = Auth::Open;
        self
    }

    /// The path parameter `{name}`.
    pub(crate) fn path_param(mut self, name: &'static str, description: &'static str, value: ParamValue) -> Endpoint {
        self.path_params.push(Param { name, description, value, required: true });
        self
    }

    /// An optional query parameter.
    pub(crate) fn query(mut self, name: &'static str, description: &'static str, value: ParamValue) -> Endpoint {
        self.query.push(Param { name, description, value, required: false });
        self
    }

    /// A query parameter that must be given.
    pub(crate) fn required_query(
        mut self,
        name: &'static str,
        description: &'static str,
        value: ParamValue,
    ) -> Endpoint {
        self.query.push(Param { name, description, value, required: true });
        self
    }

    /// The JSON body it reads: `T`'s form.
    pub(crate) fn body<T: JsonSchema>(mut self) -> Endpoint {
        self.request = Some(schema_of::<T>);
        self
    }

    /// A 200 answer of one JSON object of `T`'s form.
    pub(crate) fn json<T: JsonSchema>(mut self, description: &'static str) -> Endpoint {
        self.answer.push(Content::Json(schema_of::<T>));
        self.answer_description = description;
        self
    }

    /// A 200 answer of JSON Lines, each line of `T`'s form.
    pub(crate) fn lines<T: JsonSchema>(mut self, description: &'static str) -> Endpoint {
        self.answer.push(Content::JsonLines(schema_of::<T>));
        self.answer_description = description;
        self
    }

    /// A 200 answer of newline-delimited JSON, streamed, each line of `T`'s form.
    pub(crate) fn ndjson<T: JsonSchema>(mut self, description: &'static str) -> Endpoint {
        self.answer.push(Content::NdJson(schema_of::<T>));
        self.answer_description = description;
        self
    }

    /// The 200 answer may also be CSV text.
    pub(crate) fn or_csv(mut self) -> Endpoint {
        self.answer.push(Content::Csv);
        self
    }

    /// A 200 answer of a file's bytes, streamed.
    pub(crate) fn binary(mut self, description: &'static str) -> Endpoint {
        self.answer.push(Content::Binary);
        self.answer_description = description;
        self
    }

    /// A 200 answer of server-sent events.
    pub(crate) fn event_stream(mut self, description: &'static str) -> Endpoint {
        self.answer.push(Content::EventStream);
        self.answer_description = description;
        self
    }

    /// Its own error statuses, beyond those every endpoint of its kind may answer.
    pub(crate) fn problems(mut self, statuses: &[u16]) -> Endpoint {
        self.problems.extend_from_slice(statuses);
        self
    }
}
