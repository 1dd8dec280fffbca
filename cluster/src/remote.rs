//! A session whose queries run on a cluster.

use std::sync::Arc;
use std::time::Duration;

use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use ballista_core::planner::BallistaQueryPlanner;
use datafusion_proto::logical_plan::LogicalExtensionCodec;
use datafusion_proto::protobuf::LogicalPlanNode;

use crate::functions::with_cluster_settings;
use crate::session_tables::{SessionTableCodec, ShipSessionTables};
use cdpfusion::data_roots::DataRoots;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::context::SessionConfig;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::prelude::SessionContext;
use tokio::net::TcpStream;

/// A cdpfusion session (every function, `cdpfusion::sql`'s statements,
/// tables named by path) whose queries the scheduler at `url`
/// (`df://HOST:PORT`) plans into stages and its executors run. `config`
/// carries the session's settings; Ballista's are added. `roots`, when
/// given, limits the files queries may name (`cdpfusion serve --data-root`).
pub async fn remote_session(
    url: &str,
    config: SessionConfig,
    runtime: Arc<RuntimeEnv>,
    roots: Option<DataRoots>,
) -> Result<SessionContext> {
    let (host, port) = scheduler_address(url)?;
    check_reachable(url, &host, port).await?;
    let scheduler = format!("http://{host}:{port}");
    let codec: Arc<dyn LogicalExtensionCodec> = Arc::new(SessionTableCodec::default());
    let config = with_cluster_settings(config).with_ballista_logical_extension_codec(Arc::clone(&codec));
    let ballista = BallistaQueryPlanner::<LogicalPlanNode>::with_extension(
        scheduler.clone(),
        config.ballista_config(),
        codec,
    );
    let config = config.with_ballista_query_planner(Arc::new(ShipSessionTables {
        inner: Arc::new(ballista),
    }));
    // Ballista's upgrade puts its planner in and replaces the function
    // lists; cdpfusion's functions are added after it.
    cdpfusion::cdpfusion_session_planned_by(config, runtime, roots, |state| {
        state.upgrade_for_ballista(scheduler)
    })
}

/// How long a session waits for its scheduler to answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Ballista connects at the first query and reports a failure in gRPC's
/// terms; a session says at once, in the user's.
async fn check_reachable(url: &str, host: &str, port: u16) -> Result<()> {
    let failure = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host, port))).await {
        Ok(Ok(_)) => return Ok(()),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer within {} seconds", CONNECT_TIMEOUT.as_secs()),
    };
    Err(DataFusionError::Execution(format!(
        "cannot reach a cdpfusion scheduler at {url}: {failure}; start one with `cdpfusion scheduler --bind {host}:{port}`"
    )))
}

/// `df://HOST:PORT` (Ballista's form) to the scheduler's host and port.
fn scheduler_address(url: &str) -> Result<(String, u16)> {
    let invalid = |why: &str| {
        DataFusionError::Configuration(format!(
            "--remote '{url}': {why}; expected df://HOST:PORT, the address of a `cdpfusion scheduler`"
        ))
    };
    let rest = url
        .strip_prefix("df://")
        .ok_or_else(|| invalid("not a df:// URL"))?;
    let (host, port) = rest
        .trim_end_matches('/')
        .rsplit_once(':')
        .ok_or_else(|| invalid("no port"))?;
    if host.is_empty() {
        return Err(invalid("no host"));
    }
    let port: u16 = port.parse().map_err(|_| invalid("the port is not a number"))?;
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::scheduler_address;

    #[test]
    fn a_df_url_names_the_scheduler() {
        assert_eq!(
            scheduler_address("df://127.0.0.1:50050").unwrap(),
            ("127.0.0.1".to_string(), 50050)
        );
        assert_eq!(
            scheduler_address("df://node-1:7000/").unwrap(),
            ("node-1".to_string(), 7000)
        );
        for bad in ["127.0.0.1:50050", "df://host", "df://:50050", "df://host:port"] {
            let error = scheduler_address(bad).unwrap_err().to_string();
            assert!(error.contains("expected df://HOST:PORT"), "{bad}: {error}");
        }
    }
}
