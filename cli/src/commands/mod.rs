//! The commands, one module per area, and the dispatch from parsed arguments to them.

pub mod backup;
pub mod credentials;
pub mod demo;
pub mod directory;
pub mod directory_views;
pub mod keys;
pub mod log;
pub mod login;
pub mod people;
pub mod reading;
pub mod referrals;
pub mod trust;
pub mod views;

use crate::args::{Cli, Command, Global, ReportCommand};
use crate::backend::Backend;
use crate::client::Client;
use crate::error::CliError;
use crate::i18n::message;
use crate::output::Out;
use crate::session::{data_dir, open_existing, Ctx, Known};

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let Cli { global, command } = cli;
    let mut out = Out::new(global.json);
    if let Some(server) = &global.server {
        return run_through_server(server, &global, command, &mut out);
    }
    match command {
        // Commands that need no store.
        Command::Completions(args) => log::completions(args, &mut out),
        Command::Verify(args) if !args.bundle.is_empty() => trust::verify_bundle_files(&args, &mut out),
        Command::Verify(args) if args.backup.is_some() => backup::verify(&args, &mut out),
        Command::Replay(args) => log::replay(args, &mut out),
        Command::Restore(args) => backup::restore(&args, &global, &mut out),
        Command::Witness(command) => trust::witness(command, &global, &mut out),
        Command::Login(_) | Command::Logout => {
            Err(CliError::field("--server", message("mode-login-needs-server", &[])))
        }
        // Works on the closed data directory itself.
        Command::Keys(command) => keys::run(command, &global, &mut out),
        // Commands that may create the store.
        Command::Init => log::init(&global, &mut out),
        Command::Demo(args) => demo::run(args, &global, &mut out),
        Command::Import(args) => {
            let engine = crate::session::open_engine(&global, parapompi::EngineConfig::default())?;
            log::import(&engine, &mut out, args)?;
            Ok(engine.close()?)
        }
        // The server holds the Engine until it stops, and closes it itself.
        Command::Serve(args) => {
            if global.actor.is_some() {
                return Err(CliError::field("--as", message("mode-serve-no-actor", &[])));
            }
            // A team writes to the same cases at once: an act is decided again more often
            // before its conflict is reported (16 writers to one case gave up after 8).
            let config = parapompi::EngineConfig { max_decide_attempts: 64, ..parapompi::EngineConfig::default() };
            let engine = crate::session::open_existing_with(&global, config)?;
            credentials::serve(engine, args)
        }
        // Everything else runs on an existing store.
        command => {
            let backend = Backend::Direct(open_existing(&global)?);
            let result = run_on(&backend, &global, command, &mut out);
            // The read models' checkpoint is saved on the way out, so that the next command
            // starts from here instead of folding the log again. A failed command wrote
            // nothing, so it skips the save and its sync.
            result?;
            let Backend::Direct(engine) = backend else { unreachable!("opened as direct") };
            Ok(engine.close()?)
        }
    }
}

/// Runs a command through the server of `--server`: the same commands, printing the same,
/// with the staff member logged in as the actor. What works on the data directory itself
/// (creating, importing, rebuilding, keys, serving) is refused.
fn run_through_server(server: &str, global: &Global, command: Command, out: &mut Out) -> Result<(), CliError> {
    if global.actor.is_some() {
        return Err(CliError::field("--as", message("mode-server-no-actor", &[])));
    }
    if global.data_dir.is_some() {
        return Err(CliError::field("--server", message("mode-server-or-data-dir", &[])));
    }
    let client = Client::new(server, global.server_ca.as_deref())?;
    match command {
        Command::Completions(args) => log::completions(args, out),
        Command::Verify(args) if !args.bundle.is_empty() => trust::verify_bundle_files(&args, out),
        Command::Verify(args) if args.backup.is_some() => backup::verify(&args, out),
        Command::Replay(args) => log::replay(args, out),
        Command::Witness(command) => trust::witness(command, global, out),
        Command::Login(args) => login::login(&client, &args, out),
        Command::Logout => login::logout(&client, out),
        Command::Init
        | Command::Demo(_)
        | Command::Import(_)
        | Command::Rebuild
        | Command::Keys(_)
        | Command::Restore(_)
        | Command::Serve(_) => Err(CliError::field(
            "--server",
            "this command works on the data directory itself: run it there (--data-dir), as its administrator, \
                 not through the server",
        )),
        command => run_on(&Backend::Server(client), global, command, out),
    }
}

/// Runs a command of the log's on `backend`.
fn run_on(backend: &Backend, global: &Global, command: Command, out: &mut Out) -> Result<(), CliError> {
    let known = Known::default();
    let mut ctx = Ctx::new(backend, global, out, &known);
    match command {
        Command::Stats => log::stats(&mut ctx, &data_dir(global)),
        Command::Verify(_) => log::verify_store(&mut ctx),
        Command::Export(args) => log::export(&mut ctx, args),
        Command::Checkpoint(args) => trust::checkpoint(&mut ctx, &args),
        Command::Rebuild => log::rebuild(&mut ctx),
        Command::Backup(args) => backup::backup(&mut ctx, &args),
        Command::Caseload(args) => views::caseload(&mut ctx, args),
        Command::Board(args) => views::board(&mut ctx, args),
        Command::Audit(args) => reading::audit(&mut ctx, args),
        Command::Report(ReportCommand::Indicators(args)) => views::indicators(&mut ctx, args),
        Command::Apply(args) => crate::apply::apply(backend, &args, global.actor.as_ref(), ctx.out),
        command => dispatch_write(&mut ctx, command),
    }
}

/// Runs a command that writes (also the views and reads that share their areas: `agency
/// list`, `case show`).
pub fn dispatch_write(ctx: &mut Ctx<'_>, command: Command) -> Result<(), CliError> {
    match command {
        Command::Centre(command) => directory::centre(ctx, command),
        Command::Staff(command) => directory::staff(ctx, command),
        Command::Agency(command) => directory::agency(ctx, command),
        Command::Beneficiary(command) => people::beneficiary(ctx, command),
        Command::Intake(args) => people::intake(ctx, args),
        Command::Assess(args) => people::assess(ctx, args),
        Command::Service(args) => people::service(ctx, args),
        Command::Note(args) => people::note(ctx, args),
        Command::Case(command) => people::case(ctx, command),
        Command::Refer(args) => referrals::refer(ctx, args),
        Command::Referral(command) => referrals::referral(ctx, command),
        // `run` and `apply` send only the commands above here; a bug otherwise.
        _ => Err(CliError::Usage(crate::i18n::message("apply-not-here", &[]))),
    }
}
