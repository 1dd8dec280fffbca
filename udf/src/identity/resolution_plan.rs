//! What the One-ID table functions share: their arguments, planning the
//! user's query (and the previous mapping) with its schema checked up front,
//! and running the resolution over the query's batches as they arrive.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::catalog::Session;
use datafusion::common::{DataFusionError, Result, exec_err};
use datafusion::execution::TaskContext;
use datafusion::execution::context::SessionState;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use futures::{StreamExt, TryStreamExt};

use cdpfusion_core::identity::resolve::{IdentityGraphBuilder, Resolution, ResolveError};
use cdpfusion_core::identity::rules::Rules;

use crate::arguments::is_text;
use crate::table_function::{QueryColumn, query_columns};

const EXPECTED_INPUT: &str =
    "(record_id TEXT or BIGINT, id_type TEXT, id_value TEXT [, source TEXT] [, name TEXT])";
const EXPECTED_PREVIOUS: &str = "(id_type TEXT, id_value TEXT, one_id BIGINT)";

/// A One-ID call's rules JSON: the resolver's rules, and `previous`, the
/// SQL (a table name or a query) of an earlier run's mapping. This layer
/// plans and reads that SQL; the resolver gets its rows as data.
#[derive(Debug, Default)]
pub(crate) struct CallRules {
    pub rules: Rules,
    pub previous: Option<String>,
}

/// Parses the optional rules JSON argument.
pub(crate) fn rules_argument(function: &str, json: Option<&str>) -> Result<Arc<CallRules>> {
    let Some(json) = json else {
        return Ok(Arc::new(CallRules::default()));
    };
    let invalid = |e: String| DataFusionError::Plan(format!("{function}: argument 'rules_json': {e}"));
    let mut value: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| invalid(format!("invalid rules JSON: {e}")))?;
    let previous = match value.as_object_mut().and_then(|rules| rules.remove("previous")) {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(sql)) => Some(sql),
        Some(other) => {
            return Err(invalid(format!(
                "invalid rules JSON: previous must be a table name or a query (a string), got {other}"
            )));
        }
    };
    let rules = Rules::from_json(&value.to_string()).map_err(invalid)?;
    Ok(Arc::new(CallRules { rules, previous }))
}

fn is_record_id(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

fn is_integer(t: &DataType) -> bool {
    t.is_integer()
}

fn is_table_name(source: &str) -> bool {
    let source = source.trim();
    !source.is_empty()
        && source
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

/// A planned query and where its needed columns are: the required ones in
/// order, and the optional ones in order (`None` when it does not return one).
#[derive(Debug, Clone)]
pub(crate) struct PlannedQuery {
    pub plan: Arc<dyn ExecutionPlan>,
    pub columns: Vec<usize>,
    pub optional_columns: Vec<Option<usize>>,
}

impl PlannedQuery {
    async fn new(
        function: &str,
        state: &SessionState,
        sql: &str,
        what: &str,
        expected: &str,
        columns: &[QueryColumn<'_>],
        optional: &[QueryColumn<'_>],
    ) -> Result<Self> {
        let plan = state
            .create_logical_plan(sql)
            .await
            .map_err(|e| DataFusionError::Plan(format!("{function}: {what} failed to plan: {e}")))?;
        let (indices, optional_indices) =
            query_columns(function, what, expected, plan.schema(), columns, optional)?;
        Ok(PlannedQuery {
            plan: state.create_physical_plan(&plan).await?,
            columns: indices,
            optional_columns: optional_indices,
        })
    }

    /// Runs the query, handing each batch's required columns and optional
    /// ones (`None` when the query does not return it) to `f`.
    pub async fn for_each_batch(
        &self,
        ctx: Arc<TaskContext>,
        mut f: impl FnMut(&[&ArrayRef], &[Option<&ArrayRef>]) -> Result<()>,
    ) -> Result<()> {
        // A plan's operators keep execution state; each pass gets fresh ones,
        // since the graph functions read the query more than once.
        let plan = datafusion::physical_plan::execution_plan::reset_plan_states(self.plan.clone())?;
        let mut batches = execute_stream(plan, ctx)?;
        while let Some(batch) = batches.next().await {
            let batch = batch?;
            let columns: Vec<&ArrayRef> = self.columns.iter().map(|&i| batch.column(i)).collect();
            let optional: Vec<Option<&ArrayRef>> = self
                .optional_columns
                .iter()
                .map(|i| i.map(|i| batch.column(i)))
                .collect();
            f(&columns, &optional)?;
        }
        Ok(())
    }
}

/// Everything a One-ID table function needs at execution time.
#[derive(Debug, Clone)]
pub(crate) struct PlannedResolution {
    pub function: &'static str,
    pub input: PlannedQuery,
    previous: Option<PlannedQuery>,
    rules: Arc<CallRules>,
}

impl PlannedResolution {
    /// Plans `query` (and the rules' previous mapping), failing before any
    /// work when either does not have the expected columns.
    pub async fn plan(
        function: &'static str,
        session: &dyn Session,
        query: &str,
        rules: Arc<CallRules>,
    ) -> Result<Self> {
        let Some(state) = session.as_any().downcast_ref::<SessionState>() else {
            return exec_err!("{function}: needs a DataFusion SessionState to plan its query");
        };
        let input = PlannedQuery::new(
            function,
            state,
            query,
            "the query",
            EXPECTED_INPUT,
            &[
                ("record_id", is_record_id),
                ("id_type", is_text),
                ("id_value", is_text),
            ],
            &[("source", is_text), ("name", is_text)],
        )
        .await?;
        let previous = match &rules.previous {
            None => None,
            Some(source) => {
                let sql = if is_table_name(source) {
                    format!("SELECT * FROM {source}")
                } else {
                    source.clone()
                };
                let columns: &[QueryColumn<'_>] = &[
                    ("id_type", is_text),
                    ("id_value", is_text),
                    ("one_id", is_integer),
                ];
                Some(
                    PlannedQuery::new(
                        function,
                        state,
                        &sql,
                        "the 'previous' mapping",
                        EXPECTED_PREVIOUS,
                        columns,
                        &[],
                    )
                    .await?,
                )
            }
        };
        Ok(PlannedResolution {
            function,
            input,
            previous,
            rules,
        })
    }

    /// Reads the query's batches into the identity graph and resolves it;
    /// with `record_map`, each record's person too.
    pub async fn run(&self, ctx: Arc<TaskContext>, record_map: bool) -> Result<Resolution> {
        let function = self.function;
        let fail = |e: ResolveError| DataFusionError::Execution(format!("{function}: {e}"));
        let mut builder = IdentityGraphBuilder::new(&self.rules.rules).map_err(fail)?;
        if record_map {
            builder = builder.with_record_map();
        }
        // The graph lives in the session's memory pool, as DataFusion's own
        // operators do: over the limit, the query fails with "Resources
        // exhausted" naming this function instead of growing past it.
        let reservation = MemoryConsumer::new(function).register(ctx.memory_pool());
        self.input
            .for_each_batch(ctx.clone(), |c, source_and_name| {
                builder
                    .add_batch(c[0], c[1], c[2], source_and_name[0], source_and_name[1])
                    .map_err(fail)?;
                reservation.try_resize(builder.memory_size())
            })
            .await?;
        // Resolving needs up to a quarter more than the rows hold (at 5M
        // persons: 1,776 MiB of rows, 2,228 MiB peak RSS for the whole
        // query, scan included; benches/README.md); half more leaves room.
        reservation.try_resize(builder.memory_size() + builder.memory_size() / 2)?;
        let previous = match &self.previous {
            None => Vec::new(),
            Some(query) => {
                let batches: Vec<RecordBatch> =
                    execute_stream(query.plan.clone(), ctx)?.try_collect().await?;
                batches
                    .iter()
                    .map(|b| {
                        let cast = |i: usize, t: &DataType| {
                            datafusion::arrow::compute::cast(b.column(query.columns[i]), t)
                        };
                        Ok((
                            cast(0, &DataType::Utf8)?,
                            cast(1, &DataType::Utf8)?,
                            cast(2, &DataType::Int64)?,
                        ))
                    })
                    .collect::<Result<Vec<(ArrayRef, ArrayRef, ArrayRef)>>>()?
            }
        };
        // One-IDs are positive: a previous mapping with 0 or a negative id
        // was not made by this function, and would come back as is.
        for (_, _, ids) in &previous {
            let ids = ids.as_primitive::<Int64Type>();
            if let Some(bad) = ids.iter().flatten().find(|&id| id <= 0) {
                return Err(DataFusionError::Execution(format!(
                    "{function}: the 'previous' mapping holds one_id {bad}; One-IDs are positive (what an earlier resolve_identities returned)"
                )));
            }
        }
        let previous_rows = previous.iter().flat_map(|(t, v, id)| {
            let (t, v, id) = (
                t.as_string::<i32>(),
                v.as_string::<i32>(),
                id.as_primitive::<Int64Type>(),
            );
            (0..t.len()).filter_map(move |i| {
                (!t.is_null(i) && !v.is_null(i) && !id.is_null(i))
                    .then(|| (t.value(i), v.value(i), id.value(i)))
            })
        });
        builder.resolve(&self.rules.rules, previous_rows).map_err(fail)
    }
}

use datafusion::arrow::array::Array;
