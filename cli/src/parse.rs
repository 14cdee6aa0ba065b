//! Turning command-line text into validated values, each failure naming its field.

use parapompi::core::values::{Date, Timestamp, ValidationError};
use parapompi::core::vocab::Answer;
use uuid::Uuid;

use crate::error::{check, CliError};

/// Parses an id given bare (`<uuid>`) or in its stream form (`<prefix>-<uuid>`).
pub fn uuid_of(field: &str, prefix: &str, text: &str) -> Result<Uuid, CliError> {
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).unwrap_or(trimmed);
    Uuid::parse_str(bare)
        .map_err(|_| CliError::field(field, format!("{text:?} is not an id (a UUID, or {prefix}-<UUID>)")))
}

/// Parses a `YYYY-MM-DD` date.
pub fn date(field: &str, text: &str) -> Result<Date, CliError> {
    check(field, Date::parse(text))
}

/// Parses an RFC 3339 instant (`2024-05-01T09:30:00Z`, `2024-05-01T12:30:00+03:00`,
/// fractions of a second allowed and cut to milliseconds).
pub fn instant(field: &str, text: &str) -> Result<Timestamp, CliError> {
    parapompi::instant::parse_rfc3339(text.trim()).ok_or_else(|| {
        CliError::field(field, format!("{text:?} is not an RFC 3339 instant such as 2024-05-01T09:30:00+03:00"))
    })
}

/// Parses a year of birth, or `declined_to_answer`.
pub fn year_of_birth(field: &str, text: &str) -> Result<Answer<i32>, CliError> {
    let trimmed = text.trim();
    if trimmed == "declined_to_answer" {
        return Ok(Answer::DeclinedToAnswer);
    }
    trimmed
        .parse::<i32>()
        .map(Answer::Given)
        .map_err(|_| CliError::field(field, format!("{text:?} is not a year (or declined_to_answer)")))
}

/// Parses an amount in euros (`266400`, `266400.5`, `266400.00`) into cents.
pub fn euro_cents(field: &str, text: &str) -> Result<u64, CliError> {
    let bad = || CliError::field(field, format!("{text:?} is not an amount in euros such as 266400.00"));
    let trimmed = text.trim();
    let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    if whole.is_empty() || fraction.len() > 2 || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let euros: u64 = whole.parse().map_err(|_| bad())?;
    let cents: u64 = if fraction.is_empty() { 0 } else { format!("{fraction:0<2}").parse().map_err(|_| bad())? };
    euros.checked_mul(100).and_then(|c| c.checked_add(cents)).ok_or_else(bad)
}

/// Turns a validation error into a field error (for values checked by core's constructors).
pub fn value<T>(field: &str, result: Result<T, ValidationError>) -> Result<T, CliError> {
    check(field, result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_become_cents() {
        assert_eq!(euro_cents("--budget", "266400").ok(), Some(26_640_000));
        assert_eq!(euro_cents("--budget", "266400.5").ok(), Some(26_640_050));
        assert!(euro_cents("--budget", "12.345").is_err());
        assert!(euro_cents("--budget", "-3").is_err());
    }
}
