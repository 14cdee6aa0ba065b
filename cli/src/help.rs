//! The commands' help text in the run's language: after clap has built the command line from
//! the doc comments of `args`, each command's description and each of its arguments' help is
//! replaced by `help-<command path>` and `help-<command path>--<argument>` of `help.ftl`
//! where the chosen language has one (the commands a social worker uses have). English keeps
//! the doc comments, which its resource repeats word for word (a test keeps them equal).
//! clap's own words (`Usage:`, `Options:`) are clap's.

use clap::Command;

use crate::i18n::{has_message_in, lang, message_in, Lang};

/// The command line with its help text in the chosen language.
pub fn localised(command: Command) -> Command {
    match lang() {
        Lang::En => command,
        Lang::El => localise_subcommands(command, "", Lang::El),
    }
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
        walk(&crate::args::Cli::command(), "", &mut out);
        out
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
