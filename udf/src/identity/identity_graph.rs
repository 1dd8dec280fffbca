use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::identity::graph::PersonGraph;

use super::person_graph::person_graph_table;
use crate::table_function::table_function_doc;

const NAME: &str = "identity_graph";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: the identity graph of the person who owns (`id_type`, `id_value`), as one row: `one_id, identifiers, records, dot, json`. `dot` is Graphviz (identifiers as boxes, dashed when not the person's; records as ellipses); `json` has `identifiers` and `records` (each with the positions of the identifiers it holds) for a viewer. Same arguments and rules as identity_lookup; no row when the identifier is unknown.",
    syntax_example = "identity_graph(query | graph, id_type, id_value [, rules_json])",
    sql_example = r#"```sql
> SELECT identifiers, records, dot LIKE 'graph person_%' AS dot_ok, json LIKE '%"record_id":"crm1","identifiers":[0,1]%' AS json_ok FROM identity_graph('SELECT * FROM (VALUES (''crm1'', ''crm_id'', ''C1''), (''crm1'', ''phone'', ''+8613800138000'')) AS t(record_id, id_type, id_value)', 'phone', '+8613800138000');
+-------------+---------+--------+---------+
| identifiers | records | dot_ok | json_ok |
+-------------+---------+--------+---------+
| 2           | 1       | true   | true    |
+-------------+---------+--------+---------+
```"#,
    argument(
        name = "query",
        description = "The same SQL text as for resolve_identities, or the name of a persistent identity graph (`CREATE IDENTITY GRAPH`), whose newest mapping and stored links are read without resolving anything (no rules_json then)."
    ),
    argument(name = "id_type", description = "The type of the identifier to look up."),
    argument(name = "id_value", description = "Its value, normalised as in the query."),
    argument(
        name = "rules_json",
        description = "Optional rules, as for resolve_identities."
    )
)]
#[derive(Debug, Default)]
pub struct IdentityGraphFunc;

table_function_doc!(IdentityGraphFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("one_id", DataType::Int64, false),
        Field::new("identifiers", DataType::Int64, false),
        Field::new("records", DataType::Int64, false),
        Field::new("dot", DataType::Utf8, false),
        Field::new("json", DataType::Utf8, false),
    ]))
});

impl TableFunctionImpl for IdentityGraphFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        person_graph_table(NAME, args, SCHEMA.clone(), render)
    }
}

fn render(graph: Option<&PersonGraph>) -> Result<RecordBatch> {
    let graphs: Vec<&PersonGraph> = graph.into_iter().collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(graphs.iter().map(|g| g.one_id).collect::<Int64Array>()),
        Arc::new(
            graphs
                .iter()
                .map(|g| g.identifiers.len() as i64)
                .collect::<Int64Array>(),
        ),
        Arc::new(
            graphs
                .iter()
                .map(|g| g.records.len() as i64)
                .collect::<Int64Array>(),
        ),
        Arc::new(graphs.iter().map(|g| Some(g.to_dot())).collect::<StringArray>()),
        Arc::new(graphs.iter().map(|g| Some(g.to_json())).collect::<StringArray>()),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}
