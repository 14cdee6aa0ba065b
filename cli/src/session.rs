//! What every command shares: the data directory, the open Engine, the acting staff member,
//! the command's time and id, and how a write's result is printed.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use parapompi::core::values::{CaseId, CentreId, ReferralId, StaffId, Timestamp};
use parapompi::core::{Command, State, StreamKind};
use parapompi::documents::WriteOutcome;
use parapompi::projections::athens_date;
use parapompi::store::{StoreError, StreamId};
use parapompi::{deployment_key_path, Acting, CommandMeta, DeploymentKeySource, Engine, EngineConfig, HexKey};
use uuid::Uuid;

use crate::args::Global;
use crate::backend::Backend;
use crate::error::CliError;
use crate::i18n::message;
use crate::output::Out;
use crate::parse;

/// The data directory: `--data-dir`, else `PARAPOMPI_DATA` (clap reads both), else
/// `./parapompi-data`.
pub fn data_dir(global: &Global) -> PathBuf {
    global.data_dir.clone().unwrap_or_else(|| PathBuf::from("parapompi-data"))
}

/// True when the directory holds a store (sled's directory is made on first open).
pub fn store_exists(dir: &Path) -> bool {
    dir.join("sled").is_dir()
}

/// Opens the Engine on an existing store; a missing store is a usage error, so that a typo
/// in `--data-dir` never creates an empty directory.
pub fn open_existing(global: &Global) -> Result<Engine, CliError> {
    open_existing_with(global, EngineConfig::default())
}

/// [`open_existing`] with a configuration of its own (`serve` decides more often again).
pub fn open_existing_with(global: &Global, config: EngineConfig) -> Result<Engine, CliError> {
    let dir = &data_dir(global);
    if !store_exists(dir) {
        return Err(CliError::field(
            "--data-dir",
            message("session-no-store", &[("text", &dir.display().to_string())]),
        ));
    }
    open_engine(global, config)
}

/// Opens the Engine on `dir` with `config` and the deployment key the environment gives:
/// `PARAPOMPI_DEPLOYMENT_KEY` (64 hex digits), else the file `PARAPOMPI_DEPLOYMENT_KEY_FILE`
/// names, else `DATA_DIR/keys/deployment.key`, made there on first use with a warning that
/// a key beside the data suits a trial, not production.
///
/// A directory another process holds (a server, another command) is waited for, up to
/// `--wait` seconds, before the "in use" error.
pub fn open_engine(global: &Global, mut config: EngineConfig) -> Result<Engine, CliError> {
    let dir = &data_dir(global);
    config.deployment_key = deployment_key_source();
    let default_key = deployment_key_path(dir);
    let made_here = matches!(config.deployment_key, DeploymentKeySource::InDataDir) && !default_key.exists();
    let started = std::time::Instant::now();
    let deadline = started.checked_add(std::time::Duration::from_secs(global.wait)).unwrap_or(started);
    let engine = loop {
        match Engine::open(dir, config.clone()) {
            Err(parapompi::EngineError::Store(StoreError::InUse { .. })) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(parapompi::EngineError::Store(StoreError::InUse { path })) => {
                let (path, waited) = (path.display().to_string(), global.wait.to_string());
                return Err(CliError::Environment(message("session-in-use", &[("text", &path), ("value", &waited)])));
            }
            opened => break opened?,
        }
    };
    if made_here && default_key.exists() {
        let text = message("session-made-deployment-key", &[("text", &default_key.display().to_string())]);
        eprintln!("parapompi: {text}");
    }
    if engine.signing_key_made() {
        let text = message(
            "session-made-signing-key",
            &[
                ("text", &parapompi::signing_key::signing_key_path(dir).display().to_string()),
                ("key", &engine.signing_verifier_key().vkey()),
            ],
        );
        eprintln!("parapompi: {text}");
    }
    Ok(engine)
}

/// Where the environment says the deployment key comes from: `PARAPOMPI_DEPLOYMENT_KEY` (64
/// hex digits), else the file `PARAPOMPI_DEPLOYMENT_KEY_FILE` names, else the data directory.
pub fn deployment_key_source() -> DeploymentKeySource {
    match (std::env::var("PARAPOMPI_DEPLOYMENT_KEY"), std::env::var_os("PARAPOMPI_DEPLOYMENT_KEY_FILE")) {
        (Ok(hex), _) => DeploymentKeySource::Hex(HexKey::new(hex)),
        (Err(_), Some(file)) => DeploymentKeySource::File(PathBuf::from(file)),
        (Err(_), None) => DeploymentKeySource::InDataDir,
    }
}

/// One command's view of the world: the Engine or the server, the global options, and the
/// output.
pub struct Ctx<'a> {
    /// Where reads and writes go.
    pub backend: &'a Backend,
    /// The global options of this command (for `apply`, of this line).
    pub global: &'a Global,
    /// Where results go.
    pub out: &'a mut Out,
    /// Facts that never change once true, remembered for the rest of the run (all of an
    /// `apply` batch's lines share one).
    pub known: &'a Known,
    /// The command id when none was given, chosen once for the whole command.
    fresh_command_id: std::cell::OnceCell<Uuid>,
    /// The acting staff member when `--as` gave a name, looked up once.
    actor_by_name: std::cell::OnceCell<StaffId>,
}

impl<'a> Ctx<'a> {
    /// A command's view of the world.
    pub fn new(backend: &'a Backend, global: &'a Global, out: &'a mut Out, known: &'a Known) -> Ctx<'a> {
        Ctx {
            backend,
            global,
            out,
            known,
            fresh_command_id: std::cell::OnceCell::new(),
            actor_by_name: std::cell::OnceCell::new(),
        }
    }
}

/// Facts that, once true, stay true for as long as the log exists, so that a batch looks each
/// up once: a staff member's centre (no command moves a staff member) and the case a
/// referral lives in (a referral never leaves its case's stream). Only facts read from the
/// log or written by a command that succeeded are kept.
#[derive(Default)]
pub struct Known {
    staff_centres: RefCell<HashMap<StaffId, CentreId>>,
    referral_cases: RefCell<HashMap<ReferralId, CaseId>>,
}

impl Known {
    /// The case of a referral, if known.
    pub fn referral_case(&self, referral_id: ReferralId) -> Option<CaseId> {
        self.referral_cases.borrow().get(&referral_id).copied()
    }

    /// Remembers the case of a referral.
    pub fn remember_referral(&self, referral_id: ReferralId, case_id: CaseId) {
        self.referral_cases.borrow_mut().insert(referral_id, case_id);
    }
}

impl Ctx<'_> {
    /// The acting staff member; writes need one. Through the server it is the staff member
    /// logged in.
    pub fn acting(&self) -> Result<Acting, CliError> {
        if let Backend::Server(client) = self.backend {
            return Ok(Acting::Staff(client.staff_id()?));
        }
        let Some(text) = &self.global.actor else {
            return Err(CliError::field("--as", message("session-needs-actor", &[])));
        };
        if let Ok(uuid) = parse::uuid_of("--as", "staff", text) {
            return Ok(Acting::Staff(StaffId::new(uuid)));
        }
        // A name: looked up in the directory once for the whole command.
        if let Some(staff_id) = self.actor_by_name.get() {
            return Ok(Acting::Staff(*staff_id));
        }
        let staff_id = crate::resolve::staff(self, "--as", text)?;
        Ok(Acting::Staff(*self.actor_by_name.get_or_init(|| staff_id)))
    }

    /// The staff member acting, when one is (through the server, the one logged in; in direct
    /// mode, `--as`): the scope of the views that default to "my work".
    pub fn own_staff(&self) -> Result<Option<StaffId>, CliError> {
        match (self.backend, &self.global.actor) {
            (Backend::Server(_), _) | (Backend::Direct(_), Some(_)) => match self.acting()? {
                Acting::Staff(staff_id) => Ok(Some(staff_id)),
                _ => Ok(None),
            },
            (Backend::Direct(_), None) => Ok(None),
        }
    }

    /// The acting staff member's centre, for commands whose centre defaults to it.
    pub fn actor_centre(&self) -> Result<CentreId, CliError> {
        let Acting::Staff(staff_id) = self.acting()? else { unreachable!("acting() gives a staff member") };
        if let Some(centre_id) = self.known.staff_centres.borrow().get(&staff_id) {
            return Ok(*centre_id);
        }
        let stream = StreamId::new(staff_id.stream_id())?;
        match self.backend.stream_state(StreamKind::Staff, &stream)?.0 {
            State::Staff(Some(staff)) => {
                self.known.staff_centres.borrow_mut().insert(staff_id, staff.centre_id);
                Ok(staff.centre_id)
            }
            _ => Err(CliError::field("--as", message("session-no-staff", &[("id", &staff_id.stream_id())]))),
        }
    }

    /// When the act happened: `--at`, else now.
    pub fn occurred_at(&self) -> Result<Timestamp, CliError> {
        match &self.global.at {
            Some(text) => parse::instant("--at", text),
            None => {
                let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                Ok(Timestamp::from_unix_ms(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)))
            }
        }
    }

    /// Today as the centre counts days (Athens), at the command's time.
    pub fn today(&self) -> Result<parapompi::core::values::Date, CliError> {
        Ok(athens_date(self.occurred_at()?))
    }

    /// A date argument, or today when it is absent.
    pub fn date_or_today(&self, field: &str, text: Option<&String>) -> Result<parapompi::core::values::Date, CliError> {
        match text {
            Some(text) => parse::date(field, text),
            None => self.today(),
        }
    }

    /// The command's id: `--command-id`, else a new time-ordered UUID (the same one for
    /// every call during this command).
    pub fn command_id(&self) -> Result<Uuid, CliError> {
        match &self.global.command_id {
            Some(text) => Uuid::parse_str(text.trim()).map_err(|_| {
                CliError::field("--command-id", message("error-not-a-uuid", &[("text", &format!("{text:?}"))]))
            }),
            None => Ok(*self.fresh_command_id.get_or_init(Uuid::now_v7)),
        }
    }

    /// The id of an entity the command creates: the one given in `field`, else one derived
    /// from the command id and `purpose` ([`parapompi::entity_id`]), so that the same command
    /// sent again under the same `--command-id` names the same entity and is answered as a
    /// repeat.
    pub fn new_entity_id(
        &self,
        field: &str,
        prefix: &str,
        text: Option<&String>,
        purpose: &str,
    ) -> Result<Uuid, CliError> {
        match text {
            Some(text) => parse::uuid_of(field, prefix, text),
            None => Ok(parapompi::entity_id(self.command_id()?, purpose)),
        }
    }

    /// The command's metadata.
    pub fn meta(&self, acting: Acting, command_id: Uuid) -> Result<CommandMeta, CliError> {
        let occurred_at = self.occurred_at()?;
        Ok(CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) })
    }

    /// Executes one command as the acting staff member.
    pub fn execute(&self, command: &Command) -> Result<WriteOutcome, CliError> {
        self.execute_all(std::slice::from_ref(command))
    }

    /// Executes commands as one act of the acting staff member.
    pub fn execute_all(&self, commands: &[Command]) -> Result<WriteOutcome, CliError> {
        let acting = self.acting()?;
        let meta = self.meta(acting, self.command_id()?)?;
        self.backend.execute_all(commands, meta)
    }

    /// Prints what a write did: in JSON the object documented in docs/CLI.md, else `human`
    /// with the positions written at the end of its first line. A later line of `human` of
    /// the form `next: COMMAND` is a hint: it is printed as `next:` and then the command alone
    /// on its own line, so that it can be pasted into a shell as it is.
    pub fn written(
        &mut self,
        command: &str,
        executed: &[WriteOutcome],
        ids: &[(&str, String)],
        human: &str,
    ) -> Result<(), CliError> {
        let records = || executed.iter().flat_map(|e| &e.events);
        let deduplicated = !executed.is_empty() && executed.iter().all(|e| e.deduplicated);
        let note = if deduplicated {
            message("written-repeat", &[])
        } else {
            match (records().next(), records().last(), records().count()) {
                (Some(first), Some(last), n) if n > 1 => message(
                    "written-positions",
                    &[("start", &first.position.to_string()), ("end", &last.position.to_string())],
                ),
                (Some(first), _, _) => message("written-position", &[("position", &first.position.to_string())]),
                _ => message("written-nothing", &[]),
            }
        };
        if self.out.json {
            return self.out.json_value(parapompi::documents::written(command, executed, ids));
        }
        let mut lines = human.lines();
        self.out.line(format!("{} {note}", lines.next().unwrap_or_default()).trim_start())?;
        for line in lines {
            match line.strip_prefix("next: ") {
                Some(hint) => {
                    self.out.line(message("written-next", &[]))?;
                    self.out.line(hint.trim())?;
                }
                None => self.out.line(line)?,
            }
        }
        Ok(())
    }
}
