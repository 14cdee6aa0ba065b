//! The persisted contract: type names, schema versions, payloads, upcasting, decode errors,
//! and the identity digest's canonical form.

mod common;

use std::collections::BTreeSet;

use common::*;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::case::CaseEvent;
use parapompi_core::centre::CentreEvent;
use parapompi_core::vocab::ReferralPriority;
use parapompi_core::{all_event_types, current_schema_version, DecodeError, Event};
use serde_json::json;

#[test]
fn a_stored_version_1_referral_created_reads_as_routine_priority() {
    // A payload as version 1 wrote it, before referrals had a priority.
    let stored_v1 = json!({
        "referral_id": "00000000-0000-0000-0000-000000000032",
        "agency_id": "00000000-0000-0000-0000-000000000014",
        "agency_kind": "public_service",
        "need": "employment",
        "reason": "Αναζήτηση εργασίας",
        "due_on": "2023-03-15",
        "created_on": "2023-03-01"
    });
    let event = Event::from_payload("ReferralCreated", 1, stored_v1);
    assert_eq!(event, Ok(created(REF1)));
    let Ok(Event::Case(CaseEvent::ReferralCreated { priority, .. })) = event else {
        panic!("decoded to another event");
    };
    assert_eq!(priority, ReferralPriority::Routine);
    // New events are written as version 3, with the field (and the reason sealed).
    assert_eq!(created(REF1).schema_version(), 3);
    assert_eq!(created(REF1).to_payload()["priority"], json!("routine"));
}

#[test]
fn a_stored_version_1_centre_registered_reads_with_no_registration_date() {
    let stored_v1 = json!({
        "centre_id": "00000000-0000-0000-0000-000000000001",
        "name": "Κέντρο Κοινότητας Αποκορώνου",
        "host_municipality": "Αποκορώνου",
        "supervising_service": "Κοινωνική Υπηρεσία Δήμου Αποκορώνου",
        "first_administrator": "00000000-0000-0000-0000-00000000000a"
    });
    let Ok(Event::Centre(CentreEvent::CentreRegistered { registered_on, .. })) =
        Event::from_payload_text("CentreRegistered", 1, &stored_v1.to_string())
    else {
        panic!("a version-1 registration must decode");
    };
    assert_eq!(registered_on, None);
    assert_eq!(centre_registered().schema_version(), 2);
    assert_eq!(centre_registered().to_payload()["registered_on"], json!("2023-01-02"));
}

#[test]
fn a_stored_version_1_registration_reads_with_the_esf_attributes_never_asked() {
    let stored_v1 = json!({
        "beneficiary_id": "00000000-0000-0000-0000-000000000021",
        "identity_digest": "a".repeat(64),
        "attributes": {
            "gender": {"given": "female"},
            "year_of_birth": {"given": 1980},
            "municipality_of_residence": "Σφακίων",
            "vulnerable_groups": {"roma_or_minority": "no", "migrant": "yes", "disability": "no", "homeless": "no"},
            "labour_status": "declined_to_answer",
            "education": {"given": "isced3_to4"}
        },
        "centre_id": "00000000-0000-0000-0000-000000000001",
        "registered_on": "2023-02-01"
    });
    let decoded = Event::from_payload_text("BeneficiaryRegistered", 1, &stored_v1.to_string());
    let Ok(Event::Beneficiary(BeneficiaryEvent::BeneficiaryRegistered { attributes, .. })) = decoded else {
        panic!("a version-1 registration must decode: {decoded:?}");
    };
    assert_eq!(attributes.vulnerable_groups.third_country_national, None);
    assert_eq!(attributes.vulnerable_groups.foreign_background, None);
    assert_eq!(attributes.area_of_residence, None);
    assert_eq!(attributes.vulnerable_groups.migrant, parapompi_core::vocab::Flag::Yes);
    // Version 2 writes them, and an engine that reads only version 1 refuses version 2.
    assert_eq!(beneficiary_registered().schema_version(), 2);
    let payload = beneficiary_registered().to_payload();
    assert_eq!(payload["attributes"]["area_of_residence"], json!({"given": "rural_areas"}));
    assert_eq!(payload["attributes"]["vulnerable_groups"]["third_country_national"], json!("no"));
}

#[test]
fn a_municipality_recorded_as_free_text_reads_as_its_entry_or_stays_unlisted() {
    let served = |text: &str| json!({ "municipality": text }).to_string();
    let read = |text: &str| match Event::from_payload_text("ServedMunicipalityAdded", 1, &served(text)) {
        Ok(Event::Centre(CentreEvent::ServedMunicipalityAdded { municipality })) => municipality,
        other => panic!("{text}: {other:?}"),
    };
    // Spellings typed before the list, read as the list's entry: one municipality, one name.
    for spelling in ["Sfakia", "ΣΦΑΚΙΩΝ", "Δήμος Σφακίων", "σφακιων", "Σφακιά"] {
        let municipality = read(spelling);
        assert!(municipality.is_listed(), "{spelling}");
        assert_eq!(municipality, town("Σφακίων"), "{spelling}");
        assert_eq!(municipality.entry().map(|m| m.code), Some("7407"));
    }
    // A text that names no entry is kept as it was written: the log stays readable, and
    // the value shows what was recorded.
    let unlisted = read("Κάπου στα Σφακιά");
    assert!(!unlisted.is_listed());
    assert_eq!(unlisted.as_str(), "Κάπου στα Σφακιά");
    let event = Event::Centre(CentreEvent::ServedMunicipalityAdded { municipality: unlisted });
    assert_eq!(event.to_payload(), json!({ "municipality": "Κάπου στα Σφακιά" }), "written back as it was read");
    // The value path and the text path agree.
    let by_value = Event::from_payload("ServedMunicipalityAdded", 1, json!({ "municipality": "Sfakia" }));
    assert!(
        matches!(by_value, Ok(Event::Centre(CentreEvent::ServedMunicipalityAdded { municipality })) if municipality == town("Σφακίων"))
    );
}

#[test]
fn payload_text_decodes_as_the_value_does_old_versions_and_errors_included() {
    let stored_v1 = r#"{"referral_id":"00000000-0000-0000-0000-000000000032","agency_id":"00000000-0000-0000-0000-000000000014","agency_kind":"public_service","need":"employment","reason":"Αναζήτηση εργασίας","due_on":"2023-03-15","created_on":"2023-03-01"}"#;
    assert_eq!(Event::from_payload_text("ReferralCreated", 1, stored_v1), Ok(created(REF1)));
    let current = case_opened().to_payload().to_string();
    assert_eq!(Event::from_payload_text("CaseOpened", 1, &current), Ok(case_opened()));
    assert!(matches!(Event::from_payload_text("ReferralTeleported", 1, "{}"), Err(DecodeError::UnknownType { .. })));
    assert!(matches!(
        Event::from_payload_text("CaseOpened", 3, &current),
        Err(DecodeError::UnsupportedVersion { current: 2, .. })
    ));
    // From version 2 on a text is sealed: one written out is refused, by both readers.
    let Err(DecodeError::BadPayload { message, .. }) = Event::from_payload_text("CaseOpened", 2, &current) else {
        panic!("a version-2 event holding its text must not decode");
    };
    assert!(message.contains("vault"), "{message}");
    assert!(matches!(
        Event::from_payload("CaseOpened", 2, case_opened().to_payload()),
        Err(DecodeError::BadPayload { .. })
    ));
    let stored = sealed(&case_opened());
    assert_eq!(Event::from_payload_text("CaseOpened", 2, &stored.to_payload().to_string()), Ok(stored));
    assert!(matches!(Event::from_payload_text("CaseOpened", 1, "{not json"), Err(DecodeError::BadPayload { .. })));
    assert!(matches!(Event::from_payload_text("ReferralCreated", 1, "[1]"), Err(DecodeError::BadPayload { .. })));
}

#[test]
fn decode_errors_name_the_problem() {
    assert!(matches!(Event::from_payload("ReferralTeleported", 1, json!({})), Err(DecodeError::UnknownType { .. })));
    for version in [0, 4] {
        assert!(matches!(
            Event::from_payload("ReferralCreated", version, created(REF1).to_payload()),
            Err(DecodeError::UnsupportedVersion { current: 3, .. })
        ));
    }
    assert!(matches!(
        Event::from_payload("CaseOpened", 3, case_opened().to_payload()),
        Err(DecodeError::UnsupportedVersion { current: 2, .. })
    ));
    // A missing field, a value the validated types refuse, and a non-object payload.
    let mut payload = case_opened().to_payload();
    payload["intake_date"] = json!("2023-02-30");
    let Err(DecodeError::BadPayload { message, .. }) = Event::from_payload("CaseOpened", 1, payload) else {
        panic!("an impossible date must not decode");
    };
    assert!(message.contains("day 30"), "{message}");
    let mut payload = sealed(&case_opened()).to_payload();
    payload["request"] = json!({"text_id": "00000000-0000-0000-0000-000000000001", "digest": "beef"});
    assert!(matches!(Event::from_payload("CaseOpened", 2, payload), Err(DecodeError::BadPayload { .. })));
    assert!(matches!(
        Event::from_payload("ReferralSent", 1, json!({"referral_id": "00000000-0000-0000-0000-000000000032"})),
        Err(DecodeError::BadPayload { .. })
    ));
    assert!(matches!(Event::from_payload("ReferralCreated", 1, json!([1, 2])), Err(DecodeError::BadPayload { .. })));
}

#[test]
fn type_names_are_unique_and_versioned() {
    let names = all_event_types();
    let unique: BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len());
    assert_eq!(names.len(), 52);
    for name in names {
        assert!(matches!(current_schema_version(name), Some(1..=3)), "{name}");
    }
    assert_eq!(current_schema_version("Nope"), None);
}

#[test]
fn payloads_hold_no_type_tag_and_no_identity() {
    let payload = beneficiary_registered().to_payload();
    assert!(payload.get("BeneficiaryRegistered").is_none());
    assert_eq!(payload["beneficiary_id"], json!("00000000-0000-0000-0000-00000000001e"));
    let text = payload.to_string();
    for secret in ["Μαρία", "Παπαδάκη", valid_amka().as_str()] {
        assert!(!text.contains(secret), "identity leaked: {secret}");
    }
}

#[test]
fn the_identity_digest_follows_the_documented_canonical_form() {
    // Known answer computed independently (Python hashlib) from the canonical form in
    // `identity.rs`: tag, salt, given, family, AMKA, 0 phones, 0 emails, no address.
    let expected = "705bee311ee1542a5aba12d74e9f0b88a24a1a93a9e0303e4cc715dc45200edb";
    let digest = identity().digest(&salt());
    assert_eq!(digest.as_str(), expected);
    assert!(digest.matches(&identity(), &salt()));
    let other_salt = ok(parapompi_core::identity::IdentitySalt::new(vec![8; 16]));
    assert!(!digest.matches(&identity(), &other_salt));
    assert!(parapompi_core::identity::IdentitySalt::new(vec![1; 8]).is_err());
    assert!(identity().canonical_bytes(&salt()).starts_with(b"parapompi/identity/v1\0"));
}
