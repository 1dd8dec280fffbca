//! Identity graphs in the catalog (docs/identity-graphs.md): each version's
//! new links and the whole mapping after it.
//!
//! ```text
//! <catalog>/identity-graphs/<name>/<n>/<writer>/links.parquet   the links version n added
//! <catalog>/identity-graphs/<name>/<n>/<writer>/map.parquet     the mapping after version n
//! <catalog>/identity-graphs/<name>/<n>/<writer>/lookup.bin      the mapping laid out for one_id_of
//! <catalog>/identity-graphs/<name>/versions/<n>.json            version n, naming its folder; written last
//! ```
//!
//! A version exists once its JSON does, and the JSON is created only if it
//! does not exist yet (`PutMode::Create`): a process killed while writing
//! leaves the previous version the newest, and of two appends at once one
//! creates the version and the other gets an error. Each writer writes its
//! files into a folder of its own (`<writer>`: process and time), so the
//! loser's files never replace the winner's, and are never read. The JSON
//! holds each file's size and checksum: readers take the newest version
//! whose files are all there at their sizes, and a whole file read is
//! checked against its checksum.
//! (`identity-graphs` holds a dash, so no segment can be named so.)

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, SchemaRef};
use datafusion::common::{DataFusionError, Result};
use datafusion::object_store::path::Path;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

/// The folder of the catalog that holds the identity graphs.
pub const IDENTITY_GRAPHS_FOLDER: &str = "identity-graphs";
/// A version's mapping laid out for lookups.
const LOOKUP_FILE: &str = "lookup.bin";
const LINKS_FILE: &str = "links.parquet";
const MAP_FILE: &str = "map.parquet";

/// Calls `row` with each `(id_type, id_value, one_id, status)` of a
/// mapping's rows (the columns `resolve_identities` returns; rows with a
/// NULL are skipped).
pub fn for_each_mapped(map: &[RecordBatch], mut row: impl FnMut(&str, &str, i64, &str)) -> Result<()> {
    for batch in map {
        let column = |name: &str, as_type: &DataType| match batch.column_by_name(name) {
            Some(values) => Ok(cast(values, as_type)?),
            None => Err(DataFusionError::Execution(format!(
                "an identity graph's mapping has no column {name}"
            ))),
        };
        let (types, values, ids, statuses) = (
            column("id_type", &DataType::Utf8)?,
            column("id_value", &DataType::Utf8)?,
            column("one_id", &DataType::Int64)?,
            column("status", &DataType::Utf8)?,
        );
        let (types, values, ids, statuses) = (
            types.as_string::<i32>(),
            values.as_string::<i32>(),
            ids.as_primitive::<Int64Type>(),
            statuses.as_string::<i32>(),
        );
        for i in 0..batch.num_rows() {
            if types.is_valid(i) && values.is_valid(i) && ids.is_valid(i) && statuses.is_valid(i) {
                row(types.value(i), values.value(i), ids.value(i), statuses.value(i));
            }
        }
    }
    Ok(())
}

/// One version of a graph, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GraphVersion {
    pub version: u64,
    pub created_at: String,
    /// The rules JSON the graph was created with (every version resolves
    /// with them).
    #[serde(default)]
    pub rules: Option<String>,
    /// Link rows this version added, and in all versions up to it.
    pub links_added: u64,
    pub links: u64,
    pub identifiers: u64,
    pub persons: u64,
    /// Where its files are, under the graph's folder; set when written.
    #[serde(default)]
    pub folder: String,
    /// Each file's size and checksum, by file name; set when written.
    #[serde(default)]
    pub files: BTreeMap<String, StoredFile>,
}

/// A file of a version as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredFile {
    pub bytes: u64,
    /// XXH3-64 of the bytes, in hexadecimal.
    pub xxh3: String,
}

impl StoredFile {
    fn of(bytes: &[u8]) -> Self {
        StoredFile {
            bytes: bytes.len() as u64,
            xxh3: format!("{:016x}", twox_hash::XxHash3_64::oneshot(bytes)),
        }
    }
}

/// The identity graphs of one catalog.
#[derive(Debug, Clone)]
pub struct IdentityGraphs {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
}

fn graph_error(name: &str, what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("identity graph '{name}': {what}"))
}

impl IdentityGraphs {
    pub fn new(store: Arc<dyn ObjectStore>, catalog_root: &Path, location: &str) -> Self {
        Self {
            store,
            root: catalog_root.clone().join(IDENTITY_GRAPHS_FOLDER),
            location: location.to_string(),
        }
    }

    fn path(&self, name: &str, parts: &[&str]) -> Path {
        parts
            .iter()
            .fold(self.root.clone().join(name), |path, part| path.join(*part))
    }

    fn store_error(&self, action: &str, e: impl std::fmt::Display) -> DataFusionError {
        DataFusionError::Execution(format!("catalog '{}': cannot {action}: {e}", self.location))
    }

    /// The names of every graph, sorted.
    pub async fn names(&self) -> Result<Vec<String>> {
        crate::catalog::folder_names(&*self.store, &self.root)
            .await
            .map_err(|e| self.store_error("list", e))
    }

    /// The versions of a graph, oldest first; empty when it does not exist.
    pub async fn versions(&self, name: &str) -> Result<Vec<GraphVersion>> {
        let files = crate::catalog::file_paths(&*self.store, &self.path(name, &["versions"]))
            .await
            .map_err(|e| self.store_error("list", e))?;
        let mut versions = Vec::with_capacity(files.len());
        for file in files {
            let bytes = self.read(&file).await?;
            let version: GraphVersion = serde_json::from_slice(&bytes)
                .map_err(|e| graph_error(name, format!("{file} cannot be read ({e})")))?;
            versions.push(version);
        }
        versions.sort_by_key(|v| v.version);
        Ok(versions)
    }

    /// The newest intact version ([`Self::intact`]): a version whose files
    /// were damaged or cut short after it was written is passed over for the
    /// one before. An error naming the graph when there is none.
    pub async fn latest(&self, name: &str) -> Result<GraphVersion> {
        Ok(self.history(name).await?.1)
    }

    /// What readers of the graph see: the newest intact version
    /// ([`Self::latest`]), and the versions before it, oldest first.
    pub async fn history(&self, name: &str) -> Result<(Vec<GraphVersion>, GraphVersion)> {
        let mut versions = self.versions(name).await?;
        if versions.is_empty() {
            return Err(DataFusionError::Plan(format!(
                "identity graph '{name}' does not exist"
            )));
        }
        while let Some(version) = versions.pop() {
            if self.intact(name, &version).await? {
                return Ok((versions, version));
            }
        }
        Err(graph_error(
            name,
            "every version's files are damaged or missing; CREATE OR REPLACE IDENTITY GRAPH builds it again",
        ))
    }

    /// Whether each file of a version is there at the size it was written
    /// with (one metadata request a file). Versions written before sizes
    /// were kept are taken as they are.
    pub async fn intact(&self, name: &str, version: &GraphVersion) -> Result<bool> {
        self.intact_files(name, version, |_| true).await
    }

    /// Whether a version's links are there as written: what an append
    /// needs of a version that is no longer the newest, whose mapping the
    /// history may have removed ([`Self::prune`]).
    pub async fn intact_links(&self, name: &str, version: &GraphVersion) -> Result<bool> {
        self.intact_files(name, version, |file| file == LINKS_FILE).await
    }

    async fn intact_files(
        &self,
        name: &str,
        version: &GraphVersion,
        checked: impl Fn(&str) -> bool,
    ) -> Result<bool> {
        for (file, stored) in version.files.iter().filter(|(file, _)| checked(file)) {
            match self
                .store
                .head(&self.file_path(name, &version.folder, file))
                .await
            {
                Ok(meta) if meta.size == stored.bytes => {}
                Ok(_) | Err(datafusion::object_store::Error::NotFound { .. }) => return Ok(false),
                Err(e) => return Err(self.store_error("read", e)),
            }
        }
        Ok(true)
    }

    /// A whole file of a version, checked against the checksum written
    /// with it.
    async fn read_checked(&self, name: &str, version: &GraphVersion, file: &str) -> Result<bytes::Bytes> {
        let bytes = self.read(&self.file_path(name, &version.folder, file)).await?;
        if let Some(stored) = version.files.get(file)
            && StoredFile::of(&bytes) != *stored
        {
            return Err(graph_error(
                name,
                format!(
                    "version {}'s {file} is damaged (its size or checksum differs from what was written); CREATE OR REPLACE IDENTITY GRAPH builds the graph again",
                    version.version
                ),
            ));
        }
        Ok(bytes)
    }

    async fn read(&self, path: &Path) -> Result<bytes::Bytes> {
        let found = self
            .store
            .get(path)
            .await
            .map_err(|e| self.store_error(&format!("read {path}"), e))?;
        let bytes = found
            .bytes()
            .await
            .map_err(|e| self.store_error(&format!("read {path}"), e))?;
        Ok(bytes)
    }

    fn file_path(&self, name: &str, folder: &str, file: &str) -> Path {
        let parts: Vec<&str> = folder.split('/').chain([file]).collect();
        self.path(name, &parts)
    }

    /// A version's whole lookup file, checked.
    pub async fn read_lookup(&self, name: &str, version: &GraphVersion) -> Result<bytes::Bytes> {
        self.read_checked(name, version, LOOKUP_FILE).await
    }

    /// Byte ranges of a version's lookup file
    /// ([`cdpfusion_core::identity::one_id_lookup`]), read at once.
    pub async fn read_lookup_ranges(
        &self,
        name: &str,
        version: &GraphVersion,
        ranges: &[Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        let path = self.file_path(name, &version.folder, LOOKUP_FILE);
        self.store
            .get_ranges(&path, ranges)
            .await
            .map_err(|e| self.store_error(&format!("read {path}"), e))
    }

    /// The rows of a version's `links` or `map` file, checked.
    pub async fn read_table(
        &self,
        name: &str,
        version: &GraphVersion,
        table: &str,
    ) -> Result<Vec<RecordBatch>> {
        let file = format!("{table}.parquet");
        let path = self.file_path(name, &version.folder, &file);
        let bytes = self.read_checked(name, version, &file).await?;
        ParquetRecordBatchReaderBuilder::try_new(bytes)
            .and_then(|builder| builder.build())
            .map_err(|e| graph_error(name, format!("{path} cannot be read ({e})")))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| graph_error(name, format!("{path} cannot be read ({e})")))
    }

    /// Encodes rows as Parquet.
    fn encode_table(name: &str, table: &str, schema: SchemaRef, batches: &[RecordBatch]) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        // Snappy: a third of the bytes for the links' repeated types and
        // sources, at little cost to write or read.
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let mut writer = ArrowWriter::try_new(&mut bytes, schema, Some(properties))
            .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        for batch in batches {
            writer
                .write(batch)
                .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        }
        writer
            .close()
            .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        Ok(bytes)
    }

    /// Writes a file of a version; returns its size and checksum.
    async fn write_file(&self, name: &str, folder: &str, file: &str, bytes: Vec<u8>) -> Result<StoredFile> {
        let stored = StoredFile::of(&bytes);
        let path = self.file_path(name, folder, file);
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(|e| self.store_error(&format!("write {path}"), e))?;
        Ok(stored)
    }

    /// Writes a version: its links, mapping and lookup file first, into a
    /// folder of this writer's own, then its JSON, which only the first
    /// writer of a version number creates. Returns the version as written
    /// (with its folder).
    pub async fn write_version(
        &self,
        name: &str,
        version: &GraphVersion,
        links: (SchemaRef, &[RecordBatch]),
        map: (SchemaRef, &[RecordBatch]),
        lookup: Vec<u8>,
    ) -> Result<GraphVersion> {
        let writer = format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        let mut version = GraphVersion {
            folder: format!("{}/{writer}", version.version),
            ..version.clone()
        };
        let files = [
            (LINKS_FILE, Self::encode_table(name, "links", links.0, links.1)?),
            (MAP_FILE, Self::encode_table(name, "map", map.0, map.1)?),
            (LOOKUP_FILE, lookup),
        ];
        for (file, bytes) in files {
            let stored = self.write_file(name, &version.folder, file, bytes).await?;
            version.files.insert(file.to_string(), stored);
        }
        let json = serde_json::to_vec_pretty(&version).map_err(|e| graph_error(name, e))?;
        let path = self.path(name, &["versions", &format!("{}.json", version.version)]);
        let create = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self.store.put_opts(&path, PutPayload::from(json), create).await {
            Ok(_) => Ok(version),
            Err(datafusion::object_store::Error::AlreadyExists { .. }) => Err(graph_error(
                name,
                format!(
                    "version {} was written by another statement at the same time; nothing of this one was kept, run it again",
                    version.version
                ),
            )),
            Err(e) => Err(self.store_error(&format!("write {path}"), e)),
        }
    }

    /// Keeps the mapping and lookup file of the newest `keep` versions
    /// only; every version keeps its links, which an append reads. Also
    /// removes the files of writers whose version was never written (a
    /// statement that lost a race, or was killed before its JSON), of
    /// version numbers up to the newest: a writer still at work is writing
    /// a newer one. What cannot be removed now is removed by a later call.
    pub async fn prune(&self, name: &str, keep: usize) -> Result<()> {
        let versions = self.versions(name).await?;
        let Some(newest) = versions.last().map(|v| v.version) else {
            return Ok(());
        };
        let kept_from = newest.saturating_sub(keep.max(1) as u64 - 1);
        let graph = self.root.clone().join(name);
        let files = crate::catalog::file_paths(&*self.store, &graph)
            .await
            .map_err(|e| self.store_error("list", e))?;
        for file in files {
            // `<n>/<writer>/<file>` below the graph's folder.
            let parts: Vec<String> = file
                .prefix_match(&graph)
                .map(|parts| parts.map(|p| p.as_ref().to_string()).collect())
                .unwrap_or_default();
            let [number, writer, file_name] = parts.as_slice() else {
                continue;
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            let folder = format!("{number}/{writer}");
            let written = versions.iter().any(|v| v.version == number && v.folder == folder);
            let remove = if written {
                number < kept_from && file_name != LINKS_FILE
            } else {
                number <= newest
            };
            if remove {
                match self.store.delete(&file).await {
                    Ok(()) | Err(datafusion::object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(self.store_error("delete", e)),
                }
            }
        }
        Ok(())
    }

    /// Removes a graph; whether it existed. The versions go first: a graph
    /// half dropped no longer shows.
    pub async fn drop_graph(&self, name: &str) -> Result<bool> {
        let files = crate::catalog::file_paths(&*self.store, &self.root.clone().join(name))
            .await
            .map_err(|e| self.store_error("list", e))?;
        if files.is_empty() {
            return Ok(false);
        }
        let (versions, data): (Vec<&Path>, Vec<&Path>) = files
            .iter()
            .partition(|f| f.parts().any(|p| p.as_ref() == "versions"));
        for file in versions.into_iter().chain(data) {
            self.store
                .delete(file)
                .await
                .map_err(|e| self.store_error("delete", e))?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    fn version(number: u64) -> GraphVersion {
        GraphVersion {
            version: number,
            created_at: "2026-11-30T00:00:00Z".into(),
            rules: None,
            links_added: 1,
            links: 1,
            identifiers: 1,
            persons: 1,
            folder: String::new(),
            files: BTreeMap::new(),
        }
    }

    /// A one-column table of one value: a version's links or map.
    fn rows(value: &str) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new("id_value", DataType::Utf8, true)]));
        RecordBatch::try_new(schema, vec![Arc::new(StringArray::from(vec![value]))]).unwrap()
    }

    /// Writes version `number` of graph `g` with `batch` as links and map.
    async fn write(graphs: &IdentityGraphs, number: u64, batch: &RecordBatch) -> Result<GraphVersion> {
        let table = (batch.schema(), std::slice::from_ref(batch));
        let lookup = cdpfusion_core::identity::one_id_lookup::encode([("phone", "a", 7)]);
        graphs
            .write_version("g", &version(number), table.clone(), table, lookup)
            .await
    }

    #[tokio::test]
    async fn of_two_writers_of_a_version_one_wins_and_the_other_is_told() {
        let dir = tempfile::TempDir::new().unwrap();
        let catalog = crate::open_location(dir.path().to_str().unwrap()).unwrap();
        let graphs = catalog.identity_graphs();
        let batch = rows("a");
        let written = write(&graphs, 1, &batch).await.unwrap();
        // The loser writes other rows: they must not replace the winner's.
        let error = write(&graphs, 1, &rows("b")).await.unwrap_err().to_string();
        assert!(
            error.contains("version 1 was written by another statement"),
            "{error}"
        );
        let latest = graphs.latest("g").await.unwrap();
        assert_eq!(latest, written);
        assert_eq!(graphs.read_table("g", &latest, "map").await.unwrap(), vec![batch]);
        let lookup = graphs.read_lookup("g", &latest).await.unwrap();
        assert_eq!(&lookup[..8], b"CDPFOID2");
        // Segments do not list the graphs' folder.
        assert!(catalog.names().await.unwrap().is_empty());
        assert_eq!(graphs.names().await.unwrap(), vec!["g".to_string()]);
        assert!(graphs.drop_graph("g").await.unwrap());
        assert!(!graphs.drop_graph("g").await.unwrap());
        assert!(graphs.latest("g").await.is_err());
    }

    #[tokio::test]
    async fn a_damaged_version_is_passed_over_or_told() {
        let dir = tempfile::TempDir::new().unwrap();
        let catalog = crate::open_location(dir.path().to_str().unwrap()).unwrap();
        let graphs = catalog.identity_graphs();
        let (one, two) = (rows("one"), rows("two"));
        let first = write(&graphs, 1, &one).await.unwrap();
        let second = write(&graphs, 2, &two).await.unwrap();
        assert_eq!(second.files.len(), 3);
        let map_file = dir
            .path()
            .join(IDENTITY_GRAPHS_FOLDER)
            .join("g")
            .join(&second.folder)
            .join("map.parquet");
        let written = std::fs::read(&map_file).unwrap();
        // A byte changed: the version is there, its rows are refused.
        let mut changed = written.clone();
        let middle = changed.len() / 2;
        changed[middle] ^= 0xFF;
        std::fs::write(&map_file, &changed).unwrap();
        assert_eq!(graphs.latest("g").await.unwrap(), second);
        let error = graphs
            .read_table("g", &second, "map")
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("version 2's map.parquet is damaged"), "{error}");
        // Cut short, as by a copy that stopped: readers use version 1.
        std::fs::write(&map_file, &written[..written.len() - 1]).unwrap();
        assert!(!graphs.intact("g", &second).await.unwrap());
        assert_eq!(graphs.latest("g").await.unwrap(), first);
        assert_eq!(graphs.read_table("g", &first, "map").await.unwrap(), vec![one]);
    }

    #[tokio::test]
    async fn the_history_keeps_every_versions_links_and_the_newest_mappings() {
        let dir = tempfile::TempDir::new().unwrap();
        let catalog = crate::open_location(dir.path().to_str().unwrap()).unwrap();
        let graphs = catalog.identity_graphs();
        let mut written = Vec::new();
        for number in 1..=4 {
            written.push(write(&graphs, number, &rows("a")).await.unwrap());
        }
        let graph = dir.path().join(IDENTITY_GRAPHS_FOLDER).join("g");
        // A writer that lost the race for version 3, and one still writing 5.
        for folder in ["3/1-1", "5/1-1"] {
            std::fs::create_dir_all(graph.join(folder)).unwrap();
            std::fs::write(graph.join(folder).join(LINKS_FILE), b"x").unwrap();
        }
        graphs.prune("g", 2).await.unwrap();
        let exists = |version: &GraphVersion, file: &str| graph.join(&version.folder).join(file).exists();
        for version in &written {
            let kept = version.version >= 3;
            assert!(exists(version, LINKS_FILE), "version {}'s links", version.version);
            assert_eq!(
                exists(version, MAP_FILE),
                kept,
                "version {}'s map",
                version.version
            );
            assert_eq!(
                exists(version, LOOKUP_FILE),
                kept,
                "version {}'s lookup",
                version.version
            );
            assert!(graphs.intact_links("g", version).await.unwrap());
            assert_eq!(graphs.intact("g", version).await.unwrap(), kept);
        }
        assert!(
            !graph.join("3/1-1").join(LINKS_FILE).exists(),
            "the loser's files go"
        );
        assert!(
            graph.join("5/1-1").join(LINKS_FILE).exists(),
            "a newer writer's files stay"
        );
        assert_eq!(graphs.latest("g").await.unwrap(), written[3]);
        // Pruning again changes nothing.
        graphs.prune("g", 2).await.unwrap();
        assert!(exists(&written[2], MAP_FILE));
    }
}
