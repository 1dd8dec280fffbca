#!/usr/bin/env python3
"""Side-by-side: the same workload in cdpfusion and in DuckDB, on the same
Parquet files written by `cdpfusion generate`. Prints medians and ratios.

    pip install -r benches/compare/requirements.txt
    cargo build --release
    python3 benches/compare/compare.py --persons 1000000 --runs 3

Workloads:
  one_id     read the sources, normalise phones and emails, link identifiers
             that share a record, and find persons (connected components).
             cdpfusion: resolve_identities over the demo's source_links view (the
             sources' own identifiers, without the demo's fuzzy matches).
             DuckDB: what a skilled analyst writes today: normalise with regexps,
             build edges with a self-join on the record, drop identifiers linked
             to more than 50 others, then iterative min-label propagation in SQL
             until no label changes.
  funnel     persons per deepest step of leave_info -> store_visit -> test_drive
             -> order -> delivery within 365 days, from events.parquet.
             cdpfusion: window_funnel. DuckDB: a self-join per step taking the
             earliest next event within the window of each start.
  lifecycle  persons per lifecycle stage as of the data's end, from
             events.parquet. cdpfusion: lifecycle_stage. DuckDB: conditional
             aggregation (max(ts) FILTER per milestone) and a CASE.
  rfm        recency, frequency and net monetary value per person over orders
             and service visits. cdpfusion: rfm. DuckDB: max/count/sum with
             FILTERs; both summed over persons to compare.
  lead_score activity score per person (decay, per-type caps, saturation).
             cdpfusion: lead_score. DuckDB: the same formula as a sum per
             (person, event type), capped, then summed per person.
  segments   demo step 09's two audiences (SUV test-drive invitation, churned
             owners), defined at the end of March and refreshed at the end of
             June: size, entered, exited of each.
             cdpfusion: CREATE SEGMENT, REFRESH SEGMENT, segment_changes (the
             catalog is written to disk). DuckDB: a member table per refresh
             and the changes by EXCEPT.

Floors: not features but the least any engine's plan for a workload costs,
to show how far a speed target is from what the scan and grouping allow.
  links      one_id's input alone: read the sources, normalise, unnest into
             (record_id, id_type, id_value) rows; both engines as in one_id,
             summed so every column is computed.
  group_by   the grouping under funnel and lifecycle alone: max(ts) per
             one_id over events.parquet, summed.

events.parquet (one_id, event_type, ts, amount_cny, dwell_s) and device_person.parquet
(device_id, one_id) are written once per dataset by the
demo's One-ID and events steps, so both engines aggregate the same rows.
"""

import argparse
import os
import pathlib
import resource
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TABLES = [
    "crm_customers", "leads", "app_events", "dms_orders", "service_visits", "surveys", "stores", "insurance_policies",
]


def cdpfusion_binary(given):
    if given:
        return given.resolve()
    binary = ROOT / "target" / "release" / "cdpfusion"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release"], cwd=ROOT, check=True)
    return binary


def ensure_data(binary, persons, data_dir):
    manifest = data_dir / "_cdpfusion_dataset.txt"
    if manifest.exists() and f"persons {persons}\n" in manifest.read_text() and "seed 42\n" in manifest.read_text():
        return
    subprocess.run([str(binary), "generate", "--persons", str(persons), "--out", str(data_dir), "--seed", "42"], check=True)


def cdpfusion_one_id(binary, data_dir, workdir):
    links_view = (ROOT / "datagen" / "demo" / "02_identifier_links.sql").read_text()
    # The views, up to the end of source_links (the sources' own identifiers:
    # what the DuckDB side links; the demo adds fuzzy matches after it).
    links_view = links_view[: links_view.index(";", links_view.index("CREATE VIEW source_links")) + 1]
    tables = "\n".join(
        f"CREATE EXTERNAL TABLE {t} STORED AS PARQUET LOCATION '{data_dir / (t + '.parquet')}';" for t in TABLES
    )
    script = workdir / "one_id.sql"
    script.write_text(
        tables
        + "\n"
        + links_view
        + "\nSELECT count(DISTINCT one_id) AS persons FROM resolve_identities('SELECT * FROM source_links');\n"
    )
    started = time.perf_counter()
    out = subprocess.run(
        [str(binary), "-q", "--format", "csv", "-f", str(script)], check=True, capture_output=True, text=True
    ).stdout
    elapsed = time.perf_counter() - started
    return elapsed, int(out.strip().splitlines()[-1])


DUCKDB_LINKS = r"""
CREATE OR REPLACE MACRO norm_phone(p) AS (
  CASE WHEN regexp_matches(regexp_replace(translate(p, '０１２３４５６７８９＋', '0123456789+'), '[^0-9+]', '', 'g'),
                           '^(\+86|0086|86|0)?1[3-9][0-9]{9}$')
       THEN '+86' || right(regexp_replace(translate(p, '０１２３４５６７８９', '0123456789'), '[^0-9]', '', 'g'), 11) END);
CREATE OR REPLACE MACRO norm_email(e) AS (
  CASE WHEN regexp_matches(lower(trim(replace(e, '＠', '@'))), '^[^@\s]+@[^@\s]+\.[a-z]{2,}$')
       THEN lower(trim(replace(e, '＠', '@'))) END);
CREATE OR REPLACE TABLE links AS
SELECT record_id, id_type, id_value FROM (
  SELECT 'crm:' || crm_id AS record_id, unnest(['crm_id', 'phone', 'email']) AS id_type,
         unnest([crm_id, norm_phone(phone), norm_email(email)]) AS id_value FROM read_parquet('{d}/crm_customers.parquet')
  UNION ALL SELECT 'lead:' || lead_id, unnest(['phone', 'wechat_openid', 'device_id']),
         unnest([norm_phone(phone), wechat_openid, device_id]) FROM read_parquet('{d}/leads.parquet')
  UNION ALL SELECT 'app:' || device_id || '/' || account_id, unnest(['device_id', 'account_id']), unnest([device_id, account_id])
         FROM (SELECT DISTINCT device_id, account_id FROM read_parquet('{d}/app_events.parquet') WHERE device_id IS NOT NULL AND account_id IS NOT NULL)
  UNION ALL SELECT 'order:' || order_id, unnest(['crm_id', 'phone', 'vin']),
         unnest([crm_id, norm_phone(phone), vin]) FROM read_parquet('{d}/dms_orders.parquet')
) WHERE id_value IS NOT NULL;
CREATE OR REPLACE TABLE nodes AS SELECT row_number() OVER () AS id, id_type, id_value FROM (SELECT DISTINCT id_type, id_value FROM links);
CREATE OR REPLACE TABLE memberships AS SELECT DISTINCT l.record_id, n.id FROM links l JOIN nodes n USING (id_type, id_value);
CREATE OR REPLACE TABLE edges AS SELECT DISTINCT a.id AS src, b.id AS dst FROM memberships a JOIN memberships b ON a.record_id = b.record_id AND a.id <> b.id;
CREATE OR REPLACE TABLE busy AS SELECT src AS id FROM edges GROUP BY src HAVING count(*) > 50;
DELETE FROM edges WHERE src IN (SELECT id FROM busy) OR dst IN (SELECT id FROM busy);
CREATE OR REPLACE TABLE labels AS SELECT id, id AS label FROM nodes;
"""

DUCKDB_STEP = """
CREATE OR REPLACE TABLE next_labels AS
SELECT l.id, least(l.label, coalesce(min(n.label), l.label)) AS label
FROM labels l LEFT JOIN edges e ON e.src = l.id LEFT JOIN labels n ON n.id = e.dst
GROUP BY l.id, l.label;
"""


LINK_SUMS = "SELECT count(*), sum(length(record_id)), sum(length(id_type)), sum(length(id_value)) FROM {links}"


def cdpfusion_links(binary, data_dir, workdir):
    links = demo_sql("02_identifier_links.sql")
    links = links[: links.index(";", links.index("CREATE VIEW source_links")) + 1]
    sql = external_tables(data_dir) + "\n" + links + "\n"
    return cdpfusion_query(binary, workdir, "links", sql + LINK_SUMS.format(links="source_links") + ";\n")


def duckdb_links_sql(data_dir):
    return DUCKDB_LINKS.replace("{d}", str(data_dir)).split("CREATE OR REPLACE TABLE nodes")[0] + LINK_SUMS.format(
        links="links"
    )


def duckdb_one_id(data_dir):
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(DUCKDB_LINKS.replace("{d}", str(data_dir)))
    iterations = 0
    while True:
        iterations += 1
        con.execute(DUCKDB_STEP)
        changed = con.execute("SELECT count(*) FROM next_labels n JOIN labels l USING (id) WHERE n.label <> l.label").fetchone()[0]
        con.execute("DROP TABLE labels; ALTER TABLE next_labels RENAME TO labels;")
        if changed == 0:
            break
    persons = con.execute("SELECT count(DISTINCT label) FROM labels").fetchone()[0]
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, persons, iterations


def external_tables(data_dir):
    return "\n".join(
        f"CREATE EXTERNAL TABLE {t} STORED AS PARQUET LOCATION '{data_dir / (t + '.parquet')}';" for t in TABLES
    )


def demo_sql(name):
    """A demo step's statements, without the report query at its end."""
    text = (ROOT / "datagen" / "demo" / name).read_text()
    return text[: text.rindex("\nSELECT ")]


def ensure_events(binary, data_dir, workdir):
    events = data_dir / "events.parquet"
    device_person = data_dir / "device_person.parquet"
    if events.exists() and device_person.exists():
        return events
    for stale in (events, device_person):
        stale.unlink(missing_ok=True)
    script = workdir / "events.sql"
    script.write_text(
        external_tables(data_dir)
        + "\n"
        + demo_sql("02_identifier_links.sql")
        + "\nCREATE TABLE one_id AS SELECT * FROM resolve_identities('SELECT * FROM identifier_links');\n"
        + "CREATE TABLE record_person AS SELECT * FROM resolve_records('SELECT * FROM identifier_links');\n"
        + demo_sql("05_events.sql")
        + "\nCOPY (SELECT one_id, event_type, ts, CAST(amount_cny AS DOUBLE) AS amount_cny, dwell_s FROM events"
        + f" WHERE one_id IS NOT NULL) TO '{events}';\n"
        + "COPY (SELECT id_value AS device_id, one_id FROM identifier_person WHERE id_type = 'device_id')"
        + f" TO '{device_person}';\n"
    )
    subprocess.run([str(binary), "-q", "-f", str(script)], check=True, capture_output=True)
    return events


STEPS = ["leave_info", "store_visit", "test_drive", "order", "delivery"]
AS_OF = "2026-06-30 23:59:59+08:00"


# Arguments every timed query's shell gets: cluster_bench.py adds `--remote`.
SHELL_ARGS = []


def cdpfusion_query(binary, workdir, name, sql):
    script = workdir / f"{name}.sql"
    script.write_text(sql)
    started = time.perf_counter()
    out = subprocess.run(
        [str(binary), "-q", "--format", "csv", *SHELL_ARGS, "-f", str(script)], check=True, capture_output=True,
        text=True,
    ).stdout
    elapsed = time.perf_counter() - started
    rows = [tuple(line.split(",")) for line in out.strip().splitlines()[1:]]
    return elapsed, rows


def cdpfusion_funnel(binary, events, workdir):
    conditions = ", ".join(f"event_type = '{s}'" for s in STEPS)
    return cdpfusion_query(
        binary,
        workdir,
        "funnel",
        f"""CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';
SELECT step, count(*) AS persons FROM (
  SELECT one_id, window_funnel(INTERVAL '365 days', ts, {conditions}) AS step FROM events GROUP BY one_id)
GROUP BY step ORDER BY step;
""",
    )


def cdpfusion_lifecycle(binary, events, workdir):
    return cdpfusion_query(
        binary,
        workdir,
        "lifecycle",
        f"""CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';
SELECT stage, count(*) AS persons FROM (
  SELECT one_id, lifecycle_stage(event_type, ts, TIMESTAMP '{AS_OF}') AS stage FROM events GROUP BY one_id)
GROUP BY stage ORDER BY stage;
""",
    )


def duckdb_funnel_sql(events):
    """The earliest next step after each start, one self-join per step."""
    parts = [f"s1 AS (SELECT one_id, ts AS t1, ts AS t FROM e WHERE event_type = '{STEPS[0]}')"]
    for k, step in enumerate(STEPS[1:], start=2):
        parts.append(
            f"s{k} AS (SELECT p.one_id, p.t1, min(e.ts) AS t FROM s{k - 1} p JOIN e ON e.one_id = p.one_id "
            f"AND e.event_type = '{step}' AND e.ts >= p.t AND e.ts <= p.t1 + INTERVAL 365 DAY GROUP BY p.one_id, p.t1)"
        )
    depth = " UNION ALL ".join(f"SELECT one_id, {k} AS step FROM s{k}" for k in range(1, len(STEPS) + 1))
    return (
        f"WITH e AS (SELECT one_id, event_type, ts FROM read_parquet('{events}') WHERE ts IS NOT NULL), "
        + ", ".join(parts)
        + f", deepest AS (SELECT one_id, max(step) AS step FROM ({depth}) GROUP BY one_id), "
        + f"persons AS (SELECT DISTINCT one_id FROM read_parquet('{events}')) "
        + "SELECT coalesce(d.step, 0) AS step, count(*) AS persons FROM persons p LEFT JOIN deepest d USING (one_id) "
        + "GROUP BY 1 ORDER BY 1"
    )


GROUP_BY_SUMS = "SELECT count(*), sum({epoch}) FROM (SELECT one_id, max(ts) AS m FROM {events} GROUP BY one_id)"


def cdpfusion_group_by(binary, events, workdir):
    sql = f"CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';\n"
    return cdpfusion_query(
        binary, workdir, "group_by", sql + GROUP_BY_SUMS.format(epoch="to_unixtime(m)", events="events") + ";\n"
    )


def duckdb_group_by_sql(events):
    return GROUP_BY_SUMS.format(epoch="CAST(floor(epoch(m)) AS BIGINT)", events=f"read_parquet('{events}')")


def duckdb_lifecycle_sql(events):
    a = f"TIMESTAMPTZ '{AS_OF}'"
    return f"""
WITH m AS (
  SELECT one_id,
    max(ts) FILTER (WHERE event_type = 'leave_info') AS lead_at,
    max(ts) FILTER (WHERE event_type IN ('store_visit', 'test_drive')) AS visit_at,
    max(ts) FILTER (WHERE event_type = 'order') AS order_at,
    max(ts) FILTER (WHERE event_type = 'delivery') AS delivery_at,
    max(ts) FILTER (WHERE event_type = 'service') AS service_at,
    max(ts) AS active_at,
    count(*) FILTER (WHERE event_type = 'service' AND ts >= {a} - INTERVAL 548 DAY) AS recent_services
  FROM read_parquet('{events}') WHERE ts <= {a} OR ts IS NULL
  GROUP BY one_id)
SELECT CASE
  WHEN order_at IS NOT NULL AND (delivery_at IS NULL OR order_at > delivery_at) THEN 'customer'
  WHEN delivery_at IS NOT NULL AND delivery_at <= {a} - INTERVAL 1095 DAY AND active_at >= {a} - INTERVAL 90 DAY THEN 'replacement'
  WHEN delivery_at IS NOT NULL AND greatest(delivery_at, coalesce(service_at, delivery_at)) <= {a} - INTERVAL 365 DAY THEN 'churned'
  WHEN delivery_at IS NOT NULL AND greatest(delivery_at, coalesce(service_at, delivery_at)) <= {a} - INTERVAL 270 DAY THEN 'at_risk'
  WHEN delivery_at IS NOT NULL AND recent_services >= 2 THEN 'loyal'
  WHEN delivery_at IS NOT NULL THEN 'owner'
  WHEN visit_at >= {a} - INTERVAL 180 DAY THEN 'prospect'
  WHEN lead_at >= {a} - INTERVAL 365 DAY THEN 'lead'
  ELSE 'anonymous' END AS stage, count(*) AS persons
FROM m GROUP BY 1 ORDER BY 1
"""


def cdpfusion_rfm(binary, events, workdir):
    return cdpfusion_query(
        binary,
        workdir,
        "rfm",
        f"""CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';
SELECT count(*), sum(r['frequency']), sum(r['recency_days']), round(sum(r['monetary'])) FROM (
  SELECT one_id, rfm(ts, amount_cny, TIMESTAMP '{AS_OF}') AS r FROM events
  WHERE event_type IN ('order', 'service') GROUP BY one_id);
""",
    )


def duckdb_rfm_sql(events):
    a = f"TIMESTAMPTZ '{AS_OF}'"
    return f"""
SELECT count(*), sum(frequency), sum(recency_days), round(sum(monetary)) FROM (
  SELECT one_id,
    count(*) FILTER (WHERE ts <= {a} AND coalesce(amount_cny, 0) >= 0) AS frequency,
    floor((epoch({a}) - epoch(max(ts) FILTER (WHERE ts <= {a} AND coalesce(amount_cny, 0) >= 0))) / 86400) AS recency_days,
    coalesce(sum(amount_cny) FILTER (WHERE ts <= {a}), 0) AS monetary
  FROM read_parquet('{events}') WHERE event_type IN ('order', 'service') GROUP BY one_id)
"""


LEAD_WEIGHTS = [
    ("view_content", 1, 20),
    ("share", 3, 15),
    ("leave_info", 10, 20),
    ("store_visit", 15, 30),
    ("test_drive", 25, 40),
    ("survey", 5, 10),
]


def cdpfusion_lead_score(binary, events, workdir):
    return cdpfusion_query(
        binary,
        workdir,
        "lead_score",
        f"""CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';
SELECT count(*), round(avg(score), 2) FROM (
  SELECT one_id, lead_score(event_type, ts, dwell_s, TIMESTAMP '{AS_OF}') AS score FROM events GROUP BY one_id);
""",
    )


def duckdb_lead_score_sql(events):
    a = f"TIMESTAMPTZ '{AS_OF}'"
    weights = " UNION ALL ".join(f"SELECT '{t}' AS event_type, {w} AS weight, {c} AS cap" for t, w, c in LEAD_WEIGHTS)
    return f"""
WITH w AS ({weights}),
per_type AS (
  SELECT e.one_id, least(w.cap, sum((w.weight + coalesce(least(greatest(e.dwell_s, 0), 300), 0) * 0.5 / 60)
                                    * exp(-ln(2) / 30 * (epoch({a}) - epoch(e.ts)) / 86400))) AS points
  FROM read_parquet('{events}') e JOIN w USING (event_type)
  WHERE e.ts <= {a}
  GROUP BY e.one_id, w.event_type, w.cap),
persons AS (SELECT DISTINCT one_id FROM read_parquet('{events}')),
scores AS (
  SELECT p.one_id, least(99.9, floor(100 * (1 - exp(-coalesce(sum(t.points), 0) / 50)) * 10) / 10) AS score
  FROM persons p LEFT JOIN per_type t USING (one_id) GROUP BY p.one_id)
SELECT count(*), round(avg(score), 2) FROM scores
"""


CHURNED_OWNERS = """SELECT e.one_id FROM events e CROSS JOIN clock c
WHERE e.one_id IS NOT NULL AND e.ts <= c.as_of AND e.event_type IN ('delivery', 'service')
GROUP BY e.one_id, c.as_of
HAVING max(e.ts) < c.as_of - INTERVAL '365 days'"""
SUV_TEST_DRIVE_INVITE = """SELECT p.one_id
FROM app_events a JOIN device_person p ON p.device_id = a.device_id CROSS JOIN clock c
WHERE a.ts > date_trunc('quarter', c.as_of) AND a.ts <= c.as_of
  AND a.content_tag = 'suv' AND a.event_type IN ('view_content', 'share')
GROUP BY p.one_id
HAVING count(*) >= 3
INTERSECT
SELECT e.one_id FROM events e CROSS JOIN clock c
WHERE e.event_type = 'login' AND e.ts > date_trunc('quarter', c.as_of) AND e.ts <= c.as_of
EXCEPT
SELECT e.one_id FROM events e CROSS JOIN clock c WHERE e.event_type = 'order' AND e.ts <= c.as_of"""
SEGMENTS = {"churned_owners": CHURNED_OWNERS, "suv_test_drive_invite": SUV_TEST_DRIVE_INVITE}
CLOCKS = ["2026-03-31 23:59:59+08:00", AS_OF]


def zoned(instant):
    """A timestamp literal with the events' zone: DataFusion compares a
    zone-less TIMESTAMP with a zoned column as wall-clock time in that zone."""
    return f"""arrow_cast('{instant}', 'Timestamp(Microsecond, Some("+08:00"))')"""


def cdpfusion_segments(binary, events, workdir):
    """Demo step 09's two audiences: defined at the end of March, refreshed
    at the end of June; per segment size, entered and exited."""
    data_dir = events.parent
    definitions = "\n".join(
        f"DROP SEGMENT IF EXISTS {name};\nCREATE SEGMENT {name} AS {query};" for name, query in SEGMENTS.items()
    )
    # One derived table per figure, cross-joined: before the segment table
    # functions carried their arguments in their schema, DataFusion ran
    # scalar subqueries over two of their calls as one (docs/segments.md).
    report = "\nCROSS JOIN ".join(
        f"(SELECT size AS {name}_size FROM segments() WHERE name = '{name}'),"
        f"\n(SELECT count(*) AS {name}_entered FROM segment_changes('{name}') WHERE change = 'entered'),"
        f"\n(SELECT count(*) AS {name}_exited FROM segment_changes('{name}') WHERE change = 'exited')"
        for name in SEGMENTS
    ).replace("),\n(", ")\nCROSS JOIN (")
    script = workdir / "segments.sql"
    script.write_text(
        f"""CREATE EXTERNAL TABLE events STORED AS PARQUET LOCATION '{events}';
CREATE EXTERNAL TABLE app_events STORED AS PARQUET LOCATION '{data_dir / "app_events.parquet"}';
CREATE EXTERNAL TABLE device_person STORED AS PARQUET LOCATION '{data_dir / "device_person.parquet"}';
CREATE TABLE clock AS SELECT {zoned(CLOCKS[0])} AS as_of;
{definitions}
CREATE OR REPLACE TABLE clock AS SELECT {zoned(CLOCKS[1])} AS as_of;
REFRESH SEGMENTS;
SELECT * FROM {report};
"""
    )
    command = [str(binary), "-q", "--format", "csv", "--catalog", str(workdir / "segments"), "-f", str(script)]
    started = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    elapsed = time.perf_counter() - started
    return elapsed, [tuple(out.strip().splitlines()[-1].split(","))]


def duckdb_segments_sql(events):
    """The same audiences by hand: a member table per refresh, changes by
    EXCEPT. Quarters start at midnight in the data's zone, as in cdpfusion."""
    data_dir = events.parent
    sources = {
        "FROM events e CROSS JOIN clock c": f"FROM read_parquet('{events}') e, clock c",
        "FROM app_events a JOIN device_person p ON p.device_id = a.device_id CROSS JOIN clock c": (
            f"FROM read_parquet('{data_dir / 'app_events.parquet'}') a"
            f" JOIN read_parquet('{data_dir / 'device_person.parquet'}') p ON p.device_id = a.device_id, clock c"
        ),
    }
    statements = ["SET TimeZone = 'Asia/Shanghai'"]
    for moment, clock in zip(["before", "now"], CLOCKS):
        statements.append(f"CREATE OR REPLACE TEMP TABLE clock AS SELECT TIMESTAMPTZ '{clock}' AS as_of")
        for name, query in SEGMENTS.items():
            for generic, concrete in sources.items():
                query = query.replace(generic, concrete)
            statements.append(f"CREATE OR REPLACE TEMP TABLE {name}_{moment} AS {query}")
    report = ", ".join(
        f"(SELECT count(*) FROM {name}_now),"
        f" (SELECT count(*) FROM (SELECT one_id FROM {name}_now EXCEPT SELECT one_id FROM {name}_before)),"
        f" (SELECT count(*) FROM (SELECT one_id FROM {name}_before EXCEPT SELECT one_id FROM {name}_now))"
        for name in SEGMENTS
    )
    statements.append(f"SELECT {report}")
    return ";\n".join(statements)


def duckdb_query(sql):
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect()
    *setup, query = [statement for statement in sql.split(";") if statement.strip()]
    for statement in setup:
        con.execute(statement)
    rows = [tuple(str(v) for v in row) for row in con.execute(query).fetchall()]
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, rows


def normalized(rows):
    """Rows with numbers compared as numbers (the engines print them differently)."""

    def value(text):
        try:
            return float(text)
        except ValueError:
            return text

    return [tuple(value(v) for v in row) for row in rows]


def answers_note(ours, theirs):
    """Runs are (seconds, rows); the first run of each side is compared."""
    if not theirs:
        return "duckdb skipped"
    if normalized(ours[0][1]) == normalized(theirs[0][1]):
        return "same answer"
    return f"answers differ: cdpfusion {ours[0][1]} duckdb {theirs[0][1]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=pathlib.Path, default=None, help="dataset directory (default: bench-data/N)")
    parser.add_argument(
        "--workloads",
        default="one_id,funnel,lifecycle,rfm,lead_score,segments",
        help="comma-separated workloads; the floors links and group_by are extra",
    )
    parser.add_argument("--binary", type=pathlib.Path, default=None, help="cdpfusion binary (default: release build)")
    parser.add_argument("--skip-duckdb", action="store_true", help="time cdpfusion alone (large sizes)")
    args = parser.parse_args()

    binary = cdpfusion_binary(args.binary)
    data_dir = (args.data or ROOT / "bench-data" / str(args.persons)).resolve()
    ensure_data(binary, args.persons, data_dir)
    workdir = data_dir / "_work"
    workdir.mkdir(exist_ok=True)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    print(f"{args.persons} persons, {args.runs} runs each (median), data in {data_dir}")

    results = []
    if "one_id" in workloads:
        ours = [cdpfusion_one_id(binary, data_dir, workdir) for _ in range(args.runs)]
        peak_child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        theirs = [] if args.skip_duckdb else [duckdb_one_id(data_dir) for _ in range(args.runs)]
        note = f"persons {ours[0][1]}, cdpfusion peak RSS {peak_child_mib:.0f} MiB"
        if theirs:
            note += f"; duckdb persons {theirs[0][1]} after {theirs[0][2]} propagation rounds"
        results.append(("one_id", [t for t, _ in ours], [t for t, _, _ in theirs], note))

    if "links" in workloads:
        ours = [cdpfusion_links(binary, data_dir, workdir) for _ in range(args.runs)]
        theirs = [] if args.skip_duckdb else [duckdb_query(duckdb_links_sql(data_dir)) for _ in range(args.runs)]
        results.append(("links", [t for t, _ in ours], [t for t, _ in theirs], answers_note(ours, theirs)))

    events = None
    for name, ours_fn, theirs_sql in [
        ("funnel", cdpfusion_funnel, duckdb_funnel_sql),
        ("lifecycle", cdpfusion_lifecycle, duckdb_lifecycle_sql),
        ("rfm", cdpfusion_rfm, duckdb_rfm_sql),
        ("lead_score", cdpfusion_lead_score, duckdb_lead_score_sql),
        ("segments", cdpfusion_segments, duckdb_segments_sql),
        ("group_by", cdpfusion_group_by, duckdb_group_by_sql),
    ]:
        if name not in workloads:
            continue
        events = events or ensure_events(binary, data_dir, workdir)
        ours = [ours_fn(binary, events, workdir) for _ in range(args.runs)]
        theirs = [] if args.skip_duckdb else [duckdb_query(theirs_sql(events)) for _ in range(args.runs)]
        results.append((name, [t for t, _ in ours], [t for t, _ in theirs], answers_note(ours, theirs)))

    print(f"{'workload':<10} {'cdpfusion s':>12} {'duckdb s':>10} {'ratio':>7}  notes")
    for name, ours, theirs, note in results:
        ours_median = statistics.median(ours)
        if theirs:
            theirs_median = statistics.median(theirs)
            print(f"{name:<10} {ours_median:12.2f} {theirs_median:10.2f} {theirs_median / ours_median:6.1f}x  {note}")
        else:
            print(f"{name:<10} {ours_median:12.2f} {'-':>10} {'-':>7}  {note}")


if __name__ == "__main__":
    sys.exit(main())
