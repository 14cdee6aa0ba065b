//! Reading what the vault holds about a person: a case with its texts, a person's identity,
//! the access report and the person's own copy. Each read of identity or texts is recorded
//! in the log by the Engine before anything is printed, so these need `--as`.

use std::io::Write;

use parapompi::core::identity::IdentityRecord;
use parapompi::core::values::{BeneficiaryId, Reason};
use parapompi::projections::AuditSubject;
use serde_json::{json, Value};

use crate::args::{AuditArgs, BeneficiaryExportArgs, CaseShowArgs};
use crate::commands::people::{beneficiary_id, beneficiary_state, case_id};
use crate::commands::views::{audit_candidates, no_subject, print_audit_lines};
use crate::error::CliError;
use crate::output::Table;
use crate::session::Ctx;

/// What a text prints as when its words were not read.
const NOT_READ: &str = "(in the vault: add --texts to read it)";

fn reason_of(text: Option<&String>) -> Result<Option<Reason>, CliError> {
    text.map(|t| Reason::new(t).map_err(|e| CliError::field("--reason", e.to_string()))).transpose()
}

/// The texts of some entries as a table: position, field, words (or how to read them), from
/// the entries' documents (`texts` of a case file's history or of audit lines); `read` when
/// the words were read (an audited read), so that a text without them was erased.
pub fn texts_table<'a>(entries: impl IntoIterator<Item = (u64, &'a [Value])>, read: bool) -> Table {
    let mut table = Table::new(&["POS", "FIELD", "TEXT"]);
    for (position, texts) in entries {
        for t in texts {
            let shown = match t.get("text").and_then(Value::as_str) {
                Some(words) => words.split_whitespace().collect::<Vec<_>>().join(" "),
                None if read => "(no longer in the vault: the person was erased)".to_owned(),
                None => NOT_READ.to_owned(),
            };
            table.row(vec![position.to_string(), text_field(t, "field"), shown]);
        }
    }
    table
}

/// A document's field as text: a string as it is, null as `-`, anything else in JSON.
pub fn text_field(document: &Value, key: &str) -> String {
    match document.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

/// A document's list field (empty when absent).
pub fn list_field<'a>(document: &'a Value, key: &str) -> &'a [Value] {
    document.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `case show`: the case's state and history; with `--texts`, the words of its texts (the
/// read is recorded first).
pub fn case_show(ctx: &mut Ctx<'_>, args: CaseShowArgs) -> Result<(), CliError> {
    let case_id = case_id("CASE", &args.case)?;
    let document = if args.texts {
        let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
        ctx.backend.read_case_texts(case_id, meta, reason_of(args.reason.as_ref())?)?
    } else {
        ctx.backend.case_file(case_id)?
    };
    let Some(document) = document else {
        return Err(CliError::field("CASE", format!("no case {}", case_id.stream_id())));
    };
    print_case(ctx, &document)
}

/// Prints a case file from its document (`case show --json`'s, the server's answer too).
fn print_case(ctx: &mut Ctx<'_>, file: &Value) -> Result<(), CliError> {
    ctx.out.json_value(file.clone())?;
    let field = |key: &str| text_field(file, key);
    ctx.out.line(format!("case         {}", field("case_id")))?;
    ctx.out.line(format!("beneficiary  {}", field("beneficiary_id")))?;
    ctx.out.line(format!("centre       {}", field("centre_id")))?;
    ctx.out.line(format!("opened on    {} ({})", field("opened_on"), crate::i18n::vocab("channel", &field("channel"))))?;
    let status = match (file.get("open").and_then(Value::as_bool).unwrap_or_default(), file.get("close_reason")) {
        (true, _) => "open".to_owned(),
        (false, Some(Value::String(reason))) => format!("closed ({})", crate::i18n::vocab("close_reason", reason)),
        (false, _) => "closed".to_owned(),
    };
    ctx.out.line(format!("status       {status}"))?;
    let assignee = match file.get("assignee").and_then(Value::as_str) {
        None => "-".to_owned(),
        Some(staff) if ctx.out.json => staff.to_owned(),
        Some(staff) => {
            let names = crate::commands::directory::staff_names(ctx)?;
            let name =
                crate::commands::directory::staff_id("assignee", staff).ok().and_then(|id| names.get(&id).cloned());
            name.map_or_else(|| staff.to_owned(), |name| format!("{name} ({staff})"))
        }
    };
    ctx.out.line(format!("assignee     {assignee}"))?;
    let need_text: Vec<String> = list_field(file, "needs")
        .iter()
        .map(|n| {
            let (domain, priority) = (text_field(n, "domain"), text_field(n, "priority"));
            format!("{}:{}", crate::i18n::vocab("need", &domain), crate::i18n::vocab("need_priority", &priority))
        })
        .collect();
    ctx.out
        .line(format!("needs        {}", if need_text.is_empty() { "-".to_owned() } else { need_text.join(", ") }))?;
    let referrals = list_field(file, "referrals");
    if !referrals.is_empty() {
        ctx.out.line("\nreferrals")?;
        let mut table = Table::new(&["REFERRAL", "STATUS", "NEED", "DUE", "AGENCY"]);
        for r in referrals {
            table.row(
                ["referral_id", "status", "need", "due_on", "agency_id"]
                    .iter()
                    .map(|k| match *k {
                        "status" | "need" => crate::i18n::vocab(k, &text_field(r, k)),
                        _ => text_field(r, k),
                    })
                    .collect(),
            );
        }
        ctx.out.table(&table)?;
    }
    ctx.out.line("\nhistory")?;
    let history = list_field(file, "history");
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for e in history {
        table.row(
            ["position", "occurred_at", "actor", "event_type", "description"]
                .iter()
                .map(|k| text_field(e, k))
                .collect(),
        );
    }
    ctx.out.table(&table)?;
    if history.iter().any(|e| !list_field(e, "texts").is_empty()) {
        match file.get("access_position").and_then(Value::as_u64) {
            Some(position) => ctx.out.line(format!("\ntexts (this read is recorded at position {position})"))?,
            None => ctx.out.line("\ntexts")?,
        }
        let read = file.get("texts_read").and_then(Value::as_bool).unwrap_or_default();
        let rows = history
            .iter()
            .map(|e| (e.get("position").and_then(Value::as_u64).unwrap_or_default(), list_field(e, "texts")));
        ctx.out.table(&texts_table(rows, read))?;
    }
    Ok(())
}

/// `audit ID`; with `--texts`, the words of a case's or a referral's texts (the read of the
/// case's texts is recorded first).
pub fn audit(ctx: &mut Ctx<'_>, args: AuditArgs) -> Result<(), CliError> {
    let Some((subject, lines)) = ctx.backend.audit(&audit_candidates(&args.id)?)? else {
        return Err(no_subject(&args));
    };
    if !args.texts {
        return print_audit_lines(ctx.out, &subject, &lines, false);
    }
    match subject {
        AuditSubject::Case(_) => {}
        AuditSubject::Referral(referral_id) => {
            if ctx.backend.case_of_referral(referral_id)?.is_none() {
                return Err(CliError::field("ID", format!("no case holds referral {referral_id}")));
            }
        }
        AuditSubject::Beneficiary(_) | AuditSubject::Staff(_) => {
            return Err(CliError::field(
                "--texts",
                "texts are read one case at a time: give a case or a referral (audit CASE --texts)".to_owned(),
            ))
        }
    };
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let lines = ctx.backend.read_trail_texts(&subject, meta, reason_of(args.reason.as_ref())?)?;
    print_audit_lines(ctx.out, &subject, &lines, true)
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
            Some(ctx.backend.read_identity(id, meta)?)
        }
    };
    let cases = ctx.backend.cases_of(id)?;
    let position = read.as_ref().and_then(|r| r.get("access_position")).and_then(Value::as_u64);
    let identity: Option<IdentityRecord> = match read.as_ref().and_then(|r| r.get("identity")) {
        Some(Value::Null) | None => None,
        Some(value) => Some(
            serde_json::from_value(value.clone())
                .map_err(|e| CliError::Environment(format!("the identity read is not an identity record: {e}")))?,
        ),
    };
    let identity = identity.as_ref();
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
    let report = ctx.backend.access_report(id)?;
    ctx.out.line(format!("reads of beneficiary {id}'s data: {}", report.len()))?;
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "READ", "REASON"]);
    for record in &report {
        ctx.out.json_line(record)?;
        let access = record.get("access").cloned().unwrap_or(Value::Null);
        let what = match serde_json::from_value(access) {
            Ok(parapompi::core::beneficiary::Access::Identity) => "identity".to_owned(),
            Ok(parapompi::core::beneficiary::Access::CaseTexts { case_id }) => format!("texts of case {case_id}"),
            Ok(parapompi::core::beneficiary::Access::SubjectExport) => "own copy (Art. 15)".to_owned(),
            Err(e) => return Err(CliError::Environment(format!("a read in the access report is not one: {e}"))),
        };
        let reason = if record.get("reason").is_some_and(|r| !r.is_null()) { "given (in the vault)" } else { "-" };
        table.row(vec![
            text_field(record, "position"),
            text_field(record, "occurred_at"),
            text_field(record, "actor"),
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
    let text = ctx.backend.subject_export(id, meta, reason_of(args.reason.as_ref())?)?;
    let export: Value =
        serde_json::from_str(&text).map_err(|e| CliError::Environment(format!("the own copy is not JSON: {e}")))?;
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
        "cases": list_field(&export, "cases").len(),
        "accesses": list_field(&export, "accesses").len(),
        "log_position": export.get("log_position"),
    }))?;
    ctx.out.line(format!(
        "wrote the own copy of beneficiary {id} to {} ({} cases, {} reads listed)",
        args.out.display(),
        list_field(&export, "cases").len(),
        list_field(&export, "accesses").len()
    ))
}
