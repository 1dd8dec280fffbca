//! What can go wrong while reading rows or resolving them.

use std::fmt;

/// An error of the resolver, worded for the user; the SQL layer prefixes
/// the function's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    /// A column of a type the resolver does not read.
    ColumnType {
        column: &'static str,
        expected: &'static str,
        got: String,
    },
    /// More distinct values of something than can be numbered.
    Capacity(String),
    /// The rules cannot be applied (a block-list pattern that does not compile).
    Rules(String),
    /// The previous mapping gives one identifier two one_ids.
    PreviousConflict {
        id_type: String,
        id_value: String,
        first: i64,
        second: i64,
    },
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::ColumnType {
                column,
                expected,
                got,
            } => {
                write!(f, "{column} must be {expected}, got {got}")
            }
            ResolveError::Capacity(message) | ResolveError::Rules(message) => f.write_str(message),
            ResolveError::PreviousConflict {
                id_type,
                id_value,
                first,
                second,
            } => write!(
                f,
                "the previous mapping gives {id_type} '{id_value}' two one_ids, {first} and {second}"
            ),
        }
    }
}

impl std::error::Error for ResolveError {}
