use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Int64Builder, ListBuilder, RecordBatch, StringBuilder, UInt64Builder};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{DataFusionError, Result};
use datafusion_macros::user_doc;

use cdpfusion_catalog::for_each_mapped;
use cdpfusion_core::identity::one_id_lookup::{LookupFile, key};

use super::graph_table::graph_table;
use crate::table_function::table_function_doc;

const NAME: &str = "identity_changes";

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("one_id", DataType::Int64, false),
        Field::new("change", DataType::Utf8, false),
        Field::new(
            "previous_one_ids",
            DataType::List(Arc::new(Field::new_list_field(DataType::Int64, false))),
            false,
        ),
        Field::new("identifiers", DataType::UInt64, false),
        Field::new("new_identifiers", DataType::UInt64, false),
    ]))
});

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "Table function: the persons the newest version of a persistent identity graph changed (`APPEND TO IDENTITY GRAPH`, or `CREATE` for the first), one row per person of the new version: `one_id, change, previous_one_ids, identifiers, new_identifiers`. `change` is `created` (none of its identifiers had a person before), `merged` (they had two or more: `previous_one_ids` lists them) or `split` (its identifiers' one person before is now several). Persons that only gained identifiers, or did not change, are not listed. Read from the catalog: the new mapping and the previous version's lookup file. See docs/identity-graphs.md.",
    syntax_example = "identity_changes(graph)",
    sql_example = r#"```sql
> SELECT change, cardinality(previous_one_ids) AS previous, identifiers, new_identifiers FROM identity_changes('doc_example_graph');
+---------+----------+-------------+-----------------+
| change  | previous | identifiers | new_identifiers |
+---------+----------+-------------+-----------------+
| created | 0        | 2           | 2               |
+---------+----------+-------------+-----------------+
```"#,
    argument(name = "graph", description = "The identity graph's name, a string literal.")
)]
#[derive(Debug, Default)]
pub struct IdentityChangesFunc;

table_function_doc!(IdentityChangesFunc, NAME);

impl TableFunctionImpl for IdentityChangesFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        graph_table(NAME, args, &SCHEMA, |graphs, graph| async move {
            let (mut earlier, latest) = graphs.history(&graph).await?;
            let map = graphs.read_table(&graph, &latest, "map").await?;
            let before = match earlier.pop() {
                Some(previous) => {
                    let bytes = graphs.read_lookup(&graph, &previous).await?;
                    Some(LookupFile::read(bytes).map_err(|e| {
                        DataFusionError::Execution(format!(
                            "{NAME}: identity graph '{graph}' version {}: {e}",
                            previous.version
                        ))
                    })?)
                }
                None => None,
            };
            changes(&map, |key| before.as_ref().and_then(|b| b.get(key)))
        })
    }
}

/// What each person of the new mapping was before, as far as it changed.
#[derive(Default)]
struct Person {
    previous: Vec<i64>,
    identifiers: u64,
    new_identifiers: u64,
}

/// The changed persons of mapping `map`, given each identifier's `one_id`
/// before (by its [`key`]).
fn changes(map: &[RecordBatch], before: impl Fn(u128) -> Option<i64>) -> Result<RecordBatch> {
    let mut persons: HashMap<i64, Person> = HashMap::new();
    // Each previous person's first new person, and whether it has another.
    let mut successors: HashMap<i64, (i64, bool)> = HashMap::new();
    let mut buffer = Vec::new();
    for_each_mapped(map, |id_type, id_value, one_id, _| {
        let person = persons.entry(one_id).or_default();
        person.identifiers += 1;
        match before(key(id_type, id_value, &mut buffer)) {
            None => person.new_identifiers += 1,
            Some(previous) => {
                if !person.previous.contains(&previous) {
                    person.previous.push(previous);
                }
                let successor = successors.entry(previous).or_insert((one_id, false));
                successor.1 |= successor.0 != one_id;
            }
        }
    })?;
    let mut rows: Vec<(&'static str, i64, Person)> = persons
        .into_iter()
        .filter_map(|(one_id, mut person)| {
            person.previous.sort_unstable();
            let change = match person.previous.as_slice() {
                [] => "created",
                [_, _, ..] => "merged",
                [previous] if successors[previous].1 => "split",
                [_] => return None,
            };
            Some((change, one_id, person))
        })
        .collect();
    rows.sort_by_key(|&(change, one_id, _)| (change, one_id));
    let mut ids = Int64Builder::with_capacity(rows.len());
    let mut kinds = StringBuilder::new();
    let mut previous = ListBuilder::new(Int64Builder::new())
        .with_field(Arc::new(Field::new_list_field(DataType::Int64, false)));
    let (mut identifiers, mut new_identifiers) = (UInt64Builder::new(), UInt64Builder::new());
    for (change, one_id, person) in rows {
        ids.append_value(one_id);
        kinds.append_value(change);
        previous.values().append_slice(&person.previous);
        previous.append(true);
        identifiers.append_value(person.identifiers);
        new_identifiers.append_value(person.new_identifiers);
    }
    Ok(RecordBatch::try_new(
        SCHEMA.clone(),
        vec![
            Arc::new(ids.finish()),
            Arc::new(kinds.finish()),
            Arc::new(previous.finish()),
            Arc::new(identifiers.finish()),
            Arc::new(new_identifiers.finish()),
        ],
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::Int64Type;

    fn map(rows: &[(&str, i64)]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id_type", DataType::Utf8, false),
            Field::new("id_value", DataType::Utf8, false),
            Field::new("one_id", DataType::Int64, false),
            Field::new("status", DataType::Utf8, false),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "phone"))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|(v, _)| *v))),
                Arc::new(Int64Array::from_iter_values(rows.iter().map(|(_, id)| *id))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|_| "merged"))),
            ],
        )
        .unwrap()
    }

    #[test]
    fn persons_created_merged_and_split_are_told_apart() {
        // Before: a, b in 1; c in 2; d in 3; e, f in 4.
        let before_rows = [("a", 1), ("b", 1), ("c", 2), ("d", 3), ("e", 4), ("f", 4)];
        let mut buffer = Vec::new();
        let before: HashMap<u128, i64> = before_rows
            .iter()
            .map(|(v, id)| (key("phone", v, &mut buffer), *id))
            .collect();
        // After: 1 and 2 merged (with new g); 3 gained h; 4 split into 4 and
        // 9; i, j are a new person.
        let after = map(&[
            ("a", 1),
            ("b", 1),
            ("c", 1),
            ("g", 1),
            ("d", 3),
            ("h", 3),
            ("e", 4),
            ("f", 9),
            ("i", 7),
            ("j", 7),
        ]);
        let changed = changes(&[after], |key| before.get(&key).copied()).unwrap();
        let kinds: Vec<&str> = changed.column(1).as_string::<i32>().iter().flatten().collect();
        let ids: Vec<i64> = changed.column(0).as_primitive::<Int64Type>().values().to_vec();
        assert_eq!(kinds, ["created", "merged", "split", "split"]);
        assert_eq!(ids, [7, 1, 4, 9]);
        let previous = changed.column(2).as_list::<i32>();
        assert_eq!(previous.value(1).as_primitive::<Int64Type>().values(), &[1, 2]);
        assert_eq!(previous.value(3).as_primitive::<Int64Type>().values(), &[4]);
        let new_identifiers = changed
            .column(4)
            .as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
        assert_eq!(new_identifiers.values(), &[2, 1, 0, 0]);
    }
}
