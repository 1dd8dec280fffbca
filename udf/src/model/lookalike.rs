use std::sync::{Arc, LazyLock};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::{cast, filter};
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::ExecutionPlan;
use datafusion_macros::user_doc;
use futures::StreamExt;

use cdpfusion_catalog::open_catalog;
use cdpfusion_models::{ModelOptions, split::mix, train};

use crate::arguments::{ArgumentKind, Parameters, json_object, optional, required};
use crate::table_function::{
    CallScan, CallTable, collect_rows, deferred_plan, plan_call_query, state_of, table_function_doc,
};

const NAME: &str = "lookalike";

const PARAMETERS: Parameters = Parameters::List(&[
    required("segment", ArgumentKind::Text),
    required("query", ArgumentKind::Text),
    optional("options", ArgumentKind::Text),
]);

/// The label lookalike trains on; no query may return a column so named.
const MEMBER: &str = "__segment_member";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("one_id", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
        Field::new("is_member", DataType::Boolean, false),
    ]))
});

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "Table function: every person of a feature query scored by how much they resemble a segment's members (look-alike audience expansion, 人群扩散). A classifier (`CREATE MODEL`'s logistic regression unless the options say `\"type\": \"gbdt\"`) is trained on the segment's members against an equal-sized seeded sample of the other persons, on every column of the query but `one_id`; `score` is its probability that the person is a member, so 0.5 is the boundary of a balanced classifier. Rows: `one_id, score, is_member`. `CREATE SEGMENT more AS SELECT one_id FROM lookalike('vip', '...') WHERE score > 0.8 AND NOT is_member` expands an audience. See docs/models.md.",
    syntax_example = "lookalike(segment, query [, options])",
    sql_example = r#"```sql
> SELECT one_id, score > 0.5 AS looks_alike, is_member FROM lookalike('doc_example_vip', 'SELECT column1 AS one_id, column2 AS spend FROM (VALUES (1, 100.0), (2, 90.0), (3, 95.0), (4, 5.0), (5, 10.0), (6, 92.0))') ORDER BY one_id;
+--------+-------------+-----------+
| one_id | looks_alike | is_member |
+--------+-------------+-----------+
| 1      | true        | true      |
| 2      | true        | true      |
| 3      | true        | true      |
| 4      | false       | false     |
| 5      | false       | false     |
| 6      | true        | false     |
+--------+-------------+-----------+
```"#,
    argument(
        name = "segment",
        description = "The seed audience: a segment's name, a string literal; its members as of its latest refresh."
    ),
    argument(
        name = "query",
        description = "The persons to score: a SQL query returning `one_id` (an integer) and the features."
    ),
    argument(
        name = "options",
        description = "Optional JSON object of `CREATE MODEL` options for the classifier (`type`, `seed`, `l2_reg`, `max_iterations`, ...); not `label` or `data_split_col`."
    )
)]
#[derive(Debug, Default)]
pub struct LookalikeFunc;

table_function_doc!(LookalikeFunc, NAME);

/// The classifier's options: the caller's, then the label lookalike sets.
fn classifier_options(json: Option<&str>) -> Result<ModelOptions> {
    let invalid = |e: String| DataFusionError::Plan(format!("{NAME}: argument 'options': {e}"));
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(json) = json {
        for (key, value) in json_object(NAME, "options", json)? {
            if ["label", "data_split_col"].contains(&key.to_ascii_lowercase().as_str()) {
                return Err(invalid(format!(
                    "'{key}' is set by lookalike (the segment's members)"
                )));
            }
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            pairs.push((key, text));
        }
    }
    if !pairs.iter().any(|(k, _)| k.eq_ignore_ascii_case("type")) {
        pairs.push(("type".into(), "logistic".into()));
    }
    pairs.push(("label".into(), MEMBER.into()));
    pairs.push(("positive_class".into(), "true".into()));
    let options = ModelOptions::parse(&pairs).map_err(|e| invalid(e.to_string()))?;
    if options.model_type.as_str() != "logistic" && options.model_type.as_str() != "gbdt" {
        return Err(invalid("type must be 'logistic' or 'gbdt'".into()));
    }
    Ok(options)
}

impl TableFunctionImpl for LookalikeFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([segment, query], [options_json]) = PARAMETERS.literals(NAME, args.exprs())?;
        let options = classifier_options(options_json.as_deref())?;
        let state = state_of(NAME, args.session())?;
        let plan = plan_call_query(NAME, state, &query)?;
        let schema = plan.schema().as_arrow().clone();
        match schema.field_with_name("one_id") {
            Ok(f) if f.data_type().is_integer() => {}
            _ => return plan_err!("{NAME}: the query must return one_id (an integer) and the features"),
        }
        if schema.fields().len() < 2 {
            return plan_err!("{NAME}: the query returns no feature besides one_id");
        }
        let called_with = [segment.clone(), query, options_json.unwrap_or_default()];
        Ok(CallTable::new(
            &SCHEMA,
            &called_with.each_ref().map(String::as_str),
            LookalikeScan {
                segment,
                options,
                plan,
            },
        ))
    }
}

#[derive(Debug)]
struct LookalikeScan {
    segment: String,
    options: ModelOptions,
    plan: LogicalPlan,
}

#[async_trait]
impl CallScan for LookalikeScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let physical = state_of(NAME, session)?.create_physical_plan(&self.plan).await?;
        let (segment, options) = (self.segment.clone(), self.options.clone());
        deferred_plan(
            schema,
            projection,
            limit,
            Arc::new(move |ctx, schema| {
                let (physical, segment, options) = (physical.clone(), segment.clone(), options.clone());
                futures::stream::once(async move {
                    let rows = collect_rows(physical, ctx.clone()).await?;
                    let (catalog, _) = open_catalog(ctx.session_config().options())?;
                    let members = catalog.current(&segment).await?;
                    let batch = score(&segment, rows, |id| members.contains(id), options)?;
                    Ok(batch.with_schema(schema)?)
                })
                .boxed()
            }),
        )
    }
}

/// Trains the member classifier on a balanced sample and scores every row.
fn score(
    segment: &str,
    rows: RecordBatch,
    is_member: impl Fn(i64) -> bool,
    options: ModelOptions,
) -> Result<RecordBatch> {
    let error = |e: String| DataFusionError::Execution(format!("{NAME}: {e}"));
    let schema = rows.schema();
    let position = schema.index_of("one_id")?;
    let ids = cast(rows.column(position), &DataType::Int64)?;
    let ids = ids.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    if ids.null_count() > 0 {
        return Err(error("the query returned a NULL one_id".into()));
    }
    let member: Vec<bool> = ids.values().iter().map(|&id| is_member(id)).collect();
    let members = member.iter().filter(|&&m| m).count();
    let others = member.len() - members;
    if members == 0 || others == 0 {
        return Err(error(format!(
            "segment '{segment}' has {members} members and {others} other persons among the query's rows; a look-alike needs both"
        )));
    }
    // Every member, and about as many others, picked by a seeded hash.
    let share = (members as f64 / others as f64).min(1.0);
    let threshold = (share * u64::MAX as f64) as u64;
    let sampled: Vec<bool> = member
        .iter()
        .enumerate()
        .map(|(i, &m)| m || mix(options.seed ^ mix(i as u64)) < threshold)
        .collect();
    let sampled = BooleanArray::from(sampled);
    let mut features: Vec<(String, ArrayRef)> = Vec::new();
    for (i, field) in schema.fields().iter().enumerate() {
        if i != position {
            if field.name() == MEMBER {
                return Err(error(format!("the query may not return a column named {MEMBER}")));
            }
            features.push((field.name().clone(), rows.column(i).clone()));
        }
    }
    let mut training: Vec<(String, ArrayRef)> = features
        .iter()
        .map(|(n, c)| Ok((n.clone(), filter(c, &sampled)?)))
        .collect::<Result<_>>()?;
    let label = BooleanArray::from(member.clone());
    training.push((MEMBER.to_string(), filter(&label, &sampled)?));
    let model = train(training, options).map_err(|e| error(e.to_string()))?;
    let scores = model
        .predict(rows.num_rows(), |name| {
            features.iter().find(|(n, _)| n == name).map(|(_, c)| c.clone())
        })
        .map_err(|e| error(e.to_string()))?;
    Ok(RecordBatch::try_new(
        SCHEMA.clone(),
        vec![
            Arc::new(Int64Array::from(ids.values().to_vec())),
            Arc::new(scores.as_primitive::<Float64Type>().clone()),
            Arc::new(label),
        ],
    )?)
}
