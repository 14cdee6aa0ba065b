//! Turning command-line text into validated values, each failure naming its field.

use parapompi::core::values::{Date, Timestamp, ValidationError};
use parapompi::core::vocab::Answer;
use uuid::Uuid;

use crate::error::{check, CliError};
use crate::i18n::message;
use crate::messages;

/// Parses an id given bare (`<uuid>`) or in its stream form (`<prefix>-<uuid>`).
pub fn uuid_of(field: &str, prefix: &str, text: &str) -> Result<Uuid, CliError> {
    let trimmed = text.trim();
    let bare = trimmed.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('-')).unwrap_or(trimmed);
    Uuid::parse_str(bare)
        .map_err(|_| CliError::field(field, message("error-not-an-id", &[("text", &quoted(text)), ("value", prefix)])))
}

/// What a person typed, quoted as the messages show it.
fn quoted(text: &str) -> String {
    format!("{text:?}")
}

/// Parses a date: `YYYY-MM-DD`, or as dates are written in Greece, `DD/MM/YYYY` (a day or
/// month of one digit allowed: `1/3/2024`). A date that is not on the calendar
/// (`31/02/2024`) is refused by name. In `apply` only `YYYY-MM-DD`, the JSON form's.
pub fn date(field: &str, text: &str) -> Result<Date, CliError> {
    let trimmed = text.trim();
    if !crate::i18n::human_input() {
        return check(field, Date::parse(trimmed));
    }
    let (year, month, day) = match day_month_year(trimmed).or_else(|| year_month_day(trimmed)) {
        Some(parts) => parts,
        None => return Err(CliError::field(field, message("date-malformed", &[("text", trimmed)]))),
    };
    Date::from_ymd(year, month, day).map_err(|error| {
        CliError::field(
            field,
            message("date-impossible", &[("text", trimmed), ("problem", &messages::invalid(&error))]),
        )
    })
}

/// `DD/MM/YYYY`: one or two digits, one or two, then four.
fn day_month_year(text: &str) -> Option<(i32, u8, u8)> {
    let mut parts = text.split('/');
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !(1..=2).contains(&day.len()) || !(1..=2).contains(&month.len()) || year.len() != 4 {
        return None;
    }
    Some((digits(year)?, u8::try_from(digits(month)?).ok()?, u8::try_from(digits(day)?).ok()?))
}

/// `YYYY-MM-DD` exactly.
fn year_month_day(text: &str) -> Option<(i32, u8, u8)> {
    let mut parts = text.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    Some((digits(year)?, u8::try_from(digits(month)?).ok()?, u8::try_from(digits(day)?).ok()?))
}

fn digits(text: &str) -> Option<i32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Parses an RFC 3339 instant (`2024-05-01T09:30:00Z`, `2024-05-01T12:30:00+03:00`,
/// fractions of a second allowed and cut to milliseconds).
pub fn instant(field: &str, text: &str) -> Result<Timestamp, CliError> {
    parapompi::instant::parse_rfc3339(text.trim())
        .ok_or_else(|| CliError::field(field, message("error-not-an-instant", &[("text", &quoted(text))])))
}

/// Parses a year of birth, or `declined_to_answer` (typed by a person, also its Greek name).
pub fn year_of_birth(field: &str, text: &str) -> Result<Answer<i32>, CliError> {
    let trimmed = text.trim();
    if trimmed == "declined_to_answer"
        || crate::i18n::vocab_from_text("answer", &["declined_to_answer"], trimmed).is_some()
    {
        return Ok(Answer::DeclinedToAnswer);
    }
    trimmed
        .parse::<i32>()
        .map(Answer::Given)
        .map_err(|_| CliError::field(field, message("error-not-a-year", &[("text", &quoted(text))])))
}

/// Parses an amount in euros (`266400`, `266400.5`, `266400.00`) into cents.
pub fn euro_cents(field: &str, text: &str) -> Result<u64, CliError> {
    let bad = || CliError::field(field, message("error-not-euros", &[("text", &quoted(text))]));
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
    fn dates_are_read_in_either_order_and_an_impossible_day_is_named() {
        let date_of =
            |text: &str| date("--on", text).map(|d| d.to_string()).map_err(|e| e.message().unwrap_or_default());
        assert_eq!(date_of("2024-12-31"), Ok("2024-12-31".to_owned()));
        assert_eq!(date_of("31/12/2024"), Ok("2024-12-31".to_owned()));
        assert_eq!(date_of(" 1/3/2024 "), Ok("2024-03-01".to_owned()));
        assert_eq!(date_of("29/02/2024"), Ok("2024-02-29".to_owned()));
        let refused = date_of("31/02/2024").expect_err("February has no 31st");
        assert!(
            refused.starts_with("--on: 31/02/2024 is not a day of the calendar") && refused.contains("29"),
            "{refused}"
        );
        for bad in ["31/12/24", "2024/12/31", "31-12-2024", "tomorrow", "31/12/2024/1", "2024-1-31"] {
            assert!(date_of(bad).expect_err(bad).contains("DD/MM/YYYY"), "{bad}");
        }
    }

    #[test]
    fn a_year_of_birth_may_be_declined_in_either_language() {
        assert_eq!(year_of_birth("--year-of-birth", "1988").ok(), Some(Answer::Given(1988)));
        assert_eq!(year_of_birth("--year-of-birth", "declined_to_answer").ok(), Some(Answer::DeclinedToAnswer));
        assert_eq!(year_of_birth("--year-of-birth", "Δεν απάντησε").ok(), Some(Answer::DeclinedToAnswer));
        assert!(year_of_birth("--year-of-birth", "ποτέ").is_err());
    }

    #[test]
    fn euros_become_cents() {
        assert_eq!(euro_cents("--budget", "266400").ok(), Some(26_640_000));
        assert_eq!(euro_cents("--budget", "266400.5").ok(), Some(26_640_050));
        assert!(euro_cents("--budget", "12.345").is_err());
        assert!(euro_cents("--budget", "-3").is_err());
    }
}
