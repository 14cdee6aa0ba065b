//! Municipalities as a closed list: the 332 of Greece after the 2019 reform, shipped in
//! `core/data/municipalities.tsv` (its source is named in the file), and the value type that
//! names one of them.
//!
//! A [`MunicipalityName`] is resolved from text as people write it: the official name in the
//! genitive (`Αποκορώνου`), with or without «Δήμος», in any case, with or without accents;
//! the name in Latin letters as commonly known (`Apokoronas`, `Sfakia`), or by ELOT 743 from
//! the Greek (`Apokoronou`); the Greek nominative whose ELOT 743 form is that Latin name
//! (`Γρεβενά`, `Σφακιά`), or whose genitive by the usual endings is the official name
//! (`Βόλος`, `Κοζάνη`, `Νέα Ιωνία`; the rule is written at `genitives_of`); or ELSTAT's
//! four-digit code (`7402`). An unknown name is refused
//! with the nearest entries (edit distance over the loosened Latin keys of
//! [`crate::folding::latin_key`]); a name two entries share is refused with both.
//!
//! In the log a municipality is its entry's canonical name (the official name, and the code
//! in brackets where two entries share a name: `Ηρακλείου (4604)`). Events written before the
//! list held free text; reading one resolves its text as above, so old and new events group
//! by the same entry. A recorded text that resolves to no entry is kept as it was, an
//! *unlisted* municipality ([`MunicipalityName::is_listed`] is false), rather than making
//! the log unreadable; a command that names an unlisted municipality is refused
//! ([`crate::Rejection::UnlistedMunicipality`]).

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::folding::{edit_distance, fold, latin_key};
use crate::limits;
use crate::values::ValidationError;

/// The list as shipped: ELSTAT code, official Greek name, common Latin name, tab-separated.
const MUNICIPALITIES_TSV: &str = include_str!("../data/municipalities.tsv");

/// How many municipalities the list holds (the 2019 reform's count).
pub const N_MUNICIPALITIES: usize = 332;

/// How many nearest entries a refusal names.
const N_NEAREST: usize = 3;

/// One municipality of the list.
#[derive(Debug, PartialEq, Eq)]
pub struct Municipality {
    /// ELSTAT's four-digit code, e.g. `7402`.
    pub code: &'static str,
    /// The official name in the genitive, as after «Δήμος», e.g. `Αποκορώνου`.
    pub name: &'static str,
    /// The name in Latin letters as commonly known, e.g. `Apokoronas`.
    pub latin: &'static str,
    /// The name the log holds: `name`, or `name (code)` where two entries share `name`.
    canonical: String,
    /// The official name folded, and without its honorific if it has one (`ηρωικησ πολεωσ
    /// ναουσασ`, `ναουσασ`): the forms a Greek name is compared with.
    greek: Vec<String>,
    /// The loosened keys of those and of `latin`.
    keys: Vec<String>,
}

impl Municipality {
    /// The name the log holds for it.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }
}

impl fmt::Display for Municipality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}, {})", self.canonical, self.latin, self.code)
    }
}

/// Every municipality, in the order of their codes.
pub fn all() -> &'static [Municipality] {
    static LIST: OnceLock<Vec<Municipality>> = OnceLock::new();
    LIST.get_or_init(parse_list)
}

fn parse_list() -> Vec<Municipality> {
    let mut rows: Vec<(&'static str, &'static str, &'static str)> = Vec::new();
    for line in MUNICIPALITIES_TSV.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&'static str> = line.split('\t').collect();
        assert!(fields.len() == 3, "municipalities.tsv: a line has {} fields, not 3: {line}", fields.len());
        rows.push((fields[0], fields[1], fields[2]));
    }
    let shared = |name: &str| rows.iter().filter(|row| fold(row.1) == fold(name)).count() > 1;
    let list: Vec<Municipality> = rows
        .iter()
        .map(|&(code, name, latin)| Municipality {
            code,
            name,
            latin,
            canonical: if shared(name) { format!("{name} ({code})") } else { name.to_owned() },
            greek: greek_forms(name),
            keys: greek_forms(name).iter().map(|form| latin_key(form)).chain([latin_key(latin)]).collect(),
        })
        .collect();
    assert!(list.windows(2).all(|pair| pair[0].code < pair[1].code), "municipalities.tsv: codes out of order");
    list
}

/// Honorifics some official names begin with, folded; people write the name without them.
const HONORIFICS: &[&str] = &["ιερασ πολησ ", "ηρωικησ πολεωσ ", "ηρωικησ νησου "];

/// An official name folded, and without its honorific if it has one.
fn greek_forms(name: &str) -> Vec<String> {
    let folded = fold(name);
    let bare = HONORIFICS.iter().find_map(|h| folded.strip_prefix(h)).map(str::to_owned);
    std::iter::once(folded).chain(bare).collect()
}

/// The entry with ELSTAT's code `code`.
pub fn by_code(code: &str) -> Option<&'static Municipality> {
    let list = all();
    list.binary_search_by(|m| m.code.cmp(code)).ok().map(|i| &list[i])
}

/// What a text names.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolution {
    /// One entry.
    One(&'static Municipality),
    /// Several entries share the spelling.
    Several(Vec<&'static Municipality>),
    /// No entry; the nearest ones, nearest first.
    None(Vec<&'static Municipality>),
}

/// Resolves a text to the list (see the module's documentation for what it accepts).
pub fn resolve(text: &str) -> Resolution {
    let folded = fold(text);
    let bare = strip_prefix(&folded);
    // An explicit code: `7402`, or a canonical name with its code, `Ηρακλείου (4604)`.
    let code =
        bare.strip_suffix(')').and_then(|rest| rest.rsplit_once('(')).map(|(_, code)| code.trim()).unwrap_or(bare);
    if code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit()) {
        if let Some(entry) = by_code(code) {
            return Resolution::One(entry);
        }
    }
    // The official name as written (so a canonical name always reads back as its entry).
    let exact: Vec<&'static Municipality> = all().iter().filter(|m| m.greek.iter().any(|g| g == bare)).collect();
    if exact.len() == 1 {
        return Resolution::One(exact[0]);
    }
    let key = latin_key(bare);
    let mut matching: Vec<&'static Municipality> = all().iter().filter(|m| m.keys.contains(&key)).collect();
    if matching.is_empty() && crate::folding::has_greek(bare) {
        let genitives = genitives_of(bare);
        matching = all().iter().filter(|m| m.greek.iter().any(|g| genitives.contains(g))).collect();
    }
    match matching.len() {
        0 => Resolution::None(nearest(&key)),
        1 => Resolution::One(matching[0]),
        _ => Resolution::Several(matching),
    }
}

/// The genitives a Greek name in the nominative may have, word by word, by the endings of
/// the declensions municipalities' names use (folded: no accents, `σ` for `ς`): `-ας` →
/// `-ου` or `-α` (Αποκόρωνας, Λαγκαδάς), `-α` → `-ας` or `-ων` (Φλώρινα, Γρεβενά), `-ο` and
/// `-ος` → `-ου` (Νεστόριο, Βόλος), `-η` → `-ης` (Κοζάνη), `-ης` → `-η` (Αριστοτέλης), `-ες`
/// → `-ων` (Πρέσπες), `-ι` → `-ιου` (Ζαγόρι, Μεσολόγγι); and the learned genitives some
/// official names keep, `-η`/`-ης` → `-εως` (Πετρούπολη), `-ας` ↔ `-ος` (Στυλίδας); each word
/// may also stay as it is. Only an official name equal to one of them is taken, so the rule
/// adds spellings, never guesses.
fn genitives_of(folded: &str) -> Vec<String> {
    const ENDINGS: &[(&str, &[&str])] = &[
        ("ασ", &["ου", "α", "οσ"]),
        ("οσ", &["ου", "ασ"]),
        ("ησ", &["η", "εωσ"]),
        ("εσ", &["ων"]),
        ("α", &["ασ", "ων", "οσ"]),
        ("ο", &["ου"]),
        ("η", &["ησ", "εωσ"]),
        ("ι", &["ιου"]),
    ];
    /// Names have a few words; the forms stay few.
    const MAX_FORMS: usize = 256;
    let mut forms = vec![String::new()];
    for (i, word) in folded.split(' ').enumerate() {
        let mut word_forms = vec![word.to_owned()];
        if let Some((ending, genitives)) = ENDINGS.iter().find(|(ending, _)| word.ends_with(ending)) {
            let stem = &word[..word.len() - ending.len()];
            word_forms.extend(genitives.iter().map(|genitive| format!("{stem}{genitive}")));
        }
        let separator = if i == 0 { "" } else { " " };
        forms = forms
            .iter()
            .flat_map(|form| word_forms.iter().map(move |w| format!("{form}{separator}{w}")))
            .take(MAX_FORMS)
            .collect();
    }
    forms
}

/// The text without a leading «Δήμος»/«Δήμου»/«Δ.» or `Dimos`/`Municipality of`.
fn strip_prefix(folded: &str) -> &str {
    for prefix in ["δημοσ ", "δημου ", "δ. ", "δ.", "dimos ", "dhmos ", "municipality of "] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            return rest.trim();
        }
    }
    folded
}

fn nearest(key: &str) -> Vec<&'static Municipality> {
    let mut scored: Vec<(usize, &'static Municipality)> =
        all().iter().map(|m| (m.keys.iter().map(|k| edit_distance(key, k)).min().unwrap_or(usize::MAX), m)).collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(b.1.code)));
    scored.into_iter().take(N_NEAREST).map(|(_, m)| m).collect()
}

/// A municipality: an entry of the list or, read from an old event only, a recorded text
/// that names none (unlisted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MunicipalityName(Repr);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Repr {
    /// The entry's code.
    Listed(&'static str),
    /// A recorded text that names no entry.
    Unlisted(String),
}

impl MunicipalityName {
    /// The most characters (Unicode scalar values) the text given may hold.
    pub const MAX_CHARS: usize = limits::MAX_MUNICIPALITY_CHARS;

    /// The entry a text names, or why it names none: not one line of text, no entry (with
    /// the nearest), or several.
    pub fn new(raw: &str) -> Result<Self, ValidationError> {
        let text = crate::values::check_text("a municipality's name", raw, Self::MAX_CHARS, false)?;
        match resolve(&text) {
            Resolution::One(entry) => Ok(Self(Repr::Listed(entry.code))),
            Resolution::Several(entries) => {
                Err(ValidationError::AmbiguousMunicipality { given: text, candidates: described(&entries) })
            }
            Resolution::None(entries) => {
                Err(ValidationError::UnknownMunicipality { given: text, nearest: described(&entries) })
            }
        }
    }

    /// A recorded value: its entry if the text names one, else the text as it was (unlisted).
    /// Only a text that is not one line fails.
    pub fn read(raw: &str) -> Result<Self, ValidationError> {
        match Self::new(raw) {
            Ok(name) => Ok(name),
            Err(
                ValidationError::UnknownMunicipality { given, .. }
                | ValidationError::AmbiguousMunicipality { given, .. },
            ) => Ok(Self(Repr::Unlisted(given))),
            Err(other) => Err(other),
        }
    }

    /// The entry, for a listed municipality.
    pub fn entry(&self) -> Option<&'static Municipality> {
        match &self.0 {
            Repr::Listed(code) => by_code(code),
            Repr::Unlisted(_) => None,
        }
    }

    /// Whether it is an entry of the list.
    pub fn is_listed(&self) -> bool {
        matches!(self.0, Repr::Listed(_))
    }

    /// The canonical name of its entry, or the unlisted text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Listed(code) => by_code(code).map_or(code, |entry| entry.canonical()),
            Repr::Unlisted(text) => text,
        }
    }

    /// The rule every command follows: the municipalities it names are in the list.
    pub fn require_listed(&self) -> Result<(), crate::Rejection> {
        if self.is_listed() {
            return Ok(());
        }
        Err(crate::Rejection::UnlistedMunicipality { municipality: self.as_str().to_owned(), nearest: self.nearest() })
    }

    /// For an unlisted one, the nearest entries (as [`Municipality`]'s display); else none.
    pub fn nearest(&self) -> Vec<String> {
        match &self.0 {
            Repr::Listed(_) => Vec::new(),
            Repr::Unlisted(text) => match resolve(text) {
                Resolution::None(entries) | Resolution::Several(entries) => described(&entries),
                Resolution::One(_) => Vec::new(),
            },
        }
    }
}

fn described(entries: &[&'static Municipality]) -> Vec<String> {
    entries.iter().map(|m| m.to_string()).collect()
}

impl TryFrom<String> for MunicipalityName {
    type Error = ValidationError;
    fn try_from(raw: String) -> Result<Self, ValidationError> {
        Self::read(&raw)
    }
}

impl From<MunicipalityName> for String {
    fn from(value: MunicipalityName) -> String {
        value.as_str().to_owned()
    }
}

impl AsRef<str> for MunicipalityName {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for MunicipalityName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for MunicipalityName {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MunicipalityName".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        crate::values::text_schema("a municipality's name", limits::MAX_MUNICIPALITY_CHARS, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(text: &str) -> &'static str {
        match resolve(text) {
            Resolution::One(entry) => entry.code,
            other => panic!("{text} did not resolve to one entry: {other:?}"),
        }
    }

    #[test]
    fn the_list_holds_the_332_municipalities_with_unique_codes_and_canonical_names() {
        let list = all();
        assert_eq!(list.len(), N_MUNICIPALITIES);
        let mut canonical: Vec<String> = list.iter().map(|m| fold(m.canonical())).collect();
        canonical.sort();
        canonical.dedup();
        assert_eq!(canonical.len(), N_MUNICIPALITIES);
        assert!(list.iter().all(|m| m.code.len() == 4 && !m.name.is_empty() && !m.latin.is_empty()));
        // Every canonical name reads back as its own entry.
        for m in list {
            assert_eq!(code_of(m.canonical()), m.code, "{}", m.canonical());
            assert_eq!(code_of(m.code), m.code);
        }
    }

    #[test]
    fn every_entry_resolves_from_its_latin_name_its_transliteration_and_its_capitals() {
        let mut shared = Vec::new();
        for m in all() {
            for text in [
                m.latin.to_owned(),
                crate::folding::elot743(m.name),
                m.name.to_uppercase(),
                format!("Δήμος {}", m.name),
            ] {
                match resolve(&text) {
                    Resolution::One(entry) => assert_eq!(entry.code, m.code, "{text}"),
                    Resolution::Several(entries) => {
                        assert!(entries.contains(&m), "{text}");
                        shared.push((text, entries.iter().map(|e| e.code).collect::<Vec<_>>()));
                    }
                    Resolution::None(_) => panic!("{text} ({}) resolves to nothing", m.code),
                }
            }
        }
        // Only the two Heraklions share spellings (their Latin names tell them apart).
        assert!(shared.iter().all(|(_, codes)| codes == &["4604", "7101"]), "{shared:?}");
    }

    #[test]
    fn the_demos_municipalities_resolve_however_they_are_written() {
        for (text, code) in [
            ("Αποκορώνου", "7402"),
            ("Apokoronas", "7402"),
            ("Αποκόρωνας", "7402"),
            ("Δήμος Αποκορώνου", "7402"),
            ("ΑΠΟΚΟΡΩΝΟΥ", "7402"),
            ("apokoronou", "7402"),
            ("Σφακίων", "7407"),
            ("Sfakia", "7407"),
            ("Σφακιά", "7407"),
            ("Φλώρινας", "1701"),
            ("Florina", "1701"),
            ("Φλώρινα", "1701"),
            ("Πρεσπών", "1703"),
            ("Prespes", "1703"),
            ("Πρέσπες", "1703"),
            ("Καστοριάς", "1601"),
            ("Kastoria", "1601"),
            ("Νεστορίου", "1603"),
            ("Nestorio", "1603"),
            ("Γρεβενά", "1501"),
            ("ΓΡΕΒΕΝΑ", "1501"),
            ("Grevena", "1501"),
            ("γρεβενων", "1501"),
            ("Χανίων", "7401"),
            ("Chania", "7401"),
            ("Hania", "7401"),
            ("Χανιά", "7401"),
            ("Heraklion", "7101"),
            // Greek nominatives, by the genitive rule.
            ("Φλώρινα", "1701"),
            ("Καστοριά", "1601"),
            ("Νεστόριο", "1603"),
            ("Βόλος", "2401"),
            ("Κοζάνη", "1401"),
            ("Νέα Ιωνία", "4608"),
            ("Λαγκαδάς", "0709"),
            ("Ζαγόρι", "1804"),
            ("Αριστοτέλης", "1302"),
            // Without the honorific, and the learned genitives.
            ("Νάουσας", "0803"),
            ("Μεσολογγίου", "3801"),
            ("Μεσολόγγι", "3801"),
            ("Ψαρών", "5702"),
            ("Πετρούπολη", "4706"),
            ("Ηλιούπολη", "4506"),
            ("Στυλίδα", "2707"),
            ("Ηρακλείου (4604)", "4604"),
        ] {
            assert_eq!(code_of(text), code, "{text}");
        }
    }

    #[test]
    fn a_name_two_entries_share_is_ambiguous_and_an_unknown_one_has_the_nearest() {
        match resolve("Ηρακλείου") {
            Resolution::Several(entries) => {
                assert_eq!(entries.iter().map(|m| m.code).collect::<Vec<_>>(), ["4604", "7101"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(resolve("Ηράκλειο"), Resolution::Several(entries) if entries.len() == 2));
        match resolve("Grevna") {
            Resolution::None(nearest) => assert_eq!(nearest[0].code, "1501"),
            other => panic!("{other:?}"),
        }
        let refused = MunicipalityName::new("Atlantis");
        assert!(
            matches!(&refused, Err(ValidationError::UnknownMunicipality { nearest, .. }) if nearest.len() == N_NEAREST)
        );
    }

    #[test]
    fn a_recorded_text_reads_as_its_entry_or_stays_unlisted() {
        let old: MunicipalityName = serde_json::from_str("\"Apokoronas\"").unwrap();
        assert!(old.is_listed());
        assert_eq!(serde_json::to_string(&old).unwrap(), "\"Αποκορώνου\"");
        assert_eq!(old, MunicipalityName::new("Αποκορώνου").unwrap());
        let unlisted: MunicipalityName = serde_json::from_str("\"Ατλαντίδα\"").unwrap();
        assert!(!unlisted.is_listed());
        assert_eq!(unlisted.as_str(), "Ατλαντίδα");
        assert_eq!(unlisted.nearest().len(), N_NEAREST);
        assert!(serde_json::from_str::<MunicipalityName>("\"  \"").is_err());
    }
}
