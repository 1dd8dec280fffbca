//! Comparisons: how two records' values of one column are compared, as a
//! level from "else" (0) up to "exact" (the highest), or -1 when either is
//! missing (which, as in Splink, says nothing for or against a match).
//! Values are prepared once per record (normalised text, pinyin, day
//! numbers, digits), so comparing a pair allocates nothing.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray, StringBuilder};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, Float64Type};
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use super::MatchError;
use super::names::{family_name_of, name_pinyin_into, normalize_name_into, same_words};
use super::similarity::{damerau_levenshtein_within, jaro_winkler, levenshtein, within_one_edit};
use crate::text::fold_full_width;

/// The kinds of comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    /// Equal or not.
    Exact,
    /// Levels by Levenshtein distance, thresholds in edits.
    Levenshtein,
    /// Levels by Damerau–Levenshtein distance (swaps count one), in edits.
    DamerauLevenshtein,
    /// Levels by Jaro–Winkler similarity, thresholds in 0..1.
    JaroWinkler,
    /// Personal names: exact, the same pinyin (homophones, romanised) or
    /// the same words swapped, then Jaro–Winkler of the pinyin.
    Name,
    /// Dates: exact, one character off, then within thresholds in days.
    Date,
    /// Numbers: exact, then within relative differences.
    Numeric,
    /// Phone numbers by their digits: exact, then one digit off.
    Phone,
    /// E-mail addresses: exact, the same user name, then Jaro–Winkler of
    /// the user names.
    Email,
    /// Postal addresses, in any of their written forms: the same street
    /// (the same characters besides digits, separators and the markers
    /// 市 号 栋 室, in any order), the same house numbers (every group of
    /// digits, in order), both, exact. "上海市浦东新区人民路88号3栋1202室" and
    /// "浦东新区人民路88号3-1202，上海" reach "same street and house numbers".
    /// Not Jaro–Winkler: two addresses of one city share most of their
    /// characters and their order, which a similarity takes for evidence.
    Address,
    /// Not compared (a column only for blocking).
    None,
}

impl ComparisonKind {
    pub const NAMES: [&str; 11] = [
        "exact",
        "levenshtein",
        "damerau_levenshtein",
        "jaro_winkler",
        "name",
        "date",
        "numeric",
        "phone",
        "email",
        "address",
        "none",
    ];

    /// The thresholds used when none are given, loosest first.
    pub fn default_thresholds(self) -> Vec<f64> {
        match self {
            Self::Levenshtein | Self::DamerauLevenshtein => vec![2.0, 1.0],
            Self::JaroWinkler | Self::Name => vec![0.80, 0.92],
            Self::Date => vec![366.0, 31.0],
            Self::Numeric => vec![0.1, 0.01],
            Self::Email => vec![0.88],
            Self::Exact | Self::Phone | Self::Address | Self::None => vec![],
        }
    }

    /// Whether a match on a rare value should count for more than on a
    /// common one, by default.
    pub fn default_term_frequency(self) -> bool {
        matches!(self, Self::Name)
    }
}

/// One column's comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub column: String,
    pub kind: ComparisonKind,
    /// Where the levels between "else" and the named levels are cut,
    /// loosest first.
    pub thresholds: Vec<f64>,
    /// Term-frequency adjustment of the exact level.
    pub term_frequency: bool,
}

impl Comparison {
    pub fn new(column: &str, kind: ComparisonKind) -> Self {
        Self {
            column: column.to_string(),
            kind,
            thresholds: kind.default_thresholds(),
            term_frequency: kind.default_term_frequency(),
        }
    }

    /// Checks the thresholds: within range and loosest first.
    pub fn validate(&self) -> Result<(), MatchError> {
        let bad = |what: &str| {
            Err(MatchError::Options(format!(
                "comparison of '{}': thresholds {:?} {what}",
                self.column, self.thresholds
            )))
        };
        let t = &self.thresholds;
        if t.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return bad("must be finite and not negative");
        }
        let similarity = matches!(
            self.kind,
            ComparisonKind::JaroWinkler | ComparisonKind::Name | ComparisonKind::Email
        );
        if similarity && t.iter().any(|v| *v > 1.0) {
            return bad("must be similarities between 0 and 1");
        }
        let increasing = t.windows(2).all(|w| w[0] < w[1]);
        let decreasing = t.windows(2).all(|w| w[0] > w[1]);
        if (similarity && !increasing) || (!similarity && !decreasing) {
            return bad(if similarity {
                "must be increasing (loosest first)"
            } else {
                "must be decreasing (loosest first)"
            });
        }
        if matches!(
            self.kind,
            ComparisonKind::Exact | ComparisonKind::Phone | ComparisonKind::None
        ) && !t.is_empty()
        {
            return bad("are not taken by this kind");
        }
        Ok(())
    }

    /// The labels of levels 1 (loosest) to the highest (exact); level 0 is
    /// "else".
    pub fn level_labels(&self) -> Vec<String> {
        let t = &self.thresholds;
        let mut labels: Vec<String> = match self.kind {
            ComparisonKind::Exact | ComparisonKind::None => vec![],
            ComparisonKind::Levenshtein => t.iter().map(|v| format!("levenshtein <= {v}")).collect(),
            ComparisonKind::DamerauLevenshtein => {
                t.iter().map(|v| format!("damerau_levenshtein <= {v}")).collect()
            }
            ComparisonKind::JaroWinkler => t.iter().map(|v| format!("jaro_winkler >= {v}")).collect(),
            ComparisonKind::Name => {
                let mut l = vec!["family name alone agrees".to_string()];
                l.extend(t.iter().map(|v| format!("pinyin jaro_winkler >= {v}")));
                l.push("same pinyin or words swapped".into());
                l
            }
            ComparisonKind::Date => {
                let mut l: Vec<String> = t.iter().map(|v| format!("within {v} days")).collect();
                l.push("one character off".into());
                l
            }
            ComparisonKind::Numeric => t.iter().map(|v| format!("within {}%", v * 100.0)).collect(),
            ComparisonKind::Phone => vec!["one digit off".into()],
            ComparisonKind::Email => {
                let mut l: Vec<String> = t
                    .iter()
                    .map(|v| format!("user name jaro_winkler >= {v}"))
                    .collect();
                l.push("same user name".into());
                l
            }
            ComparisonKind::Address => vec![
                "same street".into(),
                "same house numbers".into(),
                "same street and house numbers".into(),
            ],
        };
        labels.push("exact".into());
        labels
    }

    /// The number of levels, "else" included.
    pub fn level_count(&self) -> usize {
        self.level_labels().len() + 1
    }
}

/// The code of a missing value.
pub const NO_CODE: u32 = u32::MAX;

/// A code per value, equal for equal values ([`NO_CODE`] when missing): two
/// records' values are compared for equality as two integers, not as
/// strings, in the loop over candidate pairs.
fn codes_of(array: &StringArray) -> Vec<u32> {
    let mut seen: HashMap<&str, u32> = HashMap::with_capacity(array.len() / 4);
    array
        .iter()
        .map(|value| match value {
            None => NO_CODE,
            Some(value) => {
                let next = seen.len() as u32;
                *seen.entry(value).or_insert(next)
            }
        })
        .collect()
}

/// Whether records `a` and `b` have one value (both present).
#[inline]
fn same_code(codes: &[u32], a: usize, b: usize) -> bool {
    codes[a] != NO_CODE && codes[a] == codes[b]
}

/// One column's values, prepared for comparing.
#[derive(Debug)]
pub struct PreparedColumn {
    pub comparison: Comparison,
    /// The normal form compared for equality; NULL when missing.
    pub text: StringArray,
    /// The codes of `text` (see [`codes_of`]).
    pub codes: Vec<u32>,
    /// A second form: pinyin of names, the user name of e-mails, the house
    /// numbers of addresses; and its codes.
    alternative: Option<(StringArray, Vec<u32>)>,
    /// The codes of the street of addresses (its letters, sorted).
    street: Option<Vec<u32>>,
    /// Day numbers of dates, values of numbers (NaN when missing or not
    /// readable as one).
    numbers: Option<Vec<f64>>,
    /// The highest level, "exact".
    top: i8,
}

fn strings(array: &ArrayRef, column: &str) -> Result<ArrayRef, MatchError> {
    cast(array, &DataType::Utf8).map_err(|e| {
        MatchError::Input(format!(
            "column '{column}' of type {} cannot be compared as text: {e}",
            array.data_type()
        ))
    })
}

/// Applies `f` to every non-null string, building a new string column; `f`
/// returns false for "missing" (an empty value).
fn map_text(array: &StringArray, mut f: impl FnMut(&str, &mut String) -> bool) -> StringArray {
    let mut out = StringBuilder::with_capacity(array.len(), array.value_data().len());
    let mut scratch = String::new();
    for value in array.iter() {
        match value {
            Some(value) if f(value, &mut scratch) && !scratch.is_empty() => out.append_value(&scratch),
            _ => out.append_null(),
        }
    }
    out.finish()
}

/// Trimmed, full-width folded, lower case.
fn plain_text(value: &str, out: &mut String) -> bool {
    out.clear();
    out.extend(
        value
            .trim()
            .chars()
            .map(fold_full_width)
            .flat_map(char::to_lowercase),
    );
    true
}

fn digits(value: &str, out: &mut String) -> bool {
    out.clear();
    out.extend(value.chars().map(fold_full_width).filter(char::is_ascii_digit));
    true
}

/// Digits of a phone number without the country code 86 in its written
/// forms (+86, 0086, 86 before a mobile number).
fn phone_digits(value: &str, out: &mut String) -> bool {
    digits(value, out);
    for prefix in ["0086", "86"] {
        if out.len() == 11 + prefix.len() && out.starts_with(prefix) {
            out.drain(..prefix.len());
        }
    }
    true
}

/// The groups of digits of an address, in order, separated by spaces.
fn house_numbers(value: &str, out: &mut String) -> bool {
    out.clear();
    let mut in_digits = false;
    for c in value.chars().map(fold_full_width) {
        if c.is_ascii_digit() {
            if !in_digits && !out.is_empty() {
                out.push(' ');
            }
            out.push(c);
            in_digits = true;
        } else {
            in_digits = false;
        }
    }
    true
}

/// The letters of an address's street, sorted: without digits, separators
/// and the markers around them, so that its written forms agree.
fn street_letters(value: &str, out: &mut String) -> bool {
    let mut letters: Vec<char> = value
        .chars()
        .filter(|c| {
            c.is_alphabetic() && !matches!(c, '市' | '号' | '栋' | '幢' | '室' | '单' | '元' | '楼' | '层')
        })
        .collect();
    letters.sort_unstable();
    out.clear();
    out.extend(letters);
    true
}

/// Days since 1970-01-01 of YYYYMMDD digits; `None` when they are not a
/// real day.
fn days_of_digits(digits: &str) -> Option<f64> {
    if digits.len() != 8 {
        return None;
    }
    let date = chrono::NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?;
    Some((date - chrono::NaiveDate::default()).num_days() as f64)
}

impl PreparedColumn {
    /// Prepares `array` for `comparison`.
    pub fn new(comparison: Comparison, array: &ArrayRef) -> Result<Self, MatchError> {
        let column = comparison.column.clone();
        let mut alternative = None;
        let mut street = None;
        let mut numbers = None;
        let text = match comparison.kind {
            ComparisonKind::Name => {
                let raw = strings(array, &column)?;
                let text = map_text(raw.as_string::<i32>(), |v, out| {
                    normalize_name_into(v, out);
                    true
                });
                let mut scratch = String::new();
                alternative = Some(map_text(&text, |v, out| {
                    name_pinyin_into(v, out, &mut scratch);
                    true
                }));
                text
            }
            ComparisonKind::Phone => map_text(strings(array, &column)?.as_string::<i32>(), phone_digits),
            ComparisonKind::Email => {
                let text = map_text(strings(array, &column)?.as_string::<i32>(), plain_text);
                alternative = Some(map_text(&text, |v, out| {
                    out.clear();
                    out.push_str(v.split('@').next().unwrap_or(v));
                    true
                }));
                text
            }
            ComparisonKind::Address => {
                let text = map_text(strings(array, &column)?.as_string::<i32>(), plain_text);
                alternative = Some(map_text(&text, house_numbers));
                street = Some(map_text(&text, street_letters));
                text
            }
            ComparisonKind::Date => {
                let (text, days) = match array.data_type() {
                    DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => {
                        let dates = cast(array, &DataType::Date32).map_err(|e| {
                            MatchError::Input(format!("column '{column}' cannot be read as a date: {e}"))
                        })?;
                        let dates = dates.as_primitive::<Date32Type>();
                        let days = dates.iter().map(|d| d.map_or(f64::NAN, f64::from)).collect();
                        let text = map_text(
                            strings(&(Arc::new(dates.clone()) as ArrayRef), &column)?.as_string::<i32>(),
                            digits,
                        );
                        (text, days)
                    }
                    _ => {
                        let text = map_text(strings(array, &column)?.as_string::<i32>(), digits);
                        let days = text
                            .iter()
                            .map(|t| t.and_then(days_of_digits).unwrap_or(f64::NAN))
                            .collect();
                        (text, days)
                    }
                };
                numbers = Some(days);
                text
            }
            ComparisonKind::Numeric => {
                let values = cast(array, &DataType::Float64).map_err(|e| {
                    MatchError::Input(format!("column '{column}' cannot be compared as a number: {e}"))
                })?;
                let values = values.as_primitive::<Float64Type>();
                numbers = Some(values.iter().map(|v| v.unwrap_or(f64::NAN)).collect());
                map_text(strings(array, &column)?.as_string::<i32>(), plain_text)
            }
            _ => map_text(strings(array, &column)?.as_string::<i32>(), plain_text),
        };
        let top = comparison.level_count() as i8 - 1;
        Ok(Self {
            comparison,
            codes: codes_of(&text),
            text,
            alternative: alternative.map(|forms| {
                let codes = codes_of(&forms);
                (forms, codes)
            }),
            street: street.map(|streets| codes_of(&streets)),
            numbers,
            top,
        })
    }

    /// Each record's value as blocking compares it: names by their pinyin
    /// words in sorted order (so 张伟, 章伟, "Zhang Wei" and "Wei Zhang" share
    /// a block), addresses by their house numbers, other kinds by their
    /// normal form.
    pub fn block_text(&self) -> StringArray {
        match (
            self.comparison.kind,
            self.alternative.as_ref().map(|(forms, _)| forms),
        ) {
            (ComparisonKind::Name, Some(pinyin)) => map_text(pinyin, |v, out| {
                let mut words: Vec<&str> = v.split(' ').filter(|w| !w.is_empty()).collect();
                words.sort_unstable();
                out.clear();
                out.push_str(&words.join(" "));
                true
            }),
            (ComparisonKind::Address, Some(numbers)) => numbers.clone(),
            _ => self.text.clone(),
        }
    }

    /// Starts loading what comparing record `row` reads first (its code, and
    /// for names and phones, which are rarely equal, where its text starts):
    /// candidate pairs visit records in no order memory likes.
    #[inline]
    pub fn prefetch(&self, row: usize) {
        crate::prefetch::prefetch(&self.codes[row]);
        if matches!(self.comparison.kind, ComparisonKind::Name | ComparisonKind::Phone) {
            crate::prefetch::prefetch(&self.text.value_offsets()[row]);
        }
    }

    /// The level two records reach: -1 when either value is missing, 0
    /// ("else") up to the number of levels less one ("exact").
    #[inline]
    pub fn level(&self, a: usize, b: usize) -> i8 {
        let (code_a, code_b) = (self.codes[a], self.codes[b]);
        if code_a == NO_CODE || code_b == NO_CODE {
            return -1;
        }
        if code_a == code_b {
            return self.top;
        }
        let (x, y) = (self.text.value(a), self.text.value(b));
        let t = &self.comparison.thresholds;
        // The level just above the thresholds' levels: "same pinyin", "one
        // character off", "same user name"; for numbers, "exact".
        let above_thresholds = (t.len() + 1) as i8;
        // Levels above the thresholds' levels, before "exact".
        let count_passed = |passed: &mut dyn Iterator<Item = bool>| passed.filter(|p| *p).count() as i8;
        match self.comparison.kind {
            ComparisonKind::Exact | ComparisonKind::None => 0,
            ComparisonKind::Levenshtein => {
                let loosest = t.first().copied().unwrap_or(0.0);
                if x.len().abs_diff(y.len()) as f64 > loosest && x.is_ascii() && y.is_ascii() {
                    return 0;
                }
                let d = levenshtein(x, y) as f64;
                count_passed(&mut t.iter().map(|limit| d <= *limit))
            }
            ComparisonKind::DamerauLevenshtein => {
                let loosest = t.first().copied().unwrap_or(0.0) as usize;
                match damerau_levenshtein_within(x, y, loosest) {
                    Some(d) => count_passed(&mut t.iter().map(|limit| d as f64 <= *limit)),
                    None => 0,
                }
            }
            ComparisonKind::JaroWinkler => {
                let s = jaro_winkler(x, y);
                count_passed(&mut t.iter().map(|limit| s >= *limit))
            }
            ComparisonKind::Name => {
                let (pinyin, codes) = self.alternative.as_ref().expect("names have pinyin");
                let (px, py) = (pinyin.value(a), pinyin.value(b));
                // Level 1 is a family name alone (张先生) and a full name
                // holding it; the similarity levels are one higher.
                if same_code(codes, a, b) || same_words(px, py) || same_words(x, y) {
                    return above_thresholds + 1;
                }
                if family_name_of(px, py) {
                    return 1;
                }
                let s = jaro_winkler(px, py);
                match count_passed(&mut t.iter().map(|limit| s >= *limit)) {
                    0 => 0,
                    passed => passed + 1,
                }
            }
            ComparisonKind::Date => {
                if within_one_edit(x, y) {
                    return above_thresholds;
                }
                let days = self.numbers.as_ref().expect("dates have day numbers");
                let d = (days[a] - days[b]).abs();
                if d.is_nan() {
                    return 0;
                }
                count_passed(&mut t.iter().map(|limit| d <= *limit))
            }
            ComparisonKind::Numeric => {
                let values = self.numbers.as_ref().expect("numbers are read");
                let (u, v) = (values[a], values[b]);
                if u.is_nan() || v.is_nan() {
                    return 0;
                }
                if u == v {
                    return above_thresholds;
                }
                let relative = (u - v).abs() / u.abs().max(v.abs());
                count_passed(&mut t.iter().map(|limit| relative <= *limit))
            }
            ComparisonKind::Phone => i8::from(within_one_edit(x, y)),
            ComparisonKind::Address => {
                let street = self.street.as_ref().expect("addresses have streets");
                let (_, numbers) = self.alternative.as_ref().expect("addresses have house numbers");
                match (same_code(street, a, b), same_code(numbers, a, b)) {
                    (true, true) => 3,
                    (false, true) => 2,
                    (true, false) => 1,
                    (false, false) => 0,
                }
            }
            ComparisonKind::Email => {
                let (users, codes) = self.alternative.as_ref().expect("e-mails have user names");
                if same_code(codes, a, b) {
                    return above_thresholds;
                }
                let (ux, uy) = (users.value(a), users.value(b));
                let s = jaro_winkler(ux, uy);
                count_passed(&mut t.iter().map(|limit| s >= *limit))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(kind: ComparisonKind, values: &[Option<&str>]) -> PreparedColumn {
        let array: ArrayRef = Arc::new(StringArray::from(values.to_vec()));
        PreparedColumn::new(Comparison::new("c", kind), &array).unwrap()
    }

    #[test]
    fn names_reach_their_levels() {
        let names = column(
            ComparisonKind::Name,
            &[
                Some("张伟"),
                Some(" 张伟"),
                Some("章伟"),
                Some("Wei Zhang"),
                Some("张玮琪"),
                Some("李娜"),
                None,
                Some("张先生"),
                Some("陈超佳"),
                Some("Chaojia Chen"),
            ],
        );
        assert_eq!(names.comparison.level_count(), 6);
        assert_eq!(names.level(0, 1), 5, "exact after normalising");
        assert_eq!(names.level(0, 2), 4, "homophone");
        assert_eq!(names.level(0, 3), 4, "romanised and swapped");
        assert_eq!(
            names.level(8, 9),
            4,
            "a two-character given name romanised as one word"
        );
        assert_eq!(names.level(0, 7), 1, "a family name and a title");
        assert_eq!(names.level(7, 3), 1, "a family name and a title, romanised");
        assert!(names.level(0, 4) >= 2, "a similar pinyin");
        assert_eq!(names.level(0, 5), 0);
        assert_eq!(names.level(0, 6), -1);
    }

    #[test]
    fn dates_phones_and_emails_reach_their_levels() {
        let dates = column(
            ComparisonKind::Date,
            &[
                Some("19560909"),
                Some("1956-09-09"),
                Some("19560919"),
                Some("19561009"),
                Some("19570101"),
                Some("x"),
            ],
        );
        assert_eq!(dates.level(0, 1), 4);
        assert_eq!(dates.level(0, 2), 3, "one digit off");
        assert_eq!(dates.level(0, 3), 2, "within a month");
        assert_eq!(dates.level(0, 4), 1, "within a year");
        assert_eq!(dates.level(0, 5), -1, "no digits is missing");
        let not_a_day = column(
            ComparisonKind::Date,
            &[Some("19800231"), Some("19800303"), Some("19800221")],
        );
        assert_eq!(not_a_day.level(0, 1), 0, "31 February is no day to measure from");
        assert_eq!(not_a_day.level(0, 2), 3, "but it is one character off");
        let phones = column(
            ComparisonKind::Phone,
            &[
                Some("+86 138 0013 8000"),
                Some("13800138000"),
                Some("13800138001"),
                Some("13900000000"),
            ],
        );
        assert_eq!(
            (phones.level(0, 1), phones.level(0, 2), phones.level(0, 3)),
            (2, 1, 0)
        );
        let addresses = column(
            ComparisonKind::Address,
            &[
                Some("上海市浦东新区人民路88号3栋1202室"),
                Some("浦东新区人民路88号3-1202，上海"),
                Some("上海市浦东新区人民路88号3栋1203室"),
                Some("上海市徐汇区人民路88号3栋1202室"),
                Some("上海市浦东新区人民路88号3栋1202室"),
            ],
        );
        assert_eq!(addresses.comparison.level_count(), 5);
        assert_eq!(addresses.level(0, 1), 3, "two forms of one address");
        assert_eq!(addresses.level(0, 2), 1, "same street, another flat");
        assert_eq!(addresses.level(0, 3), 2, "same numbers, another street");
        assert_eq!(addresses.level(0, 4), 4);
        let names = column(ComparisonKind::Name, &[Some("章伟"), Some("Wei Zhang")]);
        let blocks = names.block_text();
        assert_eq!((blocks.value(0), blocks.value(1)), ("wei zhang", "wei zhang"));
        let emails = column(
            ComparisonKind::Email,
            &[
                Some("Wei.Zhang@qq.com"),
                Some("wei.zhang@163.com"),
                Some("wei.zhangg@qq.com"),
            ],
        );
        assert_eq!((emails.level(0, 1), emails.level(0, 2)), (2, 1));
    }

    #[test]
    fn thresholds_are_checked() {
        let mut c = Comparison::new("c", ComparisonKind::JaroWinkler);
        c.thresholds = vec![0.9, 0.8];
        assert!(c.validate().unwrap_err().to_string().contains("increasing"));
        c.thresholds = vec![0.8, 1.5];
        assert!(c.validate().is_err());
        assert!(
            Comparison::new("c", ComparisonKind::Levenshtein)
                .validate()
                .is_ok()
        );
    }
}
