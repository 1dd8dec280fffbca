//! The loop every string-to-string function shares: any string encoding in,
//! Utf8 out, one scratch buffer reused for all rows.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::ColumnarValue;

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
