//! What psql and BI tools expect of a PostgreSQL server beyond SQL: one
//! server version everywhere (the startup parameter, `version()`, `SHOW
//! server_version`, `current_setting('server_version_num')`), the server's
//! settings by `SHOW`, the logged-in user as `current_user`, and the
//! visibility functions psql's `\df` and SQLAlchemy call.

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::{ParamValues, ScalarValue, ToDFSchema, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, EmptyRelation, LogicalPlan, ScalarUDF, Signature, SimpleScalarUDF, TypeSignature,
    Volatility,
};
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

/// The PostgreSQL version clients are told; psql and drivers pick their
/// catalog queries by it. Its wire form parses as 16.6 (libpq, pgjdbc,
/// SQLAlchemy's `PostgreSQL (\d+)\.(\d+)`).
pub const SERVER_VERSION: &str = concat!("16.6 (cdpfusion ", env!("CARGO_PKG_VERSION"), ")");
const SERVER_VERSION_NUM: &str = "160006";

/// `version()`: what PostgreSQL answers, with what actually runs.
fn version_text() -> String {
    format!(
        "PostgreSQL {SERVER_VERSION} on Apache DataFusion {}",
        datafusion::DATAFUSION_VERSION
    )
}

/// The server's own settings, as `SHOW` and `current_setting` give them.
pub fn server_setting(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "server_version" => SERVER_VERSION,
        "server_version_num" => SERVER_VERSION_NUM,
        "server_encoding" | "client_encoding" => "UTF8",
        "standard_conforming_strings" => "on",
        "integer_datetimes" => "on",
        "max_identifier_length" => "63",
        "is_superuser" => "off",
        "lc_collate" | "lc_ctype" => "C",
        "default_transaction_isolation" => "read committed",
        _ => return None,
    })
}

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

fn constant_text(name: &str, value: String) -> ScalarUDF {
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        name,
        Signature::exact(vec![], Volatility::Stable),
        DataType::Utf8,
        Arc::new(move |_: &[ColumnarValue]| {
            Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(value.clone()))))
        }),
    ))
}

/// `pg_function_is_visible(oid)` and the like: everything this server
/// lists is on the search path.
fn always_visible(name: &str) -> ScalarUDF {
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        name,
        Signature::any(1, Volatility::Stable),
        DataType::Boolean,
        Arc::new(|args: &[ColumnarValue]| {
            Ok(match &args[0] {
                ColumnarValue::Scalar(oid) => {
                    ColumnarValue::Scalar(ScalarValue::Boolean(Some(!oid.is_null())))
                }
                ColumnarValue::Array(oids) => {
                    let visible: BooleanArray = (0..oids.len()).map(|i| Some(oids.is_valid(i))).collect();
                    ColumnarValue::Array(Arc::new(visible) as ArrayRef)
                }
            })
        }),
    ))
}

/// `pg_get_function_result(oid)`, `pg_get_function_arguments(oid)`:
/// psql's `\df` calls them for each function `pg_proc` lists.
fn function_text(name: &str) -> ScalarUDF {
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        name,
        Signature::any(1, Volatility::Stable),
        DataType::Utf8,
        Arc::new(|args: &[ColumnarValue]| {
            Ok(match &args[0] {
                ColumnarValue::Scalar(_) => ColumnarValue::Scalar(ScalarValue::Utf8(Some(String::new()))),
                ColumnarValue::Array(oids) => {
                    ColumnarValue::Array(Arc::new(StringArray::from(vec![""; oids.len()])) as ArrayRef)
                }
            })
        }),
    ))
}

/// `current_setting(name [, missing_ok])` for the server's settings.
fn current_setting() -> ScalarUDF {
    let signature = Signature::one_of(
        vec![
            TypeSignature::Exact(vec![DataType::Utf8]),
            TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
        ],
        Volatility::Stable,
    );
    let lookup = |name: Option<&str>, missing_ok: bool| -> datafusion::error::Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        match server_setting(name) {
            Some(value) => Ok(Some(value.to_string())),
            None if missing_ok => Ok(None),
            None => exec_err!("current_setting: unrecognized configuration parameter \"{name}\""),
        }
    };
    ScalarUDF::from(SimpleScalarUDF::new_with_signature(
        "current_setting",
        signature,
        DataType::Utf8,
        Arc::new(move |args: &[ColumnarValue]| {
            let missing_ok = matches!(
                args.get(1),
                Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
            );
            match &args[0] {
                ColumnarValue::Scalar(name) => {
                    let name = name.try_as_str().flatten();
                    Ok(ColumnarValue::Scalar(ScalarValue::Utf8(lookup(
                        name, missing_ok,
                    )?)))
                }
                ColumnarValue::Array(names) => {
                    let names = names.as_string::<i32>();
                    let values: Vec<Option<String>> = names
                        .iter()
                        .map(|name| lookup(name, missing_ok))
                        .collect::<datafusion::error::Result<_>>()?;
                    Ok(ColumnarValue::Array(Arc::new(StringArray::from(values))))
                }
            }
        }),
    ))
}

/// The functions every connection's session gets.
pub fn register_server_functions(ctx: &SessionContext) {
    ctx.register_udf(constant_text("version", version_text()));
    for name in [
        "pg_function_is_visible",
        "pg_type_is_visible",
        "pg_table_is_visible",
    ] {
        ctx.register_udf(always_visible(name));
    }
    ctx.register_udf(current_setting());
    for name in ["pg_get_function_result", "pg_get_function_arguments"] {
        ctx.register_udf(function_text(name));
    }
}

/// `current_user`, `session_user` and `user`: who logged in.
pub fn register_user_functions(ctx: &SessionContext, user: &str) {
    for name in ["current_user", "session_user", "user", "current_role"] {
        ctx.register_udf(constant_text(name, user.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn versions_agree_and_settings_are_answered() {
        let ctx = SessionContext::new();
        register_server_functions(&ctx);
        register_user_functions(&ctx, "analyst");
        let batches = ctx
            .sql("SELECT version(), current_setting('server_version_num'), current_setting('nope', true), current_user")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let row: Vec<String> = (0..4)
            .map(|i| {
                datafusion::arrow::util::display::array_value_to_string(batches[0].column(i), 0).unwrap()
            })
            .collect();
        assert!(row[0].starts_with("PostgreSQL 16.6 (cdpfusion "), "{row:?}");
        assert_eq!(&row[1..], ["160006", "", "analyst"]);
        let err = ctx
            .sql("SELECT current_setting('nope')")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("unrecognized configuration parameter \"nope\""),
            "{err}"
        );
    }
}
