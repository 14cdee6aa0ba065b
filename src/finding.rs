//! Finding people: by AMKA (exact, through the keyed index), by name (partial, without case
//! or accents, Greek or Latin) or by phone, among the people of the searcher's own centre;
//! and reading the names of the people a view lists.
//!
//! Core says who may search (`beneficiary::search_scope`); every person found is shown only
//! through a read of their identity (`RecordAccess`), decided by core and recorded, all the
//! search's reads in one act, before anything is returned. A search that finds too many is
//! refused and reads nobody.

use parapompi_core::beneficiary::{search_scope, Access, BeneficiaryAction, BeneficiaryCommand};
use parapompi_core::folding::{name_matches, phone_matches};
use parapompi_core::values::{Amka, BeneficiaryId, CentreId};
use parapompi_core::{Command, State, StreamKind};
use parapompi_projections::CaseSummary;

use crate::engine::{CommandMeta, Engine, Executed};
use crate::error::EngineError;
use crate::vault::VaultEntry;

/// The most people one search shows: more matches refuse the search.
pub const MAX_FOUND: usize = 20;

/// What a search looks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BeneficiarySearch {
    /// An AMKA, exactly.
    Amka(Amka),
    /// Words of a name (each must be part of the given or the family name).
    Name(String),
    /// A phone number (the same digits, or its last six or more).
    Phone(String),
}

/// One person found.
#[derive(Clone, Debug)]
pub struct FoundBeneficiary {
    /// The person.
    pub beneficiary_id: BeneficiaryId,
    /// Their identity.
    pub entry: VaultEntry,
    /// Their cases in the order opened (filled in once the search's reads are recorded).
    pub cases: Vec<CaseSummary>,
}

/// What a search found, and the record of its reads.
#[derive(Clone, Debug)]
pub struct Found {
    /// The people found, by family then given name.
    pub people: Vec<FoundBeneficiary>,
    /// The act that recorded the reads of their identities (no events when nobody was found).
    pub access: Executed,
}

/// The most people one read of names may name.
pub const MAX_NAMES: usize = 1_000;

/// People's names, read for a view that lists them (a caseload, a board).
#[derive(Clone, Debug)]
pub struct NamesRead {
    /// Given and family name by person, for those read.
    pub names: std::collections::BTreeMap<BeneficiaryId, (String, String)>,
    /// The act that recorded the reads (no events when nobody was read).
    pub access: Executed,
}

impl Engine {
    /// Reads the names of the people a view lists, for a reader who may read identities
    /// (`search_scope`): the people of the reader's own centre whose identity the vault
    /// holds, each read recorded (`RecordAccess` of their identity, all in one act) before
    /// anything is returned. People of other centres and erased people are left out, to be
    /// shown by id. More than [`MAX_NAMES`] people is refused.
    pub fn read_names(&self, people: &[BeneficiaryId], meta: CommandMeta) -> Result<NamesRead, EngineError> {
        if people.len() > MAX_NAMES {
            return Err(EngineError::Invalid(parapompi_core::ValidationError::OutOfRange {
                what: "people whose names are read at once",
                value: i64::try_from(people.len()).unwrap_or(i64::MAX),
                min: 0,
                max: i64::try_from(MAX_NAMES).unwrap_or(i64::MAX),
            }));
        }
        let centre_id = search_scope(&self.actor(meta.acting)?)?;
        let mut readable = std::collections::BTreeSet::new();
        for beneficiary_id in people {
            let stream = parapompi_store::StreamId::new(beneficiary_id.stream_id())?;
            if let State::Beneficiary(Some(person)) = self.stream_state(StreamKind::Beneficiary, &stream)?.0 {
                if person.centre_id == centre_id && !person.identity_erased {
                    readable.insert(*beneficiary_id);
                }
            }
        }
        let reads: Vec<Command> = readable
            .iter()
            .map(|beneficiary_id| {
                Command::Beneficiary(BeneficiaryCommand {
                    beneficiary_id: *beneficiary_id,
                    action: BeneficiaryAction::RecordAccess { access: Access::Identity, reason: None },
                })
            })
            .collect();
        let access = self.record_reads(&reads, meta)?;
        let mut names = std::collections::BTreeMap::new();
        for beneficiary_id in readable {
            if let Some(entry) = self.identity(beneficiary_id)? {
                let identity = &entry.identity;
                names.insert(
                    beneficiary_id,
                    (identity.given_name().as_str().to_owned(), identity.family_name().as_str().to_owned()),
                );
            }
        }
        Ok(NamesRead { names, access })
    }

    /// Records reads as one act; a repeated command id is refused, as for every read: it must
    /// not show again, unchecked, what its first use was allowed to see.
    pub(crate) fn record_reads(&self, reads: &[Command], meta: CommandMeta) -> Result<Executed, EngineError> {
        if reads.is_empty() {
            return Ok(Executed { events: Vec::new(), deduplicated: false });
        }
        let access = self.execute_all(reads, meta)?;
        if access.deduplicated {
            let first = access.events.first();
            return Err(EngineError::CommandIdReused {
                command_id: meta.command_id,
                first_position: first.map_or(0, |r| r.position),
                first_stream: first.map(|r| r.stream_id.clone()).unwrap_or_default(),
                first_event_type: first.map(|r| r.event.event_type().to_owned()).unwrap_or_default(),
            });
        }
        Ok(access)
    }

    /// Finds people of the searcher's centre (see the module's documentation).
    pub fn find_beneficiaries(&self, search: &BeneficiarySearch, meta: CommandMeta) -> Result<Found, EngineError> {
        let centre_id = search_scope(&self.actor(meta.acting)?)?;
        let mut people = match search {
            BeneficiarySearch::Amka(amka) => self.find_by_amka(centre_id, amka)?,
            BeneficiarySearch::Name(words) => self.find_where(centre_id, |entry| {
                let identity = &entry.identity;
                let name = format!("{} {}", identity.given_name().as_str(), identity.family_name().as_str());
                name_matches(words, &name)
            })?,
            BeneficiarySearch::Phone(phone) => self.find_where(centre_id, |entry| {
                entry.identity.phones().iter().any(|recorded| phone_matches(phone, recorded.as_str()))
            })?,
        };
        if people.len() > MAX_FOUND {
            return Err(EngineError::TooManyFound { found: people.len(), max: MAX_FOUND });
        }
        people.sort_by(|a, b| {
            let key = |p: &FoundBeneficiary| {
                (
                    parapompi_core::folding::fold_capitals(p.entry.identity.family_name().as_str()),
                    parapompi_core::folding::fold_capitals(p.entry.identity.given_name().as_str()),
                    p.beneficiary_id,
                )
            };
            key(a).cmp(&key(b))
        });
        let reads: Vec<Command> = people
            .iter()
            .map(|p| {
                Command::Beneficiary(BeneficiaryCommand {
                    beneficiary_id: p.beneficiary_id,
                    action: BeneficiaryAction::RecordAccess { access: Access::Identity, reason: None },
                })
            })
            .collect();
        let access = self.record_reads(&reads, meta)?;
        for person in &mut people {
            person.cases = self.with_projections(|p| p.case_summaries_of(person.beneficiary_id))?;
        }
        Ok(Found { people, access })
    }

    fn find_by_amka(&self, centre_id: CentreId, amka: &Amka) -> Result<Vec<FoundBeneficiary>, EngineError> {
        let Some(beneficiary_id) = self.indexed_amka_holder(centre_id, amka)? else { return Ok(Vec::new()) };
        Ok(self
            .identity(beneficiary_id)?
            .into_iter()
            .filter(|entry| entry.identity.amka() == amka)
            .map(|entry| FoundBeneficiary { beneficiary_id, entry, cases: Vec::new() })
            .collect())
    }

    /// The identities of the centre's people (erased ones have none) that `matches`.
    fn find_where(
        &self,
        centre_id: CentreId,
        matches: impl Fn(&VaultEntry) -> bool,
    ) -> Result<Vec<FoundBeneficiary>, EngineError> {
        let mut found = Vec::new();
        for (beneficiary_id, entry) in self.vault().entries()? {
            if !matches(&entry) {
                continue;
            }
            let stream = parapompi_store::StreamId::new(beneficiary_id.stream_id())?;
            if let State::Beneficiary(Some(person)) = self.stream_state(StreamKind::Beneficiary, &stream)?.0 {
                if person.centre_id == centre_id && !person.identity_erased {
                    found.push(FoundBeneficiary { beneficiary_id, entry, cases: Vec::new() });
                }
            }
        }
        Ok(found)
    }
}
