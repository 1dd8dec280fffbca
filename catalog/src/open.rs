//! Opening the segment catalog a session's settings name.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::{DataFusionError, Result};
use datafusion::object_store::local::LocalFileSystem;
use datafusion::object_store::path::Path;

use crate::catalog::SegmentCatalog;
use crate::options::CdpfusionOptions;

/// The catalog of these settings: a local directory (created when missing)
/// or an object store URL, whose endpoint, region and credentials come from
/// the usual environment variables (`AWS_ENDPOINT`, `AWS_REGION`, ...).
pub fn open_catalog(config: &ConfigOptions) -> Result<(SegmentCatalog, usize)> {
    let options = options_of(config);
    let location = options.catalog_location();
    Ok((open_location(&location)?, options.segment_history.max(2)))
}

/// How many versions of an identity graph keep their mapping
/// (`cdpfusion.graph_history`, at least 2: `identity_changes` compares the
/// last two).
pub fn graph_history(config: &ConfigOptions) -> usize {
    options_of(config).graph_history.max(2)
}

fn options_of(config: &ConfigOptions) -> CdpfusionOptions {
    config
        .extensions
        .get::<CdpfusionOptions>()
        .cloned()
        .unwrap_or_default()
}

pub fn open_location(location: &str) -> Result<SegmentCatalog> {
    let fail = |e: &dyn std::fmt::Display| {
        DataFusionError::Plan(format!("segment catalog '{location}' cannot be opened: {e}"))
    };
    if location.contains("://") && !location.starts_with("file://") {
        let url = url::Url::parse(location).map_err(|e| fail(&e))?;
        // object_store knows the AWS variables by their lower-case names.
        let options = std::env::vars().map(|(key, value)| (key.to_ascii_lowercase(), value));
        let (store, root) = datafusion::object_store::parse_url_opts(&url, options).map_err(|e| fail(&e))?;
        return Ok(SegmentCatalog::new(Arc::from(store), root, location.to_string()));
    }
    let dir = std::path::PathBuf::from(location.trim_start_matches("file://"));
    std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
    let dir = dir.canonicalize().map_err(|e| fail(&e))?;
    let root = Path::from_filesystem_path(&dir).map_err(|e| fail(&e))?;
    Ok(SegmentCatalog::new(Arc::new(LocalFileSystem::new()), root, location.to_string()).with_local_dir(dir))
}
