use std::ops::Range;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::identity::resolve::Resolution;

use super::resolution_table::{ResolutionOutput, resolution_table, text_column};
use crate::table_function::table_function_doc;

const NAME: &str = "resolve_identities";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: merges identifiers seen in the same record into persons (One-ID). `query` is SQL returning `record_id` (text or integer), `id_type` and `id_value` (text), and optionally `source` (text: the system a record comes from) and `name` (text: the name typed on the record, any script: 张伟, Zhang Wei). Returns one row per distinct identifier: `id_type, id_value, one_id, cluster_size, status, reason`, where status is `merged`, `singleton`, `shared` (held by more than one person by the evidence: on too many records, linked to too many identifiers, or its records disagree on the other identifiers or the names they carry; kept out of merging), `refused` (a merge through it would break `max_per_person`) or `blocked` (a junk value), and `reason` names the rule that decided (NULL for merged and singleton). The same rows give the same one_ids whatever their order.",
    syntax_example = "resolve_identities(query [, rules_json])",
    sql_example = r#"```sql
> SELECT id_type, id_value, cluster_size, status, reason FROM resolve_identities('SELECT * FROM (VALUES (''crm1'', ''crm_id'', ''C1''), (''crm1'', ''phone'', ''+8613800138000''), (''lead7'', ''phone'', ''+8613800138000''), (''lead7'', ''wechat_openid'', ''oX1''), (''lead8'', ''phone'', ''unknown'')) AS t(record_id, id_type, id_value)') ORDER BY id_type, id_value;
+---------------+----------------+--------------+---------+--------+
| id_type       | id_value       | cluster_size | status  | reason |
+---------------+----------------+--------------+---------+--------+
| crm_id        | C1             | 3            | merged  | NULL   |
| phone         | +8613800138000 | 3            | merged  | NULL   |
| phone         | unknown        | 1            | blocked | block  |
| wechat_openid | oX1            | 3            | merged  | NULL   |
+---------------+----------------+--------------+---------+--------+
```"#,
    argument(
        name = "query",
        description = "SQL text (a string literal) returning the columns record_id, id_type, id_value and optionally source and name. A record is its source and record_id together; its name is the first non-NULL one of its rows."
    ),
    argument(
        name = "rules_json",
        description = "Optional JSON rules: `types` ({\"phone\": {\"priority\": 30, \"max_per_person\": 3}, ...}), `max_identifier_degree` (default 50), `max_links_per_type` (default 5), `max_records_per_identifier` (default 30, per source; none for crm_id and vin), `max_records_unconfirmed` (default 5), `event_sources` (sources not counted), `shared_on_conflict` (default true), `shared_on_name_disagreement` (default true; read when the query returns `name`), `block` ({\"values\": [...], \"patterns\": [...]}), `previous` (a table or query of id_type, id_value, one_id from an earlier run, whose ids are kept). See docs/one-id.md."
    )
)]
#[derive(Debug, Default)]
pub struct ResolveIdentitiesFunc;

table_function_doc!(ResolveIdentitiesFunc, NAME);

pub static OUTPUT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("id_type", DataType::Utf8, false),
        Field::new("id_value", DataType::Utf8, false),
        Field::new("one_id", DataType::Int64, false),
        Field::new("cluster_size", DataType::Int64, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("reason", DataType::Utf8, true),
    ]))
});

/// One row per identifier, in canonical order.
const IDENTIFIERS: ResolutionOutput = ResolutionOutput {
    function: NAME,
    records: false,
    rows: Resolution::len,
    column: output_column,
};

impl TableFunctionImpl for ResolveIdentitiesFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        resolution_table(IDENTIFIERS, args, &OUTPUT_SCHEMA)
    }
}

/// Column `column` of [`OUTPUT_SCHEMA`] for the identifiers at `rows`.
fn output_column(resolution: &Resolution, column: usize, rows: Range<usize>) -> ArrayRef {
    match column {
        0 => text_column(rows, 8, |i| Some(resolution.id_type(i))),
        1 => text_column(rows, 16, |i| Some(resolution.id_value(i))),
        2 => Arc::new(Int64Array::from(resolution.one_ids()[rows].to_vec())),
        3 => Arc::new(Int64Array::from_iter_values(
            resolution.cluster_sizes()[rows].iter().map(|&size| size as i64),
        )),
        4 => text_column(rows, 8, |i| Some(resolution.statuses()[i].as_str())),
        // 5, the last column.
        _ => text_column(rows, 4, |i| resolution.reasons()[i].as_str()),
    }
}
