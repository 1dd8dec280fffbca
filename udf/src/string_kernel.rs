//! The loop every string-to-string function shares: any string encoding in,
//! Utf8 out, one scratch buffer reused for all rows.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

use crate::arguments::text_of;

/// Applies `f` to every non-null string of `input`. `f` writes its answer into
/// the scratch buffer and returns `false` for NULL. Scalars stay scalars.
pub(crate) fn map_strings(
    function: &str,
    input: &ColumnarValue,
    mut f: impl FnMut(&str, &mut String) -> bool,
) -> Result<ColumnarValue> {
    let array = match input {
        ColumnarValue::Array(array) => Arc::clone(array),
        ColumnarValue::Scalar(scalar) => scalar.to_array_of_size(1)?,
    };
    let mut scratch = String::new();
    let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 16);
    let mut apply = |value: Option<&str>| match value {
        Some(text) if f(text, &mut scratch) => builder.append_value(&scratch),
        _ => builder.append_null(),
    };
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(&mut apply),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(&mut apply),
        DataType::Utf8View => array.as_string_view().iter().for_each(&mut apply),
        DataType::Null => (0..array.len()).for_each(|_| apply(None)),
        other => return exec_err!("{function}: expected a string argument, got {other}"),
    }
    let result: ArrayRef = Arc::new(builder.finish());
    Ok(match input {
        ColumnarValue::Array(_) => ColumnarValue::Array(result),
        ColumnarValue::Scalar(_) => ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?),
    })
}

/// The value of an argument that must be a constant string, such as a region
/// code or a key. NULL gives `None`.
pub(crate) fn constant_string(
    function: &str,
    argument: &str,
    value: &ColumnarValue,
) -> Result<Option<String>> {
    match value {
        ColumnarValue::Scalar(scalar) => Ok(text_of(function, argument, scalar)?.map(str::to_string)),
        ColumnarValue::Array(_) => {
            exec_err!("{function}: argument '{argument}' must be a constant, not a column")
        }
    }
}

/// What an argument accepts.
#[derive(Clone, Copy)]
pub(crate) enum Accepts {
    /// Any string type.
    String,
    /// A string, or an integer read as its decimal digits (phone numbers
    /// often sit in BIGINT columns).
    StringOrInteger,
}

/// Checks argument types for a function with `arguments` of which the first
/// `required` must be given, and casts integers to text where accepted. The
/// errors name the function, the argument and what it takes.
pub(crate) fn coerce_arguments(
    function: &str,
    syntax: &str,
    arguments: &[(&str, Accepts)],
    required: usize,
    arg_types: &[DataType],
) -> Result<Vec<DataType>> {
    if arg_types.len() < required || arg_types.len() > arguments.len() {
        return plan_err!("{function}: expected {syntax}, got {} arguments", arg_types.len());
    }
    arg_types
        .iter()
        .zip(arguments)
        .map(|(t, (name, accepts))| match (accepts, t) {
            (_, t) if t.is_string() => Ok(t.clone()),
            (_, DataType::Null) => Ok(DataType::Utf8),
            (Accepts::StringOrInteger, t) if t.is_integer() => Ok(DataType::Utf8),
            (Accepts::StringOrInteger, t) => {
                plan_err!("{function}: argument '{name}' must be a string or an integer, got {t}")
            }
            (Accepts::String, t) => plan_err!("{function}: argument '{name}' must be a string, got {t}"),
        })
        .collect()
}
