//! The skeleton every cdpfusion table function shares. A table function is
//! called while planning, synchronously, with literal arguments; what needs
//! the session or I/O (planning the query it is given, reading the catalog)
//! waits for `scan`, and the rows are produced when the plan runs. A
//! function supplies only its [`CallScan`]: the table, its schema and the
//! one-partition plan are here.

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::{DFSchema, DataFusionError, Result, plan_err};
use datafusion::datasource::TableType;
use datafusion::execution::TaskContext;
use datafusion::execution::context::SessionState;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, SendableRecordBatchStream, collect};
use futures::stream::BoxStream;

use crate::own_thread::block_on_own_thread;

/// Implements [`crate::CdpTableFunction`] for a `#[user_doc]` struct: its
/// SQL name and its documentation.
macro_rules! table_function_doc {
    ($function:ty, $name:expr) => {
        impl $crate::CdpTableFunction for $function {
            fn name(&self) -> &'static str {
                $name
            }

            fn documentation(&self) -> Option<&datafusion::logical_expr::Documentation> {
                self.doc()
            }
        }
    };
}
pub(crate) use table_function_doc;

/// What one call does when its table is scanned.
#[async_trait]
pub(crate) trait CallScan: Debug + Send + Sync + 'static {
    /// The plan of the call's rows: `schema` is the call's full schema, to
    /// be projected to `projection`.
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>>;
}

/// The session state a call plans its query in.
pub(crate) fn state_of<'a>(function: &str, session: &'a dyn Session) -> Result<&'a SessionState> {
    match session.as_any().downcast_ref::<SessionState>() {
        Some(state) => Ok(state),
        None => plan_err!("{function}: needs a DataFusion SessionState to plan its query"),
    }
}

/// Plans a call's query. Table functions are called while planning,
/// synchronously, and planning a query is async (it may read Parquet
/// footers): it runs on a thread of its own.
pub(crate) fn plan_call_query(function: &str, state: &SessionState, sql: &str) -> Result<LogicalPlan> {
    block_on_own_thread(function, "planning the query", || state.create_logical_plan(sql))
        .map_err(|e| DataFusionError::Plan(format!("{function}: the query failed to plan: {e}")))
}

/// Runs a call's planned query to the end, as one batch: for functions
/// that need all its rows at once.
pub(crate) async fn collect_rows(plan: Arc<dyn ExecutionPlan>, ctx: Arc<TaskContext>) -> Result<RecordBatch> {
    let schema = plan.schema();
    Ok(concat_batches(&schema, &collect(plan, ctx).await?)?)
}

/// A column a call's query must or may return, and the types it accepts.
pub(crate) type QueryColumn<'a> = (&'a str, fn(&DataType) -> bool);

/// Where a call's query returns its `required` columns (in their order) and
/// its `optional` ones (`None` for one it does not return), or the error
/// that says what `what` must return (`expected`) and what it returns.
pub(crate) fn query_columns(
    function: &str,
    what: &str,
    expected: &str,
    schema: &DFSchema,
    required: &[QueryColumn<'_>],
    optional: &[QueryColumn<'_>],
) -> Result<(Vec<usize>, Vec<Option<usize>>)> {
    let wrong_shape = || {
        let returned: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), f.data_type()))
            .collect();
        plan_err!(
            "{function}: {what} must return columns {expected}; it returns ({})",
            returned.join(", ")
        )
    };
    let mut found = Vec::with_capacity(required.len());
    for (name, accepts) in required {
        match schema.index_of_column_by_name(None, name) {
            Some(i) if accepts(schema.field(i).data_type()) => found.push(i),
            _ => return wrong_shape(),
        }
    }
    let mut found_optional = Vec::with_capacity(optional.len());
    for (name, accepts) in optional {
        match schema.index_of_column_by_name(None, name) {
            None => found_optional.push(None),
            Some(i) if accepts(schema.field(i).data_type()) => found_optional.push(Some(i)),
            Some(_) => return wrong_shape(),
        }
    }
    Ok((found, found_optional))
}

/// The table of one table-function call.
#[derive(Debug)]
pub(crate) struct CallTable<S> {
    schema: SchemaRef,
    scan: S,
}

impl<S: CallScan> CallTable<S> {
    /// The table of a call with `arguments`, returning rows of `schema`.
    pub fn new(schema: &SchemaRef, arguments: &[&str], scan: S) -> Arc<dyn TableProvider> {
        Arc::new(Self {
            schema: schema_of_call(schema, arguments),
            scan,
        })
    }
}

#[async_trait]
impl<S: CallScan> TableProvider for CallTable<S> {
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
        self.scan.scan(session, &self.schema, projection, limit).await
    }
}

/// The schema of one table function call: `schema` with the call's
/// arguments in its metadata. DataFusion compares table function scans by
/// the function's name and schema, not the arguments, and runs scalar
/// subqueries that compare equal once: without this, `(SELECT count(*) FROM
/// segment_members('a'))` and the same over `'b'` would give one answer.
/// The key names the call too: a join of two calls merges their schemas'
/// metadata, which must not hold one key with two values.
fn schema_of_call(schema: &SchemaRef, arguments: &[&str]) -> SchemaRef {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let arguments = arguments.join("\u{1f}");
    let mut hasher = DefaultHasher::new();
    arguments.hash(&mut hasher);
    let mut metadata = schema.metadata().clone();
    metadata.insert(format!("cdpfusion.call.{:016x}", hasher.finish()), arguments);
    Arc::new(schema.as_ref().clone().with_metadata(metadata))
}

/// Produces a call's batches, of the schema it is given, when the plan runs.
pub(crate) type Produce =
    Arc<dyn Fn(Arc<TaskContext>, SchemaRef) -> BoxStream<'static, Result<RecordBatch>> + Send + Sync>;

/// A one-partition plan whose rows `produce` makes when it runs, projected
/// by DataFusion (`produce` gets the full schema).
pub(crate) fn deferred_plan(
    schema: &SchemaRef,
    projection: Option<&Vec<usize>>,
    limit: Option<usize>,
    produce: Produce,
) -> Result<Arc<dyn ExecutionPlan>> {
    let partition = Arc::new(Deferred {
        schema: schema.clone(),
        produce,
    });
    Ok(Arc::new(StreamingTableExec::try_new(
        schema.clone(),
        vec![partition],
        projection,
        vec![],
        false,
        limit,
    )?))
}

struct Deferred {
    schema: SchemaRef,
    produce: Produce,
}

impl Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferred").field("schema", &self.schema).finish()
    }
}

impl PartitionStream for Deferred {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let batches = (self.produce)(ctx, self.schema.clone());
        Box::pin(RecordBatchStreamAdapter::new(self.schema.clone(), batches))
    }
}
