//! The Engine's features through its public API: a referral's whole story and what each read
//! model shows of it, idempotent command ids, rejections that write nothing, the identity
//! vault and erasure, restarts from checkpoints, "as of" reports, concurrent commands and
//! subscriptions.

mod common;

use common::*;
use parapompi::core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi::core::case::CaseAction;
use parapompi::core::values::{BeneficiaryId, CaseId, StaffId};
use parapompi::core::vocab::{ReferralStatus, Role, ServiceKind};
use parapompi::core::Command;
use parapompi::projections::{AuditSubject, BoardQuery, CaseloadQuery, IndicatorQuery, Projections};
use parapompi::{Acting, AsOf, Engine, EngineConfig, EngineError};

fn whole_period() -> IndicatorQuery {
    IndicatorQuery { programme: None, centre: None, from: date("2023-01-01"), to: date("2023-12-31") }
}

fn apokoronas_period(scenario: &Scenario) -> IndicatorQuery {
    IndicatorQuery {
        programme: None,
        centre: Some(scenario.world.centre),
        from: date("2023-01-01"),
        to: date("2023-12-31"),
    }
}

fn projections(engine: &Engine) -> Projections {
    valid(engine.with_projections(|projections| projections.clone()))
}

/// Registers Maria and opens, assigns and assesses a case for her; returns the case.
fn maria_with_an_assessed_case(scenario: &mut Scenario) -> CaseId {
    let w = scenario.world;
    let case_id = scenario.fresh_case();
    let today = scenario.today();
    let mut steps = w.beneficiary(w.maria, 0, today);
    steps.extend([
        by(w.reception, open_case(case_id, w.maria, w.centre, today)),
        by(w.social_worker, assign(case_id, w.social_worker)),
        by(w.social_worker, assess(case_id, today)),
    ]);
    scenario.given(steps);
    case_id
}

/// Checks that every entry of an audit trail is the log's record at its position.
fn assert_trail_matches_log(engine: &Engine, subject: &AuditSubject) -> Vec<&'static str> {
    let trail = valid(engine.audit(subject));
    assert_eq!(trail.subject, *subject);
    let positions: Vec<u64> = trail.entries.iter().map(|entry| entry.position).collect();
    assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{subject:?}: positions ascend");
    let records = valid(engine.store().read_positions(&positions));
    assert_eq!(records.len(), trail.entries.len());
    for (entry, record) in trail.entries.iter().zip(&records) {
        assert_eq!(entry.hash, record.hash.to_hex(), "{subject:?} at {}", entry.position);
        assert_eq!(entry.actor, record.actor.as_str());
        assert_eq!(entry.stream_id, record.stream_id.as_str());
        assert_eq!(entry.event_type, record.event_type.as_str());
        assert_eq!(entry.recorded_at.unix_ms(), record.recorded_at.unix_ms());
        assert_eq!(entry.occurred_at.unix_ms(), record.occurred_at.unix_ms());
        assert!(!entry.description.is_empty());
    }
    trail.entries.iter().map(|entry| entry.event_type).collect()
}

#[test]
fn a_referral_from_intake_to_outcome_shows_in_every_read_model() {
    let mut s = Scenario::new();
    let w = s.world;
    let [register_centre_step, register_admin_step] =
        <[Step; 2]>::try_from(w.centre_setup()).unwrap_or_else(|_| panic!("two set-up steps"));
    s.when(register_centre_step).events(&["CentreRegistered"]);
    s.when(register_admin_step).events(&["StaffRegistered"]);
    s.when(by(w.admin, serve_municipality(w.centre, "Σφακίων"))).events(&["ServedMunicipalityAdded"]);
    s.when(by(w.admin, register_staff(w.social_worker, w.centre, "Κατερίνα Λαμπράκη", &[Role::SocialWorker])))
        .events(&["StaffRegistered"]);
    s.when(by(w.admin, register_staff(w.supervisor, w.centre, "Μανώλης Σπανουδάκης", &[Role::Supervisor])))
        .events(&["StaffRegistered"]);
    s.when(by(w.admin, register_staff(w.roma_mediator, w.centre, "Δημήτρης Καραγιάννης", &[Role::RomaMediator])))
        .events(&["StaffRegistered"]);
    s.given(w.agencies());
    let today = s.today();
    s.when(by(w.social_worker, register_beneficiary(w.maria, w.centre, 0))).events(&["BeneficiaryRegistered"]);
    s.when(by(w.social_worker, record_legal_basis(w.maria))).events(&["LegalBasisRecorded"]);
    s.when(by(w.social_worker, grant_consent(w.maria, w.employment_office, today))).events(&["SharingConsentGranted"]);

    let case_id = s.fresh_case();
    let referral_id = s.fresh_referral();
    s.when(by(w.social_worker, open_case(case_id, w.maria, w.centre, today))).events(&["CaseOpened"]);
    s.when(by(w.social_worker, assign(case_id, w.social_worker))).events(&["CaseAssigned"]);
    s.when(by(w.social_worker, assess(case_id, today))).events(&["NeedsAssessed"]);
    s.when(by(w.roma_mediator, record_service(case_id, ServiceKind::VocationalGuidance, today)))
        .events(&["ServiceProvided"]);
    let due_on = s.in_days(14);
    s.when(by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on)))
        .events(&["ReferralCreated"]);
    s.when(by(w.social_worker, send_referral(case_id, referral_id))).events(&["ReferralSent"]);

    // While the referral is open, the case is on the social worker's caseload with it.
    let caseload = valid(s.engine().caseload(&CaseloadQuery { staff: Some(w.social_worker), ..Default::default() }));
    assert_eq!(caseload.cases.len(), 1);
    assert_eq!(caseload.cases[0].case_id, case_id);
    assert_eq!(caseload.cases[0].beneficiary_id, w.maria);
    assert_eq!(caseload.cases[0].assignee, Some(w.social_worker));
    assert_eq!(caseload.cases[0].open_referrals.len(), 1);
    assert_eq!(caseload.cases[0].open_referrals[0].status, ReferralStatus::Sent);
    assert_eq!(caseload.cases[0].next_due_on, Some(due_on));
    assert_eq!(caseload.n_open_referrals, 1);

    s.advance_days(3);
    s.when(by(w.social_worker, accept_referral(case_id, referral_id))).events(&["ReferralAccepted"]);
    s.when(by(w.social_worker, start_referral(case_id, referral_id))).events(&["ReferralStarted"]);
    s.advance_days(20);
    s.when(by(w.social_worker, complete_referral(case_id, referral_id))).events(&["ReferralCompleted"]);
    s.when(by(w.social_worker, close_unfunded_case(case_id))).events(&["CaseClosed"]);

    let engine = s.engine();
    let caseload = valid(engine.caseload(&CaseloadQuery { staff: Some(w.social_worker), ..Default::default() }));
    assert!(caseload.cases.is_empty(), "a closed case leaves the caseload");
    assert!(valid(engine.caseload(&CaseloadQuery::default())).cases.is_empty());

    let board = valid(engine.board(&BoardQuery::default()));
    assert_eq!(board.referrals.len(), 1);
    assert_eq!(board.referrals[0].referral_id, referral_id);
    assert_eq!(board.referrals[0].status, ReferralStatus::Completed);
    assert_eq!(board.referrals[0].agency_id, w.employment_office);
    assert_eq!(board.by_status.get(&ReferralStatus::Completed), Some(&1));
    let completed_only = BoardQuery { status: Some(ReferralStatus::Completed), ..Default::default() };
    assert_eq!(valid(engine.board(&completed_only)).referrals.len(), 1);
    let sent_only = BoardQuery { status: Some(ReferralStatus::Sent), ..Default::default() };
    assert!(valid(engine.board(&sent_only)).referrals.is_empty());

    let file = valid(engine.case_file(case_id));
    let types: Vec<&str> = file.entries.iter().map(|entry| entry.event_type).collect();
    let story = [
        "CaseOpened",
        "CaseAssigned",
        "NeedsAssessed",
        "ServiceProvided",
        "ReferralCreated",
        "ReferralSent",
        "ReferralAccepted",
        "ReferralStarted",
        "ReferralCompleted",
        "CaseClosed",
    ];
    assert_eq!(types, story);
    assert!(file.entries.windows(2).all(|pair| pair[0].position < pair[1].position));
    let versions: Vec<u64> = file.entries.iter().map(|entry| entry.stream_version).collect();
    assert_eq!(versions, (1..=10).collect::<Vec<u64>>());
    assert!(file.case.as_ref().is_some_and(|case| !case.open));

    assert_eq!(assert_trail_matches_log(engine, &AuditSubject::Case(case_id)), story);
    let beneficiary_trail = assert_trail_matches_log(engine, &AuditSubject::Beneficiary(w.maria));
    assert_eq!(beneficiary_trail[..3], ["BeneficiaryRegistered", "LegalBasisRecorded", "SharingConsentGranted"]);
    assert_eq!(beneficiary_trail[3..], story);
    assert_eq!(
        assert_trail_matches_log(engine, &AuditSubject::Referral(referral_id)),
        ["ReferralCreated", "ReferralSent", "ReferralAccepted", "ReferralStarted", "ReferralCompleted"]
    );
    let worker_trail = valid(engine.audit(&AuditSubject::Staff(w.social_worker)));
    assert_trail_matches_log(engine, &AuditSubject::Staff(w.social_worker));
    assert_eq!(worker_trail.entries[0].event_type, "StaffRegistered");
    assert_eq!(worker_trail.entries[0].actor, w.admin.stream_id(), "the administrator registered her");
    assert!(worker_trail.entries[1..]
        .iter()
        .all(|entry| entry.actor == w.social_worker.stream_id() || entry.event_type == "CaseAssigned"));
    let mediator_trail = valid(engine.audit(&AuditSubject::Staff(w.roma_mediator)));
    assert!(mediator_trail.entries.iter().any(|entry| entry.event_type == "ServiceProvided"));
    let setup_trail = valid(engine.audit(&AuditSubject::Staff(w.admin)));
    assert_eq!(setup_trail.entries[0].actor, "setup", "the centre was registered at set-up");

    let report = valid(engine.indicators(&apokoronas_period(&s)));
    let head = engine.store().head();
    assert_eq!(report.position, head.position);
    assert_eq!(report.head_hash, head.hash.to_hex());
    assert_eq!(report.participants.total, 1);
    assert_eq!(report.participants.by_municipality.get("Σφακίων"), Some(&1), "Apokoronas serves Sfakia");
    assert_eq!(report.intakes.total, 1);
    assert_eq!(report.intakes.by_channel.get("walk_in"), Some(&1));
    assert_eq!(report.needs.cases_assessed, 1);
    assert_eq!(report.needs.by_domain.get("employment"), Some(&1));
    assert_eq!(report.services.total, 1);
    assert_eq!(report.services.by_kind.get("vocational_guidance"), Some(&1));
    assert_eq!(report.referrals.all.sent, 1);
    assert_eq!(report.referrals.all.accepted, 1);
    assert_eq!(report.referrals.all.completed, 1);
    assert_eq!(report.referrals.all.acceptance_per_mille, Some(1000));
    assert_eq!(report.referrals.by_agency_kind.get("public_service").map(|stats| stats.completed), Some(1));
    assert_eq!(report.cases.opened, 1);
    assert_eq!(report.cases.closed, 1);
    assert_eq!(report.cases.closure_reasons.get("goals_met"), Some(&1));
    assert_eq!(report.caseload.open_cases, 0);
    assert_eq!(valid(engine.store().verify()).head_position, head.position);
}

#[test]
fn a_repeated_command_id_returns_the_first_result_and_writes_nothing() {
    let mut s = Scenario::new();
    let w = s.world;
    let register = w.centre_setup().remove(0);
    let first = s.when(register.clone());
    let meta = first.meta;
    let first = first.events(&["CentreRegistered"]);

    // Deciding the registration again would be rejected (the centre exists); the repeat
    // gets the first answer instead.
    let repeat = s.when_with(register.clone(), meta);
    assert_eq!(repeat.head_after, repeat.head_before);
    let repeated = valid(repeat.result);
    assert!(repeated.deduplicated);
    assert_eq!(repeated.events, first.events);
    s.when(register).rejected("AlreadyExists");

    // The same holds for a referral's answer, after other commands came in between.
    s.given(w.setup().split_off(1));
    let case_id = maria_with_an_assessed_case(&mut s);
    let referral_id = s.fresh_referral();
    let due_on = s.in_days(10);
    s.given(vec![
        by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on)),
        by(w.social_worker, send_referral(case_id, referral_id)),
    ]);
    let accept = by(w.social_worker, accept_referral(case_id, referral_id));
    let accepted = s.when(accept.clone());
    let meta = accepted.meta;
    let accepted = accepted.events(&["ReferralAccepted"]);
    s.given(vec![by(w.social_worker, add_note(case_id, "Τηλεφώνησε η ΔΥΠΑ."))]);
    let repeat = s.when_with(accept.clone(), meta);
    assert_eq!(repeat.head_after, repeat.head_before);
    let repeated = valid(repeat.result);
    assert!(repeated.deduplicated);
    assert_eq!(repeated.events, accepted.events);
    s.when(accept).rejected("TransitionNotAllowed");
}

#[test]
fn a_referral_without_consent_is_rejected_and_writes_nothing() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_an_assessed_case(&mut s);
    let referral_id = s.fresh_referral();
    let due_on = s.in_days(10);
    s.given(vec![by(w.social_worker, create_referral(case_id, referral_id, w.volunteers, due_on))]);
    s.when(by(w.social_worker, send_referral(case_id, referral_id))).rejected("NoSharingConsent");
    // A social worker cannot override the rule; a supervisor can.
    s.when(by(w.social_worker, send_referral_overriding(case_id, referral_id))).rejected("RoleNotPermitted");
    s.when(by(w.supervisor, send_referral_overriding(case_id, referral_id))).events(&["ReferralSent"]);
}

#[test]
fn actors_outside_the_centre_evaluators_and_strangers_cannot_write() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_an_assessed_case(&mut s);
    s.when(by(w.outsider, add_note(case_id, "Σημείωμα από άλλο κέντρο."))).rejected("OutsideCentre");
    s.when(Step { acting: Acting::Evaluator, command: add_note(case_id, "Έλεγχος.") }).rejected("EvaluatorCannotWrite");
    s.when(Step { acting: Acting::Setup, command: add_note(case_id, "Έλεγχος.") }).rejected("SetupActorNotAllowed");
    s.when(by(w.reception, assign(case_id, w.roma_mediator))).rejected("RoleNotPermitted");
    s.when(by(StaffId::new(uuid(0xdead)), add_note(case_id, "Άγνωστος."))).not_found();

    // A rejected registration leaves the vault as it was.
    let stranger = s.fresh_beneficiary();
    s.when(by(w.outsider, register_beneficiary(stranger, w.centre, 7))).rejected("OutsideCentre");
    assert_eq!(valid(s.engine().identity(stranger)), None);

    // A deactivated member can no longer act.
    s.given(vec![by(w.admin, deactivate_staff(w.reception))]);
    s.when(by(w.reception, add_note(case_id, "Ακόμα εδώ;"))).rejected("ActorDeactivated");
}

#[test]
fn identity_lives_in_the_vault_never_in_the_log_and_can_be_erased() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_an_assessed_case(&mut s);
    let referral_id = s.fresh_referral();
    let due_on = s.in_days(10);
    s.given(vec![
        by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on)),
        by(w.social_worker, send_referral(case_id, referral_id)),
    ]);
    let engine = s.engine();
    let entry = valid(engine.identity(w.maria)).unwrap_or_else(|| panic!("the vault holds Maria"));
    assert_eq!(entry.identity, identity(0));
    assert_eq!(entry.salt, salt(w.maria));

    let mut exported = Vec::new();
    valid(engine.store().export_jsonl(&mut exported, 1, u64::MAX));
    let log_text = valid(String::from_utf8(exported.clone()));
    let record = identity(0);
    let secrets = [
        record.given_name().as_str(),
        record.family_name().as_str(),
        record.amka().as_str(),
        record.phones()[0].as_str(),
        record.emails()[0].as_str(),
        record.address().map(|address| address.as_str()).unwrap_or_default(),
    ];
    for secret in secrets {
        assert!(!log_text.contains(secret), "the log holds {secret}");
    }
    assert!(log_text.contains(record.digest(&entry.salt).as_str()), "the log holds the digest");

    let report_before = valid(engine.indicators(&whole_period())).to_json();
    // Only a supervisor of Maria's centre erases, and the erasure is recorded.
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    assert!(matches!(
        s.engine().erase_identity(w.maria, meta),
        Err(EngineError::Rejected(rejection)) if rejection.name() == "RoleNotPermitted"
    ));
    assert!(valid(s.engine().identity(w.maria)).is_some(), "a refused erasure leaves the vault as it was");
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    let erased = valid(s.engine().erase_identity(w.maria, meta));
    assert_eq!(erased.events.iter().map(|e| e.event.event_type()).collect::<Vec<_>>(), ["IdentityErased"]);
    let engine = s.engine();
    assert_eq!(valid(engine.identity(w.maria)), None);
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    assert!(
        matches!(
            s.engine().erase_identity(w.maria, meta),
            Err(EngineError::Rejected(rejection)) if rejection.name() == "NothingToChange"
        ),
        "nothing left to erase"
    );
    let engine = s.engine();
    valid(engine.store().verify());
    let mut exported_after = Vec::new();
    valid(engine.store().export_jsonl(&mut exported_after, 1, u64::MAX));
    assert!(exported_after.starts_with(&exported), "erasure leaves the log before it as it was");
    let after_text = valid(String::from_utf8(exported_after[exported.len()..].to_vec()));
    assert_eq!(after_text.lines().count(), 1, "one IdentityErased record");
    let mut report_after: serde_json::Value =
        valid(serde_json::from_str(&valid(engine.indicators(&whole_period())).to_json()));
    let report_before: serde_json::Value = valid(serde_json::from_str(&report_before));
    for field in ["position", "head_hash"] {
        report_after[field] = report_before[field].clone();
    }
    assert_eq!(report_after, report_before, "the indicators stay as they were");
    assert_eq!(valid(engine.case_file(case_id)).entries.len(), 6, "the intake, its ESF+ entry and four more");

    // The person is not processed again: their referral may only be ended, and the
    // erasure survives a restart.
    s.when(by(w.social_worker, accept_referral(case_id, referral_id))).rejected("IdentityWasErased");
    // Nothing more is written about them: the cancellation takes no reason.
    s.when(by(w.social_worker, cancel_referral(case_id, referral_id))).rejected("TextAboutErasedPerson");
    let quiet = case(case_id, CaseAction::CancelReferral { referral_id, reason: None });
    let cancelled = s.when(by(w.social_worker, quiet)).events(&["ReferralCancelled"]);
    assert!(cancelled.events[0].event.texts().is_empty(), "no text about an erased person");
    s.restart();
    assert_eq!(valid(s.engine().identity(w.maria)), None);
}

#[test]
fn the_read_models_come_back_from_a_checkpoint_and_catch_up() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_an_assessed_case(&mut s);
    valid(s.engine().checkpoint());
    let referral_id = s.fresh_referral();
    let due_on = s.in_days(10);
    s.given(vec![
        by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on)),
        by(w.social_worker, send_referral(case_id, referral_id)),
    ]);
    let before = projections(s.engine());
    let caseload_before = valid(s.engine().caseload(&CaseloadQuery::default()));

    // Without a clean close the checkpoint stands before the last two commands.
    s.drop_and_reopen();
    let reopened = projections(s.engine());
    assert_eq!(reopened.position(), s.head().position);
    assert_eq!(reopened, before);
    assert_eq!(valid(s.engine().caseload(&CaseloadQuery::default())), caseload_before);
    assert_eq!(valid(s.engine().rebuild()), s.head().position);
    assert_eq!(projections(s.engine()), before);

    // A clean close saves a checkpoint; what comes after it is caught up on the next open.
    s.when(by(w.social_worker, accept_referral(case_id, referral_id))).events(&["ReferralAccepted"]);
    s.restart();
    s.when(by(w.social_worker, start_referral(case_id, referral_id))).events(&["ReferralStarted"]);
    let caught_up = projections(s.engine());
    valid(s.engine().rebuild());
    assert_eq!(projections(s.engine()), caught_up);
    assert_eq!(valid(s.engine().projections_as_of(AsOf::Position(s.head().position))), caught_up);
    let board = valid(s.engine().board(&BoardQuery::default()));
    assert_eq!(board.referrals[0].status, ReferralStatus::InProgress);
}

#[test]
fn a_report_as_of_an_earlier_point_is_reproduced_byte_for_byte() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_an_assessed_case(&mut s);
    let query = apokoronas_period(&s);
    let report_then = valid(s.engine().indicators(&query));
    let head_then = s.head();
    assert_eq!(report_then.position, head_then.position);

    let referral_id = s.fresh_referral();
    let due_on = s.in_days(10);
    s.advance_days(1);
    s.given(vec![
        by(w.social_worker, record_service(case_id, ServiceKind::ApplicationHelp, s.today())),
        by(w.social_worker, create_referral(case_id, referral_id, w.employment_office, due_on)),
        by(w.social_worker, send_referral(case_id, referral_id)),
    ]);
    let report_now = valid(s.engine().indicators(&query));
    assert_ne!(report_now.to_json(), report_then.to_json());

    let engine = s.engine();
    let by_position = valid(engine.indicators_as_of(&query, AsOf::Position(head_then.position)));
    assert_eq!(by_position.to_json(), report_then.to_json());
    assert_eq!(by_position.to_csv(), report_then.to_csv());
    let by_instant = valid(engine.indicators_as_of(&query, AsOf::RecordedAt(head_then.recorded_at)));
    assert_eq!(by_instant.to_json(), report_then.to_json());
    let at_head = valid(engine.indicators_as_of(&query, AsOf::Position(s.head().position)));
    assert_eq!(at_head.to_json(), report_now.to_json());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_tasks_executing_at_once_keep_the_log_and_read_models_whole() {
    const N_TASKS: u32 = 16;
    let mut s = Scenario::set_up();
    let w = s.world;
    let mut beneficiaries = Vec::new();
    for n in 0..N_TASKS {
        let beneficiary_id = s.fresh_beneficiary();
        s.given(vec![by(w.reception, register_beneficiary(beneficiary_id, w.centre, n + 1))]);
        beneficiaries.push(beneficiary_id);
    }
    let today = s.today();
    let mut plans = Vec::new();
    for (n, beneficiary_id) in (0..N_TASKS).zip(beneficiaries) {
        let case_id = s.fresh_case();
        let worker = if n % 2 == 0 { w.social_worker } else { w.roma_mediator };
        let steps = vec![
            by(w.reception, open_case(case_id, beneficiary_id, w.centre, today)),
            by(w.supervisor, assign(case_id, worker)),
            by(worker, assess(case_id, today)),
            by(worker, record_service(case_id, ServiceKind::Counselling, today)),
        ];
        let plan: Vec<_> = steps.into_iter().map(|step| (step.command, s.next_meta(step.acting))).collect();
        plans.push(plan);
    }
    let head_before = s.head().position;
    let engine = s.engine().clone();
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let engine = engine.clone();
            tokio::spawn(async move {
                for (command, meta) in plan {
                    let name = command.name();
                    match engine.execute_async(command, meta).await {
                        // An intake within the centre's programme also records its ESF+ entry.
                        Ok(executed) => {
                            assert_eq!(executed.events.len(), if name == "OpenCase" { 2 } else { 1 }, "{name}")
                        }
                        Err(error) => panic!("{name} failed: {error}"),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        valid(task.await);
    }

    let head = engine.store().head().position;
    // Four acts a task, of one event each but the intake, which also records its ESF+ entry.
    assert_eq!(head, head_before + u64::from(N_TASKS) * 5);
    assert_eq!(valid(engine.store().verify()).head_position, head);
    let positions: Vec<u64> = engine.store().iter_from(1).map(|record| valid(record).position).collect();
    assert_eq!(positions, (1..=head).collect::<Vec<u64>>(), "positions have no gaps");
    let caught_up = projections(&engine);
    assert_eq!(valid(engine.projections_as_of(AsOf::Position(head))), caught_up);
    valid(engine.rebuild());
    assert_eq!(projections(&engine), caught_up);
    let caseload = valid(engine.caseload(&CaseloadQuery::default()));
    assert_eq!(caseload.cases.len(), 16);
    let report = valid(engine.indicators(&whole_period()));
    assert_eq!(report.services.total, 16);
    assert_eq!(report.caseload.by_staff.values().sum::<u64>(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn intakes_of_one_person_at_once_enter_the_operation_once() {
    // Eight intakes of one person sent at the same moment, within the centre's programme:
    // one records the entry with the situation at entry, the seven others a return.
    const N_INTAKES: usize = 8;
    let mut s = Scenario::set_up();
    let w = s.world;
    let beneficiary_id = s.fresh_beneficiary();
    s.given(vec![by(w.reception, register_beneficiary(beneficiary_id, w.centre, 1))]);
    let today = s.today();
    let engine = s.engine().clone();
    let intakes: Vec<_> = (0..N_INTAKES)
        .map(|_| {
            let step = by(w.reception, open_case(s.fresh_case(), beneficiary_id, w.centre, today));
            (step.command, s.next_meta(step.acting))
        })
        .collect();
    let tasks: Vec<_> = intakes
        .into_iter()
        .map(|(command, meta)| {
            let engine = engine.clone();
            tokio::spawn(async move { engine.execute_async(command, meta).await })
        })
        .collect();
    let mut types = Vec::new();
    for task in tasks {
        let executed = valid(valid(task.await));
        types.extend(executed.events.iter().map(|e| e.event.event_type()));
    }
    let count = |wanted: &str| types.iter().filter(|t| **t == wanted).count();
    assert_eq!(count("CaseOpened"), N_INTAKES);
    assert_eq!(count("ParticipantEntered"), 1, "{types:?}");
    assert_eq!(count("ParticipantReturned"), N_INTAKES - 1, "{types:?}");
    let report = valid(engine.indicators(&whole_period()));
    let [operation] = report.esf.as_slice() else { panic!("one operation: {:?}", report.esf) };
    assert_eq!(operation.entrants.cumulative.total, 1);
    assert_eq!(operation.repeat_entries, u64::try_from(N_INTAKES - 1).unwrap_or(0));
}

#[test]
fn a_subscription_from_the_start_yields_every_event_in_order() {
    let mut s = Scenario::set_up();
    let mut subscription = valid(s.engine().subscribe(1));
    let w = s.world;
    maria_with_an_assessed_case(&mut s);
    let head = s.head().position;
    let mut heard = Vec::new();
    while heard.len() < usize::try_from(head).unwrap_or(usize::MAX) {
        match subscription.blocking_next() {
            Some(record) => heard.push(valid(record)),
            None => panic!("the subscription ended after {} records", heard.len()),
        }
    }
    let logged = valid(s.engine().store().read_all(1, usize::MAX));
    assert_eq!(heard, logged);
    let decoded: Vec<_> = heard.iter().map(|record| valid(parapompi::decode(record))).collect();
    assert_eq!(decoded.first().map(|recorded| recorded.event.event_type()), Some("CentreRegistered"));
    assert!(decoded.iter().any(|recorded| recorded.stream_id == w.maria.stream_id()));
}

/// Unused ids stay unused: a beneficiary or case nobody registered has empty read models.
#[test]
fn unknown_subjects_have_empty_read_models() {
    let s = Scenario::set_up();
    let engine = s.engine();
    assert!(valid(engine.case_file(CaseId::new(uuid(0xabc)))).entries.is_empty());
    assert!(valid(engine.audit(&AuditSubject::Beneficiary(BeneficiaryId::new(uuid(0xabc))))).entries.is_empty());
    assert!(matches!(engine.identity(BeneficiaryId::new(uuid(0xabc))), Ok(None)));
}

#[test]
fn a_repeated_registration_never_changes_the_vault() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let register = by(w.reception, register_beneficiary(w.maria, w.centre, 0));
    let first = s.when(register.clone());
    let meta = first.meta;
    let first = first.events(&["BeneficiaryRegistered"]);

    // The same command id carrying another identity is another command, though identity
    // data is not in the fingerprint: refused, naming the first use, and the vault keeps the
    // identity whose digest the log holds.
    let mut impostor = register_beneficiary(w.maria, w.centre, 0);
    if let Command::Beneficiary(BeneficiaryCommand {
        action: BeneficiaryAction::Register { identity: held, .. }, ..
    }) = &mut impostor
    {
        *held = identity(3);
    }
    let head = s.head();
    assert!(matches!(
        s.when_with(by(w.reception, impostor), meta).result,
        Err(EngineError::CommandIdReused { first_position, .. }) if first_position == first.events[0].position
    ));
    assert_eq!(valid(s.engine().identity(w.maria)).map(|entry| entry.identity), Some(identity(0)));
    // The same identity again, under another salt, is the same command.
    let mut resalted = register_beneficiary(w.maria, w.centre, 0);
    if let Command::Beneficiary(BeneficiaryCommand { action: BeneficiaryAction::Register { salt, .. }, .. }) =
        &mut resalted
    {
        *salt = valid(parapompi::core::identity::IdentitySalt::new(vec![7; 32]));
    }
    assert!(valid(s.when_with(by(w.reception, resalted), meta).result).deduplicated);
    // Other attributes under the same command id are another command too.
    let other = by(w.reception, register_beneficiary(w.maria, w.centre, 3));
    assert!(matches!(
        s.when_with(other, meta).result,
        Err(EngineError::CommandIdReused { first_position, .. }) if first_position == first.events[0].position
    ));
    assert_eq!(s.head(), head);

    // A client retrying the registration after an erasure must not bring the identity back.
    let erase = s.next_meta(Acting::Staff(w.supervisor));
    valid(s.engine().erase_identity(w.maria, erase));
    assert!(valid(s.when_with(register, meta).result).deduplicated);
    assert_eq!(valid(s.engine().identity(w.maria)), None);
}

#[test]
fn an_act_across_streams_is_written_whole_or_not_at_all_and_a_retry_after_a_restart_deduplicates() {
    let mut s = Scenario::set_up();
    let centre = parapompi::core::values::CentreId::new(s.fresh());
    let admin = StaffId::new(s.fresh());
    let set_up = [
        register_centre(centre, "Κέντρο Κοινότητας Δήμου Γρεβενών", "Γρεβενών", admin),
        register_staff(admin, centre, "Ελένη Κωστάκη", &[Role::Administrator]),
    ];
    // The second command fails (its staff id is taken): nothing of the act is written.
    let taken = [set_up[0].clone(), register_staff(s.world.admin, centre, "Ελένη Κωστάκη", &[Role::Administrator])];
    let meta = s.next_meta(Acting::Setup);
    let head = s.head();
    assert!(matches!(
        s.engine().execute_all(&taken, meta),
        Err(EngineError::Rejected(rejection)) if rejection.name() == "AlreadyExists"
    ));
    assert_eq!(s.head(), head, "a refused act writes nothing");
    assert_eq!(
        valid(s.engine().store().stream_version(&valid(parapompi::store::StreamId::new(centre.stream_id())))),
        0
    );

    // The act succeeds as one append at consecutive positions; a retry after a restart is
    // answered with the same records.
    let meta = s.next_meta(Acting::Setup);
    let first = valid(s.engine().execute_all(&set_up, meta));
    let positions: Vec<u64> = first.events.iter().map(|e| e.position).collect();
    assert_eq!(positions, [head.position + 1, head.position + 2]);
    assert_eq!(first.events[0].command_id, first.events[1].command_id);
    s.restart();
    let again = valid(s.engine().execute_all(&set_up, meta));
    assert!(again.deduplicated);
    assert_eq!(again.events, first.events);
    // The first command alone under the same id is another act.
    assert!(matches!(
        s.engine().execute(&set_up[0], meta),
        Err(EngineError::CommandIdReused { first_position, .. }) if first_position == head.position + 1
    ));
    valid(s.engine().store().verify());
}

#[test]
fn an_act_dated_after_the_engine_clock_is_refused() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let mut meta = s.next_meta(Acting::Staff(w.reception));
    let future = parapompi::core::values::Timestamp::from_unix_ms(meta.occurred_at.unix_ms() + 86_400_000);
    meta.occurred_at = future;
    let head = s.head();
    let result = s.engine().execute(&register_beneficiary(w.maria, w.centre, 0), meta);
    assert!(matches!(result, Err(EngineError::Rejected(r)) if r.name() == "OccurredInFuture"));
    assert_eq!(s.head(), head);
}

#[test]
fn an_amka_the_centre_holds_is_refused_with_its_holder_through_a_keyed_index() {
    let mut s = Scenario::set_up();
    let w = s.world;
    s.given(vec![by(w.reception, register_beneficiary(w.maria, w.centre, 0))]);
    let twin = s.fresh_beneficiary();
    let head = s.head();
    let then = s.when(by(w.reception, register_beneficiary(twin, w.centre, 0)));
    assert!(
        matches!(&then.result, Err(EngineError::Rejected(r)) if r.name() == "DuplicateAmka" && r.to_string().contains(&w.maria.to_string())),
        "{:?}",
        then.result
    );
    assert_eq!(s.head(), head);
    assert_eq!(valid(s.engine().identity(twin)), None, "the refused identity left the vault as it was");
    // Another centre may hold the same person.
    s.when(by(w.other_admin, register_staff(StaffId::new(uuid(900)), w.other_centre, "Νίκος", &[Role::Reception])))
        .events(&["StaffRegistered"]);
    s.when(by(StaffId::new(uuid(900)), register_beneficiary(twin, w.other_centre, 0)))
        .events(&["BeneficiaryRegistered"]);

    // The index holds no AMKA; the deployment key lives apart from sled, owner-only.
    let key_file = parapompi::deployment_key_path(s.directory());
    assert!(key_file.is_file());
    let amka = identity(0).amka().as_str().to_owned();
    for entry in files_under(s.directory()) {
        if entry.starts_with(s.directory().join("sled")) {
            continue;
        }
        let bytes = valid(std::fs::read(&entry));
        assert!(!String::from_utf8_lossy(&bytes).contains(&amka), "{} holds the AMKA", entry.display());
    }

    // A restart keeps the index.
    s.restart();
    let again = s.fresh_beneficiary();
    s.when(by(w.reception, register_beneficiary(again, w.centre, 0))).rejected("DuplicateAmka");
    // A lost deployment key is named, never replaced by a new one: the person keys are
    // encrypted under it. With the file restored, everything reads again.
    let saved = valid(std::fs::read(&key_file));
    s.restart_after(|dir| {
        valid(std::fs::remove_file(&key_file));
        let error = Engine::open(dir, EngineConfig::default()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("deployment.key is missing") && error.contains("backup"), "{error}");
        valid(std::fs::write(&key_file, &saved));
    });
    s.when(by(w.reception, register_beneficiary(again, w.centre, 0))).rejected("DuplicateAmka");
    assert_eq!(valid(s.engine().identity(w.maria)).map(|e| e.identity), Some(identity(0)));

    // Once Maria is erased, her AMKA is free at the centre again.
    let erase = s.next_meta(Acting::Staff(w.supervisor));
    valid(s.engine().erase_identity(w.maria, erase));
    s.when(by(w.reception, register_beneficiary(again, w.centre, 0))).events(&["BeneficiaryRegistered"]);
}

/// Copies a directory tree (a backup of a closed data directory).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    valid(std::fs::create_dir_all(to));
    for entry in valid(std::fs::read_dir(from)) {
        let path = valid(entry).path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            valid(std::fs::copy(&path, &target));
        }
    }
}

/// The forms in which a text could sit in a file: UTF-8, and JSON's `\u` escapes.
fn forms(text: &str) -> Vec<Vec<u8>> {
    let escaped: String =
        text.chars().map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", u32::from(c)) }).collect();
    vec![text.as_bytes().to_vec(), escaped.into_bytes()]
}

#[test]
fn identity_is_encrypted_per_person_and_erasure_makes_every_copy_unreadable() {
    let mut s = Scenario::set_up();
    let w = s.world;
    s.given(vec![by(w.reception, register_beneficiary(w.maria, w.centre, 0))]);
    let held = identity(0);
    let secrets = [
        held.given_name().as_str().to_owned(),
        held.family_name().as_str().to_owned(),
        held.amka().as_str().to_owned(),
        held.phones()[0].as_str().to_owned(),
    ];
    let scan = |dir: &std::path::Path| {
        for file in files_under(dir) {
            let bytes = valid(std::fs::read(&file));
            for secret in &secrets {
                for form in forms(secret) {
                    assert!(
                        !bytes.windows(form.len()).any(|w| w == form.as_slice()),
                        "{} holds {secret}",
                        file.display()
                    );
                }
            }
        }
    };
    // sled holds only ciphertext, even before any erasure.
    s.restart();
    scan(s.directory());
    let backup = tempfile::tempdir().expect("a directory");
    s.restart_after(|dir| copy_tree(dir, backup.path()));

    let erase = s.next_meta(Acting::Staff(w.supervisor));
    valid(s.engine().erase_identity(w.maria, erase));
    for n in 1..40 {
        let other = s.fresh_beneficiary();
        s.given(vec![by(w.reception, register_beneficiary(other, w.centre, n))]);
    }
    s.restart();
    scan(s.directory());
    assert_eq!(valid(s.engine().identity(w.maria)), None);

    // Her entry is still in the sled files of a backup taken before the erasure; with the
    // person-key file as it is now it cannot be opened: her key is gone. (The backup's own
    // key file still holds it: an erased person stays in older backups of the whole data
    // directory until they age out, docs/DATA-PROTECTION.md.)
    let old_keys = valid(std::fs::read(parapompi::person_keys_path(backup.path())));
    valid(std::fs::copy(parapompi::person_keys_path(s.directory()), parapompi::person_keys_path(backup.path())));
    let restored = valid(Engine::open(backup.path(), s.config.clone()));
    let error = restored.identity(w.maria).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("key of") && error.contains("is missing"), "{error}");
    drop(restored);
    valid(std::fs::write(parapompi::person_keys_path(backup.path()), old_keys));
    let restored = valid(Engine::open(backup.path(), s.config.clone()));
    assert_eq!(valid(restored.identity(w.maria)).map(|e| e.identity), Some(held));
}

#[test]
fn an_append_the_log_refuses_puts_the_vault_and_the_amka_index_back() {
    let mut s = Scenario::set_up();
    let w = s.world;
    // A log that takes no payload as large as a registration's: the append is refused after
    // the identity went into the vault and its AMKA into the index.
    let mut config = s.config.clone();
    config.store.limits.max_payload_bytes = 200;
    let mut meta = s.next_meta(Acting::Staff(w.reception));
    s.restart_after(|dir| {
        let engine = valid(Engine::open(dir, config));
        let head = engine.store().head();
        let refused = engine.execute(&register_beneficiary(w.maria, w.centre, 0), meta);
        assert!(matches!(refused, Err(EngineError::Store(_))), "{refused:?}");
        assert_eq!(engine.store().head(), head);
        assert_eq!(valid(engine.identity(w.maria)), None, "the vault is as it was");
        // The AMKA is free: the same person under another id is refused by the limit again,
        // not as a duplicate of someone who was never registered.
        meta.command_id = uuid(4242);
        let again = engine.execute(&register_beneficiary(BeneficiaryId::new(uuid(4243)), w.centre, 0), meta);
        assert!(matches!(again, Err(EngineError::Store(_))), "{again:?}");
    });
    // With the usual limits, the person registers: nothing of the refused attempts remains.
    s.when(by(w.reception, register_beneficiary(w.maria, w.centre, 0))).events(&["BeneficiaryRegistered"]);
}
