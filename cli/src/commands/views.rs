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
use crate::commands::directory::staff_names;
use crate::commands::reading::{list_field, text_field, texts_table};
use crate::error::CliError;
use crate::output::{count, count_of, Out, Table};
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
            Some(s) => Some(crate::resolve::staff(ctx, "--staff", s)?),
            None => own,
        },
        centre: args.centre.as_ref().map(|c| crate::resolve::centre(ctx, "--centre", c)).transpose()?,
        antenna: args
            .antenna
            .as_ref()
            .map(|a| parse::uuid_of("--antenna", "antenna", a).map(AntennaId::new))
            .transpose()?,
    };
    let caseload = ctx.backend.caseload(&query)?;
    // People read names; JSON keeps the ids.
    let names = if ctx.out.json { Default::default() } else { staff_names(ctx)? };
    let people: Vec<BeneficiaryId> = caseload.cases.iter().map(|c| c.beneficiary_id).collect();
    let people = if ctx.out.json || args.no_names { Default::default() } else { people_names(ctx, &people)? };
    for line in parapompi::documents::caseload_lines(&caseload) {
        ctx.out.json_value(line)?;
    }
    let mut table = Table::new(&["CASE", "OPENED", "ASSIGNEE", "REFERRALS", "NEXT DUE", "BENEFICIARY"]);
    for entry in &caseload.cases {
        table.row(vec![
            entry.reference.clone(),
            entry.opened_on.to_string(),
            entry.assignee.map_or("-".to_owned(), |s| names.get(&s).cloned().unwrap_or_else(|| s.to_string())),
            entry.open_referrals.len().to_string(),
            entry.next_due_on.map_or("-".to_owned(), |d| d.to_string()),
            people.get(&entry.beneficiary_id).cloned().unwrap_or_else(|| entry.beneficiary_id.stream_id()),
        ]);
    }
    ctx.out.table(&table)?;
    let cases = count_of(caseload.cases.len(), "open_case");
    let referrals = count(caseload.n_open_referrals, "open_referral");
    let key = if own.is_some() { "caseload-summary-yours" } else { "caseload-summary" };
    ctx.out.line(crate::i18n::message(key, &[("case", &cases), ("referral", &referrals)]))
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
        agency: args.agency.as_ref().map(|a| crate::resolve::agency(ctx, "--agency", a)).transpose()?,
        overdue_as_of: args.overdue.then_some(on),
        centre: args.centre.as_ref().map(|c| crate::resolve::centre(ctx, "--centre", c)).transpose()?,
        assignee: match &args.staff {
            Some(s) => Some(crate::resolve::staff(ctx, "--staff", s)?),
            None => own,
        },
    };
    let referrals = ctx.backend.board(&query)?;
    for entry in &referrals {
        ctx.out.json_value(serde_json::to_value(entry).unwrap_or(Value::Null))?;
    }
    let people: Vec<BeneficiaryId> = referrals.iter().map(|r| r.beneficiary_id).collect();
    let people = if ctx.out.json || args.no_names { Default::default() } else { people_names(ctx, &people)? };
    let mut table = Table::new(&["REFERRAL", "STATUS", "NEED", "DUE", "OVERDUE", "AGENCY", "PERSON"]);
    for entry in &referrals {
        table.row(vec![
            entry.reference.clone(),
            crate::i18n::vocab("status", entry.status.as_str()),
            crate::i18n::vocab("need", entry.need.as_str()),
            entry.due_on.to_string(),
            entry.days_overdue.map_or("-".to_owned(), |d| count(d, "day")),
            entry.agency_name.clone().unwrap_or_else(|| entry.agency_id.to_string()),
            people.get(&entry.beneficiary_id).cloned().unwrap_or_else(|| entry.beneficiary_id.stream_id()),
        ]);
    }
    ctx.out.table(&table)?;
    // How many of the listed referrals are in each status, statuses in the board's order.
    let mut by_status = std::collections::BTreeMap::new();
    for entry in &referrals {
        *by_status.entry(entry.status).or_insert(0_u64) += 1;
    }
    let counts: Vec<String> =
        by_status.iter().map(|(s, n)| format!("{} {n}", crate::i18n::vocab("status", s.as_str()))).collect();
    let total = count_of(referrals.len(), "referral");
    let key = if own.is_some() { "board-summary-yours" } else { "board-summary" };
    let summary = crate::i18n::message(key, &[("referral", &total)]);
    if counts.is_empty() {
        ctx.out.line(summary)
    } else {
        ctx.out.line(format!("{summary}: {}", counts.join(", ")))
    }
}

/// The names of the people a view lists, for a staff member who may read identities: those
/// of their own centre, each read recorded (as one act) before it is shown. Nobody acting, or
/// a reader whose roles read no identities, gets none, and the view shows ids.
fn people_names(
    ctx: &Ctx<'_>,
    people: &[BeneficiaryId],
) -> Result<std::collections::BTreeMap<BeneficiaryId, String>, CliError> {
    let mut unique: Vec<BeneficiaryId> = people.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() || unique.len() > parapompi::MAX_NAMES || ctx.own_staff()?.is_none() {
        return Ok(Default::default());
    }
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    match ctx.backend.read_names(&unique, meta) {
        Ok(names) => Ok(names),
        Err(CliError::Rejected { rule: "RoleNotPermitted", .. }) => Ok(Default::default()),
        Err(other) => Err(other),
    }
}

/// The subjects an id may name: one when the id carries its prefix, else all four.
pub fn audit_candidates(text: &str) -> Result<Vec<AuditSubject>, CliError> {
    let trimmed = text.trim();
    let bad = || {
        CliError::field(
            "ID",
            format!(
                "{text:?} is neither a reference (such as ΓΡΕ-2024-0042 or ΓΡΕ-2024-0042/1) nor an id (a UUID, or \
                 case-, beneficiary-, referral- or staff-<UUID>)"
            ),
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

/// The subject a short reference names (`ΓΡΕ-2024-0042` a case, `ΓΡΕ-2024-0042/2` a
/// referral).
pub fn reference_subject(found: &parapompi::references::ReferenceDocument) -> AuditSubject {
    match found.referral_id {
        Some(referral_id) => AuditSubject::Referral(referral_id),
        None => AuditSubject::Case(found.case_id),
    }
}

/// The first candidate the read models hold events about (a short reference names one).
pub fn resolve_subject(projections: &Projections, args: &AuditArgs) -> Result<AuditSubject, CliError> {
    if let Ok(reference) = parapompi::core::reference::Reference::parse(&args.id) {
        let query = parapompi::references::ReferenceQuery::Reference(reference);
        return parapompi::references::look_up(projections, &query)
            .map(|found| reference_subject(&found))
            .ok_or_else(|| no_subject(args));
    }
    audit_candidates(&args.id)?
        .into_iter()
        .find(|subject| !projections.audit_positions(subject).is_empty())
        .ok_or_else(|| no_subject(args))
}

/// The error for an id that names no subject with a trail.
pub fn no_subject(args: &AuditArgs) -> CliError {
    CliError::field("ID", crate::i18n::message("error-no-subject", &[("id", &args.id)]))
}

/// Prints an audit trail: one JSON line per event, or a table.
pub fn print_audit(out: &mut Out, trail: &AuditTrail, words: Option<&TextWords>) -> Result<(), CliError> {
    let lines = parapompi::documents::audit_lines(trail, words);
    print_audit_lines(out, &trail.subject, &lines, words.is_some(), &Default::default())
}

/// Prints an audit trail from its lines (`audit --json`'s, the server's answer too); `read`
/// when the texts' words were read; actors who are staff members in `names` are shown by name.
pub fn print_audit_lines(
    out: &mut Out,
    subject: &AuditSubject,
    lines: &[Value],
    read: bool,
    names: &crate::describe::Names,
) -> Result<(), CliError> {
    let (kind, id) = parapompi::documents::subject_text(subject);
    let subject = format!("{} {}", crate::i18n::message(&format!("subject-{kind}"), &[]), names.named(&id));
    let events = count_of(lines.len(), "event");
    out.line(crate::i18n::message("audit-heading", &[("subject", &subject), ("events", &events)]))?;
    for line in lines {
        out.json_value(line.clone())?;
    }
    let mut table = Table::new(&["POS", "RECORDED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for line in lines {
        table.row(vec![
            text_field(line, "position"),
            text_field(line, "recorded_at"),
            crate::commands::directory::actor_name(&names.staff, &text_field(line, "actor")),
            text_field(line, "event_type"),
            names.describe(line),
        ]);
    }
    out.table(&table)?;
    if lines.iter().any(|l| !list_field(l, "texts").is_empty()) {
        out.line(format!("\n{}", crate::i18n::message("show-texts", &[])))?;
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
        return Err(CliError::field(
            "--to",
            crate::i18n::message("error-to-before-from", &[("to", &to.to_string()), ("from", &from.to_string())]),
        ));
    }
    // Also for an evaluator's replay of a bundle, which has no directory to look names up in.
    let centre = args
        .centre
        .as_ref()
        .map(|c| parse::uuid_of("--centre", "centre", c).map(parapompi::core::values::CentreId::new))
        .transpose()?;
    let as_of = match (&args.as_of, args.as_of_position) {
        (Some(text), _) => {
            let at = parse::instant("--as-of", text)?;
            Some(AsOf::RecordedAt(parapompi::store::Timestamp::from_unix_ms(at.unix_ms())))
        }
        (None, Some(position)) => Some(AsOf::Position(position)),
        (None, None) => None,
    };
    let format = args.format.unwrap_or(if json { ReportFormat::Json } else { ReportFormat::Table });
    let programme = args
        .programme
        .as_deref()
        .map(|code| parse::value("--programme", parapompi::core::values::ProgrammeCode::new(code)))
        .transpose()?;
    Ok((IndicatorQuery { programme, centre, from, to }, as_of, format))
}

/// `report indicators`.
pub fn indicators(ctx: &mut Ctx<'_>, args: IndicatorsArgs) -> Result<(), CliError> {
    let (query, as_of, format) = indicator_request(&args, ctx.out.json)?;
    // A report of a centre the log does not hold, or of a point past its head, would be a
    // report of nothing (or of the head) that looks like an answer.
    if let Some(centre) = query.centre {
        let stream = StreamId::new(centre.stream_id())?;
        if !matches!(ctx.backend.stream_state(StreamKind::Centre, &stream)?.0, State::Centre(Some(_))) {
            return Err(CliError::field(
                "--centre",
                crate::i18n::message("error-no-centre-in-log", &[("id", &centre.to_string())]),
            ));
        }
    }
    if let Some(AsOf::Position(position)) = as_of {
        let head = ctx.backend.head()?;
        if position > head {
            return Err(CliError::field(
                "--as-of-position",
                crate::i18n::message(
                    "error-past-head",
                    &[("position", &position.to_string()), ("end", &head.to_string())],
                ),
            ));
        }
    }
    let text = ctx.backend.indicators(&query, as_of, format.bytes())?;
    let mut names = crate::report::ReportNames::default();
    if matches!(format, ReportFormat::Table | ReportFormat::Html) {
        names.staff = staff_names(ctx)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
        if let Some(centre) = query.centre {
            names.centre = crate::commands::directory::centre_name(ctx, &centre.to_string())?;
        }
        // A report of all centres names each ESF+ operation's centre.
        let report: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        for operation in report.get("esf").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = operation.get("centre").and_then(Value::as_str) {
                if let Some(name) = crate::commands::directory::centre_name(ctx, id)? {
                    names.centres.insert(id.to_owned(), name);
                }
            }
        }
    }
    print_report(ctx.out, &text, format, &crate::report::Layout { names: &names, zeros: args.zeros })
}

/// A report as the library's bytes, in `format` (the table is made from the JSON).
pub fn report_text(report: &IndicatorReport, format: ReportFormat) -> String {
    format.bytes().of(report)
}

/// Prints a report from its text ([`report_text`]'s, the server's answer too): JSON and CSV
/// are the library's bytes exactly; the table is the report people read (`crate::report`).
pub fn print_report(
    out: &mut Out,
    text: &str,
    format: ReportFormat,
    layout: &crate::report::Layout<'_>,
) -> Result<(), CliError> {
    match format {
        ReportFormat::Json | ReportFormat::Csv | ReportFormat::EsfCsv => out.raw(text),
        ReportFormat::Spreadsheet => {
            out.raw(&crate::report::spreadsheet(text, crate::i18n::lang() == crate::i18n::Lang::El))
        }
        ReportFormat::Table | ReportFormat::Html => {
            let value: Value = serde_json::from_str(text).map_err(|e| {
                CliError::Environment(crate::i18n::message("error-report-not-json", &[("problem", &e.to_string())]))
            })?;
            if format == ReportFormat::Html {
                out.raw(&crate::report_html::page(&value, layout))
            } else {
                out.raw(&crate::report::render(&value, layout))
            }
        }
    }
}
