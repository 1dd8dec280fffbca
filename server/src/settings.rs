//! The server's own settings: one PostgreSQL version everywhere (the
//! startup parameter, `SHOW server_version`, `version()`,
//! `current_setting('server_version_num')`) and the values clients check.

/// The PostgreSQL version clients are told; psql and drivers pick their
/// catalog queries by it. Its wire form parses as 16.6 (libpq, pgjdbc,
/// SQLAlchemy's `PostgreSQL (\d+)\.(\d+)`).
pub const SERVER_VERSION: &str = concat!("16.6 (cdpfusion ", env!("CARGO_PKG_VERSION"), ")");
const SERVER_VERSION_NUM: &str = "160006";

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
