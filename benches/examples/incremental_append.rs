//! How much of a large graph an incremental append reads and resolves, and
//! whether it ends with the persons of a whole run: the links of a Parquet
//! file (the columns `resolve_identities` reads, names included) cut into
//! a base and a day by a hash of the record, the base resolved whole
//! (`resolve_whole`, as `CREATE` would) and its state built, the day
//! appended (`cdpfusion_core::identity::append`), then all of it resolved
//! at once and the two compared.
//!
//!     cargo run --release -p cdpfusion-benches --example incremental_append -- links.parquet [day per mille]
//!
//! The graph is held in memory (`MemoryGraph`): the times are the
//! algorithm's, not a store's.

use std::hash::{Hash, Hasher};
use std::time::Instant;

use cdpfusion_core::identity::append::{AppendRow, MemoryGraph, append, batch_rows, resolve_whole};
use cdpfusion_core::identity::rules::Rules;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("a links Parquet file");
    let per_mille: u64 = args
        .next()
        .map_or(10, |a| a.parse().expect("the day's share, per mille"));
    let started = Instant::now();
    let batches = SessionContext::new()
        .read_parquet(path.as_str(), ParquetReadOptions::default())
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    let links: Vec<AppendRow> = batches
        .iter()
        .flat_map(|batch| batch_rows(batch).unwrap())
        .collect();
    let with_names = batches
        .first()
        .is_some_and(|b| b.column_by_name("name").is_some());
    let on_day = |row: &AppendRow| {
        let mut hasher = std::hash::DefaultHasher::new();
        row.record.hash(&mut hasher);
        hasher.finish() % 1000 < per_mille
    };
    let (day, base): (Vec<AppendRow>, Vec<AppendRow>) = links.iter().cloned().partition(on_day);
    println!(
        "{} link rows read in {:.1?}: base {}, day {}",
        links.len(),
        started.elapsed(),
        base.len(),
        day.len()
    );

    let rules = Rules::default();
    let mut graph = MemoryGraph::default();
    let started = Instant::now();
    let first = resolve_whole(&base, &rules, with_names).unwrap();
    println!("base resolved in {:.1?}", started.elapsed());
    let started = Instant::now();
    graph.apply(&base, &first);
    println!("its state built in {:.1?}", started.elapsed());
    drop(first);

    let started = Instant::now();
    let appended = append(&graph, &day, &rules, with_names).unwrap();
    let took = started.elapsed();
    let stats = &appended.stats;
    println!(
        "day appended in {took:.1?}: {} rows resolved ({:.2}% of all rows), {} stored records read whole, {} rows of pinned identifiers' other records (for their names), {} identifiers opened, {} pinned, {} rounds",
        stats.rows,
        100.0 * stats.rows as f64 / links.len() as f64,
        stats.records_read,
        stats.name_rows,
        stats.opened,
        stats.pinned,
        stats.rounds
    );
    let started = Instant::now();
    graph.apply(&day, &appended);
    println!("its changes applied in {:.1?}", started.elapsed());

    let started = Instant::now();
    let whole = append(&MemoryGraph::default(), &links, &rules, with_names)
        .unwrap()
        .resolution;
    println!("whole run in {:.1?}", started.elapsed());
    let differ = graph.differences_from(&whole);
    println!(
        "identifiers whose person or status differ from the whole run's: {} of {}",
        differ.len(),
        whole.len()
    );
    assert!(differ.is_empty(), "such as {:?}", &differ[..differ.len().min(5)]);
}
