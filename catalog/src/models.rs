//! Models in the catalog (docs/models.md), versioned as segments are:
//!
//! ```text
//! <catalog>/ml-models/<name>/<n>.json   version n: the statement, when, and the model
//! ```
//!
//! `CREATE OR REPLACE MODEL` writes version n + 1 beside the older ones;
//! readers take the newest. A version is one file created only if it does
//! not exist yet (`PutMode::Create`), so a process killed while writing
//! leaves the previous version, and of two statements at once one wins and
//! the other is told. The file holds its model's checksum: a damaged file
//! is an error that names it, never a silently different model.
//! (`ml-models` holds a dash, so no segment can be named so.)

use std::sync::Arc;

use datafusion::common::{DataFusionError, Result};
use datafusion::object_store::path::Path;
use datafusion::object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};

/// The folder of the catalog that holds the models.
pub const MODELS_FOLDER: &str = "ml-models";

/// One version of a model, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelVersion {
    pub version: u64,
    pub created_at: String,
    /// The model's type, for listing without reading the model.
    pub model_type: String,
    /// The training query, as written.
    pub query: String,
    /// The model (`cdpfusion_models::Model` as JSON).
    pub model: String,
    /// XXH3-64 of `model`, in hexadecimal.
    pub xxh3: String,
}

impl ModelVersion {
    pub fn new(version: u64, model_type: &str, query: &str, model: String) -> Self {
        ModelVersion {
            version,
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            model_type: model_type.to_string(),
            query: query.to_string(),
            xxh3: checksum(&model),
            model,
        }
    }
}

fn checksum(text: &str) -> String {
    format!("{:016x}", twox_hash::XxHash3_64::oneshot(text.as_bytes()))
}

/// The models of one catalog.
#[derive(Debug, Clone)]
pub struct Models {
    store: Arc<dyn ObjectStore>,
    root: Path,
    location: String,
}

impl Models {
    pub fn new(store: Arc<dyn ObjectStore>, catalog_root: &Path, location: &str) -> Self {
        Self {
            store,
            root: catalog_root.clone().join(MODELS_FOLDER),
            location: location.to_string(),
        }
    }

    fn store_error(&self, action: &str, e: impl std::fmt::Display) -> DataFusionError {
        DataFusionError::Execution(format!("catalog '{}': cannot {action}: {e}", self.location))
    }

    /// The names of every model that has a version, sorted.
    pub async fn names(&self) -> Result<Vec<String>> {
        let names = crate::catalog::folder_names(&*self.store, &self.root)
            .await
            .map_err(|e| self.store_error("list", e))?;
        // A dropped model's folder may stay behind (on local disk) empty.
        let mut kept = Vec::with_capacity(names.len());
        for name in names {
            if self.latest_number(&name).await?.is_some() {
                kept.push(name);
            }
        }
        Ok(kept)
    }

    /// The version numbers of a model, oldest first; empty when it does not exist.
    async fn version_numbers(&self, name: &str) -> Result<Vec<(u64, Path)>> {
        let files = crate::catalog::file_paths(&*self.store, &self.root.clone().join(name))
            .await
            .map_err(|e| self.store_error("list", e))?;
        let mut numbers: Vec<(u64, Path)> = files
            .into_iter()
            .filter_map(|path| {
                let number = path.filename()?.strip_suffix(".json")?.parse().ok()?;
                Some((number, path))
            })
            .collect();
        numbers.sort_by_key(|(n, _)| *n);
        Ok(numbers)
    }

    /// The newest version's number, if the model exists.
    pub async fn latest_number(&self, name: &str) -> Result<Option<u64>> {
        Ok(self.version_numbers(name).await?.last().map(|(n, _)| *n))
    }

    /// The newest version; an error naming the model when there is none or
    /// it is damaged.
    pub async fn latest(&self, name: &str) -> Result<ModelVersion> {
        let Some((_, path)) = self.version_numbers(name).await?.pop() else {
            return Err(DataFusionError::Plan(format!(
                "model '{name}' does not exist; CREATE MODEL {name} OPTIONS (...) AS <query> trains it, models() lists the models"
            )));
        };
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(|e| self.store_error(&format!("read {path}"), e))?
            .bytes()
            .await
            .map_err(|e| self.store_error(&format!("read {path}"), e))?;
        let damaged = |what: String| {
            DataFusionError::Execution(format!(
                "model '{name}': {path} is damaged ({what}); CREATE OR REPLACE MODEL trains it again"
            ))
        };
        let version: ModelVersion = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if checksum(&version.model) != version.xxh3 {
            return Err(damaged("its checksum does not match".into()));
        }
        Ok(version)
    }

    /// Writes a version; of two writers of one version number, the second
    /// gets an error.
    pub async fn write(&self, name: &str, version: &ModelVersion) -> Result<()> {
        let json = serde_json::to_vec(version).map_err(|e| self.store_error("encode the model", e))?;
        let path = self
            .root
            .clone()
            .join(name)
            .join(format!("{}.json", version.version));
        let create = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self.store.put_opts(&path, PutPayload::from(json), create).await {
            Ok(_) => Ok(()),
            Err(datafusion::object_store::Error::AlreadyExists { .. }) => {
                Err(DataFusionError::Execution(format!(
                    "model '{name}': version {} was written by another statement at the same time; run this one again",
                    version.version
                )))
            }
            Err(e) => Err(self.store_error(&format!("write {path}"), e)),
        }
    }

    /// Removes a model; whether it existed.
    pub async fn drop_model(&self, name: &str) -> Result<bool> {
        let versions = self.version_numbers(name).await?;
        // Newest first: a model half dropped is its older version, not a hole.
        for (_, path) in versions.iter().rev() {
            self.store
                .delete(path)
                .await
                .map_err(|e| self.store_error("delete", e))?;
        }
        Ok(!versions.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::object_store::memory::InMemory;

    #[tokio::test]
    async fn versions_are_kept_and_damage_is_told() {
        let models = Models::new(Arc::new(InMemory::new()), &Path::from("catalog"), "memory");
        assert!(
            models
                .latest("m")
                .await
                .unwrap_err()
                .to_string()
                .contains("model 'm' does not exist")
        );
        models
            .write("m", &ModelVersion::new(1, "linear", "SELECT 1", "{}".into()))
            .await
            .unwrap();
        models
            .write("m", &ModelVersion::new(2, "kmeans", "SELECT 2", "{}".into()))
            .await
            .unwrap();
        let again = models
            .write("m", &ModelVersion::new(2, "kmeans", "SELECT 3", "{}".into()))
            .await;
        assert!(
            again
                .unwrap_err()
                .to_string()
                .contains("another statement at the same time")
        );
        assert_eq!(models.latest("m").await.unwrap().query, "SELECT 2");
        assert_eq!(models.names().await.unwrap(), vec!["m"]);
        let mut bad = ModelVersion::new(3, "kmeans", "SELECT 4", "{}".into());
        bad.model = "{\"x\":1}".into();
        models.write("m", &bad).await.unwrap();
        assert!(
            models
                .latest("m")
                .await
                .unwrap_err()
                .to_string()
                .contains("checksum does not match")
        );
        assert!(models.drop_model("m").await.unwrap());
        assert!(!models.drop_model("m").await.unwrap());
    }
}
