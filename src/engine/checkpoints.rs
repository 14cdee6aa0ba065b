//! The Engine's signed statements about its log: a checkpoint of the head, signed bundles,
//! checkpoints written to a directory for an operator's schedule (`checkpoint --out`); and the
//! rotation of its signing key, which the log must record before the key signs anything.
//!
//! A rotation saves the new key as `keys/signing.key.next`, the caller records it (and
//! revokes the old one) in an act, and only then is it renamed over `signing.key`. A crash
//! leaves the old key in place, whole, and perhaps `signing.key.next`: the next open renames it
//! into place when a centre's stream records its key (the act got through), and removes it
//! otherwise.

use std::io::Write;
use std::path::{Path, PathBuf};

use parapompi_store::Timestamp;

use crate::bundle::{centres_up_to, export_signed_bundle, Manifest};
use crate::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
use crate::deployment_key::write_private_file;
use crate::error::{EngineError, KeyError, KeyFileAction};
use crate::signing_key::{next_signing_key_path, signing_key_path, SigningKey};
use crate::Engine;
use parapompi_core::{State, StreamKind};

impl Engine {
    /// The checkpoint of the log's head as it stands now, signed with the data directory's
    /// signing key, dated `at`.
    pub fn signed_checkpoint(&self, at: Timestamp) -> Result<SignedCheckpoint, EngineError> {
        let store = self.store();
        let head = store.head();
        let key = self.signing_key();
        let key = &*key;
        let centres = centres_up_to(store, head.position)?;
        let checkpoint = Checkpoint {
            origin: key.origin(),
            position: head.position,
            head_hash: head.hash,
            time_ms: at.unix_ms(),
            centres: centres.into_iter().map(|centre| centre.stream_id).collect(),
        };
        Ok(checkpoint.sign(key))
    }

    /// Writes [`Engine::signed_checkpoint`] into `dir` as `checkpoint-POSITION.txt`, whole and
    /// atomically; a checkpoint of the same position already there is replaced by the newer
    /// one (they state the same head). Returns the file.
    pub fn write_checkpoint(&self, dir: &Path, at: Timestamp) -> Result<(PathBuf, SignedCheckpoint), EngineError> {
        let signed = self.signed_checkpoint(at)?;
        let path = dir.join(format!("checkpoint-{:012}.txt", signed.checkpoint.position));
        write_private_file(&path, signed.note.as_bytes())
            .map_err(|e| KeyError::file(KeyFileAction::Write, &path, e))?;
        Ok((path, signed))
    }

    /// Writes a bundle of the records from `from_position` to the head, carrying the signed
    /// checkpoint of its last position (see [`crate::bundle::export_bundle`]).
    pub fn export_bundle(
        &self,
        out: &mut impl Write,
        from_position: u64,
        created_at: Timestamp,
    ) -> Result<Manifest, EngineError> {
        export_signed_bundle(self.store(), &self.signing_key(), out, from_position, created_at)
    }

    /// [`Engine::export_bundle`], reporting each record written to `report`.
    pub fn export_bundle_reporting(
        &self,
        out: &mut impl Write,
        from_position: u64,
        created_at: Timestamp,
        report: crate::progress::Report<'_>,
    ) -> Result<Manifest, EngineError> {
        let last = self.store().head().position;
        let key = self.signing_key();
        crate::bundle::export_bundle_through_reporting(
            self.store(),
            Some(&key),
            out,
            (from_position, last),
            created_at,
            report,
        )
    }

    /// The records from `from` to `to` as JSON Lines (the store's export), reporting each
    /// record written to `report`.
    pub fn export_jsonl_reporting(
        &self,
        out: &mut impl Write,
        from: u64,
        to: u64,
        report: crate::progress::Report<'_>,
    ) -> Result<parapompi_store::Exported, EngineError> {
        let last = to.min(self.store().head().position);
        let total = (last + 1).saturating_sub(from.max(1));
        let counter = crate::progress::Counter::new(report, crate::progress::Work::Exporting, Some(total));
        let mut counted = crate::progress::LinesReported { inner: out, counter };
        let exported = self.store().export_jsonl(&mut counted, from, to)?;
        counted.counter.finish();
        Ok(exported)
    }

    /// The public key that signs this log's checkpoints, to be recorded out of band.
    pub fn signing_verifier_key(&self) -> VerifierKey {
        self.signing_key().verifier_key()
    }

    /// True when this open made the signing key (the directory had none).
    pub fn signing_key_made(&self) -> bool {
        self.inner.signing_key_made
    }

    pub(crate) fn signing_key(&self) -> std::sync::RwLockReadGuard<'_, SigningKey> {
        // A panic while the key was held cannot have left it half changed: it is replaced whole.
        self.inner.signing_key.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key that signs a checkpoint of the head as it stands now: the key in use, or a
    /// rotation's prepared key once a centre recorded it (a rotation's act records the new
    /// key, and may revoke the old one, before the new key is put in place: between the two
    /// the head is the new key's to sign). Called with acts held off, so that the head does
    /// not move under the choice.
    pub(crate) fn signing_key_for_head(&self) -> Result<SigningKey, EngineError> {
        if let Some(dir) = self.store().path() {
            if let Some(next) = SigningKey::read(&next_signing_key_path(dir))? {
                if self.centre_recorded_key(&next.verifier_key().vkey())? {
                    return Ok(next);
                }
            }
        }
        Ok(self.signing_key().duplicate())
    }

    /// True when a centre's stream records the verifier key `vkey`.
    fn centre_recorded_key(&self, vkey: &str) -> Result<bool, EngineError> {
        for stream_id in self.store().stream_ids(&format!("{}-", StreamKind::Centre.prefix()))? {
            if let (State::Centre(Some(centre)), _) = self.stream_state(StreamKind::Centre, &stream_id)? {
                if centre.signing_keys.iter().any(|(key, _)| key.as_str() == vkey) {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }

    fn data_dir(&self) -> Result<&Path, EngineError> {
        self.store().path().ok_or(EngineError::Key(KeyError::TemporaryStore))
    }

    /// Prepares a rotation of the signing key: a new key for the same deployment, saved as
    /// `keys/signing.key.next`. Record it in the log (and revoke the old one), then call
    /// [`Engine::finish_signing_key_rotation`], or [`Engine::forget_signing_key_rotation`]
    /// when the act is refused.
    pub fn prepare_signing_key_rotation(&self) -> Result<VerifierKey, EngineError> {
        let next = self.signing_key().successor()?;
        next.save(&next_signing_key_path(self.data_dir()?))?;
        Ok(next.verifier_key())
    }

    /// Puts the prepared key in place (a rename over `signing.key`) and signs with it from now on.
    pub fn finish_signing_key_rotation(&self) -> Result<(), EngineError> {
        let dir = self.data_dir()?;
        let (next_path, path) = (next_signing_key_path(dir), signing_key_path(dir));
        let next = SigningKey::read(&next_path)?
            .ok_or_else(|| EngineError::Key(KeyError::NoRotationPrepared { path: next_path.clone() }))?;
        let cannot = |e: std::io::Error| KeyError::file(KeyFileAction::Rename, &next_path, e);
        std::fs::rename(&next_path, &path).map_err(cannot)?;
        if let Some(keys) = path.parent() {
            crate::deployment_key::sync_dir(keys).map_err(cannot)?;
        }
        *self.inner.signing_key.write().unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        Ok(())
    }

    /// Removes a prepared key the log did not record.
    pub fn forget_signing_key_rotation(&self) -> Result<(), EngineError> {
        let next_path = next_signing_key_path(self.data_dir()?);
        match std::fs::remove_file(&next_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                Err(KeyError::file(KeyFileAction::Remove, &next_path, e))
            }
            _ => Ok(()),
        }
    }

    /// At open: a prepared key a crash left is put in place when a centre recorded it, and
    /// removed otherwise.
    pub(crate) fn settle_signing_key_rotation(&self) -> Result<(), EngineError> {
        let Some(dir) = self.store().path() else { return Ok(()) };
        let Some(next) = SigningKey::read(&next_signing_key_path(dir))? else { return Ok(()) };
        if self.centre_recorded_key(&next.verifier_key().vkey())? {
            self.finish_signing_key_rotation()
        } else {
            self.forget_signing_key_rotation()
        }
    }
}
