//! The identity vault: beneficiaries' identity records, kept beside the log in a tree of
//! their own and never in it. The log holds only each record's salted digest, so erasing a
//! vault entry (GDPR Art. 17) leaves the chain, the case history and the indicators intact.

use parapompi_core::identity::{IdentityRecord, IdentitySalt};
use parapompi_core::values::BeneficiaryId;
use serde::{Deserialize, Serialize};

use crate::error::EngineError;

/// The name of the vault's sled tree.
pub(crate) const VAULT_TREE: &str = "identity-vault";

/// One vault entry: the record and the salt its digest was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    /// The identity.
    pub identity: IdentityRecord,
    /// The salt of the digest the log holds.
    pub salt: IdentitySalt,
}

/// The vault, over its own sled tree.
#[derive(Clone)]
pub(crate) struct IdentityVault {
    tree: sled::Tree,
}

impl IdentityVault {
    pub(crate) fn new(tree: sled::Tree) -> IdentityVault {
        IdentityVault { tree }
    }

    /// Stores an entry; a new identity given after an erasure lifts the erasure's marker.
    pub(crate) fn put(&self, beneficiary_id: BeneficiaryId, entry: &VaultEntry) -> Result<(), EngineError> {
        let bytes = serde_json::to_vec(entry).map_err(|e| EngineError::Vault(e.to_string()))?;
        self.tree.insert(beneficiary_id.uuid().as_bytes(), bytes).map_err(|e| EngineError::Vault(e.to_string()))?;
        self.tree.remove(erased_key(beneficiary_id)).map_err(|e| EngineError::Vault(e.to_string()))?;
        Ok(())
    }

    /// Removes an entry without marking it erased (undoing a write whose append failed).
    pub(crate) fn remove(&self, beneficiary_id: BeneficiaryId) -> Result<(), EngineError> {
        self.tree.remove(beneficiary_id.uuid().as_bytes()).map_err(|e| EngineError::Vault(e.to_string()))?;
        Ok(())
    }

    /// True when the identity was erased and no new one was given since.
    pub(crate) fn was_erased(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        self.tree.contains_key(erased_key(beneficiary_id)).map_err(|e| EngineError::Vault(e.to_string()))
    }

    pub(crate) fn get(&self, beneficiary_id: BeneficiaryId) -> Result<Option<VaultEntry>, EngineError> {
        let Some(bytes) =
            self.tree.get(beneficiary_id.uuid().as_bytes()).map_err(|e| EngineError::Vault(e.to_string()))?
        else {
            return Ok(None);
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| EngineError::Vault(format!("entry does not decode: {e}")))
    }

    /// Every entry held, with its beneficiary (erased ones are not held).
    pub(crate) fn entries(&self) -> Result<Vec<(BeneficiaryId, VaultEntry)>, EngineError> {
        let mut entries = Vec::new();
        for item in self.tree.iter() {
            let (key, bytes) = item.map_err(|e| EngineError::Vault(e.to_string()))?;
            // Erasure markers have longer keys than the 16 bytes of a beneficiary id.
            let Ok(id) = <[u8; 16]>::try_from(key.as_ref()) else { continue };
            let entry = serde_json::from_slice(&bytes)
                .map_err(|e| EngineError::Vault(format!("entry does not decode: {e}")))?;
            entries.push((BeneficiaryId::new(uuid::Uuid::from_bytes(id)), entry));
        }
        Ok(entries)
    }

    /// Removes the entry and marks it erased, so that a repeated command carrying the
    /// identity cannot put it back; true if there was an entry.
    pub(crate) fn erase(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        let removed =
            self.tree.remove(beneficiary_id.uuid().as_bytes()).map_err(|e| EngineError::Vault(e.to_string()))?;
        self.tree.insert(erased_key(beneficiary_id), &[]).map_err(|e| EngineError::Vault(e.to_string()))?;
        Ok(removed.is_some())
    }
}

/// The key of an erasure's marker: a prefix no 16-byte beneficiary key has, then the id.
fn erased_key(beneficiary_id: BeneficiaryId) -> Vec<u8> {
    let mut key = b"erased/".to_vec();
    key.extend_from_slice(beneficiary_id.uuid().as_bytes());
    key
}
