//! The segment statements, recognised before the rest of the SQL goes to
//! DataFusion:
//!
//! ```sql
//! CREATE [OR REPLACE] SEGMENT name [COMMENT '...'] AS <query returning one_id>
//! REFRESH SEGMENT name
//! REFRESH SEGMENTS
//! DROP SEGMENT [IF EXISTS] name
//! SHOW SEGMENTS
//! ```

use datafusion::error::{DataFusionError, Result};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::statement_syntax::{expect_end, is_text, is_word, object_name, rest_of, significant_tokens};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SegmentStatement {
    Create {
        name: String,
        or_replace: bool,
        comment: Option<String>,
        query: String,
    },
    Refresh(Option<String>),
    Drop {
        name: String,
        if_exists: bool,
    },
    Show,
}

const KIND: &str = "segment statement";

fn syntax(message: impl Into<String>) -> DataFusionError {
    crate::statement_syntax::syntax(KIND, message)
}

fn segment_name(token: Option<&(Token, usize)>) -> Result<String> {
    object_name(KIND, "segment", token)
}

/// Parses a segment statement; `None` when `sql` is not one.
pub fn parse_segment_statement(sql: &str) -> Result<Option<SegmentStatement>> {
    let head = sql.trim_start().to_ascii_uppercase();
    let starts = ["CREATE", "REFRESH", "DROP", "SHOW"];
    if !starts.iter().any(|s| head.starts_with(s)) || !head.contains("SEGMENT") {
        return Ok(None);
    }
    let tokens = significant_tokens(KIND, sql)?;
    let words: Vec<&Token> = tokens.iter().map(|(t, _)| t).collect();
    let end = |i: usize| expect_end(KIND, &tokens, i);
    match words.as_slice() {
        [first, second, ..] if is_word(first, Keyword::SHOW) && is_text(second, "segments") => {
            end(2)?;
            Ok(Some(SegmentStatement::Show))
        }
        [first, second, ..] if is_text(first, "refresh") && is_text(second, "segments") => {
            end(2)?;
            Ok(Some(SegmentStatement::Refresh(None)))
        }
        [first, second, ..] if is_text(first, "refresh") && is_text(second, "segment") => {
            let name = segment_name(tokens.get(2))?;
            end(3)?;
            Ok(Some(SegmentStatement::Refresh(Some(name))))
        }
        [first, second, ..] if is_word(first, Keyword::DROP) && is_text(second, "segment") => {
            let if_exists =
                tokens.len() > 3 && is_word(words[2], Keyword::IF) && is_word(words[3], Keyword::EXISTS);
            let at = if if_exists { 4 } else { 2 };
            let name = segment_name(tokens.get(at))?;
            end(at + 1)?;
            Ok(Some(SegmentStatement::Drop { name, if_exists }))
        }
        [first, ..] if is_word(first, Keyword::CREATE) => {
            let or_replace =
                words.len() > 2 && is_word(words[1], Keyword::OR) && is_word(words[2], Keyword::REPLACE);
            let at = if or_replace { 3 } else { 1 };
            if !words.get(at).is_some_and(|t| is_text(t, "segment")) {
                return Ok(None);
            }
            let name = segment_name(tokens.get(at + 1))?;
            let mut next = at + 2;
            let mut comment = None;
            if words.get(next).is_some_and(|t| is_word(t, Keyword::COMMENT)) {
                match tokens.get(next + 1) {
                    Some((Token::SingleQuotedString(text), _)) => comment = Some(text.clone()),
                    _ => return Err(syntax("COMMENT takes a quoted string")),
                }
                next += 2;
            }
            match tokens.get(next) {
                Some((t, _)) if is_word(t, Keyword::AS) => {}
                _ => return Err(syntax(format!("expected AS <query> after CREATE SEGMENT {name}"))),
            }
            let Some(query) = rest_of(sql, &tokens, next + 1) else {
                return Err(syntax(format!("expected a query after CREATE SEGMENT {name} AS")));
            };
            Ok(Some(SegmentStatement::Create {
                name,
                or_replace,
                comment,
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
            parse_segment_statement(
                "create or replace segment SUV_Invite comment 'SUV test drives' as\n  SELECT one_id FROM t WHERE x = 'a;b';"
            )
            .unwrap(),
            Some(SegmentStatement::Create {
                name: "suv_invite".into(),
                or_replace: true,
                comment: Some("SUV test drives".into()),
                query: "SELECT one_id FROM t WHERE x = 'a;b'".into(),
            })
        );
        assert_eq!(
            parse_segment_statement("REFRESH SEGMENT lapsed").unwrap(),
            Some(SegmentStatement::Refresh(Some("lapsed".into())))
        );
        assert_eq!(
            parse_segment_statement("refresh segments;").unwrap(),
            Some(SegmentStatement::Refresh(None))
        );
        assert_eq!(
            parse_segment_statement("DROP SEGMENT IF EXISTS lapsed").unwrap(),
            Some(SegmentStatement::Drop {
                name: "lapsed".into(),
                if_exists: true
            })
        );
        assert_eq!(
            parse_segment_statement("SHOW SEGMENTS").unwrap(),
            Some(SegmentStatement::Show)
        );
        assert_eq!(parse_segment_statement("SELECT 'segment'").unwrap(), None);
        assert_eq!(
            parse_segment_statement("CREATE TABLE segment AS SELECT 1").unwrap(),
            None
        );
        assert_eq!(parse_segment_statement("SHOW TABLES").unwrap(), None);
    }

    #[test]
    fn bad_statements() {
        for (sql, expected) in [
            ("CREATE SEGMENT 9lives AS SELECT 1", "expected the segment name"),
            ("CREATE SEGMENT \"a-b\" AS SELECT 1", "not a valid segment name"),
            ("CREATE SEGMENT a SELECT 1", "expected AS <query>"),
            ("CREATE SEGMENT a AS", "expected a query"),
            ("REFRESH SEGMENT", "expected the segment name"),
            ("DROP SEGMENT a b", "unexpected 'b'"),
        ] {
            let error = parse_segment_statement(sql).unwrap_err().to_string();
            assert!(error.contains(expected), "{sql}: {error}");
        }
    }
}
