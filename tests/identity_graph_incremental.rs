//! The incremental append (`cdpfusion_core::identity::append`) against whole
//! runs, on worlds it was not written around: the independent world of
//! `benches/compare/one_id_world.py` (salespeople's phones on 100+ leads,
//! demo tablets, family devices, placeholders, duplicate CRM records, names
//! with titles, nicknames and pinyin), in several profiles, cut into ten
//! days by record. After every day the graph has the persons and statuses
//! of one run over all the links so far.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::{Command, Stdio};

use cdpfusion_core::identity::append::{AppendRow, MemoryGraph, RecordKey, append, batch_rows};
use cdpfusion_core::identity::resolve::Status;
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
    batches
        .iter()
        .flat_map(|batch| batch_rows(batch).unwrap())
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
            let differ = graph.differences_from(&whole);
            assert!(
                differ.is_empty(),
                "{profile} day {day}: {} differ, such as {:?}",
                differ.len(),
                &differ[..differ.len().min(5)]
            );
            shared = whole.statuses().iter().filter(|s| **s == Status::Shared).count();
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
