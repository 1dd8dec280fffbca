//! Segments: the overlap of two large memberships, and `in_segment` as a
//! filter against the hash join on a materialized member table a user would
//! otherwise write.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use cdpfusion_core::segment::Members;
use criterion::{Criterion, criterion_group, criterion_main};
use datafusion::datasource::MemTable;
use datafusion::prelude::{SessionConfig, SessionContext};

/// Smaller in debug builds, where `cargo test` runs each bench once.
const MEMBERS: i64 = if cfg!(debug_assertions) { 50_000 } else { 5_000_000 };
const ROWS: i64 = if cfg!(debug_assertions) {
    100_000
} else {
    10_000_000
};

/// One-IDs as resolve_identities gives them: 63-bit hashes, so sparse
/// (splitmix64 stands in for xxh3).
fn one_id(k: i64) -> i64 {
    let mut z = (k as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 1) as i64
}

fn id_table(ids: impl Iterator<Item = i64>) -> Arc<MemTable> {
    let schema = Arc::new(Schema::new(vec![Field::new("one_id", DataType::Int64, false)]));
    let ids: Vec<i64> = ids.collect();
    let batches: Vec<RecordBatch> = ids
        .chunks(8192)
        .map(|chunk| {
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(chunk.to_vec()))]).unwrap()
        })
        .collect();
    Arc::new(MemTable::try_new(schema, vec![batches]).unwrap())
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("segments");
    group.sample_size(10);
    let a = Members::from_ids((0..MEMBERS).map(one_id));
    let b = Members::from_ids((MEMBERS / 2..MEMBERS + MEMBERS / 2).map(one_id));
    group.bench_function("overlap_of_two_large_segments", |bench| {
        bench.iter(|| a.overlap(&b))
    });

    let catalog = std::env::temp_dir().join(format!("cdpfusion-bench-segments-{}", std::process::id()));
    let mut config = SessionConfig::new();
    let mut settings = cdpfusion::CdpfusionOptions::default();
    settings.catalog = catalog.to_string_lossy().into_owned();
    config.options_mut().extensions.insert(settings);
    let ctx: SessionContext =
        cdpfusion::cdpfusion_session_with(config, Arc::new(Default::default())).unwrap();
    // Half the rows belong to members.
    ctx.register_table("rows", id_table((0..ROWS).map(|k| one_id(k % (2 * MEMBERS)))))
        .unwrap();
    ctx.register_table("members", id_table((0..MEMBERS).map(one_id)))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        cdpfusion::sql(
            &ctx,
            "CREATE OR REPLACE SEGMENT bench_members AS SELECT one_id FROM members",
        )
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    });
    let count = |sql: &'static str| {
        let ctx = ctx.clone();
        async move { ctx.sql(sql).await.unwrap().collect().await.unwrap() }
    };
    group.bench_function("in_segment_filter", |bench| {
        bench
            .to_async(&runtime)
            .iter(|| count("SELECT count(*) FROM rows WHERE in_segment('bench_members', one_id)"))
    });
    group.bench_function("hash_join_on_member_table", |bench| {
        bench
            .to_async(&runtime)
            .iter(|| count("SELECT count(*) FROM rows JOIN members USING (one_id)"))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&catalog);
}

criterion_group!(benches, bench);
criterion_main!(benches);
