//! Replay property: random event histories give equal projections when (a) applied in one
//! go, (b) applied in two halves with a checkpoint round trip between, (c) re-applied with
//! duplicates of positions already seen, which are ignored.
//!
//! Histories are drawn over a small world (2 centres, 3 staff, 2 agencies, 3 beneficiaries,
//! 3 cases, 5 referrals) so events collide: answers before sends, events of unopened cases,
//! re-routes of unknown referrals. Projections must be total over any of that. Proptest
//! prints the failing seed and persists it under `proptest-regressions/`.

mod common;

use common::*;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::vocab::{Answer, CloseReason, Gender, IntakeChannel, NeedDomain, ServiceKind};
use parapompi_projections::{AuditSubject, BoardQuery, CaseloadQuery, IndicatorQuery, Projections, Recorded};
use proptest::prelude::*;

/// One step of a random history, with small numbers picking the entities.
#[derive(Clone, Debug)]
enum Step {
    Register(u8),
    UpdateAttributes(u8),
    Open { case: u8, beneficiary: u8, centre: u8, antenna: bool },
    Assign { case: u8, staff: u8 },
    Reassign { case: u8, staff: u8 },
    Assess { case: u8, need: u8 },
    Serve { case: u8 },
    Close { case: u8 },
    Reopen { case: u8 },
    Create { case: u8, referral: u8, due_in: u8 },
    Send { case: u8, referral: u8 },
    Accept { case: u8, referral: u8 },
    Decline { case: u8, referral: u8 },
    Start { case: u8, referral: u8 },
    Complete { case: u8, referral: u8 },
    Fail { case: u8, referral: u8 },
    Reroute { case: u8, from: u8, to: u8 },
    MoveDue { case: u8, referral: u8, due_in: u8 },
    Agency(u8),
    Staff(u8),
}

fn step() -> impl Strategy<Value = Step> {
    let n = || 0u8..3;
    prop_oneof![
        n().prop_map(Step::Register),
        n().prop_map(Step::UpdateAttributes),
        (n(), n(), 0u8..2, any::<bool>()).prop_map(|(case, beneficiary, centre, antenna)| Step::Open {
            case,
            beneficiary,
            centre,
            antenna
        }),
        (n(), n()).prop_map(|(case, staff)| Step::Assign { case, staff }),
        (n(), n()).prop_map(|(case, staff)| Step::Reassign { case, staff }),
        (n(), 0u8..9).prop_map(|(case, need)| Step::Assess { case, need }),
        n().prop_map(|case| Step::Serve { case }),
        n().prop_map(|case| Step::Close { case }),
        n().prop_map(|case| Step::Reopen { case }),
        (n(), 0u8..5, 0u8..30).prop_map(|(case, referral, due_in)| Step::Create { case, referral, due_in }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Send { case, referral }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Accept { case, referral }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Decline { case, referral }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Start { case, referral }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Complete { case, referral }),
        (n(), 0u8..5).prop_map(|(case, referral)| Step::Fail { case, referral }),
        (n(), 0u8..5, 0u8..5).prop_map(|(case, from, to)| Step::Reroute { case, from, to }),
        (n(), 0u8..5, 0u8..30).prop_map(|(case, referral, due_in)| Step::MoveDue { case, referral, due_in }),
        (0u8..2).prop_map(Step::Agency),
        n().prop_map(Step::Staff),
    ]
}

fn day(index: usize) -> String {
    let start = date("2023-01-01");
    let offset = i64::try_from(index).unwrap_or(0);
    ok(start.add_days(offset / 2)).to_string()
}

fn later(on: &str, days: u8) -> String {
    ok(date(on).add_days(i64::from(days))).to_string()
}

/// Writes the steps as a log, one business day every two steps.
fn history(steps: &[Step]) -> Log {
    let mut log = Log::new();
    let staff_n = |s: u8| [ALICE, BOB, SUPERVISOR][usize::from(s % 3)];
    for (i, s) in steps.iter().enumerate() {
        let on = day(i);
        let on = on.as_str();
        let c = u128::from;
        let r = u128::from;
        match s.clone() {
            Step::Register(b) => {
                let gender = if b == 0 { Answer::Given(Gender::Male) } else { Answer::DeclinedToAnswer };
                log.register(c(b), on, person(gender, Answer::Given(1950 + i32::from(b) * 20), "Σφακίων"));
            }
            Step::UpdateAttributes(b) => {
                let attributes = person(Answer::Given(Gender::Other), Answer::Given(1999), "Αποκορώνου");
                log.beneficiary(c(b), ALICE, on, BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes });
            }
            Step::Open { case, beneficiary, centre, antenna } => {
                let centre = if centre == 0 { CENTRE } else { OTHER_CENTRE };
                log.open(c(case), c(beneficiary), centre, antenna, on, IntakeChannel::WalkIn);
            }
            Step::Assign { case, staff } => {
                log.assign(c(case), staff_n(staff), on);
            }
            Step::Reassign { case, staff } => {
                log.reassign(c(case), staff_n(staff + 1), staff_n(staff), on);
            }
            Step::Assess { case, need } => {
                log.assess(c(case), on, &[NeedDomain::ALL[usize::from(need) % NeedDomain::ALL.len()]]);
            }
            Step::Serve { case } => {
                log.serve(c(case), on, ServiceKind::Counselling);
            }
            Step::Close { case } => {
                log.close(c(case), on, CloseReason::GoalsMet);
            }
            Step::Reopen { case } => {
                log.reopen(c(case), on);
            }
            Step::Create { case, referral, due_in } => {
                let due = later(on, due_in);
                let kind = parapompi_core::vocab::AgencyKind::PublicService;
                log.create(c(case), r(referral), AGENCY, kind, NeedDomain::Housing, on, &due);
            }
            Step::Send { case, referral } => {
                log.send(c(case), r(referral), on);
            }
            Step::Accept { case, referral } => {
                log.accept(c(case), r(referral), on);
            }
            Step::Decline { case, referral } => {
                log.decline(c(case), r(referral), on);
            }
            Step::Start { case, referral } => {
                log.start(c(case), r(referral), on);
            }
            Step::Complete { case, referral } => {
                log.complete(c(case), r(referral), on);
            }
            Step::Fail { case, referral } => {
                log.fail(c(case), r(referral), on);
            }
            Step::Reroute { case, from, to } => {
                let due = later(on, 10);
                log.reroute(c(case), r(from), r(to), OTHER_AGENCY, NeedDomain::Housing, on, &due);
            }
            Step::MoveDue { case, referral, due_in } => {
                let due = later(on, due_in);
                log.move_due(c(case), r(referral), on, &due, on);
            }
            Step::Agency(a) => {
                let kind = parapompi_core::vocab::AgencyKind::ALL[usize::from(a)];
                log.agency(AGENCY + u128::from(a), "Φορέας", kind);
            }
            Step::Staff(s) => {
                log.staff_member(staff_n(s), "Μέλος");
            }
        }
    }
    log
}

/// Every query's answer, so equal projections are also checked to answer alike.
fn answers(p: &Projections) -> String {
    let mut out = String::new();
    out.push_str(&format!("{:?}", p.caseload(&CaseloadQuery::default())));
    out.push_str(&format!(
        "{:?}",
        p.board(&BoardQuery { overdue_as_of: Some(date("2023-01-20")), ..BoardQuery::default() })
    ));
    let q = IndicatorQuery {
        programme: None,
        centre: Some(centre(CENTRE)),
        from: date("2023-01-01"),
        to: date("2023-01-31"),
    };
    out.push_str(&p.indicators(&q).to_csv());
    for n in 0..3 {
        out.push_str(&format!("{:?}", p.audit_positions(&AuditSubject::Beneficiary(beneficiary(n)))));
        out.push_str(&format!(
            "{:?}",
            p.audit_positions(&AuditSubject::Staff(staff([ALICE, BOB, SUPERVISOR][usize::try_from(n).unwrap_or(0)])))
        ));
    }
    out
}

fn fold(records: &[Recorded]) -> Projections {
    let mut p = Projections::new();
    p.apply_all(records);
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn one_go_two_halves_with_a_checkpoint_and_duplicates_agree(
        steps in proptest::collection::vec(step(), 0..80),
        split in any::<proptest::sample::Index>(),
        repeats in proptest::collection::vec(any::<proptest::sample::Index>(), 0..20),
    ) {
        let log = history(&steps);
        let records = &log.records;
        let whole = fold(records);

        // (b) Two halves with a checkpoint round trip between.
        let cut = if records.is_empty() { 0 } else { split.index(records.len() + 1) };
        let first = fold(&records[..cut]);
        let mut resumed = Projections::from_checkpoint(&first.to_checkpoint())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&resumed, &first);
        resumed.apply_all(&records[cut..]);
        prop_assert_eq!(&resumed, &whole);

        // (c) Duplicates of positions already seen, interleaved, are ignored.
        let mut with_repeats = Projections::new();
        let mut seen: Vec<&Recorded> = Vec::new();
        for (i, record) in records.iter().enumerate() {
            with_repeats.apply(record);
            seen.push(record);
            if let Some(pick) = repeats.get(i % repeats.len().max(1)) {
                with_repeats.apply(seen[pick.index(seen.len())]);
            }
        }
        with_repeats.apply_all(records);
        prop_assert_eq!(&with_repeats, &whole);

        prop_assert_eq!(answers(&resumed), answers(&whole));
        prop_assert_eq!(whole.position(), u64::try_from(records.len()).unwrap_or(0));
    }
}

/// Folding speed, gated: `PARAPOMPI_SLOW=1 cargo test --release -p parapompi-projections
/// --test replay -- --nocapture fold_speed` prints events/s for a realistic mix.
#[test]
fn fold_speed() {
    if std::env::var_os("PARAPOMPI_SLOW").is_none() {
        return;
    }
    let mut log = Log::new();
    let n_cases: u128 = 60_000;
    for b in 0..n_cases {
        log.register(b, "2023-01-02", person(Answer::Given(Gender::Female), Answer::Given(1980), "Σφακίων"));
    }
    for k in 0..n_cases {
        let on = "2023-02-01";
        log.open(k, k, CENTRE, k % 3 == 0, on, IntakeChannel::WalkIn)
            .assign(k, ALICE, on)
            .assess(k, on, &[NeedDomain::Housing, NeedDomain::Employment])
            .serve(k, on, ServiceKind::Information);
        for j in 0..2 {
            let r = k * 2 + j;
            log.create(
                k,
                r,
                AGENCY,
                parapompi_core::vocab::AgencyKind::PublicService,
                NeedDomain::Housing,
                on,
                "2023-03-01",
            )
            .send(k, r, "2023-02-02")
            .accept(k, r, "2023-02-05")
            .start(k, r, "2023-02-06")
            .complete(k, r, "2023-02-10");
        }
        log.close(k, "2023-02-11", CloseReason::GoalsMet);
    }
    let n = log.records.len();
    let started = std::time::Instant::now();
    let p = fold(&log.records);
    let elapsed = started.elapsed();
    let per_s = f64::from(u32::try_from(n).unwrap_or(u32::MAX)) / elapsed.as_secs_f64();
    println!("folded {n} events in {elapsed:?}: {per_s:.0} events/s");
    let started = std::time::Instant::now();
    let bytes = p.to_checkpoint();
    let write = started.elapsed();
    let started = std::time::Instant::now();
    let back = Projections::from_checkpoint(&bytes);
    let read = started.elapsed();
    // Dropping the state read back is timed apart: an Engine keeps it.
    let started = std::time::Instant::now();
    let back = back.map(|b| b.position());
    let dropped = started.elapsed();
    println!(
        "checkpoint {} bytes: written in {write:?}, read in {read:?} ({back:?}), dropped in {dropped:?}",
        bytes.len()
    );
    let started = std::time::Instant::now();
    let c = p.caseload(&CaseloadQuery { staff: Some(staff(BOB)), ..CaseloadQuery::default() });
    println!("caseload query: {:?} ({} cases)", started.elapsed(), c.cases.len());
    let started = std::time::Instant::now();
    let q = IndicatorQuery {
        programme: None,
        centre: Some(centre(CENTRE)),
        from: date("2023-02-01"),
        to: date("2023-02-28"),
    };
    let r = p.indicators(&q);
    println!("indicators query: {:?} ({} participants)", started.elapsed(), r.participants.total);
}
