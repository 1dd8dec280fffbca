//! The generated dataset, read back through the cdpfusion session: the noise
//! it carries is the noise the normalisers undo.

use cdpfusion_datagen::generate::store_count;
use cdpfusion_tests::{dataset_session, query_i64 as scalar_i64};
use datafusion::prelude::SessionContext;

const PERSONS: u64 = 3_000;

async fn session() -> SessionContext {
    dataset_session(PERSONS).await
}

#[tokio::test]
async fn every_table_has_rows_and_one_truth_row_per_person_identifier() {
    let ctx = session().await;
    for table in cdpfusion_datagen::generate::TABLE_NAMES {
        let rows = scalar_i64(&ctx, &format!("SELECT count(*) FROM {table}")).await;
        assert!(rows > 0, "{table} is empty");
    }
    assert_eq!(
        scalar_i64(&ctx, "SELECT count(*) FROM stores").await,
        store_count(PERSONS) as i64
    );
    let persons = scalar_i64(&ctx, "SELECT count(DISTINCT person_key) FROM truth_identities").await;
    // About a tenth never become a lead nor use the app, and leave no trace.
    assert!(
        persons > PERSONS as i64 * 85 / 100,
        "only {persons} persons hold an identifier"
    );
    // An identifier belongs to one person at most.
    let ambiguous = scalar_i64(
        &ctx,
        "SELECT count(*) FROM (SELECT id_type, id_value FROM truth_identities GROUP BY 1, 2 HAVING count(*) > 1)",
    )
    .await;
    assert_eq!(ambiguous, 0);
}

#[tokio::test]
async fn every_valid_phone_in_the_sources_is_a_known_identifier() {
    let ctx = session().await;
    for table in ["crm_customers", "leads", "dms_orders", "surveys"] {
        let unknown = scalar_i64(
            &ctx,
            &format!(
                "SELECT count(*) FROM {table} s LEFT JOIN truth_identities t
                 ON t.id_type = 'phone' AND t.id_value = normalize_phone(s.phone)
                 WHERE normalize_phone(s.phone) IS NOT NULL AND t.id_value IS NULL"
            ),
        )
        .await;
        assert_eq!(unknown, 0, "{table} holds phones the truth does not know");
    }
    // The noise is there: several spellings, NULLs and invalid values.
    let spellings = scalar_i64(
        &ctx,
        "SELECT max(c) FROM (SELECT count(DISTINCT phone) AS c FROM leads GROUP BY normalize_phone(phone))",
    )
    .await;
    assert!(spellings >= 3, "at most {spellings} spellings of one phone");
    let nulls = scalar_i64(&ctx, "SELECT count(*) FROM leads WHERE phone IS NULL").await;
    let invalid = scalar_i64(
        &ctx,
        "SELECT count(*) FROM leads WHERE phone IS NOT NULL AND normalize_phone(phone) IS NULL",
    )
    .await;
    assert!(nulls > 0 && invalid > 0, "nulls {nulls}, invalid {invalid}");
}

#[tokio::test]
async fn emails_normalise_to_the_truth() {
    let ctx = session().await;
    let unknown = scalar_i64(
        &ctx,
        "SELECT count(*) FROM crm_customers c LEFT JOIN truth_identities t
         ON t.id_type = 'email' AND t.id_value = normalize_email(c.email)
         WHERE normalize_email(c.email) IS NOT NULL AND t.id_value IS NULL",
    )
    .await;
    assert_eq!(unknown, 0);
    let folded = scalar_i64(
        &ctx,
        "SELECT count(*) FROM crm_customers WHERE email <> normalize_email(email)",
    )
    .await;
    assert!(folded > 0, "no email needed normalising");
}

#[tokio::test]
async fn planted_shared_identifiers_are_used_by_many_records() {
    let ctx = session().await;
    // The salespeople's phones and demo tablets are not any person's, and
    // several are typed into many walk-in leads.
    let busiest_shared = scalar_i64(
        &ctx,
        "SELECT max(n) FROM (
           SELECT t.id_value, count(*) AS n FROM leads l
           JOIN truth_identities t ON t.person_key IS NULL
            AND (t.id_value = normalize_phone(l.phone) OR t.id_value = l.device_id)
           GROUP BY t.id_value)",
    )
    .await;
    assert!(
        busiest_shared >= 5,
        "the busiest shared identifier is in {busiest_shared} leads"
    );
    let busiest_personal = scalar_i64(
        &ctx,
        "SELECT max(n) FROM (SELECT normalize_phone(phone), count(*) AS n FROM leads l
         JOIN truth_identities t ON t.person_key IS NOT NULL AND t.id_value = normalize_phone(l.phone)
         GROUP BY 1)",
    )
    .await;
    assert!(
        busiest_personal <= 6,
        "a personal phone is in {busiest_personal} leads"
    );
}

#[tokio::test]
async fn the_journey_narrows_and_stalls_at_the_test_drive() {
    let ctx = session().await;
    let count = |event: &str| {
        format!("SELECT count(DISTINCT device_id) FROM app_events WHERE event_type = '{event}'")
    };
    let visits = scalar_i64(&ctx, &count("store_visit")).await;
    let drives = scalar_i64(&ctx, &count("test_drive")).await;
    let orders = scalar_i64(&ctx, &count("order")).await;
    assert!(
        visits > drives && drives > orders && orders > 0,
        "{visits} {drives} {orders}"
    );
    assert!(
        orders * 2 < drives,
        "test drive to order should be the weakest step: {drives} -> {orders}"
    );
    let old_cars = scalar_i64(
        &ctx,
        "SELECT count(*) FROM dms_orders WHERE delivery_ts < TIMESTAMP '2023-06-30T00:00:00+08:00'",
    )
    .await;
    assert!(old_cars > 0, "no car is old enough for the replacement window");
}
