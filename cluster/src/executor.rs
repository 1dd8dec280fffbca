//! `cdpfusion executor`: Ballista's executor with cdpfusion's functions in
//! its registry.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use datafusion::error::{DataFusionError, Result};

use crate::functions::{cluster_config, cluster_runtime, function_registry};
use crate::session_tables::{MAX_MESSAGE_BYTES, SessionTableCodec};

/// How often an executor tells the scheduler it is alive.
pub(crate) const HEARTBEAT_SECONDS: u64 = 5;

#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    /// The scheduler's address (`HOST:PORT`).
    pub scheduler: (String, u16),
    /// Where this executor serves shuffle data and results (Arrow Flight);
    /// its task service listens on the next port.
    pub bind: SocketAddr,
    /// Where shuffle files go (default: a temporary directory).
    pub work_dir: Option<PathBuf>,
    /// Tasks run at once (default: the machine's cores).
    pub concurrent_tasks: Option<usize>,
}

/// Runs an executor until the process ends.
pub async fn run_executor(options: ExecutorOptions) -> Result<()> {
    let grpc_port = options.bind.port().checked_add(1).ok_or_else(|| {
        DataFusionError::Configuration(format!(
            "cdpfusion executor: --bind {}: the task service takes the next port, and there is none",
            options.bind
        ))
    })?;
    let (scheduler_host, scheduler_port) = options.scheduler.clone();
    let config = ExecutorProcessConfig {
        bind_host: options.bind.ip().to_string(),
        external_host: Some(options.bind.ip().to_string()),
        port: options.bind.port(),
        grpc_port,
        scheduler_host,
        scheduler_port,
        work_dir: options
            .work_dir
            .as_ref()
            .map(|dir| dir.to_string_lossy().into_owned()),
        vcores: options.concurrent_tasks.unwrap_or(0),
        override_function_registry: Some(Arc::new(function_registry()?)),
        override_config_producer: Some(Arc::new(cluster_config)),
        override_runtime_producer: Some(Arc::new(cluster_runtime)),
        override_logical_codec: Some(Arc::new(SessionTableCodec::default())),
        grpc_max_decoding_message_size: MAX_MESSAGE_BYTES as u32,
        grpc_max_encoding_message_size: MAX_MESSAGE_BYTES as u32,
        executor_heartbeat_interval_seconds: HEARTBEAT_SECONDS,
        ..Default::default()
    };
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| DataFusionError::Execution(format!("cdpfusion executor on {}: {e}", options.bind)))
}
