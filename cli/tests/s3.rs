//! `s3://` against a real S3-compatible server on loopback (moto's server,
//! installed by scripts/install-test-tools.sh): reading Parquet by path and
//! through CREATE EXTERNAL TABLE, exporting an audience with COPY, the
//! segment catalog in a bucket, and errors that never show a credential.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output};

use common::{Running, cdpfusion, start_listening, stderr, stdout};

const SECRET: &str = "cdpfusion-test-secret-0f9c";

struct S3Server {
    port: u16,
    _process: Running,
}

impl S3Server {
    fn start() -> Self {
        let moto = |port: u16| {
            let mut command = Command::new("python3");
            command
                .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null());
            command
        };
        let (process, port) = start_listening(moto, "the moto S3 server (pip install 'moto[server]')");
        Self {
            port,
            _process: process,
        }
    }

    /// A connection to the server; retried for a few seconds, as moto on a
    /// loaded machine has been seen to refuse one right after it listened.
    fn connect(&self) -> TcpStream {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            match TcpStream::connect(("127.0.0.1", self.port)) {
                Ok(stream) => return stream,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("moto on port {}: {e}; retrying", self.port);
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(e) => panic!("moto on port {}: {e}", self.port),
            }
        }
    }

    /// Buckets are made out of band, as an administrator would.
    fn create_bucket(&self, bucket: &str) {
        let mut stream = self.connect();
        write!(
            stream,
            "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "create bucket: {response}");
    }

    /// The bucket's listing under `prefix` (ListObjectsV2's XML).
    fn list_keys(&self, bucket: &str, prefix: &str) -> String {
        let mut stream = self.connect();
        write!(
            stream,
            "GET /{bucket}?list-type=2&prefix={prefix} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    /// The shell, configured only by the AWS environment variables.
    fn cdpfusion(&self, args: &[&str]) -> Output {
        cdpfusion()
            .args(args)
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", self.port))
            .env("AWS_ALLOW_HTTP", "true")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "cdpfusion-test-key")
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .output()
            .expect("run cdpfusion")
    }

    fn query(&self, args: &[&str]) -> String {
        let o = self.cdpfusion(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        stdout(&o)
    }
}

fn csv_query(sql: &str) -> Vec<&str> {
    vec!["-q", "--format", "csv", "-c", sql]
}

#[test]
fn parquet_on_s3_is_read_written_and_listed_as_a_table() {
    let s3 = S3Server::start();
    s3.create_bucket("dealer-lake");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let o = cdpfusion()
        .args(["generate", "--persons", "300", "--seed", "5", "--out", data])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));

    let local_leads = format!("SELECT count(*) AS n FROM '{data}/leads.parquet'");
    let expected = s3.query(&csv_query(&local_leads));
    let upload =
        format!("COPY (SELECT * FROM '{data}/leads.parquet') TO 's3://dealer-lake/raw/leads.parquet'");
    s3.query(&csv_query(&upload));
    let by_path = s3.query(&csv_query(
        "SELECT count(*) AS n FROM 's3://dealer-lake/raw/leads.parquet'",
    ));
    assert_eq!(by_path, expected);

    // An audience exported with COPY and read back through an external
    // table, in one shell run.
    let script = "
        COPY (SELECT DISTINCT normalize_phone(phone) AS phone FROM 's3://dealer-lake/raw/leads.parquet'
              WHERE normalize_phone(phone) IS NOT NULL)
          TO 's3://dealer-lake/audiences/callback/' STORED AS PARQUET;
        CREATE EXTERNAL TABLE callback STORED AS PARQUET LOCATION 's3://dealer-lake/audiences/callback/';
        SELECT count(*) > 0 AS any, count(*) = count(DISTINCT phone) AS distinct_phones,
               bool_and(phone LIKE '+%') AS normalised FROM callback;";
    let out = s3.query(&csv_query(script));
    assert!(
        out.trim_end()
            .ends_with("any,distinct_phones,normalised\ntrue,true,true"),
        "{out}"
    );
}

#[test]
fn segment_catalog_lives_in_a_bucket() {
    let s3 = S3Server::start();
    s3.create_bucket("cdp-segments");
    let catalog = "s3://cdp-segments/prod/segments";
    let create = "CREATE SEGMENT vip COMMENT 'top customers' AS \
                  SELECT column1 AS one_id FROM (VALUES (11), (7), (42), (7))";
    s3.query(&["-q", "--catalog", catalog, "-c", create]);
    // Another process sees it: the catalog is the bucket, not the process.
    let in_catalog = |sql: &str| s3.query(&["-q", "--format", "csv", "--catalog", catalog, "-c", sql]);
    let members = in_catalog("SELECT one_id FROM segment_members('vip') ORDER BY one_id");
    assert_eq!(members.trim(), "one_id\n7\n11\n42");
    // Snapshots are objects under the segment's snapshots/ prefix.
    let keys = s3.list_keys("cdp-segments", "prod/segments/vip/");
    assert!(keys.contains("<Key>prod/segments/vip/snapshots/1-"), "{keys}");
    assert!(!keys.contains("%2F"), "{keys}");
    let listed = in_catalog("REFRESH SEGMENT vip; SELECT name, size, comment FROM segments()");
    assert!(
        listed
            .trim_end()
            .ends_with("name,size,comment\nvip,3,top customers"),
        "{listed}"
    );
}

#[test]
fn s3_errors_name_the_location_and_never_a_credential() {
    let s3 = S3Server::start();
    let o = s3.cdpfusion(&csv_query("SELECT * FROM 's3://no-such-bucket/leads.parquet'"));
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("no-such-bucket"), "{err}");
    assert!(!err.contains(SECRET) && !err.contains("panicked"), "{err}");

    let o = s3.cdpfusion(&[
        "-q",
        "--catalog",
        "s3://no-such-bucket/segments",
        "-c",
        "SHOW SEGMENTS",
    ]);
    assert!(!o.status.success(), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("no-such-bucket") && !err.contains(SECRET), "{err}");
}
