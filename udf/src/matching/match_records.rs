use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int8Array, RecordBatch, UInt32Array};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;

use cdpfusion_core::matching::match_records;

use super::match_call::{MatchCall, ReadRecords, match_error};
use crate::table_function::table_function_doc;

const NAME: &str = "match_records";

#[user_doc(
    doc_section(label = "cdpfusion Matching Functions"),
    description = "Table function: fuzzy record matching, the Fellegi–Sunter model trained without labels (u from random pairs, m by expectation maximisation over the blocked pairs, as Splink does). Returns one row per candidate pair whose match probability is at least the threshold (0.9 by default): `record_id_l`, `record_id_r` (the smaller record first, in the query's order), `source_l` and `source_r` when the query has a source, `match_probability`, `match_weight` (log2 of the odds), and `<column>_level` for each compared column: -1 when either value is missing, 0 when nothing agrees, up to the highest, exact, so a pair's score can be explained column by column. Options (JSON): `blocking`, `comparisons`, `link_type`, `threshold`, `max_pairs`, `model`, `deterministic_rules`, `recall`, `seed`, `u_sample_pairs`, `max_iterations`, `tolerance`; see docs/fuzzy-matching.md.",
    syntax_example = "match_records(query [, options])",
    sql_example = r#"```sql
> SELECT record_id_l, record_id_r, name_level, birth_date_level, match_probability > 0.5 AS likely FROM match_records('SELECT * FROM (VALUES (1, ''张伟'', ''1980-03-14'', ''shanghai''), (2, ''章伟'', ''1980-03-14'', ''shanghai''), (3, ''李娜'', ''1975-11-02'', ''beijing''), (4, ''王芳'', ''1990-01-30'', ''shanghai''), (5, ''Zhang Wei'', ''1980-03-41'', ''shanghai''), (6, ''刘洋'', ''1988-07-07'', ''beijing'')) AS t(record_id, name, birth_date, city)', '{"blocking": [["city"]], "comparisons": {"city": "none"}, "threshold": 0.5}') ORDER BY 1, 2;
+-------------+-------------+------------+------------------+--------+
| record_id_l | record_id_r | name_level | birth_date_level | likely |
+-------------+-------------+------------+------------------+--------+
| 1           | 2           | 4          | 4                | true   |
| 1           | 5           | 4          | 3                | true   |
| 2           | 5           | 4          | 3                | true   |
+-------------+-------------+------------+------------------+--------+
```"#,
    argument(
        name = "query",
        description = "SQL text (a string literal) returning record_id (text or integer), optionally source (text), and the columns to compare."
    ),
    argument(
        name = "options",
        description = "Optional JSON options; see docs/fuzzy-matching.md."
    )
)]
#[derive(Debug, Default)]
pub struct MatchRecordsFunc;

table_function_doc!(MatchRecordsFunc, NAME);

/// The output columns of a call.
fn output_schema(call: &MatchCall) -> SchemaRef {
    let id = call.record_id_type();
    let mut fields = vec![
        Field::new("record_id_l", id.clone(), false),
        Field::new("record_id_r", id, false),
    ];
    if call.has_source() {
        fields.push(Field::new("source_l", DataType::Utf8, true));
        fields.push(Field::new("source_r", DataType::Utf8, true));
    }
    fields.push(Field::new("match_probability", DataType::Float64, false));
    fields.push(Field::new("match_weight", DataType::Float64, false));
    for column in call.compared_columns() {
        fields.push(Field::new(format!("{column}_level"), DataType::Int8, false));
    }
    Arc::new(Schema::new(fields))
}

impl TableFunctionImpl for MatchRecordsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let call = MatchCall::new(NAME, &args)?;
        let schema = output_schema(&call);
        Ok(call.table(&schema, scored_pairs))
    }
}

/// The pairs at or above the threshold, as rows of `schema`.
fn scored_pairs(call: &MatchCall, records: ReadRecords, schema: SchemaRef) -> Result<RecordBatch> {
    let pairs = match_records(&records.input, &call.options).map_err(|e| match_error(call.function, e))?;
    let (left, right) = (UInt32Array::from(pairs.left), UInt32Array::from(pairs.right));
    let ids = &records.record_ids;
    let mut columns: Vec<ArrayRef> = vec![take(ids, &left, None)?, take(ids, &right, None)?];
    if let Some(sources) = &records.sources {
        let sources = datafusion::arrow::compute::cast(sources, &DataType::Utf8)?;
        columns.push(take(&sources, &left, None)?);
        columns.push(take(&sources, &right, None)?);
    }
    columns.push(Arc::new(Float64Array::from(pairs.probability)));
    columns.push(Arc::new(Float64Array::from(pairs.weight)));
    for levels in pairs.levels {
        columns.push(Arc::new(Int8Array::from(levels)));
    }
    Ok(RecordBatch::try_new(schema, columns)?)
}
