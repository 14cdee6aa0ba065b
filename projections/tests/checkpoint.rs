//! Checkpoint bytes: every part of the state round-trips, and old, cut or damaged bytes are
//! refused with a `CheckpointError`, never a panic.
//!
//! The header layout and checksum are written out here independently of the crate, so a
//! change to the format shows up as a failing test rather than passing silently.

mod common;

use common::*;
use parapompi_core::beneficiary::BeneficiaryEvent;
use parapompi_core::vocab::{AgencyKind, Answer, CloseReason, Gender, IntakeChannel, NeedDomain, ServiceKind};
use parapompi_projections::{CheckpointError, Projections, CHECKPOINT_FORMAT_VERSION, DEFINITIONS_VERSION};
use proptest::prelude::*;

/// A log touching every part of the state: attribute histories and interned
/// municipalities, agencies, re-assignments, closes and reopens, assessments, services,
/// referrals in many statuses, a re-route, moved due dates, a referred-in intake, an open
/// case at the antenna and staff streams.
fn everything() -> Log {
    let mut log = Log::new();
    let on = "2023-03-01";
    log.agency(AGENCY, "ΔΥΠΑ Χανίων", AgencyKind::PublicService)
        .agency(OTHER_AGENCY, "Κοινωνικό Παντοπωλείο", AgencyKind::VolunteerOrganisation)
        .staff_member(ALICE, "Αλίκη")
        .register(1, "2023-01-02", person(Answer::Given(Gender::Female), Answer::Given(1980), "Σφακίων"))
        .register(2, "2023-01-03", person(Answer::DeclinedToAnswer, Answer::DeclinedToAnswer, "Χανίων"));
    let attributes = person(Answer::Given(Gender::Other), Answer::Given(1999), "Αποκορώνου");
    log.beneficiary(1, ALICE, "2023-02-01", BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes })
        .open(1, 1, CENTRE, true, on, IntakeChannel::ReferredIn { agency_id: agency(OTHER_AGENCY) })
        .assign(1, ALICE, on)
        .reassign(1, ALICE, BOB, "2023-03-02")
        .assess(1, on, &[NeedDomain::Housing, NeedDomain::Employment])
        .serve(1, "2023-03-03", ServiceKind::Counselling)
        .create(1, 1, AGENCY, AgencyKind::PublicService, NeedDomain::Employment, on, "2023-03-20")
        .send(1, 1, "2023-03-02")
        .decline(1, 1, "2023-03-04")
        .reroute(1, 1, 2, OTHER_AGENCY, NeedDomain::Housing, "2023-03-05", "2023-03-25")
        .move_due(1, 2, "2023-03-25", "2023-04-10", "2023-03-06")
        .open(2, 2, OTHER_CENTRE, false, on, IntakeChannel::WalkIn)
        .assign(2, SUPERVISOR, on)
        .create(2, 3, AGENCY, AgencyKind::PublicService, NeedDomain::Housing, on, "2023-03-15")
        .send(2, 3, on)
        .accept(2, 3, "2023-03-02")
        .start(2, 3, "2023-03-03")
        .fail(2, 3, "2023-03-09")
        .close(2, "2023-03-10", CloseReason::GoalsMet)
        .reopen(2, "2023-03-12");
    log
}

/// The checksum as documented: a multiply-rotate hash over 8-byte little-endian words, the
/// last one padded with zeros.
fn checksum(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0xcbf2_9ce4_8422_2325, |hash: u64, chunk| {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        (hash ^ u64::from_le_bytes(word)).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29)
    })
}

/// A current-version checkpoint around any body, with a correct length and checksum.
fn with_header(body: &[u8]) -> Vec<u8> {
    let mut bytes = b"PRJCKPT\0".to_vec();
    bytes.extend_from_slice(&CHECKPOINT_FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&DEFINITIONS_VERSION.to_le_bytes());
    bytes.extend_from_slice(&u64::try_from(body.len()).unwrap_or(u64::MAX).to_le_bytes());
    bytes.extend_from_slice(&checksum(body).to_le_bytes());
    bytes.extend_from_slice(body);
    bytes
}

#[test]
fn every_part_of_the_state_round_trips_and_equal_states_give_equal_bytes() {
    let log = everything();
    let p = log.projections();
    let bytes = p.to_checkpoint();
    assert_eq!(Projections::from_checkpoint(&bytes), Ok(p.clone()));
    assert_eq!(log.projections().to_checkpoint(), bytes);
    assert_eq!(with_header(&bytes[32..]), bytes, "the header is magic, versions, length and checksum");
    let empty = Projections::new();
    assert_eq!(Projections::from_checkpoint(&empty.to_checkpoint()), Ok(empty));
}

#[test]
fn a_version_1_json_checkpoint_is_refused_as_an_unsupported_version() {
    let p = everything().projections();
    let mut old = format!("parapompi-projections checkpoint 1 definitions {DEFINITIONS_VERSION}\n").into_bytes();
    // Version 1's body was the projections in JSON; what follows its header no longer matters.
    old.extend(ok(serde_json::to_vec(&serde_json::json!({"position": p.position(), "head_hash": p.head_hash()}))));
    assert_eq!(
        Projections::from_checkpoint(&old),
        Err(CheckpointError::UnsupportedVersion { found: 1, supported: CHECKPOINT_FORMAT_VERSION })
    );
    let message = Projections::from_checkpoint(&old).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(
        message,
        format!("checkpoint format version 1 is not supported (this code reads version {CHECKPOINT_FORMAT_VERSION})")
    );
    // A text header that does not parse is no checkpoint at all.
    assert_eq!(
        Projections::from_checkpoint(b"parapompi-projections checkpoint one definitions 1\n{}"),
        Err(CheckpointError::NotACheckpoint)
    );
}

#[test]
fn every_truncation_is_refused() {
    let bytes = everything().projections().to_checkpoint();
    for cut in 0..bytes.len() {
        let result = Projections::from_checkpoint(&bytes[..cut]);
        if cut < 8 {
            assert_eq!(result, Err(CheckpointError::NotACheckpoint), "cut at {cut}");
        } else {
            assert!(matches!(result, Err(CheckpointError::Corrupt { .. })), "cut at {cut}: {result:?}");
        }
    }
}

#[test]
fn every_changed_byte_is_refused() {
    let bytes = everything().projections().to_checkpoint();
    for at in 0..bytes.len() {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= mask;
            let result = Projections::from_checkpoint(&damaged);
            let expected = match at {
                0..8 => matches!(result, Err(CheckpointError::NotACheckpoint)),
                8..12 => matches!(
                    result,
                    Err(CheckpointError::UnsupportedVersion { supported: CHECKPOINT_FORMAT_VERSION, .. })
                ),
                12..16 => {
                    matches!(result, Err(CheckpointError::DefinitionsChanged { current: DEFINITIONS_VERSION, .. }))
                }
                _ => matches!(result, Err(CheckpointError::Corrupt { .. })),
            };
            assert!(expected, "byte {at} ^ {mask:#04x}: {result:?}");
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let result = Projections::from_checkpoint(&longer);
    assert!(matches!(result, Err(CheckpointError::Corrupt { .. })), "{result:?}");
}

#[test]
fn a_body_with_bytes_left_over_is_refused() {
    let mut body = everything().projections().to_checkpoint().split_off(32);
    body.push(0);
    let result = Projections::from_checkpoint(&with_header(&body));
    assert!(
        matches!(&result, Err(CheckpointError::Corrupt { message }) if message.contains("left over")),
        "{result:?}"
    );
}

/// One edit of a valid body.
#[derive(Clone, Debug)]
enum Edit {
    Set(proptest::sample::Index, u8),
    Cut(proptest::sample::Index),
    Insert(proptest::sample::Index, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<proptest::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Set(at, byte)),
        any::<proptest::sample::Index>().prop_map(Edit::Cut),
        (any::<proptest::sample::Index>(), any::<u8>()).prop_map(|(at, byte)| Edit::Insert(at, byte)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Damage that slips past the checksum (here: the header is recomputed over the damaged
    /// body) reaches the decoder, which must still answer, never panic; whatever it accepts
    /// writes and reads back the same.
    #[test]
    fn the_decoder_is_total_over_damaged_bodies(edits in proptest::collection::vec(edit(), 1..6)) {
        let mut body = everything().projections().to_checkpoint().split_off(32);
        for e in edits {
            match e {
                Edit::Set(at, byte) if !body.is_empty() => {
                    let at = at.index(body.len());
                    body[at] = byte;
                }
                Edit::Cut(at) => body.truncate(at.index(body.len() + 1)),
                Edit::Insert(at, byte) => {
                    let at = at.index(body.len() + 1);
                    body.insert(at, byte);
                }
                Edit::Set(..) => {}
            }
        }
        if let Ok(p) = Projections::from_checkpoint(&with_header(&body)) {
            prop_assert_eq!(Projections::from_checkpoint(&p.to_checkpoint()), Ok(p));
        }
    }

    #[test]
    fn the_decoder_is_total_over_random_bodies(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(p) = Projections::from_checkpoint(&with_header(&body)) {
            prop_assert_eq!(Projections::from_checkpoint(&p.to_checkpoint()), Ok(p));
        }
    }
}
