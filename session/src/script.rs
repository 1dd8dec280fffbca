//! Splitting SQL scripts into statements.

use datafusion::error::{DataFusionError, Result};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

/// Splits a script at the semicolons that end statements (not those inside
/// strings, quoted names or comments). Pieces that hold only white space and
/// comments are dropped; each statement keeps its text as written.
pub fn split_statements(script: &str) -> Result<Vec<String>> {
    let tokens = Tokenizer::new(&GenericDialect {}, script)
        .with_unescape(false)
        .tokenize()
        .map_err(|e| DataFusionError::Plan(format!("SQL syntax error: {e}")))?;
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut has_content = false;
    for token in tokens {
        match &token {
            Token::SemiColon => {
                if has_content {
                    statements.push(current.trim().to_string());
                }
                current.clear();
                has_content = false;
                continue;
            }
            Token::Whitespace(Whitespace::SingleLineComment { .. })
            | Token::Whitespace(Whitespace::MultiLineComment(_)) => {
                // A comment alone is not a statement; keep it only inside one.
                if !has_content {
                    continue;
                }
            }
            Token::Whitespace(_) => {}
            _ => has_content = true,
        }
        current.push_str(&token.to_string());
    }
    if has_content {
        statements.push(current.trim().to_string());
    }
    Ok(statements)
}

#[cfg(test)]
mod tests {
    use super::split_statements;

    #[test]
    fn semicolons_in_strings_and_comments_do_not_split() {
        let script = "-- header; comment\nSELECT 'a;b' AS x;\n\n/* c; */ SELECT \"we;ird\" FROM t -- tail;\n;\n;  \n-- only a comment\n";
        assert_eq!(
            split_statements(script).unwrap(),
            vec![
                "SELECT 'a;b' AS x".to_string(),
                "SELECT \"we;ird\" FROM t -- tail;".to_string()
            ]
        );
    }

    #[test]
    fn quotes_are_kept_as_written() {
        assert_eq!(
            split_statements("SELECT 'it''s'").unwrap(),
            vec!["SELECT 'it''s'".to_string()]
        );
    }

    #[test]
    fn unterminated_string_is_an_error() {
        assert!(split_statements("SELECT 'oops").is_err());
    }
}
