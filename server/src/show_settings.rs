//! `SHOW` for the server's own settings (`settings.rs`), in the simple and
//! the extended protocol; datafusion-postgres answers the client's.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{ParamValues, ToDFSchema};
use datafusion::logical_expr::{EmptyRelation, LogicalPlan};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion_postgres::QueryHook;
use datafusion_postgres::hooks::HookClient;
use datafusion_postgres::pgwire::api::ClientInfo;
use datafusion_postgres::pgwire::api::Type;
use datafusion_postgres::pgwire::api::results::{
    DataRowEncoder, FieldFormat, FieldInfo, QueryResponse, Response,
};
use datafusion_postgres::pgwire::error::{PgWireError, PgWireResult};

use super::settings::server_setting;

fn show_name(statement: &Statement) -> Option<String> {
    match statement {
        Statement::ShowVariable { variable } => {
            let names: Vec<String> = variable
                .iter()
                .map(|ident| ident.value.to_ascii_lowercase())
                .collect();
            Some(names.join(" "))
        }
        _ => None,
    }
}

fn show_response(name: &str, value: &str) -> PgWireResult<Response> {
    let fields = Arc::new(vec![FieldInfo::new(
        name.to_string(),
        None,
        None,
        Type::VARCHAR,
        FieldFormat::Text,
    )]);
    let mut encoder = DataRowEncoder::new(fields.clone());
    encoder.encode_field(&Some(value))?;
    let row = encoder.take_row();
    Ok(Response::Query(QueryResponse::new(
        fields,
        futures::stream::once(async move { Ok(row) }),
    )))
}

/// Answers `SHOW` for the server's settings; datafusion-postgres answers
/// the client's (DateStyle, TimeZone, ...).
pub struct ServerSettingsHook;

#[async_trait]
impl QueryHook for ServerSettingsHook {
    async fn handle_simple_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let name = show_name(statement)?;
        server_setting(&name).map(|value| show_response(&name, value))
    }

    async fn handle_extended_parse_query(
        &self,
        statement: &Statement,
        _ctx: &SessionContext,
        _client: &(dyn ClientInfo + Send + Sync),
    ) -> Option<PgWireResult<LogicalPlan>> {
        let name = show_name(statement)?;
        server_setting(&name)?;
        let schema = Schema::new(vec![Field::new(name, DataType::Utf8, false)]);
        Some(
            schema
                .to_dfschema()
                .map(|schema| {
                    LogicalPlan::EmptyRelation(EmptyRelation {
                        produce_one_row: true,
                        schema: Arc::new(schema),
                    })
                })
                .map_err(|e| PgWireError::ApiError(Box::new(e))),
        )
    }

    async fn handle_extended_query(
        &self,
        statement: &Statement,
        _plan: &LogicalPlan,
        _params: &ParamValues,
        _ctx: &SessionContext,
        _client: &mut dyn HookClient,
    ) -> Option<PgWireResult<Response>> {
        let name = show_name(statement)?;
        server_setting(&name).map(|value| show_response(&name, value))
    }
}
