"""`cdpfusion serve` with psycopg: queries, prepared statements, a wrong
password, read-only refusals, an error that leaves the connection usable,
and a bounded load test (50 clients x 200 queries)."""

import socket
import subprocess
import threading
import time

import psycopg
import pytest

PASSWORD = "pw-for-psycopg"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(cdpfusion_binary, tmp_path, request):
    read_only = getattr(request, "param", False)
    users = tmp_path / "users"
    users.write_text(f"analyst:{PASSWORD}\n")
    init = tmp_path / "init.sql"
    init.write_text(
        "CREATE TABLE leads AS SELECT * FROM (VALUES (1, '138-0013-8000'), (2, 'unknown')) AS t(lead_id, phone);"
    )
    port = free_port()
    args = [str(cdpfusion_binary), "serve", "--port", str(port), "--users-file", str(users)]
    args += ["--init", str(init), "--catalog", str(tmp_path / "segments")]
    if read_only:
        args.append("--read-only")
    # A file, not a pipe: the server logs every query, and a pipe nobody
    # reads fills up.
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(args, stderr=log, text=True)
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            assert time.time() < deadline, "the server did not start"
            time.sleep(0.1)
    yield port
    process.terminate()
    assert process.wait(timeout=30) == 0
    log.close()


def connect(port, password=PASSWORD):
    return psycopg.connect(
        host="127.0.0.1", port=port, user="analyst", password=password, dbname="datafusion", sslmode="disable",
        autocommit=True,
    )


def test_queries_and_parameters(server):
    with connect(server) as conn:
        rows = conn.execute("SELECT lead_id, normalize_phone(phone) FROM leads ORDER BY lead_id").fetchall()
        assert rows == [(1, "+8613800138000"), (2, None)]
        # Bound parameters go through the extended protocol.
        row = conn.execute("SELECT mask_phone(normalize_phone(%s)) AS m", ("13800138000",)).fetchone()
        assert row == ("+86138****8000",)


def test_segment_statements(server):
    with connect(server) as conn:
        created = conn.execute("CREATE SEGMENT callback AS SELECT lead_id AS one_id FROM leads").fetchone()
        assert created[:4] == ("callback", 2, 2, 0)
        names = [row[0] for row in conn.execute("SHOW SEGMENTS").fetchall()]
        assert names == ["callback"]
        assert conn.execute("SELECT count(*) FROM segment_members('callback')").fetchone() == (2,)


def test_identity_graph_statements(server):
    # Every statement the router knows reaches it over the wire, APPEND
    # (a first word no DataFusion statement has) included.
    links = "SELECT {r} AS record_id, 'crm' AS source, 'phone' AS id_type, '{p}' AS id_value"
    with connect(server) as conn:
        conn.execute("CREATE IDENTITY GRAPH g AS " + links.format(r=1, p="+8613800138000"))
        day_two = links.format(r=2, p="+8613800138000") + " UNION ALL " + links.format(r=2, p="+8613900139000")
        conn.execute("APPEND TO IDENTITY GRAPH g " + day_two)
        rows = conn.execute("SELECT id_value, cluster_size FROM identity_map('g') ORDER BY id_value").fetchall()
        assert rows == [("+8613800138000", 2), ("+8613900139000", 2)]
        assert [row[0] for row in conn.execute("SHOW IDENTITY GRAPHS").fetchall()] == ["g"]


def test_a_wrong_password_is_rejected(server):
    with pytest.raises(psycopg.OperationalError, match="(?i)password authentication failed"):
        connect(server, password="wrong")


def test_an_error_leaves_the_connection_usable(server):
    with connect(server) as conn:
        with pytest.raises(psycopg.Error, match="no_such_table"):
            conn.execute("SELECT * FROM no_such_table")
        assert conn.execute("SELECT 40 + 2").fetchone() == (42,)


@pytest.mark.parametrize("server", [True], indirect=True)
def test_read_only_refuses_writes(server):
    with connect(server) as conn:
        for statement in [
            "CREATE VIEW v AS SELECT 1",
            "CREATE SEGMENT s AS SELECT 1 AS one_id",
            "INSERT INTO leads VALUES (3, 'x')",
        ]:
            with pytest.raises(psycopg.Error, match="--read-only"):
                conn.execute(statement)
        assert conn.execute("SELECT count(*) FROM leads").fetchone() == (2,)


def test_fifty_clients_times_two_hundred_queries(server):
    clients, queries = 50, 200
    errors = []
    answered = [0] * clients

    def client(index):
        try:
            with connect(server) as conn:
                for i in range(queries):
                    row = conn.execute("SELECT %s::BIGINT + 1, normalize_phone('13800138000')", (i,)).fetchone()
                    assert row == (i + 1, "+8613800138000")
                    answered[index] += 1
        except Exception as e:  # collected and reported below
            errors.append(repr(e))

    started = time.time()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.time() - started
    assert errors == []
    assert sum(answered) == clients * queries
    print(f"\n{clients * queries} queries from {clients} clients in {took:.1f}s: {clients * queries / took:.0f} queries/s")
    with connect(server) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_bound_parameters_where_functions_want_constants(server):
    """`$1` for as_of, a window or a mode: planned before the value is known,
    run with it."""
    import datetime

    as_of = datetime.datetime(2026, 6, 30, tzinfo=datetime.timezone.utc)
    events = (
        "SELECT * FROM (VALUES ('lead', TIMESTAMP '2026-06-01 10:00:00', 30.0, 100.0),"
        " ('test_drive', TIMESTAMP '2026-06-02 10:00:00', 60.0, 0.0)) AS t(event_type, ts, dwell, amount)"
    )
    with connect(server) as conn:
        stage = conn.execute(f"SELECT lifecycle_stage(event_type, ts, %s) FROM ({events})", (as_of,)).fetchone()
        assert stage == ("prospect",)
        same = conn.execute(
            f"SELECT lifecycle_stage(event_type, ts, TIMESTAMP '2026-06-30 00:00:00') FROM ({events})"
        ).fetchone()
        assert stage == same
        recency = conn.execute(f"SELECT get_field(rfm(ts, amount, %s), 'recency_days') FROM ({events})", (as_of,)).fetchone()
        assert recency == (27,)
        score = conn.execute(f"SELECT lead_score(event_type, ts, dwell, %s) FROM ({events})", (as_of,)).fetchone()
        assert score == conn.execute(
            f"SELECT lead_score(event_type, ts, dwell, TIMESTAMPTZ '2026-06-30 00:00:00+00') FROM ({events})"
        ).fetchone()
        for window in (86400 * 2, "2 days"):
            steps = conn.execute(
                f"SELECT window_funnel(%s, ts, event_type = 'lead', event_type = 'test_drive') FROM ({events})",
                (window,),
            ).fetchone()
            assert steps == (2,), window
        steps = conn.execute(
            f"SELECT window_funnel(%s, ts, event_type = 'lead', event_type = 'test_drive') FROM ({events})",
            (3600,),
        ).fetchone()
        assert steps == (1,)
