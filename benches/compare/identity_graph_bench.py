#!/usr/bin/env python3
"""A persistent identity graph against resolving everything again, on a
world cdpfusion's own generator did not make (one_id_world.py).

    python3 benches/compare/identity_graph_bench.py --persons 1000000

Each step is a whole `cdpfusion` process (release build), as a nightly job
or a service agent's lookup would run it:

  full      resolve_identities over all the links
  create    CREATE IDENTITY GRAPH over all but the appended day's links
  append    APPEND TO IDENTITY GRAPH the appended day (a share of the records,
            chosen by a hash of the record id)
  lookup    one_id_of for one identifier in a fresh process, above the
            process's own start (`SELECT 1`)

It checks that the graph after the append has the partition and statuses of
the full run, and times a million lookups in one query (one_id_of) against
the hash join an analyst would write over the exported mapping.
"""

import argparse
import pathlib
import statistics
import subprocess
import sys
import time

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import one_id_world as world  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
COLUMNS = "record_id, source, id_type, id_value, name"


def run(binary, catalog, script):
    """Runs a script in a fresh process; returns (seconds, stdout)."""
    started = time.perf_counter()
    done = subprocess.run(
        [str(binary), "--catalog", str(catalog), "-f", str(script)], check=True, capture_output=True, text=True
    )
    return time.perf_counter() - started, done.stdout


def timed(binary, catalog, work, name, sql, repeat=1):
    script = work / f"{name}.sql"
    script.write_text(sql)
    seconds = [run(binary, catalog, script)[0] for _ in range(repeat)]
    return statistics.median(seconds)


def elapsed(stdout):
    """The `Elapsed` seconds the shell printed for each statement."""
    return [float(line.split()[1]) for line in stdout.splitlines() if line.startswith("Elapsed")]


def split_days(links, work, share):
    """Writes base.parquet and day.parquet: the day holds `share` of the
    records (by a hash of record_id), every row of each."""
    every = round(1 / share)
    con = duckdb.connect()
    for name, op in (("base", "<>"), ("day", "=")):
        con.execute(
            f"COPY (SELECT {COLUMNS} FROM '{links}' WHERE hash(record_id) % {every} {op} 0) "
            f"TO '{work / (name + '.parquet')}' (FORMAT parquet)"
        )


def same_partition(full_map, graph_map):
    """Whether two mappings (id_type, id_value, one_id, status) group the
    identifiers alike and give them the same statuses."""
    con = duckdb.connect()
    row = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE a.status <> b.status),
               count(DISTINCT a.one_id), count(DISTINCT b.one_id), count(DISTINCT (a.one_id, b.one_id))
        FROM '{full_map}' a JOIN '{graph_map}' b USING (id_type, id_value)
        """
    ).fetchone()
    total = con.execute(f"SELECT count(*) FROM '{full_map}'").fetchone()[0]
    joined, status_differs, persons_a, persons_b, pairs = row
    return joined == total and status_differs == 0 and persons_a == persons_b == pairs, row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--append-share", type=float, default=0.01)
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "bench-data" / "identity_graph")
    parser.add_argument("--binary", type=pathlib.Path, default=ROOT / "target" / "release" / "cdpfusion")
    args = parser.parse_args(argv)
    work = args.work / f"{args.persons}-{args.seed}"
    world_dir = work / "world"
    if not (world_dir / "links.parquet").exists():
        world.generate(world_dir, args.persons, args.seed)
    split_days(world_dir / "links.parquet", work, args.append_share)
    catalog = work / "catalog"
    tables = (
        f"CREATE EXTERNAL TABLE links STORED AS PARQUET LOCATION '{world_dir / 'links.parquet'}';\n"
        f"CREATE EXTERNAL TABLE base STORED AS PARQUET LOCATION '{work / 'base.parquet'}';\n"
        f"CREATE EXTERNAL TABLE day STORED AS PARQUET LOCATION '{work / 'day.parquet'}';\n"
    )
    full_map, graph_map = work / "full_map.parquet", work / "graph_map.parquet"
    results = {}
    results["full"] = timed(
        args.binary, catalog, work, "full",
        tables + f"COPY (SELECT * FROM resolve_identities('SELECT {COLUMNS} FROM links')) TO '{full_map}';\n",
    )
    results["create"] = timed(
        args.binary, catalog, work, "create",
        tables + f"CREATE OR REPLACE IDENTITY GRAPH bench AS SELECT {COLUMNS} FROM base;\n",
    )
    results["append"] = timed(
        args.binary, catalog, work, "append", tables + f"APPEND TO IDENTITY GRAPH bench SELECT {COLUMNS} FROM day;\n"
    )
    timed(args.binary, catalog, work, "export", f"COPY (SELECT * FROM identity_map('bench')) TO '{graph_map}';\n")
    same, counts = same_partition(full_map, graph_map)

    phone = duckdb.connect().execute(f"SELECT id_value FROM '{graph_map}' WHERE id_type = 'phone' LIMIT 1").fetchone()[0]
    results["start"] = timed(args.binary, catalog, work, "start", "SELECT 1;\n", repeat=7)
    results["lookup"] = timed(
        args.binary, catalog, work, "lookup", f"SELECT one_id_of('bench', 'phone', '{phone}');\n", repeat=7
    )
    script = work / "million.sql"
    script.write_text(
        f"CREATE EXTERNAL TABLE map STORED AS PARQUET LOCATION '{graph_map}';\n"
        "CREATE TABLE wanted AS SELECT id_type, id_value FROM map ORDER BY md5(id_value) LIMIT 1000000;\n"
        "CREATE TABLE mapping AS SELECT id_type, id_value, one_id FROM map;\n"
        "SELECT count(one_id_of('bench', id_type, id_value)) FROM wanted;\n"
        "SELECT count(one_id_of('bench', id_type, id_value)) FROM wanted;\n"
        "SELECT count(m.one_id) FROM wanted w JOIN mapping m USING (id_type, id_value);\n"
        "SELECT count(m.one_id) FROM wanted w JOIN mapping m USING (id_type, id_value);\n"
    )
    times = elapsed(run(args.binary, catalog, script)[1])
    first_lookups, lookups, joins = times[-4], times[-3], min(times[-2:])

    print(f"persons {args.persons}, appended share {args.append_share}")
    print(f"full resolve_identities       {results['full']:8.2f} s")
    print(f"CREATE IDENTITY GRAPH         {results['create']:8.2f} s")
    print(f"APPEND TO IDENTITY GRAPH      {results['append']:8.2f} s   ({results['full'] / results['append']:.1f}x faster than full)")
    print(f"same partition and statuses   {same} {counts}")
    print(f"process start (SELECT 1)      {results['start'] * 1000:8.1f} ms")
    print(f"one_id_of, fresh process      {results['lookup'] * 1000:8.1f} ms   ({(results['lookup'] - results['start']) * 1000:.1f} ms above start)")
    print(f"1M lookups: one_id_of         {lookups:8.3f} s   (first in the process, reading the file: {first_lookups:.3f} s)")
    print(f"1M lookups: hash join         {joins:8.3f} s")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
