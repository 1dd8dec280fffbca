//! Arguments that must be constants: windows, modes, rules, `as_of` and
//! keys. DataFusion folds constant expressions (`now()`, `INTERVAL '30
//! days' * 2`) to literals before these run.

use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::Schema;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::physical_expr::expressions::Literal;

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

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

/// The value of a scalar function's argument that must be a constant
/// string, such as a region code or a key. NULL gives `None`.
pub(crate) fn constant_string(function: &str, name: &str, value: &ColumnarValue) -> Result<Option<String>> {
    match value {
        ColumnarValue::Scalar(scalar) => Ok(text_of(function, name, scalar)?.map(str::to_string)),
        ColumnarValue::Array(_) => {
            exec_err!("{function}: argument '{name}' must be a constant, not a column")
        }
    }
}

/// A JSON-object argument (a table function's options): its entries, or
/// the error naming the function and the argument.
pub(crate) fn json_object(
    function: &str,
    name: &str,
    json: &str,
) -> Result<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_str(json) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(_) => plan_err!("{function}: argument '{name}': expected a JSON object"),
        Err(e) => plan_err!("{function}: argument '{name}': invalid JSON: {e}"),
    }
}
