//! Leads to sales advisors: the placement of maximum total affinity within
//! each store, under the advisors' capacities and an optional fairness
//! floor; or the round-robin a CRM would do, as the baseline.
//!
//! Stores are independent problems, solved in parallel. Within a store
//! every lead is placed while capacity lasts (the most leads placed, then
//! the largest total affinity among such placements): a lead with no tag in
//! common with anyone still goes to an advisor with room.

use rayon::prelude::*;

use super::affinity::Affinity;
use super::auction;
use super::tags::{TagVectors, inverse_document_frequencies};

/// Affinities are made integers at this resolution for the exact solver,
/// so the total is optimal to within `1e-9` per lead.
const RESOLUTION: f64 = 1e9;

/// How leads are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The largest total affinity (the auction algorithm, exact).
    Optimal,
    /// Each store's leads in turn to its advisors in turn, skipping the
    /// full ones: the baseline.
    RoundRobin,
}

/// Which of two equally good advisors a lead bids for first. Where leads
/// compete for them, the prices decide where each ends; either way the
/// result is the same on every run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TieBreak {
    /// The advisor first in the advisors' order.
    AdvisorOrder,
    /// An advisor picked by a hash of the lead's position, so ties spread
    /// over the advisors instead of filling the first ones.
    Spread,
}

#[derive(Clone, Copy, Debug)]
pub struct AssignOptions {
    pub method: Method,
    pub affinity: Affinity,
    /// Cosine weights tags by inverse document frequency over leads and
    /// advisors together.
    pub idf: bool,
    /// Each advisor of a store gets at least `fairness` times the store's
    /// equal share (leads / advisors, rounded down), capacity permitting.
    pub fairness: f64,
    pub tie_break: TieBreak,
}

impl Default for AssignOptions {
    fn default() -> Self {
        AssignOptions {
            method: Method::Optimal,
            affinity: Affinity::Cosine,
            idf: true,
            fairness: 0.0,
            tie_break: TieBreak::AdvisorOrder,
        }
    }
}

/// Why a lead has no advisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unplaced {
    /// The lead's store is NULL, while advisors are matched by store.
    NoStore,
    /// No advisor works in the lead's store.
    NoAdvisorInStore,
    /// The store's advisors are at capacity.
    NoCapacity,
}

impl Unplaced {
    pub fn reason(self) -> &'static str {
        match self {
            Unplaced::NoStore => "lead has no store_id",
            Unplaced::NoAdvisorInStore => "no advisor in the lead's store",
            Unplaced::NoCapacity => "the store's advisors are at capacity",
        }
    }
}

/// Where one lead goes: an advisor's row and the pair's affinity, or why
/// nowhere.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Placement {
    Advisor { advisor: usize, score: f64 },
    Unplaced(Unplaced),
}

/// One side of the match: tag vectors, and store numbers when stores
/// matter (`None` in a row: a NULL store).
pub struct Side<'a> {
    pub tags: &'a TagVectors,
    pub stores: Option<&'a [Option<u32>]>,
}

/// Places every lead (rows of `leads`) with an advisor (rows of
/// `advisors`), each advisor taking at most `capacities[row]` leads; when
/// both sides have stores, only within a store. Leads and advisors are
/// taken in the order given: sort them by id for results that do not
/// depend on the order rows arrive in.
pub fn assign_leads(
    leads: &Side,
    advisors: &Side,
    capacities: &[usize],
    options: &AssignOptions,
) -> Result<Vec<Placement>, String> {
    if !(0.0..=1.0).contains(&options.fairness) {
        return Err(format!(
            "fairness must be between 0 and 1, got {}",
            options.fairness
        ));
    }
    let (lead_tags, advisor_tags) = weighted(leads.tags, advisors.tags, options);
    // Every lead a store places is overwritten below.
    let mut placements: Vec<Placement> = match leads.stores {
        Some(stores) => stores
            .iter()
            .map(|store| match store {
                None => Placement::Unplaced(Unplaced::NoStore),
                Some(_) => Placement::Unplaced(Unplaced::NoAdvisorInStore),
            })
            .collect(),
        None => vec![Placement::Unplaced(Unplaced::NoAdvisorInStore); leads.tags.len()],
    };
    let stores = stores_of(leads, advisors);
    let solved: Vec<Result<Vec<(usize, Placement)>, String>> = stores
        .par_iter()
        .map(|(store_leads, store_advisors)| {
            let scores = options
                .affinity
                .matrix(&lead_tags, store_leads, &advisor_tags, store_advisors);
            let store_capacities: Vec<usize> = store_advisors
                .iter()
                .map(|&a| capacities[a].min(store_leads.len()))
                .collect();
            let chosen = match options.method {
                Method::Optimal => optimal(&scores, &store_capacities, options)?,
                Method::RoundRobin => round_robin(store_leads.len(), &store_capacities),
            };
            Ok(chosen
                .into_iter()
                .enumerate()
                .map(|(i, advisor)| {
                    let placement = match advisor {
                        Some(j) => Placement::Advisor {
                            advisor: store_advisors[j],
                            score: scores[i * store_advisors.len() + j],
                        },
                        None => Placement::Unplaced(Unplaced::NoCapacity),
                    };
                    (store_leads[i], placement)
                })
                .collect())
        })
        .collect();
    for store in solved {
        for (lead, placement) in store? {
            placements[lead] = placement;
        }
    }
    Ok(placements)
}

/// The bytes placing the leads holds at most: each store's affinity matrix
/// and its integer benefits (twice over with fairness floors).
pub fn working_bytes(leads: &Side, advisors: &Side, options: &AssignOptions) -> usize {
    let pairs: usize = stores_of(leads, advisors)
        .iter()
        .map(|(store_leads, store_advisors)| store_leads.len() * store_advisors.len())
        .sum();
    let benefits_per_pair = if options.fairness > 0.0 { 2 } else { 1 };
    pairs * 8 * (1 + benefits_per_pair)
}

/// The tag vectors as the affinity weighs them.
fn weighted(leads: &TagVectors, advisors: &TagVectors, options: &AssignOptions) -> (TagVectors, TagVectors) {
    let (mut leads, mut advisors) = (leads.clone(), advisors.clone());
    if options.idf && options.affinity == Affinity::Cosine {
        let mut rows_per_tag = Vec::new();
        leads.count_rows_per_tag(&mut rows_per_tag);
        advisors.count_rows_per_tag(&mut rows_per_tag);
        let idf = inverse_document_frequencies(&rows_per_tag, leads.len() + advisors.len());
        leads.scale(&idf);
        advisors.scale(&idf);
    }
    (leads, advisors)
}

/// The leads and advisors of each store that has both (one store of
/// everyone when either side has no stores). Leads with no store, or none
/// of whose store's advisors are here, are in no store.
fn stores_of(leads: &Side, advisors: &Side) -> Vec<(Vec<usize>, Vec<usize>)> {
    let (Some(lead_stores), Some(advisor_stores)) = (leads.stores, advisors.stores) else {
        return vec![(
            (0..leads.tags.len()).collect(),
            (0..advisors.tags.len()).collect(),
        )];
    };
    let count = lead_stores
        .iter()
        .chain(advisor_stores)
        .flatten()
        .map(|&s| s as usize + 1)
        .max()
        .unwrap_or(0);
    let mut stores = vec![(Vec::new(), Vec::new()); count];
    for (row, store) in advisor_stores.iter().enumerate() {
        if let Some(s) = store {
            stores[*s as usize].1.push(row);
        }
    }
    for (row, store) in lead_stores.iter().enumerate() {
        if let Some(s) = store {
            stores[*s as usize].0.push(row);
        }
    }
    stores.retain(|(leads, advisors)| !leads.is_empty() && !advisors.is_empty());
    stores
}

/// The advisor (column) of each lead (row) of `scores` in a placement of
/// the most leads and then the largest total score, fairness floors
/// first.
fn optimal(
    scores: &[f64],
    capacities: &[usize],
    options: &AssignOptions,
) -> Result<Vec<Option<usize>>, String> {
    let advisors = capacities.len();
    let leads = scores.len().checked_div(advisors).unwrap_or(0);
    // A floor slot is worth more than any affinity: filling every floor
    // comes before the total.
    let floor = (options.fairness * (leads / advisors.max(1)) as f64).floor() as usize;
    let bonus = RESOLUTION as i64 + 1;
    // Classes: each advisor's floor slots (when there is a floor), then its
    // other slots; last, the slots of the leads there is no capacity for.
    let per_advisor = if floor > 0 { 2 } else { 1 };
    let mut class_capacities: Vec<usize> = Vec::with_capacity(per_advisor * advisors + 1);
    for &capacity in capacities {
        let floor = floor.min(capacity);
        if per_advisor == 2 {
            class_capacities.push(floor);
        }
        class_capacities.push(capacity - floor);
    }
    let free: usize = capacities.iter().sum();
    class_capacities.push(leads.saturating_sub(free));
    let classes = class_capacities.len();
    let mut benefits = vec![0i64; leads * classes];
    for (lead, row) in benefits.chunks_mut(classes).enumerate() {
        for advisor in 0..advisors {
            let benefit = (scores[lead * advisors + advisor] * RESOLUTION).round() as i64;
            if per_advisor == 2 {
                row[2 * advisor] = benefit + bonus;
            }
            row[per_advisor * advisor + per_advisor - 1] = benefit;
        }
    }
    let scan_start: Option<Vec<u32>> = match options.tie_break {
        TieBreak::AdvisorOrder => None,
        TieBreak::Spread => Some(
            (0..leads)
                .map(|lead| (spread_hash(lead as u64) % advisors.max(1) as u64) as u32 * per_advisor as u32)
                .collect(),
        ),
    };
    let classes_of = auction::assign(benefits, &class_capacities, scan_start.as_deref())?;
    Ok(classes_of
        .into_iter()
        .map(|class| {
            let advisor = class as usize / per_advisor;
            (advisor < advisors).then_some(advisor)
        })
        .collect())
}

/// A 64-bit mix (SplitMix64's finaliser).
fn spread_hash(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Leads in turn to advisors in turn, skipping full advisors.
fn round_robin(leads: usize, capacities: &[usize]) -> Vec<Option<usize>> {
    let mut left = capacities.to_vec();
    let mut next = 0;
    (0..leads)
        .map(|_| {
            for _ in 0..left.len() {
                let advisor = next;
                next = (next + 1) % left.len();
                if left[advisor] > 0 {
                    left[advisor] -= 1;
                    return Some(advisor);
                }
            }
            None
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::tags::TagNumbers;
    use arrow::array::{ArrayRef, ListBuilder, StringBuilder};
    use std::sync::Arc;

    fn tags(rows: &[&[&str]], numbers: &mut TagNumbers) -> TagVectors {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in rows {
            builder.append_value(row.iter().map(|t| Some(*t)));
        }
        let array: ArrayRef = Arc::new(builder.finish());
        TagVectors::from_arrow(&array, numbers).unwrap()
    }

    fn advisors_of(placements: &[Placement]) -> Vec<Option<usize>> {
        placements
            .iter()
            .map(|p| match p {
                Placement::Advisor { advisor, .. } => Some(*advisor),
                Placement::Unplaced(_) => None,
            })
            .collect()
    }

    #[test]
    fn the_optimum_beats_greedy_and_round_robin() {
        // Greedy gives lead 0 advisor 0 (1.0) and leaves lead 1 with 0.
        let mut numbers = TagNumbers::default();
        let leads = tags(&[&["suv", "ev"], &["suv"]], &mut numbers);
        let advisors = tags(&[&["suv"], &["ev"]], &mut numbers);
        let options = AssignOptions {
            affinity: Affinity::Jaccard,
            ..Default::default()
        };
        let (l, a) = (
            Side {
                tags: &leads,
                stores: None,
            },
            Side {
                tags: &advisors,
                stores: None,
            },
        );
        let placed = assign_leads(&l, &a, &[1, 1], &options).unwrap();
        assert_eq!(advisors_of(&placed), vec![Some(1), Some(0)]);
        let robin = AssignOptions {
            method: Method::RoundRobin,
            ..options
        };
        let placed = assign_leads(&l, &a, &[1, 1], &robin).unwrap();
        assert_eq!(advisors_of(&placed), vec![Some(0), Some(1)]);
    }

    #[test]
    fn stores_capacity_and_fairness() {
        let mut numbers = TagNumbers::default();
        let leads = tags(&[&["a"], &["a"], &["a"], &["a"], &["b"], &["a"]], &mut numbers);
        let advisors = tags(&[&["a"], &["b"], &["a"]], &mut numbers);
        let lead_stores = [Some(0), Some(0), Some(0), Some(0), None, Some(2)];
        let advisor_stores = [Some(0), Some(0), Some(1)];
        let l = Side {
            tags: &leads,
            stores: Some(&lead_stores),
        };
        let a = Side {
            tags: &advisors,
            stores: Some(&advisor_stores),
        };
        let placed = assign_leads(&l, &a, &[2, 1, 5], &AssignOptions::default()).unwrap();
        // Store 0: four leads who like advisor 0 (room for 2) and advisor 1
        // (room for 1); one is left over.
        assert_eq!(
            advisors_of(&placed[..4])
                .iter()
                .filter(|a| **a == Some(0))
                .count(),
            2
        );
        assert_eq!(
            advisors_of(&placed[..4])
                .iter()
                .filter(|a| **a == Some(1))
                .count(),
            1
        );
        assert_eq!(
            placed
                .iter()
                .filter(|p| **p == Placement::Unplaced(Unplaced::NoCapacity))
                .count(),
            1
        );
        assert_eq!(placed[4], Placement::Unplaced(Unplaced::NoStore));
        assert_eq!(placed[5], Placement::Unplaced(Unplaced::NoAdvisorInStore));

        // Without a floor, both leads go to the advisor they match; with a
        // full one (an equal share of 1 each), one goes to the other.
        let leads = tags(&[&["a"], &["a"]], &mut numbers);
        let l = Side {
            tags: &leads,
            stores: None,
        };
        let advisors = tags(&[&["a"], &["b"]], &mut numbers);
        let a = Side {
            tags: &advisors,
            stores: None,
        };
        let placed = assign_leads(&l, &a, &[2, 2], &AssignOptions::default()).unwrap();
        assert_eq!(advisors_of(&placed), vec![Some(0), Some(0)]);
        let fair = AssignOptions {
            fairness: 1.0,
            ..Default::default()
        };
        let placed = assign_leads(&l, &a, &[2, 2], &fair).unwrap();
        let mut got = advisors_of(&placed);
        got.sort();
        assert_eq!(got, vec![Some(0), Some(1)]);
    }

    #[test]
    fn spread_ties_reach_more_advisors() {
        let mut numbers = TagNumbers::default();
        let none: &[&str] = &[];
        let leads = tags(&[none; 40], &mut numbers);
        let advisors = tags(&[none; 4], &mut numbers);
        let (l, a) = (
            Side {
                tags: &leads,
                stores: None,
            },
            Side {
                tags: &advisors,
                stores: None,
            },
        );
        let first = assign_leads(&l, &a, &[40; 4], &AssignOptions::default()).unwrap();
        assert!(advisors_of(&first).iter().all(|a| *a == Some(0)));
        let spread = AssignOptions {
            tie_break: TieBreak::Spread,
            ..Default::default()
        };
        let placed = assign_leads(&l, &a, &[40; 4], &spread).unwrap();
        let used: std::collections::BTreeSet<_> = advisors_of(&placed).into_iter().collect();
        assert_eq!(used.len(), 4);
    }
}
