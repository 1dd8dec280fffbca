//! The identity graph statements, recognised before the rest of the SQL
//! goes to DataFusion:
//!
//! ```sql
//! CREATE [OR REPLACE] IDENTITY GRAPH name [WITH RULES '<json>'] AS <links query>
//! APPEND TO IDENTITY GRAPH name [AS] <links query>
//! DROP IDENTITY GRAPH [IF EXISTS] name
//! SHOW IDENTITY GRAPHS
//! ```

use datafusion::error::{DataFusionError, Result};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::statement_syntax::{expect_end, is_text, is_word, object_name, rest_of, significant_tokens};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityGraphStatement {
    Create {
        name: String,
        or_replace: bool,
        rules: Option<String>,
        query: String,
    },
    Append {
        name: String,
        query: String,
    },
    Drop {
        name: String,
        if_exists: bool,
    },
    Show,
}

const KIND: &str = "identity graph statement";

fn syntax(message: impl Into<String>) -> DataFusionError {
    crate::statement_syntax::syntax(KIND, message)
}

/// Whether `words[at..]` are `IDENTITY GRAPH` (or `GRAPHS` when `plural`).
fn identity_graph_at(words: &[&Token], at: usize, plural: bool) -> bool {
    words.get(at).is_some_and(|t| is_text(t, "identity"))
        && words
            .get(at + 1)
            .is_some_and(|t| is_text(t, if plural { "graphs" } else { "graph" }))
}

/// Parses an identity graph statement; `None` when `sql` is not one.
pub fn parse_identity_graph_statement(sql: &str) -> Result<Option<IdentityGraphStatement>> {
    let head = sql.trim_start().to_ascii_uppercase();
    let starts = ["CREATE", "APPEND", "DROP", "SHOW"];
    if !starts.iter().any(|s| head.starts_with(s)) || !head.contains("IDENTITY") {
        return Ok(None);
    }
    let tokens = significant_tokens(KIND, sql)?;
    let words: Vec<&Token> = tokens.iter().map(|(t, _)| t).collect();
    let name_at = |at: usize| object_name(KIND, "identity graph", tokens.get(at));
    let query_at = |at: usize, after: &str| {
        rest_of(sql, &tokens, at).ok_or_else(|| syntax(format!("expected a links query after {after}")))
    };
    match words.as_slice() {
        [first, ..] if is_word(first, Keyword::SHOW) && identity_graph_at(&words, 1, true) => {
            expect_end(KIND, &tokens, 3)?;
            Ok(Some(IdentityGraphStatement::Show))
        }
        [first, ..] if is_word(first, Keyword::DROP) && identity_graph_at(&words, 1, false) => {
            let if_exists = words.get(3).is_some_and(|t| is_word(t, Keyword::IF))
                && words.get(4).is_some_and(|t| is_word(t, Keyword::EXISTS));
            let at = if if_exists { 5 } else { 3 };
            let name = name_at(at)?;
            expect_end(KIND, &tokens, at + 1)?;
            Ok(Some(IdentityGraphStatement::Drop { name, if_exists }))
        }
        [first, second, ..]
            if is_text(first, "append")
                && is_word(second, Keyword::TO)
                && identity_graph_at(&words, 2, false) =>
        {
            let name = name_at(4)?;
            let at = if words.get(5).is_some_and(|t| is_word(t, Keyword::AS)) {
                6
            } else {
                5
            };
            let query = query_at(at, &format!("APPEND TO IDENTITY GRAPH {name}"))?;
            Ok(Some(IdentityGraphStatement::Append { name, query }))
        }
        [first, ..] if is_word(first, Keyword::CREATE) => {
            let or_replace = words.get(1).is_some_and(|t| is_word(t, Keyword::OR))
                && words.get(2).is_some_and(|t| is_word(t, Keyword::REPLACE));
            let at = if or_replace { 3 } else { 1 };
            if !identity_graph_at(&words, at, false) {
                return Ok(None);
            }
            let name = name_at(at + 2)?;
            let mut next = at + 3;
            let mut rules = None;
            if words.get(next).is_some_and(|t| is_word(t, Keyword::WITH)) {
                if !words.get(next + 1).is_some_and(|t| is_text(t, "rules")) {
                    return Err(syntax("expected WITH RULES '<json>'"));
                }
                match tokens.get(next + 2) {
                    Some((Token::SingleQuotedString(text), _)) => rules = Some(text.clone()),
                    _ => return Err(syntax("WITH RULES takes the rules JSON as a quoted string")),
                }
                next += 3;
            }
            if !words.get(next).is_some_and(|t| is_word(t, Keyword::AS)) {
                return Err(syntax(format!(
                    "expected AS <links query> after CREATE IDENTITY GRAPH {name}"
                )));
            }
            let query = query_at(next + 1, &format!("CREATE IDENTITY GRAPH {name} AS"))?;
            Ok(Some(IdentityGraphStatement::Create {
                name,
                or_replace,
                rules,
                query,
            }))
        }
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements() {
        assert_eq!(
            parse_identity_graph_statement(
                "create or replace identity graph Customers with rules '{\"max_links_per_type\": 8}' as\n  SELECT * FROM links;"
            )
            .unwrap(),
            Some(IdentityGraphStatement::Create {
                name: "customers".into(),
                or_replace: true,
                rules: Some("{\"max_links_per_type\": 8}".into()),
                query: "SELECT * FROM links".into(),
            })
        );
        assert_eq!(
            parse_identity_graph_statement("APPEND TO IDENTITY GRAPH customers SELECT * FROM today").unwrap(),
            Some(IdentityGraphStatement::Append {
                name: "customers".into(),
                query: "SELECT * FROM today".into(),
            })
        );
        assert_eq!(
            parse_identity_graph_statement("DROP IDENTITY GRAPH IF EXISTS customers;").unwrap(),
            Some(IdentityGraphStatement::Drop {
                name: "customers".into(),
                if_exists: true
            })
        );
        assert_eq!(
            parse_identity_graph_statement("show identity graphs").unwrap(),
            Some(IdentityGraphStatement::Show)
        );
        assert_eq!(
            parse_identity_graph_statement("SELECT 'identity graph'").unwrap(),
            None
        );
        assert_eq!(
            parse_identity_graph_statement("CREATE TABLE identity AS SELECT 1").unwrap(),
            None
        );
    }

    #[test]
    fn bad_statements() {
        for (sql, expected) in [
            (
                "CREATE IDENTITY GRAPH 9g AS SELECT 1",
                "expected the identity graph name",
            ),
            ("CREATE IDENTITY GRAPH g SELECT 1", "expected AS <links query>"),
            (
                "CREATE IDENTITY GRAPH g WITH RULES 5 AS SELECT 1",
                "WITH RULES takes",
            ),
            ("CREATE IDENTITY GRAPH g AS", "expected a links query"),
            ("APPEND TO IDENTITY GRAPH g", "expected a links query"),
            ("DROP IDENTITY GRAPH a b", "unexpected 'b'"),
        ] {
            let error = parse_identity_graph_statement(sql).unwrap_err().to_string();
            assert!(error.contains(expected), "{sql}: {error}");
        }
    }
}
