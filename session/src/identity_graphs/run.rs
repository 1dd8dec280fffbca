//! Running the identity graph statements. Every version is one
//! `resolve_identities` over all the links the graph holds, with the
//! previous version's mapping as `previous`: the persons are exactly those
//! of one run over all the links, and keep their `one_id`s under the rules
//! of "Stable ids" (docs/one-id.md). The catalog (`cdpfusion_catalog`)
//! stores each version's new links and its whole mapping.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::MemTable;
use datafusion::error::{DataFusionError, Result};
use datafusion::prelude::{SessionContext, cast, col, lit};

use cdpfusion_catalog::{GraphVersion, IdentityGraphs, for_each_mapped, graph_history, open_catalog};
use cdpfusion_core::identity::one_id_lookup;

use super::parse::IdentityGraphStatement;
use crate::statement_syntax::{describe_columns, plan_one_query};

/// The links a graph stores: the columns `resolve_identities` reads, as text.
static LINKS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(
        ["record_id", "source", "id_type", "id_value", "name"]
            .map(|name| Field::new(name, DataType::Utf8, true))
            .to_vec(),
    ))
});

fn graph_error(name: &str, what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("identity graph '{name}': {what}"))
}

/// Runs an identity graph statement; returns the rows it reports.
pub async fn execute_identity_graph_statement(
    ctx: &SessionContext,
    statement: IdentityGraphStatement,
) -> Result<RecordBatch> {
    let (catalog, _) = open_catalog(ctx.state().config_options())?;
    let graphs = catalog.identity_graphs();
    match statement {
        IdentityGraphStatement::Create {
            name,
            or_replace,
            rules,
            query,
        } => {
            if let Some(rules) = &rules {
                check_rules(&name, rules)?;
            }
            let exists = !graphs.versions(&name).await?.is_empty();
            if exists && !or_replace {
                return Err(DataFusionError::Plan(format!(
                    "identity graph '{name}' already exists; CREATE OR REPLACE IDENTITY GRAPH replaces it, APPEND TO IDENTITY GRAPH adds links"
                )));
            }
            let links = links_of(ctx, &name, &query).await?;
            if exists {
                graphs.drop_graph(&name).await?;
            }
            let version = resolve_version(ctx, &graphs, &name, 1, rules, Vec::new(), links, None).await?;
            version_rows(&[(name, version)])
        }
        IdentityGraphStatement::Append { name, query } => {
            let versions = graphs.versions(&name).await?;
            let Some(latest) = versions.last() else {
                return Err(DataFusionError::Plan(format!(
                    "identity graph '{name}' does not exist"
                )));
            };
            for version in &versions {
                // Older versions' mappings may have gone with the history.
                let intact = if version.version == latest.version {
                    graphs.intact(&name, version).await?
                } else {
                    graphs.intact_links(&name, version).await?
                };
                if !intact {
                    return Err(graph_error(
                        &name,
                        format!(
                            "version {}'s files are damaged or missing, so its links cannot be carried on; CREATE OR REPLACE IDENTITY GRAPH builds the graph again",
                            version.version
                        ),
                    ));
                }
            }
            let new_links = links_of(ctx, &name, &query).await?;
            let mut links = Vec::new();
            for version in &versions {
                links.extend(graphs.read_table(&name, version, "links").await?);
            }
            let previous = graphs.read_table(&name, latest, "map").await?;
            let version = resolve_version(
                ctx,
                &graphs,
                &name,
                latest.version + 1,
                latest.rules.clone(),
                links,
                new_links,
                Some(previous),
            )
            .await?;
            // The version is written: a removal that fails now is done by a
            // later append, and must not make this one look failed.
            let _ = graphs
                .prune(&name, graph_history(ctx.state().config_options()))
                .await;
            version_rows(&[(name, version)])
        }
        IdentityGraphStatement::Drop { name, if_exists } => {
            let dropped = graphs.drop_graph(&name).await?;
            if !dropped && !if_exists {
                return Err(DataFusionError::Plan(format!(
                    "identity graph '{name}' does not exist"
                )));
            }
            Ok(RecordBatch::try_new(
                drop_schema(),
                vec![
                    Arc::new(StringArray::from(vec![name])),
                    Arc::new(BooleanArray::from(vec![dropped])),
                ],
            )?)
        }
        IdentityGraphStatement::Show => {
            let mut rows = Vec::new();
            for name in graphs.names().await? {
                if let Some(latest) = graphs.versions(&name).await?.pop() {
                    rows.push((name, latest));
                }
            }
            version_rows(&rows)
        }
    }
}

/// A graph keeps its ids itself: its rules may not name a `previous`.
fn check_rules(name: &str, rules: &str) -> Result<()> {
    let value: serde_json::Value = serde_json::from_str(rules)
        .map_err(|e| DataFusionError::Plan(format!("identity graph '{name}': invalid rules JSON: {e}")))?;
    if value.get("previous").is_some() {
        return Err(DataFusionError::Plan(format!(
            "identity graph '{name}': its rules may not name 'previous': each version keeps the ids of the one before"
        )));
    }
    Ok(())
}

/// The rows of a links query, as the graph stores them: `record_id`,
/// `id_type`, `id_value` and, when the query returns them, `source` and
/// `name`, each as text.
async fn links_of(ctx: &SessionContext, name: &str, query: &str) -> Result<Vec<RecordBatch>> {
    let frame = plan_one_query(ctx, query, "the links", |e| graph_error(name, e)).await?;
    let schema = frame.schema().clone();
    let has = |column: &str| schema.index_of_column_by_name(None, column).is_some();
    if !["record_id", "id_type", "id_value"].iter().all(|c| has(c)) {
        return Err(graph_error(
            name,
            format!(
                "the links query must return columns (record_id, id_type, id_value [, source] [, name]); it returns ({})",
                describe_columns(&schema)
            ),
        ));
    }
    let text = |column: &str| {
        let value = if has(column) {
            cast(col(column), DataType::Utf8)
        } else {
            lit(ScalarValue::Utf8(None))
        };
        value.alias(column)
    };
    let batches = frame
        .select(
            LINKS_SCHEMA
                .fields()
                .iter()
                .map(|f| text(f.name()))
                .collect::<Vec<_>>(),
        )?
        .collect()
        .await
        .map_err(|e| graph_error(name, format!("the query failed: {e}")))?;
    batches
        .into_iter()
        .map(|b| Ok(RecordBatch::try_new(LINKS_SCHEMA.clone(), b.columns().to_vec())?))
        .collect()
}

/// Resolves `links` and `new_links` together (with `previous`, the mapping
/// of the version before) and stores the result as version `number`.
#[allow(clippy::too_many_arguments)]
async fn resolve_version(
    ctx: &SessionContext,
    graphs: &IdentityGraphs,
    name: &str,
    number: u64,
    rules: Option<String>,
    mut links: Vec<RecordBatch>,
    new_links: Vec<RecordBatch>,
    previous: Option<Vec<RecordBatch>>,
) -> Result<GraphVersion> {
    let links_added: usize = new_links.iter().map(RecordBatch::num_rows).sum();
    links.extend(new_links.iter().cloned());
    let total_links: usize = links.iter().map(RecordBatch::num_rows).sum();
    // Session tables of this statement alone, removed whatever happens.
    let unique = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let links_table = format!("__cdpfusion_graph_links_{unique}");
    let previous_table = format!("__cdpfusion_graph_previous_{unique}");
    ctx.register_table(
        &links_table,
        Arc::new(MemTable::try_new(LINKS_SCHEMA.clone(), vec![links])?),
    )?;
    let mut rules_json: serde_json::Value = match &rules {
        Some(rules) => {
            serde_json::from_str(rules).map_err(|e| graph_error(name, format!("invalid rules JSON: {e}")))?
        }
        None => serde_json::json!({}),
    };
    if let Some(previous) = previous {
        let schema = previous
            .first()
            .map_or_else(|| Arc::new(Schema::empty()), RecordBatch::schema);
        ctx.register_table(
            &previous_table,
            Arc::new(MemTable::try_new(schema, vec![previous])?),
        )?;
        rules_json["previous"] = serde_json::Value::String(previous_table.clone());
    }
    let sql = format!(
        "SELECT * FROM resolve_identities('SELECT * FROM {links_table}', '{}')",
        rules_json.to_string().replace('\'', "''")
    );
    let mapped = async {
        let frame = ctx.sql(&sql).await?;
        // The call's schema carries its arguments; the stored one does not.
        let schema = Arc::new(Schema::new(frame.schema().as_arrow().fields().clone()));
        Ok::<_, DataFusionError>((schema, frame.collect().await?))
    }
    .await;
    let _ = ctx.deregister_table(&links_table);
    let _ = ctx.deregister_table(&previous_table);
    let (map_schema, map) = mapped.map_err(|e| graph_error(name, e))?;
    let map: Vec<RecordBatch> = map
        .iter()
        .map(|b| RecordBatch::try_new(map_schema.clone(), b.columns().to_vec()))
        .collect::<std::result::Result<_, _>>()?;
    let mut persons = HashSet::new();
    for batch in &map {
        let ids = batch.column(2).as_primitive::<Int64Type>();
        persons.extend(ids.iter().flatten());
    }
    let version = GraphVersion {
        version: number,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        rules,
        links_added: links_added as u64,
        links: total_links as u64,
        identifiers: map.iter().map(|b| b.num_rows() as u64).sum(),
        persons: persons.len() as u64,
        folder: String::new(),
        files: Default::default(),
    };
    let lookup = lookup_file(&map).map_err(|e| graph_error(name, e))?;
    graphs
        .write_version(
            name,
            &version,
            (LINKS_SCHEMA.clone(), &new_links),
            (map_schema, &map),
            lookup,
        )
        .await
}

/// The lookup file `one_id_of` reads, of a mapping's rows.
fn lookup_file(map: &[RecordBatch]) -> Result<Vec<u8>> {
    let (mut entries, mut buffer) = (Vec::new(), Vec::new());
    for_each_mapped(map, |id_type, id_value, one_id, _| {
        entries.push((one_id_lookup::key(id_type, id_value, &mut buffer), one_id));
    })?;
    Ok(one_id_lookup::encode_keys(entries))
}

/// The columns an identity graph statement returns, known before it runs.
pub fn identity_graph_statement_schema(statement: &IdentityGraphStatement) -> SchemaRef {
    match statement {
        IdentityGraphStatement::Drop { .. } => drop_schema(),
        _ => version_schema(),
    }
}

fn drop_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("identity_graph", DataType::Utf8, false),
        Field::new("dropped", DataType::Boolean, false),
    ]))
}

fn version_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("identity_graph", DataType::Utf8, false),
        Field::new("version", DataType::UInt64, false),
        Field::new("links_added", DataType::UInt64, false),
        Field::new("links", DataType::UInt64, false),
        Field::new("identifiers", DataType::UInt64, false),
        Field::new("persons", DataType::UInt64, false),
        Field::new("created_at", DataType::Utf8, false),
    ]))
}

fn version_rows(rows: &[(String, GraphVersion)]) -> Result<RecordBatch> {
    let number = |value: fn(&GraphVersion) -> u64| {
        Arc::new(UInt64Array::from_iter_values(rows.iter().map(|(_, v)| value(v)))) as Arc<dyn Array>
    };
    Ok(RecordBatch::try_new(
        version_schema(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|(name, _)| name))),
            number(|v| v.version),
            number(|v| v.links_added),
            number(|v| v.links),
            number(|v| v.identifiers),
            number(|v| v.persons),
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|(_, v)| &v.created_at),
            )),
        ],
    )?)
}
