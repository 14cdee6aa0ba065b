//! The one scenario helper of the Engine's tests: a small Greek world (the Community Centre
//! of Apokoronas in Vrysses, serving Apokoronas and Sfakia, and a second centre in Chania),
//! builders for valid commands, and a `Scenario` that runs them through an Engine on a
//! temporary directory with a manual clock, in given/when/then style.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;

use parapompi::core::agency::{AgencyAction, AgencyCommand, AgencyProfile};
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::{CaseAction, CaseCommand, ConsentOverride};
use parapompi::core::centre::{CentreAction, CentreCommand, FundingProgramme};
use parapompi::core::esf::LeavingSituation;
use parapompi::core::identity::{IdentityRecord, IdentitySalt};
use parapompi::core::staff::{StaffAction, StaffCommand};
use parapompi::core::values::{
    AgencyId, Amka, BeneficiaryId, CaseId, CentreId, Date, Email, EuroCents, FundName, MunicipalityName, Narrative,
    OrganisationName, PersonName, Phone, PostalAddress, ProgrammeCode, Reason, ReferralId, StaffId,
    Timestamp as BusinessTime, WebUrl,
};
use parapompi::core::vocab::{
    AgencyKind, Answer, Attributes, CloseReason, Flag, Gender, IntakeChannel, IscedBand, LabourStatus, LegalBasis,
    Need, NeedDomain, NeedPriority, Outcome as ReferralOutcome, ReferralPriority, Role, ServiceKind, SharingPurpose,
    Urbanisation, VulnerableGroups,
};
use parapompi::core::Command;
use parapompi::projections::athens_date;
use parapompi::store::{Head, ManualClock, StoreConfig, Timestamp as RecordedTime};
use parapompi::{Acting, CommandMeta, Engine, EngineConfig, EngineError, Executed};
use uuid::Uuid;

/// 2023-03-01 09:00 in Vrysses (07:00 UTC): the first business instant of every scenario.
pub const START_UNIX_MS: i64 = 1_677_654_000_000;
/// Business time between two commands of a scenario.
pub const STEP_MS: i64 = 10 * 60 * 1000;
/// How long after its business time a command reaches the log, by the manual clock.
pub const RECORDING_DELAY_MS: i64 = 1_000;
const MS_PER_DAY: i64 = 86_400_000;

/// Unwraps a fixture value that is valid by construction.
pub fn valid<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("the fixture must be valid: {error:?}"),
    }
}

pub fn date(text: &str) -> Date {
    valid(Date::parse(text))
}
pub fn org(text: &str) -> OrganisationName {
    valid(OrganisationName::new(text))
}
pub fn town(text: &str) -> MunicipalityName {
    valid(MunicipalityName::new(text))
}
pub fn person(text: &str) -> PersonName {
    valid(PersonName::new(text))
}
pub fn reason(text: &str) -> Reason {
    valid(Reason::new(text))
}
pub fn narrative(text: &str) -> Narrative {
    valid(Narrative::new(text))
}

/// Ids are fixed numbers, so that a failing scenario names the same streams on every run.
pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(0x7061_7261_706f_6d70_0000_0000_0000_0000 | n)
}

/// The Luhn check digit of ten digits: doubling starts at the rightmost of them, because
/// the check digit itself will stand to its right.
pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(index, c)| {
            let digit = c.to_digit(10).unwrap_or_else(|| panic!("{digits} has a non-digit"));
            if index % 2 == 0 {
                let doubled = digit * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                digit
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// A valid AMKA for person number `n`: birth date 15/03/80, a serial, and the check digit.
pub fn amka(n: u32) -> Amka {
    let base = format!("150380{:04}", n % 10_000);
    valid(Amka::new(&format!("{base}{}", luhn_check_digit(&base))))
}

/// The people of the scenarios: given name, family name, phone, street address.
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("Μαρία", "Παπαδάκη", "+30 6944 123456", "Οδός Ελευθερίου Βενιζέλου 12, Βρύσες 730 07"),
    ("Γιώργος", "Μαρκάκης", "+30 6977 654321", "Χώρα Σφακίων, 730 11"),
    ("Ελένη", "Κουκουράκη", "28250 51234", "Κεφαλάς Αποκορώνου, 730 08"),
    ("Νίκος", "Τζανακάκης", "+30 6932 111222", "Ανώπολη Σφακίων, 730 11"),
];

/// The identity record of person number `n` (names cycle, the AMKA is unique).
pub fn identity(n: u32) -> IdentityRecord {
    let index = usize::try_from(n).unwrap_or(0) % PEOPLE.len();
    let (given, family, phone, address) = PEOPLE[index];
    valid(IdentityRecord::new(
        person(given),
        person(family),
        amka(n),
        vec![valid(Phone::new(phone))],
        vec![valid(Email::new(&format!("person{n}@example.gr")))],
        Some(valid(PostalAddress::new(address))),
    ))
}

/// A per-record salt: the engine's embedder draws one at random; tests derive it from the id.
pub fn salt(beneficiary_id: BeneficiaryId) -> IdentitySalt {
    valid(IdentitySalt::new(beneficiary_id.uuid().as_bytes().to_vec()))
}

/// Attributes that vary with `n`: residents of Sfakia and Apokoronas, of every age band.
pub fn attributes(n: u32) -> Attributes {
    let flag = |k: u32| match k % 3 {
        0 => Flag::No,
        1 => Flag::Yes,
        _ => Flag::DeclinedToAnswer,
    };
    Attributes {
        gender: match n % 3 {
            0 => Answer::Given(Gender::Female),
            1 => Answer::Given(Gender::Male),
            _ => Answer::DeclinedToAnswer,
        },
        year_of_birth: Answer::Given(1950 + i32::try_from(n % 60).unwrap_or(0)),
        municipality_of_residence: town(if n.is_multiple_of(2) { "Σφακίων" } else { "Αποκορώνου" }),
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: flag(n),
            migrant: flag(n + 1),
            disability: Flag::No,
            homeless: flag(n / 2),
            third_country_national: Some(flag(n + 2)),
            foreign_background: Some(flag(n / 3)),
        },
        labour_status: Answer::Given(if n.is_multiple_of(2) {
            LabourStatus::Unemployed
        } else {
            LabourStatus::Employed
        }),
        education: Answer::Given(if n.is_multiple_of(2) { IscedBand::Isced3To4 } else { IscedBand::Isced1To2 }),
        area_of_residence: Some(Answer::Given(if n.is_multiple_of(3) {
            Urbanisation::TownsAndSuburbs
        } else {
            Urbanisation::RuralAreas
        })),
    }
}

/// Who runs a command.
#[derive(Clone, Debug)]
pub struct Step {
    pub acting: Acting,
    pub command: Command,
}

/// A command issued by a staff member.
pub fn by(staff_id: StaffId, command: Command) -> Step {
    Step { acting: Acting::Staff(staff_id), command }
}

/// A command issued during the set-up of a centre.
pub fn at_setup(command: Command) -> Step {
    Step { acting: Acting::Setup, command }
}

// ---- command builders ----

pub fn register_centre(centre_id: CentreId, name: &str, host: &str, first_administrator: StaffId) -> Command {
    Command::Centre(CentreCommand {
        centre_id,
        action: CentreAction::Register {
            name: org(name),
            host_municipality: town(host),
            supervising_service: org(&format!("Κοινωνική Υπηρεσία Δήμου {host}")),
            first_administrator,
        },
    })
}

pub fn serve_municipality(centre_id: CentreId, municipality: &str) -> Command {
    Command::Centre(CentreCommand {
        centre_id,
        action: CentreAction::AddServedMunicipality { municipality: town(municipality) },
    })
}

pub fn add_funding(centre_id: CentreId) -> Command {
    Command::Centre(CentreCommand {
        centre_id,
        action: CentreAction::AddFundingProgramme {
            programme: FundingProgramme {
                code: valid(ProgrammeCode::new("ΟΠΣ 5002782")),
                fund: valid(FundName::new("ΕΣΠΑ 2014-2020 / ΕΚΤ")),
                starts_on: date("2017-06-01"),
                ends_on: date("2023-05-31"),
                budget: valid(EuroCents::new(26_640_000)),
            },
        },
    })
}

pub fn register_staff(staff_id: StaffId, centre_id: CentreId, name: &str, roles: &[Role]) -> Command {
    Command::Staff(StaffCommand {
        staff_id,
        action: StaffAction::Register { centre_id, name: person(name), roles: roles.iter().copied().collect() },
    })
}

pub fn deactivate_staff(staff_id: StaffId) -> Command {
    Command::Staff(StaffCommand { staff_id, action: StaffAction::Deactivate })
}

pub fn change_roles(staff_id: StaffId, roles: &[Role]) -> Command {
    Command::Staff(StaffCommand {
        staff_id,
        action: StaffAction::ChangeRoles { roles: roles.iter().copied().collect() },
    })
}

pub fn agency_profile(name: &str, kind: AgencyKind, domains: &[NeedDomain], municipality: &str) -> AgencyProfile {
    AgencyProfile {
        name: org(name),
        kind,
        description: None,
        need_domains: domains.iter().copied().collect::<BTreeSet<_>>(),
        municipality: town(municipality),
        email: None,
        url: Some(valid(WebUrl::new("https://www.dypa.gov.gr"))),
        phones: vec![valid(Phone::new("28210 12345"))],
    }
}

pub fn register_agency(agency_id: AgencyId, profile: AgencyProfile) -> Command {
    Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Register { profile } })
}

pub fn deactivate_agency(agency_id: AgencyId) -> Command {
    Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Deactivate { reason: None } })
}

pub fn reactivate_agency(agency_id: AgencyId) -> Command {
    Command::Agency(AgencyCommand { agency_id, action: AgencyAction::Reactivate })
}

pub fn register_beneficiary(beneficiary_id: BeneficiaryId, centre_id: CentreId, n: u32) -> Command {
    Command::Beneficiary(BeneficiaryCommand {
        beneficiary_id,
        action: BeneficiaryAction::Register {
            identity: identity(n),
            salt: salt(beneficiary_id),
            attributes: attributes(n),
            centre_id,
        },
    })
}

pub fn update_attributes(beneficiary_id: BeneficiaryId, n: u32) -> Command {
    Command::Beneficiary(BeneficiaryCommand {
        beneficiary_id,
        action: BeneficiaryAction::UpdateAttributes { attributes: attributes(n) },
    })
}

pub fn erase(beneficiary_id: BeneficiaryId) -> Command {
    Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action: BeneficiaryAction::EraseIdentity })
}

pub fn record_legal_basis(beneficiary_id: BeneficiaryId) -> Command {
    Command::Beneficiary(BeneficiaryCommand {
        beneficiary_id,
        action: BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::PublicTask },
    })
}

pub fn grant_consent(beneficiary_id: BeneficiaryId, agency_id: AgencyId, granted_on: Date) -> Command {
    Command::Beneficiary(BeneficiaryCommand {
        beneficiary_id,
        action: BeneficiaryAction::GrantConsent { agency_id, purpose: SharingPurpose::Referral, granted_on },
    })
}

pub fn withdraw_consent(beneficiary_id: BeneficiaryId, agency_id: AgencyId, withdrawn_on: Date) -> Command {
    Command::Beneficiary(BeneficiaryCommand {
        beneficiary_id,
        action: BeneficiaryAction::WithdrawConsent { agency_id, purpose: SharingPurpose::Referral, withdrawn_on },
    })
}

pub fn case(case_id: CaseId, action: CaseAction) -> Command {
    Command::Case(CaseCommand { case_id, action })
}

pub fn open_case(case_id: CaseId, beneficiary_id: BeneficiaryId, centre_id: CentreId, intake_date: Date) -> Command {
    case(
        case_id,
        CaseAction::Open {
            beneficiary_id,
            centre_id,
            antenna_id: None,
            intake_date,
            channel: IntakeChannel::WalkIn,
            request: narrative("Έχασα τη δουλειά μου και χρειάζομαι βοήθεια για επίδομα και εργασία."),
        },
    )
}

pub fn assign(case_id: CaseId, staff_id: StaffId) -> Command {
    case(case_id, CaseAction::Assign { staff_id })
}

pub fn assess(case_id: CaseId, assessed_on: Date) -> Command {
    case(
        case_id,
        CaseAction::Assess {
            needs: vec![
                Need { domain: NeedDomain::Employment, priority: NeedPriority::High },
                Need { domain: NeedDomain::IncomeAndBenefits, priority: NeedPriority::Medium },
            ],
            assessed_on,
            summary: Some(narrative("Μακροχρόνια άνεργη, χωρίς εισόδημα από τον Ιανουάριο.")),
        },
    )
}

pub fn record_service(case_id: CaseId, kind: ServiceKind, provided_on: Date) -> Command {
    case(case_id, CaseAction::RecordService { kind, provided_on, note: None })
}

pub fn create_referral(case_id: CaseId, referral_id: ReferralId, agency_id: AgencyId, due_on: Date) -> Command {
    case(
        case_id,
        CaseAction::CreateReferral {
            referral_id,
            agency_id,
            need: NeedDomain::Employment,
            reason: reason("Εγγραφή στη ΔΥΠΑ και αναζήτηση θέσης εργασίας."),
            due_on,
            priority: ReferralPriority::Routine,
        },
    )
}

pub fn send_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(case_id, CaseAction::SendReferral { referral_id, consent_override: None })
}

pub fn send_referral_overriding(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(
        case_id,
        CaseAction::SendReferral {
            referral_id,
            consent_override: Some(ConsentOverride {
                reason: Some(reason("Άμεσος κίνδυνος αστεγίας."))
            }),
        },
    )
}

pub fn accept_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(case_id, CaseAction::AcceptReferral { referral_id })
}

pub fn cancel_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(case_id, CaseAction::CancelReferral { referral_id, reason: Some(reason("Η ταυτότητα διαγράφηκε.")) })
}

pub fn decline_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(case_id, CaseAction::DeclineReferral { referral_id, reason: Some(reason("Εκτός αρμοδιότητας.")) })
}

pub fn start_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(case_id, CaseAction::StartReferral { referral_id })
}

pub fn complete_referral(case_id: CaseId, referral_id: ReferralId) -> Command {
    case(
        case_id,
        CaseAction::CompleteReferral {
            referral_id,
            outcome: Some(ReferralOutcome::GotHelp),
            note: Some(narrative("Προσλήφθηκε σε πρόγραμμα κοινωφελούς εργασίας.")),
        },
    )
}

/// Closes a case that entered an ESF+ operation (the world's programme held its intake
/// date): with the person's situation on leaving, in employment.
pub fn close_case(case_id: CaseId) -> Command {
    case(
        case_id,
        CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving: Some(employed_on_leaving()) },
    )
}

/// Closes a case that entered no ESF+ operation: no situation on leaving.
pub fn close_unfunded_case(case_id: CaseId) -> Command {
    case(case_id, CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving: None })
}

/// A situation on leaving: in employment, not searching, no training, no qualification.
pub fn employed_on_leaving() -> LeavingSituation {
    LeavingSituation {
        job_searching: Flag::No,
        in_education_or_training: Flag::No,
        gained_qualification: Flag::No,
        in_employment: Flag::Yes,
    }
}

pub fn add_note(case_id: CaseId, text: &str) -> Command {
    case(case_id, CaseAction::AddNote { text: narrative(text) })
}

// ---- the world ----

/// The fixed cast of the scenarios.
#[derive(Clone, Copy, Debug)]
pub struct World {
    /// Κέντρο Κοινότητας Δήμου Αποκορώνου, in Vrysses; serves Sfakia too.
    pub centre: CentreId,
    pub admin: StaffId,
    pub social_worker: StaffId,
    pub supervisor: StaffId,
    pub roma_mediator: StaffId,
    pub reception: StaffId,
    /// Κέντρο Κοινότητας Δήμου Χανίων, with its own administrator and social worker.
    pub other_centre: CentreId,
    pub other_admin: StaffId,
    pub outsider: StaffId,
    /// ΔΥΠΑ Χανίων: a public service for employment and benefits.
    pub employment_office: AgencyId,
    /// The municipal social-housing service.
    pub housing_service: AgencyId,
    /// A volunteer organisation for health and social inclusion.
    pub volunteers: AgencyId,
    /// Μαρία Παπαδάκη of Sfakia, person number 0.
    pub maria: BeneficiaryId,
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

impl World {
    pub fn new() -> World {
        World {
            centre: CentreId::new(uuid(0x100)),
            admin: StaffId::new(uuid(0x200)),
            social_worker: StaffId::new(uuid(0x201)),
            supervisor: StaffId::new(uuid(0x202)),
            roma_mediator: StaffId::new(uuid(0x203)),
            reception: StaffId::new(uuid(0x204)),
            other_centre: CentreId::new(uuid(0x101)),
            other_admin: StaffId::new(uuid(0x210)),
            outsider: StaffId::new(uuid(0x211)),
            employment_office: AgencyId::new(uuid(0x300)),
            housing_service: AgencyId::new(uuid(0x301)),
            volunteers: AgencyId::new(uuid(0x302)),
            maria: BeneficiaryId::new(uuid(0x400)),
        }
    }

    /// The first centre and its first administrator, through the set-up actor.
    pub fn centre_setup(&self) -> Vec<Step> {
        vec![
            at_setup(register_centre(self.centre, "Κέντρο Κοινότητας Δήμου Αποκορώνου", "Αποκορώνου", self.admin)),
            at_setup(register_staff(self.admin, self.centre, "Ιωάννα Βασιλάκη", &[Role::Administrator])),
        ]
    }

    /// Both centres with all their staff, and the three agencies.
    pub fn setup(&self) -> Vec<Step> {
        let mut steps = self.centre_setup();
        steps.extend([
            by(self.admin, serve_municipality(self.centre, "Σφακίων")),
            by(self.admin, add_funding(self.centre)),
            by(self.admin, register_staff(self.social_worker, self.centre, "Κατερίνα Λαμπράκη", &[Role::SocialWorker])),
            by(self.admin, register_staff(self.supervisor, self.centre, "Μανώλης Σπανουδάκης", &[Role::Supervisor])),
            by(
                self.admin,
                register_staff(
                    self.roma_mediator,
                    self.centre,
                    "Δημήτρης Καραγιάννης",
                    &[Role::RomaMediator, Role::Psychologist],
                ),
            ),
            by(self.admin, register_staff(self.reception, self.centre, "Σοφία Αρχοντάκη", &[Role::Reception])),
            at_setup(register_centre(self.other_centre, "Κέντρο Κοινότητας Δήμου Χανίων", "Χανίων", self.other_admin)),
            at_setup(register_staff(self.other_admin, self.other_centre, "Πέτρος Χαλκιαδάκης", &[Role::Administrator])),
            by(
                self.other_admin,
                register_staff(self.outsider, self.other_centre, "Άννα Φραγκιαδάκη", &[Role::SocialWorker]),
            ),
        ]);
        steps.extend(self.agencies());
        steps
    }

    /// Three partner bodies of different kinds, registered by the social worker.
    pub fn agencies(&self) -> Vec<Step> {
        vec![
            by(
                self.social_worker,
                register_agency(
                    self.employment_office,
                    agency_profile(
                        "ΔΥΠΑ Κέντρο Προώθησης Απασχόλησης Χανίων",
                        AgencyKind::PublicService,
                        &[NeedDomain::Employment, NeedDomain::IncomeAndBenefits],
                        "Χανίων",
                    ),
                ),
            ),
            by(
                self.social_worker,
                register_agency(
                    self.housing_service,
                    agency_profile(
                        "Υπηρεσία Κοινωνικής Κατοικίας Δήμου Αποκορώνου",
                        AgencyKind::MunicipalService,
                        &[NeedDomain::Housing, NeedDomain::FamilyAndChildcare],
                        "Αποκορώνου",
                    ),
                ),
            ),
            by(
                self.social_worker,
                register_agency(
                    self.volunteers,
                    agency_profile(
                        "Εθελοντική Ομάδα Αλληλεγγύης Σφακίων",
                        AgencyKind::VolunteerOrganisation,
                        &[NeedDomain::Health, NeedDomain::SocialInclusion, NeedDomain::Employment],
                        "Σφακίων",
                    ),
                ),
            ),
        ]
    }

    /// Registers person number `n` at the first centre, with the legal basis and a consent
    /// to share with the employment office granted on `today`.
    pub fn beneficiary(&self, beneficiary_id: BeneficiaryId, n: u32, today: Date) -> Vec<Step> {
        vec![
            by(self.reception, register_beneficiary(beneficiary_id, self.centre, n)),
            by(self.social_worker, record_legal_basis(beneficiary_id)),
            by(self.social_worker, grant_consent(beneficiary_id, self.employment_office, today)),
        ]
    }
}

// ---- the scenario ----

/// An Engine on a temporary directory with a manual clock, and the business time that
/// advances with every command.
pub struct Scenario {
    engine: Option<Engine>,
    directory: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    pub config: EngineConfig,
    pub world: World,
    now_ms: i64,
    next_id: u128,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario::new()
    }
}

impl Scenario {
    /// A scenario with an empty log.
    pub fn new() -> Scenario {
        Scenario::with_checkpoints_every(50_000)
    }

    /// A scenario whose read models save a checkpoint every `n_events` events.
    pub fn with_checkpoints_every(n_events: u64) -> Scenario {
        let clock = Arc::new(ManualClock::new(RecordedTime::from_unix_ms(START_UNIX_MS)));
        let config = EngineConfig {
            store: StoreConfig::with_clock(clock.clone()),
            checkpoint_every_events: n_events,
            ..EngineConfig::default()
        };
        let directory = valid(tempfile::tempdir());
        let engine = valid(Engine::open(directory.path(), config.clone()));
        Scenario {
            engine: Some(engine),
            directory,
            clock,
            config,
            world: World::new(),
            now_ms: START_UNIX_MS,
            next_id: 0x1_0000,
        }
    }

    /// A scenario in which both centres, their staff and the agencies exist.
    pub fn set_up() -> Scenario {
        let mut scenario = Scenario::new();
        let steps = scenario.world.setup();
        scenario.given(steps);
        scenario
    }

    pub fn engine(&self) -> &Engine {
        self.engine.as_ref().unwrap_or_else(|| panic!("the engine is open between restarts"))
    }

    pub fn directory(&self) -> &std::path::Path {
        self.directory.path()
    }

    /// A fresh id, never used before in this scenario.
    pub fn fresh(&mut self) -> Uuid {
        self.next_id += 1;
        uuid(self.next_id)
    }

    pub fn fresh_case(&mut self) -> CaseId {
        CaseId::new(self.fresh())
    }
    pub fn fresh_referral(&mut self) -> ReferralId {
        ReferralId::new(self.fresh())
    }
    pub fn fresh_beneficiary(&mut self) -> BeneficiaryId {
        BeneficiaryId::new(self.fresh())
    }

    /// The business date now, in Greece.
    pub fn today(&self) -> Date {
        athens_date(BusinessTime::from_unix_ms(self.now_ms))
    }

    /// The date `days` after today.
    pub fn in_days(&self, days: i64) -> Date {
        valid(self.today().add_days(days))
    }

    /// Moves business time (and the clock with it) forward by whole days.
    pub fn advance_days(&mut self, days: i64) {
        self.now_ms += days * MS_PER_DAY;
        self.clock.set(RecordedTime::from_unix_ms(self.now_ms + RECORDING_DELAY_MS));
    }

    /// The metadata of the next command: a fresh command id, business time one step later,
    /// and the clock set to record it a second after.
    pub fn next_meta(&mut self, acting: Acting) -> CommandMeta {
        self.now_ms += STEP_MS;
        self.clock.set(RecordedTime::from_unix_ms(self.now_ms + RECORDING_DELAY_MS));
        let occurred_at = BusinessTime::from_unix_ms(self.now_ms);
        CommandMeta { command_id: self.fresh(), acting, occurred_at, business_date: athens_date(occurred_at) }
    }

    /// Given these commands, each of which must be accepted.
    pub fn given(&mut self, steps: Vec<Step>) -> &mut Scenario {
        for step in steps {
            let name = step.command.name();
            let meta = self.next_meta(step.acting);
            match self.engine().execute(&step.command, meta) {
                Ok(executed) => assert!(!executed.events.is_empty(), "given {name} recorded nothing"),
                Err(error) => panic!("given {name} failed: {error}"),
            }
        }
        self
    }

    /// When this command: the result, with the log's head before and after.
    pub fn when(&mut self, step: Step) -> Then {
        let meta = self.next_meta(step.acting);
        self.when_with(step, meta)
    }

    /// When this command with this metadata (to repeat a command id, say).
    pub fn when_with(&mut self, step: Step, meta: CommandMeta) -> Then {
        let head_before = self.engine().store().head();
        let result = self.engine().execute(&step.command, meta);
        let head_after = self.engine().store().head();
        Then { name: step.command.name(), meta, result, head_before, head_after }
    }

    /// Closes the engine and opens it again on the same directory.
    pub fn restart(&mut self) {
        let engine = self.engine.take().unwrap_or_else(|| panic!("the engine is open between restarts"));
        valid(engine.close());
        self.engine = Some(valid(Engine::open(self.directory.path(), self.config.clone())));
    }

    /// Closes the engine, runs `between` on the data directory, and opens it again.
    pub fn restart_after(&mut self, between: impl FnOnce(&std::path::Path)) {
        let engine = self.engine.take().unwrap_or_else(|| panic!("the engine is open between restarts"));
        valid(engine.close());
        between(self.directory.path());
        self.engine = Some(valid(Engine::open(self.directory.path(), self.config.clone())));
    }

    /// Drops the engine without closing it (no final checkpoint) and opens it again.
    pub fn drop_and_reopen(&mut self) {
        drop(self.engine.take());
        self.engine = Some(valid(Engine::open(self.directory.path(), self.config.clone())));
    }

    /// The store's head.
    pub fn head(&self) -> Head {
        self.engine().store().head()
    }
}

/// What a command did, to be checked.
#[derive(Debug)]
pub struct Then {
    pub name: &'static str,
    pub meta: CommandMeta,
    pub result: Result<Executed, EngineError>,
    pub head_before: Head,
    pub head_after: Head,
}

impl Then {
    /// Then these events, by type name, in order; returns what was executed.
    pub fn events(self, expected: &[&str]) -> Executed {
        let executed = match self.result {
            Ok(executed) => executed,
            Err(error) => panic!("{} failed: {error}", self.name),
        };
        let types: Vec<&str> = executed.events.iter().map(|recorded| recorded.event.event_type()).collect();
        assert_eq!(types, expected, "{} recorded other events", self.name);
        assert!(!executed.deduplicated, "{} was new, not a repeat", self.name);
        let n_events = u64::try_from(expected.len()).unwrap_or(u64::MAX);
        assert_eq!(self.head_after.position, self.head_before.position + n_events);
        executed
    }

    /// Then the command is rejected by this rule (a `Rejection` variant name), and nothing
    /// is written.
    pub fn rejected(self, expected: &str) {
        match &self.result {
            Err(EngineError::Rejected(rejection)) => {
                assert_eq!(rejection.name(), expected, "{} broke another rule: {rejection}", self.name);
            }
            other => panic!("{} should have been rejected by {expected}, got {other:?}", self.name),
        }
        assert_eq!(self.head_after, self.head_before, "a rejected {} wrote to the log", self.name);
    }

    /// Then the acting staff member (or another named thing) is unknown, and nothing is
    /// written.
    pub fn not_found(self) {
        assert!(matches!(self.result, Err(EngineError::NotFound(_))), "{}: {:?}", self.name, self.result);
        assert_eq!(self.head_after, self.head_before, "a failed {} wrote to the log", self.name);
    }
}

/// Every file under `dir`, for the tests that scan a data directory's bytes.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in valid(std::fs::read_dir(dir)) {
        let path = valid(entry).path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Where each part of a backup's bytes lies: its line naming it, then its bytes, in order.
pub fn backup_part_blocks(bytes: &[u8], manifest: &parapompi::backup::BackupManifest) -> Vec<std::ops::Range<usize>> {
    let mut at = bytes.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
    let mut blocks = Vec::new();
    for part in &manifest.parts {
        let line_end = bytes[at..].iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
        let end = at + line_end + usize::try_from(part.bytes).unwrap_or(0);
        blocks.push(at..end);
        at = end;
    }
    blocks
}

/// A copy of the backup at `path` with one byte changed at `at`.
pub fn damaged_backup(path: &std::path::Path, at: usize) -> std::path::PathBuf {
    let mut bytes = valid(std::fs::read(path));
    bytes[at] ^= 0x20;
    let out = path.with_extension(format!("damaged-{at}"));
    valid(std::fs::write(&out, bytes));
    out
}

/// The part a backup file is refused by, and why.
pub fn backup_problem(path: &std::path::Path) -> (String, String) {
    match parapompi::backup::BackupFile::open(path) {
        Err(EngineError::Backup { part, problem }) => (part, problem),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("{} opened", path.display()),
    }
}

/// Each part of the backup at `path` damaged in the middle of its bytes is refused naming
/// that part, by its digest.
pub fn assert_each_damaged_part_is_named(path: &std::path::Path, manifest: &parapompi::backup::BackupManifest) {
    let bytes = valid(std::fs::read(path));
    for (part, block) in manifest.parts.iter().zip(backup_part_blocks(&bytes, manifest)) {
        if part.bytes > 0 {
            let middle = block.end - usize::try_from(part.bytes / 2).unwrap_or(0) - 1;
            let (named, problem) = backup_problem(&damaged_backup(path, middle));
            assert_eq!(named, part.part, "{problem}");
            assert!(problem.contains("SHA-256"), "{problem}");
        }
    }
}

/// The credential store of `engine`, hashing passwords cheaply (tests only).
pub fn cheap_credentials(engine: &Engine) -> parapompi::credentials::Credentials {
    let hashing = parapompi::credentials::PasswordHashing { memory_kib: 1024, iterations: 1, parallelism: 1 };
    valid(parapompi::credentials::Credentials::open(engine, hashing))
}
