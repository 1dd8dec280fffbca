//! Lead assignment's exact solver (`core/src/assignment/auction.rs`) on one
//! dense pool, the auction's hard case: leads × advisors benefits that are
//! distinct (uniform over 1,000 levels) or heavily tied (5 levels). Stores
//! split real problems into small ones; `benches/compare/assignment_bench.py`
//! times the SQL function beside SciPy.

use cdpfusion_core::assignment::auction::assign;
use criterion::{Criterion, criterion_group, criterion_main};

/// Smaller in debug builds, where `cargo test` runs each bench once.
const LEADS: usize = if cfg!(debug_assertions) { 2_000 } else { 20_000 };
const ADVISORS: usize = if cfg!(debug_assertions) { 50 } else { 500 };

fn splitmix(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Benefits at `levels` distinct values on the solver's 1e9 scale.
fn benefits(levels: u64) -> Vec<i64> {
    (0..(LEADS * ADVISORS) as u64)
        .map(|k| ((splitmix(k) % levels) * (1_000_000_000 / levels)) as i64)
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("assignment");
    group.sample_size(10);
    // 20% more slots than leads.
    let capacities = vec![LEADS * 6 / 5 / ADVISORS; ADVISORS];
    for (name, levels) in [
        ("one_pool_distinct_benefits", 1000),
        ("one_pool_tied_benefits", 5),
    ] {
        let benefits = benefits(levels);
        group.bench_function(name, |bench| {
            bench.iter(|| assign(benefits.clone(), &capacities, None).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
