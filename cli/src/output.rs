//! Writing to standard output: human lines and aligned tables, or stable JSON. Every write
//! goes through [`Out`], which turns a closed pipe into [`CliError::BrokenPipe`] so that
//! `parapompi board | head` ends quietly instead of panicking.

use std::io::{self, Write};

use serde_json::Value;

use crate::error::CliError;

/// Standard output, in human or JSON form.
pub struct Out {
    /// True when `--json` was given: JSON objects (or JSON Lines) instead of text.
    pub json: bool,
    /// Lines kept instead of printed (`apply` collects each command's JSON this way).
    captured: Option<Vec<Value>>,
}

impl Out {
    /// Output to the terminal or pipe.
    pub fn new(json: bool) -> Out {
        Out { json, captured: None }
    }

    /// Output that keeps the JSON values instead of printing them.
    pub fn capture() -> Out {
        Out { json: true, captured: Some(Vec::new()) }
    }

    /// The values kept by a capturing output.
    pub fn take_captured(&mut self) -> Vec<Value> {
        self.captured.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// Writes raw text exactly as given.
    pub fn raw(&mut self, text: &str) -> Result<(), CliError> {
        if self.captured.is_some() {
            return Ok(());
        }
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).map_err(io_error)
    }

    /// Writes one line of human text (dropped in JSON mode).
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        self.raw(&format!("{}\n", text.as_ref()))
    }

    /// Writes one JSON value on one line (dropped in human mode).
    pub fn json_line(&mut self, value: &Value) -> Result<(), CliError> {
        if !self.json {
            return Ok(());
        }
        if let Some(captured) = &mut self.captured {
            captured.push(value.clone());
            return Ok(());
        }
        self.raw(&format!("{value}\n"))
    }

    /// Writes one JSON value on one line, or keeps it when capturing (dropped in human mode).
    pub fn json_value(&mut self, value: Value) -> Result<(), CliError> {
        if !self.json {
            return Ok(());
        }
        if let Some(captured) = &mut self.captured {
            captured.push(value);
            return Ok(());
        }
        self.raw(&format!("{value}\n"))
    }

    /// Writes labelled lines (dropped in JSON mode).
    pub fn fields(&mut self, fields: &Fields) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        self.raw(&fields.render())
    }

    /// Writes an aligned table (dropped in JSON mode).
    pub fn table(&mut self, table: &Table) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        self.raw(&table.render())
    }
}

/// A count and its unit in the run's language, in the plural form the count takes:
/// `count(5, "day")` is the message `count-day` (`5 days`, `5 ημέρες`).
pub fn count(n: impl Into<i128>, unit: &str) -> String {
    crate::i18n::counted(&format!("count-{unit}"), n.into(), &[])
}

/// [`count`] of a length.
pub fn count_of(n: usize, unit: &str) -> String {
    count(u64::try_from(n).unwrap_or(u64::MAX), unit)
}

/// A word a shell reads as itself: as it is when it holds only characters no shell treats
/// specially, else in single quotes. Hints print paths this way, so that they can be pasted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ',' | ':' | '=' | '+' | '@'));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// A closed pipe ends quietly; any other write error is an environment error.
pub fn io_error(error: io::Error) -> CliError {
    if error.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Environment(crate::i18n::message("output-write-failed", &[("problem", &error.to_string())]))
    }
}

/// A table whose columns are padded to their widest cell. Widths count characters, so Greek
/// text (one column per letter in a terminal) lines up like Latin text.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers, given in English capitals and shown in the run's
    /// language (`crate::i18n::heading`).
    pub fn new(headers: &[&str]) -> Table {
        Table { headers: headers.iter().map(|h| crate::i18n::heading(h)).collect(), rows: Vec::new() }
    }

    /// Adds a row; missing cells are blank.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text, a header line first.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
            for (index, cell) in row.iter().enumerate() {
                let n_chars = cell.chars().count();
                match widths.get_mut(index) {
                    Some(width) => *width = (*width).max(n_chars),
                    None => widths.push(n_chars),
                }
            }
        }
        let mut text = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let cells: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(index, width)| {
                    let cell = row.get(index).map_or("", String::as_str);
                    let padding = width.saturating_sub(cell.chars().count());
                    format!("{cell}{}", " ".repeat(padding))
                })
                .collect();
            text.push_str(cells.join("  ").trim_end());
            text.push('\n');
        }
        text
    }
}

/// Lines of a label and its value, the labels (messages of the run's language, by key)
/// padded to the widest, so that the values line up in every language.
#[derive(Default)]
pub struct Fields {
    rows: Vec<(String, String)>,
}

impl Fields {
    /// No lines yet.
    pub fn new() -> Fields {
        Fields::default()
    }

    /// Adds the line of the label `key` (a message without arguments) and its value.
    pub fn field(&mut self, key: &str, value: impl Into<String>) {
        self.rows.push((crate::i18n::message(key, &[]), value.into()));
    }

    /// The lines as text.
    pub fn render(&self) -> String {
        let width = self.rows.iter().map(|(label, _)| label.chars().count()).max().unwrap_or_default();
        self.rows
            .iter()
            .map(|(label, value)| {
                let padding = " ".repeat(width - label.chars().count());
                format!("{}\n", format!("{label}{padding}  {value}").trim_end())
            })
            .collect()
    }
}
