//! One-ID at several depths over the same synthetic links, so the cost above
//! the bare algorithm is visible: union-find on pre-hashed u64 edges (and,
//! below it, on edges already numbered densely), the core resolver on Arrow
//! arrays (interning, rules, ids), and the SQL table function over an
//! in-memory table.

use std::collections::HashMap;
use std::hash::Hasher;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use cdpfusion_benches::synthetic_links;
use cdpfusion_core::identity::resolve::IdentityGraphBuilder;
use cdpfusion_core::identity::rules::Rules;
use cdpfusion_core::identity::union_find::UnionFind;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::datasource::MemTable;
use hashbrown::HashTable;
use twox_hash::XxHash3_64;

/// Smaller in debug builds, where `cargo test` runs each bench once.
const PERSONS: usize = if cfg!(debug_assertions) { 5_000 } else { 200_000 };

fn bench(c: &mut Criterion) {
    let (records, types, values) = synthetic_links(PERSONS);
    let rows = records.len();
    let mut group = c.benchmark_group("resolve_identities");
    group.throughput(Throughput::Elements(rows as u64));
    group.sample_size(10);

    // Edges between identifiers already numbered densely: the floor.
    let mut numbers: HashMap<(&str, &str), u32> = HashMap::new();
    let mut first_of_record: HashMap<&str, u32> = HashMap::new();
    let mut edges: Vec<(u32, u32)> = Vec::new();
    for i in 0..rows {
        let next = numbers.len() as u32;
        let id = *numbers.entry((types[i], values[i].as_str())).or_insert(next);
        match first_of_record.get(records[i].as_str()) {
            Some(&first) => edges.push((first, id)),
            None => {
                first_of_record.insert(records[i].as_str(), id);
            }
        }
    }
    let nodes = numbers.len();
    // The same edges between identifiers hashed to u64, the issue's "bare
    // algorithm": it numbers the hashes itself, as any union-find over
    // hashed identifiers must.
    let hash_of = |i: usize| {
        let mut hasher = XxHash3_64::default();
        hasher.write(types[i].as_bytes());
        hasher.write(&[0xFF]);
        hasher.write(values[i].as_bytes());
        hasher.finish()
    };
    let mut first_hash_of_record: HashMap<&str, u64> = HashMap::new();
    let mut hashed_edges: Vec<(u64, u64)> = Vec::new();
    for i in 0..rows {
        let h = hash_of(i);
        match first_hash_of_record.get(records[i].as_str()) {
            Some(&first) => hashed_edges.push((first, h)),
            None => {
                first_hash_of_record.insert(records[i].as_str(), h);
            }
        }
    }
    group.bench_function("bare_union_find_hashed_u64_edges", |b| {
        b.iter(|| {
            let mut numbers: HashTable<(u64, u32)> = HashTable::new();
            let mut number = |h: u64| {
                let next = numbers.len() as u32;
                numbers
                    .entry(h, |e| e.0 == h, |e| e.0)
                    .or_insert((h, next))
                    .get()
                    .1
            };
            let dense: Vec<(u32, u32)> = hashed_edges
                .iter()
                .map(|&(a, z)| (number(a), number(z)))
                .collect();
            let nodes = numbers.len();
            let mut uf = UnionFind::new(std::iter::repeat_n(None, nodes), 0, nodes);
            for &(a, z) in &dense {
                uf.union_within(a, z, &[]);
            }
            (0..nodes as u32).filter(|&i| uf.find(i) == i).count()
        })
    });
    group.bench_function("union_find_dense_edges", |b| {
        b.iter(|| {
            let mut uf = UnionFind::new(std::iter::repeat_n(None, nodes), 0, nodes);
            for &(a, z) in &edges {
                uf.union_within(a, z, &[]);
            }
            (0..nodes as u32).filter(|&i| uf.find(i) == i).count()
        })
    });

    let schema = Arc::new(Schema::new(vec![
        Field::new("record_id", DataType::Utf8, false),
        Field::new("id_type", DataType::Utf8, false),
        Field::new("id_value", DataType::Utf8, false),
    ]));
    let batches: Vec<RecordBatch> = (0..rows)
        .step_by(8192)
        .map(|start| {
            let end = (start + 8192).min(rows);
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from_iter_values(&records[start..end])),
                Arc::new(StringArray::from_iter_values(&types[start..end])),
                Arc::new(StringArray::from_iter_values(&values[start..end])),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        })
        .collect();
    let rules = Rules::default();
    group.bench_function("core_resolver_arrow", |b| {
        b.iter(|| {
            let mut builder = IdentityGraphBuilder::new(&rules).unwrap();
            for batch in &batches {
                builder
                    .add_batch(batch.column(0), batch.column(1), batch.column(2), None, None)
                    .unwrap();
            }
            builder.resolve(&rules, std::iter::empty()).unwrap().stats.persons
        })
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ctx = cdpfusion::cdpfusion_session().unwrap();
    ctx.register_table(
        "links",
        Arc::new(MemTable::try_new(schema, vec![batches]).unwrap()),
    )
    .unwrap();
    group.bench_function("sql_table_function", |b| {
        b.to_async(&runtime).iter(|| {
            let ctx = ctx.clone();
            async move {
                ctx.sql("SELECT count(DISTINCT one_id) FROM resolve_identities('SELECT * FROM links')")
                    .await
                    .unwrap()
                    .collect()
                    .await
                    .unwrap()
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
