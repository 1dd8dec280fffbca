//! cdpfusion's kernels: plain Rust over Arrow arrays, with no SQL in them.
//!
//! Each module holds one family of algorithms; the `cdpfusion-udf` crate wraps
//! them as DataFusion functions.

pub mod assignment;
pub mod bucket_sort;
pub mod identity;
pub mod journey;
pub mod key_index;
pub mod matching;
pub mod prefetch;
pub mod privacy;
pub mod segment;
pub mod text;
pub mod value;
