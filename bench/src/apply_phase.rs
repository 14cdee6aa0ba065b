//! The batch path: `parapompi apply` on a batch of realistic commands, beside the Engine's
//! own single-task rate on the same commands, in the same run.
//!
//! The batch is a migration's: for each person, a registration, a sharing consent, an
//! intake, an assignment, an assessment, a note, a service, a referral, and the referral
//! sent and accepted; ten commands, each with an explicit command id. Every round runs the
//! commands once through `Engine::execute` in this process (one thread, each durable, on a
//! fresh data directory) and once through the real binary, `parapompi apply FILE`, as a child
//! process on another fresh data directory set up the same way; the binary's time is the
//! child's whole run (start, open, every line, the checkpoint saved at the end).

use std::path::{Path, PathBuf};
use std::time::Instant;

use parapompi::core::agency::{AgencyAction, AgencyCommand, AgencyProfile};
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::{CaseAction, CaseCommand};
use parapompi::core::centre::{CentreAction, CentreCommand};
use parapompi::core::identity::{IdentityRecord, IdentitySalt};
use parapompi::core::staff::{StaffAction, StaffCommand};
use parapompi::core::values::{
    AgencyId, Amka, BeneficiaryId, CaseId, CentreId, Date, MunicipalityName, Narrative, OrganisationName, PersonName,
    Reason, ReferralId, StaffId, Timestamp,
};
use parapompi::core::vocab::{
    AgencyKind, Answer, Attributes, Flag, Gender, IntakeChannel, Need, NeedDomain, NeedPriority, ReferralPriority,
    Role, ServiceKind, SharingPurpose, VulnerableGroups,
};
use parapompi::core::Command;
use parapompi::projections::athens_date;
use parapompi::{Acting, CommandMeta, Engine, EngineConfig};
use serde_json::json;
use uuid::Uuid;

/// Commands per person in the batch.
const COMMANDS_PER_PERSON: usize = 10;

/// The ids of the world both data directories are set up with.
struct World {
    centre: CentreId,
    admin: StaffId,
    worker: StaffId,
    agency: AgencyId,
}

fn world() -> World {
    World {
        centre: CentreId::new(Uuid::from_u128(0xc000_0000_0000_4000_8000_0000_0000_0001)),
        admin: StaffId::new(Uuid::from_u128(0xa000_0000_0000_4000_8000_0000_0000_0001)),
        worker: StaffId::new(Uuid::from_u128(0xa000_0000_0000_4000_8000_0000_0000_0002)),
        agency: AgencyId::new(Uuid::from_u128(0xe000_0000_0000_4000_8000_0000_0000_0001)),
    }
}

/// One person's ids in the batch.
struct Person {
    beneficiary: BeneficiaryId,
    case: CaseId,
    referral: ReferralId,
    amka: String,
    command_ids: [Uuid; COMMANDS_PER_PERSON],
}

const REQUEST: &str = "Ψάχνω εργασία και βοήθεια με την αίτηση για το επίδομα ανεργίας.";
const NOTE: &str = "Τηλεφωνική επικοινωνία· θα φέρει τα δικαιολογητικά την επόμενη εβδομάδα.";

/// An AMKA with a right check digit: the first ten digits from `n`, then the digit that
/// passes the Luhn check.
fn amka(n: usize) -> String {
    let stem = format!("0101{:06}", n % 1_000_000);
    (0..10).map(|d| format!("{stem}{d}")).find(|text| Amka::new(text).is_ok()).expect("one check digit fits")
}

fn people(n_people: usize) -> Vec<Person> {
    (0..n_people)
        .map(|n| Person {
            beneficiary: BeneficiaryId::new(Uuid::new_v4()),
            case: CaseId::new(Uuid::now_v7()),
            referral: ReferralId::new(Uuid::now_v7()),
            amka: amka(n),
            command_ids: std::array::from_fn(|_| Uuid::now_v7()),
        })
        .collect()
}

/// The batch as `apply` reads it: one JSON object a line.
fn batch_lines(world: &World, people: &[Person]) -> String {
    let mut text = String::new();
    for person in people {
        let (b, c, r) = (person.beneficiary.to_string(), person.case.to_string(), person.referral.to_string());
        let agency = world.agency.to_string();
        let lines = [
            json!({"command": "beneficiary register", "args": {
                "given_name": "Μαρία", "family_name": "Παπαδάκη", "amka": person.amka, "municipality": "Σφακίων",
                "gender": "female", "year_of_birth": 1970, "beneficiary_id": b}}),
            json!({"command": "beneficiary consent", "args": {"beneficiary": b, "agency": agency}}),
            json!({"command": "intake", "args": {"beneficiary": b, "channel": "walk_in", "request": REQUEST, "case_id": c}}),
            json!({"command": "case assign", "args": {"case": c, "staff": world.worker.to_string()}}),
            json!({"command": "assess", "args": {"case": c, "need": ["employment:high"]}}),
            json!({"command": "note", "args": {"case": c, "text": NOTE}}),
            json!({"command": "service", "args": {"case": c, "kind": "counselling"}}),
            json!({"command": "refer", "args": {"case": c, "agency": agency, "need": "employment", "referral_id": r}}),
            json!({"command": "referral send", "args": {"referral": r}}),
            json!({"command": "referral accept", "args": {"referral": r}}),
        ];
        for (mut line, command_id) in lines.into_iter().zip(person.command_ids) {
            line["command_id"] = json!(command_id.to_string());
            text.push_str(&line.to_string());
            text.push('\n');
        }
    }
    text
}

/// The same batch in the library's form: each line an `act` of the command as
/// `parapompi::core::Command` serialises it, which `apply` decides with no argument parsing.
fn act_lines(world: &World, people: &[Person], today: Date) -> String {
    let mut text = String::new();
    for person in people {
        for (command, command_id) in commands(world, person, today).into_iter().zip(person.command_ids) {
            let line = json!({"act": [command], "command_id": command_id.to_string()});
            text.push_str(&line.to_string());
            text.push('\n');
        }
    }
    text
}

/// The same commands as the Engine takes them: what the CLI makes of each line.
fn commands(world: &World, person: &Person, today: Date) -> Vec<Command> {
    let salt = IdentitySalt::new([*Uuid::new_v4().as_bytes(), *Uuid::new_v4().as_bytes()].concat())
        .expect("a bench value is valid");
    let identity = IdentityRecord::new(
        PersonName::new("Μαρία").expect("a bench value is valid"),
        PersonName::new("Παπαδάκη").expect("a bench value is valid"),
        Amka::new(&person.amka).expect("a bench value is valid"),
        Vec::new(),
        Vec::new(),
        None,
    )
    .expect("a bench value is valid");
    let attributes = Attributes {
        gender: Answer::Given(Gender::Female),
        year_of_birth: Answer::Given(1970),
        municipality_of_residence: MunicipalityName::new("Σφακίων").expect("a bench value is valid"),
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: Flag::DeclinedToAnswer,
            migrant: Flag::DeclinedToAnswer,
            disability: Flag::DeclinedToAnswer,
            homeless: Flag::DeclinedToAnswer,
            third_country_national: Some(Flag::DeclinedToAnswer),
            foreign_background: Some(Flag::DeclinedToAnswer),
        },
        labour_status: Answer::DeclinedToAnswer,
        education: Answer::DeclinedToAnswer,
        area_of_residence: Some(Answer::DeclinedToAnswer),
    };
    let beneficiary = |action| Command::Beneficiary(BeneficiaryCommand { beneficiary_id: person.beneficiary, action });
    let case = |action| Command::Case(CaseCommand { case_id: person.case, action });
    let referral_id = person.referral;
    vec![
        beneficiary(BeneficiaryAction::Register { identity, salt, attributes, centre_id: world.centre }),
        beneficiary(BeneficiaryAction::GrantConsent {
            agency_id: world.agency,
            purpose: SharingPurpose::Referral,
            granted_on: today,
        }),
        case(CaseAction::Open {
            beneficiary_id: person.beneficiary,
            centre_id: world.centre,
            antenna_id: None,
            intake_date: today,
            channel: IntakeChannel::WalkIn,
            request: Narrative::new(REQUEST).expect("a bench value is valid"),
        }),
        case(CaseAction::Assign { staff_id: world.worker }),
        case(CaseAction::Assess {
            needs: vec![Need { domain: NeedDomain::Employment, priority: NeedPriority::High }],
            assessed_on: today,
            summary: None,
        }),
        case(CaseAction::AddNote { text: Narrative::new(NOTE).expect("a bench value is valid") }),
        case(CaseAction::RecordService { kind: ServiceKind::Counselling, provided_on: today, note: None }),
        case(CaseAction::CreateReferral {
            referral_id,
            agency_id: world.agency,
            need: NeedDomain::Employment,
            reason: Reason::new("Referral for employment").expect("a bench value is valid"),
            due_on: today.add_days(14).expect("a bench value is valid"),
            priority: ReferralPriority::Routine,
        }),
        case(CaseAction::SendReferral { referral_id, consent_override: None }),
        case(CaseAction::AcceptReferral { referral_id }),
    ]
}

fn now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
}

fn meta(acting: Acting, command_id: Uuid) -> CommandMeta {
    let occurred_at = now();
    CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) }
}

/// A fresh data directory holding the centre, its administrator and social worker, and the
/// agency, on the default configuration (system clock, durable).
fn set_up(dir: &Path, world: &World) -> Engine {
    let _ = std::fs::remove_dir_all(dir);
    let engine = Engine::open(dir, EngineConfig::default()).expect("engine opens");
    let run = |acting, command: Command| {
        engine.execute(&command, meta(acting, Uuid::now_v7())).expect("set-up command executes");
    };
    run(
        Acting::Setup,
        Command::Centre(CentreCommand {
            centre_id: world.centre,
            action: CentreAction::Register {
                name: OrganisationName::new("Κέντρο Κοινότητας Δήμου Αποκορώνου").expect("a bench value is valid"),
                host_municipality: MunicipalityName::new("Αποκορώνου").expect("a bench value is valid"),
                supervising_service: OrganisationName::new("Κοινωνική Υπηρεσία Δήμου Αποκορώνου")
                    .expect("a bench value is valid"),
                first_administrator: world.admin,
            },
        }),
    );
    for (staff_id, name, role, acting) in [
        (world.admin, "Ειρήνη Μαρκάκη", Role::Administrator, Acting::Setup),
        (world.worker, "Στέλιος Παπαδάκης", Role::SocialWorker, Acting::Staff(world.admin)),
    ] {
        run(
            acting,
            Command::Staff(StaffCommand {
                staff_id,
                action: StaffAction::Register {
                    centre_id: world.centre,
                    name: PersonName::new(name).expect("a bench value is valid"),
                    roles: [role].into(),
                },
            }),
        );
    }
    let profile = AgencyProfile {
        name: OrganisationName::new("ΔΥΠΑ Χανίων").expect("a bench value is valid"),
        kind: AgencyKind::PublicService,
        description: None,
        need_domains: [NeedDomain::Employment].into(),
        municipality: MunicipalityName::new("Χανίων").expect("a bench value is valid"),
        email: None,
        url: None,
        phones: Vec::new(),
    };
    run(
        Acting::Staff(world.admin),
        Command::Agency(AgencyCommand { agency_id: world.agency, action: AgencyAction::Register { profile } }),
    );
    engine
}

/// The `parapompi` binary: `--parapompi PATH`, else beside this benchmark's own binary.
fn binary(given: Option<&Path>) -> Result<PathBuf, String> {
    let path = match given {
        Some(path) => path.to_path_buf(),
        None => std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("parapompi"),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!(
            "no parapompi binary at {}; build it first (cargo build --release -p parapompi-cli) or give --parapompi PATH",
            path.display()
        ))
    }
}

fn per_second(n: usize, seconds: f64) -> f64 {
    // Counts stay far below 2^52, where f64 is exact.
    #[allow(clippy::cast_precision_loss)]
    let n = n as f64;
    n / seconds
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The Engine alone, one thread, each command durable, on a fresh data directory. The
/// commands are built before the clock starts; the CLI builds its own from each line, which
/// is part of its work.
fn engine_phase(dir: &Path, world: &World, people: &[Person]) -> f64 {
    let engine_dir = dir.join("engine");
    let engine = set_up(&engine_dir, world);
    let today = athens_date(now());
    let work: Vec<(Command, Uuid)> =
        people.iter().flat_map(|person| commands(world, person, today).into_iter().zip(person.command_ids)).collect();
    crate::store_phases::settle();
    let start = Instant::now();
    for (command, command_id) in &work {
        let executed =
            engine.execute(command, meta(Acting::Staff(world.worker), *command_id)).expect("command executes");
        assert!(!executed.deduplicated);
    }
    let rate = per_second(work.len(), start.elapsed().as_secs_f64());
    engine.close().expect("close");
    let _ = std::fs::remove_dir_all(&engine_dir);
    rate
}

/// The binary on the same commands as lines, on a fresh data directory set up the same way:
/// the child's whole run, from its start to its exit.
fn apply_phase(dir: &Path, world: &World, binary: &Path, batch: &Path, n_commands: usize) -> Result<f64, String> {
    let apply_dir = dir.join("apply");
    set_up(&apply_dir, world).close().expect("close");
    let results = dir.join("results.jsonl");
    let output = std::fs::File::create(&results).map_err(|e| format!("results file: {e}"))?;
    crate::store_phases::settle();
    let start = Instant::now();
    let status = std::process::Command::new(binary)
        .arg("--data-dir")
        .arg(&apply_dir)
        .arg("--as")
        .arg(world.worker.to_string())
        .arg("apply")
        .arg(batch)
        .env_remove("PARAPOMPI_DATA")
        .env_remove("PARAPOMPI_ACTOR")
        .stdout(output)
        .status()
        .map_err(|e| format!("running {}: {e}", binary.display()))?;
    let seconds = start.elapsed().as_secs_f64();
    let text = std::fs::read_to_string(&results).map_err(|e| format!("reading the results: {e}"))?;
    let n_ok = text.lines().filter(|line| line.contains(r#""ok":true"#)).count();
    if !status.success() || n_ok != n_commands {
        let first_error = text.lines().find(|line| !line.contains(r#""ok":true"#)).unwrap_or_default();
        return Err(format!("apply: {status}, {n_ok} of {n_commands} lines ok; first failure: {first_error}"));
    }
    let _ = std::fs::remove_dir_all(&apply_dir);
    Ok(per_second(n_commands, seconds))
}

pub fn run(dir: &Path, n_commands: usize, rounds: usize, parapompi: Option<&Path>) -> Result<(), String> {
    let binary = binary(parapompi)?;
    let world = world();
    let n_people = n_commands.div_ceil(COMMANDS_PER_PERSON).max(1);
    let people = people(n_people);
    let n_commands = n_people * COMMANDS_PER_PERSON;
    let batch = dir.join("batch.jsonl");
    std::fs::write(&batch, batch_lines(&world, &people)).map_err(|e| format!("writing the batch: {e}"))?;
    let acts = dir.join("acts.jsonl");
    std::fs::write(&acts, act_lines(&world, &people, athens_date(now())))
        .map_err(|e| format!("writing the batch: {e}"))?;
    println!(
        "apply benchmark: {n_commands} commands ({n_people} people, {COMMANDS_PER_PERSON} commands each), {rounds} rounds, binary {}",
        binary.display()
    );
    let (mut engine_rates, mut apply_rates, mut act_rates) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ratios, mut act_ratios) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        // The three take turns going first, so that a drift of the disk or of the machine's
        // other work over a round falls on each alike.
        let mut rates = [0.0f64; 3];
        for turn in 0..3 {
            let which = (turn + round) % 3;
            rates[which] = match which {
                0 => engine_phase(dir, &world, &people),
                1 => apply_phase(dir, &world, &binary, &batch, n_commands)?,
                _ => apply_phase(dir, &world, &binary, &acts, n_commands)?,
            };
        }
        let [engine_rate, apply_rate, act_rate] = rates;
        println!(
            "round {round}: Engine {engine_rate:>6.0} commands/s, apply {apply_rate:>6.0} lines/s ({:.2}x), \
             apply of acts {act_rate:>6.0} lines/s ({:.2}x)",
            apply_rate / engine_rate,
            act_rate / engine_rate
        );
        engine_rates.push(engine_rate);
        apply_rates.push(apply_rate);
        act_rates.push(act_rate);
        ratios.push(apply_rate / engine_rate);
        act_ratios.push(act_rate / engine_rate);
    }
    let _ = std::fs::remove_file(dir.join("results.jsonl"));
    let ratio = median(&mut ratios);
    let act_ratio = median(&mut act_ratios);
    println!("Engine, 1 thread, commands/s: median {:>6.0}", median(&mut engine_rates));
    println!("apply (the binary), lines/s:  median {:>6.0}", median(&mut apply_rates));
    println!("apply of acts, lines/s:       median {:>6.0}", median(&mut act_rates));
    println!("apply / Engine, median of rounds: {ratio:.2}x; apply of acts / Engine: {act_ratio:.2}x");
    println!();
    let verdict = |r: f64| if r >= 0.8 { "met" } else { "MISSED" };
    println!(
        "target: apply >= 0.8x the Engine: command-line form {}, library form {}",
        verdict(ratio),
        verdict(act_ratio)
    );
    Ok(())
}

/// Leaves `DIR/batch.jsonl` and a freshly set-up `DIR/set-up` for a run by hand, and says how.
pub fn keep(dir: &Path) {
    let world = world();
    set_up(&dir.join("set-up"), &world).close().expect("close");
    println!(
        "kept: cp -r {0}/set-up D && parapompi --data-dir D --as {1} apply {0}/batch.jsonl",
        dir.display(),
        world.worker
    );
}
