//! One-ID against the generator's ground truth: pairwise precision and
//! recall of "these two identifiers are the same person".

use cdpfusion_tests::{dataset_session, query_i64, run_demo_step};

const PERSONS: u64 = 20_000;

/// Pair counts over identifiers both the result and the truth know:
/// predicted (same one_id), actual (same person_key), and both.
const PAIR_COUNTS: &str = "
WITH known AS (
  SELECT o.one_id, t.person_key
  FROM one_id o JOIN truth_identities t ON t.id_type = o.id_type AND t.id_value = o.id_value
  WHERE t.person_key IS NOT NULL
)
SELECT (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM known GROUP BY one_id)) AS predicted,
       (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM known GROUP BY person_key)) AS actual,
       (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM known GROUP BY one_id, person_key)) AS agreed";

#[tokio::test]
async fn precision_and_recall_on_generated_data() {
    let ctx = dataset_session(PERSONS).await;
    run_demo_step(&ctx, "02_identifier_links.sql").await;
    ctx.sql("CREATE TABLE one_id AS SELECT * FROM resolve_identities('SELECT * FROM identifier_links')")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();

    let batches = ctx.sql(PAIR_COUNTS).await.unwrap().collect().await.unwrap();
    let rows = cdpfusion_tests::format_rows(&batches).unwrap();
    let counts: Vec<f64> = rows[0].iter().map(|v| v.parse().unwrap()).collect();
    let (predicted, actual, agreed) = (counts[0], counts[1], counts[2]);
    let precision = agreed / predicted;
    let recall = agreed / actual;
    println!(
        "pairs: predicted {predicted}, actual {actual}, agreed {agreed}; precision {precision:.4}, recall {recall:.4}"
    );
    assert!(precision >= 0.995, "precision {precision:.4}");
    // What is left unlinked (0.8%) are records no rule could link: a CRM
    // record whose only phone is mistyped, a survey's second number.
    assert!(recall >= 0.99, "recall {recall:.4}");

    // Every planted shared identifier that appears is kept out of merging.
    let not_kept_out = query_i64(
        &ctx,
        "SELECT count(*) FROM one_id o JOIN truth_identities t
           ON t.person_key IS NULL AND t.id_type = o.id_type AND t.id_value = o.id_value
         WHERE o.status NOT IN ('shared', 'blocked')",
    )
    .await;
    assert_eq!(not_kept_out, 0);
    let shared = query_i64(&ctx, "SELECT count(*) FROM one_id WHERE status = 'shared'").await;
    let planted = query_i64(
        &ctx,
        "SELECT count(*) FROM one_id o JOIN truth_identities t
           ON t.person_key IS NULL AND t.id_type = o.id_type AND t.id_value = o.id_value",
    )
    .await;
    assert!(
        planted > 0 && shared >= planted - 1,
        "shared {shared}, planted and present {planted}"
    );
}
