//! Instants as text: RFC 3339 in, RFC 3339 in UTC with milliseconds out. One definition for
//! the command line, `apply`, the act form and the server.

use parapompi_core::values::{Date, Timestamp};

const MS_PER_DAY: i64 = 86_400_000;

/// Parses an RFC 3339 instant (`2024-05-01T09:30:00Z`, `2024-05-01T12:30:00+03:00`,
/// fractions of a second allowed and cut to milliseconds); `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return None;
    }
    let date = Date::parse(text.get(..10)?).ok()?;
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    if bytes[13] != b':' || bytes[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut rest = text.get(19..)?;
    let mut millis = 0i64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let n_digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if n_digits == 0 {
            return None;
        }
        let digits = fraction.get(..n_digits)?;
        let padded = format!("{digits:0<3}");
        millis = padded.get(..3)?.parse().ok()?;
        rest = fraction.get(n_digits..)?;
    }
    let offset_minutes = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 60 + minutes)
        }
    };
    let local_ms = date.days_since_epoch() * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    Some(Timestamp::from_unix_ms(local_ms - offset_minutes * 60_000))
}

/// Writes an instant as RFC 3339 in UTC with milliseconds.
pub fn format_instant(at: Timestamp) -> String {
    let ms = at.unix_ms();
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let date = Date::from_days_since_epoch(days).map_or_else(|_| format!("day {days}"), |d| d.to_string());
    let (hours, minutes) = (in_day / 3_600_000, in_day / 60_000 % 60);
    let (seconds, millis) = (in_day / 1000 % 60, in_day % 1000);
    format!("{date}T{hours:02}:{minutes:02}:{seconds:02}.{millis:03}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_parse_with_offsets_and_fractions() {
        let utc = parse_rfc3339("2024-05-01T09:30:00Z").map(|t| t.unix_ms());
        assert_eq!(utc, Some(1_714_555_800_000));
        assert_eq!(parse_rfc3339("2024-05-01T12:30:00+03:00").map(|t| t.unix_ms()), utc);
        assert_eq!(parse_rfc3339("2024-05-01T09:30:00.25Z").map(|t| t.unix_ms()), utc.map(|ms| ms + 250));
        assert_eq!(format_instant(Timestamp::from_unix_ms(1_714_555_800_250)), "2024-05-01T09:30:00.250Z");
        for bad in ["2024-05-01", "2024-05-01T25:00:00Z", "2024-05-01T09:30:00", "2024-05-01T09:30:00+3"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
