use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Float64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use super::stored_model::model_rows;
use crate::segment::segment_table::segment_table;
use crate::table_function::table_function_doc;

const NAME: &str = "model_drivers";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("feature", DataType::Utf8, false),
        Field::new("weight", DataType::Float64, false),
        Field::new("importance", DataType::Float64, false),
        Field::new("direction", DataType::Utf8, false),
        Field::new("std_error", DataType::Float64, true),
        Field::new("p_value", DataType::Float64, true),
    ]))
});

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "Table function: what drives a model's predictions, one row per encoded feature (a number, or `column = 'value'` for a text value), most important first. Logistic and linear models: `weight` is the change in log-odds (or in the label) per standard deviation of the feature, with its `std_error` and a two-sided Wald `p_value`; `importance` is its share of the absolute weights. Gradient boosting: `importance` (and `weight`) is the feature's share of the split gain, `direction` the sign of its correlation with the prediction. k-means: the share of the feature's variance the clusters explain. `direction` is `raises`, `lowers` or `none`. See docs/models.md.",
    syntax_example = "model_drivers(model)",
    sql_example = r#"```sql
> SELECT feature, round(weight, 3) AS weight, direction FROM model_drivers('doc_example_model');
+---------+--------+-----------+
| feature | weight | direction |
+---------+--------+-----------+
| x       | 2.236  | raises    |
+---------+--------+-----------+
```"#,
    argument(name = "model", description = "The model's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct ModelDriversFunc;

table_function_doc!(ModelDriversFunc, NAME);

impl TableFunctionImpl for ModelDriversFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let (name, load) = model_rows(NAME, &args, |_, model| {
            let drivers = &model.drivers;
            Ok(RecordBatch::try_new(
                SCHEMA.clone(),
                vec![
                    Arc::new(StringArray::from_iter_values(drivers.iter().map(|d| &d.feature))),
                    Arc::new(Float64Array::from_iter_values(drivers.iter().map(|d| d.weight))),
                    Arc::new(Float64Array::from_iter_values(
                        drivers.iter().map(|d| d.importance),
                    )),
                    Arc::new(StringArray::from_iter_values(
                        drivers.iter().map(|d| &d.direction),
                    )),
                    Arc::new(Float64Array::from_iter(drivers.iter().map(|d| d.std_error))),
                    Arc::new(Float64Array::from_iter(drivers.iter().map(|d| d.p_value))),
                ],
            )?)
        })?;
        Ok(segment_table(&SCHEMA, &[name.as_str()], load))
    }
}
