//! The incremental append (`cdpfusion_core::identity::append`) against whole
//! runs, on worlds it was not written around: the independent world of
//! `benches/compare/one_id_world.py` (salespeople's phones on 100+ leads,
//! demo tablets, family devices, placeholders, duplicate CRM records, names
//! with titles, nicknames and pinyin), in several profiles, cut into ten
//! days by record. After every day the graph has the persons and statuses
//! of one run over all the links so far.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};

use arrow::array::{Array, AsArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use cdpfusion_core::identity::append::{AppendRow, IdentifierKey, MemoryGraph, RecordId, RecordKey, append};
use cdpfusion_core::identity::resolve::{Resolution, Status};
use cdpfusion_core::identity::rules::Rules;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

const PERSONS: &str = "3000";
const DAYS: u64 = 10;

/// The world's links as rows, written by the world's own script.
async fn world_links(dir: &Path, profile: &str, seed: u64) -> Vec<AppendRow> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches/compare/one_id_world.py");
    let status = Command::new("python3")
        .arg(script)
        .args([
            "--persons",
            PERSONS,
            "--seed",
            &seed.to_string(),
            "--profile",
            profile,
            "--out",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .status()
        .expect("python3 runs the world's script");
    assert!(status.success(), "one_id_world.py --profile {profile}");
    let ctx = SessionContext::new();
    let batches = ctx
        .read_parquet(
            dir.join("links.parquet").to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let mut rows = Vec::new();
    for batch in batches {
        let column = |name: &str| cast(batch.column_by_name(name).unwrap(), &DataType::Utf8).unwrap();
        let (records, sources, types, values, names) = (
            column("record_id"),
            column("source"),
            column("id_type"),
            column("id_value"),
            column("name"),
        );
        let text = |array: &dyn Array, i: usize| {
            (!array.is_null(i)).then(|| array.as_string::<i32>().value(i).to_string())
        };
        for i in 0..batch.num_rows() {
            let (Some(id_type), Some(id_value)) = (text(&types, i), text(&values, i)) else {
                continue;
            };
            rows.push(AppendRow {
                record: text(&records, i).map(|id| RecordKey {
                    source: text(&sources, i),
                    record_id: RecordId::Text(id),
                }),
                identifier: (id_type, id_value),
                name: text(&names, i),
            });
        }
    }
    rows
}

/// Each identifier's status and person, the person named by its first
/// identifier: equal for two results with the same persons.
fn persons(resolution: &Resolution) -> HashMap<IdentifierKey, (Status, IdentifierKey)> {
    let mut first: HashMap<i64, IdentifierKey> = HashMap::new();
    for r in resolution.iter() {
        let key = (r.id_type.to_string(), r.id_value.to_string());
        first
            .entry(r.one_id)
            .and_modify(|k| *k = (*k).clone().min(key.clone()))
            .or_insert(key);
    }
    resolution
        .iter()
        .map(|r| {
            (
                (r.id_type.to_string(), r.id_value.to_string()),
                (r.status, first[&r.one_id].clone()),
            )
        })
        .collect()
}

fn day_of(record: &Option<RecordKey>) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    record.hash(&mut hasher);
    hasher.finish() % DAYS
}

#[tokio::test]
async fn days_appended_to_an_independent_world_give_the_persons_of_one_run() {
    let rules = Rules::default();
    for (profile, seed) in [
        ("default", 1),
        ("heavy_sharing", 2),
        ("placeholders", 3),
        ("random", 4),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let links = world_links(dir.path(), profile, seed).await;
        let mut graph = MemoryGraph::default();
        let mut so_far: Vec<AppendRow> = Vec::new();
        let (mut resolved, mut rounds, mut shared) = (0, 0, 0);
        for day in 0..DAYS {
            let rows: Vec<AppendRow> = links
                .iter()
                .filter(|r| day_of(&r.record) == day)
                .cloned()
                .collect();
            let appended = append(&graph, &rows, &rules, true).unwrap();
            resolved += appended.stats.rows;
            rounds += appended.stats.rounds;
            graph.apply(&rows, &appended);
            so_far.extend(rows);
            // A whole run: an append to an empty graph opens everything.
            let whole = append(&MemoryGraph::default(), &so_far, &rules, true)
                .unwrap()
                .resolution;
            let whole_persons = persons(&whole);
            assert_eq!(graph.len(), whole.len(), "{profile} day {day}: identifiers");
            // The graph's persons, named the same way.
            let mut first: HashMap<i64, IdentifierKey> = HashMap::new();
            for key in whole_persons.keys() {
                let one_id = graph.get(key).unwrap().one_id;
                first
                    .entry(one_id)
                    .and_modify(|k| *k = (*k).clone().min(key.clone()))
                    .or_insert(key.clone());
            }
            for (key, (status, person)) in &whole_persons {
                let stored = graph.get(key).unwrap();
                assert_eq!(
                    (stored.status, &first[&stored.one_id]),
                    (*status, person),
                    "{profile} day {day}: {key:?}"
                );
            }
            shared = whole_persons
                .values()
                .filter(|(s, _)| *s == Status::Shared)
                .count();
        }
        println!(
            "{profile}: {} link rows, {resolved} rows resolved over ten appends, {rounds} rounds, {shared} shared",
            links.len()
        );
        assert!(shared > 0, "{profile}: the world shares identifiers");
        // Ten whole runs over the growing graph would resolve 5.5 times the rows.
        assert!(
            resolved < links.len() * 4,
            "{profile}: {resolved} rows resolved for {}",
            links.len()
        );
    }
}
