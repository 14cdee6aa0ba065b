//! Fixtures and the one `check` helper shared by the integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::BTreeSet;

use parapompi_core::beneficiary::{BeneficiaryAction, BeneficiaryCommand, BeneficiaryEvent};
use parapompi_core::case::{CaseAction, CaseCommand, CaseEvent, SharingBasis};
use parapompi_core::centre::{CentreAction, CentreCommand, CentreEvent};
use parapompi_core::context::{ActiveAdministrators, AmkaHolder, EnteredOperations};
use parapompi_core::identity::{IdentityRecord, IdentitySalt};
use parapompi_core::values::{
    AgencyId, Amka, AntennaId, BeneficiaryId, CaseId, CentreId, Date, MunicipalityName, Narrative, OrganisationName,
    PersonName, Reason, ReferralId, StaffId,
};
use parapompi_core::vocab::{
    AgencyKind, Answer, Attributes, Flag, Gender, IntakeChannel, LabourStatus, NeedDomain, ReferralPriority, Role,
    SharingConsent, SharingPurpose, VulnerableGroups,
};
use parapompi_core::{
    decide, Actor, AgencyFacts, BeneficiaryFacts, CentreFacts, Command, Context, Event, Facts, StaffFacts, State,
};
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const CENTRE: u128 = 1;
pub const OTHER_CENTRE: u128 = 2;
pub const ADMIN: u128 = 10;
pub const SUPERVISOR: u128 = 11;
pub const WORKER: u128 = 12;
pub const RECEPTION: u128 = 13;
pub const PSYCHOLOGIST: u128 = 14;
pub const OUTSIDER: u128 = 15;
pub const RETIRED: u128 = 16;
pub const AGENCY: u128 = 20;
pub const OTHER_AGENCY: u128 = 21;
pub const BENEFICIARY: u128 = 30;
pub const CASE: u128 = 40;
pub const REF1: u128 = 50;
pub const REF2: u128 = 51;
pub const ANTENNA: u128 = 60;

pub fn centre_id() -> CentreId {
    CentreId::new(id(CENTRE))
}
pub fn staff_id(n: u128) -> StaffId {
    StaffId::new(id(n))
}
pub fn agency_id() -> AgencyId {
    AgencyId::new(id(AGENCY))
}
pub fn other_agency_id() -> AgencyId {
    AgencyId::new(id(OTHER_AGENCY))
}
pub fn beneficiary_id() -> BeneficiaryId {
    BeneficiaryId::new(id(BENEFICIARY))
}
pub fn case_id() -> CaseId {
    CaseId::new(id(CASE))
}
pub fn referral(n: u128) -> ReferralId {
    ReferralId::new(id(n))
}
pub fn antenna_id() -> AntennaId {
    AntennaId::new(id(ANTENNA))
}

/// Unwraps a fixture value that is valid by construction.
pub fn ok<T, E: std::fmt::Debug>(result: Result<T, E>) -> T {
    match result {
        Ok(v) => v,
        Err(e) => panic!("fixture must be valid: {e:?}"),
    }
}

pub fn date(text: &str) -> Date {
    ok(Date::parse(text))
}
pub fn today() -> Date {
    date("2023-03-01")
}
pub fn opened_on() -> Date {
    date("2023-02-20")
}
/// The day the centre of these tests was registered.
pub fn centre_registered_on() -> Date {
    date("2023-01-02")
}
/// The day the beneficiary of these tests was registered, before the case's intake.
pub fn beneficiary_registered_on() -> Date {
    date("2023-02-01")
}
pub fn due() -> Date {
    date("2023-03-15")
}
pub fn org(text: &str) -> OrganisationName {
    ok(OrganisationName::new(text))
}
pub fn town(text: &str) -> MunicipalityName {
    ok(MunicipalityName::new(text))
}
pub fn why(text: &str) -> Reason {
    ok(Reason::new(text))
}
pub fn text(text: &str) -> Narrative {
    ok(Narrative::new(text))
}
/// `event` with its texts sealed as the Engine seals them before encoding (here under a
/// fixed test salt), the form in which events are stored.
pub fn sealed(event: &Event) -> Event {
    let mut event = event.clone();
    for (n, (_, text)) in event.texts_mut().into_iter().enumerate() {
        if let Some(words) = text.as_inline() {
            let digest = parapompi_core::TextDigest::of(b"a test salt", words);
            let text_id = uuid::Uuid::from_u128(0x7e47_0000 + n as u128);
            *text = parapompi_core::Text::Sealed(parapompi_core::SealedText { text_id, digest });
        }
    }
    event
}

/// A free text as a decided event holds it, before the Engine seals it.
pub fn inline(text: &str) -> parapompi_core::Text {
    parapompi_core::Text::inline(text)
}
pub fn person(text: &str) -> PersonName {
    ok(PersonName::new(text))
}

/// An AMKA with a correct Luhn digit.
pub fn valid_amka() -> Amka {
    let base = "0101801234";
    (0..10)
        .map(|d| format!("{base}{d}"))
        .find_map(|candidate| Amka::new(&candidate).ok())
        .unwrap_or_else(|| panic!("one digit completes the Luhn sum"))
}

pub fn identity() -> IdentityRecord {
    ok(IdentityRecord::new(person("Μαρία"), person("Παπαδάκη"), valid_amka(), vec![], vec![], None))
}
pub fn salt() -> IdentitySalt {
    ok(IdentitySalt::new(vec![7; 16]))
}

pub fn attributes() -> Attributes {
    Attributes {
        gender: Answer::Given(Gender::Female),
        year_of_birth: Answer::Given(1980),
        municipality_of_residence: town("Σφακίων"),
        vulnerable_groups: VulnerableGroups {
            roma_or_minority: Flag::No,
            migrant: Flag::DeclinedToAnswer,
            disability: Flag::No,
            homeless: Flag::No,
            third_country_national: Some(Flag::No),
            foreign_background: None,
        },
        labour_status: Answer::Given(LabourStatus::Unemployed),
        education: Answer::DeclinedToAnswer,
        area_of_residence: Some(Answer::Given(parapompi_core::vocab::Urbanisation::RuralAreas)),
    }
}

pub fn staff_facts(n: u128) -> StaffFacts {
    let (centre, roles, active): (u128, &[Role], bool) = match n {
        ADMIN => (CENTRE, &[Role::Administrator], true),
        SUPERVISOR => (CENTRE, &[Role::Supervisor], true),
        WORKER => (CENTRE, &[Role::SocialWorker], true),
        RECEPTION => (CENTRE, &[Role::Reception], true),
        PSYCHOLOGIST => (CENTRE, &[Role::Psychologist, Role::RomaMediator], true),
        OUTSIDER => (OTHER_CENTRE, &[Role::SocialWorker, Role::Supervisor], true),
        RETIRED => (CENTRE, &[Role::SocialWorker], false),
        _ => panic!("unknown staff fixture {n}"),
    };
    StaffFacts {
        staff_id: staff_id(n),
        centre_id: CentreId::new(id(centre)),
        roles: roles.iter().copied().collect(),
        active,
    }
}

pub fn agency_facts(active: bool) -> AgencyFacts {
    AgencyFacts {
        agency_id: agency_id(),
        kind: AgencyKind::PublicService,
        active,
        need_domains: [NeedDomain::Employment, NeedDomain::Housing].into_iter().collect(),
    }
}

pub fn consent() -> SharingConsent {
    SharingConsent {
        agency_id: agency_id(),
        purpose: SharingPurpose::Referral,
        granted_on: opened_on(),
        withdrawn_on: None,
    }
}

/// Every fact a command in these tests may need: the centre with its open antenna, the
/// active agency, the beneficiary with a consent for the agency, and the social worker as
/// the staff fact.
pub fn world() -> Facts {
    Facts {
        centre: Some(CentreFacts {
            centre_id: centre_id(),
            open_antennas: [antenna_id()].into_iter().collect(),
            first_administrator: staff_id(ADMIN),
            registered_on: Some(centre_registered_on()),
            programmes: Vec::new(),
        }),
        agency: Some(agency_facts(true)),
        beneficiary: Some(BeneficiaryFacts {
            beneficiary_id: beneficiary_id(),
            centre_id: centre_id(),
            registered_on: beneficiary_registered_on(),
            identity_erased: false,
            consents: vec![consent()],
            attributes: attributes(),
        }),
        staff: Some(staff_facts(WORKER)),
        case: Some(parapompi_core::CaseFacts {
            case_id: case_id(),
            beneficiary_id: beneficiary_id(),
            centre_id: centre_id(),
            assignee: Some(staff_id(WORKER)),
        }),
        active_administrators: Some(ActiveAdministrators {
            centre_id: centre_id(),
            staff_ids: [staff_id(ADMIN)].into_iter().collect(),
        }),
        amka_holder: Some(AmkaHolder { centre_id: centre_id(), holder: None }),
        first_centre: Some(centre_id()),
        entered_operations: Some(EnteredOperations {
            beneficiary_id: beneficiary_id(),
            centre_id: centre_id(),
            programmes: Default::default(),
        }),
    }
}

pub fn as_staff(n: u128) -> Context {
    Context {
        actor: Actor::Staff(staff_facts(n)),
        occurred_at: parapompi_core::values::Timestamp::from_unix_ms(1_677_657_600_000),
        now: parapompi_core::values::Timestamp::from_unix_ms(1_677_657_600_000),
        today: today(),
        facts: world(),
    }
}
pub fn as_actor(actor: Actor) -> Context {
    Context { actor, ..as_staff(WORKER) }
}

// ---- commands ----

pub fn centre_cmd(action: CentreAction) -> Command {
    Command::Centre(CentreCommand { centre_id: centre_id(), action })
}
pub fn beneficiary_cmd(action: BeneficiaryAction) -> Command {
    Command::Beneficiary(BeneficiaryCommand { beneficiary_id: beneficiary_id(), action })
}
pub fn case_cmd(action: CaseAction) -> Command {
    Command::Case(CaseCommand { case_id: case_id(), action })
}

pub fn open_case_action() -> CaseAction {
    CaseAction::Open {
        beneficiary_id: beneficiary_id(),
        centre_id: centre_id(),
        antenna_id: None,
        intake_date: opened_on(),
        channel: IntakeChannel::WalkIn,
        request: text("Χρειάζομαι βοήθεια για το επίδομα στέγασης."),
    }
}

// ---- given events ----

pub fn centre_registered() -> Event {
    Event::Centre(CentreEvent::CentreRegistered {
        centre_id: centre_id(),
        name: org("Κέντρο Κοινότητας Αποκορώνου"),
        host_municipality: town("Αποκορώνου"),
        supervising_service: org("Κοινωνική Υπηρεσία Δήμου Αποκορώνου"),
        first_administrator: staff_id(ADMIN),
        registered_on: Some(centre_registered_on()),
    })
}

pub fn beneficiary_registered() -> Event {
    Event::Beneficiary(BeneficiaryEvent::BeneficiaryRegistered {
        beneficiary_id: beneficiary_id(),
        identity_digest: identity().digest(&salt()),
        attributes: attributes(),
        centre_id: centre_id(),
        registered_on: beneficiary_registered_on(),
    })
}

pub fn case_opened() -> Event {
    Event::Case(CaseEvent::CaseOpened {
        case_id: case_id(),
        beneficiary_id: beneficiary_id(),
        centre_id: centre_id(),
        antenna_id: None,
        intake_date: opened_on(),
        channel: IntakeChannel::WalkIn,
        request: inline("Χρειάζομαι βοήθεια για το επίδομα στέγασης."),
        opened_by: staff_id(RECEPTION),
    })
}

pub fn assigned() -> Event {
    Event::Case(CaseEvent::CaseAssigned { staff_id: staff_id(WORKER), assigned_by: staff_id(WORKER) })
}

pub fn created(n: u128) -> Event {
    Event::Case(CaseEvent::ReferralCreated {
        referral_id: referral(n),
        agency_id: agency_id(),
        agency_kind: AgencyKind::PublicService,
        need: NeedDomain::Employment,
        reason: inline("Αναζήτηση εργασίας"),
        due_on: due(),
        priority: ReferralPriority::Routine,
        created_on: today(),
    })
}

pub fn sent(n: u128) -> Event {
    Event::Case(CaseEvent::ReferralSent {
        referral_id: referral(n),
        sent_on: today(),
        sharing_basis: SharingBasis::Consent { granted_on: opened_on() },
    })
}

pub fn accepted(n: u128) -> Event {
    Event::Case(CaseEvent::ReferralAccepted { referral_id: referral(n), answered_on: today() })
}

pub fn started(n: u128) -> Event {
    Event::Case(CaseEvent::ReferralStarted { referral_id: referral(n), started_on: today() })
}

pub fn declined(n: u128) -> Event {
    Event::Case(CaseEvent::ReferralDeclined {
        referral_id: referral(n),
        reason: inline("Εκτός αρμοδιότητας"),
        answered_on: today(),
    })
}

pub fn closed() -> Event {
    Event::Case(CaseEvent::CaseClosed {
        reason: parapompi_core::vocab::CloseReason::GoalsMet,
        detail: None,
        closed_on: today(),
        closed_by: staff_id(WORKER),
    })
}

// ---- the one check helper ----

/// What a test expects.
pub enum Then {
    /// These events, in order.
    Events(Vec<Event>),
    /// A rejection of this variant (by name, see `Rejection::name`).
    Rejected(&'static str),
}

thread_local! {
    /// Command names accepted and rejection names produced on this thread, for coverage.
    pub static ACCEPTED: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
    /// Rejection variant names produced on this thread.
    pub static REJECTED: RefCell<BTreeSet<&'static str>> = const { RefCell::new(BTreeSet::new()) };
}

/// Given these events (of one stream), when this command with this context, then these
/// events or this rejection. Every expected event must also survive the payload round trip.
/// The state is folded with the kind of the first given event (the command's kind if none).
pub fn check(given: &[Event], when: Command, ctx: &Context, then: Then) {
    let kind = given.first().map(Event::stream_kind).unwrap_or_else(|| when.stream_kind());
    let state = State::fold(kind, given);
    let before = state.clone();
    let result = decide(&state, &when, ctx);
    assert_eq!(state, before, "decide must not change the state");
    match (then, result) {
        (Then::Events(expected), Ok(events)) => {
            assert_eq!(events, expected, "{} produced other events", when.name());
            for event in &events {
                let event = &sealed(event);
                let back = Event::from_payload(event.event_type(), event.schema_version(), event.to_payload());
                assert_eq!(back.as_ref(), Ok(event), "payload round trip");
                let text = event.to_payload().to_string();
                let from_text = Event::from_payload_text(event.event_type(), event.schema_version(), &text);
                assert_eq!(from_text.as_ref(), Ok(event), "payload text round trip");
            }
            ACCEPTED.with(|seen| seen.borrow_mut().insert(when.name()));
        }
        (Then::Rejected(expected), Err(rejection)) => {
            assert_eq!(rejection.name(), expected, "{} was rejected for another rule: {rejection}", when.name());
            // The message names the rule in words; it must never be empty.
            assert!(!rejection.to_string().is_empty());
            REJECTED.with(|seen| seen.borrow_mut().insert(rejection.name()));
        }
        (Then::Events(_), Err(rejection)) => {
            panic!("{} was rejected: {rejection:?}", when.name())
        }
        (Then::Rejected(expected), Ok(events)) => {
            panic!("{} was accepted ({events:?}), expected {expected}", when.name())
        }
    }
}
