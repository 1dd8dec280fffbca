//! The segment catalog on local disk when things go wrong: a failing
//! segment among many, damaged or deleted files, leftovers of killed
//! refreshes, the layout of older versions, and definitions that are not
//! queries. (The same catalog in a bucket: tests/s3.rs.)

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::execution::context::SessionConfig;
use datafusion::prelude::SessionContext;

use cdpfusion::CdpfusionOptions;
use cdpfusion::{cdpfusion_session_with, sql};

fn session(catalog: &Path) -> SessionContext {
    let mut config = SessionConfig::new();
    config
        .options_mut()
        .extensions
        .insert(CdpfusionOptions::with_catalog(Some(
            catalog.display().to_string(),
        )));
    cdpfusion_session_with(config, Default::default()).unwrap()
}

async fn rows(ctx: &SessionContext, query: &str) -> String {
    let batches = sql(ctx, query).await.unwrap().collect().await.unwrap();
    pretty_format_batches(&batches).unwrap().to_string()
}

async fn error(ctx: &SessionContext, query: &str) -> String {
    match sql(ctx, query).await {
        Ok(frame) => frame.collect().await.map(|_| ()).unwrap_err().to_string(),
        Err(e) => e.to_string(),
    }
}

fn snapshots(catalog: &Path, segment: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(catalog.join(segment).join("snapshots"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    files
}

fn make_old(file: &Path) {
    let old = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(file)
        .unwrap()
        .set_modified(old)
        .unwrap();
}

#[tokio::test]
async fn refresh_segments_refreshes_every_segment_and_reports_each_failure() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = session(dir.path());
    sql(&ctx, "CREATE TABLE people AS VALUES (1), (2)").await.unwrap();
    for name in ["a", "b", "c"] {
        let source = if name == "b" { "people" } else { "(VALUES (7))" };
        rows(
            &ctx,
            &format!("CREATE SEGMENT {name} AS SELECT column1 AS one_id FROM {source}"),
        )
        .await;
    }
    sql(&ctx, "DROP TABLE people").await.unwrap();
    let report = rows(&ctx, "REFRESH SEGMENTS").await;
    let lines: Vec<&str> = report.lines().filter(|l| l.starts_with("| ")).collect();
    assert_eq!(lines.len(), 4, "{report}");
    assert!(lines[1].starts_with("| a       | 1    |"), "{report}");
    assert!(
        lines[2].starts_with("| b       | 2    | 0       | 0      |"),
        "{report}"
    );
    assert!(lines[2].contains("people"), "{report}");
    assert!(lines[3].starts_with("| c       | 1    |"), "{report}");
    let listed = rows(
        &ctx,
        "SELECT name, last_error IS NULL AS ok FROM segments() ORDER BY name",
    )
    .await;
    assert!(
        listed.contains("| a    | true  |") && listed.contains("| b    | false |"),
        "{listed}"
    );
}

#[tokio::test]
async fn damage_stays_with_its_segment_and_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = session(dir.path());
    for name in [
        "broken_definition",
        "lost_manifest",
        "flipped_snapshot",
        "healthy",
    ] {
        rows(
            &ctx,
            &format!("CREATE SEGMENT {name} AS SELECT column1 AS one_id FROM (VALUES (1), (2))"),
        )
        .await;
    }
    std::fs::write(dir.path().join("broken_definition/definition.json"), "{not json").unwrap();
    std::fs::remove_file(dir.path().join("lost_manifest/manifest.json")).unwrap();
    let snapshot = snapshots(dir.path(), "flipped_snapshot").pop().unwrap();
    let mut bytes = std::fs::read(&snapshot).unwrap();
    bytes[9] ^= 0x40;
    std::fs::write(&snapshot, bytes).unwrap();

    let listed = rows(
        &ctx,
        "SELECT name, size, last_error FROM segments() ORDER BY name",
    )
    .await;
    assert!(listed.contains("definition.json cannot be read"), "{listed}");
    assert!(listed.contains("manifest.json is missing"), "{listed}");
    assert!(listed.contains("| healthy           | 2    |"), "{listed}");
    let err = error(&ctx, "SELECT * FROM segment_members('flipped_snapshot')").await;
    assert!(
        err.contains("segment 'flipped_snapshot' is damaged") && err.contains("checksum"),
        "{err}"
    );
    let err = error(&ctx, "SELECT * FROM segment_members('lost_manifest')").await;
    assert!(err.contains("manifest.json is missing"), "{err}");
    // A refresh repairs what it can: a new snapshot and manifest.
    rows(&ctx, "REFRESH SEGMENT lost_manifest").await;
    rows(&ctx, "REFRESH SEGMENT flipped_snapshot").await;
    for name in ["lost_manifest", "flipped_snapshot", "healthy"] {
        let count = rows(
            &ctx,
            &format!("SELECT count(*) AS n FROM segment_members('{name}')"),
        )
        .await;
        assert!(count.contains("| 2 |"), "{name}: {count}");
    }
}

#[tokio::test]
async fn snapshots_sit_in_a_folder_old_layouts_read_and_leftovers_go() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = session(dir.path());
    rows(
        &ctx,
        "CREATE SEGMENT s AS SELECT column1 AS one_id FROM (VALUES (3), (4))",
    )
    .await;
    let files = snapshots(dir.path(), "s");
    assert_eq!(files.len(), 1);
    assert!(files[0].extension().is_some_and(|e| e == "ids"), "{files:?}");

    // What versions before 0.1.1 wrote: one file named snapshots%2F<n>-... .
    let legacy = dir.path().join("s").join(format!(
        "snapshots%2F{}",
        files[0].file_name().unwrap().to_string_lossy()
    ));
    std::fs::rename(&files[0], &legacy).unwrap();
    assert!(
        rows(&ctx, "SELECT count(*) AS n FROM segment_members('s')")
            .await
            .contains("| 2 |")
    );

    // A killed refresh's snapshot no manifest names, and the local store's
    // temporary file: removed by the next refresh once they are old.
    let orphan = dir.path().join("s/snapshots/9-1-1.ids");
    let temporary = dir.path().join("s/snapshots/9-1-2.ids#1");
    let fresh_orphan = dir.path().join("s/snapshots/9-1-3.ids");
    for file in [&orphan, &temporary, &fresh_orphan] {
        std::fs::write(file, b"partial").unwrap();
    }
    make_old(&orphan);
    make_old(&temporary);
    rows(&ctx, "REFRESH SEGMENT s").await;
    assert!(!orphan.exists() && !temporary.exists());
    // A young one may be a refresh still writing: it stays.
    assert!(fresh_orphan.exists());
}

#[tokio::test]
async fn a_definition_must_be_a_query_and_nothing_runs_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = session(dir.path());
    let err = error(&ctx, "CREATE SEGMENT x AS CREATE VIEW v AS SELECT 1 AS one_id").await;
    assert!(err.contains("must be one query"), "{err}");
    assert!(error(&ctx, "SELECT * FROM v").await.contains("not found"));
    assert!(!rows(&ctx, "SHOW SEGMENTS").await.contains("| x "));
}
