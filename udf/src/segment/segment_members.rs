use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;
use futures::FutureExt;

use super::segment_table::segment_table;
use crate::arguments::{ArgumentKind, Parameters, required};
use crate::table_function::table_function_doc;

const NAME: &str = "segment_members";
const PARAMETERS: Parameters = Parameters::List(&[required("name", ArgumentKind::Text)]);

#[user_doc(
    doc_section(label = "cdpfusion Segment Functions"),
    description = "Table function: the members of a segment as of its latest refresh, one row per `one_id`, in ascending order. Combine segments with SQL set operations: `SELECT one_id FROM segment_members('a') INTERSECT SELECT one_id FROM segment_members('b')` (AND), `UNION` (OR), `EXCEPT`.",
    syntax_example = "segment_members(name)",
    sql_example = r#"```sql
> SELECT count(*) AS members FROM segment_members('doc_example_vip');
+---------+
| members |
+---------+
| 3       |
+---------+
```"#,
    argument(name = "name", description = "The segment's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct SegmentMembersFunc;

table_function_doc!(SegmentMembersFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> =
    LazyLock::new(|| Arc::new(Schema::new(vec![Field::new("one_id", DataType::Int64, false)])));

impl TableFunctionImpl for SegmentMembersFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([name], []) = PARAMETERS.literals(NAME, args.exprs())?;
        let called_with = name.clone();
        Ok(segment_table(
            &SCHEMA,
            &[called_with.as_str()],
            Arc::new(move |catalog| {
                let name = name.clone();
                async move {
                    let members = catalog.current(&name).await?;
                    let ids = Int64Array::from_iter_values(members.iter());
                    Ok(RecordBatch::try_new(SCHEMA.clone(), vec![Arc::new(ids)])?)
                }
                .boxed()
            }),
        ))
    }
}
