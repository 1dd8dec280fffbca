//! What `lead_grade` and `lead_grade_by_days` share: the optional status and
//! thresholds arguments, and the grading loop.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, StringBuilder};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};

use cdpfusion_core::value::grade::LeadStatus;

use crate::arguments::{constant_string, same_shape};

/// The constant thresholds JSON, if given.
pub(crate) fn thresholds_json(function: &str, args: &ScalarFunctionArgs) -> Result<Option<String>> {
    match args.args.get(2) {
        None => Ok(None),
        Some(value) => constant_string(function, "thresholds_json", value),
    }
}

/// Grades every row: the status decides N, O and F; an open lead is graded
/// from its value by `grade` (N when the value is NULL). `check` rejects
/// out-of-range values with the reason.
pub(crate) fn grade_rows(
    function: &str,
    value_name: &str,
    args: &ScalarFunctionArgs,
    check: impl Fn(f64) -> bool,
    expected: &str,
    grade: impl Fn(f64) -> char,
) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    let arrays = ColumnarValue::values_to_arrays(&args.args[..args.args.len().min(2)])?;
    let values = arrays[0].as_primitive::<Float64Type>();
    let statuses = arrays.get(1).map(|a| a.as_string::<i32>());
    let mut out = StringBuilder::with_capacity(rows, rows);
    let mut letter = [0u8; 4];
    for row in 0..rows {
        let status = match statuses {
            Some(s) if s.is_valid(row) => match LeadStatus::parse(s.value(row)) {
                Some(status) => status,
                None => {
                    return exec_err!(
                        "{function}: argument 'status' must be one of {}, got '{}'",
                        LeadStatus::NAMES.join(", "),
                        s.value(row)
                    );
                }
            },
            _ => LeadStatus::Open,
        };
        let graded = if values.is_valid(row) {
            let value = values.value(row);
            if !check(value) {
                return exec_err!("{function}: argument '{value_name}' must be {expected}, got {value}");
            }
            Some(grade(value))
        } else {
            None
        };
        out.append_value(status.letter(graded).encode_utf8(&mut letter));
    }
    same_shape(&args.args, Arc::new(out.finish()))
}
