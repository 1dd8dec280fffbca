//! Reading the columns of coerced arguments, and shaping a scalar
//! function's result.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{DataType, Int64Type, TimestampMicrosecondType};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::ColumnarValue;

/// Whether an event-time argument (after coercion) is a point in time rather
/// than a plain integer.
pub(crate) fn is_time(data_type: &DataType) -> bool {
    matches!(data_type, DataType::Timestamp(_, _))
}

/// The values and nulls of a coerced event-time column (µs or integers).
pub(crate) fn event_times(array: &ArrayRef) -> (&ScalarBuffer<i64>, Option<&NullBuffer>) {
    match array.data_type() {
        DataType::Timestamp(_, _) => {
            let times = array.as_primitive::<TimestampMicrosecondType>();
            (times.values(), times.nulls())
        }
        _ => {
            let values = array.as_primitive::<Int64Type>();
            (values.values(), values.nulls())
        }
    }
}

/// Bit `bit` set in `masks[row]` for every row where `condition` is true
/// (NULL is false).
pub(crate) fn or_condition_bits(condition: &ArrayRef, bit: u32, masks: &mut [u32]) {
    let condition: &BooleanArray = condition.as_boolean();
    let values = match condition.nulls() {
        Some(nulls) => condition.values() & nulls.inner(),
        None => condition.values().clone(),
    };
    for row in values.set_indices() {
        masks[row] |= 1 << bit;
    }
}

/// A guard for the accumulator state arrays a merge receives.
pub(crate) fn expect_state_columns(function: &str, states: &[ArrayRef], count: usize) -> Result<()> {
    if states.len() != count {
        return exec_err!("{function}: expected {count} state columns, got {}", states.len());
    }
    Ok(())
}

/// The values and nulls of a coerced `Float64` column.
pub(crate) fn number_values(array: &ArrayRef) -> (&ScalarBuffer<f64>, Option<&NullBuffer>) {
    let numbers = array.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
    (numbers.values(), numbers.nulls())
}

/// Whether the aggregate's FILTER lets row `row` through.
#[inline]
pub(crate) fn passes(filter: Option<&BooleanArray>, row: usize) -> bool {
    filter.is_none_or(|f| f.is_valid(row) && f.value(row))
}

/// A scalar function's result: a scalar when every argument was one.
pub(crate) fn same_shape(args: &[ColumnarValue], result: ArrayRef) -> Result<ColumnarValue> {
    Ok(if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
    } else {
        ColumnarValue::Array(result)
    })
}
