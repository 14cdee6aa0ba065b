//! A realistic, deterministic demo world: the Community Centre of Apokoronas in Vrysses,
//! serving Apokoronas and Sfakia; the Community Centre of Florina with its antenna in
//! Prespes; staff in every role (a Roma mediator among them); two dozen partner agencies of
//! every kind; and beneficiaries moving through intakes, assessments, services and referrals
//! over two years, with every referral outcome represented.
//!
//! Everything is driven through [`Engine::execute`], as an operator would, on a simulated
//! clock: the same seed writes the same log, byte for byte.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::Arc;

use parapompi_core::agency::{AgencyAction, AgencyCommand, AgencyProfile};
use parapompi_core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi_core::case::{CaseAction, CaseCommand, ConsentOverride};
use parapompi_core::centre::{CentreAction, CentreCommand, FundingProgramme};
use parapompi_core::esf::LeavingSituation;
use parapompi_core::identity::{IdentityRecord, IdentitySalt};
use parapompi_core::staff::{StaffAction, StaffCommand};
use parapompi_core::values::{
    AgencyId, Amka, AntennaId, BeneficiaryId, CaseId, CentreId, Date, Email, EuroCents, FundName, MunicipalityName,
    Narrative, OrganisationName, PersonName, Phone, PostalAddress, ProgrammeCode, Reason, ReferralId, StaffId,
    Timestamp,
};
use parapompi_core::vocab::{
    AgencyKind, Answer, Attributes, CloseReason, Flag, Gender, IntakeChannel, IscedBand, LabourStatus, LegalBasis,
    Need, NeedDomain, NeedPriority, Outcome, ReferralPriority, Role, ServiceKind, SharingPurpose, Urbanisation,
    VulnerableGroups,
};
use parapompi_core::Command;
use parapompi_projections::athens_date;
use parapompi_store::ManualClock;
use uuid::Uuid;

use crate::engine::{Acting, CommandMeta, Engine};
use crate::error::EngineError;

/// What world to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// The seed of every random choice: the same seed makes the same log.
    pub seed: u64,
    /// How many people come to the centres over the period.
    pub n_beneficiaries: usize,
    /// The first day of the period.
    pub first_day: Date,
    /// How many days the period lasts.
    pub n_days: u32,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 2023,
            n_beneficiaries: 300,
            first_day: Date::from_ymd(2023, 6, 1).expect("a valid date"),
            n_days: 730,
        }
    }
}

/// What the demo made.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Centres, with their names.
    pub centres: Vec<(CentreId, String)>,
    /// Staff, with their names, centres and roles.
    pub staff: Vec<(StaffId, String, CentreId, Vec<Role>)>,
    /// Partner agencies registered.
    pub n_agencies: usize,
    /// Beneficiaries registered, with the centre that registered each.
    pub beneficiaries: Vec<(BeneficiaryId, CentreId)>,
    /// Cases opened.
    pub n_cases: usize,
    /// Referrals created (re-routes included).
    pub n_referrals: usize,
    /// Commands executed.
    pub n_commands: u64,
    /// How many referrals ended each way (those still open at the end are not counted).
    pub referral_endings: BTreeMap<&'static str, usize>,
    /// A case still open at the end, to try `case show` and `audit` on.
    pub sample_open_case: Option<CaseId>,
    /// The period's first and last day.
    pub period: Option<(Date, Date)>,
}

/// A small deterministic generator (SplitMix64): the demo must not depend on a random
/// number crate's version to stay reproducible.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n.max(1)).unwrap_or(u64::MAX);
        usize::try_from(self.next_u64() % n64).unwrap_or(0)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }

    fn days(&mut self, low: i64, high: i64) -> i64 {
        let span = usize::try_from(high - low + 1).unwrap_or(1);
        low + i64::try_from(self.below(span)).unwrap_or(0)
    }
}

fn pick_text(rng: &mut Rng, texts: &[&'static str]) -> &'static str {
    texts[rng.below(texts.len())]
}

const GIVEN_FEMALE: &[&str] =
    &["Μαρία", "Ελένη", "Αικατερίνη", "Βασιλική", "Σοφία", "Αναστασία", "Ευαγγελία", "Δέσποινα"];
const GIVEN_MALE: &[&str] =
    &["Γεώργιος", "Ιωάννης", "Κωνσταντίνος", "Δημήτριος", "Νικόλαος", "Παναγιώτης", "Μανώλης", "Αντώνης"];
const FAMILY_FEMALE: &[&str] = &["Παπαδάκη", "Μαρκάκη", "Βλαχάκη", "Κωστοπούλου", "Δημητρίου", "Σαββίδου", "Τσακίρη"];
const FAMILY_MALE: &[&str] = &["Παπαδάκης", "Μαρκάκης", "Βλαχάκης", "Κωστόπουλος", "Δημητρίου", "Σαββίδης", "Τσακίρης"];
const REQUESTS: &[&str] = &[
    "Χρειάζομαι βοήθεια για το επίδομα θέρμανσης.",
    "Έχασα τη δουλειά μου και δεν μπορώ να πληρώσω το ενοίκιο.",
    "Θέλω πληροφορίες για το ελάχιστο εγγυημένο εισόδημα.",
    "Η μητέρα μου χρειάζεται φροντίδα στο σπίτι.",
    "Ψάχνω εργασία και θέλω να μάθω για προγράμματα κατάρτισης.",
    "Δεν έχω ΑΜΚΑ για το παιδί μου και χρειάζομαι βοήθεια με τα χαρτιά.",
];

/// One step of a person's journey, due at an instant.
#[derive(Clone, Debug)]
enum Step {
    Arrive,
    Assign,
    Assess,
    Serve,
    Refer { need: NeedDomain, attempt: u8 },
    Answer { referral: ReferralId, need: NeedDomain, attempt: u8 },
    Start { referral: ReferralId },
    Finish { referral: ReferralId },
    Expire { referral: ReferralId },
    Resume { referral: ReferralId },
    Close,
    Reopen,
}

/// A person's journey: who, where, and the case's running facts.
struct Journey {
    beneficiary_id: BeneficiaryId,
    case_id: CaseId,
    centre: usize,
    antenna: bool,
    roma: bool,
    worker: StaffId,
    needs: Vec<NeedDomain>,
    open_referrals: usize,
    /// Agencies the person has consented to share with.
    consents: Vec<AgencyId>,
    closed: bool,
    reopened: bool,
}

struct CentreSetup {
    centre_id: CentreId,
    antenna: Option<AntennaId>,
    municipalities: &'static [&'static str],
    admin: StaffId,
    supervisor: StaffId,
    reception: StaffId,
    workers: Vec<StaffId>,
    roma_mediator: Option<StaffId>,
}

struct Demo<'a> {
    engine: &'a Engine,
    clock: &'a ManualClock,
    rng: Rng,
    /// Draws for the ESF+ answers (the situation on leaving, the attributes added for ESF+),
    /// apart from `rng` so the rest of the world stays as it was before they were asked.
    esf: Rng,
    now: Timestamp,
    summary: DemoSummary,
    centres: Vec<CentreSetup>,
    agencies: Vec<(AgencyId, AgencyKind, Vec<NeedDomain>)>,
    journeys: Vec<Journey>,
    queue: BinaryHeap<Reverse<(i64, u64, usize)>>,
    steps: BTreeMap<u64, Step>,
    n_scheduled: u64,
    last_ms: i64,
}

const MS_PER_DAY: i64 = 86_400_000;
/// 09:00 in Athens is 06:00 or 07:00 UTC; the demo's working day starts at 07:00 UTC.
const WORKDAY_START_MS: i64 = 7 * 3_600_000;

/// Fills an engine with the demo world. `clock` must be the clock the engine's store was
/// opened with: the demo moves it along the simulated days, so recorded-at times are part of
/// the reproducible story. Run it on an empty data directory.
pub fn populate(engine: &Engine, clock: &Arc<ManualClock>, options: &DemoOptions) -> Result<DemoSummary, EngineError> {
    populate_reporting(engine, clock, options, &crate::progress::silently)
}

/// [`populate`], reporting its progress in simulated days.
pub fn populate_reporting(
    engine: &Engine,
    clock: &Arc<ManualClock>,
    options: &DemoOptions,
    report: crate::progress::Report<'_>,
) -> Result<DemoSummary, EngineError> {
    if engine.store().head().position != 0 {
        return Err(EngineError::NotFound("the demo needs an empty data directory".to_owned()));
    }
    let first_ms = options.first_day.days_since_epoch() * MS_PER_DAY + WORKDAY_START_MS;
    let last_ms = first_ms + i64::from(options.n_days) * MS_PER_DAY;
    let mut demo = Demo {
        engine,
        clock,
        rng: Rng(options.seed),
        esf: Rng(options.seed ^ 0x4553_462B),
        now: Timestamp::from_unix_ms(first_ms),
        summary: DemoSummary::default(),
        centres: Vec::new(),
        agencies: Vec::new(),
        journeys: Vec::new(),
        queue: BinaryHeap::new(),
        steps: BTreeMap::new(),
        n_scheduled: 0,
        last_ms,
    };
    demo.set_up_centres()?;
    demo.register_agencies()?;
    for _ in 0..options.n_beneficiaries {
        let arrival = first_ms + demo.rng.days(1, i64::from(options.n_days) - 1) * MS_PER_DAY;
        let journey = demo.new_journey();
        demo.schedule(arrival, journey, Step::Arrive);
    }
    let n_days = u64::from(options.n_days);
    let mut day_reported = 0u64;
    while let Some(Reverse((at_ms, sequence, journey))) = demo.queue.pop() {
        let step = demo.steps.remove(&sequence).expect("every queued step is stored");
        demo.now = Timestamp::from_unix_ms(at_ms);
        demo.run_step(journey, step)?;
        let day = u64::try_from((at_ms - first_ms) / MS_PER_DAY).unwrap_or(0).min(n_days);
        if day > day_reported {
            day_reported = day;
            report(crate::progress::Progress {
                work: crate::progress::Work::Simulating,
                done: day,
                total: Some(n_days),
            });
        }
    }
    report(crate::progress::Progress { work: crate::progress::Work::Simulating, done: n_days, total: Some(n_days) });
    demo.summary.period = Some((options.first_day, athens_date(Timestamp::from_unix_ms(last_ms))));
    demo.summary.sample_open_case =
        demo.journeys.iter().rev().find(|j| j.open_referrals > 0 && !j.closed).map(|j| j.case_id);
    engine.flush()?;
    Ok(demo.summary)
}

fn invalid(error: parapompi_core::ValidationError) -> EngineError {
    EngineError::Invalid(error)
}

fn org(text: &str) -> Result<OrganisationName, EngineError> {
    OrganisationName::new(text).map_err(invalid)
}

fn town(text: &str) -> Result<MunicipalityName, EngineError> {
    MunicipalityName::new(text).map_err(invalid)
}

fn reason(text: &str) -> Result<Reason, EngineError> {
    Reason::new(text).map_err(invalid)
}

fn narrative(text: &str) -> Result<Narrative, EngineError> {
    Narrative::new(text).map_err(invalid)
}

impl Demo<'_> {
    /// Executes one command at the current simulated instant, as `acting`.
    fn run(&mut self, acting: Acting, command: Command) -> Result<(), EngineError> {
        // Commands of one instant keep their order: each is a second after the last.
        self.now = Timestamp::from_unix_ms(self.now.unix_ms() + 1_000);
        self.clock.set(parapompi_store::Timestamp::from_unix_ms(self.now.unix_ms() + 500));
        let meta = CommandMeta {
            command_id: self.rng.uuid(),
            acting,
            occurred_at: self.now,
            business_date: athens_date(self.now),
        };
        self.engine.execute(&command, meta)?;
        self.summary.n_commands += 1;
        Ok(())
    }

    fn today(&self) -> Date {
        athens_date(self.now)
    }

    fn date_in(&self, days: i64) -> Result<Date, EngineError> {
        self.today().add_days(days).map_err(invalid)
    }

    fn schedule(&mut self, at_ms: i64, journey: usize, step: Step) {
        if at_ms > self.last_ms {
            return;
        }
        self.n_scheduled += 1;
        self.steps.insert(self.n_scheduled, step);
        self.queue.push(Reverse((at_ms, self.n_scheduled, journey)));
    }

    /// Schedules a step between `low` and `high` days from now, at some working hour.
    fn schedule_within(&mut self, low: i64, high: i64, journey: usize, step: Step) {
        let days = self.rng.days(low, high);
        let hours = i64::try_from(self.rng.below(6)).unwrap_or(0);
        self.schedule(self.now.unix_ms() + days * MS_PER_DAY + hours * 3_600_000, journey, step);
    }

    fn set_up_centres(&mut self) -> Result<(), EngineError> {
        struct Plan {
            name: &'static str,
            host: &'static str,
            service: &'static str,
            served: &'static [&'static str],
            antenna: Option<(&'static str, &'static str)>,
            staff: &'static [(&'static str, &'static [Role])],
        }
        let plans = [
            Plan {
                name: "Κέντρο Κοινότητας Δήμου Αποκορώνου (Βρύσες)",
                host: "Αποκορώνου",
                service: "Κοινωνική Υπηρεσία Δήμου Αποκορώνου",
                served: &["Αποκορώνου", "Σφακίων"],
                antenna: None,
                staff: &[
                    ("Ειρήνη Μαρκάκη", &[Role::Administrator]),
                    ("Αργυρώ Βλαχάκη", &[Role::Supervisor]),
                    ("Στέλιος Παπαδάκης", &[Role::SocialWorker]),
                    ("Χρυσούλα Τζανάκη", &[Role::SocialWorker]),
                    ("Νίκος Αεράκης", &[Role::Psychologist]),
                    ("Κατερίνα Σπανουδάκη", &[Role::Reception]),
                ],
            },
            Plan {
                name: "Κέντρο Κοινότητας Δήμου Φλώρινας",
                host: "Φλώρινας",
                service: "Κοινωνική Υπηρεσία Δήμου Φλώρινας",
                served: &["Φλώρινας", "Πρεσπών"],
                antenna: Some(("Παράρτημα Κέντρου Κοινότητας στις Πρέσπες", "Πρεσπών")),
                staff: &[
                    ("Θεοδώρα Κυριακίδου", &[Role::Administrator]),
                    ("Παύλος Ιωαννίδης", &[Role::Supervisor, Role::SocialWorker]),
                    ("Δέσποινα Σαββίδου", &[Role::SocialWorker]),
                    ("Λάζαρος Παπαδόπουλος", &[Role::Psychologist]),
                    ("Ζαχαρίας Μουσταφά", &[Role::RomaMediator]),
                    ("Ελπίδα Τσακίρη", &[Role::Reception]),
                ],
            },
        ];
        for plan in plans {
            let centre_id = CentreId::new(self.rng.uuid());
            let staff_ids: Vec<StaffId> = plan.staff.iter().map(|_| StaffId::new(self.rng.uuid())).collect();
            let admin = staff_ids[0];
            self.run(
                Acting::Setup,
                Command::Centre(CentreCommand {
                    centre_id,
                    action: CentreAction::Register {
                        name: org(plan.name)?,
                        host_municipality: town(plan.host)?,
                        supervising_service: org(plan.service)?,
                        first_administrator: admin,
                    },
                }),
            )?;
            for (index, ((name, roles), staff_id)) in plan.staff.iter().zip(&staff_ids).enumerate() {
                let acting = if index == 0 { Acting::Setup } else { Acting::Staff(admin) };
                self.run(
                    acting,
                    Command::Staff(StaffCommand {
                        staff_id: *staff_id,
                        action: StaffAction::Register {
                            centre_id,
                            name: PersonName::new(name).map_err(invalid)?,
                            roles: roles.iter().copied().collect(),
                        },
                    }),
                )?;
                self.summary.staff.push((*staff_id, (*name).to_owned(), centre_id, roles.to_vec()));
            }
            let centre = |action| Command::Centre(CentreCommand { centre_id, action });
            for municipality in plan.served.iter().filter(|m| **m != plan.host) {
                self.run(
                    Acting::Staff(admin),
                    centre(CentreAction::AddServedMunicipality { municipality: town(municipality)? }),
                )?;
            }
            let antenna = match plan.antenna {
                Some((name, municipality)) => {
                    let antenna_id = AntennaId::new(self.rng.uuid());
                    self.run(
                        Acting::Staff(admin),
                        centre(CentreAction::OpenAntenna {
                            antenna_id,
                            name: org(name)?,
                            municipality: town(municipality)?,
                        }),
                    )?;
                    Some(antenna_id)
                }
                None => None,
            };
            for (code, fund, starts, ends, euros) in [
                ("ΟΠΣ 5002817", "ΕΣΠΑ 2014-2020, ΕΚΤ", (2017, 6, 1), (2023, 5, 31), 266_400u64),
                ("ΟΠΣ 6001244", "ΕΣΠΑ 2021-2027, ΕΚΤ+", (2023, 6, 1), (2026, 12, 31), 412_000u64),
            ] {
                let programme = FundingProgramme {
                    code: ProgrammeCode::new(code).map_err(invalid)?,
                    fund: FundName::new(fund).map_err(invalid)?,
                    starts_on: Date::from_ymd(starts.0, starts.1, starts.2).map_err(invalid)?,
                    ends_on: Date::from_ymd(ends.0, ends.1, ends.2).map_err(invalid)?,
                    budget: EuroCents::new(euros * 100).map_err(invalid)?,
                };
                self.run(Acting::Staff(admin), centre(CentreAction::AddFundingProgramme { programme }))?;
            }
            let role_of = |wanted: Role| {
                plan.staff.iter().zip(&staff_ids).find(|((_, roles), _)| roles.contains(&wanted)).map(|(_, id)| *id)
            };
            let workers = plan
                .staff
                .iter()
                .zip(&staff_ids)
                .filter(|((_, roles), _)| roles.iter().any(|r| matches!(r, Role::SocialWorker | Role::Psychologist)))
                .map(|(_, id)| *id)
                .collect();
            self.centres.push(CentreSetup {
                centre_id,
                antenna,
                municipalities: plan.served,
                admin,
                supervisor: role_of(Role::Supervisor).expect("each plan has a supervisor"),
                reception: role_of(Role::Reception).expect("each plan has reception"),
                workers,
                roma_mediator: role_of(Role::RomaMediator),
            });
            self.summary.centres.push((centre_id, plan.name.to_owned()));
        }
        Ok(())
    }

    fn register_agencies(&mut self) -> Result<(), EngineError> {
        use AgencyKind::*;
        use NeedDomain::*;
        let plans: &[(&str, AgencyKind, &[NeedDomain], &str)] = &[
            ("Κοινωνικό Παντοπωλείο Δήμου Αποκορώνου", MunicipalService, &[IncomeAndBenefits], "Αποκορώνου"),
            (
                "Κοινωνική Υπηρεσία Δήμου Αποκορώνου",
                MunicipalService,
                &[IncomeAndBenefits, Housing, FamilyAndChildcare],
                "Αποκορώνου",
            ),
            ("Δημοτικοί Παιδικοί Σταθμοί Αποκορώνου", MunicipalService, &[FamilyAndChildcare], "Αποκορώνου"),
            ("ΚΕΠ Δήμου Σφακίων", MunicipalService, &[LegalAndDocuments], "Σφακίων"),
            ("Κοινωνικό Φαρμακείο Δήμου Φλώρινας", MunicipalService, &[Health], "Φλώρινας"),
            ("Βοήθεια στο Σπίτι Δήμου Φλώρινας", MunicipalService, &[Health, Disability], "Φλώρινας"),
            ("ΚΕΠ Δήμου Πρεσπών", MunicipalService, &[LegalAndDocuments], "Πρεσπών"),
            ("ΔΥΠΑ, Κέντρο Προώθησης Απασχόλησης Χανίων", PublicService, &[Employment, Education], "Χανίων"),
            ("ΔΥΠΑ, Κέντρο Προώθησης Απασχόλησης Φλώρινας", PublicService, &[Employment, Education], "Φλώρινας"),
            ("ΕΦΚΑ Χανίων", PublicService, &[IncomeAndBenefits, Disability], "Χανίων"),
            ("ΟΠΕΚΑ, Περιφερειακό Τμήμα Χανίων", PublicService, &[IncomeAndBenefits, FamilyAndChildcare], "Χανίων"),
            ("Γενικό Νοσοκομείο Φλώρινας, Κοινωνική Υπηρεσία", PublicService, &[Health], "Φλώρινας"),
            ("Κέντρο Πιστοποίησης Αναπηρίας Χανίων", PublicService, &[Disability], "Χανίων"),
            (
                "Ελληνικός Ερυθρός Σταυρός, Περιφερειακό Τμήμα Χανίων",
                VolunteerOrganisation,
                &[Health, SocialInclusion],
                "Χανίων",
            ),
            (
                "Εθελοντική Ομάδα Αλληλεγγύης Βρυσών",
                VolunteerOrganisation,
                &[IncomeAndBenefits, SocialInclusion],
                "Αποκορώνου",
            ),
            ("Σύλλογος Εθελοντών Πρεσπών", VolunteerOrganisation, &[SocialInclusion], "Πρεσπών"),
            (
                "Κιβωτός του Κόσμου, Παράρτημα Φλώρινας",
                SocialWelfareOrganisation,
                &[FamilyAndChildcare, Housing],
                "Φλώρινας",
            ),
            (
                "Κέντρο Στήριξης Ρομά και Ευπαθών Ομάδων Φλώρινας",
                SocialWelfareOrganisation,
                &[SocialInclusion, Education, LegalAndDocuments],
                "Φλώρινας",
            ),
            (
                "Μητρόπολη Κυδωνίας και Αποκορώνου, Φιλόπτωχο Ταμείο",
                SocialWelfareOrganisation,
                &[IncomeAndBenefits, Housing],
                "Χανίων",
            ),
            ("Ξενώνας Φιλοξενίας Αστέγων Χανίων", SocialWelfareOrganisation, &[Housing], "Χανίων"),
            (
                "Κέντρο Κοινωνικής Πρόνοιας Περιφέρειας Κρήτης",
                PublicBenefitCompany,
                &[Disability, Health, Housing],
                "Χανίων",
            ),
            ("ΔΕΥΑ Αποκορώνου, Κοινωνικό Τιμολόγιο", PublicBenefitCompany, &[IncomeAndBenefits], "Αποκορώνου"),
            ("Αναπτυξιακή Φλώρινας Α.Ε., Συμβουλευτική Απασχόλησης", PublicBenefitCompany, &[Employment], "Φλώρινας"),
            ("Δικηγορικός Σύλλογος Χανίων, Νομική Βοήθεια", Other, &[LegalAndDocuments], "Χανίων"),
        ];
        let registrar = self.centres[0].admin;
        for (name, kind, domains, municipality) in plans {
            let agency_id = AgencyId::new(self.rng.uuid());
            let profile = AgencyProfile {
                name: org(name)?,
                kind: *kind,
                description: None,
                need_domains: domains.iter().copied().collect(),
                municipality: town(municipality)?,
                email: None,
                url: None,
                phones: vec![Phone::new(&format!("28210 {:05}", self.rng.below(100_000))).map_err(invalid)?],
            };
            self.run(
                Acting::Staff(registrar),
                Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Register { profile } }),
            )?;
            self.agencies.push((agency_id, *kind, domains.to_vec()));
        }
        self.summary.n_agencies = self.agencies.len();
        Ok(())
    }

    fn new_journey(&mut self) -> usize {
        let centre = usize::from(self.rng.chance(40));
        let antenna = centre == 1 && self.rng.chance(35);
        let roma = centre == 1 && self.rng.chance(30);
        let worker = if roma {
            self.centres[centre].roma_mediator.expect("Florina has a Roma mediator")
        } else {
            let workers = self.centres[centre].workers.clone();
            *self.rng.pick(&workers)
        };
        self.journeys.push(Journey {
            beneficiary_id: BeneficiaryId::new(self.rng.uuid()),
            case_id: CaseId::new(self.rng.uuid()),
            centre,
            antenna,
            roma,
            worker,
            needs: Vec::new(),
            open_referrals: 0,
            consents: Vec::new(),
            closed: false,
            reopened: false,
        });
        self.journeys.len() - 1
    }

    fn run_step(&mut self, j: usize, step: Step) -> Result<(), EngineError> {
        match step {
            Step::Arrive => self.arrive(j),
            Step::Assign => {
                let (worker, supervisor) = {
                    let journey = &self.journeys[j];
                    (journey.worker, self.centres[journey.centre].supervisor)
                };
                self.case(j, Acting::Staff(supervisor), CaseAction::Assign { staff_id: worker })?;
                self.schedule_within(1, 10, j, Step::Assess);
                Ok(())
            }
            Step::Assess => self.assess(j),
            // A service planned for after the case closed is not given.
            Step::Serve if self.journeys[j].closed => Ok(()),
            Step::Serve => {
                let kind = *self.rng.pick(ServiceKind::ALL);
                let worker = self.journeys[j].worker;
                let note = if self.rng.chance(40) {
                    Some(narrative("Συμπληρώθηκε η αίτηση με τον ωφελούμενο και δόθηκαν οδηγίες.")?)
                } else {
                    None
                };
                self.case(j, Acting::Staff(worker), CaseAction::RecordService { kind, provided_on: self.today(), note })
            }
            Step::Refer { need, attempt } => self.refer(j, need, attempt),
            Step::Answer { referral, need, attempt } => self.answer(j, referral, need, attempt),
            Step::Start { referral } => {
                let worker = self.journeys[j].worker;
                self.case(j, Acting::Staff(worker), CaseAction::StartReferral { referral_id: referral })?;
                self.schedule_within(7, 40, j, Step::Finish { referral });
                Ok(())
            }
            Step::Finish { referral } => self.finish(j, referral),
            Step::Expire { referral } => {
                let worker = self.journeys[j].worker;
                self.case(j, Acting::Staff(worker), CaseAction::ExpireReferral { referral_id: referral })?;
                self.referral_ended(j, "expired")
            }
            Step::Resume { referral } => {
                let worker = self.journeys[j].worker;
                self.case(j, Acting::Staff(worker), CaseAction::ResumeReferral { referral_id: referral })?;
                self.schedule_within(1, 5, j, Step::Start { referral });
                Ok(())
            }
            Step::Close => self.close(j),
            Step::Reopen => {
                let supervisor = self.centres[self.journeys[j].centre].supervisor;
                self.journeys[j].reopened = true;
                self.journeys[j].closed = false;
                self.case(
                    j,
                    Acting::Staff(supervisor),
                    CaseAction::Reopen {
                        reason: Some(reason("Ο ωφελούμενος επέστρεψε με νέο αίτημα.")?)
                    },
                )?;
                self.schedule_within(1, 7, j, Step::Serve);
                self.schedule_within(10, 20, j, Step::Close);
                Ok(())
            }
        }
    }

    fn case(&mut self, j: usize, acting: Acting, action: CaseAction) -> Result<(), EngineError> {
        let case_id = self.journeys[j].case_id;
        self.run(acting, Command::Case(CaseCommand { case_id, action }))
    }

    fn arrive(&mut self, j: usize) -> Result<(), EngineError> {
        let (beneficiary_id, centre, antenna, roma) = {
            let journey = &self.journeys[j];
            (journey.beneficiary_id, journey.centre, journey.antenna, journey.roma)
        };
        let female = self.rng.chance(55);
        let (given, family) = if female { (GIVEN_FEMALE, FAMILY_FEMALE) } else { (GIVEN_MALE, FAMILY_MALE) };
        let year_of_birth = 1940 + i32::try_from(self.rng.below(66)).unwrap_or(0);
        let identity = IdentityRecord::new(
            PersonName::new(pick_text(&mut self.rng, given)).map_err(invalid)?,
            PersonName::new(pick_text(&mut self.rng, family)).map_err(invalid)?,
            self.amka(year_of_birth)?,
            vec![Phone::new(&format!("69{:08}", self.rng.below(100_000_000))).map_err(invalid)?],
            if self.rng.chance(30) {
                vec![Email::new(&format!("ofeloumenos{}@example.gr", self.rng.below(1_000_000))).map_err(invalid)?]
            } else {
                Vec::new()
            },
            Some(
                PostalAddress::new(&format!("Οδός Ελευθερίου Βενιζέλου {}", 1 + self.rng.below(120)))
                    .map_err(invalid)?,
            ),
        )
        .map_err(invalid)?;
        let mut salt = Vec::with_capacity(16);
        salt.extend_from_slice(&self.rng.next_u64().to_be_bytes());
        salt.extend_from_slice(&self.rng.next_u64().to_be_bytes());
        let municipalities = self.centres[centre].municipalities;
        let municipality = if antenna { municipalities[1] } else { *self.rng.pick(municipalities) };
        let flag = |rng: &mut Rng, percent: usize| {
            if rng.chance(5) {
                Flag::DeclinedToAnswer
            } else if rng.chance(percent) {
                Flag::Yes
            } else {
                Flag::No
            }
        };
        let answer = |rng: &mut Rng| rng.chance(94);
        let attributes = Attributes {
            gender: if answer(&mut self.rng) {
                Answer::Given(if female { Gender::Female } else { Gender::Male })
            } else {
                Answer::DeclinedToAnswer
            },
            year_of_birth: Answer::Given(year_of_birth),
            municipality_of_residence: town(municipality)?,
            vulnerable_groups: VulnerableGroups {
                roma_or_minority: if roma { Flag::Yes } else { flag(&mut self.rng, 3) },
                migrant: flag(&mut self.rng, 12),
                disability: flag(&mut self.rng, 15),
                homeless: flag(&mut self.rng, 4),
                third_country_national: Some(flag(&mut self.esf, 6)),
                foreign_background: Some(flag(&mut self.esf, 14)),
            },
            labour_status: if answer(&mut self.rng) {
                Answer::Given(*self.rng.pick(LabourStatus::ALL))
            } else {
                Answer::DeclinedToAnswer
            },
            education: if answer(&mut self.rng) {
                Answer::Given(*self.rng.pick(IscedBand::ALL))
            } else {
                Answer::DeclinedToAnswer
            },
            // Grevena's and Kastoria's municipalities are mostly villages: most people live
            // in rural areas, the rest in the towns.
            area_of_residence: Some(match self.esf.below(100) {
                0..=2 => Answer::DeclinedToAnswer,
                3..=57 => Answer::Given(Urbanisation::RuralAreas),
                _ => Answer::Given(Urbanisation::TownsAndSuburbs),
            }),
        };
        let setup = &self.centres[centre];
        let (centre_id, reception, antenna_id) = (setup.centre_id, setup.reception, setup.antenna);
        let beneficiary = |action| Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action });
        self.run(
            Acting::Staff(reception),
            beneficiary(BeneficiaryAction::Register {
                identity,
                salt: IdentitySalt::new(salt).map_err(invalid)?,
                attributes,
                centre_id,
            }),
        )?;
        self.summary.beneficiaries.push((beneficiary_id, centre_id));
        self.run(
            Acting::Staff(reception),
            beneficiary(BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::Consent }),
        )?;
        let channel = match self.rng.below(10) {
            0..=4 => IntakeChannel::WalkIn,
            5..=6 => IntakeChannel::Phone,
            7 => IntakeChannel::Email,
            8 => IntakeChannel::Outreach,
            _ => IntakeChannel::ReferredIn { agency_id: self.rng.pick(&self.agencies).0 },
        };
        let request = narrative(pick_text(&mut self.rng, REQUESTS))?;
        self.case(
            j,
            Acting::Staff(reception),
            CaseAction::Open {
                beneficiary_id,
                centre_id,
                antenna_id: if antenna { antenna_id } else { None },
                intake_date: self.today(),
                channel,
                request,
            },
        )?;
        self.summary.n_cases += 1;
        self.schedule_within(0, 2, j, Step::Assign);
        Ok(())
    }

    fn amka(&mut self, year_of_birth: i32) -> Result<Amka, EngineError> {
        let day = 1 + self.rng.below(28);
        let month = 1 + self.rng.below(12);
        let year = year_of_birth.rem_euclid(100);
        let serial = self.rng.below(10_000);
        let base = format!("{day:02}{month:02}{year:02}{serial:04}");
        (0..10)
            .find_map(|digit| Amka::new(&format!("{base}{digit}")).ok())
            .ok_or_else(|| EngineError::NotFound(format!("no check digit completes the AMKA {base}")))
    }

    fn assess(&mut self, j: usize) -> Result<(), EngineError> {
        let n_needs = 1 + self.rng.below(3);
        let mut domains: Vec<NeedDomain> = Vec::new();
        while domains.len() < n_needs {
            let domain = *self.rng.pick(NeedDomain::ALL);
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        let needs = domains
            .iter()
            .map(|domain| Need { domain: *domain, priority: *self.rng.pick(NeedPriority::ALL) })
            .collect();
        let worker = self.journeys[j].worker;
        self.case(
            j,
            Acting::Staff(worker),
            CaseAction::Assess {
                needs,
                assessed_on: self.today(),
                summary: Some(narrative("Αξιολόγηση αναγκών σε συνεργασία με τον ωφελούμενο.")?),
            },
        )?;
        for _ in 0..1 + self.rng.below(3) {
            self.schedule_within(0, 30, j, Step::Serve);
        }
        let mut referred = 0;
        for domain in &domains {
            if self.rng.chance(80) {
                self.schedule_within(0, 5, j, Step::Refer { need: *domain, attempt: 0 });
                referred += 1;
            }
        }
        self.journeys[j].needs = domains;
        self.journeys[j].open_referrals = referred;
        if referred == 0 {
            self.schedule_within(20, 45, j, Step::Close);
        }
        Ok(())
    }

    fn agency_for(&mut self, need: NeedDomain, avoid: Option<AgencyId>) -> AgencyId {
        let serving: Vec<AgencyId> = self
            .agencies
            .iter()
            .filter(|(id, _, domains)| domains.contains(&need) && Some(*id) != avoid)
            .map(|(id, _, _)| *id)
            .collect();
        if serving.is_empty() {
            self.agencies[0].0
        } else {
            *self.rng.pick(&serving)
        }
    }

    /// Records the person's consent to share with an agency, unless it is already given.
    fn grant_consent(&mut self, j: usize, worker: StaffId, agency_id: AgencyId) -> Result<(), EngineError> {
        if self.journeys[j].consents.contains(&agency_id) {
            return Ok(());
        }
        self.journeys[j].consents.push(agency_id);
        let beneficiary_id = self.journeys[j].beneficiary_id;
        let granted_on = self.today();
        self.run(
            Acting::Staff(worker),
            Command::Beneficiary(BeneficiaryCommand {
                beneficiary_id,
                action: BeneficiaryAction::GrantConsent { agency_id, purpose: SharingPurpose::Referral, granted_on },
            }),
        )
    }

    fn refer(&mut self, j: usize, need: NeedDomain, attempt: u8) -> Result<(), EngineError> {
        let (worker, supervisor) = {
            let journey = &self.journeys[j];
            (journey.worker, self.centres[journey.centre].supervisor)
        };
        let agency_id = self.agency_for(need, None);
        let referral_id = ReferralId::new(self.rng.uuid());
        let with_consent = self.rng.chance(92);
        if with_consent {
            self.grant_consent(j, worker, agency_id)?;
        }
        let priority = if self.rng.chance(15) { ReferralPriority::Urgent } else { ReferralPriority::Routine };
        self.case(
            j,
            Acting::Staff(worker),
            CaseAction::CreateReferral {
                referral_id,
                agency_id,
                need,
                reason: reason("Η ανάγκη καλύπτεται από τις υπηρεσίες του φορέα.")?,
                due_on: self.date_in(14)?,
                priority,
            },
        )?;
        self.summary.n_referrals += 1;
        if with_consent {
            self.case(j, Acting::Staff(worker), CaseAction::SendReferral { referral_id, consent_override: None })?;
        } else {
            let consent_override = Some(ConsentOverride {
                reason: Some(reason("Επείγουσα ανάγκη στέγασης· ο ωφελούμενος δεν μπορεί να υπογράψει.")?),
            });
            self.case(j, Acting::Staff(supervisor), CaseAction::SendReferral { referral_id, consent_override })?;
        }
        self.schedule_within(1, 20, j, Step::Answer { referral: referral_id, need, attempt });
        Ok(())
    }

    fn answer(&mut self, j: usize, referral: ReferralId, need: NeedDomain, attempt: u8) -> Result<(), EngineError> {
        let worker = self.journeys[j].worker;
        let act = Acting::Staff(worker);
        match self.rng.below(100) {
            // No answer by the follow-up date: the referral expires.
            0..=5 => {
                self.case(
                    j,
                    act,
                    CaseAction::AddFollowUpNote {
                        referral_id: referral,
                        text: narrative("Τηλεφωνική υπενθύμιση στον φορέα, χωρίς απάντηση.")?,
                    },
                )?;
                self.schedule_within(15, 25, j, Step::Expire { referral });
            }
            // Declined: re-routed to another agency on the first attempt.
            6..=17 => {
                self.case(
                    j,
                    act,
                    CaseAction::DeclineReferral {
                        referral_id: referral,
                        reason: Some(reason("Ο φορέας δεν έχει διαθέσιμες θέσεις.")?),
                    },
                )?;
                if attempt == 0 {
                    let agency_id = self.agency_for(need, None);
                    let new_referral_id = ReferralId::new(self.rng.uuid());
                    self.grant_consent(j, worker, agency_id)?;
                    self.case(
                        j,
                        act,
                        CaseAction::RerouteReferral {
                            referral_id: referral,
                            new_referral_id,
                            agency_id,
                            reason: reason("Ο αρχικός φορέας αρνήθηκε· παραπομπή σε άλλον φορέα.")?,
                            due_on: self.date_in(14)?,
                            priority: ReferralPriority::Routine,
                        },
                    )?;
                    self.summary.n_referrals += 1;
                    self.case(
                        j,
                        act,
                        CaseAction::SendReferral { referral_id: new_referral_id, consent_override: None },
                    )?;
                    self.schedule_within(1, 15, j, Step::Answer { referral: new_referral_id, need, attempt: 1 });
                } else {
                    self.referral_ended(j, "declined")?;
                }
            }
            // Withdrawn by the centre before an answer.
            18..=21 => {
                self.case(
                    j,
                    act,
                    CaseAction::CancelReferral {
                        referral_id: referral,
                        reason: Some(reason("Ο ωφελούμενος βρήκε λύση μόνος του.")?),
                    },
                )?;
                self.referral_ended(j, "cancelled")?;
            }
            // Accepted; some wait on hold before starting.
            _ => {
                self.case(j, act, CaseAction::AcceptReferral { referral_id: referral })?;
                if self.rng.chance(8) {
                    self.case(
                        j,
                        act,
                        CaseAction::HoldReferral {
                            referral_id: referral,
                            reason: Some(reason("Αναμονή δικαιολογητικών από τον ωφελούμενο.")?),
                        },
                    )?;
                    self.schedule_within(5, 20, j, Step::Resume { referral });
                } else {
                    if self.rng.chance(10) {
                        self.case(
                            j,
                            act,
                            CaseAction::MoveDueDate {
                                referral_id: referral,
                                due_on: self.date_in(21)?,
                                reason: Some(reason("Ο φορέας ζήτησε περισσότερο χρόνο.")?),
                            },
                        )?;
                    }
                    self.schedule_within(1, 10, j, Step::Start { referral });
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, j: usize, referral: ReferralId) -> Result<(), EngineError> {
        let worker = self.journeys[j].worker;
        let act = Acting::Staff(worker);
        match self.rng.below(100) {
            0..=54 => {
                self.case(
                    j,
                    act,
                    CaseAction::CompleteReferral {
                        referral_id: referral,
                        outcome: Some(Outcome::GotHelp),
                        note: Some(narrative("Ο ωφελούμενος εξυπηρετήθηκε πλήρως.")?),
                    },
                )?;
                self.referral_ended(j, "completed_got_help")
            }
            55..=69 => {
                self.case(
                    j,
                    act,
                    CaseAction::CompleteReferral { referral_id: referral, outcome: Some(Outcome::Partly), note: None },
                )?;
                self.referral_ended(j, "completed_partly")
            }
            other => {
                let outcome = match other {
                    70..=74 => Outcome::ReferredElsewhere,
                    75..=79 => Outcome::NotEligible,
                    80..=86 => Outcome::NoCapacity,
                    87..=93 => Outcome::CouldNotContact,
                    _ => Outcome::NoLongerInterested,
                };
                self.case(
                    j,
                    act,
                    CaseAction::FailReferral {
                        referral_id: referral,
                        outcome: Some(outcome),
                        reason: Some(reason("Η παραπομπή δεν ολοκληρώθηκε.")?),
                    },
                )?;
                self.referral_ended(
                    j,
                    match outcome {
                        Outcome::NotEligible => "failed_not_eligible",
                        Outcome::NoCapacity => "failed_no_capacity",
                        Outcome::CouldNotContact => "failed_could_not_contact",
                        Outcome::ReferredElsewhere => "failed_referred_elsewhere",
                        _ => "failed_no_longer_interested",
                    },
                )
            }
        }
    }

    fn referral_ended(&mut self, j: usize, ending: &'static str) -> Result<(), EngineError> {
        *self.summary.referral_endings.entry(ending).or_default() += 1;
        let journey = &mut self.journeys[j];
        journey.open_referrals = journey.open_referrals.saturating_sub(1);
        if journey.open_referrals == 0 {
            self.schedule_within(3, 15, j, Step::Close);
        }
        Ok(())
    }

    /// The person's situation on leaving, likelier to be work or training when the case met
    /// its goals, and unknown when contact was lost.
    fn leaving_situation(&mut self, reason: CloseReason) -> LeavingSituation {
        let rng = &mut self.esf;
        let mut flag = |percent: usize| if rng.chance(percent) { Flag::Yes } else { Flag::No };
        match reason {
            CloseReason::LostContact | CloseReason::MovedAway => LeavingSituation {
                job_searching: Flag::DeclinedToAnswer,
                in_education_or_training: Flag::DeclinedToAnswer,
                gained_qualification: Flag::DeclinedToAnswer,
                in_employment: Flag::DeclinedToAnswer,
            },
            CloseReason::GoalsMet => LeavingSituation {
                job_searching: flag(35),
                in_education_or_training: flag(15),
                gained_qualification: flag(10),
                in_employment: flag(30),
            },
            _ => LeavingSituation {
                job_searching: flag(25),
                in_education_or_training: flag(5),
                gained_qualification: flag(3),
                in_employment: flag(10),
            },
        }
    }

    fn close(&mut self, j: usize) -> Result<(), EngineError> {
        let journey = &self.journeys[j];
        if journey.open_referrals > 0 || journey.closed {
            return Ok(());
        }
        let supervisor = self.centres[journey.centre].supervisor;
        let reopened = journey.reopened;
        let reason = match self.rng.below(10) {
            0..=5 => CloseReason::GoalsMet,
            6 => CloseReason::ReferredElsewhere,
            7 => CloseReason::BeneficiaryWithdrew,
            8 => CloseReason::LostContact,
            _ => CloseReason::MovedAway,
        };
        let leaving = self.leaving_situation(reason);
        self.case(j, Acting::Staff(supervisor), CaseAction::Close { reason, detail: None, leaving: Some(leaving) })?;
        self.journeys[j].closed = true;
        if !reopened && self.rng.chance(8) {
            self.schedule_within(30, 120, j, Step::Reopen);
        }
        Ok(())
    }
}
