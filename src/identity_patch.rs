//! Correcting some fields of a person's identity: the fields not given are kept from the
//! identity the vault holds, merged where the vault is, so that no identity leaves the
//! Engine for it (a client of the server never sees the identity it corrects).

use parapompi_core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
use parapompi_core::identity::IdentityRecord;
use parapompi_core::values::{Amka, BeneficiaryId, Email, PersonName, Phone, PostalAddress};
use parapompi_core::Command;

use crate::engine::{CommandMeta, Engine, Executed};
use crate::error::EngineError;

/// The fields of an identity to change; `None` keeps the one held. A list given replaces
/// the held list whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPatch {
    /// The given name.
    pub given_name: Option<PersonName>,
    /// The family name.
    pub family_name: Option<PersonName>,
    /// The AMKA.
    pub amka: Option<Amka>,
    /// The telephone numbers.
    pub phones: Option<Vec<Phone>>,
    /// The e-mail addresses.
    pub emails: Option<Vec<Email>>,
    /// The postal address.
    pub address: Option<PostalAddress>,
}

impl IdentityPatch {
    /// True when it changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == IdentityPatch::default()
    }

    /// The identity with this patch over `held`. Without a held identity the name and the
    /// AMKA must be given; the error names the first missing field.
    pub fn apply(&self, held: Option<&IdentityRecord>) -> Result<IdentityRecord, EngineError> {
        let missing = |field: &str| {
            EngineError::NotFound(format!("{field}: required (the vault holds no identity to keep it from)"))
        };
        let given_name = match (&self.given_name, held) {
            (Some(name), _) => name.clone(),
            (None, Some(held)) => held.given_name().clone(),
            (None, None) => return Err(missing("given name")),
        };
        let family_name = match (&self.family_name, held) {
            (Some(name), _) => name.clone(),
            (None, Some(held)) => held.family_name().clone(),
            (None, None) => return Err(missing("family name")),
        };
        let amka = match (&self.amka, held) {
            (Some(amka), _) => amka.clone(),
            (None, Some(held)) => held.amka().clone(),
            (None, None) => return Err(missing("AMKA")),
        };
        let phones = self.phones.clone().unwrap_or_else(|| held.map(|h| h.phones().to_vec()).unwrap_or_default());
        let emails = self.emails.clone().unwrap_or_else(|| held.map(|h| h.emails().to_vec()).unwrap_or_default());
        let address = self.address.clone().or_else(|| held.and_then(|h| h.address().cloned()));
        Ok(IdentityRecord::new(given_name, family_name, amka, phones, emails, address)?)
    }
}

impl Engine {
    /// Corrects the fields `patch` gives of a person's identity, keeping the others from the
    /// identity the vault holds: a `CorrectIdentity` act with the merged record, salted as
    /// [`Engine::identity_salt`] salts it (so a retry under the same command id is the same
    /// act). Core decides who may.
    pub fn correct_identity(
        &self,
        beneficiary_id: BeneficiaryId,
        patch: &IdentityPatch,
        meta: CommandMeta,
    ) -> Result<Executed, EngineError> {
        // The identity held is read and the correction appended under the lock every
        // identity write takes, so that two corrections of different fields cannot both
        // start from the same identity and the second undo the first.
        let _in_flight = self.enter_act(meta.command_id)?;
        let _serial = self.serial_acts()?;
        let held = self.identity(beneficiary_id)?;
        let identity = patch.apply(held.as_ref().map(|entry| &entry.identity))?;
        let salt = self.identity_salt(meta.command_id, beneficiary_id)?;
        let command = Command::Beneficiary(BeneficiaryCommand {
            beneficiary_id,
            action: BeneficiaryAction::CorrectIdentity { identity, salt },
        });
        self.execute_entered(std::slice::from_ref(&command), meta)
    }
}
