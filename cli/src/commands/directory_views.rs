//! The directory read back: centres, staff members and agencies, listed and shown, each
//! folded from its own stream (through the store's stream index, or the server's
//! directory), so that the same views work in direct mode and through a server.

use parapompi::core::agency::Agency;
use parapompi::core::centre::Centre;
use parapompi::core::staff::Staff;
use parapompi::core::values::{AgencyId, CentreId, StaffId};
use parapompi::core::{State, StreamKind};
use parapompi::store::StreamId;
use serde_json::{json, Value};

use crate::args::{AgencyListArgs, StaffListArgs};
use crate::error::CliError;
use crate::output::{Fields, Table};
use crate::session::Ctx;

/// `yes` or `no`, in the run's language.
fn yes_no(flag: bool) -> String {
    crate::i18n::vocab("flag", if flag { "yes" } else { "no" })
}

/// An amount in euros and cents, `1234.50 €`.
fn euros(cents: u64) -> String {
    format!("{}.{:02} €", cents / 100, cents % 100)
}

fn or_dash(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

/// Every registered centre.
fn centres(ctx: &Ctx<'_>) -> Result<Vec<Centre>, CliError> {
    Ok(ctx
        .backend
        .directory(StreamKind::Centre)?
        .into_iter()
        .filter_map(|state| match state {
            State::Centre(Some(centre)) => Some(centre),
            _ => None,
        })
        .collect())
}

/// Every registered staff member.
fn staff_members(ctx: &Ctx<'_>) -> Result<Vec<Staff>, CliError> {
    Ok(ctx
        .backend
        .directory(StreamKind::Staff)?
        .into_iter()
        .filter_map(|state| match state {
            State::Staff(Some(staff)) => Some(staff),
            _ => None,
        })
        .collect())
}

fn centre_json(centre: &Centre) -> Value {
    json!({
        "centre_id": centre.centre_id.to_string(),
        "name": centre.name.as_str(),
        "host_municipality": centre.host_municipality.as_str(),
        "supervising_service": centre.supervising_service.as_str(),
        "registered_on": centre.registered_on.map(|d| d.to_string()),
        "served_municipalities": centre.served_municipalities.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        "antennas": centre.antennas.iter().map(|(id, a)| json!({
            "antenna_id": id.to_string(),
            "name": a.name.as_str(),
            "municipality": a.municipality.as_str(),
            "open": a.open,
        })).collect::<Vec<_>>(),
        "funding_programmes": centre.funding_programmes.iter().map(|p| json!({
            "code": p.code.as_str(),
            "fund": p.fund.as_str(),
            "starts_on": p.starts_on.to_string(),
            "ends_on": p.ends_on.to_string(),
            "budget_cents": p.budget.cents(),
        })).collect::<Vec<_>>(),
    })
}

/// `centre list`.
pub fn list_centres(ctx: &mut Ctx<'_>) -> Result<(), CliError> {
    let mut table = Table::new(&["CENTRE", "HOST", "SERVES", "ANTENNAS", "NAME"]);
    for centre in centres(ctx)? {
        ctx.out.json_line(&centre_json(&centre))?;
        let served: Vec<String> = centre.served_municipalities.iter().map(ToString::to_string).collect();
        table.row(vec![
            centre.centre_id.to_string(),
            centre.host_municipality.to_string(),
            or_dash(&served),
            centre.antennas.values().filter(|a| a.open).count().to_string(),
            centre.name.to_string(),
        ]);
    }
    ctx.out.table(&table)
}

/// `centre show CENTRE`.
pub fn show_centre(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id: CentreId = crate::resolve::centre(ctx, "CENTRE", text)?;
    let State::Centre(Some(centre)) = ctx.backend.stream_state(StreamKind::Centre, &StreamId::new(id.stream_id())?)?.0
    else {
        return Err(CliError::field("CENTRE", crate::i18n::message("error-no-centre", &[("id", &id.stream_id())])));
    };
    ctx.out.json_line(&centre_json(&centre))?;
    let served: Vec<String> = centre.served_municipalities.iter().map(ToString::to_string).collect();
    let staff = staff_members(ctx)?;
    let in_centre = staff.iter().filter(|s| s.centre_id == id && s.active).count();
    let mut fields = Fields::new();
    fields.field("show-centre", id.to_string());
    fields.field("show-name", centre.name.as_str());
    fields.field("show-host", centre.host_municipality.as_str());
    fields.field("show-also-serves", or_dash(&served));
    fields.field("show-supervised-by", centre.supervising_service.as_str());
    fields.field("show-registered-on", centre.registered_on.map_or("-".to_owned(), |d| d.to_string()));
    fields.field("show-staff", crate::i18n::message("show-staff-active", &[("n", &in_centre.to_string())]));
    ctx.out.fields(&fields)?;
    if !centre.antennas.is_empty() {
        ctx.out.line(format!("\n{}", crate::i18n::message("show-antennas", &[])))?;
        let mut table = Table::new(&["ANTENNA", "OPEN", "MUNICIPALITY", "NAME"]);
        for (antenna_id, antenna) in &centre.antennas {
            table.row(vec![
                antenna_id.to_string(),
                yes_no(antenna.open),
                antenna.municipality.to_string(),
                antenna.name.to_string(),
            ]);
        }
        ctx.out.table(&table)?;
    }
    if !centre.funding_programmes.is_empty() {
        ctx.out.line(format!("\n{}", crate::i18n::message("show-programmes", &[])))?;
        let mut table = Table::new(&["CODE", "FUND", "FROM", "TO", "BUDGET"]);
        for p in &centre.funding_programmes {
            table.row(vec![
                p.code.to_string(),
                p.fund.to_string(),
                p.starts_on.to_string(),
                p.ends_on.to_string(),
                euros(p.budget.cents()),
            ]);
        }
        ctx.out.table(&table)?;
    }
    Ok(())
}

fn staff_json(staff: &Staff) -> Value {
    json!({
        "staff_id": staff.staff_id.to_string(),
        "centre_id": staff.centre_id.to_string(),
        "name": staff.name.as_str(),
        "roles": staff.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "active": staff.active,
        "credentials": staff.credentials.iter().map(|(id, live)| json!({
            "credential_id": id.to_string(),
            "kind": live.kind.as_str(),
            "expires_at": live.expires_at.map(parapompi::instant::format_instant),
        })).collect::<Vec<_>>(),
    })
}

fn roles_text(staff: &Staff) -> String {
    staff.roles.iter().map(|r| crate::i18n::vocab("role", r.as_str())).collect::<Vec<_>>().join(",")
}

/// `staff list [--centre C] [--all]`.
pub fn list_staff(ctx: &mut Ctx<'_>, args: &StaffListArgs) -> Result<(), CliError> {
    let centre = args.centre.as_ref().map(|c| crate::resolve::centre(ctx, "--centre", c)).transpose()?;
    let mut table = Table::new(&["STAFF", "ACTIVE", "ROLES", "NAME"]);
    for staff in staff_members(ctx)? {
        if (!staff.active && !args.all) || centre.is_some_and(|c| c != staff.centre_id) {
            continue;
        }
        ctx.out.json_line(&staff_json(&staff))?;
        table.row(vec![staff.staff_id.to_string(), yes_no(staff.active), roles_text(&staff), staff.name.to_string()]);
    }
    ctx.out.table(&table)
}

/// `staff show STAFF`: who, where, which roles, and the credentials that let them act
/// (ids, kinds and expiries, never secrets).
pub fn show_staff(ctx: &mut Ctx<'_>, id: StaffId) -> Result<(), CliError> {
    let State::Staff(Some(staff)) = ctx.backend.stream_state(StreamKind::Staff, &StreamId::new(id.stream_id())?)?.0
    else {
        return Err(CliError::field("STAFF", crate::i18n::message("session-no-staff", &[("id", &id.stream_id())])));
    };
    ctx.out.json_line(&staff_json(&staff))?;
    let centre = ctx.backend.stream_state(StreamKind::Centre, &StreamId::new(staff.centre_id.stream_id())?)?.0;
    let centre_name = match centre {
        State::Centre(Some(centre)) => format!("{} ({})", centre.name, staff.centre_id),
        _ => staff.centre_id.to_string(),
    };
    let mut fields = Fields::new();
    fields.field("show-staff", id.to_string());
    fields.field("show-name", staff.name.as_str());
    fields.field("show-centre", centre_name);
    fields.field("show-roles", roles_text(&staff));
    fields.field("show-active", yes_no(staff.active));
    if staff.credentials.is_empty() {
        fields.field("show-credentials", "-");
        return ctx.out.fields(&fields);
    }
    ctx.out.fields(&fields)?;
    ctx.out.line(format!("\n{}", crate::i18n::message("show-credentials", &[])))?;
    let mut table = Table::new(&["CREDENTIAL", "KIND", "EXPIRES"]);
    for (credential_id, live) in &staff.credentials {
        table.row(vec![
            credential_id.to_string(),
            live.kind.as_str().to_owned(),
            live.expires_at.map_or("-".to_owned(), parapompi::instant::format_instant),
        ]);
    }
    ctx.out.table(&table)
}

fn agency_json(agency: &Agency) -> Value {
    let p = &agency.profile;
    json!({
        "agency_id": agency.agency_id.to_string(),
        "name": p.name.as_str(),
        "kind": p.kind.as_str(),
        "active": agency.active,
        "municipality": p.municipality.as_str(),
        "need_domains": p.need_domains.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "email": p.email.as_ref().map(|e| e.as_str()),
        "url": p.url.as_ref().map(|u| u.as_str()),
        "phones": p.phones.iter().map(|ph| ph.as_str()).collect::<Vec<_>>(),
    })
}

/// `agency show AGENCY`: its entry, with its description (`--json`: as `agency list` lists
/// it, with `description`).
pub fn show_agency(ctx: &mut Ctx<'_>, id: &AgencyId) -> Result<(), CliError> {
    let State::Agency(Some(agency)) = ctx.backend.stream_state(StreamKind::Agency, &StreamId::new(id.stream_id())?)?.0
    else {
        return Err(CliError::field("AGENCY", crate::i18n::message("error-no-agency", &[("id", &id.stream_id())])));
    };
    let p = &agency.profile;
    let mut document = agency_json(&agency);
    document["description"] = json!(p.description.as_ref().map(|d| d.as_str()));
    ctx.out.json_line(&document)?;
    let needs: Vec<String> = p.need_domains.iter().map(|n| crate::i18n::vocab("need", n.as_str())).collect();
    let phones: Vec<String> = p.phones.iter().map(|ph| ph.as_str().to_owned()).collect();
    let mut fields = Fields::new();
    fields.field("show-agency", id.to_string());
    fields.field("show-name", p.name.as_str());
    fields.field("show-kind", crate::i18n::vocab("agency_kind", p.kind.as_str()));
    fields.field("show-active", yes_no(agency.active));
    fields.field("show-municipality", p.municipality.as_str());
    fields.field("show-needs", or_dash(&needs));
    fields.field("show-phones", or_dash(&phones));
    fields.field("show-email", p.email.as_ref().map_or("-".to_owned(), |e| e.as_str().to_owned()));
    fields.field("show-web", p.url.as_ref().map_or("-".to_owned(), |u| u.as_str().to_owned()));
    ctx.out.fields(&fields)?;
    if let Some(description) = &p.description {
        ctx.out.line(format!("\n{description}"))?;
    }
    Ok(())
}

/// `agency list`: the agency streams come from the store's stream index (or the server's
/// directory), and each is folded from its own events.
pub fn list_agencies(ctx: &mut Ctx<'_>, args: &AgencyListArgs) -> Result<(), CliError> {
    let mut table = Table::new(&["AGENCY", "KIND", "ACTIVE", "MUNICIPALITY", "NAME", "NEEDS"]);
    let need = args.need.map(parapompi::core::vocab::NeedDomain::from);
    for state in ctx.backend.directory(StreamKind::Agency)? {
        let State::Agency(Some(agency)) = state else { continue };
        if (!agency.active && !args.all) || need.is_some_and(|n| !agency.profile.need_domains.contains(&n)) {
            continue;
        }
        if args
            .name
            .as_ref()
            .is_some_and(|words| !parapompi::core::folding::name_matches(words, agency.profile.name.as_str()))
        {
            continue;
        }
        let p = &agency.profile;
        let needs: Vec<String> = p.need_domains.iter().map(|n| crate::i18n::vocab("need", n.as_str())).collect();
        ctx.out.json_line(&agency_json(&agency))?;
        table.row(vec![
            agency.agency_id.to_string(),
            crate::i18n::vocab("agency_kind", p.kind.as_str()),
            yes_no(agency.active),
            p.municipality.to_string(),
            p.name.to_string(),
            needs.join(","),
        ]);
    }
    ctx.out.table(&table)
}
