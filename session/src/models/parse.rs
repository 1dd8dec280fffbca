//! The model statements, recognised before the rest of the SQL goes to
//! DataFusion (BigQuery ML's shape):
//!
//! ```sql
//! CREATE [OR REPLACE] MODEL name OPTIONS (type = 'logistic', label = 'y', ...) AS <query>
//! DROP MODEL [IF EXISTS] name
//! ```

use datafusion::error::{DataFusionError, Result};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::statement_syntax::{expect_end, is_text, is_word, object_name, rest_of, significant_tokens};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelStatement {
    Create {
        name: String,
        or_replace: bool,
        /// `(option, value)` as written; `cdpfusion_models::ModelOptions`
        /// checks them.
        options: Vec<(String, String)>,
        query: String,
    },
    Drop {
        name: String,
        if_exists: bool,
    },
}

const KIND: &str = "model statement";

fn syntax(message: impl Into<String>) -> DataFusionError {
    crate::statement_syntax::syntax(KIND, message)
}

/// Parses a model statement; `None` when `sql` is not one.
pub fn parse_model_statement(sql: &str) -> Result<Option<ModelStatement>> {
    let head = sql.trim_start().to_ascii_uppercase();
    if !(head.starts_with("CREATE") || head.starts_with("DROP")) || !head.contains("MODEL") {
        return Ok(None);
    }
    let tokens = significant_tokens(KIND, sql)?;
    let words: Vec<&Token> = tokens.iter().map(|(t, _)| t).collect();
    let name_at = |at: usize| object_name(KIND, "model", tokens.get(at));
    match words.as_slice() {
        [first, second, ..] if is_word(first, Keyword::DROP) && is_text(second, "model") => {
            let if_exists = words.get(2).is_some_and(|t| is_word(t, Keyword::IF))
                && words.get(3).is_some_and(|t| is_word(t, Keyword::EXISTS));
            let at = if if_exists { 4 } else { 2 };
            let name = name_at(at)?;
            expect_end(KIND, &tokens, at + 1)?;
            Ok(Some(ModelStatement::Drop { name, if_exists }))
        }
        [first, ..] if is_word(first, Keyword::CREATE) => {
            let or_replace = words.get(1).is_some_and(|t| is_word(t, Keyword::OR))
                && words.get(2).is_some_and(|t| is_word(t, Keyword::REPLACE));
            let at = if or_replace { 3 } else { 1 };
            if !words.get(at).is_some_and(|t| is_text(t, "model")) {
                return Ok(None);
            }
            let name = name_at(at + 1)?;
            let mut next = at + 2;
            if !words.get(next).is_some_and(|t| is_word(t, Keyword::OPTIONS)) {
                return Err(syntax(format!(
                    "expected OPTIONS (type = '...', ...) after CREATE MODEL {name}"
                )));
            }
            let (options, after) = option_list(&words, next + 1)?;
            next = after;
            if !words.get(next).is_some_and(|t| is_word(t, Keyword::AS)) {
                return Err(syntax(format!(
                    "expected AS <training query> after the OPTIONS of model {name}"
                )));
            }
            let query = rest_of(sql, &tokens, next + 1).ok_or_else(|| {
                syntax(format!(
                    "expected a training query after CREATE MODEL {name} ... AS"
                ))
            })?;
            Ok(Some(ModelStatement::Create {
                name,
                or_replace,
                options,
                query,
            }))
        }
        _ => Ok(None),
    }
}

/// `( name = value, ... )` from token `at`; the pairs and the token after
/// the closing parenthesis.
fn option_list(words: &[&Token], at: usize) -> Result<(Vec<(String, String)>, usize)> {
    if !matches!(words.get(at), Some(Token::LParen)) {
        return Err(syntax("expected ( after OPTIONS"));
    }
    let mut pairs = Vec::new();
    let mut i = at + 1;
    loop {
        let name = match words.get(i) {
            Some(Token::Word(w)) => w.value.to_ascii_lowercase(),
            Some(Token::RParen) if pairs.is_empty() => {
                return Err(syntax("OPTIONS needs at least type = '...'"));
            }
            other => {
                return Err(syntax(format!(
                    "expected an option name in OPTIONS, got {}",
                    shown(other)
                )));
            }
        };
        if !matches!(words.get(i + 1), Some(Token::Eq)) {
            return Err(syntax(format!("expected = after option {name}")));
        }
        let value = match words.get(i + 2) {
            Some(Token::SingleQuotedString(s)) => s.clone(),
            Some(Token::Number(n, _)) => n.clone(),
            Some(Token::Minus) => match words.get(i + 3) {
                Some(Token::Number(n, _)) => {
                    i += 1;
                    format!("-{n}")
                }
                other => {
                    return Err(syntax(format!(
                        "expected a number after - in option {name}, got {}",
                        shown(other)
                    )));
                }
            },
            Some(Token::Word(w)) if w.quote_style.is_none() => w.value.clone(),
            other => {
                return Err(syntax(format!(
                    "expected a value for option {name}, got {}",
                    shown(other)
                )));
            }
        };
        pairs.push((name, value));
        match words.get(i + 3) {
            Some(Token::Comma) => i += 4,
            Some(Token::RParen) => return Ok((pairs, i + 4)),
            other => {
                return Err(syntax(format!(
                    "expected , or ) in OPTIONS, got {}",
                    shown(other)
                )));
            }
        }
    }
}

fn shown(token: Option<&&Token>) -> String {
    match token {
        Some(t) => format!("'{t}'"),
        None => "the end of the statement".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_recognised() {
        let create = parse_model_statement(
            "CREATE OR REPLACE MODEL Churn OPTIONS (type = 'logistic', label = 'left', holdout = 0.25, seed = -1) AS SELECT * FROM t;",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            create,
            ModelStatement::Create {
                name: "churn".into(),
                or_replace: true,
                options: vec![
                    ("type".into(), "logistic".into()),
                    ("label".into(), "left".into()),
                    ("holdout".into(), "0.25".into()),
                    ("seed".into(), "-1".into()),
                ],
                query: "SELECT * FROM t".into(),
            }
        );
        assert_eq!(
            parse_model_statement("drop model if exists churn").unwrap(),
            Some(ModelStatement::Drop {
                name: "churn".into(),
                if_exists: true
            })
        );
        assert_eq!(
            parse_model_statement("CREATE TABLE model AS SELECT 1").unwrap(),
            None
        );
        assert_eq!(parse_model_statement("SELECT * FROM models()").unwrap(), None);
    }

    #[test]
    fn malformed_statements_say_what_was_expected() {
        let err = |sql: &str| parse_model_statement(sql).unwrap_err().to_string();
        assert!(err("CREATE MODEL m AS SELECT 1").contains("expected OPTIONS"));
        assert!(err("CREATE MODEL m OPTIONS type = 'x' AS SELECT 1").contains("expected ( after OPTIONS"));
        assert!(
            err("CREATE MODEL m OPTIONS (type 'x') AS SELECT 1").contains("expected = after option type")
        );
        assert!(err("CREATE MODEL m OPTIONS (type = 'x') SELECT 1").contains("expected AS <training query>"));
        assert!(err("CREATE MODEL m OPTIONS (type = 'x') AS").contains("expected a training query"));
        assert!(err("DROP MODEL").contains("expected the model name"));
    }
}
