//! A world appended day by day has, after every day, the persons of one run
//! over all of its rows with the graph's mapping as `previous`.

use std::collections::HashMap;

use rand::{Rng, SeedableRng};

use super::*;
use crate::identity::resolve::Status;
use crate::identity::test_worlds::random_world;

fn text_record(source: &str, record_id: &str) -> Option<RecordKey> {
    Some(RecordKey {
        source: Some(source.to_string()),
        record_id: RecordId::Text(record_id.to_string()),
    })
}

fn row(record: Option<RecordKey>, id_type: &str, id_value: &str) -> AppendRow {
    AppendRow {
        record,
        identifier: (id_type.to_string(), id_value.to_string()),
    }
}

/// Each identifier's one_id, cluster size, status and reason in one run
/// over `rows`.
fn whole_run(
    rows: &[AppendRow],
    rules: &Rules,
    previous: &[(String, String, i64)],
) -> HashMap<IdentifierKey, (i64, u32, Status, Reason)> {
    let closure = Closure {
        rows: rows.to_vec(),
        pinned: Vec::new(),
        previous: Vec::new(),
        opened: 0,
        records_read: 0,
    };
    let previous = previous.iter().map(|(t, v, id)| (t.as_str(), v.as_str(), *id));
    let resolution = closure.builder(rules).unwrap().resolve(rules, previous).unwrap();
    resolution
        .iter()
        .zip(resolution.reasons())
        .map(|(r, &reason)| {
            (
                (r.id_type.to_string(), r.id_value.to_string()),
                (r.one_id, r.cluster_size, r.status, reason),
            )
        })
        .collect()
}

/// Appends `days` one by one and checks the graph against a whole run after
/// each. Returns the rows resolved and the pinned reasons weaker than a
/// whole run's.
fn append_days(days: &[Vec<AppendRow>], rules: &Rules, context: &str) -> (usize, usize) {
    let mut graph = MemoryGraph::default();
    let mut all: Vec<AppendRow> = Vec::new();
    let (mut resolved, mut weaker) = (0, 0);
    for (d, day) in days.iter().enumerate() {
        let previous: Vec<(String, String, i64)> = graph
            .one_ids()
            .map(|(t, v, id)| (t.to_string(), v.to_string(), id))
            .collect();
        let appended = append(&graph, day, rules).unwrap();
        resolved += appended.stats.rows;
        graph.apply(day, &appended.resolution);
        all.extend(day.iter().cloned());
        let whole = whole_run(&all, rules, &previous);
        assert_eq!(graph.len(), whole.len(), "{context} day {d}: identifiers");
        for (key, &(one_id, cluster_size, status, reason)) in &whole {
            let stored = graph.get(key).unwrap();
            assert_eq!(
                (stored.one_id, stored.cluster_size, stored.status),
                (one_id, cluster_size, status),
                "{context} day {d}: {key:?}"
            );
            if stored.reason != reason {
                assert!(
                    stored.reason.excludes() && stored.reason < reason,
                    "{context} day {d}: {key:?} has reason {:?}, a whole run {reason:?}",
                    stored.reason
                );
                weaker += 1;
            }
        }
    }
    (resolved, weaker)
}

/// Random worlds cut into ten days in random orders, records now and then
/// split over days (a record that gains identifiers), with every status
/// turning: identifiers become shared, merges are refused, persons merge
/// and split.
#[test]
fn days_appended_give_the_persons_of_one_run_over_all_rows() {
    let strict = r#"{"max_identifier_degree": 12, "max_links_per_type": 3, "max_records_per_identifier": 6,
        "max_records_unconfirmed": 3, "block": {"values": ["00000000"]}}"#;
    let refusing =
        r#"{"shared_on_conflict": false, "max_records_unconfirmed": 4, "block": {"values": ["00000000"]}}"#;
    let (mut resolved, mut rows, mut weaker) = (0, 0, 0);
    for seed in 0..24u64 {
        let rules = Rules::from_json(if seed % 2 == 0 { strict } else { refusing }).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 7000);
        let mut day_of_record: HashMap<String, usize> = HashMap::new();
        let mut days: Vec<Vec<AppendRow>> = vec![Vec::new(); 10];
        for (source, record, id_type, id_value) in random_world(seed) {
            let record_day = *day_of_record
                .entry(record.clone())
                .or_insert_with(|| rng.random_range(0..10));
            let day = if rng.random_bool(0.1) {
                rng.random_range(0..10)
            } else {
                record_day
            };
            days[day].push(row(text_record(&source, &record), id_type, &id_value));
        }
        // An identifier without a record names itself and links nothing.
        days[rng.random_range(0..10)].push(row(None, "phone", "P0a"));
        rows += days.iter().map(Vec::len).sum::<usize>();
        let (r, w) = append_days(&days, &rules, &format!("seed {seed}"));
        resolved += r;
        weaker += w;
    }
    // The appends resolved parts of the graph, not the whole of it each day
    // (a whole run each day would resolve about 5.5 times the rows).
    assert!(resolved * 2 < rows * 11, "{resolved} rows resolved for {rows}");
    eprintln!(
        "{resolved} rows resolved for {rows} rows appended; {weaker} pinned reasons weaker than a whole run's"
    );
}

/// A record of more identifiers than the clique limit links them all to
/// its strongest; a stronger one arriving takes those links over, and the
/// identifier that held them is no longer shared. An exclusion the day
/// can lift, so the record's identifiers are resolved again.
#[test]
fn a_record_past_the_clique_limit_that_gains_a_stronger_identifier_is_resolved_again() {
    let rules = Rules::from_json(
        r#"{"shared_on_conflict": false, "max_identifier_degree": 12, "max_links_per_type": 100}"#,
    )
    .unwrap();
    let record = text_record("crm", "r1");
    let tags: Vec<AppendRow> = (0..17)
        .map(|i| row(record.clone(), "tag", &format!("t{i:02}")))
        .collect();
    let stronger = vec![row(record.clone(), "crm_id", "C1")];
    let days = [tags, stronger];
    append_days(&days, &rules, "clique");
    // The tag that anchored the record's links: shared by degree after
    // the first day, alone and not shared after the second.
    let mut graph = MemoryGraph::default();
    let mut shared = Vec::new();
    for day in &days {
        let appended = append(&graph, day, &rules).unwrap();
        graph.apply(day, &appended.resolution);
        let mut today: Vec<&str> = days
            .iter()
            .flatten()
            .filter(|r| {
                graph
                    .get(&r.identifier)
                    .is_some_and(|s| s.status == Status::Shared)
            })
            .map(|r| r.identifier.1.as_str())
            .collect();
        today.sort_unstable();
        shared.push(today);
    }
    assert_eq!(shared[0].len(), 1, "{shared:?}");
    assert!(shared[0][0].starts_with('t'), "{shared:?}");
    assert_eq!(shared[1], vec!["C1"]);
}
