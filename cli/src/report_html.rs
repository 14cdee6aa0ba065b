//! The indicators report as one self-contained HTML page (`report indicators --format html`):
//! every chart an inline SVG drawn here, with the table of its figures beside it, styles in
//! the page, no script and nothing fetched, so it opens the same from a USB stick, a mail
//! attachment or an archive years later. Made from the report's JSON, as the text report is
//! ([`crate::report`]), so it reads the same in direct mode, through a server and in an
//! evaluator's replay, in Greek or English.
//!
//! Every number a table shows that is a figure of the report carries the figure's place in
//! the JSON as an RFC 6901 pointer (`data-pointer="/referrals/all/by_outcome/got_help"`), so
//! a reader (or a test in a browser) can check each against the JSON it came from.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::report::{message, number, object, share, text_or_dash, words, Layout};

/// The page, in the run's language.
pub fn page(report: &Value, layout: &Layout<'_>) -> String {
    let mut page = Page { body: String::new(), zeros: layout.zeros };
    let query = report.get("query").cloned().unwrap_or(Value::Null);
    let (centre, title) = layout.names.centre_and_title(&query);
    let genders = genders_of(report);

    page.participants(report, &genders);
    page.intakes(report, &query, &genders);
    page.referrals(report, &genders);
    page.cases_and_caseload(report, layout);
    for (index, operation) in report.get("esf").and_then(Value::as_array).into_iter().flatten().enumerate() {
        page.operation(report, index, operation, &layout.names.operation_centre(&centre, &query, operation));
    }

    let position = number(report.get("position")).to_string();
    let hash = text_or_dash(report.get("head_hash"));
    let version = number(report.get("definitions_version")).to_string();
    // The message is escaped as text, then its figures put in as marked-up elements.
    let marks = [("position", "\u{1}1"), ("hash", "\u{1}2"), ("version", "\u{1}3")];
    let foot = escape(&message("report-html-foot", &marks))
        .replace(marks[0].1, &format!(r#"<span data-pointer="/position">{position}</span>"#))
        .replace(marks[1].1, &format!(r#"<code data-pointer="/head_hash">{}</code>"#, escape(&hash)))
        .replace(marks[2].1, &format!(r#"<span data-pointer="/definitions_version">{version}</span>"#));
    let zeros_note =
        if layout.zeros { String::new() } else { format!("<p>{}</p>", escape(&words("report-html-zeros-left-out"))) };
    let lang = if crate::i18n::lang() == crate::i18n::Lang::El { "el" } else { "en" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>{title}</h1></header>\n\
         <main>\n{body}</main>\n<footer>\n<p>{foot}</p>\n{zeros_note}\n</footer>\n</body>\n</html>\n",
        title = escape(&title),
        body = page.body,
    )
}

/// Colours that people with the common forms of colour blindness tell apart (Okabe and Ito),
/// one per series, then the page's layout; printable on one column.
const STYLE: &str = "
body{font-family:'DejaVu Sans','Noto Sans',Arial,sans-serif;margin:2rem auto;max-width:72rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem;border-bottom:2px solid #0072B2;padding-bottom:.3rem}
h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
figure{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start;margin:0 0 1.5rem}
figcaption{flex-basis:100%;font-weight:bold}
table{border-collapse:collapse;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.2rem .5rem}
th{background:#f2f2f2;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#222}
.s0{fill:#0072B2}.s1{fill:#E69F00}.s2{fill:#009E73}.s3{fill:#CC79A7}.s4{fill:#999999}.s5{fill:#56B4E9}
footer{margin-top:2.5rem;border-top:1px solid #ccc;font-size:.85rem}
code{word-break:break-all}
@media print{figure{break-inside:avoid}}
";

/// The gender keys of the report's breakdowns, in the order shown: those of the
/// participants' `by_gender`, the stated genders first.
fn genders_of(report: &Value) -> Vec<String> {
    let order = ["female", "male", "other", "declined_to_answer", "not_recorded"];
    let present = report.pointer("/participants/by_gender").and_then(Value::as_object);
    let mut keys: Vec<String> =
        order.iter().filter(|k| present.is_none_or(|p| p.contains_key(**k))).map(|k| (*k).to_owned()).collect();
    for key in present.into_iter().flat_map(Map::keys) {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys
}

/// A closed set's value as a person reads it: its name in the run's language, with the
/// stable names' underscores shown as spaces.
fn shown(set: &str, key: &str) -> String {
    let name = match key {
        "not_recorded" => words("report-html-not-recorded"),
        _ => crate::i18n::vocab(set, key),
    };
    // English shows the stable names: `18_29` as `18–29`, `55_plus` as `55 plus`.
    match name.split_once('_') {
        Some((from, to)) if from.parse::<u32>().is_ok() && to.parse::<u32>().is_ok() => format!("{from}–{to}"),
        _ => name.replace('_', " "),
    }
}

/// Text for HTML: the five characters that could end a text or an attribute escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An RFC 6901 pointer to `parts` (`~` and `/` in a key escaped as `~0` and `~1`).
fn pointer(parts: &[&str]) -> String {
    parts.iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect()
}

/// A table cell: a figure of the report (with its pointer) or text.
enum Cell {
    Figure { value: u64, pointer: Option<String> },
    Text(String),
}

impl Cell {
    /// The figure at `parts` of the report.
    fn at(report: &Value, parts: &[&str]) -> Cell {
        Cell::of(report, pointer(parts))
    }

    /// The figure at `pointer` of the report; a place the report does not have (a
    /// municipality no one of a gender lives in) is a zero that is not a figure of it.
    fn of(report: &Value, pointer: String) -> Cell {
        match report.pointer(&pointer) {
            Some(value) => Cell::Figure { value: number(Some(value)), pointer: Some(pointer) },
            None => Cell::Figure { value: 0, pointer: None },
        }
    }

    fn html(&self) -> String {
        match self {
            Cell::Figure { value, pointer: Some(p) } => {
                format!(r#"<td class="n" data-pointer="{}">{value}</td>"#, escape(p))
            }
            Cell::Figure { value, pointer: None } => format!(r#"<td class="n">{value}</td>"#),
            Cell::Text(text) => format!(r#"<td class="n">{}</td>"#, escape(text)),
        }
    }
}

/// One row of a chart and its table: the label, the figures of each series (drawn), and
/// the cells of the table.
struct Row {
    label: String,
    drawn: Vec<u64>,
    cells: Vec<Cell>,
}

/// A chart and the table beside it.
struct Figure<'a> {
    caption: String,
    /// Names of the drawn series (one: plain bars; more: stacked, with a legend).
    series: &'a [String],
    /// The table's column headings after the label's.
    columns: Vec<String>,
    rows: Vec<Row>,
    chart: Chart,
}

/// How a figure's rows are drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chart {
    /// Horizontal bars, stacked when there are several series.
    Bars,
    /// Columns left to right: a time line.
    Columns,
    /// The table alone (a table of many measures has no one chart).
    TableOnly,
}

struct Page {
    body: String,
    zeros: bool,
}

impl Page {
    fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    /// A section's heading with its total, the figure at `pointer`.
    fn section(&mut self, title: &str, pointer: &str, total: u64) {
        let _ = writeln!(self.body, r#"<h2>{}: <span data-pointer="{pointer}">{total}</span></h2>"#, escape(title));
    }

    fn figure(&mut self, figure: Figure<'_>) {
        let rows: Vec<&Row> = figure
            .rows
            .iter()
            .filter(|r| self.zeros || r.drawn.iter().any(|n| *n > 0) || r.cells.iter().any(is_nonzero))
            .collect();
        if rows.is_empty() {
            return;
        }
        let chart = match figure.chart {
            Chart::Columns => column_svg(&figure.caption, &rows),
            Chart::Bars => bar_svg(&figure.caption, figure.series, &rows),
            Chart::TableOnly => String::new(),
        };
        let mut table = String::from("<table>\n<thead><tr><th></th>");
        for column in &figure.columns {
            let _ = write!(table, "<th>{}</th>", escape(column));
        }
        table.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            let _ = write!(table, "<tr><th>{}</th>", escape(&row.label));
            for cell in &row.cells {
                table.push_str(&cell.html());
            }
            table.push_str("</tr>\n");
        }
        table.push_str("</tbody>\n</table>");
        let _ = writeln!(
            self.body,
            "<figure>\n<figcaption>{}</figcaption>\n{chart}\n{table}\n</figure>",
            escape(&figure.caption)
        );
    }

    /// A breakdown of the participants by one closed set, stacked by gender: for each
    /// value, the count of each gender (`per_gender`) and the total.
    fn by_category(&mut self, report: &Value, genders: &[String], title: &str, key: &str, set: &str) {
        let Some(totals) = report.pointer(&pointer(&["participants", key])).and_then(Value::as_object) else {
            return;
        };
        let series: Vec<String> = genders.iter().map(|g| shown("gender", g)).collect();
        let total = number(report.pointer("/participants/total"));
        let rows = in_order(set, totals)
            .into_iter()
            .map(|category| {
                let per: Vec<u64> = genders
                    .iter()
                    .map(|g| number(report.pointer(&pointer(&["participants", "per_gender", g, key, category]))))
                    .collect();
                let mut cells: Vec<Cell> = genders
                    .iter()
                    .map(|g| Cell::at(report, &["participants", "per_gender", g, key, category]))
                    .collect();
                let n = number(totals.get(category));
                cells.push(Cell::at(report, &["participants", key, category]));
                cells.push(Cell::Text(share(n, total)));
                Row { label: if set.is_empty() { category.clone() } else { shown(set, category) }, drawn: per, cells }
            })
            .collect();
        let mut columns = series.clone();
        columns.extend([words("report-html-total"), words("report-html-share")]);
        self.figure(Figure { caption: title.to_owned(), series: &series, columns, rows, chart: Chart::Bars });
    }

    fn participants(&mut self, report: &Value, genders: &[String]) {
        let total = number(report.pointer("/participants/total"));
        self.section(&words("report-participants"), "/participants/total", total);
        self.simple(report, &words("report-by-gender"), &["participants", "by_gender"], Some(total), "gender");
        for (key, title, set) in [
            ("by_age_band", "report-by-age-band", "age_band"),
            ("by_labour_status", "report-by-labour-status", "labour_status"),
            ("by_education", "report-by-education", "education"),
            ("by_municipality", "report-by-municipality", ""),
        ] {
            self.by_category(report, genders, &words(title), key, set);
        }
        // Vulnerable groups: those who answered yes, by gender.
        let Some(groups) = object(report.get("participants").unwrap_or(&Value::Null), "by_vulnerable_group") else {
            return;
        };
        let series: Vec<String> = genders.iter().map(|g| shown("gender", g)).collect();
        let rows = groups
            .keys()
            .map(|group| {
                let yes = |g: &String| pointer(&["participants", "per_gender", g, "by_vulnerable_group", group, "yes"]);
                let drawn = genders.iter().map(|g| number(report.pointer(&yes(g)))).collect();
                let mut cells: Vec<Cell> = genders.iter().map(|g| Cell::of(report, yes(g))).collect();
                for answer in ["yes", "no", "declined_to_answer"] {
                    cells.push(Cell::at(report, &["participants", "by_vulnerable_group", group, answer]));
                }
                Row { label: words(&format!("attribute-{group}")), drawn, cells }
            })
            .collect();
        let mut columns = series.clone();
        columns.extend(["report-html-yes", "report-html-no", "report-html-declined-to-answer"].map(words));
        self.figure(Figure {
            caption: words("report-html-vulnerable-groups"),
            series: &series,
            columns,
            rows,
            chart: Chart::Bars,
        });
    }

    /// Plain bars of a map of counts at `parts` whose keys are values of closed set `set`
    /// ([`in_order`]), with each count's share of `total`.
    fn simple(&mut self, report: &Value, caption: &str, parts: &[&str], total: Option<u64>, set: &str) {
        let Some(map) = report.pointer(&pointer(parts)).and_then(Value::as_object) else { return };
        let series = [words("report-html-count")];
        let label = |key: &str| if set == DAYS { band_label(key) } else { shown(set, key) };
        let rows = in_order(set, map)
            .into_iter()
            .map(|key| {
                let n = number(map.get(key));
                let mut path = parts.to_vec();
                path.push(key);
                let mut cells = vec![Cell::at(report, &path)];
                if let Some(total) = total {
                    cells.push(Cell::Text(share(n, total)));
                }
                Row { label: label(key), drawn: vec![n], cells }
            })
            .collect();
        let mut columns = vec![words("report-html-count")];
        if total.is_some() {
            columns.push(words("report-html-share"));
        }
        self.figure(Figure { caption: caption.to_owned(), series: &series, columns, rows, chart: Chart::Bars });
    }

    fn intakes(&mut self, report: &Value, query: &Value, genders: &[String]) {
        let total = number(report.pointer("/intakes/total"));
        self.section(&words("report-intakes"), "/intakes/total", total);
        // Every month of the period, those without an intake at zero (not a figure of the
        // report, which lists only months with one); a period of more than ten years shows
        // only its months with intakes.
        let by_month = report.pointer("/intakes/by_month").and_then(Value::as_object);
        let mut months = months_between(query.get("from"), query.get("to"));
        if months.len() > 120 {
            months = by_month.into_iter().flat_map(Map::keys).cloned().collect();
        }
        let series = [words("report-html-count")];
        let rows = months
            .iter()
            .map(|month| {
                let cell = match by_month.and_then(|m| m.get(month)) {
                    Some(_) => Cell::at(report, &["intakes", "by_month", month]),
                    None => Cell::Figure { value: 0, pointer: None },
                };
                let n = match &cell {
                    Cell::Figure { value, .. } => *value,
                    Cell::Text(_) => 0,
                };
                Row { label: month.clone(), drawn: vec![n], cells: vec![cell] }
            })
            .collect();
        // Months are a time line: the empty ones are drawn too.
        let zeros = std::mem::replace(&mut self.zeros, true);
        self.figure(Figure {
            caption: words("report-html-intakes-by-month"),
            series: &series,
            columns: vec![words("report-html-count")],
            rows,
            chart: Chart::Columns,
        });
        self.zeros = zeros;
        self.simple(report, &words("report-by-channel"), &["intakes", "by_channel"], Some(total), "channel");
        self.gendered(report, genders, &words("report-by-gender"), &["intakes", "by_gender"], total);
    }

    /// Plain bars of a map keyed by gender, in the page's order of genders.
    fn gendered(&mut self, report: &Value, genders: &[String], caption: &str, parts: &[&str], total: u64) {
        let series = [words("report-html-count")];
        let rows = genders
            .iter()
            .filter(|g| report.pointer(&format!("{}/{g}", pointer(parts))).is_some())
            .map(|g| {
                let mut path = parts.to_vec();
                path.push(g);
                let n = number(report.pointer(&pointer(&path)));
                Row {
                    label: shown("gender", g),
                    drawn: vec![n],
                    cells: vec![Cell::at(report, &path), Cell::Text(share(n, total))],
                }
            })
            .collect();
        let columns = vec![words("report-html-count"), words("report-html-share")];
        self.figure(Figure { caption: caption.to_owned(), series: &series, columns, rows, chart: Chart::Bars });
    }

    fn referrals(&mut self, report: &Value, genders: &[String]) {
        let sent = number(report.pointer("/referrals/all/sent"));
        self.section(&words("report-referrals"), "/referrals/all/sent", sent);
        let ended =
            number(report.pointer("/referrals/all/completed")) + number(report.pointer("/referrals/all/failed"));
        self.simple(
            report,
            &words("report-html-by-outcome"),
            &["referrals", "all", "by_outcome"],
            Some(ended),
            "outcome",
        );
        let median = text_or_dash(report.pointer("/referrals/all/median_days_to_answer"));
        let answered =
            number(report.pointer("/referrals/all/accepted")) + number(report.pointer("/referrals/all/declined"));
        self.simple(
            report,
            &message("report-html-days-to-answer", &[("median", &median)]),
            &["referrals", "days_to_answer"],
            Some(answered),
            DAYS,
        );
        // The cohorts: all, by the agency's kind, by need and by gender, in one table.
        let mut rows = vec![cohort_row(report, words("report-all"), &["referrals", "all"])];
        for (key, set) in [("by_agency_kind", "agency_kind"), ("by_need", "need"), ("by_gender", "gender")] {
            let Some(cohorts) = report.pointer(&pointer(&["referrals", key])).and_then(Value::as_object) else {
                continue;
            };
            let keys: Vec<&String> = if key == "by_gender" {
                genders.iter().filter(|g| cohorts.contains_key(*g)).collect()
            } else {
                cohorts.keys().collect()
            };
            for name in keys {
                rows.push(cohort_row(report, shown(set, name), &["referrals", key, name]));
            }
        }
        let columns = ["sent", "accepted", "declined", "completed", "failed", "cancelled", "expired"]
            .map(|c| words(&format!("report-html-{c}")))
            .into_iter()
            .chain(["report-html-acceptance", "report-html-completion"].map(words))
            .collect();
        let series = [words("report-html-sent")];
        self.figure(Figure {
            caption: words("report-html-cohorts"),
            series: &series,
            columns,
            rows,
            chart: Chart::TableOnly,
        });
        let overdue = number(report.pointer("/referrals/overdue_at_period_end"));
        let _ = writeln!(
            self.body,
            r#"<p>{}: <span data-pointer="/referrals/overdue_at_period_end">{overdue}</span></p>"#,
            escape(&words("report-overdue"))
        );
    }

    fn cases_and_caseload(&mut self, report: &Value, layout: &Layout<'_>) {
        let opened = number(report.pointer("/cases/opened"));
        self.section(&words("report-cases"), "/cases/opened", opened);
        let series = [words("report-html-count")];
        let rows = ["opened", "closed", "reopened"]
            .iter()
            .map(|key| Row {
                label: words(&format!("report-{key}")),
                drawn: vec![number(report.pointer(&pointer(&["cases", key])))],
                cells: vec![Cell::at(report, &["cases", key])],
            })
            .collect();
        self.figure(Figure {
            caption: words("report-cases"),
            series: &series,
            columns: vec![words("report-html-count")],
            rows,
            chart: Chart::Bars,
        });
        let closed = number(report.pointer("/cases/closed"));
        self.simple(
            report,
            &words("report-closure-reasons"),
            &["cases", "closure_reasons"],
            Some(closed),
            "close_reason",
        );

        let open = number(report.pointer("/caseload/open_cases"));
        self.section(&words("report-caseload"), "/caseload/open_cases", open);
        let staff = &layout.names.staff;
        let mut rows: Vec<Row> = report
            .pointer("/caseload/by_staff")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(id, n)| {
                let n = number(Some(n));
                Row {
                    label: staff.get(id).cloned().unwrap_or_else(|| format!("staff-{id}")),
                    drawn: vec![n],
                    cells: vec![Cell::at(report, &["caseload", "by_staff", id]), Cell::Text(share(n, open))],
                }
            })
            .collect();
        rows.sort_by(|a, b| b.drawn.cmp(&a.drawn).then_with(|| a.label.cmp(&b.label)));
        let unassigned = number(report.pointer("/caseload/unassigned"));
        rows.push(Row {
            label: words("report-unassigned"),
            drawn: vec![unassigned],
            cells: vec![Cell::at(report, &["caseload", "unassigned"]), Cell::Text(share(unassigned, open))],
        });
        self.figure(Figure {
            caption: words("report-html-caseload-per-worker"),
            series: &series,
            columns: vec![words("report-html-count"), words("report-html-share")],
            rows,
            chart: Chart::Bars,
        });
    }

    /// One ESF+ operation: its output and result indicators, new entrants (or leavers) of
    /// the period stacked by gender, with the cumulative count in the table.
    fn operation(&mut self, report: &Value, index: usize, operation: &Value, centre: &str) {
        let text = |key: &str| text_or_dash(operation.get(key));
        self.heading(&message(
            "report-html-operation",
            &[
                ("programme", &text("programme")),
                ("centre", centre),
                ("fund", &text("fund")),
                ("from", &text("starts_on")),
                ("to", &text("ends_on")),
            ],
        ));
        let at = index.to_string();
        let genders = ["women", "men", "non_binary", "gender_missing"];
        let series: Vec<String> =
            ["women", "men", "non-binary", "gender-missing"].map(|c| words(&format!("report-esf-col-{c}"))).into();
        for (key, title) in [("outputs", "report-esf-outputs"), ("results", "report-esf-results")] {
            let indicators = operation.get(key).and_then(Value::as_array).cloned().unwrap_or_default();
            let rows = indicators
                .iter()
                .enumerate()
                .map(|(i, indicator)| {
                    let i = i.to_string();
                    let cell = |scope: &str, g: &str| Cell::at(report, &["esf", &at, key, &i, scope, g]);
                    let drawn =
                        genders.iter().map(|g| number(indicator.get("in_period").and_then(|c| c.get(*g)))).collect();
                    let mut cells: Vec<Cell> = genders.iter().map(|g| cell("in_period", g)).collect();
                    cells.push(cell("in_period", "total"));
                    cells.push(cell("cumulative", "total"));
                    let code = text_or_dash(indicator.get("code"));
                    let name = message(&format!("esf-{code}"), &[]);
                    let name = if name.starts_with("esf-") { text_or_dash(indicator.get("name")) } else { name };
                    Row { label: format!("{code} {name}"), drawn, cells }
                })
                .collect();
            let mut columns = series.clone();
            columns.extend(["period", "cumulative"].map(|c| words(&format!("report-esf-col-{c}"))));
            self.figure(Figure { caption: words(title), series: &series, columns, rows, chart: Chart::Bars });
        }
    }
}

fn is_nonzero(cell: &Cell) -> bool {
    matches!(cell, Cell::Figure { value, .. } if *value > 0)
}

/// A referral cohort's row: its counts, then its rates as percentages.
fn cohort_row(report: &Value, label: String, parts: &[&str]) -> Row {
    let mut cells: Vec<Cell> = ["sent", "accepted", "declined", "completed", "failed", "cancelled", "expired"]
        .iter()
        .map(|key| {
            let mut path = parts.to_vec();
            path.push(key);
            Cell::at(report, &path)
        })
        .collect();
    for rate in ["acceptance_per_mille", "completion_per_mille"] {
        let mut path = parts.to_vec();
        path.push(rate);
        let text = match report.pointer(&pointer(&path)).and_then(Value::as_u64) {
            Some(n) => format!("{}.{}%", n / 10, n % 10),
            None => "-".to_owned(),
        };
        cells.push(Cell::Text(text));
    }
    let sent = number(report.pointer(&format!("{}/sent", pointer(parts))));
    Row { label, drawn: vec![sent], cells }
}

/// The "set" of the bands of days to answer.
const DAYS: &str = "days";

/// The keys of `counts` in the order a chart shows them: an ordered set's (age bands,
/// education levels, bands of days) in its own order, any other by count, largest first;
/// "declined to answer" and "not recorded" last.
fn in_order<'a>(set: &str, counts: &'a Map<String, Value>) -> Vec<&'a String> {
    let order: &[&str] = match set {
        "age_band" => &["under_18", "18_29", "30_54", "55_plus"],
        "education" => &["isced_0", "isced_1_2", "isced_3_4", "isced_5_8"],
        DAYS => &["0_2", "3_7", "8_14", "15_30", "31_plus"],
        _ => &[],
    };
    let last = |key: &str| match key {
        "declined_to_answer" => 1,
        "not_recorded" => 2,
        _ => 0,
    };
    let place = |key: &str| order.iter().position(|k| *k == key).unwrap_or(order.len());
    let mut keys: Vec<&String> = counts.keys().collect();
    keys.sort_by(|a, b| {
        let by_count = number(counts.get(*b)).cmp(&number(counts.get(*a)));
        last(a)
            .cmp(&last(b))
            .then_with(|| if order.is_empty() { by_count } else { place(a).cmp(&place(b)) })
            .then_with(|| a.cmp(b))
    });
    keys
}

/// A band of days to answer as people write it: `0–2`, `31+`.
fn band_label(band: &str) -> String {
    match band.split_once('_') {
        Some((from, "plus")) => format!("{from}+"),
        Some((from, to)) => format!("{from}–{to}"),
        None => band.to_owned(),
    }
}

/// The months (`YYYY-MM`) from the month of `from` to that of `to`, both dates `YYYY-MM-DD`.
fn months_between(from: Option<&Value>, to: Option<&Value>) -> Vec<String> {
    let month = |v: Option<&Value>| -> Option<(i32, u32)> {
        let text = v?.as_str()?;
        Some((text.get(..4)?.parse().ok()?, text.get(5..7)?.parse().ok()?))
    };
    let (Some((mut year, mut m)), Some(end)) = (month(from), month(to)) else { return Vec::new() };
    let mut months = Vec::new();
    while (year, m) <= end && months.len() <= 121 {
        months.push(format!("{year:04}-{m:02}"));
        (year, m) = if m == 12 { (year + 1, 1) } else { (year, m + 1) };
    }
    months
}

const LABEL_WIDTH: u32 = 230;
const BAR_WIDTH: u32 = 340;
const ROW_HEIGHT: u32 = 22;

/// A label cut to what the chart has room for (the table beside it has it whole).
fn cut(label: &str) -> String {
    if label.chars().count() > 34 {
        label.chars().take(33).collect::<String>() + "…"
    } else {
        label.to_owned()
    }
}

/// Horizontal bars, one row per row, stacked by series; the total at each bar's end; a
/// legend when there are several series.
fn bar_svg(title: &str, series: &[String], rows: &[&Row]) -> String {
    let max = rows.iter().map(|r| r.drawn.iter().sum::<u64>()).max().unwrap_or(0).max(1);
    let legend = if series.len() > 1 { ROW_HEIGHT + 6 } else { 0 };
    let height = legend + ROW_HEIGHT * u32::try_from(rows.len()).unwrap_or(u32::MAX / 64) + 8;
    let width = LABEL_WIDTH + BAR_WIDTH + 60;
    let mut svg = format!(
        r#"<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title>"#,
        escape(title)
    );
    if series.len() > 1 {
        let mut x = 0u32;
        for (i, name) in series.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<rect class="s{i}" x="{x}" y="4" width="12" height="12"/><text x="{}" y="14">{}</text>"#,
                x + 16,
                escape(&cut(name))
            );
            x += 22 + 7 * u32::try_from(name.chars().count().min(30)).unwrap_or(30);
        }
    }
    for (row_index, row) in rows.iter().enumerate() {
        let y = legend + ROW_HEIGHT * u32::try_from(row_index).unwrap_or(0);
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text>"#,
            LABEL_WIDTH - 6,
            y + 15,
            escape(&cut(&row.label))
        );
        let mut x = f64::from(LABEL_WIDTH);
        for (i, n) in row.drawn.iter().enumerate() {
            // Counts are far below 2^52: exact as f64.
            #[allow(clippy::cast_precision_loss)]
            let w = (*n as f64) * f64::from(BAR_WIDTH) / (max as f64);
            if w > 0.0 {
                let _ = write!(
                    svg,
                    r#"<rect class="s{}" x="{x:.1}" y="{}" width="{w:.1}" height="{}"/>"#,
                    i % 6,
                    y + 3,
                    ROW_HEIGHT - 6
                );
            }
            x += w;
        }
        let total: u64 = row.drawn.iter().sum();
        let _ = write!(svg, r#"<text x="{:.1}" y="{}">{total}</text>"#, x + 4.0, y + 15);
    }
    svg.push_str("</svg>");
    svg
}

/// Columns, one per row (months), left to right, the count above each; every label when
/// they fit, otherwise every few.
fn column_svg(title: &str, rows: &[&Row]) -> String {
    let n = u32::try_from(rows.len()).unwrap_or(1).max(1);
    let step = (560 / n).clamp(6, 40);
    let (top, plot, bottom) = (16u32, 160u32, 36u32);
    let width = 40 + step * n;
    let height = top + plot + bottom;
    let max = rows.iter().map(|r| r.drawn.first().copied().unwrap_or(0)).max().unwrap_or(0).max(1);
    let every = (n * 48).div_ceil(width.max(1)).max(1);
    let mut svg = format!(
        r#"<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><title>{}</title>"#,
        escape(title)
    );
    let _ = write!(svg, r##"<line x1="20" y1="{0}" x2="{1}" y2="{0}" stroke="#999"/>"##, top + plot, width - 10);
    for (i, row) in rows.iter().enumerate() {
        let i = u32::try_from(i).unwrap_or(0);
        let value = row.drawn.first().copied().unwrap_or(0);
        #[allow(clippy::cast_precision_loss)]
        let h = (value as f64) * f64::from(plot) / (max as f64);
        let x = 24 + i * step;
        let bar = f64::from(step.saturating_sub(3).max(2));
        if h > 0.0 {
            let _ = write!(
                svg,
                r#"<rect class="s0" x="{x}" y="{:.1}" width="{bar:.0}" height="{h:.1}"/>"#,
                f64::from(top + plot) - h
            );
        }
        if step >= 18 || value > 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{value}</text>"#,
                f64::from(x) + bar / 2.0,
                f64::from(top + plot) - h - 3.0
            );
        }
        if i % every == 0 {
            // `2024-03` shown as `03/24`.
            let label = match (row.label.get(5..7), row.label.get(2..4)) {
                (Some(month), Some(year)) => format!("{month}/{year}"),
                _ => row.label.clone(),
            };
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                f64::from(x) + bar / 2.0,
                top + plot + 16,
                escape(&label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::ReportNames;

    #[test]
    fn text_is_escaped_and_pointers_follow_rfc_6901() {
        assert_eq!(escape(r#"<b>"Ά" & 'β'</b>"#), "&lt;b&gt;&quot;Ά&quot; &amp; &#39;β&#39;&lt;/b&gt;");
        assert_eq!(pointer(&["a", "b/c", "d~e"]), "/a/b~1c/d~0e");
        let value = serde_json::json!({"b/c": {"d~e": 7}});
        assert_eq!(value.pointer(&pointer(&["b/c", "d~e"])), Some(&serde_json::json!(7)));
    }

    #[test]
    fn the_months_of_a_period_and_the_bands_as_people_write_them() {
        let (from, to) = (serde_json::json!("2024-11-15"), serde_json::json!("2025-02-01"));
        assert_eq!(months_between(Some(&from), Some(&to)), ["2024-11", "2024-12", "2025-01", "2025-02"]);
        assert_eq!(band_label("0_2"), "0–2");
        assert_eq!(band_label("31_plus"), "31+");
    }

    #[test]
    fn a_staff_name_with_markup_is_shown_as_text() {
        let report = serde_json::json!({
            "query": {"centre": null, "from": "2025-01-01", "to": "2025-01-31"},
            "caseload": {"open_cases": 1, "unassigned": 0, "by_staff": {"abc": 1}},
            "position": 3, "head_hash": "f5", "definitions_version": 3,
        });
        let names = ReportNames {
            staff: [("abc".to_owned(), "<script>x</script>".to_owned())].into(),
            ..ReportNames::default()
        };
        let html = page(&report, &Layout { names: &names, zeros: false });
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"), "{html}");
        assert!(html.contains(r#"data-pointer="/caseload/by_staff/abc">1<"#), "{html}");
    }
}
