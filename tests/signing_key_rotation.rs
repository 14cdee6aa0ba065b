//! A rotation of the signing key: the new key signs only once the log records it, and a crash
//! between saving it and putting it in place is settled by the next open, by whether the log
//! recorded it.

mod common;

use common::*;
use parapompi::core::centre::{CentreAction, CentreCommand};
use parapompi::core::values::SigningKeyText;
use parapompi::core::Command;
use parapompi::store::Timestamp;

fn record(s: &Scenario, key: &str) -> Step {
    by(
        s.world.admin,
        Command::Centre(CentreCommand {
            centre_id: s.world.centre,
            action: CentreAction::RecordSigningKey { key: valid(SigningKeyText::new(key)) },
        }),
    )
}

#[test]
fn a_prepared_key_the_log_recorded_is_put_in_place_by_the_next_open_and_one_it_did_not_is_removed() {
    let mut s = Scenario::set_up();
    let next = s.directory().join("keys/signing.key.next");
    let first = s.engine().signing_verifier_key();

    // Saved, then the act is not recorded (a crash before it): the next open removes it.
    let unrecorded = valid(s.engine().prepare_signing_key_rotation());
    assert!(next.exists());
    s.restart();
    assert!(!next.exists(), "a key the log does not name is forgotten");
    assert_eq!(s.engine().signing_verifier_key(), first);

    // Saved and recorded, then a crash before the rename: the next open puts it in place.
    let prepared = valid(s.engine().prepare_signing_key_rotation());
    assert_ne!(prepared, unrecorded, "every rotation makes a new key");
    assert_eq!(prepared.name(), first.name(), "a rotation keeps the deployment's origin");
    let step = record(&s, &prepared.vkey());
    s.given(vec![step]);
    s.restart();
    assert!(!next.exists());
    assert_eq!(s.engine().signing_verifier_key(), prepared);
    let signed = valid(s.engine().signed_checkpoint(Timestamp::from_unix_ms(1_700_000_000_000)));
    assert!(signed.verify_by(std::slice::from_ref(&prepared)).is_ok() && signed.verify_by(&[first]).is_err());

    // Finished in the same run: signs with the new key at once.
    let third = valid(s.engine().prepare_signing_key_rotation());
    let step = record(&s, &third.vkey());
    s.given(vec![step]);
    valid(s.engine().finish_signing_key_rotation());
    assert_eq!(s.engine().signing_verifier_key(), third);
    assert!(!next.exists());
}
