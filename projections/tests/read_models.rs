//! Caseload, referral board, case file, audit trail and checkpoints: given recorded events,
//! when a query, then the expected view.

mod common;

use common::*;
use parapompi_core::vocab::{AgencyKind, CloseReason, IntakeChannel, NeedDomain, ReferralStatus};
use parapompi_projections::{
    audit_trail, case_file, is_overdue, AuditSubject, BoardQuery, CaseloadQuery, CheckpointError, Projections,
    GENESIS_HASH,
};

use AgencyKind::PublicService;
use IntakeChannel::WalkIn;
use NeedDomain::{Employment, Housing};

/// Two cases at the centre (one at its antenna), one at the other centre; referrals in
/// several states.
fn world() -> Log {
    let mut log = Log::new();
    log.agency(AGENCY, "ΔΥΠΑ Χανίων", PublicService)
        .agency(OTHER_AGENCY, "Κοινωνικό Παντοπωλείο", AgencyKind::VolunteerOrganisation)
        .open(1, 1, CENTRE, false, "2023-02-01", WalkIn)
        .assign(1, ALICE, "2023-02-01")
        .create(1, 1, AGENCY, PublicService, Employment, "2023-02-02", "2023-02-20")
        .send(1, 1, "2023-02-03")
        .create(1, 2, OTHER_AGENCY, AgencyKind::VolunteerOrganisation, Housing, "2023-02-04", "2023-03-10")
        .open(2, 2, CENTRE, true, "2023-02-05", IntakeChannel::Phone)
        .assign(2, BOB, "2023-02-05")
        .create(2, 3, AGENCY, PublicService, Housing, "2023-02-06", "2023-02-15")
        .send(2, 3, "2023-02-06")
        .accept(2, 3, "2023-02-08")
        .start(2, 3, "2023-02-09")
        .complete(2, 3, "2023-02-12")
        .open(3, 3, OTHER_CENTRE, false, "2023-02-07", WalkIn)
        .assign(3, ALICE, "2023-02-07");
    log
}

#[test]
fn empty_projections_sit_at_the_genesis() {
    let p = Projections::new();
    assert_eq!((p.position(), p.head_hash()), (0, GENESIS_HASH));
    assert_eq!(p, Projections::default());
}

#[test]
fn caseload_of_a_staff_member_lists_open_cases_with_open_referrals_and_next_due() {
    let q = CaseloadQuery { staff: Some(staff(ALICE)), ..CaseloadQuery::default() };
    check(
        &world(),
        |p| {
            let c = p.caseload(&q);
            let rows: Vec<_> = c
                .cases
                .iter()
                .map(|e| {
                    let refs: Vec<_> = e.open_referrals.iter().map(|r| (r.referral_id, r.status, r.due_on)).collect();
                    (e.case_id, e.next_due_on, refs)
                })
                .collect();
            (rows, c.n_open_referrals)
        },
        (
            vec![
                (
                    case(1),
                    Some(date("2023-02-20")),
                    vec![
                        (referral(1), ReferralStatus::Sent, date("2023-02-20")),
                        (referral(2), ReferralStatus::Draft, date("2023-03-10")),
                    ],
                ),
                // No open referral: listed after the cases with a next follow-up.
                (case(3), None, vec![]),
            ],
            2,
        ),
    );
}

#[test]
fn caseload_by_centre_includes_its_antenna_and_by_antenna_only_the_antenna() {
    let ids = |p: &Projections, q: CaseloadQuery| p.caseload(&q).cases.iter().map(|c| c.case_id).collect::<Vec<_>>();
    check(
        &world(),
        |p| {
            (
                ids(p, CaseloadQuery { centre: Some(centre(CENTRE)), ..CaseloadQuery::default() }),
                ids(p, CaseloadQuery { antenna: Some(antenna()), ..CaseloadQuery::default() }),
                ids(p, CaseloadQuery { centre: Some(centre(OTHER_CENTRE)), ..CaseloadQuery::default() }),
                ids(p, CaseloadQuery { staff: Some(staff(ALICE)), centre: Some(centre(CENTRE)), antenna: None }),
                ids(p, CaseloadQuery::default()),
            )
        },
        // Case 2's only referral is completed: no next due date, so it sorts after case 1.
        (vec![case(1), case(2)], vec![case(2)], vec![case(3)], vec![case(1)], vec![case(1), case(2), case(3)]),
    );
}

#[test]
fn closing_removes_a_case_from_the_caseload_reassigning_moves_it_and_reopening_brings_it_back() {
    let mut log = world();
    log.close(2, "2023-02-20", CloseReason::GoalsMet);
    let ids = |p: &Projections, n| {
        let q = CaseloadQuery { staff: Some(staff(n)), ..CaseloadQuery::default() };
        p.caseload(&q).cases.iter().map(|c| c.case_id).collect::<Vec<_>>()
    };
    check(&log, |p| (ids(p, BOB), ids(p, ALICE).len()), (vec![], 2));
    log.reassign(1, ALICE, BOB, "2023-02-21");
    check(&log, |p| (ids(p, BOB), ids(p, ALICE)), (vec![case(1)], vec![case(3)]));
    log.reopen(2, "2023-03-01");
    check(&log, |p| (ids(p, BOB), ids(p, ALICE)), (vec![case(1), case(2)], vec![case(3)]));
    // Reassigning a closed case updates its assignee without listing it.
    log.close(3, "2023-03-02", CloseReason::MovedAway).reassign(3, ALICE, BOB, "2023-03-03");
    check(&log, |p| (ids(p, BOB), ids(p, ALICE)), (vec![case(1), case(2)], vec![]));
}

#[test]
fn overdue_means_open_and_due_strictly_before_the_date() {
    let d = date("2023-02-20");
    assert!(!is_overdue(ReferralStatus::Sent, d, d), "due today is not yet overdue");
    assert!(is_overdue(ReferralStatus::Sent, d, date("2023-02-21")));
    assert!(is_overdue(ReferralStatus::Draft, d, date("2023-02-21")));
    assert!(is_overdue(ReferralStatus::OnHold, d, date("2023-02-21")));
    for closed in [
        ReferralStatus::Completed,
        ReferralStatus::Failed,
        ReferralStatus::Declined,
        ReferralStatus::Cancelled,
        ReferralStatus::Expired,
    ] {
        assert!(!is_overdue(closed, d, date("2023-03-21")), "{closed} is never overdue");
    }
}

#[test]
fn board_filters_by_status_agency_centre_and_overdue() {
    let ids = |p: &Projections, q: BoardQuery| p.board(&q).referrals.iter().map(|r| r.referral_id).collect::<Vec<_>>();
    check(
        &world(),
        |p| {
            (
                ids(p, BoardQuery::default()),
                ids(p, BoardQuery { status: Some(ReferralStatus::Sent), ..BoardQuery::default() }),
                ids(p, BoardQuery { agency: Some(agency(AGENCY)), ..BoardQuery::default() }),
                // On 2023-02-20 referral 1 (sent, due that day) is not overdue yet; on the 21st it is.
                ids(p, BoardQuery { overdue_as_of: Some(date("2023-02-20")), ..BoardQuery::default() }),
                ids(p, BoardQuery { overdue_as_of: Some(date("2023-02-21")), ..BoardQuery::default() }),
                // Referral 3 was due before both dates but is completed.
                ids(p, BoardQuery { overdue_as_of: Some(date("2023-03-11")), ..BoardQuery::default() }),
                ids(p, BoardQuery { centre: Some(centre(OTHER_CENTRE)), ..BoardQuery::default() }),
            )
        },
        (
            vec![referral(3), referral(1), referral(2)],
            vec![referral(1)],
            vec![referral(3), referral(1)],
            vec![],
            vec![referral(1)],
            vec![referral(1), referral(2)],
            vec![],
        ),
    );
}

#[test]
fn board_counts_by_status_and_agency_and_names_agencies_and_days_overdue() {
    let q = BoardQuery { overdue_as_of: Some(date("2023-03-11")), ..BoardQuery::default() };
    check(
        &world(),
        |p| {
            let b = p.board(&q);
            let rows: Vec<_> =
                b.referrals.iter().map(|r| (r.agency_name.clone(), r.days_overdue, r.centre_id)).collect();
            (rows, b.by_status.into_iter().collect::<Vec<_>>(), b.by_agency.into_iter().collect::<Vec<_>>())
        },
        (
            vec![
                (Some("ΔΥΠΑ Χανίων".to_owned()), Some(19), centre(CENTRE)),
                (Some("Κοινωνικό Παντοπωλείο".to_owned()), Some(1), centre(CENTRE)),
            ],
            vec![(ReferralStatus::Draft, 1), (ReferralStatus::Sent, 1)],
            vec![(agency(AGENCY), 1), (agency(OTHER_AGENCY), 1)],
        ),
    );
}

#[test]
fn a_rerouted_referral_links_old_and_new_on_the_board_and_in_both_audit_trails() {
    let mut log = world();
    log.decline(1, 1, "2023-02-10").reroute(1, 1, 4, OTHER_AGENCY, Employment, "2023-02-11", "2023-02-25");
    let reroute_position = 18;
    check(
        &log,
        |p| {
            let b = p.board(&BoardQuery::default());
            let links: Vec<_> = b
                .referrals
                .iter()
                .filter(|r| r.referral_id == referral(1) || r.referral_id == referral(4))
                .map(|r| (r.referral_id, r.status, r.rerouted_from, r.rerouted_to))
                .collect();
            (
                links,
                p.audit_positions(&AuditSubject::Referral(referral(1))),
                p.audit_positions(&AuditSubject::Referral(referral(4))),
            )
        },
        (
            vec![
                (referral(1), ReferralStatus::Declined, None, Some(referral(4))),
                (referral(4), ReferralStatus::Draft, Some(referral(1)), None),
            ],
            vec![5, 6, 17, reroute_position],
            vec![reroute_position],
        ),
    );
}

#[test]
fn case_file_positions_and_the_case_file_hold_the_case_stream_in_order() {
    let log = world();
    let p = log.projections();
    let positions = p.case_file_positions(case(2));
    assert_eq!(positions, vec![8, 9, 10, 11, 12, 13, 14]);
    // Records of other streams and repeats are left out.
    let mut records = log.at(&positions);
    records.extend(log.at(&[1, 3, 9]));
    records.reverse();
    let file = case_file(case(2), &records);
    assert_eq!(file.entries.iter().map(|e| e.position).collect::<Vec<_>>(), positions);
    assert_eq!(file.entries[0].event_type, "CaseOpened");
    assert_eq!(file.entries[6].description, format!("referral {} completed on 2023-02-12: got_help", referral(3)));
    let opened = file.case.unwrap_or_else(|| panic!("case 2 is opened"));
    assert_eq!((opened.assignee, opened.referrals[&referral(3)].status), (Some(staff(BOB)), ReferralStatus::Completed));
    assert!(p.case_file_positions(case(9)).is_empty());
}

#[test]
fn beneficiary_audit_covers_their_stream_and_their_cases() {
    let mut log = world();
    log.register(1, "2023-01-20", person_default());
    log.open(4, 1, CENTRE, false, "2023-03-01", WalkIn);
    check(&log, |p| p.audit_positions(&AuditSubject::Beneficiary(beneficiary(1))), vec![3, 4, 5, 6, 7, 17, 18]);
}

fn person_default() -> parapompi_core::vocab::Attributes {
    use parapompi_core::vocab::{Answer, Gender};
    person(Answer::Given(Gender::Female), Answer::Given(1980), "Σφακίων")
}

#[test]
fn staff_audit_covers_acting_own_stream_and_assignments() {
    let mut log = Log::new();
    log.staff_member(BOB, "Γιώργος Παππάς") // 1: Bob's own stream, by setup
        .open(1, 1, CENTRE, false, "2023-02-01", WalkIn) // 2: by Alice
        .assign(1, BOB, "2023-02-01") // 3: by the supervisor, to Bob
        .reassign(1, BOB, ALICE, "2023-02-02") // 4: by the supervisor, from Bob
        .case(
            1,
            BOB,
            "2023-02-03",
            parapompi_core::case::CaseEvent::CaseNoteAdded {
                text: parapompi_core::Text::inline("σημείωση"),
                written_on: date("2023-02-03"),
                author: staff(BOB),
            },
        ); // 5: by Bob
    check(
        &log,
        |p| {
            (
                p.audit_positions(&AuditSubject::Staff(staff(BOB))),
                p.audit_positions(&AuditSubject::Staff(staff(SUPERVISOR))),
                p.audit_positions(&AuditSubject::Case(case(1))),
            )
        },
        (vec![1, 3, 4, 5], vec![3, 4], vec![2, 3, 4, 5]),
    );
}

#[test]
fn audit_trail_entries_say_who_when_what_where_and_the_hash() {
    let log = world();
    let p = log.projections();
    let subject = AuditSubject::Referral(referral(3));
    let positions = p.audit_positions(&subject);
    let trail = audit_trail(&subject, &log.at(&positions));
    let first = &trail.entries[0];
    assert_eq!(
        (first.position, first.hash.clone(), first.actor.clone(), first.event_type, first.stream_id.clone()),
        (10, hash_of(10), staff(ALICE).stream_id(), "ReferralCreated", case(2).stream_id())
    );
    assert_eq!(first.occurred_at, noon(date("2023-02-06")));
    assert_eq!(first.recorded_at, noon(date("2023-02-06")));
    let words: Vec<&str> = trail.entries.iter().map(|e| e.description.as_str()).collect();
    let r = referral(3);
    let a = agency(AGENCY);
    assert_eq!(
        words,
        vec![
            format!(
                "referral {r} created on 2023-02-06 to agency {a} (public_service) for housing, routine, due 2023-02-15"
            ),
            format!("referral {r} sent on 2023-02-06 (consent granted on 2023-01-01)"),
            format!("referral {r} accepted on 2023-02-08"),
            format!("referral {r} in progress from 2023-02-09"),
            format!("referral {r} completed on 2023-02-12: got_help"),
        ]
    );
}

#[test]
fn head_and_position_follow_the_last_record_and_old_positions_are_ignored() {
    let log = world();
    let mut p = log.projections();
    let n = u64::try_from(log.records.len()).unwrap_or(0);
    assert_eq!((p.position(), p.head_hash().to_owned()), (n, hash_of(n)));
    let before = p.clone();
    p.apply_all(&log.records);
    p.apply(&log.records[3]);
    assert_eq!(p, before);
}

#[test]
fn checkpoints_refuse_other_versions_and_garbage() {
    let p = world().projections();
    let bytes = p.to_checkpoint();
    assert_eq!(Projections::from_checkpoint(&bytes), Ok(p.clone()));
    // Magic, then the format and definitions versions as little-endian u32s.
    assert_eq!(&bytes[..16], b"PRJCKPT\0\x06\0\0\0\x04\0\0\0");
    let patched = |at: usize, value: u32| {
        let mut copy = bytes.clone();
        copy[at..at + 4].copy_from_slice(&value.to_le_bytes());
        copy
    };
    assert_eq!(
        Projections::from_checkpoint(&patched(8, 2)),
        Err(CheckpointError::UnsupportedVersion { found: 2, supported: 6 })
    );
    assert_eq!(
        Projections::from_checkpoint(&patched(12, 7)),
        Err(CheckpointError::DefinitionsChanged { found: 7, current: 4 })
    );
    assert_eq!(Projections::from_checkpoint(b""), Err(CheckpointError::NotACheckpoint));
    assert_eq!(Projections::from_checkpoint(b"{}"), Err(CheckpointError::NotACheckpoint));
    assert_eq!(Projections::from_checkpoint(b"hello world\n{}"), Err(CheckpointError::NotACheckpoint));
    let truncated = &bytes[..bytes.len() - 10];
    assert!(matches!(Projections::from_checkpoint(truncated), Err(CheckpointError::Corrupt { .. })));
}

#[test]
fn events_that_make_no_sense_only_enter_the_index() {
    // An answer to a referral never created and events of a case never opened.
    let mut log = Log::new();
    log.accept(7, 9, "2023-02-01").close(7, "2023-02-02", CloseReason::Other);
    check(
        &log,
        |p| {
            (
                p.case_file_positions(case(7)),
                p.board(&BoardQuery::default()).referrals.len(),
                p.caseload(&CaseloadQuery::default()).cases.len(),
                p.audit_positions(&AuditSubject::Referral(referral(9))),
            )
        },
        (vec![1, 2], 0, 0, vec![1]),
    );
}
