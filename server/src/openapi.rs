//! The table of the API's endpoints, from which both the router ([`crate::routes::router`])
//! and the OpenAPI 3.1 document served at `GET /v1/openapi.json` are built: an endpoint is
//! served only through its entry here, so none can be served undescribed.
//!
//! # Adding an endpoint
//!
//! Write its handler (in `routes.rs` or a module of its own), then add one entry to
//! [`endpoints`], in the order of docs/SERVER.md's table:
//!
//! ```text
//! Endpoint::get("/v1/things/{thing}", routes::thing)   // or ::post; axum's path syntax
//!     .summary("One thing, as `thing show --json` prints it")
//!     .path_param("thing", "The thing: a UUID or thing-<UUID>", Id(&["thing"]))
//!     .query("as_of", "The day to show it as of", Typed(schema_of::<Date>))
//!     .body::<ThingBody>()                // the JSON body it reads, if any
//!     .json::<ThingDocument>("The thing") // or .lines::<Line>(…), .event_stream(…)
//!     .problems(&[404, 422]),             // its own error statuses (docs/SERVER.md)
//! ```
//!
//! Every type named must implement `schemars::JsonSchema`: derive it beside `Serialize` or
//! `Deserialize` (behind the `schema` feature in the library crates), or write it by hand
//! next to a hand-written serde impl, so that the schema says what serde does. An endpoint
//! needs a token unless marked `.open()`; 408 and 503 are added to every endpoint, 401 to
//! those with a token, 400 and 413 to those with a body, 400 to those with parameters.
//!
//! Then run `UPDATE_OPENAPI=1 cargo test -p parapompi-server --test openapi` to rewrite
//! docs/openapi.json, the committed copy of the document, and add the endpoint to
//! docs/SERVER.md: the tests compare the three, and probe every path.

mod document;
mod endpoint;

use std::sync::OnceLock;

use parapompi::act_form::ActForm;
use parapompi::core::values::Date;
use parapompi::core::vocab::ReferralStatus;
use parapompi::documents::{AuditLine, CaseFileDocument, IssuedDocument, StatsDocument, VerifyDocument, WriteDocument};
use parapompi::projections::{BoardEntry, CaseloadEntry, IndicatorReport};

use endpoint::schema_of;
pub(crate) use endpoint::Endpoint;
use endpoint::ParamValue::{Id, Instant, OneOf, Typed};

use crate::routes::{self, Health, IssueBody, LoginBody, PasswordBody, RevokeBody};

/// Every endpoint of the API, in the order of docs/SERVER.md's table.
pub(crate) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get("/v1/health", routes::health)
            .summary("Whether the server is up")
            .open()
            .json::<Health>("`{\"ok\": true}`"),
        Endpoint::get("/v1/openapi.json", routes::openapi_document)
            .summary("This document: the API in OpenAPI 3.1, generated from the types it reads and writes")
            .open()
            .json::<serde_json::Map<String, serde_json::Value>>("The OpenAPI document"),
        Endpoint::post("/v1/auth/login", routes::login)
            .summary("Log in with a password: a session token")
            .open()
            .body::<LoginBody>()
            .json::<IssuedDocument>("The session: its token in `secret`, and the write that recorded it")
            .problems(&[401, 429]),
        Endpoint::post("/v1/auth/password", routes::set_password)
            .summary("Set a password with an enrolment code (used up; earlier passwords and tokens revoked)")
            .open()
            .body::<PasswordBody>()
            .json::<WriteDocument>("The write's document")
            .problems(&[401, 422]),
        Endpoint::post("/v1/auth/logout", routes::logout)
            .summary("End the session of the token sent")
            .json::<WriteDocument>("The write's document")
            .problems(&[422]),
        Endpoint::post("/v1/credentials", routes::issue_credential)
            .summary("Issue an enrolment code or an API token for a staff member")
            .body::<IssueBody>()
            .json::<IssuedDocument>("The credential: its secret, once, and the write that recorded it")
            .problems(&[403, 404, 422]),
        Endpoint::post("/v1/credentials/revoke", routes::revoke_credential)
            .summary("Revoke a staff member's credential")
            .body::<RevokeBody>()
            .json::<WriteDocument>("The write's document")
            .problems(&[403, 404, 422]),
        Endpoint::post("/v1/commands", routes::commands)
            .summary("One act in the library's form, as the authenticated staff member")
            .body::<ActForm>()
            .json::<WriteDocument>("The write's document, `command: \"act\"`")
            .problems(&[403, 404, 409, 422]),
        Endpoint::post("/v1/commands/batch", crate::batch::commands)
            .summary(
                "Many acts in the library's form (a JSON array, or JSON Lines), each decided and appended on its \
                 own, in order; at most 1,000",
            )
            .body::<Vec<ActForm>>()
            .json::<Vec<crate::batch::ActResult>>("One result for each act, in order")
            .problems(&[403, 413]),
        Endpoint::get("/v1/export", crate::export::export)
            .summary("The log's records as their export lines (store/FORMAT.md), streamed: `parapompi export --jsonl`'s bytes")
            .query("from", "The first position (default 1)", Typed(schema_of::<u64>))
            .query("to", "The last position (default the head when the request came)", Typed(schema_of::<u64>))
            .ndjson::<serde_json::Map<String, serde_json::Value>>("One export line a record"),
        Endpoint::get("/v1/backup", crate::backup::backup)
            .summary("A backup of the whole data directory (docs/BACKUP.md), for an administrator: `parapompi backup`'s file, streamed")
            .query("since_position", "An increment: the position the earlier backup holds up to (with `since_head_hash`)", Typed(schema_of::<u64>))
            .query("since_head_hash", "An increment: the earlier backup's head hash, which must be this log's at that position", Typed(schema_of::<String>))
            .binary("The backup file")
            .problems(&[400, 403, 422]),
        Endpoint::get("/v1/caseload", routes::caseload)
            .summary("Open cases, with their open referrals and next follow-up (as `caseload --json`)")
            .query("staff", "Only cases assigned to this staff member", Id(&["staff"]))
            .query("centre", "Only cases of this centre, its antennas' included", Id(&["centre"]))
            .query("antenna", "Only cases taken at this antenna", Id(&["antenna"]))
            .lines::<CaseloadEntry>("One line a case"),
        Endpoint::get("/v1/board", routes::board)
            .summary("Referrals by status and agency, overdue follow-ups (as `board --json`)")
            .query("status", "Only referrals in this status", Typed(schema_of::<ReferralStatus>))
            .query("overdue", "Only referrals overdue as of `on`", OneOf(&["true", "false"]))
            .query("on", "The day `overdue` counts from; by default today in Athens", Typed(schema_of::<Date>))
            .query("agency", "Only referrals to this agency", Id(&["agency"]))
            .query("centre", "Only referrals of this centre's cases", Id(&["centre"]))
            .query("staff", "Only referrals of the cases assigned to this staff member", Id(&["staff"]))
            .lines::<BoardEntry>("One line a referral"),
        Endpoint::get("/v1/cases/{case}", routes::case_file)
            .summary("A case file (as `case show --json`: texts by reference and digest only)")
            .path_param("case", "The case", Id(&["case"]))
            .json::<CaseFileDocument>("The case file")
            .problems(&[400, 404]),
        Endpoint::get("/v1/audit/{id}", routes::audit)
            .summary("A case's, beneficiary's, referral's or staff member's audit trail (as `audit ID --json`)")
            .path_param(
                "id",
                "The subject, by its prefix, else the first kind the bare UUID names",
                Id(&["case", "beneficiary", "referral", "staff"]),
            )
            .lines::<AuditLine>("One line an event, in log order")
            .problems(&[400, 404]),
        Endpoint::get("/v1/reports/indicators", routes::indicators)
            .summary("The indicator report of a centre (or all) for a period, byte-reproducible")
            .required_query("from", "The period's first day", Typed(schema_of::<Date>))
            .required_query("to", "The period's last day (not before `from`)", Typed(schema_of::<Date>))
            .query("centre", "Only this centre (and its antennas); by default all", Id(&["centre"]))
            .query(
                "programme",
                "The ESF+ indicators of this funding programme's operations only (its code)",
                Typed(schema_of::<String>),
            )
            .query("as_of", "Computed from the log as it stood at this instant", Instant)
            .query("as_of_position", "Computed from the log up to this position", Typed(schema_of::<u64>))
            .query(
                "format",
                "`json` (the default), `csv`, or `esf_csv` (the ESF+ indicators in the managing authority's layout)",
                OneOf(&["json", "csv", "esf_csv"]),
            )
            .json::<IndicatorReport>(
                "Exactly `IndicatorReport::to_json`, or `to_csv` with `format=csv`, `to_esf_csv` with `format=esf_csv`",
            )
            .or_csv(),
        Endpoint::get("/v1/stats", routes::stats)
            .summary("The log's size and head (as `stats --json`)")
            .json::<StatsDocument>("The statistics"),
        Endpoint::get("/v1/verify", routes::verify)
            .summary("Verify the whole log's chain and versions (as `verify --json`)")
            .json::<VerifyDocument>("The verified head"),
        Endpoint::get("/v1/head", crate::lookups::head)
            .summary("The position and hash of the log's last record")
            .json::<crate::lookups::HeadDocument>("The head"),
        Endpoint::get("/v1/streams/{stream}", crate::lookups::stream)
            .summary("A stream's records in order, as export lines (store/FORMAT.md), to fold its state with core's code")
            .path_param("stream", "The stream, e.g. `case-<UUID>`", Typed(schema_of::<String>))
            .lines::<serde_json::Map<String, serde_json::Value>>("One export line a record")
            .problems(&[400]),
        Endpoint::get("/v1/directory/{kind}", crate::lookups::directory)
            .summary("The records of every stream of a directory kind, stream after stream, as export lines")
            .path_param("kind", "The kind of stream", OneOf(crate::lookups::DIRECTORY_KINDS))
            .lines::<serde_json::Map<String, serde_json::Value>>("One export line a record")
            .problems(&[400]),
        Endpoint::get("/v1/referrals/{referral}/case", crate::lookups::case_of_referral)
            .summary("The case a referral lives in")
            .path_param("referral", "The referral", Id(&["referral"]))
            .json::<crate::lookups::ReferralCaseDocument>("The referral and its case (`null` when none holds it)")
            .problems(&[400]),
        Endpoint::post("/v1/beneficiaries/find", crate::reads::find)
            .summary("The people of the caller's centre matching an AMKA, a name or a phone (as `beneficiary find --json`); each person's read is recorded first")
            .body::<crate::reads::FindForm>()
            .lines::<parapompi::documents::FoundDocument>("One person found a line")
            .problems(&[400, 403, 409]),
        Endpoint::post("/v1/beneficiaries/names", crate::reads::names)
            .summary("The names of the people a view lists, those of the caller's centre; each read is recorded first")
            .body::<crate::reads::NamesForm>()
            .json::<parapompi::documents::NamesDocument>("The names read and the reads' positions")
            .problems(&[400, 403, 409]),
        Endpoint::get("/v1/references/{query}", crate::lookups::reference)
            .summary("The case or referral a short reference (`ΓΡΕ-2024-0042`, `ΓΡΕ-2024-0042/2`) or an id names, with its references")
            .path_param("query", "A reference, or `case-<UUID>` or `referral-<UUID>`", Typed(schema_of::<String>))
            .json::<parapompi::references::ReferenceDocument>("What the query names, with its references")
            .problems(&[400, 404]),
        Endpoint::get("/v1/beneficiaries/{beneficiary}/cases", crate::lookups::cases_of_beneficiary)
            .summary("A person's cases")
            .path_param("beneficiary", "The person", Id(&["beneficiary"]))
            .json::<crate::lookups::BeneficiaryCasesDocument>("The person and their cases")
            .problems(&[400]),
        Endpoint::post("/v1/cases/{case}/texts", crate::reads::case_texts)
            .summary("A case file with its texts' words (as `case show --texts --json`); the read is recorded first")
            .path_param("case", "The case", Id(&["case"]))
            .body::<crate::reads::ReadForm>()
            .json::<CaseFileDocument>("The case file, with `texts_read` true and the read's position")
            .problems(&[403, 404, 409, 422]),
        Endpoint::post("/v1/audit/{subject}/texts", crate::reads::trail_texts)
            .summary("A case's or a referral's trail with its case's texts' words; the read is recorded first")
            .path_param("subject", "`case-<UUID>` or `referral-<UUID>`", Id(&["case", "referral"]))
            .body::<crate::reads::ReadForm>()
            .lines::<AuditLine>("One line an event, in log order, with the texts' words")
            .problems(&[403, 404, 409, 422]),
        Endpoint::post("/v1/beneficiaries/{beneficiary}/identity", crate::reads::identity)
            .summary("A person's identity (name, AMKA, contacts); the read is recorded first")
            .path_param("beneficiary", "The person", Id(&["beneficiary"]))
            .body::<crate::reads::ReadForm>()
            .json::<serde_json::Map<String, serde_json::Value>>(
                "`{identity, access_position}`: the identity record (`null` when the vault holds none) and the read's position",
            )
            .problems(&[403, 404, 409, 422]),
        Endpoint::post("/v1/beneficiaries/{beneficiary}/identity/correct", crate::identity::correct)
            .summary("Correct a person's identity by the fields given; the others are kept from the identity held")
            .path_param("beneficiary", "The person", Id(&["beneficiary"]))
            .body::<crate::identity::CorrectionForm>()
            .json::<WriteDocument>("The write's document, `command: \"act\"`")
            .problems(&[403, 404, 409, 422]),
        Endpoint::get("/v1/beneficiaries/{beneficiary}/accesses", crate::reads::accesses)
            .summary("Every read of a person's data (as `beneficiary accesses --json`)")
            .path_param("beneficiary", "The person", Id(&["beneficiary"]))
            .lines::<serde_json::Map<String, serde_json::Value>>(
                "One line a read: `{position, occurred_at, actor, access, accessed_on, reason}`",
            )
            .problems(&[400, 404]),
        Endpoint::post("/v1/beneficiaries/{beneficiary}/export", crate::reads::subject_export)
            .summary("A person's own copy (GDPR Art. 15), exactly the file `beneficiary export` writes; recorded first")
            .path_param("beneficiary", "The person", Id(&["beneficiary"]))
            .body::<crate::reads::ReadForm>()
            .json::<serde_json::Map<String, serde_json::Value>>("The own copy (`parapompi-subject-access/v1`)")
            .problems(&[403, 404, 409, 422]),
        Endpoint::get("/v1/events", crate::feed::events)
            .summary("The log's records from a position on, then live, as server-sent events")
            .query("from", "The first position (default 1)", Typed(schema_of::<u64>))
            .event_stream(
                "Each record as `id` its position, `event: record`, `data` its export line (store/FORMAT.md); \
                 `event: end` when the token stops being valid or the server shuts down",
            ),
    ]
}

/// The OpenAPI document as the server answers it (and as docs/openapi.json holds it):
/// pretty-printed JSON with a final line break. Built once.
pub fn document_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let document = sorted(document::document(&endpoints()));
        let text = serde_json::to_string_pretty(&document);
        assert!(text.is_ok(), "the document is plain JSON");
        let mut text = text.unwrap_or_default();
        text.push('\n');
        text
    })
}

/// `value` with every object's keys in order, so that the bytes are the same whichever map
/// serde_json was built with (its `preserve_order` feature keeps insertion order instead).
fn sorted(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let entries: std::collections::BTreeMap<String, Value> =
                map.into_iter().map(|(key, value)| (key, sorted(value))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}
