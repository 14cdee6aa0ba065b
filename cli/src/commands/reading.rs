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
use crate::i18n::message;
use crate::output::{Fields, Table};
use crate::session::Ctx;

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
                None if read => message("text-erased", &[]),
                None => message("text-not-read", &[]),
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
        return Err(CliError::field("--reason", message("error-reason-without-texts", &[])));
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
        return Err(CliError::field("CASE", message("error-no-case", &[("id", &case_id.stream_id())])));
    };
    print_case(ctx, &document)
}

/// `case show --print`: the case file laid out for a printer (`crate::printed`), after the
/// reads of its texts and of the person's identity, each recorded.
fn case_print(ctx: &mut Ctx<'_>, args: &CaseShowArgs) -> Result<(), CliError> {
    if ctx.out.json {
        return Err(CliError::field("--print", message("error-print-json", &[])));
    }
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let acting = ctx.acting()?;
    let meta = ctx.meta(acting, ctx.command_id()?)?;
    let file = ctx
        .backend
        .read_case_texts(case_id, meta, reason_of(args.reason.as_ref())?)?
        .ok_or_else(|| CliError::field("CASE", message("error-no-case", &[("id", &case_id.stream_id())])))?;
    let beneficiary = crate::resolve::beneficiary(ctx, "CASE", &text_field(&file, "beneficiary_id"))?;
    let identity = match ctx.backend.read_identity(beneficiary, ctx.meta(acting, uuid::Uuid::now_v7())?) {
        Ok(read) => read,
        // An erased person has no identity left to read: the page says so.
        Err(CliError::Rejected { rule: "IdentityWasErased", .. }) => serde_json::json!({"identity": null}),
        Err(other) => return Err(other),
    };
    let mut names = crate::describe::Names::of(ctx)?;
    names.learn_references(ctx, list_field(&file, "history"))?;
    names.learn_events(ctx, &[case_id.stream_id()])?;
    let centre = crate::commands::directory::centre_name(ctx, &text_field(&file, "centre_id"))?;
    let parapompi::Acting::Staff(reader) = acting else { unreachable!("acting() gives a staff member") };
    let reader = crate::commands::directory::actor_name(&names.staff, &reader.stream_id());
    let printed = message("print-printed", &[("date", &ctx.today()?.to_string()), ("staff", &reader)]);
    let names = crate::printed::PrintNames { centre: centre.as_deref(), names: &names };
    ctx.out.raw(&crate::printed::case_file(&file, &identity, &names, &printed))
}

/// A case's state in words: open, or closed with its reason.
fn case_status(file: &Value) -> String {
    match (file.get("open").and_then(Value::as_bool).unwrap_or_default(), file.get("close_reason")) {
        (true, _) => message("state-open", &[]),
        (false, Some(Value::String(reason))) => {
            message("state-closed-because", &[("reason", &crate::i18n::vocab("close_reason", reason))])
        }
        (false, _) => message("state-closed", &[]),
    }
}

/// Prints a case file from its document (`case show --json`'s, the server's answer too).
fn print_case(ctx: &mut Ctx<'_>, file: &Value) -> Result<(), CliError> {
    ctx.out.json_value(file.clone())?;
    if ctx.out.json {
        return Ok(());
    }
    let field = |key: &str| text_field(file, key);
    let case_id = field("case_id");
    let mut fields = Fields::new();
    match file.get("reference").and_then(Value::as_str) {
        Some(reference) => fields.field("show-case", format!("{reference} (case-{case_id})")),
        None => fields.field("show-case", format!("case-{case_id}")),
    }
    fields.field("show-beneficiary", field("beneficiary_id"));
    let centre_id = field("centre_id");
    match crate::commands::directory::centre_name(ctx, &centre_id)? {
        Some(name) => fields.field("show-centre", format!("{name} (centre-{centre_id})")),
        None => fields.field("show-centre", centre_id),
    }
    let channel = crate::i18n::vocab("channel", &field("channel"));
    fields.field("show-opened-on", format!("{} ({channel})", field("opened_on")));
    fields.field("show-status", case_status(file));
    // People read names; JSON keeps the ids.
    let mut names = crate::describe::Names::of(ctx)?;
    names.learn_references(ctx, list_field(file, "history"))?;
    names.learn_events(ctx, &[format!("case-{case_id}")])?;
    let assignee = match file.get("assignee").and_then(Value::as_str) {
        None => "-".to_owned(),
        Some(staff) => {
            let name = crate::commands::directory::actor_name(&names.staff, &format!("staff-{staff}"));
            if name.starts_with("staff-") {
                staff.to_owned()
            } else {
                format!("{name} (staff-{staff})")
            }
        }
    };
    fields.field("show-assignee", assignee);
    let need_text: Vec<String> = list_field(file, "needs")
        .iter()
        .map(|n| {
            let (domain, priority) = (text_field(n, "domain"), text_field(n, "priority"));
            format!("{}:{}", crate::i18n::vocab("need", &domain), crate::i18n::vocab("need_priority", &priority))
        })
        .collect();
    fields.field("show-needs", if need_text.is_empty() { "-".to_owned() } else { need_text.join(", ") });
    ctx.out.fields(&fields)?;
    let referrals = list_field(file, "referrals");
    if !referrals.is_empty() {
        ctx.out.line(format!("\n{}", message("show-referrals", &[])))?;
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
                .and_then(|u| names.agencies.get(&parapompi::core::values::AgencyId::new(u)).cloned())
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
    ctx.out.line(format!("\n{}", message("show-history", &[])))?;
    let history = list_field(file, "history");
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "EVENT", "DESCRIPTION"]);
    for e in history {
        table.row(vec![
            text_field(e, "position"),
            text_field(e, "occurred_at"),
            crate::commands::directory::actor_name(&names.staff, &text_field(e, "actor")),
            text_field(e, "event_type"),
            names.describe(e),
        ]);
    }
    ctx.out.table(&table)?;
    if history.iter().any(|e| !list_field(e, "texts").is_empty()) {
        match file.get("access_position").and_then(Value::as_u64) {
            Some(position) => {
                ctx.out.line(format!("\n{}", message("show-texts-read-at", &[("position", &position.to_string())])))?
            }
            None => ctx.out.line(format!("\n{}", message("show-texts", &[])))?,
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
        let mut names = crate::describe::Names::of(ctx)?;
        names.learn_references(ctx, &lines)?;
        names.learn_events(ctx, &streams_of(&lines))?;
        return print_audit_lines(ctx.out, &subject, &lines, false, &names);
    }
    match subject {
        AuditSubject::Case(_) => {}
        AuditSubject::Referral(referral_id) => {
            if ctx.backend.case_of_referral(referral_id)?.is_none() {
                return Err(CliError::field("ID", message("error-no-case-holds", &[("id", &referral_id.to_string())])));
            }
        }
        AuditSubject::Beneficiary(_) | AuditSubject::Staff(_) => {
            return Err(CliError::field("--texts", message("error-texts-one-case", &[])))
        }
    };
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let lines = ctx.backend.read_trail_texts(&subject, meta, reason_of(args.reason.as_ref())?)?;
    let mut names = crate::describe::Names::of(ctx)?;
    names.learn_references(ctx, &lines)?;
    names.learn_events(ctx, &streams_of(&lines))?;
    print_audit_lines(ctx.out, &subject, &lines, true, &names)
}

/// The streams an audit trail's lines come from.
fn streams_of(lines: &[Value]) -> Vec<String> {
    lines.iter().map(|line| text_field(line, "stream_id")).collect()
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
        (_, Some(_), _) => return Err(CliError::field("--name", message("error-name-letters", &[]))),
        (_, _, Some(phone)) if phone.chars().any(|c| c.is_ascii_digit()) => BeneficiarySearch::Phone(phone.clone()),
        _ => return Err(CliError::field("--phone", message("error-phone-digits", &[]))),
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
            .map(|c| if c.open { c.reference.clone() } else { message("find-closed", &[("case", &c.reference)]) })
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
        0 => ctx.out.line(message("find-nobody", &[])),
        _ => ctx.out.line(message("find-found", &[("what", &crate::output::count_of(n, "person"))])),
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
        Some(value) => Some(serde_json::from_value(value.clone()).map_err(|e| {
            CliError::Environment(crate::i18n::message("error-identity-not-record", &[("problem", &e.to_string())]))
        })?),
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
    if ctx.out.json {
        return Ok(());
    }
    let mut fields = Fields::new();
    fields.field("show-beneficiary", id.stream_id());
    match identity {
        Some(identity) => {
            fields.field("show-name", format!("{} {}", identity.given_name(), identity.family_name()));
            fields.field("show-amka", identity.amka().as_str());
            let phones: Vec<&str> = identity.phones().iter().map(|p| p.as_str()).collect();
            fields.field("show-phones", if phones.is_empty() { "-".to_owned() } else { phones.join(", ") });
        }
        None => fields.field("show-identity", message("show-identity-erased", &[])),
    }
    let centre = crate::commands::directory::centre_name(ctx, &state.centre_id.to_string())?;
    let centre =
        centre.map_or_else(|| state.centre_id.stream_id(), |name| format!("{name} (centre-{})", state.centre_id));
    let registered_on = state.registered_on.to_string();
    fields.field("show-centre", message("show-registered", &[("centre", &centre), ("date", &registered_on)]));
    // The attributes indicators use, as recorded (declined to answer where so).
    if let Value::Object(attributes) = serde_json::to_value(&state.attributes).unwrap_or(Value::Null) {
        let shown: Vec<String> = attributes.iter().map(|(key, value)| attribute_text(key, value)).collect();
        fields.field("show-attributes", shown.join("; "));
    }
    let basis = state.legal_basis.map(|b| {
        serde_json::to_value(b).map(|v| crate::i18n::vocab("legal_basis", &shown_value(&v))).unwrap_or_default()
    });
    fields.field("show-legal-basis", basis.as_deref().unwrap_or("-"));
    ctx.out.fields(&fields)?;
    if !state.consents.is_empty() {
        let agencies = crate::commands::directory::agency_names(ctx)?;
        ctx.out.line(format!("\n{}", message("show-consents", &[])))?;
        let mut table = Table::new(&["AGENCY", "PURPOSE", "GRANTED", "WITHDRAWN"]);
        for consent in &state.consents {
            table.row(vec![
                agencies.get(&consent.agency_id).cloned().unwrap_or_else(|| consent.agency_id.stream_id()),
                crate::i18n::vocab("purpose", consent.purpose.as_str()),
                consent.granted_on.to_string(),
                consent.withdrawn_on.map_or("-".to_owned(), |d| d.to_string()),
            ]);
        }
        ctx.out.table(&table)?;
    }
    if !cases.is_empty() {
        ctx.out.line(format!("\n{}", message("show-cases", &[])))?;
        let mut table = Table::new(&["CASE", "OPENED", "STATUS", "REFERRALS"]);
        for case_id in &cases {
            let Some(file) = ctx.backend.case_file(*case_id)? else { continue };
            let mut referrals: Vec<String> = list_field(&file, "referrals")
                .iter()
                .map(|r| {
                    format!("{} {}", text_field(r, "reference"), crate::i18n::vocab("status", &text_field(r, "status")))
                })
                .collect();
            referrals.sort();
            table.row(vec![
                file.get("reference").and_then(Value::as_str).map_or_else(|| case_id.stream_id(), str::to_owned),
                text_field(&file, "opened_on"),
                case_status(&file),
                if referrals.is_empty() { "-".to_owned() } else { referrals.join(", ") },
            ]);
        }
        ctx.out.table(&table)?;
    }
    if let Some(position) = position {
        ctx.out.line(message("show-read-recorded", &[("position", &position.to_string())]))?;
    }
    Ok(())
}

/// The closed set each attribute's values come from, to name them in the run's language.
fn attribute_set(key: &str) -> Option<&'static str> {
    match key {
        "gender" => Some("gender"),
        "labour_status" => Some("labour_status"),
        "education" => Some("education"),
        "roma_or_minority" | "migrant" | "disability" | "homeless" => Some("flag"),
        _ => None,
    }
}

/// An attribute as a person reads it: its name and value in the run's language (the
/// vulnerable groups each by its own name).
fn attribute_text(key: &str, value: &Value) -> String {
    let name = message(&format!("attribute-{key}"), &[]);
    let shown = match value {
        Value::Object(fields) if !fields.contains_key("given") => {
            fields.iter().map(|(k, v)| attribute_text(k, v)).collect::<Vec<_>>().join(", ")
        }
        other => {
            let raw = shown_value(other);
            match attribute_set(key) {
                Some(set) => crate::i18n::vocab(set, &raw),
                None if raw == "declined_to_answer" => crate::i18n::vocab("", &raw),
                None => raw,
            }
        }
    };
    format!("{name} {shown}")
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
    let reads = crate::output::count_of(report.len(), "read");
    ctx.out.line(message("accesses-heading", &[("beneficiary", &id.stream_id()), ("n", &reads)]))?;
    let names = if ctx.out.json { Default::default() } else { crate::commands::directory::staff_names(ctx)? };
    let mut table = Table::new(&["POS", "OCCURRED", "ACTOR", "READ", "REASON"]);
    for record in &report {
        ctx.out.json_line(record)?;
        let access = record.get("access").cloned().unwrap_or(Value::Null);
        let what = match serde_json::from_value(access) {
            Ok(parapompi::core::beneficiary::Access::Identity) => message("access-identity", &[]),
            Ok(parapompi::core::beneficiary::Access::CaseTexts { case_id }) if ctx.out.json => {
                format!("texts of case {case_id}")
            }
            Ok(parapompi::core::beneficiary::Access::CaseTexts { case_id }) => {
                message("access-case-texts", &[("case", &crate::resolve::shown_case(ctx, case_id)?)])
            }
            Ok(parapompi::core::beneficiary::Access::SubjectExport) => message("access-own-copy", &[]),
            Err(e) => {
                return Err(CliError::Environment(message("error-access-not-a-read", &[("problem", &e.to_string())])))
            }
        };
        let reason = if record.get("reason").is_some_and(|r| !r.is_null()) {
            message("access-reason-given", &[])
        } else {
            "-".to_owned()
        };
        table.row(vec![
            text_field(record, "position"),
            text_field(record, "occurred_at"),
            crate::commands::directory::actor_name(&names, &text_field(record, "actor")),
            what,
            reason,
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
        let out = args.out.display().to_string();
        return Err(CliError::field("--out", crate::i18n::message("error-exists-force", &[("text", &out)])));
    }
    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
    let text = ctx.backend.subject_export(id, meta, reason_of(args.reason.as_ref())?)?;
    let export: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Environment(message("error-own-copy-not-json", &[("problem", &e.to_string())])))?;
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
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                message("error-appeared-meanwhile", &[]),
            ));
        }
        std::fs::rename(&partial, &args.out)
    };
    write().map_err(|e| {
        let (out, problem) = (args.out.display().to_string(), e.to_string());
        CliError::field("--out", message("error-cannot-write", &[("text", &out), ("problem", &problem)]))
    })?;
    ctx.out.json_line(&json!({
        "beneficiary_id": id.to_string(),
        "out": args.out.display().to_string(),
        "cases": list_field(&export, "cases").len(),
        "accesses": list_field(&export, "accesses").len(),
        "log_position": export.get("log_position"),
    }))?;
    let (cases, reads) = (list_field(&export, "cases").len(), list_field(&export, "accesses").len());
    ctx.out.line(message(
        "own-copy-written",
        &[
            ("beneficiary", &id.stream_id()),
            ("text", &args.out.display().to_string()),
            ("case", &crate::output::count_of(cases, "case")),
            ("n", &crate::output::count_of(reads, "read")),
        ],
    ))
}
