//! The built-in automotive dataset and the demo: `generate` writes the
//! dataset's Parquet files with the truth of who is who, `demo` runs the
//! reference pipeline of `datagen/demo/*.sql` on it. The binary, the tests,
//! the benches and the Python package use both.

pub mod demo;
pub mod generate;
