//! The table functions that show one person's identity graph:
//! `identity_lookup` (a row per record and identifier) and `identity_graph`
//! (Graphviz DOT and JSON). Given a links query, both resolve it, find the
//! person who owns the given identifier, then read the query twice more to
//! collect the records that hold the person's identifiers and everything
//! those records hold. Given the name of a persistent identity graph, they
//! read its newest mapping and its stored links instead: nothing is
//! resolved.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{Session, TableFunctionArgs, TableProvider};
use datafusion::common::{Result, plan_err};
use datafusion::execution::TaskContext;
use datafusion::physical_plan::ExecutionPlan;
use futures::{FutureExt, StreamExt};

use cdpfusion_catalog::{SegmentCatalog, for_each_mapped};
use cdpfusion_core::identity::graph::{GraphIdentifier, GraphRecord, PersonGraph};
use cdpfusion_core::identity::resolve::Status;

use super::resolution_plan::{CallRules, PlannedResolution, rules_argument};
use crate::arguments::{ArgumentKind, Parameters, optional, required};
use crate::segment::segment_table::{Load, segment_table};
use crate::table_function::{CallScan, CallTable, Produce, deferred_plan};

/// Turns a person's graph (or none, for an unknown identifier) into the
/// function's output rows.
pub(crate) type Render = fn(Option<&PersonGraph>) -> Result<RecordBatch>;

/// The arguments of `identity_lookup` and `identity_graph`.
const PARAMETERS: Parameters = Parameters::List(&[
    required("query", ArgumentKind::Text),
    required("id_type", ArgumentKind::Text),
    required("id_value", ArgumentKind::Text),
    optional("rules_json", ArgumentKind::Text),
]);

/// Whether a `query` argument names an identity graph: one SQL identifier,
/// which no query is.
fn is_graph_name(query: &str) -> bool {
    let mut characters = query.chars();
    characters
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && characters.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses `(query or graph, id_type, id_value [, rules_json])`.
pub(crate) fn person_graph_table(
    function: &'static str,
    args: TableFunctionArgs,
    schema: SchemaRef,
    render: Render,
) -> Result<Arc<dyn TableProvider>> {
    let ([query, id_type, id_value], [rules]) = PARAMETERS.literals(function, args.exprs())?;
    if is_graph_name(&query) {
        if rules.is_some() {
            return plan_err!(
                "{function}: an identity graph ('{query}') keeps the rules it was created with; give no rules_json"
            );
        }
        let called_with = [query.clone(), id_type.clone(), id_value.clone()];
        let load: Load = Arc::new(move |catalog| {
            let (graph, id_type, id_value) = (query.clone(), id_type.clone(), id_value.clone());
            async move {
                let person = stored_person_graph(catalog, &graph, &id_type, &id_value).await?;
                render(person.as_ref())
            }
            .boxed()
        });
        let called_with = called_with.each_ref().map(String::as_str);
        return Ok(segment_table(&schema, &called_with, load));
    }
    let rules = rules_argument(function, rules.as_deref())?;
    let called_with = [query.as_str(), &id_type, &id_value, &format!("{rules:?}")].map(str::to_string);
    let scan = PersonGraphScan {
        function,
        query,
        id_type,
        id_value,
        rules,
        render,
    };
    Ok(CallTable::new(
        &schema,
        &called_with.each_ref().map(String::as_str),
        scan,
    ))
}

/// What scanning an identity_lookup or identity_graph call does: resolve the
/// query, then collect and render the person's graph.
#[derive(Debug)]
struct PersonGraphScan {
    function: &'static str,
    query: String,
    id_type: String,
    id_value: String,
    rules: Arc<CallRules>,
    render: Render,
}

#[async_trait]
impl CallScan for PersonGraphScan {
    async fn scan(
        &self,
        session: &dyn Session,
        schema: &SchemaRef,
        projection: Option<&Vec<usize>>,
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let planned =
            PlannedResolution::plan(self.function, session, &self.query, self.rules.clone()).await?;
        let (id_type, id_value, render) = (self.id_type.clone(), self.id_value.clone(), self.render);
        let produce: Produce = Arc::new(move |ctx, schema| {
            let (planned, id_type, id_value) = (planned.clone(), id_type.clone(), id_value.clone());
            let batch = async move {
                let graph = person_graph(&planned, ctx, &id_type, &id_value).await?;
                Ok(render(graph.as_ref())?.with_schema(schema)?)
            };
            futures::stream::once(batch).boxed()
        });
        deferred_plan(schema, projection, limit, produce)
    }
}

/// Identifier values keyed by value, then type, so rows are looked up by
/// `&str` without allocating.
type IdentifierSet = HashMap<String, HashSet<String>>;

fn contains(set: &IdentifierSet, id_type: &str, id_value: &str) -> bool {
    set.get(id_value).is_some_and(|types| types.contains(id_type))
}

/// The record ids of a batch as text (integers written in decimal).
fn record_text(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(column, &DataType::Utf8)?)
}

fn strings(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(column, &DataType::Utf8)?)
}

async fn person_graph(
    planned: &PlannedResolution,
    ctx: Arc<TaskContext>,
    id_type: &str,
    id_value: &str,
) -> Result<Option<PersonGraph>> {
    let resolution = planned.run(ctx.clone(), false).await?;
    let Some(position) = resolution.position(id_type, id_value) else {
        return Ok(None);
    };
    let one_id = resolution.get(position).one_id;
    let mut members: IdentifierSet = HashMap::new();
    for r in resolution.iter().filter(|r| r.one_id == one_id) {
        members
            .entry(r.id_value.to_string())
            .or_default()
            .insert(r.id_type.to_string());
    }

    // The records holding one of the person's identifiers.
    let mut records: HashSet<String> = HashSet::new();
    planned
        .input
        .for_each_batch(ctx.clone(), |c, _| {
            let (record, types, values) = (record_text(c[0])?, strings(c[1])?, strings(c[2])?);
            let (record, types, values) = (
                record.as_string::<i32>(),
                types.as_string::<i32>(),
                values.as_string::<i32>(),
            );
            for i in 0..record.len() {
                if record.is_valid(i)
                    && types.is_valid(i)
                    && values.is_valid(i)
                    && contains(&members, types.value(i), values.value(i))
                {
                    records.insert(record.value(i).to_string());
                }
            }
            Ok(())
        })
        .await?;

    // Everything those records hold, in record order.
    let mut held: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    planned
        .input
        .for_each_batch(ctx, |c, _| {
            let (record, types, values) = (record_text(c[0])?, strings(c[1])?, strings(c[2])?);
            let (record, types, values) = (
                record.as_string::<i32>(),
                types.as_string::<i32>(),
                values.as_string::<i32>(),
            );
            for i in 0..record.len() {
                if record.is_valid(i)
                    && types.is_valid(i)
                    && values.is_valid(i)
                    && records.contains(record.value(i))
                {
                    held.entry(record.value(i).to_string())
                        .or_default()
                        .push((types.value(i).to_string(), values.value(i).to_string()));
                }
            }
            Ok(())
        })
        .await?;

    let members: Vec<(&str, &str, Status)> = resolution
        .iter()
        .filter(|r| r.one_id == one_id)
        .map(|r| (r.id_type, r.id_value, r.status))
        .collect();
    Ok(Some(assemble(one_id, &members, held, |id_type, id_value| {
        resolution
            .position(id_type, id_value)
            .map(|p| resolution.get(p).status)
    })))
}

/// A person's graph from its identifiers (`members`, in canonical order),
/// the records holding them with everything each holds (`held`), and the
/// status of an identifier met that is not the person's.
fn assemble(
    one_id: i64,
    members: &[(&str, &str, Status)],
    held: BTreeMap<String, Vec<(String, String)>>,
    status_of: impl Fn(&str, &str) -> Option<Status>,
) -> PersonGraph {
    let mut identifiers: Vec<GraphIdentifier> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    for &(id_type, id_value, status) in members {
        index.insert((id_type.to_string(), id_value.to_string()), identifiers.len());
        identifiers.push(GraphIdentifier::new(id_type, id_value, status, true));
    }
    let mut graph_records = Vec::new();
    for (record_id, pairs) in held {
        let mut positions = Vec::new();
        for key in pairs {
            let next = identifiers.len();
            let position = *index.entry(key.clone()).or_insert_with(|| {
                let status = status_of(&key.0, &key.1).unwrap_or(Status::Singleton);
                identifiers.push(GraphIdentifier::new(&key.0, &key.1, status, false));
                next
            });
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
        graph_records.push(GraphRecord {
            record_id,
            identifiers: positions,
        });
    }
    PersonGraph {
        one_id,
        identifiers,
        records: graph_records,
    }
}

/// A person's graph in a persistent identity graph: its newest mapping
/// gives the person and the statuses, its stored links the records.
async fn stored_person_graph(
    catalog: SegmentCatalog,
    graph: &str,
    id_type: &str,
    id_value: &str,
) -> Result<Option<PersonGraph>> {
    let graphs = catalog.identity_graphs();
    let (earlier, latest) = graphs.history(graph).await?;
    let map = graphs.read_table(graph, &latest, "map").await?;
    let mut one_id = None;
    for_each_mapped(&map, |t, v, id, _| {
        if t == id_type && v == id_value {
            one_id = Some(id);
        }
    })?;
    let Some(one_id) = one_id else {
        return Ok(None);
    };
    let mut members: Vec<(String, String, Status)> = Vec::new();
    for_each_mapped(&map, |t, v, id, status| {
        if id == one_id {
            members.push((
                t.to_string(),
                v.to_string(),
                Status::parse(status).unwrap_or(Status::Singleton),
            ));
        }
    })?;
    // The mapping is in canonical order, as `resolve_identities` returns it.
    let mut member_set: IdentifierSet = HashMap::new();
    for (t, v, _) in &members {
        member_set.entry(v.clone()).or_default().insert(t.clone());
    }
    let mut links = Vec::new();
    for version in earlier.iter().chain([&latest]) {
        links.extend(graphs.read_table(graph, version, "links").await?);
    }
    let each_link = |row: &mut dyn FnMut(&str, &str, &str)| -> Result<()> {
        for batch in &links {
            let column = |name: &str| match batch.column_by_name(name) {
                Some(column) => strings(column),
                None => plan_err!("identity graph '{graph}': its links have no column {name}"),
            };
            let (records, types, values) = (column("record_id")?, column("id_type")?, column("id_value")?);
            let (records, types, values) = (
                records.as_string::<i32>(),
                types.as_string::<i32>(),
                values.as_string::<i32>(),
            );
            for i in 0..batch.num_rows() {
                if records.is_valid(i) && types.is_valid(i) && values.is_valid(i) {
                    row(records.value(i), types.value(i), values.value(i));
                }
            }
        }
        Ok(())
    };
    let mut records: HashSet<String> = HashSet::new();
    each_link(&mut |record, t, v| {
        if contains(&member_set, t, v) {
            records.insert(record.to_string());
        }
    })?;
    let mut held: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    each_link(&mut |record, t, v| {
        if records.contains(record) {
            held.entry(record.to_string())
                .or_default()
                .push((t.to_string(), v.to_string()));
        }
    })?;
    let mut others: HashMap<(String, String), Status> = HashMap::new();
    for (t, v) in held.values().flatten() {
        if !contains(&member_set, t, v) {
            others.insert((t.clone(), v.clone()), Status::Singleton);
        }
    }
    for_each_mapped(&map, |t, v, _, status| {
        if let Some(known) = others.get_mut(&(t.to_string(), v.to_string())) {
            *known = Status::parse(status).unwrap_or(Status::Singleton);
        }
    })?;
    let members: Vec<(&str, &str, Status)> = members
        .iter()
        .map(|(t, v, s)| (t.as_str(), v.as_str(), *s))
        .collect();
    Ok(Some(assemble(one_id, &members, held, |t, v| {
        others.get(&(t.to_string(), v.to_string())).copied()
    })))
}
