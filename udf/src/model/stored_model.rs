//! A model as the functions use it: read from the catalog's newest version
//! and kept per (catalog, name) until a new version is written
//! ([`CatalogCache`]), so a query reads and decodes it once.

use std::sync::{Arc, LazyLock};

use datafusion::catalog::TableFunctionArgs;
use datafusion::common::config::ConfigOptions;
use datafusion::common::{DataFusionError, Result};
use futures::FutureExt;

use cdpfusion_catalog::{ModelVersion, SegmentCatalog};
use cdpfusion_models::Model;

use crate::arguments::{ArgumentKind, Parameters, required};
use crate::catalog_cache::CatalogCache;
use crate::segment::segment_table::Load;

static MODELS: LazyLock<CatalogCache<Model>> = LazyLock::new(CatalogCache::default);

/// The model a stored version holds; an error names the function and the model.
pub(crate) fn decoded(function: &str, name: &str, version: &ModelVersion) -> Result<Model> {
    Model::from_json(&version.model)
        .map_err(|e| DataFusionError::Execution(format!("{function}: model '{name}': {e}")))
}

/// The newest version of model `name`.
pub(crate) fn stored_model(function: &str, config: &ConfigOptions, name: &str) -> Result<Arc<Model>> {
    MODELS.get(function, config, name, |catalog, cached| async move {
        let models = catalog.models();
        let latest = models.latest_number(name).await?;
        if let (Some(number), Some((cached_version, model))) = (latest, &cached)
            && *cached_version == number.to_string()
        {
            return Ok((cached_version.clone(), model.clone()));
        }
        let version = models.latest(name).await?;
        Ok((
            version.version.to_string(),
            Arc::new(decoded(function, name, &version)?),
        ))
    })
}

const MODEL_ARGUMENT: Parameters = Parameters::List(&[required("model", ArgumentKind::Text)]);

/// The one argument of `model_evaluate('m')` and `model_drivers('m')`,
/// and the rows `load` makes of the model, read when the table is scanned.
pub(crate) fn model_rows(
    function: &'static str,
    args: &TableFunctionArgs,
    load: fn(&str, &Model) -> Result<datafusion::arrow::array::RecordBatch>,
) -> Result<(String, Load)> {
    let ([name], []) = MODEL_ARGUMENT.literals(function, args.exprs())?;
    let called = name.clone();
    let load: Load = Arc::new(move |catalog: SegmentCatalog| {
        let name = name.clone();
        async move {
            let version = catalog.models().latest(&name).await?;
            load(&name, &decoded(function, &name, &version)?)
        }
        .boxed()
    });
    Ok((called, load))
}
