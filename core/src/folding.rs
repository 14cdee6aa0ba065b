//! How people's typing is compared with what is recorded: without case or accents, and, for
//! names, across the Greek and the Latin alphabet (`Παπαδοπούλου`, `PAPADOPOULOU` and
//! `papadopoylou` compare equal).

/// Capitals without accents or other marks: `Γρεβενά` → `ΓΡΕΒΕΝΑ`, `γρε` → `ΓΡΕ`, a final
/// sigma folded to `Σ`.
pub fn fold_text(text: &str) -> String {
    text.chars()
        .flat_map(char::to_uppercase)
        .filter_map(|c| match c {
            'Ά' => Some('Α'),
            'Έ' => Some('Ε'),
            'Ή' => Some('Η'),
            'Ί' | 'Ϊ' => Some('Ι'),
            'Ό' => Some('Ο'),
            'Ύ' | 'Ϋ' => Some('Υ'),
            'Ώ' => Some('Ω'),
            'À' | 'Á' | 'Â' | 'Ä' => Some('A'),
            'È' | 'É' | 'Ê' | 'Ë' => Some('E'),
            'Ì' | 'Í' | 'Î' | 'Ï' => Some('I'),
            'Ò' | 'Ó' | 'Ô' | 'Ö' => Some('O'),
            'Ù' | 'Ú' | 'Û' | 'Ü' => Some('U'),
            // Combining marks (a tonos or dialytika typed apart from its letter).
            '\u{0300}'..='\u{036f}' => None,
            other => Some(other),
        })
        .collect()
}

/// Greek capitals in Latin letters, after ELOT 743 where one letter is given (`Η` → `I`,
/// `Χ` → `CH`, `Ψ` → `PS`, `ΟΥ` → `OU`); other characters are kept.
fn greek_to_latin(folded: &str) -> String {
    let mut latin = String::with_capacity(folded.len());
    let chars: Vec<char> = folded.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let next = chars.get(i + 1).copied();
        let (text, width) = match (chars[i], next) {
            ('Ο', Some('Υ')) => ("OU", 2),
            ('Α', Some('Υ')) => ("AV", 2),
            ('Ε', Some('Υ')) => ("EV", 2),
            ('Μ', Some('Π')) => ("B", 2),
            ('Ν', Some('Τ')) => ("D", 2),
            ('Γ', Some('Κ')) => ("G", 2),
            ('Γ', Some('Γ')) => ("NG", 2),
            (c, _) => (single_letter(c), 1),
        };
        if text.is_empty() {
            latin.push(chars[i]);
        } else {
            latin.push_str(text);
        }
        i += width;
    }
    latin
}

fn single_letter(c: char) -> &'static str {
    match c {
        'Α' => "A",
        'Β' => "V",
        'Γ' => "G",
        'Δ' => "D",
        'Ε' => "E",
        'Ζ' => "Z",
        'Η' => "I",
        'Θ' => "TH",
        'Ι' => "I",
        'Κ' => "K",
        'Λ' => "L",
        'Μ' => "M",
        'Ν' => "N",
        'Ξ' => "X",
        'Ο' => "O",
        'Π' => "P",
        'Ρ' => "R",
        'Σ' => "S",
        'Τ' => "T",
        'Υ' => "Y",
        'Φ' => "F",
        'Χ' => "CH",
        'Ψ' => "PS",
        'Ω' => "O",
        _ => "",
    }
}

/// A key that a Greek name and its usual Latin spellings share: folded, written in Latin
/// letters, then the spellings that vary between people made one (`OU`/`OY`/`U`, `Y`/`I`,
/// `EI`/`OI`/`I`, `MP`/`B`, `NT`/`D`, `CH`/`KH`/`H`, `KS`/`X`, doubled letters once).
/// Only letters, digits and single spaces remain.
pub fn name_key(text: &str) -> String {
    let latin = greek_to_latin(&fold_text(text));
    let mut key = latin
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for (from, to) in [
        ("OU", "U"),
        ("OY", "U"),
        ("Y", "I"),
        ("EI", "I"),
        ("OI", "I"),
        ("MP", "B"),
        ("NT", "D"),
        ("KH", "H"),
        ("CH", "H"),
        ("KS", "X"),
        ("W", "O"),
    ] {
        key = key.replace(from, to);
    }
    let mut deduplicated = String::with_capacity(key.len());
    for c in key.chars() {
        if deduplicated.ends_with(c) && c != ' ' {
            continue;
        }
        deduplicated.push(c);
    }
    deduplicated
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
    fn folding_drops_case_and_accents() {
        assert_eq!(fold_text("Γρεβενά"), "ΓΡΕΒΕΝΑ");
        assert_eq!(fold_text("Ίος"), "ΙΟΣ");
        assert_eq!(fold_text("ΐ"), "Ι");
        assert_eq!(fold_text("Zoë"), "ZOE");
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
