//! The one statement router. Every front end (the shell, the server,
//! Python, the demo) hands its SQL here: a statement cdpfusion runs itself
//! is recognised in this file and nowhere else; the rest goes to DataFusion.
//! A new statement is a variant of [`CdpfusionStatement`]
//! and a module of its own beside `segments`, `identity_graphs` and `models`.

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::dataframe::DataFrame;
use datafusion::error::Result;
use datafusion::prelude::SessionContext;

use crate::function_docs::{parse_show_functions, show_functions, show_functions_schema};
use crate::identity_graphs::{
    IdentityGraphStatement, execute_identity_graph_statement, identity_graph_statement_schema,
    parse_identity_graph_statement,
};
use crate::models::{ModelStatement, execute_model_statement, model_statement_schema, parse_model_statement};
use crate::segments::{
    SegmentStatement, execute_segment_statement, parse_segment_statement, segment_statement_schema,
};

/// A statement cdpfusion runs itself rather than DataFusion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CdpfusionStatement {
    /// `CREATE/REFRESH/DROP SEGMENT`, `SHOW SEGMENTS`.
    Segment(SegmentStatement),
    /// `CREATE/APPEND TO/DROP IDENTITY GRAPH`, `SHOW IDENTITY GRAPHS`.
    IdentityGraph(IdentityGraphStatement),
    /// `CREATE [OR REPLACE] MODEL`, `DROP MODEL`.
    Model(ModelStatement),
    /// `SHOW FUNCTIONS [LIKE '...']`: DataFusion's rows, then cdpfusion's
    /// functions, which DataFusion's listing leaves out. Keeps the
    /// statement's text, which DataFusion runs for its own rows.
    ShowFunctions { sql: String, pattern: Option<String> },
}

impl CdpfusionStatement {
    /// The cdpfusion statement `sql` is, or `None` when it is DataFusion's.
    /// A statement that starts as a cdpfusion one but is malformed is an
    /// error naming what was expected.
    pub fn parse(sql: &str) -> Result<Option<Self>> {
        if let Some(pattern) = parse_show_functions(sql) {
            return Ok(Some(Self::ShowFunctions {
                sql: sql.to_string(),
                pattern,
            }));
        }
        if let Some(graph) = parse_identity_graph_statement(sql)? {
            return Ok(Some(Self::IdentityGraph(graph)));
        }
        if let Some(model) = parse_model_statement(sql)? {
            return Ok(Some(Self::Model(model)));
        }
        Ok(parse_segment_statement(sql)?.map(Self::Segment))
    }

    /// The columns it returns, known before it runs (a prepared statement
    /// describes its result first).
    pub fn schema(&self) -> SchemaRef {
        match self {
            Self::Segment(segment) => segment_statement_schema(segment),
            Self::IdentityGraph(graph) => identity_graph_statement_schema(graph),
            Self::Model(model) => model_statement_schema(model),
            Self::ShowFunctions { .. } => show_functions_schema(),
        }
    }

    /// Whether it changes anything (a read-only server refuses those).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Self::Segment(SegmentStatement::Show)
                | Self::IdentityGraph(IdentityGraphStatement::Show)
                | Self::ShowFunctions { .. }
        )
    }

    /// Its command tag, as PostgreSQL names a statement.
    pub fn tag(&self) -> &'static str {
        match self {
            Self::Segment(SegmentStatement::Create { .. }) => "CREATE SEGMENT",
            Self::Segment(SegmentStatement::Refresh(_)) => "REFRESH SEGMENT",
            Self::Segment(SegmentStatement::Drop { .. }) => "DROP SEGMENT",
            Self::Segment(SegmentStatement::Show) => "SHOW SEGMENTS",
            Self::IdentityGraph(IdentityGraphStatement::Create { .. }) => "CREATE IDENTITY GRAPH",
            Self::IdentityGraph(IdentityGraphStatement::Append { .. }) => "APPEND TO IDENTITY GRAPH",
            Self::IdentityGraph(IdentityGraphStatement::Drop { .. }) => "DROP IDENTITY GRAPH",
            Self::IdentityGraph(IdentityGraphStatement::Show) => "SHOW IDENTITY GRAPHS",
            Self::Model(ModelStatement::Create { .. }) => "CREATE MODEL",
            Self::Model(ModelStatement::Drop { .. }) => "DROP MODEL",
            Self::ShowFunctions { .. } => "SHOW FUNCTIONS",
        }
    }

    /// Runs it; returns the rows it reports.
    pub async fn execute(self, ctx: &SessionContext) -> Result<RecordBatch> {
        match self {
            Self::Segment(segment) => execute_segment_statement(ctx, segment).await,
            Self::IdentityGraph(graph) => execute_identity_graph_statement(ctx, graph).await,
            Self::Model(model) => execute_model_statement(ctx, model).await,
            Self::ShowFunctions { sql, pattern } => show_functions(ctx, &sql, pattern.as_deref()).await,
        }
    }
}

/// Runs one SQL statement, cdpfusion's or DataFusion's.
pub async fn sql(ctx: &SessionContext, sql: &str) -> Result<DataFrame> {
    match CdpfusionStatement::parse(sql)? {
        Some(statement) => ctx.read_batch(statement.execute(ctx).await?),
        None => ctx.sql(sql).await,
    }
}
