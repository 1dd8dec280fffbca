use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, BooleanBuilder, Int64Builder, RecordBatch, StringBuilder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::identity::graph::PersonGraph;

use super::person_graph::person_graph_table;
use crate::table_function::table_function_doc;

const NAME: &str = "identity_lookup";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: the identity graph of the person who owns (`id_type`, `id_value`), as resolved by `resolve_identities` over the same query and rules. One row per record and identifier it holds: `one_id, record_id, id_type, id_value, status, in_person`; `in_person` is false for what a record held that is not the person's (a shared demo tablet, a refused CRM id). Identifiers of the person in no record come with a NULL record_id. No rows when the identifier is unknown.",
    syntax_example = "identity_lookup(query | graph, id_type, id_value [, rules_json])",
    sql_example = r#"```sql
> SELECT record_id, id_type, id_value, status, in_person FROM identity_lookup('SELECT * FROM (VALUES (''crm1'', ''crm_id'', ''C1''), (''crm1'', ''phone'', ''+8613800138000''), (''lead7'', ''phone'', ''+8613800138000''), (''lead7'', ''device_id'', ''TABLET-S001''), (''lead8'', ''phone'', ''+8613912345678''), (''lead8'', ''device_id'', ''TABLET-S001'')) AS t(record_id, id_type, id_value)', 'crm_id', 'C1', '{"max_links_per_type": 1}') ORDER BY record_id, id_type;
+-----------+-----------+----------------+--------+-----------+
| record_id | id_type   | id_value       | status | in_person |
+-----------+-----------+----------------+--------+-----------+
| crm1      | crm_id    | C1             | merged | true      |
| crm1      | phone     | +8613800138000 | merged | true      |
| lead7     | device_id | TABLET-S001    | shared | false     |
| lead7     | phone     | +8613800138000 | merged | true      |
+-----------+-----------+----------------+--------+-----------+
```"#,
    argument(
        name = "query",
        description = "The same SQL text as for resolve_identities, or the name of a persistent identity graph (`CREATE IDENTITY GRAPH`), whose newest mapping and stored links are read without resolving anything (no rules_json then)."
    ),
    argument(
        name = "id_type",
        description = "The type of the identifier to look up, e.g. 'phone'."
    ),
    argument(name = "id_value", description = "Its value, normalised as in the query."),
    argument(
        name = "rules_json",
        description = "Optional rules, as for resolve_identities."
    )
)]
#[derive(Debug, Default)]
pub struct IdentityLookupFunc;

table_function_doc!(IdentityLookupFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("one_id", DataType::Int64, false),
        Field::new("record_id", DataType::Utf8, true),
        Field::new("id_type", DataType::Utf8, false),
        Field::new("id_value", DataType::Utf8, false),
        Field::new("status", DataType::Utf8, false),
        Field::new("in_person", DataType::Boolean, false),
    ]))
});

impl TableFunctionImpl for IdentityLookupFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        person_graph_table(NAME, args, SCHEMA.clone(), render)
    }
}

fn render(graph: Option<&PersonGraph>) -> Result<RecordBatch> {
    let mut one_id = Int64Builder::new();
    let mut record_id = StringBuilder::new();
    let mut id_type = StringBuilder::new();
    let mut id_value = StringBuilder::new();
    let mut status = StringBuilder::new();
    let mut in_person = BooleanBuilder::new();
    if let Some(graph) = graph {
        let mut shown = vec![false; graph.identifiers.len()];
        let rows = graph
            .records
            .iter()
            .flat_map(|r| {
                r.identifiers
                    .iter()
                    .map(move |&i| (Some(r.record_id.as_str()), i))
            })
            .collect::<Vec<_>>();
        for &(_, i) in &rows {
            shown[i] = true;
        }
        let unlinked = (0..graph.identifiers.len())
            .filter(|&i| !shown[i])
            .map(|i| (None, i));
        for (record, i) in rows.iter().copied().chain(unlinked) {
            let identifier = &graph.identifiers[i];
            one_id.append_value(graph.one_id);
            record_id.append_option(record);
            id_type.append_value(&identifier.id_type);
            id_value.append_value(&identifier.id_value);
            status.append_value(identifier.status);
            in_person.append_value(identifier.in_person);
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(one_id.finish()),
        Arc::new(record_id.finish()),
        Arc::new(id_type.finish()),
        Arc::new(id_value.finish()),
        Arc::new(status.finish()),
        Arc::new(in_person.finish()),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}
