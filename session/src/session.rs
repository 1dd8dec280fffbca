use std::sync::Arc;

use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionConfig;
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::execution::session_state::SessionState;
use datafusion::prelude::SessionContext;
use datafusion_cli::catalog::DynamicObjectStoreCatalog;
use datafusion_cli::functions::ParquetMetadataFunc;

use cdpfusion_catalog::CdpfusionOptions;

use crate::data_roots::{DataRoots, RootedParquetMetadata};
use crate::object_stores::S3FromEnvironment;
use datafusion::catalog::TableFunctionImpl;

/// Adds every cdpfusion function to `ctx`. Works on any DataFusion session.
pub fn register_all(ctx: &SessionContext) {
    for function in cdpfusion_udf::all_scalar_functions() {
        ctx.register_udf(function.as_ref().clone());
    }
    for function in cdpfusion_udf::all_aggregate_functions() {
        ctx.register_udaf(function.as_ref().clone());
    }
    for function in cdpfusion_udf::all_table_functions() {
        ctx.register_udtf(function.name(), function);
    }
}

/// A session as the `cdpfusion` shell has it, configured from the
/// `DATAFUSION_*` environment variables as datafusion-cli is.
pub fn cdpfusion_session() -> Result<SessionContext> {
    cdpfusion_session_with(SessionConfig::from_env()?, Arc::new(RuntimeEnv::default()))
}

/// A session as the `cdpfusion` shell has it: every cdpfusion function,
/// `information_schema`, `parquet_metadata()`, NULL shown as `NULL`, and tables
/// named by path or URL (`SELECT * FROM 'data/leads.parquet'`, `s3://...`)
/// exactly as in datafusion-cli, and `s3://` locations configured from the
/// AWS environment variables in every statement.
pub fn cdpfusion_session_with(config: SessionConfig, runtime: Arc<RuntimeEnv>) -> Result<SessionContext> {
    cdpfusion_session_within(config, runtime, None)
}

/// [`cdpfusion_session_with`] whose files are limited to `roots` when given
/// (what `cdpfusion serve --data-root` does).
pub fn cdpfusion_session_within(
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    roots: Option<DataRoots>,
) -> Result<SessionContext> {
    cdpfusion_session_planned_by(config, runtime, roots, Ok)
}

/// [`cdpfusion_session_within`] whose state `plan_with` turns before the
/// session is made from it: a cluster's session plans its queries on the
/// cluster. The tables named by path look their session up, so they must
/// be made after.
pub fn cdpfusion_session_planned_by(
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    roots: Option<DataRoots>,
    plan_with: impl FnOnce(SessionState) -> Result<SessionState>,
) -> Result<SessionContext> {
    let mut config = config.with_information_schema(true);
    if config.options().extensions.get::<CdpfusionOptions>().is_none() {
        config
            .options_mut()
            .extensions
            .insert(CdpfusionOptions::default());
    }
    if std::env::var_os("DATAFUSION_FORMAT_NULL").is_none() {
        config.options_mut().format.null = String::from("NULL");
    }
    let mut runtime = Arc::unwrap_or_clone(runtime);
    let registry: Arc<dyn ObjectStoreRegistry> =
        Arc::new(S3FromEnvironment::wrap(runtime.object_store_registry));
    runtime.object_store_registry = match &roots {
        Some(roots) => roots.clone().guard(registry),
        None => registry,
    };
    // Kept where statements that name a location can check it first.
    if let Some(roots) = &roots {
        config = config.with_extension(Arc::new(roots.clone()));
    }
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_runtime_env(Arc::new(runtime))
        .with_default_features()
        .build();
    let ctx = SessionContext::new_with_state(plan_with(state)?);
    let parquet_metadata: Arc<dyn TableFunctionImpl> = match &roots {
        Some(roots) => Arc::new(RootedParquetMetadata::new(roots.clone())),
        None => Arc::new(ParquetMetadataFunc {}),
    };
    let ctx = match roots {
        Some(roots) => roots.url_tables(ctx),
        None => ctx.enable_url_table(),
    };
    ctx.register_catalog_list(Arc::new(DynamicObjectStoreCatalog::new(
        ctx.state().catalog_list().clone(),
        ctx.state_weak_ref(),
    )));
    ctx.register_udtf("parquet_metadata", parquet_metadata);
    register_all(&ctx);
    Ok(ctx)
}
