//! `cdpfusion serve`: the cdpfusion session over the PostgreSQL wire
//! protocol, for psql, psycopg and BI tools (Metabase, Superset, Grafana,
//! DBeaver). SCRAM-SHA-256 authentication is always on; TLS is optional and
//! fails closed (a bad certificate stops the server instead of serving in
//! clear).

mod read_only;
mod service;
mod tls;
mod users;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::pgwire::api::auth::DefaultServerParameterProvider;
use datafusion_postgres::pgwire::api::auth::sasl::SASLAuthStartupHandler;
use datafusion_postgres::pgwire::api::auth::sasl::scram::ScramAuth;
use datafusion_postgres::pgwire::api::auth::{AuthSource, StartupHandler};
use datafusion_postgres::pgwire::api::cancel::{CancelHandler, DefaultCancelHandler};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::{ConnectionManager, PgWireServerHandlers};
use datafusion_postgres::pgwire::tokio::process_socket;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

pub use service::CdpfusionService;
pub use users::{USERS_VARIABLE, Users};

/// How long open connections may finish their queries after a shutdown
/// signal before they are cut.
const DRAIN: Duration = Duration::from_secs(10);

pub struct ServerSettings {
    pub address: SocketAddr,
    pub read_only: bool,
    pub users: Users,
    /// PEM certificate chain and private key.
    pub tls: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// Serves `ctx` until `shutdown` completes, then stops accepting, lets open
/// connections finish for a few seconds and returns.
pub async fn serve(
    ctx: SessionContext,
    settings: ServerSettings,
    shutdown: impl std::future::Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    // What BI tools read when they connect.
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).map_err(|e| *e)?;
    let tls = match &settings.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let listener = TcpListener::bind(settings.address)
        .await
        .map_err(|e| DataFusionError::Execution(format!("cannot listen on {}: {e}", settings.address)))?;
    let address = listener.local_addr()?;
    let handlers = Arc::new(Handlers::new(Arc::new(ctx), settings));
    ready(address);

    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((socket, _peer)) = accepted else { continue };
                let (handlers, tls) = (handlers.clone(), tls.clone());
                // A connection's failure (a client that hangs up, a failed
                // login) ends that connection only.
                connections.spawn(async move { process_socket(socket, tls, handlers).await });
            }
        }
    }
    drop(listener);
    let drained =
        tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        connections.shutdown().await;
    }
    Ok(())
}

struct Handlers {
    service: Arc<CdpfusionService>,
    users: Arc<dyn AuthSource>,
    parameters: Arc<DefaultServerParameterProvider>,
    connections: Arc<ConnectionManager>,
    cancel: Arc<DefaultCancelHandler>,
}

impl Handlers {
    fn new(ctx: Arc<SessionContext>, settings: ServerSettings) -> Self {
        let connections = Arc::new(ConnectionManager::new());
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.default_transaction_read_only = settings.read_only;
        Self {
            service: Arc::new(CdpfusionService::new(ctx, settings.read_only)),
            users: Arc::new(settings.users),
            parameters: Arc::new(parameters),
            cancel: Arc::new(DefaultCancelHandler::new(connections.clone())),
            connections,
        }
    }
}

impl PgWireServerHandlers for Handlers {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.service.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.service.clone()
    }

    /// A handler per connection: it holds that connection's SCRAM exchange.
    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        let mut scram = ScramAuth::new(self.users.clone());
        scram.set_iterations(users::SCRAM_ITERATIONS);
        Arc::new(
            SASLAuthStartupHandler::new(self.parameters.clone())
                .with_scram(scram)
                .with_connection_manager(self.connections.clone()),
        )
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}
