//! `parapompi`: the operator's command-line tool. It parses arguments, calls the Engine of
//! the `parapompi` crate, and prints the result for a person or, with `--json`, for a
//! script. This crate is the only one that knows about terminals; docs/CLI.md is its
//! contract (commands, JSON shapes, the `apply` schema and exit codes).
//!
//! Code map: `args` (the clap definition), `vocab` (closed sets as `ValueEnum`s), `parse`
//! (text to validated values), `session` (data directory, actor, time, command ids),
//! `backend` (the Engine of a data directory, or a server through `client`, the HTTP side),
//! `commands` (one module per area), `apply` (batch JSON Lines), `output` (tables, JSON,
//! broken pipes), `progress` (terminal-only progress), `error` (exit codes), `i18n` (the
//! language of a run, Fluent resources from `cli/locales`, the closed sets' Greek names),
//! `messages` (core's refusals and validation errors in that language), `help` (the
//! commands' help text in that language).

mod apply;
mod args;
mod backend;
mod client;
mod commands;
mod describe;
mod error;
mod help;
mod i18n;
mod messages;
mod output;
mod parse;
mod printed;
mod progress;
mod report;
mod report_html;
mod resolve;
mod session;
mod vocab;

use std::process::ExitCode;

use crate::error::{CliError, EXIT_USAGE};

fn main() -> ExitCode {
    // Chosen before parsing, so that a usage error is in the language asked for too.
    i18n::choose(i18n::lang_in_args(std::env::args_os()));
    let mut command = help::localised(<args::Cli as clap::CommandFactory>::command());
    let parsed = command.try_get_matches_from_mut(std::env::args_os()).and_then(|matches| {
        <args::Cli as clap::FromArgMatches>::from_arg_matches(&matches).map_err(|error| error.format(&mut command))
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            use clap::error::ErrorKind;
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    // Help printed into a closed pipe is still a success.
                    let _ = error.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = error.print();
                    ExitCode::from(EXIT_USAGE)
                }
                _ => {
                    eprintln!("parapompi: {} {}", apply::clap_line(&error), i18n::message("see-help", &[]));
                    ExitCode::from(EXIT_USAGE)
                }
            };
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => CliError::report(&error),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        crate::args::Cli::command().debug_assert();
    }
}
