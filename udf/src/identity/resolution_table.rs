//! The table both One-ID table functions return: the query is resolved when
//! the table is scanned, and the rows (identifiers or records) are written
//! out in batches, only the columns the query reads.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringBuilder};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::Result;
use datafusion::physical_plan::ExecutionPlan;
use futures::{StreamExt, TryStreamExt};

use cdpfusion_core::identity::resolve::Resolution;

use super::resolution_plan::{CallRules, PlannedResolution, rules_argument};
use crate::arguments::{ArgumentKind, Parameters, optional, required};
use crate::table_function::{CallScan, CallTable, Produce, deferred_plan};

/// What a function returns of a resolution: which rows, and each column.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResolutionOutput {
    pub function: &'static str,
    /// Whether the rows are records (the record map is built) or identifiers.
    pub records: bool,
    pub rows: fn(&Resolution) -> usize,
    /// Column `column` (a position in the function's full schema) for `rows`.
    pub column: fn(&Resolution, usize, Range<usize>) -> ArrayRef,
}

/// What scanning a One-ID call does: resolve its query.
#[derive(Debug)]
struct ResolutionScan {
    output: ResolutionOutput,
    query: String,
    rules: Arc<CallRules>,
}

/// The arguments of `resolve_identities` and `resolve_records`.
const PARAMETERS: Parameters = Parameters::List(&[
    required("query", ArgumentKind::Text),
    optional("rules_json", ArgumentKind::Text),
]);

/// The table of one call `function(query [, rules_json])`, whose full
/// output schema is `schema`.
pub(crate) fn resolution_table(
    output: ResolutionOutput,
    args: TableFunctionArgs,
    schema: &SchemaRef,
) -> Result<Arc<dyn TableProvider>> {
    let function = output.function;
    let ([query], [rules]) = PARAMETERS.literals(function, args.exprs())?;
    let rules = rules_argument(function, rules.as_deref())?;
    let called_with = [query.as_str(), &format!("{rules:?}")].map(str::to_string);
    let scan = ResolutionScan { output, query, rules };
    Ok(CallTable::new(
        schema,
        &called_with.each_ref().map(String::as_str),
        scan,
    ))
}

/// Rows per output batch.
const OUTPUT_BATCH_ROWS: usize = 8192;

#[async_trait]
impl CallScan for ResolutionScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planned =
            PlannedResolution::plan(self.output.function, session, &self.query, self.rules.clone()).await?;
        // Only the columns the query reads are built: `count(DISTINCT
        // one_id)` over millions of identifiers skips three text columns.
        let columns: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..schema.fields().len()).collect(),
        };
        let projected = Arc::new(schema.project(&columns)?);
        let output = self.output;
        let produce: Produce = Arc::new(move |ctx, schema| {
            let (planned, columns) = (planned.clone(), columns.clone());
            let resolved = async move { planned.run(ctx, output.records).await.map(Arc::new) };
            futures::stream::once(resolved)
                .map_ok(move |resolution| {
                    let len = (output.rows)(&resolution);
                    let chunks = len.div_ceil(OUTPUT_BATCH_ROWS);
                    let (schema, columns) = (schema.clone(), columns.clone());
                    futures::stream::iter((0..chunks).map(move |c| {
                        let start = c * OUTPUT_BATCH_ROWS;
                        let rows = start..(start + OUTPUT_BATCH_ROWS).min(len);
                        let arrays = columns
                            .iter()
                            .map(|&column| (output.column)(&resolution, column, rows.clone()));
                        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
                        Ok(RecordBatch::try_new_with_options(
                            schema.clone(),
                            arrays.collect(),
                            &options,
                        )?)
                    }))
                })
                .try_flatten()
                .boxed()
        });
        deferred_plan(&projected, None, limit, produce)
    }
}

/// A text column of `rows`, NULL where `text` gives `None`.
pub(crate) fn text_column<'a>(
    rows: Range<usize>,
    bytes_per_row: usize,
    text: impl Fn(usize) -> Option<&'a str>,
) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(rows.len(), rows.len() * bytes_per_row);
    for i in rows {
        builder.append_option(text(i));
    }
    Arc::new(builder.finish())
}
