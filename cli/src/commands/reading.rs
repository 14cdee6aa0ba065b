//! Reading what the vault holds about a person: a case with its texts, a person's identity,
//! the access report and the person's own copy. Each read of identity or texts is recorded
//! in the log by the Engine before anything is printed, so these need `--as`.

use std::io::Write;

use parapompi::core::values::{BeneficiaryId, CaseId, Reason};
use parapompi::projections::{AuditSubject, CaseFile, EntryText};
use parapompi::TextWords;
use serde_json::{json, Value};

use crate::args::{AuditArgs, BeneficiaryExportArgs, CaseShowArgs};
use crate::commands::people::{beneficiary_id, beneficiary_state, case_id};
use crate::commands::views::{print_audit, resolve_subject};
use crate::error::CliError;
use crate::output::Table;
use crate::parse;
use crate::session::Ctx;

/// What a text prints as when its words were not read.
const NOT_READ: &str = "(in the vault: add --texts to read it)";

fn reason_of(text: Option<&String>) -> Result<Option<Reason>, CliError> {
    text.map(|t| Reason::new(t).map_err(|e| CliError::field("--reason", e.to_string()))).transpose()
}

/// The texts of some entries as a table: position, field, words (or how to read them).
pub fn texts_table<'a>(entries: impl IntoIterator<Item = (u64, &'a [EntryText])>, words: Option<&TextWords>) -> Table {
    let mut table = Table::new(&["POS", "FIELD", "TEXT"]);
    for (position, texts) in entries {
        for t in texts {
            let shown = match words.and_then(|w| w.words(&t.text)) {
                Some(words) => words.split_whitespace().collect::<Vec<_>>().join(" "),
                None if words.is_some() => "(no longer in the vault: the person was erased)".to_owned(),
                None => NOT_READ.to_owned(),
            };
            table.row(vec![position.to_string(), t.field.to_owned(), shown]);
        }
    }
    table
}

/// `case show`: the case's state and history; with `--texts`, the words of its texts (the
/// read is recorded first).
pub fn case_show(ctx: &mut Ctx<'_>, args: CaseShowArgs) -> Result<(), CliError> {
    let case_id = case_id("CASE", &args.case)?;
    let (file, words, access) = if args.texts {
        let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
        let read = ctx.engine.read_case_texts(case_id, meta, reason_of(args.reason.as_ref())?)?;
        let position = read.access.events.first().map(|r| r.position);
        (read.file, Some(read.words), position)
    } else {
        (ctx.engine.case_file(case_id)?, None, None)
    };
    print_case(ctx, case_id, &file, words.as_ref(), access)
}

fn print_case(
    ctx: &mut Ctx<'_>,
    case_id: CaseId,
    file: &CaseFile,
    words: Option<&TextWords>,
    access: Option<u64>,
) -> Result<(), CliError> {
    let Some(case) = &file.case else {
        return Err(CliError::field("CASE", format!("no case {}", case_id.stream_id())));
    };
    if let Some(document) = parapompi::documents::case_file(case_id, file, words, access) {
        ctx.out.json_value(document)?;
    }
    ctx.out.line(format!("case         {case_id}"))?;
    ctx.out.line(format!("beneficiary  {}", case.beneficiary_id))?;
    ctx.out.line(format!("centre       {}", case.centre_id))?;
    ctx.out.line(format!("opened on    {} ({})", case.opened_on, case.channel.as_str()))?;
    let status = match (case.open, case.close_reason) {
        (true, _) => "open".to_owned(),
        (false, Some(reason)) => format!("closed ({reason})"),
        (false, None) => "closed".to_owned(),
    };
    ctx.out.line(format!("status       {status}"))?;
    let assignee = match case.assignee {
        None => "-".to_owned(),
        Some(staff) if ctx.out.json => staff.to_string(),
        Some(staff) => {
            let names = crate::commands::directory::staff_names(ctx)?;
            names.get(&staff).map_or_else(|| staff.to_string(), |name| format!("{name} ({staff})"))
        }
    };
    ctx.out.line(format!("assignee     {assignee}"))?;
    let need_text: Vec<String> = case.needs.iter().map(|n| format!("{}:{}", n.domain, n.priority)).collect();
    ctx.out
        .line(format!("needs        {}", if need_text.is_empty() { "-".to_owned() } else { need_text.join(", ") }))?;
    if !case.referrals.is_empty() {
        ctx.out.line("\nreferrals")?;
        let mut table = Table::new(&["REFERRAL", "STATUS", "NEED", "DUE", "AGENCY"]);
        for r in case.referrals.values() {
            table.row(vec![
                r.referral_id.to_string(),
                r.status.to_string(),
                r.need.to_string(),
                r.due_on.to_string(),
                r.agency_id.to_string(),
            ]);
        }
        ctx.out.table(&table)?;
    }
    ctx.out.line("\nhistory")?;
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for e in &file.entries {
        table.row(vec![
            e.position.to_string(),
            parse::format_instant(e.occurred_at),
            e.actor.clone(),
            e.event_type.to_owned(),
            e.description.clone(),
        ]);
    }
    ctx.out.table(&table)?;
    if file.entries.iter().any(|e| !e.texts.is_empty()) {
        match access {
            Some(position) => ctx.out.line(format!("\ntexts (this read is recorded at position {position})"))?,
            None => ctx.out.line("\ntexts")?,
        }
        ctx.out.table(&texts_table(file.entries.iter().map(|e| (e.position, e.texts.as_slice())), words))?;
    }
    Ok(())
}

/// `audit ID`; with `--texts`, the words of a case's or a referral's texts (the read of the
/// case's texts is recorded first).
pub fn audit(ctx: &mut Ctx<'_>, args: AuditArgs) -> Result<(), CliError> {
    let subject = ctx.engine.with_projections(|p| resolve_subject(p, &args))??;
    if !args.texts {
        let trail = ctx.engine.audit(&subject)?;
        return print_audit(ctx.out, &trail, None);
    }
    let case_id = match subject {
        AuditSubject::Case(case_id) => case_id,
        AuditSubject::Referral(referral_id) => ctx
            .engine
            .with_projections(|p| p.case_of_referral(referral_id))?
            .ok_or_else(|| CliError::field("ID", format!("no case holds referral {referral_id}")))?,
        AuditSubject::Beneficiary(_) | AuditSubject::Staff(_) => {
            return Err(CliError::field(
                "--texts",
                "texts are read one case at a time: give a case or a referral (audit CASE --texts)".to_owned(),
            ))
        }
    };
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let read = ctx.engine.read_case_texts(case_id, meta, reason_of(args.reason.as_ref())?)?;
    let trail = ctx.engine.audit(&subject)?;
    print_audit(ctx.out, &trail, Some(&read.words))
}

/// `beneficiary show`: the person's identity (the read is recorded first), attributes,
/// consents and cases.
pub fn beneficiary_show(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id = beneficiary_id("BENEFICIARY", text)?;
    let state = beneficiary_state(ctx, "BENEFICIARY", id)?;
    // An erased person has no identity left to read: the rest is pseudonymous, as in the log.
    let read = match state.identity_erased {
        true => None,
        false => {
            let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
            Some(ctx.engine.read_identity(id, meta)?)
        }
    };
    let cases = ctx.engine.with_projections(|p| p.cases_of(id))?;
    let position = read.as_ref().and_then(|r| r.access.events.first()).map(|r| r.position);
    let identity = read.as_ref().and_then(|r| r.entry.as_ref()).map(|e| &e.identity);
    let consents: Vec<Value> = state
        .consents
        .iter()
        .map(|c| {
            json!({
                "agency_id": c.agency_id.to_string(),
                "purpose": c.purpose.as_str(),
                "granted_on": c.granted_on.to_string(),
                "withdrawn_on": c.withdrawn_on.map(|d| d.to_string()),
            })
        })
        .collect();
    ctx.out.json_line(&json!({
        "beneficiary_id": id.to_string(),
        "centre_id": state.centre_id.to_string(),
        "registered_on": state.registered_on.to_string(),
        "identity": identity,
        "identity_erased": state.identity_erased,
        "attributes": state.attributes,
        "legal_basis": state.legal_basis,
        "consents": consents,
        "cases": cases.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "access_position": position,
    }))?;
    ctx.out.line(format!("beneficiary  {id}"))?;
    match identity {
        Some(identity) => {
            ctx.out.line(format!("name         {} {}", identity.given_name(), identity.family_name()))?;
            ctx.out.line(format!("AMKA         {}", identity.amka().as_str()))?;
            let phones: Vec<&str> = identity.phones().iter().map(|p| p.as_str()).collect();
            ctx.out
                .line(format!("phones       {}", if phones.is_empty() { "-".to_owned() } else { phones.join(", ") }))?;
        }
        None => ctx.out.line("identity     (erased from the vault)")?,
    }
    ctx.out.line(format!("centre       {} (registered on {})", state.centre_id, state.registered_on))?;
    ctx.out.line(format!("consents     {}", consents.len()))?;
    let case_text: Vec<String> = cases.iter().map(|c| c.to_string()).collect();
    ctx.out
        .line(format!("cases        {}", if case_text.is_empty() { "-".to_owned() } else { case_text.join(", ") }))?;
    if let Some(position) = position {
        ctx.out.line(format!("(this read is recorded at position {position})"))?;
    }
    Ok(())
}

/// `beneficiary accesses`: every read of the person's data.
pub fn beneficiary_accesses(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id: BeneficiaryId = beneficiary_id("BENEFICIARY", text)?;
    beneficiary_state(ctx, "BENEFICIARY", id)?;
    let report = ctx.engine.access_report(id)?;
    ctx.out.line(format!("reads of beneficiary {id}'s data: {}", report.len()))?;
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "READ", "REASON"]);
    for record in &report {
        ctx.out.json_line(&serde_json::to_value(record).map_err(|e| CliError::Environment(e.to_string()))?)?;
        let what = match record.access {
            parapompi::core::beneficiary::Access::Identity => "identity".to_owned(),
            parapompi::core::beneficiary::Access::CaseTexts { case_id } => format!("texts of case {case_id}"),
            parapompi::core::beneficiary::Access::SubjectExport => "own copy (Art. 15)".to_owned(),
        };
        let reason = if record.reason.is_some() { "given (in the vault)" } else { "-" };
        table.row(vec![
            record.position.to_string(),
            record.occurred_at.clone(),
            record.actor.clone(),
            what,
            reason.to_owned(),
        ]);
    }
    ctx.out.table(&table)
}

/// `beneficiary export`: the person's own copy (GDPR Art. 15), as JSON with Greek text as
/// it is.
pub fn beneficiary_export(ctx: &mut Ctx<'_>, args: BeneficiaryExportArgs) -> Result<(), CliError> {
    let id = beneficiary_id("BENEFICIARY", &args.beneficiary)?;
    beneficiary_state(ctx, "BENEFICIARY", id)?;
    if args.out.exists() && !args.force {
        return Err(CliError::field("--out", format!("{} exists; give --force to replace it", args.out.display())));
    }
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let export = ctx.engine.subject_access_export(id, meta, reason_of(args.reason.as_ref())?)?;
    let mut text = serde_json::to_string_pretty(&export).map_err(|e| CliError::Environment(e.to_string()))?;
    text.push('\n');
    // Owner-only, whole or not at all: written beside the target, synced, then renamed.
    let write = || -> std::io::Result<()> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let partial = args.out.with_file_name(format!(".{name}.partial"));
        let mut file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        if !args.force && args.out.exists() {
            std::fs::remove_file(&partial)?;
            return Err(std::io::Error::new(std::io::ErrorKind::AlreadyExists, "it appeared meanwhile; give --force"));
        }
        std::fs::rename(&partial, &args.out)
    };
    write().map_err(|e| CliError::Environment(format!("--out {}: {e}", args.out.display())))?;
    ctx.out.json_line(&json!({
        "beneficiary_id": id.to_string(),
        "out": args.out.display().to_string(),
        "cases": export.cases.len(),
        "accesses": export.accesses.len(),
        "log_position": export.log_position,
    }))?;
    ctx.out.line(format!(
        "wrote the own copy of beneficiary {id} to {} ({} cases, {} reads listed)",
        args.out.display(),
        export.cases.len(),
        export.accesses.len()
    ))
}
