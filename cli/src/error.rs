//! The binary's one error type and the exit codes it maps to.
//!
//! Exit codes are part of the contract scripts rely on (docs/CLI.md): 0 success, 1 a domain
//! rule refused the command, 2 a usage or environment error. A broken pipe on standard
//! output ends the program quietly with 0, as `head` expects of the programs it reads.
//! The messages are in the run's language (`crate::i18n`); a rejection keeps its rule's
//! stable name visible in every language.

use std::process::ExitCode;

use parapompi::core::{Rejection, ValidationError};
use parapompi::store::StoreError;
use parapompi::EngineError;

use crate::i18n::message;
use crate::messages;

/// Exit code for a command a domain rule refused.
pub const EXIT_REJECTED: u8 = 1;
/// Exit code for a usage or environment error.
pub const EXIT_USAGE: u8 = 2;

/// Everything that ends a command early.
#[derive(Debug)]
pub enum CliError {
    /// A bad argument or input: the text names the field and the problem.
    Usage(String),
    /// A domain rule refused the command; nothing was written.
    Rejected {
        /// The rule's name (one of `Rejection::ALL_NAMES`, or a rule of the CLI's own).
        rule: &'static str,
        /// What the rule says about this command.
        message: String,
    },
    /// The environment failed: the store is locked or corrupt, a file cannot be written.
    Environment(String),
    /// The server did not accept the login or token (its reason, in its words): a usage
    /// error that `login`, `logout` and `staff set-password` each name in their own way.
    LoginRefused {
        /// The server's reason.
        detail: String,
    },
    /// Standard output was closed by its reader.
    BrokenPipe,
    /// The work was done and reported already, but some of it failed (`apply`): exit with
    /// this code and print nothing more.
    Reported(u8),
}

impl CliError {
    /// A usage error about one named field.
    pub fn field(name: &str, problem: impl std::fmt::Display) -> CliError {
        CliError::Usage(message("field-error", &[("field", name), ("problem", &problem.to_string())]))
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Rejected { .. } => EXIT_REJECTED,
            CliError::Usage(_) | CliError::Environment(_) | CliError::LoginRefused { .. } => EXIT_USAGE,
            CliError::BrokenPipe => 0,
            CliError::Reported(code) => *code,
        }
    }

    /// The one line to print on standard error, if any.
    pub fn message(&self) -> Option<String> {
        match self {
            CliError::Usage(text) | CliError::Environment(text) => Some(text.clone()),
            CliError::LoginRefused { detail } => Some(message("client-login-refused", &[("problem", detail)])),
            CliError::Rejected { rule, message: text } => {
                Some(message("rejected", &[("rule", rule), ("message", text)]))
            }
            CliError::BrokenPipe | CliError::Reported(_) => None,
        }
    }

    /// The rule's name, for a rejection.
    pub fn rule(&self) -> Option<&'static str> {
        match self {
            CliError::Rejected { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// Prints the message (one line on standard error) and gives the exit code.
    pub fn report(&self) -> ExitCode {
        if let Some(text) = self.message() {
            eprintln!("parapompi: {}", one_line(&text));
        }
        ExitCode::from(self.exit_code())
    }
}

/// Folds a message onto one line, so that every error is exactly one line of standard error.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<EngineError> for CliError {
    fn from(error: EngineError) -> CliError {
        match error {
            EngineError::Rejected(rejection) => CliError::from(rejection),
            EngineError::Invalid(invalid) => {
                CliError::Usage(message("invalid-value", &[("problem", &messages::invalid(&invalid))]))
            }
            EngineError::NotFound(text) => CliError::Usage(text),
            EngineError::TooManyFound { .. } => CliError::Usage(messages::engine_error(&error)),
            EngineError::Store(store) => CliError::from(store),
            other => CliError::Environment(messages::engine_error(&other)),
        }
    }
}

impl From<Rejection> for CliError {
    fn from(rejection: Rejection) -> CliError {
        match rejection {
            // These two rules mean that an id given on the command line names nothing: a
            // usage error (exit 2), still reported with the rule's name.
            Rejection::MissingFact { .. } | Rejection::NotFound { .. } => CliError::Usage(message(
                "unknown-id",
                &[("rule", rejection.name()), ("message", &messages::rejection(&rejection))],
            )),
            // The rule names the missing detail; the command line names the option for it.
            Rejection::MissingDetail { .. } => CliError::Rejected {
                rule: rejection.name(),
                message: message("give-detail", &[("message", &messages::rejection(&rejection))]),
            },
            _ => CliError::Rejected { rule: rejection.name(), message: messages::rejection(&rejection) },
        }
    }
}

impl From<StoreError> for CliError {
    fn from(error: StoreError) -> CliError {
        let text = messages::store_error(&error);
        match error {
            // What an input or an import file broke: a usage error.
            StoreError::Invalid(_) | StoreError::Import { .. } | StoreError::ImportRecord { .. } => {
                CliError::Usage(text)
            }
            _ => CliError::Environment(text),
        }
    }
}

/// Turns a validation error of a named field into a usage error.
pub fn check<T>(name: &str, result: Result<T, ValidationError>) -> Result<T, CliError> {
    result.map_err(|error| CliError::field(name, messages::invalid(&error)))
}
