#!/usr/bin/env python3
"""Side-by-side: the same workload in cdpfusion and in DuckDB, on the same
Parquet files written by `cdpfusion generate`. Prints medians and ratios.

    pip install -r benches/compare/requirements.txt
    cargo build --release
    python3 benches/compare/compare.py --persons 1000000 --runs 3

Workloads:
  one_id  read the sources, normalise phones and emails, link identifiers that
          share a record, and find persons (connected components).
          cdpfusion: resolve_identities over the demo's identifier_links view.
          DuckDB: what a skilled analyst writes today: normalise with regexps,
          build edges with a self-join on the record, drop identifiers linked to
          more than 50 others, then iterative min-label propagation in SQL until
          no label changes.
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
TABLES = ["crm_customers", "leads", "app_events", "dms_orders", "service_visits", "surveys", "stores"]


def cdpfusion_binary():
    binary = ROOT / "target" / "release" / "cdpfusion"
    if not binary.exists():
        subprocess.run(["cargo", "build", "--release", "-p", "cdpfusion-sql"], cwd=ROOT, check=True)
    return binary


def ensure_data(binary, persons, data_dir):
    manifest = data_dir / "_cdpfusion_dataset.txt"
    if manifest.exists() and f"persons {persons}\n" in manifest.read_text() and "seed 42\n" in manifest.read_text():
        return
    subprocess.run([str(binary), "generate", "--persons", str(persons), "--out", str(data_dir), "--seed", "42"], check=True)


def cdpfusion_one_id(binary, data_dir, workdir):
    links_view = (ROOT / "sql" / "demo" / "02_identifier_links.sql").read_text()
    # The view's own SELECT is not part of the workload.
    links_view = links_view[: links_view.rindex("SELECT id_type,")]
    tables = "\n".join(
        f"CREATE EXTERNAL TABLE {t} STORED AS PARQUET LOCATION '{data_dir / (t + '.parquet')}';" for t in TABLES
    )
    script = workdir / "one_id.sql"
    script.write_text(
        tables
        + "\n"
        + links_view
        + "\nSELECT count(DISTINCT one_id) AS persons FROM resolve_identities('SELECT * FROM identifier_links');\n"
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
SELECT 'crm:' || crm_id AS record_id, 'crm_id' AS id_type, crm_id AS id_value FROM read_parquet('{d}/crm_customers.parquet')
UNION ALL SELECT 'crm:' || crm_id, 'phone', norm_phone(phone) FROM read_parquet('{d}/crm_customers.parquet') WHERE norm_phone(phone) IS NOT NULL
UNION ALL SELECT 'crm:' || crm_id, 'email', norm_email(email) FROM read_parquet('{d}/crm_customers.parquet') WHERE norm_email(email) IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'phone', norm_phone(phone) FROM read_parquet('{d}/leads.parquet') WHERE norm_phone(phone) IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'wechat_openid', wechat_openid FROM read_parquet('{d}/leads.parquet') WHERE wechat_openid IS NOT NULL
UNION ALL SELECT 'lead:' || lead_id, 'device_id', device_id FROM read_parquet('{d}/leads.parquet') WHERE device_id IS NOT NULL
UNION ALL SELECT 'app:' || device_id || '/' || account_id, 'device_id', device_id FROM (SELECT DISTINCT device_id, account_id FROM read_parquet('{d}/app_events.parquet') WHERE device_id IS NOT NULL AND account_id IS NOT NULL)
UNION ALL SELECT 'app:' || device_id || '/' || account_id, 'account_id', account_id FROM (SELECT DISTINCT device_id, account_id FROM read_parquet('{d}/app_events.parquet') WHERE device_id IS NOT NULL AND account_id IS NOT NULL)
UNION ALL SELECT 'order:' || order_id, 'crm_id', crm_id FROM read_parquet('{d}/dms_orders.parquet') WHERE crm_id IS NOT NULL
UNION ALL SELECT 'order:' || order_id, 'phone', norm_phone(phone) FROM read_parquet('{d}/dms_orders.parquet') WHERE norm_phone(phone) IS NOT NULL
UNION ALL SELECT 'order:' || order_id, 'vin', vin FROM read_parquet('{d}/dms_orders.parquet');
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=pathlib.Path, default=None, help="dataset directory (default: bench-data/N)")
    parser.add_argument("--skip-duckdb", action="store_true", help="time cdpfusion alone (large sizes)")
    args = parser.parse_args()

    binary = cdpfusion_binary()
    data_dir = (args.data or ROOT / "bench-data" / str(args.persons)).resolve()
    ensure_data(binary, args.persons, data_dir)
    workdir = data_dir / "_work"
    workdir.mkdir(exist_ok=True)

    print(f"one_id at {args.persons} persons, {args.runs} runs each, data in {data_dir}")
    ours = [cdpfusion_one_id(binary, data_dir, workdir) for _ in range(args.runs)]
    ours_median = statistics.median(t for t, _ in ours)
    peak_child_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"  cdpfusion  median {ours_median:8.2f}s  persons {ours[0][1]}  peak RSS {peak_child_mib:.0f} MiB")
    if args.skip_duckdb:
        return
    theirs = [duckdb_one_id(data_dir) for _ in range(args.runs)]
    theirs_median = statistics.median(t for t, _, _ in theirs)
    print(f"  duckdb     median {theirs_median:8.2f}s  persons {theirs[0][1]}  label-propagation rounds {theirs[0][2]}")
    print(f"  ratio (duckdb / cdpfusion): {theirs_median / ours_median:.1f}x")


if __name__ == "__main__":
    sys.exit(main())
