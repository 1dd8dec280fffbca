//! The label as numbers: 0 and 1 for a classifier (which value is 1 is
//! recorded), the value itself for a regression. Rows whose label is NULL
//! do not train.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};

use crate::ModelError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LabelEncoding {
    /// Two classes; the prediction is the probability of `positive`.
    Binary { negative: String, positive: String },
    /// A number.
    Number,
}

/// The label column's values as text, for counting classes.
fn label_text(column: &ArrayRef) -> Result<Vec<Option<String>>, ModelError> {
    let text =
        cast(column, &DataType::Utf8).map_err(|e| ModelError::Label(format!("cannot be read: {e}")))?;
    Ok(text
        .as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// Whether a label column makes a classifier when the type allows both
/// (gradient boosting): a boolean or text label, or exactly two numbers.
pub fn looks_binary(column: &ArrayRef) -> Result<bool, ModelError> {
    let data_type = column.data_type();
    if *data_type == DataType::Boolean || !data_type.is_numeric() {
        return Ok(true);
    }
    let mut values: Vec<Option<String>> = label_text(column)?.into_iter().flatten().map(Some).collect();
    values.sort();
    values.dedup();
    Ok(values.len() == 2)
}

/// A two-class label as 0/1 (NaN where NULL). The positive class is
/// `positive_class` when given, else `true`, the larger number, or the
/// later text in sort order.
pub fn encode_binary(
    label: &str,
    column: &ArrayRef,
    positive_class: Option<&str>,
) -> Result<(LabelEncoding, Vec<f64>), ModelError> {
    let values = label_text(column)?;
    let mut classes: Vec<&str> = values.iter().flatten().map(String::as_str).collect();
    let numeric = column.data_type().is_numeric();
    if numeric {
        classes.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap_or(0.0)
                .total_cmp(&b.parse::<f64>().unwrap_or(0.0))
        });
    } else {
        classes.sort();
    }
    classes.dedup();
    if classes.len() != 2 {
        let shown: Vec<&str> = classes.iter().take(5).copied().collect();
        return Err(ModelError::Label(format!(
            "'{label}' has {} distinct values ({}{}); a classifier needs exactly two{}",
            classes.len(),
            shown.join(", "),
            if classes.len() > 5 { ", ..." } else { "" },
            if classes.len() > 2 {
                ": use type 'linear' or 'gbdt' for a number"
            } else {
                ""
            },
        )));
    }
    let (negative, positive) = match positive_class {
        None => (classes[0].to_string(), classes[1].to_string()),
        Some(p) if p == classes[0] => (classes[1].to_string(), p.to_string()),
        Some(p) if p == classes[1] => (classes[0].to_string(), p.to_string()),
        Some(p) => {
            return Err(ModelError::Option {
                option: "positive_class".into(),
                problem: format!(
                    "'{p}' is not a value of '{label}' ({} or {})",
                    classes[0], classes[1]
                ),
            });
        }
    };
    let encoded = values
        .iter()
        .map(|v| match v {
            Some(v) if *v == positive => 1.0,
            Some(_) => 0.0,
            None => f64::NAN,
        })
        .collect();
    Ok((LabelEncoding::Binary { negative, positive }, encoded))
}

/// A numeric label as f64 (NaN where NULL).
pub fn encode_number(label: &str, column: &ArrayRef) -> Result<Vec<f64>, ModelError> {
    if !column.data_type().is_numeric() {
        return Err(ModelError::Label(format!(
            "'{label}' has type {}; a regression needs a number",
            column.data_type()
        )));
    }
    let numbers = cast(column, &DataType::Float64).map_err(|e| ModelError::Label(e.to_string()))?;
    let numbers = numbers.as_primitive::<Float64Type>();
    Ok((0..numbers.len())
        .map(|i| {
            if numbers.is_valid(i) {
                numbers.value(i)
            } else {
                f64::NAN
            }
        })
        .collect())
}
