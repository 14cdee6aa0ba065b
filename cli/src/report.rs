//! The indicators report as people read it: sections with headings, each count with its
//! share of the section's total, zero rows left out unless asked, staff and the centre by
//! name, and the log position and head hash it was computed from at the foot. Made from the
//! report's JSON (the library's bytes, or the server's answer), so it reads the same in
//! direct mode, through a server and in an evaluator's replay.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Names the report shows instead of ids, where they are known.
#[derive(Default)]
pub struct ReportNames {
    /// Staff members' names by their id (as the report writes it, a bare UUID).
    pub staff: BTreeMap<String, String>,
    /// The centre's name, for a report of one centre.
    pub centre: Option<String>,
    /// Centres' names by their id, for the ESF+ operations of a report of all centres.
    pub centres: BTreeMap<String, String>,
}

impl ReportNames {
    /// How the report's centre is shown (its name, else its id, else "all centres"), and the
    /// report's title with it and the period.
    pub(crate) fn centre_and_title(&self, query: &Value) -> (String, String) {
        let centre = match (&self.centre, query.get("centre").and_then(Value::as_str)) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => format!("centre-{id}"),
            (None, None) => words("report-all-centres"),
        };
        let (from, to) = (text_or_dash(query.get("from")), text_or_dash(query.get("to")));
        let title = message("report-title", &[("centre", &centre), ("from", &from), ("to", &to)]);
        (centre, title)
    }

    /// How an ESF+ operation's centre is shown: the report's centre for a report of one, else
    /// the operation's centre by name, else by id.
    pub(crate) fn operation_centre(&self, report_centre: &str, query: &Value, operation: &Value) -> String {
        match (query.get("centre").and_then(Value::as_str), operation.get("centre").and_then(Value::as_str)) {
            (Some(_), _) => report_centre.to_owned(),
            (None, Some(id)) => self.centres.get(id).cloned().unwrap_or_else(|| format!("centre-{id}")),
            (None, None) => String::new(),
        }
    }
}

/// How to lay the report out.
pub struct Layout<'a> {
    /// Names instead of ids.
    pub names: &'a ReportNames,
    /// Show rows whose count is zero.
    pub zeros: bool,
}

pub(crate) fn number(value: Option<&Value>) -> u64 {
    value.and_then(Value::as_u64).unwrap_or_default()
}

pub(crate) fn object<'a>(value: &'a Value, key: &str) -> Option<&'a Map<String, Value>> {
    value.get(key).and_then(Value::as_object)
}

/// `12.5%`, one decimal, of a total; `-` for an empty total.
pub(crate) fn share(n: u64, total: u64) -> String {
    if total == 0 {
        return "-".to_owned();
    }
    // Tenths of a per cent, rounded half up, in integers.
    let tenths = (n.saturating_mul(2000) + total) / total.saturating_mul(2);
    format!("{}.{}%", tenths / 10, tenths % 10)
}

/// A per-mille figure as a percentage with one decimal; `-` when there is none.
fn per_mille(value: Option<&Value>) -> String {
    match value.and_then(Value::as_u64) {
        Some(n) => format!("{}.{}%", n / 10, n % 10),
        None => "-".to_owned(),
    }
}

pub(crate) fn text_or_dash(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "-".to_owned(),
    }
}

/// A message of the run's language.
pub(crate) fn message(key: &str, args: &[(&str, &str)]) -> String {
    crate::i18n::message(key, args)
}

/// A message without arguments.
pub(crate) fn words(key: &str) -> String {
    message(key, &[])
}

/// How a breakdown's keys are shown: a closed set's values by their names in the run's
/// language (no set: as recorded), or staff members by name.
enum Names<'a> {
    Vocab(Option<&'static str>),
    Staff(&'a BTreeMap<String, String>),
}

impl Names<'_> {
    fn shown(&self, key: &str) -> String {
        match self {
            Names::Vocab(Some(set)) => crate::i18n::vocab(set, key),
            Names::Vocab(None) => key.to_owned(),
            Names::Staff(names) => names.get(key).cloned().unwrap_or_else(|| key.to_owned()),
        }
    }
}

/// The lines of a report, from its JSON, in the run's language.
pub fn render(report: &Value, layout: &Layout<'_>) -> String {
    let mut out = Report { lines: Vec::new(), zeros: layout.zeros };
    let query = report.get("query").cloned().unwrap_or(Value::Null);
    let (centre, title) = layout.names.centre_and_title(&query);
    out.heading(&title);

    let participants = report.get("participants").cloned().unwrap_or(Value::Null);
    let n_participants = number(participants.get("total"));
    out.section(&words("report-participants"), n_participants);
    for (key, title, set) in [
        ("by_gender", "report-by-gender", Some("gender")),
        ("by_age_band", "report-by-age-band", Some("age_band")),
        ("by_labour_status", "report-by-labour-status", Some("labour_status")),
        ("by_education", "report-by-education", Some("education")),
        ("by_municipality", "report-by-municipality", None),
    ] {
        out.breakdown(&words(title), object(&participants, key), n_participants, &Names::Vocab(set));
    }
    if let Some(groups) = object(&participants, "by_vulnerable_group") {
        out.sub(&words("report-vulnerable-groups"));
        for (group, counts) in groups {
            let yes = number(counts.get("yes"));
            if yes == 0 && number(counts.get("no")) == 0 && !out.zeros {
                continue;
            }
            out.row(
                group,
                &format!("{yes} / {} / {}", number(counts.get("no")), number(counts.get("declined_to_answer"))),
                &share(yes, n_participants),
            );
        }
    }

    let intakes = report.get("intakes").cloned().unwrap_or(Value::Null);
    let n_intakes = number(intakes.get("total"));
    out.section(&words("report-intakes"), n_intakes);
    out.breakdown(
        &words("report-by-channel"),
        object(&intakes, "by_channel"),
        n_intakes,
        &Names::Vocab(Some("channel")),
    );
    out.breakdown(&words("report-by-gender"), object(&intakes, "by_gender"), n_intakes, &Names::Vocab(Some("gender")));

    let needs = report.get("needs").cloned().unwrap_or(Value::Null);
    let n_assessed = number(needs.get("cases_assessed"));
    out.section(&words("report-assessed"), n_assessed);
    out.breakdown(&words("report-by-need"), object(&needs, "by_domain"), n_assessed, &Names::Vocab(Some("need")));

    let services = report.get("services").cloned().unwrap_or(Value::Null);
    let n_services = number(services.get("total"));
    out.section(&words("report-services"), n_services);
    out.breakdown(&words("report-by-kind"), object(&services, "by_kind"), n_services, &Names::Vocab(Some("service")));

    let referrals = report.get("referrals").cloned().unwrap_or(Value::Null);
    let all = referrals.get("all").cloned().unwrap_or(Value::Null);
    out.section(&words("report-referrals"), number(all.get("sent")));
    out.cohort(&words("report-all"), &all);
    for (key, title, set) in [
        ("by_agency_kind", "report-by-agency-kind", "agency_kind"),
        ("by_need", "report-by-need", "need"),
        ("by_gender", "report-by-gender", "gender"),
    ] {
        if let Some(cohorts) = object(&referrals, key) {
            let shown: Vec<(&String, &Value)> =
                cohorts.iter().filter(|(_, c)| out.zeros || number(c.get("sent")) > 0).collect();
            if shown.is_empty() {
                continue;
            }
            out.sub(&words(title));
            for (name, cohort) in shown {
                out.cohort(&crate::i18n::vocab(set, name), cohort);
            }
        }
    }
    out.row(&words("report-overdue"), &number(referrals.get("overdue_at_period_end")).to_string(), "");

    let cases = report.get("cases").cloned().unwrap_or(Value::Null);
    let n_closed = number(cases.get("closed"));
    out.section(&words("report-cases"), number(cases.get("opened")));
    out.row(&words("report-opened"), &number(cases.get("opened")).to_string(), "");
    out.row(&words("report-closed"), &n_closed.to_string(), "");
    out.row(&words("report-reopened"), &number(cases.get("reopened")).to_string(), "");
    let reasons = object(&cases, "closure_reasons");
    out.breakdown(&words("report-closure-reasons"), reasons, n_closed, &Names::Vocab(Some("close_reason")));
    let gender = Names::Vocab(Some("gender"));
    let n_opened = number(cases.get("opened"));
    out.breakdown(&words("report-opened-by-gender"), object(&cases, "opened_by_gender"), n_opened, &gender);
    out.breakdown(&words("report-closed-by-gender"), object(&cases, "closed_by_gender"), n_closed, &gender);

    let caseload = report.get("caseload").cloned().unwrap_or(Value::Null);
    let n_open = number(caseload.get("open_cases"));
    out.section(&words("report-caseload"), n_open);
    let unassigned = number(caseload.get("unassigned"));
    out.row(&words("report-unassigned"), &unassigned.to_string(), &share(unassigned, n_open));
    let by_staff = object(&caseload, "by_staff");
    out.breakdown(&words("report-by-staff"), by_staff, n_open, &Names::Staff(&layout.names.staff));

    for operation in report.get("esf").and_then(Value::as_array).into_iter().flatten() {
        out.operation(operation, &layout.names.operation_centre(&centre, &query, operation));
    }

    out.lines.push(String::new());
    let (position, hash) = (number(report.get("position")).to_string(), text_or_dash(report.get("head_hash")));
    let version = number(report.get("definitions_version")).to_string();
    out.lines.push(message("report-foot", &[("position", &position), ("hash", &hash), ("version", &version)]));
    if !layout.zeros {
        out.lines.push(words("report-zeros-left-out"));
    }
    out.lines.join("\n") + "\n"
}

/// The report's lines as they are written.
struct Report {
    lines: Vec<String>,
    zeros: bool,
}

impl Report {
    fn heading(&mut self, text: &str) {
        self.lines.push(text.to_owned());
        self.lines.push("=".repeat(text.chars().count()));
    }

    fn section(&mut self, title: &str, total: u64) {
        self.lines.push(String::new());
        self.lines.push(format!("{title}: {total}"));
    }

    fn sub(&mut self, title: &str) {
        self.lines.push(format!("  {title}"));
    }

    fn row(&mut self, label: &str, count: &str, share: &str) {
        let line = format!("    {label:<40} {count:>12}  {share:>6}");
        self.lines.push(line.trim_end().to_owned());
    }

    /// The counts of a map, each with its share of `total`, largest first; zero rows left
    /// out unless asked; keys shown as `names` says.
    fn breakdown(&mut self, title: &str, counts: Option<&Map<String, Value>>, total: u64, names: &Names<'_>) {
        let Some(counts) = counts else { return };
        let mut rows: Vec<(String, u64)> = counts
            .iter()
            .map(|(key, n)| (names.shown(key), number(Some(n))))
            .filter(|(_, n)| self.zeros || *n > 0)
            .collect();
        if rows.is_empty() {
            return;
        }
        rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.sub(title);
        for (label, n) in rows {
            self.row(&label, &n.to_string(), &share(n, total));
        }
    }

    /// One ESF+ operation: its output and result indicators by gender, head counts, and the
    /// missing answers.
    fn operation(&mut self, operation: &Value, centre: &str) {
        let text = |key: &str| text_or_dash(operation.get(key));
        let title = message(
            "report-esf-operation",
            &[
                ("programme", &text("programme")),
                ("centre", centre),
                ("fund", &text("fund")),
                ("from", &text("starts_on")),
                ("to", &text("ends_on")),
            ],
        );
        let entrants = operation.get("entrants").cloned().unwrap_or(Value::Null);
        let total = |counts: &Value, scope: &str| number(counts.get(scope).and_then(|c| c.get("total")));
        self.section(&title, total(&entrants, "cumulative"));
        let leavers = operation.get("leavers").cloned().unwrap_or(Value::Null);
        let heads = [
            ("period", total(&entrants, "in_period").to_string()),
            ("cumulative", total(&entrants, "cumulative").to_string()),
            ("left", total(&leavers, "in_period").to_string()),
            ("left_cumulative", total(&leavers, "cumulative").to_string()),
        ];
        let heads: Vec<(&str, &str)> = heads.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.lines.push(format!("  {}", message("report-esf-heads", &heads)));
        let columns = ["period", "women", "men", "non-binary", "gender-missing", "cumulative"]
            .map(|c| words(&format!("report-esf-col-{c}")));
        for (key, title) in [("outputs", "report-esf-outputs"), ("results", "report-esf-results")] {
            let rows: Vec<&Value> = operation
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter(|i| self.zeros || total(i, "in_period") + total(i, "cumulative") > 0)
                .collect();
            if rows.is_empty() {
                continue;
            }
            self.sub(&words(title));
            self.lines.push(format!(
                "    {:<8}{:>9}{:>9}{:>9}{:>11}{:>11}{:>12}",
                "", columns[0], columns[1], columns[2], columns[3], columns[4], columns[5]
            ));
            for indicator in rows {
                let code = text_or_dash(indicator.get("code"));
                let period = indicator.get("in_period").cloned().unwrap_or(Value::Null);
                let n = |k: &str| number(period.get(k));
                let name = message(&format!("esf-{code}"), &[]);
                let name = if name.starts_with("esf-") { text_or_dash(indicator.get("name")) } else { name };
                self.lines.push(format!(
                    "    {code:<8}{:>9}{:>9}{:>9}{:>11}{:>11}{:>12}  {name}",
                    n("total"),
                    n("women"),
                    n("men"),
                    n("non_binary"),
                    n("gender_missing"),
                    total(indicator, "cumulative")
                ));
            }
        }
        let repeats = [
            ("n", number(operation.get("repeat_entries")).to_string()),
            ("without", number(operation.get("intakes_without_entry")).to_string()),
        ];
        let repeats: Vec<(&str, &str)> = repeats.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.lines.push(format!("  {}", message("report-esf-repeats", &repeats)));
        for (key, title) in [
            ("missing_at_entry", "report-esf-missing-at-entry"),
            ("missing_on_leaving", "report-esf-missing-on-leaving"),
        ] {
            let Some(variables) = object(operation, key) else { continue };
            let rows: Vec<(String, [u64; 4])> = variables
                .iter()
                .map(|(variable, counts)| {
                    let n = |scope: &str, what: &str| number(counts.get(scope).and_then(|c| c.get(what)));
                    let figures = [
                        n("in_period", "declined_to_answer"),
                        n("in_period", "not_recorded"),
                        n("cumulative", "declined_to_answer"),
                        n("cumulative", "not_recorded"),
                    ];
                    (message(&format!("esf-variable-{variable}"), &[]), figures)
                })
                .filter(|(_, figures)| self.zeros || figures.iter().any(|n| *n > 0))
                .collect();
            if rows.is_empty() {
                continue;
            }
            self.sub(&words(title));
            for (variable, [declined, not_recorded, declined_all, not_recorded_all]) in rows {
                let figures = [
                    ("variable", variable),
                    ("declined", declined.to_string()),
                    ("not_recorded", not_recorded.to_string()),
                    ("declined_cumulative", declined_all.to_string()),
                    ("not_recorded_cumulative", not_recorded_all.to_string()),
                ];
                let figures: Vec<(&str, &str)> = figures.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.lines.push(format!("    {}", message("report-esf-missing-row", &figures)));
            }
        }
    }

    /// One referral cohort on a line: sent, what became of them, the rates and medians.
    fn cohort(&mut self, name: &str, cohort: &Value) {
        let n = |key: &str| number(cohort.get(key)).to_string();
        self.row(name, &message("report-sent", &[("n", &n("sent"))]), "");
        let outcomes = ["accepted", "declined", "completed", "failed", "cancelled", "expired"].map(|k| (k, n(k)));
        let outcomes: Vec<(&str, &str)> = outcomes.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.lines.push(format!("      {}", message("report-outcomes", &outcomes)));
        let (acceptance, completion) =
            (per_mille(cohort.get("acceptance_per_mille")), per_mille(cohort.get("completion_per_mille")));
        let (answer, outcome) =
            (text_or_dash(cohort.get("median_days_to_answer")), text_or_dash(cohort.get("median_days_to_outcome")));
        let rates = [
            ("acceptance", acceptance.as_str()),
            ("completion", &completion),
            ("answer", &answer),
            ("outcome", &outcome),
        ];
        self.lines.push(format!("      {}", message("report-rates", &rates)));
        // What became of those that ended, largest first.
        let mut outcomes: Vec<(u64, String)> = cohort
            .get("by_outcome")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(outcome, n)| (number(Some(n)), crate::i18n::vocab("outcome", outcome)))
            .filter(|(n, _)| *n > 0)
            .collect();
        if !outcomes.is_empty() {
            outcomes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            let list: Vec<String> = outcomes.iter().map(|(n, name)| format!("{name} {n}")).collect();
            self.lines.push(format!("      {}", message("report-by-outcome", &[("outcomes", &list.join(", "))])));
        }
    }
}

/// The report as a spreadsheet program opens it: the machine CSV's rows (`section`, `key`,
/// `value`, as `IndicatorReport::to_csv` writes them) in UTF-8 with a byte-order mark, the
/// header in the run's language, and in Greek `;` between the fields, which is what a
/// spreadsheet set to the Greek locale expects (its decimal separator is the comma);
/// in English `,`. The machine CSV (`--format csv`) stays as it is.
pub fn spreadsheet(machine_csv: &str, greek: bool) -> String {
    let separator = if greek { ';' } else { ',' };
    let mut out = String::from('\u{feff}');
    let header = if greek { ["ενότητα", "δείκτης", "τιμή"] } else { ["section", "key", "value"] };
    let mut rows = csv_rows(machine_csv).into_iter();
    rows.next();
    let mut write = |fields: &[&str]| {
        let quoted: Vec<String> = fields.iter().map(|f| quoted(f, separator)).collect();
        out.push_str(&quoted.join(&separator.to_string()));
        out.push_str("\r\n");
    };
    write(&header);
    for row in rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        write(&fields);
    }
    out
}

fn quoted(field: &str, separator: char) -> String {
    if field.contains([separator, '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// The rows of a CSV text (RFC 4180: fields with `,`, quotes or line breaks quoted, quotes
/// doubled), rows ended by CRLF or LF.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_quotes, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => in_quotes = false,
            (true, c) => field.push(c),
            (false, '"') => in_quotes = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spreadsheet_csv_has_a_byte_order_mark_and_in_greek_semicolons() {
        let machine =
            "section,key,value\r\nreport,position,23\r\nparticipants,\"by_municipality.Άργος, Μυκήνες\",4\r\n";
        let greek = spreadsheet(machine, true);
        assert!(greek.starts_with('\u{feff}'));
        assert_eq!(
            greek.trim_start_matches('\u{feff}'),
            "ενότητα;δείκτης;τιμή\r\nreport;position;23\r\nparticipants;by_municipality.Άργος, Μυκήνες;4\r\n"
        );
        let english = spreadsheet(machine, false);
        assert_eq!(
            english.trim_start_matches('\u{feff}'),
            "section,key,value\r\nreport,position,23\r\nparticipants,\"by_municipality.Άργος, Μυκήνες\",4\r\n"
        );
    }

    #[test]
    fn shares_are_rounded_half_up_to_a_tenth_of_a_per_cent() {
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(2, 3), "66.7%");
        assert_eq!(share(1, 8), "12.5%");
        assert_eq!(share(3, 3), "100.0%");
        assert_eq!(share(0, 0), "-");
    }

    #[test]
    fn zero_rows_are_left_out_unless_asked_and_staff_are_named() {
        let report = serde_json::json!({
            "query": {"centre": null, "from": "2025-01-01", "to": "2025-12-31"},
            "participants": {"total": 4, "by_gender": {"female": 3, "male": 1, "other": 0}},
            "caseload": {"open_cases": 2, "unassigned": 0, "by_staff": {"abc": 2}},
            "position": 23, "head_hash": "f5", "definitions_version": 1,
        });
        let names = ReportNames {
            staff: [("abc".to_owned(), "Αθηνά Καραγιάννη".to_owned())].into(),
            ..ReportNames::default()
        };
        let text = render(&report, &Layout { names: &names, zeros: false });
        assert!(text.contains("female") && text.contains("75.0%") && !text.contains("other"), "{text}");
        assert!(text.contains("Αθηνά Καραγιάννη") && text.contains("100.0%"), "{text}");
        assert!(text.contains("position 23, head hash f5"), "{text}");
        let with_zeros = render(&report, &Layout { names: &names, zeros: true });
        assert!(with_zeros.contains("other"), "{with_zeros}");
    }
}
