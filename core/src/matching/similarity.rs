//! String similarities, from `strsim`: the measures comparison levels are
//! cut from, and the SQL scalars `jaro_winkler` and `damerau_levenshtein`.

/// Jaro–Winkler similarity in 0..1 (1 for equal strings, also two empty
/// ones), by characters.
#[inline]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    strsim::jaro_winkler(a, b)
}

/// The Damerau–Levenshtein distance (insertions, deletions, substitutions
/// and transpositions of adjacent characters), by characters.
#[inline]
pub fn damerau_levenshtein(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(a, b)
}

/// The Levenshtein distance, by characters.
#[inline]
pub fn levenshtein(a: &str, b: &str) -> usize {
    strsim::levenshtein(a, b)
}

/// Whether two strings are at most one edit apart (an insertion, a deletion,
/// a substitution or two adjacent characters swapped). ASCII strings (dates,
/// phone numbers, most identifiers) are compared in place, without the
/// distance matrix.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        one_edit(a.as_bytes(), b.as_bytes())
    } else {
        damerau_levenshtein(a, b) <= 1
    }
}

fn one_edit<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if prefix == short.len() {
        return true;
    }
    if short.len() == long.len() {
        let rest = prefix + 1;
        // One substitution, or one swap of neighbours.
        short[rest..] == long[rest..]
            || (rest < short.len()
                && short[prefix] == long[rest]
                && short[rest] == long[prefix]
                && short[rest + 1..] == long[rest + 1..])
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_agree_with_their_definitions() {
        assert!((jaro_winkler("martha", "marhta") - 0.9611).abs() < 1e-4);
        assert_eq!(jaro_winkler("", ""), 1.0);
        assert_eq!(damerau_levenshtein("ca", "ac"), 1);
        assert_eq!(levenshtein("ca", "ac"), 2);
        assert_eq!(damerau_levenshtein("张伟", "章伟"), 1);
    }

    #[test]
    fn one_edit_is_found_without_a_matrix() {
        for (a, b, expected) in [
            ("19560909", "19560909", true),
            ("19560909", "19560919", true),
            ("19560909", "19569009", true),
            ("19560909", "1956090", true),
            ("19560909", "195609099", true),
            ("19560909", "19561919", false),
            ("abc", "cba", false),
            ("", "a", true),
            ("", "ab", false),
        ] {
            assert_eq!(within_one_edit(a, b), expected, "{a} {b}");
            assert_eq!(within_one_edit(a, b), damerau_levenshtein(a, b) <= 1, "{a} {b}");
        }
    }
}
