//! The records of a call and what is compared in them: the comparisons the
//! options name, the model's, or the kind each other column gets from its
//! name and type.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;

use super::MatchError;
use super::comparison::{Comparison, ComparisonKind};
use super::options::MatchOptions;
use super::pattern::{MAX_COMPARISONS, MAX_LEVELS};

/// The records of one call: their columns (not `record_id` or `source`)
/// and, when given, each record's source as a small number.
pub struct MatchInput {
    pub records: usize,
    pub columns: Vec<(String, ArrayRef)>,
    pub sources: Option<Vec<u32>>,
}

impl MatchInput {
    pub(super) fn column(&self, name: &str) -> Result<&ArrayRef, MatchError> {
        self.columns
            .iter()
            .find(|(column, _)| column == name)
            .map(|(_, array)| array)
            .ok_or_else(|| {
                let names: Vec<&str> = self.columns.iter().map(|(c, _)| c.as_str()).collect();
                MatchError::Input(format!(
                    "column '{name}' is named in the options but the query does not return it (it returns {})",
                    names.join(", ")
                ))
            })
    }
}

/// The kind a column gets when the options do not name it: by its name
/// (phone, e-mail, address, name, birth or date), then by its type (dates,
/// numbers);
/// other text is compared by Damerau–Levenshtein when its values are
/// mostly digits (identifiers, postcodes) and by Jaro–Winkler otherwise.
pub fn automatic_kind(name: &str, array: &ArrayRef) -> ComparisonKind {
    let lower = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let data_type = array.data_type();
    if has(&["phone", "mobile", "tel"]) {
        ComparisonKind::Phone
    } else if has(&["email", "e_mail", "mail"]) {
        ComparisonKind::Email
    } else if has(&["address", "addr"]) {
        ComparisonKind::Address
    } else if has(&["name"]) {
        ComparisonKind::Name
    } else if matches!(
        data_type,
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
    ) || has(&["birth", "dob", "date"])
    {
        ComparisonKind::Date
    } else if data_type.is_numeric() {
        ComparisonKind::Numeric
    } else if mostly_digits(array) {
        ComparisonKind::DamerauLevenshtein
    } else {
        ComparisonKind::JaroWinkler
    }
}

/// Whether nine in ten of the first thousand values are digits only.
fn mostly_digits(array: &ArrayRef) -> bool {
    let Ok(text) = cast(array, &DataType::Utf8) else {
        return false;
    };
    let values: Vec<&str> = text
        .as_string::<i32>()
        .iter()
        .flatten()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .take(1000)
        .collect();
    let digits = values
        .iter()
        .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
        .count();
    !values.is_empty() && digits * 10 >= values.len() * 9
}

/// The comparisons of a call: the model's, or the options' for the columns
/// they name and the automatic kind for the rest, in column order.
pub(super) fn comparisons_of(
    input: &MatchInput,
    options: &MatchOptions,
) -> Result<Vec<Comparison>, MatchError> {
    let comparisons: Vec<Comparison> = match &options.model {
        Some(model) => {
            for comparison in &model.comparisons {
                input.column(&comparison.comparison.column)?;
            }
            model.comparisons.iter().map(|c| c.comparison.clone()).collect()
        }
        None => {
            for comparison in &options.comparisons {
                input.column(&comparison.column)?;
            }
            input
                .columns
                .iter()
                .map(|(name, array)| {
                    options
                        .comparisons
                        .iter()
                        .find(|c| &c.column == name)
                        .cloned()
                        .unwrap_or_else(|| Comparison::new(name, automatic_kind(name, array)))
                })
                .filter(|c| c.kind != ComparisonKind::None)
                .collect()
        }
    };
    if comparisons.is_empty() {
        return Err(MatchError::Input(
            "nothing to compare: the query returns no column besides record_id and source".into(),
        ));
    }
    if comparisons.len() > MAX_COMPARISONS {
        return Err(MatchError::Input(format!(
            "at most {MAX_COMPARISONS} columns can be compared, got {}; mark others {{\"kind\": \"none\"}}",
            comparisons.len()
        )));
    }
    for comparison in &comparisons {
        if comparison.level_count() > MAX_LEVELS {
            return Err(MatchError::Options(format!(
                "comparison of '{}' has {} levels, at most {MAX_LEVELS}",
                comparison.column,
                comparison.level_count()
            )));
        }
    }
    Ok(comparisons)
}
