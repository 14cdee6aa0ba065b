//! Credentials of staff members: one-time enrolment codes, passwords, session tokens and API
//! tokens. Only their existence, kind, expiry and revocation are domain facts, recorded in
//! the staff member's stream; the secrets themselves (and their hashes) never enter core or
//! the log: the Engine's credential store keeps them, keyed by [`CredentialId`].
//!
//! The rules (who may issue or revoke which credential, how long each may live, which
//! credential lets whom act) are here and in [`crate::staff`], like every rule.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::context::{Context, StaffFacts};
use crate::rejection::Rejection;
use crate::staff::StaffState;
use crate::values::{StaffId, Timestamp, ValidationError};

/// A credential of a staff member. Chosen by the caller (core never generates ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CredentialId(Uuid);

impl CredentialId {
    /// Wraps a UUID chosen by the caller.
    pub fn new(uuid: Uuid) -> Self {
        Self(uuid)
    }
    /// The wrapped UUID.
    pub fn uuid(&self) -> Uuid {
        self.0
    }
    /// Parses the hyphenated text form.
    pub fn parse(text: &str) -> Result<Self, ValidationError> {
        Uuid::parse_str(text.trim())
            .map(Self)
            .map_err(|_| ValidationError::Malformed { what: "a credential id", detail: "not a UUID" })
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// serde writes the bare UUID (`transparent`).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for CredentialId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CredentialId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::values::uuid_schema("a credential id")
    }
}

/// What a credential is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CredentialKind {
    /// A one-time code with which the staff member sets a password.
    Enrolment,
    /// The staff member's password (one at a time).
    Password,
    /// A session token, given by logging in.
    Session,
    /// A token for an embedding application, acting as the staff member it belongs to.
    ApiToken,
}

impl CredentialKind {
    /// The stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Enrolment => "enrolment",
            Self::Password => "password",
            Self::Session => "session",
            Self::ApiToken => "api_token",
        }
    }

    /// The longest a credential of this kind may live, in milliseconds (`None`: no expiry).
    pub fn max_lifetime_ms(&self) -> Option<i64> {
        const HOUR_MS: i64 = 3_600_000;
        match self {
            Self::Enrolment => Some(7 * 24 * HOUR_MS),
            Self::Password => None,
            Self::Session => Some(24 * HOUR_MS),
            Self::ApiToken => Some(366 * 24 * HOUR_MS),
        }
    }

    /// True for the kinds that authenticate a request (tokens).
    pub fn is_token(&self) -> bool {
        matches!(self, Self::Session | Self::ApiToken)
    }
}

impl fmt::Display for CredentialKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a credential stopped being valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// Its holder logged out.
    Logout,
    /// An administrator or supervisor revoked it (or its holder, other than by logging out).
    Revoked,
    /// A new password was set: every earlier password and token goes.
    PasswordChanged,
    /// The enrolment code was used to set a password.
    EnrolmentUsed,
    /// The staff member was deactivated.
    StaffDeactivated,
}

impl RevocationReason {
    /// The stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::Revoked => "revoked",
            Self::PasswordChanged => "password_changed",
            Self::EnrolmentUsed => "enrolment_used",
            Self::StaffDeactivated => "staff_deactivated",
        }
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a login failed, as the log records it (never the password tried).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoginFailure {
    /// The password did not match.
    WrongPassword,
    /// The staff member has no password set.
    NoPassword,
    /// The staff member is deactivated.
    StaffDeactivated,
}

impl LoginFailure {
    /// Every value, in declaration order.
    pub const ALL: &'static [LoginFailure] = &[Self::WrongPassword, Self::NoPassword, Self::StaffDeactivated];
    /// The stable snake_case name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::WrongPassword => "wrong_password",
            Self::NoPassword => "no_password",
            Self::StaffDeactivated => "staff_deactivated",
        }
    }
}

impl fmt::Display for LoginFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential that was issued and not revoked (it may still have expired).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveCredential {
    /// Its kind.
    pub kind: CredentialKind,
    /// When it stops being valid (`None`: a password, valid until replaced).
    pub expires_at: Option<Timestamp>,
}

impl LiveCredential {
    /// True when it has not expired at `now`.
    pub fn valid_at(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| now < at)
    }
}

/// The most credentials a staff member may hold unexpired at once.
pub const MAX_LIVE_CREDENTIALS: usize = 256;

/// Who a credential lets act: the staff member it belongs to, when it is live (issued, not
/// revoked), of one of `kinds`, not expired at `now`, and its holder is active. This is the
/// rule every authenticated request passes; the caller has checked the secret.
pub fn authenticate(
    state: &StaffState,
    staff_id: StaffId,
    credential_id: CredentialId,
    kinds: &[CredentialKind],
    now: Timestamp,
) -> Result<StaffFacts, Rejection> {
    let Some(staff) = state else {
        return Err(Rejection::NotFound { stream_id: staff_id.stream_id() });
    };
    let live = staff
        .credentials
        .get(&credential_id)
        .ok_or(Rejection::CredentialNotValid { credential_id, why: "it was revoked or never issued" })?;
    if !kinds.contains(&live.kind) {
        return Err(Rejection::CredentialNotValid { credential_id, why: "it is not a credential of this use" });
    }
    if !live.valid_at(now) {
        return Err(Rejection::CredentialNotValid { credential_id, why: "it has expired" });
    }
    if !staff.active {
        return Err(Rejection::ActorDeactivated { staff_id: staff.staff_id });
    }
    StaffFacts::from_state(state).ok_or(Rejection::NotFound { stream_id: staff_id.stream_id() })
}

/// Checks that a credential of `kind` issued at `ctx.occurred_at` to expire at `expires_at`
/// lives no longer than its kind allows, and ends after it begins.
pub(crate) fn check_lifetime(ctx: &Context, kind: CredentialKind, expires_at: Timestamp) -> Result<(), Rejection> {
    let from = ctx.occurred_at.unix_ms();
    let lifetime_ms = expires_at.unix_ms().saturating_sub(from);
    let max_ms = kind.max_lifetime_ms().unwrap_or(i64::MAX);
    if lifetime_ms <= 0 || lifetime_ms > max_ms {
        return Err(Rejection::CredentialLifetime { kind, expires_at, max_s: max_ms / 1000 });
    }
    Ok(())
}
