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

    /// Writes an aligned table (dropped in JSON mode).
    pub fn table(&mut self, table: &Table) -> Result<(), CliError> {
        if self.json {
            return Ok(());
        }
        self.raw(&table.render())
    }
}

/// A count and its noun, singular for one: `count(1, "open case", "open cases")`.
pub fn count(n: impl Into<i128>, singular: &str, plural: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { singular } else { plural })
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
        CliError::Environment(format!("writing to standard output: {error}"))
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
