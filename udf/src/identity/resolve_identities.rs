use std::ops::Range;
use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, RecordBatchOptions, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{Result, plan_err};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::logical_expr::{Documentation, Expr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream};
use datafusion_macros::user_doc;
use futures::TryStreamExt;

use cdpfusion_core::identity::resolve::Resolution;
use cdpfusion_core::identity::rules::Rules;

use super::resolution_plan::{PlannedResolution, rules_argument};
use crate::arguments::required_argument;

const NAME: &str = "resolve_identities";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: merges identifiers seen in the same record into persons (One-ID). `query` is SQL returning `record_id` (text or integer), `id_type` and `id_value` (text). Returns one row per distinct identifier: `id_type, id_value, one_id, cluster_size, status`, where status is `merged`, `singleton`, `shared` (linked to too many others, kept out of merging), `refused` (a merge through it would break `max_per_person`) or `blocked` (a junk value). The same rows give the same one_ids whatever their order.",
    syntax_example = "resolve_identities(query [, rules_json])",
    sql_example = r#"```sql
> SELECT id_type, id_value, cluster_size, status FROM resolve_identities('SELECT * FROM (VALUES (''crm1'', ''crm_id'', ''C1''), (''crm1'', ''phone'', ''+8613800138000''), (''lead7'', ''phone'', ''+8613800138000''), (''lead7'', ''wechat_openid'', ''oX1''), (''lead8'', ''phone'', ''unknown'')) AS t(record_id, id_type, id_value)') ORDER BY id_type, id_value;
+---------------+----------------+--------------+---------+
| id_type       | id_value       | cluster_size | status  |
+---------------+----------------+--------------+---------+
| crm_id        | C1             | 3            | merged  |
| phone         | +8613800138000 | 3            | merged  |
| phone         | unknown        | 1            | blocked |
| wechat_openid | oX1            | 3            | merged  |
+---------------+----------------+--------------+---------+
```"#,
    argument(
        name = "query",
        description = "SQL text (a string literal) returning the columns record_id, id_type, id_value."
    ),
    argument(
        name = "rules_json",
        description = "Optional JSON rules: `types` ({\"phone\": {\"priority\": 30, \"max_per_person\": 3}, ...}), `max_identifier_degree` (default 50), `max_links_per_type` (default 5), `block` ({\"values\": [...], \"patterns\": [...]}), `previous` (a table or query of id_type, id_value, one_id from an earlier run, whose ids are kept). See docs/one-id.md."
    )
)]
#[derive(Debug, Default)]
pub struct ResolveIdentitiesFunc;

impl crate::CdpTableFunction for ResolveIdentitiesFunc {
    fn name(&self) -> &'static str {
        NAME
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

pub static OUTPUT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("id_type", DataType::Utf8, false),
        Field::new("id_value", DataType::Utf8, false),
        Field::new("one_id", DataType::Int64, false),
        Field::new("cluster_size", DataType::Int64, false),
        Field::new("status", DataType::Utf8, false),
    ]))
});

impl TableFunctionImpl for ResolveIdentitiesFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        if exprs.is_empty() || exprs.len() > 2 {
            return plan_err!(
                "{NAME}: expected (query [, rules_json]), got {} arguments",
                exprs.len()
            );
        }
        let query = required_argument(NAME, exprs, 0, "query")?;
        let rules = rules_argument(NAME, exprs, 1)?;
        let schema = crate::schema_of_call(&OUTPUT_SCHEMA, &[&query, &format!("{rules:?}")]);
        Ok(Arc::new(ResolveIdentitiesTable { query, rules, schema }))
    }
}

#[derive(Debug)]
struct ResolveIdentitiesTable {
    query: String,
    rules: Arc<Rules>,
    schema: SchemaRef,
}

#[async_trait]
impl TableProvider for ResolveIdentitiesTable {
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
        let planned = PlannedResolution::plan(NAME, session, &self.query, self.rules.clone()).await?;
        // Only the columns the query reads are built: `count(DISTINCT
        // one_id)` over millions of identifiers skips three text columns.
        let columns: Vec<usize> = match projection {
            Some(columns) => columns.clone(),
            None => (0..self.schema.fields().len()).collect(),
        };
        let schema = Arc::new(self.schema.project(&columns)?);
        let stream = Arc::new(ResolveStream {
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
struct ResolveStream {
    planned: PlannedResolution,
    /// The projected output schema.
    schema: SchemaRef,
    /// The output columns to build, as positions in [`OUTPUT_SCHEMA`].
    columns: Vec<usize>,
}

/// Rows per output batch.
const OUTPUT_BATCH_ROWS: usize = 8192;

impl PartitionStream for ResolveStream {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let planned = self.planned.clone();
        let schema = self.schema.clone();
        let columns = self.columns.clone();
        let resolved = async move { planned.run(ctx).await.map(Arc::new) };
        let batches = futures::stream::once(resolved)
            .map_ok(move |resolution| {
                let chunks = resolution.len().div_ceil(OUTPUT_BATCH_ROWS);
                let (schema, columns) = (schema.clone(), columns.clone());
                futures::stream::iter((0..chunks).map(move |c| {
                    let start = c * OUTPUT_BATCH_ROWS;
                    let rows = start..(start + OUTPUT_BATCH_ROWS).min(resolution.len());
                    let arrays = columns
                        .iter()
                        .map(|&column| output_column(&resolution, column, rows.clone()));
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

/// Column `column` of [`OUTPUT_SCHEMA`] for the identifiers at `rows`.
fn output_column(resolution: &Resolution, column: usize, rows: Range<usize>) -> ArrayRef {
    match column {
        0 => text_column(rows, 8, |i| resolution.id_type(i)),
        1 => text_column(rows, 16, |i| resolution.id_value(i)),
        2 => Arc::new(Int64Array::from(resolution.one_ids()[rows].to_vec())),
        3 => Arc::new(Int64Array::from_iter_values(
            resolution.cluster_sizes()[rows].iter().map(|&size| size as i64),
        )),
        // 4, the last column.
        _ => text_column(rows, 8, |i| resolution.statuses()[i].as_str()),
    }
}

fn text_column<'a>(rows: Range<usize>, bytes_per_row: usize, text: impl Fn(usize) -> &'a str) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(rows.len(), rows.len() * bytes_per_row);
    for i in rows {
        builder.append_value(text(i));
    }
    Arc::new(builder.finish())
}
