//! The segment catalog: definitions and membership snapshots in a directory
//! of an object store (a local path or an `s3://` URL).
//!
//! ```text
//! <catalog>/<name>/definition.json    name, query, comment, created_at
//! <catalog>/<name>/manifest.json      the snapshots kept, newest last
//! <catalog>/<name>/snapshots/<n>-<pid>-<nanos>.ids
//! ```
//!
//! (Before 0.1.1 snapshot files were written as one object named
//! `snapshots%2F<n>-....ids` in the segment's folder; they are still read.)
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

/// Snapshot files nobody names and older than this are a killed refresh's
/// leftovers; younger ones may be a concurrent refresh's, still writing.
const LEFTOVER_AGE: std::time::Duration = std::time::Duration::from_secs(600);

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
    /// The directory, when the catalog is on local disk: the local store
    /// hides its temporary files, which only the file system can remove.
    local_dir: Option<std::path::PathBuf>,
}

/// The folders directly under `root`, sorted: the names of what the
/// catalog keeps there (segments, identity graphs, models).
pub(crate) async fn folder_names(
    store: &dyn ObjectStore,
    root: &Path,
) -> datafusion::object_store::Result<Vec<String>> {
    let listing = store.list_with_delimiter(Some(root)).await?;
    let mut names: Vec<String> = listing
        .common_prefixes
        .iter()
        .filter_map(|p| p.filename().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Every file under `prefix`, at any depth.
pub(crate) async fn file_paths(
    store: &dyn ObjectStore,
    prefix: &Path,
) -> datafusion::object_store::Result<Vec<Path>> {
    store
        .list(Some(prefix))
        .map_ok(|meta| meta.location)
        .try_collect()
        .await
}

fn catalog_error(location: &str, action: &str, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("segment catalog '{location}': cannot {action}: {e}"))
}

fn damaged(name: &str, what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("segment '{name}' is damaged: {what}"))
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
            local_dir: None,
        }
    }

    pub fn with_local_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.local_dir = Some(dir);
        self
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    /// `file` may hold folders (`snapshots/1-....ids`): one path part each.
    fn path(&self, name: &str, file: &str) -> Path {
        file.split('/')
            .fold(self.root.clone().join(name), |path, part| path.join(part))
    }

    /// Where versions before 0.1.1 wrote `file`: one part, slash encoded.
    fn legacy_path(&self, name: &str, file: &str) -> Path {
        self.root.clone().join(name).join(file)
    }

    async fn read_json<T: for<'de> Deserialize<'de>>(&self, path: &Path) -> Result<Option<T>> {
        match self.store.get(path).await {
            Ok(found) => {
                let bytes = found
                    .bytes()
                    .await
                    .map_err(|e| catalog_error(&self.location, "read", e))?;
                serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                    let file = path.filename().unwrap_or_default();
                    let segment = path.parts().rev().nth(1).map(|p| p.as_ref().to_string()).unwrap_or_default();
                    damaged(&segment, format!("its {file} cannot be read ({e}); DROP SEGMENT and create it again, or restore the file"))
                })
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

    /// The manifest; an empty one before the first refresh, an error when
    /// it was lost (snapshot files exist that no manifest names).
    pub async fn manifest(&self, name: &str) -> Result<Manifest> {
        if let Some(manifest) = self.read_json(&self.path(name, "manifest.json")).await? {
            return Ok(manifest);
        }
        let snapshots = self.root.clone().join(name);
        let mut files = self.store.list(Some(&snapshots));
        while let Some(file) = files
            .try_next()
            .await
            .map_err(|e| catalog_error(&self.location, "list", e))?
        {
            if file.location.filename() != Some("definition.json") {
                return Err(damaged(
                    name,
                    "its manifest.json is missing; REFRESH SEGMENT writes a new one",
                ));
            }
        }
        Ok(Manifest::default())
    }

    /// The manifest a write starts from: a lost or unreadable one is
    /// replaced, which is how a refresh repairs it.
    async fn manifest_to_rewrite(&self, name: &str) -> Manifest {
        self.read_json(&self.path(name, "manifest.json"))
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub(crate) async fn save_definition(&self, definition: &SegmentDefinition) -> Result<()> {
        self.write_json(&self.path(&definition.name, "definition.json"), definition)
            .await
    }

    /// The names of every segment, sorted.
    pub async fn names(&self) -> Result<Vec<String>> {
        let mut names = folder_names(&*self.store, &self.root)
            .await
            .map_err(|e| catalog_error(&self.location, "list", e))?;
        names.retain(|name| {
            name != crate::identity_graphs::IDENTITY_GRAPHS_FOLDER && name != crate::models::MODELS_FOLDER
        });
        Ok(names)
    }

    /// The identity graphs kept in this catalog.
    pub fn identity_graphs(&self) -> crate::identity_graphs::IdentityGraphs {
        crate::identity_graphs::IdentityGraphs::new(self.store.clone(), &self.root, &self.location)
    }

    /// The models kept in this catalog.
    pub fn models(&self) -> crate::models::Models {
        crate::models::Models::new(self.store.clone(), &self.root, &self.location)
    }

    /// Writes a new snapshot, then the manifest that names it, keeping the
    /// newest `keep` snapshots.
    pub(crate) async fn save_snapshot(
        &self,
        name: &str,
        members: &Members,
        refreshed_at: String,
        keep: usize,
    ) -> Result<Snapshot> {
        let mut manifest = self.manifest_to_rewrite(name).await;
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
            let _ = self.store.delete(&self.legacy_path(name, &old.file)).await;
        }
        self.remove_leftovers(name, &manifest).await;
        Ok(snapshot)
    }

    /// Removes what killed refreshes left: snapshot files no manifest
    /// names, and on local disk the store's temporary files. Best effort.
    async fn remove_leftovers(&self, name: &str, manifest: &Manifest) {
        let named: std::collections::HashSet<Path> = manifest
            .snapshots
            .iter()
            .map(|s| self.path(name, &s.file))
            .collect();
        let folder = self.root.clone().join(name).join("snapshots");
        let cutoff = chrono::Utc::now() - LEFTOVER_AGE;
        let files: Vec<_> = self
            .store
            .list(Some(&folder))
            .try_collect()
            .await
            .unwrap_or_default();
        for file in files {
            if !named.contains(&file.location) && file.last_modified < cutoff {
                let _ = self.store.delete(&file.location).await;
            }
        }
        let Some(dir) = &self.local_dir else { return };
        let Ok(entries) = std::fs::read_dir(dir.join(name).join("snapshots")) else {
            return;
        };
        for entry in entries.flatten() {
            let temporary = entry.file_name().to_string_lossy().contains('#');
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified.elapsed().unwrap_or_default() > LEFTOVER_AGE);
            if temporary && old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Records a failed refresh; the membership stays as it was.
    pub(crate) async fn save_error(&self, name: &str, error: &str) -> Result<()> {
        let mut manifest = self.manifest_to_rewrite(name).await;
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
        let mut path = self.path(name, &snapshot.file);
        let mut found = self.store.get(&path).await;
        if matches!(found, Err(datafusion::object_store::Error::NotFound { .. })) {
            path = self.legacy_path(name, &snapshot.file);
            found = self.store.get(&path).await;
        }
        let bytes = match found {
            Ok(found) => found
                .bytes()
                .await
                .map_err(|e| catalog_error(&self.location, &format!("read {path}"), e))?,
            Err(datafusion::object_store::Error::NotFound { .. }) => {
                return Err(damaged(
                    name,
                    format!("its snapshot {} is missing", snapshot.file),
                ));
            }
            Err(e) => return Err(catalog_error(&self.location, &format!("read {path}"), e)),
        };
        let members = Members::from_bytes(&bytes)
            .map_err(|e| damaged(name, format!("snapshot {}: {e}", snapshot.file)))?;
        if members.len() != snapshot.size {
            return Err(damaged(
                name,
                format!(
                    "snapshot {} holds {} ids where the manifest says {}",
                    snapshot.file,
                    members.len(),
                    snapshot.size
                ),
            ));
        }
        Ok(Some(members))
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
        let files = file_paths(&*self.store, &prefix)
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
