//! The table both One-ID table functions return: the query is resolved when
//! the table is scanned, and the rows (identifiers or records) are written
//! out in batches, only the columns the query reads.

use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, StringBuilder};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::{Result, plan_err};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use futures::TryStreamExt;

use cdpfusion_core::identity::resolve::Resolution;
use cdpfusion_core::identity::rules::Rules;

use super::resolution_plan::{PlannedResolution, rules_argument};
use crate::arguments::required_argument;

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

#[derive(Debug)]
pub(crate) struct ResolutionTable {
    output: ResolutionOutput,
    query: String,
    rules: Arc<Rules>,
    schema: SchemaRef,
}

impl ResolutionTable {
    /// The table of one call `function(query [, rules_json])`, whose full
    /// output schema is `schema`.
    pub fn for_call(
        output: ResolutionOutput,
        args: TableFunctionArgs,
        schema: &SchemaRef,
    ) -> Result<Arc<dyn TableProvider>> {
        let (function, exprs) = (output.function, args.exprs());
        if exprs.is_empty() || exprs.len() > 2 {
            return plan_err!(
                "{function}: expected (query [, rules_json]), got {} arguments",
                exprs.len()
            );
        }
        let query = required_argument(function, "query", exprs, 0)?;
        let rules = rules_argument(function, exprs, 1)?;
        let schema = crate::schema_of_call(schema, &[&query, &format!("{rules:?}")]);
        Ok(Arc::new(ResolutionTable {
            output,
            query,
            rules,
            schema,
        }))
    }
}

#[async_trait]
impl TableProvider for ResolutionTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        session: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planned =
            PlannedResolution::plan(self.output.function, session, &self.query, self.rules.clone()).await?;
        // Only the columns the query reads are built: `count(DISTINCT
        // one_id)` over millions of identifiers skips three text columns.
        let columns: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let schema = Arc::new(self.schema.project(&columns)?);
        let stream = Arc::new(ResolutionStream {
            output: self.output,
            planned,
            schema: schema.clone(),
            columns,
        });
        Ok(Arc::new(StreamingTableExec::try_new(
            schema,
            vec![stream],
            None,
            vec![],
            false,
            limit,
        )?))
    }
}

#[derive(Debug)]
struct ResolutionStream {
    output: ResolutionOutput,
    planned: PlannedResolution,
    /// The projected output schema.
    schema: SchemaRef,
    /// The output columns to build, as positions in the full schema.
    columns: Vec<usize>,
}

/// Rows per output batch.
const OUTPUT_BATCH_ROWS: usize = 8192;

impl PartitionStream for ResolutionStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let planned = self.planned.clone();
        let (schema, columns, output) = (self.schema.clone(), self.columns.clone(), self.output);
        let resolved = async move { planned.run(ctx, output.records).await.map(Arc::new) };
        let batches = futures::stream::once(resolved)
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
            .try_flatten();
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
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
