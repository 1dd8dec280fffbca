//! The query handlers: datafusion-postgres's, which speak PostgreSQL's SQL
//! to BI tools (pg_catalog, SET/SHOW, transactions, prepared statements),
//! in front of which cdpfusion runs what that parser cannot read: the
//! statements the session's router runs itself (`cdpfusion::statement`),
//! `COPY ... TO STDOUT`, and DataFusion's own `CREATE EXTERNAL TABLE` and
//! `COPY ... TO`, whose locations are checked first.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use datafusion::arrow::datatypes::Schema;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SQLOptions, SessionContext};
use datafusion::sql::parser::{DFParser, Statement as DataFusionStatement};
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::arrow_pg::datatypes::arrow_schema_to_pg_fields;
use datafusion_postgres::arrow_pg::datatypes::df::encode_dataframe;
use datafusion_postgres::hooks::cursor::CursorStatementHook;
use datafusion_postgres::hooks::set_show::SetShowHook;
use datafusion_postgres::hooks::transactions::TransactionStatementHook;
use datafusion_postgres::pgwire::api::portal::{Format, Portal};
use datafusion_postgres::pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use datafusion_postgres::pgwire::api::results::{FieldInfo, Response, Tag};
use datafusion_postgres::pgwire::api::stmt::QueryParser;
use datafusion_postgres::pgwire::api::store::PortalStore;
use datafusion_postgres::pgwire::api::{ClientInfo, ClientPortalStore, Type};
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use datafusion_postgres::pgwire::messages::PgWireBackendMessage;
use datafusion_postgres::{DfSessionService, Parser, QueryHook};
use futures::Sink;

use super::copy_out::CopyToStdout;
use super::pg_functions::register_user_functions;
use super::query_control::QueryControl;
use super::read_only::{ReadOnlyHook, refused};
use super::show_settings::ServerSettingsHook;
use cdpfusion::CdpfusionStatement;
use cdpfusion::data_roots::DataRoots;
use cdpfusion::script::split_statements;

/// What datafusion-postgres's prepared statements hold: the SQL and, when
/// its parser read it, the statement and plan. cdpfusion's own statements
/// are stored with `None`.
type PreparedStatement = (String, Option<(Statement, LogicalPlan)>);

/// A statement the server runs itself rather than hand to datafusion-postgres.
enum OwnStatement {
    /// One the session's router runs (segments, `SHOW FUNCTIONS`).
    Cdpfusion(CdpfusionStatement),
    /// `CREATE EXTERNAL TABLE` or `COPY ... TO`: its command tag and the
    /// locations it reads or writes.
    DataFusion {
        tag: &'static str,
        locations: Vec<String>,
    },
    /// `COPY (query) TO STDOUT`: rows to the client.
    CopyOut(CopyToStdout),
}

impl OwnStatement {
    fn parse(sql: &str) -> PgWireResult<Option<Self>> {
        // The router alone knows cdpfusion's statements (each of its
        // parsers looks at the first words before tokenising).
        if let Some(statement) = CdpfusionStatement::parse(sql).map_err(sql_error)? {
            return Ok(Some(Self::Cdpfusion(statement)));
        }
        // Queries are most of the traffic: a look at the first word keeps
        // them away from DataFusion's parser below.
        let first_word = sql
            .trim_start()
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or_default();
        let is = |keyword: &str| first_word.eq_ignore_ascii_case(keyword);
        if !is("CREATE") && !is("COPY") {
            return Ok(None);
        }
        if is("COPY")
            && let Some(copy) = CopyToStdout::parse(sql)
        {
            return Ok(Some(Self::CopyOut(copy)));
        }
        let Ok(mut statements) = DFParser::parse_sql(sql) else {
            return Ok(None);
        };
        Ok(match statements.pop_front() {
            Some(DataFusionStatement::CreateExternalTable(table)) => Some(Self::DataFusion {
                tag: "CREATE EXTERNAL TABLE",
                locations: table.locations,
            }),
            Some(DataFusionStatement::CopyTo(copy)) => Some(Self::DataFusion {
                tag: "COPY",
                locations: vec![copy.target],
            }),
            _ => None,
        })
    }

    fn writes(&self) -> bool {
        match self {
            Self::Cdpfusion(statement) => statement.writes(),
            Self::DataFusion { .. } => true,
            Self::CopyOut(_) => false,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Cdpfusion(statement) => statement.tag(),
            Self::DataFusion { tag, .. } => tag,
            Self::CopyOut(_) => "COPY",
        }
    }

    /// The columns the statement returns, before it runs.
    fn schema(&self) -> Schema {
        match self {
            Self::Cdpfusion(statement) => statement.schema().as_ref().clone(),
            Self::DataFusion { .. } | Self::CopyOut(_) => Schema::empty(),
        }
    }
}

pub fn sql_error(e: DataFusionError) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "XX000".to_string(),
        e.strip_backtrace(),
    )))
}

/// One connection's queries, over the connection's own session.
pub struct CdpfusionService {
    ctx: Arc<SessionContext>,
    inner: Arc<DfSessionService>,
    parser: Arc<CdpfusionParser>,
    read_only: bool,
    control: Arc<QueryControl>,
    /// Whether `current_user` and friends name the logged-in user yet.
    user_functions: AtomicBool,
}

impl CdpfusionService {
    pub fn new(ctx: Arc<SessionContext>, read_only: bool, control: Arc<QueryControl>) -> Self {
        // The hook list replaces datafusion-postgres's defaults: add them back
        // after the read-only guard, which must see every statement first.
        let mut hooks: Vec<Arc<dyn QueryHook>> = Vec::new();
        if read_only {
            hooks.push(Arc::new(ReadOnlyHook));
        }
        hooks.push(Arc::new(ServerSettingsHook));
        hooks.push(Arc::new(CursorStatementHook));
        hooks.push(Arc::new(SetShowHook));
        hooks.push(Arc::new(TransactionStatementHook));
        let inner = Arc::new(DfSessionService::new_with_hooks(ctx.clone(), hooks));
        let parser = Arc::new(CdpfusionParser {
            inner: ExtendedQueryHandler::query_parser(inner.as_ref()),
            read_only,
        });
        Self {
            ctx,
            inner,
            parser,
            read_only,
            control,
            user_functions: AtomicBool::new(false),
        }
    }

    /// Registers `current_user` for the connection's user on its first
    /// query (the session exists before the login).
    fn know_user(&self, client: &impl ClientInfo) {
        if !self.user_functions.swap(true, Ordering::Relaxed)
            && let Some(user) = client.metadata().get("user")
        {
            register_user_functions(&self.ctx, user);
        }
    }

    async fn run_own(&self, sql: &str, statement: OwnStatement, format: &Format) -> PgWireResult<Response> {
        if self.read_only && statement.writes() {
            return Err(refused(statement.kind()));
        }
        match statement {
            OwnStatement::Cdpfusion(statement) => {
                let batch = statement.execute(&self.ctx).await.map_err(sql_error)?;
                let frame = self.ctx.read_batch(batch).map_err(sql_error)?;
                Ok(Response::Query(encode_dataframe(frame, format, None).await?))
            }
            OwnStatement::CopyOut(copy) => copy.run(&self.ctx).await,
            OwnStatement::DataFusion { tag, locations } => {
                // Checked before running: a refused write surfaces from
                // DataFusion only as "error while finalizing writes".
                if let Some(roots) = self.ctx.state().config().get_extension::<DataRoots>() {
                    for location in &locations {
                        roots.check_location(location).map_err(sql_error)?;
                    }
                }
                let options = SQLOptions::new();
                let frame = self.ctx.sql_with_options(sql, options).await.map_err(sql_error)?;
                let batches = frame.collect().await.map_err(sql_error)?;
                // COPY reports the rows it wrote, as PostgreSQL's does.
                let rows = batches
                    .first()
                    .filter(|batch| batch.num_columns() == 1 && batch.num_rows() == 1)
                    .and_then(|batch| {
                        datafusion::arrow::array::AsArray::as_primitive_opt::<
                            datafusion::arrow::datatypes::UInt64Type,
                        >(batch.column(0))
                        .map(|count| count.value(0) as usize)
                    });
                Ok(Response::Execution(match rows {
                    Some(rows) => Tag::new(tag).with_rows(rows),
                    None => Tag::new(tag),
                }))
            }
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for CdpfusionService {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.know_user(client);
        let limits = self
            .control
            .limits(client.metadata(), client.pid_and_secret_key().0, query);
        let statements = split_statements(query).map_err(sql_error)?;
        let mut own = Vec::with_capacity(statements.len());
        for statement in &statements {
            own.push(OwnStatement::parse(statement)?);
        }
        let responses = limits
            .run(async {
                if own.iter().all(Option::is_none) {
                    return SimpleQueryHandler::do_query(self.inner.as_ref(), client, query).await;
                }
                // A script that mixes both runs statement by statement, in
                // order, stopping at the first error as PostgreSQL does.
                let mut responses = Vec::new();
                for (sql, own) in statements.iter().zip(own) {
                    match own {
                        Some(statement) => {
                            responses.push(self.run_own(sql, statement, &Format::UnifiedText).await?)
                        }
                        None => responses
                            .extend(SimpleQueryHandler::do_query(self.inner.as_ref(), client, sql).await?),
                    }
                }
                Ok(responses)
            })
            .await?;
        Ok(limits.guard(responses))
    }
}

#[async_trait]
impl ExtendedQueryHandler for CdpfusionService {
    type Statement = PreparedStatement;
    type QueryParser = CdpfusionParser;

    fn query_parser(&self) -> Arc<CdpfusionParser> {
        self.parser.clone()
    }

    async fn do_query<C>(
        &self,
        client: &mut C,
        portal: &Portal<PreparedStatement>,
        max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = PreparedStatement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.know_user(client);
        let limits = self.control.limits(
            client.metadata(),
            client.pid_and_secret_key().0,
            &portal.statement.statement.0,
        );
        let response = limits
            .run(async {
                if let (sql, None) = &portal.statement.statement
                    && let Some(statement) = OwnStatement::parse(sql)?
                {
                    return self.run_own(sql, statement, &portal.result_column_format).await;
                }
                ExtendedQueryHandler::do_query(self.inner.as_ref(), client, portal, max_rows).await
            })
            .await?;
        Ok(limits.guard_one(response))
    }
}

pub struct CdpfusionParser {
    inner: Arc<Parser>,
    read_only: bool,
}

#[async_trait]
impl QueryParser for CdpfusionParser {
    type Statement = PreparedStatement;

    async fn parse_sql<C>(
        &self,
        client: &C,
        sql: &str,
        types: &[Option<Type>],
    ) -> PgWireResult<Option<PreparedStatement>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        if let Some(statement) = OwnStatement::parse(sql)? {
            if self.read_only && statement.writes() {
                return Err(refused(statement.kind()));
            }
            return Ok(Some((sql.to_string(), None)));
        }
        self.inner.parse_sql(client, sql, types).await
    }

    fn get_parameter_types(&self, statement: &PreparedStatement) -> PgWireResult<Vec<Type>> {
        self.inner.get_parameter_types(statement)
    }

    fn get_result_schema(
        &self,
        statement: &PreparedStatement,
        format: Option<&Format>,
    ) -> PgWireResult<Vec<FieldInfo>> {
        if let (sql, None) = statement
            && let Some(own) = OwnStatement::parse(sql)?
        {
            return arrow_schema_to_pg_fields(&own.schema(), format.unwrap_or(&Format::UnifiedText), None);
        }
        self.inner.get_result_schema(statement, format)
    }
}
