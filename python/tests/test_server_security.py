"""`cdpfusion serve` under attack and under load, with real clients (psycopg,
and a raw socket where a client library would hide what is tested):
sessions of their own per connection, read-only settings however spelled
and by either protocol, data roots, SCRAM verifiers, logins that do not
tell users apart, back-off, connection limit, login timeout, cancel,
statement_timeout and logs."""

import base64
import os
import socket
import stat
import struct
import subprocess
import threading
import time

import psycopg
import pytest

PASSWORD = "pw-for-security-tests"
# Counts far past what any test waits for: only a cancel or a timeout ends it.
ENDLESS = "SELECT count(*) FROM generate_series(1, 100000000000)"
pytestmark = pytest.mark.timeout(180)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, tmp_path, *extra, users=None):
        self.dir = tmp_path
        self.data = tmp_path / "data"
        self.data.mkdir(exist_ok=True)
        (self.data / "leads.csv").write_text("lead_id,phone\n1,13800138000\n")
        (tmp_path / "outside.csv").write_text("secret\nplanted\n")
        self.users = tmp_path / "users"
        self.users.write_text(users if users is not None else f"analyst:{PASSWORD}\n")
        self.port = free_port()
        self.log_path = tmp_path / f"server-{self.port}.log"
        args = [str(binary), "serve", "--port", str(self.port), "--users-file", str(self.users)]
        args += ["--catalog", str(tmp_path / "segments"), *extra]
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(args, stderr=self.log, env={**os.environ, "RUST_LOG": ""})
        deadline = time.time() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.process.poll() is None, self.log_path.read_text()
                assert time.time() < deadline, "the server did not start"
                time.sleep(0.1)

    def connect(self, user="analyst", password=PASSWORD, **options):
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=user, password=password, dbname="datafusion",
            sslmode="disable", autocommit=True, connect_timeout=10, **options,
        )

    def logs(self, waiting_for=None):
        """The server's log; with `waiting_for`, once that text is in it (a
        thread of the server writes the log, after the client has its
        answer), or after 10 s."""
        deadline = time.time() + 10
        while waiting_for is not None and waiting_for not in self.log_path.read_text() and time.time() < deadline:
            time.sleep(0.05)
        return self.log_path.read_text()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


@pytest.fixture
def start(cdpfusion_binary, tmp_path):
    servers = []

    def start(*extra, users=None):
        server = Server(cdpfusion_binary, tmp_path, *extra, users=users)
        servers.append(server)
        return server

    start.tmp_path = tmp_path
    (tmp_path / "data").mkdir()
    yield start
    for server in servers:
        server.stop()


def setting(conn, name):
    return conn.execute(f"SELECT value FROM information_schema.df_settings WHERE name = '{name}'").fetchone()[0]


def test_each_connection_has_its_own_settings(start):
    server = start()
    with server.connect() as a, server.connect() as b:
        default = setting(b, "datafusion.execution.batch_size")
        a.execute("SET datafusion.execution.batch_size = 7")
        assert setting(a, "datafusion.execution.batch_size") == "7"
        assert setting(b, "datafusion.execution.batch_size") == default
        # Tables are shared, as in PostgreSQL.
        a.execute("CREATE TABLE shared AS SELECT 1 AS x")
        assert b.execute("SELECT x FROM shared").fetchone() == (1,)


@pytest.mark.parametrize(
    "statement",
    [
        'SET "datafusion.execution.batch_size" = 7',
        "SET DataFusion.Execution.Batch_Size TO 7",
        "SET LOCAL datafusion.execution.batch_size = 7",
        "SET \"datafusion.runtime.memory_limit\" = '1K'",
        "SET \"cdpfusion.catalog\" = '/tmp/planted'",
    ],
)
def test_read_only_refuses_engine_settings_however_spelled_and_by_both_protocols(start, statement):
    server = start("--read-only")
    with server.connect() as conn:
        for prepare in (False, True):
            with pytest.raises(psycopg.Error, match="--read-only") as refused:
                conn.execute(statement, prepare=prepare)
            assert refused.value.sqlstate == "25006"
        # Client settings stay allowed.
        conn.execute("SET application_name = 'bi'")
        conn.execute("SET statement_timeout = '5s'")
        assert setting(conn, "datafusion.execution.batch_size") == "8192"


def test_only_files_under_the_data_roots_are_served(start):
    server = start("--data-root", str(start.tmp_path / "data"))
    data, outside = server.data, server.dir / "outside.csv"
    with server.connect() as conn:
        assert conn.execute(f"SELECT lead_id FROM '{data / 'leads.csv'}'").fetchone() == (1,)
        refused = [
            f"SELECT * FROM '{outside}'",
            f"SELECT * FROM '{data}/../outside.csv'",
            f"SELECT * FROM '{server.users}'",
            f"CREATE EXTERNAL TABLE planted STORED AS CSV LOCATION '{outside}' OPTIONS ('format.has_header' 'true')",
            f"COPY (SELECT 1) TO '{server.dir / 'written.csv'}'",
            # datafusion-cli's function opens the file itself: checked too.
            f"SELECT * FROM parquet_metadata('{outside}')",
            # A file read by the query inside a table function is checked too.
            "SELECT count(*) FROM resolve_identities("
            f"'SELECT secret AS record_id, ''phone'' AS id_type, secret AS id_value FROM ''{outside}''')",
        ]
        for sql in refused:
            with pytest.raises(psycopg.Error, match="outside this server's data roots") as error:
                conn.execute(sql).fetchall()
            assert "planted" not in str(error.value), sql
        assert not (server.dir / "written.csv").exists()
        conn.execute(f"COPY (SELECT 1 AS x) TO '{data / 'written.csv'}'")
        assert (data / "written.csv").exists()


def test_the_users_file_takes_scram_verifiers_and_warns_about_plaintext(start, cdpfusion_binary):
    verifier = subprocess.run(
        [str(cdpfusion_binary), "hash-password"], input=f"{PASSWORD}\n", capture_output=True, text=True, check=True
    ).stdout.strip()
    assert verifier.startswith("SCRAM-SHA-256$4096:") and PASSWORD not in verifier
    server = start(users=f"analyst:{verifier}\n")
    os.chmod(server.users, stat.S_IRUSR | stat.S_IWUSR)
    with server.connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        server.connect(password="wrong")
    # Start-up warnings are written before any login is.
    assert "plaintext" not in server.logs(waiting_for="login failed")

    plaintext = start(users=f"analyst:{PASSWORD}\n")
    os.chmod(plaintext.users, 0o644)
    plaintext.stop()
    plaintext = start(users=f"analyst:{PASSWORD}\n")
    logs = plaintext.logs(waiting_for="plaintext passwords")
    assert "plaintext passwords (users analyst)" in logs
    assert "can be read by other users" in logs
    assert PASSWORD not in logs


def message(kind, payload):
    return kind + struct.pack("!I", len(payload) + 4) + payload


def read_message(sock):
    header = b""
    while len(header) < 5:
        chunk = sock.recv(5 - len(header))
        if not chunk:
            return None, b""
        header += chunk
    kind, length = header[:1], struct.unpack("!I", header[1:])[0]
    body = b""
    while len(body) < length - 4:
        body += sock.recv(length - 4 - len(body))
    return kind, body


def scram_first_reply(port, user):
    """What the server answers to a client's first SCRAM message."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        params = b"user\0" + user.encode() + b"\0database\0datafusion\0\0"
        sock.sendall(struct.pack("!II", len(params) + 8, 196608) + params)
        kind, body = read_message(sock)
        assert kind == b"R" and struct.unpack("!I", body[:4])[0] == 10, (kind, body)
        first = b"n,,n=,r=" + base64.b64encode(os.urandom(18))
        sock.sendall(message(b"p", b"SCRAM-SHA-256\0" + struct.pack("!I", len(first)) + first))
        kind, body = read_message(sock)
        code = struct.unpack("!I", body[:4])[0] if kind == b"R" else None
        return kind, code, body


def test_unknown_users_cannot_be_told_from_known_ones(start):
    server = start()
    known = scram_first_reply(server.port, "analyst")
    unknown = scram_first_reply(server.port, "nobody")
    # Both get the server's first SCRAM message (SASLContinue, code 11).
    assert known[:2] == (b"R", 11) and unknown[:2] == (b"R", 11)
    # The salt of a user who does not exist is the same on every attempt.
    salt = lambda reply: [p for p in reply[2][4:].split(b",") if p.startswith(b"s=")]
    assert salt(unknown) == salt(scram_first_reply(server.port, "nobody"))
    errors = []
    for user in ("analyst", "nobody"):
        with pytest.raises(psycopg.OperationalError) as error:
            server.connect(user=user, password="wrong")
        errors.append(str(error.value).replace(user, "<user>"))
    assert errors[0] == errors[1]


def test_failed_logins_are_slowed_per_address_and_logged(start):
    server = start()
    took = []
    for _ in range(6):
        started = time.time()
        with pytest.raises(psycopg.OperationalError):
            server.connect(password="wrong")
        took.append(time.time() - started)
    # Three free failures, then 0.25 s, 0.5 s, 1 s.
    assert max(took[:3]) < 0.25 <= took[3] and took[5] >= 1.0, took
    logs = server.logs(waiting_for="failures=6")
    assert logs.count("login failed") == 6 and "peer=127.0.0.1" in logs, logs
    assert "wrong" not in logs


def test_connections_over_the_limit_are_refused_and_silent_sockets_closed(start):
    server = start("--max-connections", "2", "--login-timeout", "1")
    with server.connect(), server.connect():
        with pytest.raises(psycopg.OperationalError, match="too many clients"):
            server.connect()
    # A socket that never logs in is closed after the login timeout. The
    # server frees the two slots just above once it sees them closed: until
    # then a new socket is still refused (an 'E' error message first).
    deadline = time.time() + 10
    while True:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as idle:
            started = time.time()
            first = idle.recv(1)
        if first == b"E" and time.time() < deadline:
            time.sleep(0.1)
            continue
        assert first == b""
        assert time.time() - started < 5
        break
    with server.connect() as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert "no login within" in server.logs(waiting_for="no login within")


def test_cancel_stops_a_running_query_and_the_connection_stays_usable(start):
    server = start()
    with server.connect() as conn:
        threading.Timer(1.0, conn.cancel).start()
        started = time.time()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute(ENDLESS).fetchall()
        assert time.time() - started < 10
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)


def test_statement_timeout_stops_a_query_in_either_protocol(start):
    server = start()
    with server.connect() as conn:
        conn.execute("SET statement_timeout = '1s'")
        for prepare in (False, True):
            started = time.time()
            with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
                conn.execute(ENDLESS, prepare=prepare).fetchall()
            assert time.time() - started < 10
        assert conn.execute("SELECT 1").fetchone() == (1,)
        conn.execute("SET statement_timeout = 0")
        assert conn.execute("SELECT count(*) FROM generate_series(1, 1000)").fetchone() == (1000,)


def test_the_log_has_logins_and_query_durations_but_no_query_text_by_default(start):
    server = start()
    with server.connect() as conn:
        conn.execute("SELECT 'a-literal-value'").fetchall()
    logs = server.logs(waiting_for="query finished")
    assert "logged in" in logs and "user=\"analyst\"" in logs or "user=analyst" in logs, logs
    assert "query finished" in logs and "seconds=" in logs, logs
    assert "a-literal-value" not in logs
    verbose = start("-v")
    with verbose.connect() as conn:
        conn.execute("SELECT 'a-literal-value'").fetchall()
    assert "a-literal-value" in verbose.logs(waiting_for="a-literal-value")
