//! The Engine: executes commands against the log and keeps the read models caught up.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use parapompi_core::context::{ActiveAdministrators, AmkaHolder, EnteredOperations};
use parapompi_core::identity::{IdentityRecord, IdentitySalt};
use parapompi_core::values::{Amka, BeneficiaryId, CentreId, Date, ProgrammeCode, StaffId, Timestamp as CoreTimestamp};
use parapompi_core::vocab::Role;
use parapompi_core::{
    decide, Actor, AgencyFacts, BeneficiaryFacts, CaseFacts, CentreFacts, Command, Context, Event, Facts, FactsNeeded,
    StaffFacts, State, StreamKind,
};
use parapompi_projections::{
    audit_trail, case_file, AuditSubject, AuditTrail, Board, BoardQuery, CaseFile, Caseload, CaseloadQuery,
    IndicatorQuery, IndicatorReport, Projections, Recorded,
};
use parapompi_store::{
    Actor as LogActor, Append, Durability, ExpectedVersion, MultiAppend, Store, StoreConfig, StoreError, StreamEvents,
    StreamId,
};
use uuid::Uuid;

use crate::amka_index::{AmkaIndex, AMKA_INDEX_TREE};
use crate::deployment_key::DeploymentKeySource;
use crate::error::EngineError;
use crate::narrative;
use crate::person_keys::PersonKeys;
use crate::projector::{AsOf, Projector};
use crate::records::{decode, encode, event_id, fingerprint, fingerprint_with_texts, legacy_event_id, Fingerprint};
use crate::vault::{IdentityVault, VaultEntry, VAULT_TREE};

mod checkpoints;
pub(crate) mod key_rotation;

/// How an Engine is opened.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The log's configuration (limits, clock, tuning).
    pub store: StoreConfig,
    /// How many times a command is decided again when its stream changed underneath it.
    pub max_decide_attempts: u32,
    /// How many new events the read models fold before their state is saved as a checkpoint.
    pub checkpoint_every_events: u64,
    /// Where the deployment key comes from (see [`DeploymentKeySource`]): by default
    /// `DATA_DIR/keys/deployment.key`, made there on first use. Beside the data is fine for
    /// a trial; in production keep it on another volume or give it from the environment, so
    /// that a copy of the data directory alone reads no one's vault entries and cannot be
    /// searched for a guessed AMKA.
    pub deployment_key: DeploymentKeySource,
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
            deployment_key: DeploymentKeySource::InDataDir,
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
    /// The server's authenticator, which records failed logins (and may do nothing else).
    Authenticator,
}

impl Acting {
    /// The actor as the log records it.
    fn log_actor(&self) -> Result<LogActor, EngineError> {
        let text = match self {
            Acting::Staff(staff_id) => staff_id.stream_id(),
            Acting::Setup => "setup".to_owned(),
            Acting::Evaluator => "evaluator".to_owned(),
            Acting::Authenticator => "authenticator".to_owned(),
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
    amka_index: AmkaIndex,
    /// Held from decision to append by the acts that must run alone (see [`runs_alone`]).
    serial_acts: Mutex<()>,
    /// Held shared by every act from its start to its end, and alone by a backup while it
    /// reads the vault, the credentials and the key files (`backup.rs`), so that these stand
    /// as the acts up to one position of the log left them.
    acts_gate: std::sync::RwLock<()>,
    /// The command ids of the acts under way: a second attempt with the same id waits for
    /// the first to end, then finds it recorded (or not), so that two attempts never write
    /// the same texts' vault entries at once, nor undo each other's.
    in_flight: Mutex<HashSet<Uuid>>,
    in_flight_ended: Condvar,
    projector: Mutex<Projector>,
    /// Streams' folded states with the version each was folded at: a stream's events up to a
    /// version never change, so a fold is taken from here while the stream's version is the
    /// same, and folded again from the log once it moved. Emptied when full.
    folded: Mutex<HashMap<StreamId, (u64, State)>>,
    /// The key that signs the log's checkpoints (`signing_key.rs`), and whether this open
    /// made it.
    signing_key: std::sync::RwLock<crate::signing_key::SigningKey>,
    signing_key_made: bool,
    config: EngineConfig,
}

/// The most folded states [`Inner::folded`] keeps.
const MAX_FOLDED_STREAMS: usize = 4096;

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
        let person_keys_file = store.path().map(crate::person_keys_path);
        let vault_tree = store.auxiliary_tree(VAULT_TREE)?;
        let vault_in_use = IdentityVault::holds_entries(&vault_tree)?;
        let keys_in_use = vault_in_use || person_keys_file.as_ref().is_some_and(|file| file.exists());
        let deployment_key = key_rotation::deployment_key_at_open(&config.deployment_key, store.path(), keys_in_use)?;
        let person_keys = PersonKeys::open(person_keys_file, &deployment_key, vault_in_use)?;
        let vault = IdentityVault::new(vault_tree, Arc::new(person_keys));
        vault.seal_plain_entries()?;
        let amka_index = AmkaIndex::new(store.auxiliary_tree(AMKA_INDEX_TREE)?, deployment_key);
        let projector = Projector::restore(&store, config.checkpoint_every_events)?;
        let (signing_key, signing_key_made) = match store.path() {
            Some(dir) => crate::signing_key::SigningKey::open(&crate::signing_key::signing_key_path(dir))?,
            None => (crate::signing_key::SigningKey::ephemeral()?, false),
        };
        let engine = Engine {
            inner: Arc::new(Inner {
                store,
                vault,
                amka_index,
                serial_acts: Mutex::new(()),
                acts_gate: std::sync::RwLock::new(()),
                in_flight: Mutex::new(HashSet::new()),
                in_flight_ended: Condvar::new(),
                projector: Mutex::new(projector),
                folded: Mutex::new(HashMap::new()),
                signing_key: std::sync::RwLock::new(signing_key),
                signing_key_made,
                config,
            }),
        };
        engine.rebuild_amka_index()?;
        engine.finish_interrupted_erasures()?;
        engine.settle_signing_key_rotation()?;
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
    /// A command id seen before returns what it recorded then, when the command is the same
    /// one again (see [`Engine::execute_all`]). A rejected command writes nothing and returns
    /// [`EngineError::Rejected`] naming the rule.
    pub fn execute(&self, command: &Command, meta: CommandMeta) -> Result<Executed, EngineError> {
        self.execute_all(std::slice::from_ref(command), meta)
    }

    /// Executes one act made of several commands, on one or more streams, as a whole: each
    /// command is decided in order against the state its stream will have after the ones
    /// before it (so registering a centre and then its first administrator works), and all
    /// their events are appended in one atomic, durable write with every stream's expected
    /// version checked, or nothing is written.
    ///
    /// **Retries.** The act's events get ids derived from the command id, the act's
    /// fingerprint (the acting party and the commands' JSON form, without identity data;
    /// described in `records.rs`) and each event's index. A command id seen before is
    /// answered with what it recorded then when the first event's id matches, which is when
    /// the same act is sent again; any other act under a used command id is refused with
    /// [`EngineError::CommandIdReused`], naming the first use.
    pub fn execute_all(&self, commands: &[Command], meta: CommandMeta) -> Result<Executed, EngineError> {
        if commands.is_empty() {
            return Err(EngineError::EmptyAct);
        }
        let _in_flight = InFlight::enter(&self.inner, meta.command_id)?;
        self.execute_in_flight(commands, meta)
    }

    /// [`Engine::execute_all`] once its command id is in flight ([`Engine::enter_act`]): for
    /// an act whose writes beside the log (a credential's hash) must be made while the acts'
    /// gate is held with it, so that a backup holds both or neither.
    pub(crate) fn execute_in_flight(&self, commands: &[Command], meta: CommandMeta) -> Result<Executed, EngineError> {
        if commands.is_empty() {
            return Err(EngineError::EmptyAct);
        }
        // Acts whose rules read more than their own streams can tell (who holds an AMKA, who
        // else administers a centre, which operations a person entered) or that erase
        // someone run one at a time, so that two
        // of them cannot both find what they need, and an erasure cannot cross an identity
        // write. The command id is looked up under the same lock, so that a retry sent while
        // its first attempt commits is answered as a repeat.
        let _serial = match commands.iter().any(runs_alone) {
            true => Some(self.serial_acts()?),
            false => None,
        };
        self.execute_entered(commands, meta)
    }

    /// Marks an act's command id in flight (one attempt at a time), until the guard drops.
    pub(crate) fn enter_act(&self, command_id: Uuid) -> Result<InFlight<'_>, EngineError> {
        InFlight::enter(&self.inner, command_id)
    }

    /// The lock of the acts that run one at a time.
    pub(crate) fn serial_acts(&self) -> Result<std::sync::MutexGuard<'_, ()>, EngineError> {
        self.inner
            .serial_acts
            .lock()
            .map_err(|_| EngineError::Interrupted("a panic poisoned the lock of acts that run alone".to_owned()))
    }

    /// [`Engine::execute_all`] once the act has entered: its command id in flight
    /// ([`InFlight`]), and the lock of acts that run alone held where its commands need it.
    pub(crate) fn execute_entered(&self, commands: &[Command], meta: CommandMeta) -> Result<Executed, EngineError> {
        let executed = self.execute_recording(commands, meta)?;
        // Still inside the act's entry of the acts' gate: the hashes of the credentials it
        // revoked go with its append, so a backup holds both or neither (a repeat removes
        // what a first attempt that failed here left).
        crate::credentials::forget_revoked_by(self, &executed.events)?;
        Ok(executed)
    }

    /// [`Engine::execute_entered`] but the removal of the revoked credentials' hashes.
    fn execute_recording(&self, commands: &[Command], meta: CommandMeta) -> Result<Executed, EngineError> {
        let fingerprint = fingerprint(meta.acting.log_actor()?.as_str(), commands);
        if let Some(records) = self.inner.store.command_result(meta.command_id)? {
            return self.answer_repeat(commands, meta, &fingerprint, &records);
        }
        // An erasure is marked before its event is appended (the append's sync covers the
        // mark), so that an Engine opened after a crash finishes it (or forgets it, if the
        // event never reached the log).
        let erasures: Vec<BeneficiaryId> = commands.iter().filter_map(erasure_of).collect();
        let mut marked = Vec::new();
        for beneficiary_id in &erasures {
            if self.inner.vault.mark_erasing(*beneficiary_id)? {
                marked.push(*beneficiary_id);
            }
        }
        match self.decide_and_append(commands, meta, &fingerprint) {
            Ok(executed) => {
                self.finish_erasures(&erasures)?;
                Ok(executed)
            }
            Err(error) => {
                for beneficiary_id in marked {
                    self.inner.vault.clear_erasing(beneficiary_id)?;
                }
                // A refusal that a first attempt committed in the meantime is a repeat.
                if matches!(error, EngineError::Rejected(_)) {
                    if let Some(records) = self.inner.store.command_result(meta.command_id)? {
                        return self.answer_repeat(commands, meta, &fingerprint, &records);
                    }
                }
                Err(error)
            }
        }
    }

    /// Decides the act against the log and appends it, deciding again when a stream changed
    /// underneath it.
    fn decide_and_append(
        &self,
        commands: &[Command],
        meta: CommandMeta,
        fingerprint: &Fingerprint,
    ) -> Result<Executed, EngineError> {
        let store = &self.inner.store;
        let actor = self.actor(meta.acting)?;
        let log_actor = meta.acting.log_actor()?;
        for _ in 0..self.inner.config.max_decide_attempts {
            let now = store.config().clock.now();
            let mut act = Act::default();
            for command in commands {
                let stream_id = StreamId::new(command.stream_id())?;
                let state = act.state(self, command.stream_kind(), &stream_id)?;
                let facts = self.facts(command, &command.required_facts(&state), &mut act)?;
                let context = Context {
                    actor: actor.clone(),
                    occurred_at: meta.occurred_at,
                    now: CoreTimestamp::from_unix_ms(now.unix_ms()),
                    today: meta.business_date,
                    facts,
                };
                let events = decide(&state, command, &context)?;
                act.record(stream_id, events);
                if let Some((beneficiary_id, identity, _, centre)) = carried_identity(command) {
                    let centre_id = match centre {
                        Some(centre_id) => centre_id,
                        None => act.centre_of(self, beneficiary_id)?,
                    };
                    act.identities.push((centre_id, identity.amka().clone(), beneficiary_id));
                }
            }
            if act.n_events() == 0 {
                return Ok(Executed { events: Vec::new(), deduplicated: false });
            }
            // Free texts go into the vault, tied to their person, before anything is
            // encoded: the events carry only their references and digests.
            let texts = self.seal_act_texts(&mut act, commands, meta.command_id)?;
            let mut index = 0usize;
            let mut streams = Vec::with_capacity(act.streams.len());
            for stream in &act.streams {
                let mut new_events = Vec::with_capacity(stream.events.len());
                for event in &stream.events {
                    match encode(event, meta.command_id, fingerprint, index, &log_actor, meta.occurred_at) {
                        Ok(encoded) => new_events.push(encoded),
                        Err(error) => {
                            narrative::remove_texts(&self.inner.vault, &texts)?;
                            return Err(error);
                        }
                    }
                    index += 1;
                }
                if !new_events.is_empty() {
                    streams.push((stream.stream_id.clone(), ExpectedVersion::Exact(stream.version), new_events));
                }
            }
            // The identities go into the vault before the append, whose durable sync then
            // covers both; if the append is refused, the vault is put back as it was.
            let mut vault_undo = Vec::new();
            for (command, (centre_id, _, _)) in
                commands.iter().filter(|c| carried_identity(c).is_some()).zip(&act.identities)
            {
                match self.store_identity(command, *centre_id) {
                    Ok(Some(undo)) => vault_undo.push(undo),
                    Ok(None) => {}
                    Err(error) => {
                        self.undo_identities(vault_undo)?;
                        narrative::remove_texts(&self.inner.vault, &texts)?;
                        return Err(error);
                    }
                }
            }
            match self.append_act(meta.command_id, streams) {
                Ok(appended) if appended.deduplicated => {
                    // Another writer recorded this command id in the meantime.
                    self.undo_identities(vault_undo)?;
                    narrative::remove_texts(&self.inner.vault, &texts)?;
                    return self.answer_repeat(commands, meta, fingerprint, &appended.events);
                }
                Ok(appended) => {
                    let recorded = appended.events.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
                    self.projector()?.apply_appended(store, &recorded)?;
                    return Ok(Executed { events: recorded, deduplicated: false });
                }
                // A failed sync or write may have left the records in sled's files, to be
                // found when the store is opened again: the identities stay with them.
                Err(error @ (StoreError::Poisoned { .. } | StoreError::Io { .. })) => return Err(error.into()),
                Err(error) => {
                    self.undo_identities(vault_undo)?;
                    narrative::remove_texts(&self.inner.vault, &texts)?;
                    match error {
                        StoreError::Conflict { .. } => continue,
                        other => return Err(other.into()),
                    }
                }
            }
        }
        let stream_id = commands.first().map(Command::stream_id).unwrap_or_default();
        Err(EngineError::Contended { stream_id, attempts: self.inner.config.max_decide_attempts })
    }

    /// Seals the free texts of an act's events into the vault, each tied to the person its
    /// stream is about (a case's beneficiary, or the beneficiary); returns what it wrote.
    fn seal_act_texts(
        &self,
        act: &mut Act,
        commands: &[Command],
        command_id: Uuid,
    ) -> Result<Vec<narrative::WrittenText>, EngineError> {
        let mut written = Vec::new();
        let mut n = 0usize;
        for stream in &mut act.streams {
            let person = match &stream.state {
                State::Case(Some(case)) => Some(case.beneficiary_id),
                State::Beneficiary(Some(beneficiary)) => Some(beneficiary.beneficiary_id),
                _ => None,
            };
            let sealed = narrative::seal_texts(
                &self.inner.vault,
                &mut stream.events,
                person,
                commands,
                command_id,
                &mut n,
                &mut written,
            );
            if let Err(error) = sealed {
                narrative::remove_texts(&self.inner.vault, &written)?;
                return Err(error);
            }
        }
        Ok(written)
    }

    /// The last steps of the erasures of an act whose events are in the log.
    fn finish_erasures(&self, erasures: &[BeneficiaryId]) -> Result<(), EngineError> {
        for beneficiary_id in erasures {
            self.finish_erasure(*beneficiary_id)?;
        }
        if !erasures.is_empty() {
            self.inner.store.sync()?;
        }
        Ok(())
    }

    /// Appends an act's events: one stream's through a plain append, several streams' in one
    /// atomic multi-stream append.
    fn append_act(
        &self,
        command_id: Uuid,
        mut streams: Vec<(StreamId, ExpectedVersion, Vec<parapompi_store::NewEvent>)>,
    ) -> Result<parapompi_store::Appended, StoreError> {
        let durability = self.inner.config.durability;
        if streams.len() == 1 {
            let (stream_id, expected, events) = streams.remove(0);
            return self.inner.store.append(Append { stream_id, expected, command_id, events, durability });
        }
        let streams = streams
            .into_iter()
            .map(|(stream_id, expected, events)| StreamEvents { stream_id, expected, events })
            .collect();
        self.inner.store.append_multi(MultiAppend { command_id, streams, durability })
    }

    /// [`Engine::execute`] for async code: the work runs on tokio's blocking threads, and
    /// concurrent commands share the log's durable syncs.
    pub async fn execute_async(&self, command: Command, meta: CommandMeta) -> Result<Executed, EngineError> {
        self.execute_all_async(vec![command], meta).await
    }

    /// [`Engine::execute_all`] for async code.
    pub async fn execute_all_async(&self, commands: Vec<Command>, meta: CommandMeta) -> Result<Executed, EngineError> {
        let engine = self.clone();
        tokio::task::spawn_blocking(move || engine.execute_all(&commands, meta))
            .await
            .map_err(|error| EngineError::Interrupted(format!("the command's task ended abnormally: {error}")))?
    }

    /// A used command id: when the act is the same one again, answer with what it recorded,
    /// and make sure the identity it carried is in the vault (the first attempt may have
    /// stopped before it was synced); any other act is refused, naming the first use.
    fn answer_repeat(
        &self,
        commands: &[Command],
        meta: CommandMeta,
        fingerprint: &Fingerprint,
        records: &[parapompi_store::RecordedEvent],
    ) -> Result<Executed, EngineError> {
        let Some(first) = records.first() else {
            return Ok(Executed { events: Vec::new(), deduplicated: true });
        };
        let same = if first.event_id == event_id(meta.command_id, fingerprint, 0) {
            true
        } else if first.event_id
            == event_id(meta.command_id, &fingerprint_with_texts(meta.acting.log_actor()?.as_str(), commands), 0)
        {
            // Recorded before free texts were left out of the fingerprint.
            true
        } else if first.event_id == legacy_event_id(meta.command_id, 0) {
            // Written before events carried the act's fingerprint: the same streams in the
            // same order is all that can be told.
            let streams: Vec<String> = commands.iter().map(Command::stream_id).collect();
            let mut recorded: Vec<&str> = records.iter().map(|r| r.stream_id.as_str()).collect();
            recorded.dedup();
            recorded == streams.iter().map(String::as_str).collect::<Vec<_>>()
        } else {
            false
        };
        if !same {
            return Err(EngineError::CommandIdReused {
                command_id: meta.command_id,
                first_position: first.position,
                first_stream: first.stream_id.to_string(),
                first_event_type: first.event_type.to_string(),
            });
        }
        // Texts are not part of the fingerprint either: the same command id with other words
        // is another command.
        if !self.same_texts_as_recorded(commands, records)? {
            return Err(EngineError::CommandIdReused {
                command_id: meta.command_id,
                first_position: first.position,
                first_stream: first.stream_id.to_string(),
                first_event_type: first.event_type.to_string(),
            });
        }
        let mut restored = false;
        for command in commands {
            if let Some((beneficiary_id, _, _, _)) = carried_identity(command) {
                // The same command id carrying another person's identity is another command,
                // though identity data is not part of the fingerprint.
                if !self.same_identity_as_recorded(command, records)? {
                    return Err(EngineError::CommandIdReused {
                        command_id: meta.command_id,
                        first_position: first.position,
                        first_stream: first.stream_id.to_string(),
                        first_event_type: first.event_type.to_string(),
                    });
                }
                if self.identity_missing_after_first_attempt(command)? {
                    let centre_id = self.centre_of(beneficiary_id)?;
                    restored |= self.store_identity(command, centre_id)?.is_some();
                }
            }
        }
        if restored {
            self.inner.store.sync()?;
        }
        // An erasure repeated finishes what a crash may have interrupted.
        let erasures: Vec<BeneficiaryId> = commands.iter().filter_map(erasure_of).collect();
        self.finish_erasures(&erasures)?;
        let events = records.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Executed { events, deduplicated: true })
    }

    /// Whether a repeated command carries the identity its first use recorded: its digest is
    /// the recorded one, or (sent with another salt) it is the identity the vault still holds
    /// under the recorded digest. When the vault no longer holds that one (a later correction,
    /// an erasure), nothing can be told, and the repeat stands.
    fn same_identity_as_recorded(
        &self,
        command: &Command,
        records: &[parapompi_store::RecordedEvent],
    ) -> Result<bool, EngineError> {
        use parapompi_core::beneficiary::BeneficiaryEvent;
        let Some((beneficiary_id, identity, salt, _)) = carried_identity(command) else { return Ok(true) };
        let stream = beneficiary_id.stream_id();
        let mut recorded = None;
        for record in records.iter().filter(|r| r.stream_id.as_str() == stream) {
            if let Event::Beneficiary(
                BeneficiaryEvent::BeneficiaryRegistered { identity_digest, .. }
                | BeneficiaryEvent::IdentityDigestChanged { identity_digest },
            ) = decode(record)?.event
            {
                recorded = Some(identity_digest);
            }
        }
        let Some(recorded) = recorded else { return Ok(true) };
        if identity.digest(salt) == recorded {
            return Ok(true);
        }
        match self.inner.vault.get(beneficiary_id)? {
            Some(held) if held.identity.digest(&held.salt) == recorded => Ok(held.identity == *identity),
            _ => Ok(true),
        }
    }

    /// Whether a repeated act carries the texts its first use recorded: the same words, as
    /// the vault holds them under the recorded references (in any order). When the vault no
    /// longer holds one (the person was erased), nothing can be told, and the repeat stands.
    fn same_texts_as_recorded(
        &self,
        commands: &[Command],
        records: &[parapompi_store::RecordedEvent],
    ) -> Result<bool, EngineError> {
        let mut given: Vec<&str> = commands.iter().flat_map(Command::texts).collect();
        let mut recorded: Vec<String> = Vec::new();
        for record in records {
            let event = decode(record)?.event;
            let texts = event.texts();
            if texts.is_empty() {
                continue;
            }
            let person = match &event {
                Event::Beneficiary(_) => {
                    let id =
                        record.stream_id.as_str().strip_prefix("beneficiary-").and_then(|u| Uuid::parse_str(u).ok());
                    match id {
                        Some(id) => BeneficiaryId::new(id),
                        None => return Ok(true),
                    }
                }
                _ => match self.state_of(StreamKind::Case, record.stream_id.to_string())? {
                    State::Case(Some(case)) => case.beneficiary_id,
                    _ => return Ok(true),
                },
            };
            for (_, text) in texts {
                match text {
                    parapompi_core::Text::Inline(words) => recorded.push(words.clone()),
                    parapompi_core::Text::Sealed(sealed) => match self.inner.vault.get_text(person, sealed.text_id)? {
                        Some((_, words)) => recorded.push(words),
                        None => return Ok(true),
                    },
                }
            }
        }
        given.sort_unstable();
        recorded.sort_unstable();
        Ok(given == recorded.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// The salt for the identity digest of `beneficiary_id` registered or corrected by the
    /// command `command_id`: HMAC-SHA256 under the deployment key, so that nobody without the
    /// key can compute it from the ids in the log (and so test guessed identities against the
    /// digest), while a retry of the same command gets the same salt and so is the same
    /// command. Clients that have no random source of their own use it.
    pub fn identity_salt(&self, command_id: Uuid, beneficiary_id: BeneficiaryId) -> Result<IdentitySalt, EngineError> {
        let bytes = self
            .inner
            .amka_index
            .key()
            .digest("parapompi/identity-salt/v1", &[command_id.as_bytes(), beneficiary_id.uuid().as_bytes()]);
        Ok(IdentitySalt::new(bytes.to_vec())?)
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
        let poisoned = || EngineError::Interrupted("a panic poisoned the table of folded streams".to_owned());
        let version = self.inner.store.stream_version(stream_id)?;
        if let Some((folded_at, state)) = self.inner.folded.lock().map_err(|_| poisoned())?.get(stream_id) {
            if *folded_at == version && state.kind() == kind {
                return Ok((state.clone(), version));
            }
        }
        let (state, folded_at) =
            crate::records::fold_stream(kind, &self.inner.store.read_stream(stream_id, 1, usize::MAX)?)?;
        let mut folded = self.inner.folded.lock().map_err(|_| poisoned())?;
        if folded.len() >= MAX_FOLDED_STREAMS && !folded.contains_key(stream_id) {
            folded.clear();
        }
        folded.insert(stream_id.clone(), (folded_at, state.clone()));
        Ok((state, folded_at))
    }

    fn state_of(&self, kind: StreamKind, stream_id: String) -> Result<State, EngineError> {
        Ok(self.stream_state(kind, &StreamId::new(stream_id)?)?.0)
    }

    pub(crate) fn actor(&self, acting: Acting) -> Result<Actor, EngineError> {
        match acting {
            Acting::Setup => Ok(Actor::Setup),
            Acting::Evaluator => Ok(Actor::Evaluator),
            Acting::Authenticator => Ok(Actor::Authenticator),
            Acting::Staff(staff_id) => match self.state_of(StreamKind::Staff, staff_id.stream_id())? {
                State::Staff(state) => StaffFacts::from_state(&state)
                    .map(Actor::Staff)
                    .ok_or_else(|| EngineError::NotFound(format!("no staff member {}", staff_id.stream_id()))),
                _ => unreachable!("a staff stream folds into a staff state"),
            },
        }
    }

    /// Folds the streams a command's rules need and takes their facts, as they stand after
    /// the earlier commands of the same act.
    fn facts(&self, command: &Command, needed: &FactsNeeded, act: &mut Act) -> Result<Facts, EngineError> {
        let mut facts = Facts::default();
        if let Some(centre_id) = needed.centre {
            if let State::Centre(state) = act.state_of(self, StreamKind::Centre, centre_id.stream_id())? {
                facts.centre = CentreFacts::from_state(&state);
            }
        }
        if let Some(agency_id) = needed.agency {
            if let State::Agency(state) = act.state_of(self, StreamKind::Agency, agency_id.stream_id())? {
                facts.agency = AgencyFacts::from_state(&state);
            }
        }
        if let Some(beneficiary_id) = needed.beneficiary {
            if let State::Beneficiary(state) =
                act.state_of(self, StreamKind::Beneficiary, beneficiary_id.stream_id())?
            {
                facts.beneficiary = BeneficiaryFacts::from_state(&state);
            }
        }
        if let Some(staff_id) = needed.staff {
            if let State::Staff(state) = act.state_of(self, StreamKind::Staff, staff_id.stream_id())? {
                facts.staff = StaffFacts::from_state(&state);
            }
        }
        if let Some(case_id) = needed.case {
            if let State::Case(state) = act.state_of(self, StreamKind::Case, case_id.stream_id())? {
                facts.case = CaseFacts::from_state(&state);
            }
        }
        if let Some(centre_id) = needed.administrators_of {
            // Rare (a role change or a deactivation): a pass over the staff streams.
            let mut staff_ids = BTreeSet::new();
            for stream_id in self.inner.store.stream_ids(&format!("{}-", StreamKind::Staff.prefix()))? {
                if let State::Staff(Some(staff)) = act.state(self, StreamKind::Staff, &stream_id)? {
                    if staff.centre_id == centre_id && staff.active && staff.roles.contains(&Role::Administrator) {
                        staff_ids.insert(staff.staff_id);
                    }
                }
            }
            facts.active_administrators = Some(ActiveAdministrators { centre_id, staff_ids });
        }
        if let Some(centre_id) = needed.amka_holder_at {
            facts.amka_holder = Some(self.amka_holder(command, centre_id, act)?);
        }
        if needed.first_centre {
            facts.first_centre = self.first_centre()?;
        }
        if let Some((beneficiary_id, centre_id)) = needed.entered_operations_of {
            facts.entered_operations = Some(self.entered_operations(beneficiary_id, centre_id, act)?);
        }
        Ok(facts)
    }

    /// The operations of a centre a person has entered: from the read models (caught up
    /// with the log) and from the cases the act itself opened so far. Intakes run one at a
    /// time ([`runs_alone`]), so two of one person cannot both find the operation new.
    fn entered_operations(
        &self,
        beneficiary_id: BeneficiaryId,
        centre_id: CentreId,
        act: &Act,
    ) -> Result<EnteredOperations, EngineError> {
        let mut programmes = BTreeSet::new();
        for code in self.with_projections(|p| p.operations_entered(beneficiary_id, centre_id))? {
            programmes.insert(ProgrammeCode::new(&code)?);
        }
        for stream in &act.streams {
            if let State::Case(Some(case)) = &stream.state {
                if case.beneficiary_id == beneficiary_id && case.centre_id == centre_id {
                    programmes.extend(case.operations.iter().cloned());
                }
            }
        }
        Ok(EnteredOperations { beneficiary_id, centre_id, programmes })
    }

    /// The deployment's first-registered centre: the centre of the log's first
    /// `CentreRegistered` (a read of the log's first records, where a deployment's set-up
    /// registers it).
    pub(crate) fn first_centre(&self) -> Result<Option<CentreId>, EngineError> {
        for record in self.inner.store.iter_from(1) {
            let record = record?;
            if record.event_type.as_str() != "CentreRegistered" {
                continue;
            }
            if let Event::Centre(parapompi_core::centre::CentreEvent::CentreRegistered { centre_id, .. }) =
                decode(&record)?.event
            {
                return Ok(Some(centre_id));
            }
        }
        Ok(None)
    }

    /// Puts the identity a command carries into the vault and its AMKA into the index;
    /// returns how to undo that.
    fn store_identity(&self, command: &Command, centre_id: CentreId) -> Result<Option<VaultUndo>, EngineError> {
        let Some((beneficiary_id, identity, salt, _)) = carried_identity(command) else { return Ok(None) };
        let previous = self.inner.vault.get(beneficiary_id)?;
        let undo = VaultUndo { beneficiary_id, centre_id, amka: identity.amka().clone(), previous };
        let written = (|| {
            if let Some(old) = &undo.previous {
                self.inner.amka_index.remove(centre_id, old.identity.amka(), beneficiary_id)?;
            }
            self.inner.vault.put(beneficiary_id, &VaultEntry { identity: identity.clone(), salt: salt.clone() })?;
            self.inner.amka_index.put(centre_id, identity.amka(), beneficiary_id)
        })();
        match written {
            Ok(()) => Ok(Some(undo)),
            Err(error) => {
                self.undo_identities(vec![undo])?;
                Err(error)
            }
        }
    }

    /// The centre that registered a beneficiary.
    fn centre_of(&self, beneficiary_id: BeneficiaryId) -> Result<CentreId, EngineError> {
        match self.state_of(StreamKind::Beneficiary, beneficiary_id.stream_id())? {
            State::Beneficiary(Some(beneficiary)) => Ok(beneficiary.centre_id),
            _ => Err(EngineError::NotFound(format!("no beneficiary {}", beneficiary_id.stream_id()))),
        }
    }

    /// Puts the vault and the AMKA index back as they were before an act that was not
    /// recorded, last change first.
    fn undo_identities(&self, undo: Vec<VaultUndo>) -> Result<(), EngineError> {
        for undo in undo.into_iter().rev() {
            self.inner.amka_index.remove(undo.centre_id, &undo.amka, undo.beneficiary_id)?;
            match undo.previous {
                Some(entry) => {
                    self.inner.vault.put(undo.beneficiary_id, &entry)?;
                    self.inner.amka_index.put(undo.centre_id, entry.identity.amka(), undo.beneficiary_id)?;
                }
                None => self.inner.vault.remove(undo.beneficiary_id)?,
            }
        }
        Ok(())
    }

    /// Who at `centre_id` holds the AMKA of the identity `command` carries: someone the act
    /// has registered or corrected so far, else whom the index names, if the log has them
    /// (an index entry whose registration never reached the log, after a crash, holds
    /// nothing).
    fn amka_holder(&self, command: &Command, centre_id: CentreId, act: &mut Act) -> Result<AmkaHolder, EngineError> {
        let Some((beneficiary_id, identity, _, _)) = carried_identity(command) else {
            return Ok(AmkaHolder { centre_id, holder: None });
        };
        let in_act = act.identities.iter().find(|(centre, amka, holder)| {
            *centre == centre_id && amka == identity.amka() && *holder != beneficiary_id
        });
        if let Some((_, _, holder)) = in_act {
            return Ok(AmkaHolder { centre_id, holder: Some(*holder) });
        }
        let holder = match self.inner.amka_index.holder(centre_id, identity.amka())? {
            Some(holder) => match act.state_of(self, StreamKind::Beneficiary, holder.stream_id())? {
                State::Beneficiary(Some(_)) => Some(holder),
                _ => None,
            },
            None => None,
        };
        Ok(AmkaHolder { centre_id, holder })
    }

    /// Fills the AMKA index from the vault, when it was built under another look-up key or
    /// never built (a store from before the index, or a new key).
    fn rebuild_amka_index(&self) -> Result<(), EngineError> {
        if self.inner.amka_index.is_current()? {
            return Ok(());
        }
        let mut entries = Vec::new();
        for (beneficiary_id, entry) in self.inner.vault.entries()? {
            entries.push((self.centre_of(beneficiary_id)?, entry.identity.amka().clone(), beneficiary_id));
        }
        self.inner.amka_index.rebuild(entries)?;
        self.inner.store.sync()?;
        Ok(())
    }

    /// A beneficiary's identity record, if the vault holds it (not after an erasure). This
    /// read is not recorded: it serves the Engine's own callers' writes (a correction merges
    /// the fields it changes); whatever shows an identity to someone goes through
    /// [`Engine::read_identity`], which records the read first.
    pub fn identity(&self, beneficiary_id: BeneficiaryId) -> Result<Option<VaultEntry>, EngineError> {
        self.inner.vault.get(beneficiary_id)
    }

    /// Erases a beneficiary's identity (GDPR Art. 17), durably. The erasure is a command like
    /// any other (`EraseIdentity`, which [`Engine::execute`] takes just as well): only a
    /// supervisor of the beneficiary's centre may give it, and it records an
    /// `IdentityErased` event (who, when) in the beneficiary's stream; then the person's key,
    /// vault entry and AMKA index entry go. The log, its hash chain, the case history and the
    /// indicators stay as they are. Erasing twice is rejected (`NothingToChange`); repeating
    /// the same command id finishes the erasure again, in case the first attempt stopped
    /// between its steps (an Engine opened after a crash finishes it too).
    pub fn erase_identity(&self, beneficiary_id: BeneficiaryId, meta: CommandMeta) -> Result<Executed, EngineError> {
        use parapompi_core::beneficiary::{BeneficiaryAction, BeneficiaryCommand};
        let command =
            Command::Beneficiary(BeneficiaryCommand { beneficiary_id, action: BeneficiaryAction::EraseIdentity });
        self.execute(&command, meta)
    }

    /// The steps of an erasure after its event: the index entry, the key, the vault entry.
    fn finish_erasure(&self, beneficiary_id: BeneficiaryId) -> Result<(), EngineError> {
        // The key goes out of its file at once, the vault's own changes at sled's next
        // sync. So the erasure's event (appended deferred, perhaps) and a mark of the erasure
        // (a repeated erasure comes here with none of its own) are made durable first: an
        // Engine opened after a crash in between finishes the erasure, and a key is never
        // destroyed for an erasure the log might not keep.
        self.inner.vault.mark_erasing(beneficiary_id)?;
        self.inner.store.sync()?;
        crate::fault_points::reached("erasure: event and mark durable, key not removed");
        if let Some(entry) = self.inner.vault.get(beneficiary_id)? {
            self.inner.amka_index.remove(self.centre_of(beneficiary_id)?, entry.identity.amka(), beneficiary_id)?;
            // Synced before the key goes: without the key the entry no longer reads, so
            // nothing could find the AMKA to remove its index entry again after a crash, and
            // the erased person would hold their AMKA at the centre for good.
            self.inner.store.sync()?;
        }
        self.inner.vault.erase(beneficiary_id)?;
        crate::fault_points::reached("erasure: vault entry removed, mark not cleared");
        self.inner.vault.clear_erasing(beneficiary_id)
    }

    /// Finishes the erasures a crash interrupted: those the log records are completed, the
    /// others (the event never reached the log) are forgotten.
    fn finish_interrupted_erasures(&self) -> Result<(), EngineError> {
        let interrupted = self.inner.vault.erasing()?;
        for beneficiary_id in &interrupted {
            match self.state_of(StreamKind::Beneficiary, beneficiary_id.stream_id())? {
                State::Beneficiary(Some(state)) if state.identity_erased => self.finish_erasure(*beneficiary_id)?,
                _ => self.inner.vault.clear_erasing(*beneficiary_id)?,
            }
        }
        if !interrupted.is_empty() {
            self.inner.store.sync()?;
        }
        Ok(())
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
        let mut file = case_file(case_id, &records);
        self.with_projections(|p| p.case_file_references(&mut file))?;
        Ok(file)
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
        self.rebuild_reporting(&crate::progress::silently)
    }

    /// [`Engine::rebuild`], reporting its progress in records folded of the log's.
    pub fn rebuild_reporting(&self, report: crate::progress::Report<'_>) -> Result<u64, EngineError> {
        let mut projector = self.projector()?;
        projector.rebuild(&self.inner.store, report)
    }

    /// Verifies the log (see [`Store::verify`]), reporting its progress in records checked.
    pub fn verify_reporting(
        &self,
        report: crate::progress::Report<'_>,
    ) -> Result<parapompi_store::Verified, EngineError> {
        let on_records = |done: u64, total: u64| {
            report(crate::progress::Progress { work: crate::progress::Work::Verifying, done, total: Some(total) })
        };
        Ok(self.inner.store.verify_reporting(&on_records)?)
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

    /// The records of a subject's audit trail, in log order.
    pub(crate) fn audit_records(&self, subject: &AuditSubject) -> Result<Vec<Recorded>, EngineError> {
        let positions = self.with_projections(|p| p.audit_positions(subject))?;
        let mut records = self.records_at(&positions)?;
        records.sort_by_key(|r| r.position);
        Ok(records)
    }

    /// The beneficiary of a centre who holds an AMKA, through the keyed index.
    pub(crate) fn indexed_amka_holder(
        &self,
        centre_id: CentreId,
        amka: &Amka,
    ) -> Result<Option<BeneficiaryId>, EngineError> {
        self.inner.amka_index.holder(centre_id, amka)
    }

    /// Holds every act off until the guard drops (acts under way finish first).
    pub(crate) fn hold_acts(&self) -> Result<std::sync::RwLockWriteGuard<'_, ()>, EngineError> {
        self.inner.acts_gate.write().map_err(|_| EngineError::Interrupted("a panic poisoned the acts' gate".to_owned()))
    }

    /// The vault's sled tree, as it is kept.
    pub(crate) fn vault_tree(&self) -> &sled::Tree {
        self.inner.vault.tree()
    }

    /// The deployment key this Engine opened with.
    pub(crate) fn deployment_key(&self) -> &crate::deployment_key::DeploymentKey {
        self.inner.amka_index.key()
    }

    /// Removes what the vault holds of a person and destroys their key, as an erasure does
    /// once recorded (used by a restore for erasures the backup's log records, or that came
    /// later); true if anything was held.
    pub(crate) fn remove_personal_data(&self, beneficiary_id: BeneficiaryId) -> Result<bool, EngineError> {
        // An entry that no longer opens (its key destroyed by an erasure cut short) is held too.
        let held = self.inner.vault.get(beneficiary_id).map_or(true, |entry| entry.is_some())
            || self.inner.vault.person_keys().get(beneficiary_id)?.is_some();
        if held {
            self.finish_erasure(beneficiary_id)?;
        }
        Ok(held)
    }

    /// The vault.
    pub(crate) fn vault(&self) -> &IdentityVault {
        &self.inner.vault
    }

    /// Imports a JSON Lines export into the log (see [`Store::import_jsonl`]), all or
    /// nothing: besides the store's checks of the chain, the versions and the command ids,
    /// every record must decode into an event this engine knows (its type, its schema
    /// version, the shape of its payload). The first that does not refuses the whole file,
    /// named by its line and position, and the store is left as it was.
    pub fn import_jsonl(&self, path: impl AsRef<Path>) -> Result<parapompi_store::Imported, EngineError> {
        self.import_jsonl_reporting(path, &crate::progress::silently)
    }

    /// [`Engine::import_jsonl`], reporting its progress: records checked, then written.
    pub fn import_jsonl_reporting(
        &self,
        path: impl AsRef<Path>,
        report: crate::progress::Report<'_>,
    ) -> Result<parapompi_store::Imported, EngineError> {
        let mut passes = ImportPasses::new(report);
        let imported = self.inner.store.import_jsonl_checked(path, |record| passes.check(record))?;
        passes.finish();
        self.projector()?.catch_up(&self.inner.store)?;
        Ok(imported)
    }

    /// Imports the record frames of a bundle that start at byte `offset` of the file (see
    /// [`Store::import_frames`]), all or nothing with the same decoding check as
    /// [`Engine::import_jsonl`].
    pub fn import_frames(&self, path: impl AsRef<Path>, offset: u64) -> Result<parapompi_store::Imported, EngineError> {
        self.import_frames_reporting(path, offset, &crate::progress::silently)
    }

    /// [`Engine::import_frames`], reporting its progress: records checked, then written.
    pub fn import_frames_reporting(
        &self,
        path: impl AsRef<Path>,
        offset: u64,
        report: crate::progress::Report<'_>,
    ) -> Result<parapompi_store::Imported, EngineError> {
        let mut passes = ImportPasses::new(report);
        let imported = self.inner.store.import_frames_checked(path, offset, |record| passes.check(record))?;
        passes.finish();
        self.projector()?.catch_up(&self.inner.store)?;
        Ok(imported)
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

/// The streams one act writes, with the state each will have after the act's events so far:
/// later commands of the act are decided against it, and it becomes one append.
#[derive(Default)]
struct Act {
    streams: Vec<ActStream>,
    /// The identities the act's commands carry so far: centre, AMKA, beneficiary.
    identities: Vec<(CentreId, Amka, BeneficiaryId)>,
}

struct ActStream {
    stream_id: StreamId,
    /// The stream's version in the log when the act read it.
    version: u64,
    /// Its state after the act's events so far.
    state: State,
    /// The act's events for it, in order.
    events: Vec<Event>,
}

impl Act {
    /// A stream's state as the act sees it: the log's, then the act's own events.
    fn state(&mut self, engine: &Engine, kind: StreamKind, stream_id: &StreamId) -> Result<State, EngineError> {
        if let Some(stream) = self.streams.iter().find(|s| s.stream_id == *stream_id) {
            return Ok(stream.state.clone());
        }
        let (state, version) = engine.stream_state(kind, stream_id)?;
        self.streams.push(ActStream {
            stream_id: stream_id.clone(),
            version,
            state: state.clone(),
            events: Vec::new(),
        });
        Ok(state)
    }

    fn state_of(&mut self, engine: &Engine, kind: StreamKind, stream_id: String) -> Result<State, EngineError> {
        self.state(engine, kind, &StreamId::new(stream_id)?)
    }

    /// Adds a command's decided events to its stream (read by [`Act::state`] before).
    fn record(&mut self, stream_id: StreamId, events: Vec<Event>) {
        let Some(stream) = self.streams.iter_mut().find(|s| s.stream_id == stream_id) else {
            unreachable!("a command's own stream is read before it is decided")
        };
        for event in &events {
            stream.state.evolve(event);
        }
        stream.events.extend(events);
    }

    /// The centre that registered a beneficiary, as the act sees the beneficiary.
    fn centre_of(&mut self, engine: &Engine, beneficiary_id: BeneficiaryId) -> Result<CentreId, EngineError> {
        match self.state_of(engine, StreamKind::Beneficiary, beneficiary_id.stream_id())? {
            State::Beneficiary(Some(beneficiary)) => Ok(beneficiary.centre_id),
            _ => Err(EngineError::NotFound(format!("no beneficiary {}", beneficiary_id.stream_id()))),
        }
    }

    fn n_events(&self) -> usize {
        self.streams.iter().map(|s| s.events.len()).sum()
    }
}

/// Whether a record's event decodes, and belongs to the kind of stream it is in (the check
/// of every imported record: a stream holding another kind's event could not be folded).
pub(crate) fn decodable(record: &parapompi_store::RecordedEvent) -> Result<(), String> {
    let event = Event::from_payload_text(record.event_type.as_str(), record.schema_version, record.payload.as_str())
        .map_err(|error| format!("the event does not decode: {error}"))?;
    let kind = event.stream_kind();
    match record.stream_id.as_str().strip_prefix(kind.prefix()) {
        Some(rest) if rest.starts_with('-') => Ok(()),
        _ => Err(format!("a {} event cannot be in stream {}", record.event_type.as_str(), record.stream_id)),
    }
}

/// An act's command id marked as under way, until dropped.
pub(crate) struct InFlight<'a> {
    inner: &'a Inner,
    command_id: Uuid,
    /// The acts' gate, held shared while the act is under way.
    _gate: std::sync::RwLockReadGuard<'a, ()>,
}

impl<'a> InFlight<'a> {
    /// Marks `command_id` as under way, first waiting for an act already under it to end.
    fn enter(inner: &'a Inner, command_id: Uuid) -> Result<InFlight<'a>, EngineError> {
        let poisoned = || EngineError::Interrupted("a panic poisoned the set of acts under way".to_owned());
        let gate = inner
            .acts_gate
            .read()
            .map_err(|_| EngineError::Interrupted("a panic poisoned the acts' gate".to_owned()))?;
        let mut under_way = inner.in_flight.lock().map_err(|_| poisoned())?;
        while under_way.contains(&command_id) {
            under_way = inner.in_flight_ended.wait(under_way).map_err(|_| poisoned())?;
        }
        under_way.insert(command_id);
        Ok(InFlight { inner, command_id, _gate: gate })
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut under_way) = self.inner.in_flight.lock() {
            under_way.remove(&self.command_id);
        }
        self.inner.in_flight_ended.notify_all();
    }
}

/// How to put the vault and the AMKA index back when an append fails.
struct VaultUndo {
    beneficiary_id: BeneficiaryId,
    centre_id: CentreId,
    /// The AMKA the command put in the index.
    amka: Amka,
    previous: Option<VaultEntry>,
}

/// True for the acts that must run one at a time: those that carry an identity (the AMKA
/// index must not change between their check and their write), that erase someone, and
/// that change who administers a centre (two such acts at once could each leave the other's
/// administrator as the last one).
fn runs_alone(command: &Command) -> bool {
    use parapompi_core::case::CaseAction;
    use parapompi_core::staff::StaffAction;
    carried_identity(command).is_some()
        || erasure_of(command).is_some()
        || matches!(command, Command::Staff(s) if matches!(s.action, StaffAction::ChangeRoles { .. } | StaffAction::Deactivate))
        // An intake reads which operations its person has entered with other cases.
        || matches!(command, Command::Case(c) if matches!(c.action, CaseAction::Open { .. }))
}

/// The person a command erases, if it is an erasure.
fn erasure_of(command: &Command) -> Option<BeneficiaryId> {
    use parapompi_core::beneficiary::BeneficiaryAction;
    match command {
        Command::Beneficiary(b) if matches!(b.action, BeneficiaryAction::EraseIdentity) => Some(b.beneficiary_id),
        _ => None,
    }
}

/// The identity a command carries into the vault, with its beneficiary and (for a
/// registration) its centre.
fn carried_identity(command: &Command) -> Option<(BeneficiaryId, &IdentityRecord, &IdentitySalt, Option<CentreId>)> {
    use parapompi_core::beneficiary::BeneficiaryAction;
    let Command::Beneficiary(beneficiary) = command else { return None };
    match &beneficiary.action {
        BeneficiaryAction::Register { identity, salt, centre_id, .. } => {
            Some((beneficiary.beneficiary_id, identity, salt, Some(*centre_id)))
        }
        BeneficiaryAction::CorrectIdentity { identity, salt } => {
            Some((beneficiary.beneficiary_id, identity, salt, None))
        }
        _ => None,
    }
}

/// An import's check of every record, counting its two passes over the file (a first that
/// checks, a second that writes, each seeing the records from the first position on) for
/// the progress report: the second pass's total is the first's count.
struct ImportPasses<'a> {
    counter: crate::progress::Counter<'a>,
    report: crate::progress::Report<'a>,
    last_position: u64,
}

impl<'a> ImportPasses<'a> {
    fn new(report: crate::progress::Report<'a>) -> ImportPasses<'a> {
        ImportPasses {
            counter: crate::progress::Counter::new(report, crate::progress::Work::Checking, None),
            report,
            last_position: 0,
        }
    }

    fn check(&mut self, record: &parapompi_store::RecordedEvent) -> Result<(), String> {
        if record.position <= self.last_position {
            // The writing pass starts again from the first record.
            self.counter.finish();
            let total = self.counter.done();
            self.counter = crate::progress::Counter::new(self.report, crate::progress::Work::Writing, Some(total));
        }
        self.last_position = record.position;
        self.counter.tick();
        decodable(record)
    }

    fn finish(&self) {
        self.counter.finish();
    }
}
