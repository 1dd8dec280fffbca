//! The `cdpfusion` binary as a user runs it: exit codes, one-line errors,
//! output formats, the generator and the demo.

use std::path::Path;
use std::process::{Command, Output};

fn cdpfusion(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdpfusion"))
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("run cdpfusion")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A failure a user can act on: non-zero exit, one line naming the problem,
/// no panic or backtrace.
fn assert_clean_failure(o: &Output, expected: &str) {
    let err = stderr(o);
    assert!(
        !o.status.success(),
        "expected failure, got success: {}",
        stdout(o)
    );
    assert!(err.contains(expected), "stderr {err:?} does not say {expected:?}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "stderr: {err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "not one line: {err}");
}

#[test]
fn command_runs_sql_with_cdpfusion_functions() {
    let o = cdpfusion(&[
        "-q",
        "-c",
        "SELECT normalize_phone('138-0013-8000') AS p, mask_phone('13800138000') AS m",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("+8613800138000") && out.contains("+86138****8000"),
        "{out}"
    );
}

#[test]
fn output_formats_are_datafusion_clis() {
    let o = cdpfusion(&[
        "-q",
        "--format",
        "csv",
        "-c",
        "SELECT normalize_email(' A@B.CN ') AS e, 1 AS n",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "e,n\na@b.cn,1");
    let o = cdpfusion(&["-q", "--format", "nd-json", "-c", "SELECT 'x' AS k"]);
    assert_eq!(stdout(&o).trim(), r#"{"k":"x"}"#);
}

#[test]
fn errors_are_one_line_and_exit_non_zero() {
    assert_clean_failure(
        &cdpfusion(&["-q", "-c", "SELECT * FROM no_such_table"]),
        "no_such_table",
    );
    assert_clean_failure(
        &cdpfusion(&["-q", "-c", "SELECT normalize_phone()"]),
        "normalize_phone: expected (phone [, region]), got 0 arguments",
    );
    assert_clean_failure(
        &cdpfusion(&["-q", "-c", "SELECT normalize_phone('1', 'XX')"]),
        "normalize_phone: argument 'region' must be one of CN, HK, MO, got 'XX'",
    );
    assert_clean_failure(
        &cdpfusion(&["-q", "-f", "/no/such/file.sql"]),
        "cannot read SQL file '/no/such/file.sql'",
    );
}

#[test]
fn a_script_stops_at_its_first_failing_statement() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("job.sql");
    std::fs::write(
        &script,
        "-- a job with a broken middle step\nSELECT 'first; step' AS s;\nSELECT * FROM missing;\nSELECT 'never' AS s;\n",
    )
    .unwrap();
    let o = cdpfusion(&["-q", "-f", script.to_str().unwrap()]);
    assert_clean_failure(&o, "missing");
    let out = stdout(&o);
    assert!(out.contains("first; step") && !out.contains("never"), "{out}");
}

#[test]
fn generate_rejects_bad_arguments() {
    for persons in ["0", "-5", "abc", ""] {
        let o = cdpfusion(&["generate", &format!("--persons={persons}"), "--out", "/tmp/never"]);
        assert!(!o.status.success());
        let err = stderr(&o);
        assert!(
            err.contains("expected a whole number of persons above 0"),
            "{persons}: {err}"
        );
        assert!(!err.contains("panicked"));
    }
    let o = cdpfusion(&["generate", "--persons", "10", "--out", "/proc/cdpfusion/out"]);
    assert_clean_failure(
        &o,
        "generate: cannot create output directory '/proc/cdpfusion/out'",
    );
}

fn file_bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn generate_is_deterministic_and_readable_by_path() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let o = cdpfusion(&[
            "generate",
            "--persons",
            "500",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("leads"), "{}", stdout(&o));
    }
    for table in ["leads.parquet", "app_events.parquet", "truth_identities.parquet"] {
        assert!(
            file_bytes(&a, table) == file_bytes(&b, table),
            "{table} differs between runs"
        );
    }
    let query = format!("SELECT count(*) > 0 AS any FROM '{}/leads.parquet'", a.display());
    let o = cdpfusion(&["-q", "--format", "csv", "-c", &query]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "any\ntrue");
}

#[test]
fn demo_runs_the_pipeline_then_reuses_the_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let args = ["demo", "--persons", "2000", "--data", data.to_str().unwrap()];
    let first = cdpfusion(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    for expected in [
        "Generating 2000 persons",
        "== Source tables",
        "truth_identities",
        "datagen/demo/03_shared_identifiers.sql",
        "datagen/demo/06_lifecycle.sql",
        "<- bottleneck",
        "corr_delay_satisfaction",
        "avg_customer_value",
        "followup_delay_days",
        "== Timings",
    ] {
        assert!(out.contains(expected), "demo output lacks {expected:?}:\n{out}");
    }
    // A fresh process refreshes the demo's segments from the session
    // script the demo wrote.
    let session = data.join("session.sql");
    assert!(out.contains(session.to_str().unwrap()), "{out}");
    let catalog = data.join("segments");
    let o = cdpfusion(&[
        "-q",
        "--format",
        "csv",
        "-r",
        session.to_str().unwrap(),
        "--catalog",
        catalog.to_str().unwrap(),
        "-c",
        "REFRESH SEGMENTS",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let refreshed = stdout(&o);
    assert!(
        refreshed.contains("churned_owners,") && refreshed.contains("suv_test_drive_invite,"),
        "{refreshed}"
    );
    let second = cdpfusion(&args);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("Using the cached dataset"),
        "{}",
        stdout(&second)
    );
    // The demo runs under the memory limit it is given: 1 MiB is too little
    // for its first step, and the error names the step and the limit.
    let limited = cdpfusion(&[&args[..], &["-m", "1M"]].concat());
    assert_clean_failure(&limited, "Resources exhausted");
    assert!(
        stderr(&limited).contains("demo step 01_identifiers.sql")
            && stderr(&limited).contains("pool_size: 1024.0 KB"),
        "{}",
        stderr(&limited)
    );
}

/// Runs `sql` with the segment catalog `catalog`; panics unless it succeeds.
fn with_catalog(catalog: &Path, sql: &str) -> String {
    let o = cdpfusion(&[
        "-q",
        "--format",
        "csv",
        "--catalog",
        catalog.to_str().unwrap(),
        "-c",
        sql,
    ]);
    assert!(o.status.success(), "{sql}: {}", stderr(&o));
    stdout(&o)
}

/// A catalog in `dir` with segment `name` over a Parquet file of one id,
/// 7: the catalog's and the file's paths.
fn segment_over_a_file(dir: &Path, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let catalog = dir.join("catalog");
    let ids = dir.join("ids.parquet");
    let path = ids.to_str().unwrap();
    with_catalog(&catalog, &format!("COPY (SELECT 7 AS one_id) TO '{path}'"));
    with_catalog(
        &catalog,
        &format!("CREATE SEGMENT {name} AS SELECT one_id FROM '{path}'"),
    );
    (catalog, ids)
}

#[test]
fn segments_survive_the_shell_and_a_refresh_killed_midway() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, ids) = segment_over_a_file(dir.path(), "s");
    let ids = ids.to_str().unwrap();
    // A second shell sees the segment.
    assert_eq!(
        with_catalog(&catalog, "SELECT name, size FROM segments()"),
        "name,size\ns,1\n"
    );

    // A refresh that takes a while, killed before it ends.
    with_catalog(
        &catalog,
        &format!("COPY (SELECT value AS one_id FROM range(1, 30000001)) TO '{ids}'"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdpfusion"))
        .args([
            "-q",
            "--catalog",
            catalog.to_str().unwrap(),
            "-c",
            "REFRESH SEGMENT s",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    child.kill().unwrap();
    assert!(
        !child.wait().unwrap().success(),
        "the refresh ended before it was killed"
    );
    // The catalog is whole: the previous snapshot, complete.
    assert_eq!(
        with_catalog(
            &catalog,
            "SELECT count(*) AS n, min(one_id) AS low FROM segment_members('s')"
        ),
        "n,low\n1,7\n"
    );

    // Two refreshes at once both finish and leave a complete snapshot.
    let refresh = || {
        Command::new(env!("CARGO_BIN_EXE_cdpfusion"))
            .args([
                "-q",
                "--catalog",
                catalog.to_str().unwrap(),
                "-c",
                "REFRESH SEGMENT s",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(refresh);
        let b = scope.spawn(refresh);
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(
        a.status.success() && b.status.success(),
        "{} {}",
        stderr(&a),
        stderr(&b)
    );
    assert_eq!(
        with_catalog(&catalog, "SELECT count(*) AS n FROM segment_members('s')"),
        "n\n30000000\n"
    );
}

#[test]
fn refresh_segments_goes_on_past_a_failure_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let (catalog, _) = segment_over_a_file(dir.path(), "a_fails");
    with_catalog(&catalog, &format!("CREATE SEGMENT b_works AS SELECT 8 AS one_id"));
    std::fs::remove_file(dir.path().join("ids.parquet")).unwrap();
    let o = cdpfusion(&[
        "-q",
        "--format",
        "csv",
        "--catalog",
        catalog.to_str().unwrap(),
        "-c",
        "REFRESH SEGMENTS",
    ]);
    assert!(!o.status.success());
    let report = stdout(&o);
    assert!(report.contains("a_fails,1,0,0,"), "{report}");
    assert!(
        report.contains("b_works,1,0,0,") && report.trim_end().ends_with(','),
        "{report}"
    );
    assert!(
        stderr(&o).contains("1 of 2 segments failed to refresh"),
        "{}",
        stderr(&o)
    );
}

/// The files named `file` below `dir`, at any depth.
fn files_named(dir: &Path, file: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_named(&path, file));
        } else if path.file_name().is_some_and(|name| name == file) {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_changed_byte_in_an_identity_graphs_lookup_file_is_told_by_one_id_of() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog");
    with_catalog(
        &catalog,
        "CREATE IDENTITY GRAPH g AS SELECT 1 AS record_id, 'phone' AS id_type, '+8613800138000' AS id_value",
    );
    let lookup = "SELECT one_id_of('g', 'phone', '+8613800138000') IS NOT NULL AS found";
    assert_eq!(with_catalog(&catalog, lookup), "found\ntrue\n");
    // The one entry's one_id changed, the file's size kept: a range read
    // cannot check the whole file's checksum, so its bucket's is checked.
    let files = files_named(&catalog, "lookup.bin");
    assert_eq!(files.len(), 1);
    let mut bytes = std::fs::read(&files[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    std::fs::write(&files[0], &bytes).unwrap();
    let o = cdpfusion(&["-q", "--catalog", catalog.to_str().unwrap(), "-c", lookup]);
    assert_clean_failure(
        &o,
        "one_id_of: identity graph 'g' version 1: the lookup file is damaged: bucket 0's checksum does not match",
    );
}

fn with_stdin(args: &[&str], script: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cdpfusion"))
        .args(args)
        .env("HOME", "/nonexistent")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_script_on_standard_input_stops_at_its_first_error_with_exit_1() {
    let o = with_stdin(
        &["-q", "--format", "csv"],
        "SELECT 1 AS a;\nSELECT no_such;\nSELECT 2 AS b;\n",
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "a\n1\n");
    assert!(stderr(&o).contains("no_such"), "{}", stderr(&o));
    // Backslash commands on lines of their own, in scripts and in -c.
    let o = with_stdin(
        &["-q", "--format", "csv"],
        "CREATE TABLE t AS SELECT 1 AS x;\n\\d\nSELECT x FROM t;\n\\q\nSELECT 3;\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("datafusion,public,t,BASE TABLE") && stdout(&o).ends_with("x\n1\n"),
        "{}",
        stdout(&o)
    );
    let o = cdpfusion(&["-q", "--format", "csv", "-c", "\\d"]);
    assert!(
        o.status.success() && stdout(&o).contains("information_schema,tables"),
        "{}",
        stderr(&o)
    );
    assert_clean_failure(&cdpfusion(&["-q", "-c", "\\nonsense"]), "is not a valid command");
}

#[test]
fn a_startup_file_runs_first() {
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("rc.sql");
    std::fs::write(
        &rc,
        "SET datafusion.execution.batch_size = 77;\nCREATE VIEW from_rc AS SELECT 5 AS n;\n",
    )
    .unwrap();
    let o = cdpfusion(&[
        "-q",
        "--format",
        "csv",
        "-r",
        rc.to_str().unwrap(),
        "-c",
        "SELECT n, (SELECT value FROM information_schema.df_settings WHERE name = 'datafusion.execution.batch_size') AS b FROM from_rc",
    ]);
    assert_eq!(stdout(&o), "n,b\n5,77\n", "{}", stderr(&o));
    // ~/.cdpfusionrc when there is one.
    std::fs::copy(&rc, dir.path().join(".cdpfusionrc")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cdpfusion"))
        .args(["-q", "--format", "csv", "-c", "SELECT n FROM from_rc"])
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(stdout(&o), "n\n5\n", "{}", stderr(&o));
}

#[test]
fn a_memory_limit_holds_for_cdpfusion_functions_too() {
    let resolve = "SELECT count(DISTINCT one_id) AS persons FROM resolve_identities('SELECT v AS record_id, ''phone'' AS id_type, CAST(v % 100000 AS VARCHAR) AS id_value FROM range(1, 400000) t(v)')";
    let o = cdpfusion(&["-q", "--format", "csv", "-m", "2M", "-c", resolve]);
    assert_clean_failure(&o, "Resources exhausted");
    assert!(stderr(&o).contains("resolve_identities"), "{}", stderr(&o));
    let o = cdpfusion(&["-q", "--format", "csv", "-m", "512M", "-c", resolve]);
    assert_eq!(stdout(&o), "persons\n100000\n", "{}", stderr(&o));
    // A sort spills to the spill directory under a small limit instead of
    // failing: EXPLAIN ANALYZE counts what it wrote.
    let dir = tempfile::tempdir().unwrap();
    let sorted = "SELECT max(r) AS top FROM (SELECT row_number() OVER (ORDER BY value DESC) AS r FROM range(1, 4000001))";
    let limited = [
        "-q",
        "--format",
        "csv",
        "-m",
        "32M",
        "--spill-directory",
        dir.path().to_str().unwrap(),
    ];
    let o = cdpfusion(&[&limited[..], &["-c", sorted]].concat());
    assert_eq!(stdout(&o), "top\n4000000\n", "{}", stderr(&o));
    let explain = format!("EXPLAIN ANALYZE {sorted}");
    let o = cdpfusion(&[&limited[..], &["-c", &explain]].concat());
    let spills: Vec<u64> = stdout(&o)
        .split("spill_count=")
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .collect();
    assert!(spills.iter().any(|&n| n > 0), "no spill: {}", stdout(&o));
    assert_clean_failure(
        &cdpfusion(&["-m", "lots", "-c", "SELECT 1"]),
        "--memory-limit: expected a size",
    );
}

#[test]
fn cdpfusion_functions_are_found_as_datafusions_are() {
    let o = cdpfusion(&["-q", "--format", "json", "-c", "SHOW FUNCTIONS LIKE 'normalize%'"]);
    let listed = stdout(&o);
    assert!(
        listed.contains(r#""function_name":"normalize_phone","parameters":["phone""#)
            && listed.contains("SCALAR"),
        "{listed}{}",
        stderr(&o)
    );
    assert!(listed.contains("normalize_email"), "{listed}");
    let o = cdpfusion(&["-q", "--format", "json", "-c", "SHOW FUNCTIONS LIKE 'resolve_%'"]);
    assert!(
        stdout(&o).contains("resolve_identities") && stdout(&o).contains("TABLE"),
        "{}",
        stdout(&o)
    );
    // DataFusion's own are still there.
    let o = cdpfusion(&["-q", "--format", "json", "-c", "SHOW FUNCTIONS LIKE 'abs'"]);
    assert!(
        stdout(&o).contains("Returns the absolute value"),
        "{}",
        stdout(&o)
    );
    let o = cdpfusion(&["-q", "-c", "\\h normalize_phone"]);
    let help = stdout(&o);
    assert!(
        help.starts_with("normalize_phone (scalar)") && help.contains("Example:"),
        "{help}{}",
        stderr(&o)
    );
}

#[test]
fn completion_scripts_name_the_subcommands_and_options() {
    for shell in ["bash", "zsh", "fish"] {
        let o = cdpfusion(&["completions", shell]);
        let script = stdout(&o);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        for word in ["serve", "hash-password", "memory-limit", "data-root"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    // clap's usage error: it names the value and the shells there are.
    let o = cdpfusion(&["completions", "cmd.exe"]);
    assert!(
        !o.status.success() && stderr(&o).contains("invalid value 'cmd.exe'"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("bash, elvish, fish, powershell, zsh"),
        "{}",
        stderr(&o)
    );
}
