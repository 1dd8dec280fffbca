//! Finding cdpfusion's functions as DataFusion's own are found: `SHOW
//! FUNCTIONS [LIKE '...']` and the shell's `\h name`.
//!
//! DataFusion lists a function by the argument types its signature
//! enumerates; cdpfusion's functions check their arguments themselves (to
//! name the argument and what was expected), so they enumerate none and
//! DataFusion's `SHOW FUNCTIONS` leaves them out. Their documentation (the
//! `#[user_doc]` beside each function) has what a user looks for: the
//! description, the arguments, the syntax and an example.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::compute::kernels::comparison::like;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::Documentation;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{DFParser, Statement as DataFusionStatement};
use datafusion::sql::sqlparser::ast::{ShowStatementFilter, Statement};

/// One cdpfusion function and its documentation.
pub struct FunctionDoc {
    pub name: String,
    /// SCALAR, AGGREGATE or TABLE, as `SHOW FUNCTIONS` says.
    pub kind: &'static str,
    pub documentation: Documentation,
}

/// Every cdpfusion function, by name.
pub fn cdpfusion_functions() -> Vec<FunctionDoc> {
    let mut functions = Vec::new();
    let mut add = |name: &str, kind, documentation: Option<&Documentation>| {
        if let Some(documentation) = documentation {
            functions.push(FunctionDoc {
                name: name.to_string(),
                kind,
                documentation: documentation.clone(),
            });
        }
    };
    for function in cdpfusion_udf::all_scalar_functions() {
        add(function.name(), "SCALAR", function.documentation());
    }
    for function in cdpfusion_udf::all_aggregate_functions() {
        add(function.name(), "AGGREGATE", function.documentation());
    }
    for function in cdpfusion_udf::all_table_functions() {
        add(function.name(), "TABLE", function.documentation());
    }
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    functions
}

/// `SHOW FUNCTIONS`, with its `LIKE` pattern if any, when `sql` is one.
pub fn parse_show_functions(sql: &str) -> Option<Option<String>> {
    let first = sql.trim_start().get(..4)?;
    if !first.eq_ignore_ascii_case("SHOW") {
        return None;
    }
    let mut statements = DFParser::parse_sql(sql).ok()?;
    match statements.pop_front()? {
        DataFusionStatement::Statement(statement) => match *statement {
            Statement::ShowFunctions { filter } => Some(match filter {
                Some(ShowStatementFilter::Like(pattern)) => Some(pattern),
                _ => None,
            }),
            _ => None,
        },
        _ => None,
    }
}

/// DataFusion's `SHOW FUNCTIONS` rows, then cdpfusion's in the same
/// columns: the argument names in `parameters`, the types left NULL (each
/// function's syntax and description say what it accepts).
pub async fn show_functions(ctx: &SessionContext, sql: &str, pattern: Option<&str>) -> Result<RecordBatch> {
    let frame = ctx.sql(sql).await?;
    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let mut batches = frame.collect().await?;
    let mut ours = cdpfusion_functions();
    if let Some(pattern) = pattern {
        let names = StringArray::from_iter_values(ours.iter().map(|f| f.name.as_str()));
        let matched = like(&names, &StringArray::new_scalar(pattern))?;
        let mut keep = matched.values().iter();
        ours.retain(|_| keep.next().unwrap_or(false));
    }
    let column = |name: &str, row: &FunctionDoc| -> ScalarValue {
        let doc = &row.documentation;
        match name {
            "function_name" => ScalarValue::Utf8(Some(row.name.clone())),
            "function_type" => ScalarValue::Utf8(Some(row.kind.to_string())),
            "description" => ScalarValue::Utf8(Some(doc.description.clone())),
            "syntax_example" => ScalarValue::Utf8(Some(doc.syntax_example.clone())),
            "parameters" => {
                let names: Vec<ScalarValue> = doc
                    .arguments
                    .iter()
                    .flatten()
                    .map(|(argument, _)| ScalarValue::Utf8(Some(argument.clone())))
                    .collect();
                ScalarValue::List(ScalarValue::new_list_nullable(&names, &DataType::Utf8))
            }
            _ => ScalarValue::Null,
        }
    };
    if !ours.is_empty() {
        let columns = schema
            .fields()
            .iter()
            .map(|field| {
                let values = ours.iter().map(|row| column(field.name(), row));
                let array = ScalarValue::iter_to_array(values)?;
                Ok(datafusion::arrow::compute::cast(&array, field.data_type())?)
            })
            .collect::<Result<Vec<ArrayRef>>>()?;
        batches.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(concat_batches(&schema, &batches)?)
}

/// The columns of `SHOW FUNCTIONS`, known before it runs (a prepared
/// statement describes its result first). A test checks them against
/// DataFusion's.
pub fn show_functions_schema() -> SchemaRef {
    use datafusion::arrow::datatypes::{Field, Schema};
    let text = |name: &str| Field::new(name, DataType::Utf8, true);
    let list = |name: &str| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        )
    };
    Arc::new(Schema::new(vec![
        text("function_name"),
        text("return_type"),
        list("parameters"),
        list("parameter_types"),
        text("function_type"),
        text("description"),
        text("syntax_example"),
    ]))
}

/// What `\h name` prints for a cdpfusion function.
pub fn help(name: &str) -> Option<String> {
    let function = cdpfusion_functions()
        .into_iter()
        .find(|f| f.name.eq_ignore_ascii_case(name))?;
    let doc = &function.documentation;
    let mut text = format!(
        "{} ({})\n\n{}\n\nSyntax: {}\n",
        function.name,
        function.kind.to_lowercase(),
        doc.description,
        doc.syntax_example
    );
    if let Some(arguments) = &doc.arguments {
        text.push_str("\nArguments:\n");
        for (argument, description) in arguments {
            text.push_str(&format!("  {argument}: {description}\n"));
        }
    }
    if let Some(example) = &doc.sql_example {
        text.push_str(&format!("\nExample:\n{example}\n"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_functions_is_recognised_with_its_pattern() {
        assert_eq!(parse_show_functions("SHOW FUNCTIONS"), Some(None));
        assert_eq!(
            parse_show_functions("show functions like 'normalize%'"),
            Some(Some("normalize%".to_string()))
        );
        assert_eq!(parse_show_functions("SHOW TABLES"), None);
        assert_eq!(parse_show_functions("SELECT 1"), None);
    }

    #[tokio::test]
    async fn our_rows_join_datafusions_in_its_columns() {
        let ctx = crate::cdpfusion_session().unwrap();
        let sql = "SHOW FUNCTIONS LIKE 'normalize%'";
        let batch = show_functions(&ctx, sql, Some("normalize%")).await.unwrap();
        let types = |schema: &SchemaRef| {
            schema
                .fields()
                .iter()
                .map(|f| f.data_type().clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(types(&batch.schema()), types(&show_functions_schema()));
        let names = batch.column(0).as_any().downcast_ref::<StringArray>().unwrap();
        let names: Vec<&str> = names.iter().flatten().collect();
        assert_eq!(names, ["normalize_email", "normalize_name", "normalize_phone"]);
    }

    #[test]
    fn every_cdpfusion_function_is_documented_and_helped() {
        let functions = cdpfusion_functions();
        assert!(functions.len() >= 20, "{}", functions.len());
        for kind in ["SCALAR", "AGGREGATE", "TABLE"] {
            assert!(functions.iter().any(|f| f.kind == kind), "{kind}");
        }
        let help = help("normalize_phone").unwrap();
        assert!(
            help.starts_with("normalize_phone (scalar)") && help.contains("Example:"),
            "{help}"
        );
        assert!(help.contains("Syntax: normalize_phone("), "{help}");
        assert_eq!(super::help("no_such_function"), None);
    }
}
