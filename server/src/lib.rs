//! `cdpfusion serve`: the cdpfusion session over the PostgreSQL wire
//! protocol, for psql, psycopg and BI tools (Metabase, Superset, Grafana,
//! DBeaver). SCRAM-SHA-256 authentication is always on; TLS is optional and
//! fails closed (a bad certificate stops the server instead of serving in
//! clear).

mod copy_out;
mod login;
pub mod pg_functions;
mod query_control;
mod read_only;
pub mod scram;
mod service;
mod settings;
mod show_settings;
mod throttle;
mod tls;
mod users;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::SessionContext;
use datafusion_postgres::datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_postgres::datafusion_pg_catalog::setup_pg_catalog;
use datafusion_postgres::pgwire::api::auth::{DefaultServerParameterProvider, StartupHandler};
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::{PgWireServerHandlers, RandomPidSecretKeyGenerator};
use datafusion_postgres::pgwire::tokio::process_socket;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use login::{Login, LoginPolicy};
use query_control::{CancelRouter, QueryControl};
pub use service::CdpfusionService;
use throttle::Throttle;
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
    /// Connections served at once; more are refused with SQLSTATE 53300.
    pub max_connections: usize,
    /// A connection that has not logged in by then is closed.
    pub login_timeout: Duration,
}

/// Serves `ctx` until `shutdown` completes, then stops accepting, lets open
/// connections finish for a few seconds and returns.
///
/// Every connection gets a session of its own, a copy of `ctx`'s: its
/// settings (`SET`) are its own, while tables, views, functions, the memory
/// pool and the object stores are those of `ctx`, shared.
pub async fn serve(
    ctx: SessionContext,
    settings: ServerSettings,
    shutdown: impl std::future::Future<Output = ()>,
    ready: impl FnOnce(SocketAddr),
) -> Result<()> {
    let ServerSettings {
        address,
        read_only,
        users,
        tls,
        max_connections,
        login_timeout,
    } = settings;
    // What BI tools read when they connect.
    setup_pg_catalog(&ctx, "datafusion", EmptyContextProvider).map_err(|e| *e)?;
    pg_functions::register_server_functions(&ctx);
    let tls = match &tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| DataFusionError::Execution(format!("cannot listen on {address}: {e}")))?;
    let address = listener.local_addr()?;
    for warning in &users.warnings {
        tracing::warn!("{warning}");
    }
    let server = Arc::new(Server::new(ctx, read_only, users));
    let slots = Arc::new(Semaphore::new(max_connections));
    ready(address);

    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((socket, peer)) = accepted else { continue };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    tracing::warn!(%peer, limit = max_connections, "connection refused: too many connections");
                    connections.spawn(refuse(socket));
                    continue;
                };
                let handlers = Arc::new(server.connection());
                let user = handlers.user.clone();
                let tls = tls.clone();
                // A connection's failure (a client that hangs up, a failed
                // login) ends that connection only.
                connections.spawn(async move {
                    let started = Instant::now();
                    tracing::debug!(%peer, "connection opened");
                    let connection = process_socket(socket, tls, handlers);
                    tokio::pin!(connection);
                    let login_deadline = tokio::time::sleep(login_timeout);
                    let result = tokio::select! {
                        result = &mut connection => result,
                        _ = login_deadline => match user.get() {
                            Some(_) => connection.await,
                            None => {
                                tracing::warn!(%peer, "connection closed: no login within {login_timeout:?}");
                                Ok(())
                            }
                        },
                    };
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "connection failed");
                    }
                    let user = user.get().map(String::as_str).unwrap_or_default();
                    tracing::info!(%peer, user, seconds = started.elapsed().as_secs_f64(), "connection closed");
                    drop(slot);
                });
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

/// PostgreSQL's answer when it has no connection to spare: an
/// ErrorResponse clients show as they would PostgreSQL's.
async fn refuse(mut socket: TcpStream) {
    let mut fields = Vec::new();
    for (code, value) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', "53300"),
        (b'M', "sorry, too many clients already"),
    ] {
        fields.push(code);
        fields.extend_from_slice(value.as_bytes());
        fields.push(0);
    }
    fields.push(0);
    let mut message = vec![b'E'];
    message.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
    message.extend_from_slice(&fields);
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.write_all(&message)).await;
}

/// What all connections share.
struct Server {
    ctx: SessionContext,
    read_only: bool,
    login: Arc<LoginPolicy>,
    cancels: Arc<CancelRouter>,
}

impl Server {
    fn new(ctx: SessionContext, read_only: bool, users: Users) -> Self {
        let mut parameters = DefaultServerParameterProvider::default();
        parameters.default_transaction_read_only = read_only;
        parameters.server_version = settings::SERVER_VERSION.to_string();
        let cancels = Arc::new(CancelRouter::default());
        Self {
            ctx,
            read_only,
            login: Arc::new(LoginPolicy {
                users,
                throttle: Throttle::default(),
                parameters,
                cancels: cancels.clone(),
                pids: RandomPidSecretKeyGenerator::default(),
            }),
            cancels,
        }
    }

    /// The handlers of a new connection, over a session of its own.
    fn connection(&self) -> Connection {
        let session = Arc::new(SessionContext::new_with_state(self.ctx.state()));
        let control = Arc::new(QueryControl::default());
        let user = Arc::new(OnceLock::new());
        Connection {
            service: Arc::new(CdpfusionService::new(session, self.read_only, control.clone())),
            login: Arc::new(Login::new(self.login.clone(), user.clone(), control)),
            cancels: self.cancels.clone(),
            user,
        }
    }
}

struct Connection {
    service: Arc<CdpfusionService>,
    login: Arc<Login>,
    cancels: Arc<CancelRouter>,
    /// Who logged in, once someone has.
    user: Arc<OnceLock<String>>,
}

impl PgWireServerHandlers for Connection {
    fn simple_query_handler(&self) -> Arc<impl SimpleQueryHandler> {
        self.service.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl ExtendedQueryHandler> {
        self.service.clone()
    }

    fn startup_handler(&self) -> Arc<impl StartupHandler> {
        self.login.clone()
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancels.clone()
    }
}
