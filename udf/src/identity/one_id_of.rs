use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Int64Array, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_core::identity::one_id_lookup::OneIdLookup;

use crate::arguments::{ArgumentKind, Parameters, required, same_shape};
use crate::catalog_cache::CatalogCache;

const NAME: &str = "one_id_of";

const PARAMETERS: Parameters = Parameters::List(&[
    required("graph", ArgumentKind::Utf8),
    required("id_type", ArgumentKind::Utf8),
    required("id_value", ArgumentKind::Utf8),
]);

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "The `one_id` of an identifier in a persistent identity graph (`CREATE IDENTITY GRAPH`), as its newest version maps it (`identity_map`), looked up in a hash table of the mapping without resolving anything: `SELECT lead_id, one_id_of('customers', 'phone', normalize_phone(phone)) FROM leads`. NULL when the graph does not hold the identifier or an argument is NULL. A shared or blocked identifier has its own `one_id`, as in the mapping. See docs/identity-graphs.md.",
    syntax_example = "one_id_of(graph, id_type, id_value)",
    sql_example = r#"```sql
> SELECT id_value, one_id_of('doc_example_graph', 'phone', id_value) = one_id_of('doc_example_graph', 'crm_id', 'C1') AS same_person FROM (VALUES ('+8613800138000'), ('+8613900139000')) AS t(id_value) ORDER BY id_value;
+----------------+-------------+
| id_value       | same_person |
+----------------+-------------+
| +8613800138000 | true        |
| +8613900139000 | NULL        |
+----------------+-------------+
```"#,
    argument(name = "graph", description = "The identity graph's name: a constant string."),
    argument(
        name = "id_type",
        description = "The identifier's type, text (`phone`, `crm_id`, ...)."
    ),
    argument(
        name = "id_value",
        description = "The identifier's value, text, normalised as the graph's links were (`normalize_phone`, `normalize_email`)."
    )
)]
#[derive(Debug)]
pub struct OneIdOf {
    signature: Signature,
    /// The mapping last read for each (catalog, graph), by its version.
    cache: CatalogCache<OneIdLookup>,
}

impl PartialEq for OneIdOf {
    fn eq(&self, other: &Self) -> bool {
        self.signature == other.signature
    }
}

impl Eq for OneIdOf {}

impl std::hash::Hash for OneIdOf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.signature.hash(state);
    }
}

impl Default for OneIdOf {
    fn default() -> Self {
        Self::new()
    }
}

impl OneIdOf {
    pub fn new() -> Self {
        Self {
            // Volatile: each append maps identifiers anew.
            signature: Signature::user_defined(Volatility::Volatile),
            cache: CatalogCache::default(),
        }
    }

    /// The graph's newest mapping, read again only when a new version was
    /// written ([`CatalogCache`]).
    fn lookup(&self, args: &ScalarFunctionArgs, graph: &str) -> Result<Arc<OneIdLookup>> {
        self.cache
            .get(NAME, &args.config_options, graph, |catalog, cached| async move {
                let graphs = catalog.identity_graphs();
                let latest = graphs.latest(graph).await?;
                let version = latest.version.to_string();
                let lookup = match cached {
                    Some((cached_version, lookup)) if cached_version == version => lookup,
                    _ => Arc::new(lookup_of(
                        graph,
                        &graphs.read_table(graph, &latest, "map").await?,
                    )?),
                };
                Ok((version, lookup))
            })
    }
}

/// The lookup of a mapping's rows.
fn lookup_of(graph: &str, map: &[RecordBatch]) -> Result<OneIdLookup> {
    let mut columns = Vec::with_capacity(map.len());
    for batch in map {
        let column = |name: &str, as_type: &DataType| match batch.column_by_name(name) {
            Some(column) => Ok(cast(column, as_type)?),
            None => Err(DataFusionError::Execution(format!(
                "{NAME}: the mapping of identity graph '{graph}' has no column {name}"
            ))),
        };
        columns.push((
            column("id_type", &DataType::Utf8)?,
            column("id_value", &DataType::Utf8)?,
            column("one_id", &DataType::Int64)?,
        ));
    }
    let rows = columns.iter().flat_map(|(types, values, ids)| {
        let (types, values, ids) = (
            types.as_string::<i32>(),
            values.as_string::<i32>(),
            ids.as_primitive::<Int64Type>(),
        );
        (0..types.len())
            .filter(move |&i| types.is_valid(i) && values.is_valid(i) && ids.is_valid(i))
            .map(move |i| (types.value(i), values.value(i), ids.value(i)))
    });
    Ok(OneIdLookup::from_rows(rows))
}

impl ScalarUDFImpl for OneIdOf {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        PARAMETERS.coerce(NAME, arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let graph = match &args.args[0] {
            ColumnarValue::Scalar(ScalarValue::Utf8(Some(graph))) => graph.clone(),
            _ => return plan_err!("{NAME}: argument 'graph' must be a constant string"),
        };
        let lookup = self.lookup(&args, &graph)?;
        let types = args.args[1].to_array(args.number_rows)?;
        let values = args.args[2].to_array(args.number_rows)?;
        let (types, values) = (types.as_string::<i32>(), values.as_string::<i32>());
        let mut buffer = Vec::new();
        let ids: Int64Array = types
            .iter()
            .zip(values.iter())
            .map(|(t, v)| lookup.get(t?, v?, &mut buffer))
            .collect();
        same_shape(&args.args, Arc::new(ids))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
