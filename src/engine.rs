//! The Engine: executes commands against the log and keeps the read models caught up.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use parapompi_core::values::{BeneficiaryId, Date, StaffId, Timestamp as CoreTimestamp};
use parapompi_core::{
    decide, Actor, AgencyFacts, BeneficiaryFacts, CentreFacts, Command, Context, Facts, FactsNeeded, StaffFacts, State,
    StreamKind,
};
use parapompi_projections::{
    audit_trail, case_file, AuditSubject, AuditTrail, Board, BoardQuery, CaseFile, Caseload, CaseloadQuery,
    IndicatorQuery, IndicatorReport, Projections, Recorded,
};
use parapompi_store::{
    Actor as LogActor, Append, Durability, ExpectedVersion, Store, StoreConfig, StoreError, StreamId,
};
use uuid::Uuid;

use crate::error::EngineError;
use crate::projector::{AsOf, Projector};
use crate::records::{decode, decode_events, encode};
use crate::vault::{IdentityVault, VaultEntry, VAULT_TREE};

/// How an Engine is opened.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The log's configuration (limits, clock, tuning).
    pub store: StoreConfig,
    /// How many times a command is decided again when its stream changed underneath it.
    pub max_decide_attempts: u32,
    /// How many new events the read models fold before their state is saved as a checkpoint.
    pub checkpoint_every_events: u64,
    /// How durable each command's append is when `execute` returns. `Durable` (the default)
    /// syncs before answering; `Deferred` is for bulk loads (the demo, migrations), which
    /// call [`Engine::flush`] or [`Engine::close`] at the end and start again after a crash.
    pub durability: Durability,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            store: StoreConfig::default(),
            max_decide_attempts: 8,
            checkpoint_every_events: 50_000,
            durability: Durability::Durable,
        }
    }
}

/// Who issues a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acting {
    /// A registered staff member.
    Staff(StaffId),
    /// The set-up of a new centre and its first administrator, before any staff exists.
    Setup,
    /// An evaluator: reads only, so every command from one is rejected.
    Evaluator,
}

impl Acting {
    /// The actor as the log records it.
    fn log_actor(&self) -> Result<LogActor, EngineError> {
        let text = match self {
            Acting::Staff(staff_id) => staff_id.stream_id(),
            Acting::Setup => "setup".to_owned(),
            Acting::Evaluator => "evaluator".to_owned(),
        };
        Ok(LogActor::new(text)?)
    }
}

/// What comes with every command besides the command itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandMeta {
    /// The caller's id for this command: a repeated id returns the first result.
    pub command_id: Uuid,
    /// Who issues it.
    pub acting: Acting,
    /// When it happened (business time).
    pub occurred_at: CoreTimestamp,
    /// The business date on which it happened, as the centre counts days.
    pub business_date: Date,
}

/// What a command did.
#[derive(Clone, Debug, PartialEq)]
pub struct Executed {
    /// The events recorded, with their place in the log.
    pub events: Vec<Recorded>,
    /// True when the command id had been seen: nothing new was written.
    pub deduplicated: bool,
}

/// The referral-tracking engine over one data directory: the log, the identity vault and
/// the read models' checkpoints, all in one sled database. Cheap to clone; clones share it.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    vault: IdentityVault,
    projector: Mutex<Projector>,
    config: EngineConfig,
}

impl Engine {
    /// Opens the data directory (created if missing), restores the read models from their
    /// checkpoint and catches them up with the log.
    pub fn open(dir: impl AsRef<Path>, config: EngineConfig) -> Result<Engine, EngineError> {
        let store = Store::open(dir, config.store.clone())?;
        Engine::start(store, config)
    }

    /// An Engine in a temporary store, gone when dropped: for tests and examples.
    pub fn open_temporary(config: EngineConfig) -> Result<Engine, EngineError> {
        let store = Store::open_temporary(config.store.clone())?;
        Engine::start(store, config)
    }

    fn start(store: Store, config: EngineConfig) -> Result<Engine, EngineError> {
        let vault = IdentityVault::new(store.auxiliary_tree(VAULT_TREE)?);
        let projector = Projector::restore(&store, config.checkpoint_every_events)?;
        let engine = Engine { inner: Arc::new(Inner { store, vault, projector: Mutex::new(projector), config }) };
        engine.projector()?.catch_up(&engine.inner.store)?;
        Ok(engine)
    }

    /// The log underneath, for reading, verifying and exporting.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Executes one command: decides it against the current state of its stream and the
    /// facts it needs, appends the events durably, and folds them into the read models.
    ///
    /// A command id seen before returns what it recorded then. A rejected command writes
    /// nothing and returns [`EngineError::Rejected`] naming the rule.
    pub fn execute(&self, command: &Command, meta: CommandMeta) -> Result<Executed, EngineError> {
        let store = &self.inner.store;
        if let Some(records) = store.command_result(meta.command_id)? {
            return self.answer_repeat(command, meta, &records);
        }
        let actor = self.actor(meta.acting)?;
        let log_actor = meta.acting.log_actor()?;
        let stream_id = StreamId::new(command.stream_id())?;
        for _ in 0..self.inner.config.max_decide_attempts {
            let (state, version) = self.stream_state(command.stream_kind(), &stream_id)?;
            let facts = self.facts(&command.required_facts(&state))?;
            let context =
                Context { actor: actor.clone(), occurred_at: meta.occurred_at, today: meta.business_date, facts };
            let events = decide(&state, command, &context)?;
            if events.is_empty() {
                return Ok(Executed { events: Vec::new(), deduplicated: false });
            }
            let new_events = events
                .iter()
                .enumerate()
                .map(|(index, event)| encode(event, meta.command_id, index, &log_actor, meta.occurred_at))
                .collect::<Result<_, _>>()?;
            // The identity goes into the vault before the append, whose durable sync then
            // covers both; if the append fails, the vault is put back as it was.
            let vault_undo = self.store_identity(command)?;
            let append = Append {
                stream_id: stream_id.clone(),
                expected: ExpectedVersion::Exact(version),
                command_id: meta.command_id,
                events: new_events,
                durability: self.inner.config.durability,
            };
            match store.append(append) {
                Ok(appended) => {
                    let recorded = appended.events.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
                    self.projector()?.apply_appended(store, &recorded)?;
                    return Ok(Executed { events: recorded, deduplicated: appended.deduplicated });
                }
                Err(error) => {
                    self.undo_identity(vault_undo)?;
                    match error {
                        StoreError::Conflict { .. } => continue,
                        other => return Err(other.into()),
                    }
                }
            }
        }
        Err(EngineError::Contended {
            stream_id: stream_id.to_string(),
            attempts: self.inner.config.max_decide_attempts,
        })
    }

    /// [`Engine::execute`] for async code: the work runs on tokio's blocking threads, and
    /// concurrent commands share the log's durable syncs.
    pub async fn execute_async(&self, command: Command, meta: CommandMeta) -> Result<Executed, EngineError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.execute(&command, meta))
            .await
            .map_err(|error| EngineError::Interrupted(format!("the command's task ended abnormally: {error}")))?
    }

    /// A repeated command id: answer with what it recorded, and make sure the identity it
    /// carried is in the vault (the first attempt may have stopped before it was synced).
    fn answer_repeat(
        &self,
        command: &Command,
        meta: CommandMeta,
        records: &[parapompi_store::RecordedEvent],
    ) -> Result<Executed, EngineError> {
        let stream_id = command.stream_id();
        if let Some(first) = records.first() {
            if first.stream_id.as_str() != stream_id {
                return Err(EngineError::Store(StoreError::CommandIdReused {
                    command_id: meta.command_id,
                    original_stream: first.stream_id.clone(),
                    stream_id: StreamId::new(stream_id)?,
                }));
            }
        }
        if self.identity_missing_after_first_attempt(command)? && self.store_identity(command)?.is_some() {
            self.inner.store.sync()?;
        }
        let events = records.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Executed { events, deduplicated: true })
    }

    /// True when a repeated command carries the identity whose digest the log holds now, and
    /// the vault lacks that identity without it having been erased: only then did the first
    /// attempt stop before its vault write was synced. A repeat must never put back an erased
    /// identity, replace a newer correction, or store an identity the log has no digest of.
    fn identity_missing_after_first_attempt(&self, command: &Command) -> Result<bool, EngineError> {
        use parapompi_core::beneficiary::BeneficiaryAction;
        let Command::Beneficiary(beneficiary) = command else { return Ok(false) };
        let (identity, salt) = match &beneficiary.action {
            BeneficiaryAction::Register { identity, salt, .. }
            | BeneficiaryAction::CorrectIdentity { identity, salt } => (identity, salt),
            _ => return Ok(false),
        };
        let beneficiary_id = beneficiary.beneficiary_id;
        if self.inner.vault.was_erased(beneficiary_id)? {
            return Ok(false);
        }
        let State::Beneficiary(Some(state)) = self.state_of(StreamKind::Beneficiary, beneficiary_id.stream_id())?
        else {
            return Ok(false);
        };
        if state.identity_digest != identity.digest(salt) {
            return Ok(false);
        }
        let held = self.inner.vault.get(beneficiary_id)?;
        Ok(held.is_none_or(|entry| entry.identity != *identity || entry.salt != *salt))
    }

    /// The folded state of a stream and its version.
    pub fn stream_state(&self, kind: StreamKind, stream_id: &StreamId) -> Result<(State, u64), EngineError> {
        let records = self.inner.store.read_stream(stream_id, 1, usize::MAX)?;
        let version = records.last().map_or(0, |record| record.stream_version);
        let events = decode_events(&records)?;
        Ok((State::fold(kind, &events), version))
    }

    fn state_of(&self, kind: StreamKind, stream_id: String) -> Result<State, EngineError> {
        Ok(self.stream_state(kind, &StreamId::new(stream_id)?)?.0)
    }

    fn actor(&self, acting: Acting) -> Result<Actor, EngineError> {
        match acting {
            Acting::Setup => Ok(Actor::Setup),
            Acting::Evaluator => Ok(Actor::Evaluator),
            Acting::Staff(staff_id) => match self.state_of(StreamKind::Staff, staff_id.stream_id())? {
                State::Staff(state) => StaffFacts::from_state(&state)
                    .map(Actor::Staff)
                    .ok_or_else(|| EngineError::NotFound(format!("no staff member {}", staff_id.stream_id()))),
                _ => unreachable!("a staff stream folds into a staff state"),
            },
        }
    }

    /// Folds the streams a command's rules need and takes their facts.
    fn facts(&self, needed: &FactsNeeded) -> Result<Facts, EngineError> {
        let mut facts = Facts::default();
        if let Some(centre_id) = needed.centre {
            if let State::Centre(state) = self.state_of(StreamKind::Centre, centre_id.stream_id())? {
                facts.centre = CentreFacts::from_state(&state);
            }
        }
        if let Some(agency_id) = needed.agency {
            if let State::Agency(state) = self.state_of(StreamKind::Agency, agency_id.stream_id())? {
                facts.agency = AgencyFacts::from_state(&state);
            }
        }
        if let Some(beneficiary_id) = needed.beneficiary {
            if let State::Beneficiary(state) = self.state_of(StreamKind::Beneficiary, beneficiary_id.stream_id())? {
                facts.beneficiary = BeneficiaryFacts::from_state(&state);
            }
        }
        if let Some(staff_id) = needed.staff {
            if let State::Staff(state) = self.state_of(StreamKind::Staff, staff_id.stream_id())? {
                facts.staff = StaffFacts::from_state(&state);
            }
        }
        Ok(facts)
    }

    /// Puts the identity a command carries into the vault; returns how to undo that.
    fn store_identity(&self, command: &Command) -> Result<Option<VaultUndo>, EngineError> {
        use parapompi_core::beneficiary::BeneficiaryAction;
        let Command::Beneficiary(beneficiary) = command else { return Ok(None) };
        let (identity, salt) = match &beneficiary.action {
            BeneficiaryAction::Register { identity, salt, .. }
            | BeneficiaryAction::CorrectIdentity { identity, salt } => (identity, salt),
            _ => return Ok(None),
        };
        let previous = self.inner.vault.get(beneficiary.beneficiary_id)?;
        self.inner
            .vault
            .put(beneficiary.beneficiary_id, &VaultEntry { identity: identity.clone(), salt: salt.clone() })?;
        Ok(Some(VaultUndo { beneficiary_id: beneficiary.beneficiary_id, previous }))
    }

    fn undo_identity(&self, undo: Option<VaultUndo>) -> Result<(), EngineError> {
        let Some(undo) = undo else { return Ok(()) };
        match undo.previous {
            Some(entry) => self.inner.vault.put(undo.beneficiary_id, &entry),
            None => self.inner.vault.remove(undo.beneficiary_id),
        }
    }

    /// A beneficiary's identity record, if the vault holds it (not after an erasure).
    pub fn identity(&self, beneficiary_id: BeneficiaryId) -> Result<Option<VaultEntry>, EngineError> {
        self.inner.vault.get(beneficiary_id)
    }

    /// Erases a beneficiary's identity (GDPR Art. 17), durably. The erasure is a command like
    /// any other: only a supervisor of the beneficiary's centre may give it, and it records an
    /// `IdentityErased` event (who, when) in the beneficiary's stream; then the vault entry
    /// goes. The log, its hash chain, the case history and the indicators stay as they are.
    /// Erasing twice is rejected (`NothingToChange`); repeating the same command id erases
    /// the vault entry again, in case the first attempt stopped between the two steps.
    pub fn erase_identity(&self, beneficiary_id: BeneficiaryId, meta: CommandMeta) -> Result<Executed, EngineError> {
        use parapompi_core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
        let command =
            Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action: BeneficiaryAction::EraseIdentity });
        let executed = self.execute(&command, meta)?;
        self.inner.vault.erase(beneficiary_id)?;
        self.inner.store.sync()?;
        Ok(executed)
    }

    fn projector(&self) -> Result<MutexGuard<'_, Projector>, EngineError> {
        self.inner.projector.lock().map_err(|_| EngineError::Interrupted("a panic poisoned the read models".to_owned()))
    }

    /// Runs a query on the read models, caught up with the log first.
    pub fn with_projections<T>(&self, query: impl FnOnce(&Projections) -> T) -> Result<T, EngineError> {
        let mut projector = self.projector()?;
        projector.catch_up(&self.inner.store)?;
        Ok(query(projector.projections()))
    }

    /// Open cases per staff member and per centre or antenna.
    pub fn caseload(&self, query: &CaseloadQuery) -> Result<Caseload, EngineError> {
        self.with_projections(|p| p.caseload(query))
    }

    /// Referrals by status and agency, with overdue follow-ups.
    pub fn board(&self, query: &BoardQuery) -> Result<Board, EngineError> {
        self.with_projections(|p| p.board(query))
    }

    /// Everything about one case, in order, read back from the log.
    pub fn case_file(&self, case_id: parapompi_core::values::CaseId) -> Result<CaseFile, EngineError> {
        let positions = self.with_projections(|p| p.case_file_positions(case_id))?;
        let records = self.records_at(&positions)?;
        Ok(case_file(case_id, &records))
    }

    /// Every event about a case, beneficiary, referral or staff member, with who, when, what,
    /// and its position and hash.
    pub fn audit(&self, subject: &AuditSubject) -> Result<AuditTrail, EngineError> {
        let positions = self.with_projections(|p| p.audit_positions(subject))?;
        let records = self.records_at(&positions)?;
        Ok(audit_trail(subject, &records))
    }

    /// The indicators report for a centre (or all) and a period, from the whole log.
    pub fn indicators(&self, query: &IndicatorQuery) -> Result<IndicatorReport, EngineError> {
        self.with_projections(|p| p.indicators(query))
    }

    /// The read models as they stood at a point of the log, folded afresh from the start.
    pub fn projections_as_of(&self, as_of: AsOf) -> Result<Projections, EngineError> {
        crate::projector::fold_as_of(&self.inner.store, as_of)
    }

    /// The indicators report as the log stood at a position or an instant: what the centre
    /// knew then, so that a report issued that day can be reproduced byte for byte.
    pub fn indicators_as_of(&self, query: &IndicatorQuery, as_of: AsOf) -> Result<IndicatorReport, EngineError> {
        Ok(self.projections_as_of(as_of)?.indicators(query))
    }

    /// Throws the read models away and folds them again from the whole log; saves a
    /// checkpoint. Returns the number of events folded.
    pub fn rebuild(&self) -> Result<u64, EngineError> {
        let mut projector = self.projector()?;
        projector.rebuild(&self.inner.store)
    }

    /// Saves the read models' state now, so that the next open starts from here.
    pub fn checkpoint(&self) -> Result<(), EngineError> {
        let mut projector = self.projector()?;
        projector.catch_up(&self.inner.store)?;
        projector.save()
    }

    /// Live recorded events from a position on, as the log commits them (see
    /// [`parapompi_store::Store::subscribe`]); decode each with [`crate::decode`].
    pub fn subscribe(&self, from_position: u64) -> Result<parapompi_store::Subscription, EngineError> {
        Ok(self.inner.store.subscribe(from_position)?)
    }

    fn records_at(&self, positions: &[u64]) -> Result<Vec<Recorded>, EngineError> {
        self.inner.store.read_positions(positions)?.iter().map(decode).collect()
    }

    /// Syncs to disk what deferred commands wrote.
    pub fn flush(&self) -> Result<(), EngineError> {
        Ok(self.inner.store.flush()?)
    }

    /// Saves a checkpoint and syncs; the data directory closes when the last clone is gone.
    pub fn close(self) -> Result<(), EngineError> {
        self.checkpoint()?;
        self.inner.store.flush()?;
        Ok(())
    }
}

/// How to put the vault back when an append fails.
struct VaultUndo {
    beneficiary_id: BeneficiaryId,
    previous: Option<VaultEntry>,
}
