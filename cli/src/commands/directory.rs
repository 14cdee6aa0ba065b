//! The directory: centres, staff and partner agencies.

use std::collections::BTreeSet;

use parapompi::core::agency::{AgencyAction, AgencyCommand, AgencyProfile};
use parapompi::core::centre::{CentreAction, CentreCommand, FundingProgramme};
use parapompi::core::staff::{StaffAction, StaffCommand};
use parapompi::core::values::{
    AgencyId, AntennaId, CentreId, Email, EuroCents, FundName, MunicipalityName, Narrative, OrganisationName,
    PersonName, Phone, ProgrammeCode, Reason, SigningKeyText, StaffId, WebUrl,
};
use parapompi::core::{Command, State, StreamKind};
use parapompi::store::StreamId;
use parapompi::Acting;

use crate::args::{
    AgencyAddArgs, AgencyCommand as AgencyCli, AgencyUpdateArgs, CentreCommand as CentreCli, StaffCommand as StaffCli,
};
use crate::error::CliError;
use crate::parse::{self, value};
use crate::session::Ctx;

/// A staff id argument.
pub fn staff_id(field: &str, text: &str) -> Result<StaffId, CliError> {
    Ok(StaffId::new(parse::uuid_of(field, "staff", text)?))
}

/// The names of every registered staff member, for tables that would otherwise show ids.
/// Reads the staff streams (found through the store's stream index), not the whole log.
pub fn staff_names(ctx: &Ctx<'_>) -> Result<std::collections::BTreeMap<StaffId, String>, CliError> {
    let mut names = std::collections::BTreeMap::new();
    for state in ctx.backend.directory(StreamKind::Staff)? {
        if let State::Staff(Some(staff)) = state {
            names.insert(staff.staff_id, staff.name.as_str().to_owned());
        }
    }
    Ok(names)
}

/// The names of every registered agency, for tables that would otherwise show ids.
pub fn agency_names(ctx: &Ctx<'_>) -> Result<std::collections::BTreeMap<AgencyId, String>, CliError> {
    let mut names = std::collections::BTreeMap::new();
    for state in ctx.backend.directory(StreamKind::Agency)? {
        if let State::Agency(Some(agency)) = state {
            names.insert(agency.agency_id, agency.profile.name.as_str().to_owned());
        }
    }
    Ok(names)
}

/// A centre's name, by its id as a document gives it (`None` for a centre not registered).
pub fn centre_name(ctx: &Ctx<'_>, centre_id: &str) -> Result<Option<String>, CliError> {
    let Ok(uuid) = uuid::Uuid::parse_str(centre_id) else { return Ok(None) };
    let stream = StreamId::new(CentreId::new(uuid).stream_id())?;
    match ctx.backend.stream_state(StreamKind::Centre, &stream)?.0 {
        State::Centre(Some(centre)) => Ok(Some(centre.name.as_str().to_owned())),
        _ => Ok(None),
    }
}

/// An actor as people read it: a staff member's name, else the log's actor as it is.
pub fn actor_name(names: &std::collections::BTreeMap<StaffId, String>, actor: &str) -> String {
    let staff = actor.strip_prefix("staff-").and_then(|u| uuid::Uuid::parse_str(u).ok()).map(StaffId::new);
    staff.and_then(|id| names.get(&id).cloned()).unwrap_or_else(|| actor.to_owned())
}

/// `centre ...`.
pub fn centre(ctx: &mut Ctx<'_>, command: CentreCli) -> Result<(), CliError> {
    match command {
        CentreCli::List => crate::commands::directory_views::list_centres(ctx),
        CentreCli::Show(args) => crate::commands::directory_views::show_centre(ctx, &args.centre),
        CentreCli::Register(args) => {
            let centre_id =
                CentreId::new(ctx.new_entity_id("--centre-id", "centre", args.centre_id.as_ref(), "centre")?);
            let admin = StaffId::new(ctx.new_entity_id(
                "--admin-id",
                "staff",
                args.admin_id.as_ref(),
                "first administrator",
            )?);
            let register = Command::Centre(CentreCommand {
                centre_id,
                action: CentreAction::Register {
                    name: value("--name", OrganisationName::new(&args.name))?,
                    host_municipality: value("--host", MunicipalityName::new(&args.host))?,
                    supervising_service: value(
                        "--supervising-service",
                        OrganisationName::new(&args.supervising_service),
                    )?,
                    first_administrator: admin,
                },
            });
            let add_admin = Command::Staff(StaffCommand {
                staff_id: admin,
                action: StaffAction::Register {
                    centre_id,
                    name: value("--admin-name", PersonName::new(&args.admin_name))?,
                    roles: BTreeSet::from([parapompi::core::vocab::Role::Administrator]),
                },
            });
            // Two streams, one act: both are written in one atomic append, or neither.
            let acting = Acting::Setup;
            let executed = ctx.backend.execute_all(&[register, add_admin], ctx.meta(acting, ctx.command_id()?)?)?;
            ctx.written(
                "centre register",
                &[executed],
                &[("centre_id", centre_id.to_string()), ("staff_id", admin.to_string())],
                &format!(
                    "{}\nnext: export PARAPOMPI_ACTOR={admin}",
                    crate::i18n::message(
                        "done-centre-register",
                        &[("centre", &centre_id.to_string()), ("staff", &admin.to_string())]
                    )
                ),
            )
        }
        CentreCli::Serve(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let municipality = value("--municipality", MunicipalityName::new(&args.municipality))?;
            let command = Command::Centre(CentreCommand {
                centre_id,
                action: CentreAction::AddServedMunicipality { municipality },
            });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "centre serve",
                &[executed],
                &[("centre_id", centre_id.to_string())],
                &crate::i18n::message("done-centre-serve", &[]),
            )
        }
        CentreCli::Antenna(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let antenna_id =
                AntennaId::new(ctx.new_entity_id("--antenna-id", "antenna", args.antenna_id.as_ref(), "antenna")?);
            let command = Command::Centre(CentreCommand {
                centre_id,
                action: CentreAction::OpenAntenna {
                    antenna_id,
                    name: value("--name", OrganisationName::new(&args.name))?,
                    municipality: value("--municipality", MunicipalityName::new(&args.municipality))?,
                },
            });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "centre antenna",
                &[executed],
                &[("centre_id", centre_id.to_string()), ("antenna_id", antenna_id.to_string())],
                &crate::i18n::message("done-centre-antenna", &[("antenna", &antenna_id.to_string())]),
            )
        }
        CentreCli::CloseAntenna(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let antenna_id = AntennaId::new(parse::uuid_of("ANTENNA", "antenna", &args.antenna)?);
            let command =
                Command::Centre(CentreCommand { centre_id, action: CentreAction::CloseAntenna { antenna_id } });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "centre close-antenna",
                &[executed],
                &[("centre_id", centre_id.to_string()), ("antenna_id", antenna_id.to_string())],
                &crate::i18n::message("done-centre-close-antenna", &[("antenna", &antenna_id.to_string())]),
            )
        }
        CentreCli::Programme(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let programme = FundingProgramme {
                code: value("--code", ProgrammeCode::new(&args.code))?,
                fund: value("--fund", FundName::new(&args.fund))?,
                starts_on: parse::date("--from", &args.from)?,
                ends_on: parse::date("--to", &args.to)?,
                budget: value("--budget", EuroCents::new(parse::euro_cents("--budget", &args.budget)?))?,
            };
            let command =
                Command::Centre(CentreCommand { centre_id, action: CentreAction::AddFundingProgramme { programme } });
            let executed = ctx.execute(&command)?;
            let done = crate::i18n::message("done-centre-programme", &[]);
            ctx.written("centre programme", &[executed], &[("centre_id", centre_id.to_string())], &done)
        }
        CentreCli::SigningKey(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let engine = ctx.backend.engine("centre signing-key")?;
            let old = engine.signing_verifier_key().vkey();
            if !args.rotate {
                let key = value(&crate::i18n::message("field-signing-key", &[]), SigningKeyText::new(&old))?;
                let command =
                    Command::Centre(CentreCommand { centre_id, action: CentreAction::RecordSigningKey { key } });
                let executed = ctx.execute(&command)?;
                return ctx.written(
                    "centre signing-key",
                    &[executed],
                    &[("centre_id", centre_id.to_string()), ("key", old.clone())],
                    &crate::i18n::message("done-signing-key-recorded", &[("value", &old)]),
                );
            }
            // The old key is revoked with the new one's record when this centre stands behind it.
            let stream = StreamId::new(centre_id.stream_id())?;
            let old_is_live = match ctx.backend.stream_state(StreamKind::Centre, &stream)?.0 {
                State::Centre(Some(centre)) => {
                    centre.signing_keys.iter().any(|(key, revoked)| key.as_str() == old && !revoked)
                }
                _ => false,
            };
            let new = engine.prepare_signing_key_rotation()?.vkey();
            let action = |action| Command::Centre(CentreCommand { centre_id, action });
            let mut commands = vec![action(CentreAction::RecordSigningKey {
                key: value(&crate::i18n::message("field-new-key", &[]), SigningKeyText::new(&new))?,
            })];
            if old_is_live {
                commands.push(action(CentreAction::RevokeSigningKey {
                    key: value(&crate::i18n::message("field-old-key", &[]), SigningKeyText::new(&old))?,
                }));
            }
            let executed = match ctx.execute_all(&commands) {
                Ok(executed) => executed,
                Err(error) => {
                    engine.forget_signing_key_rotation()?;
                    return Err(error);
                }
            };
            engine.finish_signing_key_rotation()?;
            ctx.written(
                "centre signing-key",
                &[executed],
                &[
                    ("centre_id", centre_id.to_string()),
                    ("key", new.clone()),
                    ("revoked", if old_is_live { old } else { String::new() }),
                ],
                &crate::i18n::message(
                    if old_is_live { "done-signing-key-rotated-revoked" } else { "done-signing-key-rotated" },
                    &[("value", &new)],
                ),
            )
        }
        CentreCli::RevokeSigningKey(args) => {
            let centre_id = crate::resolve::centre(ctx, "CENTRE", &args.centre)?;
            let key = value("--key", SigningKeyText::new(&args.key))?;
            let command = Command::Centre(CentreCommand { centre_id, action: CentreAction::RevokeSigningKey { key } });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "centre revoke-signing-key",
                &[executed],
                &[("centre_id", centre_id.to_string()), ("key", args.key.trim().to_owned())],
                &crate::i18n::message("done-signing-key-revoked", &[("value", args.key.trim())]),
            )
        }
    }
}

/// `staff ...`.
pub fn staff(ctx: &mut Ctx<'_>, command: StaffCli) -> Result<(), CliError> {
    match command {
        StaffCli::List(args) => crate::commands::directory_views::list_staff(ctx, &args),
        StaffCli::Show(args) => {
            crate::commands::directory_views::show_staff(ctx, crate::resolve::staff(ctx, "STAFF", &args.staff)?)
        }
        StaffCli::Add(args) => {
            let staff_id = StaffId::new(ctx.new_entity_id("--staff-id", "staff", args.staff_id.as_ref(), "staff")?);
            let name = value("--name", PersonName::new(&args.name))?;
            let centre_id = match &args.centre {
                Some(text) => crate::resolve::centre(ctx, "--centre", text)?,
                None => ctx.actor_centre()?,
            };
            let roles = args.role.iter().map(|r| (*r).into()).collect();
            let command =
                Command::Staff(StaffCommand { staff_id, action: StaffAction::Register { centre_id, name, roles } });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "staff add",
                &[executed],
                &[("staff_id", staff_id.to_string()), ("centre_id", centre_id.to_string())],
                &format!(
                    "{}\nnext: export PARAPOMPI_ACTOR={staff_id}",
                    crate::i18n::message("done-staff-add", &[("staff", &staff_id.to_string())])
                ),
            )
        }
        StaffCli::Roles(args) => {
            let staff_id = crate::resolve::staff(ctx, "STAFF", &args.staff)?;
            let roles = args.role.iter().map(|r| (*r).into()).collect();
            let command = Command::Staff(StaffCommand { staff_id, action: StaffAction::ChangeRoles { roles } });
            let executed = ctx.execute(&command)?;
            let done = crate::i18n::message("done-staff-roles", &[]);
            ctx.written("staff roles", &[executed], &[("staff_id", staff_id.to_string())], &done)
        }
        StaffCli::Deactivate(args) => staff_activity(ctx, &args.staff, StaffAction::Deactivate),
        StaffCli::Reactivate(args) => staff_activity(ctx, &args.staff, StaffAction::Reactivate),
        StaffCli::Enrol(args) => crate::commands::credentials::enrol(ctx, args),
        StaffCli::SetPassword(args) => crate::commands::credentials::set_password(ctx, args),
        StaffCli::ApiToken(args) => crate::commands::credentials::api_token(ctx, args),
        StaffCli::RevokeCredential(args) => crate::commands::credentials::revoke(ctx, args),
    }
}

/// `staff deactivate` and `staff reactivate`.
fn staff_activity(ctx: &mut Ctx<'_>, text: &str, action: StaffAction) -> Result<(), CliError> {
    let staff_id = crate::resolve::staff(ctx, "STAFF", text)?;
    let (name, done) = match action {
        StaffAction::Reactivate => ("staff reactivate", "done-staff-reactivate"),
        _ => ("staff deactivate", "done-staff-deactivate"),
    };
    // A deactivation revokes every credential: the Engine removes their secrets' hashes with it.
    let executed = ctx.execute(&Command::Staff(StaffCommand { staff_id, action }))?;
    ctx.written(name, &[executed], &[("staff_id", staff_id.to_string())], &crate::i18n::message(done, &[]))
}

fn optional<T>(
    field: &str,
    text: Option<&String>,
    make: fn(&str) -> Result<T, parapompi::core::ValidationError>,
) -> Result<Option<T>, CliError> {
    text.map(|t| value(field, make(t))).transpose()
}

fn phones(texts: &[String]) -> Result<Vec<Phone>, CliError> {
    texts.iter().map(|t| value("--phone", Phone::new(t))).collect()
}

fn new_profile(args: &AgencyAddArgs) -> Result<AgencyProfile, CliError> {
    Ok(AgencyProfile {
        name: value("--name", OrganisationName::new(&args.name))?,
        kind: args.kind.into(),
        description: optional("--description", args.description.as_ref(), Narrative::new)?,
        need_domains: args.need.iter().map(|n| (*n).into()).collect(),
        municipality: value("--municipality", MunicipalityName::new(&args.municipality))?,
        email: optional("--email", args.email.as_ref(), Email::new)?,
        url: optional("--url", args.url.as_ref(), WebUrl::new)?,
        phones: phones(&args.phone)?,
    })
}

fn updated_profile(current: &AgencyProfile, args: &AgencyUpdateArgs) -> Result<AgencyProfile, CliError> {
    let mut profile = current.clone();
    if let Some(name) = &args.name {
        profile.name = value("--name", OrganisationName::new(name))?;
    }
    if let Some(kind) = args.kind {
        profile.kind = kind.into();
    }
    if !args.need.is_empty() {
        profile.need_domains = args.need.iter().map(|n| (*n).into()).collect();
    }
    if let Some(municipality) = &args.municipality {
        profile.municipality = value("--municipality", MunicipalityName::new(municipality))?;
    }
    if args.description.is_some() {
        profile.description = optional("--description", args.description.as_ref(), Narrative::new)?;
    }
    if args.email.is_some() {
        profile.email = optional("--email", args.email.as_ref(), Email::new)?;
    }
    if args.url.is_some() {
        profile.url = optional("--url", args.url.as_ref(), WebUrl::new)?;
    }
    if !args.phone.is_empty() {
        profile.phones = phones(&args.phone)?;
    }
    Ok(profile)
}

/// The current state of an agency, or a usage error naming the field.
fn agency_state(ctx: &Ctx<'_>, field: &str, id: AgencyId) -> Result<parapompi::core::agency::Agency, CliError> {
    let stream = StreamId::new(id.stream_id())?;
    match ctx.backend.stream_state(StreamKind::Agency, &stream)?.0 {
        State::Agency(Some(agency)) => Ok(agency),
        _ => Err(CliError::field(field, crate::i18n::message("error-no-agency", &[("id", &id.stream_id())]))),
    }
}

/// `agency ...`.
pub fn agency(ctx: &mut Ctx<'_>, command: AgencyCli) -> Result<(), CliError> {
    match command {
        AgencyCli::Add(args) => {
            let agency_id =
                AgencyId::new(ctx.new_entity_id("--agency-id", "agency", args.agency_id.as_ref(), "agency")?);
            let profile = new_profile(&args)?;
            let command = Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Register { profile } });
            let executed = ctx.execute(&command)?;
            ctx.written(
                "agency add",
                &[executed],
                &[("agency_id", agency_id.to_string())],
                &crate::i18n::message("done-agency-add", &[("agency", &agency_id.to_string())]),
            )
        }
        AgencyCli::Update(args) => {
            let agency_id = crate::resolve::agency(ctx, "AGENCY", &args.agency)?;
            let current = agency_state(ctx, "AGENCY", agency_id)?;
            let profile = updated_profile(&current.profile, &args)?;
            let command = Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Update { profile } });
            let executed = ctx.execute(&command)?;
            let done = crate::i18n::message("done-agency-update", &[]);
            ctx.written("agency update", &[executed], &[("agency_id", agency_id.to_string())], &done)
        }
        AgencyCli::Deactivate(args) => {
            let agency_id = crate::resolve::agency(ctx, "AGENCY", &args.agency)?;
            let reason = optional("--reason", args.reason.as_ref(), Reason::new)?;
            let command = Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Deactivate { reason } });
            let executed = ctx.execute(&command)?;
            let done = crate::i18n::message("done-agency-deactivate", &[]);
            ctx.written("agency deactivate", &[executed], &[("agency_id", agency_id.to_string())], &done)
        }
        AgencyCli::Reactivate(args) => {
            let agency_id = crate::resolve::agency(ctx, "AGENCY", &args.agency)?;
            let command = Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Reactivate });
            let executed = ctx.execute(&command)?;
            let done = crate::i18n::message("done-agency-reactivate", &[]);
            ctx.written("agency reactivate", &[executed], &[("agency_id", agency_id.to_string())], &done)
        }
        AgencyCli::List(args) => crate::commands::directory_views::list_agencies(ctx, &args),
        AgencyCli::Show(args) => {
            crate::commands::directory_views::show_agency(ctx, &crate::resolve::agency(ctx, "AGENCY", &args.agency)?)
        }
    }
}
