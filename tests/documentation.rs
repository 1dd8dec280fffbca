//! Every cdpfusion function is documented, and its documented example is
//! run here: the SQL after `> ` (and the lines up to the table) must print
//! exactly the table below it.

use arrow::util::display::FormatOptions;
use arrow::util::pretty::pretty_format_batches_with_options;

#[tokio::test]
async fn every_function_has_a_running_example() {
    let catalog = tempfile::TempDir::new().unwrap();
    let ctx = cdpfusion_tests::session_with_catalog(catalog.path()).unwrap();
    // The segment examples read 'doc_example_vip': {1, 2, 5} refreshed to {1, 2, 3}.
    for statement in [
        "CREATE TABLE vip_source AS SELECT column1 AS one_id FROM (VALUES (1), (2), (5))",
        "CREATE SEGMENT doc_example_vip AS SELECT one_id FROM vip_source",
        "CREATE OR REPLACE TABLE vip_source AS SELECT column1 AS one_id FROM (VALUES (1), (2), (3))",
        "REFRESH SEGMENT doc_example_vip",
        // identity_map reads 'doc_example_graph': one CRM record's id and phone.
        "CREATE IDENTITY GRAPH doc_example_graph AS SELECT * FROM (VALUES ('crm:1', 'crm_id', 'C1'), ('crm:1', 'phone', '+8613800138000')) AS t(record_id, id_type, id_value)",
        // The model examples read 'doc_example_model': y = 2x + 1, exactly.
        "CREATE MODEL doc_example_model OPTIONS (type = 'linear', label = 'y') AS SELECT * FROM (VALUES (1.0, 3.0), (2.0, 5.0), (3.0, 7.0), (4.0, 9.0)) AS t(x, y)",
    ] {
        cdpfusion::sql(&ctx, statement)
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
    }
    // The server's PostgreSQL functions, as a connection of 'analyst' has them.
    let server_functions: Vec<_> = cdpfusion_server::pg_functions::server_functions()
        .into_iter()
        .chain([cdpfusion_server::pg_functions::user_function("analyst")])
        .collect();
    for function in &server_functions {
        ctx.register_udf(function.clone());
    }
    let scalars = cdpfusion_udf::all_scalar_functions();
    let aggregates = cdpfusion_udf::all_aggregate_functions();
    let tables = cdpfusion_udf::all_table_functions();
    let documented = scalars
        .iter()
        .map(|f| (f.name(), f.documentation()))
        .chain(aggregates.iter().map(|f| (f.name(), f.documentation())))
        .chain(tables.iter().map(|f| (f.name(), f.documentation())))
        .chain(server_functions.iter().map(|f| (f.name(), f.documentation())));
    let mut checked = 0;
    for (name, doc) in documented {
        let doc = doc.unwrap_or_else(|| panic!("{name} has no documentation"));
        assert!(!doc.description.is_empty(), "{name}: empty description");
        assert!(
            doc.syntax_example.starts_with(name),
            "{name}: syntax example {}",
            doc.syntax_example
        );
        let example = doc
            .sql_example
            .as_deref()
            .unwrap_or_else(|| panic!("{name} has no SQL example"));
        let (sql, expected) = split_example(example);
        assert!(
            sql.contains(name),
            "{name}: the example does not call the function"
        );
        let batches = ctx.sql(&sql).await.unwrap().collect().await.unwrap();
        // NULL shown as the shell shows it.
        let options = FormatOptions::default().with_null("NULL");
        let actual = pretty_format_batches_with_options(&batches, &options)
            .unwrap()
            .to_string();
        assert_eq!(
            actual.trim(),
            expected.trim(),
            "{name}: the documented example is out of date"
        );
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} functions checked");
}

/// Splits a documented example into its SQL (the `> ` lines) and the table.
fn split_example(example: &str) -> (String, String) {
    let body = example
        .trim()
        .trim_start_matches("```sql")
        .trim_end_matches("```");
    let mut sql = String::new();
    let mut table = String::new();
    for line in body.lines() {
        if line.starts_with('+') || line.starts_with('|') {
            table.push_str(line);
            table.push('\n');
        } else if table.is_empty() {
            // `> ` starts a statement; the lines up to the table continue it.
            sql.push_str(line.strip_prefix("> ").unwrap_or(line));
            sql.push('\n');
        }
    }
    (sql.trim().trim_end_matches(';').to_string(), table)
}
