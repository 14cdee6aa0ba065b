//! Free texts written by staff leave the log: events and bundles carry a vault reference and
//! a salted digest, the words are kept per person in the encrypted vault, shown only through
//! recorded reads, and gone from every byte on disk once the person is erased.

mod common;

use common::*;
use parapompi::core::beneficiary::{Access, BeneficiaryEvent};
use parapompi::core::case::CaseAction;
use parapompi::core::values::CaseId;
use parapompi::core::{Event, Text};
use parapompi::projections::AuditSubject;
use parapompi::projections::IndicatorQuery;
use parapompi::Acting;

/// A note as a worker might type it, naming the person and her AMKA and phone.
const NOTE: &str = "Η κα Αικατερίνη Νικολάου, ΑΜΚΑ 15038500110, τηλ. 6944123456: ζήτησε ενίσχυση.";
const REQUEST_WORDS: &str = "Έχασα τη δουλειά μου";
const REASON: &str = "Εποπτεία φακέλου Ζαχαρούλας";

/// Maria with an open case holding a request, a note, an assessment and a referral.
fn maria_with_a_case(s: &mut Scenario) -> CaseId {
    let w = s.world;
    let case_id = s.fresh_case();
    let today = s.today();
    s.given(vec![
        by(w.reception, register_beneficiary(w.maria, w.centre, 0)),
        by(w.reception, open_case(case_id, w.maria, w.centre, today)),
        by(w.social_worker, assign(case_id, w.social_worker)),
        by(w.social_worker, add_note(case_id, NOTE)),
        by(w.social_worker, assess(case_id, today)),
    ]);
    case_id
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let escaped: String =
        needle.chars().map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", u32::from(c)) }).collect();
    [needle.as_bytes().to_vec(), escaped.into_bytes()]
        .iter()
        .any(|form| haystack.windows(form.len()).any(|w| w == form.as_slice()))
}

#[test]
fn texts_are_in_no_event_and_no_bundle_and_each_digest_proves_its_words() {
    let mut s = Scenario::set_up();
    let case_id = maria_with_a_case(&mut s);
    let held = identity(0);
    let planted = [
        NOTE,
        "Νικολάου",
        "15038500110",
        "6944123456",
        REQUEST_WORDS,
        held.given_name().as_str(),
        held.family_name().as_str(),
        held.amka().as_str(),
        held.phones()[0].as_str(),
    ];

    // Every event with a text holds its reference and digest, never its words.
    let file = valid(s.engine().case_file(case_id));
    let texts: Vec<&Text> = file.entries.iter().flat_map(|e| e.texts.iter().map(|t| &t.text)).collect();
    assert!(texts.len() >= 2, "the request and the note at least");
    assert!(texts.iter().all(|t| t.sealed().is_some()), "every text is sealed");

    // A bundle and a JSON Lines export hold none of it.
    let mut bundle = Vec::new();
    valid(parapompi::bundle::export_bundle(
        s.engine().store(),
        &mut bundle,
        1,
        parapompi::store::Timestamp::from_unix_ms(0),
    ));
    let mut jsonl = Vec::new();
    valid(s.engine().store().export_jsonl(&mut jsonl, 1, u64::MAX));
    for secret in planted {
        assert!(!contains(&bundle, secret), "the bundle holds {secret}");
        assert!(!contains(&jsonl, secret), "the export holds {secret}");
    }

    // The assignee reads the texts: the read is recorded first, and each text's words
    // match the digest the log holds (recomputed here from the salt the vault keeps).
    let meta = s.next_meta(Acting::Staff(s.world.social_worker));
    let read = valid(s.engine().read_case_texts(case_id, meta, None));
    let words: Vec<&str> =
        read.file.entries.iter().flat_map(|e| e.texts.iter()).filter_map(|t| read.words.words(&t.text)).collect();
    assert!(words.contains(&NOTE), "{words:?}");
    assert!(words.iter().any(|w| w.contains(REQUEST_WORDS)), "{words:?}");
    let access = &read.access.events[0];
    assert!(matches!(
        &access.event,
        Event::Beneficiary(BeneficiaryEvent::RecordsAccessed { access: Access::CaseTexts { .. }, reason: None, .. })
    ));
    // A repeated read is refused, not answered from the first: every read is decided anew.
    let again = s.engine().read_case_texts(case_id, meta, None);
    assert!(matches!(again, Err(parapompi::EngineError::CommandIdReused { .. })), "{again:?}");
}

#[test]
fn a_retry_is_told_by_its_words_though_event_ids_carry_none_of_them() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_a_case(&mut s);
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    let first = valid(s.engine().execute(&add_note(case_id, "Τηλεφώνησε η κόρη της."), meta));
    // The same command id with the same words is a repeat; with other words another command,
    // though the event id (in every bundle) is computed without the words.
    let repeat = valid(s.engine().execute(&add_note(case_id, "Τηλεφώνησε η κόρη της."), meta));
    assert!(repeat.deduplicated);
    assert_eq!(repeat.events, first.events);
    let other = s.engine().execute(&add_note(case_id, "Τηλεφώνησε ο γιος της."), meta);
    assert!(matches!(other, Err(parapompi::EngineError::CommandIdReused { .. })), "{other:?}");
    // In another data directory the same command with other words gets the same event id:
    // nobody can test a guessed text against it.
    let mut t = Scenario::set_up();
    let case_elsewhere = maria_with_a_case(&mut t);
    assert_eq!(case_elsewhere, case_id);
    let meta_elsewhere = t.next_meta(Acting::Staff(w.social_worker));
    assert_eq!(meta_elsewhere.command_id, meta.command_id, "the scenarios' ids are the same");
    let other_words = valid(t.engine().execute(&add_note(case_id, "Κάτι εντελώς διαφορετικό."), meta_elsewhere));
    assert_eq!(other_words.events[0].event_id, first.events[0].event_id);
}

#[test]
fn reading_texts_and_identity_is_recorded_and_refused_without_its_reason_or_role() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_a_case(&mut s);
    let head = s.head();
    // The supervisor is not the assignee: a reason is needed; reception may not read texts;
    // another centre's staff may not read at all.
    for (staff, reason, rule) in [
        (w.supervisor, None, "ReadNeedsReason"),
        (w.reception, Some(reason("Περιέργεια")), "RoleNotPermitted"),
        (w.other_admin, Some(reason("Έλεγχος")), "OutsideCentre"),
    ] {
        let meta = s.next_meta(Acting::Staff(staff));
        let refused = s.engine().read_case_texts(case_id, meta, reason);
        assert!(matches!(&refused, Err(parapompi::EngineError::Rejected(r)) if r.name() == rule), "{refused:?}");
    }
    assert_eq!(s.head(), head, "a refused read writes nothing and shows nothing");
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    let read = valid(s.engine().read_case_texts(case_id, meta, Some(reason(REASON))));
    assert!(!read.words.is_empty());
    let meta = s.next_meta(Acting::Staff(w.reception));
    let identity_read = valid(s.engine().read_identity(w.maria, meta));
    assert_eq!(identity_read.entry.map(|e| e.identity), Some(identity(0)));

    // The access report lists both reads, the reason sealed like every text.
    let report = valid(s.engine().access_report(w.maria));
    assert_eq!(report.len(), 2);
    assert_eq!(report[0].access, Access::CaseTexts { case_id });
    assert!(report[0].reason.as_ref().is_some_and(|r| r.sealed().is_some()));
    assert_eq!(report[1].access, Access::Identity);
    assert!(report[1].actor.ends_with(&w.reception.to_string()));
    let mut jsonl = Vec::new();
    valid(s.engine().store().export_jsonl(&mut jsonl, 1, u64::MAX));
    assert!(!contains(&jsonl, REASON), "the log holds the reason's words");

    // The person's own copy: everything, Greek as it is, the reads and their reasons, made
    // by a supervisor only.
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    let refused = s.engine().subject_access_export(w.maria, meta, None);
    assert!(
        matches!(&refused, Err(parapompi::EngineError::Rejected(r)) if r.name() == "RoleNotPermitted"),
        "{refused:?}"
    );
    let meta = s.next_meta(Acting::Staff(w.supervisor));
    let export = valid(s.engine().subject_access_export(w.maria, meta, Some(reason("Αίτηση της 1/3"))));
    let text = valid(serde_json::to_string_pretty(&export));
    for expected in [NOTE, REQUEST_WORDS, REASON, "Αίτηση της 1/3", identity(0).amka().as_str()] {
        assert!(text.contains(expected), "the copy lacks {expected}");
    }
    assert_eq!(export.cases.len(), 1);
    assert_eq!(export.accesses.len(), 3, "both reads and the making of this copy");
    assert_eq!(export.accesses[2].record.access, Access::SubjectExport);
}

#[test]
fn after_erasure_no_byte_on_disk_holds_the_person_or_a_note_and_nothing_more_is_written() {
    let mut s = Scenario::set_up();
    let w = s.world;
    let case_id = maria_with_a_case(&mut s);
    let held = identity(0);
    let secrets = [
        held.given_name().as_str().to_owned(),
        held.family_name().as_str().to_owned(),
        held.amka().as_str().to_owned(),
        held.phones()[0].as_str().to_owned(),
        NOTE.to_owned(),
        "15038500110".to_owned(),
        "Αικατερίνη Νικολάου".to_owned(),
        REQUEST_WORDS.to_owned(),
    ];
    let scan = |dir: &std::path::Path| {
        for file in files_under(dir) {
            let bytes = valid(std::fs::read(&file));
            for secret in &secrets {
                assert!(!contains(&bytes, secret), "{} holds {secret}", file.display());
            }
        }
    };
    // Only ciphertext on disk, even before the erasure; the scan does read the log's bytes,
    // where the centre's name, which is no personal data, is found as written.
    s.restart();
    scan(s.directory());
    let centre_name = "Κέντρο Κοινότητας Δήμου Αποκορώνου";
    let found = files_under(s.directory()).iter().any(|f| contains(&valid(std::fs::read(f)), centre_name));
    assert!(found, "the scan reads the files the log is in");

    let erase = s.next_meta(Acting::Staff(w.supervisor));
    valid(s.engine().erase_identity(w.maria, erase));
    // Nothing more is written about her, and her texts cannot be read.
    s.when(by(w.social_worker, add_note(case_id, "Άλλη σημείωση"))).rejected("IdentityWasErased");
    let meta = s.next_meta(Acting::Staff(w.social_worker));
    let refused = s.engine().read_case_texts(case_id, meta, None);
    assert!(
        matches!(&refused, Err(parapompi::EngineError::Rejected(r)) if r.name() == "IdentityWasErased"),
        "{refused:?}"
    );
    for n in 1..60 {
        let other = s.fresh_beneficiary();
        let other_case = s.fresh_case();
        let today = s.today();
        s.given(vec![
            by(w.reception, register_beneficiary(other, w.centre, n)),
            by(w.reception, open_case(other_case, other, w.centre, today)),
            by(w.reception, add_note(other_case, &format!("Σημείωση {n}"))),
        ]);
    }
    s.restart();
    scan(s.directory());
    // The events still name the texts, which no key opens any more.
    let file = valid(s.engine().case_file(case_id));
    let note = file
        .entries
        .iter()
        .flat_map(|e| e.texts.iter())
        .find(|t| t.field == "text")
        .unwrap_or_else(|| panic!("the note's event stays"));
    assert!(note.text.sealed().is_some());
    let trail = valid(s.engine().audit(&AuditSubject::Case(case_id)));
    assert!(trail.entries.iter().all(|e| e.texts.iter().all(|t| t.text.as_inline().is_none())));
}

#[test]
fn the_same_commands_with_other_words_give_the_same_indicators_and_the_same_chain_shape() {
    // Two centres' logs from the same commands, one with the words changed everywhere:
    // texts are only references, so every figure is the same and the records differ in
    // their digests alone.
    let run = |note: &str| {
        let mut s = Scenario::set_up();
        let w = s.world;
        let case_id = CaseId::new(uuid(0x5e5e));
        let today = s.today();
        s.given(vec![
            by(w.reception, register_beneficiary(w.maria, w.centre, 0)),
            by(w.reception, open_case(case_id, w.maria, w.centre, today)),
            by(w.social_worker, assign(case_id, w.social_worker)),
            by(w.social_worker, add_note(case_id, note)),
            by(
                w.social_worker,
                case(
                    case_id,
                    CaseAction::Close {
                        reason: parapompi::core::vocab::CloseReason::Other,
                        detail: Some(reason(note)),
                        leaving: Some(employed_on_leaving()),
                    },
                ),
            ),
        ]);
        let period = IndicatorQuery { programme: None, centre: None, from: date("2023-01-01"), to: date("2023-12-31") };
        let report = valid(s.engine().indicators(&period)).to_json();
        let mut jsonl = Vec::new();
        valid(s.engine().store().export_jsonl(&mut jsonl, 1, u64::MAX));
        (report, String::from_utf8(jsonl).unwrap_or_default())
    };
    let (report_a, log_a) = run("Πρώτη διατύπωση");
    let (report_b, log_b) = run("Εντελώς άλλα λόγια, πολύ περισσότερα από πριν");
    let strip = |report: &str| {
        let mut value: serde_json::Value = valid(serde_json::from_str(report));
        value["head_hash"] = serde_json::Value::Null;
        value
    };
    assert_eq!(strip(&report_a), strip(&report_b));
    assert_eq!(log_a.lines().count(), log_b.lines().count());
    for (a, b) in log_a.lines().zip(log_b.lines()) {
        let (a, b): (serde_json::Value, serde_json::Value) =
            (valid(serde_json::from_str(a)), valid(serde_json::from_str(b)));
        // Event ids too: they fingerprint the commands without their words.
        for field in
            ["position", "stream_id", "stream_version", "event_type", "schema_version", "occurred_at", "event_id"]
        {
            assert_eq!(a[field], b[field], "{field}");
        }
    }
}
