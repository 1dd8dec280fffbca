use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DataFusionError, Result, plan_err};
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion_macros::user_doc;
use futures::StreamExt;

use cdpfusion_models::Model;

use super::stored_model::stored_model;
use crate::arguments::{ArgumentKind, Parameters, required};
use crate::table_function::{
    CallScan, CallTable, deferred_plan, plan_call_query, state_of, table_function_doc,
};

const NAME: &str = "model_predict";

const PARAMETERS: Parameters = Parameters::List(&[
    required("model", ArgumentKind::Text),
    required("query", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "Table function: the rows of a query with a `prediction` column added by a model (`CREATE MODEL`): the probability of the positive class for a classifier, the value for a regression, the cluster number (BIGINT) for k-means. The model's features are found in the query's columns by name (extra columns pass through); a missing feature or one of the wrong type is an error before anything runs. Rows stream through: the query may be larger than memory. See docs/models.md.",
    syntax_example = "model_predict(model, query)",
    sql_example = r#"```sql
> SELECT x, round(prediction, 3) AS prediction FROM model_predict('doc_example_model', 'SELECT 5.0 AS x');
+-----+------------+
| x   | prediction |
+-----+------------+
| 5.0 | 11.0       |
+-----+------------+
```"#,
    argument(name = "model", description = "The model's name, a string literal."),
    argument(
        name = "query",
        description = "The rows to predict: a SQL query (or a table name) returning the model's features by name."
    )
)]
#[derive(Debug, Default)]
pub struct ModelPredictFunc;

table_function_doc!(ModelPredictFunc, NAME);

impl TableFunctionImpl for ModelPredictFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([model_name, query], []) = PARAMETERS.literals(NAME, args.exprs())?;
        let state = state_of(NAME, args.session())?;
        let model = stored_model(NAME, state.config_options(), &model_name)?;
        let sql = if query.split_whitespace().count() == 1 {
            format!("SELECT * FROM {query}")
        } else {
            query.clone()
        };
        let plan = plan_call_query(NAME, state, &sql)?;
        let input = plan.schema().as_arrow().clone();
        model
            .check_columns(|name| input.field_with_name(name).ok().map(|f| f.data_type().clone()))
            .map_err(|e| DataFusionError::Plan(format!("{NAME}: model '{model_name}': {e}")))?;
        if input.field_with_name("prediction").is_ok() {
            return plan_err!("{NAME}: the query already returns a column named prediction; rename it");
        }
        let mut fields: Vec<Field> = input.fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("prediction", model.prediction_type(), false));
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let called_with = [model_name.clone(), query];
        Ok(CallTable::new(
            &schema,
            &called_with.each_ref().map(String::as_str),
            PredictScan {
                model_name,
                model,
                plan,
            },
        ))
    }
}

struct PredictScan {
    model_name: String,
    model: Arc<Model>,
    plan: LogicalPlan,
}

impl std::fmt::Debug for PredictScan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PredictScan")
            .field("model", &self.model_name)
            .finish()
    }
}

/// `batch` with the model's prediction appended, as rows of `schema`.
fn with_prediction(
    model: &Model,
    model_name: &str,
    batch: RecordBatch,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let input = batch.schema();
    let prediction = model
        .predict(batch.num_rows(), |name| {
            input.index_of(name).ok().map(|i| batch.column(i).clone())
        })
        .map_err(|e| DataFusionError::Execution(format!("{NAME}: model '{model_name}': {e}")))?;
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(prediction);
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

#[async_trait]
impl CallScan for PredictScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let physical = state_of(NAME, session)?.create_physical_plan(&self.plan).await?;
        let (model, model_name) = (self.model.clone(), self.model_name.clone());
        deferred_plan(
            schema,
            projection,
            limit,
            Arc::new(move |ctx, schema| {
                let (model, model_name) = (model.clone(), model_name.clone());
                match execute_stream(physical.clone(), ctx) {
                    Ok(batches) => batches
                        .map(move |batch| with_prediction(&model, &model_name, batch?, &schema))
                        .boxed(),
                    Err(e) => futures::stream::once(async move { Err(e) }).boxed(),
                }
            }),
        )
    }
}
