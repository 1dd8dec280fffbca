//! A world appended day by day has, after every day, the persons of one run
//! over all of its rows with the graph's mapping as `previous`.

use hashbrown::HashMap;

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
        name: None,
    }
}

/// Each identifier's one_id, cluster size, status and reason in one run
/// over `rows`.
fn whole_run(
    rows: &[AppendRow],
    rules: &Rules,
    with_names: bool,
    previous: &[(String, String, i64)],
) -> HashMap<IdentifierKey, (i64, u32, Status, Reason)> {
    let previous = previous.iter().map(|(t, v, id)| (t.as_str(), v.as_str(), *id));
    let (builder, _) = Closure::default()
        .builder(&Reads::default(), rows, &DayHashes::of(rows), rules, with_names)
        .unwrap();
    let resolution = builder.resolve(rules, previous).unwrap();
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

/// What appending days took, summed.
#[derive(Default)]
struct Took {
    resolved: usize,
    weaker: usize,
    rounds: usize,
    appends: usize,
    /// Identifiers a whole run set aside for their names, on the last day.
    name_disagreements: usize,
    /// Memberships name dissent dropped, in the closures.
    dropped: usize,
}

/// Appends `days` one by one and checks the graph against a whole run after
/// each.
fn append_days(days: &[Vec<AppendRow>], rules: &Rules, with_names: bool, context: &str) -> Took {
    let mut graph = MemoryGraph::default();
    let mut all: Vec<AppendRow> = Vec::new();
    let mut took = Took::default();
    for (d, day) in days.iter().enumerate() {
        let previous: Vec<(String, String, i64)> = graph
            .one_ids()
            .map(|(t, v, id)| (t.to_string(), v.to_string(), id))
            .collect();
        let appended = append(&graph, day, rules, with_names).unwrap();
        took.resolved += appended.stats.rows;
        took.rounds += appended.stats.rounds;
        took.appends += 1;
        took.dropped += appended.dropped.len();
        graph.apply(day, &appended);
        all.extend(day.iter().cloned());
        let whole = whole_run(&all, rules, with_names, &previous);
        took.name_disagreements = whole
            .values()
            .filter(|outcome| outcome.3 == Reason::NameDisagreement)
            .count();
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
                took.weaker += 1;
            }
        }
    }
    took
}

/// A random world cut into ten days, records now and then split over
/// days (a record that gains identifiers, or a name).
fn random_days(seed: u64, with_names: bool) -> Vec<Vec<AppendRow>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 7000);
    let mut day_of_record: HashMap<String, usize> = HashMap::new();
    let mut days: Vec<Vec<AppendRow>> = vec![Vec::new(); 10];
    for (source, record, id_type, id_value, name) in random_world(seed) {
        let record_day = *day_of_record
            .entry(record.clone())
            .or_insert_with(|| rng.random_range(0..10));
        let day = if rng.random_bool(0.1) {
            rng.random_range(0..10)
        } else {
            record_day
        };
        let mut row = row(text_record(&source, &record), id_type, &id_value);
        row.name = name.filter(|_| with_names);
        days[day].push(row);
    }
    // An identifier without a record names itself and links nothing.
    days[rng.random_range(0..10)].push(row(None, "phone", "P0a"));
    days
}

const STRICT: &str = r#"{"max_identifier_degree": 12, "max_links_per_type": 3, "max_records_per_identifier": 6,
    "max_records_unconfirmed": 3, "block": {"values": ["00000000"]}}"#;
const REFUSING: &str =
    r#"{"shared_on_conflict": false, "max_records_unconfirmed": 4, "block": {"values": ["00000000"]}}"#;

/// Appends the days of random worlds and checks every day against a whole
/// run: identifiers become shared, merges are refused, persons merge and
/// split, and with names identifiers are set aside for their names and
/// records dissent.
fn days_of_random_worlds(with_names: bool) -> (Took, usize) {
    let (mut total, mut rows) = (Took::default(), 0);
    for seed in 0..24u64 {
        let rules = Rules::from_json(if seed % 2 == 0 { STRICT } else { REFUSING }).unwrap();
        let days = random_days(seed, with_names);
        rows += days.iter().map(Vec::len).sum::<usize>();
        let took = append_days(&days, &rules, with_names, &format!("seed {seed}"));
        total.resolved += took.resolved;
        total.weaker += took.weaker;
        total.rounds += took.rounds;
        total.appends += took.appends;
        total.name_disagreements += took.name_disagreements;
        total.dropped += took.dropped;
    }
    eprintln!(
        "{} rows resolved for {rows} rows appended; {} rounds in {} appends; {} pinned reasons weaker than a whole run's; \
         {} set aside for names, {} memberships dropped",
        total.resolved, total.rounds, total.appends, total.weaker, total.name_disagreements, total.dropped
    );
    (total, rows)
}

#[test]
fn days_appended_give_the_persons_of_one_run_over_all_rows() {
    let (took, rows) = days_of_random_worlds(false);
    // The appends resolved parts of the graph, not the whole of it each day
    // (a whole run each day would resolve about 5.5 times the rows).
    assert!(
        took.resolved * 2 < rows * 11,
        "{} rows resolved for {rows}",
        took.resolved
    );
}

#[test]
fn days_with_names_appended_give_the_persons_of_one_run_over_all_rows() {
    let (took, rows) = days_of_random_worlds(true);
    assert!(
        took.resolved * 2 < rows * 11,
        "{} rows resolved for {rows}",
        took.resolved
    );
    // The names did something: identifiers set aside for them, records
    // dropped from identifiers, closures resolved again.
    assert!(took.name_disagreements > 10, "{}", took.name_disagreements);
    assert!(took.dropped > 10, "{}", took.dropped);
    assert!(took.rounds > took.appends, "{} rounds", took.rounds);
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
    append_days(&days, &rules, false, "clique");
    // The tag that anchored the record's links: shared by degree after
    // the first day, alone and not shared after the second.
    let mut graph = MemoryGraph::default();
    let mut shared = Vec::new();
    for day in &days {
        let appended = append(&graph, day, &rules, false).unwrap();
        graph.apply(day, &appended);
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

fn named(record: &str, id_type: &str, id_value: &str, name: &str) -> AppendRow {
    let mut row = row(text_record("lead", record), id_type, id_value);
    row.name = Some(name.to_string());
    row
}

/// A set-aside phone's new record witnesses a dissent on one of its old
/// records: the dissenting record leaves another phone, whose links then
/// fall under the limit, and that phone joins its person. The witness is
/// opened, and the phone on the old record with it.
#[test]
fn a_new_record_of_a_set_aside_identifier_witnesses_a_dissent_on_an_old_one() {
    let rules = Rules::from_json(
        r#"{"max_identifier_degree": 3, "shared_on_conflict": false, "max_links_per_type": 100,
            "max_records_per_identifier": 20, "max_records_unconfirmed": 20}"#,
    )
    .unwrap();
    // 王磊's phone on three records with her devices, and on 李娜's lead
    // beside 李娜's phone: four links, shared. 李娜's phone is on four
    // more leads named 张伟: five links, shared, and 张伟 is its name.
    let mut first = vec![
        named("r1", "phone", "PY", "王磊"),
        named("r1", "device_id", "d1", "王磊"),
        named("r2", "phone", "PY", "王磊"),
        named("r2", "device_id", "d2", "王磊"),
        named("r3", "phone", "PY", "王磊"),
        named("r3", "device_id", "d3", "王磊"),
        named("r4", "phone", "PY", "李娜"),
        named("r4", "phone", "PW", "李娜"),
    ];
    for (i, record) in ["r5", "r6", "r7", "r8"].into_iter().enumerate() {
        first.push(named(record, "phone", "PW", "张伟"));
        first.push(named(record, "device_id", &format!("x{i}"), "张伟"));
    }
    // A new lead of 李娜 on her phone: r4 is hers, not 王磊's.
    let second = vec![
        named("r9", "phone", "PW", "李娜"),
        named("r9", "device_id", "x9", "李娜"),
    ];
    let days = [first, second];
    append_days(&days, &rules, true, "witness");
    let mut graph = MemoryGraph::default();
    let mut statuses = Vec::new();
    for day in &days {
        let appended = append(&graph, day, &rules, true).unwrap();
        graph.apply(day, &appended);
        let status = |value: &str| graph.get(&("phone".into(), value.into())).unwrap().status;
        statuses.push((status("PY"), status("PW")));
    }
    assert_eq!(
        statuses,
        vec![(Status::Shared, Status::Shared), (Status::Merged, Status::Shared)]
    );
    assert_eq!(graph.get(&("phone".into(), "PY".into())).unwrap().cluster_size, 4);
}

/// A graph kept as a stack of state files, each day's changes one more
/// file, now and then merged into one, holds after every day what the
/// in-memory graph holds.
#[test]
fn a_stack_of_state_files_keeps_what_the_memory_graph_keeps() {
    for seed in [1u64, 2, 3, 4] {
        let rules = Rules::from_json(if seed % 2 == 0 { STRICT } else { REFUSING }).unwrap();
        let mut memory = MemoryGraph::default();
        let mut stack: StateStack<Vec<u8>> = StateStack {
            files: Vec::new(),
            taken_one_ids: Vec::new(),
        };
        for (d, day) in random_days(seed, true).iter().enumerate() {
            let appended = append(&memory, day, &rules, true).unwrap();
            memory.apply(day, &appended);
            let appended = append(&stack, day, &rules, true).unwrap();
            let changes = changes(&stack, day, &appended).unwrap();
            stack.taken_one_ids = changes.taken_one_ids(&stack.taken_one_ids);
            stack
                .files
                .insert(0, StateFile::read(encode_state(&changes)).unwrap());
            if d % 4 == 3 {
                let merged = encode_state(&stack.merged().unwrap());
                stack.files = vec![StateFile::read(merged).unwrap()];
            }
            let stored = stack.all_identifiers().unwrap();
            assert_eq!(stored.len(), memory.len(), "seed {seed} day {d}");
            for (_, key, state) in &stored {
                assert_eq!(Some(state), memory.get(key), "seed {seed} day {d}: {key:?}");
            }
            let mut taken: Vec<i64> = memory.one_ids().map(|(_, _, one_id)| one_id).collect();
            taken.sort_unstable();
            taken.dedup();
            assert_eq!(stack.taken_one_ids, taken, "seed {seed} day {d}");
            assert!(
                taken
                    .iter()
                    .all(|&one_id| stack.one_id_taken(one_id) && memory.one_id_taken(one_id))
            );
        }
        assert_eq!(
            stack.files.len(),
            3,
            "merged after the eighth day, a file a day since"
        );
    }
}

#[test]
fn a_damaged_state_file_is_an_error_not_a_panic() {
    let rules = Rules::default();
    let day = vec![
        named("r1", "phone", "P1", "王磊"),
        named("r1", "email", "e1@qq.com", "王磊"),
    ];
    let empty: StateStack<Vec<u8>> = StateStack {
        files: Vec::new(),
        taken_one_ids: Vec::new(),
    };
    let appended = append(&empty, &day, &rules, true).unwrap();
    let bytes = encode_state(&changes(&empty, &day, &appended).unwrap());
    let whole = StateFile::read(bytes.clone()).unwrap();
    assert_eq!(whole.identifiers().count(), 2);
    for cut in [0, 7, 20, 40, bytes.len() - 1] {
        let cut_short = StateFile::read(bytes[..cut].to_vec());
        let read_all = cut_short.map(|file| {
            file.identifiers()
                .chain(file.identifiers())
                .map(|e| e.map(|_| ()))
                .collect::<Result<Vec<()>, _>>()
                .and_then(|_| {
                    file.records()
                        .map(|e| e.map(|_| ()))
                        .collect::<Result<Vec<()>, _>>()
                })
        });
        assert!(
            matches!(read_all, Err(_) | Ok(Err(_))),
            "a file cut to {cut} of {} bytes reads",
            bytes.len()
        );
    }
    let mut other = bytes.clone();
    other[0] = b'X';
    assert_eq!(
        StateFile::read(other).err().unwrap().to_string(),
        "the state file is damaged: it does not start as one"
    );
}

/// Links of the wrong shape are errors that name the column; NULL
/// identifiers are left out and NULL record ids kept, not lost.
#[test]
fn links_of_the_wrong_shape_are_told_and_nulls_are_not_lost() {
    use arrow::array::{ArrayRef, Float64Array, Int32Array, StringArray};
    use std::sync::Arc;
    let strings = |values: Vec<Option<&str>>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let ids: ArrayRef = Arc::new(Int32Array::from(vec![Some(7), None, Some(8)]));
    let rows = append_rows(
        &ids,
        &strings(vec![Some("phone"), Some("phone"), None]),
        &strings(vec![Some("P1"), Some("P2"), Some("P3")]),
        None,
        None,
    )
    .unwrap();
    assert_eq!(rows.len(), 2, "the row without an id_type names no identifier");
    assert_eq!(rows[0].record.as_ref().unwrap().record_id, RecordId::Integer(7));
    assert_eq!(rows[1].record, None, "a NULL record id keeps its identifier");
    let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0]));
    let error = append_rows(
        &floats,
        &strings(vec![Some("phone")]),
        &strings(vec![Some("P1")]),
        None,
        None,
    )
    .err()
    .unwrap();
    assert_eq!(
        error.to_string(),
        "record_id must be a string or a signed integer, got Float64"
    );
    let error = append_rows(
        &strings(vec![Some("r1")]),
        &floats,
        &strings(vec![Some("P1")]),
        None,
        None,
    )
    .err()
    .unwrap();
    assert_eq!(error.to_string(), "id_type must be a string, got Float64");
    // An empty day changes nothing.
    let appended = append(&MemoryGraph::default(), &[], &Rules::default(), true).unwrap();
    assert!(appended.resolution.is_empty() && appended.whole_records.is_empty());
}

#[test]
fn resolving_a_first_version_whole_is_appending_it_to_an_empty_graph() {
    for seed in 0..6 {
        let with_names = seed % 2 == 0;
        let rows: Vec<AppendRow> = random_days(seed, with_names).concat();
        let rules = Rules::from_json(STRICT).unwrap();
        let mut appended = MemoryGraph::default();
        appended.apply(&rows, &append(&appended, &rows, &rules, with_names).unwrap());
        let mut whole = MemoryGraph::default();
        whole.apply(&rows, &resolve_whole(&rows, &rules, with_names).unwrap());
        assert_eq!(whole.len(), appended.len(), "seed {seed}");
        let mut buffer = Vec::new();
        let mut records: Vec<KeyHash> = rows
            .iter()
            .filter_map(|r| r.record.as_ref().map(|k| record_hash(k, &mut buffer)))
            .collect();
        records.sort_unstable();
        records.dedup();
        assert_eq!(
            whole.records(&records).unwrap(),
            appended.records(&records).unwrap(),
            "seed {seed}"
        );
        for row in &rows {
            assert_eq!(
                whole.get(&row.identifier),
                appended.get(&row.identifier),
                "seed {seed}: {:?}",
                row.identifier
            );
        }
    }
}
