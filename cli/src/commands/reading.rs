//! Reading what the vault holds about a person: a case with its texts, a person's identity,
//! the access report and the person's own copy. Each read of identity or texts is recorded
//! in the log by the Engine before anything is printed, so these need `--as`.

use std::io::Write;

use parapompi::core::identity::IdentityRecord;
use parapompi::core::values::{BeneficiaryId, Reason};
use parapompi::projections::AuditSubject;
use serde_json::{json, Value};

use crate::args::{AuditArgs, BeneficiaryExportArgs, CaseShowArgs};
use crate::commands::people::beneficiary_state;
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
    if args.reason.is_some() && !args.texts && !args.print {
        return Err(CliError::field("--reason", "a reason is for reading texts: give it with --texts or --print"));
    }
    if args.print {
        return case_print(ctx, &args);
    }
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
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

/// `case show --print`: the case file laid out for a printer (`crate::printed`), after the
/// reads of its texts and of the person's identity, each recorded.
fn case_print(ctx: &mut Ctx<'_>, args: &CaseShowArgs) -> Result<(), CliError> {
    if ctx.out.json {
        return Err(CliError::field("--print", "lays the file out for a printer; for JSON use --texts --json"));
    }
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let acting = ctx.acting()?;
    let meta = ctx.meta(acting, ctx.command_id()?)?;
    let file = ctx
        .backend
        .read_case_texts(case_id, meta, reason_of(args.reason.as_ref())?)?
        .ok_or_else(|| CliError::field("CASE", format!("no case {}", case_id.stream_id())))?;
    let beneficiary = crate::resolve::beneficiary(ctx, "CASE", &text_field(&file, "beneficiary_id"))?;
    let identity = match ctx.backend.read_identity(beneficiary, ctx.meta(acting, uuid::Uuid::now_v7())?) {
        Ok(read) => read,
        // An erased person has no identity left to read: the page says so.
        Err(CliError::Rejected { rule: "IdentityWasErased", .. }) => serde_json::json!({"identity": null}),
        Err(other) => return Err(other),
    };
    let staff: std::collections::BTreeMap<String, String> =
        crate::commands::directory::staff_names(ctx)?.into_iter().map(|(id, name)| (id.stream_id(), name)).collect();
    let agencies: std::collections::BTreeMap<String, String> =
        crate::commands::directory::agency_names(ctx)?.into_iter().map(|(id, name)| (id.to_string(), name)).collect();
    let centre = crate::commands::directory::centre_name(ctx, &text_field(&file, "centre_id"))?;
    let parapompi::Acting::Staff(reader) = acting else { unreachable!("acting() gives a staff member") };
    let reader = staff.get(&reader.stream_id()).cloned().unwrap_or_else(|| reader.stream_id());
    let printed = format!("on {} by {reader}", ctx.today()?);
    let names = crate::printed::PrintNames { centre: centre.as_deref(), staff: &staff, agencies: &agencies };
    ctx.out.raw(&crate::printed::case_file(&file, &identity, &names, &printed))
}

/// Prints a case file from its document (`case show --json`'s, the server's answer too).
fn print_case(ctx: &mut Ctx<'_>, file: &Value) -> Result<(), CliError> {
    ctx.out.json_value(file.clone())?;
    let field = |key: &str| text_field(file, key);
    let case_id = field("case_id");
    match file.get("reference").and_then(Value::as_str) {
        Some(reference) => ctx.out.line(format!("case         {reference} (case-{case_id})"))?,
        None => ctx.out.line(format!("case         case-{case_id}"))?,
    }
    ctx.out.line(format!("beneficiary  {}", field("beneficiary_id")))?;
    let centre_id = field("centre_id");
    let centre = if ctx.out.json { None } else { crate::commands::directory::centre_name(ctx, &centre_id)? };
    match centre {
        Some(name) => ctx.out.line(format!("centre       {name} (centre-{centre_id})"))?,
        None => ctx.out.line(format!("centre       {centre_id}"))?,
    }
    ctx.out.line(format!(
        "opened on    {} ({})",
        field("opened_on"),
        crate::i18n::vocab("channel", &field("channel"))
    ))?;
    let status = match (file.get("open").and_then(Value::as_bool).unwrap_or_default(), file.get("close_reason")) {
        (true, _) => "open".to_owned(),
        (false, Some(Value::String(reason))) => format!("closed ({})", crate::i18n::vocab("close_reason", reason)),
        (false, _) => "closed".to_owned(),
    };
    ctx.out.line(format!("status       {status}"))?;
    // People read names; JSON keeps the ids.
    let (staff_names, agency_names) = if ctx.out.json {
        Default::default()
    } else {
        (crate::commands::directory::staff_names(ctx)?, crate::commands::directory::agency_names(ctx)?)
    };
    let assignee = match file.get("assignee").and_then(Value::as_str) {
        None => "-".to_owned(),
        Some(staff) => {
            let name = crate::commands::directory::actor_name(&staff_names, &format!("staff-{staff}"));
            if name.starts_with("staff-") {
                staff.to_owned()
            } else {
                format!("{name} (staff-{staff})")
            }
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
        let mut referrals: Vec<&Value> = referrals.iter().collect();
        // In the order of their references (of creation), not of their ids.
        referrals.sort_by_key(|r| {
            let reference = text_field(r, "reference");
            let number = reference.rsplit_once('/').and_then(|(_, n)| n.parse::<u32>().ok()).unwrap_or(u32::MAX);
            (number, text_field(r, "referral_id"))
        });
        for r in referrals {
            let agency = text_field(r, "agency_id");
            let agency = uuid::Uuid::parse_str(&agency)
                .ok()
                .and_then(|u| agency_names.get(&parapompi::core::values::AgencyId::new(u)).cloned())
                .unwrap_or(agency);
            let reference = r.get("reference").and_then(Value::as_str).map(str::to_owned);
            table.row(vec![
                reference.unwrap_or_else(|| text_field(r, "referral_id")),
                crate::i18n::vocab("status", &text_field(r, "status")),
                crate::i18n::vocab("need", &text_field(r, "need")),
                text_field(r, "due_on"),
                agency,
            ]);
        }
        ctx.out.table(&table)?;
    }
    ctx.out.line("\nhistory")?;
    let history = list_field(file, "history");
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for e in history {
        table.row(vec![
            text_field(e, "position"),
            text_field(e, "occurred_at"),
            crate::commands::directory::actor_name(&staff_names, &text_field(e, "actor")),
            text_field(e, "event_type"),
            text_field(e, "description"),
        ]);
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
    let candidates = match parapompi::core::reference::Reference::parse(&args.id) {
        Ok(reference) => {
            let query = parapompi::references::ReferenceQuery::Reference(reference);
            vec![crate::commands::views::reference_subject(&ctx.backend.look_up_reference(&query)?)]
        }
        Err(_) => audit_candidates(&args.id)?,
    };
    let Some((subject, lines)) = ctx.backend.audit(&candidates)? else {
        return Err(no_subject(&args));
    };
    if !args.texts {
        let names = if ctx.out.json { Default::default() } else { crate::commands::directory::staff_names(ctx)? };
        return print_audit_lines(ctx.out, &subject, &lines, false, &names);
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
    let names = if ctx.out.json { Default::default() } else { crate::commands::directory::staff_names(ctx)? };
    print_audit_lines(ctx.out, &subject, &lines, true, &names)
}

/// `beneficiary show`: the person's identity (the read is recorded first), attributes,
/// consents and cases.
/// `beneficiary find`: the people of the acting staff member's centre that match, each
/// person's read recorded first.
pub fn beneficiary_find(ctx: &mut Ctx<'_>, args: &crate::args::BeneficiaryFindArgs) -> Result<(), CliError> {
    use parapompi::BeneficiarySearch;
    let search = match (&args.amka, &args.name, &args.phone) {
        (Some(amka), _, _) => {
            BeneficiarySearch::Amka(crate::parse::value("--amka", parapompi::core::values::Amka::new(amka))?)
        }
        (_, Some(name), _) if name_has_letters(name) => BeneficiarySearch::Name(name.clone()),
        (_, Some(_), _) => return Err(CliError::field("--name", "give at least one letter of the name")),
        (_, _, Some(phone)) if phone.chars().any(|c| c.is_ascii_digit()) => BeneficiarySearch::Phone(phone.clone()),
        _ => return Err(CliError::field("--phone", "give the phone number's digits")),
    };
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let found = ctx.backend.find_beneficiaries(&search, meta)?;
    for person in &found {
        ctx.out.json_value(serde_json::to_value(person).unwrap_or(Value::Null))?;
    }
    let mut table = Table::new(&["NAME", "AMKA", "PHONE", "CASES", "BENEFICIARY"]);
    for person in &found {
        let identity = &person.identity;
        let cases: Vec<String> = person
            .cases
            .iter()
            .map(|c| if c.open { c.reference.clone() } else { format!("{} (closed)", c.reference) })
            .collect();
        table.row(vec![
            format!("{} {}", identity.given_name().as_str(), identity.family_name().as_str()),
            identity.amka().as_str().to_owned(),
            identity.phones().first().map_or("-".to_owned(), |p| p.as_str().to_owned()),
            if cases.is_empty() { "-".to_owned() } else { cases.join(", ") },
            person.beneficiary_id.stream_id(),
        ]);
    }
    ctx.out.table(&table)?;
    let n = found.len();
    match n {
        0 => ctx.out.line("nobody of your centre matches"),
        _ => ctx.out.line(format!(
            "{} found; each read is recorded (beneficiary accesses shows them)",
            crate::output::count(u64::try_from(n).unwrap_or(u64::MAX), "person", "people")
        )),
    }
}

fn name_has_letters(name: &str) -> bool {
    name.chars().any(char::is_alphanumeric)
}

pub fn beneficiary_show(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", text)?;
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
    let centre = crate::commands::directory::centre_name(ctx, &state.centre_id.to_string())?;
    let centre =
        centre.map_or_else(|| state.centre_id.stream_id(), |name| format!("{name} (centre-{})", state.centre_id));
    ctx.out.line(format!("centre       {centre}, registered on {}", state.registered_on))?;
    // The attributes indicators use, as recorded (`declined_to_answer` where so).
    if let Value::Object(attributes) = serde_json::to_value(&state.attributes).unwrap_or(Value::Null) {
        let shown: Vec<String> =
            attributes.iter().map(|(key, value)| format!("{key} {}", shown_value(value))).collect();
        ctx.out.line(format!("attributes   {}", shown.join("; ")))?;
    }
    let basis = state.legal_basis.map(|b| serde_json::to_value(b).map(|v| shown_value(&v)).unwrap_or_default());
    ctx.out.line(format!("legal basis  {}", basis.as_deref().unwrap_or("-")))?;
    if !state.consents.is_empty() {
        let agencies = crate::commands::directory::agency_names(ctx)?;
        ctx.out.line("\nconsents to share")?;
        let mut table = Table::new(&["AGENCY", "PURPOSE", "GRANTED", "WITHDRAWN"]);
        for consent in &state.consents {
            table.row(vec![
                agencies.get(&consent.agency_id).cloned().unwrap_or_else(|| consent.agency_id.stream_id()),
                consent.purpose.as_str().to_owned(),
                consent.granted_on.to_string(),
                consent.withdrawn_on.map_or("-".to_owned(), |d| d.to_string()),
            ]);
        }
        ctx.out.table(&table)?;
    }
    if !cases.is_empty() {
        ctx.out.line("\ncases")?;
        let mut table = Table::new(&["CASE", "OPENED", "STATUS", "REFERRALS"]);
        for case_id in &cases {
            let Some(file) = ctx.backend.case_file(*case_id)? else { continue };
            let status = match (file.get("open").and_then(Value::as_bool).unwrap_or_default(), file.get("close_reason"))
            {
                (true, _) => "open".to_owned(),
                (false, Some(Value::String(reason))) => format!("closed ({reason})"),
                (false, _) => "closed".to_owned(),
            };
            let mut referrals: Vec<String> = list_field(&file, "referrals")
                .iter()
                .map(|r| format!("{} {}", text_field(r, "reference"), text_field(r, "status")))
                .collect();
            referrals.sort();
            table.row(vec![
                file.get("reference").and_then(Value::as_str).map_or_else(|| case_id.stream_id(), str::to_owned),
                text_field(&file, "opened_on"),
                status,
                if referrals.is_empty() { "-".to_owned() } else { referrals.join(", ") },
            ]);
        }
        ctx.out.table(&table)?;
    }
    if let Some(position) = position {
        ctx.out.line(format!("(this read is recorded at position {position})"))?;
    }
    Ok(())
}

/// A recorded value as a person reads it: text as it is, a flag's or a set's members by name.
fn shown_value(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => "-".to_owned(),
        // An answer given (`{"given": …}`) reads as the answer.
        Value::Object(fields) if fields.len() == 1 && fields.contains_key("given") => {
            fields.get("given").map(shown_value).unwrap_or_default()
        }
        Value::Object(fields) => {
            fields.iter().map(|(k, v)| format!("{k} {}", shown_value(v))).collect::<Vec<_>>().join(", ")
        }
        Value::Array(items) => items.iter().map(shown_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// `beneficiary accesses`: every read of the person's data.
pub fn beneficiary_accesses(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id: BeneficiaryId = crate::resolve::beneficiary(ctx, "BENEFICIARY", text)?;
    beneficiary_state(ctx, "BENEFICIARY", id)?;
    let report = ctx.backend.access_report(id)?;
    ctx.out.line(format!("reads of beneficiary {id}'s data: {}", report.len()))?;
    let names = if ctx.out.json { Default::default() } else { crate::commands::directory::staff_names(ctx)? };
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "READ", "REASON"]);
    for record in &report {
        ctx.out.json_line(record)?;
        let access = record.get("access").cloned().unwrap_or(Value::Null);
        let what = match serde_json::from_value(access) {
            Ok(parapompi::core::beneficiary::Access::Identity) => "identity".to_owned(),
            Ok(parapompi::core::beneficiary::Access::CaseTexts { case_id }) if ctx.out.json => {
                format!("texts of case {case_id}")
            }
            Ok(parapompi::core::beneficiary::Access::CaseTexts { case_id }) => {
                format!("texts of case {}", crate::resolve::shown_case(ctx, case_id)?)
            }
            Ok(parapompi::core::beneficiary::Access::SubjectExport) => "own copy (Art. 15)".to_owned(),
            Err(e) => return Err(CliError::Environment(format!("a read in the access report is not one: {e}"))),
        };
        let reason = if record.get("reason").is_some_and(|r| !r.is_null()) { "given (in the vault)" } else { "-" };
        table.row(vec![
            text_field(record, "position"),
            text_field(record, "occurred_at"),
            crate::commands::directory::actor_name(&names, &text_field(record, "actor")),
            what,
            reason.to_owned(),
        ]);
    }
    ctx.out.table(&table)
}

/// `beneficiary export`: the person's own copy (GDPR Art. 15), as JSON with Greek text as
/// it is.
pub fn beneficiary_export(ctx: &mut Ctx<'_>, args: BeneficiaryExportArgs) -> Result<(), CliError> {
    let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", &args.beneficiary)?;
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
