//! The demo's journey and value steps on generated data: every person gets a
//! stage, the funnel narrows step by step and the report flags one
//! bottleneck, satisfaction falls as the follow-up delay grows, and every
//! buyer gets a customer value and a segment, and the model of
//! satisfaction names the follow-up delay as its first driver, and the lead
//! assignment places every open lead and beats round-robin.

use std::collections::HashMap;

use cdpfusion::script::split_statements;
use cdpfusion_datagen::demo::DEMO_STEPS;
use cdpfusion_tests::{dataset_session, format_rows, query_i64};

#[tokio::test]
async fn demo_journey_steps_report_what_the_generator_planted() {
    let ctx = dataset_session(5_000).await;
    let mut results = HashMap::new();
    for (file, script) in DEMO_STEPS {
        let mut outputs = Vec::new();
        for statement in split_statements(script).unwrap() {
            outputs.push(
                cdpfusion::sql(&ctx, &statement)
                    .await
                    .unwrap()
                    .collect()
                    .await
                    .unwrap(),
            );
        }
        results.insert(*file, outputs);
    }
    let funnel = &results["07_funnel.sql"];

    let persons_with_events = query_i64(
        &ctx,
        "SELECT count(DISTINCT one_id) FROM events WHERE one_id IS NOT NULL",
    )
    .await;
    let staged = query_i64(&ctx, "SELECT count(*) FROM stages").await;
    assert_eq!(staged, persons_with_events);
    let owners = query_i64(
        &ctx,
        "SELECT count(*) FROM stages WHERE stage IN ('owner', 'loyal', 'at_risk', 'churned', 'replacement')",
    )
    .await;
    assert!(owners > 0);

    // The funnel narrows at every step, and exactly one step is flagged.
    let report = format_rows(&funnel[1]).unwrap();
    assert_eq!(report.len(), 5);
    let reached: Vec<i64> = report.iter().map(|row| row[2].parse().unwrap()).collect();
    assert!(reached.windows(2).all(|w| w[0] >= w[1]), "{reached:?}");
    let flagged: Vec<&str> = report
        .iter()
        .filter(|row| row[5] == "<- bottleneck")
        .map(|row| row[1].as_str())
        .collect();
    assert_eq!(flagged.len(), 1, "{report:?}");

    // Slow follow-up, lower satisfaction.
    let experience = format_rows(&funnel[3]).unwrap();
    let corr: f64 = experience[0][1].parse().unwrap();
    assert!(corr < -0.1, "corr {corr}");
    let (within, after): (f64, f64) = (
        experience[0][3].parse().unwrap(),
        experience[0][4].parse().unwrap(),
    );
    assert!(within > after + 1.0, "{within} vs {after}");

    // Every buyer has a value; segments come from the standard names.
    let buyers = query_i64(&ctx, "SELECT count(DISTINCT one_id) FROM store_rfm").await;
    let valued = query_i64(
        &ctx,
        "SELECT count(*) FROM customer_value WHERE customer_value > 0",
    )
    .await;
    assert_eq!(valued, buyers);
    let segments = format_rows(&results["08_value.sql"][3]).unwrap();
    assert!(segments.len() >= 8, "{segments:?}");
    assert!(segments.iter().any(|row| row[0] == "Champions"));
    let graded_stores = format_rows(&results["08_value.sql"][4]).unwrap();
    let stores = query_i64(&ctx, "SELECT count(*) FROM stores").await;
    assert_eq!(graded_stores.len() as i64, stores.min(10));

    // The demo's audiences exist after two refreshes, with changes between.
    let segments = format_rows(&results["09_segments.sql"][7]).unwrap();
    let names: Vec<&str> = segments.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(names, ["churned_owners", "suv_test_drive_invite"]);
    let churned: i64 = segments[0][1].parse().unwrap();
    assert!(churned > 0, "{segments:?}");

    // The model finds the planted driver of dissatisfaction on top, and
    // the second invitation has an audience.
    let models = &results["11_models.sql"];
    let drivers = format_rows(&models[4]).unwrap();
    assert_eq!(
        (drivers[0][0].as_str(), drivers[0][2].as_str()),
        ("followup_delay_days", "raises"),
        "{drivers:?}"
    );
    let invited = query_i64(
        &ctx,
        "SELECT count(*) FROM segment_members('unsatisfied_not_surveyed')",
    )
    .await;
    assert!(invited > 0);

    // Every open lead is placed (capacities cover 110% of each store's),
    // and the assignment beats round-robin on the same leads.
    let assignment = format_rows(&results["12_assign_leads.sql"][4]).unwrap();
    let (open, placed) = (&assignment[0][0], &assignment[0][1]);
    assert!(open.parse::<i64>().unwrap() > 0, "{assignment:?}");
    assert_eq!(open, placed, "{assignment:?}");
    let (total, round_robin): (f64, f64) = (
        assignment[0][2].parse().unwrap(),
        assignment[0][3].parse().unwrap(),
    );
    assert!(total > round_robin, "{assignment:?}");
}
