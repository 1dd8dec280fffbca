//! Running the segment statements against the session's segment catalog.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use cdpfusion_catalog::open_catalog;
use cdpfusion_catalog::{SegmentCatalog, SegmentDefinition};
use cdpfusion_core::segment::Members;
use cdpfusion_udf::segment::{list_segments, segments_schema};

use super::parse::SegmentStatement;

fn segment_error(name: &str, message: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Plan(format!("segment '{name}': {message}"))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Runs a segment statement; returns the rows it reports.
pub async fn execute_segment_statement(
    ctx: &SessionContext,
    statement: SegmentStatement,
) -> Result<RecordBatch> {
    let (catalog, keep) = open_catalog(ctx.state().config_options())?;
    match statement {
        SegmentStatement::Create {
            name,
            or_replace,
            comment,
            query,
        } => {
            if !or_replace && catalog.definition(&name).await?.is_some() {
                return Err(segment_error(
                    &name,
                    "already exists; use CREATE OR REPLACE SEGMENT to change it",
                ));
            }
            // The query runs before anything is written: a bad definition
            // leaves the catalog as it was.
            let members = members_of(ctx, &name, &query).await?;
            let definition = SegmentDefinition {
                name: name.clone(),
                query,
                comment,
                created_at: now(),
            };
            catalog.save_definition(&definition).await?;
            refreshed(&catalog, &name, members, keep).await
        }
        SegmentStatement::Refresh(Some(name)) => refresh(ctx, &catalog, &name, keep).await,
        // Every segment is refreshed even when some fail: each failure is
        // kept in its manifest and reported in its row's `error`.
        SegmentStatement::Refresh(None) => {
            let mut rows = Vec::new();
            for name in catalog.names().await? {
                rows.push(match refresh(ctx, &catalog, &name, keep).await {
                    Ok(row) => row,
                    Err(e) => failed_refresh(&catalog, &name, &e).await?,
                });
            }
            let schema = Arc::new(refresh_schema());
            Ok(datafusion::arrow::compute::concat_batches(&schema, &rows)?)
        }
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

/// The row of a segment whose refresh failed: its membership as it was.
async fn failed_refresh(
    catalog: &SegmentCatalog,
    name: &str,
    error: &DataFusionError,
) -> Result<RecordBatch> {
    let latest = catalog
        .manifest(name)
        .await
        .ok()
        .and_then(|manifest| manifest.snapshots.last().cloned());
    Ok(RecordBatch::try_new(
        Arc::new(refresh_schema()),
        vec![
            Arc::new(StringArray::from(vec![name.to_string()])),
            Arc::new(UInt64Array::from(vec![latest.as_ref().map_or(0, |s| s.size)])),
            Arc::new(UInt64Array::from(vec![0])),
            Arc::new(UInt64Array::from(vec![0])),
            Arc::new(StringArray::from(vec![latest.map(|s| s.refreshed_at)])),
            Arc::new(StringArray::from(vec![Some(error.strip_backtrace())])),
        ],
    )?)
}

/// Re-runs a segment's query. When the query fails, the membership stays as
/// it was, the error is kept in the manifest, and the statement fails.
async fn refresh(
    ctx: &SessionContext,
    catalog: &SegmentCatalog,
    name: &str,
    keep: usize,
) -> Result<RecordBatch> {
    let Some(definition) = catalog.definition(name).await? else {
        return Err(segment_error(name, "does not exist"));
    };
    match members_of(ctx, name, &definition.query).await {
        Ok(members) => refreshed(catalog, name, members, keep).await,
        Err(e) => {
            catalog.save_error(name, &e.to_string()).await?;
            Err(segment_error(
                name,
                format!("refresh failed, membership unchanged: {e}"),
            ))
        }
    }
}

async fn refreshed(
    catalog: &SegmentCatalog,
    name: &str,
    members: Members,
    keep: usize,
) -> Result<RecordBatch> {
    // A damaged previous snapshot counts as empty: the refresh repairs it.
    let before = catalog.members(name, 0).await.ok().flatten().unwrap_or_default();
    let snapshot = catalog.save_snapshot(name, &members, now(), keep).await?;
    Ok(RecordBatch::try_new(
        Arc::new(refresh_schema()),
        vec![
            Arc::new(StringArray::from(vec![name.to_string()])),
            Arc::new(UInt64Array::from(vec![snapshot.size])),
            Arc::new(UInt64Array::from(vec![members.minus(&before).len()])),
            Arc::new(UInt64Array::from(vec![before.minus(&members).len()])),
            Arc::new(StringArray::from(vec![Some(snapshot.refreshed_at)])),
            Arc::new(StringArray::from(vec![None::<String>])),
        ],
    )?)
}

/// The `one_id`s a segment's query returns.
async fn members_of(ctx: &SessionContext, name: &str, query: &str) -> Result<Members> {
    // Checked before anything runs: DataFusion would create a view or a
    // table while planning it.
    let state = ctx.state();
    let dialect = state.config().options().sql_parser.dialect;
    let is_query = matches!(
        state.sql_to_statement(query, &dialect),
        Ok(datafusion::sql::parser::Statement::Statement(statement))
            if matches!(*statement, datafusion::sql::sqlparser::ast::Statement::Query(_))
    );
    if !is_query {
        return Err(segment_error(
            name,
            "the definition must be one query (SELECT ... or WITH ... SELECT ...)",
        ));
    }
    let frame = ctx
        .sql(query)
        .await
        .map_err(|e| segment_error(name, format!("the query failed: {e}")))?;
    let schema = frame.schema().clone();
    let index = match schema.index_of_column_by_name(None, "one_id") {
        Some(i) if schema.field(i).data_type().is_integer() => i,
        _ => {
            let returned: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| format!("{} {}", f.name(), f.data_type()))
                .collect();
            return Err(segment_error(
                name,
                format!(
                    "the query must return a column one_id of an integer type; it returns ({})",
                    returned.join(", ")
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
