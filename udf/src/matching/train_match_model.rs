use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::matching::train_match_model;

use super::match_call::{MatchCall, ReadRecords, match_error};
use crate::table_function::table_function_doc;

const NAME: &str = "train_match_model";

static SCHEMA: LazyLock<SchemaRef> =
    LazyLock::new(|| Arc::new(Schema::new(vec![Field::new("model", DataType::Utf8, false)])));

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "Table function: trains the model `match_records` uses and returns it as one row, `model`, a JSON document: `probability_two_random_records_match` (λ), and for each comparison its kind, thresholds and levels with `m_probability`, `u_probability`, `bayes_factor` and `match_weight`, and how it was trained (EM sessions, iterations, whether each converged). Save it (`CREATE TABLE m AS SELECT model FROM train_match_model(...)`) and pass it back as the `model` option to score without training. Same query and options as `match_records`.",
    syntax_example = "train_match_model(query [, options])",
    sql_example = r#"```sql
> SELECT json_level_count FROM (SELECT length(model) > 100 AS json_level_count FROM train_match_model('SELECT * FROM (VALUES (1, ''张伟'', ''shanghai''), (2, ''章伟'', ''shanghai''), (3, ''李娜'', ''beijing''), (4, ''王芳'', ''shanghai'')) AS t(record_id, name, city)', '{"blocking": [["city"]]}'));
+------------------+
| json_level_count |
+------------------+
| true             |
+------------------+
```"#,
    argument(
        name = "query",
        description = "SQL text (a string literal) returning record_id, optionally source, and the columns to compare, as for match_records."
    ),
    argument(
        name = "options",
        description = "Optional JSON options, as for match_records (threshold and model are not used)."
    )
)]
#[derive(Debug, Default)]
pub struct TrainMatchModelFunc;

table_function_doc!(TrainMatchModelFunc, NAME);

impl TableFunctionImpl for TrainMatchModelFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        Ok(MatchCall::new(NAME, &args)?.table(&SCHEMA, trained_model))
    }
}

/// The model trained on the records, as one row.
fn trained_model(call: &MatchCall, records: ReadRecords, schema: SchemaRef) -> Result<RecordBatch> {
    let model =
        train_match_model(&records.input, &call.options).map_err(|e| match_error(call.function, e))?;
    Ok(RecordBatch::try_new(
        schema,
        vec![Arc::new(StringArray::from(vec![model.to_json()]))],
    )?)
}
