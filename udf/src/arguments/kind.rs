//! What one argument accepts and the type DataFusion casts it to before the
//! function sees it. Each kind has one error wording, naming the function,
//! the argument and what it takes.

use datafusion::arrow::datatypes::{DataType, IntervalUnit, TimeUnit};
use datafusion::common::{Result, plan_err};

use cdpfusion_core::assignment::tags::{TAG_TYPES, is_tag_type};

/// The kinds of argument cdpfusion's functions take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgumentKind {
    /// Any string encoding, kept as it is (rules JSON, keys, region codes):
    /// no cast of a large `Utf8View` column. An untyped NULL is read as `Utf8`.
    Text,
    /// A short string read as `Utf8` (statuses, segment names).
    Utf8,
    /// A string, or an integer read as its decimal digits (phone numbers
    /// often sit in BIGINT columns).
    TextOrInteger,
    /// An event name, read as `Utf8View` (what Parquet scans give), from any
    /// string or dictionary of strings.
    EventName,
    /// An event time: timestamps in microseconds keeping their time zone
    /// (so the instant does not move), dates as timestamps at midnight UTC,
    /// integers as `Int64` in their own unit.
    EventTime,
    /// An event time that must be a point in time, not an integer.
    Timestamp,
    /// A constant point in time (`as_of`): a timestamp or a date, or a
    /// string read as a timestamp when the query runs (so that a bad one is
    /// reported by name).
    Instant,
    /// A window: integers, intervals and durations as they are, or a string
    /// read as an interval ('30 days') when the query runs.
    Window,
    /// A boolean condition; NULL counts as false.
    Condition,
    /// An amount or another measure, read as `Float64`.
    Number,
    /// An integer, read as `Int64`.
    Integer,
    /// Tags: a list of strings, or a map of string to weight, as it is.
    Tags,
}

impl ArgumentKind {
    /// The type an argument of `data_type` is read as, or the error that
    /// names `function`, the argument `name` and what it takes.
    ///
    /// An untyped NULL is accepted by every kind: it is also what a
    /// parameter not bound yet looks like (`$1` over the PostgreSQL
    /// protocol), planned again with its value's type once bound.
    pub fn coerce(self, function: &str, name: &str, data_type: &DataType) -> Result<DataType> {
        use ArgumentKind::*;
        let coerced = match (self, data_type) {
            (Text | TextOrInteger, t) if t.is_string() => Some(t.clone()),
            (Text | Utf8 | TextOrInteger, DataType::Null) => Some(DataType::Utf8),
            (Utf8, t) if t.is_string() => Some(DataType::Utf8),
            (TextOrInteger, t) if t.is_integer() => Some(DataType::Utf8),
            (EventName, t) if t.is_string() || t.is_null() => Some(DataType::Utf8View),
            (EventName, DataType::Dictionary(_, value)) if value.is_string() => Some(DataType::Utf8View),
            (EventTime, t) if t.is_integer() => Some(DataType::Int64),
            (EventTime | Timestamp, DataType::Timestamp(_, tz)) => {
                Some(DataType::Timestamp(TimeUnit::Microsecond, tz.clone()))
            }
            (EventTime | Timestamp, DataType::Date32 | DataType::Date64 | DataType::Null) => {
                Some(DataType::Timestamp(TimeUnit::Microsecond, None))
            }
            (Instant, t @ (DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64)) => {
                Some(t.clone())
            }
            (Instant, t) if t.is_string() || t.is_null() => Some(t.clone()),
            (Window, t) if t.is_integer() || t.is_string() || t.is_null() => Some(t.clone()),
            (
                Window,
                t @ (DataType::Interval(
                    IntervalUnit::MonthDayNano | IntervalUnit::DayTime | IntervalUnit::YearMonth,
                )
                | DataType::Duration(_)),
            ) => Some(t.clone()),
            (Condition, DataType::Boolean | DataType::Null) => Some(DataType::Boolean),
            (Number, t) if t.is_numeric() || t.is_null() => Some(DataType::Float64),
            (Integer, t) if t.is_integer() || t.is_null() => Some(DataType::Int64),
            (Tags, t) if is_tag_type(t) => Some(t.clone()),
            _ => None,
        };
        match coerced {
            Some(coerced) => Ok(coerced),
            None => plan_err!(
                "{function}: argument '{name}' must be {}, got {data_type}",
                self.expected()
            ),
        }
    }

    /// What the kind takes, as the error messages say it.
    pub fn expected(self) -> &'static str {
        use ArgumentKind::*;
        match self {
            Text | Utf8 | EventName => "a string",
            TextOrInteger => "a string or an integer",
            EventTime => "a timestamp, a date or an integer",
            Timestamp | Instant => "a timestamp or a date",
            Window => "an INTERVAL or an integer number of seconds",
            Condition => "a boolean condition",
            Number => "a number",
            Integer => "an integer",
            Tags => TAG_TYPES,
        }
    }
}

/// A string type, or an untyped NULL that stands for one (the columns a
/// table function's query must return are checked with it).
pub(crate) fn is_text(data_type: &DataType) -> bool {
    data_type.is_string() || data_type.is_null()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_its_types_and_names_what_it_takes() {
        use ArgumentKind::*;
        let date = DataType::Date32;
        let micros = DataType::Timestamp(TimeUnit::Microsecond, None);
        assert_eq!(Timestamp.coerce("f", "ts", &date).unwrap(), micros);
        assert_eq!(
            EventTime.coerce("f", "ts", &DataType::Int32).unwrap(),
            DataType::Int64
        );
        assert_eq!(
            Text.coerce("f", "x", &DataType::Utf8View).unwrap(),
            DataType::Utf8View
        );
        assert_eq!(
            Utf8.coerce("f", "x", &DataType::Utf8View).unwrap(),
            DataType::Utf8
        );
        assert_eq!(
            TextOrInteger.coerce("f", "x", &DataType::Int64).unwrap(),
            DataType::Utf8
        );
        let error = Timestamp
            .coerce("f", "ts", &DataType::Int64)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("f: argument 'ts' must be a timestamp or a date, got Int64"),
            "{error}"
        );
        let error = Condition
            .coerce("f", "cond1", &DataType::Utf8)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("f: argument 'cond1' must be a boolean condition, got Utf8"),
            "{error}"
        );
    }
}
