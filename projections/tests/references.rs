//! Short references: given in log order, per centre and intake year, never changed by what
//! comes later, and the same however the read models were folded.

mod common;

use common::*;
use parapompi_core::reference::Reference;
use parapompi_core::vocab::{AgencyKind, IntakeChannel, NeedDomain};
use parapompi_projections::{BoardQuery, CaseloadQuery, ReferenceTarget};

use AgencyKind::PublicService;
use IntakeChannel::WalkIn;
use NeedDomain::{Employment, Housing};

fn parsed(text: &str) -> Reference {
    ok(Reference::parse(text))
}

/// Two centres whose host municipalities begin alike, a third apart; cases over two years,
/// one entered late with an earlier intake date.
fn world() -> Log {
    let mut log = Log::new();
    log.register_centre(CENTRE, "Γρεβενών")
        .register_centre(OTHER_CENTRE, "Γρεβενά")
        .register_centre(3, "Δήμος Φλώρινας")
        .agency(AGENCY, "ΔΥΠΑ Γρεβενών", PublicService)
        .open(1, 1, CENTRE, false, "2024-01-10", WalkIn)
        .open(2, 2, OTHER_CENTRE, false, "2024-01-11", WalkIn)
        .open(3, 3, CENTRE, true, "2024-02-01", WalkIn)
        .create(1, 1, AGENCY, PublicService, Employment, "2024-01-12", "2024-02-01")
        .create(3, 2, AGENCY, PublicService, Housing, "2024-02-02", "2024-03-01")
        .create(1, 3, AGENCY, PublicService, Housing, "2024-02-03", "2024-03-01")
        .open(4, 4, CENTRE, false, "2025-01-05", WalkIn)
        // Entered in 2025 with an intake date of 2024: the next of 2024's numbers.
        .open(5, 5, CENTRE, false, "2024-12-30", WalkIn)
        .open(6, 6, 3, false, "2024-03-03", WalkIn);
    log
}

#[test]
fn cases_are_numbered_per_centre_and_intake_year_in_log_order() {
    check(
        &world(),
        |p| (1..=6).map(|n| p.case_reference(case(n)).map(|r| r.to_string())).collect::<Vec<_>>(),
        ["ΓΡΕ-2024-0001", "ΓΡΕ2-2024-0001", "ΓΡΕ-2024-0002", "ΓΡΕ-2025-0001", "ΓΡΕ-2024-0003", "ΦΛΩ-2024-0001"]
            .iter()
            .map(|r| Some((*r).to_owned()))
            .collect(),
    );
}

#[test]
fn centres_get_codes_from_their_host_municipality_and_a_taken_one_the_next_digit() {
    check(
        &world(),
        |p| [CENTRE, OTHER_CENTRE, 3].map(|n| p.centre_code(centre(n)).map(str::to_owned)),
        [Some("ΓΡΕ".to_owned()), Some("ΓΡΕ2".to_owned()), Some("ΦΛΩ".to_owned())],
    );
}

#[test]
fn referrals_are_numbered_within_their_case_in_order_of_creation() {
    check(
        &world(),
        |p| (1..=3).map(|r| p.referral_reference(referral(r)).map(|r| r.to_string())).collect::<Vec<_>>(),
        vec![
            Some("ΓΡΕ-2024-0001/1".to_owned()),
            Some("ΓΡΕ-2024-0002/1".to_owned()),
            Some("ΓΡΕ-2024-0001/2".to_owned()),
        ],
    );
}

#[test]
fn a_reference_names_its_case_or_referral_in_any_case_and_without_accents_or_zeros() {
    check(
        &world(),
        |p| {
            [
                "ΓΡΕ-2024-0002",
                "γρε-2024-2",
                "ΓΡΈ-2024-0001/2",
                "ΓΡΕ2-2024-0001",
                "ΓΡΕ-2024-0009",
                "ΓΡΕ-2024-0001/9",
                "ΧΧΧ-2024-0001",
            ]
            .map(|text| p.resolve_reference(&parsed(text)))
        },
        [
            Some(ReferenceTarget::Case(case(3))),
            Some(ReferenceTarget::Case(case(3))),
            Some(ReferenceTarget::Referral { case_id: case(1), referral_id: referral(3) }),
            Some(ReferenceTarget::Case(case(2))),
            None,
            None,
            None,
        ],
    );
}

#[test]
fn later_events_never_change_a_reference() {
    let before = world().projections();
    let mut log = world();
    log.register_centre(4, "Γρεβενών").open(7, 7, 4, false, "2024-01-01", WalkIn).send(1, 1, "2024-02-05");
    let after = log.projections();
    for n in 1..=6 {
        assert_eq!(before.case_reference(case(n)), after.case_reference(case(n)), "case {n}");
    }
    assert_eq!(after.case_reference(case(7)).map(|r| r.to_string()), Some("ΓΡΕ3-2024-0001".to_owned()));
}

#[test]
fn caseload_and_board_carry_the_references() {
    check(
        &world(),
        |p| {
            let caseload = p.caseload(&CaseloadQuery { centre: Some(centre(CENTRE)), ..CaseloadQuery::default() });
            let mut cases: Vec<_> = caseload
                .cases
                .iter()
                .map(|c| {
                    (c.reference.clone(), c.open_referrals.iter().map(|r| r.reference.clone()).collect::<Vec<_>>())
                })
                .collect();
            cases.sort();
            let board = p.board(&BoardQuery::default());
            let mut referrals: Vec<_> =
                board.referrals.iter().map(|r| (r.reference.clone(), r.case_reference.clone())).collect();
            referrals.sort();
            (cases, referrals)
        },
        (
            vec![
                ("ΓΡΕ-2024-0001".to_owned(), vec!["ΓΡΕ-2024-0001/1".to_owned(), "ΓΡΕ-2024-0001/2".to_owned()]),
                ("ΓΡΕ-2024-0002".to_owned(), vec!["ΓΡΕ-2024-0002/1".to_owned()]),
                ("ΓΡΕ-2024-0003".to_owned(), vec![]),
                ("ΓΡΕ-2025-0001".to_owned(), vec![]),
            ],
            vec![
                ("ΓΡΕ-2024-0001/1".to_owned(), "ΓΡΕ-2024-0001".to_owned()),
                ("ΓΡΕ-2024-0001/2".to_owned(), "ΓΡΕ-2024-0001".to_owned()),
                ("ΓΡΕ-2024-0002/1".to_owned(), "ΓΡΕ-2024-0002".to_owned()),
            ],
        ),
    );
}

#[test]
fn a_case_at_a_centre_whose_registration_is_not_in_the_log_still_gets_a_reference() {
    let mut log = Log::new();
    log.open(1, 1, CENTRE, false, "2024-01-10", WalkIn);
    check(&log, |p| p.case_reference(case(1)).map(|r| r.to_string()), Some("ΚΚ-2024-0001".to_owned()));
}
