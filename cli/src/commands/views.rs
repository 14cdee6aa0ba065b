//! Views: caseload, referral board, audit trails and the indicators report.

use parapompi::core::values::{AntennaId, BeneficiaryId, CaseId, ReferralId, StaffId};
use parapompi::core::{State, StreamKind};
use parapompi::projections::{
    AuditSubject, AuditTrail, BoardQuery, CaseloadQuery, IndicatorQuery, IndicatorReport, Projections,
};
use parapompi::store::StreamId;
use parapompi::{AsOf, TextWords};
use serde_json::Value;

use crate::args::{AuditArgs, BoardArgs, CaseloadArgs, IndicatorsArgs};
use crate::commands::directory::{agency_id, centre_id, staff_id, staff_names};
use crate::commands::reading::{list_field, text_field, texts_table};
use crate::error::CliError;
use crate::output::{count, Out, Table};
use crate::parse;
use crate::session::Ctx;
use crate::vocab::ReportFormat;

/// `caseload`: one JSON line per open case. Without `--staff`, `--centre`, `--antenna` or
/// `--all`, the acting staff member's own cases ("my work"); all of them when nobody acts.
pub fn caseload(ctx: &mut Ctx<'_>, args: CaseloadArgs) -> Result<(), CliError> {
    let scoped = args.staff.is_some() || args.centre.is_some() || args.antenna.is_some() || args.all;
    let own = if scoped { None } else { ctx.own_staff()? };
    let query = CaseloadQuery {
        staff: match &args.staff {
            Some(s) => Some(staff_id("--staff", s)?),
            None => own,
        },
        centre: args.centre.as_ref().map(|c| centre_id("--centre", c)).transpose()?,
        antenna: args
            .antenna
            .as_ref()
            .map(|a| parse::uuid_of("--antenna", "antenna", a).map(AntennaId::new))
            .transpose()?,
    };
    let caseload = ctx.backend.caseload(&query)?;
    // People read names; JSON keeps the ids.
    let names = if ctx.out.json { Default::default() } else { staff_names(ctx)? };
    for line in parapompi::documents::caseload_lines(&caseload) {
        ctx.out.json_value(line)?;
    }
    let mut table = Table::new(&["CASE", "OPENED", "ASSIGNEE", "REFERRALS", "NEXT DUE", "BENEFICIARY"]);
    for entry in &caseload.cases {
        table.row(vec![
            entry.case_id.to_string(),
            entry.opened_on.to_string(),
            entry.assignee.map_or("-".to_owned(), |s| names.get(&s).cloned().unwrap_or_else(|| s.to_string())),
            entry.open_referrals.len().to_string(),
            entry.next_due_on.map_or("-".to_owned(), |d| d.to_string()),
            entry.beneficiary_id.to_string(),
        ]);
    }
    ctx.out.table(&table)?;
    ctx.out.line(format!(
        "{}, {}{}",
        count_of(caseload.cases.len(), "open case", "open cases"),
        count(caseload.n_open_referrals, "open referral", "open referrals"),
        if own.is_some() { " assigned to you (--all for every case)" } else { "" }
    ))
}

/// `board`: one JSON line per referral.
pub fn board(ctx: &mut Ctx<'_>, args: BoardArgs) -> Result<(), CliError> {
    let on = ctx.date_or_today("--on", args.on.as_ref())?;
    // "My work": the referrals of the acting staff member's own cases, unless a scope is
    // given (`--staff`, `--centre`, `--agency`) or `--all`.
    let scoped = args.staff.is_some() || args.centre.is_some() || args.agency.is_some() || args.all;
    let own = if scoped { None } else { ctx.own_staff()? };
    let query = BoardQuery {
        status: args.status.map(Into::into),
        agency: args.agency.as_ref().map(|a| agency_id("--agency", a)).transpose()?,
        overdue_as_of: args.overdue.then_some(on),
        centre: args.centre.as_ref().map(|c| centre_id("--centre", c)).transpose()?,
        assignee: match &args.staff {
            Some(s) => Some(staff_id("--staff", s)?),
            None => own,
        },
    };
    let referrals = ctx.backend.board(&query)?;
    for entry in &referrals {
        ctx.out.json_value(serde_json::to_value(entry).unwrap_or(Value::Null))?;
    }
    let mut table = Table::new(&["REFERRAL", "STATUS", "NEED", "DUE", "OVERDUE", "AGENCY"]);
    for entry in &referrals {
        table.row(vec![
            entry.referral_id.to_string(),
            crate::i18n::vocab("status", entry.status.as_str()),
            crate::i18n::vocab("need", entry.need.as_str()),
            entry.due_on.to_string(),
            entry.days_overdue.map_or("-".to_owned(), |d| count(d, "day", "days")),
            entry.agency_name.clone().unwrap_or_else(|| entry.agency_id.to_string()),
        ]);
    }
    ctx.out.table(&table)?;
    // How many of the listed referrals are in each status, statuses in the board's order.
    let mut by_status = std::collections::BTreeMap::new();
    for entry in &referrals {
        *by_status.entry(entry.status).or_insert(0_u64) += 1;
    }
    let counts: Vec<String> = by_status.iter().map(|(s, n)| format!("{s} {n}")).collect();
    let total = count_of(referrals.len(), "referral", "referrals");
    let yours = if own.is_some() { " of your cases (--all for every referral)" } else { "" };
    if counts.is_empty() {
        ctx.out.line(format!("{total}{yours}"))
    } else {
        ctx.out.line(format!("{total}{yours}: {}", counts.join(", ")))
    }
}

/// The subjects an id may name: one when the id carries its prefix, else all four.
pub fn audit_candidates(text: &str) -> Result<Vec<AuditSubject>, CliError> {
    let trimmed = text.trim();
    let bad = || {
        CliError::field(
            "ID",
            format!("{text:?} is not an id (a UUID, or case-, beneficiary-, referral- or staff-<UUID>)"),
        )
    };
    let uuid_of = |rest: &str| uuid::Uuid::parse_str(rest).map_err(|_| bad());
    if let Some(rest) = trimmed.strip_prefix("case-") {
        return Ok(vec![AuditSubject::Case(CaseId::new(uuid_of(rest)?))]);
    }
    if let Some(rest) = trimmed.strip_prefix("beneficiary-") {
        return Ok(vec![AuditSubject::Beneficiary(BeneficiaryId::new(uuid_of(rest)?))]);
    }
    if let Some(rest) = trimmed.strip_prefix("referral-") {
        return Ok(vec![AuditSubject::Referral(ReferralId::new(uuid_of(rest)?))]);
    }
    if let Some(rest) = trimmed.strip_prefix("staff-") {
        return Ok(vec![AuditSubject::Staff(StaffId::new(uuid_of(rest)?))]);
    }
    let uuid = uuid_of(trimmed)?;
    Ok(vec![
        AuditSubject::Case(CaseId::new(uuid)),
        AuditSubject::Beneficiary(BeneficiaryId::new(uuid)),
        AuditSubject::Referral(ReferralId::new(uuid)),
        AuditSubject::Staff(StaffId::new(uuid)),
    ])
}

/// The first candidate the read models hold events about.
pub fn resolve_subject(projections: &Projections, args: &AuditArgs) -> Result<AuditSubject, CliError> {
    audit_candidates(&args.id)?
        .into_iter()
        .find(|subject| !projections.audit_positions(subject).is_empty())
        .ok_or_else(|| no_subject(args))
}

/// The error for an id that names no subject with a trail.
pub fn no_subject(args: &AuditArgs) -> CliError {
    CliError::field("ID", format!("no case, beneficiary, referral or staff member {}", args.id))
}

/// Prints an audit trail: one JSON line per event, or a table.
pub fn print_audit(out: &mut Out, trail: &AuditTrail, words: Option<&TextWords>) -> Result<(), CliError> {
    let lines = parapompi::documents::audit_lines(trail, words);
    print_audit_lines(out, &trail.subject, &lines, words.is_some())
}

/// Prints an audit trail from its lines (`audit --json`'s, the server's answer too); `read`
/// when the texts' words were read.
pub fn print_audit_lines(out: &mut Out, subject: &AuditSubject, lines: &[Value], read: bool) -> Result<(), CliError> {
    let (kind, id) = parapompi::documents::subject_text(subject);
    out.line(format!("audit trail of {kind} {id}: {}", count_of(lines.len(), "event", "events")))?;
    for line in lines {
        out.json_value(line.clone())?;
    }
    let mut table = Table::new(&["POS", "RECORDED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for line in lines {
        table.row(
            ["position", "recorded_at", "actor", "event_type", "description"]
                .iter()
                .map(|k| text_field(line, k))
                .collect(),
        );
    }
    out.table(&table)?;
    if lines.iter().any(|l| !list_field(l, "texts").is_empty()) {
        out.line("\ntexts")?;
        let rows = lines
            .iter()
            .map(|l| (l.get("position").and_then(Value::as_u64).unwrap_or_default(), list_field(l, "texts")));
        out.table(&texts_table(rows, read))?;
    }
    Ok(())
}

/// The query, point of the log and format of `report indicators`.
pub fn indicator_request(
    args: &IndicatorsArgs,
    json: bool,
) -> Result<(IndicatorQuery, Option<AsOf>, ReportFormat), CliError> {
    let from = parse::date("--from", &args.from)?;
    let to = parse::date("--to", &args.to)?;
    if to < from {
        return Err(CliError::field("--to", format!("{to} is before --from {from}")));
    }
    let centre = args.centre.as_ref().map(|c| centre_id("--centre", c)).transpose()?;
    let as_of = match (&args.as_of, args.as_of_position) {
        (Some(text), _) => {
            let at = parse::instant("--as-of", text)?;
            Some(AsOf::RecordedAt(parapompi::store::Timestamp::from_unix_ms(at.unix_ms())))
        }
        (None, Some(position)) => Some(AsOf::Position(position)),
        (None, None) => None,
    };
    let format = args.format.unwrap_or(if json { ReportFormat::Json } else { ReportFormat::Table });
    Ok((IndicatorQuery { centre, from, to }, as_of, format))
}

/// `report indicators`.
pub fn indicators(ctx: &mut Ctx<'_>, args: IndicatorsArgs) -> Result<(), CliError> {
    let (query, as_of, format) = indicator_request(&args, ctx.out.json)?;
    // A report of a centre the log does not hold, or of a point past its head, would be a
    // report of nothing (or of the head) that looks like an answer.
    if let Some(centre) = query.centre {
        let stream = StreamId::new(centre.stream_id())?;
        if !matches!(ctx.backend.stream_state(StreamKind::Centre, &stream)?.0, State::Centre(Some(_))) {
            return Err(CliError::field("--centre", format!("no centre {centre} in this log")));
        }
    }
    if let Some(AsOf::Position(position)) = as_of {
        let head = ctx.backend.head()?;
        if position > head {
            return Err(CliError::field(
                "--as-of-position",
                format!("position {position} is past the head of the log ({head})"),
            ));
        }
    }
    let text = ctx.backend.indicators(&query, as_of, format == ReportFormat::Csv)?;
    print_report(ctx.out, &text, format)
}

/// A report as the library's bytes, in `format` (the table is made from the JSON).
pub fn report_text(report: &IndicatorReport, format: ReportFormat) -> String {
    match format {
        ReportFormat::Csv => report.to_csv(),
        ReportFormat::Json | ReportFormat::Table => report.to_json(),
    }
}

/// Prints a report from its text ([`report_text`]'s, the server's answer too): JSON and CSV
/// are the library's bytes exactly; the table flattens the JSON.
pub fn print_report(out: &mut Out, text: &str, format: ReportFormat) -> Result<(), CliError> {
    match format {
        ReportFormat::Json | ReportFormat::Csv => out.raw(text),
        ReportFormat::Table => {
            let value: Value = serde_json::from_str(text)
                .map_err(|e| CliError::Environment(format!("the report is not JSON: {e}")))?;
            let mut table = Table::new(&["INDICATOR", "VALUE"]);
            flatten("", &value, &mut table);
            out.raw(&table.render())
        }
    }
}

fn flatten(path: &str, value: &Value, table: &mut Table) {
    let join = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten(&join(key), inner, table);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&join(&index.to_string()), inner, table);
            }
        }
        Value::Null => table.row(vec![path.to_owned(), "-".to_owned()]),
        Value::String(text) => table.row(vec![path.to_owned(), text.clone()]),
        other => table.row(vec![path.to_owned(), other.to_string()]),
    }
}

/// [`count`] of a length.
fn count_of(n: usize, singular: &str, plural: &str) -> String {
    count(u64::try_from(n).unwrap_or(u64::MAX), singular, plural)
}
