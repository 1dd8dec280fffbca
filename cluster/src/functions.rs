//! What every process of a cluster must agree on: the functions a plan may
//! name and the settings a session carries.

use std::sync::Arc;

use ballista_core::config::{BALLISTA_ADAPTIVE_PLANNER_ENABLED, BALLISTA_CLIENT_GRPC_MAX_MESSAGE_SIZE};
use ballista_core::extension::SessionConfigExt;
use ballista_core::registry::BallistaFunctionRegistry;
use datafusion::error::Result;
use datafusion::execution::context::SessionConfig;
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};

use cdpfusion::CdpfusionOptions;
use cdpfusion::object_stores::S3FromEnvironment;

use crate::session_tables::MAX_MESSAGE_BYTES;

/// Every function a cdpfusion session has (DataFusion's, nested ones such
/// as `make_array` included, and cdpfusion's) by each of its names: what an
/// executor looks a plan's functions up in. Plans name functions; the code
/// is on every node. Ballista's own registry lacks the nested functions.
pub fn function_registry() -> Result<BallistaFunctionRegistry> {
    let session = cdpfusion::cdpfusion_session_with(cluster_config(), Arc::new(RuntimeEnv::default()))?;
    let state = session.state();
    let mut registry = BallistaFunctionRegistry::default();
    registry.scalar_functions.extend(state.scalar_functions().clone());
    registry
        .aggregate_functions
        .extend(state.aggregate_functions().clone());
    registry.window_functions.extend(state.window_functions().clone());
    Ok(registry)
}

/// A session's settings with Ballista's and cdpfusion's namespaces. A client
/// sends its settings with every query; a scheduler or executor that did not
/// know the `cdpfusion` namespace would refuse them.
pub fn cluster_config() -> SessionConfig {
    let mut config = SessionConfig::new_with_ballista().with_information_schema(true);
    config
        .options_mut()
        .extensions
        .insert(CdpfusionOptions::default());
    with_cluster_settings(config)
}

/// Ballista's settings as cdpfusion changes them, in every process and
/// every remote session.
pub(crate) fn with_cluster_settings(config: SessionConfig) -> SessionConfig {
    config
        .upgrade_for_ballista()
        // Plans carry the session's own tables, to every task; a scheduler
        // whose sessions come from a config producer sizes its messages to
        // executors by this setting, not by its own options.
        .set_usize(BALLISTA_CLIENT_GRPC_MAX_MESSAGE_SIZE, MAX_MESSAGE_BYTES)
        // Ballista 55's adaptive planner loses a union's constant columns when
        // it checks a sort's order, and the job then never ends (a UNION ALL
        // of grouped session tables, ORDER BY the constant); the static
        // planner runs it. `SET ballista.planner.adaptive.enabled = true`
        // turns it back on.
        .set_bool(BALLISTA_ADAPTIVE_PLANNER_ENABLED, false)
}

/// An executor's or scheduler's runtime: `s3://` locations configured from
/// the AWS environment variables, as in a local session.
pub fn cluster_runtime(_config: &SessionConfig) -> Result<Arc<RuntimeEnv>> {
    let mut runtime = RuntimeEnvBuilder::new().build()?;
    runtime.object_store_registry = Arc::new(S3FromEnvironment::wrap(runtime.object_store_registry));
    Ok(Arc::new(runtime))
}
