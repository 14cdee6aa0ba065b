//! ESF+ indicators: small worlds written by hand, one for each rule of the definitions
//! (`projections/src/esf.rs`, docs/EVALUATORS.md), with the expected figures worked out in
//! the comments. Each check also folds through checkpoints at every third position.

mod common;

use common::*;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::case::CaseEvent;
use parapompi_core::centre::{CentreEvent, FundingProgramme};
use parapompi_core::esf::{EntrySituation, LeavingSituation};
use parapompi_core::values::{EuroCents, FundName, ProgrammeCode};
use parapompi_core::vocab::{Answer, CloseReason, Flag, Gender, IntakeChannel, IscedBand, LabourStatus, Urbanisation};
use parapompi_core::Event;
use parapompi_projections::{GenderCounts, IndicatorQuery, OperationIndicators, Projections};

const OLD: &str = "ΟΠΣ 5002782";
const NEW: &str = "ΟΠΣ 6001244";

/// Centre 1 with its two programmes: the old one to 2023-05-31, the new from 2023-06-01.
fn world() -> Log {
    let mut log = Log::new();
    log.register_centre(CENTRE, "Αποκορώνου");
    for (code, from, to) in [(OLD, "2017-06-01", "2023-05-31"), (NEW, "2023-06-01", "2026-12-31")] {
        let programme = FundingProgramme {
            code: ok(ProgrammeCode::new(code)),
            fund: ok(FundName::new("ΕΚΤ+")),
            starts_on: date(from),
            ends_on: date(to),
            budget: ok(EuroCents::new(100)),
        };
        let event = Event::Centre(CentreEvent::FundingProgrammeAdded { programme });
        log.push(centre(CENTRE).stream_id(), "setup", "2023-01-01", event);
    }
    log
}

/// A woman of 40, unemployed, upper secondary, answering no to every group, in a town.
fn situation() -> EntrySituation {
    EntrySituation {
        gender: Answer::Given(Gender::Female),
        age: Answer::Given(40),
        labour_status: Answer::Given(LabourStatus::Unemployed),
        education: Answer::Given(IscedBand::Isced3To4),
        disability: Flag::No,
        third_country_national: Some(Flag::No),
        foreign_background: Some(Flag::No),
        minority: Flag::No,
        homeless: Flag::No,
        area_of_residence: Some(Answer::Given(Urbanisation::TownsAndSuburbs)),
    }
}

fn leaving(job_searching: Flag, in_employment: Flag) -> LeavingSituation {
    LeavingSituation {
        job_searching,
        in_education_or_training: Flag::No,
        gained_qualification: Flag::No,
        in_employment,
    }
}

trait Esf {
    /// Opens case `n` for person `b` on `on`, entering `programme` with `s`.
    fn enter(&mut self, n: u128, b: u128, on: &str, programme: &str, s: EntrySituation) -> &mut Self;
    /// Opens case `n` for person `b` on `on`, returning to `programme` (entered before).
    fn come_back(&mut self, n: u128, b: u128, on: &str, programme: &str) -> &mut Self;
    /// Closes case `n` on `on` with the situation on leaving (none: an erased person's).
    fn leave(&mut self, n: u128, on: &str, s: Option<LeavingSituation>) -> &mut Self;
}

impl Esf for Log {
    fn enter(&mut self, n: u128, b: u128, on: &str, programme: &str, s: EntrySituation) -> &mut Log {
        self.open(n, b, CENTRE, false, on, IntakeChannel::WalkIn);
        let event = CaseEvent::ParticipantEntered {
            programme: ok(ProgrammeCode::new(programme)),
            entered_on: date(on),
            situation: s,
        };
        self.case(n, ALICE, on, event)
    }

    fn come_back(&mut self, n: u128, b: u128, on: &str, programme: &str) -> &mut Log {
        self.open(n, b, CENTRE, false, on, IntakeChannel::WalkIn);
        let event =
            CaseEvent::ParticipantReturned { programme: ok(ProgrammeCode::new(programme)), returned_on: date(on) };
        self.case(n, ALICE, on, event)
    }

    fn leave(&mut self, n: u128, on: &str, s: Option<LeavingSituation>) -> &mut Log {
        self.close(n, on, CloseReason::GoalsMet);
        match s {
            Some(situation) => {
                self.case(n, ALICE, on, CaseEvent::LeavingSituationRecorded { left_on: date(on), situation })
            }
            None => self,
        }
    }
}

fn query(from: &str, to: &str, programme: Option<&str>) -> IndicatorQuery {
    IndicatorQuery {
        centre: Some(centre(CENTRE)),
        from: date(from),
        to: date(to),
        programme: programme.map(|p| ok(ProgrammeCode::new(p))),
    }
}

/// The figures of one indicator of the one operation the query names: (in the period,
/// cumulative) totals.
fn figures(p: &Projections, q: &IndicatorQuery, code: &str) -> (u64, u64) {
    let report = p.indicators(q);
    let [operation] = report.esf.as_slice() else { panic!("one operation, got {}", report.esf.len()) };
    let indicator = operation.outputs.iter().chain(&operation.results).find(|i| i.code == code);
    let indicator = indicator.unwrap_or_else(|| panic!("no {code}"));
    (indicator.in_period.total, indicator.cumulative.total)
}

fn operation(p: &Projections, q: &IndicatorQuery) -> OperationIndicators {
    let report = p.indicators(q);
    let [operation] = report.esf.as_slice() else { panic!("one operation, got {}", report.esf.len()) };
    operation.clone()
}

fn women(n: u64) -> GenderCounts {
    GenderCounts { total: n, women: n, ..GenderCounts::default() }
}

#[test]
fn the_situation_at_entry_counts_not_the_later_attributes() {
    // B1 enters the new operation on 2024-02-01 long-term unemployed; on 2024-03-01 her
    // attributes say employed. Q1 2024: she is one new entrant, in EECO01, EECO02 and
    // EECO03, not in EECO05.
    let mut log = world();
    let mut attributes = person(Answer::Given(Gender::Female), Answer::Given(1984), "Αποκορώνου");
    log.register(1, "2024-01-15", attributes.clone());
    let s = EntrySituation { labour_status: Answer::Given(LabourStatus::LongTermUnemployed), ..situation() };
    log.enter(1, 1, "2024-02-01", NEW, s);
    attributes.labour_status = Answer::Given(LabourStatus::Employed);
    log.beneficiary(1, ALICE, "2024-03-01", BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes });
    let q1 = query("2024-01-01", "2024-03-31", Some(NEW));
    for (code, expected) in [("EECO01", (1, 1)), ("EECO02", (1, 1)), ("EECO03", (1, 1)), ("EECO05", (0, 0))] {
        check(&log, |p| figures(p, &q1, code), expected);
    }
    // Women: EECO01 is one woman in the period and cumulatively.
    check(&log, |p| operation(p, &q1).outputs[0].in_period, women(1));
}

#[test]
fn a_person_who_returns_counts_once_and_leaves_with_the_last_closure() {
    // B1: case 1 enters 2024-02-01 unemployed, closes 2024-03-10 in employment; case 2 is
    // a return on 2024-05-01 (no situation taken again), closed 2024-06-15 job searching,
    // not in employment.
    let mut log = world();
    log.register(1, "2024-01-15", person(Answer::Given(Gender::Female), Answer::Given(1984), "Αποκορώνου"));
    log.enter(1, 1, "2024-02-01", NEW, situation())
        .leave(1, "2024-03-10", Some(leaving(Flag::No, Flag::Yes)))
        .come_back(2, 1, "2024-05-01", NEW)
        .leave(2, "2024-06-15", Some(leaving(Flag::Yes, Flag::No)));
    // First half of 2024: one participant (EECO01 1, unemployed at entry: EECO02 1), one
    // re-entry; her leaving is the last closure, 2024-06-15: job searching (EECR01 1), not
    // in employment (EECR04 0). No intake without an entry.
    let h1 = query("2024-01-01", "2024-06-30", None);
    check(&log, |p| (figures(p, &h1, "EECO01"), figures(p, &h1, "EECO02")), ((1, 1), (1, 1)));
    check(&log, |p| (figures(p, &h1, "EECR01"), figures(p, &h1, "EECR04")), ((1, 1), (0, 0)));
    check(&log, |p| (operation(p, &h1).repeat_entries, operation(p, &h1).intakes_without_entry), (1, 0));
    // To 2024-05-31 the returned case is open: she has not left (no leaver, EECR04 0),
    // although she left once on 2024-03-10.
    let to_may = query("2024-01-01", "2024-05-31", None);
    check(&log, |p| (operation(p, &to_may).leavers.cumulative.total, figures(p, &to_may, "EECR04")), (0, (0, 0)));
    // To 2024-04-30 the return has not happened: she left in employment (EECR04 1), and
    // there is no re-entry yet.
    let to_april = query("2024-01-01", "2024-04-30", None);
    check(&log, |p| (figures(p, &to_april, "EECR04"), operation(p, &to_april).repeat_entries), ((1, 1), 0));
}

#[test]
fn a_return_without_a_counted_entry_is_an_intake_without_an_entry() {
    // B2's case 4 enters 2024-08-01; case 3, a return, was recorded afterwards with the
    // earlier intake date 2024-02-10. First half of 2024: B2 has no entry yet, so her
    // return counts as an intake without an entry (EECO01 0, no re-entry). The whole year:
    // one participant entered 2024-08-01, one re-entry, no intake without an entry.
    let mut log = world();
    log.register(2, "2024-01-15", person(Answer::Given(Gender::Female), Answer::Given(1984), "Αποκορώνου"));
    log.enter(4, 2, "2024-08-01", NEW, situation()).come_back(3, 2, "2024-02-10", NEW);
    let h1 = query("2024-01-01", "2024-06-30", None);
    check(&log, |p| figures(p, &h1, "EECO01"), (0, 0));
    check(&log, |p| (operation(p, &h1).repeat_entries, operation(p, &h1).intakes_without_entry), (0, 1));
    let year = query("2024-01-01", "2024-12-31", None);
    check(&log, |p| figures(p, &year, "EECO01"), (1, 1));
    check(&log, |p| (operation(p, &year).repeat_entries, operation(p, &year).intakes_without_entry), (1, 0));
}

#[test]
fn a_person_who_enters_again_counts_once_at_the_first_entry() {
    // A log may hold a person's second ParticipantEntered (written before returns were
    // recorded): it is a re-entry in the same way.
    // B1: case 1 enters 2024-02-01 unemployed, closes 2024-03-10 in employment; case 2
    // enters 2024-05-01 employed. First half of 2024: one participant (EECO01 1), described
    // at the first entry (EECO02 1, EECO05 0), one repeat entry; case 2 is open at the
    // period end, so she has not left (EECR04 0).
    let mut log = world();
    log.register(1, "2024-01-15", person(Answer::Given(Gender::Female), Answer::Given(1984), "Αποκορώνου"));
    log.enter(1, 1, "2024-02-01", NEW, situation()).leave(1, "2024-03-10", Some(leaving(Flag::No, Flag::Yes))).enter(
        2,
        1,
        "2024-05-01",
        NEW,
        EntrySituation { labour_status: Answer::Given(LabourStatus::Employed), ..situation() },
    );
    let h1 = query("2024-01-01", "2024-06-30", None);
    check(&log, |p| figures(p, &h1, "EECO01"), (1, 1));
    check(&log, |p| figures(p, &h1, "EECO02"), (1, 1));
    check(&log, |p| figures(p, &h1, "EECO05"), (0, 0));
    check(&log, |p| figures(p, &h1, "EECR04"), (0, 0));
    check(&log, |p| operation(p, &h1).repeat_entries, 1);
    // Up to 2024-04-30 the second case does not exist yet: she left on 2024-03-10, in
    // employment (EECR04 1), not job searching (EECR01 0); no repeat entry.
    let to_april = query("2024-01-01", "2024-04-30", None);
    check(&log, |p| figures(p, &to_april, "EECR04"), (1, 1));
    check(&log, |p| figures(p, &to_april, "EECR01"), (0, 0));
    check(&log, |p| operation(p, &to_april).repeat_entries, 0);
    // The second half: no new entrant (EECO01 in the period 0, cumulative 1).
    let h2 = query("2024-07-01", "2024-12-31", None);
    check(&log, |p| figures(p, &h2, "EECO01"), (0, 1));
}

#[test]
fn leaving_counts_in_the_period_it_falls_in() {
    // B1 enters 2024-01-10 and leaves 2024-04-15 job searching. B2 enters 2024-02-01,
    // leaves 2024-03-20 in employment, the case is reopened 2024-05-02 and closed again
    // 2024-05-20 job searching.
    let mut log = world();
    log.register(1, "2024-01-02", person(Answer::Given(Gender::Female), Answer::Given(1990), "Αποκορώνου"));
    log.register(2, "2024-01-02", person(Answer::Given(Gender::Male), Answer::Given(1990), "Αποκορώνου"));
    let man = EntrySituation { gender: Answer::Given(Gender::Male), ..situation() };
    log.enter(1, 1, "2024-01-10", NEW, situation())
        .enter(2, 2, "2024-02-01", NEW, man)
        .leave(2, "2024-03-20", Some(leaving(Flag::No, Flag::Yes)))
        .leave(1, "2024-04-15", Some(leaving(Flag::Yes, Flag::No)))
        .reopen(2, "2024-05-02")
        .leave(2, "2024-05-20", Some(leaving(Flag::Yes, Flag::No)));
    // Q1: B2 left on 2024-03-20 in employment; B1 has not left.
    let q1 = query("2024-01-01", "2024-03-31", None);
    check(&log, |p| (figures(p, &q1, "EECR04"), figures(p, &q1, "EECR01")), ((1, 1), (0, 0)));
    check(&log, |p| operation(p, &q1).leavers.in_period, GenderCounts { total: 1, men: 1, ..GenderCounts::default() });
    // Q2: B1 left on 2024-04-15 job searching; B2's leaving is now the closure of
    // 2024-05-20, job searching, not in employment. In the period: EECR01 2, EECR04 0; the
    // same cumulatively (B2's first leaving is replaced by the later one).
    let q2 = query("2024-04-01", "2024-06-30", None);
    check(&log, |p| (figures(p, &q2, "EECR01"), figures(p, &q2, "EECR04")), ((2, 2), (0, 0)));
    // Mid-May B2 is open again: only B1 has left (cumulatively 1, job searching).
    let to_mid_may = query("2024-04-01", "2024-05-10", None);
    check(&log, |p| figures(p, &to_mid_may, "EECR01"), (1, 1));
    check(&log, |p| operation(p, &to_mid_may).leavers.cumulative.total, 1);
}

#[test]
fn an_answer_declined_or_never_asked_is_missing_data_not_a_category() {
    // B1 declined her gender and disability; third-country nationality was never asked
    // (an old registration). She left unable to say whether she works. Year 2024.
    let mut log = world();
    log.register(1, "2024-01-02", person(Answer::DeclinedToAnswer, Answer::Given(1990), "Αποκορώνου"));
    let s = EntrySituation {
        gender: Answer::DeclinedToAnswer,
        disability: Flag::DeclinedToAnswer,
        third_country_national: None,
        ..situation()
    };
    log.enter(1, 1, "2024-03-01", NEW, s).leave(1, "2024-06-01", Some(leaving(Flag::No, Flag::DeclinedToAnswer)));
    let year = query("2024-01-01", "2024-12-31", None);
    // She counts in EECO01 under gender_missing; not in EECO12 or EECO13.
    check(
        &log,
        |p| operation(p, &year).outputs[0].in_period,
        GenderCounts { total: 1, gender_missing: 1, ..GenderCounts::default() },
    );
    check(
        &log,
        |p| (figures(p, &year, "EECO12"), figures(p, &year, "EECO13"), figures(p, &year, "EECR04")),
        ((0, 0), (0, 0), (0, 0)),
    );
    check(
        &log,
        |p| {
            let o = operation(p, &year);
            let at = |v: &str| o.missing_at_entry[v].in_period;
            let on = |v: &str| o.missing_on_leaving[v].cumulative;
            (
                (at("gender").declined_to_answer, at("disability").declined_to_answer),
                (at("third_country_national").not_recorded, at("education").declined_to_answer),
                on("in_employment").declined_to_answer,
            )
        },
        ((1, 1), (1, 0), 1),
    );
    // A closure with no situation (an erased person's) is not recorded in every variable.
    let mut erased = world();
    erased.register(2, "2024-01-02", person(Answer::Given(Gender::Male), Answer::Given(1990), "Αποκορώνου"));
    erased.enter(2, 2, "2024-02-01", NEW, situation()).leave(2, "2024-02-20", None);
    check(
        &erased,
        |p| {
            let o = operation(p, &year);
            (o.leavers.cumulative.total, o.missing_on_leaving["job_searching"].cumulative.not_recorded)
        },
        (1, 1),
    );
}

#[test]
fn operations_follow_their_programmes_periods() {
    // B1 enters the old operation on its last day (2023-05-31); B2 the new one on its
    // first (2023-06-01); case 3 (B3), on 2023-07-01, recorded no entry; a hand-written
    // entry into the old operation dated after its end (2023-06-15, case 4) is ignored.
    let mut log = world();
    for b in 1..=4 {
        log.register(b, "2023-01-02", person(Answer::Given(Gender::Female), Answer::Given(2010), "Αποκορώνου"));
    }
    let child = EntrySituation {
        age: Answer::Given(13),
        labour_status: Answer::Given(LabourStatus::InEducation),
        ..situation()
    };
    log.enter(1, 1, "2023-05-31", OLD, child)
        .enter(2, 2, "2023-06-01", NEW, child)
        .open(3, 3, CENTRE, false, "2023-07-01", IntakeChannel::Phone)
        .enter(4, 4, "2023-06-15", OLD, child);
    // The year 2023 meets both operations, in code order.
    let year = query("2023-01-01", "2023-12-31", None);
    check(
        &log,
        |p| p.indicators(&year).esf.iter().map(|o| o.programme.clone()).collect::<Vec<_>>(),
        vec![OLD.to_owned(), NEW.to_owned()],
    );
    // Each counts its own child (EECO06) and inactive (EECO04); case 4's entry is in neither.
    check(&log, |p| figures(p, &query("2023-01-01", "2023-12-31", Some(OLD)), "EECO06"), (1, 1));
    check(&log, |p| figures(p, &query("2023-01-01", "2023-12-31", Some(NEW)), "EECO04"), (1, 1));
    // Intakes in the new operation's period with no entry: cases 3 and 4.
    check(&log, |p| operation(p, &query("2023-01-01", "2023-12-31", Some(NEW))).intakes_without_entry, 2);
    // 2024 meets only the new operation; its new entrants are none, its cumulative one.
    check(&log, |p| figures(p, &query("2024-01-01", "2024-12-31", None), "EECO01"), (0, 1));
    // A period before either programme meets none.
    check(&log, |p| p.indicators(&query("2016-01-01", "2016-12-31", None)).esf.len(), 0);
}

#[test]
fn the_managing_authority_csv_has_a_row_per_code_and_gender() {
    // One woman of 40 (unemployed, ISCED 3-4) enters the new operation on 2024-02-01.
    let mut log = world();
    log.register(1, "2024-01-15", person(Answer::Given(Gender::Female), Answer::Given(1984), "Αποκορώνου"));
    log.enter(1, 1, "2024-02-01", NEW, situation());
    let report = log.projections().indicators(&query("2024-01-01", "2024-12-31", None));
    let csv = report.to_esf_csv();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "code,indicator,centre,programme,period_from,period_to,gender,in_period,cumulative");
    // 21 indicators × 5 genders, the header, and the empty string after the last CRLF.
    assert_eq!(lines.len(), 21 * 5 + 2);
    let centre = centre(CENTRE);
    assert_eq!(
        lines[1],
        format!("EECO01,Total number of participants,{centre},ΟΠΣ 6001244,2024-01-01,2024-12-31,total,1,1")
    );
    assert_eq!(
        lines[2],
        format!("EECO01,Total number of participants,{centre},ΟΠΣ 6001244,2024-01-01,2024-12-31,women,1,1")
    );
    assert!(lines.contains(&format!(
        "EECO10,With upper secondary (ISCED 3) or post-secondary education (ISCED 4),{centre},ΟΠΣ 6001244,2024-01-01,2024-12-31,men,0,0"
    ).as_str()));
    assert!(lines.contains(&format!(
        "EECR04,\"Participants in employment, including self-employment, upon leaving\",{centre},ΟΠΣ 6001244,2024-01-01,2024-12-31,gender_missing,0,0"
    ).as_str()));
    assert_eq!(report.to_esf_csv(), csv, "the same bytes each time");
}
