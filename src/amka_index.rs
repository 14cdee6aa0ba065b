//! The keyed index that finds a centre's beneficiary by AMKA, beside the vault: its keys are
//! HMAC-SHA256 digests of (centre, AMKA) under the deployment key, its values
//! beneficiary ids. It never holds an AMKA, and it is derived from the vault: rebuilt from
//! it whenever its key is not the one it was built with.

use parapompi_core::values::{Amka, BeneficiaryId, CentreId};
use uuid::Uuid;

use crate::deployment_key::DeploymentKey;
use crate::error::EngineError;

/// The name of the index's sled tree.
pub(crate) const AMKA_INDEX_TREE: &str = "amka-index";
/// The key of the entry that says under which key the index was built (a digest of a fixed
/// text under that key), so that a new key rebuilds it. Shorter than every entry's key.
const BUILT_WITH: &[u8] = b"built-with";
/// The purpose of the key mark's digest.
const KEY_MARK: &str = "parapompi/amka-index/built-with";

/// The AMKA index.
pub(crate) struct AmkaIndex {
    tree: sled::Tree,
    key: DeploymentKey,
}

fn vault_error(error: sled::Error) -> EngineError {
    EngineError::Vault(format!("AMKA index: {error}"))
}

impl AmkaIndex {
    pub(crate) fn new(tree: sled::Tree, key: DeploymentKey) -> AmkaIndex {
        AmkaIndex { tree, key }
    }

    /// The deployment key the index is kept under.
    pub(crate) fn key(&self) -> &DeploymentKey {
        &self.key
    }

    fn entry_key(&self, centre_id: CentreId, amka: &Amka) -> [u8; 32] {
        self.key.digest("parapompi/amka-index/v1", &[centre_id.uuid().as_bytes(), amka.as_str().as_bytes()])
    }

    fn key_mark(&self) -> [u8; 32] {
        self.key.digest(KEY_MARK, &[])
    }

    /// True when the index was built under the key it holds now.
    pub(crate) fn is_current(&self) -> Result<bool, EngineError> {
        let mark = self.tree.get(BUILT_WITH).map_err(vault_error)?;
        Ok(mark.is_some_and(|mark| self.key.verify(KEY_MARK, &mark)))
    }

    /// Empties the index and fills it with `entries`, then marks it built under this key.
    pub(crate) fn rebuild(
        &self,
        entries: impl IntoIterator<Item = (CentreId, Amka, BeneficiaryId)>,
    ) -> Result<usize, EngineError> {
        self.tree.clear().map_err(vault_error)?;
        let mut n_entries = 0;
        for (centre_id, amka, beneficiary_id) in entries {
            self.put(centre_id, &amka, beneficiary_id)?;
            n_entries += 1;
        }
        self.tree.insert(BUILT_WITH, &self.key_mark()[..]).map_err(vault_error)?;
        Ok(n_entries)
    }

    /// The beneficiary of `centre_id` who holds `amka`, if any.
    pub(crate) fn holder(&self, centre_id: CentreId, amka: &Amka) -> Result<Option<BeneficiaryId>, EngineError> {
        let Some(value) = self.tree.get(self.entry_key(centre_id, amka)).map_err(vault_error)? else {
            return Ok(None);
        };
        let bytes: [u8; 16] = value
            .as_ref()
            .try_into()
            .map_err(|_| EngineError::Vault("AMKA index: an entry is not a beneficiary id".to_owned()))?;
        Ok(Some(BeneficiaryId::new(Uuid::from_bytes(bytes))))
    }

    pub(crate) fn put(
        &self,
        centre_id: CentreId,
        amka: &Amka,
        beneficiary_id: BeneficiaryId,
    ) -> Result<(), EngineError> {
        self.tree
            .insert(self.entry_key(centre_id, amka), &beneficiary_id.uuid().as_bytes()[..])
            .map_err(vault_error)?;
        Ok(())
    }

    /// Removes the entry of `amka` if it is `beneficiary_id`'s.
    pub(crate) fn remove(
        &self,
        centre_id: CentreId,
        amka: &Amka,
        beneficiary_id: BeneficiaryId,
    ) -> Result<(), EngineError> {
        if self.holder(centre_id, amka)? == Some(beneficiary_id) {
            self.tree.remove(self.entry_key(centre_id, amka)).map_err(vault_error)?;
        }
        Ok(())
    }
}
