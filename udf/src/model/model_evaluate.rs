use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use super::stored_model::model_rows;
use crate::segment::segment_table::segment_table;
use crate::table_function::table_function_doc;

const NAME: &str = "model_evaluate";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("metric", DataType::Utf8, false),
        Field::new("value", DataType::Float64, true),
        Field::new("evaluated_on", DataType::Utf8, false),
    ]))
});

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "Table function: how a model (`CREATE MODEL`) did on the rows held out when it was trained (`evaluated_on` says `holdout`, or `training` when there were too few rows to hold some out, and for k-means): `auc`, `log_loss` and `accuracy` for a classifier, `rmse` and `r2` for a regression, `inertia` and `cluster_<i>_size` for k-means, then `training_rows`, `evaluation_rows` and `rows_without_label`. See docs/models.md.",
    syntax_example = "model_evaluate(model)",
    sql_example = r#"```sql
> SELECT metric, value FROM model_evaluate('doc_example_model') WHERE metric IN ('rmse', 'training_rows');
+---------------+-------+
| metric        | value |
+---------------+-------+
| rmse          | 0.0   |
| training_rows | 4.0   |
+---------------+-------+
```"#,
    argument(name = "model", description = "The model's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct ModelEvaluateFunc;

table_function_doc!(ModelEvaluateFunc, NAME);

impl TableFunctionImpl for ModelEvaluateFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let (name, load) = model_rows(NAME, &args, |_, model| {
            let report = model.evaluation.report();
            Ok(RecordBatch::try_new(
                SCHEMA.clone(),
                vec![
                    Arc::new(StringArray::from_iter_values(report.iter().map(|(m, _)| m))),
                    Arc::new(Float64Array::from_iter(
                        report.iter().map(|(_, v)| v.is_finite().then_some(*v)),
                    )),
                    Arc::new(StringArray::from(vec![
                        model.evaluation.evaluated_on.as_str();
                        report.len()
                    ])),
                ],
            )?)
        })?;
        Ok(segment_table(&SCHEMA, &[name.as_str()], load))
    }
}
