//! Text compared the way people write it, one family of functions for every comparison the
//! engine makes: a municipality's name, a person's or an agency's name, a centre's code in a
//! short reference, a closed set's Greek name, a phone number.
//!
//! - [`fold`]: lower case, accents and diaeresis removed (Greek and the common Latin ones),
//!   `ς` as `σ`, runs of white space as one space, trimmed. `«ΓΡΕΒΕΝΆ»`, `«Γρεβενα»` and
//!   `«γρεβενά»` fold alike. This is what the command line compares its Greek names with.
//!   [`fold_capitals`] is the same in capitals (`Γρεβενά` → `ΓΡΕΒΕΝΑ`), as centre codes and
//!   printed headings are written (Greek capitals carry no accents).
//! - [`elot743`]: the folded text in Latin letters by ELOT 743 (its transcription table:
//!   `χ` → `ch`, `μπ` → `b` at the edges of a word, `αυ` → `av`/`af` by the next letter...).
//! - [`latin_key`]: a text in Latin letters (Greek through [`elot743`]), then loosened so that
//!   the usual other spellings meet: `h` for `ch`/`kh`, `i` for `y`, `ei`, `oi` and `ee`, `e`
//!   for `ai`, `u` for `ou` and `oy`, `f` for `ph`, `b` for `mp`, `d` for `nt`, `g` for
//!   `gk`/`ng`, `k` for `c`, `x` for `ks`, a doubled letter as one, and nothing but letters
//!   and digits. `Chania`, `Hania` and `Χανιά` give one key; so do `Παπαδοπούλου`,
//!   `Papadopoulou` and `PAPADOPOYLOY`. The diaeresis is dropped before transcription, so `αϋ`
//!   reads as `αυ` (no municipality's name has it). [`name_key`] is the key of each word,
//!   the words kept apart, so that a name is found by parts of it ([`name_matches`]).
//! - [`edit_distance`] for the nearest candidates of an unknown name; [`phone_matches`] for
//!   phone numbers by their digits.

/// Lower case without accents, `ς` as `σ`, white space collapsed and trimmed.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        // Combining accents (from a decomposed input) carry nothing here.
        if matches!(c, '\u{0300}'..='\u{036f}') {
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(base_letter(c));
    }
    out
}

/// [`fold`] in capitals: `Γρεβενά` → `ΓΡΕΒΕΝΑ`, `γρε` → `ΓΡΕ`, a final sigma as `Σ`.
pub fn fold_capitals(text: &str) -> String {
    fold(text).to_uppercase()
}

/// The letter without its accent or diaeresis.
fn base_letter(c: char) -> char {
    match c {
        'ά' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        'ς' => 'σ',
        'á' | 'à' | 'â' | 'ä' | 'ã' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// Whether the text holds a Greek letter.
pub fn has_greek(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{0370}'..='\u{03ff}' | '\u{1f00}'..='\u{1fff}'))
}

/// The folded text in Latin letters by ELOT 743 (lower case; other characters kept).
pub fn elot743(text: &str) -> String {
    let letters: Vec<char> = fold(text).chars().collect();
    let mut out = String::with_capacity(letters.len() * 2);
    let mut i = 0;
    while i < letters.len() {
        let c = letters[i];
        let next = letters.get(i + 1).copied();
        let word_start = i == 0 || !is_greek_letter(letters[i - 1]);
        match (c, next) {
            ('α', Some('υ')) | ('ε', Some('υ')) | ('η', Some('υ')) => {
                out.push_str(match c {
                    'α' => "a",
                    'ε' => "e",
                    _ => "i",
                });
                // Voiced before a vowel or a voiced consonant, unvoiced elsewhere.
                let after = letters.get(i + 2).copied();
                let voiced = after.is_some_and(|a| "αεηιουωβγδζλμνρ".contains(a));
                out.push(if voiced { 'v' } else { 'f' });
                i += 2;
            }
            ('ο', Some('υ')) => {
                out.push_str("ou");
                i += 2;
            }
            ('μ', Some('π')) => {
                let after = letters.get(i + 2).copied();
                let word_end = after.is_none_or(|a| !is_greek_letter(a));
                out.push_str(if word_start || word_end { "b" } else { "mp" });
                i += 2;
            }
            ('γ', Some('γ')) => {
                out.push_str("ng");
                i += 2;
            }
            ('γ', Some('ξ')) => {
                out.push_str("nx");
                i += 2;
            }
            ('γ', Some('χ')) => {
                out.push_str("nch");
                i += 2;
            }
            _ => {
                out.push_str(single_letter(c));
                i += 1;
            }
        }
    }
    out
}

fn is_greek_letter(c: char) -> bool {
    ('α'..='ω').contains(&c)
}

/// ELOT 743's letter for one Greek letter (folded); any other character as it is.
fn single_letter(c: char) -> &'static str {
    match c {
        'α' => "a",
        'β' => "v",
        'γ' => "g",
        'δ' => "d",
        'ε' => "e",
        'ζ' => "z",
        'η' => "i",
        'θ' => "th",
        'ι' => "i",
        'κ' => "k",
        'λ' => "l",
        'μ' => "m",
        'ν' => "n",
        'ξ' => "x",
        'ο' => "o",
        'π' => "p",
        'ρ' => "r",
        'σ' => "s",
        'τ' => "t",
        'υ' => "y",
        'φ' => "f",
        'χ' => "ch",
        'ψ' => "ps",
        'ω' => "o",
        _ => "",
    }
}

/// The key two spellings of one name share: Greek through [`elot743`], Latin as written,
/// then loosened (see the module's documentation). Letters (of any other alphabet too) and
/// digits are kept; everything else is dropped.
pub fn latin_key(text: &str) -> String {
    let latin = if has_greek(text) { elot743(text) } else { fold(text) };
    let mut ascii: String = latin.chars().filter(|c| c.is_alphanumeric()).collect();
    for (from, to) in LOOSER {
        ascii = ascii.replace(from, to);
    }
    let mut out = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if !out.ends_with(c) || c.is_ascii_digit() {
            out.push(c);
        }
    }
    out
}

/// Spellings of one sound, replaced in this order (longer ones first).
const LOOSER: &[(&str, &str)] = &[
    ("ch", "h"),
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("c", "k"),
    ("mp", "b"),
    ("nt", "d"),
    ("gk", "g"),
    ("ng", "g"),
    ("ks", "x"),
    ("ou", "u"),
    ("oy", "u"),
    ("ai", "e"),
    ("ei", "i"),
    ("oi", "i"),
    ("ee", "i"),
    ("y", "i"),
    ("j", "i"),
    ("w", "o"),
];

/// The Levenshtein distance between two texts, in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The [`latin_key`] of each word of a name, the words apart (single spaces): what a typed
/// name and a recorded one are compared by.
pub fn name_key(text: &str) -> String {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .map(latin_key)
        .filter(|key| !key.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether every word of `query` is part of `name` (both compared by [`name_key`]); a query
/// without letters or digits matches nothing.
pub fn name_matches(query: &str, name: &str) -> bool {
    let name = name_key(name);
    let words: Vec<String> = name_key(query).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    !words.is_empty() && words.iter().all(|word| name.contains(word.as_str()))
}

/// The digits of a phone number without a Greek country prefix (`+30`, `0030`).
pub fn phone_digits(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let local = digits.strip_prefix("0030").or_else(|| digits.strip_prefix("30").filter(|rest| rest.len() == 10));
    local.unwrap_or(&digits).to_owned()
}

/// Whether a typed phone number names a recorded one: the same digits, or (typed with at
/// least six digits) the recorded number's last ones.
pub fn phone_matches(query: &str, recorded: &str) -> bool {
    let query = phone_digits(query);
    let recorded = phone_digits(recorded);
    !query.is_empty() && (query == recorded || (query.len() >= 6 && recorded.ends_with(&query)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_case_accents_and_the_final_sigma() {
        assert_eq!(fold("  ΓΡΕΒΕΝΆ "), "γρεβενα");
        assert_eq!(fold("Αυτοπροσώπως"), "αυτοπροσωπωσ");
        assert_eq!(fold("Βοΐου"), "βοιου");
        assert_eq!(fold("Δήμος   Σφακίων"), "δημοσ σφακιων");
        // A decomposed accent (alpha, then a combining acute) folds like a composed one.
        assert_eq!(fold("Γρεβενα\u{0301}"), "γρεβενα");
    }

    #[test]
    fn elot_743_transcribes_the_digraphs_by_their_neighbours() {
        assert_eq!(elot743("Αποκορώνου"), "apokoronou");
        assert_eq!(elot743("Χανιά"), "chania");
        assert_eq!(elot743("Μπάμπης"), "bampis");
        assert_eq!(elot743("Ευρώτα"), "evrota");
        assert_eq!(elot743("Ναύπακτος"), "nafpaktos");
        assert_eq!(elot743("Παγγαίου"), "pangaiou");
        assert_eq!(elot743("Θερμαϊκού"), "thermaikou");
        assert_eq!(elot743("Ψυχικού"), "psychikou");
    }

    #[test]
    fn latin_keys_meet_across_the_usual_spellings() {
        assert_eq!(latin_key("Chania"), latin_key("Χανιά"));
        assert_eq!(latin_key("Hania"), latin_key("ΧΑΝΙΑ"));
        assert_eq!(latin_key("Grevena"), latin_key("Γρεβενά"));
        assert_eq!(latin_key("Kerkira"), latin_key("Κέρκυρα"));
        assert_eq!(latin_key("Pangaio"), latin_key("Παγγαίο"));
        assert_ne!(latin_key("Florina"), latin_key("Kastoria"));
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("grevena", "grevena"), 0);
        assert_eq!(edit_distance("grevna", "grevena"), 1);
        assert_eq!(edit_distance("florina", "floryna"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn capitals_drop_accents_and_keep_the_final_sigma_as_a_capital() {
        assert_eq!(fold_capitals("Γρεβενά"), "ΓΡΕΒΕΝΑ");
        assert_eq!(fold_capitals("Ίος"), "ΙΟΣ");
        assert_eq!(fold_capitals("ΐ"), "Ι");
        assert_eq!(fold_capitals("Zoë"), "ZOE");
    }

    #[test]
    fn greek_names_meet_their_latin_spellings() {
        for (greek, latin) in [
            ("Παπαδοπούλου", "Papadopoulou"),
            ("Παπαδοπούλου", "PAPADOPOYLOY"),
            ("Γεωργίου", "Georgiou"),
            ("Χρήστος", "Christos"),
            ("Χρήστος", "Hristos"),
            ("Ντίνος", "Dinos"),
            ("Αλέξανδρος", "Aleksandros"),
            ("Αλέξανδρος", "Alexandros"),
            ("Παππάς", "Papas"),
            ("Ευάγγελος", "Evangelos"),
            ("Μαρία", "maria"),
        ] {
            assert_eq!(name_key(greek), name_key(latin), "{greek} and {latin}");
        }
        assert_ne!(name_key("Μαρία"), name_key("Μάρκος"));
    }

    #[test]
    fn a_name_is_found_by_parts_of_it() {
        let name = "Ελένη Παπαδοπούλου";
        assert!(name_matches("παπαδοπ", name));
        assert!(name_matches("eleni papadopoulou", name));
        assert!(name_matches("ΕΛΕΝΗ", name));
        assert!(!name_matches("Γεωργίου", name));
        assert!(!name_matches("  ", name));
        assert!(!name_matches("-", name));
    }

    #[test]
    fn phones_match_by_their_digits() {
        assert!(phone_matches("6971 234 567", "+30 697 123 4567"));
        assert!(phone_matches("1234567", "6971234567"));
        assert!(!phone_matches("4567", "6971234567"));
        assert!(!phone_matches("6971234568", "6971234567"));
        assert!(!phone_matches("", "6971234567"));
    }
}
