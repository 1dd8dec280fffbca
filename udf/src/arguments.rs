//! Argument handling shared by the functions: event times, conditions,
//! arguments that must be constants (windows, modes, rules, `as_of`), and
//! the string literals table functions are called with.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, RecordBatchOptions};
use datafusion::arrow::buffer::{NullBuffer, ScalarBuffer};
use datafusion::arrow::datatypes::{
    DataType, Int64Type, IntervalUnit, Schema, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{ColumnarValue, Expr};
use datafusion::physical_expr::expressions::Literal;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// The type an event-time argument is read as: timestamps in microseconds
/// (keeping their time zone, so the instant does not move), dates as
/// timestamps at midnight UTC, integers as `Int64` in their own unit.
pub(crate) fn coerce_event_time(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        DataType::Timestamp(_, tz) => Ok(DataType::Timestamp(TimeUnit::Microsecond, tz.clone())),
        DataType::Date32 | DataType::Date64 => Ok(DataType::Timestamp(TimeUnit::Microsecond, None)),
        DataType::Null => Ok(DataType::Timestamp(TimeUnit::Microsecond, None)),
        t if t.is_integer() => Ok(DataType::Int64),
        t => plan_err!("{function}: argument '{name}' must be a timestamp, a date or an integer, got {t}"),
    }
}

/// A string type, or an untyped NULL that stands for one.
pub(crate) fn is_text(data_type: &DataType) -> bool {
    data_type.is_string() || data_type.is_null()
}

/// The text of a constant argument that must be a string; NULL gives
/// `None`. Every constant string argument is read through here.
pub(crate) fn text_of<'a>(function: &str, name: &str, value: &'a ScalarValue) -> Result<Option<&'a str>> {
    match value.try_as_str() {
        Some(text) => Ok(text),
        None if value.is_null() => Ok(None),
        None => plan_err!(
            "{function}: argument '{name}' must be a string, got {}",
            value.data_type()
        ),
    }
}

/// A string argument, kept as it is (rules and weights JSON).
pub(crate) fn coerce_text(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    if is_text(data_type) {
        Ok(data_type.clone())
    } else {
        plan_err!("{function}: argument '{name}' must be a string, got {data_type}")
    }
}

/// An event name, read as `Utf8View` (what Parquet scans give), from any
/// string or dictionary of strings.
pub(crate) fn coerce_event_name(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        t if is_text(t) => Ok(DataType::Utf8View),
        DataType::Dictionary(_, value) if value.is_string() => Ok(DataType::Utf8View),
        t => plan_err!("{function}: argument '{name}' must be a string, got {t}"),
    }
}

/// An event time that must be a point in time (not an integer), coerced as
/// [`coerce_event_time`] does.
pub(crate) fn coerce_timestamp(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    if data_type.is_integer() {
        return plan_err!("{function}: argument '{name}' must be a timestamp or a date, got {data_type}");
    }
    coerce_event_time(function, name, data_type)
}

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

/// Condition arguments are booleans; an untyped NULL counts as false.
pub(crate) fn coerce_condition(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        DataType::Boolean | DataType::Null => Ok(DataType::Boolean),
        t => plan_err!("{function}: argument '{name}' must be a boolean condition, got {t}"),
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

/// The value of an argument that must be a constant. DataFusion folds
/// constant expressions (`now()`, `INTERVAL '30 days' * 2`) to literals
/// before this runs.
pub(crate) fn constant_argument(
    function: &str,
    name: &str,
    args: &AccumulatorArgs,
    index: usize,
) -> Result<ScalarValue> {
    let expr = &args.exprs[index];
    if let Some(literal) = expr.downcast_ref::<Literal>() {
        return Ok(literal.value().clone());
    }
    // Through datafusion-ffi (the `datafusion` Python package) a literal
    // arrives wrapped in another expression type: a leaf that evaluates to
    // a scalar without any column is a constant too.
    if expr.children().is_empty() {
        let no_columns = RecordBatch::try_new_with_options(
            Arc::new(Schema::empty()),
            vec![],
            &RecordBatchOptions::new().with_row_count(Some(1)),
        )?;
        if let Ok(ColumnarValue::Scalar(value)) = expr.evaluate(&no_columns) {
            return Ok(value);
        }
    }
    plan_err!("{function}: argument '{name}' must be a constant, got the expression {expr}")
}

/// A constant string argument; NULL or missing gives `None`.
pub(crate) fn constant_text(
    function: &str,
    name: &str,
    args: &AccumulatorArgs,
    index: usize,
) -> Result<Option<String>> {
    if index >= args.exprs.len() {
        return Ok(None);
    }
    let value = constant_argument(function, name, args, index)?;
    Ok(text_of(function, name, &value)?.map(str::to_string))
}

/// A constant point in time (`as_of`), in microseconds since the epoch.
pub(crate) fn constant_instant(
    function: &str,
    name: &str,
    args: &AccumulatorArgs,
    index: usize,
) -> Result<i64> {
    let value = constant_argument(function, name, args, index)?;
    // A string (a bound parameter, as drivers send them) is read as a timestamp.
    let value = match value.try_as_str() {
        Some(Some(text)) => {
            match datafusion::arrow::compute::kernels::cast_utils::string_to_timestamp_nanos(text) {
                Ok(nanos) => ScalarValue::TimestampNanosecond(Some(nanos), None),
                Err(_) => {
                    return plan_err!(
                        "{function}: argument '{name}' must be a timestamp or a date, got the string '{text}'"
                    );
                }
            }
        }
        _ => value,
    };
    let micros = match &value {
        ScalarValue::TimestampSecond(Some(v), _) => v.checked_mul(MICROS_PER_SECOND),
        ScalarValue::TimestampMillisecond(Some(v), _) => v.checked_mul(1_000),
        ScalarValue::TimestampMicrosecond(Some(v), _) => Some(*v),
        ScalarValue::TimestampNanosecond(Some(v), _) => Some(v.div_euclid(1_000)),
        ScalarValue::Date32(Some(days)) => Some(*days as i64 * MICROS_PER_DAY),
        ScalarValue::Date64(Some(ms)) => ms.checked_mul(1_000),
        ScalarValue::Int64(Some(v)) => Some(*v),
        v if v.is_null() => return plan_err!("{function}: argument '{name}' must not be NULL"),
        v => {
            return plan_err!(
                "{function}: argument '{name}' must be a timestamp or a date, got {}",
                v.data_type()
            );
        }
    };
    match micros {
        Some(micros) => Ok(micros),
        None => plan_err!("{function}: argument '{name}' is out of range: {value}"),
    }
}

/// A constant, non-negative window, in the unit of the event times:
/// microseconds for timestamps (an INTERVAL or DURATION, or an integer
/// number of seconds as in ClickHouse), or the integers' own unit.
pub(crate) fn constant_window(
    function: &str,
    name: &str,
    args: &AccumulatorArgs,
    index: usize,
    time_is_timestamp: bool,
) -> Result<i64> {
    let value = constant_argument(function, name, args, index)?;
    let negative = || plan_err!("{function}: argument '{name}' must not be negative, got {value}");
    let integer = match &value {
        ScalarValue::Int8(Some(v)) => Some(*v as i128),
        ScalarValue::Int16(Some(v)) => Some(*v as i128),
        ScalarValue::Int32(Some(v)) => Some(*v as i128),
        ScalarValue::Int64(Some(v)) => Some(*v as i128),
        ScalarValue::UInt8(Some(v)) => Some(*v as i128),
        ScalarValue::UInt16(Some(v)) => Some(*v as i128),
        ScalarValue::UInt32(Some(v)) => Some(*v as i128),
        ScalarValue::UInt64(Some(v)) => Some(*v as i128),
        _ => None,
    };
    if let Some(integer) = integer {
        if integer < 0 {
            return negative();
        }
        let scale = if time_is_timestamp {
            MICROS_PER_SECOND as i128
        } else {
            1
        };
        return Ok((integer * scale).min(i64::MAX as i128) as i64);
    }
    if !time_is_timestamp {
        return plan_err!(
            "{function}: argument '{name}' must be an integer in the unit of the integer event times, got {}",
            value.data_type()
        );
    }
    // A string is read as PostgreSQL reads an interval ('30 days').
    let value = match value.try_as_str() {
        Some(Some(text)) => {
            match datafusion::arrow::compute::kernels::cast_utils::parse_interval_month_day_nano(text) {
                Ok(interval) => ScalarValue::IntervalMonthDayNano(Some(interval)),
                Err(_) => {
                    return plan_err!(
                        "{function}: argument '{name}' must be an INTERVAL or an integer number of seconds, got the string '{text}'"
                    );
                }
            }
        }
        _ => value.clone(),
    };
    let micros: i128 = match &value {
        ScalarValue::IntervalMonthDayNano(Some(v)) if v.months == 0 => {
            v.days as i128 * MICROS_PER_DAY as i128 + v.nanoseconds as i128 / 1_000
        }
        ScalarValue::IntervalDayTime(Some(v)) => {
            v.days as i128 * MICROS_PER_DAY as i128 + v.milliseconds as i128 * 1_000
        }
        ScalarValue::IntervalMonthDayNano(Some(_)) | ScalarValue::IntervalYearMonth(Some(_)) => {
            return plan_err!(
                "{function}: argument '{name}' must not use months or years (they have no fixed length); write days, e.g. INTERVAL '30 days'"
            );
        }
        ScalarValue::DurationSecond(Some(v)) => *v as i128 * MICROS_PER_SECOND as i128,
        ScalarValue::DurationMillisecond(Some(v)) => *v as i128 * 1_000,
        ScalarValue::DurationMicrosecond(Some(v)) => *v as i128,
        ScalarValue::DurationNanosecond(Some(v)) => *v as i128 / 1_000,
        v if v.is_null() => return plan_err!("{function}: argument '{name}' must not be NULL"),
        v => {
            return plan_err!(
                "{function}: argument '{name}' must be an INTERVAL or an integer number of seconds, got {}",
                v.data_type()
            );
        }
    };
    if micros < 0 {
        return negative();
    }
    Ok(micros.min(i64::MAX as i128) as i64)
}

/// The type a window argument is read as: integers, intervals and
/// durations as they are; a string (`'30 days'`, read when the query runs,
/// as an interval). An untyped
/// NULL is a parameter not bound yet (`window_funnel($1, ...)` over the
/// PostgreSQL protocol): planned again with its value's type once bound.
pub(crate) fn coerce_window(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        t if t.is_integer() => Ok(t.clone()),
        DataType::Interval(IntervalUnit::MonthDayNano | IntervalUnit::DayTime | IntervalUnit::YearMonth)
        | DataType::Duration(_)
        | DataType::Null => Ok(data_type.clone()),
        t if is_text(t) => Ok(t.clone()),
        t => plan_err!(
            "{function}: argument '{name}' must be an INTERVAL or an integer number of seconds, got {t}"
        ),
    }
}

/// A guard for the accumulator state arrays a merge receives.
pub(crate) fn expect_state_columns(function: &str, states: &[ArrayRef], count: usize) -> Result<()> {
    if states.len() != count {
        return exec_err!("{function}: expected {count} state columns, got {}", states.len());
    }
    Ok(())
}

/// Amounts and other measures are read as `Float64`.
pub(crate) fn coerce_number(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        t if t.is_numeric() || *t == DataType::Null => Ok(DataType::Float64),
        t => plan_err!("{function}: argument '{name}' must be a number, got {t}"),
    }
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

/// A constant point in time (`as_of`) argument's accepted types: a
/// timestamp or a date, or a string (read as a timestamp when the query
/// runs, so that a bad one is reported by name). An untyped NULL is
/// a parameter not bound yet (`$1` over the PostgreSQL protocol), planned
/// again with its value's type once bound.
pub(crate) fn coerce_instant(function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
    match data_type {
        t @ (DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64) => Ok(t.clone()),
        t if is_text(t) => Ok(t.clone()),
        t => plan_err!("{function}: argument '{name}' must be a timestamp or a date, got {t}"),
    }
}

/// A scalar function's result: a scalar when every argument was one.
pub(crate) fn same_shape(
    args: &[datafusion::logical_expr::ColumnarValue],
    result: ArrayRef,
) -> Result<datafusion::logical_expr::ColumnarValue> {
    use datafusion::logical_expr::ColumnarValue;
    Ok(if args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_))) {
        ColumnarValue::Scalar(ScalarValue::try_from_array(&result, 0)?)
    } else {
        ColumnarValue::Array(result)
    })
}

/// The string literal of a table function's argument `index`; `None` when
/// absent or NULL.
pub(crate) fn literal_argument(
    function: &str,
    name: &str,
    exprs: &[Expr],
    index: usize,
) -> Result<Option<String>> {
    match exprs.get(index) {
        None => Ok(None),
        Some(Expr::Literal(value, _)) if value.try_as_str().is_some() || value.is_null() => {
            Ok(text_of(function, name, value)?.map(str::to_string))
        }
        Some(other) => plan_err!("{function}: argument '{name}' must be a string literal, got {other}"),
    }
}

/// A required string literal argument.
pub(crate) fn required_argument(function: &str, name: &str, exprs: &[Expr], index: usize) -> Result<String> {
    match literal_argument(function, name, exprs, index)? {
        Some(value) => Ok(value),
        None => plan_err!("{function}: argument '{name}' must not be NULL"),
    }
}
