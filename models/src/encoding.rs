//! Features as numbers, the same way in training and in prediction:
//!
//! - A number, boolean, date or timestamp is standardised with the training
//!   rows' mean and standard deviation; a NULL becomes the mean (0 once
//!   standardised), or is left missing for gradient boosting, which learns
//!   where missing values go. A column constant in training is left out.
//! - A text column is one-hot encoded: its most frequent value is the
//!   baseline (no column of its own, so linear models stay identifiable),
//!   the next `max_categories - 1` values get a column each, and the rest
//!   (and values first seen in prediction) share one "other" column. NULL
//!   counts as a value of its own. More than `max_distinct` distinct values
//!   is an error: such a column is an id, not a feature.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, TimeUnit};
use hashbrown::HashMap;
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// Encoded features, one `Vec` per encoded column (column-major: every
/// kernel walks a column at a time).
#[derive(Debug, Clone, Default)]
pub struct Matrix {
    pub rows: usize,
    pub columns: Vec<Vec<f64>>,
}

impl Matrix {
    /// The first `rows` rows (all when there are fewer).
    pub fn first_rows(&self, rows: usize) -> Matrix {
        let rows = rows.min(self.rows);
        Matrix {
            rows,
            columns: self.columns.iter().map(|c| c[..rows].to_vec()).collect(),
        }
    }

    /// The columns laid end to end, as gradient boosting takes them.
    pub fn column_major(&self) -> Vec<f64> {
        self.columns.concat()
    }
}

/// How one input column becomes encoded columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeatureEncoding {
    Number {
        name: String,
        mean: f64,
        std: f64,
        /// Constant in training: no encoded column.
        constant: bool,
    },
    Text {
        name: String,
        /// The most frequent value (None: NULL), encoded as all zeros.
        baseline: Option<String>,
        /// The values with a column of their own.
        levels: Vec<Option<String>>,
        /// Whether there is an "other" column (there were more values).
        other: bool,
    },
}

impl FeatureEncoding {
    pub fn name(&self) -> &str {
        match self {
            FeatureEncoding::Number { name, .. } | FeatureEncoding::Text { name, .. } => name,
        }
    }

    /// The names of its encoded columns.
    fn column_names(&self, out: &mut Vec<String>) {
        match self {
            FeatureEncoding::Number { name, constant, .. } => {
                if !constant {
                    out.push(name.clone());
                }
            }
            FeatureEncoding::Text {
                name, levels, other, ..
            } => {
                for level in levels {
                    out.push(match level {
                        Some(value) => format!("{name} = '{}'", value.replace('\'', "''")),
                        None => format!("{name} IS NULL"),
                    });
                }
                if *other {
                    out.push(format!("{name} = (other)"));
                }
            }
        }
    }

    /// Whether a column of `data_type` can be this feature's input.
    /// An untyped NULL is taken by any feature.
    pub fn accepts(&self, data_type: &DataType) -> bool {
        *data_type == DataType::Null
            || match self {
                FeatureEncoding::Number { .. } => is_number(data_type),
                FeatureEncoding::Text { .. } => is_text(data_type),
            }
    }

    /// The error of an input column of the wrong type.
    pub fn wrong_type(&self, data_type: &DataType) -> ModelError {
        feature_error(
            self.name(),
            format!(
                "has type {data_type}; the model was trained on it as {}",
                self.kind()
            ),
        )
    }

    /// The error of a missing input column.
    pub fn missing(&self) -> ModelError {
        feature_error(
            self.name(),
            format!(
                "is missing: the model needs a column '{}' ({})",
                self.name(),
                self.kind()
            ),
        )
    }

    /// What SQL type family the column must have in prediction.
    pub fn kind(&self) -> &'static str {
        match self {
            FeatureEncoding::Number { .. } => "a number",
            FeatureEncoding::Text { .. } => "text",
        }
    }
}

/// What to put where a number is NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// The training mean.
    Impute,
    /// NaN, for models that handle missing values.
    NaN,
}

/// The encodings of all features, in the order of the training query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoder {
    pub features: Vec<FeatureEncoding>,
}

fn feature_error(feature: &str, problem: impl Into<String>) -> ModelError {
    ModelError::Feature {
        feature: feature.to_string(),
        problem: problem.into(),
    }
}

fn is_text(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, values) => values.is_string(),
        other => other.is_string(),
    }
}

fn is_number(data_type: &DataType) -> bool {
    data_type.is_numeric()
        || matches!(
            data_type,
            DataType::Boolean | DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _)
        )
}

/// A numeric column as f64 (dates as days, timestamps as seconds), NULLs kept.
fn as_f64(feature: &str, column: &ArrayRef) -> Result<Float64Array, ModelError> {
    let failed =
        |e: arrow::error::ArrowError| feature_error(feature, format!("cannot be read as a number: {e}"));
    let numbers = match column.data_type() {
        DataType::Date32 | DataType::Date64 => {
            let days = cast(
                &cast(column, &DataType::Date32).map_err(failed)?,
                &DataType::Int32,
            )
            .map_err(failed)?;
            cast(&days, &DataType::Float64)
        }
        DataType::Timestamp(_, _) => {
            let seconds = cast(column, &DataType::Timestamp(TimeUnit::Second, None)).map_err(failed)?;
            cast(
                &cast(&seconds, &DataType::Int64).map_err(failed)?,
                &DataType::Float64,
            )
        }
        _ => cast(column, &DataType::Float64),
    }
    .map_err(failed)?;
    Ok(numbers.as_primitive::<arrow::datatypes::Float64Type>().clone())
}

/// Text values as `Option<&str>` per row.
/// A text column as `Utf8`, read in place (no string copied per row).
fn as_utf8(feature: &str, column: &ArrayRef) -> Result<ArrayRef, ModelError> {
    cast(column, &DataType::Utf8).map_err(|e| feature_error(feature, format!("cannot be read as text: {e}")))
}

impl Encoder {
    /// Learns the encodings from the training rows.
    pub fn fit(
        columns: &[(String, ArrayRef)],
        max_categories: usize,
        max_distinct: usize,
    ) -> Result<Self, ModelError> {
        let mut features = Vec::with_capacity(columns.len());
        for (name, column) in columns {
            let data_type = column.data_type();
            if column.null_count() == column.len() && !column.is_empty() {
                return Err(feature_error(
                    name,
                    "is NULL in every training row; leave it out of the query",
                ));
            }
            if is_text(data_type) {
                features.push(fit_text(name, column, max_categories, max_distinct)?);
            } else if is_number(data_type) {
                let values = as_f64(name, column)?;
                let (mut sum, mut count) = (0.0, 0usize);
                for v in values.iter().flatten() {
                    sum += v;
                    count += 1;
                }
                let mean = if count == 0 { 0.0 } else { sum / count as f64 };
                let squares: f64 = values.iter().flatten().map(|v| (v - mean) * (v - mean)).sum();
                let std = if count == 0 {
                    0.0
                } else {
                    (squares / count as f64).sqrt()
                };
                if !mean.is_finite() || !std.is_finite() {
                    return Err(feature_error(
                        name,
                        "holds values too large to learn from (an infinity or an overflow)",
                    ));
                }
                features.push(FeatureEncoding::Number {
                    name: name.clone(),
                    mean,
                    std,
                    constant: std == 0.0,
                });
            } else {
                return Err(feature_error(
                    name,
                    format!("has type {data_type}; expected a number, boolean, date, timestamp or text"),
                ));
            }
        }
        Ok(Encoder { features })
    }

    /// The names of the encoded columns, in order.
    pub fn column_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        for feature in &self.features {
            feature.column_names(&mut names);
        }
        names
    }

    /// Encodes rows; `column` finds a feature's input by name.
    pub fn transform(
        &self,
        rows: usize,
        column: impl Fn(&str) -> Option<ArrayRef>,
        missing: Missing,
    ) -> Result<Matrix, ModelError> {
        let mut matrix = Matrix {
            rows,
            columns: Vec::new(),
        };
        for feature in &self.features {
            let name = feature.name();
            let input = column(name).ok_or_else(|| feature.missing())?;
            if !feature.accepts(input.data_type()) {
                return Err(feature.wrong_type(input.data_type()));
            }
            match feature {
                FeatureEncoding::Number {
                    mean, std, constant, ..
                } => {
                    if *constant {
                        continue;
                    }
                    let values = as_f64(name, &input)?;
                    let fill = match missing {
                        Missing::Impute => 0.0,
                        Missing::NaN => f64::NAN,
                    };
                    let scale = 1.0 / std;
                    let mut encoded: Vec<f64> = values.values().iter().map(|v| (v - mean) * scale).collect();
                    if let Some(nulls) = values.nulls() {
                        for i in nulls
                            .iter()
                            .enumerate()
                            .filter(|(_, valid)| !valid)
                            .map(|(i, _)| i)
                        {
                            encoded[i] = fill;
                        }
                    }
                    matrix.columns.push(encoded);
                }
                FeatureEncoding::Text { levels, other, .. } => {
                    let text = as_utf8(name, &input)?;
                    let values = text.as_string::<i32>();
                    let index: HashMap<Option<&str>, usize> = levels
                        .iter()
                        .enumerate()
                        .map(|(i, l)| (l.as_deref(), i))
                        .collect();
                    let first = matrix.columns.len();
                    let width = levels.len() + usize::from(*other);
                    matrix.columns.extend((0..width).map(|_| vec![0.0; rows]));
                    let baseline = match feature {
                        FeatureEncoding::Text { baseline, .. } => baseline.as_deref(),
                        _ => None,
                    };
                    for (row, value) in values.iter().enumerate() {
                        if let Some(&level) = index.get(&value) {
                            matrix.columns[first + level][row] = 1.0;
                        } else if *other && value != baseline {
                            matrix.columns[first + levels.len()][row] = 1.0;
                        }
                    }
                }
            }
        }
        Ok(matrix)
    }
}

fn fit_text(
    name: &str,
    column: &ArrayRef,
    max_categories: usize,
    max_distinct: usize,
) -> Result<FeatureEncoding, ModelError> {
    let text = as_utf8(name, column)?;
    let mut counts: HashMap<Option<&str>, usize> = HashMap::new();
    for value in text.as_string::<i32>().iter() {
        *counts.entry(value).or_default() += 1;
        if counts.len() > max_distinct {
            return Err(feature_error(
                name,
                format!(
                    "has more than {max_distinct} distinct values (max_distinct): an id is not a feature; leave it out, group its values, or raise max_distinct"
                ),
            ));
        }
    }
    let mut by_count: Vec<(Option<&str>, usize)> = counts.into_iter().collect();
    // Most frequent first; ties by value, so the encoding does not depend on
    // the order of the rows.
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let owned = |v: Option<&str>| v.map(str::to_string);
    let baseline = by_count.first().and_then(|(v, _)| owned(*v));
    let levels: Vec<Option<String>> = by_count
        .iter()
        .skip(1)
        .take(max_categories.saturating_sub(1))
        .map(|(v, _)| owned(*v))
        .collect();
    Ok(FeatureEncoding::Text {
        name: name.to_string(),
        baseline,
        other: by_count.len() > levels.len() + 1,
        levels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn columns() -> Vec<(String, ArrayRef)> {
        vec![
            (
                "age".into(),
                Arc::new(Int64Array::from(vec![Some(20), None, Some(40), Some(30)])) as ArrayRef,
            ),
            (
                "channel".into(),
                Arc::new(StringArray::from(vec![
                    Some("app"),
                    Some("app"),
                    Some("web"),
                    None,
                ])) as ArrayRef,
            ),
        ]
    }

    fn lookup(columns: &[(String, ArrayRef)]) -> impl Fn(&str) -> Option<ArrayRef> + '_ {
        move |name| columns.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone())
    }

    #[test]
    fn numbers_are_standardised_and_text_one_hot() {
        let columns = columns();
        let encoder = Encoder::fit(&columns, 50, 100).unwrap();
        assert_eq!(
            encoder.column_names(),
            vec!["age", "channel IS NULL", "channel = 'web'"]
        );
        let m = encoder.transform(4, lookup(&columns), Missing::Impute).unwrap();
        let std = (200.0f64 / 3.0).sqrt();
        assert_eq!(m.columns[0], vec![-10.0 / std, 0.0, 10.0 / std, 0.0]);
        assert_eq!(m.columns[1], vec![0.0, 0.0, 0.0, 1.0]);
        assert_eq!(m.columns[2], vec![0.0, 0.0, 1.0, 0.0]);
        let m = encoder.transform(4, lookup(&columns), Missing::NaN).unwrap();
        assert!(m.columns[0][1].is_nan());
    }

    #[test]
    fn rare_and_unseen_values_share_the_other_column() {
        let columns = columns();
        let encoder = Encoder::fit(&columns, 2, 100).unwrap();
        assert_eq!(
            encoder.column_names(),
            vec!["age", "channel IS NULL", "channel = (other)"]
        );
        let unseen: Vec<(String, ArrayRef)> = vec![
            ("age".into(), Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
            (
                "channel".into(),
                Arc::new(StringArray::from(vec!["wecom", "app"])) as ArrayRef,
            ),
        ];
        let m = encoder.transform(2, lookup(&unseen), Missing::Impute).unwrap();
        assert_eq!(
            (m.columns[1].clone(), m.columns[2].clone()),
            (vec![0.0, 0.0], vec![1.0, 0.0])
        );
    }

    #[test]
    fn unusable_features_are_named() {
        let all_null: Vec<(String, ArrayRef)> = vec![(
            "x".into(),
            Arc::new(Int64Array::from(vec![None, None])) as ArrayRef,
        )];
        let err = Encoder::fit(&all_null, 50, 100).unwrap_err().to_string();
        assert_eq!(
            err,
            "feature 'x': is NULL in every training row; leave it out of the query"
        );
        let ids: Vec<(String, ArrayRef)> = vec![(
            "id".into(),
            Arc::new(StringArray::from(
                (0..200).map(|i| i.to_string()).collect::<Vec<_>>(),
            )) as ArrayRef,
        )];
        let err = Encoder::fit(&ids, 50, 100).unwrap_err().to_string();
        assert!(
            err.starts_with("feature 'id': has more than 100 distinct values"),
            "{err}"
        );
        let columns = columns();
        let encoder = Encoder::fit(&columns, 50, 100).unwrap();
        let err = encoder
            .transform(4, |_| None, Missing::Impute)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "feature 'age': is missing: the model needs a column 'age' (a number)"
        );
        let swapped = |name: &str| lookup(&columns)(if name == "age" { "channel" } else { "age" });
        let err = encoder
            .transform(4, swapped, Missing::Impute)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "feature 'age': has type Utf8; the model was trained on it as a number"
        );
    }
}
