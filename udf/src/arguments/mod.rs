//! Everything about a function's arguments, in one place so that one kind of
//! argument gets one error wording everywhere:
//! - [`kind`]: what an argument accepts and the type it is read as;
//! - [`parameters`]: each function's declared argument table, which checks
//!   the count, coerces the types and reads table functions' literals;
//! - [`constants`]: arguments that must be constants (windows, modes,
//!   rules, `as_of`);
//! - [`columns`]: reading the coerced columns (event times, amounts,
//!   conditions) and shaping a scalar function's result.

pub(crate) mod columns;
pub(crate) mod constants;
pub(crate) mod kind;
pub(crate) mod parameters;

pub(crate) use columns::*;
pub(crate) use constants::*;
pub(crate) use kind::{ArgumentKind, is_text};
pub(crate) use parameters::{Parameters, optional, required};
