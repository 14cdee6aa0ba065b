//! Messages a person reads, in their language: Project Fluent resources (`cli/locales/en`,
//! `cli/locales/el`) embedded in the binary, chosen once per run by `--lang`, else by
//! `LC_ALL`, `LC_MESSAGES` and `LANG` (the first one set, as POSIX reads them), else English.
//! A key missing in the chosen language, or a message that fails to format, falls back to
//! English. `--json` output never goes through here.
//!
//! The closed sets' Greek names live in `vocab.ftl` as `<set>-<snake_case name>`; the same
//! table serves output ([`vocab`]) and input (`crate::vocab`'s parsers, through
//! [`vocab_from_text`]), so each set has one Greek spelling.

use std::borrow::Cow;
use std::cell::Cell;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use parapompi::core::folding::fold;
use unic_langid::LanguageIdentifier;

/// A language the command line speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// English (the fallback).
    En,
    /// Greek.
    El,
}

/// The resource files of each language, by name, in the order they are added.
const RESOURCES_EN: &[(&str, &str)] = &[
    ("vocab.ftl", include_str!("../locales/en/vocab.ftl")),
    ("messages.ftl", include_str!("../locales/en/messages.ftl")),
    ("headings.ftl", include_str!("../locales/en/headings.ftl")),
    ("help.ftl", include_str!("../locales/en/help.ftl")),
    ("counts.ftl", include_str!("../locales/en/counts.ftl")),
    ("views.ftl", include_str!("../locales/en/views.ftl")),
    ("writes.ftl", include_str!("../locales/en/writes.ftl")),
    ("events.ftl", include_str!("../locales/en/events.ftl")),
    ("lookups.ftl", include_str!("../locales/en/lookups.ftl")),
    ("log.ftl", include_str!("../locales/en/log.ftl")),
    ("errors.ftl", include_str!("../locales/en/errors.ftl")),
    ("trust.ftl", include_str!("../locales/en/trust.ftl")),
    ("report.ftl", include_str!("../locales/en/report.ftl")),
    ("session.ftl", include_str!("../locales/en/session.ftl")),
    ("environment.ftl", include_str!("../locales/en/environment.ftl")),
];
const RESOURCES_EL: &[(&str, &str)] = &[
    ("vocab.ftl", include_str!("../locales/el/vocab.ftl")),
    ("messages.ftl", include_str!("../locales/el/messages.ftl")),
    ("headings.ftl", include_str!("../locales/el/headings.ftl")),
    ("help.ftl", include_str!("../locales/el/help.ftl")),
    ("counts.ftl", include_str!("../locales/el/counts.ftl")),
    ("views.ftl", include_str!("../locales/el/views.ftl")),
    ("writes.ftl", include_str!("../locales/el/writes.ftl")),
    ("events.ftl", include_str!("../locales/el/events.ftl")),
    ("lookups.ftl", include_str!("../locales/el/lookups.ftl")),
    ("log.ftl", include_str!("../locales/el/log.ftl")),
    ("errors.ftl", include_str!("../locales/el/errors.ftl")),
    ("trust.ftl", include_str!("../locales/el/trust.ftl")),
    ("report.ftl", include_str!("../locales/el/report.ftl")),
    ("session.ftl", include_str!("../locales/el/session.ftl")),
    ("environment.ftl", include_str!("../locales/el/environment.ftl")),
];

/// The chosen language: 0 not chosen yet (English), 1 English, 2 Greek.
static CHOSEN: AtomicU8 = AtomicU8::new(0);

thread_local! {
    /// Whether input may use the Greek names and dates (false while `apply` reads its JSON
    /// lines, whose form is snake_case and ISO dates only). Per thread: arguments are read on
    /// the thread that runs the command.
    static HUMAN_INPUT: Cell<bool> = const { Cell::new(true) };
}

/// Chooses the language for this run: `flag` if given, else the environment.
pub fn choose(flag: Option<Lang>) {
    let lang = flag.unwrap_or_else(|| from_environment(|name| std::env::var(name).ok()));
    CHOSEN.store(if lang == Lang::El { 2 } else { 1 }, Ordering::Relaxed);
}

/// The language `--lang` names among the raw arguments (`--lang el`, `--lang=el`), if any,
/// read before clap parses them so that clap's own errors are in that language too.
pub fn lang_in_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<Lang> {
    let args: Vec<String> = args.into_iter().map(|a| a.to_string_lossy().into_owned()).collect();
    let mut chosen = None;
    for (i, arg) in args.iter().enumerate() {
        let value = match arg.strip_prefix("--lang") {
            Some("") => args.get(i + 1).map(String::as_str),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        match value {
            Some("el") => chosen = Some(Lang::El),
            Some("en") => chosen = Some(Lang::En),
            _ => {}
        }
    }
    chosen
}

/// The language the environment asks for: the first of `LC_ALL`, `LC_MESSAGES`, `LANG` that
/// is set and not empty; Greek if it names `el` (`el_GR.UTF-8`, `el`), else English.
pub fn from_environment(var: impl Fn(&str) -> Option<String>) -> Lang {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|name| var(name).filter(|v| !v.trim().is_empty()));
    match locale {
        Some(locale)
            if locale.trim() == "el" || locale.trim().starts_with("el_") || locale.trim().starts_with("el.") =>
        {
            Lang::El
        }
        _ => Lang::En,
    }
}

/// The language chosen for this run.
pub fn lang() -> Lang {
    if CHOSEN.load(Ordering::Relaxed) == 2 {
        Lang::El
    } else {
        Lang::En
    }
}

/// Turns the Greek input forms off (or on again).
pub fn set_human_input(allowed: bool) {
    HUMAN_INPUT.with(|cell| cell.set(allowed));
}

/// Whether input may use the Greek names and dates.
pub fn human_input() -> bool {
    HUMAN_INPUT.with(Cell::get)
}

struct Bundles {
    en: FluentBundle<FluentResource>,
    el: FluentBundle<FluentResource>,
}

fn bundle_of(id: LanguageIdentifier, resources: &[(&str, &str)]) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: the output is a terminal's or a file's.
    bundle.set_use_isolating(false);
    for (name, text) in resources {
        let resource = FluentResource::try_new((*text).to_owned())
            .unwrap_or_else(|(_, errors)| panic!("locales resource {name} does not parse: {errors:?}"));
        bundle
            .add_resource(resource)
            .unwrap_or_else(|errors| panic!("locales resource {name} repeats keys: {errors:?}"));
    }
    bundle
}

fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    let id = |tag: &str| tag.parse::<LanguageIdentifier>().expect("a language tag");
    BUNDLES.get_or_init(|| Bundles { en: bundle_of(id("en"), RESOURCES_EN), el: bundle_of(id("el"), RESOURCES_EL) })
}

fn format_in(bundle: &FluentBundle<FluentResource>, key: &str, args: Option<&FluentArgs>) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    errors.is_empty().then(|| text.into_owned())
}

/// The message `key` in `lang`, with its arguments; English if that language lacks it. A key
/// English lacks too is a bug, which the resource tests catch: it is shown as the key.
pub fn message_in(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::String(Cow::Owned((*value).to_owned())));
    }
    let args = (!args.is_empty()).then_some(&fluent_args);
    let all = bundles();
    let chosen = if lang == Lang::El { format_in(&all.el, key, args) } else { None };
    chosen.or_else(|| format_in(&all.en, key, args)).unwrap_or_else(|| key.to_owned())
}

/// The message `key` in `lang` with the number `n` as its argument `$n` (a Fluent number, so
/// that the message chooses its plural form by the language's rules) beside `args`.
pub fn counted_in(lang: Lang, key: &str, n: i128, args: &[(&str, &str)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::String(Cow::Owned((*value).to_owned())));
    }
    // A count past i64 (none is) is shown as its digits, without a plural form.
    let number = i64::try_from(n).map_or_else(|_| FluentValue::from(n.to_string()), FluentValue::from);
    fluent_args.set("n", number);
    let all = bundles();
    let chosen = if lang == Lang::El { format_in(&all.el, key, Some(&fluent_args)) } else { None };
    chosen.or_else(|| format_in(&all.en, key, Some(&fluent_args))).unwrap_or_else(|| format!("{n} {key}"))
}

/// [`counted_in`] in the chosen language.
pub fn counted(key: &str, n: i128, args: &[(&str, &str)]) -> String {
    counted_in(lang(), key, n, args)
}

/// Whether a language's resources have the message `key`.
pub fn has_message_in(lang: Lang, key: &str) -> bool {
    let all = bundles();
    match lang {
        Lang::El => all.el.has_message(key),
        Lang::En => all.en.has_message(key),
    }
}

/// The message `key` in the chosen language.
pub fn message(key: &str, args: &[(&str, &str)]) -> String {
    message_in(lang(), key, args)
}

/// The name of value `value` (its snake_case name) of closed set `set`, as a person reads it
/// in the chosen language. English shows the stable snake_case names themselves; a value the
/// resources do not know (a newer engine's, or none: `-`) is shown as it is.
pub fn vocab(set: &str, value: &str) -> String {
    let key = vocab_key(set, value);
    let text = message(&key, &[]);
    if text == key {
        value.to_owned()
    } else {
        text
    }
}

/// A table's column heading, given in English capitals (`NEXT DUE`), in the chosen language
/// (`heading-next_due`); a heading the resources do not have is shown as given.
pub fn heading(english: &str) -> String {
    let key = format!("heading-{}", english.to_lowercase().replace(' ', "_"));
    let text = message(&key, &[]);
    if text == key {
        english.to_owned()
    } else {
        text
    }
}

fn vocab_key(set: &str, value: &str) -> String {
    // One spelling of "declined to answer" for every set that has it.
    if value == "declined_to_answer" {
        "answer-declined_to_answer".to_owned()
    } else {
        format!("{set}-{value}")
    }
}

/// The value of `set` among `names` (snake_case) that `text` names by its Greek or English
/// name, compared folded (case, accents and final sigma aside; `_` as a space). None when
/// human input is off (in `apply`).
pub fn vocab_from_text<'a>(set: &str, names: &[&'a str], text: &str) -> Option<&'a str> {
    if !human_input() {
        return None;
    }
    let wanted = fold(&text.replace('_', " "));
    names.iter().copied().find(|name| {
        [Lang::El, Lang::En]
            .iter()
            .any(|lang| fold(&message_in(*lang, &vocab_key(set, name), &[]).replace('_', " ")) == wanted)
    })
}

/// Every message id of a language's resources, for the tests: a message starts a line with
/// its id and ` =`; comments and continuation lines start otherwise.
#[cfg(test)]
fn keys_of(resources: &[(&str, &str)]) -> Vec<String> {
    resources
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_exists_in_both_languages_and_every_message_formats() {
        let mut en = keys_of(RESOURCES_EN);
        let mut el = keys_of(RESOURCES_EL);
        assert!(en.len() > 100, "the English resources hold {} keys", en.len());
        en.sort();
        el.sort();
        assert_eq!(en, el, "the two languages must have the same keys");
        let all = bundles();
        // Every argument any message uses, given, so that a misspelt one fails to format.
        let mut args = FluentArgs::new();
        for name in ARGUMENT_NAMES {
            args.set(*name, FluentValue::String(Cow::Borrowed("x")));
        }
        for key in &en {
            for (lang, bundle) in [("en", &all.en), ("el", &all.el)] {
                let text = format_in(bundle, key, Some(&args));
                assert!(text.as_deref().is_some_and(|t| !t.trim().is_empty()), "{lang} {key} does not format");
            }
        }
    }

    /// The arguments the resources use, and no others.
    const ARGUMENT_NAMES: &[&str] = &[
        // The indicators report's.
        "programme",
        "median",
        "outcomes",
        "fund",
        "period",
        "cumulative",
        "left",
        "left_cumulative",
        "without",
        "variable",
        "not_recorded",
        "declined_cumulative",
        "not_recorded_cumulative",
        "from",
        "to",
        "n",
        "accepted",
        "declined",
        "completed",
        "failed",
        "cancelled",
        "expired",
        "acceptance",
        "completion",
        "answer",
        "outcome",
        "position",
        "hash",
        "version",
        "rule",
        "message",
        "detail",
        "field",
        "problem",
        "text",
        "id",
        "date",
        "today",
        "what",
        "value",
        "max",
        "command",
        "staff",
        "centre",
        "deployment_centre",
        "actor_centre",
        "roles",
        "stream",
        "start",
        "end",
        "opened_on",
        "due_on",
        "latest",
        "year",
        "antenna",
        "agency",
        "need",
        "beneficiary",
        "purpose",
        "case",
        "programmes",
        "why",
        "referral",
        "from",
        "action",
        "next",
        "open",
        "outcome",
        "allowed",
        "occurred_at",
        "now",
        "tolerance_s",
        "registered_on",
        "reason",
        "municipality",
        "nearest",
        "kind",
        "expires_at",
        "max_s",
        "credential",
        "command_kind",
        "state_kind",
        "fact",
        "at",
        // Trust: witnesses and checkpoints.
        "origin",
        // The views' and the writes'.
        "subject",
        "events",
        "more",
        // The events' fields.
        "access",
        "accessed_by",
        "accessed_on",
        "agency_id",
        "agency_kind",
        "answered_on",
        "antenna_id",
        "assessed_by",
        "assessed_on",
        "assigned_by",
        "author",
        "basis",
        "beneficiary_id",
        "budget",
        "cancelled_on",
        "case_id",
        "centre_id",
        "channel",
        "closed_by",
        "closed_on",
        "code",
        "completed_on",
        "created_on",
        "credential_id",
        "deactivated_on",
        "ends_on",
        "erased_on",
        "expired_on",
        "failed_on",
        "first_administrator",
        "from_due_on",
        "from_referral_id",
        "from_staff_id",
        "fund",
        "granted_on",
        "held_from",
        "held_on",
        "host_municipality",
        "intake_date",
        "key",
        "name",
        "needs",
        "noted_on",
        "opened_by",
        "priority",
        "provided_by",
        "provided_on",
        "reactivated_on",
        "reassigned_by",
        "recorded_on",
        "referral_id",
        "reopened_by",
        "reopened_on",
        "resumed_on",
        "resumed_to",
        "revoked_on",
        "sent_on",
        "sharing_basis",
        "staff_id",
        "started_on",
        "starts_on",
        "withdrawn_on",
        "written_on",
        // The ESF+ events'.
        "entered_on",
        "returned_on",
        "left_on",
        "job_searching",
        "in_education_or_training",
        "gained_qualification",
        "in_employment",
    ];

    #[test]
    fn every_argument_a_message_uses_is_listed() {
        for (_, text) in RESOURCES_EN.iter().chain(RESOURCES_EL) {
            for piece in text.split("{ $").skip(1) {
                let name = piece.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next().unwrap_or_default();
                assert!(ARGUMENT_NAMES.contains(&name), "argument ${name} is not in ARGUMENT_NAMES");
            }
        }
    }

    #[test]
    fn every_table_heading_in_the_code_has_its_key() {
        let sources = [
            include_str!("commands/views.rs"),
            include_str!("commands/reading.rs"),
            include_str!("commands/people.rs"),
            include_str!("commands/directory_views.rs"),
            include_str!("commands/credentials.rs"),
            include_str!("commands/log.rs"),
        ];
        let mut n_headings = 0;
        for source in sources {
            for table in source.split("Table::new(&[").skip(1) {
                let list = table.split(']').next().unwrap_or_default();
                for heading in list.split(',').map(|h| h.trim().trim_matches('"')).filter(|h| !h.is_empty()) {
                    n_headings += 1;
                    let key = format!("heading-{}", heading.to_lowercase().replace(' ', "_"));
                    assert_ne!(message_in(Lang::El, &key, &[]), key, "the heading {heading} has no key {key}");
                }
            }
        }
        assert!(n_headings > 30, "found {n_headings} headings");
    }

    /// The keys the code names as literals (`message("key"`, a field's label `.field("key"`,
    /// a count's unit `count(n, "unit")`), each of which must be in both languages.
    #[test]
    fn every_key_the_code_names_is_in_both_languages() {
        let sources = [
            include_str!("commands/views.rs"),
            include_str!("commands/reading.rs"),
            include_str!("commands/people.rs"),
            include_str!("commands/referrals.rs"),
            include_str!("commands/directory.rs"),
            include_str!("commands/credentials.rs"),
            include_str!("commands/login.rs"),
            include_str!("commands/log.rs"),
            include_str!("commands/backup.rs"),
            include_str!("commands/demo.rs"),
            include_str!("commands/trust.rs"),
            include_str!("commands/directory_views.rs"),
            include_str!("commands/keys.rs"),
            include_str!("session.rs"),
            include_str!("error.rs"),
            include_str!("backend.rs"),
            include_str!("parse.rs"),
            include_str!("printed.rs"),
            include_str!("describe.rs"),
            include_str!("resolve.rs"),
            include_str!("apply.rs"),
            include_str!("output.rs"),
            include_str!("progress.rs"),
            include_str!("commands/mod.rs"),
        ];
        let literal_after = |text: &str, opening: &str| -> Vec<String> {
            text.split(opening).skip(1).filter_map(|rest| rest.split('"').next().map(str::to_owned)).collect()
        };
        let mut keys = Vec::new();
        for source in sources {
            keys.extend(literal_after(source, "message(\""));
            keys.extend(literal_after(source, ".field(\""));
            // The printed file's labels: `field(&mut out, "key"`.
            keys.extend(literal_after(source, "field(&mut out, \""));
            for (at, _) in source.match_indices("count") {
                // `count(` or `count_of(` as a call of its own, not `.count()` or a longer name.
                let before = source[..at].chars().last().unwrap_or(' ');
                let call = &source[at..];
                let Some(args) = call.strip_prefix("count(").or_else(|| call.strip_prefix("count_of(")) else {
                    continue;
                };
                if before == '.' || before == '_' || before.is_alphanumeric() {
                    continue;
                }
                // The unit is the last argument: `, "unit")`.
                let unit = args.match_indices("\")").map(|(end, _)| &args[..end]).find_map(|before| {
                    let (prefix, unit) = before.rsplit_once('"')?;
                    prefix.ends_with(", \"").then_some(unit)
                });
                if let Some(unit) = unit.filter(|u| !u.contains(char::is_whitespace)) {
                    keys.push(format!("count-{unit}"));
                }
            }
        }
        keys.retain(|key| !key.is_empty() && !key.ends_with('-'));
        assert!(keys.len() > 80, "found {} keys", keys.len());
        for key in &keys {
            for lang in [Lang::En, Lang::El] {
                assert!(has_message_in(lang, key), "{lang:?} has no message {key}");
            }
        }
    }

    #[test]
    fn greek_counts_take_the_plural_form_of_their_number() {
        assert_eq!(counted_in(Lang::El, "count-day", 1, &[]), "1 ημέρα");
        assert_eq!(counted_in(Lang::El, "count-day", 21, &[]), "21 ημέρες");
        assert_eq!(counted_in(Lang::En, "count-day", 0, &[]), "0 days");
        assert_eq!(counted_in(Lang::En, "count-person", 1, &[]), "1 person");
    }

    #[test]
    fn the_lang_flag_is_found_among_the_raw_arguments() {
        let args = |list: &[&str]| list.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(lang_in_args(args(&["parapompi", "--lang", "el", "board"])), Some(Lang::El));
        assert_eq!(lang_in_args(args(&["parapompi", "board", "--lang=en"])), Some(Lang::En));
        assert_eq!(lang_in_args(args(&["parapompi", "board"])), None);
        assert_eq!(lang_in_args(args(&["parapompi", "--language", "el"])), None);
    }

    #[test]
    fn the_environment_chooses_greek_by_its_first_locale_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| (*v).to_owned())
        };
        assert_eq!(from_environment(env(&[("LANG", "el_GR.UTF-8")])), Lang::El);
        assert_eq!(from_environment(env(&[("LC_ALL", "en_US.UTF-8"), ("LANG", "el_GR.UTF-8")])), Lang::En);
        assert_eq!(from_environment(env(&[("LC_ALL", ""), ("LC_MESSAGES", "el"), ("LANG", "C")])), Lang::El);
        assert_eq!(from_environment(env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(from_environment(env(&[])), Lang::En);
    }

    #[test]
    fn greek_names_are_read_back_accents_and_case_aside() {
        let names = ["walk_in", "phone", "email", "outreach", "referred_in"];
        assert_eq!(vocab_from_text("channel", &names, "αυτοπροσώπως"), Some("walk_in"));
        assert_eq!(vocab_from_text("channel", &names, "ΑΥΤΟΠΡΟΣΩΠΩΣ"), Some("walk_in"));
        assert_eq!(vocab_from_text("channel", &names, "αυτοπροσωπως"), Some("walk_in"));
        assert_eq!(vocab_from_text("channel", &names, "walk in"), Some("walk_in"));
        assert_eq!(vocab_from_text("channel", &names, "ταχυδρομείο"), None);
        assert_eq!(message_in(Lang::El, "channel-walk_in", &[]), "αυτοπροσώπως");
        assert_eq!(message_in(Lang::En, "channel-walk_in", &[]), "walk_in");
    }
}
