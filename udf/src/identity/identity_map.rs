use std::sync::Arc;

use datafusion::arrow::compute::concat_batches;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use super::graph_table::graph_table;
use super::resolve_identities::OUTPUT_SCHEMA;
use crate::table_function::table_function_doc;

const NAME: &str = "identity_map";

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: the mapping of a persistent identity graph (`CREATE IDENTITY GRAPH`) as of its newest version, read from the catalog without resolving anything: one row per identifier, `id_type, id_value, one_id, cluster_size, status, reason`, as `resolve_identities` returns them over all the graph's links. See docs/identity-graphs.md.",
    syntax_example = "identity_map(graph)",
    sql_example = r#"```sql
> SELECT id_type, id_value, cluster_size, status FROM identity_map('doc_example_graph') ORDER BY id_type, id_value;
+---------+----------------+--------------+--------+
| id_type | id_value       | cluster_size | status |
+---------+----------------+--------------+--------+
| crm_id  | C1             | 2            | merged |
| phone   | +8613800138000 | 2            | merged |
+---------+----------------+--------------+--------+
```"#,
    argument(name = "graph", description = "The identity graph's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct IdentityMapFunc;

table_function_doc!(IdentityMapFunc, NAME);

impl TableFunctionImpl for IdentityMapFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        graph_table(NAME, args, &OUTPUT_SCHEMA, |graphs, graph| async move {
            let latest = graphs.latest(&graph).await?;
            let batches = graphs.read_table(&graph, &latest, "map").await?;
            Ok(concat_batches(&OUTPUT_SCHEMA, &batches)?)
        })
    }
}
