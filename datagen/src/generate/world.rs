//! What all generated persons share: the seed, the time span and the stores.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::vocabulary::CITIES;

/// The dealer group has a store per this many persons (100 stores at the
/// demo's 100k), so every store sees enough walk-ins for its demo tablet and
/// salespeople's phones to be visibly shared.
pub const PERSONS_PER_STORE: u64 = 1_000;
pub const MIN_STORES: usize = 4;
pub const MAX_STORES: usize = 200;

/// The number of stores of a dataset of `persons`.
pub fn store_count(persons: u64) -> usize {
    ((persons / PERSONS_PER_STORE) as usize).clamp(MIN_STORES, MAX_STORES)
}
/// Salespeople per store whose phones end up in walk-in leads.
pub const SALESPEOPLE_PER_STORE: usize = 2;
/// The data ends here (2026-06-30 23:59:59 +08:00), whatever day it is
/// generated, so a seed always gives the same dataset.
pub const DATA_END: &str = "2026-06-30T23:59:59+08:00";
/// How far back the first touches go: old enough for cars past 3 years.
pub const HISTORY_YEARS: i64 = 5;

pub struct Store {
    pub id: String,
    pub city: &'static str,
    pub region: &'static str,
    pub weight: f64,
}

pub struct World {
    pub seed: u64,
    pub start_us: i64,
    pub end_us: i64,
    pub stores: Vec<Store>,
}

impl World {
    pub fn new(seed: u64, persons: u64) -> World {
        let end_us = chrono::DateTime::parse_from_rfc3339(DATA_END)
            .expect("DATA_END is RFC 3339")
            .timestamp_micros();
        let start_us = end_us - HISTORY_YEARS * 365 * 86_400_000_000;
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5703E5);
        let stores = (0..store_count(persons))
            .map(|i| {
                let (city, region) = CITIES[rng.random_range(0..CITIES.len())];
                Store {
                    id: format!("S{:03}", i + 1),
                    city,
                    region,
                    weight: (rng.random_range(50..=200) as f64) / 100.0,
                }
            })
            .collect();
        World {
            seed,
            start_us,
            end_us,
            stores,
        }
    }
}
