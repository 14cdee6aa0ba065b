//! A case file laid out for a printer: the centre's name, the person, the case, its
//! referrals with their outcomes and its history in order with what was written, in lines
//! of at most 78 characters, plain text (which prints anywhere). Made from the documents of
//! the two audited reads it needs (the case's texts and the person's identity), so it reads
//! the same in direct mode and through a server. Its words are the run's language's
//! (`print-*` in `views.ftl`).

use serde_json::Value;

use crate::i18n::{message, vocab};

/// The widest line.
const WIDTH: usize = 78;

/// What the layout shows by name instead of by id.
pub struct PrintNames<'a> {
    /// The centre's name.
    pub centre: Option<&'a str>,
    /// Staff members, agencies, cases and referrals by name or reference.
    pub names: &'a crate::describe::Names,
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// `text` broken into lines of at most `width` characters at spaces (a longer word stands
/// alone), each line after the first starting with `indent`.
fn wrapped(text: &str, width: usize, indent: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let room = if lines.is_empty() { width } else { width.saturating_sub(indent.chars().count()) };
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > room {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines.iter().enumerate().map(|(i, l)| if i == 0 { l.clone() } else { format!("{indent}{l}") }).collect()
}

/// A label (a message's key) and its value, the value wrapped under itself.
fn field(out: &mut Vec<String>, label: &str, value: &str) {
    let label = message(label, &[]);
    let indent = " ".repeat(14);
    let lines = wrapped(value, WIDTH - 14, &indent);
    out.push(format!("{label:<14}{}", lines[0]));
    out.extend(lines.into_iter().skip(1));
}

/// The case file (`case show --texts --json`'s document) and the person's identity read
/// (`{identity, access_position}`), laid out; `printed` names the reader and the moment.
pub fn case_file(file: &Value, identity: &Value, names: &PrintNames<'_>, printed: &str) -> String {
    let mut out = Vec::new();
    let rule = "─".repeat(WIDTH);
    let centre =
        names.centre.map_or_else(|| message("print-centre", &[("id", &text(file, "centre_id"))]), str::to_owned);
    // Greek capitals carry no accents.
    out.extend(wrapped(&parapompi::core::folding::fold_capitals(&centre), WIDTH, ""));
    let reference = file.get("reference").and_then(Value::as_str).map(str::to_owned);
    let reference = reference.unwrap_or_else(|| format!("case-{}", text(file, "case_id")));
    out.push(message("print-title", &[("case", &reference)]));
    out.push(rule.clone());

    let person = identity.get("identity").unwrap_or(&Value::Null);
    if person.is_null() {
        field(&mut out, "print-person", &message("print-no-identity", &[]));
    } else {
        field(&mut out, "print-person", &format!("{} {}", text(person, "given_name"), text(person, "family_name")));
        field(&mut out, "print-amka", &text(person, "amka"));
        let phones: Vec<String> = list(person, "phones").iter().filter_map(|p| p.as_str().map(str::to_owned)).collect();
        if !phones.is_empty() {
            field(&mut out, "print-phone", &phones.join(", "));
        }
        if let Some(address) = person.get("address").and_then(Value::as_str) {
            field(&mut out, "print-address", address);
        }
    }
    let channel = vocab("channel", &text(file, "channel"));
    field(&mut out, "print-opened", &format!("{} ({channel})", text(file, "opened_on")));
    let open = file.get("open").and_then(Value::as_bool).unwrap_or_default();
    let status = match (open, file.get("close_reason").and_then(Value::as_str)) {
        (true, _) => message("state-open", &[]),
        (false, Some(reason)) => message("state-closed-because", &[("reason", &vocab("close_reason", reason))]),
        (false, None) => message("state-closed", &[]),
    };
    field(&mut out, "print-status", &status);
    let assignee = file
        .get("assignee")
        .and_then(Value::as_str)
        .map(|id| crate::commands::directory::actor_name(&names.names.staff, &format!("staff-{id}")));
    field(&mut out, "print-assignee", assignee.as_deref().unwrap_or("-"));
    let needs: Vec<String> = list(file, "needs")
        .iter()
        .map(|n| format!("{} ({})", vocab("need", &text(n, "domain")), vocab("need_priority", &text(n, "priority"))))
        .collect();
    field(&mut out, "print-needs", &if needs.is_empty() { "-".to_owned() } else { needs.join(", ") });

    let referrals = list(file, "referrals");
    if !referrals.is_empty() {
        out.push(String::new());
        out.push(message("print-referrals", &[]));
        out.push(rule.clone());
        let mut referrals: Vec<&Value> = referrals.iter().collect();
        referrals.sort_by_key(|r| text(r, "reference"));
        for r in referrals {
            let agency = names.names.named(&text(r, "agency_id"));
            let status = vocab("status", &text(r, "status"));
            let outcome = match r.get("outcome").and_then(Value::as_str) {
                Some(outcome) => format!("{status}: {}", vocab("outcome", outcome)),
                None => status,
            };
            let due = message("print-due", &[("outcome", &outcome), ("due_on", &text(r, "due_on"))]);
            out.push(format!("{}  {}  {due}", text(r, "reference"), vocab("need", &text(r, "need"))));
            out.extend(wrapped(&agency, WIDTH - 4, "    ").into_iter().map(|l| format!("    {}", l.trim_start())));
        }
    }

    out.push(String::new());
    out.push(message("print-history", &[]));
    out.push(rule.clone());
    for entry in list(file, "history") {
        let actor = crate::commands::directory::actor_name(&names.names.staff, &text(entry, "actor"));
        let when: String = text(entry, "occurred_at").chars().take(16).collect::<String>().replace('T', " ");
        out.push(format!("{when}  {actor}"));
        let described = names.names.describe(entry);
        out.extend(wrapped(&described, WIDTH - 4, "    ").into_iter().map(|l| format!("    {}", l.trim_start())));
        let not_in_vault = message("print-not-in-vault", &[]);
        for written in list(entry, "texts") {
            let words = written.get("text").and_then(Value::as_str).unwrap_or(&not_in_vault);
            let label = format!("    {}: ", text(written, "field"));
            let indent = " ".repeat(label.chars().count());
            let lines = wrapped(words, WIDTH - label.chars().count(), &indent);
            out.push(format!("{label}{}", lines[0]));
            out.extend(lines.into_iter().skip(1));
        }
    }
    out.push(rule);
    let texts_at = file.get("access_position").and_then(Value::as_u64);
    let identity_at = identity.get("access_position").and_then(Value::as_u64);
    let position = |at: Option<u64>| at.map_or("-".to_owned(), |p| p.to_string());
    out.extend(wrapped(
        &message("print-foot", &[("text", printed), ("position", &position(texts_at)), ("at", &position(identity_at))]),
        WIDTH,
        "",
    ));
    out.join("\n") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_wrap_within_the_width_and_keep_every_word() {
        let words = "Η κυρία ήρθε στο κέντρο και ζήτησε βοήθεια για την αίτηση επιδόματος στέγασης και για \
                     την εγγραφή των παιδιών της στο σχολείο της περιοχής";
        let lines = wrapped(words, 40, "  ");
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{lines:?}");
        let joined: Vec<&str> = lines.iter().flat_map(|l| l.split_whitespace()).collect();
        assert_eq!(joined, words.split_whitespace().collect::<Vec<_>>());
        assert_eq!(wrapped("", 10, "  "), vec![String::new()]);
    }
}
