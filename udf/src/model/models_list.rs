use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;
use futures::FutureExt;

use super::stored_model::decoded;
use crate::arguments::Parameters;
use crate::segment::segment_table::segment_table;
use crate::table_function::table_function_doc;

const NAME: &str = "models";

const PARAMETERS: Parameters = Parameters::List(&[]);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("model", DataType::Utf8, false),
        Field::new("version", DataType::UInt64, false),
        Field::new("type", DataType::Utf8, false),
        Field::new("label", DataType::Utf8, true),
        Field::new("features", DataType::Utf8, false),
        Field::new("created_at", DataType::Utf8, false),
        Field::new("query", DataType::Utf8, false),
    ]))
});

#[user_doc(
    doc_section(label = "cdpfusion Model Functions"),
    description = "Table function: the models in the catalog, each at its newest version: its name, version, type, label, input features (in training order, the order `predict` takes them) and the query it was trained on. See docs/models.md.",
    syntax_example = "models()",
    sql_example = r#"```sql
> SELECT model, type, label, features FROM models() WHERE model = 'doc_example_model';
+-------------------+--------+-------+----------+
| model             | type   | label | features |
+-------------------+--------+-------+----------+
| doc_example_model | linear | y     | x        |
+-------------------+--------+-------+----------+
```"#
)]
#[derive(Debug, Default)]
pub struct ModelsFunc;

table_function_doc!(ModelsFunc, NAME);

impl TableFunctionImpl for ModelsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([], []) = PARAMETERS.literals::<0, 0>(NAME, args.exprs())?;
        Ok(segment_table(
            &SCHEMA,
            &[],
            Arc::new(|catalog| {
                async move {
                    let models = catalog.models();
                    let mut rows = Vec::new();
                    for name in models.names().await? {
                        let version = models.latest(&name).await?;
                        let model = decoded(NAME, &name, &version)?;
                        let features: Vec<&str> = model.features().map(|(f, _)| f).collect();
                        rows.push((
                            name,
                            version.clone(),
                            model.options.label.clone(),
                            features.join(", "),
                        ));
                    }
                    Ok(RecordBatch::try_new(
                        SCHEMA.clone(),
                        vec![
                            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0))),
                            Arc::new(UInt64Array::from_iter_values(rows.iter().map(|r| r.1.version))),
                            Arc::new(StringArray::from_iter_values(
                                rows.iter().map(|r| &r.1.model_type),
                            )),
                            Arc::new(StringArray::from_iter(rows.iter().map(|r| r.2.as_deref()))),
                            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.3))),
                            Arc::new(StringArray::from_iter_values(
                                rows.iter().map(|r| &r.1.created_at),
                            )),
                            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1.query))),
                        ],
                    )?)
                }
                .boxed()
            }),
        ))
    }
}
