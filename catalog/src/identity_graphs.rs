//! Identity graphs in the catalog (docs/identity-graphs.md): each version's
//! new links and the whole mapping after it.
//!
//! ```text
//! <catalog>/identity-graphs/<name>/<n>/links.parquet   the links version n added
//! <catalog>/identity-graphs/<name>/<n>/map.parquet     the mapping after version n
//! <catalog>/identity-graphs/<name>/versions/<n>.json   version n, written last
//! ```
//!
//! A version exists once its JSON does, and the JSON is created only if it
//! does not exist yet (`PutMode::Create`): a process killed while writing
//! leaves the previous version the newest, and of two appends at once one
//! creates the version and the other gets an error; its files are never
//! read. (`identity-graphs` holds a dash, so no segment can be named so.)

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::{DataFusionError, Result};
use datafusion::object_store::path::Path;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

/// The folder of the catalog that holds the identity graphs.
pub const IDENTITY_GRAPHS_FOLDER: &str = "identity-graphs";

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
        let listing = self
            .store
            .list_with_delimiter(Some(&self.root))
            .await
            .map_err(|e| self.store_error("list", e))?;
        let mut names: Vec<String> = listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// The versions of a graph, oldest first; empty when it does not exist.
    pub async fn versions(&self, name: &str) -> Result<Vec<GraphVersion>> {
        let files: Vec<Path> = self
            .store
            .list(Some(&self.path(name, &["versions"])))
            .map_ok(|meta| meta.location)
            .try_collect()
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

    /// The newest version; an error naming the graph when there is none.
    pub async fn latest(&self, name: &str) -> Result<GraphVersion> {
        self.versions(name)
            .await?
            .pop()
            .ok_or_else(|| DataFusionError::Plan(format!("identity graph '{name}' does not exist")))
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

    /// The rows of a version's `links` or `map` file.
    pub async fn read_table(&self, name: &str, version: u64, table: &str) -> Result<Vec<RecordBatch>> {
        let path = self.path(name, &[&version.to_string(), &format!("{table}.parquet")]);
        let bytes = self.read(&path).await?;
        ParquetRecordBatchReaderBuilder::try_new(bytes)
            .and_then(|builder| builder.build())
            .map_err(|e| graph_error(name, format!("{path} cannot be read ({e})")))?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| graph_error(name, format!("{path} cannot be read ({e})")))
    }

    async fn write_table(
        &self,
        name: &str,
        version: u64,
        table: &str,
        schema: SchemaRef,
        batches: &[RecordBatch],
    ) -> Result<()> {
        let mut bytes = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut bytes, schema, None)
            .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        for batch in batches {
            writer
                .write(batch)
                .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        }
        writer
            .close()
            .map_err(|e| graph_error(name, format!("cannot encode {table} ({e})")))?;
        let path = self.path(name, &[&version.to_string(), &format!("{table}.parquet")]);
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| self.store_error(&format!("write {path}"), e))
    }

    /// Writes a version: its links and mapping first, then its JSON, which
    /// only the first writer of a version number creates.
    pub async fn write_version(
        &self,
        name: &str,
        version: &GraphVersion,
        links: (SchemaRef, &[RecordBatch]),
        map: (SchemaRef, &[RecordBatch]),
    ) -> Result<()> {
        self.write_table(name, version.version, "links", links.0, links.1)
            .await?;
        self.write_table(name, version.version, "map", map.0, map.1)
            .await?;
        let json = serde_json::to_vec_pretty(version).map_err(|e| graph_error(name, e))?;
        let path = self.path(name, &["versions", &format!("{}.json", version.version)]);
        let create = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self.store.put_opts(&path, PutPayload::from(json), create).await {
            Ok(_) => Ok(()),
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

    /// Removes a graph; whether it existed. The versions go first: a graph
    /// half dropped no longer shows.
    pub async fn drop_graph(&self, name: &str) -> Result<bool> {
        let files: Vec<Path> = self
            .store
            .list(Some(&self.root.clone().join(name)))
            .map_ok(|meta| meta.location)
            .try_collect()
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
