//! What the scalar functions that read the catalog share (`in_segment`,
//! `one_id_of`): a value read from the catalog per (catalog, name), used as
//! is for a second, then checked against what names its newest version (a
//! snapshot file, a version number) and read again only when that changed.
//! A scalar function runs once per batch: reading the catalog each time
//! would cost more than the function.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;

use cdpfusion_catalog::{CdpfusionOptions, SegmentCatalog, open_catalog};

use crate::own_thread::block_on_own_thread;

/// How long a value is used before its version is checked again.
const RECHECK: Duration = Duration::from_secs(1);

/// The newest version seen of a value, and the value.
pub(crate) type Versioned<T> = (String, Arc<T>);

#[derive(Debug)]
struct Cached<T> {
    version: String,
    value: Arc<T>,
    checked: Instant,
}

#[derive(Debug)]
pub(crate) struct CatalogCache<T> {
    entries: Mutex<HashMap<(String, String), Cached<T>>>,
}

impl<T> Default for CatalogCache<T> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
        }
    }
}

impl<T: Send + Sync> CatalogCache<T> {
    /// The value of `name` in the catalog of `config`. Past [`RECHECK`],
    /// `refresh` gets the catalog and what was cached, and returns the
    /// newest version and its value (the cached one when the version is
    /// the same); it runs on a thread of its own ([`block_on_own_thread`]).
    pub fn get<F>(
        &self,
        function: &str,
        config: &ConfigOptions,
        name: &str,
        refresh: impl FnOnce(SegmentCatalog, Option<Versioned<T>>) -> F + Send,
    ) -> Result<Arc<T>>
    where
        F: Future<Output = Result<Versioned<T>>>,
    {
        let location = config
            .extensions
            .get::<CdpfusionOptions>()
            .cloned()
            .unwrap_or_default()
            .catalog_location();
        let key = (location, name.to_string());
        let cached = match self.entries.lock().unwrap().get(&key) {
            Some(entry) if entry.checked.elapsed() < RECHECK => return Ok(entry.value.clone()),
            Some(entry) => Some((entry.version.clone(), entry.value.clone())),
            None => None,
        };
        let (catalog, _) = open_catalog(config)?;
        let (version, value) =
            block_on_own_thread(function, "reading the catalog", move || refresh(catalog, cached))?;
        self.entries.lock().unwrap().insert(
            key,
            Cached {
                version,
                value: value.clone(),
                checked: Instant::now(),
            },
        );
        Ok(value)
    }
}
