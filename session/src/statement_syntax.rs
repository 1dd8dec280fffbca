//! What the cdpfusion statements share when they are recognised: the
//! statement's tokens with where each starts, keyword tests, the names of
//! catalog objects (segments, identity graphs) and the query that ends a
//! statement (`... AS <query>`).

use datafusion::error::{DataFusionError, Result};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// A syntax error of a kind of statement (`segment statement: ...`).
pub fn syntax(kind: &str, message: impl Into<String>) -> DataFusionError {
    DataFusionError::Plan(format!("{kind}: {}", message.into()))
}

/// The words and values of a statement, without white space and comments,
/// each with the byte offset where it starts.
pub fn significant_tokens(kind: &str, sql: &str) -> Result<Vec<(Token, usize)>> {
    let tokens: Vec<TokenWithSpan> = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| syntax(kind, e.to_string()))?;
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(sql.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    Ok(tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| {
            let line = (t.span.start.line as usize).saturating_sub(1);
            let line_start = line_starts.get(line).copied().unwrap_or(0);
            // Columns count characters, from 1.
            let offset = sql[line_start..]
                .char_indices()
                .nth((t.span.start.column as usize).saturating_sub(1))
                .map_or(sql.len(), |(i, _)| line_start + i);
            (t.token, offset)
        })
        .collect())
}

pub fn is_word(token: &Token, keyword: Keyword) -> bool {
    matches!(token, Token::Word(w) if w.keyword == keyword)
}

pub fn is_text(token: &Token, text: &str) -> bool {
    matches!(token, Token::Word(w) if w.value.eq_ignore_ascii_case(text) && w.quote_style.is_none())
}

/// The name of a catalog object (`what`: "segment", "identity graph"): a
/// plain identifier, kept as written (lower-cased unless quoted, as SQL
/// names are).
pub fn object_name(kind: &str, what: &str, token: Option<&(Token, usize)>) -> Result<String> {
    match token {
        Some((Token::Word(w), _)) => {
            let name = if w.quote_style.is_some() {
                w.value.clone()
            } else {
                w.value.to_lowercase()
            };
            check_name(kind, what, &name)?;
            Ok(name)
        }
        Some((other, _)) => Err(syntax(kind, format!("expected the {what} name, got '{other}'"))),
        None => Err(syntax(kind, format!("expected the {what} name"))),
    }
}

/// Names are identifiers: letters, digits and `_`, not starting with a
/// digit, at most 63 characters. They name folders in the catalog.
pub fn check_name(kind: &str, what: &str, name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63;
    if valid {
        Ok(())
    } else {
        Err(syntax(
            kind,
            format!("'{name}' is not a valid {what} name: use letters, digits and _, starting with a letter"),
        ))
    }
}

/// Fails unless nothing but a final semicolon follows token `at`.
pub fn expect_end(kind: &str, tokens: &[(Token, usize)], at: usize) -> Result<()> {
    match tokens.get(at) {
        None => Ok(()),
        Some((Token::SemiColon, _)) if at + 1 == tokens.len() => Ok(()),
        Some((t, _)) => Err(syntax(kind, format!("unexpected '{t}'"))),
    }
}

/// The text from token `at` to the end, without a final semicolon: the
/// query that ends a statement.
pub fn rest_of(sql: &str, tokens: &[(Token, usize)], at: usize) -> Option<String> {
    let (_, start) = tokens.get(at)?;
    Some(sql[*start..].trim().trim_end_matches(';').trim().to_string())
}

/// Whether `sql` is one query (`SELECT ...`, `WITH ... SELECT ...`), checked
/// before anything runs: DataFusion would create a view or a table while
/// planning a statement.
fn is_one_query(state: &datafusion::execution::SessionState, sql: &str) -> bool {
    let dialect = state.config().options().sql_parser.dialect;
    matches!(
        state.sql_to_statement(sql, &dialect),
        Ok(datafusion::sql::parser::Statement::Statement(statement))
            if matches!(*statement, datafusion::sql::sqlparser::ast::Statement::Query(_))
    )
}

/// Plans the query a statement carries (`what` names it in errors: "the
/// definition", "the links"), which must be one query; `error` wraps each
/// message with the object's name.
pub async fn plan_one_query(
    ctx: &datafusion::prelude::SessionContext,
    query: &str,
    what: &str,
    error: impl Fn(String) -> DataFusionError,
) -> Result<datafusion::dataframe::DataFrame> {
    if !is_one_query(&ctx.state(), query) {
        return Err(error(format!(
            "{what} must be one query (SELECT ... or WITH ... SELECT ...)"
        )));
    }
    ctx.sql(query)
        .await
        .map_err(|e| error(format!("the query failed: {e}")))
}

/// The columns a query returns, as `name type, ...`, for an error that
/// shows what was expected and what came.
pub fn describe_columns(schema: &datafusion::common::DFSchema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| format!("{} {}", f.name(), f.data_type()))
        .collect::<Vec<_>>()
        .join(", ")
}
