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

/// The value of an argument that must be a constant string, such as a region
/// code or a key. NULL gives `None`.
pub(crate) fn constant_string(
    function: &str,
    argument: &str,
    value: &ColumnarValue,
) -> Result<Option<String>> {
    match value {
        ColumnarValue::Scalar(scalar) => match scalar {
            ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => Ok(v.clone()),
            ScalarValue::Null => Ok(None),
            other => exec_err!(
                "{function}: argument '{argument}' must be a string, got {}",
                other.data_type()
            ),
        },
        ColumnarValue::Array(_) => exec_err!(
            "{function}: argument '{argument}' must be a constant, not a column"
        ),
    }
}

/// A string argument that also takes integers, because phone numbers often sit
/// in BIGINT columns; they are cast to their decimal text.
pub(crate) fn text_argument() -> datafusion::logical_expr::Coercion {
    use datafusion::common::types::{NativeType, logical_string};
    use datafusion::logical_expr::{Coercion, TypeSignatureClass};
    Coercion::new_implicit(
        TypeSignatureClass::Native(logical_string()),
        vec![TypeSignatureClass::Integer],
        NativeType::String,
    )
}

/// A string argument, without implicit casts.
pub(crate) fn string_argument() -> datafusion::logical_expr::Coercion {
    use datafusion::common::types::logical_string;
    use datafusion::logical_expr::{Coercion, TypeSignatureClass};
    Coercion::new_exact(TypeSignatureClass::Native(logical_string()))
}
