//! The identity graph statements: `CREATE [OR REPLACE] IDENTITY GRAPH`,
//! `APPEND TO IDENTITY GRAPH`, `DROP IDENTITY GRAPH`, `SHOW IDENTITY GRAPHS`
//! (docs/identity-graphs.md). How each is recognised (`parse`) and run
//! against the catalog (`run`).

mod parse;
mod run;

pub use parse::{IdentityGraphStatement, parse_identity_graph_statement};
pub use run::{execute_identity_graph_statement, identity_graph_statement_schema};
