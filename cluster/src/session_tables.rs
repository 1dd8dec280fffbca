//! Tables that live in the client's session (`CREATE TABLE ... AS`, `VALUES`
//! tables, table functions such as `resolve_identities`) have no file an
//! executor could read. A cluster query takes them with it: before the plan
//! leaves the client, each such table is scanned where it lives and its rows
//! travel inside the plan as compressed Arrow IPC, up to
//! [`MAX_SHIPPED_BYTES`]. Parquet and CSV tables travel as their locations,
//! as Ballista sends them.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use async_trait::async_trait;
use ballista_core::planner::scans_only_information_schema;
use ballista_core::serde::BallistaLogicalExtensionCodec;
use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::ipc::CompressionType;
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::{IpcWriteOptions, StreamWriter};
use datafusion::catalog::memory::MemTable;
use datafusion::catalog::view::ViewTable;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Column;
use datafusion::common::TableReference;
use datafusion::common::tree_node::{Transformed, TreeNodeRecursion};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::TaskContext;
use datafusion::execution::context::QueryPlanner;
use datafusion::logical_expr::{
    AggregateUDF, Extension, LogicalPlan, LogicalPlanBuilder, ScalarUDF, TableScan, WindowUDF, col,
};
use datafusion::physical_plan::{ExecutionPlan, collect};
use datafusion_proto::logical_plan::LogicalExtensionCodec;

/// The most a query may take of the session's own tables, compressed: what
/// a client, scheduler and executor accept in one message, with room left.
pub const MAX_SHIPPED_BYTES: usize = 64 << 20;

/// What the cluster's processes accept in one gRPC message.
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// Starts a table's rows in a plan, so a codec that meets other bytes hands
/// them on to Ballista's.
const MAGIC: &[u8; 8] = b"CDPROWS1";

/// Ballista's planner, after the session's own tables are turned into rows.
#[derive(Debug)]
pub struct ShipSessionTables {
    pub inner: Arc<dyn QueryPlanner + Send + Sync>,
}

#[async_trait]
impl QueryPlanner for ShipSessionTables {
    async fn create_physical_plan(
        &self,
        plan: &LogicalPlan,
        session: &dyn Session,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // Ballista runs these where they were planned.
        if scans_only_information_schema(plan)? {
            return self.inner.create_physical_plan(plan, session).await;
        }
        let plan = with_empty_relations_as_tables(plan.clone())?;
        let plan = with_session_tables_as_rows(plan, session).await?;
        self.inner.create_physical_plan(&plan, session).await
    }
}

/// Whether Ballista's own codec can send the table (by its location or its
/// definition), or this module's (its rows).
fn travels_as_is(provider: &dyn TableProvider) -> bool {
    provider.is::<ListingTable>() || provider.is::<ViewTable>() || provider.is::<MemTable>()
}

async fn with_session_tables_as_rows(plan: LogicalPlan, session: &dyn Session) -> Result<LogicalPlan> {
    let mut scans: Vec<TableScan> = Vec::new();
    plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node
            && !travels_as_is(source_as_provider(&scan.source)?.as_ref())
        {
            scans.push(scan.clone());
        }
        Ok(TreeNodeRecursion::Continue)
    })?;
    if scans.is_empty() {
        return Ok(plan);
    }
    // Scanned with the scan's own filters and limit: a provider that applied
    // a filter exactly had it removed from the plan above it.
    let mut as_rows: HashMap<String, Arc<dyn TableProvider>> = HashMap::new();
    for scan in &scans {
        let key = scan_key(scan);
        if as_rows.contains_key(&key) {
            continue;
        }
        let provider = source_as_provider(&scan.source)?;
        let physical = provider.scan(session, None, &scan.filters, scan.fetch).await?;
        let batches = collect(physical, session.task_ctx()).await?;
        let table = MemTable::try_new(provider.schema(), vec![batches])?;
        as_rows.insert(key, Arc::new(table));
    }
    let rewritten = plan.transform_up_with_subqueries(|node| match node {
        LogicalPlan::TableScan(mut scan) => match as_rows.get(&scan_key(&scan)) {
            Some(table) => {
                scan.source = provider_as_source(Arc::clone(table));
                Ok(Transformed::yes(LogicalPlan::TableScan(scan)))
            }
            None => Ok(Transformed::no(LogicalPlan::TableScan(scan))),
        },
        other => Ok(Transformed::no(other)),
    })?;
    Ok(rewritten.data)
}

/// DataFusion's plan format keeps no schema for an empty relation, which
/// its optimizer leaves where a filter can never hold; the plan read back
/// then lacks the columns above it. An empty table with those columns,
/// renamed to them, travels with the plan instead.
fn with_empty_relations_as_tables(plan: LogicalPlan) -> Result<LogicalPlan> {
    let rewritten = plan.transform_up_with_subqueries(|node| match node {
        // (Columns of one name under two qualifiers cannot be one table's.)
        LogicalPlan::EmptyRelation(empty)
            if !empty.produce_one_row
                && !empty.schema.fields().is_empty()
                && names_are_unique(&empty.schema) =>
        {
            let columns = Arc::clone(empty.schema.inner());
            let table = MemTable::try_new(Arc::clone(&columns), vec![vec![]])?;
            let scan = LogicalPlanBuilder::scan("empty_relation", provider_as_source(Arc::new(table)), None)?;
            let renamed = empty.schema.iter().map(|(qualifier, field)| {
                let column = col(Column::new(Some("empty_relation"), field.name()));
                match qualifier {
                    Some(qualifier) => column.alias_qualified(Some(qualifier.clone()), field.name()),
                    None => column.alias(field.name()),
                }
            });
            Ok(Transformed::yes(scan.project(renamed)?.build()?))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(rewritten.data)
}

fn names_are_unique(schema: &datafusion::common::DFSchema) -> bool {
    let mut names = std::collections::HashSet::new();
    schema.fields().iter().all(|field| names.insert(field.name()))
}

/// Scans of one table with the same filters and limit read the same rows.
fn scan_key(scan: &TableScan) -> String {
    format!(
        "{:p}|{}|{:?}|{:?}",
        Arc::as_ptr(&scan.source) as *const (),
        scan.table_name,
        scan.filters,
        scan.fetch
    )
}

/// A string view column keeps the buffers its values point into, often
/// those of a whole input (a table function's rows point into the records
/// it read); Arrow IPC writes them whole. Only the bytes the rows use go.
fn without_unused_view_buffers(batch: &RecordBatch) -> Result<RecordBatch> {
    let columns: Vec<ArrayRef> = batch
        .columns()
        .iter()
        .map(|column| match column.data_type() {
            DataType::Utf8View => Arc::new(column.as_string_view().gc()) as ArrayRef,
            DataType::BinaryView => Arc::new(column.as_binary_view().gc()) as ArrayRef,
            _ => Arc::clone(column),
        })
        .collect();
    Ok(RecordBatch::try_new(batch.schema(), columns)?)
}

/// Ballista's codec, and rows for in-memory tables.
#[derive(Debug, Default)]
pub struct SessionTableCodec {
    ballista: BallistaLogicalExtensionCodec,
}

impl LogicalExtensionCodec for SessionTableCodec {
    fn try_decode(&self, buf: &[u8], inputs: &[LogicalPlan], ctx: &TaskContext) -> Result<Extension> {
        self.ballista.try_decode(buf, inputs, ctx)
    }

    fn try_encode(&self, node: &Extension, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode(node, buf)
    }

    fn try_decode_table_provider(
        &self,
        buf: &[u8],
        table_ref: &TableReference,
        schema: SchemaRef,
        ctx: &TaskContext,
    ) -> Result<Arc<dyn TableProvider>> {
        match buf.strip_prefix(MAGIC.as_slice()) {
            Some(ipc) => {
                let batches = StreamReader::try_new(Cursor::new(ipc), None)?
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                Ok(Arc::new(MemTable::try_new(schema, vec![batches])?))
            }
            None => self
                .ballista
                .try_decode_table_provider(buf, table_ref, schema, ctx),
        }
    }

    fn try_encode_table_provider(
        &self,
        table_ref: &TableReference,
        node: Arc<dyn TableProvider>,
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let Some(table) = node.downcast_ref::<MemTable>() else {
            return self.ballista.try_encode_table_provider(table_ref, node, buf);
        };
        let mut batches: Vec<RecordBatch> = Vec::new();
        for partition in &table.batches {
            let partition = partition.try_read().map_err(|_| {
                DataFusionError::Execution(format!(
                    "table '{table_ref}' is being written; a cluster query cannot take its rows now"
                ))
            })?;
            for batch in partition.iter() {
                batches.push(without_unused_view_buffers(batch)?);
            }
        }
        let start = buf.len();
        buf.extend_from_slice(MAGIC);
        let options = IpcWriteOptions::default().try_with_compression(Some(CompressionType::LZ4_FRAME))?;
        let mut writer = StreamWriter::try_new_with_options(&mut *buf, &table.schema(), options)?;
        for batch in &batches {
            writer.write(batch)?;
        }
        writer.finish()?;
        drop(writer);
        let shipped = buf.len() - start;
        if shipped > MAX_SHIPPED_BYTES {
            return Err(DataFusionError::Plan(format!(
                "table '{table_ref}' lives in this session ({} rows, {} MiB compressed), more than the {} MiB a cluster query takes with it; write it where the executors can read it (COPY (SELECT ...) TO 'dir/' STORED AS PARQUET, then CREATE EXTERNAL TABLE)",
                batches.iter().map(RecordBatch::num_rows).sum::<usize>(),
                shipped >> 20,
                MAX_SHIPPED_BYTES >> 20
            )));
        }
        Ok(())
    }

    fn try_decode_file_format(
        &self,
        buf: &[u8],
        ctx: &TaskContext,
    ) -> Result<Arc<dyn datafusion::datasource::file_format::FileFormatFactory>> {
        self.ballista.try_decode_file_format(buf, ctx)
    }

    fn try_encode_file_format(
        &self,
        buf: &mut Vec<u8>,
        node: Arc<dyn datafusion::datasource::file_format::FileFormatFactory>,
    ) -> Result<()> {
        self.ballista.try_encode_file_format(buf, node)
    }

    fn try_decode_udf(&self, name: &str, buf: &[u8]) -> Result<Arc<ScalarUDF>> {
        self.ballista.try_decode_udf(name, buf)
    }

    fn try_encode_udf(&self, node: &ScalarUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udf(node, buf)
    }

    fn try_decode_udaf(&self, name: &str, buf: &[u8]) -> Result<Arc<AggregateUDF>> {
        self.ballista.try_decode_udaf(name, buf)
    }

    fn try_encode_udaf(&self, node: &AggregateUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udaf(node, buf)
    }

    fn try_decode_udwf(&self, name: &str, buf: &[u8]) -> Result<Arc<WindowUDF>> {
        self.ballista.try_decode_udwf(name, buf)
    }

    fn try_encode_udwf(&self, node: &WindowUDF, buf: &mut Vec<u8>) -> Result<()> {
        self.ballista.try_encode_udwf(node, buf)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Int64Type, Schema};
    use datafusion::prelude::SessionContext;

    use super::*;

    /// One row of a table whose strings point into a buffer of 10,000:
    /// what a table function's output looks like beside its input.
    fn one_row_of_many() -> (SchemaRef, RecordBatch) {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8View, true),
        ]));
        let names: StringViewArray = (0..10_000)
            .map(|i| Some(format!("a name long enough to live in a buffer, number {i}")))
            .collect();
        let ids = Int64Array::from_iter_values(0..10_000);
        let all = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(ids), Arc::new(names)]).unwrap();
        (schema, all.slice(7, 1))
    }

    #[test]
    fn a_session_table_travels_as_its_rows_and_only_their_bytes() {
        let (schema, row) = one_row_of_many();
        let table: Arc<dyn TableProvider> =
            Arc::new(MemTable::try_new(Arc::clone(&schema), vec![vec![row]]).unwrap());
        let codec = SessionTableCodec::default();
        let mut buf = Vec::new();
        codec
            .try_encode_table_provider(&TableReference::bare("t"), table, &mut buf)
            .unwrap();
        // The buffer behind the other 9,999 names (about 500 KB) stays home.
        assert!(buf.len() < 4_096, "{} bytes", buf.len());
        let ctx = SessionContext::new();
        let decoded = codec
            .try_decode_table_provider(&buf, &TableReference::bare("t"), schema, &ctx.task_ctx())
            .unwrap();
        let decoded = decoded.downcast_ref::<MemTable>().unwrap();
        let batches = decoded.batches[0].try_read().unwrap().clone();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].column(0).as_primitive::<Int64Type>().value(0), 7);
        assert_eq!(
            batches[0].column(1).as_string_view().value(0),
            "a name long enough to live in a buffer, number 7"
        );
    }
}
