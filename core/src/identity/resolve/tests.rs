//! The resolver's tests: rows in, persons and statuses out.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{ArrayRef, StringArray};
use hashbrown::HashSet;

use super::*;
use crate::identity::evidence::Reason;
use crate::identity::records::RecordStatus;
use crate::identity::test_worlds::{WorldRow, random_world};

type Row<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

fn resolve_batches(batches: &[Vec<Row>], rules: &Rules, previous: &[(&str, &str, i64)]) -> Resolution {
    let mut builder = IdentityGraphBuilder::new(rules).unwrap();
    for rows in batches {
        let records: ArrayRef = Arc::new(rows.iter().map(|r| r.0).collect::<StringArray>());
        let types: ArrayRef = Arc::new(rows.iter().map(|r| r.1).collect::<StringArray>());
        let values: ArrayRef = Arc::new(rows.iter().map(|r| r.2).collect::<StringArray>());
        builder.add_batch(&records, &types, &values, None, None).unwrap();
    }
    builder.resolve(rules, previous.iter().copied()).unwrap()
}

fn resolve(rows: &[(&str, &str, &str)]) -> HashMap<String, (i64, u32, Status)> {
    let rows: Vec<Row> = rows
        .iter()
        .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
        .collect();
    table(&resolve_batches(&[rows], &Rules::default(), &[]))
}

fn table(resolution: &Resolution) -> HashMap<String, (i64, u32, Status)> {
    resolution
        .iter()
        .map(|r| {
            (
                format!("{}:{}", r.id_type, r.id_value),
                (r.one_id, r.cluster_size, r.status),
            )
        })
        .collect()
}

#[test]
fn identifiers_of_one_record_are_one_person() {
    let out = resolve(&[
        ("crm1", "crm_id", "C1"),
        ("crm1", "phone", "+8613800138000"),
        ("lead1", "phone", "+8613800138000"),
        ("lead1", "wechat_openid", "oABC"),
        ("lead2", "device_id", "D9"),
    ]);
    let person = out["crm_id:C1"].0;
    assert_eq!(out["phone:+8613800138000"], (person, 3, Status::Merged));
    assert_eq!(out["wechat_openid:oABC"], (person, 3, Status::Merged));
    assert_eq!(out["device_id:D9"].1, 1);
    assert_eq!(out["device_id:D9"].2, Status::Singleton);
    assert_ne!(out["device_id:D9"].0, person);
    assert!(person > 0);
}

#[test]
fn one_id_depends_on_the_rows_not_their_order_or_batches() {
    let mut rows: Vec<(String, &str, String)> = Vec::new();
    for i in 0..300 {
        rows.push((format!("r{i}"), "phone", format!("p{}", i % 97)));
        rows.push((format!("r{i}"), "email", format!("e{}", i % 89)));
        rows.push((format!("r{i}"), "device_id", format!("d{}", i % 53)));
    }
    fn as_rows<'a>(rows: &'a [(String, &'a str, String)]) -> Vec<Row<'a>> {
        rows.iter()
            .map(|(r, t, v)| (Some(r.as_str()), Some(*t), Some(v.as_str())))
            .collect()
    }
    let expected = table(&resolve_batches(&[as_rows(&rows)], &Rules::default(), &[]));
    let mut shuffled = rows.clone();
    // A fixed permutation: reverse, then interleave halves.
    shuffled.reverse();
    let (a, b) = shuffled.split_at(shuffled.len() / 2);
    let interleaved: Vec<_> = a
        .iter()
        .zip(b)
        .flat_map(|(x, y)| [y.clone(), x.clone()])
        .collect();
    let batches: Vec<Vec<Row>> = interleaved.chunks(37).map(as_rows).collect();
    assert_eq!(
        table(&resolve_batches(&batches, &Rules::default(), &[])),
        expected
    );
}

#[test]
fn an_identifier_linked_to_too_many_is_shared() {
    let mut rows = Vec::new();
    let names: Vec<(String, String)> = (0..60)
        .map(|i| (format!("lead{i}"), format!("+86138{i:08}")))
        .collect();
    for (record, phone) in &names {
        rows.push((record.as_str(), "device_id", "TABLET-S001"));
        rows.push((record.as_str(), "phone", phone.as_str()));
    }
    let out = resolve(&rows);
    assert_eq!(out["device_id:TABLET-S001"].2, Status::Shared);
    assert_eq!(out["device_id:TABLET-S001"].1, 1);
    let phone = &out["phone:+8613800000007"];
    assert_eq!((phone.1, phone.2), (1, Status::Singleton));
    let persons: HashSet<i64> = out.values().map(|v| v.0).collect();
    assert_eq!(persons.len(), 61, "60 customers and the tablet");
}

#[test]
fn a_persons_id_is_the_same_in_every_release() {
    // The hash of (type, 0xFF, value) of the anchor: a saved mapping and
    // a new run must agree without `previous`.
    let out = resolve(&[("crm:1", "phone", "+8613800138000")]);
    assert_eq!(out["phone:+8613800138000"].0, 5226281374670669972);
}

#[test]
fn a_new_person_never_takes_a_one_id_held_elsewhere() {
    // An incremental run resolves some persons only; the id a new one's
    // anchor hashes to may be held by a person outside the rows.
    let resolve_with = |taken: &dyn Fn(i64) -> bool| {
        let rules = Rules::default();
        let mut builder = IdentityGraphBuilder::new(&rules).unwrap();
        let column = |value: &str| -> ArrayRef { Arc::new(StringArray::from(vec![value])) };
        builder
            .add_batch(
                &column("crm:1"),
                &column("phone"),
                &column("+8613800138000"),
                None,
                None,
            )
            .unwrap();
        builder
            .resolve_retiring(&rules, std::iter::empty(), taken)
            .unwrap()
            .get(0)
            .one_id
    };
    assert_eq!(resolve_with(&|_| false), 5226281374670669972);
    let moved = resolve_with(&|one_id| one_id == 5226281374670669972);
    assert_ne!(moved, 5226281374670669972);
    assert!(moved > 0);
}

/// Resolves `(source, record, type, value)` rows with the record map.
fn resolve_sourced(rows: &[(&str, &str, &str, &str)], rules: &Rules) -> Resolution {
    let column = |field: usize| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some([r.0, r.1, r.2, r.3][field]))
                .collect::<StringArray>(),
        )
    };
    let mut builder = IdentityGraphBuilder::new(rules).unwrap().with_record_map();
    builder
        .add_batch(&column(1), &column(2), &column(3), Some(&column(0)), None)
        .unwrap();
    builder.resolve(rules, std::iter::empty()).unwrap()
}

/// `source:record` -> (one_id, status) of the record map.
fn record_map(resolution: &Resolution) -> HashMap<String, (Option<i64>, RecordStatus)> {
    let records = resolution.records().unwrap();
    (0..records.len())
        .map(|i| {
            (
                format!("{}:{}", records.source(i).unwrap_or("-"), records.record_id(i)),
                (records.one_ids()[i], records.statuses()[i]),
            )
        })
        .collect()
}

fn reason_of(resolution: &Resolution, id_type: &str, id_value: &str) -> Reason {
    resolution.reasons()[resolution.position(id_type, id_value).unwrap()]
}

const CRM_RECORDS_SHARING_A_PHONE: [(&str, &str, &str); 5] = [
    ("crm1", "crm_id", "C1"),
    ("crm1", "phone", "+8613800138000"),
    ("crm2", "crm_id", "C2"),
    ("crm2", "phone", "+8613800138000"),
    ("crm2", "email", "b@qq.com"),
];

#[test]
fn an_identifier_whose_records_disagree_is_shared() {
    // Two CRM customers give the same phone: one person holds one crm_id,
    // so the phone is no one's.
    let out = resolve(&CRM_RECORDS_SHARING_A_PHONE);
    assert_eq!(out["phone:+8613800138000"].2, Status::Shared);
    assert_eq!(out["phone:+8613800138000"].1, 1);
    assert_ne!(out["crm_id:C1"].0, out["crm_id:C2"].0);
    assert_eq!(
        out["crm_id:C2"].0, out["email:b@qq.com"].0,
        "crm2's own link stands"
    );
    let rows: Vec<Row> = CRM_RECORDS_SHARING_A_PHONE
        .iter()
        .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
        .collect();
    let resolution = resolve_batches(&[rows], &Rules::default(), &[]);
    assert_eq!(
        reason_of(&resolution, "phone", "+8613800138000"),
        Reason::SharedOnConflict
    );
}

#[test]
fn without_shared_on_conflict_a_merge_over_the_limit_is_refused() {
    let rules = Rules::from_json(r#"{"shared_on_conflict": false}"#).unwrap();
    let rows: Vec<Row> = CRM_RECORDS_SHARING_A_PHONE
        .iter()
        .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
        .collect();
    let resolution = resolve_batches(&[rows], &rules, &[]);
    let out = table(&resolution);
    // The phone merges with the crm_id that ranks first (by value hash);
    // the other would be a second crm_id, so that link is refused.
    let phone = out["phone:+8613800138000"].0;
    let (c1, c2) = (out["crm_id:C1"].0, out["crm_id:C2"].0);
    assert_eq!(out["phone:+8613800138000"].2, Status::Refused);
    assert_eq!(
        reason_of(&resolution, "phone", "+8613800138000"),
        Reason::MaxPerPerson
    );
    assert_ne!(c1, c2);
    assert!(
        (phone == c1) != (phone == c2),
        "the phone is with exactly one crm_id"
    );
    assert_eq!(c2, out["email:b@qq.com"].0, "crm2's own link stands");
    assert_eq!(out["crm_id:C2"].2, Status::Merged);
}

#[test]
fn a_phone_on_many_leads_is_shared_though_it_meets_almost_no_one() {
    // A salesperson's phone on 11 walk-in leads, one of which also holds
    // a customer's openid; the customer's own lead holds the openid and
    // the customer's phone.
    let leads: Vec<String> = (0..11).map(|i| format!("L{i}")).collect();
    let mut rows: Vec<(&str, &str, &str, &str)> = leads
        .iter()
        .map(|lead| ("lead", lead.as_str(), "phone", "+8613900000001"))
        .collect();
    rows.push(("lead", "L0", "wechat_openid", "oCUSTOMER"));
    rows.push(("lead", "L99", "wechat_openid", "oCUSTOMER"));
    rows.push(("lead", "L99", "phone", "+8613800138000"));
    let resolution = resolve_sourced(&rows, &Rules::default());
    assert_eq!(
        reason_of(&resolution, "phone", "+8613900000001"),
        Reason::MaxRecordsPerIdentifier
    );
    let out = table(&resolution);
    assert_eq!(out["phone:+8613900000001"].2, Status::Shared);
    assert_eq!(
        out["wechat_openid:oCUSTOMER"].1, 2,
        "the openid and the customer's phone"
    );
    let records = record_map(&resolution);
    assert_eq!(records["lead:L5"], (None, RecordStatus::Unlinked));
    assert_eq!(
        records["lead:L0"],
        (Some(out["wechat_openid:oCUSTOMER"].0), RecordStatus::Assigned),
        "the shared phone is set aside; the openid decides"
    );

    // The same rows as events are not counted.
    let events: Vec<_> = rows.iter().map(|&(_, r, t, v)| ("app", r, t, v)).collect();
    let resolution = resolve_sourced(&events, &Rules::default());
    assert_eq!(reason_of(&resolution, "phone", "+8613900000001"), Reason::None);
    // Limits are rules: here the phone may be on 11 records.
    let rules = Rules::from_json(r#"{"max_records_unconfirmed": 11}"#).unwrap();
    let resolution = resolve_sourced(&rows, &rules);
    assert_eq!(reason_of(&resolution, "phone", "+8613900000001"), Reason::None);
}

#[test]
fn a_phone_on_the_leads_of_two_named_persons_joins_neither() {
    // A salesperson's phone typed into two walk-in leads, each with its
    // customer's openid: without names, nothing tells it from a customer's
    // own phone on two of their leads.
    let rows = [
        ("lead", "L1", "phone", "+8613900000001", "王先生"),
        ("lead", "L1", "wechat_openid", "oWANG", "王先生"),
        ("lead", "L2", "phone", "+8613900000001", "李娜"),
        ("lead", "L2", "wechat_openid", "oLI", "李娜"),
        // The customer's own phone on two leads, one typed in pinyin.
        ("lead", "L3", "phone", "+8613800138000", "张伟"),
        ("lead", "L4", "phone", "+8613800138000", "Zhang Wei"),
        ("lead", "L4", "wechat_openid", "oZHANG", "Zhang Wei"),
    ];
    let resolution = resolve_named(&rows, &Rules::default());
    assert_eq!(
        reason_of(&resolution, "phone", "+8613900000001"),
        Reason::NameDisagreement
    );
    let out = table(&resolution);
    assert_eq!(out["phone:+8613900000001"].2, Status::Shared);
    assert_ne!(out["wechat_openid:oWANG"].0, out["wechat_openid:oLI"].0);
    assert_eq!(out["wechat_openid:oZHANG"].0, out["phone:+8613800138000"].0);
    let records = record_map(&resolution);
    assert_eq!(
        records["lead:L2"],
        (Some(out["wechat_openid:oLI"].0), RecordStatus::Assigned)
    );

    let rules = Rules::from_json(r#"{"shared_on_name_disagreement": false}"#).unwrap();
    let out = table(&resolve_named(&rows, &rules));
    assert_eq!(out["wechat_openid:oWANG"].0, out["wechat_openid:oLI"].0);
}

/// Resolves `(source, record_id, id_type, id_value, name)` rows with the
/// record map.
fn resolve_named(rows: &[(&str, &str, &str, &str, &str)], rules: &Rules) -> Resolution {
    let column = |field: usize| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| Some([r.0, r.1, r.2, r.3, r.4][field]))
                .collect::<StringArray>(),
        )
    };
    let mut builder = IdentityGraphBuilder::new(rules).unwrap().with_record_map();
    builder
        .add_batch(
            &column(1),
            &column(2),
            &column(3),
            Some(&column(0)),
            Some(&column(4)),
        )
        .unwrap();
    builder.resolve(rules, std::iter::empty()).unwrap()
}

#[test]
fn a_record_whose_other_identifier_confirms_another_name_does_not_join() {
    // 黄刚静's phone on her leads and, mistyped, on 王依芳's CRM record,
    // whose crm_id her order names too. 黄刚静's CRM record carries a
    // nickname beside her own e-mail: a nickname no other record repeats.
    let rows = [
        ("lead", "L1", "phone", "+8613900000001", "黄刚静"),
        ("lead", "L2", "phone", "+8613900000001", "黄女士"),
        ("lead", "L3", "phone", "+8613900000001", "Gangjing Huang"),
        ("lead", "L3", "email", "huang@example.com", "Gangjing Huang"),
        ("crm", "C1", "phone", "+8613900000001", "王依芳"),
        ("crm", "C1", "crm_id", "C000001", "王依芳"),
        ("order", "O1", "crm_id", "C000001", "王依芳"),
        ("crm", "C2", "phone", "+8613900000001", "李娜"),
        ("crm", "C2", "email", "huang@example.com", "李娜"),
    ];
    let resolution = resolve_named(&rows, &Rules::default());
    let out = table(&resolution);
    let huang = out["phone:+8613900000001"].0;
    assert_eq!(out["phone:+8613900000001"].2, Status::Merged);
    assert_ne!(out["crm_id:C000001"].0, huang, "王依芳 is someone else");
    assert_eq!(out["email:huang@example.com"].0, huang, "a nickname joins");
    let records = record_map(&resolution);
    assert_eq!(
        records["crm:C1"],
        (Some(out["crm_id:C000001"].0), RecordStatus::Assigned)
    );
    assert_eq!(records["crm:C2"], (Some(huang), RecordStatus::Assigned));
    // Without the rule, the mistyped phone joins the two.
    let rules = Rules::from_json(r#"{"shared_on_name_disagreement": false}"#).unwrap();
    let out = table(&resolve_named(&rows, &rules));
    assert_eq!(out["crm_id:C000001"].0, out["phone:+8613900000001"].0);
}

#[test]
fn an_identifier_another_source_confirms_may_sit_on_more_records() {
    // A customer's phone on 30 leads and a CRM record: within the limit
    // of 30 records per source. On 31 leads it is too many.
    let leads: Vec<String> = (0..31).map(|i| format!("L{i}")).collect();
    let mut rows: Vec<(&str, &str, &str, &str)> = vec![("crm", "C1", "phone", "+8613800138000")];
    rows.extend(
        leads
            .iter()
            .map(|lead| ("lead", lead.as_str(), "phone", "+8613800138000")),
    );
    let resolution = resolve_sourced(&rows[..31], &Rules::default());
    assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
    let resolution = resolve_sourced(&rows, &Rules::default());
    assert_eq!(
        reason_of(&resolution, "phone", "+8613800138000"),
        Reason::MaxRecordsPerIdentifier
    );
    // A type's own limit overrides the default.
    let rules = Rules::from_json(r#"{"types": {"phone": {"max_records_per_identifier": 31}}}"#).unwrap();
    let resolution = resolve_sourced(&rows, &rules);
    assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
}

#[test]
fn records_are_counted_per_source() {
    // 8 leads and 8 orders: each source confirms the other, and 8 is
    // within the limit of 30 records per source.
    let ids: Vec<String> = (0..8).map(|i| format!("R{i}")).collect();
    let rows: Vec<(&str, &str, &str, &str)> = ids
        .iter()
        .flat_map(|id| {
            [
                ("lead", id.as_str(), "phone", "+8613800138000"),
                ("order", id.as_str(), "phone", "+8613800138000"),
            ]
        })
        .collect();
    let resolution = resolve_sourced(&rows, &Rules::default());
    assert_eq!(reason_of(&resolution, "phone", "+8613800138000"), Reason::None);
    let records = record_map(&resolution);
    assert_eq!(records.len(), 16, "lead R1 and order R1 are two records");
    let person = table(&resolution)["phone:+8613800138000"].0;
    assert!(
        records
            .values()
            .all(|&r| r == (Some(person), RecordStatus::Assigned))
    );
}

#[test]
fn every_record_is_mapped_even_without_identifiers() {
    let rules = Rules::from_json(r#"{"shared_on_conflict": false}"#).unwrap();
    let rows: Vec<Row> = vec![
        (Some("crm1"), Some("crm_id"), Some("C1")),
        (Some("crm1"), Some("phone"), Some("+8613800138000")),
        (Some("crm2"), Some("crm_id"), Some("C2")),
        (Some("crm2"), Some("email"), Some("b@qq.com")),
        // The phone goes to one crm_id; the email's link to it is refused.
        (Some("lead1"), Some("phone"), Some("+8613800138000")),
        (Some("lead1"), Some("email"), Some("b@qq.com")),
        (Some("lead2"), Some("phone"), Some("unknown")),
        (Some("lead3"), Some("phone"), None),
        (Some(""), Some("phone"), Some("+8613900000002")),
    ];
    let mut builder = IdentityGraphBuilder::new(&rules).unwrap().with_record_map();
    let column = |field: usize| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| [r.0, r.1, r.2][field])
                .collect::<StringArray>(),
        )
    };
    builder
        .add_batch(&column(0), &column(1), &column(2), None, None)
        .unwrap();
    let resolution = builder.resolve(&rules, std::iter::empty()).unwrap();
    let out = table(&resolution);
    let records = record_map(&resolution);
    assert_eq!(records.len(), 6);
    assert_eq!(
        records["-:crm1"],
        (Some(out["crm_id:C1"].0), RecordStatus::Assigned)
    );
    assert_eq!(
        records["-:crm2"],
        (Some(out["crm_id:C2"].0), RecordStatus::Assigned)
    );
    // Its strongest identifier is the phone (priority 30 before 40).
    assert_eq!(
        records["-:lead1"],
        (Some(out["phone:+8613800138000"].0), RecordStatus::Conflict)
    );
    assert_eq!(
        records["-:lead2"],
        (None, RecordStatus::Unlinked),
        "only a blocked value"
    );
    assert_eq!(
        records["-:lead3"],
        (None, RecordStatus::Unlinked),
        "only a NULL value"
    );
    assert_eq!(
        records["-:"].1,
        RecordStatus::Assigned,
        "an empty record id is an id"
    );
}

#[test]
fn integer_record_ids_come_back_in_decimal() {
    let mut builder = IdentityGraphBuilder::new(&Rules::default())
        .unwrap()
        .with_record_map();
    let records: ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![-7, 42]));
    let s = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    builder
        .add_batch(&records, &s(&["phone", "phone"]), &s(&["P", "P"]), None, None)
        .unwrap();
    let resolution = builder.resolve(&Rules::default(), std::iter::empty()).unwrap();
    let map = record_map(&resolution);
    assert_eq!(map["-:-7"].1, RecordStatus::Assigned);
    assert_eq!(map["-:-7"], map["-:42"]);
}

#[test]
fn too_many_sources_is_an_error() {
    let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
    let ids: Vec<String> = (0..=MAX_SOURCES).map(|i| format!("r{i}")).collect();
    let strings = |v: &[String]| -> ArrayRef { Arc::new(StringArray::from_iter_values(v)) };
    let phone = vec!["phone".to_string(); ids.len()];
    let err = builder
        .add_batch(
            &strings(&ids),
            &strings(&phone),
            &strings(&ids),
            Some(&strings(&ids)),
            None,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("more than 64 distinct source values"),
        "{err}"
    );
}

#[test]
fn junk_values_are_blocked_and_nulls_lose_nothing() {
    let rows: Vec<Row> = vec![
        (Some("l1"), Some("phone"), Some("unknown")),
        (Some("l1"), Some("email"), Some("a@qq.com")),
        (Some("l2"), Some("phone"), Some("unknown")),
        (Some("l2"), Some("email"), Some("b@qq.com")),
        (None, Some("email"), Some("c@qq.com")),
        (Some("l3"), None, Some("x")),
        (Some("l3"), Some("email"), None),
    ];
    let resolution = resolve_batches(&[rows], &Rules::default(), &[]);
    let out = table(&resolution);
    assert_eq!(out["phone:unknown"].2, Status::Blocked);
    assert_ne!(out["email:a@qq.com"].0, out["email:b@qq.com"].0);
    assert_eq!(
        out["email:c@qq.com"].2,
        Status::Singleton,
        "a row without record still names an identifier"
    );
    assert_eq!(out.len(), 4);
    assert_eq!(resolution.stats.rows, 7);
    assert_eq!(resolution.stats.skipped_rows, 2);
}

#[test]
fn previous_ids_survive_merges_and_splits() {
    let first = resolve(&[
        ("a", "crm_id", "C1"),
        ("a", "phone", "P1"),
        ("b", "crm_id", "C2"),
        ("b", "phone", "P2"),
        ("c", "email", "E3"),
        ("c", "device_id", "D3"),
    ]);
    let previous: Vec<(String, String, i64)> = first
        .iter()
        .map(|(k, v)| {
            let (t, val) = k.split_once(':').unwrap();
            (t.to_string(), val.to_string(), v.0)
        })
        .collect();
    let previous: Vec<(&str, &str, i64)> = previous
        .iter()
        .map(|(t, v, id)| (t.as_str(), v.as_str(), *id))
        .collect();
    // Now: a new record joins P2 to E3 (person c merges into person b),
    // and D3 is no longer linked to E3 (person c splits).
    let rows: Vec<Row> = [
        ("a", "crm_id", "C1"),
        ("a", "phone", "P1"),
        ("b", "crm_id", "C2"),
        ("b", "phone", "P2"),
        ("d", "phone", "P2"),
        ("d", "email", "E3"),
        ("e", "device_id", "D3"),
        ("f", "email", "NEW"),
    ]
    .iter()
    .map(|&(r, t, v)| (Some(r), Some(t), Some(v)))
    .collect();
    let second = table(&resolve_batches(&[rows], &Rules::default(), &previous));
    assert_eq!(
        second["crm_id:C1"].0, first["crm_id:C1"].0,
        "unchanged person keeps its id"
    );
    assert_eq!(
        second["email:E3"].0, first["crm_id:C2"].0,
        "the merged person keeps the id most of it had"
    );
    assert_eq!(
        second["device_id:D3"].0, first["device_id:D3"].0,
        "the split-off part keeps c's id"
    );
    let all_previous: HashSet<i64> = first.values().map(|v| v.0).collect();
    assert!(
        !all_previous.contains(&second["email:NEW"].0),
        "a new person never reuses an old id"
    );
}

#[test]
fn conflicting_previous_ids_are_an_error() {
    let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
    let s = |v: &[&str]| -> ArrayRef { Arc::new(StringArray::from(v.to_vec())) };
    builder
        .add_batch(&s(&["r"]), &s(&["phone"]), &s(&["P"]), None, None)
        .unwrap();
    let err = builder
        .resolve(&Rules::default(), [("phone", "P", 1), ("phone", "P", 2)])
        .err()
        .unwrap();
    assert_eq!(
        err,
        ResolveError::PreviousConflict {
            id_type: "phone".into(),
            id_value: "P".into(),
            first: 1,
            second: 2,
        }
    );
    assert_eq!(
        err.to_string(),
        "the previous mapping gives phone 'P' two one_ids, 1 and 2"
    );
}

#[test]
fn wrong_column_types_are_explained() {
    let mut builder = IdentityGraphBuilder::new(&Rules::default()).unwrap();
    let s: ArrayRef = Arc::new(StringArray::from(vec!["x"]));
    let f: ArrayRef = Arc::new(arrow::array::Float64Array::from(vec![1.0]));
    assert!(
        builder
            .add_batch(&f, &s, &s, None, None)
            .unwrap_err()
            .to_string()
            .contains("record_id must be a string or an integer")
    );
    assert!(
        builder
            .add_batch(&s, &f, &s, None, None)
            .unwrap_err()
            .to_string()
            .contains("id_type must be a string")
    );
    assert!(
        builder
            .add_batch(&s, &s, &f, None, None)
            .unwrap_err()
            .to_string()
            .contains("id_value must be a string")
    );
}

#[test]
fn a_customers_phone_on_many_of_their_leads_is_confirmed_by_their_name() {
    // Eight leads, one source: over `max_records_unconfirmed` (5), within
    // the phone's limit (30). Their names are one person's.
    let names = [
        "杨亮颖",
        "杨女士",
        "",
        "Liangying Yang",
        "杨亮颖",
        "杨女士",
        "杨亮颖",
        "",
    ];
    let leads: Vec<String> = (0..names.len()).map(|i| format!("L{i}")).collect();
    let rows: Vec<_> = leads
        .iter()
        .zip(names)
        .map(|(lead, name)| ("lead", lead.as_str(), "phone", "+8618470937692", name))
        .collect();
    let resolution = resolve_named(&rows, &Rules::default());
    assert_eq!(reason_of(&resolution, "phone", "+8618470937692"), Reason::None);
    assert_eq!(table(&resolution)["phone:+8618470937692"].2, Status::Singleton);
    // Without names, or with another customer's name among them, nothing
    // confirms it.
    let rules = Rules::from_json(r#"{"shared_on_name_disagreement": false}"#).unwrap();
    let resolution = resolve_named(&rows, &rules);
    assert_eq!(
        reason_of(&resolution, "phone", "+8618470937692"),
        Reason::MaxRecordsPerIdentifier
    );
    let mut rows = rows;
    rows[2].4 = "王娜";
    let resolution = resolve_named(&rows, &Rules::default());
    assert_eq!(
        reason_of(&resolution, "phone", "+8618470937692"),
        Reason::MaxRecordsPerIdentifier
    );
}

#[test]
fn a_blank_record_between_two_named_persons_links_neither() {
    // 万强博's phone on two of her leads and on a blank one that also has
    // 周强宏's phone, mistyped; 周强宏's phone on his CRM record and a lead.
    let rows = [
        ("lead", "L1", "phone", "+8613600000001", "万强博"),
        ("lead", "L2", "phone", "+8613600000001", "万强博"),
        ("lead", "L3", "phone", "+8613600000001", ""),
        ("lead", "L3", "phone", "+8613617440129", ""),
        ("crm", "C1", "phone", "+8613617440129", "周强宏"),
        ("lead", "L4", "phone", "+8613617440129", "周先生"),
    ];
    let resolution = resolve_named(&rows, &Rules::default());
    let out = table(&resolution);
    assert_ne!(out["phone:+8613600000001"].0, out["phone:+8613617440129"].0);
    assert_eq!(out["phone:+8613600000001"].2, Status::Singleton);
    assert_eq!(record_map(&resolution)["lead:L3"].1, RecordStatus::Conflict);
    let rules = Rules::from_json(r#"{"shared_on_name_disagreement": false}"#).unwrap();
    let out = table(&resolve_named(&rows, &rules));
    assert_eq!(out["phone:+8613600000001"].0, out["phone:+8613617440129"].0);
}

fn builder_of(rows: &[&WorldRow], rules: &Rules) -> IdentityGraphBuilder {
    let column = |values: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(values)) };
    let mut builder = IdentityGraphBuilder::new(rules).unwrap();
    builder
        .add_batch(
            &column(rows.iter().map(|r| r.1.as_str()).collect()),
            &column(rows.iter().map(|r| r.2).collect()),
            &column(rows.iter().map(|r| r.3.as_str()).collect()),
            Some(&column(rows.iter().map(|r| r.0.as_str()).collect())),
            None,
        )
        .unwrap();
    builder
}

/// Each identifier's one_id, cluster size, status and reason.
fn outcomes(resolution: &Resolution) -> HashMap<(String, String), (i64, u32, Status, Reason)> {
    (0..resolution.len())
        .map(|i| {
            let r = resolution.get(i);
            (
                (r.id_type.to_string(), r.id_value.to_string()),
                (r.one_id, r.cluster_size, r.status, resolution.reasons()[i]),
            )
        })
        .collect()
}

/// What an incremental run rests on: the persons of some records, closed
/// over the identifiers that are not set aside, come out as in the whole
/// run when only their records are resolved, with every other identifier
/// on those records pinned to the reason the whole run found for it.
#[test]
fn pinned_evidence_resolves_a_closure_as_the_whole() {
    use rand::{Rng, SeedableRng};
    let strict = r#"{"max_identifier_degree": 12, "max_links_per_type": 3, "max_records_per_identifier": 6,
        "max_records_unconfirmed": 3, "block": {"values": ["00000000"]}}"#;
    let refusing =
        r#"{"shared_on_conflict": false, "max_records_unconfirmed": 4, "block": {"values": ["00000000"]}}"#;
    let (mut pins, mut closed, mut identifiers, mut differs_unpinned) = (0, 0, 0, 0);
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..40u64 {
        let rules = Rules::from_json(if seed % 2 == 0 { strict } else { refusing }).unwrap();
        let rows = random_world(seed);
        let all: Vec<_> = rows.iter().collect();
        let whole = outcomes(
            &builder_of(&all, &rules)
                .resolve(&rules, std::iter::empty())
                .unwrap(),
        );
        let excluded = |id: &(String, String)| whole[id].2 >= Status::Shared;
        // Components of the identifiers not set aside, joined by records.
        let key = |row: &WorldRow| (row.2.to_string(), row.3.clone());
        let mut component: HashMap<(String, String), (String, String)> = HashMap::new();
        fn find(
            component: &mut HashMap<(String, String), (String, String)>,
            id: &(String, String),
        ) -> (String, String) {
            let parent = component.get(id).cloned().unwrap_or_else(|| id.clone());
            if &parent == id {
                return parent;
            }
            let root = find(component, &parent);
            component.insert(id.clone(), root.clone());
            root
        }
        let mut by_record: HashMap<&str, Vec<(String, String)>> = HashMap::new();
        for row in &rows {
            by_record.entry(row.1.as_str()).or_default().push(key(row));
        }
        for ids in by_record.values() {
            let kept: Vec<_> = ids.iter().filter(|id| !excluded(id)).collect();
            for pair in kept.windows(2) {
                let (a, b) = (find(&mut component, pair[0]), find(&mut component, pair[1]));
                if a != b {
                    component.insert(a, b);
                }
            }
        }
        // The records a day touches, and the persons of their identifiers.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 1000);
        let touched: Vec<&str> = by_record
            .keys()
            .copied()
            .filter(|_| rng.random_bool(0.1))
            .collect();
        let roots: HashSet<_> = touched
            .iter()
            .flat_map(|r| by_record[r].iter())
            .filter(|id| !excluded(id))
            .map(|id| find(&mut component, id))
            .collect();
        let closure: HashSet<(String, String)> = whole
            .keys()
            .filter(|id| !excluded(id) && roots.contains(&find(&mut component, id)))
            .cloned()
            .collect();
        let records: HashSet<&str> = rows
            .iter()
            .filter(|r| closure.contains(&key(r)))
            .map(|r| r.1.as_str())
            .collect();
        let subset: Vec<_> = rows.iter().filter(|r| records.contains(r.1.as_str())).collect();
        let outside: HashSet<(String, String)> = subset
            .iter()
            .map(|r| key(r))
            .filter(|id| !closure.contains(id))
            .collect();
        let mut builder = builder_of(&subset, &rules);
        for id in &outside {
            assert!(
                excluded(id),
                "seed {seed}: {id:?} is on a closure record, not set aside, yet outside"
            );
            builder.pin(&id.0, &id.1, Reason::None, whole[id].3);
        }
        let part = outcomes(&builder.resolve(&rules, std::iter::empty()).unwrap());
        for id in &closure {
            assert_eq!(part[id], whole[id], "seed {seed}: {id:?}");
            seen.insert(whole[id].2);
        }
        seen.extend(outside.iter().map(|id| whole[id].2));
        let unpinned = outcomes(
            &builder_of(&subset, &rules)
                .resolve(&rules, std::iter::empty())
                .unwrap(),
        );
        differs_unpinned += closure.iter().any(|id| unpinned[id] != whole[id]) as usize;
        pins += outside.len();
        closed += closure.len();
        identifiers += whole.len();
    }
    // The case is not trivial: identifiers were pinned, closures were
    // parts of their worlds, and without the pins the answer is wrong.
    assert!(pins > 100, "{pins} pins");
    assert!(
        closed * 2 < identifiers,
        "{closed} of {identifiers} identifiers closed over"
    );
    assert!(
        differs_unpinned >= 20,
        "{differs_unpinned} of 40 worlds need their pins"
    );
    for status in [
        Status::Singleton,
        Status::Merged,
        Status::Refused,
        Status::Shared,
        Status::Blocked,
    ] {
        assert!(
            seen.contains(&status),
            "no {status:?} identifier in or beside a closure"
        );
    }
}
