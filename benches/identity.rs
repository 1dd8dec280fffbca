//! Identifier normalisation: the bare kernel, the SQL function over a table,
//! and the regexp SQL a user would otherwise write for the same job.

use std::sync::Arc;

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use cdpfusion_benches::noisy_phones;
use cdpfusion_core::identity::phone::{Region, normalize_phone};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::datasource::MemTable;

/// Smaller in debug builds, where `cargo test` runs each bench once.
const ROWS: usize = if cfg!(debug_assertions) { 20_000 } else { 1_000_000 };

/// What a user writes without normalize_phone: strip to digits, drop the
/// country prefix, keep 11-digit mobiles.
const HAND_WRITTEN_SQL: &str = "
SELECT count(CASE WHEN length(d) = 11 AND d LIKE '1%' THEN '+86' || d END)
FROM (
  SELECT regexp_replace(regexp_replace(translate(phone, '０１２３４５６７８９', '0123456789'), '[^0-9]', '', 'g'),
                        '^(0086|86|0)(1[3-9][0-9]{9})$', '\\2') AS d
  FROM phones)";

fn bench(c: &mut Criterion) {
    let phones = noisy_phones(ROWS);
    let mut group = c.benchmark_group("normalize_phone");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(10);

    group.bench_function("kernel", |b| {
        b.iter(|| {
            phones
                .iter()
                .filter(|p| normalize_phone(p, Region::Cn).is_some())
                .count()
        })
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let ctx = cdpfusion::cdpfusion_session().unwrap();
    let schema = Arc::new(Schema::new(vec![Field::new("phone", DataType::Utf8, false)]));
    let batches: Vec<RecordBatch> = phones
        .chunks(8192)
        .map(|chunk| {
            RecordBatch::try_new(
                schema.clone(),
                vec![Arc::new(StringArray::from_iter_values(chunk))],
            )
            .unwrap()
        })
        .collect();
    let table = MemTable::try_new(schema, vec![batches]).unwrap();
    ctx.register_table("phones", Arc::new(table)).unwrap();
    let run = |sql: &'static str| {
        let ctx = ctx.clone();
        move || {
            let ctx = ctx.clone();
            async move { ctx.sql(sql).await.unwrap().collect().await.unwrap() }
        }
    };
    group.bench_function("sql_function", |b| {
        b.to_async(&runtime)
            .iter(run("SELECT count(normalize_phone(phone)) FROM phones"))
    });
    group.bench_function("sql_hand_written_regexp", |b| {
        b.to_async(&runtime).iter(run(HAND_WRITTEN_SQL))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
