use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use datafusion::arrow::array::{AsArray, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DataFusionError, Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use datafusion_macros::user_doc;

use cdpfusion_catalog::{GraphVersion, IdentityGraphs};
use cdpfusion_core::identity::one_id_lookup::{
    BucketTable, DamagedLookup, PREAMBLE_BYTES, find_in_bucket, key,
};

use crate::arguments::{ArgumentKind, Parameters, required, same_shape};
use crate::catalog_cache::CatalogCache;
use crate::own_thread::block_on_own_thread;

const NAME: &str = "one_id_of";

const PARAMETERS: Parameters = Parameters::List(&[
    required("graph", ArgumentKind::Utf8),
    required("id_type", ArgumentKind::Utf8),
    required("id_value", ArgumentKind::Utf8),
]);

#[user_doc(
    doc_section(label = "cdpfusion Identity Functions"),
    description = "The `one_id` of an identifier in a persistent identity graph (`CREATE IDENTITY GRAPH`), as its newest version maps it (`identity_map`), looked up in the version's lookup file (buckets of about a thousand identifiers by a hash of type and value: one lookup reads two small ranges of it, a million read it once) without resolving anything: `SELECT lead_id, one_id_of('customers', 'phone', normalize_phone(phone)) FROM leads`. NULL when the graph does not hold the identifier or an argument is NULL. A shared or blocked identifier has its own `one_id`, as in the mapping. See docs/identity-graphs.md.",
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
    /// The lookup file last opened for each (catalog, graph), by version.
    cache: CatalogCache<GraphLookup>,
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

/// A version's lookup file as far as it has been read: its bucket table,
/// and the buckets the lookups so far needed (all of them once a batch
/// needs more than a quarter).
#[derive(Debug)]
struct GraphLookup {
    graphs: IdentityGraphs,
    graph: String,
    version: GraphVersion,
    table: BucketTable,
    read: Mutex<ReadSoFar>,
}

/// What has been read of a lookup file's entries.
#[derive(Debug, Default)]
struct ReadSoFar {
    /// Every entry, once a batch needed many buckets.
    all: Option<Bytes>,
    /// Single buckets, before that.
    buckets: HashMap<usize, Bytes>,
}

impl ReadSoFar {
    fn holds(&self, bucket: usize) -> bool {
        self.all.is_some() || self.buckets.contains_key(&bucket)
    }

    /// A key's `one_id`, from what was read.
    fn get(&self, table: &BucketTable, key: u128) -> Option<i64> {
        let bucket = table.bucket(key);
        let entries = match &self.all {
            Some(all) => {
                let (first, range) = (table.entries_range().start, table.bucket_range(bucket));
                &all[(range.start - first) as usize..(range.end - first) as usize]
            }
            None => self.buckets.get(&bucket)?,
        };
        find_in_bucket(entries, table.bits(), key)
    }
}

/// The error of a damaged lookup file, naming the graph and the version.
fn damaged_lookup(graph: &str, version: &GraphVersion, e: DamagedLookup) -> DataFusionError {
    DataFusionError::Execution(format!(
        "{NAME}: identity graph '{graph}' version {}: {e}; CREATE OR REPLACE IDENTITY GRAPH builds the graph again",
        version.version
    ))
}

impl GraphLookup {
    fn damaged(&self, e: DamagedLookup) -> DataFusionError {
        damaged_lookup(&self.graph, &self.version, e)
    }

    /// Opens a version's lookup file: two small reads.
    async fn open(graphs: IdentityGraphs, graph: &str, version: GraphVersion) -> Result<Self> {
        let damaged = |e: DamagedLookup| damaged_lookup(graph, &version, e);
        let read_one = |range: Range<u64>| {
            let (graphs, version) = (&graphs, &version);
            async move {
                let read = graphs.read_lookup_ranges(graph, version, &[range]).await?;
                read.into_iter()
                    .next()
                    .ok_or_else(|| damaged(DamagedLookup("a range of it could not be read".into())))
            }
        };
        let preamble = read_one(0..PREAMBLE_BYTES as u64).await?;
        let table = read_one(BucketTable::table_range(&preamble).map_err(damaged)?).await?;
        let table = BucketTable::read(&preamble, &table).map_err(damaged)?;
        Ok(GraphLookup {
            graphs,
            graph: graph.to_string(),
            version,
            table,
            read: Mutex::default(),
        })
    }

    /// The `one_id` of each key, reading first the buckets not read yet:
    /// each on its own when they are few, else every entry at once.
    fn get_all(&self, keys: &[Option<u128>]) -> Result<Int64Array> {
        let missing: Vec<usize> = {
            let read = self.read.lock().unwrap();
            let mut missing: Vec<usize> = keys
                .iter()
                .flatten()
                .map(|&key| self.table.bucket(key))
                .filter(|&bucket| !read.holds(bucket))
                .collect();
            missing.sort_unstable();
            missing.dedup();
            missing
        };
        if !missing.is_empty() {
            let all = missing.len() * 4 > self.table.buckets();
            let ranges: Vec<Range<u64>> = if all {
                vec![self.table.entries_range()]
            } else {
                missing.iter().map(|&b| self.table.bucket_range(b)).collect()
            };
            let bytes = block_on_own_thread(NAME, "reading the identity graph", || {
                self.graphs
                    .read_lookup_ranges(&self.graph, &self.version, &ranges)
            })?;
            // Ranges are checked bucket by bucket: the file's own checksum
            // needs the whole file.
            let checked = if all {
                bytes.first().map_or(Ok(()), |all| self.table.check_entries(all))
            } else {
                missing
                    .iter()
                    .zip(&bytes)
                    .try_for_each(|(&bucket, entries)| self.table.check_bucket(bucket, entries))
            };
            checked.map_err(|e| self.damaged(e))?;
            let mut read = self.read.lock().unwrap();
            if all {
                read.all = bytes.into_iter().next();
                read.buckets.clear();
            } else {
                read.buckets.extend(missing.into_iter().zip(bytes));
            }
        }
        let read = self.read.lock().unwrap();
        Ok(keys.iter().map(|k| read.get(&self.table, (*k)?)).collect())
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

    /// The graph's newest lookup file, opened again only when a new version
    /// was written ([`CatalogCache`]).
    fn lookup(&self, args: &ScalarFunctionArgs, graph: &str) -> Result<Arc<GraphLookup>> {
        self.cache
            .get(NAME, &args.config_options, graph, |catalog, cached| async move {
                let graphs = catalog.identity_graphs();
                let latest = graphs.latest(graph).await?;
                let version = latest.version.to_string();
                let lookup = match cached {
                    Some((cached_version, lookup)) if cached_version == version => lookup,
                    _ => Arc::new(GraphLookup::open(graphs, graph, latest).await?),
                };
                Ok((version, lookup))
            })
    }
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
        let keys: Vec<Option<u128>> = types
            .iter()
            .zip(values.iter())
            .map(|(t, v)| Some(key(t?, v?, &mut buffer)))
            .collect();
        let ids = lookup.get_all(&keys)?;
        same_shape(&args.args, Arc::new(ids))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}
