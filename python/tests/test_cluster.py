"""cdpfusion on a real Ballista cluster (a `cdpfusion scheduler` and an
`cdpfusion executor` process on loopback): `connect(remote=...)` and
`serve --remote` give what a local session gives, and a scheduler nobody
runs is a clear error at once."""

import socket
import subprocess
import time

import psycopg
import pytest

import cdpfusion

PASSWORD = "pw-for-cluster"

QUERY = """
SELECT channel, count(*) AS leads, count(DISTINCT normalize_phone(phone)) AS phones
FROM leads GROUP BY channel ORDER BY channel
"""


def free_port(pairs=False):
    """A free loopback port; with `pairs`, the next one is free too (an
    executor takes two)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if not pairs or port == 65535:
            return port
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
                return port
            except OSError:
                continue


def start(args, log, port):
    process = subprocess.Popen(args, stderr=open(log, "w"))
    deadline = time.time() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.time() < deadline, f"{args[1]} did not start"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(cdpfusion_binary, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cluster")
    scheduler_port, executor_port = free_port(), free_port(pairs=True)
    processes = [
        start([str(cdpfusion_binary), "scheduler", "--bind", f"127.0.0.1:{scheduler_port}"], tmp / "scheduler.log",
              scheduler_port)
    ]
    processes.append(start(
        [str(cdpfusion_binary), "executor", "--scheduler", f"127.0.0.1:{scheduler_port}",
         "--bind", f"127.0.0.1:{executor_port}", "--concurrent-tasks", "2"],
        tmp / "executor.log", executor_port))
    leads = tmp / "leads.parquet"
    local = cdpfusion.connect(catalog=str(tmp / "segments"))
    local.sql(
        "COPY (SELECT * FROM (VALUES ('L1', '138-0013-8000', 'app'), ('L2', '+86 139 0000 0000', 'wecom'), "
        "('L3', '13800138000', 'app'), ('L4', 'unknown', 'web'), ('L5', NULL, 'wecom')) AS t(lead_id, phone, channel)) "
        f"TO '{leads}' STORED AS PARQUET"
    ).to_arrow()
    yield f"df://127.0.0.1:{scheduler_port}", leads, tmp
    for process in reversed(processes):
        process.terminate()
        process.wait(timeout=30)


def test_a_remote_session_gives_what_a_local_one_gives(cluster, tmp_path):
    url, leads, _ = cluster
    sessions = {
        "local": cdpfusion.connect(catalog=str(tmp_path / "local")),
        "remote": cdpfusion.connect(catalog=str(tmp_path / "remote"), remote=url),
    }
    results = {}
    for where, ctx in sessions.items():
        ctx.sql(f"CREATE EXTERNAL TABLE leads STORED AS PARQUET LOCATION '{leads}'").to_arrow()
        results[where] = ctx.sql(QUERY).to_pandas()
    assert results["local"].to_dict("records") == [
        {"channel": "app", "leads": 2, "phones": 1},
        {"channel": "web", "leads": 1, "phones": 0},
        {"channel": "wecom", "leads": 2, "phones": 1},
    ]
    assert results["remote"].equals(results["local"])
    plans = sessions["remote"].sql("EXPLAIN SELECT count(*) FROM leads").to_pandas()
    assert "distributed_plan" in plans["plan_type"].tolist()


def test_an_unreachable_scheduler_is_a_clear_error():
    port = free_port()
    started = time.time()
    with pytest.raises(cdpfusion.SQLError, match=f"cannot reach a cdpfusion scheduler at df://127.0.0.1:{port}"):
        cdpfusion.connect(remote=f"df://127.0.0.1:{port}")
    assert time.time() - started < 10


def test_serve_remote_answers_psycopg_from_the_cluster(cdpfusion_binary, cluster):
    url, leads, tmp = cluster
    users = tmp / "users"
    users.write_text(f"analyst:{PASSWORD}\n")
    users.chmod(0o600)
    init = tmp / "init.sql"
    init.write_text(f"CREATE EXTERNAL TABLE leads STORED AS PARQUET LOCATION '{leads}';")
    port = free_port()
    server = start(
        [str(cdpfusion_binary), "serve", "--port", str(port), "--users-file", str(users), "--remote", url,
         "--init", str(init), "--catalog", str(tmp / "served-segments"), "--data-root", str(tmp)],
        tmp / "server.log", port)
    try:
        with psycopg.connect(host="127.0.0.1", port=port, user="analyst", password=PASSWORD, dbname="datafusion",
                             sslmode="disable", autocommit=True) as conn:
            rows = conn.execute(QUERY).fetchall()
            assert rows == [("app", 2, 1), ("web", 1, 0), ("wecom", 2, 1)]
            plans = [row[0] for row in conn.execute("EXPLAIN SELECT count(*) FROM leads").fetchall()]
            assert "distributed_plan" in plans
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0
