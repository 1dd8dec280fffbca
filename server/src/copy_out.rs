//! `COPY (query) TO STDOUT`, what psql's `\copy (...) TO ...` and drivers'
//! export functions send: PostgreSQL's text format (tab-separated, `\N` for
//! NULL, backslash escapes) or CSV (`FORMAT csv`, `HEADER`, `DELIMITER`,
//! `NULL`), one CopyData message per row as PostgreSQL sends them.

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::{
    CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Statement,
};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion_postgres::pgwire::api::results::{CopyResponse, Response};
use datafusion_postgres::pgwire::error::PgWireResult;
use datafusion_postgres::pgwire::messages::copy::CopyData;
use futures::StreamExt;

use super::service::sql_error;

#[derive(Debug, Clone, PartialEq)]
pub struct CopyToStdout {
    pub query: String,
    csv: bool,
    header: bool,
    delimiter: char,
    null: String,
}

impl CopyToStdout {
    /// `sql` when it is `COPY (query) TO STDOUT [options]`.
    pub fn parse(sql: &str) -> Option<Self> {
        let mut statements = Parser::parse_sql(&PostgreSqlDialect {}, sql).ok()?;
        let Some(Statement::Copy {
            source: CopySource::Query(query),
            to: true,
            target: CopyTarget::Stdout,
            options,
            legacy_options,
            ..
        }) = statements.pop()
        else {
            return None;
        };
        let mut copy = Self {
            query: query.to_string(),
            csv: false,
            header: false,
            delimiter: '\t',
            null: "\\N".to_string(),
        };
        let mut delimiter = None;
        let mut null = None;
        for option in options {
            match option {
                CopyOption::Format(format) => copy.csv = format.value.eq_ignore_ascii_case("csv"),
                CopyOption::Header(header) => copy.header = header,
                CopyOption::Delimiter(c) => delimiter = Some(c),
                CopyOption::Null(text) => null = Some(text),
                _ => {}
            }
        }
        for option in legacy_options {
            match option {
                CopyLegacyOption::Csv(csv_options) => {
                    copy.csv = true;
                    copy.header |= csv_options
                        .iter()
                        .any(|o| matches!(o, CopyLegacyCsvOption::Header));
                }
                CopyLegacyOption::Header => copy.header = true,
                CopyLegacyOption::Delimiter(c) => delimiter = Some(c),
                CopyLegacyOption::Null(text) => null = Some(text),
                _ => {}
            }
        }
        if copy.csv {
            copy.delimiter = ',';
            copy.null = String::new();
        }
        copy.delimiter = delimiter.unwrap_or(copy.delimiter);
        copy.null = null.unwrap_or(copy.null);
        Some(copy)
    }

    fn field(&self, value: &str, out: &mut String) {
        if self.csv {
            // Quoted when it could be misread, empty strings too (an
            // unquoted empty field is NULL).
            let quote =
                value.is_empty() || value == self.null || value.contains([self.delimiter, '"', '\n', '\r']);
            if quote {
                out.push('"');
                out.push_str(&value.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(value);
            }
        } else {
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c == self.delimiter => {
                        out.push('\\');
                        out.push(c);
                    }
                    c => out.push(c),
                }
            }
        }
    }

    fn rows(&self, batch: &RecordBatch) -> datafusion::error::Result<Vec<CopyData>> {
        let options = FormatOptions::default();
        let formatters: Vec<ArrayFormatter> = batch
            .columns()
            .iter()
            .map(|column| ArrayFormatter::try_new(column.as_ref(), &options))
            .collect::<Result<_, _>>()?;
        // Logical nulls: a column of the NULL type has no validity buffer.
        let nulls: Vec<_> = batch
            .columns()
            .iter()
            .map(|column| column.logical_nulls())
            .collect();
        let mut rows = Vec::with_capacity(batch.num_rows());
        let mut line = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            for (i, (nulls, formatter)) in nulls.iter().zip(&formatters).enumerate() {
                if i > 0 {
                    line.push(self.delimiter);
                }
                if nulls.as_ref().is_some_and(|nulls| nulls.is_null(row)) {
                    line.push_str(&self.null);
                } else {
                    self.field(&formatter.value(row).to_string(), &mut line);
                }
            }
            line.push('\n');
            rows.push(CopyData::new(line.clone().into()));
        }
        Ok(rows)
    }

    pub async fn run(self, ctx: &SessionContext) -> PgWireResult<Response> {
        let frame = ctx.sql(&self.query).await.map_err(sql_error)?;
        let columns = frame.schema().fields().len();
        let mut header = Vec::new();
        if self.header {
            let mut line = String::new();
            for (i, field) in frame.schema().fields().iter().enumerate() {
                if i > 0 {
                    line.push(self.delimiter);
                }
                self.field(field.name(), &mut line);
            }
            line.push('\n');
            header.push(Ok(CopyData::new(line.into())));
        }
        let batches = frame.execute_stream().await.map_err(sql_error)?;
        let copy = Arc::new(self);
        let rows = batches.flat_map(move |batch| {
            let rows = batch.and_then(|batch| copy.rows(&batch)).map_err(sql_error);
            futures::stream::iter(match rows {
                Ok(rows) => rows.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
        });
        Ok(Response::CopyOut(CopyResponse::new(
            0,
            columns,
            futures::stream::iter(header).chain(rows),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psql_copy_statements_parse_with_their_options() {
        let text = CopyToStdout::parse("COPY (SELECT 1) TO STDOUT").unwrap();
        assert_eq!(
            (text.csv, text.delimiter, text.null.as_str()),
            (false, '\t', "\\N")
        );
        let csv = CopyToStdout::parse("COPY ( SELECT 1 ) TO STDOUT WITH CSV HEADER").unwrap();
        assert!(csv.csv && csv.header && csv.delimiter == ',');
        let modern =
            CopyToStdout::parse("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, DELIMITER ';')").unwrap();
        assert!(modern.csv && !modern.header && modern.delimiter == ';');
        assert_eq!(CopyToStdout::parse("COPY (SELECT 1) TO '/tmp/x.csv'"), None);
    }

    #[test]
    fn text_and_csv_fields_are_escaped_as_postgresql_does() {
        let text = CopyToStdout::parse("COPY (SELECT 1) TO STDOUT").unwrap();
        let mut out = String::new();
        text.field("a\tb\\c\nd", &mut out);
        assert_eq!(out, "a\\tb\\\\c\\nd");
        let csv = CopyToStdout::parse("COPY (SELECT 1) TO STDOUT (FORMAT csv)").unwrap();
        let mut out = String::new();
        csv.field("say \"hi\", ok", &mut out);
        csv.field("", &mut out);
        assert_eq!(out, "\"say \"\"hi\"\", ok\"\"\"");
    }
}
