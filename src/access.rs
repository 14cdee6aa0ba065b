//! Audited reads of personal data: a person's identity, the texts of one of their cases,
//! and their own copy of everything held about them (GDPR Art. 15). Each read is an act: its
//! `RecordsAccessed` event, decided by core's rules (who may read what, and when a reason is
//! needed), is in the log before anything is shown. The access report lists every read.

use std::collections::BTreeMap;

use parapompi_core::beneficiary::{Access, BeneficiaryAction, BeneficiaryCommand, BeneficiaryEvent};
use parapompi_core::identity::IdentityRecord;
use parapompi_core::text::Text;
use parapompi_core::values::{BeneficiaryId, CaseId, CentreId, Date, Reason};
use parapompi_core::vocab::{Attributes, LegalBasis, SharingConsent};
use parapompi_core::{Command, Event, State, StreamKind};
use parapompi_projections::{AuditSubject, AuditTrail, CaseFile};
use serde::Serialize;
use uuid::Uuid;

use crate::engine::{CommandMeta, Engine, Executed};
use crate::error::EngineError;
use crate::narrative;
use crate::vault::VaultEntry;

/// The words of sealed texts, by text id, as a read found them in the vault.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TextWords(BTreeMap<Uuid, String>);

impl std::fmt::Debug for TextWords {
    // The words are personal data: debugging output names only how many there are.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TextWords({} texts)", self.0.len())
    }
}

impl TextWords {
    /// The words of `text`: an old event's own, or a sealed text's from the vault (`None`
    /// when the vault no longer holds it).
    pub fn words<'a>(&'a self, text: &'a Text) -> Option<&'a str> {
        match text {
            Text::Inline(words) => Some(words),
            Text::Sealed(sealed) => self.0.get(&sealed.text_id).map(String::as_str),
        }
    }

    /// How many sealed texts were read.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no sealed text was read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A person's identity, read by a staff member of their centre.
#[derive(Clone, Debug)]
pub struct IdentityRead {
    /// The identity and its salt (`None` if the vault holds none).
    pub entry: Option<VaultEntry>,
    /// The read's record in the log.
    pub access: Executed,
}

/// A case file with the words of its texts, read by one of its caseworkers.
#[derive(Clone, Debug)]
pub struct CaseTextsRead {
    /// The case file (its entries list their texts as the events hold them).
    pub file: CaseFile,
    /// The words of its sealed texts.
    pub words: TextWords,
    /// The read's record in the log.
    pub access: Executed,
}

/// One read of a person's data, from their access report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessRecord {
    /// The read's position in the log.
    pub position: u64,
    /// When (business time, RFC 3339).
    pub occurred_at: String,
    /// Who read (the log's actor).
    pub actor: String,
    /// What was read.
    pub access: Access,
    /// The business date.
    pub accessed_on: Date,
    /// The reason given, as the event holds it (a vault reference), if one was given.
    pub reason: Option<Text>,
}

/// A text of an event in a person's own copy, with its words where the vault holds them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ShownText {
    /// The event's field, e.g. `request`.
    pub field: &'static str,
    /// The words.
    pub text: Option<String>,
}

/// One event of a case, in a person's own copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectEntry {
    /// The position in the log.
    pub position: u64,
    /// Business time (RFC 3339).
    pub occurred_at: String,
    /// Who acted.
    pub actor: String,
    /// The event's type.
    pub event_type: &'static str,
    /// What happened, in words.
    pub description: String,
    /// What was written.
    pub texts: Vec<ShownText>,
}

/// One case, in a person's own copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectCase {
    /// The case.
    pub case_id: CaseId,
    /// The centre that holds it.
    pub centre_id: CentreId,
    /// The intake date.
    pub opened_on: Date,
    /// False once closed.
    pub open: bool,
    /// Every referral: id, agency, need and status.
    pub referrals: Vec<SubjectReferral>,
    /// The case's history, in order.
    pub history: Vec<SubjectEntry>,
}

/// One referral, in a person's own copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectReferral {
    /// The referral.
    pub referral_id: String,
    /// The agency it went to.
    pub agency_id: String,
    /// The need.
    pub need: &'static str,
    /// Its status.
    pub status: &'static str,
}

/// Everything held about one person, for their own copy (GDPR Art. 15).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectAccessExport {
    /// `parapompi-subject-access/v1`.
    pub format: &'static str,
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// When the copy was made (RFC 3339), and by whom.
    pub made_at: String,
    /// Who made it (the log's actor).
    pub made_by: String,
    /// The log's head when it was made: position and hash.
    pub log_position: u64,
    /// The head's hash.
    pub head_hash: String,
    /// The identity record (name, AMKA, contacts, address).
    pub identity: Option<IdentityRecord>,
    /// The centre that registered the person.
    pub centre_id: CentreId,
    /// When.
    pub registered_on: Date,
    /// The attributes the indicators count.
    pub attributes: Attributes,
    /// The legal basis recorded for processing.
    pub legal_basis: Option<LegalBasis>,
    /// Every consent to share, withdrawn ones included.
    pub consents: Vec<SharingConsent>,
    /// Every case, with its referrals, history and texts.
    pub cases: Vec<SubjectCase>,
    /// Every read of the person's data, this one included, with the reasons given.
    pub accesses: Vec<SubjectAccess>,
}

/// One read of the person's data, in their own copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubjectAccess {
    /// The read.
    #[serde(flatten)]
    pub record: AccessRecord,
    /// The reason's words, where the vault holds them.
    pub reason_text: Option<String>,
}

impl Engine {
    /// Records the read `access` of the person's data by the acting staff member (core
    /// decides whether they may), and returns the record.
    fn record_access(
        &self,
        beneficiary_id: BeneficiaryId,
        access: Access,
        reason: Option<Reason>,
        meta: CommandMeta,
    ) -> Result<Executed, EngineError> {
        let command = Command::Beneficiary(BeneficiaryCommand {
            beneficiary_id,
            action: BeneficiaryAction::RecordAccess { access, reason },
        });
        // Every read is decided and recorded anew (a repeated command id is refused).
        self.record_reads(std::slice::from_ref(&command), meta)
    }

    /// Reads a person's identity: staff of their centre who meet the public may; the read is
    /// recorded first.
    pub fn read_identity(&self, beneficiary_id: BeneficiaryId, meta: CommandMeta) -> Result<IdentityRead, EngineError> {
        let access = self.record_access(beneficiary_id, Access::Identity, None, meta)?;
        Ok(IdentityRead { entry: self.identity(beneficiary_id)?, access })
    }

    /// Reads a case file with its texts: the case's caseworkers may, and anyone but its
    /// assignee gives a reason; the read is recorded first. Every sealed text is checked
    /// against the digest its event holds.
    pub fn read_case_texts(
        &self,
        case_id: CaseId,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<CaseTextsRead, EngineError> {
        let beneficiary_id = self.case_beneficiary(case_id)?;
        let access = self.record_access(beneficiary_id, Access::CaseTexts { case_id }, reason, meta)?;
        let file = self.case_file(case_id)?;
        let words = self.words_of(beneficiary_id, file.entries.iter().flat_map(|e| e.texts.iter().map(|t| &t.text)))?;
        Ok(CaseTextsRead { file, words, access })
    }

    /// The audit trail of a case or a referral with the words of its case's texts: the read
    /// of the case's texts is recorded first (as [`Engine::read_case_texts`]). A person's or
    /// a staff member's trail spans many cases, whose texts are read one case at a time.
    pub fn read_trail_texts(
        &self,
        subject: &AuditSubject,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<(AuditTrail, CaseTextsRead), EngineError> {
        let case_id = match *subject {
            AuditSubject::Case(case_id) => case_id,
            AuditSubject::Referral(referral_id) => self
                .with_projections(|p| p.case_of_referral(referral_id))?
                .ok_or_else(|| EngineError::NotFound(format!("no case holds referral {referral_id}")))?,
            AuditSubject::Beneficiary(_) | AuditSubject::Staff(_) => {
                return Err(EngineError::NotFound(
                    "texts are read one case at a time: give a case or a referral".to_owned(),
                ))
            }
        };
        let read = self.read_case_texts(case_id, meta, reason)?;
        Ok((self.audit(subject)?, read))
    }

    /// The beneficiary of a case.
    fn case_beneficiary(&self, case_id: CaseId) -> Result<BeneficiaryId, EngineError> {
        match self.stream_state(StreamKind::Case, &parapompi_store::StreamId::new(case_id.stream_id())?)?.0 {
            State::Case(Some(case)) => Ok(case.beneficiary_id),
            _ => Err(EngineError::NotFound(format!("no case {}", case_id.stream_id()))),
        }
    }

    fn words_of<'a>(
        &self,
        beneficiary_id: BeneficiaryId,
        texts: impl IntoIterator<Item = &'a Text>,
    ) -> Result<TextWords, EngineError> {
        Ok(TextWords(narrative::open_texts(self.vault(), beneficiary_id, texts)?))
    }

    /// Every read of a person's data, in log order (reasons as their events hold them).
    pub fn access_report(&self, beneficiary_id: BeneficiaryId) -> Result<Vec<AccessRecord>, EngineError> {
        let trail = self.audit_records(&AuditSubject::Beneficiary(beneficiary_id))?;
        Ok(trail
            .iter()
            .filter(|r| r.stream_id == beneficiary_id.stream_id())
            .filter_map(|r| match &r.event {
                Event::Beneficiary(BeneficiaryEvent::RecordsAccessed { access, reason, accessed_on, .. }) => {
                    Some(AccessRecord {
                        position: r.position,
                        occurred_at: r.occurred_at.to_string(),
                        actor: r.actor.clone(),
                        access: *access,
                        accessed_on: *accessed_on,
                        reason: reason.clone(),
                    })
                }
                _ => None,
            })
            .collect())
    }

    /// The person's own copy of everything held about them (GDPR Art. 15): identity,
    /// attributes, consents, every case with its referrals, history and texts, and every
    /// read of their data. A supervisor of their centre makes it; the making is recorded
    /// first, and is the last read the copy lists.
    pub fn subject_access_export(
        &self,
        beneficiary_id: BeneficiaryId,
        meta: CommandMeta,
        reason: Option<Reason>,
    ) -> Result<SubjectAccessExport, EngineError> {
        let made_at = meta.occurred_at.to_string();
        let access = self.record_access(beneficiary_id, Access::SubjectExport, reason, meta)?;
        let made_by = access.events.first().map(|r| r.actor.clone()).unwrap_or_default();
        let State::Beneficiary(Some(person)) =
            self.stream_state(StreamKind::Beneficiary, &parapompi_store::StreamId::new(beneficiary_id.stream_id())?)?.0
        else {
            return Err(EngineError::NotFound(format!("no beneficiary {}", beneficiary_id.stream_id())));
        };
        let mut cases = Vec::new();
        for case_id in self.with_projections(|p| p.cases_of(beneficiary_id))? {
            let file = self.case_file(case_id)?;
            let Some(case) = &file.case else { continue };
            let words =
                self.words_of(beneficiary_id, file.entries.iter().flat_map(|e| e.texts.iter().map(|t| &t.text)))?;
            let history = file
                .entries
                .iter()
                .map(|e| SubjectEntry {
                    position: e.position,
                    occurred_at: e.occurred_at.to_string(),
                    actor: e.actor.clone(),
                    event_type: e.event_type,
                    description: e.description.clone(),
                    texts: e
                        .texts
                        .iter()
                        .map(|t| ShownText { field: t.field, text: words.words(&t.text).map(str::to_owned) })
                        .collect(),
                })
                .collect();
            let referrals = case
                .referrals
                .values()
                .map(|r| SubjectReferral {
                    referral_id: r.referral_id.to_string(),
                    agency_id: r.agency_id.to_string(),
                    need: r.need.as_str(),
                    status: r.status.as_str(),
                })
                .collect();
            cases.push(SubjectCase {
                case_id,
                centre_id: case.centre_id,
                opened_on: case.opened_on,
                open: case.open,
                referrals,
                history,
            });
        }
        let records = self.access_report(beneficiary_id)?;
        let words = self.words_of(beneficiary_id, records.iter().filter_map(|r| r.reason.as_ref()))?;
        let accesses = records
            .into_iter()
            .map(|record| {
                let reason_text = record.reason.as_ref().and_then(|t| words.words(t)).map(str::to_owned);
                SubjectAccess { record, reason_text }
            })
            .collect();
        let head = self.store().head();
        Ok(SubjectAccessExport {
            format: "parapompi-subject-access/v1",
            beneficiary_id,
            made_at,
            made_by,
            log_position: head.position,
            head_hash: head.hash.to_hex(),
            identity: self.identity(beneficiary_id)?.map(|entry| entry.identity),
            centre_id: person.centre_id,
            registered_on: person.registered_on,
            attributes: person.attributes.clone(),
            legal_basis: person.legal_basis,
            consents: person.consents.clone(),
            cases,
            accesses,
        })
    }
}
