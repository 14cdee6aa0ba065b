//! `apply FILE|-`: commands as JSON Lines, one result line per command.
//!
//! Each input line is `{"command": "referral send", "as": STAFF, "at": INSTANT,
//! "command_id": UUID, "args": {...}}` where `args` holds the command's arguments by their
//! field names (docs/CLI.md). A line's command and `args` are turned into the same argument
//! vector the shell would give, checked by the same clap definition (built once for the
//! batch) and run by the same code as the command typed by hand, so `apply` cannot drift
//! from the command line; `as`, `at` and `command_id` become the global options.

use std::io::{BufRead, BufReader, Read};

use clap::{ArgAction, CommandFactory, FromArgMatches};
use parapompi::act_form::{ActActor, ActForm};
use parapompi::projections::athens_date;
use parapompi::{Acting, CommandMeta};

use crate::backend::Backend;
use serde_json::{json, Map, Value};

use crate::args::{ApplyArgs, Cli, Command, Global};
use crate::commands::dispatch_write;
use crate::error::{one_line, CliError};
use crate::i18n::{message, vocab};
use crate::output::Out;
use crate::session::{Ctx, Known};

/// The longest input line, in bytes.
const MAX_LINE_BYTES: u64 = 1024 * 1024;

/// The top-level keys a line may hold.
const LINE_KEYS: &[&str] = &["command", "as", "at", "command_id", "args"];

/// The UTF-8 byte-order mark that spreadsheets and Notepad write at the start of a file.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// Runs every line; the exit code is the worst line's (0, 1 or 2).
pub fn apply(
    backend: &Backend,
    args: &ApplyArgs,
    default_actor: Option<&String>,
    out: &mut Out,
) -> Result<(), CliError> {
    // A batch's lines are the JSON form: snake_case names and ISO dates only, never the
    // Greek names or DD/MM/YYYY that a person may type.
    crate::i18n::set_human_input(false);
    let input: Box<dyn Read> = if args.file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(&args.file).map_err(|e| {
            CliError::field("FILE", message("error-cannot-read", &[("text", &args.file), ("problem", &e.to_string())]))
        })?)
    };
    let mut reader = BufReader::new(input);
    // The clap definition is built once for the whole batch: building it is most of the cost
    // of parsing one line (a profile of a 6,300-line batch spent 80% of its CPU there).
    let mut definition = Cli::command();
    definition.build();
    let known = Known::default();
    let mut worst = 0u8;
    let mut line_number = 0u64;
    let mut text = String::new();
    loop {
        text.clear();
        let n_read = Read::by_ref(&mut reader).take(MAX_LINE_BYTES + 1).read_line(&mut text).map_err(|e| {
            let (n, problem) = ((line_number + 1).to_string(), e.to_string());
            CliError::field("FILE", message("apply-line-unreadable", &[("n", &n), ("problem", &problem)]))
        })?;
        if n_read == 0 {
            break;
        }
        line_number += 1;
        // A byte-order mark is taken only as the very first character of the input; one
        // anywhere else is an error of its line.
        let line = if line_number == 1 { text.strip_prefix(BYTE_ORDER_MARK).unwrap_or(&text) } else { &text };
        if line.trim().is_empty() {
            continue;
        }
        let result = if u64::try_from(n_read).unwrap_or(u64::MAX) > MAX_LINE_BYTES {
            Err(CliError::Usage(message("apply-line-too-long", &[("max", &MAX_LINE_BYTES.to_string())])))
        } else if line.trim_start().starts_with(BYTE_ORDER_MARK) {
            Err(CliError::Usage(message("apply-byte-order-mark", &[])))
        } else {
            run_line(backend, &mut definition, &known, line.trim_end(), default_actor)
        };
        let report = match result {
            // The same bytes as the object {line, ok, result} with its keys sorted, written
            // without building it: serialising through `Display` was a tenth of a line's cost.
            Ok(value) => format_ok_line(line_number, &value),
            Err(error) => {
                worst = worst.max(error.exit_code());
                let mut text = json!({
                    "line": line_number,
                    "ok": false,
                    "exit_code": error.exit_code(),
                    "rule": error.rule(),
                    "error": one_line(&error.message().unwrap_or_default()),
                })
                .to_string();
                text.push('\n');
                text
            }
        };
        out.raw(&report)?;
        if worst != 0 && args.stop_on_error {
            break;
        }
    }
    if worst == 0 {
        Ok(())
    } else {
        Err(CliError::Reported(worst))
    }
}

/// The result line of a line that succeeded: `{"line":N,"ok":true,"result":{...}}` and a
/// line end.
fn format_ok_line(line_number: u64, result: &Value) -> String {
    let result = serde_json::to_string(result).unwrap_or_else(|_| "null".to_owned());
    let mut text = String::with_capacity(result.len() + 40);
    text.push_str("{\"line\":");
    text.push_str(&line_number.to_string());
    text.push_str(",\"ok\":true,\"result\":");
    text.push_str(&result);
    text.push_str("}\n");
    text
}

/// Runs one line and gives its result object. `definition` is the built clap definition and
/// `known` the facts looked up so far, both shared by every line.
fn run_line(
    backend: &Backend,
    definition: &mut clap::Command,
    known: &Known,
    text: &str,
    default_actor: Option<&String>,
) -> Result<Value, CliError> {
    let line: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(map)) => map,
        Ok(_) => return Err(CliError::Usage(message("apply-not-an-object", &[]))),
        // serde's own sentence says where.
        Err(e) => return Err(CliError::Usage(message("apply-not-json", &[("problem", &e.to_string())]))),
    };
    if line.contains_key("act") {
        return run_act(backend, known, line, default_actor);
    }
    if let Some(key) = line.keys().find(|k| !LINE_KEYS.contains(&k.as_str())) {
        return Err(CliError::field(key, message("apply-unknown-key", &[("allowed", &LINE_KEYS.join(", "))])));
    }
    let [actor, at, command_id] = line_globals(&line, default_actor)?;
    if let (Backend::Server(client), Some(text)) = (backend, &actor) {
        let named = crate::parse::uuid_of("as", "staff", text)?;
        if named != client.staff_id()?.uuid() {
            return Err(CliError::field("as", message("apply-actor-is-login", &[])));
        }
    }
    let argv = argv_of(definition, &line)?;
    let mut matches = definition.try_get_matches_from_mut(&argv).map_err(|e| CliError::Usage(clap_line(&e)))?;
    let mut cli =
        Cli::from_arg_matches_mut(&mut matches).map_err(|e| CliError::Usage(clap_line(&e.format(definition))))?;
    // The line's own keys are the global options, set as clap sets `--as`, `--at` and
    // `--command-id` (plain strings, which the commands check). Given to clap in the vector,
    // they cost it half of its parse: it copies every global option's value into each level.
    (cli.global.actor, cli.global.at, cli.global.command_id) = (actor, at, command_id);
    if !is_write(&cli.command) {
        return Err(CliError::field("command", message("apply-writes-only", &[])));
    }
    let mut out = Out::capture();
    let mut ctx = Ctx::new(backend, &cli.global, &mut out, known);
    dispatch_write(&mut ctx, cli.command)?;
    Ok(out.take_captured().into_iter().next().unwrap_or(Value::Null))
}

/// Runs a line in the library's form (`parapompi::act_form`, the server's request body too):
/// `act` holds the commands of one act as the library serialises `parapompi::core::Command`
/// (docs/CLI.md), decided and appended as one with `Engine::execute_all`, with no argument
/// parsing on the way. `as` is a staff member, or `setup` for the set-up of a centre and its
/// first administrator; it defaults to `apply`'s own `--as`.
fn run_act(
    backend: &Backend,
    known: &Known,
    line: Map<String, Value>,
    default_actor: Option<&String>,
) -> Result<Value, CliError> {
    let act =
        ActForm::from_map(&line).map_err(|e| CliError::field(&e.field, crate::messages::act_problem(&e.problem)))?;
    if let Backend::Server(client) = backend {
        let me = client.staff_id()?;
        if act.actor.is_some_and(|actor| actor != ActActor::Staff(me)) {
            return Err(CliError::field("as", message("apply-actor-is-login", &[])));
        }
    }
    let acting = match act.actor {
        Some(ActActor::Setup) => Acting::Setup,
        Some(ActActor::Staff(staff_id)) => Acting::Staff(staff_id),
        // `as` defaults to apply's own actor, read as `--as` is.
        None => {
            let global = Global { actor: default_actor.cloned(), ..line_global() };
            let mut out = Out::capture();
            Ctx::new(backend, &global, &mut out, known).acting()?
        }
    };
    let global = line_global();
    let mut out = Out::capture();
    let mut ctx = Ctx::new(backend, &global, &mut out, known);
    let command_id = match act.command_id {
        Some(command_id) => command_id,
        None => ctx.command_id()?,
    };
    let occurred_at = match act.at {
        Some(at) => at,
        None => ctx.occurred_at()?,
    };
    let meta = CommandMeta { command_id, acting, occurred_at, business_date: athens_date(occurred_at) };
    let executed = backend.execute_all(&act.commands, meta)?;
    ctx.written("act", &[executed], &[], "")?;
    Ok(out.take_captured().into_iter().next().unwrap_or(Value::Null))
}

/// The global options of an act's line: JSON output, nothing else given.
fn line_global() -> Global {
    Global {
        data_dir: None,
        actor: None,
        json: true,
        at: None,
        command_id: None,
        server: None,
        server_ca: None,
        wait: 0,
        lang: None,
    }
}

/// A clap error as one line without its `error: ` prefix, naming what clap puts on the lines
/// after its first: the missing arguments (`--channel is required`), the allowed values of a
/// closed set, the argument or value it suggests.
pub fn clap_line(error: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let context = |kind: ContextKind| -> Vec<String> {
        match error.get(kind) {
            Some(ContextValue::String(text)) => vec![text.clone()],
            Some(ContextValue::Strings(texts)) => texts.clone(),
            _ => Vec::new(),
        }
    };
    let first = |kind: ContextKind| context(kind).into_iter().next();
    let suggestion = |kind: ContextKind| {
        let quoted: Vec<String> = context(kind).iter().map(|s| format!("'{s}'")).collect();
        if quoted.is_empty() {
            String::new()
        } else {
            message("clap-did-you-mean", &[("value", &quoted.join(&message("clap-or", &[])))])
        }
    };
    match error.kind() {
        ErrorKind::MissingRequiredArgument => {
            let names: Vec<String> = context(ContextKind::InvalidArg).iter().map(|a| arg_name(a)).collect();
            match names.as_slice() {
                [] => {}
                [one] => return message("clap-required", &[("field", one)]),
                [rest @ .., last] => {
                    return message("clap-required-several", &[("field", &rest.join(", ")), ("value", last)])
                }
            }
        }
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            if let (Some(arg), false) = (first(ContextKind::InvalidArg), valid.is_empty()) {
                // In Greek, a closed set's values are listed by their Greek names.
                let names: Vec<&str> = valid.iter().map(String::as_str).collect();
                let shown = match crate::vocab::set_of(&names) {
                    Some(set) => names.iter().map(|name| vocab(set, name)).collect::<Vec<_>>().join(", "),
                    None => valid.join(", "),
                };
                let (field, tip) = (arg_name(&arg), suggestion(ContextKind::SuggestedValue));
                return match first(ContextKind::InvalidValue) {
                    Some(value) if !value.is_empty() => message(
                        "clap-not-one-of",
                        &[("field", &field), ("value", &value), ("allowed", &shown), ("text", &tip)],
                    ),
                    _ => message("clap-needs-value", &[("field", &field), ("allowed", &shown), ("text", &tip)]),
                };
            }
        }
        // clap's own first line (`unexpected argument '--x' found`) in the language's words.
        ErrorKind::UnknownArgument => {
            if let Some(arg) = first(ContextKind::InvalidArg) {
                let tip = suggestion(ContextKind::SuggestedArg);
                return message("clap-unknown-argument", &[("field", &format!("'{arg}'")), ("text", &tip)]);
            }
        }
        ErrorKind::InvalidSubcommand => {
            if let Some(word) = first(ContextKind::InvalidSubcommand) {
                let tip = suggestion(ContextKind::SuggestedSubcommand);
                return message("clap-unknown-subcommand", &[("field", &format!("'{word}'")), ("text", &tip)]);
            }
        }
        _ => {}
    }
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let tip = match error.kind() {
        ErrorKind::UnknownArgument => suggestion(ContextKind::SuggestedArg),
        ErrorKind::InvalidSubcommand => suggestion(ContextKind::SuggestedSubcommand),
        _ => String::new(),
    };
    format!("{line}{tip}")
}

/// An argument as clap shows it (`--channel <CHANNEL>`, `<CASE>`) by the name the CLI's own
/// messages use (`--channel`, `CASE`).
fn arg_name(shown: &str) -> String {
    let word = shown.split_whitespace().next().unwrap_or(shown);
    word.trim_start_matches('<').trim_end_matches("...").trim_end_matches('>').to_owned()
}

/// True for the commands `apply` runs: those that write to the log or the vault.
pub fn is_write(command: &Command) -> bool {
    use crate::args::{AgencyCommand as A, CaseCommand as C, CentreCommand as Z, StaffCommand as S};
    match command {
        // Credentials stand for secrets, which a batch's output would carry: one at a time.
        Command::Staff(S::Enrol(_) | S::SetPassword(_) | S::ApiToken(_) | S::RevokeCredential(_)) => false,
        // Views of the directory.
        Command::Staff(S::List(_) | S::Show(_)) | Command::Centre(Z::List | Z::Show(_)) => false,
        Command::Centre(_)
        | Command::Staff(_)
        | Command::Beneficiary(_)
        | Command::Intake(_)
        | Command::Assess(_)
        | Command::Service(_)
        | Command::Note(_)
        | Command::Refer(_)
        | Command::Referral(_) => true,
        Command::Agency(agency) => !matches!(agency, A::List(_) | A::Show(_)),
        Command::Case(case) => !matches!(case, C::Show(_)),
        _ => false,
    }
}

/// The global options a line gives by its own keys (`as`, `at`, `command_id`), each a string
/// or absent; `as` defaults to `apply`'s own actor.
fn line_globals(line: &Map<String, Value>, default_actor: Option<&String>) -> Result<[Option<String>; 3], CliError> {
    let text = |key: &str| match line.get(key) {
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(CliError::field(key, message("apply-must-be-string", &[]))),
    };
    Ok([text("as")?.or_else(|| default_actor.cloned()), text("at")?, text("command_id")?])
}

/// The argument vector a line's command and `args` stand for: the command's words, the
/// flags by their long names, then `--` and the positional arguments in order.
fn argv_of(definition: &clap::Command, line: &Map<String, Value>) -> Result<Vec<String>, CliError> {
    let Some(Value::String(command)) = line.get("command") else {
        return Err(CliError::field("command", message("apply-command-required", &[])));
    };
    let mut argv = vec!["parapompi".to_owned()];
    let mut current = definition;
    for word in command.split_whitespace() {
        current = current.find_subcommand(word).ok_or_else(|| {
            CliError::field("command", message("apply-not-a-command", &[("text", &format!("{command:?}"))]))
        })?;
        argv.push(word.to_owned());
    }
    if current.has_subcommands() {
        return Err(CliError::field(
            "command",
            message("apply-needs-subcommand", &[("text", &format!("{command:?}"))]),
        ));
    }
    let empty = Map::new();
    let args = match line.get("args") {
        Some(Value::Object(map)) => map,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(CliError::field("args", message("apply-must-be-object", &[]))),
    };
    let mut positionals: Vec<(usize, Vec<String>)> = Vec::new();
    for (key, value) in args {
        let field = format!("args.{key}");
        let arg = current
            .get_arguments()
            .find(|a| a.get_id().as_str() == key && !a.is_global_set())
            .ok_or_else(|| CliError::field(&field, message("apply-not-an-argument", &[("command", command)])))?;
        let values: Vec<String> = match value {
            Value::Null => continue,
            Value::Bool(flag) if matches!(arg.get_action(), ArgAction::SetTrue) => {
                if *flag {
                    argv.push(format!("--{}", arg.get_long().unwrap_or(key)));
                }
                continue;
            }
            Value::String(text) => vec![text.clone()],
            Value::Number(number) => vec![number.to_string()],
            Value::Array(items) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    Value::Number(number) => Ok(number.to_string()),
                    _ => Err(CliError::field(&field, message("apply-list-items", &[]))),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(CliError::field(&field, message("apply-value-kind", &[]))),
        };
        match arg.get_index() {
            Some(index) => positionals.push((index, values)),
            None => {
                let long = arg.get_long().unwrap_or(key);
                // `--flag=value` keeps a value that starts with a dash from reading as a flag.
                argv.extend(values.into_iter().map(|value| format!("--{long}={value}")));
            }
        }
    }
    positionals.sort_by_key(|(index, _)| *index);
    if !positionals.is_empty() {
        argv.push("--".to_owned());
        argv.extend(positionals.into_iter().flat_map(|(_, values)| values));
    }
    Ok(argv)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_result_line_is_the_object_with_sorted_keys() {
        let result = json!({"command": "note", "deduplicated": false, "events": [{"position": 3}]});
        let object = json!({"line": 12, "ok": true, "result": result});
        assert_eq!(super::format_ok_line(12, &result), format!("{object}\n"));
    }
}
