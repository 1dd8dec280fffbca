use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray, UInt32Array,
};
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::{cast, sort_to_indices, take, take_record_batch};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::execution::TaskContext;
use datafusion::execution::memory_pool::MemoryConsumer;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_macros::user_doc;
use futures::StreamExt;

use cdpfusion_core::assignment::affinity::Affinity;
use cdpfusion_core::assignment::assign::{
    AssignOptions, Method, Placement, Side, TieBreak, assign_leads, working_bytes,
};
use cdpfusion_core::assignment::tags::{TagNumbers, TagVectors, is_tag_type};

use crate::arguments::{ArgumentKind, Parameters, is_text, json_object, optional, required};
use crate::table_function::{
    CallScan, CallTable, QueryColumn, collect_rows, deferred_plan, plan_call_query, query_columns, state_of,
    table_function_doc,
};

const NAME: &str = "assign_leads";

const PARAMETERS: Parameters = Parameters::List(&[
    required("leads", ArgumentKind::Text),
    required("advisors", ArgumentKind::Text),
    optional("options", ArgumentKind::Text),
]);

const LEAD_COLUMNS: &str =
    "(lead_id TEXT or INTEGER, tags LIST of TEXT or MAP of TEXT to number [, store_id TEXT or INTEGER])";
const ADVISOR_COLUMNS: &str = "(advisor_id TEXT or INTEGER, tags LIST of TEXT or MAP of TEXT to number, capacity INTEGER [, store_id TEXT or INTEGER])";

#[user_doc(
    doc_section(label = "cdpfusion Assignment Functions"),
    description = "Table function: each lead handed to a sales advisor so that the total affinity of leads and advisors is the largest possible (exact, by the auction algorithm; not a greedy pass), no advisor takes more than its `capacity`, and, when both queries return `store_id`, leads stay in their store. Every lead is placed while its store has room; one that cannot be comes back with a NULL advisor and a `reason`. Affinity is `tag_affinity` of the two tag sets, cosine weighting rare tags up by their inverse document frequency unless the options say otherwise. Rows: `lead_id, advisor_id, score, reason`, in `lead_id` order. Options (a JSON object): `affinity` (`'cosine'`, the default, or `'jaccard'`), `idf` (true), `fairness` (0 to 1: each advisor gets at least that share of its store's equal share of leads, capacity permitting; 0), `tie_break` (`'advisor_id'`, the default: a lead bids first for the equally good advisor with the lowest id; `'spread'`: for one picked by a hash of the lead, so ties spread), `method` (`'optimal'`, or `'round_robin'`: the baseline a CRM gives, scored the same way). See docs/assignment.md.",
    syntax_example = "assign_leads(leads, advisors [, options])",
    sql_example = r#"```sql
> SELECT lead_id, advisor_id, round(score, 3) AS score, reason FROM assign_leads('SELECT * FROM (VALUES (1, [''suv'', ''ev'']), (2, [''suv'']), (3, [''mpv''])) AS t(lead_id, tags)', 'SELECT * FROM (VALUES (''wang'', [''suv''], 1), (''li'', [''ev''], 1)) AS t(advisor_id, tags, capacity)', '{"affinity": "jaccard"}');
+---------+------------+-------+--------------------------------------+
| lead_id | advisor_id | score | reason                               |
+---------+------------+-------+--------------------------------------+
| 1       | li         | 0.5   | NULL                                 |
| 2       | wang       | 1.0   | NULL                                 |
| 3       | NULL       | NULL  | the store's advisors are at capacity |
+---------+------------+-------+--------------------------------------+
```"#,
    argument(
        name = "leads",
        description = "The leads: a SQL query returning `lead_id` (text or integer, unique), `tags` (a list of text, or a map of text to weight) and optionally `store_id`."
    ),
    argument(
        name = "advisors",
        description = "The advisors: a SQL query returning `advisor_id` (unique), `tags`, `capacity` (a non-negative integer: how many leads it takes) and optionally `store_id`."
    ),
    argument(
        name = "options",
        description = "Optional JSON object: `affinity`, `idf`, `fairness`, `tie_break`, `method`."
    )
)]
#[derive(Debug, Default)]
pub struct AssignLeadsFunc;

table_function_doc!(AssignLeadsFunc, NAME);

/// Where a query's columns are.
#[derive(Debug, Clone)]
struct Columns {
    id: usize,
    tags: usize,
    capacity: Option<usize>,
    store: Option<usize>,
}

fn is_id(t: &DataType) -> bool {
    is_text(t) || t.is_integer()
}

fn is_capacity(t: &DataType) -> bool {
    t.is_integer() || t.is_null()
}

/// Where a query returns `required` (id, tags and, for advisors,
/// capacity) and the optional `store_id`.
fn columns_of(plan: &LogicalPlan, what: &str, expected: &str, required: &[QueryColumn]) -> Result<Columns> {
    let (found, optional) = query_columns(
        NAME,
        what,
        expected,
        plan.schema(),
        required,
        &[("store_id", is_id)],
    )?;
    Ok(Columns {
        id: found[0],
        tags: found[1],
        capacity: found.get(2).copied(),
        store: optional[0],
    })
}

/// The options JSON.
fn parse_options(json: Option<&str>) -> Result<AssignOptions> {
    let invalid = |e: String| DataFusionError::Plan(format!("{NAME}: argument 'options': {e}"));
    let mut options = AssignOptions::default();
    let Some(json) = json else {
        return Ok(options);
    };
    for (key, value) in json_object(NAME, "options", json)? {
        let text = || {
            value
                .as_str()
                .map(|s| s.trim().to_ascii_lowercase())
                .ok_or_else(|| invalid(format!("'{key}' must be a string, got {value}")))
        };
        match key.as_str() {
            "affinity" => options.affinity = Affinity::parse(&text()?).map_err(invalid)?,
            "idf" => {
                options.idf = value
                    .as_bool()
                    .ok_or_else(|| invalid(format!("'idf' must be true or false, got {value}")))?
            }
            "fairness" => {
                options.fairness = value
                    .as_f64()
                    .filter(|f| (0.0..=1.0).contains(f))
                    .ok_or_else(|| invalid(format!("'fairness' must be a number from 0 to 1, got {value}")))?
            }
            "tie_break" => {
                options.tie_break = match text()?.as_str() {
                    "advisor_id" => TieBreak::AdvisorOrder,
                    "spread" => TieBreak::Spread,
                    other => {
                        return Err(invalid(format!(
                            "unknown tie_break '{other}'; expected 'advisor_id' or 'spread'"
                        )));
                    }
                }
            }
            "method" => {
                options.method = match text()?.as_str() {
                    "optimal" => Method::Optimal,
                    "round_robin" => Method::RoundRobin,
                    other => {
                        return Err(invalid(format!(
                            "unknown method '{other}'; expected 'optimal' or 'round_robin'"
                        )));
                    }
                }
            }
            other => {
                return Err(invalid(format!(
                    "unknown option '{other}'; expected affinity, idf, fairness, tie_break or method"
                )));
            }
        }
    }
    Ok(options)
}

impl TableFunctionImpl for AssignLeadsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([leads, advisors], [options_json]) = PARAMETERS.literals(NAME, args.exprs())?;
        let options = parse_options(options_json.as_deref())?;
        let state = state_of(NAME, args.session())?;
        let lead_plan = plan_call_query(NAME, state, &leads)?;
        let advisor_plan = plan_call_query(NAME, state, &advisors)?;
        let lead_columns = columns_of(
            &lead_plan,
            "the leads query",
            LEAD_COLUMNS,
            &[("lead_id", is_id), ("tags", is_tag_type)],
        )?;
        let advisor_columns = columns_of(
            &advisor_plan,
            "the advisors query",
            ADVISOR_COLUMNS,
            &[
                ("advisor_id", is_id),
                ("tags", is_tag_type),
                ("capacity", is_capacity),
            ],
        )?;
        if lead_columns.store.is_some() != advisor_columns.store.is_some() {
            return plan_err!(
                "{NAME}: store_id must be returned by both queries or by neither; only the {} query returns it",
                if lead_columns.store.is_some() {
                    "leads"
                } else {
                    "advisors"
                }
            );
        }
        let id_type = |plan: &LogicalPlan, i: usize| plan.schema().field(i).data_type().clone();
        let schema = Arc::new(Schema::new(vec![
            Field::new("lead_id", id_type(&lead_plan, lead_columns.id), false),
            Field::new("advisor_id", id_type(&advisor_plan, advisor_columns.id), true),
            Field::new("score", DataType::Float64, true),
            Field::new("reason", DataType::Utf8, true),
        ]));
        let called_with = [leads, advisors, options_json.unwrap_or_default()];
        Ok(CallTable::new(
            &schema,
            &called_with.each_ref().map(String::as_str),
            AssignScan {
                leads: (lead_plan, lead_columns),
                advisors: (advisor_plan, advisor_columns),
                options,
            },
        ))
    }
}

#[derive(Debug)]
struct AssignScan {
    leads: (LogicalPlan, Columns),
    advisors: (LogicalPlan, Columns),
    options: AssignOptions,
}

#[async_trait]
impl CallScan for AssignScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let state = state_of(NAME, session)?;
        let lead_plan = state.create_physical_plan(&self.leads.0).await?;
        let advisor_plan = state.create_physical_plan(&self.advisors.0).await?;
        let (lead_columns, advisor_columns) = (self.leads.1.clone(), self.advisors.1.clone());
        let options = self.options;
        deferred_plan(
            schema,
            projection,
            limit,
            Arc::new(move |ctx, schema| {
                let (lead_plan, advisor_plan) = (lead_plan.clone(), advisor_plan.clone());
                let (lead_columns, advisor_columns) = (lead_columns.clone(), advisor_columns.clone());
                futures::stream::once(async move {
                    let leads = collect_rows(lead_plan, ctx.clone()).await?;
                    let advisors = collect_rows(advisor_plan, ctx.clone()).await?;
                    let batch = run(&ctx, &leads, &lead_columns, &advisors, &advisor_columns, &options)?;
                    Ok(batch.with_schema(schema)?)
                })
                .boxed()
            }),
        )
    }
}

fn error(message: String) -> DataFusionError {
    DataFusionError::Execution(format!("{NAME}: {message}"))
}

/// An id as errors show it: text quoted, numbers as they are.
fn shown_id(ids: &ArrayRef, row: usize) -> Result<String> {
    let id = ScalarValue::try_from_array(ids, row)?;
    Ok(match id.try_as_str() {
        Some(Some(text)) => format!("'{text}'"),
        _ => id.to_string(),
    })
}

/// The rows sorted by their id column, which must hold no NULL and no
/// repeat: ties among equally good advisors are then broken the same way
/// whatever order the query's rows arrive in.
fn sorted_by_id(rows: &RecordBatch, id: usize, name: &str) -> Result<RecordBatch> {
    let ids = rows.column(id);
    if ids.null_count() > 0 {
        return Err(error(format!("a {name} is NULL")));
    }
    let sorted = take_record_batch(rows, &sort_to_indices(ids, None, None)?)?;
    let ids = sorted.column(id);
    if ids.len() > 1 {
        let repeats = eq(&ids.slice(0, ids.len() - 1), &ids.slice(1, ids.len() - 1))?;
        if let Some(row) = repeats.values().set_indices().next() {
            return Err(error(format!(
                "{name} {} appears more than once",
                shown_id(ids, row)?
            )));
        }
    }
    Ok(sorted)
}

/// Each row's store number, one numbering over both sides.
fn store_numbers(column: &ArrayRef, numbers: &mut HashMap<String, u32>) -> Result<Vec<Option<u32>>> {
    let text = cast(column, &DataType::Utf8)?;
    let text = text.as_string::<i32>();
    Ok(text
        .iter()
        .map(|store| {
            store.map(|s| match numbers.get(s) {
                Some(&n) => n,
                None => {
                    let next = numbers.len() as u32;
                    numbers.insert(s.to_string(), next);
                    next
                }
            })
        })
        .collect())
}

/// Each advisor's capacity: a NULL or a negative one is an error naming the advisor.
fn capacities(rows: &RecordBatch, columns: &Columns) -> Result<Vec<usize>> {
    let capacity = cast(
        rows.column(columns.capacity.expect("advisors have a capacity")),
        &DataType::Int64,
    )?;
    let capacity = capacity.as_primitive::<Int64Type>();
    (0..rows.num_rows())
        .map(|row| {
            let advisor = || shown_id(rows.column(columns.id), row);
            match capacity.is_valid(row).then(|| capacity.value(row)) {
                Some(c) if c >= 0 => Ok(c as usize),
                Some(c) => Err(error(format!(
                    "advisor {} has a negative capacity ({c})",
                    advisor()?
                ))),
                None => Err(error(format!("advisor {} has a NULL capacity", advisor()?))),
            }
        })
        .collect()
}

/// Places the leads and builds the rows.
fn run(
    ctx: &TaskContext,
    leads: &RecordBatch,
    lead_columns: &Columns,
    advisors: &RecordBatch,
    advisor_columns: &Columns,
    options: &AssignOptions,
) -> Result<RecordBatch> {
    let leads = sorted_by_id(leads, lead_columns.id, "lead_id")?;
    let advisors = sorted_by_id(advisors, advisor_columns.id, "advisor_id")?;
    let mut numbers = TagNumbers::default();
    let read_tags = |rows: &RecordBatch, columns: &Columns, what: &str, numbers: &mut TagNumbers| {
        TagVectors::from_arrow(rows.column(columns.tags), numbers)
            .map_err(|e| error(format!("the {what}' tags: {e}")))
    };
    let lead_tags = read_tags(&leads, lead_columns, "leads", &mut numbers)?;
    let advisor_tags = read_tags(&advisors, advisor_columns, "advisors", &mut numbers)?;
    let mut stores = HashMap::new();
    let lead_stores = lead_columns
        .store
        .map(|i| store_numbers(leads.column(i), &mut stores))
        .transpose()?;
    let advisor_stores = advisor_columns
        .store
        .map(|i| store_numbers(advisors.column(i), &mut stores))
        .transpose()?;
    if let Some(row) = advisor_stores
        .as_ref()
        .and_then(|s| s.iter().position(Option::is_none))
    {
        let advisor = shown_id(advisors.column(advisor_columns.id), row)?;
        return Err(error(format!("advisor {advisor} has a NULL store_id")));
    }
    let capacities = capacities(&advisors, advisor_columns)?;
    let lead_side = Side {
        tags: &lead_tags,
        stores: lead_stores.as_deref(),
    };
    let advisor_side = Side {
        tags: &advisor_tags,
        stores: advisor_stores.as_deref(),
    };
    // The matrices live in the session's memory pool: over its limit the
    // query fails naming this function instead of growing past it.
    let reservation = MemoryConsumer::new(NAME).register(ctx.memory_pool());
    reservation.try_grow(working_bytes(&lead_side, &advisor_side, options))?;
    let placements = assign_leads(&lead_side, &advisor_side, &capacities, options).map_err(error)?;
    let mut advisor_rows = Vec::with_capacity(placements.len());
    let mut scores = Vec::with_capacity(placements.len());
    let mut reasons = Vec::with_capacity(placements.len());
    for placement in placements {
        match placement {
            Placement::Advisor { advisor, score } => {
                advisor_rows.push(Some(advisor as u32));
                scores.push(Some(score));
                reasons.push(None);
            }
            Placement::Unplaced(why) => {
                advisor_rows.push(None);
                scores.push(None);
                reasons.push(Some(why.reason()));
            }
        }
    }
    let advisor_ids = take(
        advisors.column(advisor_columns.id),
        &UInt32Array::from(advisor_rows),
        None,
    )?;
    let schema = Arc::new(Schema::new(vec![
        Field::new(
            "lead_id",
            leads.column(lead_columns.id).data_type().clone(),
            false,
        ),
        Field::new("advisor_id", advisor_ids.data_type().clone(), true),
        Field::new("score", DataType::Float64, true),
        Field::new("reason", DataType::Utf8, true),
    ]));
    Ok(RecordBatch::try_new(
        schema,
        vec![
            leads.column(lead_columns.id).clone(),
            advisor_ids,
            Arc::new(Float64Array::from(scores)),
            Arc::new(StringArray::from(reasons)),
        ],
    )?)
}
