//! Stopping a running query: a cancel request (psql's Ctrl-C, psycopg's
//! `conn.cancel()`) or the connection's `statement_timeout`.
//!
//! pgwire's own cancel only covers the handler's future, which returns as
//! soon as the query is planned; the rows are computed while pgwire sends
//! them. So a query's rows are produced on a task of their own and the
//! connection waits on that task, the cancel and the deadline at once: the
//! client gets SQLSTATE 57014 at once, the connection stays usable, and
//! dropping the task drops DataFusion's streams, which frees the query's
//! memory and stops its own tasks at their next await.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_trait::async_trait;
use datafusion_postgres::pgwire::api::ConnectionManager;
use datafusion_postgres::pgwire::api::cancel::CancelHandler;
use datafusion_postgres::pgwire::api::results::{Response, SendableRowStream};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::cancel::CancelRequest;
use datafusion_postgres::pgwire::messages::startup::SecretKey;
use futures::StreamExt;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Rows handed from the query's task to the connection at a time.
const ROWS_PER_HANDOFF: usize = 256;

/// Where datafusion-postgres keeps `SET statement_timeout`, in milliseconds.
const STATEMENT_TIMEOUT_KEY: &str = "statement_timeout_ms";

/// The running query of one connection.
#[derive(Debug, Default)]
pub struct QueryControl {
    current: Mutex<CancellationToken>,
}

impl QueryControl {
    /// A token for the query that starts now; an earlier cancel does not
    /// carry over to it.
    fn start(&self) -> CancellationToken {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        if current.is_cancelled() {
            *current = CancellationToken::new();
        }
        current.clone()
    }

    fn cancel(&self) {
        self.current.lock().unwrap_or_else(|e| e.into_inner()).cancel();
    }

    /// The limits of a query starting now, from the connection's settings.
    pub fn limits(&self, metadata: &HashMap<String, String>, pid: i32, sql: &str) -> QueryLimits {
        let timeout = metadata
            .get(STATEMENT_TIMEOUT_KEY)
            .and_then(|ms| ms.parse::<u64>().ok())
            .filter(|&ms| ms > 0)
            .map(Duration::from_millis);
        QueryLimits {
            cancel: self.start(),
            deadline: timeout.map(|timeout| Instant::now() + timeout),
            log: Arc::new(QueryLog {
                started: Instant::now(),
                pid,
                sql: sql.to_string(),
                rows: AtomicU64::new(0),
                error: Mutex::new(None),
            }),
        }
    }
}

fn canceled(message: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "57014".to_string(),
        message.to_string(),
    )))
}

/// What stops one query.
#[derive(Clone)]
pub struct QueryLimits {
    cancel: CancellationToken,
    deadline: Option<Instant>,
    log: Arc<QueryLog>,
}

/// One query's log line, written when the last of its rows has been sent
/// (or the query failed or was stopped): the connection, the duration, the
/// rows and the SQLSTATE of a failure. The query's text and the error's
/// message (which can quote the query's values) only at debug level.
struct QueryLog {
    started: Instant,
    pid: i32,
    sql: String,
    rows: AtomicU64,
    /// SQLSTATE and message of a failure.
    error: Mutex<Option<(String, String)>>,
}

impl QueryLog {
    fn failed(&self, error: &PgWireError) {
        let failure = match error {
            PgWireError::UserError(info) => (info.code.clone(), info.message.clone()),
            other => ("XX000".to_string(), other.to_string()),
        };
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(failure);
    }
}

impl Drop for QueryLog {
    fn drop(&mut self) {
        let (pid, rows) = (self.pid, self.rows.load(Ordering::Relaxed));
        let seconds = self.started.elapsed().as_secs_f64();
        match self.error.get_mut().unwrap_or_else(|e| e.into_inner()) {
            None => {
                tracing::info!(pid, seconds, rows, "query finished");
                tracing::debug!(pid, sql = self.sql, "query text");
            }
            Some((sqlstate, message)) => {
                tracing::warn!(pid, seconds, rows, sqlstate, "query failed");
                tracing::debug!(pid, sql = self.sql, error = message, "query failed");
            }
        }
    }
}

impl QueryLimits {
    async fn stopped(&self) -> PgWireError {
        let deadline = async {
            match self.deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => canceled("canceling statement due to user request"),
            _ = deadline => canceled("canceling statement due to statement timeout"),
        }
    }

    /// Runs `work` (planning, a statement run to completion) unless the
    /// query is stopped first.
    pub async fn run<T>(&self, work: impl Future<Output = PgWireResult<T>>) -> PgWireResult<T> {
        let result = tokio::select! {
            biased;
            error = self.stopped() => Err(error),
            result = work => result,
        };
        if let Err(error) = &result {
            self.log.failed(error);
        }
        result
    }

    /// The responses with their rows produced under these limits.
    pub fn guard(&self, responses: Vec<Response>) -> Vec<Response> {
        responses
            .into_iter()
            .map(|response| self.guard_one(response))
            .collect()
    }

    pub fn guard_one(&self, response: Response) -> Response {
        match response {
            Response::Query(mut query) => {
                query.data_rows = self.rows(std::mem::replace(
                    &mut query.data_rows,
                    Box::pin(futures::stream::empty()),
                ));
                Response::Query(query)
            }
            other => other,
        }
    }

    fn rows(&self, rows: SendableRowStream) -> SendableRowStream {
        let (sender, receiver) = tokio::sync::mpsc::channel(2);
        let producer = tokio::spawn(async move {
            let mut chunks = rows.ready_chunks(ROWS_PER_HANDOFF);
            while let Some(chunk) = chunks.next().await {
                if sender.send(chunk).await.is_err() {
                    break;
                }
            }
        });
        struct State {
            receiver: tokio::sync::mpsc::Receiver<
                Vec<PgWireResult<datafusion_postgres::pgwire::messages::data::DataRow>>,
            >,
            limits: QueryLimits,
            // Aborts the producer when the client stops reading (an error,
            // a cancel, a closed connection).
            _producer: AbortOnDrop,
            stopped: bool,
        }
        let state = State {
            receiver,
            limits: self.clone(),
            _producer: AbortOnDrop(producer),
            stopped: false,
        };
        let chunks = futures::stream::unfold(state, |mut state| async move {
            if state.stopped {
                return None;
            }
            let next = tokio::select! {
                biased;
                error = state.limits.stopped() => Some(vec![Err(error)]),
                chunk = state.receiver.recv() => chunk,
            };
            let next = next?;
            for row in &next {
                match row {
                    Ok(_) => state.limits.log.rows.fetch_add(1, Ordering::Relaxed),
                    Err(error) => {
                        state.limits.log.failed(error);
                        state.stopped = true;
                        0
                    }
                };
            }
            Some((futures::stream::iter(next), state))
        });
        Box::pin(chunks.flatten())
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Routes a cancel request to the connection it names: to pgwire's
/// registry (planning) and to the connection's [`QueryControl`] (rows).
#[derive(Debug, Default)]
pub struct CancelRouter {
    pgwire: Arc<ConnectionManager>,
    controls: Mutex<HashMap<(i32, Vec<u8>), Weak<QueryControl>>>,
}

impl CancelRouter {
    pub fn pgwire_connections(&self) -> Arc<ConnectionManager> {
        self.pgwire.clone()
    }

    /// Makes `control` reachable by cancel requests for `(pid, key)` until
    /// the returned guard is dropped with the connection.
    pub fn register(
        self: &Arc<Self>,
        pid: i32,
        key: &SecretKey,
        control: &Arc<QueryControl>,
    ) -> CancelRegistration {
        let key = (pid, key.to_bytes().to_vec());
        self.controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.clone(), Arc::downgrade(control));
        CancelRegistration {
            router: self.clone(),
            key,
        }
    }
}

pub struct CancelRegistration {
    router: Arc<CancelRouter>,
    key: (i32, Vec<u8>),
}

impl Drop for CancelRegistration {
    fn drop(&mut self) {
        self.router
            .controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.key);
    }
}

#[async_trait]
impl CancelHandler for CancelRouter {
    async fn on_cancel_request(&self, request: CancelRequest) {
        self.pgwire.cancel(request.pid, &request.secret_key).await;
        let key = (request.pid, request.secret_key.to_bytes().to_vec());
        let control = self
            .controls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .and_then(Weak::upgrade);
        // A request with a wrong key is ignored, as PostgreSQL does.
        if let Some(control) = control {
            tracing::info!(pid = request.pid, "cancel requested");
            control.cancel();
        }
    }
}
