//! A persistent identity graph fed day by day has the persons of one
//! `resolve_identities` run over all the links, whatever order the days come
//! in: generated links split into ten days, appended in three orders.

use cdpfusion_tests::{dataset_session, query_i64, run_demo_step};
use datafusion::prelude::SessionContext;

const PERSONS: u64 = 3_000;
const DAYS: usize = 10;

async fn run(ctx: &SessionContext, sql: &str) {
    cdpfusion::sql(ctx, sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Each identifier with its status and its person, named by the person's
/// first identifier: equal for two results with the same persons.
fn persons_of(table: &str) -> String {
    format!(
        "SELECT id_type, id_value, status, min(id_type || ':' || id_value) OVER (PARTITION BY one_id) AS person FROM {table}"
    )
}

#[tokio::test]
async fn ten_days_in_any_order_make_the_persons_of_one_run() {
    let ctx = dataset_session(PERSONS).await;
    run_demo_step(&ctx, "02_identifier_links.sql").await;
    // A record's day from its id: a record's links arrive together.
    run(
        &ctx,
        "CREATE TABLE dated_links AS SELECT *, (ascii(substr(md5(record_id), 1, 1)) * 31 + ascii(substr(md5(record_id), 2, 1))) % 10 AS day FROM identifier_links",
    )
    .await;
    // Without shared_on_conflict a merge over max_per_person is refused
    // instead: days then bring refused merges too.
    const REFUSING: &str = r#"{"shared_on_conflict": false}"#;
    for (rules, table) in [(None, "one_run"), (Some(REFUSING), "one_run_refusing")] {
        let rules_argument = rules.map_or(String::new(), |r| format!(", '{r}'"));
        run(
            &ctx,
            &format!(
                "CREATE TABLE {table} AS SELECT * FROM resolve_identities('SELECT record_id, source, id_type, id_value, name FROM dated_links'{rules_argument})"
            ),
        )
        .await;
    }
    let mut became_shared = 0;
    let mut became_refused = 0;
    let random_order = [3, 7, 0, 9, 5, 1, 8, 2, 6, 4];
    for (n, (order, rules)) in [
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], None),
        ([9, 8, 7, 6, 5, 4, 3, 2, 1, 0], None),
        (random_order, None),
        (random_order, Some(REFUSING)),
    ]
    .iter()
    .enumerate()
    {
        assert_eq!(order.len(), DAYS);
        let graph = format!("days_{n}");
        let (with_rules, one_run) = match rules {
            Some(rules) => (format!(" WITH RULES '{rules}'"), "one_run_refusing"),
            None => (String::new(), "one_run"),
        };
        let day = |d: usize| {
            format!("SELECT record_id, source, id_type, id_value, name FROM dated_links WHERE day = {d}")
        };
        run(
            &ctx,
            &format!("CREATE IDENTITY GRAPH {graph}{with_rules} AS {}", day(order[0])),
        )
        .await;
        for &d in &order[1..] {
            run(
                &ctx,
                &format!("CREATE OR REPLACE TABLE before AS SELECT * FROM identity_map('{graph}')"),
            )
            .await;
            run(&ctx, &format!("APPEND TO IDENTITY GRAPH {graph} {}", day(d))).await;
            let changed = |status: &str| {
                format!(
                    "SELECT count(*) FROM before b JOIN identity_map('{graph}') g USING (id_type, id_value) WHERE b.status <> '{status}' AND g.status = '{status}'"
                )
            };
            became_shared += query_i64(&ctx, &changed("shared")).await;
            became_refused += query_i64(&ctx, &changed("refused")).await;
        }
        let differing = query_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM (({g} EXCEPT {r}) UNION ALL ({r} EXCEPT {g}))",
                g = persons_of(&format!("identity_map('{graph}')")),
                r = persons_of(one_run),
            ),
        )
        .await;
        assert_eq!(
            differing, 0,
            "order {order:?}: identifiers whose person or status differ from one run"
        );
        let identifiers = query_i64(&ctx, &format!("SELECT count(*) FROM identity_map('{graph}')")).await;
        assert_eq!(
            identifiers,
            query_i64(&ctx, &format!("SELECT count(*) FROM {one_run}")).await
        );
    }
    // The days changed what earlier days had decided.
    assert!(became_shared > 0, "no day turned an identifier into a shared one");
    assert!(became_refused > 0, "no day brought a refused merge");
}
