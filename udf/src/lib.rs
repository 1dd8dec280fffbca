//! DataFusion functions over the `cdpfusion-core` kernels.
//!
//! One module per function family, one file per function. Each function
//! carries its [`Documentation`](datafusion::logical_expr::Documentation), so
//! `SHOW FUNCTIONS` and `information_schema.routines` describe it.

use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF};

mod arguments;
mod fold_accumulator;
pub mod identity;
pub mod journey;
pub mod privacy;
pub mod segment;
mod string_kernel;
pub mod value;

/// Every scalar function cdpfusion adds to a session.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    let mut functions = identity::scalar_functions();
    functions.extend(privacy::scalar_functions());
    functions.extend(value::scalar_functions());
    functions.extend(segment::scalar_functions());
    functions
}

/// Every aggregate function cdpfusion adds to a session.
pub fn all_aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    let mut functions = journey::aggregate_functions();
    functions.extend(value::aggregate_functions());
    functions
}

/// A cdpfusion table function: its SQL name and documentation beside the
/// implementation (DataFusion's table functions carry neither).
pub trait CdpTableFunction: TableFunctionImpl {
    fn name(&self) -> &'static str;
    fn documentation(&self) -> Option<&Documentation>;
}

/// The schema of one table function call: `schema` with the call's
/// arguments in its metadata. DataFusion compares table function scans by
/// the function's name and schema, not the arguments, and runs scalar
/// subqueries that compare equal once: without this, `(SELECT count(*) FROM
/// segment_members('a'))` and the same over `'b'` would give one answer.
/// The key names the call too: a join of two calls merges their schemas'
/// metadata, which must not hold one key with two values.
pub(crate) fn schema_of_call(schema: &SchemaRef, arguments: &[&str]) -> SchemaRef {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let arguments = arguments.join("\u{1f}");
    let mut hasher = DefaultHasher::new();
    arguments.hash(&mut hasher);
    let mut metadata = schema.metadata().clone();
    metadata.insert(format!("cdpfusion.call.{:016x}", hasher.finish()), arguments);
    Arc::new(schema.as_ref().clone().with_metadata(metadata))
}

/// Every table function cdpfusion adds to a session.
pub fn all_table_functions() -> Vec<Arc<dyn CdpTableFunction>> {
    let mut functions = identity::table_functions();
    functions.extend(segment::table_functions());
    functions
}
