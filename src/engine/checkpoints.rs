//! The Engine's signed statements about its log: a checkpoint of the head, signed bundles,
//! and checkpoints written to a directory for an operator's schedule (`checkpoint --out`).

use std::io::Write;
use std::path::{Path, PathBuf};

use parapompi_store::Timestamp;

use crate::bundle::{centres_up_to, export_signed_bundle, Manifest};
use crate::checkpoint::{Checkpoint, SignedCheckpoint, VerifierKey};
use crate::deployment_key::write_private_file;
use crate::error::EngineError;
use crate::Engine;

impl Engine {
    /// The checkpoint of the log's head as it stands now, signed with the data directory's
    /// signing key, dated `at`.
    pub fn signed_checkpoint(&self, at: Timestamp) -> Result<SignedCheckpoint, EngineError> {
        let store = self.store();
        let head = store.head();
        let key = &self.inner.signing_key;
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
            .map_err(|e| EngineError::Key(format!("cannot write {}: {e}", path.display())))?;
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
        export_signed_bundle(self.store(), &self.inner.signing_key, out, from_position, created_at)
    }

    /// The public key that signs this log's checkpoints, to be recorded out of band.
    pub fn signing_verifier_key(&self) -> VerifierKey {
        self.inner.signing_key.verifier_key()
    }

    /// True when this open made the signing key (the directory had none).
    pub fn signing_key_made(&self) -> bool {
        self.inner.signing_key_made
    }
}
