//! String similarities, from `strsim`: the measures comparison levels are
//! cut from, and the SQL scalars `jaro_winkler` and `damerau_levenshtein`.

/// Jaro–Winkler similarity in 0..1 (1 for equal strings, also two empty
/// ones), by characters, as `strsim` computes it. ASCII strings of up to 64
/// bytes (pinyin, Latin names, digits: nearly every value compared) are
/// computed here with bit masks for the matched flags, without the
/// allocation `strsim` makes per call; the rest by `strsim`.
#[inline]
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let similarity = if a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64 {
        jaro_ascii(x, y)
    } else {
        // Chinese names and cities: by characters, on the stack.
        let (mut chars_a, mut chars_b) = (['\0'; 64], ['\0'; 64]);
        match (chars_into(a, &mut chars_a), chars_into(b, &mut chars_b)) {
            (Some(n), Some(m)) => jaro_chars(&chars_a[..n], &chars_b[..m]),
            _ => return strsim::jaro_winkler(a, b),
        }
    };
    if similarity > 0.7 {
        let prefix = a
            .chars()
            .zip(b.chars())
            .take(4)
            .take_while(|(p, q)| p == q)
            .count();
        similarity + 0.1 * prefix as f64 * (1.0 - similarity)
    } else {
        similarity
    }
}

/// Writes the characters of `text` into `out`; their number, or `None` when
/// there are more than `out` holds.
fn chars_into(text: &str, out: &mut [char; 64]) -> Option<usize> {
    let mut n = 0;
    for c in text.chars() {
        *out.get_mut(n)? = c;
        n += 1;
    }
    Some(n)
}

/// Jaro similarity of two strings of at most 64 characters each: the
/// matched positions as bits, as for ASCII, with each window scanned.
fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let search = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_matched, mut b_matched, mut matches) = (0u64, 0u64, 0usize);
    for (i, c) in a.iter().enumerate() {
        let mut window = i.saturating_sub(search)..(i + search + 1).min(b.len());
        if let Some(j) = window.find(|&j| b_matched & (1 << j) == 0 && b[j] == *c) {
            a_matched |= 1 << i;
            b_matched |= 1 << j;
            matches += 1;
        }
    }
    jaro_of_matches(a, b, a_matched, b_matched, matches)
}

/// Jaro similarity of two byte strings of at most 64 bytes each.
fn jaro_ascii(a: &[u8], b: &[u8]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let search = (a.len().max(b.len()) / 2).saturating_sub(1);
    // Where each byte value occurs in `b`, as bits: the first unmatched
    // occurrence in a window is then the lowest bit of a mask, not a scan.
    let mut occurs = [0u64; 128];
    for (j, &c) in b.iter().enumerate() {
        occurs[(c & 127) as usize] |= 1 << j;
    }
    let below = |n: usize| if n >= 64 { u64::MAX } else { (1u64 << n) - 1 };
    let (mut a_matched, mut b_matched) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let window = below((i + search + 1).min(b.len())) & !below(i.saturating_sub(search));
        let candidates = occurs[(c & 127) as usize] & window & !b_matched;
        if candidates != 0 {
            a_matched |= 1 << i;
            b_matched |= 1 << candidates.trailing_zeros();
            matches += 1;
        }
    }
    jaro_of_matches(a, b, a_matched, b_matched, matches)
}

/// Jaro similarity from the matched positions of each string (as bits).
fn jaro_of_matches<T: PartialEq>(a: &[T], b: &[T], a_matched: u64, b_matched: u64, matches: usize) -> f64 {
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut remaining_b = b_matched;
    let mut remaining_a = a_matched;
    while remaining_a != 0 {
        let (i, j) = (remaining_a.trailing_zeros(), remaining_b.trailing_zeros());
        transpositions += usize::from(a[i as usize] != b[j as usize]);
        remaining_a &= remaining_a - 1;
        remaining_b &= remaining_b - 1;
    }
    let m = matches as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (matches - transpositions / 2) as f64 / m) / 3.0
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

/// The Damerau–Levenshtein distance when it is at most `limit`, `None`
/// otherwise. Most pairs compared are far apart: for ASCII strings two
/// lower bounds (the difference in length, and the bag distance, which no
/// edit lowers by more than one and a swap does not change) turn them away
/// before the distance matrix is built.
pub fn damerau_levenshtein_within(a: &str, b: &str, limit: usize) -> Option<usize> {
    if a == b {
        return Some(0);
    }
    if a.is_ascii() && b.is_ascii() {
        if a.len().abs_diff(b.len()) > limit || bag_distance(a.as_bytes(), b.as_bytes()) > limit {
            return None;
        }
        if limit >= 1 && within_one_edit(a, b) {
            return Some(1);
        }
    }
    let distance = damerau_levenshtein(a, b);
    (distance <= limit).then_some(distance)
}

/// The larger of the two counts of bytes one string has and the other lacks
/// (ASCII: counts per byte value, visited only where the strings have bytes).
fn bag_distance(a: &[u8], b: &[u8]) -> usize {
    let mut counts = [0i16; 128];
    for &c in a {
        counts[c as usize & 127] += 1;
    }
    for &c in b {
        counts[c as usize & 127] -= 1;
    }
    let (mut surplus, mut deficit) = (0usize, 0usize);
    for &c in a.iter().chain(b) {
        let count = &mut counts[c as usize & 127];
        if *count > 0 {
            surplus += *count as usize;
        } else {
            deficit += (-*count) as usize;
        }
        *count = 0;
    }
    surplus.max(deficit)
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
    fn fast_paths_agree_with_strsim_on_random_strings() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let alphabet = b"abcde01";
        let random = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
            let len = rng.random_range(0..12);
            (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
                .collect()
        };
        for _ in 0..20_000 {
            let (a, b) = (random(&mut rng), random(&mut rng));
            assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b), "{a} {b}");
            let distance = strsim::damerau_levenshtein(&a, &b);
            for limit in 0..4 {
                let expected = (distance <= limit).then_some(distance);
                assert_eq!(
                    damerau_levenshtein_within(&a, &b, limit),
                    expected,
                    "{a} {b} {limit}"
                );
            }
        }
        let long = "a".repeat(80);
        assert_eq!(jaro_winkler(&long, "a"), strsim::jaro_winkler(&long, "a"));
        assert_eq!(jaro_winkler("张伟", "张玮"), strsim::jaro_winkler("张伟", "张玮"));
        let chinese = "张伟王芳李娜上海北京市区路";
        let random_chinese = |rng: &mut rand_chacha::ChaCha8Rng| -> String {
            let len = rng.random_range(0..8);
            (0..len)
                .map(|_| {
                    chinese
                        .chars()
                        .nth(rng.random_range(0..chinese.chars().count()))
                        .unwrap()
                })
                .collect()
        };
        for _ in 0..5_000 {
            let (a, b) = (random_chinese(&mut rng), random_chinese(&mut rng));
            assert_eq!(jaro_winkler(&a, &b), strsim::jaro_winkler(&a, &b), "{a} {b}");
            let mixed = format!("{a}{}", random(&mut rng));
            assert_eq!(
                jaro_winkler(&mixed, &b),
                strsim::jaro_winkler(&mixed, &b),
                "{mixed} {b}"
            );
        }
        let long_chinese = "张".repeat(70);
        assert_eq!(
            jaro_winkler(&long_chinese, "张"),
            strsim::jaro_winkler(&long_chinese, "张")
        );
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
