//! What `match_records` and `train_match_model` share: the query, planned
//! when the function is called (its columns decide the output's `_level`
//! columns), the options, and the records, read when the plan runs.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::compute::{cast, concat};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::{DataFusionError, Result, exec_err, plan_err};
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use futures::{StreamExt, TryStreamExt};

use cdpfusion_core::matching::{ComparisonKind, MatchError, MatchInput, MatchOptions};

use crate::arguments::{ArgumentKind, Parameters, is_text, optional, required};
use crate::table_function::{CallScan, CallTable, Produce, deferred_plan};
use crate::table_function::{plan_call_query, state_of};

/// The arguments of both functions.
const PARAMETERS: Parameters = Parameters::List(&[
    required("query", ArgumentKind::Text),
    optional("options", ArgumentKind::Text),
]);

/// One call: its query planned, its options read.
#[derive(Debug, Clone)]
pub(crate) struct MatchCall {
    pub function: &'static str,
    pub query: String,
    pub options_json: Option<String>,
    pub options: MatchOptions,
    plan: LogicalPlan,
    /// Where `record_id` and `source` are in the query's columns.
    record_id: usize,
    source: Option<usize>,
}

/// A core error as the SQL error of `function`.
pub(crate) fn match_error(function: &str, e: MatchError) -> DataFusionError {
    match e {
        MatchError::Options(_) | MatchError::TooManyPairs { .. } => {
            DataFusionError::Plan(format!("{function}: argument 'options': {e}"))
        }
        MatchError::Input(_) => DataFusionError::Execution(format!("{function}: {e}")),
    }
}

impl MatchCall {
    pub fn new(function: &'static str, args: &TableFunctionArgs) -> Result<Self> {
        let ([query], [options_json]) = PARAMETERS.literals(function, args.exprs())?;
        let options = match &options_json {
            Some(json) => MatchOptions::from_json(json).map_err(|e| match_error(function, e))?,
            None => MatchOptions::default(),
        };
        let state = state_of(function, args.session())?;
        let plan = plan_call_query(function, state, &query)?;
        let schema = plan.schema().clone();
        let returned = || {
            let columns: Vec<String> = schema
                .fields()
                .iter()
                .map(|f| format!("{} {}", f.name(), f.data_type()))
                .collect();
            columns.join(", ")
        };
        let record_id = match schema.index_of_column_by_name(None, "record_id") {
            Some(i) if is_text(schema.field(i).data_type()) || schema.field(i).data_type().is_integer() => i,
            _ => {
                return plan_err!(
                    "{function}: the query must return a column record_id (text or integer) and the columns to compare; it returns ({})",
                    returned()
                );
            }
        };
        let source = match schema.index_of_column_by_name(None, "source") {
            Some(i) if is_text(schema.field(i).data_type()) => Some(i),
            Some(_) => {
                return plan_err!(
                    "{function}: the query's column source must be text; it returns ({})",
                    returned()
                );
            }
            None => None,
        };
        let call = Self {
            function,
            query,
            options_json,
            options,
            plan,
            record_id,
            source,
        };
        for column in call.named_columns() {
            if call
                .plan
                .schema()
                .index_of_column_by_name(None, &column)
                .is_none()
            {
                return plan_err!(
                    "{function}: argument 'options': column '{column}' is named but the query does not return it (it returns {})",
                    returned()
                );
            }
        }
        Ok(call)
    }

    /// The columns the options name: in blocking rules, comparisons and the
    /// model.
    fn named_columns(&self) -> Vec<String> {
        let options = &self.options;
        let mut columns: Vec<String> = options.blocking.iter().flatten().flatten().cloned().collect();
        columns.extend(options.deterministic_rules.iter().flatten().flatten().cloned());
        columns.extend(options.comparisons.iter().map(|c| c.column.clone()));
        if let Some(model) = &options.model {
            columns.extend(model.comparisons.iter().map(|c| c.comparison.column.clone()));
        }
        columns
    }

    pub fn record_id_type(&self) -> DataType {
        self.plan.schema().field(self.record_id).data_type().clone()
    }

    pub fn has_source(&self) -> bool {
        self.source.is_some()
    }

    /// The columns compared, in the order of the output's `_level` columns:
    /// the model's, or every column but `record_id` and `source` that the
    /// options do not mark `none`.
    pub fn compared_columns(&self) -> Vec<String> {
        if let Some(model) = &self.options.model {
            return model
                .comparisons
                .iter()
                .map(|c| c.comparison.column.clone())
                .collect();
        }
        self.input_columns()
            .into_iter()
            .map(|(_, name)| name)
            .filter(|name| {
                !self
                    .options
                    .comparisons
                    .iter()
                    .any(|c| &c.column == name && c.kind == ComparisonKind::None)
            })
            .collect()
    }

    /// The columns besides `record_id` and `source`, with their positions.
    fn input_columns(&self) -> Vec<(usize, String)> {
        self.plan
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != self.record_id && Some(*i) != self.source)
            .map(|(i, f)| (i, f.name().clone()))
            .collect()
    }

    /// The table of this call: rows of `schema` that `answer` makes from the
    /// records when the plan runs.
    pub fn table(self, schema: &SchemaRef, answer: Answer) -> Arc<dyn TableProvider> {
        let called_with = [self.query.clone(), self.options_json.clone().unwrap_or_default()];
        CallTable::new(
            schema,
            &called_with.each_ref().map(String::as_str),
            MatchScan { call: self, answer },
        )
    }
}

/// What a function makes of the records it read: its one batch.
pub(crate) type Answer = fn(&MatchCall, ReadRecords, SchemaRef) -> Result<RecordBatch>;

#[derive(Debug)]
struct MatchScan {
    call: MatchCall,
    answer: Answer,
}

#[async_trait]
impl CallScan for MatchScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let plan = state_of(self.call.function, session)?
            .create_physical_plan(&self.call.plan)
            .await?;
        let (call, answer) = (self.call.clone(), self.answer);
        let produce: Produce = Arc::new(move |ctx, schema| {
            let (call, plan) = (call.clone(), plan.clone());
            futures::stream::once(async move {
                let records = read_records(&call, plan, ctx).await?;
                answer(&call, records, schema)
            })
            .boxed()
        });
        deferred_plan(schema, projection, limit, produce)
    }
}

/// The records of one call, read.
pub(crate) struct ReadRecords {
    pub record_ids: ArrayRef,
    /// Each record's source as text, when the query returns one.
    pub sources: Option<ArrayRef>,
    pub input: MatchInput,
}

/// Runs the query and reads every record, counting them in the session's
/// memory pool.
async fn read_records(
    call: &MatchCall,
    plan: Arc<dyn ExecutionPlan>,
    ctx: Arc<TaskContext>,
) -> Result<ReadRecords> {
    let reservation = MemoryConsumer::new(call.function).register(ctx.memory_pool());
    let schema = plan.schema();
    let mut batches: Vec<RecordBatch> = vec![];
    let mut stream = execute_stream(plan, ctx)?;
    let mut bytes = 0;
    while let Some(batch) = stream.try_next().await? {
        bytes += batch.get_array_memory_size();
        reservation.try_resize(bytes)?;
        batches.push(batch);
    }
    let column = |index: usize| -> Result<ArrayRef> {
        let arrays: Vec<&dyn datafusion::arrow::array::Array> =
            batches.iter().map(|b| b.column(index).as_ref()).collect();
        if arrays.is_empty() {
            return Ok(datafusion::arrow::array::new_empty_array(
                schema.field(index).data_type(),
            ));
        }
        Ok(concat(&arrays)?)
    };
    let record_ids = column(call.record_id)?;
    if record_ids.null_count() > 0 {
        return exec_err!("{}: record_id must not be NULL", call.function);
    }
    let sources = call.source.map(column).transpose()?;
    let source_numbers = match &sources {
        None => None,
        Some(sources) => {
            let text = cast(sources, &DataType::Utf8)?;
            let mut numbers: HashMap<Option<&str>, u32> = HashMap::new();
            let text = text.as_string::<i32>();
            Some(
                text.iter()
                    .map(|source| {
                        let next = numbers.len() as u32;
                        *numbers.entry(source).or_insert(next)
                    })
                    .collect(),
            )
        }
    };
    let columns = call
        .input_columns()
        .into_iter()
        .map(|(index, name)| Ok((name, column(index)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(ReadRecords {
        input: MatchInput {
            records: record_ids.len(),
            columns,
            sources: source_numbers,
        },
        record_ids,
        sources,
    })
}
