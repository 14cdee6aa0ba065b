//! Finding people by AMKA, name or phone: among the searcher's own centre only, by the roles
//! that may read an identity, every person shown read and recorded first, a search that finds
//! too many refused without reading anybody; and short references on the Engine's cases.

mod common;

use common::*;
use parapompi::core::beneficiary::{Access, BeneficiaryEvent};
use parapompi::core::values::BeneficiaryId;
use parapompi::core::Event;
use parapompi::references::ReferenceQuery;
use parapompi::{Acting, BeneficiarySearch, EngineError};

/// People 0 to 3 of `common` (Μαρία Παπαδάκη, Γιώργος Μαρκάκης, Ελένη Κουκουράκη, Νίκος
/// Τζανακάκης) at the centre, person 4 (a second Μαρία Παπαδάκη) at the other centre.
fn people(s: &mut Scenario) -> Vec<BeneficiaryId> {
    let w = s.world;
    let ids: Vec<BeneficiaryId> = (0..4).map(|_| s.fresh_beneficiary()).collect();
    let mut steps: Vec<Step> =
        ids.iter().zip(0u32..).map(|(id, n)| by(w.reception, register_beneficiary(*id, w.centre, n))).collect();
    let elsewhere = s.fresh_beneficiary();
    steps.push(by(w.outsider, register_beneficiary(elsewhere, w.other_centre, 4)));
    s.given(steps);
    ids
}

fn find(s: &mut Scenario, acting: Acting, search: BeneficiarySearch) -> Result<parapompi::Found, EngineError> {
    let meta = s.next_meta(acting);
    s.engine().find_beneficiaries(&search, meta)
}

fn found_ids(found: &parapompi::Found) -> Vec<BeneficiaryId> {
    found.people.iter().map(|p| p.beneficiary_id).collect()
}

fn identity_reads(s: &Scenario) -> Vec<(u64, String)> {
    let records = valid(s.engine().store().iter_from(1).collect::<Result<Vec<_>, _>>());
    records
        .iter()
        .map(|r| valid(parapompi::decode(r)))
        .filter_map(|r| match &r.event {
            Event::Beneficiary(BeneficiaryEvent::RecordsAccessed { access: Access::Identity, .. }) => {
                Some((r.position, r.stream_id.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_name_finds_the_people_of_ones_own_centre_in_greek_or_latin_letters_and_each_read_is_recorded() {
    let mut s = Scenario::set_up();
    let ids = people(&mut s);
    let w = s.world;
    for words in ["Παπαδάκη", "papadaki", "ΜΑΡΙΑ παπα", "μαρία"] {
        let before = identity_reads(&s).len();
        let found = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Name(words.to_owned())));
        assert_eq!(found_ids(&found), vec![ids[0]], "{words}: only the centre's own Μαρία");
        assert_eq!(found.people[0].entry.identity, identity(0));
        let reads = identity_reads(&s);
        assert_eq!(reads.len(), before + 1, "{words}: one read recorded");
        assert_eq!(reads.last().map(|r| r.1.clone()), Some(ids[0].stream_id()));
        assert_eq!(found.access.events.len(), 1);
    }
    // A part of two family names (Μαρκάκης, Τζανακάκης), in the order of family names.
    let found = valid(find(&mut s, Acting::Staff(w.social_worker), BeneficiarySearch::Name("κάκη".to_owned())));
    assert_eq!(found_ids(&found), vec![ids[1], ids[3]]);
}

#[test]
fn an_amka_and_a_phone_find_exactly_and_nobody_elsewhere_is_found() {
    let mut s = Scenario::set_up();
    let ids = people(&mut s);
    let w = s.world;
    let by_amka = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Amka(amka(2))));
    assert_eq!(found_ids(&by_amka), vec![ids[2]]);
    // Person 4's AMKA is held at the other centre only.
    let elsewhere = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Amka(amka(4))));
    assert!(elsewhere.people.is_empty() && elsewhere.access.events.is_empty());
    let by_phone = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Phone("6977654321".to_owned())));
    assert_eq!(found_ids(&by_phone), vec![ids[1]]);
    let by_tail = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Phone("654321".to_owned())));
    assert_eq!(found_ids(&by_tail), vec![ids[1]]);
    let too_short = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Phone("4321".to_owned())));
    assert!(too_short.people.is_empty());
}

#[test]
fn only_the_roles_that_read_identities_may_search_even_when_nobody_matches() {
    let mut s = Scenario::set_up();
    people(&mut s);
    let w = s.world;
    let before = identity_reads(&s);
    for (acting, rule) in [
        (Acting::Staff(w.admin), "RoleNotPermitted"),
        (Acting::Evaluator, "EvaluatorCannotWrite"),
        (Acting::Setup, "SetupActorNotAllowed"),
    ] {
        for search in [BeneficiarySearch::Name("Παπαδάκη".to_owned()), BeneficiarySearch::Name("Κανείς".to_owned())]
        {
            match find(&mut s, acting, search) {
                Err(EngineError::Rejected(rejection)) => assert_eq!(rejection.name(), rule),
                other => panic!("{acting:?} searched: {other:?}"),
            }
        }
    }
    assert_eq!(identity_reads(&s), before, "a refused search reads nobody");
}

#[test]
fn a_search_that_matches_more_than_it_may_show_reads_nobody() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let steps: Vec<Step> = (0..u32::try_from(parapompi::MAX_FOUND).unwrap_or(20) + 1)
        .map(|n| {
            let id = s.fresh_beneficiary();
            by(w.reception, register_beneficiary(id, w.centre, n * 4))
        })
        .collect();
    s.given(steps);
    let before = identity_reads(&s);
    match find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Name("Μαρία".to_owned())) {
        Err(EngineError::TooManyFound { found, max }) => assert_eq!((found, max), (21, parapompi::MAX_FOUND)),
        other => panic!("{other:?}"),
    }
    assert_eq!(identity_reads(&s), before);
}

#[test]
fn a_repeated_search_id_is_refused_rather_than_answered_from_its_first_use() {
    let mut s = Scenario::set_up();
    people(&mut s);
    let w = s.world;
    let meta = s.next_meta(Acting::Staff(w.reception));
    let search = BeneficiarySearch::Name("Μαρία".to_owned());
    valid(s.engine().find_beneficiaries(&search, meta));
    assert!(matches!(s.engine().find_beneficiaries(&search, meta), Err(EngineError::CommandIdReused { .. })));
}

#[test]
fn cases_found_and_looked_up_carry_their_references() {
    let mut s = Scenario::set_up();
    let ids = people(&mut s);
    let w = s.world;
    let (first, second) = (s.fresh_case(), s.fresh_case());
    let today = s.today();
    s.given(vec![
        by(w.reception, open_case(first, ids[0], w.centre, today)),
        by(w.reception, open_case(second, ids[0], w.centre, today)),
    ]);
    let year = today.year();
    let found = valid(find(&mut s, Acting::Staff(w.reception), BeneficiarySearch::Amka(amka(0))));
    let references: Vec<&str> = found.people[0].cases.iter().map(|c| c.reference.as_str()).collect();
    assert_eq!(references, vec![format!("ΑΠΟ-{year}-0001"), format!("ΑΠΟ-{year}-0002")]);
    let query = valid(ReferenceQuery::parse(&format!("απο-{year}-2")));
    let looked_up = valid(s.engine().look_up_reference(&query));
    assert_eq!(looked_up.map(|d| (d.case_id, d.reference)), Some((second, format!("ΑΠΟ-{year}-0002"))));
    let by_id = valid(s.engine().look_up_reference(&ReferenceQuery::Case(first)));
    assert_eq!(by_id.map(|d| d.case_reference), Some(format!("ΑΠΟ-{year}-0001")));
    let file = valid(s.engine().case_file(first));
    assert_eq!(file.reference, Some(format!("ΑΠΟ-{year}-0001")));
    let unknown = valid(ReferenceQuery::parse(&format!("ΑΠΟ-{year}-0003")));
    assert_eq!(valid(s.engine().look_up_reference(&unknown)), None);
}

#[test]
fn a_view_reads_the_names_of_its_own_centres_people_and_records_each_read() {
    let mut s = Scenario::set_up();
    let ids = people(&mut s);
    let w = s.world;
    let elsewhere = s.fresh_beneficiary();
    s.given(vec![by(w.outsider, register_beneficiary(elsewhere, w.other_centre, 5))]);
    s.given(vec![by(
        w.supervisor,
        parapompi::core::Command::Beneficiary(parapompi::core::beneficiary::BeneficiaryCommand {
            beneficiary_id: ids[3],
            action: parapompi::core::beneficiary::BeneficiaryAction::EraseIdentity,
        }),
    )]);
    let before = identity_reads(&s).len();
    let asked = [ids[0], ids[1], ids[3], elsewhere];
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    let read = valid(s.engine().read_names(&asked, meta));
    let names: Vec<(BeneficiaryId, String)> =
        read.names.iter().map(|(id, (given, family))| (*id, format!("{given} {family}"))).collect();
    let mut expected = vec![(ids[0], "Μαρία Παπαδάκη".to_owned()), (ids[1], "Γιώργος Μαρκάκης".to_owned())];
    expected.sort();
    assert_eq!(names, expected, "the erased person and the other centre's are left out");
    let reads = identity_reads(&s);
    assert_eq!(reads.len(), before + 2);
    assert_eq!(read.access.events.len(), 2, "one act of two reads");
    // An administrator reads no identities, so no names.
    let meta = s.next_meta(Acting::Staff(w.admin));
    match s.engine().read_names(&asked, meta) {
        Err(EngineError::Rejected(rejection)) => assert_eq!(rejection.name(), "RoleNotPermitted"),
        other => panic!("{other:?}"),
    }
    let too_many = vec![ids[0]; parapompi::MAX_NAMES + 1];
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    assert!(matches!(s.engine().read_names(&too_many, meta), Err(EngineError::Invalid(_))));
    assert_eq!(identity_reads(&s).len(), before + 2, "refusals read nobody");
}
