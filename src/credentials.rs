//! Staff credentials: the secrets behind the credential events of core.
//!
//! The log records that a credential was issued (its id, kind, expiry) or revoked, and failed
//! logins; core decides who may do which (`parapompi_core::credential`,
//! `parapompi_core::staff`). The secrets never enter the log or a bundle: this store keeps,
//! per credential, only a hash of it, in its own sled tree beside the log (`credentials`):
//!
//! - enrolment codes, session tokens and API tokens are 32 random bytes, given to their
//!   holder once as text (`pp1_<staff>_<credential>_<secret>`, hex) and kept as SHA-256 of
//!   the secret (random secrets of 256 bits need no slow hash); they are compared in
//!   constant time;
//! - passwords are kept as Argon2id hashes (PHC strings), with a random salt each.
//!
//! A secret is written before the event that issues it and removed again if the event is
//! refused: a secret whose credential the log does not hold live lets no one in, because
//! every check asks the staff member's stream (folded by the Engine) whether the credential
//! is live, unexpired and its holder active. The append that records the issue is durable
//! and syncs the whole sled database, the secret's tree with it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use parapompi_core::credential::{authenticate, CredentialId, CredentialKind, LoginFailure};
use parapompi_core::staff::{StaffAction, StaffCommand, StaffEvent, StaffState};
use parapompi_core::values::{StaffId, Timestamp};
use parapompi_core::{Command, Event, Rejection, StaffFacts, State, StreamKind};
use parapompi_projections::Recorded;
use parapompi_store::StreamId;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;
use zeroize::{Zeroize, Zeroizing};

use crate::engine::{Acting, CommandMeta, Engine, Executed};
use crate::error::EngineError;

/// What a failed login by name says, whatever failed (see [`Credentials::login_by_name`]).
pub const NAME_LOGIN_FAILED: &str =
    "the name or the password is not right (staff members who share a name log in by their id)";

/// The sled tree of the credential store.
pub const CREDENTIALS_TREE: &str = "credentials";

/// The shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes (Argon2 hashes anything; the limit keeps a
/// request from making it hash megabytes).
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The version tag at the start of every secret's text.
const SECRET_TAG: &str = "pp1";

/// A secret handed to its holder once: an enrolment code or a token. Wiped from memory when
/// dropped; its `Debug` shows no secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a secret's text (as a client sends it).
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(Zeroizing::new(text.into()))
    }
    /// The text, to hand to its holder.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// A credential just issued, with its secret (given only this once).
#[derive(Debug)]
pub struct Issued {
    /// The credential.
    pub credential_id: CredentialId,
    /// Its holder.
    pub staff_id: StaffId,
    /// Its kind.
    pub kind: CredentialKind,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// The secret to give to the holder.
    pub secret: Secret,
    /// What the act recorded.
    pub executed: Executed,
}

/// Who a credential let act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    /// The staff member, as their stream stands now.
    pub staff: StaffFacts,
    /// The credential used.
    pub credential_id: CredentialId,
    /// Its kind.
    pub kind: CredentialKind,
}

/// Why a credential operation failed. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The secret given is not one this store issued, does not match, or its credential is
    /// not live (a rule of core says why).
    #[error("not authenticated: {0}")]
    Unauthenticated(String),
    /// A login failed; it was recorded in the staff member's stream when they exist.
    #[error("login failed: {0}")]
    LoginFailed(String),
    /// The password is too short or too long.
    #[error("password: {0}")]
    BadPassword(String),
    /// The Engine refused or failed (a rule's rejection is `EngineError::Rejected`).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The credential store could not be read or written.
    #[error("credential store: {0}")]
    Store(String),
}

/// How expensive a password hash is (Argon2id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordHashing {
    /// Memory, KiB.
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for PasswordHashing {
    /// OWASP's first recommended Argon2id setting: 19 MiB, 2 passes, 1 lane.
    fn default() -> Self {
        PasswordHashing { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 }
    }
}

/// What the store keeps of one credential.
#[derive(Serialize, Deserialize)]
struct Stored {
    /// The format version.
    v: u32,
    kind: CredentialKind,
    /// `sha256:<hex>` of a token's secret, or an Argon2id PHC string of a password.
    hash: String,
}

impl Drop for Stored {
    fn drop(&mut self) {
        self.hash.zeroize();
    }
}

/// The credential store of an Engine's data directory.
#[derive(Clone)]
pub struct Credentials {
    engine: Engine,
    tree: sled::Tree,
    hashing: PasswordHashing,
    folded: Arc<Mutex<FoldedStaff>>,
}

/// The staff streams last folded, each with the version it was folded at. Every request to
/// the server checks its token against the holder's stream, which grows with each login:
/// folding it again only when its version moved (any issue, revocation, role change or
/// deactivation appends to it) keeps a check to one index lookup, and gives the same state
/// as a fresh fold, which is what core's rule is asked about.
type FoldedStaff = BTreeMap<StaffId, (u64, StaffState)>;

/// The most staff streams kept folded; beyond, the table starts again empty.
const MAX_FOLDED_STAFF: usize = 4096;

fn store_error(e: impl fmt::Display) -> CredentialError {
    CredentialError::Store(e.to_string())
}

fn key(staff_id: StaffId, credential_id: CredentialId) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(staff_id.uuid().as_bytes());
    key[16..].copy_from_slice(credential_id.uuid().as_bytes());
    key
}

/// Removes from the credentials tree of `engine`'s store the hashes of the credentials that
/// `recorded` revokes (`CredentialRevoked`: a deactivation, a new password, a revocation or a
/// logout). The Engine calls it once an act is recorded, while the act still holds the acts'
/// gate, so a backup holds a revoked credential's hash only if it does not hold its
/// revocation. Only the credentials revoked are touched: a hash written for an act still
/// under way (an issue) stays.
pub(crate) fn forget_revoked_by(engine: &Engine, recorded: &[Recorded]) -> Result<(), EngineError> {
    let revoked: Vec<(StaffId, CredentialId)> = recorded
        .iter()
        .filter_map(|r| match &r.event {
            Event::Staff(StaffEvent::CredentialRevoked { credential_id, .. }) => {
                let staff = r.stream_id.strip_prefix("staff-").and_then(|u| Uuid::try_parse(u).ok())?;
                Some((StaffId::new(staff), *credential_id))
            }
            _ => None,
        })
        .collect();
    if revoked.is_empty() {
        return Ok(());
    }
    let tree = engine.store().auxiliary_tree(CREDENTIALS_TREE)?;
    for (staff_id, credential_id) in revoked {
        tree.remove(key(staff_id, credential_id)).map_err(|e| {
            EngineError::Interrupted(format!(
                "the act is recorded, but the hashes of the credentials it revoked could not be removed ({e}): \
                 send it again under the same command id to remove them"
            ))
        })?;
    }
    Ok(())
}

fn sha256_hex(secret: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(secret)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads `pp1_<staff>_<credential>_<secret>`.
fn parse_secret(text: &str) -> Option<(StaffId, CredentialId, &str)> {
    let mut parts = text.trim().split('_');
    let (tag, staff, credential, secret) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if tag != SECRET_TAG
        || parts.next().is_some()
        || secret.len() != 64
        || !secret.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    Some((StaffId::new(Uuid::try_parse(staff).ok()?), CredentialId::new(Uuid::try_parse(credential).ok()?), secret))
}

impl Credentials {
    /// The credential store of `engine`'s data directory, hashing passwords as `hashing` says.
    pub fn open(engine: &Engine, hashing: PasswordHashing) -> Result<Credentials, CredentialError> {
        let tree = engine.store().auxiliary_tree(CREDENTIALS_TREE).map_err(EngineError::from)?;
        Ok(Credentials { engine: engine.clone(), tree, hashing, folded: Arc::new(Mutex::new(BTreeMap::new())) })
    }

    fn argon2(&self) -> Result<Argon2<'static>, CredentialError> {
        let params = Params::new(self.hashing.memory_kib, self.hashing.iterations, self.hashing.parallelism, None)
            .map_err(|e| store_error(format!("Argon2 parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// The staff stream's fold when it was taken at the version the stream stands at now;
    /// `None` when it must be folded again.
    fn staff_state_if_folded(&self, staff_id: StaffId) -> Result<Option<StaffState>, CredentialError> {
        let stream = StreamId::new(staff_id.stream_id()).map_err(EngineError::from)?;
        let version = self.engine.store().stream_version(&stream).map_err(EngineError::from)?;
        let poisoned = || store_error("a panic poisoned the table of folded staff streams");
        let folded = self.folded.lock().map_err(|_| poisoned())?;
        Ok(folded.get(&staff_id).filter(|(folded_at, _)| *folded_at == version).map(|(_, state)| state.clone()))
    }

    fn staff_state(&self, staff_id: StaffId) -> Result<StaffState, CredentialError> {
        let stream = StreamId::new(staff_id.stream_id()).map_err(EngineError::from)?;
        let version = self.engine.store().stream_version(&stream).map_err(EngineError::from)?;
        let poisoned = || store_error("a panic poisoned the table of folded staff streams");
        if let Some((folded_at, state)) = self.folded.lock().map_err(|_| poisoned())?.get(&staff_id) {
            if *folded_at == version {
                return Ok(state.clone());
            }
        }
        let (state, folded_at) = match self.engine.stream_state(StreamKind::Staff, &stream)? {
            (State::Staff(state), version) => (state, version),
            (_, version) => (None, version),
        };
        let mut folded = self.folded.lock().map_err(|_| poisoned())?;
        if folded.len() >= MAX_FOLDED_STAFF && !folded.contains_key(&staff_id) {
            folded.clear();
        }
        folded.insert(staff_id, (folded_at, state.clone()));
        Ok(state)
    }

    fn put(&self, staff_id: StaffId, credential_id: CredentialId, stored: &Stored) -> Result<(), CredentialError> {
        let bytes = Zeroizing::new(serde_json::to_vec(stored).map_err(store_error)?);
        self.tree.insert(key(staff_id, credential_id), bytes.as_slice()).map_err(store_error)?;
        Ok(())
    }

    fn get(&self, staff_id: StaffId, credential_id: CredentialId) -> Result<Option<Stored>, CredentialError> {
        match self.tree.get(key(staff_id, credential_id)).map_err(store_error)? {
            None => Ok(None),
            Some(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(store_error),
        }
    }

    fn remove(&self, staff_id: StaffId, credential_id: CredentialId) -> Result<(), CredentialError> {
        self.tree.remove(key(staff_id, credential_id)).map_err(store_error)?;
        Ok(())
    }

    /// Removes the secrets of a staff member's credentials that are no longer live (revoked
    /// by a deactivation, a new password or a logout): what lets no one in is not kept. The
    /// Engine removes a revoked credential's hash with the act that revokes it; this sweeps
    /// what an engine before that left.
    pub fn forget_revoked(&self, staff_id: StaffId) -> Result<(), CredentialError> {
        let live = match self.staff_state(staff_id)? {
            Some(staff) => staff.credentials,
            None => Default::default(),
        };
        for entry in self.tree.scan_prefix(staff_id.uuid().as_bytes()) {
            let (key, _) = entry.map_err(store_error)?;
            let credential = key.get(16..32).and_then(|b| Uuid::from_slice(b).ok()).map(CredentialId::new);
            if credential.is_some_and(|id| !live.contains_key(&id)) {
                self.tree.remove(key).map_err(store_error)?;
            }
        }
        Ok(())
    }

    /// Issues an enrolment code, a session token or an API token to `staff_id`, valid for
    /// `lifetime_ms` from the act, as `meta.acting` (core decides who may). The secret is
    /// kept hashed; the caller hands it over once.
    pub fn issue(
        &self,
        staff_id: StaffId,
        kind: CredentialKind,
        lifetime_ms: i64,
        meta: CommandMeta,
    ) -> Result<Issued, CredentialError> {
        let credential_id = CredentialId::new(Uuid::new_v4());
        let mut secret_bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret_bytes.as_mut()).map_err(|e| store_error(format!("no random bytes: {e}")))?;
        let secret_hex = Zeroizing::new(hex(secret_bytes.as_ref()));
        let expires_at = Timestamp::from_unix_ms(meta.occurred_at.unix_ms().saturating_add(lifetime_ms));
        // The hash and its act inside one entry of the acts' gate: a backup holds both or
        // neither.
        let _act = self.engine.enter_act(meta.command_id)?;
        self.put(staff_id, credential_id, &Stored { v: 1, kind, hash: sha256_hex(secret_hex.as_bytes()) })?;
        crate::fault_points::reached("credential: hash written, act not recorded");
        let command = Command::Staff(StaffCommand {
            staff_id,
            action: StaffAction::IssueCredential { credential_id, kind, expires_at },
        });
        let executed = match self.engine.execute_in_flight(std::slice::from_ref(&command), meta) {
            Ok(executed) => executed,
            Err(e) => {
                self.remove(staff_id, credential_id)?;
                return Err(e.into());
            }
        };
        let text = format!(
            "{SECRET_TAG}_{}_{}_{}",
            staff_id.uuid().simple(),
            credential_id.uuid().simple(),
            secret_hex.as_str()
        );
        Ok(Issued { credential_id, staff_id, kind, expires_at: Some(expires_at), secret: Secret::new(text), executed })
    }

    /// Checks a secret's text against the store and its credential against the log: live,
    /// one of `kinds`, unexpired at `now`, its holder active.
    pub fn check(
        &self,
        text: &str,
        kinds: &[CredentialKind],
        now: Timestamp,
    ) -> Result<Authenticated, CredentialError> {
        self.check_with(text, kinds, now, |staff_id| self.staff_state(staff_id).map(Some))
            .and_then(|checked| checked.ok_or_else(|| store_error("a full check always answers")))
    }

    /// [`Credentials::check`] when it needs no fold: the holder's staff stream was folded at
    /// the version it stands at now, so the check is a hash, two reads of the store and the
    /// rule, and can run where blocking is not allowed. `None` when the stream would have
    /// to be folded again (it moved, or was never folded): then call [`Credentials::check`].
    /// The answer, when there is one, is the one `check` gives.
    pub fn check_if_folded(
        &self,
        text: &str,
        kinds: &[CredentialKind],
        now: Timestamp,
    ) -> Option<Result<Authenticated, CredentialError>> {
        self.check_with(text, kinds, now, |staff_id| self.staff_state_if_folded(staff_id)).transpose()
    }

    fn check_with(
        &self,
        text: &str,
        kinds: &[CredentialKind],
        now: Timestamp,
        staff_state: impl FnOnce(StaffId) -> Result<Option<StaffState>, CredentialError>,
    ) -> Result<Option<Authenticated>, CredentialError> {
        let unauthenticated = |why: &str| CredentialError::Unauthenticated(why.to_owned());
        let (staff_id, credential_id, secret) =
            parse_secret(text).ok_or_else(|| unauthenticated("the credential is not in the form pp1_…"))?;
        let stored = self.get(staff_id, credential_id)?.ok_or_else(|| unauthenticated("no such credential"))?;
        let expected = stored.hash.as_bytes();
        let given = sha256_hex(secret.as_bytes());
        // A password is never a bearer credential; which kinds a use accepts is core's rule.
        if !bool::from(expected.ct_eq(given.as_bytes())) || stored.kind == CredentialKind::Password {
            return Err(unauthenticated("the credential does not match"));
        }
        let Some(state) = staff_state(staff_id)? else {
            return Ok(None);
        };
        let staff = authenticate(&state, staff_id, credential_id, kinds, now)
            .map_err(|rejection| CredentialError::Unauthenticated(rejection.to_string()))?;
        Ok(Some(Authenticated { staff, credential_id, kind: stored.kind }))
    }

    /// Sets a password with an enrolment code: the member themselves act (the code names
    /// them); the code is used up and every earlier password and token revoked.
    pub fn set_password(
        &self,
        code: &str,
        password: &str,
        meta_of: impl FnOnce(Acting) -> CommandMeta,
    ) -> Result<Executed, CredentialError> {
        check_password(password)?;
        let (staff_id, enrolment_id, secret) = parse_secret(code).ok_or_else(|| {
            CredentialError::Unauthenticated("the enrolment code is not in the form pp1_…".to_owned())
        })?;
        // The code must match its hash; whether it is still live is core's rule, below.
        let stored = self
            .get(staff_id, enrolment_id)?
            .ok_or_else(|| CredentialError::Unauthenticated("no such enrolment code".to_owned()))?;
        if stored.kind != CredentialKind::Enrolment
            || !bool::from(stored.hash.as_bytes().ct_eq(sha256_hex(secret.as_bytes()).as_bytes()))
        {
            return Err(CredentialError::Unauthenticated("the enrolment code does not match".to_owned()));
        }
        let mut salt_bytes = Zeroizing::new([0u8; 16]);
        getrandom::fill(salt_bytes.as_mut()).map_err(|e| store_error(format!("no random bytes: {e}")))?;
        let salt = SaltString::encode_b64(salt_bytes.as_ref()).map_err(store_error)?;
        let hash = self.argon2()?.hash_password(password.as_bytes(), &salt).map_err(store_error)?.to_string();
        let credential_id = CredentialId::new(Uuid::new_v4());
        let meta = meta_of(Acting::Staff(staff_id));
        // As in `issue`: the hash, its act and the secrets it revokes, in one entry of the gate.
        let _act = self.engine.enter_act(meta.command_id)?;
        self.put(staff_id, credential_id, &Stored { v: 1, kind: CredentialKind::Password, hash })?;
        let command =
            Command::Staff(StaffCommand { staff_id, action: StaffAction::SetPassword { credential_id, enrolment_id } });
        match self.engine.execute_in_flight(std::slice::from_ref(&command), meta) {
            Ok(executed) => Ok(executed),
            Err(e) => {
                self.remove(staff_id, credential_id)?;
                Err(e.into())
            }
        }
    }

    /// Logs a staff member in with their password: a session token valid for `lifetime_ms`.
    /// A failure is recorded as `LoginFailed` in their stream (by the authenticator), when
    /// the staff member exists, and answered with [`CredentialError::LoginFailed`].
    pub fn login(
        &self,
        staff_id: StaffId,
        password: &str,
        lifetime_ms: i64,
        meta_of: impl Fn(Acting) -> CommandMeta,
    ) -> Result<Issued, CredentialError> {
        let state = self.staff_state(staff_id)?;
        let Some(staff) = state else {
            let salt = SaltString::encode_b64(&[0u8; 16]).map_err(store_error)?;
            let _ = self.argon2()?.hash_password(password.as_bytes(), &salt);
            return Err(CredentialError::LoginFailed("no such staff member".to_owned()));
        };
        let stored = match staff.password() {
            Some(credential_id) => self.get(staff_id, credential_id)?,
            None => None,
        };
        let failure = match &stored {
            None => {
                // Hash anyway, so that an account without a password answers as slowly as one
                // with: the time of an answer tells nothing.
                let salt = SaltString::encode_b64(&[0u8; 16]).map_err(store_error)?;
                let _ = self.argon2()?.hash_password(password.as_bytes(), &salt);
                Some(LoginFailure::NoPassword)
            }
            Some(stored) => {
                let matches = PasswordHash::new(&stored.hash)
                    .map(|hash| self.argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &hash).is_ok()))
                    .unwrap_or(false);
                if !matches {
                    Some(LoginFailure::WrongPassword)
                } else if !staff.active {
                    Some(LoginFailure::StaffDeactivated)
                } else {
                    None
                }
            }
        };
        if let Some(reason) = failure {
            let command = Command::Staff(StaffCommand { staff_id, action: StaffAction::RecordLoginFailed { reason } });
            self.engine.execute(&command, meta_of(Acting::Authenticator))?;
            return Err(CredentialError::LoginFailed(reason.as_str().replace('_', " ")));
        }
        self.issue(staff_id, CredentialKind::Session, lifetime_ms, meta_of(Acting::Staff(staff_id)))
    }

    /// The account a login by `name` counts against, and whether the name is one staff
    /// member's: the staff member whose whole name it is (compared as names are, by
    /// [`parapompi_core::folding::name_key`]), or, for a name that is nobody's or several
    /// people's, an id derived from the name, so that a failed login limits every name as it
    /// limits an account, and the limit tells nothing of who exists.
    pub fn name_account(&self, name: &str) -> Result<(StaffId, bool), CredentialError> {
        let key = parapompi_core::folding::name_key(name);
        let mut named = Vec::new();
        if !key.is_empty() {
            for stream in self.engine.store().stream_ids("staff-").map_err(EngineError::from)? {
                if let (State::Staff(Some(staff)), _) = self.engine.stream_state(StreamKind::Staff, &stream)? {
                    if parapompi_core::folding::name_key(staff.name.as_str()) == key {
                        named.push(staff.staff_id);
                    }
                }
            }
        }
        Ok(match named.as_slice() {
            [one] => (*one, true),
            _ => {
                let digest = Sha256::digest(format!("parapompi login name\n{key}").as_bytes());
                let mut bytes = [0_u8; 16];
                bytes.copy_from_slice(&digest[..16]);
                (StaffId::new(uuid::Builder::from_custom_bytes(bytes).into_uuid()), false)
            }
        })
    }

    /// Logs in by name ([`Credentials::name_account`]): as [`Credentials::login`] for the one
    /// staff member the name is; a name that is nobody's or several people's is checked
    /// against a hash all the same. Every failure is the one [`NAME_LOGIN_FAILED`], whatever
    /// failed, so that who is not logged in learns nothing of the directory from it.
    pub fn login_by_name(
        &self,
        name: &str,
        password: &str,
        lifetime_ms: i64,
        meta_of: impl Fn(Acting) -> CommandMeta,
    ) -> Result<Issued, CredentialError> {
        let failed = || CredentialError::LoginFailed(NAME_LOGIN_FAILED.to_owned());
        match self.name_account(name)? {
            (staff_id, true) => self.login(staff_id, password, lifetime_ms, meta_of).map_err(|error| match error {
                CredentialError::LoginFailed(_) => failed(),
                other => other,
            }),
            (_, false) => {
                let salt = SaltString::encode_b64(&[0u8; 16]).map_err(store_error)?;
                let _ = self.argon2()?.hash_password(password.as_bytes(), &salt);
                Err(failed())
            }
        }
    }

    /// Revokes a credential of `staff_id` as `meta.acting` (`logout` when the holder ends
    /// their session), then forgets its secret.
    pub fn revoke(
        &self,
        staff_id: StaffId,
        credential_id: CredentialId,
        logout: bool,
        meta: CommandMeta,
    ) -> Result<Executed, CredentialError> {
        let command =
            Command::Staff(StaffCommand { staff_id, action: StaffAction::RevokeCredential { credential_id, logout } });
        let _act = self.engine.enter_act(meta.command_id)?;
        // The Engine removes the revoked secret's hash with the act, inside its entry of the gate.
        Ok(self.engine.execute_in_flight(std::slice::from_ref(&command), meta)?)
    }
}

/// Checks a password's length: at least [`MIN_PASSWORD_CHARS`] characters, at most
/// [`MAX_PASSWORD_BYTES`] bytes.
pub fn check_password(password: &str) -> Result<(), CredentialError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(CredentialError::BadPassword(format!("at least {MIN_PASSWORD_CHARS} characters")));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(CredentialError::BadPassword(format!("at most {MAX_PASSWORD_BYTES} bytes")));
    }
    Ok(())
}

/// The rule a rejection broke, when a credential error is one.
pub fn rejection_of(error: &CredentialError) -> Option<&Rejection> {
    match error {
        CredentialError::Engine(EngineError::Rejected(rejection)) => Some(rejection),
        _ => None,
    }
}
