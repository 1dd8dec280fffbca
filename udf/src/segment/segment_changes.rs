use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;
use futures::FutureExt;

use super::segment_table::segment_table;
use crate::arguments::{ArgumentKind, Parameters, required};
use crate::table_function::table_function_doc;

const NAME: &str = "segment_changes";
const PARAMETERS: Parameters = Parameters::List(&[required("name", ArgumentKind::Text)]);

#[user_doc(
    doc_section(label = "cdpfusion Segment Functions"),
    description = "Table function: who entered and who exited a segment at its latest refresh, compared with the refresh before: `one_id, change` with change `entered` or `exited`. After the first refresh every member has entered.",
    syntax_example = "segment_changes(name)",
    sql_example = r#"```sql
> SELECT change, count(*) AS persons FROM segment_changes('doc_example_vip') GROUP BY change ORDER BY change;
+---------+---------+
| change  | persons |
+---------+---------+
| entered | 1       |
| exited  | 1       |
+---------+---------+
```"#,
    argument(name = "name", description = "The segment's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct SegmentChangesFunc;

table_function_doc!(SegmentChangesFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("one_id", DataType::Int64, false),
        Field::new("change", DataType::Utf8, false),
    ]))
});

impl TableFunctionImpl for SegmentChangesFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([name], []) = PARAMETERS.literals(NAME, args.exprs())?;
        let called_with = name.clone();
        Ok(segment_table(
            &SCHEMA,
            &[called_with.as_str()],
            Arc::new(move |catalog| {
                let name = name.clone();
                async move {
                    let now = catalog.current(&name).await?;
                    let before = catalog.members(&name, 1).await?.unwrap_or_default();
                    let entered = now.minus(&before);
                    let exited = before.minus(&now);
                    let ids = Int64Array::from_iter_values(entered.iter().chain(exited.iter()));
                    let changes = StringArray::from_iter_values(
                        std::iter::repeat_n("entered", entered.len() as usize)
                            .chain(std::iter::repeat_n("exited", exited.len() as usize)),
                    );
                    Ok(RecordBatch::try_new(
                        SCHEMA.clone(),
                        vec![Arc::new(ids), Arc::new(changes)],
                    )?)
                }
                .boxed()
            }),
        ))
    }
}
