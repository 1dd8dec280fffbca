//! `--read-only`: queries, EXPLAIN, SHOW and session settings run; anything
//! that writes (DDL, INSERT, COPY, segment changes) is refused with SQLSTATE
//! 25006 (read_only_sql_transaction), as PostgreSQL does on a standby.

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SQLOptions, SessionContext};
use datafusion::sql::sqlparser::ast::{Set, Statement};
use datafusion_postgres::QueryHook;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::api::results::Response;
use datafusion_postgres::pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

pub fn refused(what: &str) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new(
        "ERROR".to_string(),
        "25006".to_string(),
        format!("cannot run {what}: the cdpfusion server was started with --read-only"),
    )))
}

/// DataFusion's own check of a plan, for what the statement allow-list
/// cannot see (`SELECT ... INTO`, a DDL inside EXPLAIN ANALYZE).
fn read_only_options() -> SQLOptions {
    SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(true)
}

fn verify(plan: &LogicalPlan) -> Option<PgWireResult<Response>> {
    read_only_options()
        .verify_plan(plan)
        .err()
        .map(|e| Err(refused(&e.strip_backtrace())))
}

fn allowed(statement: &Statement) -> bool {
    match statement {
        Statement::Query(_)
        | Statement::ShowVariable { .. }
        | Statement::ShowStatus { .. }
        | Statement::ShowCatalogs { .. }
        | Statement::ShowTables { .. }
        | Statement::ShowColumns { .. }
        | Statement::StartTransaction { .. }
        | Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Declare { .. }
        | Statement::Fetch { .. }
        | Statement::Close { .. } => true,
        Statement::Explain { statement, .. } => allowed(statement),
        // The session is shared by every connection: changing DataFusion's
        // settings would change them for everyone; client settings
        // (DateStyle, search_path, ...) are fine.
        Statement::Set(Set::SingleAssignment { variable, .. }) => {
            let variable = variable.to_string().to_ascii_lowercase();
            !variable.starts_with("datafusion.") && !variable.starts_with("cdpfusion.")
        }
        Statement::Set(_) => true,
        _ => false,
    }
}

fn statement_kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    words.join(" ").to_ascii_uppercase()
}

pub struct ReadOnlyHook;

#[async_trait]
impl QueryHook for ReadOnlyHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        if !allowed(statement) {
            return Some(Err(refused(&statement_kind(statement))));
        }
        if matches!(statement, Statement::Query(_) | Statement::Explain { .. }) {
            let parsed = datafusion::sql::parser::Statement::Statement(Box::new(statement.clone()));
            if let Ok(plan) = ctx.state().statement_to_plan(parsed).await {
                return verify(&plan);
            }
        }
        None
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        (!allowed(statement)).then(|| Err(refused(&statement_kind(statement))))
    }

    async fn handle_extended_query(
        &self,
        _statement: &Statement,
        plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        verify(plan)
    }
}
