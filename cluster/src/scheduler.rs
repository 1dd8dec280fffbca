//! `cdpfusion scheduler`: Ballista's scheduler, whose sessions know
//! cdpfusion's functions and settings.

use std::net::SocketAddr;
use std::sync::Arc;

use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::utils::default_session_builder;
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionConfig;
use datafusion::execution::session_state::SessionState;

use crate::executor::HEARTBEAT_SECONDS;
use crate::functions::{cluster_config, cluster_runtime, function_registry};
use crate::session_tables::{MAX_MESSAGE_BYTES, SessionTableCodec};

/// Silence after which an executor counts as lost: four heartbeats.
const EXECUTOR_TIMEOUT_SECONDS: u64 = 4 * HEARTBEAT_SECONDS;

#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where clients and executors reach the scheduler (gRPC).
    pub bind: SocketAddr,
}

/// Runs a scheduler until the process ends.
pub async fn run_scheduler(options: SchedulerOptions) -> Result<()> {
    // Built once: the scheduler makes a session for every client session.
    let registry = function_registry()?;
    let config = SchedulerConfig {
        bind_host: options.bind.ip().to_string(),
        bind_port: options.bind.port(),
        external_host: options.bind.ip().to_string(),
        override_config_producer: Some(Arc::new(cluster_config)),
        override_session_builder: Some(Arc::new(move |config| scheduler_session(config, &registry))),
        override_logical_codec: Some(Arc::new(SessionTableCodec::default())),
        grpc_server_max_decoding_message_size: MAX_MESSAGE_BYTES as u32,
        grpc_server_max_encoding_message_size: MAX_MESSAGE_BYTES as u32,
        // A lost executor is noticed within half a minute rather than
        // Ballista's three (its tasks then run again elsewhere).
        executor_timeout_seconds: EXECUTOR_TIMEOUT_SECONDS,
        expire_dead_executor_interval_seconds: 5,
        no_executors_grace_period_seconds: EXECUTOR_TIMEOUT_SECONDS,
        ..Default::default()
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| scheduler_error(options.bind, e))?;
    start_server(cluster, options.bind, Arc::new(config))
        .await
        .map_err(|e| scheduler_error(options.bind, e))
}

/// Ballista's session with every function of a cdpfusion session: the
/// scheduler turns a client's logical plan into stages with it.
fn scheduler_session(config: SessionConfig, registry: &BallistaFunctionRegistry) -> Result<SessionState> {
    let ballista = default_session_builder(config)?;
    let runtime = cluster_runtime(ballista.config())?;
    let mut builder = SessionStateBuilder::new_from_existing(ballista).with_runtime_env(runtime);
    builder
        .scalar_functions()
        .get_or_insert_default()
        .extend(registry.scalar_functions.values().cloned());
    builder
        .aggregate_functions()
        .get_or_insert_default()
        .extend(registry.aggregate_functions.values().cloned());
    builder
        .window_functions()
        .get_or_insert_default()
        .extend(registry.window_functions.values().cloned());
    Ok(builder.build())
}

fn scheduler_error(bind: SocketAddr, e: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("cdpfusion scheduler on {bind}: {e}"))
}
