//! `cdpfusion serve` with a real `psql` (Debian's postgresql-client):
//! logins, cdpfusion functions and segment statements over the wire, the
//! catalog views psql reads for `\dt`, errors that leave the connection
//! usable, --read-only, TLS and a clean stop on SIGTERM. The psycopg tests
//! and the load test are in python/tests/test_server.py.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Running, cdpfusion, free_port, start_listening, stderr, stdout};

const PASSWORD: &str = "s3cret-for-tests";

struct Server {
    port: u16,
    process: Running,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users");
        std::fs::write(&users, format!("# who may connect\nanalyst:{PASSWORD}\n")).unwrap();
        let init = dir.path().join("init.sql");
        std::fs::write(
            &init,
            "CREATE TABLE leads AS SELECT * FROM (VALUES (1, '138-0013-8000'), (2, '+86 139 0000 0000')) AS t(lead_id, phone);",
        )
        .unwrap();
        let segments = dir.path().join("segments");
        let serve = |port: u16| {
            let mut command = cdpfusion();
            command
                .args(["serve", "--port", &port.to_string()])
                .args([
                    "--users-file",
                    users.to_str().unwrap(),
                    "--init",
                    init.to_str().unwrap(),
                ])
                .args(["--catalog", segments.to_str().unwrap()])
                .args(extra)
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            command
        };
        let (process, port) = start_listening(serve, "cdpfusion serve");
        Self {
            port,
            process,
            _dir: dir,
        }
    }

    fn psql_as(&self, password: &str, options: &str, commands: &[&str]) -> Output {
        let mut command = Command::new("psql");
        command
            .arg(format!(
                "host=127.0.0.1 port={} user=analyst dbname=datafusion {options}",
                self.port
            ))
            .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=0"])
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10");
        for sql in commands {
            command.args(["-c", sql]);
        }
        command
            .output()
            .expect("psql (apt-get install postgresql-client)")
    }

    fn psql(&self, commands: &[&str]) -> Output {
        self.psql_as(PASSWORD, "sslmode=disable", commands)
    }

    fn rows(&self, commands: &[&str]) -> String {
        let o = self.psql(commands);
        assert!(o.status.success(), "{commands:?}: {}", stderr(&o));
        stdout(&o).trim().to_string()
    }
}

#[test]
fn psql_runs_cdpfusion_functions_and_catalog_queries() {
    let server = Server::start(&[]);
    assert_eq!(
        server.rows(&["SELECT lead_id, normalize_phone(phone) FROM leads ORDER BY lead_id"]),
        "1|+8613800138000\n2|+8613900000000"
    );
    // Aggregates and table functions of cdpfusion, through the wire.
    let resolved = server.rows(&[
        "SELECT count(DISTINCT one_id) FROM resolve_identities('SELECT 1 AS record_id, ''phone'' AS id_type, ''+8613800138000'' AS id_value UNION ALL SELECT 1, ''crm_id'', ''C1''')",
    ]);
    assert_eq!(resolved, "1");
    // What psql's \dt and BI tools read on connect.
    let tables = server.rows(&["\\dt"]);
    assert!(tables.contains("leads"), "{tables}");
    assert_eq!(
        server.rows(&["SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'leads'"]),
        "t"
    );
    // \df runs; \copy exports through COPY ... TO STDOUT; the user is who
    // logged in.
    server.rows(&["\\df"]);
    assert_eq!(
        server.rows(&[
            "\\copy (SELECT lead_id, normalize_phone(phone) FROM leads ORDER BY 1) TO STDOUT WITH CSV"
        ]),
        "1,+8613800138000\n2,+8613900000000"
    );
    assert_eq!(server.rows(&["SELECT current_user"]), "analyst");
    let listed = server.rows(&["SHOW FUNCTIONS LIKE 'mask%'"]);
    assert!(listed.starts_with("mask_phone|"), "{listed}");
}

#[test]
fn segment_statements_work_over_the_wire() {
    let server = Server::start(&[]);
    let out = server.rows(&[
        "CREATE SEGMENT callback AS SELECT lead_id AS one_id FROM leads",
        "SHOW SEGMENTS",
        "SELECT one_id FROM segment_members('callback') ORDER BY one_id",
        "DROP SEGMENT callback",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("callback|2|2|0|"), "{out}");
    assert!(lines[1].starts_with("callback|2|"), "{out}");
    assert_eq!(&lines[2..4], ["1", "2"], "{out}");
    assert_eq!(lines[4], "callback|t", "{out}");
}

#[test]
fn a_wrong_password_is_rejected() {
    let server = Server::start(&[]);
    let o = server.psql_as("not-the-password", "sslmode=disable", &["SELECT 1"]);
    assert!(!o.status.success());
    let refusal = stderr(&o).to_lowercase();
    assert!(refusal.contains("password authentication failed"), "{refusal}");
    let o = server.psql_as(PASSWORD, "sslmode=disable", &["SELECT 1"]);
    assert_eq!(stdout(&o).trim(), "1", "{}", stderr(&o));
}

#[test]
fn a_failing_query_leaves_the_connection_usable() {
    let server = Server::start(&[]);
    let o = server.psql(&[
        "SELECT no_such_function(1)",
        "SELECT normalize_phone(1, 2, 3)",
        "SELECT 40 + 2",
    ]);
    assert_eq!(stdout(&o).trim(), "42", "{}", stderr(&o));
    let errors = stderr(&o);
    assert!(errors.contains("no_such_function"), "{errors}");
    assert!(errors.contains("normalize_phone"), "{errors}");
}

#[test]
fn read_only_refuses_writes_with_a_clear_error() {
    let server = Server::start(&["--read-only"]);
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("out.parquet");
    let refused = [
        "CREATE VIEW v AS SELECT 1".to_string(),
        "CREATE SEGMENT s AS SELECT 1 AS one_id".to_string(),
        format!("COPY (SELECT 1) TO '{}'", export.display()),
        format!(
            "CREATE EXTERNAL TABLE t STORED AS PARQUET LOCATION '{}'",
            export.display()
        ),
        "SET datafusion.execution.batch_size = 10".to_string(),
        "SET \"datafusion.execution.batch_size\" = 10".to_string(),
        "SET LOCAL \"cdpfusion.catalog\" = '/tmp/planted'".to_string(),
    ];
    for sql in &refused {
        let o = server.psql(&[sql]);
        assert!(stderr(&o).contains("--read-only"), "{sql}: {}", stderr(&o));
    }
    assert!(!Path::new(&export).exists());
    assert_eq!(server.rows(&["SELECT count(*) FROM leads", "SHOW SEGMENTS"]), "2");
}

#[test]
fn ctrl_c_in_psql_cancels_the_running_query_with_postgresqls_message() {
    let server = Server::start(&[]);
    let psql = Command::new("psql")
        .arg(format!(
            "host=127.0.0.1 port={} user=analyst dbname=datafusion sslmode=disable",
            server.port
        ))
        .args(["-X", "-A", "-t", "-v", "ON_ERROR_STOP=0"])
        .args(["-c", "SELECT count(*) FROM generate_series(1, 100000000000)"])
        .env("PGPASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("psql");
    std::thread::sleep(Duration::from_millis(1500));
    let started = Instant::now();
    let pid = psql.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let o = psql.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr(&o).contains("canceling statement due to user request"),
        "{}",
        stderr(&o)
    );
    // psql ends a script on Ctrl-C, as it does with PostgreSQL; the server
    // goes on.
    assert_eq!(server.rows(&["SELECT 40 + 2"]), "42");
}

fn self_signed_certificate(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let o = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-keyout", key.to_str().unwrap(), "-out", cert.to_str().unwrap()])
        .output()
        .expect("openssl");
    assert!(o.status.success(), "{}", stderr(&o));
    (cert, key)
}

#[test]
fn tls_is_served_and_a_bad_certificate_stops_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed_certificate(dir.path());
    let server = Server::start(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    // sslmode=require fails rather than fall back to clear text.
    let o = server.psql_as(PASSWORD, "sslmode=require", &["SELECT 7"]);
    assert_eq!(stdout(&o).trim(), "7", "{}", stderr(&o));

    let o = cdpfusion()
        .args(["serve", "--port", &free_port().to_string()])
        .args([
            "--tls-cert",
            key.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .env("CDPFUSION_USERS", "a:b")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("TLS certificate"), "{}", stderr(&o));
}

#[test]
fn the_server_needs_users_and_stops_cleanly_on_sigterm() {
    let o = cdpfusion()
        .args(["serve", "--port", &free_port().to_string()])
        .env_remove("CDPFUSION_USERS")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no users configured"), "{}", stderr(&o));

    let mut server = Server::start(&[]);
    assert_eq!(server.rows(&["SELECT 1"]), "1");
    let pid = server.process.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.process.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}");
    let mut log = String::new();
    std::io::Read::read_to_string(server.process.0.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("cdpfusion server stopped"), "{log}");
}
