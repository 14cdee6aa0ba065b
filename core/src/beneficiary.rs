//! Beneficiaries: a pseudonymous stream. Identity data comes in with the command, is hashed
//! with the caller's salt, and only the digest is recorded (see [`crate::identity`]).

use serde::{Deserialize, Serialize};

use crate::context::{BeneficiaryFacts, Context, FactsNeeded};
use crate::identity::{IdentityDigest, IdentityRecord, IdentitySalt};
use crate::limits;
use crate::policy::{self, CASEWORK, FRONT_LINE, SUPERVISION};
use crate::rejection::Rejection;
use crate::stream::{Aggregate, StreamKind};
use crate::text::Text;
use crate::values::{AgencyId, BeneficiaryId, CaseId, CentreId, Date, Reason, StaffId};
use crate::vocab::{Answer, Attributes, LegalBasis, SharingConsent, SharingPurpose};

/// A command to a beneficiary's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BeneficiaryCommand {
    /// The beneficiary (stream `beneficiary-<uuid>`).
    pub beneficiary_id: BeneficiaryId,
    /// What to do.
    pub action: BeneficiaryAction,
}

/// What can be asked of a beneficiary's stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryAction {
    /// Register a person. The Engine stores `identity` and `salt` in the vault; the event
    /// records only the digest.
    Register {
        /// Identity data (vault only).
        identity: IdentityRecord,
        /// The per-record salt (vault only).
        salt: IdentitySalt,
        /// The attributes indicators use.
        attributes: Attributes,
        /// The centre registering the person (the actor's own).
        centre_id: CentreId,
    },
    /// Correct the identity data: a new digest is recorded.
    CorrectIdentity {
        /// Identity data (vault only).
        identity: IdentityRecord,
        /// A fresh per-record salt (vault only).
        salt: IdentitySalt,
    },
    /// Replace the attributes.
    UpdateAttributes {
        /// The new attributes.
        attributes: Attributes,
    },
    /// Record the legal basis for processing.
    RecordLegalBasis {
        /// The basis.
        basis: LegalBasis,
    },
    /// Record a consent to share with an agency for a purpose.
    GrantConsent {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
        /// The date the person gave it (not after today).
        granted_on: Date,
    },
    /// Record the withdrawal of a consent in force.
    WithdrawConsent {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
        /// The date the person withdrew it (not after today, not before the grant).
        withdrawn_on: Date,
    },
    /// Erase the person's identity (GDPR Art. 17): a supervisor of the registering centre
    /// records it; the Engine then removes the vault entry. The history stays, pseudonymous.
    EraseIdentity,
    /// Record that the actor reads what the vault holds about the person. Reading personal
    /// data is an act like any other: the Engine records it before it shows anything.
    RecordAccess {
        /// What is read.
        access: Access,
        /// Why: required when a case's texts are read by anyone but its assignee.
        reason: Option<Reason>,
    },
}

/// What a read of personal data reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// The identity record (name, AMKA, contacts), by the staff of the person's centre who
    /// meet the public.
    Identity,
    /// The free texts of one of the person's cases (request, notes, reasons), by its
    /// caseworkers.
    CaseTexts {
        /// The case.
        case_id: CaseId,
    },
    /// Everything held about the person, for their own copy (GDPR Art. 15), by a
    /// supervisor.
    SubjectExport,
}

impl Access {
    /// The roles that may make this read (within the person's centre).
    pub fn allowed_roles(&self) -> &'static [crate::vocab::Role] {
        match self {
            Self::Identity => FRONT_LINE,
            Self::CaseTexts { .. } => CASEWORK,
            Self::SubjectExport => SUPERVISION,
        }
    }
}

/// The command name a search for people is refused under.
pub const FIND_BENEFICIARIES: &str = "FindBeneficiaries";

/// Who may look people up (by AMKA, name or phone): an active staff member who may read an
/// identity, among the people of their own centre, which is returned. A search shows each
/// person found only through a `RecordAccess` of their identity, decided by its own rules
/// and recorded before anything is shown; this rule is what a search that finds nobody
/// still answers to, so that nobody else learns whether a person is known.
pub fn search_scope(actor: &crate::context::Actor) -> Result<CentreId, Rejection> {
    Ok(policy::require_staff_actor(actor, FIND_BENEFICIARIES, None, Access::Identity.allowed_roles())?.centre_id)
}

impl BeneficiaryAction {
    /// The command's stable name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Register { .. } => "RegisterBeneficiary",
            Self::CorrectIdentity { .. } => "CorrectIdentity",
            Self::UpdateAttributes { .. } => "UpdateAttributes",
            Self::RecordLegalBasis { .. } => "RecordLegalBasis",
            Self::GrantConsent { .. } => "GrantConsent",
            Self::WithdrawConsent { .. } => "WithdrawConsent",
            Self::EraseIdentity => "EraseIdentity",
            Self::RecordAccess { .. } => "RecordAccess",
        }
    }
}

/// What happened to a beneficiary. No variant holds identity data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BeneficiaryEvent {
    /// "BeneficiaryRegistered", v2 (v1 had no ESF+ attributes; they read as never asked).
    BeneficiaryRegistered {
        /// The beneficiary.
        beneficiary_id: BeneficiaryId,
        /// The salted digest of the identity record.
        identity_digest: IdentityDigest,
        /// The attributes.
        attributes: Attributes,
        /// The registering centre.
        centre_id: CentreId,
        /// Business date.
        registered_on: Date,
    },
    /// "IdentityDigestChanged", v1.
    IdentityDigestChanged {
        /// The new digest.
        identity_digest: IdentityDigest,
    },
    /// "BeneficiaryAttributesUpdated", v2 (as `BeneficiaryRegistered`).
    BeneficiaryAttributesUpdated {
        /// The new attributes.
        attributes: Attributes,
    },
    /// "LegalBasisRecorded", v1.
    LegalBasisRecorded {
        /// The basis.
        basis: LegalBasis,
        /// Business date.
        recorded_on: Date,
    },
    /// "SharingConsentGranted", v1.
    SharingConsentGranted {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
        /// The date given.
        granted_on: Date,
    },
    /// "SharingConsentWithdrawn", v1.
    SharingConsentWithdrawn {
        /// The agency.
        agency_id: AgencyId,
        /// The purpose.
        purpose: SharingPurpose,
        /// The date withdrawn.
        withdrawn_on: Date,
    },
    /// "IdentityErased", v1: the identity was erased from the vault (GDPR Art. 17).
    IdentityErased {
        /// The business date of the erasure.
        erased_on: Date,
    },
    /// "RecordsAccessed", v1: a staff member read what the vault holds about the person.
    RecordsAccessed {
        /// What was read.
        access: Access,
        /// Why, when a reason was given (sealed in the vault like every text).
        reason: Option<Text>,
        /// Who read it.
        accessed_by: StaffId,
        /// Business date.
        accessed_on: Date,
    },
}

impl BeneficiaryEvent {
    /// The stable type names of this stream's events.
    pub const TYPES: &'static [&'static str] = &[
        "BeneficiaryRegistered",
        "IdentityDigestChanged",
        "BeneficiaryAttributesUpdated",
        "LegalBasisRecorded",
        "SharingConsentGranted",
        "SharingConsentWithdrawn",
        "IdentityErased",
        "RecordsAccessed",
    ];
    /// The stable type name.
    pub fn event_type(&self) -> &'static str {
        match self {
            Self::BeneficiaryRegistered { .. } => "BeneficiaryRegistered",
            Self::IdentityDigestChanged { .. } => "IdentityDigestChanged",
            Self::BeneficiaryAttributesUpdated { .. } => "BeneficiaryAttributesUpdated",
            Self::LegalBasisRecorded { .. } => "LegalBasisRecorded",
            Self::SharingConsentGranted { .. } => "SharingConsentGranted",
            Self::SharingConsentWithdrawn { .. } => "SharingConsentWithdrawn",
            Self::IdentityErased { .. } => "IdentityErased",
            Self::RecordsAccessed { .. } => "RecordsAccessed",
        }
    }

    /// The event's free texts, each with its field's name.
    pub fn texts(&self) -> Vec<(&'static str, &Text)> {
        match self {
            Self::RecordsAccessed { reason: Some(reason), .. } => vec![("reason", reason)],
            _ => Vec::new(),
        }
    }

    /// The event's free texts, to seal them.
    pub fn texts_mut(&mut self) -> Vec<(&'static str, &mut Text)> {
        match self {
            Self::RecordsAccessed { reason: Some(reason), .. } => vec![("reason", reason)],
            _ => Vec::new(),
        }
    }

    /// The first schema version of each type whose texts are sealed, for the types that
    /// hold texts.
    pub fn texts_sealed_since(event_type: &str) -> Option<u32> {
        (event_type == "RecordsAccessed").then_some(1)
    }
}

/// A registered beneficiary (pseudonymous).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    /// The beneficiary.
    pub beneficiary_id: BeneficiaryId,
    /// The current identity digest.
    pub identity_digest: IdentityDigest,
    /// The current attributes.
    pub attributes: Attributes,
    /// The registering centre.
    pub centre_id: CentreId,
    /// The business date of registration.
    pub registered_on: Date,
    /// The latest legal basis recorded.
    pub legal_basis: Option<LegalBasis>,
    /// Every sharing consent, in the order granted.
    pub consents: Vec<SharingConsent>,
    /// True once the identity has been erased (until a corrected identity is recorded).
    pub identity_erased: bool,
}

/// The state of a beneficiary stream: `None` until registered.
pub type BeneficiaryState = Option<Beneficiary>;

impl BeneficiaryFacts {
    /// The facts of a registered beneficiary, `None` if not registered.
    pub fn from_state(state: &BeneficiaryState) -> Option<Self> {
        state.as_ref().map(|b| BeneficiaryFacts {
            beneficiary_id: b.beneficiary_id,
            centre_id: b.centre_id,
            registered_on: b.registered_on,
            identity_erased: b.identity_erased,
            consents: b.consents.clone(),
            attributes: b.attributes.clone(),
        })
    }
}

fn check_attributes(attributes: &Attributes, today: Date) -> Result<(), Rejection> {
    attributes.municipality_of_residence.require_listed()?;
    if let Answer::Given(year) = attributes.year_of_birth {
        let latest = today.year();
        let earliest = latest.saturating_sub(limits::MAX_AGE_YEARS);
        if !(earliest..=latest).contains(&year) {
            return Err(Rejection::YearOfBirthOutOfRange { year, today });
        }
    }
    Ok(())
}

/// Refuses an AMKA that another beneficiary of the centre already holds.
fn check_amka_free(ctx: &Context, centre_id: CentreId, beneficiary_id: BeneficiaryId) -> Result<(), Rejection> {
    match &ctx.facts.amka_holder {
        Some(fact) if fact.centre_id == centre_id => match fact.holder {
            Some(holder) if holder != beneficiary_id => {
                Err(Rejection::DuplicateAmka { centre_id, beneficiary_id: holder })
            }
            _ => Ok(()),
        },
        _ => Err(Rejection::MissingFact { fact: "AMKA holder", id: centre_id.stream_id() }),
    }
}

fn check_not_future(date: Date, today: Date) -> Result<(), Rejection> {
    if date > today {
        return Err(Rejection::DateInFuture { date, today });
    }
    Ok(())
}

/// The beneficiary stream's rules.
#[derive(Debug, Clone, Copy)]
pub struct BeneficiaryAggregate;

impl Aggregate for BeneficiaryAggregate {
    type State = BeneficiaryState;
    type Command = BeneficiaryCommand;
    type Event = BeneficiaryEvent;
    const KIND: StreamKind = StreamKind::Beneficiary;

    fn required_facts(state: &BeneficiaryState, command: &BeneficiaryCommand) -> FactsNeeded {
        match &command.action {
            BeneficiaryAction::Register { centre_id, .. } => {
                FactsNeeded { centre: Some(*centre_id), amka_holder_at: Some(*centre_id), ..FactsNeeded::default() }
            }
            BeneficiaryAction::CorrectIdentity { .. } => {
                FactsNeeded { amka_holder_at: state.as_ref().map(|b| b.centre_id), ..FactsNeeded::default() }
            }
            BeneficiaryAction::GrantConsent { agency_id, .. } => {
                FactsNeeded { agency: Some(*agency_id), ..FactsNeeded::default() }
            }
            BeneficiaryAction::RecordAccess { access: Access::CaseTexts { case_id }, .. } => {
                FactsNeeded { case: Some(*case_id), ..FactsNeeded::default() }
            }
            _ => FactsNeeded::default(),
        }
    }

    fn decide(
        state: &BeneficiaryState,
        command: &BeneficiaryCommand,
        ctx: &Context,
    ) -> Result<Vec<BeneficiaryEvent>, Rejection> {
        let name = command.action.name();
        let stream_id = command.beneficiary_id.stream_id();
        if let Some(b) = state {
            assert_eq!(b.beneficiary_id, command.beneficiary_id, "command for another stream");
        }
        // Staff act on the people their own centre registered, and on nobody else.
        let centre = match (&command.action, state) {
            (BeneficiaryAction::Register { centre_id, .. }, _) => Some(*centre_id),
            (_, Some(b)) => Some(b.centre_id),
            (_, None) => None,
        };
        let allowed = match &command.action {
            BeneficiaryAction::EraseIdentity => SUPERVISION,
            BeneficiaryAction::RecordAccess { access, .. } => access.allowed_roles(),
            _ => FRONT_LINE,
        };
        let actor = policy::require_staff(ctx, name, centre, allowed)?;
        let beneficiary = match (&command.action, state) {
            (BeneficiaryAction::Register { .. }, Some(_)) => return Err(Rejection::AlreadyExists { stream_id }),
            (BeneficiaryAction::Register { identity, salt, attributes, centre_id }, None) => {
                let registered_on = match &ctx.facts.centre {
                    Some(c) if c.centre_id == *centre_id => c.registered_on,
                    _ => return Err(Rejection::MissingFact { fact: "centre", id: centre_id.stream_id() }),
                };
                policy::check_registered(ctx.today, "the centre", registered_on)?;
                check_amka_free(ctx, *centre_id, command.beneficiary_id)?;
                check_attributes(attributes, ctx.today)?;
                return Ok(vec![BeneficiaryEvent::BeneficiaryRegistered {
                    beneficiary_id: command.beneficiary_id,
                    identity_digest: identity.digest(salt),
                    attributes: attributes.clone(),
                    centre_id: *centre_id,
                    registered_on: ctx.today,
                }]);
            }
            (_, None) => return Err(Rejection::NotFound { stream_id }),
            (_, Some(b)) => b,
        };
        policy::check_registered(ctx.today, "the beneficiary", Some(beneficiary.registered_on))?;
        let winds_down =
            matches!(command.action, BeneficiaryAction::WithdrawConsent { .. } | BeneficiaryAction::EraseIdentity);
        if beneficiary.identity_erased && !winds_down {
            return Err(Rejection::IdentityWasErased { beneficiary_id: beneficiary.beneficiary_id, command: name });
        }
        match &command.action {
            BeneficiaryAction::Register { .. } => Err(Rejection::AlreadyExists { stream_id }),
            BeneficiaryAction::CorrectIdentity { identity, salt } => {
                let identity_digest = identity.digest(salt);
                if identity_digest == beneficiary.identity_digest {
                    return Err(Rejection::NothingToChange { what: "identity" });
                }
                check_amka_free(ctx, beneficiary.centre_id, beneficiary.beneficiary_id)?;
                Ok(vec![BeneficiaryEvent::IdentityDigestChanged { identity_digest }])
            }
            BeneficiaryAction::EraseIdentity => {
                if beneficiary.identity_erased {
                    return Err(Rejection::NothingToChange { what: "identity (already erased)" });
                }
                Ok(vec![BeneficiaryEvent::IdentityErased { erased_on: ctx.today }])
            }
            BeneficiaryAction::RecordAccess { access, reason } => {
                if let Access::CaseTexts { case_id } = access {
                    let case = match &ctx.facts.case {
                        Some(case) if case.case_id == *case_id => case,
                        _ => return Err(Rejection::NotFound { stream_id: case_id.stream_id() }),
                    };
                    if case.beneficiary_id != beneficiary.beneficiary_id || case.centre_id != beneficiary.centre_id {
                        return Err(Rejection::CaseOfAnotherPerson {
                            case_id: *case_id,
                            beneficiary_id: beneficiary.beneficiary_id,
                        });
                    }
                    if reason.is_none() && case.assignee != Some(actor.staff_id) {
                        return Err(Rejection::ReadNeedsReason { case_id: *case_id });
                    }
                }
                Ok(vec![BeneficiaryEvent::RecordsAccessed {
                    access: *access,
                    reason: reason.as_ref().map(|r| Text::inline(r.as_str())),
                    accessed_by: actor.staff_id,
                    accessed_on: ctx.today,
                }])
            }
            BeneficiaryAction::UpdateAttributes { attributes } => {
                check_attributes(attributes, ctx.today)?;
                if *attributes == beneficiary.attributes {
                    return Err(Rejection::NothingToChange { what: "attributes" });
                }
                Ok(vec![BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes: attributes.clone() }])
            }
            BeneficiaryAction::RecordLegalBasis { basis } => {
                if beneficiary.legal_basis == Some(*basis) {
                    return Err(Rejection::NothingToChange { what: "legal basis" });
                }
                Ok(vec![BeneficiaryEvent::LegalBasisRecorded { basis: *basis, recorded_on: ctx.today }])
            }
            BeneficiaryAction::GrantConsent { agency_id, purpose, granted_on } => {
                if !matches!(&ctx.facts.agency, Some(a) if a.agency_id == *agency_id) {
                    return Err(Rejection::MissingFact { fact: "agency", id: agency_id.stream_id() });
                }
                check_not_future(*granted_on, ctx.today)?;
                policy::check_registered(*granted_on, "the beneficiary", Some(beneficiary.registered_on))?;
                let in_force = beneficiary
                    .consents
                    .iter()
                    .any(|c| c.agency_id == *agency_id && c.purpose == *purpose && c.withdrawn_on.is_none());
                if in_force {
                    return Err(Rejection::ConsentAlreadyActive { agency_id: *agency_id, purpose: *purpose });
                }
                if beneficiary.consents.len() >= limits::MAX_CONSENTS {
                    return Err(Rejection::TooMany { what: "consents", max: limits::MAX_CONSENTS });
                }
                Ok(vec![BeneficiaryEvent::SharingConsentGranted {
                    agency_id: *agency_id,
                    purpose: *purpose,
                    granted_on: *granted_on,
                }])
            }
            BeneficiaryAction::WithdrawConsent { agency_id, purpose, withdrawn_on } => {
                let consent = beneficiary
                    .consents
                    .iter()
                    .find(|c| c.agency_id == *agency_id && c.purpose == *purpose && c.withdrawn_on.is_none());
                let Some(consent) = consent else {
                    return Err(Rejection::NoActiveConsent { agency_id: *agency_id, purpose: *purpose });
                };
                check_not_future(*withdrawn_on, ctx.today)?;
                if *withdrawn_on < consent.granted_on {
                    return Err(Rejection::PeriodEndsBeforeStart { start: consent.granted_on, end: *withdrawn_on });
                }
                Ok(vec![BeneficiaryEvent::SharingConsentWithdrawn {
                    agency_id: *agency_id,
                    purpose: *purpose,
                    withdrawn_on: *withdrawn_on,
                }])
            }
        }
    }

    fn evolve(state: &mut BeneficiaryState, event: &BeneficiaryEvent) {
        match (event, state.as_mut()) {
            (
                BeneficiaryEvent::BeneficiaryRegistered {
                    beneficiary_id,
                    identity_digest,
                    attributes,
                    centre_id,
                    registered_on,
                },
                None,
            ) => {
                *state = Some(Beneficiary {
                    beneficiary_id: *beneficiary_id,
                    identity_digest: identity_digest.clone(),
                    attributes: attributes.clone(),
                    centre_id: *centre_id,
                    registered_on: *registered_on,
                    legal_basis: None,
                    consents: Vec::new(),
                    identity_erased: false,
                });
            }
            (BeneficiaryEvent::IdentityDigestChanged { identity_digest }, Some(b)) => {
                b.identity_digest = identity_digest.clone();
                b.identity_erased = false;
            }
            (BeneficiaryEvent::IdentityErased { .. }, Some(b)) => {
                b.identity_erased = true;
            }
            (BeneficiaryEvent::BeneficiaryAttributesUpdated { attributes }, Some(b)) => {
                b.attributes = attributes.clone();
            }
            (BeneficiaryEvent::LegalBasisRecorded { basis, .. }, Some(b)) => {
                b.legal_basis = Some(*basis);
            }
            (BeneficiaryEvent::SharingConsentGranted { agency_id, purpose, granted_on }, Some(b)) => {
                b.consents.push(SharingConsent {
                    agency_id: *agency_id,
                    purpose: *purpose,
                    granted_on: *granted_on,
                    withdrawn_on: None,
                })
            }
            (BeneficiaryEvent::SharingConsentWithdrawn { agency_id, purpose, withdrawn_on }, Some(b)) => {
                let open = b
                    .consents
                    .iter_mut()
                    .find(|c| c.agency_id == *agency_id && c.purpose == *purpose && c.withdrawn_on.is_none());
                if let Some(consent) = open {
                    consent.withdrawn_on = Some(*withdrawn_on);
                }
            }
            _ => {}
        }
    }
}
