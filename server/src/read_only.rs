//! `--read-only`: queries, EXPLAIN, SHOW and session settings run; anything
//! that writes (DDL, INSERT, COPY, segment changes) is refused with SQLSTATE
//! 25006 (read_only_sql_transaction), as PostgreSQL does on a standby.

use async_trait::async_trait;
use datafusion::common::ParamValues;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{SQLOptions, SessionContext};
use datafusion::sql::sqlparser::ast::{ObjectName, Set, Statement};
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
        Statement::Set(set) => setting_allowed(set),
        _ => false,
    }
}

/// The settings a read-only connection may change: what PostgreSQL
/// clients and BI tools set for their own display and limits. DataFusion's
/// and cdpfusion's settings (batch size, memory limit, the segment catalog)
/// are fixed by whoever started the server.
const READ_ONLY_SETTINGS: &[&str] = &[
    "application_name",
    "bytea_output",
    "client_encoding",
    "client_min_messages",
    "datestyle",
    "extra_float_digits",
    "intervalstyle",
    "search_path",
    "standard_conforming_strings",
    "statement_timeout",
    "timezone",
];

/// A setting's name as the server understands it, however it was spelled:
/// quotes removed, parts joined, lower case.
fn setting_name(name: &ObjectName) -> String {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => ident.value.clone(),
            None => part.to_string(),
        })
        .collect();
    parts.join(".").to_lowercase()
}

fn setting_allowed(set: &Set) -> bool {
    let allowed = |name: &ObjectName| READ_ONLY_SETTINGS.contains(&setting_name(name).as_str());
    match set {
        Set::SingleAssignment { variable, .. } => allowed(variable),
        Set::MultipleAssignments { assignments } => assignments.iter().all(|a| allowed(&a.name)),
        Set::SetTimeZone { .. } | Set::SetNames { .. } | Set::SetNamesDefault {} => true,
        // Transaction characteristics change nothing here: every
        // transaction of this server reads.
        Set::SetTransaction { .. } => true,
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

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn allowed_sql(sql: &str) -> bool {
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).unwrap();
        allowed(&statements[0])
    }

    #[test]
    fn engine_settings_are_refused_however_they_are_spelled() {
        for sql in [
            "SET datafusion.execution.batch_size = 7",
            "SET \"datafusion.execution.batch_size\" = 7",
            "SET DataFusion.Execution.Batch_Size TO 7",
            "SET LOCAL \"datafusion.runtime.memory_limit\" = '1K'",
            "SET SESSION \"cdpfusion.catalog\" = '/tmp/planted'",
            "SET ROLE admin",
            "SET SESSION AUTHORIZATION admin",
        ] {
            assert!(!allowed_sql(sql), "{sql}");
        }
        for sql in [
            "SET statement_timeout = '1s'",
            "SET \"DateStyle\" = 'ISO'",
            "SET LOCAL search_path TO public",
            "SET TIME ZONE 'UTC'",
            "SET NAMES 'UTF8'",
            "SELECT 1",
        ] {
            assert!(allowed_sql(sql), "{sql}");
        }
    }
}
