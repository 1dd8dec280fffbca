use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Float64Array, RecordBatch, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;
use futures::FutureExt;

use super::segment_table::segment_table;
use crate::arguments::{ArgumentKind, Parameters, required};
use crate::table_function::table_function_doc;

const NAME: &str = "segment_overlap";
const PARAMETERS: Parameters = Parameters::List(&[
    required("a", ArgumentKind::Text),
    required("b", ArgumentKind::Text),
]);

#[user_doc(
    doc_section(label = "cdpfusion Segment Functions"),
    description = "Table function: one row comparing two segments' latest memberships, computed on their bitmaps: `size_a, size_b, both, either, jaccard` (both / either; 0 when both are empty).",
    syntax_example = "segment_overlap(a, b)",
    sql_example = r#"```sql
> SELECT * FROM segment_overlap('doc_example_vip', 'doc_example_vip');
+--------+--------+------+--------+---------+
| size_a | size_b | both | either | jaccard |
+--------+--------+------+--------+---------+
| 3      | 3      | 3    | 3      | 1.0     |
+--------+--------+------+--------+---------+
```"#,
    argument(name = "a", description = "A segment's name, a string literal."),
    argument(name = "b", description = "Another segment's name.")
)]
#[derive(Debug, Default)]
pub struct SegmentOverlapFunc;

table_function_doc!(SegmentOverlapFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("size_a", DataType::UInt64, false),
        Field::new("size_b", DataType::UInt64, false),
        Field::new("both", DataType::UInt64, false),
        Field::new("either", DataType::UInt64, false),
        Field::new("jaccard", DataType::Float64, false),
    ]))
});

impl TableFunctionImpl for SegmentOverlapFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let ([a, b], []) = PARAMETERS.literals(NAME, args.exprs())?;
        let arguments = [a.clone(), b.clone()];
        Ok(segment_table(
            &SCHEMA,
            &[arguments[0].as_str(), arguments[1].as_str()],
            Arc::new(move |catalog| {
                let (a, b) = (a.clone(), b.clone());
                async move {
                    let (a, b) = (catalog.current(&a).await?, catalog.current(&b).await?);
                    let (both, either) = a.overlap(&b);
                    let jaccard = if either == 0 {
                        0.0
                    } else {
                        both as f64 / either as f64
                    };
                    let column = |v: u64| Arc::new(UInt64Array::from(vec![v])) as _;
                    Ok(RecordBatch::try_new(
                        SCHEMA.clone(),
                        vec![
                            column(a.len()),
                            column(b.len()),
                            column(both),
                            column(either),
                            Arc::new(Float64Array::from(vec![jaccard])),
                        ],
                    )?)
                }
                .boxed()
            }),
        ))
    }
}
