use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::identity::records::RecordResolution;
use cdpfusion_core::identity::resolve::Resolution;

use super::resolution_table::{ResolutionOutput, resolution_table, text_column};
use crate::table_function::table_function_doc;

const NAME: &str = "resolve_records";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: each source record's person. Takes the same query and rules as `resolve_identities` (which it agrees with) and returns one row per distinct record: `record_id` (as text; integers in decimal), `source` (NULL when the query has no source column), `one_id` and `status`: `assigned` (its identifiers are in one person), `conflict` (they are in several persons, because a merge was refused; it goes to the person of its strongest identifier) or `unlinked` (every identifier it holds was set aside as shared or blocked, or it holds none: `one_id` is NULL). No record is lost.",
    syntax_example = "resolve_records(query [, rules_json])",
    sql_example = r#"```sql
> SELECT source, record_id, one_id IS NOT NULL AS has_person, status FROM resolve_records('SELECT * FROM (VALUES (''crm'', ''c1'', ''crm_id'', ''C1''), (''crm'', ''c1'', ''phone'', ''+8613800138000''), (''lead'', ''7'', ''phone'', ''+8613800138000''), (''lead'', ''7'', ''wechat_openid'', ''oX1''), (''lead'', ''8'', ''phone'', ''unknown'')) AS t(source, record_id, id_type, id_value)') ORDER BY source, record_id;
+--------+-----------+------------+----------+
| source | record_id | has_person | status   |
+--------+-----------+------------+----------+
| crm    | c1        | true       | assigned |
| lead   | 7         | true       | assigned |
| lead   | 8         | false      | unlinked |
+--------+-----------+------------+----------+
```"#,
    argument(
        name = "query",
        description = "SQL text (a string literal) returning the columns record_id, id_type, id_value and optionally source and name, as for resolve_identities."
    ),
    argument(
        name = "rules_json",
        description = "Optional JSON rules, as for resolve_identities. See docs/one-id.md."
    )
)]
#[derive(Debug, Default)]
pub struct ResolveRecordsFunc;

table_function_doc!(ResolveRecordsFunc, NAME);

pub static OUTPUT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, true),
        Field::new("one_id", DataType::Int64, true),
        Field::new("status", DataType::Utf8, false),
    ]))
});

/// One row per record, in the order records first appeared.
const RECORDS: ResolutionOutput = ResolutionOutput {
    function: NAME,
    records: true,
    rows: |resolution| record_map(resolution).len(),
    column: output_column,
};

impl TableFunctionImpl for ResolveRecordsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        resolution_table(RECORDS, args, &OUTPUT_SCHEMA)
    }
}

fn record_map(resolution: &Resolution) -> &RecordResolution {
    resolution
        .records()
        .expect("resolve_records runs the resolution with the record map")
}

/// Column `column` of [`OUTPUT_SCHEMA`] for the records at `rows`.
fn output_column(resolution: &Resolution, column: usize, rows: Range<usize>) -> ArrayRef {
    let records = record_map(resolution);
    match column {
        0 => text_column(rows, 12, |i| Some(records.record_id(i))),
        1 => text_column(rows, 6, |i| records.source(i)),
        2 => Arc::new(Int64Array::from(records.one_ids()[rows].to_vec())),
        // 3, the last column.
        _ => text_column(rows, 8, |i| Some(records.statuses()[i].as_str())),
    }
}
