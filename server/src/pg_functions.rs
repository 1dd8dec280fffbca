//! The functions the server adds for PostgreSQL clients: psql, drivers and
//! BI tools call them on connect and in their catalog queries. They exist in
//! the server's sessions only; `server_functions` lists them, documented as
//! every cdpfusion function is.

use std::sync::Arc;

use datafusion::arrow::array::{AsArray, StringArray};
use datafusion::arrow::compute::kernels::boolean::is_null;
use datafusion::arrow::compute::kernels::nullif::nullif;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, TypeSignature,
    Volatility,
};
use datafusion::prelude::SessionContext;
use datafusion_macros::user_doc;

use super::settings::{SERVER_VERSION, server_setting};

/// `version()`'s answer: what PostgreSQL answers, with what actually runs.
fn version_text() -> String {
    format!(
        "PostgreSQL {SERVER_VERSION} on Apache DataFusion {}",
        datafusion::DATAFUSION_VERSION
    )
}

#[user_doc(
    doc_section(label = "PostgreSQL Compatibility Functions (server)"),
    description = "The server's version as PostgreSQL words it, naming cdpfusion and the DataFusion it runs on; SQLAlchemy and JDBC drivers parse the `PostgreSQL 16.6` at its start.",
    syntax_example = "version()",
    sql_example = r#"```sql
> SELECT version() LIKE 'PostgreSQL 16.6 (cdpfusion %) on Apache DataFusion %' AS is_cdpfusion;
+--------------+
| is_cdpfusion |
+--------------+
| true         |
+--------------+
```"#
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Version {
    signature: Signature,
}

impl ScalarUDFImpl for Version {
    fn name(&self) -> &str {
        "version"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(version_text()))))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "PostgreSQL Compatibility Functions (server)"),
    description = "A server setting, as `SHOW` gives it: `server_version`, `server_version_num` (what Grafana reads), `server_encoding`, `client_encoding`, `standard_conforming_strings`, `integer_datetimes`, `max_identifier_length`, `is_superuser`, `lc_collate`, `lc_ctype`, `default_transaction_isolation`. Any other name is an error, or NULL when `missing_ok` is true.",
    syntax_example = "current_setting(name [, missing_ok])",
    sql_example = r#"```sql
> SELECT current_setting('server_version_num') AS version, current_setting('no_such_setting', true) AS missing;
+---------+---------+
| version | missing |
+---------+---------+
| 160006  | NULL    |
+---------+---------+
```"#,
    argument(name = "name", description = "The setting's name, in any case."),
    argument(
        name = "missing_ok",
        description = "When true, an unknown name gives NULL instead of an error (default false)."
    )
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CurrentSetting {
    signature: Signature,
}

impl CurrentSetting {
    fn lookup(name: Option<&str>, missing_ok: bool) -> Result<Option<String>> {
        let Some(name) = name else { return Ok(None) };
        match server_setting(name) {
            Some(value) => Ok(Some(value.to_string())),
            None if missing_ok => Ok(None),
            None => exec_err!("current_setting: unrecognized configuration parameter \"{name}\""),
        }
    }
}

impl ScalarUDFImpl for CurrentSetting {
    fn name(&self) -> &str {
        "current_setting"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let missing_ok = match args.args.get(1) {
            None => false,
            Some(ColumnarValue::Scalar(ScalarValue::Boolean(value))) => value.unwrap_or(false),
            Some(_) => {
                return exec_err!("current_setting: argument 'missing_ok' must be a constant boolean");
            }
        };
        match &args.args[0] {
            ColumnarValue::Scalar(name) => Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Self::lookup(
                name.try_as_str().flatten(),
                missing_ok,
            )?))),
            ColumnarValue::Array(names) => {
                let values = names
                    .as_string::<i32>()
                    .iter()
                    .map(|name| Self::lookup(name, missing_ok))
                    .collect::<Result<Vec<_>>>()?;
                Ok(ColumnarValue::Array(Arc::new(StringArray::from(values))))
            }
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "PostgreSQL Compatibility Functions (server)"),
    description = "The user who logged in to this connection. Also called `session_user` and `user`; as in PostgreSQL, all three are written without parentheses.",
    syntax_example = "current_user",
    sql_example = r#"```sql
> SELECT current_user AS logged_in, session_user AS session;
+-----------+---------+
| logged_in | session |
+-----------+---------+
| analyst   | analyst |
+-----------+---------+
```"#
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CurrentUser {
    signature: Signature,
    user: String,
    aliases: [String; 2],
}

impl ScalarUDFImpl for CurrentUser {
    fn name(&self) -> &str {
        "current_user"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, _args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(self.user.clone()))))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "PostgreSQL Compatibility Functions (server)"),
    description = "Whether a table, type or function is on the search path; everything this server lists in `pg_catalog` is, so it is true for every oid and NULL for NULL. Also called `pg_type_is_visible` and `pg_function_is_visible`: psql's `\\dt` and `\\df` and SQLAlchemy call them.",
    syntax_example = "pg_table_is_visible(oid)",
    sql_example = r#"```sql
> SELECT pg_table_is_visible(1259) AS visible, pg_function_is_visible(NULL) AS unknown;
+---------+---------+
| visible | unknown |
+---------+---------+
| true    | NULL    |
+---------+---------+
```"#,
    argument(name = "oid", description = "The object's oid in `pg_catalog`.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgTableIsVisible {
    signature: Signature,
    aliases: [String; 2],
}

impl ScalarUDFImpl for PgTableIsVisible {
    fn name(&self) -> &str {
        "pg_table_is_visible"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        per_oid(&args, ScalarValue::Boolean(Some(true)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

#[user_doc(
    doc_section(label = "PostgreSQL Compatibility Functions (server)"),
    description = "A function's argument list as PostgreSQL prints it; also called `pg_get_function_result` for its result type. This server's `pg_proc` records neither, so both give an empty string for every oid (NULL for NULL): enough for psql's `\\df` to list the functions. `\\h name` in the cdpfusion shell and `SHOW FUNCTIONS` give the real signatures.",
    syntax_example = "pg_get_function_arguments(oid)",
    sql_example = r#"```sql
> SELECT pg_get_function_arguments(1) = '' AS empty, pg_get_function_result(NULL) AS unknown;
+-------+---------+
| empty | unknown |
+-------+---------+
| true  | NULL    |
+-------+---------+
```"#,
    argument(name = "oid", description = "The function's oid in `pg_proc`.")
)]
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PgGetFunctionArguments {
    signature: Signature,
    aliases: [String; 1],
}

impl ScalarUDFImpl for PgGetFunctionArguments {
    fn name(&self) -> &str {
        "pg_get_function_arguments"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        per_oid(&args, ScalarValue::Utf8(Some(String::new())))
    }

    fn documentation(&self) -> Option<&Documentation> {
        self.doc()
    }
}

/// `value` for every oid of the first argument, NULL for a NULL oid (the
/// functions over oids are strict, as PostgreSQL's are).
fn per_oid(args: &ScalarFunctionArgs, value: ScalarValue) -> Result<ColumnarValue> {
    Ok(match &args.args[0] {
        ColumnarValue::Scalar(oid) if oid.is_null() => {
            ColumnarValue::Scalar(ScalarValue::try_from(value.data_type())?)
        }
        ColumnarValue::Scalar(_) => ColumnarValue::Scalar(value),
        ColumnarValue::Array(oids) => {
            let values = value.to_array_of_size(oids.len())?;
            ColumnarValue::Array(nullif(&values, &is_null(oids)?)?)
        }
    })
}

fn aliases<const N: usize>(names: [&str; N]) -> [String; N] {
    names.map(str::to_string)
}

/// The functions every connection's session gets, whoever logs in.
pub fn server_functions() -> Vec<ScalarUDF> {
    let any_oid = || Signature::any(1, Volatility::Stable);
    vec![
        ScalarUDF::new_from_impl(Version {
            signature: Signature::exact(vec![], Volatility::Stable),
        }),
        ScalarUDF::new_from_impl(CurrentSetting {
            signature: Signature::one_of(
                vec![
                    TypeSignature::Exact(vec![DataType::Utf8]),
                    TypeSignature::Exact(vec![DataType::Utf8, DataType::Boolean]),
                ],
                Volatility::Stable,
            ),
        }),
        ScalarUDF::new_from_impl(PgTableIsVisible {
            signature: any_oid(),
            aliases: aliases(["pg_type_is_visible", "pg_function_is_visible"]),
        }),
        ScalarUDF::new_from_impl(PgGetFunctionArguments {
            signature: any_oid(),
            aliases: aliases(["pg_get_function_result"]),
        }),
    ]
}

/// `current_user` and its aliases, answering `user`.
pub fn user_function(user: &str) -> ScalarUDF {
    ScalarUDF::new_from_impl(CurrentUser {
        signature: Signature::exact(vec![], Volatility::Stable),
        user: user.to_string(),
        aliases: aliases(["session_user", "user"]),
    })
}

/// Gives a connection's session the server's functions.
pub fn register_server_functions(ctx: &SessionContext) {
    for function in server_functions() {
        ctx.register_udf(function);
    }
}

/// Gives a connection's session `current_user` for `user`.
pub fn register_user_functions(ctx: &SessionContext, user: &str) {
    ctx.register_udf(user_function(user));
}
