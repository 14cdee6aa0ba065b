//! The vault: beneficiaries' identity records and the free texts written about them, kept
//! beside the log in a tree of their own and never in it. The log holds only each record's
//! and each text's salted digest, so erasing a person (GDPR Art. 17) leaves the chain, the
//! case history and the indicators intact.
//!
//! Each entry is encrypted with its person's own key (`person_keys.rs`): sled only ever holds
//! ciphertext, and erasing a person destroys their key, so the copies of their entry that
//! sled keeps in old segments until it rewrites them, and those in any backup, can no
//! longer be read.

use std::sync::Arc;

use parapompi_core::identity::{IdentityRecord, IdentitySalt};
use parapompi_core::values::BeneficiaryId;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::EngineError;
use crate::person_keys::{self, PersonKeys};

/// The name of the vault's sled tree.
pub(crate) const VAULT_TREE: &str = "identity-vault";
/// The first byte of an encrypted entry (a plain entry, from before, starts with `{`).
const SEALED_V1: u8 = 1;
/// What an identity entry is, in its associated data.
const IDENTITY: &str = "identity";

/// One vault entry: the record and the salt its digest was computed with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    /// The identity.
    pub identity: IdentityRecord,
    /// The salt of the digest the log holds.
    pub salt: IdentitySalt,
}

/// A text as the vault keeps it: the salt of its digest, and its words.
pub(crate) type StoredText = (Zeroizing<Vec<u8>>, String);

/// The vault, over its own sled tree and the person keys.
#[derive(Clone)]
pub(crate) struct IdentityVault {
    tree: sled::Tree,
    keys: Arc<PersonKeys>,
}

fn vault_error(error: impl std::fmt::Display) -> EngineError {
    EngineError::Vault(error.to_string())
}

impl IdentityVault {
    pub(crate) fn new(tree: sled::Tree, keys: Arc<PersonKeys>) -> IdentityVault {
        IdentityVault { tree, keys }
    }

    /// Stores an entry, encrypted with the person's key (made first if they have none); a
    /// new identity given after an erasure lifts the erasure's marker.
    pub(crate) fn put(&self, beneficiary_id: BeneficiaryId, entry: &VaultEntry) -> Result<(), EngineError> {
        let key = self.keys.get_or_create(beneficiary_id)?;
        let plain = Zeroizing::new(serde_json::to_vec(entry).map_err(vault_error)?);
        let mut sealed = vec![SEALED_V1];
        sealed.extend_from_slice(&person_keys::seal(&key, beneficiary_id, IDENTITY, &plain)?);
        self.tree.insert(beneficiary_id.uuid().as_bytes(), sealed).map_err(vault_error)?;
        self.tree.remove(erased_key(beneficiary_id)).map_err(vault_error)?;
        Ok(())
    }

    /// Stores a free text about the person with the salt of its digest, encrypted with their
    /// key (made first if they have none), under the text's id.
    pub(crate) fn put_text(
        &self,
        beneficiary_id: BeneficiaryId,
        text_id: uuid::Uuid,
        salt: &[u8; TEXT_SALT_BYTES],
        text: &str,
    ) -> Result<(), EngineError> {
        // An erasure that raced the act (the act decided before it) leaves nothing to write
        // about: a new key must not be made for someone erased.
        if self.was_erased(beneficiary_id)? || self.is_erasing(beneficiary_id)? {
            return Err(EngineError::Vault(format!(
                "{} is erased (or being erased): nothing more is written about them",
                beneficiary_id.stream_id()
            )));
        }
        let key = self.keys.get_or_create(beneficiary_id)?;
        let mut plain = Zeroizing::new(Vec::with_capacity(TEXT_SALT_BYTES + text.len()));
        plain.extend_from_slice(salt);
        plain.extend_from_slice(text.as_bytes());
        let mut sealed = vec![SEALED_V1];
        sealed.extend_from_slice(&person_keys::seal(&key, beneficiary_id, &text_use(text_id), &plain)?);
        self.tree.insert(text_key(beneficiary_id, text_id), sealed).map_err(vault_error)?;
        Ok(())
    }

    /// A free text about the person and the salt of its digest; `None` when the vault has no
    /// such text, or the person was erased.
    pub(crate) fn get_text(
        &self,
        beneficiary_id: BeneficiaryId,
        text_id: uuid::Uuid,
    ) -> Result<Option<StoredText>, EngineError> {
        let Some(bytes) = self.tree.get(text_key(beneficiary_id, text_id)).map_err(vault_error)? else {
            return Ok(None);
        };
        let Some((&SEALED_V1, sealed)) = bytes.split_first() else {
            return Err(EngineError::Vault(format!("a text of {} is of an unknown form", beneficiary_id.stream_id())));
        };
        let Some(key) = self.keys.get(beneficiary_id)? else {
            if self.was_erased(beneficiary_id)? || self.is_erasing(beneficiary_id)? {
                return Ok(None);
            }
            return Err(EngineError::Key(crate::error::KeyError::PersonKeyMissing {
                beneficiary: beneficiary_id.stream_id(),
            }));
        };
        let plain = person_keys::open(&key, beneficiary_id, &text_use(text_id), sealed)?;
        if plain.len() < TEXT_SALT_BYTES {
            return Err(EngineError::Vault(format!("a text of {} is cut short", beneficiary_id.stream_id())));
        }
        let salt = Zeroizing::new(plain[..TEXT_SALT_BYTES].to_vec());
        let text = std::str::from_utf8(&plain[TEXT_SALT_BYTES..])
            .map_err(|_| EngineError::Vault(format!("a text of {} is not UTF-8", beneficiary_id.stream_id())))?;
        Ok(Some((salt, text.to_owned())))
    }

    /// Removes a text (undoing a write whose append failed).
    pub(crate) fn remove_text(&self, beneficiary_id: BeneficiaryId, text_id: uuid::Uuid) -> Result<(), EngineError> {
        self.tree.remove(text_key(beneficiary_id, text_id)).map_err(vault_error)?;
        Ok(())
    }

    /// The person keys the entries are sealed with.
    pub(crate) fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    pub(crate) fn person_keys(&self) -> &PersonKeys {
        &self.keys
    }

    /// Removes an entry without marking it erased (undoing a write whose append failed).
    pub(crate) fn remove(&self, beneficiary_id: BeneficiaryId) -> Result<(), EngineError> {
        self.tree.remove(beneficiary_id.uuid().as_bytes()).map_err(vault_error)?;
        Ok(())
    }

    /// True when the identity was erased and no new one was given since.
    pub(crate) fn was_erased(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        self.tree.contains_key(erased_key(beneficiary_id)).map_err(vault_error)
    }

    /// The person's entry; `None` when there is none, or when their key is gone.
    pub(crate) fn get(&self, beneficiary_id: BeneficiaryId) -> Result<Option<VaultEntry>, EngineError> {
        let Some(bytes) = self.tree.get(beneficiary_id.uuid().as_bytes()).map_err(vault_error)? else {
            return Ok(None);
        };
        self.decode(beneficiary_id, &bytes)
    }

    fn decode(&self, beneficiary_id: BeneficiaryId, bytes: &[u8]) -> Result<Option<VaultEntry>, EngineError> {
        let plain = match bytes.split_first() {
            Some((&SEALED_V1, sealed)) => match self.keys.get(beneficiary_id)? {
                Some(key) => person_keys::open(&key, beneficiary_id, IDENTITY, sealed)?,
                // An erasure destroyed the key (its entry goes right after).
                None if self.was_erased(beneficiary_id)? || self.is_erasing(beneficiary_id)? => return Ok(None),
                None => {
                    return Err(EngineError::Key(crate::error::KeyError::PersonKeyMissing {
                        beneficiary: beneficiary_id.stream_id(),
                    }))
                }
            },
            // An entry written before entries were encrypted (sealed when the Engine opens).
            Some((b'{', _)) => Zeroizing::new(bytes.to_vec()),
            _ => {
                return Err(EngineError::Vault(format!(
                    "the entry of {} is of an unknown form",
                    beneficiary_id.stream_id()
                )))
            }
        };
        serde_json::from_slice(&plain).map(Some).map_err(|e| EngineError::Vault(format!("entry does not decode: {e}")))
    }

    /// Every entry that can be read, with its beneficiary (erased ones cannot).
    pub(crate) fn entries(&self) -> Result<Vec<(BeneficiaryId, VaultEntry)>, EngineError> {
        let mut entries = Vec::new();
        for item in self.tree.iter() {
            let (key, bytes) = item.map_err(vault_error)?;
            // Erasure markers have longer keys than the 16 bytes of a beneficiary id.
            let Ok(id) = <[u8; 16]>::try_from(key.as_ref()) else { continue };
            let beneficiary_id = BeneficiaryId::new(uuid::Uuid::from_bytes(id));
            if let Some(entry) = self.decode(beneficiary_id, &bytes)? {
                entries.push((beneficiary_id, entry));
            }
        }
        Ok(entries)
    }

    /// Encrypts the entries written before entries were encrypted, once; gives how many.
    /// (Their plain bytes stay in sled's old segments until sled rewrites them.)
    pub(crate) fn seal_plain_entries(&self) -> Result<usize, EngineError> {
        if self.tree.contains_key(ALL_SEALED).map_err(vault_error)? {
            return Ok(0);
        }
        let mut plain = Vec::new();
        for item in self.tree.iter() {
            let (key, bytes) = item.map_err(vault_error)?;
            if let (Ok(id), Some(b'{')) = (<[u8; 16]>::try_from(key.as_ref()), bytes.first()) {
                plain.push(BeneficiaryId::new(uuid::Uuid::from_bytes(id)));
            }
        }
        for beneficiary_id in &plain {
            if let Some(entry) = self.get(*beneficiary_id)? {
                self.put(*beneficiary_id, &entry)?;
            }
        }
        self.tree.insert(ALL_SEALED, &[]).map_err(vault_error)?;
        Ok(plain.len())
    }

    /// Erases the person: destroys their key, removes the entry and marks it erased, so
    /// that a repeated command carrying the identity cannot put it back; true if there was
    /// an entry.
    pub(crate) fn erase(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        self.tree.insert(erased_key(beneficiary_id), &[]).map_err(vault_error)?;
        self.keys.remove(beneficiary_id)?;
        crate::fault_points::reached("erasure: key removed, vault entry not removed");
        let removed = self.tree.remove(beneficiary_id.uuid().as_bytes()).map_err(vault_error)?;
        // The texts go too (unreadable already, with the key gone).
        let mut prefix = TEXT_PREFIX.to_vec();
        prefix.extend_from_slice(beneficiary_id.uuid().as_bytes());
        for key in self.tree.scan_prefix(&prefix).keys() {
            self.tree.remove(key.map_err(vault_error)?).map_err(vault_error)?;
        }
        Ok(removed.is_some())
    }

    /// Marks an erasure in progress; true if it was not marked already.
    pub(crate) fn mark_erasing(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        Ok(self.tree.insert(erasing_key(beneficiary_id), &[]).map_err(vault_error)?.is_none())
    }

    /// Clears the mark of an erasure in progress.
    pub(crate) fn clear_erasing(&self, beneficiary_id: BeneficiaryId) -> Result<(), EngineError> {
        self.tree.remove(erasing_key(beneficiary_id)).map_err(vault_error)?;
        Ok(())
    }

    fn is_erasing(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        self.tree.contains_key(erasing_key(beneficiary_id)).map_err(vault_error)
    }

    /// True when the vault tree holds an entry (which only its person's key opens).
    pub(crate) fn holds_entries(tree: &sled::Tree) -> Result<bool, EngineError> {
        for key in tree.iter().keys() {
            let key = key.map_err(vault_error)?;
            if key.len() == 16 || key.starts_with(TEXT_PREFIX) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The erasures marked in progress.
    pub(crate) fn erasing(&self) -> Result<Vec<BeneficiaryId>, EngineError> {
        let mut ids = Vec::new();
        for item in self.tree.scan_prefix(ERASING_PREFIX) {
            let (key, _) = item.map_err(vault_error)?;
            let id = <[u8; 16]>::try_from(&key[ERASING_PREFIX.len()..])
                .map_err(|_| EngineError::Vault("an erasure's mark names no beneficiary".to_owned()))?;
            ids.push(BeneficiaryId::new(uuid::Uuid::from_bytes(id)));
        }
        Ok(ids)
    }
}

/// The key of an erasure's marker: a prefix no 16-byte beneficiary key has, then the id.
fn erased_key(beneficiary_id: BeneficiaryId) -> Vec<u8> {
    let mut key = ERASED_PREFIX.to_vec();
    key.extend_from_slice(beneficiary_id.uuid().as_bytes());
    key
}

/// The key of an erasure in progress: another prefix, then the id.
fn erasing_key(beneficiary_id: BeneficiaryId) -> Vec<u8> {
    let mut key = ERASING_PREFIX.to_vec();
    key.extend_from_slice(beneficiary_id.uuid().as_bytes());
    key
}

/// The key of a text: a prefix, the person's id, the text's id (so a person's texts are
/// found, and erased, together).
fn text_key(beneficiary_id: BeneficiaryId, text_id: uuid::Uuid) -> Vec<u8> {
    let mut key = TEXT_PREFIX.to_vec();
    key.extend_from_slice(beneficiary_id.uuid().as_bytes());
    key.extend_from_slice(text_id.as_bytes());
    key
}

/// A text's use in its associated data: bound to its id, so no text can stand in for another.
fn text_use(text_id: uuid::Uuid) -> String {
    format!("text/{text_id}")
}

/// The bytes of a text's salt, kept in front of the text in its vault entry.
pub(crate) const TEXT_SALT_BYTES: usize = 32;
const TEXT_PREFIX: &[u8] = b"text/";
const ERASED_PREFIX: &[u8] = b"erased/";
/// Marks a vault in which every entry is encrypted (a key no entry or marker has).
const ALL_SEALED: &[u8] = b"format/all-sealed-v1";
const ERASING_PREFIX: &[u8] = b"erasing/";
