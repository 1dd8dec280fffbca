//! The model statements: `CREATE [OR REPLACE] MODEL` and `DROP MODEL`
//! (docs/models.md). How each is recognised (`parse`) and run against the
//! catalog (`run`); the models themselves are `cdpfusion-models`.

mod parse;
mod run;

pub use parse::{ModelStatement, parse_model_statement};
pub use run::{execute_model_statement, model_statement_schema};
