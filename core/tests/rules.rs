//! Given/when/then tests of every command and every rule, through `common::check`.
//!
//! `every_command_and_every_rule_is_covered` runs all scenarios on one thread and checks that
//! each command was accepted at least once and each `Rejection` variant produced at least once.

mod common;

use std::collections::BTreeSet;

use common::*;
use parapompi_core::agency::{AgencyAction, AgencyCommand, AgencyEvent, AgencyProfile};
use parapompi_core::beneficiary::{Access, BeneficiaryAction, BeneficiaryEvent};
use parapompi_core::case::{CaseAction, CaseEvent, ConsentOverride, SharingBasis};
use parapompi_core::centre::{CentreAction, CentreEvent, FundingProgramme};
use parapompi_core::credential::{CredentialId, CredentialKind, LoginFailure, RevocationReason};
use parapompi_core::esf::{EntrySituation, LeavingSituation};
use parapompi_core::staff::{StaffAction, StaffCommand, StaffEvent};
use parapompi_core::values::Timestamp;
use parapompi_core::values::{EuroCents, FundName, ProgrammeCode};
use parapompi_core::vocab::{
    AgencyKind, Answer, CloseReason, Flag, IntakeChannel, LegalBasis, Need, NeedDomain, NeedPriority, Outcome,
    ReferralPriority, ReferralStatus, Role, ServiceKind, SharingPurpose,
};
use parapompi_core::{Actor, Command, Event, Rejection};
use parapompi_core::{State, StreamKind};
use Then::{Events, Rejected};

const HOUR: i64 = 3_600_000;

fn cred(n: u128) -> CredentialId {
    CredentialId::new(id(9000 + n))
}

/// An instant this long after the scenarios' clock (`as_staff`'s `now`).
fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_unix_ms(1_677_657_600_000 + offset_ms)
}

fn worker_registered() -> Event {
    Event::Staff(StaffEvent::StaffRegistered {
        staff_id: staff_id(WORKER),
        centre_id: centre_id(),
        name: person("Ελένη"),
        roles: [Role::SocialWorker].into_iter().collect(),
    })
}

fn issued(n: u128, kind: CredentialKind, expires_at: Option<Timestamp>) -> Event {
    Event::Staff(StaffEvent::CredentialIssued { credential_id: cred(n), kind, expires_at })
}

fn revoked(n: u128, reason: RevocationReason) -> Event {
    Event::Staff(StaffEvent::CredentialRevoked { credential_id: cred(n), reason })
}

#[test]
fn a_credential_lets_its_holder_act_while_live_unexpired_and_active() {
    let kinds = [CredentialKind::Session, CredentialKind::ApiToken];
    let events = [worker_registered(), issued(3, CredentialKind::Session, Some(at(HOUR)))];
    let staff_state = |events: &[Event]| match State::fold(StreamKind::Staff, events) {
        State::Staff(state) => state,
        _ => None,
    };
    let state = staff_state(&events);
    let facts = parapompi_core::credential::authenticate(&state, staff_id(WORKER), cred(3), &kinds, at(0));
    assert_eq!(facts.map(|f| f.staff_id), Ok(staff_id(WORKER)));
    let expired = parapompi_core::credential::authenticate(&state, staff_id(WORKER), cred(3), &kinds, at(HOUR));
    assert_eq!(expired.map_err(|r| r.name()), Err("CredentialNotValid"));
    let other_use = parapompi_core::credential::authenticate(
        &state,
        staff_id(WORKER),
        cred(3),
        &[CredentialKind::Enrolment],
        at(0),
    );
    assert_eq!(other_use.map_err(|r| r.name()), Err("CredentialNotValid"));
    let revoked_state = staff_state(&[events[0].clone(), events[1].clone(), revoked(3, RevocationReason::Logout)]);
    let after_logout =
        parapompi_core::credential::authenticate(&revoked_state, staff_id(WORKER), cred(3), &kinds, at(0));
    assert_eq!(after_logout.map_err(|r| r.name()), Err("CredentialNotValid"));
    let mut off = state.clone();
    if let Some(staff) = off.as_mut() {
        staff.active = false;
    }
    let deactivated = parapompi_core::credential::authenticate(&off, staff_id(WORKER), cred(3), &kinds, at(0));
    assert_eq!(deactivated.map_err(|r| r.name()), Err("ActorDeactivated"));
    let nobody = parapompi_core::credential::authenticate(&None, staff_id(WORKER), cred(3), &kinds, at(0));
    assert_eq!(nobody.map_err(|r| r.name()), Err("NotFound"));
}

fn case_event(e: CaseEvent) -> Event {
    Event::Case(e)
}

fn staff_cmd(n: u128, action: StaffAction) -> Command {
    Command::Staff(StaffCommand { staff_id: staff_id(n), action })
}

fn agency_cmd(action: AgencyAction) -> Command {
    Command::Agency(AgencyCommand { agency_id: agency_id(), action })
}

fn profile() -> AgencyProfile {
    AgencyProfile {
        name: org("ΔΥΠΑ Χανίων"),
        kind: AgencyKind::PublicService,
        description: Some(text("Υπηρεσία απασχόλησης")),
        need_domains: [NeedDomain::Employment].into_iter().collect(),
        municipality: town("Χανίων"),
        email: None,
        url: None,
        phones: vec![],
    }
}

fn agency_registered() -> Event {
    Event::Agency(AgencyEvent::AgencyRegistered { agency_id: agency_id(), profile: profile() })
}

fn programme(starts: &str, ends: &str) -> FundingProgramme {
    FundingProgramme {
        code: ok(ProgrammeCode::new("MIS 5002285")),
        fund: ok(FundName::new("ΕΚΤ / ΠΕΠ Κρήτης 2014-2020")),
        starts_on: date(starts),
        ends_on: date(ends),
        budget: ok(EuroCents::new(26_640_000)),
    }
}

fn code(text: &str) -> ProgrammeCode {
    ok(ProgrammeCode::new(text))
}

fn programme_of(code_text: &str, starts: &str, ends: &str) -> FundingProgramme {
    FundingProgramme { code: code(code_text), ..programme(starts, ends) }
}

fn create_referral(n: u128, need: NeedDomain) -> CaseAction {
    CaseAction::CreateReferral {
        referral_id: referral(n),
        agency_id: agency_id(),
        need,
        reason: why("Αναζήτηση εργασίας"),
        due_on: due(),
        priority: ReferralPriority::Routine,
    }
}

fn rid() -> parapompi_core::values::ReferralId {
    referral(REF1)
}

/// `ctx` on another business date (its act and the clock at ten in the morning of it, UTC).
fn on(today: parapompi_core::values::Date, ctx: parapompi_core::Context) -> parapompi_core::Context {
    let at = parapompi_core::values::Timestamp::from_unix_ms(today.days_since_epoch() * 86_400_000 + 36_000_000);
    parapompi_core::Context { today, occurred_at: at, now: at, ..ctx }
}

/// `ctx` with the facts changed by `change`.
fn with_facts(
    mut ctx: parapompi_core::Context,
    change: impl FnOnce(&mut parapompi_core::Facts),
) -> parapompi_core::Context {
    change(&mut ctx.facts);
    ctx
}

fn erased() -> Event {
    Event::Beneficiary(BeneficiaryEvent::IdentityErased { erased_on: today() })
}

/// The world's facts, with the beneficiary's identity erased.
fn erased_world(ctx: parapompi_core::Context) -> parapompi_core::Context {
    with_facts(ctx, |facts| {
        if let Some(b) = facts.beneficiary.as_mut() {
            b.identity_erased = true;
        }
    })
}

macro_rules! scenarios {
    ($($name:ident $body:block)*) => {
        $(#[test] fn $name() $body)*
        const SCENARIOS: &[(&str, fn())] = &[$((stringify!($name), $name)),*];
    };
}

scenarios! {

    // ---------------- rules that hold under misuse ----------------
    staff_of_another_centre_never_touch_our_people {
        let given = [beneficiary_registered()];
        let mut a = attributes();
        a.education = Answer::Given(parapompi_core::vocab::IscedBand::Isced3To4);
        let new_salt = ok(parapompi_core::identity::IdentitySalt::new(vec![9; 32]));
        for action in [
            BeneficiaryAction::UpdateAttributes { attributes: a },
            BeneficiaryAction::CorrectIdentity { identity: identity(), salt: new_salt },
            BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::PublicTask },
            BeneficiaryAction::GrantConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, granted_on: today() },
            BeneficiaryAction::WithdrawConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, withdrawn_on: today() },
        ] {
            check(&given, beneficiary_cmd(action), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
        }
    }
    an_intake_for_another_centres_person_is_refused {
        let ctx = with_facts(as_staff(RECEPTION), |facts| {
            if let Some(b) = facts.beneficiary.as_mut() {
                b.centre_id = parapompi_core::values::CentreId::new(id(OTHER_CENTRE));
            }
        });
        check(&[], case_cmd(open_case_action()), &ctx, Rejected("OutsideCentre"));
    }
    an_act_dated_after_the_engine_clock_is_refused {
        let note = case_cmd(CaseAction::AddNote { text: text("Σημείωση") });
        let mut ctx = as_staff(WORKER);
        ctx.occurred_at = parapompi_core::values::Timestamp::from_unix_ms(ctx.now.unix_ms() + parapompi_core::limits::MAX_CLOCK_SKEW_MS + 1);
        check(&[case_opened()], note.clone(), &ctx, Rejected("OccurredInFuture"));
        ctx.occurred_at = parapompi_core::values::Timestamp::from_unix_ms(ctx.now.unix_ms() + parapompi_core::limits::MAX_CLOCK_SKEW_MS);
        let then = case_event(CaseEvent::CaseNoteAdded { text: inline("Σημείωση"), written_on: today(), author: staff_id(WORKER) });
        check(&[case_opened()], note, &ctx, Events(vec![then]));
        let message = Rejection::OccurredInFuture {
            occurred_at: parapompi_core::values::Timestamp::from_unix_ms(5_680_281_600_000),
            now: parapompi_core::values::Timestamp::from_unix_ms(1_677_657_600_000),
            tolerance_s: 300,
        }
        .to_string();
        assert_eq!(message, "the act is dated 2150-01-01T00:00:00Z, after the engine's clock (2023-03-01T08:00:00Z) by more than 300 s");
    }
    the_business_date_is_the_acts_own {
        let note = case_cmd(CaseAction::AddNote { text: text("Σημείωση") });
        let dated = |day| parapompi_core::Context { today: date(day), ..as_staff(WORKER) };
        check(&[case_opened()], note.clone(), &dated("2023-03-03"), Rejected("BusinessDateNotOfTheAct"));
        check(&[case_opened()], note, &dated("2023-02-27"), Rejected("BusinessDateNotOfTheAct"));
    }
    nothing_is_dated_before_the_centre_or_the_person_existed {
        let early = date("2023-01-01");
        let register = staff_cmd(WORKER, StaffAction::Register { centre_id: centre_id(), name: person("Γιώργος"), roles: [Role::SocialWorker].into_iter().collect() });
        check(&[], register, &on(early, as_staff(ADMIN)), Rejected("DateBeforeRegistration"));
        let person_register = beneficiary_cmd(BeneficiaryAction::Register { identity: identity(), salt: salt(), attributes: attributes(), centre_id: centre_id() });
        check(&[], person_register, &on(early, as_staff(RECEPTION)), Rejected("DateBeforeRegistration"));
        let served = centre_cmd(CentreAction::AddServedMunicipality { municipality: town("Σφακίων") });
        check(&[centre_registered()], served, &on(early, as_staff(ADMIN)), Rejected("DateBeforeRegistration"));
        let CaseAction::Open { beneficiary_id, centre_id, antenna_id, channel, request, .. } = open_case_action() else { unreachable!() };
        let intake = CaseAction::Open { beneficiary_id, centre_id, antenna_id, intake_date: date("2023-01-20"), channel, request };
        check(&[], case_cmd(intake), &as_staff(RECEPTION), Rejected("DateBeforeRegistration"));
        let grant = beneficiary_cmd(BeneficiaryAction::GrantConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, granted_on: date("2023-01-20") });
        check(&[beneficiary_registered()], grant, &as_staff(WORKER), Rejected("DateBeforeRegistration"));
    }
    completing_and_failing_take_their_own_outcomes {
        let given = vec![case_opened(), created(REF1), sent(REF1), accepted(REF1), started(REF1)];
        for outcome in Outcome::ALL {
            let complete = case_cmd(CaseAction::CompleteReferral { referral_id: rid(), outcome: Some(*outcome), note: None });
            let fail = case_cmd(CaseAction::FailReferral { referral_id: rid(), outcome: Some(*outcome), reason: Some(why("Λόγος")) });
            let (refused, other) = if Outcome::ON_COMPLETION.contains(outcome) { (fail, complete) } else { (complete, fail) };
            check(&given, refused.clone(), &as_staff(WORKER), Rejected("OutcomeNotAllowed"));
            let state = parapompi_core::State::fold(parapompi_core::StreamKind::Case, &given);
            assert!(parapompi_core::decide(&state, &other, &as_staff(WORKER)).is_ok(), "{outcome} ends one way");
        }
        let message = Rejection::OutcomeNotAllowed { action: "CompleteReferral", outcome: Outcome::NoCapacity, allowed: Outcome::ON_COMPLETION.to_vec() }.to_string();
        assert_eq!(message, "CompleteReferral takes one of the outcomes got_help, partly, not no_capacity");
    }
    an_erased_person_is_not_processed_again {
        let ctx = erased_world(as_staff(WORKER));
        let given_person = [beneficiary_registered(), erased()];
        let mut a = attributes();
        a.education = Answer::Given(parapompi_core::vocab::IscedBand::Isced3To4);
        for action in [
            BeneficiaryAction::UpdateAttributes { attributes: a },
            BeneficiaryAction::CorrectIdentity { identity: identity(), salt: salt() },
            BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::PublicTask },
            BeneficiaryAction::GrantConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, granted_on: today() },
        ] {
            check(&given_person, beneficiary_cmd(action), &ctx, Rejected("IdentityWasErased"));
        }
        check(&[], case_cmd(open_case_action()), &erased_world(as_staff(RECEPTION)), Rejected("IdentityWasErased"));
        let given_case = vec![case_opened(), created(REF1), sent(REF1)];
        check(&given_case, case_cmd(create_referral(REF2, NeedDomain::Housing)), &ctx, Rejected("IdentityWasErased"));
        check(&given_case, case_cmd(CaseAction::AddNote { text: text("x") }), &ctx, Rejected("IdentityWasErased"));
        // Nothing more is written about them: winding down takes no text, and needs none.
        check(&given_case, case_cmd(CaseAction::CancelReferral { referral_id: rid(), reason: Some(why("Διαγραφή")) }), &ctx, Rejected("TextAboutErasedPerson"));
        check(&given_case, case_cmd(CaseAction::Close { reason: CloseReason::Other, detail: Some(why("Διαγραφή")), leaving: None }), &ctx, Rejected("TextAboutErasedPerson"));
        let cancelled = case_event(CaseEvent::ReferralCancelled { referral_id: rid(), reason: None, cancelled_on: today() });
        check(&given_case, case_cmd(CaseAction::CancelReferral { referral_id: rid(), reason: None }), &ctx, Events(vec![cancelled.clone()]));
        check(&given_person, beneficiary_cmd(BeneficiaryAction::RecordAccess { access: Access::Identity, reason: None }), &erased_world(as_staff(RECEPTION)), Rejected("IdentityWasErased"));
        let closed = case_event(CaseEvent::CaseClosed { reason: CloseReason::GoalsMet, detail: None, closed_on: today(), closed_by: staff_id(WORKER) });
        let mut given_closing = given_case.clone();
        given_closing.push(cancelled);
        check(&given_closing, case_cmd(CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving: None }), &ctx, Events(vec![closed]));
    }
    reading_personal_data_is_an_act_with_its_own_rules {
        let given_person = [beneficiary_registered()];
        let read = |access: Access, reason: Option<&str>| {
            beneficiary_cmd(BeneficiaryAction::RecordAccess { access, reason: reason.map(why) })
        };
        let accessed = |access: Access, reason: Option<&str>, by: u128| {
            Event::Beneficiary(BeneficiaryEvent::RecordsAccessed { access, reason: reason.map(inline), accessed_by: staff_id(by), accessed_on: today() })
        };
        // Reception reads the identity; a case's assignee reads its texts without a reason.
        check(&given_person, read(Access::Identity, None), &as_staff(RECEPTION), Events(vec![accessed(Access::Identity, None, RECEPTION)]));
        let texts = Access::CaseTexts { case_id: case_id() };
        check(&given_person, read(texts, None), &as_staff(WORKER), Events(vec![accessed(texts, None, WORKER)]));
        // Anyone else reads them with a reason only, and reception not at all.
        check(&given_person, read(texts, None), &as_staff(SUPERVISOR), Rejected("ReadNeedsReason"));
        check(&given_person, read(texts, Some("Εποπτεία")), &as_staff(SUPERVISOR), Events(vec![accessed(texts, Some("Εποπτεία"), SUPERVISOR)]));
        check(&given_person, read(texts, Some("Περιέργεια")), &as_staff(RECEPTION), Rejected("RoleNotPermitted"));
        // The case must be the person's.
        let other = with_facts(as_staff(WORKER), |facts| {
            if let Some(case) = facts.case.as_mut() {
                case.beneficiary_id = parapompi_core::values::BeneficiaryId::new(uuid::Uuid::from_u128(0xdead));
            }
        });
        check(&given_person, read(texts, None), &other, Rejected("CaseOfAnotherPerson"));
        // The person's own copy: a supervisor only.
        check(&given_person, read(Access::SubjectExport, None), &as_staff(WORKER), Rejected("RoleNotPermitted"));
        check(&given_person, read(Access::SubjectExport, Some("Αίτηση 2023-03-01")), &as_staff(SUPERVISOR), Events(vec![accessed(Access::SubjectExport, Some("Αίτηση 2023-03-01"), SUPERVISOR)]));
    }
    the_last_administrator_stays {
        let admin = Event::Staff(StaffEvent::StaffRegistered { staff_id: staff_id(ADMIN), centre_id: centre_id(), name: person("Διαχειριστής"), roles: [Role::Administrator].into_iter().collect() });
        check(std::slice::from_ref(&admin), staff_cmd(ADMIN, StaffAction::Deactivate), &as_staff(ADMIN), Rejected("LastAdministrator"));
        let demoted = staff_cmd(ADMIN, StaffAction::ChangeRoles { roles: [Role::Supervisor].into_iter().collect() });
        check(std::slice::from_ref(&admin), demoted.clone(), &as_staff(ADMIN), Rejected("LastAdministrator"));
        // With a second active administrator, either may step down.
        let two = with_facts(as_staff(ADMIN), |facts| {
            if let Some(a) = facts.active_administrators.as_mut() {
                a.staff_ids.insert(staff_id(SUPERVISOR));
            }
        });
        let then = Event::Staff(StaffEvent::StaffRolesChanged { roles: [Role::Supervisor].into_iter().collect() });
        check(std::slice::from_ref(&admin), demoted, &two, Events(vec![then]));
    }
    a_deactivated_member_is_reactivated_by_an_administrator_or_a_supervisor {
        let registered = Event::Staff(StaffEvent::StaffRegistered { staff_id: staff_id(WORKER), centre_id: centre_id(), name: person("Γιώργος"), roles: [Role::SocialWorker].into_iter().collect() });
        let off = Event::Staff(StaffEvent::StaffDeactivated { deactivated_on: today() });
        let on_again = Event::Staff(StaffEvent::StaffReactivated { reactivated_on: today() });
        let given = [registered.clone(), off];
        check(&given, staff_cmd(WORKER, StaffAction::Reactivate), &as_staff(ADMIN), Events(vec![on_again.clone()]));
        check(&given, staff_cmd(WORKER, StaffAction::Reactivate), &as_staff(SUPERVISOR), Events(vec![on_again]));
        check(&given, staff_cmd(WORKER, StaffAction::Reactivate), &as_staff(RECEPTION), Rejected("RoleNotPermitted"));
        check(&given, staff_cmd(WORKER, StaffAction::Reactivate), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
        check(&[registered], staff_cmd(WORKER, StaffAction::Reactivate), &as_staff(ADMIN), Rejected("NothingToChange"));
    }
    an_amka_the_centre_already_holds_is_refused_with_its_holder {
        let other = parapompi_core::values::BeneficiaryId::new(id(31));
        let held = |ctx| with_facts(ctx, |facts| facts.amka_holder = Some(parapompi_core::AmkaHolder { centre_id: centre_id(), holder: Some(other) }));
        let register = beneficiary_cmd(BeneficiaryAction::Register { identity: identity(), salt: salt(), attributes: attributes(), centre_id: centre_id() });
        check(&[], register.clone(), &held(as_staff(RECEPTION)), Rejected("DuplicateAmka"));
        let state = parapompi_core::State::empty(parapompi_core::StreamKind::Beneficiary);
        let refused = parapompi_core::decide(&state, &register, &held(as_staff(RECEPTION))).map_err(|r| r.to_string());
        assert!(matches!(&refused, Err(m) if m.contains(&other.to_string())), "{refused:?}");
        let new_salt = ok(parapompi_core::identity::IdentitySalt::new(vec![9; 32]));
        let correct = beneficiary_cmd(BeneficiaryAction::CorrectIdentity { identity: identity(), salt: new_salt });
        check(&[beneficiary_registered()], correct, &held(as_staff(WORKER)), Rejected("DuplicateAmka"));
        // The person's own entry is no duplicate.
        let own = |ctx| with_facts(ctx, |facts| facts.amka_holder = Some(parapompi_core::AmkaHolder { centre_id: centre_id(), holder: Some(beneficiary_id()) }));
        check(&[], register, &on(beneficiary_registered_on(), own(as_staff(RECEPTION))), Events(vec![beneficiary_registered()]));
    }
    refusals_speak_plainly {
        let roles = Rejection::RoleNotPermitted { staff_id: staff_id(RECEPTION), command: "ReassignCase", allowed: vec![Role::SocialWorker, Role::Supervisor] }.to_string();
        assert!(roles.ends_with("ReassignCase: social_worker, supervisor"), "{roles}");
        let open = Rejection::OpenReferralsRemain { case_id: case_id(), open: vec![rid()] }.to_string();
        assert!(open.contains(&rid().to_string()) && !open.contains("ReferralId("), "{open}");
        let step = Rejection::TransitionNotAllowed { referral_id: rid(), from: ReferralStatus::Accepted, action: "complete" }.to_string();
        assert!(step.ends_with("is accepted: it cannot complete; start it first (or fail, hold or cancel it)"), "{step}");
        let name = parapompi_core::values::PersonName::new(" ").map_err(|e| e.to_string());
        assert_eq!(name, Err("a person's name must not be empty".to_owned()));
    }
    // ---------------- centres ----------------
    setup_registers_a_centre {
        let when = centre_cmd(CentreAction::Register {
            name: org("Κέντρο Κοινότητας Αποκορώνου"),
            host_municipality: town("Αποκορώνου"),
            supervising_service: org("Κοινωνική Υπηρεσία Δήμου Αποκορώνου"),
            first_administrator: staff_id(ADMIN),
        });
        check(&[], when, &on(centre_registered_on(), as_actor(Actor::Setup)), Events(vec![centre_registered()]));
    }
    a_centre_serves_a_neighbouring_municipality {
        let when = centre_cmd(CentreAction::AddServedMunicipality { municipality: town("Σφακίων") });
        let then = Event::Centre(CentreEvent::ServedMunicipalityAdded { municipality: town("Σφακίων") });
        check(&[centre_registered()], when, &as_staff(ADMIN), Events(vec![then]));
    }
    a_centre_opens_and_closes_an_antenna {
        let open = CentreAction::OpenAntenna { antenna_id: antenna_id(), name: org("Παράρτημα Νεστορίου"), municipality: town("Νεστορίου") };
        let opened = Event::Centre(CentreEvent::AntennaOpened { antenna_id: antenna_id(), name: org("Παράρτημα Νεστορίου"), municipality: town("Νεστορίου"), opened_on: today() });
        check(&[centre_registered()], centre_cmd(open), &as_staff(ADMIN), Events(vec![opened.clone()]));
        let close = centre_cmd(CentreAction::CloseAntenna { antenna_id: antenna_id() });
        let closed = Event::Centre(CentreEvent::AntennaClosed { antenna_id: antenna_id(), closed_on: today() });
        check(&[centre_registered(), opened], close, &as_staff(ADMIN), Events(vec![closed]));
    }
    a_centre_records_its_funding_programme {
        let p = programme("2017-06-01", "2023-05-31");
        let when = centre_cmd(CentreAction::AddFundingProgramme { programme: p.clone() });
        check(&[centre_registered()], when, &as_staff(ADMIN), Events(vec![Event::Centre(CentreEvent::FundingProgrammeAdded { programme: p })]));
    }
    a_budget_period_cannot_end_before_it_starts {
        let when = centre_cmd(CentreAction::AddFundingProgramme { programme: programme("2023-05-31", "2017-06-01") });
        check(&[centre_registered()], when, &as_staff(ADMIN), Rejected("PeriodEndsBeforeStart"));
    }
    a_centre_cannot_be_registered_twice {
        let when = centre_cmd(CentreAction::Register { name: org("X"), host_municipality: town("Grevena"), supervising_service: org("Z"), first_administrator: staff_id(ADMIN) });
        check(&[centre_registered()], when, &as_actor(Actor::Setup), Rejected("AlreadyExists"));
    }
    the_host_is_not_served_twice {
        let when = centre_cmd(CentreAction::AddServedMunicipality { municipality: town("Αποκορώνου") });
        check(&[centre_registered()], when, &as_staff(ADMIN), Rejected("Duplicate"));
    }
    served_municipalities_are_limited {
        let mut given = vec![centre_registered()];
        for i in 0..parapompi_core::limits::MAX_SERVED_MUNICIPALITIES {
            given.push(Event::Centre(CentreEvent::ServedMunicipalityAdded { municipality: town(parapompi_core::municipality::all()[i].code) }));
        }
        let when = centre_cmd(CentreAction::AddServedMunicipality { municipality: town("Σφακίων") });
        check(&given, when, &as_staff(ADMIN), Rejected("TooMany"));
    }
    a_command_naming_an_unlisted_municipality_is_refused_with_the_nearest {
        // Only an old event can hold an unlisted municipality; a command that names one (the
        // JSON act form reads it the way the log is read) is refused.
        let unlisted: parapompi_core::values::MunicipalityName = serde_json::from_str("\"Γρεβενα Κρήτης\"").unwrap();
        assert!(!unlisted.is_listed());
        let when = centre_cmd(CentreAction::AddServedMunicipality { municipality: unlisted });
        check(&[centre_registered()], when, &as_staff(ADMIN), Rejected("UnlistedMunicipality"));
    }
    the_first_centres_administrator_records_a_backup_and_no_one_else {
        let hash = parapompi_core::values::LogHashText::new(&"ab".repeat(32)).unwrap();
        let when = || centre_cmd(CentreAction::TakeBackup { position: 41, head_hash: hash.clone(), since_position: None });
        let taken = Event::Centre(CentreEvent::BackupTaken { position: 41, head_hash: hash.clone(), since_position: None, taken_on: today() });
        check(&[centre_registered()], when(), &as_staff(ADMIN), Events(vec![taken]));
        let increment = centre_cmd(CentreAction::TakeBackup { position: 41, head_hash: hash.clone(), since_position: Some(30) });
        let taken = Event::Centre(CentreEvent::BackupTaken { position: 41, head_hash: hash.clone(), since_position: Some(30), taken_on: today() });
        check(&[centre_registered()], increment, &as_staff(ADMIN), Events(vec![taken]));
        let backwards = centre_cmd(CentreAction::TakeBackup { position: 41, head_hash: hash.clone(), since_position: Some(42) });
        check(&[centre_registered()], backwards, &as_staff(ADMIN), Rejected("NothingToChange"));
        // The centre is not the deployment's first: its administrator copies no one's data.
        let elsewhere = with_facts(as_staff(ADMIN), |facts| facts.first_centre = Some(parapompi_core::values::CentreId::new(uuid::Uuid::from_u128(0xfeed))));
        check(&[centre_registered()], when(), &elsewhere, Rejected("NotDeploymentCentre"));
        check(&[centre_registered()], when(), &as_staff(WORKER), Rejected("RoleNotPermitted"));
        check(&[centre_registered()], when(), &as_actor(Actor::Evaluator), Rejected("EvaluatorCannotWrite"));
        let unknown = with_facts(as_staff(ADMIN), |facts| facts.first_centre = None);
        check(&[centre_registered()], when(), &unknown, Rejected("MissingFact"));
        assert!(parapompi_core::values::LogHashText::new("AB").is_err());
    }
    only_an_open_antenna_closes {
        let when = centre_cmd(CentreAction::CloseAntenna { antenna_id: antenna_id() });
        check(&[centre_registered()], when, &as_staff(ADMIN), Rejected("AntennaNotOpen"));
    }
    the_setup_actor_only_bootstraps {
        let when = centre_cmd(CentreAction::AddServedMunicipality { municipality: town("Σφακίων") });
        check(&[centre_registered()], when, &as_actor(Actor::Setup), Rejected("SetupActorNotAllowed"));
    }
    a_command_on_the_wrong_kind_of_stream_is_refused {
        check(&[centre_registered()], case_cmd(open_case_action()), &as_staff(WORKER), Rejected("WrongStream"));
    }

    // ---------------- staff ----------------
    setup_registers_the_first_administrator {
        let roles: BTreeSet<Role> = [Role::Administrator].into_iter().collect();
        let when = staff_cmd(ADMIN, StaffAction::Register { centre_id: centre_id(), name: person("Γιώργος Α."), roles: roles.clone() });
        let then = Event::Staff(StaffEvent::StaffRegistered { staff_id: staff_id(ADMIN), centre_id: centre_id(), name: person("Γιώργος Α."), roles });
        check(&[], when, &as_actor(Actor::Setup), Events(vec![then]));
    }
    setup_cannot_register_anyone_else {
        let roles: BTreeSet<Role> = [Role::Administrator].into_iter().collect();
        let when = staff_cmd(WORKER, StaffAction::Register { centre_id: centre_id(), name: person("Ελένη"), roles });
        check(&[], when, &as_actor(Actor::Setup), Rejected("SetupActorNotAllowed"));
    }
    roles_change_and_staff_are_deactivated {
        let roles: BTreeSet<Role> = [Role::SocialWorker].into_iter().collect();
        let registered = Event::Staff(StaffEvent::StaffRegistered { staff_id: staff_id(WORKER), centre_id: centre_id(), name: person("Ελένη"), roles });
        let new_roles: BTreeSet<Role> = [Role::SocialWorker, Role::RomaMediator].into_iter().collect();
        let change = staff_cmd(WORKER, StaffAction::ChangeRoles { roles: new_roles.clone() });
        check(std::slice::from_ref(&registered), change, &as_staff(ADMIN), Events(vec![Event::Staff(StaffEvent::StaffRolesChanged { roles: new_roles })]));
        let off = Event::Staff(StaffEvent::StaffDeactivated { deactivated_on: today() });
        check(std::slice::from_ref(&registered), staff_cmd(WORKER, StaffAction::Deactivate), &as_staff(ADMIN), Events(vec![off.clone()]));
        check(&[registered, off], staff_cmd(WORKER, StaffAction::Deactivate), &as_staff(ADMIN), Rejected("NothingToChange"));
    }
    a_staff_member_needs_a_role {
        let when = staff_cmd(WORKER, StaffAction::Register { centre_id: centre_id(), name: person("Ελένη"), roles: BTreeSet::new() });
        check(&[], when, &as_staff(ADMIN), Rejected("NoRoles"));
    }
    registering_staff_needs_the_centre_fact {
        let mut ctx = as_staff(ADMIN);
        ctx.facts.centre = None;
        let when = staff_cmd(WORKER, StaffAction::Register { centre_id: centre_id(), name: person("Ελένη"), roles: [Role::Reception].into_iter().collect() });
        check(&[], when, &ctx, Rejected("MissingFact"));
    }

    // ---------------- agencies ----------------
    agencies_are_registered_updated_deactivated_and_reactivated {
        check(&[], agency_cmd(AgencyAction::Register { profile: profile() }), &as_staff(WORKER), Events(vec![agency_registered()]));
        let mut p = profile();
        p.need_domains.insert(NeedDomain::Education);
        check(&[agency_registered()], agency_cmd(AgencyAction::Update { profile: p.clone() }), &as_staff(SUPERVISOR), Events(vec![Event::Agency(AgencyEvent::AgencyUpdated { profile: p })]));
        let off = Event::Agency(AgencyEvent::AgencyDeactivated { reason: Some(why("Έκλεισε")), deactivated_on: today() });
        check(&[agency_registered()], agency_cmd(AgencyAction::Deactivate { reason: Some(why("Έκλεισε")) }), &as_staff(ADMIN), Events(vec![off.clone()]));
        check(&[agency_registered(), off], agency_cmd(AgencyAction::Reactivate), &as_staff(ADMIN), Events(vec![Event::Agency(AgencyEvent::AgencyReactivated { reactivated_on: today() })]));
    }
    reception_does_not_keep_the_agency_directory {
        check(&[], agency_cmd(AgencyAction::Register { profile: profile() }), &as_staff(RECEPTION), Rejected("RoleNotPermitted"));
    }

    // ---------------- beneficiaries ----------------
    a_beneficiary_is_registered_with_only_a_digest_of_identity {
        let when = beneficiary_cmd(BeneficiaryAction::Register { identity: identity(), salt: salt(), attributes: attributes(), centre_id: centre_id() });
        check(&[], when, &on(beneficiary_registered_on(), as_staff(RECEPTION)), Events(vec![beneficiary_registered()]));
        let payload = beneficiary_registered().to_payload().to_string();
        assert!(!payload.contains("Παπαδάκη") && !payload.contains(valid_amka().as_str()));
    }
    identity_is_corrected_by_a_new_digest {
        let new_salt = ok(parapompi_core::identity::IdentitySalt::new(vec![9; 32]));
        let when = beneficiary_cmd(BeneficiaryAction::CorrectIdentity { identity: identity(), salt: new_salt.clone() });
        let then = Event::Beneficiary(BeneficiaryEvent::IdentityDigestChanged { identity_digest: identity().digest(&new_salt) });
        check(&[beneficiary_registered()], when, &as_staff(WORKER), Events(vec![then]));
    }
    attributes_and_legal_basis_are_recorded {
        let mut a = attributes();
        a.education = Answer::Given(parapompi_core::vocab::IscedBand::Isced3To4);
        let then = Event::Beneficiary(BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes: a.clone() });
        check(&[beneficiary_registered()], beneficiary_cmd(BeneficiaryAction::UpdateAttributes { attributes: a }), &as_staff(WORKER), Events(vec![then]));
        let then = Event::Beneficiary(BeneficiaryEvent::LegalBasisRecorded { basis: LegalBasis::PublicTask, recorded_on: today() });
        check(&[beneficiary_registered()], beneficiary_cmd(BeneficiaryAction::RecordLegalBasis { basis: LegalBasis::PublicTask }), &as_staff(WORKER), Events(vec![then]));
    }
    consent_is_granted_and_withdrawn {
        let granted = Event::Beneficiary(BeneficiaryEvent::SharingConsentGranted { agency_id: agency_id(), purpose: SharingPurpose::Referral, granted_on: opened_on() });
        let grant = beneficiary_cmd(BeneficiaryAction::GrantConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, granted_on: opened_on() });
        check(&[beneficiary_registered()], grant.clone(), &as_staff(WORKER), Events(vec![granted.clone()]));
        check(&[beneficiary_registered(), granted.clone()], grant, &as_staff(WORKER), Rejected("ConsentAlreadyActive"));
        let withdraw = beneficiary_cmd(BeneficiaryAction::WithdrawConsent { agency_id: agency_id(), purpose: SharingPurpose::Referral, withdrawn_on: today() });
        let then = Event::Beneficiary(BeneficiaryEvent::SharingConsentWithdrawn { agency_id: agency_id(), purpose: SharingPurpose::Referral, withdrawn_on: today() });
        check(&[beneficiary_registered(), granted], withdraw.clone(), &as_staff(WORKER), Events(vec![then]));
        check(&[beneficiary_registered()], withdraw, &as_staff(WORKER), Rejected("NoActiveConsent"));
    }
    only_a_supervisor_of_the_registering_centre_erases_an_identity_and_only_once {
        let erase = beneficiary_cmd(BeneficiaryAction::EraseIdentity);
        let erased = Event::Beneficiary(BeneficiaryEvent::IdentityErased { erased_on: today() });
        check(&[beneficiary_registered()], erase.clone(), &as_staff(SUPERVISOR), Events(vec![erased.clone()]));
        check(&[beneficiary_registered()], erase.clone(), &as_staff(WORKER), Rejected("RoleNotPermitted"));
        check(&[beneficiary_registered()], erase.clone(), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
        check(&[beneficiary_registered(), erased], erase, &as_staff(SUPERVISOR), Rejected("NothingToChange"));
    }
    a_year_of_birth_in_the_future_is_refused {
        let mut a = attributes();
        a.year_of_birth = Answer::Given(2030);
        check(&[beneficiary_registered()], beneficiary_cmd(BeneficiaryAction::UpdateAttributes { attributes: a }), &as_staff(WORKER), Rejected("YearOfBirthOutOfRange"));
    }

    // ---------------- cases ----------------
    reception_opens_a_case_at_an_antenna_for_a_referred_in_person {
        let action = CaseAction::Open { beneficiary_id: beneficiary_id(), centre_id: centre_id(), antenna_id: Some(antenna_id()), intake_date: opened_on(), channel: IntakeChannel::ReferredIn { agency_id: agency_id() }, request: text("Στέγαση") };
        let then = case_event(CaseEvent::CaseOpened { case_id: case_id(), beneficiary_id: beneficiary_id(), centre_id: centre_id(), antenna_id: Some(antenna_id()), intake_date: opened_on(), channel: IntakeChannel::ReferredIn { agency_id: agency_id() }, request: inline("Στέγαση"), opened_by: staff_id(RECEPTION) });
        check(&[], case_cmd(action), &as_staff(RECEPTION), Events(vec![then]));
        check(&[], case_cmd(open_case_action()), &as_staff(RECEPTION), Events(vec![case_opened()]));
    }
    // ---------------- ESF+ operations ----------------
    an_intake_within_a_programme_enters_its_operation_with_the_situation_at_entry {
        // Two programmes of the centre: the intake (2023-02-20) falls in the first only.
        let ctx = with_facts(as_staff(RECEPTION), |facts| {
            if let Some(c) = facts.centre.as_mut() {
                c.programmes = vec![programme_of("ΟΠΣ 5002782", "2017-06-01", "2023-05-31"), programme_of("ΟΠΣ 6001244", "2023-06-01", "2026-12-31")];
            }
        });
        // The person (common::attributes) was born in 1980, is unemployed, answered no to
        // third-country nationality and was never asked about foreign background.
        let situation = EntrySituation {
            gender: Answer::Given(parapompi_core::vocab::Gender::Female),
            age: Answer::Given(43),
            labour_status: Answer::Given(parapompi_core::vocab::LabourStatus::Unemployed),
            education: Answer::DeclinedToAnswer,
            disability: Flag::No,
            third_country_national: Some(Flag::No),
            foreign_background: None,
            minority: Flag::No,
            homeless: Flag::No,
            area_of_residence: Some(Answer::Given(parapompi_core::vocab::Urbanisation::RuralAreas)),
        };
        let entered = case_event(CaseEvent::ParticipantEntered { programme: code("ΟΠΣ 5002782"), entered_on: opened_on(), situation });
        check(&[], case_cmd(open_case_action()), &ctx, Events(vec![case_opened(), entered]));
        // Outside every programme's period, no entry.
        let ctx = with_facts(as_staff(RECEPTION), |facts| {
            if let Some(c) = facts.centre.as_mut() {
                c.programmes = vec![programme_of("ΟΠΣ 6001244", "2023-06-01", "2026-12-31")];
            }
        });
        check(&[], case_cmd(open_case_action()), &ctx, Events(vec![case_opened()]));
    }
    a_second_intake_in_an_operation_is_a_return_without_a_new_situation {
        // The person entered ΟΠΣ 5002782 with an earlier case: this intake returns to it
        // (no situation taken again) and enters ΟΠΣ 6001244, which they had not entered.
        let ctx = with_facts(as_staff(RECEPTION), |facts| {
            if let Some(c) = facts.centre.as_mut() {
                c.programmes = vec![programme_of("ΟΠΣ 5002782", "2017-06-01", "2023-05-31"), programme_of("ΟΠΣ 6001244", "2023-01-01", "2026-12-31")];
            }
            if let Some(e) = facts.entered_operations.as_mut() {
                e.programmes = [code("ΟΠΣ 5002782")].into_iter().collect();
            }
        });
        let returned = case_event(CaseEvent::ParticipantReturned { programme: code("ΟΠΣ 5002782"), returned_on: opened_on() });
        let entered = case_event(CaseEvent::ParticipantEntered { programme: code("ΟΠΣ 6001244"), entered_on: opened_on(), situation: EntrySituation::at_entry(&attributes(), opened_on()) });
        check(&[], case_cmd(open_case_action()), &ctx, Events(vec![case_opened(), returned.clone(), entered]));
        // The returned case belongs to the operation: its closure asks the situation on leaving.
        let close = |leaving| case_cmd(CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving });
        check(&[case_opened(), returned], close(None), &as_staff(WORKER), Rejected("LeavingSituationRequired"));
        // Without the fact of the operations entered, no intake is decided.
        let mut ctx = as_staff(RECEPTION);
        ctx.facts.entered_operations = None;
        check(&[], case_cmd(open_case_action()), &ctx, Rejected("MissingFact"));
    }
    a_case_that_entered_an_operation_closes_with_the_situation_on_leaving {
        let entered = case_event(CaseEvent::ParticipantEntered { programme: code("ΟΠΣ 5002782"), entered_on: opened_on(), situation: EntrySituation::at_entry(&attributes(), opened_on()) });
        let given = [case_opened(), entered.clone()];
        let close = |leaving| case_cmd(CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving });
        check(&given, close(None), &as_staff(WORKER), Rejected("LeavingSituationRequired"));
        let leaving = LeavingSituation { job_searching: Flag::No, in_education_or_training: Flag::Yes, gained_qualification: Flag::DeclinedToAnswer, in_employment: Flag::No };
        let left = case_event(CaseEvent::LeavingSituationRecorded { left_on: today(), situation: leaving });
        check(&given, close(Some(leaving)), &as_staff(WORKER), Events(vec![closed(), left]));
        // A case that entered no operation records no situation on leaving.
        check(&[case_opened()], close(Some(leaving)), &as_staff(WORKER), Rejected("LeavingSituationNotApplicable"));
        // Nobody can be asked once erased: the case winds down without one.
        check(&given, close(None), &erased_world(as_staff(WORKER)), Events(vec![closed()]));
    }
    an_intake_cannot_be_dated_tomorrow {
        let CaseAction::Open { beneficiary_id, centre_id, antenna_id, channel, request, .. } = open_case_action() else { unreachable!() };
        let action = CaseAction::Open { beneficiary_id, centre_id, antenna_id, intake_date: date("2023-03-02"), channel, request };
        check(&[], case_cmd(action), &as_staff(RECEPTION), Rejected("DateInFuture"));
    }
    opening_a_case_needs_a_registered_beneficiary {
        let mut ctx = as_staff(RECEPTION);
        ctx.facts.beneficiary = None;
        check(&[], case_cmd(open_case_action()), &ctx, Rejected("MissingFact"));
    }
    a_case_is_assigned_then_reassigned_by_a_supervisor {
        check(&[case_opened()], case_cmd(CaseAction::Assign { staff_id: staff_id(WORKER) }), &as_staff(WORKER), Events(vec![assigned()]));
        let mut ctx = as_staff(SUPERVISOR);
        ctx.facts.staff = Some(staff_facts(PSYCHOLOGIST));
        let then = case_event(CaseEvent::CaseReassigned { from_staff_id: staff_id(WORKER), staff_id: staff_id(PSYCHOLOGIST), reason: inline("Ψυχοκοινωνική υποστήριξη"), reassigned_by: staff_id(SUPERVISOR) });
        check(&[case_opened(), assigned()], case_cmd(CaseAction::Reassign { staff_id: staff_id(PSYCHOLOGIST), reason: why("Ψυχοκοινωνική υποστήριξη") }), &ctx, Events(vec![then]));
    }
    only_a_supervisor_reassigns {
        let when = case_cmd(CaseAction::Reassign { staff_id: staff_id(PSYCHOLOGIST), reason: why("x") });
        check(&[case_opened(), assigned()], when, &as_staff(WORKER), Rejected("RoleNotPermitted"));
    }
    a_first_assignment_cannot_overwrite {
        check(&[case_opened(), assigned()], case_cmd(CaseAction::Assign { staff_id: staff_id(WORKER) }), &as_staff(WORKER), Rejected("AlreadyAssigned"));
    }
    nobody_to_reassign_from {
        check(&[case_opened()], case_cmd(CaseAction::Reassign { staff_id: staff_id(WORKER), reason: why("x") }), &as_staff(SUPERVISOR), Rejected("NotAssigned"));
    }
    a_deactivated_assignee_is_refused {
        let mut ctx = as_staff(WORKER);
        ctx.facts.staff = Some(staff_facts(RETIRED));
        check(&[case_opened()], case_cmd(CaseAction::Assign { staff_id: staff_id(RETIRED) }), &ctx, Rejected("AssigneeNotEligible"));
    }
    needs_are_assessed_and_services_recorded {
        let needs = vec![Need { domain: NeedDomain::Housing, priority: NeedPriority::High }, Need { domain: NeedDomain::Employment, priority: NeedPriority::Medium }];
        let then = case_event(CaseEvent::NeedsAssessed { needs: needs.clone(), assessed_on: today(), summary: None, assessed_by: staff_id(WORKER) });
        check(&[case_opened()], case_cmd(CaseAction::Assess { needs, assessed_on: today(), summary: None }), &as_staff(WORKER), Events(vec![then]));
        let then = case_event(CaseEvent::ServiceProvided { kind: ServiceKind::VocationalGuidance, provided_on: opened_on(), note: None, provided_by: staff_id(PSYCHOLOGIST) });
        check(&[case_opened()], case_cmd(CaseAction::RecordService { kind: ServiceKind::VocationalGuidance, provided_on: opened_on(), note: None }), &as_staff(PSYCHOLOGIST), Events(vec![then]));
    }
    an_assessment_needs_needs_each_domain_once {
        check(&[case_opened()], case_cmd(CaseAction::Assess { needs: vec![], assessed_on: today(), summary: None }), &as_staff(WORKER), Rejected("NoNeeds"));
        let need = Need { domain: NeedDomain::Housing, priority: NeedPriority::High };
        check(&[case_opened()], case_cmd(CaseAction::Assess { needs: vec![need, need], assessed_on: today(), summary: None }), &as_staff(WORKER), Rejected("Duplicate"));
    }
    a_service_cannot_predate_the_intake {
        let when = case_cmd(CaseAction::RecordService { kind: ServiceKind::Information, provided_on: date("2023-02-01"), note: None });
        check(&[case_opened()], when, &as_staff(WORKER), Rejected("DateBeforeCaseOpened"));
    }
    notes_close_and_reopen {
        let then = case_event(CaseEvent::CaseNoteAdded { text: inline("Τηλεφώνησε."), written_on: today(), author: staff_id(RECEPTION) });
        check(&[case_opened()], case_cmd(CaseAction::AddNote { text: text("Τηλεφώνησε.") }), &as_staff(RECEPTION), Events(vec![then]));
        check(&[case_opened()], case_cmd(CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving: None }), &as_staff(WORKER), Events(vec![closed()]));
        let then = case_event(CaseEvent::CaseReopened { reason: inline("Νέο αίτημα"), reopened_on: today(), reopened_by: staff_id(SUPERVISOR) });
        check(&[case_opened(), closed()], case_cmd(CaseAction::Reopen { reason: Some(why("Νέο αίτημα")) }), &as_staff(SUPERVISOR), Events(vec![then]));
    }
    a_closed_case_takes_no_notes_and_an_open_one_no_reopening {
        check(&[case_opened(), closed()], case_cmd(CaseAction::AddNote { text: text("x") }), &as_staff(WORKER), Rejected("CaseIsClosed"));
        check(&[case_opened()], case_cmd(CaseAction::Reopen { reason: Some(why("x")) }), &as_staff(SUPERVISOR), Rejected("CaseIsOpen"));
    }
    closing_other_needs_a_detail {
        check(&[case_opened()], case_cmd(CaseAction::Close { reason: CloseReason::Other, detail: None, leaving: None }), &as_staff(WORKER), Rejected("MissingDetail"));
    }
    a_case_with_open_referrals_stays_open {
        check(&[case_opened(), created(REF1)], case_cmd(CaseAction::Close { reason: CloseReason::GoalsMet, detail: None, leaving: None }), &as_staff(WORKER), Rejected("OpenReferralsRemain"));
    }
    an_actor_outside_the_centre_is_refused {
        check(&[case_opened()], case_cmd(CaseAction::AddNote { text: text("x") }), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
    }
    a_deactivated_actor_is_refused {
        check(&[case_opened()], case_cmd(CaseAction::AddNote { text: text("x") }), &as_staff(RETIRED), Rejected("ActorDeactivated"));
    }
    evaluators_never_write {
        check(&[case_opened()], case_cmd(CaseAction::AddNote { text: text("x") }), &as_actor(Actor::Evaluator), Rejected("EvaluatorCannotWrite"));
    }
    nothing_happens_to_a_case_that_does_not_exist {
        check(&[], case_cmd(CaseAction::AddNote { text: text("x") }), &as_staff(WORKER), Rejected("NotFound"));
    }

    // ---------------- referrals ----------------
    a_referral_is_created_with_its_agency_kind {
        check(&[case_opened()], case_cmd(create_referral(REF1, NeedDomain::Employment)), &as_staff(WORKER), Events(vec![created(REF1)]));
    }
    no_referral_to_an_inactive_agency {
        let mut ctx = as_staff(WORKER);
        ctx.facts.agency = Some(agency_facts(false));
        check(&[case_opened()], case_cmd(create_referral(REF1, NeedDomain::Employment)), &ctx, Rejected("AgencyInactive"));
    }
    no_referral_for_a_need_the_agency_does_not_serve {
        check(&[case_opened()], case_cmd(create_referral(REF1, NeedDomain::Health)), &as_staff(WORKER), Rejected("AgencyDoesNotServeNeed"));
    }
    a_due_date_in_the_past_is_refused {
        let when = case_cmd(CaseAction::MoveDueDate { referral_id: rid(), due_on: date("2023-02-28"), reason: None });
        check(&[case_opened(), created(REF1)], when, &as_staff(WORKER), Rejected("DueDateOutOfRange"));
    }
    a_referral_is_sent_under_consent {
        let when = case_cmd(CaseAction::SendReferral { referral_id: rid(), consent_override: None });
        check(&[case_opened(), created(REF1)], when, &as_staff(WORKER), Events(vec![sent(REF1)]));
    }
    no_consent_no_sending {
        let mut ctx = as_staff(WORKER);
        if let Some(b) = ctx.facts.beneficiary.as_mut() { b.consents.clear(); }
        let when = case_cmd(CaseAction::SendReferral { referral_id: rid(), consent_override: None });
        check(&[case_opened(), created(REF1)], when, &ctx, Rejected("NoSharingConsent"));
    }
    a_withdrawn_consent_needs_a_supervisor_override_with_a_reason {
        let mut ctx = as_staff(SUPERVISOR);
        if let Some(b) = ctx.facts.beneficiary.as_mut() { b.consents[0].withdrawn_on = Some(date("2023-02-25")); }
        let given = [case_opened(), created(REF1)];
        let with = |reason| case_cmd(CaseAction::SendReferral { referral_id: rid(), consent_override: Some(ConsentOverride { reason }) });
        check(&given, with(None), &ctx, Rejected("MissingReason"));
        let then = case_event(CaseEvent::ReferralSent { referral_id: rid(), sent_on: today(), sharing_basis: SharingBasis::SupervisorOverride { supervisor: staff_id(SUPERVISOR), reason: inline("Κίνδυνος αστεγίας") } });
        check(&given, with(Some(why("Κίνδυνος αστεγίας"))), &ctx, Events(vec![then]));
        ctx.actor = Actor::Staff(staff_facts(WORKER));
        check(&given, with(Some(why("x"))), &ctx, Rejected("RoleNotPermitted"));
    }
    a_referral_is_accepted_started_and_completed {
        let given = vec![case_opened(), created(REF1), sent(REF1)];
        check(&given, case_cmd(CaseAction::AcceptReferral { referral_id: rid() }), &as_staff(WORKER), Events(vec![accepted(REF1)]));
        let given = [given, vec![accepted(REF1)]].concat();
        check(&given, case_cmd(CaseAction::StartReferral { referral_id: rid() }), &as_staff(WORKER), Events(vec![started(REF1)]));
        let given = [given, vec![started(REF1)]].concat();
        let then = case_event(CaseEvent::ReferralCompleted { referral_id: rid(), outcome: Outcome::GotHelp, note: None, completed_on: today() });
        check(&given, case_cmd(CaseAction::CompleteReferral { referral_id: rid(), outcome: Some(Outcome::GotHelp), note: None }), &as_staff(WORKER), Events(vec![then]));
        check(&given, case_cmd(CaseAction::CompleteReferral { referral_id: rid(), outcome: None, note: None }), &as_staff(WORKER), Rejected("MissingOutcome"));
    }
    a_referral_is_declined_and_rerouted {
        let given = vec![case_opened(), created(REF1), sent(REF1)];
        check(&given, case_cmd(CaseAction::DeclineReferral { referral_id: rid(), reason: Some(why("Εκτός αρμοδιότητας")) }), &as_staff(WORKER), Events(vec![declined(REF1)]));
        let given = [given, vec![declined(REF1)]].concat();
        let when = case_cmd(CaseAction::RerouteReferral { referral_id: rid(), new_referral_id: referral(REF2), agency_id: agency_id(), reason: why("Άλλο γραφείο"), due_on: due(), priority: ReferralPriority::Urgent });
        let then = case_event(CaseEvent::ReferralRerouted { from_referral_id: rid(), referral_id: referral(REF2), agency_id: agency_id(), agency_kind: AgencyKind::PublicService, need: NeedDomain::Employment, reason: inline("Άλλο γραφείο"), due_on: due(), priority: ReferralPriority::Urgent, created_on: today() });
        check(&given, when.clone(), &as_staff(WORKER), Events(vec![then.clone()]));
        check(&[given, vec![then]].concat(), when, &as_staff(WORKER), Rejected("Duplicate"));
    }
    a_decline_needs_a_reason {
        check(&[case_opened(), created(REF1), sent(REF1)], case_cmd(CaseAction::DeclineReferral { referral_id: rid(), reason: None }), &as_staff(WORKER), Rejected("MissingReason"));
    }
    a_referral_is_held_resumed_and_failed {
        let given = vec![case_opened(), created(REF1), sent(REF1), accepted(REF1)];
        let held = case_event(CaseEvent::ReferralPutOnHold { referral_id: rid(), held_from: ReferralStatus::Accepted, reason: inline("Νοσηλεία"), held_on: today() });
        check(&given, case_cmd(CaseAction::HoldReferral { referral_id: rid(), reason: Some(why("Νοσηλεία")) }), &as_staff(WORKER), Events(vec![held.clone()]));
        let given = [given, vec![held]].concat();
        let resumed = case_event(CaseEvent::ReferralResumed { referral_id: rid(), resumed_to: ReferralStatus::Accepted, resumed_on: today() });
        check(&given, case_cmd(CaseAction::ResumeReferral { referral_id: rid() }), &as_staff(WORKER), Events(vec![resumed.clone()]));
        let given = [given, vec![resumed]].concat();
        let failed = case_event(CaseEvent::ReferralFailed { referral_id: rid(), outcome: Outcome::CouldNotContact, reason: inline("Δεν απαντά"), failed_on: today() });
        check(&given, case_cmd(CaseAction::FailReferral { referral_id: rid(), outcome: Some(Outcome::CouldNotContact), reason: Some(why("Δεν απαντά")) }), &as_staff(WORKER), Events(vec![failed]));
    }
    a_draft_cannot_be_accepted {
        check(&[case_opened(), created(REF1)], case_cmd(CaseAction::AcceptReferral { referral_id: rid() }), &as_staff(WORKER), Rejected("TransitionNotAllowed"));
    }
    an_unknown_referral_is_refused {
        check(&[case_opened()], case_cmd(CaseAction::AcceptReferral { referral_id: rid() }), &as_staff(WORKER), Rejected("UnknownReferral"));
    }
    a_referral_is_cancelled {
        let then = case_event(CaseEvent::ReferralCancelled { referral_id: rid(), reason: Some(inline("Λάθος φορέας")), cancelled_on: today() });
        check(&[case_opened(), created(REF1)], case_cmd(CaseAction::CancelReferral { referral_id: rid(), reason: Some(why("Λάθος φορέας")) }), &as_staff(WORKER), Events(vec![then]));
    }
    a_sent_referral_expires_only_past_its_due_date {
        let given = [case_opened(), created(REF1), sent(REF1)];
        let when = case_cmd(CaseAction::ExpireReferral { referral_id: rid() });
        check(&given, when.clone(), &as_staff(WORKER), Rejected("NotYetDue"));
        let ctx = on(date("2023-03-16"), as_staff(WORKER));
        let then = case_event(CaseEvent::ReferralExpired { referral_id: rid(), due_on: due(), expired_on: date("2023-03-16") });
        check(&given, when, &ctx, Events(vec![then]));
    }
    follow_up_notes_and_due_date_moves {
        let given = [case_opened(), created(REF1), sent(REF1)];
        let then = case_event(CaseEvent::ReferralFollowUpNoted { referral_id: rid(), text: inline("Κλείστηκε ραντεβού."), noted_on: today(), author: staff_id(WORKER) });
        check(&given, case_cmd(CaseAction::AddFollowUpNote { referral_id: rid(), text: text("Κλείστηκε ραντεβού.") }), &as_staff(WORKER), Events(vec![then]));
        let then = case_event(CaseEvent::ReferralDueDateMoved { referral_id: rid(), from_due_on: due(), due_on: date("2023-03-31"), reason: None });
        check(&given, case_cmd(CaseAction::MoveDueDate { referral_id: rid(), due_on: date("2023-03-31"), reason: None }), &as_staff(WORKER), Events(vec![then]));
    }

    // ---------------- credentials ----------------
    an_administrator_or_a_supervisor_issues_an_enrolment_code_and_the_member_sets_a_password {
        let given = [worker_registered()];
        let issue = staff_cmd(WORKER, StaffAction::IssueCredential { credential_id: cred(1), kind: CredentialKind::Enrolment, expires_at: at(24 * HOUR) });
        let then = issued(1, CredentialKind::Enrolment, Some(at(24 * HOUR)));
        check(&given, issue.clone(), &as_staff(ADMIN), Events(vec![then.clone()]));
        check(&given, issue.clone(), &as_staff(SUPERVISOR), Events(vec![then.clone()]));
        check(&given, issue.clone(), &as_staff(WORKER), Rejected("RoleNotPermitted"));
        check(&given, issue.clone(), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
        check(&[worker_registered(), then.clone()], issue, &as_staff(ADMIN), Rejected("AlreadyExists"));
        let set = staff_cmd(WORKER, StaffAction::SetPassword { credential_id: cred(2), enrolment_id: cred(1) });
        let given = [worker_registered(), then];
        check(&given, set.clone(), &as_staff(WORKER), Events(vec![revoked(1, RevocationReason::EnrolmentUsed), issued(2, CredentialKind::Password, None)]));
        check(&given, set, &as_staff(ADMIN), Rejected("NotOwnCredential"));
    }
    a_new_password_revokes_every_earlier_password_and_token {
        let given = [
            worker_registered(),
            issued(2, CredentialKind::Password, None),
            issued(3, CredentialKind::Session, Some(at(HOUR))),
            issued(4, CredentialKind::ApiToken, Some(at(HOUR))),
            issued(5, CredentialKind::Enrolment, Some(at(HOUR))),
        ];
        let set = staff_cmd(WORKER, StaffAction::SetPassword { credential_id: cred(6), enrolment_id: cred(5) });
        let then = vec![
            revoked(5, RevocationReason::EnrolmentUsed),
            revoked(2, RevocationReason::PasswordChanged),
            revoked(3, RevocationReason::PasswordChanged),
            revoked(4, RevocationReason::PasswordChanged),
            issued(6, CredentialKind::Password, None),
        ];
        check(&given, set, &as_staff(WORKER), Events(then));
    }
    an_enrolment_code_is_used_once_and_expires {
        let set = staff_cmd(WORKER, StaffAction::SetPassword { credential_id: cred(2), enrolment_id: cred(1) });
        let expired = [worker_registered(), issued(1, CredentialKind::Enrolment, Some(at(-1)))];
        check(&expired, set.clone(), &as_staff(WORKER), Rejected("CredentialNotValid"));
        let used = [worker_registered(), issued(1, CredentialKind::Enrolment, Some(at(HOUR))), revoked(1, RevocationReason::EnrolmentUsed)];
        check(&used, set.clone(), &as_staff(WORKER), Rejected("CredentialNotValid"));
        let not_enrolment = [worker_registered(), issued(1, CredentialKind::ApiToken, Some(at(HOUR)))];
        check(&not_enrolment, set, &as_staff(WORKER), Rejected("CredentialNotValid"));
    }
    a_session_is_given_to_a_password_holder_themselves_for_a_day_at_most {
        let session = |expires_at| staff_cmd(WORKER, StaffAction::IssueCredential { credential_id: cred(3), kind: CredentialKind::Session, expires_at });
        check(&[worker_registered()], session(at(HOUR)), &as_staff(WORKER), Rejected("CredentialNotValid"));
        let given = [worker_registered(), issued(2, CredentialKind::Password, None)];
        check(&given, session(at(HOUR)), &as_staff(WORKER), Events(vec![issued(3, CredentialKind::Session, Some(at(HOUR)))]));
        check(&given, session(at(HOUR)), &as_staff(ADMIN), Rejected("NotOwnCredential"));
        check(&given, session(at(25 * HOUR)), &as_staff(WORKER), Rejected("CredentialLifetime"));
        check(&given, session(at(0)), &as_staff(WORKER), Rejected("CredentialLifetime"));
        let password = staff_cmd(WORKER, StaffAction::IssueCredential { credential_id: cred(4), kind: CredentialKind::Password, expires_at: at(HOUR) });
        check(&given, password, &as_staff(ADMIN), Rejected("CredentialNotValid"));
    }
    a_credential_is_revoked_by_its_holder_or_by_an_administrator_or_a_supervisor {
        let given = [worker_registered(), issued(2, CredentialKind::Password, None), issued(3, CredentialKind::Session, Some(at(HOUR)))];
        let revoke = |n, logout| staff_cmd(WORKER, StaffAction::RevokeCredential { credential_id: cred(n), logout });
        check(&given, revoke(3, true), &as_staff(WORKER), Events(vec![revoked(3, RevocationReason::Logout)]));
        check(&given, revoke(3, false), &as_staff(WORKER), Events(vec![revoked(3, RevocationReason::Revoked)]));
        check(&given, revoke(3, false), &as_staff(SUPERVISOR), Events(vec![revoked(3, RevocationReason::Revoked)]));
        check(&given, revoke(3, true), &as_staff(ADMIN), Rejected("NotOwnCredential"));
        check(&given, revoke(2, true), &as_staff(WORKER), Rejected("CredentialNotValid"));
        check(&given, revoke(3, false), &as_staff(RECEPTION), Rejected("RoleNotPermitted"));
        check(&given, revoke(3, false), &as_staff(OUTSIDER), Rejected("OutsideCentre"));
        check(&given, revoke(9, false), &as_staff(ADMIN), Rejected("CredentialNotValid"));
    }
    deactivation_revokes_every_credential_and_a_deactivated_member_gets_none {
        let given = [worker_registered(), issued(2, CredentialKind::Password, None), issued(3, CredentialKind::ApiToken, Some(at(HOUR)))];
        let then = vec![
            Event::Staff(StaffEvent::StaffDeactivated { deactivated_on: today() }),
            revoked(2, RevocationReason::StaffDeactivated),
            revoked(3, RevocationReason::StaffDeactivated),
        ];
        check(&given, staff_cmd(WORKER, StaffAction::Deactivate), &as_staff(ADMIN), Events(then));
        let off = [worker_registered(), Event::Staff(StaffEvent::StaffDeactivated { deactivated_on: today() })];
        let token = staff_cmd(WORKER, StaffAction::IssueCredential { credential_id: cred(4), kind: CredentialKind::ApiToken, expires_at: at(HOUR) });
        check(&off, token, &as_staff(ADMIN), Rejected("StaffInactive"));
    }
    only_the_authenticator_records_failed_logins {
        let failed = staff_cmd(WORKER, StaffAction::RecordLoginFailed { reason: LoginFailure::WrongPassword });
        let then = Event::Staff(StaffEvent::LoginFailed { reason: LoginFailure::WrongPassword });
        check(&[worker_registered()], failed.clone(), &as_actor(Actor::Authenticator), Events(vec![then]));
        check(&[worker_registered()], failed, &as_staff(ADMIN), Rejected("AuthenticatorOnly"));
        let issue = staff_cmd(WORKER, StaffAction::IssueCredential { credential_id: cred(1), kind: CredentialKind::Enrolment, expires_at: at(HOUR) });
        check(&[worker_registered()], issue, &as_actor(Actor::Authenticator), Rejected("AuthenticatorOnly"));
    }
}

const ALL_COMMANDS: &[&str] = &[
    "IssueCredential",
    "SetPassword",
    "RevokeCredential",
    "RecordLoginFailed",
    "RegisterCentre",
    "AddServedMunicipality",
    "OpenAntenna",
    "CloseAntenna",
    "AddFundingProgramme",
    "TakeBackup",
    "RegisterStaff",
    "ChangeStaffRoles",
    "DeactivateStaff",
    "ReactivateStaff",
    "RegisterAgency",
    "UpdateAgency",
    "DeactivateAgency",
    "ReactivateAgency",
    "RegisterBeneficiary",
    "CorrectIdentity",
    "UpdateAttributes",
    "RecordLegalBasis",
    "GrantConsent",
    "WithdrawConsent",
    "EraseIdentity",
    "RecordAccess",
    "OpenCase",
    "AssignCase",
    "ReassignCase",
    "AssessNeeds",
    "RecordService",
    "AddCaseNote",
    "CloseCase",
    "ReopenCase",
    "CreateReferral",
    "SendReferral",
    "AcceptReferral",
    "DeclineReferral",
    "StartReferral",
    "HoldReferral",
    "ResumeReferral",
    "CompleteReferral",
    "FailReferral",
    "CancelReferral",
    "ExpireReferral",
    "RerouteReferral",
    "AddFollowUpNote",
    "MoveDueDate",
];

#[test]
fn every_command_and_every_rule_is_covered() {
    for (name, scenario) in SCENARIOS {
        println!("scenario {name}");
        scenario();
    }
    let accepted = ACCEPTED.with(|s| s.borrow().clone());
    let rejected = REJECTED.with(|s| s.borrow().clone());
    let never_accepted: Vec<_> = ALL_COMMANDS.iter().filter(|c| !accepted.contains(*c)).collect();
    let never_produced: Vec<_> = Rejection::ALL_NAMES.iter().filter(|r| !rejected.contains(*r)).collect();
    assert!(never_accepted.is_empty(), "commands never accepted: {never_accepted:?}");
    assert!(never_produced.is_empty(), "rejections never produced: {never_produced:?}");
}
