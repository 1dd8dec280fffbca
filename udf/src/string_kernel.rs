//! The loops the string functions share: string to string (any string
//! encoding in, Utf8 out, one scratch buffer reused for all rows), and a
//! pair of strings to a number.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray, StringBuilder};
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::ColumnarValue;

use crate::arguments::same_shape;

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

/// Applies `f` to each row's two strings (both read as `Utf8`), NULL when
/// either is; the function of a pair of strings, such as a similarity.
pub(crate) fn map_string_pairs<T: ArrowPrimitiveType>(
    args: &[ColumnarValue],
    rows: usize,
    f: impl Fn(&str, &str) -> T::Native,
) -> Result<ColumnarValue> {
    let arrays = ColumnarValue::values_to_arrays(args)?;
    let (left, right) = (arrays[0].as_string::<i32>(), arrays[1].as_string::<i32>());
    let values: PrimitiveArray<T> = (0..rows.min(left.len()))
        .map(|row| (left.is_valid(row) && right.is_valid(row)).then(|| f(left.value(row), right.value(row))))
        .collect();
    same_shape(args, Arc::new(values))
}
