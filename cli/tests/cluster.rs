//! A real Ballista cluster on loopback: `cdpfusion scheduler` and two
//! `cdpfusion executor` processes. The demo pipeline runs on it through
//! `cdpfusion --remote` and gives what a local session gives; a query
//! survives an executor killed under it; an unreachable scheduler is an
//! error at once.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use cdpfusion_datagen::demo::DEMO_STEPS;
use cdpfusion_datagen::generate::TABLE_NAMES;
use common::{Running, cdpfusion, start_listening, stderr, stdout};

/// Results of the pipeline that must not depend on where it ran. (Some of
/// the demo's own output does, locally too: NTILE over ties and
/// approx_percentile_cont change with the partitioning.) Each aggregate
/// here has its state cross a shuffle on the cluster. The last table lives
/// in the session and is bigger than a gRPC message by Ballista's default
/// (16 MiB even compressed, in every task of its stage).
const CHECKS: &str = "
SELECT status, count(*) AS identifiers, count(DISTINCT one_id) AS persons, sum(cluster_size) AS sizes
FROM one_id GROUP BY status ORDER BY status;
SELECT event_type, count(*) AS events, count(DISTINCT one_id) AS persons, sum(amount_cny) AS amount
FROM events GROUP BY event_type ORDER BY event_type;
SELECT stage, count(*) AS persons FROM (
    SELECT one_id, lifecycle_stage(event_type, ts, TIMESTAMP '2026-06-30 23:59:59+08:00') AS stage
    FROM events GROUP BY one_id) GROUP BY stage ORDER BY stage;
SELECT stage, count(*) AS persons FROM stages GROUP BY stage ORDER BY stage;
SELECT step, count(*) AS persons FROM funnel GROUP BY step ORDER BY step;
SELECT count(*) AS rows, sum(r['recency_days']) AS recency, sum(r['frequency']) AS frequency,
       round(sum(r['monetary']), 2) AS monetary
FROM store_rfm;
SELECT count(*) AS persons, round(sum(score), 6) AS score FROM (
    SELECT one_id, lead_score(event_type, ts, dwell_s, TIMESTAMP '2026-06-30 23:59:59+08:00') AS score
    FROM events GROUP BY one_id);
SELECT r[1] AS day_0, r[2] AS returned, count(*) AS persons FROM (
    SELECT one_id, retention(event_type = 'lead', event_type = 'store_visit') AS r
    FROM events GROUP BY one_id) GROUP BY 1, 2 ORDER BY 1, 2;
SELECT name, size FROM segments() ORDER BY name;
CREATE TABLE hashes AS SELECT v, md5(CAST(v AS TEXT)) AS h FROM generate_series(1, 1000000) AS t(v);
SELECT count(DISTINCT h) AS hashes, sum(v) AS total FROM hashes;
";

struct Cluster {
    scheduler_port: u16,
    scheduler: Running,
    executors: Vec<Running>,
}

impl Cluster {
    fn start(executors: usize) -> Self {
        let (scheduler, scheduler_port) = start_listening(
            |port| {
                let mut command = cdpfusion();
                command.args(["scheduler", "--bind", &format!("127.0.0.1:{port}")]);
                command
            },
            "cdpfusion scheduler",
        );
        let executors = (0..executors)
            .map(|_| {
                start_listening(
                    |port| {
                        let mut command = cdpfusion();
                        command.args([
                            "executor",
                            "--scheduler",
                            &format!("127.0.0.1:{scheduler_port}"),
                            "--bind",
                            &format!("127.0.0.1:{port}"),
                            "--concurrent-tasks",
                            "2",
                        ]);
                        command
                    },
                    "cdpfusion executor",
                )
                .0
            })
            .collect();
        Cluster {
            scheduler_port,
            scheduler,
            executors,
        }
    }

    fn url(&self) -> String {
        format!("df://127.0.0.1:{}", self.scheduler_port)
    }
}

/// Runs `args` in the shell, remotely when `remote` is given; results as CSV.
fn shell(dir: &Path, remote: Option<&str>, catalog: &str, args: &[String]) -> Output {
    let mut command = cdpfusion();
    command
        .current_dir(dir)
        .args(["-q", "--format", "csv", "--catalog", catalog])
        .args(args);
    if let Some(url) = remote {
        command.args(["--remote", url]);
    }
    command.output().unwrap()
}

fn succeeded(output: Output, what: &str) -> String {
    assert!(output.status.success(), "{what} failed: {}", stderr(&output));
    stdout(&output)
}

/// One generated dataset for the whole file, with a script that names its
/// tables.
fn dataset(dir: &Path) -> Vec<String> {
    let generated = cdpfusion()
        .args(["generate", "--persons", "1500", "--out"])
        .arg(dir.join("data"))
        .output()
        .unwrap();
    succeeded(generated, "generate");
    let tables: String = TABLE_NAMES
        .iter()
        .map(|table| {
            format!("CREATE EXTERNAL TABLE {table} STORED AS PARQUET LOCATION 'data/{table}.parquet';\n")
        })
        .collect();
    std::fs::write(dir.join("tables.sql"), tables).unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datagen/demo");
    let mut script = vec!["-f".to_string(), "tables.sql".to_string()];
    // The demo's steps up to its segments, in order.
    let steps = DEMO_STEPS
        .iter()
        .map(|(file, _)| file)
        .take_while(|file| **file != "10_identity_graph.sql");
    for step in steps {
        script.push("-f".to_string());
        script.push(demo.join(step).to_string_lossy().into_owned());
    }
    script
}

#[test]
fn the_demo_pipeline_on_a_cluster_gives_what_a_local_session_gives() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = dataset(dir.path());
    let cluster = Cluster::start(2);
    let url = cluster.url();
    let checks = |remote: Option<&str>, catalog: &str| {
        let mut args = pipeline.clone();
        args.extend(["-c".to_string(), CHECKS.to_string()]);
        let output = shell(dir.path(), remote, catalog, &args);
        let what = if remote.is_some() {
            "the pipeline on the cluster"
        } else {
            "the pipeline in one process"
        };
        let text = succeeded(output, what);
        // The checks' results follow the demo's own output.
        let start = text
            .find("status,identifiers,persons,sizes")
            .unwrap_or_else(|| panic!("{what}: no checks in {text}"));
        text[start..].to_string()
    };
    let local = checks(None, "local-segments");
    let remote = checks(Some(&url), "remote-segments");
    assert_eq!(remote, local);
    // The checks are not trivially equal: persons, stages, funnel steps and
    // both segments are there.
    for expected in ["merged,", "customer", "suv_test_drive_invite,", "churned_owners,"] {
        assert!(local.contains(expected), "'{expected}' missing from:\n{local}");
    }
    // Ballista ran it: the plan went to the scheduler.
    let explain = succeeded(
        shell(
            dir.path(),
            Some(&url),
            "remote-segments",
            &[
                "-c".to_string(),
                "EXPLAIN SELECT count(*) FROM 'data/leads.parquet'".to_string(),
            ],
        ),
        "EXPLAIN on the cluster",
    );
    assert!(explain.contains("distributed_plan"), "{explain}");
    drop(cluster);
}

#[test]
fn a_query_outlives_an_executor_killed_under_it() {
    let dir = tempfile::tempdir().unwrap();
    dataset(dir.path());
    let mut cluster = Cluster::start(2);
    let url = cluster.url();
    let leads = succeeded(
        shell(
            dir.path(),
            Some(&url),
            "segments",
            &[
                "-c".to_string(),
                "SELECT count(*) AS n FROM 'data/leads.parquet'".to_string(),
            ],
        ),
        "counting leads",
    );
    let leads: u64 = leads.lines().nth(1).unwrap().trim().parse().unwrap();
    // Long enough to be running when an executor dies: a hash of every
    // pair of leads.
    let heavy = "SELECT count(DISTINCT digest(a.lead_id || '/' || b.lead_id, 'md5')) AS pairs \
                 FROM 'data/leads.parquet' a CROSS JOIN 'data/leads.parquet' b";
    let mut query = cdpfusion();
    query.current_dir(dir.path()).args([
        "-q",
        "--format",
        "csv",
        "--catalog",
        "segments",
        "--remote",
        &url,
        "-c",
        heavy,
    ]);
    let running = query
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let killed = cluster.executors.pop().unwrap();
    drop(killed);
    let output = running.wait_with_output().unwrap();
    // Ballista runs the lost executor's tasks again on the other one.
    let pairs = succeeded(output, "the query whose executor was killed");
    assert_eq!(
        pairs.lines().nth(1).map(str::trim),
        Some((leads * leads).to_string().as_str())
    );
    let next = succeeded(
        shell(
            dir.path(),
            Some(&url),
            "segments",
            &[
                "-c".to_string(),
                "SELECT normalize_phone('138 0013 8000') AS phone".to_string(),
            ],
        ),
        "the next query",
    );
    assert_eq!(next, "phone\n+8613800138000\n");
    assert!(
        cluster.scheduler.0.try_wait().unwrap().is_none(),
        "the scheduler stopped"
    );
}

#[test]
fn an_unreachable_scheduler_is_an_error_at_once() {
    let port = common::free_port();
    let started = Instant::now();
    let output = cdpfusion()
        .args(["--remote", &format!("df://127.0.0.1:{port}"), "-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let error = stderr(&output);
    assert!(
        error.contains(&format!(
            "cannot reach a cdpfusion scheduler at df://127.0.0.1:{port}"
        )),
        "{error}"
    );
    let bad = cdpfusion()
        .args(["--remote", "127.0.0.1:50050", "-c", "SELECT 1"])
        .output()
        .unwrap();
    assert!(
        stderr(&bad).contains("expected df://HOST:PORT"),
        "{}",
        stderr(&bad)
    );
}
