//! Free texts out of the log: an act's texts are sealed into the vault, tied to the person
//! they are about, before its events are encoded; reading them back checks each against the
//! digest its event holds.
//!
//! A text's id is derived from the command id and the text's place in the act, and its salt
//! from the person's identity salt (a secret of the vault), the command id and that place:
//! a retry of the same command writes the same events, and the same commands on the same
//! identities write the same log, byte for byte, while nobody without the vault can test
//! guessed words against a digest.

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use parapompi_core::text::{SealedText, Text, TextDigest};
use parapompi_core::values::BeneficiaryId;
use parapompi_core::{Command, Event};
use sha2::Sha256;
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::error::EngineError;
use crate::records::entity_id;
use crate::vault::{IdentityVault, TEXT_SALT_BYTES};

/// One text an act put into the vault, to take it out again if the act is not recorded.
pub(crate) struct WrittenText {
    pub(crate) beneficiary_id: BeneficiaryId,
    pub(crate) text_id: Uuid,
}

/// The salt of the `n`-th text of the act `command_id`: HMAC-SHA256 under the person's
/// identity salt.
fn text_salt(identity_salt: &[u8], command_id: Uuid, n: usize) -> Zeroizing<[u8; TEXT_SALT_BYTES]> {
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(identity_salt);
    // HMAC takes a key of any length.
    assert!(mac.is_ok(), "HMAC accepts keys of any length");
    let Ok(mut mac) = mac else { unreachable!() };
    mac.update(b"parapompi/text-salt/v1\0");
    mac.update(command_id.as_bytes());
    mac.update(&u64::try_from(n).unwrap_or(u64::MAX).to_be_bytes());
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// Seals every inline text of `events` (the act's events for the stream of `person`, in
/// order, texts numbered from `*n` on) into the vault and replaces it with its reference and
/// digest. `identity_salt` gives the person's identity salt: the one the act carries, else
/// the vault's.
pub(crate) fn seal_texts(
    vault: &IdentityVault,
    events: &mut [Event],
    person: Option<BeneficiaryId>,
    commands: &[Command],
    command_id: Uuid,
    n: &mut usize,
    written: &mut Vec<WrittenText>,
) -> Result<(), EngineError> {
    for event in events {
        let event_type = event.event_type();
        for (field, text) in event.texts_mut() {
            let Some(words) = text.as_inline() else { continue };
            let Some(beneficiary_id) = person else {
                return Err(EngineError::Vault(format!("the {field} of a {event_type} event is about nobody")));
            };
            let identity_salt = identity_salt_of(vault, beneficiary_id, commands)?;
            let salt = text_salt(&identity_salt, command_id, *n);
            let text_id = entity_id(command_id, &format!("text/{n}"));
            let digest = TextDigest::of(salt.as_ref(), words);
            vault.put_text(beneficiary_id, text_id, &salt, words)?;
            written.push(WrittenText { beneficiary_id, text_id });
            *text = Text::Sealed(SealedText { text_id, digest });
            *n += 1;
        }
    }
    Ok(())
}

/// The person's identity salt: from an identity the act itself registers or corrects, else
/// the vault's.
fn identity_salt_of(
    vault: &IdentityVault,
    beneficiary_id: BeneficiaryId,
    commands: &[Command],
) -> Result<Zeroizing<Vec<u8>>, EngineError> {
    use parapompi_core::beneficiary::BeneficiaryAction;
    let carried = commands.iter().rev().find_map(|command| match command {
        Command::Beneficiary(b) if b.beneficiary_id == beneficiary_id => match &b.action {
            BeneficiaryAction::Register { salt, .. } | BeneficiaryAction::CorrectIdentity { salt, .. } => {
                Some(Zeroizing::new(salt.as_bytes().to_vec()))
            }
            _ => None,
        },
        _ => None,
    });
    if let Some(salt) = carried {
        return Ok(salt);
    }
    match vault.get(beneficiary_id)? {
        Some(entry) => Ok(Zeroizing::new(entry.salt.as_bytes().to_vec())),
        None => Err(EngineError::Vault(format!(
            "the vault holds no identity of {} to tie a text to",
            beneficiary_id.stream_id()
        ))),
    }
}

/// Takes the texts of an act that was not recorded out of the vault again.
pub(crate) fn remove_texts(vault: &IdentityVault, written: &[WrittenText]) -> Result<(), EngineError> {
    for text in written.iter().rev() {
        vault.remove_text(text.beneficiary_id, text.text_id)?;
    }
    Ok(())
}

/// The words of the sealed texts among `texts`, by text id, read from the vault and checked
/// against their digests. A text the vault no longer holds (the person was erased) is left
/// out; one that does not match its digest is an error.
pub(crate) fn open_texts<'a>(
    vault: &IdentityVault,
    beneficiary_id: BeneficiaryId,
    texts: impl IntoIterator<Item = &'a Text>,
) -> Result<BTreeMap<Uuid, String>, EngineError> {
    let mut words = BTreeMap::new();
    for text in texts {
        let Some(sealed) = text.sealed() else { continue };
        let Some((salt, text)) = vault.get_text(beneficiary_id, sealed.text_id)? else { continue };
        if TextDigest::of(&salt, &text) != sealed.digest {
            return Err(EngineError::Vault(format!(
                "text {} of {} does not match the digest its event holds",
                sealed.text_id,
                beneficiary_id.stream_id()
            )));
        }
        words.insert(sealed.text_id, text);
    }
    Ok(words)
}
