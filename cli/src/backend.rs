//! Where a command's reads and writes go: the Engine of a data directory (direct mode), or a
//! `parapompi serve` over HTTP (`--server`). Every command is written once against this, and
//! what it prints is built from the same documents in both modes, so that a command behaves
//! and prints the same either way.

use parapompi::core::reference::Reference;
use parapompi::core::values::{BeneficiaryId, CaseId, Reason, ReferralId};
use parapompi::core::{Command, State, StreamKind};
use parapompi::documents::{self, WriteOutcome};
use parapompi::projections::{
    AuditSubject, BoardEntry, BoardQuery, Caseload, CaseloadEntry, CaseloadQuery, IndicatorQuery,
};
use parapompi::references::{ReferenceDocument, ReferenceQuery};
use parapompi::store::{ExportLine, RecordedEvent, StreamId};
use parapompi::{Acting, AsOf, BeneficiarySearch, CommandMeta, Engine, IdentityPatch};
use serde_json::{json, Value};

use crate::client::Client;
use crate::error::CliError;

/// A command's way to the log.
pub enum Backend {
    /// The Engine of a data directory, opened by this process alone.
    Direct(Engine),
    /// A server holding the data directory, reached as the staff member logged in.
    Server(Client),
}

/// The directory kinds, as the server names them.
fn directory_kind(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Centre => "centre",
        StreamKind::Staff => "staff",
        StreamKind::Agency => "agency",
        StreamKind::Beneficiary => "beneficiary",
        StreamKind::Case => "case",
    }
}

/// A query string from its present parameters (ids, dates and names need no escaping but
/// are escaped all the same).
pub fn query_string(params: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> =
        params.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", percent_encode(v)))).collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// A reference query as its text: the reference (in its full form), or the id's stream form.
fn reference_query_text(query: &ReferenceQuery) -> String {
    match query {
        ReferenceQuery::Reference(Reference::Case(case)) => case.to_string(),
        ReferenceQuery::Reference(Reference::Referral(referral)) => referral.to_string(),
        ReferenceQuery::Case(case_id) => case_id.stream_id(),
        ReferenceQuery::Referral(referral_id) => format!("referral-{referral_id}"),
    }
}

/// Text as a query value or one segment of a URL's path: every byte but unreserved ASCII
/// (and `:`) percent-encoded, so a reference's `/` and Greek letters stay in their segment.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn records_of(lines: &[Value]) -> Result<Vec<RecordedEvent>, CliError> {
    lines
        .iter()
        .map(|line| {
            ExportLine::parse(&line.to_string()).map_err(|e| {
                CliError::Environment(crate::i18n::message("log-server-bad-record", &[("problem", &e.to_string())]))
            })
        })
        .collect()
}

impl Backend {
    /// The Engine, for what only direct mode does; `what` names the command refused otherwise.
    pub fn engine(&self, what: &str) -> Result<&Engine, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine),
            Backend::Server(client) => {
                Err(CliError::field(what, crate::i18n::message("error-direct-only", &[("value", client.base())])))
            }
        }
    }

    /// Decides and appends one act. Through the server the actor is the staff member logged
    /// in, and `meta`'s command id and time are sent with it.
    pub fn execute_all(&self, commands: &[Command], meta: CommandMeta) -> Result<WriteOutcome, CliError> {
        match self {
            Backend::Direct(engine) => Ok(WriteOutcome::from(engine.execute_all(commands, meta)?)),
            Backend::Server(client) => {
                // The server records every act as the staff member logged in: an act meant
                // for another actor (the set-up of a centre, say) is refused, not rewritten.
                if meta.acting != Acting::Staff(client.staff_id()?) {
                    return Err(CliError::field(
                        "--server",
                        "this act is not the logged-in staff member's own (the set-up of a new centre is done on \
                         the data directory, as its administrator)",
                    ));
                }
                let body = json!({
                    "act": commands,
                    "command_id": meta.command_id.to_string(),
                    "at": parapompi::instant::format_instant(meta.occurred_at),
                });
                let answer = client.post_json("/v1/commands", &body)?;
                documents::outcome_of_written(&answer).map_err(crate::messages::written_answer)
            }
        }
    }

    /// A stream's folded state and version.
    pub fn stream_state(&self, kind: StreamKind, stream_id: &StreamId) -> Result<(State, u64), CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.stream_state(kind, stream_id)?),
            Backend::Server(client) => {
                let lines = client.get_lines(&format!("/v1/streams/{stream_id}"))?;
                Ok(parapompi::fold_stream(kind, &records_of(&lines)?)?)
            }
        }
    }

    /// Every record of a stream, in order.
    pub fn stream_records(&self, stream_id: &StreamId) -> Result<Vec<RecordedEvent>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.store().read_stream(stream_id, 1, usize::MAX)?),
            Backend::Server(client) => records_of(&client.get_lines(&format!("/v1/streams/{stream_id}"))?),
        }
    }

    /// The state of every stream of a directory kind (centres, staff, agencies), in stream id
    /// order.
    pub fn directory(&self, kind: StreamKind) -> Result<Vec<State>, CliError> {
        let prefix = format!("{}-", directory_kind(kind));
        match self {
            Backend::Direct(engine) => engine
                .store()
                .stream_ids(&prefix)?
                .iter()
                .map(|stream| Ok(engine.stream_state(kind, stream)?.0))
                .collect(),
            Backend::Server(client) => {
                let records = records_of(&client.get_lines(&format!("/v1/directory/{}", directory_kind(kind)))?)?;
                let mut states = Vec::new();
                let mut start = 0;
                while start < records.len() {
                    let stream = &records[start].stream_id;
                    let end = start + records[start..].iter().take_while(|r| &r.stream_id == stream).count();
                    states.push(parapompi::fold_stream(kind, &records[start..end])?.0);
                    start = end;
                }
                Ok(states)
            }
        }
    }

    /// The position of the log's last record.
    pub fn head(&self) -> Result<u64, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.store().head().position),
            Backend::Server(client) => client
                .get_json("/v1/head")?
                .get("position")
                .and_then(Value::as_u64)
                .ok_or_else(|| CliError::Environment(crate::i18n::message("client-head-no-position", &[]))),
        }
    }

    /// Open cases matching the query.
    pub fn caseload(&self, query: &CaseloadQuery) -> Result<Caseload, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.caseload(query)?),
            Backend::Server(client) => {
                let path = format!(
                    "/v1/caseload{}",
                    query_string(&[
                        ("staff", query.staff.map(|s| s.to_string())),
                        ("centre", query.centre.map(|c| c.to_string())),
                        ("antenna", query.antenna.map(|a| a.to_string())),
                    ])
                );
                let cases: Vec<CaseloadEntry> = from_lines(client.get_lines(&path)?)?;
                let n_open_referrals = cases.iter().map(|c| c.open_referrals.len() as u64).sum();
                Ok(Caseload { cases, n_open_referrals })
            }
        }
    }

    /// The referrals of the board matching the query, in the board's order.
    pub fn board(&self, query: &BoardQuery) -> Result<Vec<BoardEntry>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.board(query)?.referrals),
            Backend::Server(client) => {
                let status = query.status.map(|s| s.as_str().to_owned());
                let path = format!(
                    "/v1/board{}",
                    query_string(&[
                        ("status", status),
                        ("overdue", query.overdue_as_of.map(|_| "true".to_owned())),
                        ("on", query.overdue_as_of.map(|d| d.to_string())),
                        ("agency", query.agency.map(|a| a.to_string())),
                        ("centre", query.centre.map(|c| c.to_string())),
                        ("staff", query.assignee.map(|s| s.to_string())),
                    ])
                );
                from_lines(client.get_lines(&path)?)
            }
        }
    }

    /// The case file's document (without its texts' words), or `None` for a case never
    /// opened.
    pub fn case_file(&self, case_id: CaseId) -> Result<Option<Value>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(documents::case_file(case_id, &engine.case_file(case_id)?, None, None)),
            Backend::Server(client) => match client.get_json(&format!("/v1/cases/{}", case_id.stream_id())) {
                Ok(document) => Ok(Some(document)),
                Err(CliError::Usage(text)) if text.starts_with("no case ") => Ok(None),
                Err(other) => Err(other),
            },
        }
    }

    /// The first of `candidates` that has an audit trail, with its trail's lines (without
    /// texts' words).
    pub fn audit(&self, candidates: &[AuditSubject]) -> Result<Option<(AuditSubject, Vec<Value>)>, CliError> {
        match self {
            Backend::Direct(engine) => {
                let found = engine
                    .with_projections(|p| candidates.iter().find(|s| !p.audit_positions(s).is_empty()).copied())?;
                match found {
                    Some(subject) => {
                        let lines = documents::audit_lines(&engine.audit(&subject)?, None);
                        Ok(Some((subject, lines)))
                    }
                    None => Ok(None),
                }
            }
            Backend::Server(client) => {
                for subject in candidates {
                    let (kind, id) = documents::subject_text(subject);
                    match client.get_lines(&format!("/v1/audit/{kind}-{id}")) {
                        Ok(lines) if !lines.is_empty() => return Ok(Some((*subject, lines))),
                        Ok(_) => {}
                        Err(CliError::Usage(text)) if text.starts_with("no case, beneficiary") => {}
                        Err(other) => return Err(other),
                    }
                }
                Ok(None)
            }
        }
    }

    /// The case a referral lives in.
    pub fn case_of_referral(&self, referral_id: ReferralId) -> Result<Option<CaseId>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.with_projections(|p| p.case_of_referral(referral_id))?),
            Backend::Server(client) => {
                let answer = client.get_json(&format!("/v1/referrals/{referral_id}/case"))?;
                match answer.get("case_id").and_then(Value::as_str) {
                    Some(text) => Ok(Some(CaseId::new(crate::parse::uuid_of("case_id", "case", text)?))),
                    None => Ok(None),
                }
            }
        }
    }

    /// A beneficiary's cases.
    pub fn cases_of(&self, beneficiary_id: BeneficiaryId) -> Result<Vec<CaseId>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.with_projections(|p| p.cases_of(beneficiary_id))?),
            Backend::Server(client) => {
                let answer = client.get_json(&format!("/v1/beneficiaries/{}/cases", beneficiary_id.stream_id()))?;
                let cases = answer.get("cases").and_then(Value::as_array).cloned().unwrap_or_default();
                cases
                    .iter()
                    .map(|c| Ok(CaseId::new(crate::parse::uuid_of("cases", "case", c.as_str().unwrap_or_default())?)))
                    .collect()
            }
        }
    }

    /// The indicators report as the library's bytes, in `form`.
    pub fn indicators(
        &self,
        query: &IndicatorQuery,
        as_of: Option<AsOf>,
        form: ReportBytes,
    ) -> Result<String, CliError> {
        match self {
            Backend::Direct(engine) => {
                let report = match as_of {
                    Some(as_of) => engine.indicators_as_of(query, as_of)?,
                    None => engine.indicators(query)?,
                };
                Ok(form.of(&report))
            }
            Backend::Server(client) => {
                let (as_of_at, as_of_position) = match as_of {
                    Some(AsOf::RecordedAt(at)) => {
                        let at = parapompi::core::values::Timestamp::from_unix_ms(at.unix_ms());
                        (Some(parapompi::instant::format_instant(at)), None)
                    }
                    Some(AsOf::Position(position)) => (None, Some(position.to_string())),
                    None => (None, None),
                };
                let path = format!(
                    "/v1/reports/indicators{}",
                    query_string(&[
                        ("from", Some(query.from.to_string())),
                        ("to", Some(query.to.to_string())),
                        ("centre", query.centre.map(|c| c.to_string())),
                        ("programme", query.programme.as_ref().map(|p| p.as_str().to_owned())),
                        ("as_of", as_of_at),
                        ("as_of_position", as_of_position),
                        ("format", Some(form.name().to_owned())),
                    ])
                );
                client.get_text(&path)
            }
        }
    }

    /// Corrects the identity fields `patch` gives, the others kept from the identity held
    /// (merged where the vault is).
    pub fn correct_identity(
        &self,
        beneficiary_id: BeneficiaryId,
        patch: &IdentityPatch,
        meta: CommandMeta,
    ) -> Result<WriteOutcome, CliError> {
        match self {
            Backend::Direct(engine) => Ok(engine.correct_identity(beneficiary_id, patch, meta)?.into()),
            Backend::Server(client) => {
                let text =
                    |v: &Option<_>| v.as_ref().map(|t: &parapompi::core::values::PersonName| t.as_str().to_owned());
                let body = json!({
                    "given_name": text(&patch.given_name),
                    "family_name": text(&patch.family_name),
                    "amka": patch.amka.as_ref().map(|a| a.as_str().to_owned()),
                    "phones": patch.phones.as_ref().map(|l| l.iter().map(|p| p.as_str().to_owned()).collect::<Vec<_>>()),
                    "emails": patch.emails.as_ref().map(|l| l.iter().map(|e| e.as_str().to_owned()).collect::<Vec<_>>()),
                    "address": patch.address.as_ref().map(|a| a.as_str().to_owned()),
                    "command_id": meta.command_id.to_string(),
                    "at": parapompi::instant::format_instant(meta.occurred_at),
                });
                let path = format!("/v1/beneficiaries/{}/identity/correct", beneficiary_id.stream_id());
                documents::outcome_of_written(&client.post_json(&path, &body)?).map_err(crate::messages::written_answer)
            }
        }
    }

    /// Reads a case's texts (recorded first): its case file's document with the words.
    pub fn read_case_texts(
        &self,
        case_id: CaseId,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<Option<Value>, CliError> {
        match self {
            Backend::Direct(engine) => {
                Ok(documents::case_texts_read(case_id, &engine.read_case_texts(case_id, meta, reason)?))
            }
            Backend::Server(client) => {
                Ok(Some(client.post_json(
                    &format!("/v1/cases/{}/texts", case_id.stream_id()),
                    &read_form(&meta, reason.as_ref()),
                )?))
            }
        }
    }

    /// Reads the texts of a case's or a referral's case (recorded first): the subject's audit
    /// lines with the words.
    pub fn read_trail_texts(
        &self,
        subject: &AuditSubject,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<Vec<Value>, CliError> {
        match self {
            Backend::Direct(engine) => {
                let (trail, read) = engine.read_trail_texts(subject, meta, reason)?;
                Ok(documents::audit_lines(&trail, Some(&read.words)))
            }
            Backend::Server(client) => {
                let (kind, id) = documents::subject_text(subject);
                client.post_lines(&format!("/v1/audit/{kind}-{id}/texts"), &read_form(&meta, reason.as_ref()))
            }
        }
    }

    /// Reads a person's identity (recorded first): `{identity, access_position}`.
    pub fn read_identity(&self, beneficiary_id: BeneficiaryId, meta: CommandMeta) -> Result<Value, CliError> {
        match self {
            Backend::Direct(engine) => Ok(documents::identity_read(&engine.read_identity(beneficiary_id, meta)?)),
            Backend::Server(client) => client.post_json(
                &format!("/v1/beneficiaries/{}/identity", beneficiary_id.stream_id()),
                &read_form(&meta, None),
            ),
        }
    }

    /// The people of the acting staff member's centre a search finds (each read recorded).
    pub fn find_beneficiaries(
        &self,
        search: &BeneficiarySearch,
        meta: CommandMeta,
    ) -> Result<Vec<documents::FoundDocument>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(documents::found_documents(&engine.find_beneficiaries(search, meta)?)),
            Backend::Server(client) => {
                let mut body = json!({"command_id": meta.command_id.to_string()});
                let (key, value) = match search {
                    BeneficiarySearch::Amka(amka) => ("amka", amka.as_str().to_owned()),
                    BeneficiarySearch::Name(name) => ("name", name.clone()),
                    BeneficiarySearch::Phone(phone) => ("phone", phone.clone()),
                };
                body[key] = Value::String(value);
                client
                    .post_lines("/v1/beneficiaries/find", &body)?
                    .into_iter()
                    .map(|line| {
                        serde_json::from_value(line).map_err(|e| {
                            CliError::Environment(crate::i18n::message(
                                "client-bad-person-found",
                                &[("problem", &e.to_string())],
                            ))
                        })
                    })
                    .collect()
            }
        }
    }

    /// The names of the people a view lists, those of the acting staff member's centre (each
    /// read recorded): full names by person.
    pub fn read_names(
        &self,
        people: &[BeneficiaryId],
        meta: CommandMeta,
    ) -> Result<std::collections::BTreeMap<BeneficiaryId, String>, CliError> {
        let document = match self {
            Backend::Direct(engine) => documents::names_read(&engine.read_names(people, meta)?),
            Backend::Server(client) => {
                let body = json!({
                    "beneficiaries": people.iter().map(|p| p.stream_id()).collect::<Vec<_>>(),
                    "command_id": meta.command_id.to_string(),
                });
                serde_json::from_value(client.post_json("/v1/beneficiaries/names", &body)?).map_err(|e| {
                    CliError::Environment(crate::i18n::message("client-bad-names", &[("problem", &e.to_string())]))
                })?
            }
        };
        Ok(document
            .names
            .into_iter()
            .map(|n| (n.beneficiary_id, format!("{} {}", n.given_name, n.family_name)))
            .collect())
    }

    /// The case or referral a short reference or an id names; an error naming it when the
    /// log holds none.
    pub fn look_up_reference(&self, query: &ReferenceQuery) -> Result<ReferenceDocument, CliError> {
        match self {
            Backend::Direct(engine) => engine.look_up_reference(query)?.ok_or_else(|| {
                CliError::Usage(crate::i18n::message(
                    "error-no-case-or-referral",
                    &[("id", &reference_query_text(query))],
                ))
            }),
            Backend::Server(client) => {
                let answer =
                    client.get_json(&format!("/v1/references/{}", percent_encode(&reference_query_text(query))))?;
                serde_json::from_value(answer).map_err(|e| {
                    CliError::Environment(crate::i18n::message("client-bad-reference", &[("problem", &e.to_string())]))
                })
            }
        }
    }

    /// Every read of a person's data, as lines.
    pub fn access_report(&self, beneficiary_id: BeneficiaryId) -> Result<Vec<Value>, CliError> {
        match self {
            Backend::Direct(engine) => Ok(documents::access_lines(&engine.access_report(beneficiary_id)?)),
            Backend::Server(client) => {
                client.get_lines(&format!("/v1/beneficiaries/{}/accesses", beneficiary_id.stream_id()))
            }
        }
    }

    /// The person's own copy (recorded first), as the file holds it.
    pub fn subject_export(
        &self,
        beneficiary_id: BeneficiaryId,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<String, CliError> {
        match self {
            Backend::Direct(engine) => {
                Ok(documents::subject_export_text(&engine.subject_access_export(beneficiary_id, meta, reason)?))
            }
            Backend::Server(client) => client.post_text(
                &format!("/v1/beneficiaries/{}/export", beneficiary_id.stream_id()),
                &read_form(&meta, reason.as_ref()),
            ),
        }
    }

    /// The whole log verified: `verify --json`'s document; in direct mode the progress is
    /// reported as it goes.
    pub fn verify(&self, report: parapompi::progress::Report<'_>) -> Result<Value, CliError> {
        match self {
            Backend::Direct(engine) => Ok(documents::verified(&engine.verify_reporting(report)?)),
            Backend::Server(client) => client.get_json("/v1/verify"),
        }
    }

    /// `stats --json`'s document, of the data directory `dir` in direct mode (the server
    /// names its own).
    pub fn stats(&self, dir: &std::path::Path) -> Result<Value, CliError> {
        match self {
            Backend::Direct(engine) => {
                let verified = engine.store().verify()?;
                Ok(documents::stats(&verified, &dir.display().to_string(), documents::size_on_disk(dir)))
            }
            Backend::Server(client) => client.get_json("/v1/stats"),
        }
    }
}

/// The body of an audited read through the server: the reason and the read's id (the server
/// dates a read by its own clock).
fn read_form(meta: &CommandMeta, reason: Option<&Reason>) -> Value {
    json!({
        "reason": reason.map(|r| r.as_ref().to_owned()),
        "command_id": meta.command_id.to_string(),
    })
}

fn from_lines<T: serde::de::DeserializeOwned>(lines: Vec<Value>) -> Result<Vec<T>, CliError> {
    lines
        .into_iter()
        .map(|line| {
            serde_json::from_value(line).map_err(|e| {
                CliError::Environment(crate::i18n::message("client-bad-listing", &[("problem", &e.to_string())]))
            })
        })
        .collect()
}

/// Which of the library's renderings of an indicators report (the server's `format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportBytes {
    /// `IndicatorReport::to_json`.
    Json,
    /// `IndicatorReport::to_csv`.
    Csv,
    /// `IndicatorReport::to_esf_csv`.
    EsfCsv,
}

impl ReportBytes {
    /// The report in this rendering.
    pub fn of(self, report: &parapompi::projections::IndicatorReport) -> String {
        match self {
            ReportBytes::Json => report.to_json(),
            ReportBytes::Csv => report.to_csv(),
            ReportBytes::EsfCsv => report.to_esf_csv(),
        }
    }

    /// Its name as the server's `format` parameter.
    pub fn name(self) -> &'static str {
        match self {
            ReportBytes::Json => "json",
            ReportBytes::Csv => "csv",
            ReportBytes::EsfCsv => "esf_csv",
        }
    }
}
