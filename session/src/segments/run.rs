//! Running the segment statements: the catalog (`cdpfusion_catalog`) does
//! each operation; this module runs a definition's query for it and turns
//! what it reports into rows.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use datafusion::error::Result;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use cdpfusion_catalog::{Refreshed, SegmentDefinition, open_catalog, segment_error};
use cdpfusion_core::segment::Members;
use cdpfusion_udf::segment::{list_segments, segments_schema};

use super::parse::SegmentStatement;
use crate::statement_syntax::{describe_columns, plan_one_query};

/// Runs a segment statement; returns the rows it reports.
pub async fn execute_segment_statement(
    ctx: &SessionContext,
    statement: SegmentStatement,
) -> Result<RecordBatch> {
    let (catalog, keep) = open_catalog(ctx.state().config_options())?;
    let run = |definition: SegmentDefinition| async move {
        members_of(ctx, &definition.name, &definition.query).await
    };
    match statement {
        SegmentStatement::Create {
            name,
            or_replace,
            comment,
            query,
        } => {
            let definition = SegmentDefinition::new(name, query, comment);
            refresh_rows(&[catalog.create(definition, or_replace, keep, run).await?])
        }
        SegmentStatement::Refresh(Some(name)) => refresh_rows(&[catalog.refresh(&name, keep, run).await?]),
        SegmentStatement::Refresh(None) => refresh_rows(&catalog.refresh_all(keep, run).await?),
        SegmentStatement::Drop { name, if_exists } => {
            let dropped = catalog.drop_segment(&name).await?;
            if !dropped && !if_exists {
                return Err(segment_error(&name, "does not exist"));
            }
            Ok(RecordBatch::try_new(
                Arc::new(drop_schema()),
                vec![
                    Arc::new(StringArray::from(vec![name])),
                    Arc::new(BooleanArray::from(vec![dropped])),
                ],
            )?)
        }
        SegmentStatement::Show => list_segments(&catalog).await,
    }
}

/// The columns a segment statement returns, known before it runs (a
/// prepared statement describes its result before executing).
pub fn segment_statement_schema(statement: &SegmentStatement) -> SchemaRef {
    match statement {
        SegmentStatement::Create { .. } | SegmentStatement::Refresh(_) => Arc::new(refresh_schema()),
        SegmentStatement::Drop { .. } => Arc::new(drop_schema()),
        SegmentStatement::Show => segments_schema(),
    }
}

fn drop_schema() -> Schema {
    Schema::new(vec![
        Field::new("segment", DataType::Utf8, false),
        Field::new("dropped", DataType::Boolean, false),
    ])
}

fn refresh_schema() -> Schema {
    Schema::new(vec![
        Field::new("segment", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, false),
        Field::new("entered", DataType::UInt64, false),
        Field::new("exited", DataType::UInt64, false),
        Field::new("refreshed_at", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
    ])
}

/// How many rows of a `REFRESH SEGMENTS` result report a failure.
pub fn failed_refreshes(batch: &RecordBatch) -> usize {
    batch
        .column_by_name("error")
        .map_or(0, |errors| errors.len() - errors.null_count())
}

/// The rows of `CREATE SEGMENT` and `REFRESH SEGMENT[S]`.
fn refresh_rows(rows: &[Refreshed]) -> Result<RecordBatch> {
    let column =
        |value: fn(&Refreshed) -> u64| Arc::new(UInt64Array::from_iter_values(rows.iter().map(value)));
    Ok(RecordBatch::try_new(
        Arc::new(refresh_schema()),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.name))),
            column(|r| r.size),
            column(|r| r.entered),
            column(|r| r.exited),
            Arc::new(StringArray::from_iter(
                rows.iter().map(|r| r.refreshed_at.as_deref()),
            )),
            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.error.as_deref()))),
        ],
    )?)
}

/// The `one_id`s a segment's query returns.
async fn members_of(ctx: &SessionContext, name: &str, query: &str) -> Result<Members> {
    let frame = plan_one_query(ctx, query, "the definition", |e| segment_error(name, e)).await?;
    let schema = frame.schema().clone();
    let index = match schema.index_of_column_by_name(None, "one_id") {
        Some(i) if schema.field(i).data_type().is_integer() => i,
        _ => {
            return Err(segment_error(
                name,
                format!(
                    "the query must return a column one_id of an integer type; it returns ({})",
                    describe_columns(&schema)
                ),
            ));
        }
    };
    let mut ids = Vec::new();
    let mut batches = frame.execute_stream().await?;
    while let Some(batch) = batches.next().await {
        let batch = batch.map_err(|e| segment_error(name, format!("the query failed: {e}")))?;
        let column: ArrayRef = cast(batch.column(index), &DataType::Int64)?;
        ids.extend(column.as_primitive::<Int64Type>().iter().flatten());
    }
    Ok(Members::from_ids(ids))
}
