//! Short references: what people say and type instead of ids.
//!
//! A case's reference is its centre's short code, the year of its intake date and the case's
//! place among that centre's intakes of that year, in log order: `ΓΡΕ-2024-0042`. A
//! referral's reference is its case's reference and its place among the case's referrals,
//! in order of creation: `ΓΡΕ-2024-0042/2`. Nothing in the log holds a reference: it follows
//! from the order of the log, which never changes, so every reader of the same log gives a
//! case the same reference, and once given it never changes. Ids stay the stable names in the
//! log and in JSON; references are for people.
//!
//! A centre's code is taken from its host municipality when it registers (the first three
//! letters of the name, capitals without accents): `Γρεβενών` gives `ΓΡΕ`. A code another
//! centre of the same log already holds gets the next free digit after it (`ΓΡΕ2`).

use std::fmt;

use crate::folding::fold_capitals;
use crate::values::{MunicipalityName, ValidationError};

/// Letters a centre's code takes from its host municipality.
pub const CENTRE_CODE_LETTERS: usize = 3;

/// The most characters a reference may have when typed: longer input is refused unread.
pub const MAX_REFERENCE_CHARS: usize = 40;

/// The code a centre with this host municipality would get if no other centre had it.
///
/// Words such as «Δήμος» or «Δήμου» before the name are skipped; letters are put in capitals
/// without accents; anything but letters is dropped. A name with no letters gives `ΚΚ`
/// (Κέντρο Κοινότητας).
pub fn centre_code_base(host_municipality: &MunicipalityName) -> String {
    let words: Vec<String> = host_municipality.as_str().split_whitespace().map(fold_capitals).collect();
    let skipped = ["ΔΗΜΟΣ", "ΔΗΜΟΥ", "ΔΗΜΟ", "DIMOS", "DIMOU", "MUNICIPALITY", "OF"];
    let letters: String = words
        .iter()
        .filter(|w| !skipped.contains(&w.as_str()))
        .flat_map(|w| w.chars())
        .filter(|c| c.is_alphabetic())
        .take(CENTRE_CODE_LETTERS)
        .collect();
    if letters.is_empty() {
        "ΚΚ".to_owned()
    } else {
        letters
    }
}

/// The first code of `base`, `base2`, `base3`, … that `taken` says is free.
pub fn first_free_code(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_owned();
    }
    (2u32..).map(|n| format!("{base}{n}")).find(|candidate| !taken(candidate)).unwrap_or_else(|| base.to_owned())
}

/// A case's reference: `CODE-YEAR-NNNN`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseReference {
    /// The centre's code, in capitals without accents.
    pub centre_code: String,
    /// The year of the intake date.
    pub year: i32,
    /// The case's place among the centre's intakes of that year, from 1.
    pub sequence: u32,
}

impl fmt::Display for CaseReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{:04}", self.centre_code, self.year, self.sequence)
    }
}

/// A referral's reference: its case's and its place among the case's referrals, from 1.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReferralReference {
    /// The case's reference.
    pub case: CaseReference,
    /// The referral's place among the case's referrals in order of creation, from 1.
    pub number: u32,
}

impl fmt::Display for ReferralReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.case, self.number)
    }
}

/// A reference as typed: a case's or a referral's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    /// `CODE-YEAR-NNNN`.
    Case(CaseReference),
    /// `CODE-YEAR-NNNN/N`.
    Referral(ReferralReference),
}

const REFERENCE_SHAPE: &str = "expected CODE-YEAR-NUMBER such as ΓΡΕ-2024-0042, or CODE-YEAR-NUMBER/N for a referral";

impl Reference {
    /// Reads a typed reference, in any case and with or without accents and leading zeros:
    /// `γρε-2024-42/2` reads as `ΓΡΕ-2024-0042/2`.
    pub fn parse(text: &str) -> Result<Reference, ValidationError> {
        let malformed = ValidationError::Malformed { what: "a reference", detail: REFERENCE_SHAPE };
        let trimmed = text.trim();
        if trimmed.chars().count() > MAX_REFERENCE_CHARS {
            return Err(ValidationError::TooLong {
                what: "a reference",
                n_chars: trimmed.chars().count(),
                max_chars: MAX_REFERENCE_CHARS,
            });
        }
        let folded = fold_capitals(trimmed);
        let (case_part, number) = match folded.split_once('/') {
            Some((case_part, number)) => (case_part, Some(positive(number).ok_or(malformed.clone())?)),
            None => (folded.as_str(), None),
        };
        let mut parts = case_part.rsplitn(3, '-');
        let (Some(sequence), Some(year), Some(code)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(malformed);
        };
        let code_ok = !code.is_empty()
            && code.chars().next().is_some_and(char::is_alphabetic)
            && code.chars().all(char::is_alphanumeric);
        let year_ok = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
        let (Some(sequence), true, true) = (positive(sequence), code_ok, year_ok) else {
            return Err(malformed);
        };
        let case = CaseReference { centre_code: code.to_owned(), year: year.parse().map_err(|_| malformed)?, sequence };
        Ok(match number {
            Some(number) => Reference::Referral(ReferralReference { case, number }),
            None => Reference::Case(case),
        })
    }

    /// Whether the text has the shape of a reference (and so is not meant as a name).
    pub fn looks_like(text: &str) -> bool {
        Reference::parse(text).is_ok()
    }
}

/// A whole number from 1, in ASCII digits (at most nine).
fn positive(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A municipality as a recorded event holds it (an unlisted one kept as written).
    fn municipality(name: &str) -> MunicipalityName {
        MunicipalityName::read(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn codes_come_from_the_host_municipality() {
        assert_eq!(centre_code_base(&municipality("Γρεβενών")), "ΓΡΕ");
        assert_eq!(centre_code_base(&municipality("Δήμος Αποκορώνου")), "ΑΠΟ");
        assert_eq!(centre_code_base(&municipality("Άργος-Μυκήνες")), "ΑΡΓ");
        // A Latin name resolves to the list's entry: the code is the official name's.
        assert_eq!(centre_code_base(&municipality("Florina")), "ΦΛΩ");
        assert_eq!(centre_code_base(&municipality("Unlisted Town")), "UNL");
        // «Ίος» is the municipality of Ιητών.
        assert_eq!(centre_code_base(&municipality("Ίος")), "ΙΗΤ");
        assert_eq!(centre_code_base(&municipality("123")), "ΚΚ");
    }

    #[test]
    fn a_taken_code_gets_the_next_digit() {
        let taken = ["ΓΡΕ", "ΓΡΕ2"];
        assert_eq!(first_free_code("ΓΡΕ", |c| taken.contains(&c)), "ΓΡΕ3");
        assert_eq!(first_free_code("ΑΠΟ", |c| taken.contains(&c)), "ΑΠΟ");
    }

    #[test]
    fn references_print_and_read_back() {
        let case = CaseReference { centre_code: "ΓΡΕ".to_owned(), year: 2024, sequence: 42 };
        assert_eq!(case.to_string(), "ΓΡΕ-2024-0042");
        let referral = ReferralReference { case: case.clone(), number: 2 };
        assert_eq!(referral.to_string(), "ΓΡΕ-2024-0042/2");
        assert_eq!(Reference::parse("ΓΡΕ-2024-0042"), Ok(Reference::Case(case.clone())));
        assert_eq!(Reference::parse(" γρέ-2024-42/2 "), Ok(Reference::Referral(referral)));
        assert_eq!(
            Reference::parse("ΓΡΕ2-2024-12345").map(|r| match r {
                Reference::Case(c) => c.to_string(),
                Reference::Referral(r) => r.to_string(),
            }),
            Ok("ΓΡΕ2-2024-12345".to_owned())
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        for text in [
            "",
            "ΓΡΕ",
            "ΓΡΕ-2024",
            "ΓΡΕ-24-0042",
            "ΓΡΕ-2024-0000",
            "ΓΡΕ-2024-00x2",
            "-2024-0042",
            "2ΓΡ-2024-0042",
            "ΓΡΕ-2024-0042/0",
            "ΓΡΕ-2024-0042/",
            "ΓΡΕ-2024-0042/2/3",
            "6f1c3a2e-1111-4a4a-8888-000000000000",
        ] {
            assert!(Reference::parse(text).is_err(), "{text:?} should be refused");
        }
        let long = format!("{}-2024-1", "Α".repeat(MAX_REFERENCE_CHARS));
        assert!(matches!(Reference::parse(&long), Err(ValidationError::TooLong { .. })));
    }
}
