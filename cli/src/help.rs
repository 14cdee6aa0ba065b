//! The commands' help text in the run's language: after clap has built the command line from
//! the doc comments of `args`, each command's description and each of its arguments' help is
//! replaced by `help-<command path>` and `help-<command path>--<argument>` of `help.ftl`
//! where the chosen language has one (every command has), and each global option's by
//! `help-global--<argument>`. English keeps
//! the doc comments, which its resource repeats word for word (a test keeps them equal).
//! clap's own words (`Usage:`, `Options:`) are clap's.
//!
//! Each command's help also shows only the global options that do something for it: a
//! command that appends nothing to the log (no act, no recorded read) hides `--command-id`,
//! and one that reads no clock either hides `--at`. Each usage line names the required
//! arguments first, then `[OPTIONS]`.

use clap::{ArgAction, Command};

use crate::i18n::{has_message_in, lang, message_in, Lang};

/// Commands that append nothing to the log and read no time: `--at` and `--command-id` do
/// nothing for them.
pub const NO_ACT_NO_TIME: &[&str] = &[
    "init",
    "stats",
    "demo",
    "centre list",
    "centre show",
    "staff list",
    "staff show",
    "agency list",
    "agency show",
    "beneficiary accesses",
    "report indicators",
    "import",
    "verify",
    "replay report indicators",
    "replay audit",
    "rebuild",
    "restore",
    "serve",
    "login",
    "logout",
    "completions",
    "keys rotate",
    "witness init",
    "witness add",
];

/// Commands that append nothing to the log but take their time from `--at` (the time a
/// bundle, checkpoint or backup states): `--command-id` does nothing for them.
pub const NO_ACT: &[&str] = &["export", "checkpoint", "backup"];

/// The command line with its help text in the chosen language, each command showing the
/// global options it uses and its required arguments first.
pub fn localised(command: Command) -> Command {
    let hidden: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|arg| ["at", "command_id"].contains(&arg.get_id().as_str()))
        .map(|arg| arg.clone().hide(true))
        .collect();
    let command = arranged(command, "", &hidden);
    match lang() {
        Lang::En => command,
        // The global options first: clap copies them into every command when it builds.
        Lang::El => localise_subcommands(localise_one(command, "global", Lang::El), "", Lang::El),
    }
}

/// Each leaf command below `command` with the global options it does not use hidden and its
/// usage line written required arguments first. A global option is hidden by giving the
/// command its own hidden copy (of `hidden`), which clap then does not copy over it when it
/// builds the command line; its value reaches the top level as any global's does.
fn arranged(mut command: Command, path: &str, hidden: &[clap::Arg]) -> Command {
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        command = command.mut_subcommand(&name, |sub| {
            if sub.has_subcommands() {
                return arranged(sub, &sub_path, hidden);
            }
            let unused: &[&str] = if NO_ACT_NO_TIME.contains(&sub_path.as_str()) {
                &["at", "command_id"]
            } else if NO_ACT.contains(&sub_path.as_str()) {
                &["command_id"]
            } else {
                &[]
            };
            let usage = usage_line(&sub, &sub_path);
            let copies = hidden.iter().filter(|arg| unused.contains(&arg.get_id().as_str())).cloned();
            sub.args(copies).override_usage(usage)
        });
    }
    command
}

/// `parapompi PATH <POSITIONAL> --required <VALUE> [OPTIONS] [OPTIONAL_POSITIONAL]`.
fn usage_line(command: &Command, path: &str) -> String {
    let shown = |arg: &clap::Arg| -> String {
        let value = arg
            .get_value_names()
            .and_then(|names| names.first())
            .map_or_else(|| arg.get_id().as_str().to_uppercase(), ToString::to_string);
        let repeated = if matches!(arg.get_action(), ArgAction::Append) { "..." } else { "" };
        match arg.get_long() {
            Some(long) => format!("--{long} <{value}>{repeated}"),
            None => format!("<{value}>{repeated}"),
        }
    };
    let visible: Vec<&clap::Arg> =
        command.get_arguments().filter(|arg| !arg.is_hide_set() && !arg.is_global_set()).collect();
    let mut words = vec!["parapompi".to_owned(), path.to_owned()];
    words.extend(visible.iter().filter(|a| a.is_positional() && a.is_required_set()).map(|a| shown(a)));
    words.extend(visible.iter().filter(|a| !a.is_positional() && a.is_required_set()).map(|a| shown(a)));
    words.push("[OPTIONS]".to_owned());
    words.extend(
        visible.iter().filter(|a| a.is_positional() && !a.is_required_set()).map(|a| format!("[{}]", shown(a))),
    );
    words.join(" ")
}

fn localise_subcommands(mut command: Command, path: &str, lang: Lang) -> Command {
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_owned()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path}-{name}") };
        command = command
            .mut_subcommand(&name, |sub| localise_subcommands(localise_one(sub, &sub_path, lang), &sub_path, lang));
    }
    command
}

/// One command's description and its own arguments' help.
fn localise_one(mut command: Command, path: &str, lang: Lang) -> Command {
    let key = format!("help-{path}");
    if has_message_in(lang, &key) {
        command = command.about(message_in(lang, &key, &[])).long_about(None);
    }
    let ids: Vec<String> = command.get_arguments().map(|arg| arg.get_id().to_string()).collect();
    for id in ids {
        let key = format!("help-{path}--{id}");
        if has_message_in(lang, &key) {
            let text = message_in(lang, &key, &[]);
            command = command.mut_arg(&id, |arg| arg.help(text).long_help(None));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::i18n::{message_in, Lang};

    /// Every help key of the resources, with the English text clap has for it.
    fn english_help() -> Vec<(String, String)> {
        fn walk(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
            for sub in command.get_subcommands() {
                let sub_path =
                    if path.is_empty() { sub.get_name().to_owned() } else { format!("{path}-{}", sub.get_name()) };
                out.push((format!("help-{sub_path}"), sub.get_about().map(|a| a.to_string()).unwrap_or_default()));
                for arg in sub.get_arguments() {
                    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                    out.push((format!("help-{sub_path}--{}", arg.get_id()), help));
                }
                walk(sub, &sub_path, out);
            }
        }
        let mut out = Vec::new();
        let command = crate::args::Cli::command();
        for arg in command.get_arguments() {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            out.push((format!("help-global--{}", arg.get_id()), help));
        }
        walk(&command, "", &mut out);
        out
    }

    #[test]
    fn every_command_and_argument_has_its_help_in_both_languages() {
        let missing: Vec<String> = english_help()
            .into_iter()
            .filter(|(key, english)| !english.is_empty() && !crate::i18n::has_message_in(Lang::El, key))
            .map(|(key, english)| format!("{key} = {english}"))
            .collect();
        assert!(missing.is_empty(), "no Greek help for:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_english_help_resource_repeats_the_doc_comments_and_names_real_commands() {
        let clap_help = english_help();
        let keys: Vec<&str> = include_str!("../locales/en/help.ftl")
            .lines()
            .filter(|line| line.starts_with("help-"))
            .filter_map(|line| line.split_once(" =").map(|(key, _)| key))
            .collect();
        assert!(keys.len() > 100, "{} help keys", keys.len());
        for key in keys {
            let Some((_, english)) = clap_help.iter().find(|(k, _)| k == key) else {
                panic!("{key} names no command or argument");
            };
            assert_eq!(&message_in(Lang::En, key, &[]), english, "{key} differs from its doc comment");
            assert!(!message_in(Lang::El, key, &[]).is_ascii(), "{key} has no Greek text");
        }
    }

    /// Every leaf command of the built command line, by its path, with its long help.
    fn leaves() -> Vec<(String, clap::Command)> {
        fn walk(command: &clap::Command, path: &str, out: &mut Vec<(String, clap::Command)>) {
            for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
                let sub_path =
                    if path.is_empty() { sub.get_name().to_owned() } else { format!("{path} {}", sub.get_name()) };
                if sub.has_subcommands() {
                    walk(sub, &sub_path, out);
                } else {
                    out.push((sub_path, sub.clone()));
                }
            }
        }
        let mut command = super::localised(crate::args::Cli::command());
        command.build();
        let mut out = Vec::new();
        walk(&command, "", &mut out);
        out
    }

    #[test]
    fn each_commands_help_shows_the_write_options_only_where_they_act_and_required_ones_first() {
        let leaves = leaves();
        assert!(leaves.len() > 80, "{} commands", leaves.len());
        for listed in super::NO_ACT_NO_TIME.iter().chain(super::NO_ACT) {
            assert!(leaves.iter().any(|(path, _)| path == listed), "{listed} is no command");
        }
        for (path, mut command) in leaves {
            let help = command.render_long_help().to_string();
            let (at, command_id) = (help.contains("--at <INSTANT>"), help.contains("--command-id <UUID>"));
            let expected = if super::NO_ACT_NO_TIME.contains(&path.as_str()) {
                (false, false)
            } else if super::NO_ACT.contains(&path.as_str()) {
                (true, false)
            } else {
                (true, true)
            };
            assert_eq!((at, command_id), expected, "{path}: --at and --command-id shown\n{help}");
            assert!(help.contains("--data-dir <DIR>") && help.contains("--lang <LANG>"), "{path}\n{help}");
            let usage = help.lines().find(|l| l.starts_with("Usage: ")).unwrap_or_default();
            let (required_part, _) = usage.split_once("[OPTIONS]").unwrap_or_else(|| panic!("{path}: {usage}"));
            assert!(required_part.starts_with(&format!("Usage: parapompi {path}")), "{usage}");
            for arg in command.get_arguments().filter(|a| a.is_required_set() && !a.is_hide_set()) {
                let value = arg.get_value_names().and_then(|n| n.first()).map(ToString::to_string);
                let value = value.unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
                let named = arg.get_long().map_or_else(|| format!("<{value}>"), |l| format!("--{l} "));
                assert!(required_part.contains(&named), "{path}: {named} is not before [OPTIONS] in {usage}");
            }
        }
    }

    #[test]
    fn a_hidden_global_option_is_still_read() {
        use clap::FromArgMatches;
        let command = super::localised(crate::args::Cli::command());
        let matches = command
            .try_get_matches_from(["parapompi", "stats", "--at", "2024-12-02T09:00:00Z"])
            .expect("stats takes --at, hidden");
        let cli = crate::args::Cli::from_arg_matches(&matches).expect("parsed");
        assert_eq!(cli.global.at.as_deref(), Some("2024-12-02T09:00:00Z"));
    }

    #[test]
    fn the_greek_help_of_a_command_replaces_its_description_and_arguments() {
        let command = super::localise_subcommands(crate::args::Cli::command(), "", Lang::El);
        let intake = command.find_subcommand("intake").expect("intake");
        assert_eq!(
            intake.get_about().map(|a| a.to_string()).as_deref(),
            Some(message_in(Lang::El, "help-intake", &[]).as_str())
        );
        let channel = intake.get_arguments().find(|a| a.get_id() == "channel").expect("--channel");
        assert_eq!(channel.get_help().map(|h| h.to_string()).as_deref(), Some("Πώς ήρθε το πρόσωπο"));
        command.debug_assert();
    }
}
