//! Embedding Parapompi: open a data directory on the system clock with the default (durable)
//! configuration, set up a centre, take a person in, assess, refer and send the referral,
//! then ask what a centre's staff and an evaluator would ask. Copy it as it is: it uses only
//! the `parapompi` and `uuid` crates.
//!
//! Run: `cargo run --release --example embed [DATA_DIR]`. Without DATA_DIR it works in a
//! fresh directory under the system's temporary directory and removes it at the end; with
//! one (`./parapompi-data`, say, beside the demo world) it adds a centre there and keeps it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use parapompi::core::agency::{AgencyAction, AgencyCommand, AgencyProfile};
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::{CaseAction, CaseCommand};
use parapompi::core::centre::{CentreAction, CentreCommand};
use parapompi::core::identity::{IdentityRecord, IdentitySalt};
use parapompi::core::staff::{StaffAction, StaffCommand};
use parapompi::core::values::{
    AgencyId, Amka, BeneficiaryId, CaseId, CentreId, MunicipalityName, Narrative, OrganisationName, PersonName, Reason,
    ReferralId, StaffId, Timestamp,
};
use parapompi::core::vocab::{
    Answer, Attributes, Flag, Gender, IntakeChannel, LegalBasis, Need, NeedDomain, NeedPriority, ReferralPriority,
    Role, SharingPurpose, Urbanisation, VulnerableGroups,
};
use parapompi::core::Command;
use parapompi::projections::{athens_date, BoardQuery, CaseloadQuery, IndicatorQuery};
use parapompi::{Acting, CommandMeta, Engine, EngineConfig, Executed};
use uuid::Uuid;

type Error = Box<dyn std::error::Error>;

fn main() -> ExitCode {
    let (dir, temporary) = match std::env::args_os().nth(1) {
        Some(dir) => (PathBuf::from(dir), false),
        None => (std::env::temp_dir().join(format!("parapompi-embed-{}", Uuid::new_v4())), true),
    };
    let result = run(&dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("embed: {error}");
            ExitCode::from(2)
        }
    }
}

/// Now, on the system clock: the business time of a command, which the caller gives.
fn now() -> Timestamp {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

/// Runs one command as `acting`, now, under a new time-ordered command id. Keep the id to
/// retry safely: the same id again writes nothing and answers as the first time.
fn execute(engine: &Engine, acting: Acting, command: Command) -> Result<Executed, Error> {
    let occurred_at = now();
    let meta = CommandMeta { command_id: Uuid::now_v7(), acting, occurred_at, business_date: athens_date(occurred_at) };
    Ok(engine.execute(&command, meta)?)
}

fn run(dir: &std::path::Path) -> Result<(), Error> {
    // The default configuration: the system clock records when each event was written, and
    // every acknowledged command is on disk (sled's flush, then fsync).
    let engine = Engine::open(dir, EngineConfig::default())?;
    println!("opened {} ({} events in the log)", dir.display(), engine.store().head().position);
    let today = athens_date(now());

    // A centre and its first administrator, who then adds a social worker and a partner body.
    let centre_id = CentreId::new(Uuid::new_v4());
    let admin = StaffId::new(Uuid::new_v4());
    let centre = |action| Command::Centre(CentreCommand { centre_id, action });
    execute(
        &engine,
        Acting::Setup,
        centre(CentreAction::Register {
            name: OrganisationName::new("Κέντρο Κοινότητας Δήμου Αποκορώνου")?,
            host_municipality: MunicipalityName::new("Αποκορώνου")?,
            supervising_service: OrganisationName::new("Κοινωνική Υπηρεσία Δήμου Αποκορώνου")?,
            first_administrator: admin,
        }),
    )?;
    let staff = |staff_id, name: &str, role| -> Result<Command, Error> {
        Ok(Command::Staff(StaffCommand {
            staff_id,
            action: StaffAction::Register { centre_id, name: PersonName::new(name)?, roles: [role].into() },
        }))
    };
    execute(&engine, Acting::Setup, staff(admin, "Ειρήνη Μαρκάκη", Role::Administrator)?)?;
    let worker = StaffId::new(Uuid::new_v4());
    execute(&engine, Acting::Staff(admin), staff(worker, "Στέλιος Παπαδάκης", Role::SocialWorker)?)?;
    let agency_id = AgencyId::new(Uuid::new_v4());
    let profile = AgencyProfile {
        name: OrganisationName::new("ΔΥΠΑ Χανίων")?,
        kind: parapompi::core::vocab::AgencyKind::PublicService,
        description: None,
        need_domains: [NeedDomain::Employment].into(),
        municipality: MunicipalityName::new("Χανίων")?,
        email: None,
        url: None,
        phones: Vec::new(),
    };
    execute(
        &engine,
        Acting::Staff(admin),
        Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Register { profile } }),
    )?;

    // A person from the neighbouring municipality: the identity goes to the vault, only the
    // attributes the indicators use go to the log.
    let beneficiary_id = BeneficiaryId::new(Uuid::new_v4());
    let identity = IdentityRecord::new(
        PersonName::new("Μαρία")?,
        PersonName::new("Παπαδάκη")?,
        Amka::new("01017012343")?,
        Vec::new(),
        Vec::new(),
        None,
    )?;
    // The salt of the identity's digest: 32 random bytes (two version-4 UUIDs come from the
    // operating system's random source).
    let salt = IdentitySalt::new([*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat())?;
    let attributes = Attributes {
        gender: Answer::Given(Gender::Female),
        year_of_birth: Answer::Given(1970),
        municipality_of_residence: MunicipalityName::new("Σφακίων")?,
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: Flag::No,
            migrant: Flag::No,
            disability: Flag::DeclinedToAnswer,
            homeless: Flag::No,
            third_country_national: Some(Flag::No),
            foreign_background: Some(Flag::No),
        },
        labour_status: Answer::DeclinedToAnswer,
        education: Answer::DeclinedToAnswer,
        area_of_residence: Some(Answer::Given(Urbanisation::RuralAreas)),
    };
    let beneficiary = |action| Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action });
    let as_worker = Acting::Staff(worker);
    execute(&engine, as_worker, beneficiary(BeneficiaryAction::Register { identity, salt, attributes, centre_id }))?;
    execute(&engine, as_worker, beneficiary(BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::Consent }))?;
    execute(
        &engine,
        as_worker,
        beneficiary(BeneficiaryAction::GrantConsent {
            agency_id,
            purpose: SharingPurpose::Referral,
            granted_on: today,
        }),
    )?;

    // The case: an intake, an assessment, a referral to the agency, sent.
    let case_id = CaseId::new(Uuid::now_v7());
    let case = |action| Command::Case(CaseCommand { case_id, action });
    execute(
        &engine,
        as_worker,
        case(CaseAction::Open {
            beneficiary_id,
            centre_id,
            antenna_id: None,
            intake_date: today,
            channel: IntakeChannel::WalkIn,
            request: Narrative::new("Ψάχνω εργασία.")?,
        }),
    )?;
    execute(&engine, as_worker, case(CaseAction::Assign { staff_id: worker }))?;
    execute(
        &engine,
        as_worker,
        case(CaseAction::Assess {
            needs: vec![Need { domain: NeedDomain::Employment, priority: NeedPriority::High }],
            assessed_on: today,
            summary: None,
        }),
    )?;
    let referral_id = ReferralId::new(Uuid::now_v7());
    execute(
        &engine,
        as_worker,
        case(CaseAction::CreateReferral {
            referral_id,
            agency_id,
            need: NeedDomain::Employment,
            reason: Reason::new("Αναζήτηση εργασίας μέσω της ΔΥΠΑ.")?,
            due_on: today.add_days(14)?,
            priority: ReferralPriority::Routine,
        }),
    )?;
    let sent = execute(&engine, as_worker, case(CaseAction::SendReferral { referral_id, consent_override: None }))?;
    println!("referral {referral_id} sent (log position {})", sent.events[0].position);

    // A rule's refusal is a typed error and writes nothing: the referral is no longer a draft.
    match execute(&engine, as_worker, case(CaseAction::SendReferral { referral_id, consent_override: None })) {
        Err(error) => println!("sending it again is refused: {error}"),
        Ok(_) => return Err("a referral was sent twice".into()),
    }

    // What staff and evaluators ask.
    let caseload = engine.caseload(&CaseloadQuery { staff: Some(worker), ..CaseloadQuery::default() })?;
    println!("the social worker's open cases: {}, open referrals: {}", caseload.cases.len(), caseload.n_open_referrals);
    let board = engine.board(&BoardQuery { centre: Some(centre_id), ..BoardQuery::default() })?;
    for entry in &board.referrals {
        println!("board: {} {} to {}", entry.referral_id, entry.status, entry.agency_name.as_deref().unwrap_or("-"));
    }
    let report =
        engine.indicators(&IndicatorQuery { programme: None, centre: Some(centre_id), from: today, to: today })?;
    let json = report.to_json();
    println!("indicators for today (first lines of {} bytes of JSON):", json.len());
    for line in json.lines().take(8) {
        println!("  {line}");
    }
    let verified = engine.store().verify()?;
    println!("the log verifies: {} events, head {} {}", verified.n_events, verified.head_position, verified.head_hash);
    engine.close()?;
    Ok(())
}
