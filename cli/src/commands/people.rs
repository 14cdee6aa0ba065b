//! People and cases: beneficiaries, intakes, assessments, services, notes, and the case
//! commands (assign, close, reopen, show).

use parapompi::core::beneficiary::{Beneficiary, BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::{CaseAction, CaseCommand};
use parapompi::core::esf::LeavingSituation;
use parapompi::core::identity::{IdentityRecord, IdentitySalt};
use parapompi::core::values::{
    Amka, AntennaId, BeneficiaryId, CaseId, Email, MunicipalityName, Narrative, PersonName, Phone, PostalAddress,
    Reason,
};
use parapompi::core::vocab::{Answer, Attributes, IntakeChannel, Need, NeedPriority, VulnerableGroups};
use parapompi::core::{Command, State, StreamKind};
use parapompi::store::StreamId;
use parapompi::IdentityPatch;

use crate::args::{
    AttributeArgs, BeneficiaryCommand as BeneficiaryCli, CaseCommand as CaseCli, IdentityArgs, IntakeArgs, LeavingArgs,
};
use crate::backend::Backend;
use crate::commands::reading;
use crate::error::CliError;
use crate::parse::{self, value};
use crate::session::Ctx;
use crate::vocab::{FlagArg, NeedArg, NeedPriorityArg};

pub fn beneficiary_state(ctx: &Ctx<'_>, field: &str, id: BeneficiaryId) -> Result<Beneficiary, CliError> {
    let stream = StreamId::new(id.stream_id())?;
    match ctx.backend.stream_state(StreamKind::Beneficiary, &stream)?.0 {
        State::Beneficiary(Some(beneficiary)) => Ok(beneficiary),
        _ => Err(CliError::field(field, crate::i18n::message("error-no-beneficiary", &[("id", &id.stream_id())]))),
    }
}

/// The salt of an identity the command carries: the Engine's, derived from the command id
/// and the person under the deployment key, so that a retry is the same command. A client
/// of the server has no deployment key: it draws a random salt, and the Engine still knows
/// a retry by its command id and the identity the vault holds.
fn salt_for(ctx: &Ctx<'_>, beneficiary_id: BeneficiaryId) -> Result<IdentitySalt, CliError> {
    match ctx.backend {
        Backend::Direct(engine) => Ok(engine.identity_salt(ctx.command_id()?, beneficiary_id)?),
        Backend::Server(_) => {
            let mut bytes = uuid::Uuid::new_v4().as_bytes().to_vec();
            bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
            crate::error::check("salt", IdentitySalt::new(bytes))
        }
    }
}

fn has_identity_fields(args: &IdentityArgs) -> bool {
    args.given_name.is_some()
        || args.family_name.is_some()
        || args.amka.is_some()
        || !args.phone.is_empty()
        || !args.email.is_empty()
        || args.address.is_some()
}

fn has_attribute_fields(args: &AttributeArgs) -> bool {
    args.gender.is_some()
        || args.year_of_birth.is_some()
        || args.municipality.is_some()
        || args.roma.is_some()
        || args.migrant.is_some()
        || args.disability.is_some()
        || args.homeless.is_some()
        || args.labour_status.is_some()
        || args.education.is_some()
}

/// The identity from the arguments, each missing field taken from `current`.
/// The identity fields given, checked, as a patch over the identity held.
fn identity_patch(args: &IdentityArgs) -> Result<IdentityPatch, CliError> {
    let name = |field: &str, text: &Option<String>| text.as_ref().map(|t| value(field, PersonName::new(t))).transpose();
    Ok(IdentityPatch {
        given_name: name("--given-name", &args.given_name)?,
        family_name: name("--family-name", &args.family_name)?,
        amka: args.amka.as_ref().map(|t| value("--amka", Amka::new(t))).transpose()?,
        phones: listed("--phone", &args.phone, Phone::new)?,
        emails: listed("--email", &args.email, Email::new)?,
        address: args.address.as_ref().map(|t| value("--address", PostalAddress::new(t))).transpose()?,
    })
}

/// A repeated option's values, checked; `None` when it was not given.
fn listed<T>(
    field: &str,
    texts: &[String],
    make: impl Fn(&str) -> Result<T, parapompi::core::ValidationError>,
) -> Result<Option<Vec<T>>, CliError> {
    if texts.is_empty() {
        return Ok(None);
    }
    texts.iter().map(|t| value(field, make(t))).collect::<Result<Vec<_>, _>>().map(Some)
}

fn identity(args: &IdentityArgs, current: Option<&IdentityRecord>) -> Result<IdentityRecord, CliError> {
    let required =
        |field: &str, given: &Option<String>, make: &dyn Fn(&str) -> _, held: Option<PersonName>| match (given, held) {
            (Some(text), _) => value(field, make(text)),
            (None, Some(held)) => Ok(held),
            (None, None) => Err(CliError::field(field, crate::i18n::message("error-required", &[]))),
        };
    let given_name =
        required("--given-name", &args.given_name, &PersonName::new, current.map(|c| c.given_name().clone()))?;
    let family_name =
        required("--family-name", &args.family_name, &PersonName::new, current.map(|c| c.family_name().clone()))?;
    let amka = match (&args.amka, current) {
        (Some(text), _) => value("--amka", Amka::new(text))?,
        (None, Some(held)) => held.amka().clone(),
        (None, None) => return Err(CliError::field("--amka", crate::i18n::message("error-required", &[]))),
    };
    let phones = if args.phone.is_empty() {
        current.map(|c| c.phones().to_vec()).unwrap_or_default()
    } else {
        args.phone.iter().map(|p| value("--phone", Phone::new(p))).collect::<Result<_, _>>()?
    };
    let emails = if args.email.is_empty() {
        current.map(|c| c.emails().to_vec()).unwrap_or_default()
    } else {
        args.email.iter().map(|e| value("--email", Email::new(e))).collect::<Result<_, _>>()?
    };
    let address = match &args.address {
        Some(text) => Some(value("--address", PostalAddress::new(text))?),
        None => current.and_then(|c| c.address().cloned()),
    };
    value("identity", IdentityRecord::new(given_name, family_name, amka, phones, emails, address))
}

/// The attributes from the arguments, each missing one taken from `current` (or recorded as
/// declined to answer for a new registration).
fn attributes(args: &AttributeArgs, current: Option<&Attributes>) -> Result<Attributes, CliError> {
    let municipality = match (&args.municipality, current) {
        (Some(text), _) => value("--municipality", MunicipalityName::new(text))?,
        (None, Some(held)) => held.municipality_of_residence.clone(),
        (None, None) => {
            return Err(CliError::field("--municipality", crate::i18n::message("error-municipality-required", &[])))
        }
    };
    let held_groups = current.map(|c| c.vulnerable_groups);
    let flag = |given: Option<FlagArg>, held: Option<parapompi::core::vocab::Flag>| {
        given.map(Into::into).or(held).unwrap_or(parapompi::core::vocab::Flag::DeclinedToAnswer)
    };
    Ok(Attributes {
        gender: args.gender.map(Into::into).or(current.map(|c| c.gender)).unwrap_or(Answer::DeclinedToAnswer),
        year_of_birth: match &args.year_of_birth {
            Some(text) => parse::year_of_birth("--year-of-birth", text)?,
            None => current.map_or(Answer::DeclinedToAnswer, |c| c.year_of_birth),
        },
        municipality_of_residence: municipality,
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: flag(args.roma, held_groups.map(|g| g.roma_or_minority)),
            migrant: flag(args.migrant, held_groups.map(|g| g.migrant)),
            disability: flag(args.disability, held_groups.map(|g| g.disability)),
            homeless: flag(args.homeless, held_groups.map(|g| g.homeless)),
            third_country_national: Some(flag(
                args.third_country_national,
                held_groups.and_then(|g| g.third_country_national),
            )),
            foreign_background: Some(flag(args.foreign_background, held_groups.and_then(|g| g.foreign_background))),
        },
        labour_status: args
            .labour_status
            .map(Into::into)
            .or(current.map(|c| c.labour_status))
            .unwrap_or(Answer::DeclinedToAnswer),
        education: args.education.map(Into::into).or(current.map(|c| c.education)).unwrap_or(Answer::DeclinedToAnswer),
        area_of_residence: Some(
            args.area.map(Into::into).or(current.and_then(|c| c.area_of_residence)).unwrap_or(Answer::DeclinedToAnswer),
        ),
    })
}

/// The situation on leaving from `case close`'s flags: none, or all four.
fn leaving(args: &LeavingArgs) -> Result<Option<LeavingSituation>, CliError> {
    let flags = [
        ("--job-searching", args.job_searching),
        ("--in-education-or-training", args.in_education_or_training),
        ("--gained-qualification", args.gained_qualification),
        ("--in-employment", args.in_employment),
    ];
    if flags.iter().all(|(_, given)| given.is_none()) {
        return Ok(None);
    }
    let given = |i: usize| -> Result<parapompi::core::vocab::Flag, CliError> {
        let (name, value) = flags[i];
        value.map(Into::into).ok_or_else(|| CliError::field(name, crate::i18n::message("error-leaving-all-four", &[])))
    };
    Ok(Some(LeavingSituation {
        job_searching: given(0)?,
        in_education_or_training: given(1)?,
        gained_qualification: given(2)?,
        in_employment: given(3)?,
    }))
}

/// `beneficiary ...`.
pub fn beneficiary(ctx: &mut Ctx<'_>, command: BeneficiaryCli) -> Result<(), CliError> {
    let (id, action, name) = match command {
        BeneficiaryCli::Register(args) => {
            let id = BeneficiaryId::new(ctx.new_entity_id(
                "--beneficiary-id",
                "beneficiary",
                args.beneficiary_id.as_ref(),
                "beneficiary",
            )?);
            let identity = identity(&args.identity, None)?;
            let attributes = attributes(&args.attributes, None)?;
            let centre_id = match &args.centre {
                Some(text) => crate::resolve::centre(ctx, "--centre", text)?,
                None => ctx.actor_centre()?,
            };
            let action = BeneficiaryAction::Register { identity, salt: salt_for(ctx, id)?, attributes, centre_id };
            (id, action, "beneficiary register")
        }
        BeneficiaryCli::Update(args) => {
            let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", &args.beneficiary)?;
            let current = beneficiary_state(ctx, "BENEFICIARY", id)?;
            match (has_identity_fields(&args.identity), has_attribute_fields(&args.attributes)) {
                (true, true) => return Err(CliError::Usage(crate::i18n::message("error-update-not-both", &[]))),
                (false, false) => return Err(CliError::Usage(crate::i18n::message("error-update-nothing", &[]))),
                (true, false) => {
                    // The fields not given are kept from the identity held, merged where the
                    // vault is (the Engine's, or the server's).
                    let patch = identity_patch(&args.identity)?;
                    let meta = ctx.meta(ctx.acting()?, ctx.command_id()?)?;
                    let executed = ctx.backend.correct_identity(id, &patch, meta)?;
                    return ctx.written(
                        "beneficiary update",
                        &[executed],
                        &[("beneficiary_id", id.to_string())],
                        &crate::i18n::message("done-beneficiary-update", &[("beneficiary", &id.to_string())]),
                    );
                }
                (false, true) => {
                    let attributes = attributes(&args.attributes, Some(&current.attributes))?;
                    (id, BeneficiaryAction::UpdateAttributes { attributes }, "beneficiary update")
                }
            }
        }
        BeneficiaryCli::LegalBasis(args) => {
            let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", &args.beneficiary)?;
            (id, BeneficiaryAction::RecordLegalBasis { basis: args.basis.into() }, "beneficiary legal-basis")
        }
        BeneficiaryCli::Consent(args) => {
            let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", &args.beneficiary)?;
            let action = BeneficiaryAction::GrantConsent {
                agency_id: crate::resolve::agency(ctx, "--agency", &args.agency)?,
                purpose: args.purpose.into(),
                granted_on: ctx.date_or_today("--on", args.on.as_ref())?,
            };
            (id, action, "beneficiary consent")
        }
        BeneficiaryCli::WithdrawConsent(args) => {
            let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", &args.beneficiary)?;
            let action = BeneficiaryAction::WithdrawConsent {
                agency_id: crate::resolve::agency(ctx, "--agency", &args.agency)?,
                purpose: args.purpose.into(),
                withdrawn_on: ctx.date_or_today("--on", args.on.as_ref())?,
            };
            (id, action, "beneficiary withdraw-consent")
        }
        BeneficiaryCli::Erase(args) => return erase(ctx, &args.beneficiary),
        BeneficiaryCli::Find(args) => return reading::beneficiary_find(ctx, &args),
        BeneficiaryCli::Show(args) => return reading::beneficiary_show(ctx, &args.beneficiary),
        BeneficiaryCli::Accesses(args) => return reading::beneficiary_accesses(ctx, &args.beneficiary),
        BeneficiaryCli::Export(args) => return reading::beneficiary_export(ctx, args),
    };
    let executed = ctx.execute(&Command::Beneficiary(BeneficiaryCommand { beneficiary_id: id, action }))?;
    let done = crate::i18n::message(&format!("done-{}", name.replace(' ', "-")), &[("beneficiary", &id.to_string())]);
    ctx.written(name, &[executed], &[("beneficiary_id", id.to_string())], &done)
}

/// `beneficiary erase`: records the erasure (a supervisor of the beneficiary's centre only)
/// and removes the identity from the vault; the log and the indicators stay as they are.
fn erase(ctx: &mut Ctx<'_>, text: &str) -> Result<(), CliError> {
    let id = crate::resolve::beneficiary(ctx, "BENEFICIARY", text)?;
    // An unknown person is a bad argument (exit 2), named here rather than by the rule.
    beneficiary_state(ctx, "BENEFICIARY", id)?;
    let erase = BeneficiaryCommand { beneficiary_id: id, action: BeneficiaryAction::EraseIdentity };
    let executed = ctx.execute(&Command::Beneficiary(erase))?;
    ctx.written(
        "beneficiary erase",
        &[executed],
        &[("beneficiary_id", id.to_string())],
        &crate::i18n::message("done-beneficiary-erase", &[("beneficiary", &id.to_string())]),
    )
}

/// `intake`: opens a case and prints its id.
pub fn intake(ctx: &mut Ctx<'_>, args: IntakeArgs) -> Result<(), CliError> {
    let case_id = CaseId::new(ctx.new_entity_id("--case-id", "case", args.case_id.as_ref(), "case")?);
    let beneficiary_id = crate::resolve::beneficiary(ctx, "--beneficiary", &args.beneficiary)?;
    let channel = match (args.channel, &args.referred_by) {
        (crate::vocab::ChannelArg::ReferredIn, Some(agency)) => {
            IntakeChannel::ReferredIn { agency_id: crate::resolve::agency(ctx, "--referred-by", agency)? }
        }
        (crate::vocab::ChannelArg::ReferredIn, None) => {
            return Err(CliError::field("--referred-by", crate::i18n::message("error-referred-by-required", &[])))
        }
        (_, Some(_)) => {
            return Err(CliError::field("--referred-by", crate::i18n::message("error-referred-by-only", &[])))
        }
        (crate::vocab::ChannelArg::WalkIn, None) => IntakeChannel::WalkIn,
        (crate::vocab::ChannelArg::Phone, None) => IntakeChannel::Phone,
        (crate::vocab::ChannelArg::Email, None) => IntakeChannel::Email,
        (crate::vocab::ChannelArg::Outreach, None) => IntakeChannel::Outreach,
    };
    let request = value("--request", Narrative::new(&args.request))?;
    let antenna_id =
        args.antenna.as_ref().map(|a| parse::uuid_of("--antenna", "antenna", a).map(AntennaId::new)).transpose()?;
    let intake_date = ctx.date_or_today("--date", args.date.as_ref())?;
    let centre_id = match &args.centre {
        Some(text) => crate::resolve::centre(ctx, "--centre", text)?,
        None => ctx.actor_centre()?,
    };
    let action = CaseAction::Open { beneficiary_id, centre_id, antenna_id, intake_date, channel, request };
    let executed = ctx.execute(&Command::Case(CaseCommand { case_id, action }))?;
    let reference = ctx.backend.look_up_reference(&parapompi::references::ReferenceQuery::Case(case_id))?.reference;
    ctx.written(
        "intake",
        &[executed],
        &[("case_id", case_id.to_string()), ("reference", reference.clone())],
        &crate::i18n::message("done-intake", &[("case", &reference), ("id", &case_id.stream_id())]),
    )
}

/// Parses `DOMAIN` or `DOMAIN:PRIORITY`.
fn need(text: &str) -> Result<Need, CliError> {
    let (domain, priority) = text.split_once(':').unwrap_or((text, "medium"));
    let domain = crate::vocab::read::<NeedArg>("need", domain.trim()).ok_or_else(|| {
        let (text, allowed) = (format!("{domain:?}"), names::<NeedArg>());
        CliError::field("--need", crate::i18n::message("error-not-a-need", &[("text", &text), ("allowed", &allowed)]))
    })?;
    let priority = crate::vocab::read::<NeedPriorityArg>("need_priority", priority.trim()).ok_or_else(|| {
        let (text, allowed) = (format!("{priority:?}"), names::<NeedPriorityArg>());
        CliError::field(
            "--need",
            crate::i18n::message("error-not-a-priority", &[("text", &text), ("allowed", &allowed)]),
        )
    })?;
    Ok(Need { domain: domain.into(), priority: NeedPriority::from(priority) })
}

fn names<T: clap::ValueEnum>() -> String {
    T::value_variants()
        .iter()
        .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn narrative(field: &str, text: Option<&String>) -> Result<Option<Narrative>, CliError> {
    text.map(|t| value(field, Narrative::new(t))).transpose()
}

fn reason(field: &str, text: Option<&String>) -> Result<Option<Reason>, CliError> {
    text.map(|t| value(field, Reason::new(t))).transpose()
}

/// Runs a case command and prints its result.
pub fn run_case(
    ctx: &mut Ctx<'_>,
    name: &str,
    case_id: CaseId,
    action: CaseAction,
    human: &str,
) -> Result<(), CliError> {
    let executed = ctx.execute(&Command::Case(CaseCommand { case_id, action }))?;
    ctx.written(name, &[executed], &[("case_id", case_id.to_string())], human)
}

/// `assess`.
pub fn assess(ctx: &mut Ctx<'_>, args: crate::args::AssessArgs) -> Result<(), CliError> {
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let needs = args.need.iter().map(|n| need(n)).collect::<Result<Vec<_>, _>>()?;
    let action = CaseAction::Assess {
        needs,
        assessed_on: ctx.date_or_today("--on", args.on.as_ref())?,
        summary: narrative("--summary", args.summary.as_ref())?,
    };
    run_case(ctx, "assess", case_id, action, &crate::i18n::message("done-assess", &[]))
}

/// `service`.
pub fn service(ctx: &mut Ctx<'_>, args: crate::args::ServiceArgs) -> Result<(), CliError> {
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let action = CaseAction::RecordService {
        kind: args.kind.into(),
        provided_on: ctx.date_or_today("--on", args.on.as_ref())?,
        note: narrative("--note", args.note.as_ref())?,
    };
    run_case(ctx, "service", case_id, action, &crate::i18n::message("done-service", &[]))
}

/// `note`.
pub fn note(ctx: &mut Ctx<'_>, args: crate::args::NoteArgs) -> Result<(), CliError> {
    let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
    let action = CaseAction::AddNote { text: value("--text", Narrative::new(&args.text))? };
    run_case(ctx, "note", case_id, action, &crate::i18n::message("done-note", &[]))
}

/// `case ...`.
pub fn case(ctx: &mut Ctx<'_>, command: CaseCli) -> Result<(), CliError> {
    match command {
        CaseCli::Assign(args) => {
            let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
            let staff_id = crate::resolve::staff(ctx, "--staff", &args.staff)?;
            let action = match &args.reason {
                Some(text) => CaseAction::Reassign { staff_id, reason: value("--reason", Reason::new(text))? },
                None => CaseAction::Assign { staff_id },
            };
            let names = crate::commands::directory::staff_names(ctx)?;
            let assignee = names.get(&staff_id).cloned().unwrap_or_else(|| staff_id.stream_id());
            let case = crate::resolve::shown_case(ctx, case_id)?;
            let done = crate::i18n::message("done-case-assign", &[("case", &case), ("staff", &assignee)]);
            run_case(ctx, "case assign", case_id, action, &done)
        }
        CaseCli::Close(args) => {
            let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
            let action = CaseAction::Close {
                reason: args.reason.into(),
                detail: reason("--detail", args.detail.as_ref())?,
                leaving: leaving(&args.leaving)?,
            };
            run_case(ctx, "case close", case_id, action, &crate::i18n::message("done-case-close", &[]))
        }
        CaseCli::Reopen(args) => {
            let case_id = crate::resolve::case(ctx, "CASE", &args.case)?;
            let action = CaseAction::Reopen { reason: reason("--reason", args.reason.as_ref())? };
            run_case(ctx, "case reopen", case_id, action, &crate::i18n::message("done-case-reopen", &[]))
        }
        CaseCli::Show(args) => crate::commands::reading::case_show(ctx, args),
    }
}
