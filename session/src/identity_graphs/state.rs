//! Versions resolved through the graph's state
//! ([`cdpfusion_core::identity::append`]): `CREATE` resolves every link and
//! keeps the state of every identifier and record; `APPEND` resolves the
//! day's links with only the stored records they can change (the closure)
//! and keeps what changed as one more state file, the stack merged into
//! one now and then. The persons are those of one run over all the links
//! (the core's equivalence tests hold the closure to that).

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::error::{DataFusionError, Result};

use cdpfusion_catalog::{GraphState, GraphVersion, IdentityGraphs};
use cdpfusion_core::identity::append::{
    AppendRow, Changes, IdentifierKey, StateFile, StateStack, StoredIdentifier, append, batch_rows, changes,
    encode_state,
};
use cdpfusion_core::identity::rules::Rules;
use cdpfusion_udf::identity::RESOLVE_IDENTITIES_SCHEMA;

/// State files an append reads before it merges them into one: each probe
/// of a key reads the stack from the newest file down.
const MAX_STATE_FILES: usize = 8;

fn graph_error(name: &str, what: impl std::fmt::Display) -> DataFusionError {
    DataFusionError::Execution(format!("identity graph '{name}': {what}"))
}

/// A version resolved, to be written.
pub(super) struct Resolved {
    /// The whole mapping, in the columns of `resolve_identities`.
    pub map: Vec<RecordBatch>,
    pub state: GraphState,
    /// The oldest version of the new version's state stack.
    pub state_base: u64,
}

fn rules_of(name: &str, rules: Option<&str>) -> Result<Rules> {
    Rules::from_json(rules.unwrap_or("{}")).map_err(|e| graph_error(name, format!("invalid rules: {e}")))
}

fn rows_of(name: &str, links: &[RecordBatch]) -> Result<Vec<AppendRow>> {
    let mut rows = Vec::new();
    for batch in links {
        rows.extend(batch_rows(batch).map_err(|e| graph_error(name, e))?);
    }
    Ok(rows)
}

/// A first version: every link resolved.
pub(super) fn create(
    name: &str,
    number: u64,
    rules: Option<&str>,
    links: &[RecordBatch],
) -> Result<Resolved> {
    let rules = rules_of(name, rules)?;
    let rows = rows_of(name, links)?;
    let empty: StateStack<Vec<u8>> = StateStack {
        files: Vec::new(),
        taken_one_ids: Vec::new(),
    };
    let appended = append(&empty, &rows, &rules, true).map_err(|e| graph_error(name, e))?;
    let changes = changes(&empty, &rows, &appended).map_err(|e| graph_error(name, e))?;
    let map = vec![map_rows(&changes.identifiers)?];
    Ok(Resolved {
        map,
        state: GraphState {
            one_ids: changes.taken_one_ids(&[]),
            changes: encode_state(&changes),
        },
        state_base: number,
    })
}

/// The next version of a graph whose newest version (`versions`' last)
/// has state files: the day's links resolved with the closure alone.
pub(super) async fn append_day(
    graphs: &IdentityGraphs,
    name: &str,
    versions: &[GraphVersion],
    day: &[RecordBatch],
) -> Result<Resolved> {
    let latest = versions.last().expect("a graph has a version");
    let rules = rules_of(name, latest.rules.as_deref())?;
    let rows = rows_of(name, day)?;
    let (files, taken_one_ids) = graphs.read_state(name, versions).await?;
    let files = files
        .into_iter()
        .map(|bytes| StateFile::read(bytes).map_err(|e| graph_error(name, e)))
        .collect::<Result<Vec<_>>>()?;
    let mut stack = StateStack { files, taken_one_ids };
    let appended = append(&stack, &rows, &rules, true).map_err(|e| graph_error(name, e))?;
    let changes = changes(&stack, &rows, &appended).map_err(|e| graph_error(name, e))?;
    let one_ids = changes.taken_one_ids(&stack.taken_one_ids);
    let map = changed_map(graphs, name, latest, &changes).await?;
    let number = latest.version + 1;
    let (state, state_base) = if stack.files.len() + 1 >= MAX_STATE_FILES {
        stack.files.insert(
            0,
            StateFile::read(bytes::Bytes::from(encode_state(&changes))).map_err(|e| graph_error(name, e))?,
        );
        (
            encode_state(&stack.merged().map_err(|e| graph_error(name, e))?),
            number,
        )
    } else {
        (encode_state(&changes), latest.state_base.unwrap_or(number))
    };
    Ok(Resolved {
        map,
        state: GraphState {
            changes: state,
            one_ids,
        },
        state_base,
    })
}

/// The newest mapping with the changed identifiers' rows replaced.
async fn changed_map(
    graphs: &IdentityGraphs,
    name: &str,
    latest: &GraphVersion,
    changes: &Changes,
) -> Result<Vec<RecordBatch>> {
    let changed: HashSet<&IdentifierKey> = changes.identifiers.iter().map(|(key, _)| key).collect();
    let mut map = Vec::new();
    for batch in graphs.read_table(name, latest, "map").await? {
        let (types, values) = (
            batch.column(0).as_string::<i32>(),
            batch.column(1).as_string::<i32>(),
        );
        let kept: BooleanArray = (0..batch.num_rows())
            .map(|i| {
                let key = (types.value(i).to_string(), values.value(i).to_string());
                Some(!changed.contains(&key))
            })
            .collect();
        map.push(filter_record_batch(&batch, &kept)?);
    }
    map.push(map_rows(&changes.identifiers)?);
    Ok(map)
}

/// Mapping rows of identifiers' states.
fn map_rows(identifiers: &[(IdentifierKey, StoredIdentifier)]) -> Result<RecordBatch> {
    let texts = |value: &dyn Fn(&(IdentifierKey, StoredIdentifier)) -> Option<&str>| {
        Arc::new(identifiers.iter().map(value).collect::<StringArray>()) as Arc<dyn Array>
    };
    Ok(RecordBatch::try_new(
        RESOLVE_IDENTITIES_SCHEMA.clone(),
        vec![
            texts(&|(key, _)| Some(key.0.as_str())),
            texts(&|(key, _)| Some(key.1.as_str())),
            Arc::new(identifiers.iter().map(|(_, s)| s.one_id).collect::<Int64Array>()),
            Arc::new(
                identifiers
                    .iter()
                    .map(|(_, s)| s.cluster_size as i64)
                    .collect::<Int64Array>(),
            ),
            texts(&|(_, s)| Some(s.status.as_str())),
            texts(&|(_, s)| s.reason.as_str()),
        ],
    )?)
}
