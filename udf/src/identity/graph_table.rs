//! What the table functions of one persistent identity graph share
//! (`identity_map`, `identity_changes`): the graph's name as the one
//! argument, and rows read from the catalog when the table is scanned.

use std::future::Future;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{TableFunctionArgs, TableProvider};
use datafusion::common::Result;
use futures::FutureExt;

use cdpfusion_catalog::IdentityGraphs;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::segment::segment_table::segment_table;

const PARAMETERS: Parameters = Parameters::List(&[required("graph", ArgumentKind::Text)]);

/// The table of `function('graph')`: `load` gives its rows from the
/// catalog's identity graphs and the graph's name.
pub(crate) fn graph_table<F, Rows>(
    function: &str,
    args: TableFunctionArgs,
    schema: &SchemaRef,
    load: F,
) -> Result<Arc<dyn TableProvider>>
where
    F: Fn(IdentityGraphs, String) -> Rows + Send + Sync + 'static,
    Rows: Future<Output = Result<RecordBatch>> + Send + 'static,
{
    let ([graph], []) = PARAMETERS.literals(function, args.exprs())?;
    let called_with = graph.clone();
    let load = Arc::new(load);
    Ok(segment_table(
        schema,
        &[called_with.as_str()],
        Arc::new(move |catalog| load(catalog.identity_graphs(), graph.clone()).boxed()),
    ))
}
