//! DataFusion functions over the `cdpfusion-core` kernels.
//!
//! One module per function family, one file per function. Each function
//! carries its [`Documentation`](datafusion::logical_expr::Documentation), so
//! `SHOW FUNCTIONS` and `information_schema.routines` describe it.

use std::sync::Arc;

use datafusion::catalog::TableFunctionImpl;
use datafusion::logical_expr::{AggregateUDF, Documentation, ScalarUDF};

mod arguments;
pub mod assignment;
mod catalog_cache;
mod fold_accumulator;
pub mod identity;
pub mod journey;
pub mod matching;
pub mod model;
mod own_thread;
pub mod privacy;
pub mod segment;
mod singleton;
mod string_kernel;
mod table_function;
pub mod value;

/// Every scalar function cdpfusion adds to a session.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    let mut functions = identity::scalar_functions();
    functions.extend(privacy::scalar_functions());
    functions.extend(value::scalar_functions());
    functions.extend(segment::scalar_functions());
    functions.extend(matching::scalar_functions());
    functions.extend(model::scalar_functions());
    functions.extend(assignment::scalar_functions());
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

/// Every table function cdpfusion adds to a session.
pub fn all_table_functions() -> Vec<Arc<dyn CdpTableFunction>> {
    let mut functions = identity::table_functions();
    functions.extend(segment::table_functions());
    functions.extend(matching::table_functions());
    functions.extend(model::table_functions());
    functions.extend(assignment::table_functions());
    functions
}
