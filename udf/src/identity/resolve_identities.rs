use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, AsArray, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err, plan_err};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Documentation, Expr};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream, execute_stream};
use datafusion_macros::user_doc;
use futures::{StreamExt, TryStreamExt};

use cdpfusion_core::identity::resolve::{IdentityGraphBuilder, Resolution};
use cdpfusion_core::identity::rules::Rules;

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

/// The string literal of argument `index`.
pub(crate) fn literal_argument(function: &str, exprs: &[Expr], index: usize, name: &str) -> Result<Option<String>> {
    match exprs.get(index) {
        None => Ok(None),
        Some(Expr::Literal(ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)), _)) => {
            Ok(Some(s.clone()))
        }
        Some(Expr::Literal(ScalarValue::Utf8(None) | ScalarValue::Null, _)) => Ok(None),
        Some(other) => plan_err!("{function}: argument '{name}' must be a string literal, got {other}"),
    }
}

impl TableFunctionImpl for ResolveIdentitiesFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let exprs = args.exprs();
        if exprs.is_empty() || exprs.len() > 2 {
            return plan_err!("{NAME}: expected (query [, rules_json]), got {} arguments", exprs.len());
        }
        let Some(query) = literal_argument(NAME, exprs, 0, "query")? else {
            return plan_err!("{NAME}: argument 'query' must not be NULL");
        };
        let rules = match literal_argument(NAME, exprs, 1, "rules_json")? {
            Some(json) => Rules::from_json(&json).map_err(|e| DataFusionError::Plan(format!("{NAME}: argument 'rules_json': {e}")))?,
            None => Rules::default(),
        };
        Ok(Arc::new(ResolveIdentitiesTable { query, rules: Arc::new(rules) }))
    }
}

#[derive(Debug)]
struct ResolveIdentitiesTable {
    query: String,
    rules: Arc<Rules>,
}

const EXPECTED_INPUT: &str = "(record_id TEXT or BIGINT, id_type TEXT, id_value TEXT)";
const EXPECTED_PREVIOUS: &str = "(id_type TEXT, id_value TEXT, one_id BIGINT)";

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null)
}

fn describe(schema: &datafusion::common::DFSchema) -> String {
    let fields: Vec<String> = schema.fields().iter().map(|f| format!("{} {}", f.name(), f.data_type())).collect();
    format!("({})", fields.join(", "))
}

/// Plans `sql` and checks it returns `columns` of acceptable types.
async fn plan_input(
    state: &SessionState,
    sql: &str,
    what: &str,
    expected: &str,
    columns: &[(&str, fn(&DataType) -> bool)],
) -> Result<(Arc<dyn ExecutionPlan>, Vec<usize>)> {
    let plan = state
        .create_logical_plan(sql)
        .await
        .map_err(|e| DataFusionError::Plan(format!("{NAME}: {what} failed to plan: {e}")))?;
    let schema = plan.schema().clone();
    let mut indices = Vec::new();
    for (name, accepts) in columns {
        match schema.index_of_column_by_name(None, name) {
            Some(i) if accepts(schema.field(i).data_type()) => indices.push(i),
            _ => {
                return plan_err!(
                    "{NAME}: {what} must return columns {expected}; it returns {}",
                    describe(&schema)
                );
            }
        }
    }
    Ok((state.create_physical_plan(&plan).await?, indices))
}

#[async_trait]
impl TableProvider for ResolveIdentitiesTable {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn schema(&self) -> SchemaRef {
        OUTPUT_SCHEMA.clone()
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
        let Some(state) = session.as_any().downcast_ref::<SessionState>() else {
            return exec_err!("{NAME}: needs a DataFusion SessionState to plan its query");
        };
        let record_id = |t: &DataType| is_string(t) || t.is_integer();
        let (input, input_columns) = plan_input(
            state,
            &self.query,
            "the query",
            EXPECTED_INPUT,
            &[("record_id", record_id), ("id_type", is_string), ("id_value", is_string)],
        )
        .await?;
        let previous = match &self.rules.previous {
            None => None,
            Some(source) => {
                let sql = if is_table_name(source) {
                    format!("SELECT id_type, id_value, one_id FROM {source}")
                } else {
                    source.clone()
                };
                let id = |t: &DataType| t.is_integer();
                Some(
                    plan_input(
                        state,
                        &sql,
                        "the 'previous' mapping",
                        EXPECTED_PREVIOUS,
                        &[("id_type", is_string), ("id_value", is_string), ("one_id", id)],
                    )
                    .await?,
                )
            }
        };
        let stream = Arc::new(ResolveStream { input, input_columns, previous, rules: self.rules.clone() });
        Ok(Arc::new(StreamingTableExec::try_new(
            OUTPUT_SCHEMA.clone(),
            vec![stream],
            projection,
            vec![],
            false,
            limit,
        )?))
    }
}

fn is_table_name(source: &str) -> bool {
    let source = source.trim();
    !source.is_empty() && source.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

#[derive(Debug)]
struct ResolveStream {
    input: Arc<dyn ExecutionPlan>,
    input_columns: Vec<usize>,
    previous: Option<(Arc<dyn ExecutionPlan>, Vec<usize>)>,
    rules: Arc<Rules>,
}

/// Rows per output batch.
const OUTPUT_BATCH_ROWS: usize = 8192;

impl PartitionStream for ResolveStream {
    fn schema(&self) -> &SchemaRef {
        &OUTPUT_SCHEMA
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let input = self.input.clone();
        let columns = self.input_columns.clone();
        let previous = self.previous.clone();
        let rules = self.rules.clone();
        let resolved = async move {
            let fail = |e: String| DataFusionError::Execution(format!("{NAME}: {e}"));
            let mut builder = IdentityGraphBuilder::new(&rules).map_err(fail)?;
            let mut batches = execute_stream(input, ctx.clone())?;
            while let Some(batch) = batches.next().await {
                let batch = batch?;
                let c = |i: usize| batch.column(columns[i]);
                builder.add_batch(c(0), c(1), c(2)).map_err(fail)?;
            }
            let previous_batches = match previous {
                None => Vec::new(),
                Some((plan, columns)) => {
                    let batches: Vec<RecordBatch> = execute_stream(plan, ctx)?.try_collect().await?;
                    batches
                        .iter()
                        .map(|b| {
                            let id = datafusion::arrow::compute::cast(b.column(columns[2]), &DataType::Int64)?;
                            let t = datafusion::arrow::compute::cast(b.column(columns[0]), &DataType::Utf8)?;
                            let v = datafusion::arrow::compute::cast(b.column(columns[1]), &DataType::Utf8)?;
                            Ok((t, v, id))
                        })
                        .collect::<Result<Vec<(ArrayRef, ArrayRef, ArrayRef)>>>()?
                }
            };
            let previous_rows = previous_batches.iter().flat_map(|(t, v, id)| {
                let (t, v, id) = (t.as_string::<i32>(), v.as_string::<i32>(), id.as_primitive::<Int64Type>());
                (0..t.len()).filter_map(move |i| match (t.is_valid(i), v.is_valid(i), id.is_valid(i)) {
                    (true, true, true) => Some((t.value(i), v.value(i), id.value(i))),
                    _ => None,
                })
            });
            let resolution = builder.resolve(&rules, previous_rows).map_err(fail)?;
            Ok::<_, DataFusionError>(Arc::new(resolution))
        };
        let batches = futures::stream::once(resolved)
            .map_ok(|resolution| {
                let chunks = resolution.len().div_ceil(OUTPUT_BATCH_ROWS);
                futures::stream::iter((0..chunks).map(move |c| output_batch(&resolution, c * OUTPUT_BATCH_ROWS)))
            })
            .try_flatten();
        Box::pin(RecordBatchStreamAdapter::new(OUTPUT_SCHEMA.clone(), batches))
    }
}

use datafusion::arrow::array::Array;

fn output_batch(resolution: &Resolution, start: usize) -> Result<RecordBatch> {
    let end = (start + OUTPUT_BATCH_ROWS).min(resolution.len());
    let rows = end - start;
    let mut id_type = StringBuilder::with_capacity(rows, rows * 8);
    let mut id_value = StringBuilder::with_capacity(rows, rows * 16);
    let mut one_id = Int64Builder::with_capacity(rows);
    let mut cluster_size = Int64Builder::with_capacity(rows);
    let mut status = StringBuilder::with_capacity(rows, rows * 8);
    for i in start..end {
        let r = resolution.get(i);
        id_type.append_value(r.id_type);
        id_value.append_value(r.id_value);
        one_id.append_value(r.one_id);
        cluster_size.append_value(r.cluster_size as i64);
        status.append_value(r.status.as_str());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(id_type.finish()),
        Arc::new(id_value.finish()),
        Arc::new(one_id.finish()),
        Arc::new(cluster_size.finish()),
        Arc::new(status.finish()),
    ];
    Ok(RecordBatch::try_new(OUTPUT_SCHEMA.clone(), columns)?)
}
