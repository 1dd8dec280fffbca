use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::Result;
use datafusion_macros::user_doc;
use futures::FutureExt;

use super::segment_table::segment_table;
use crate::arguments::Parameters;
use crate::table_function::table_function_doc;
use cdpfusion_catalog::SegmentCatalog;

const NAME: &str = "segments";

#[user_doc(
    doc_section(label = "cdpfusion Segment Functions"),
    description = "Table function: the segments of the session's catalog, as `SHOW SEGMENTS` lists them: `name, size, last_refresh, definition, comment, last_error` (the error of the last refresh when it failed; the membership then stays as it was).",
    syntax_example = "segments()",
    sql_example = r#"```sql
> SELECT name, size, definition FROM segments();
+-----------------+------+-------------------------------+
| name            | size | definition                    |
+-----------------+------+-------------------------------+
| doc_example_vip | 3    | SELECT one_id FROM vip_source |
+-----------------+------+-------------------------------+
```"#
)]
#[derive(Debug, Default)]
pub struct SegmentsFunc;

table_function_doc!(SegmentsFunc, NAME);

static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("size", DataType::UInt64, true),
        Field::new("last_refresh", DataType::Utf8, true),
        Field::new("definition", DataType::Utf8, false),
        Field::new("comment", DataType::Utf8, true),
        Field::new("last_error", DataType::Utf8, true),
    ]))
});

/// The columns of `segments()` and `SHOW SEGMENTS`.
pub fn segments_schema() -> SchemaRef {
    SCHEMA.clone()
}

/// Every segment of the catalog, one row each, by name.
pub async fn list_segments(catalog: &SegmentCatalog) -> Result<RecordBatch> {
    let (mut names, mut sizes, mut refreshed, mut queries, mut comments, mut errors) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    for name in catalog.names().await? {
        // A damaged segment is listed with what is wrong in last_error; the
        // others are listed as usual.
        let (definition, manifest) = match catalog.definition(&name).await {
            Ok(None) => continue,
            Ok(Some(definition)) => (Some(definition), catalog.manifest(&name).await),
            Err(e) => (None, Err(e)),
        };
        let (latest, error) = match &manifest {
            Ok(manifest) => (manifest.snapshots.last(), manifest.last_error.clone()),
            Err(e) => (None, Some(e.strip_backtrace())),
        };
        names.push(name);
        sizes.push(latest.map(|s| s.size));
        refreshed.push(latest.map(|s| s.refreshed_at.clone()));
        queries.push(definition.as_ref().map(|d| d.query.clone()).unwrap_or_default());
        comments.push(definition.and_then(|d| d.comment));
        errors.push(error);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(names)),
        Arc::new(UInt64Array::from(sizes)),
        Arc::new(StringArray::from(refreshed)),
        Arc::new(StringArray::from(queries)),
        Arc::new(StringArray::from(comments)),
        Arc::new(StringArray::from(errors)),
    ];
    Ok(RecordBatch::try_new(SCHEMA.clone(), columns)?)
}

impl TableFunctionImpl for SegmentsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        Parameters::List(&[]).check_count(NAME, args.exprs().len())?;
        Ok(segment_table(
            &SCHEMA,
            &[],
            Arc::new(|catalog| async move { list_segments(&catalog).await }.boxed()),
        ))
    }
}
