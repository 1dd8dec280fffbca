//! The segment catalog: definitions and membership snapshots in a directory
//! of an object store (a local path or an `s3://` URL).
//!
//! ```text
//! <catalog>/<name>/definition.json    name, query, comment, created_at
//! <catalog>/<name>/manifest.json      the snapshots kept, newest last
//! <catalog>/<name>/snapshots/<n>-<pid>-<nanos>.ids
//! ```
//!
//! A refresh writes its snapshot completely before the manifest names it,
//! and each object is written whole (object stores put atomically; the
//! local store writes a temporary file and renames it), so a process killed
//! mid-refresh leaves the previous snapshot readable, and two refreshes at
//! once leave a manifest naming a complete snapshot.

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::object_store::path::Path;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use futures::TryStreamExt;
use serde::{Deserialize, Serialize};

use cdpfusion_core::segment::Members;

/// A segment's definition, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentDefinition {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub comment: Option<String>,
    pub created_at: String,
}

/// One refresh's snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub file: String,
    pub refreshed_at: String,
    pub size: u64,
}

/// The snapshots of a segment, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub snapshots: Vec<Snapshot>,
    /// The error of the last refresh, when it failed (membership unchanged).
    #[serde(default)]
    pub last_error: Option<String>,
}

/// A catalog at one location.
#[derive(Debug, Clone)]
pub struct SegmentCatalog {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
}

fn catalog_error(location: &str, action: &str, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("segment catalog '{location}': cannot {action}: {e}"))
}

fn not_found(name: &str) -> DataFusionError {
    DataFusionError::Plan(format!("segment '{name}' does not exist"))
}

impl SegmentCatalog {
    pub fn new(store: Arc<dyn ObjectStore>, root: Path, location: String) -> Self {
        Self {
            store,
            root,
            location,
        }
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    fn path(&self, name: &str, file: &str) -> Path {
        self.root.clone().join(name).join(file)
    }

    async fn read_json<T: for<'de> Deserialize<'de>>(&self, path: &Path) -> Result<Option<T>> {
        match self.store.get(path).await {
            Ok(found) => {
                let bytes = found
                    .bytes()
                    .await
                    .map_err(|e| catalog_error(&self.location, "read", e))?;
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|e| catalog_error(&self.location, &format!("parse {path}"), e))
            }
            Err(datafusion::object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(catalog_error(&self.location, &format!("read {path}"), e)),
        }
    }

    async fn write(&self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        self.store
            .put(path, PutPayload::from(bytes))
            .await
            .map(|_| ())
            .map_err(|e| catalog_error(&self.location, &format!("write {path}"), e))
    }

    async fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> Result<()> {
        let bytes =
            serde_json::to_vec_pretty(value).map_err(|e| catalog_error(&self.location, "encode", e))?;
        self.write(path, bytes).await
    }

    pub async fn definition(&self, name: &str) -> Result<Option<SegmentDefinition>> {
        self.read_json(&self.path(name, "definition.json")).await
    }

    pub async fn manifest(&self, name: &str) -> Result<Manifest> {
        Ok(self
            .read_json(&self.path(name, "manifest.json"))
            .await?
            .unwrap_or_default())
    }

    pub async fn save_definition(&self, definition: &SegmentDefinition) -> Result<()> {
        self.write_json(&self.path(&definition.name, "definition.json"), definition)
            .await
    }

    /// The names of every segment, sorted.
    pub async fn names(&self) -> Result<Vec<String>> {
        let listing = self
            .store
            .list_with_delimiter(Some(&self.root))
            .await
            .map_err(|e| catalog_error(&self.location, "list", e))?;
        let mut names: Vec<String> = listing
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    /// Writes a new snapshot, then the manifest that names it, keeping the
    /// newest `keep` snapshots.
    pub async fn save_snapshot(
        &self,
        name: &str,
        members: &Members,
        refreshed_at: String,
        keep: usize,
    ) -> Result<Snapshot> {
        let mut manifest = self.manifest(name).await?;
        // Unique per writer, so two refreshes at once never share a file.
        let file = format!(
            "snapshots/{}-{}-{}.ids",
            manifest.snapshots.len() + 1,
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        );
        self.write(&self.path(name, &file), members.to_bytes()).await?;
        let snapshot = Snapshot {
            file,
            refreshed_at,
            size: members.len(),
        };
        manifest.snapshots.push(snapshot.clone());
        manifest.last_error = None;
        let dropped = manifest.snapshots.len().saturating_sub(keep.max(2));
        let removed: Vec<Snapshot> = manifest.snapshots.drain(..dropped).collect();
        self.write_json(&self.path(name, "manifest.json"), &manifest)
            .await?;
        for old in removed {
            // Best effort: an unreferenced file is harmless.
            let _ = self.store.delete(&self.path(name, &old.file)).await;
        }
        Ok(snapshot)
    }

    /// Records a failed refresh; the membership stays as it was.
    pub async fn save_error(&self, name: &str, error: &str) -> Result<()> {
        let mut manifest = self.manifest(name).await?;
        manifest.last_error = Some(error.to_string());
        self.write_json(&self.path(name, "manifest.json"), &manifest)
            .await
    }

    /// The members of a snapshot; `back` 0 is the newest, 1 the one before.
    pub async fn members(&self, name: &str, back: usize) -> Result<Option<Members>> {
        if self.definition(name).await?.is_none() {
            return Err(not_found(name));
        }
        let manifest = self.manifest(name).await?;
        let Some(snapshot) = manifest.snapshots.iter().rev().nth(back) else {
            return Ok(None);
        };
        let path = self.path(name, &snapshot.file);
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(|e| catalog_error(&self.location, &format!("read {path}"), e))?
            .bytes()
            .await
            .map_err(|e| catalog_error(&self.location, &format!("read {path}"), e))?;
        Members::from_bytes(&bytes)
            .map(Some)
            .map_err(|e| catalog_error(&self.location, &format!("decode {path}"), e))
    }

    /// The newest members; an error when the segment does not exist.
    pub async fn current(&self, name: &str) -> Result<Members> {
        Ok(self.members(name, 0).await?.unwrap_or_default())
    }

    pub async fn drop_segment(&self, name: &str) -> Result<bool> {
        if self.definition(name).await?.is_none() {
            return Ok(false);
        }
        let prefix = self.root.clone().join(name);
        let files: Vec<Path> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location)
            .try_collect()
            .await
            .map_err(|e| catalog_error(&self.location, "list", e))?;
        // The definition last: a half-dropped segment still shows and can be
        // dropped again.
        let definition = self.path(name, "definition.json");
        for file in files.iter().filter(|f| **f != definition) {
            self.store
                .delete(file)
                .await
                .map_err(|e| catalog_error(&self.location, "delete", e))?;
        }
        self.store
            .delete(&definition)
            .await
            .map_err(|e| catalog_error(&self.location, "delete", e))?;
        Ok(true)
    }
}
