#!/usr/bin/env python3
"""One-ID quality on worlds that cdpfusion's own generator did not make
(one_id_world.py, written without reading the resolver), against their
truth, side by side with the DuckDB guard an analyst writes today.

    python3 benches/compare/one_id_quality.py --persons 1000000
    python3 benches/compare/one_id_quality.py --persons 5000 --profiles default,heavy_sharing --random 6

For each world it prints pairwise precision over all records and over
customer-master records (every source but app), recall as a share of the
oracle's (the same resolver on identifiers alone, with the truth's shared
identifiers removed: the most any shared-identifier rule could keep without
names; names that confirm an identifier can keep more), and the planted shared
identifiers used by more than 20 persons that still merge anyone.

cdpfusion: resolve_records and resolve_identities with the default rules
over links.parquet (record_id, source, id_type, id_value). DuckDB: the guard
of one_id_scoring.duckdb_guard (drop identifiers on more than 20 non-app
records or next to more than 20 identifiers; connected components).
"""

import argparse
import pathlib
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import one_id_scoring as scoring  # noqa: E402
import one_id_world as world  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
LINKS_QUERY = "SELECT record_id, source, id_type, id_value, name FROM links"
# The oracle reads identifiers alone: the most that setting aside the truly
# shared ones keeps, which names must not lower. The oracle with names reads
# them too: what names add (they confirm a customer's phone on many leads)
# is then in the cap as well.
ORACLE_QUERY = "SELECT record_id, source, id_type, id_value FROM links"


def cdpfusion_resolve(binary, links_path, out_dir, rules=None, links_query=LINKS_QUERY):
    """Runs resolve_records and resolve_identities over a links file with the
    shell; returns (records, identities, seconds). Each result is written to
    Parquet by the shell and read back here."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rules_argument = "" if rules is None else ", '" + rules.replace("'", "''") + "'"
    query = links_query.replace("'", "''")
    script = out_dir / "resolve.sql"
    script.write_text(
        f"CREATE EXTERNAL TABLE links STORED AS PARQUET LOCATION '{links_path}';\n"
        f"COPY (SELECT record_id, one_id, status FROM resolve_records('{query}'{rules_argument})) TO '{out_dir / 'records.parquet'}';\n"
        f"COPY (SELECT * FROM resolve_identities('{query}'{rules_argument})) TO '{out_dir / 'identities.parquet'}';\n"
    )
    started = time.perf_counter()
    subprocess.run([str(binary), "-q", "-f", str(script)], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return pq.read_table(out_dir / "records.parquet"), pq.read_table(out_dir / "identities.parquet"), seconds


def evaluate(binary, world_dir, work_dir, duckdb=False):
    """Scores cdpfusion (and, when asked, the DuckDB guard) on one written world."""
    records = pq.read_table(world_dir / "records.parquet")
    links = pq.read_table(world_dir / "links.parquet")
    shared = pq.read_table(world_dir / "shared.parquet")
    oracle_path = work_dir / "oracle_links.parquet"
    work_dir.mkdir(parents=True, exist_ok=True)
    pq.write_table(scoring.oracle_links(links, shared), oracle_path)

    assigned, identities, seconds = cdpfusion_resolve(binary, world_dir / "links.parquet", work_dir / "cdpfusion")
    oracle_assigned, _, _ = cdpfusion_resolve(binary, oracle_path, work_dir / "oracle", links_query=ORACLE_QUERY)
    named_oracle_assigned, _, _ = cdpfusion_resolve(binary, oracle_path, work_dir / "oracle_with_names")
    returned = set(assigned["record_id"].to_pylist())
    linked = set(links["record_id"].to_pylist())
    result = {
        "cdpfusion": scoring.score(records, assigned, shared, identities),
        "oracle": scoring.score(records, oracle_assigned, shared),
        "oracle_with_names": scoring.score(records, named_oracle_assigned, shared),
        "seconds": seconds,
        "records_lost": len(linked - returned),
        "statuses": dict(zip(*np.unique(assigned["status"].to_numpy(zero_copy_only=False), return_counts=True))),
    }
    result["recall_ratio"] = scoring.recall_against_oracle(result["cdpfusion"], result["oracle"])
    result["recall_ratio_with_names"] = scoring.recall_against_oracle(result["cdpfusion"], result["oracle_with_names"])
    if duckdb:
        started = time.perf_counter()
        guard = scoring.duckdb_guard(world_dir / "links.parquet", world_dir / "records.parquet")
        result["duckdb_seconds"] = time.perf_counter() - started
        guard_oracle = scoring.duckdb_guard(oracle_path, world_dir / "records.parquet")
        result["duckdb"] = scoring.score(records, guard, shared)
        result["duckdb_oracle"] = scoring.score(records, guard_oracle, shared)
        result["duckdb_recall_ratio"] = scoring.recall_against_oracle(result["duckdb"], result["duckdb_oracle"])
    return result


def still_merging(score):
    return [(s["kind"], s["persons"]) for s in score.get("still_merging", [])]


def report_line(name, engine, score, ratio, seconds):
    return (
        f"{name:<22} {engine:<9} {score['all']['precision']:>9.4f} {score['customer_master']['precision']:>9.4f} "
        f"{ratio['all']:>9.4f} {ratio['customer_master']:>9.4f} {score['all']['recall']:>7.4f} {seconds:>8.2f}"
    )


HEADER = (
    f"{'world':<22} {'engine':<9} {'prec all':>9} {'prec cm':>9} {'rec/orc':>9} {'rec/orc cm':>9} {'recall':>7} {'seconds':>8}"
)


def worlds(profiles, random_count, seed):
    """(name, profile) pairs: the named profiles, then randomly drawn ones."""
    chosen = [(name, world.profile_named(name, seed)) for name in profiles]
    rng = np.random.default_rng(seed)
    chosen += [(f"random{i}", world.random_profile(rng)) for i in range(random_count)]
    return chosen


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profiles", default="default", help=f"comma-separated, of {', '.join(world.PROFILES)}")
    parser.add_argument("--random", type=int, default=0, help="also this many randomly drawn profiles")
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "bench-data" / "one_id_quality")
    parser.add_argument("--binary", type=pathlib.Path, default=ROOT / "target" / "release" / "cdpfusion")
    parser.add_argument("--skip-duckdb", action="store_true")
    args = parser.parse_args(argv)
    print(HEADER)
    for name, profile in worlds([p for p in args.profiles.split(",") if p], args.random, args.seed):
        world_dir = args.work / f"{name}-{args.persons}-{args.seed}"
        world.generate(world_dir, args.persons, args.seed, profile)
        result = evaluate(args.binary, world_dir, world_dir / "runs", duckdb=not args.skip_duckdb)
        print(report_line(name, "cdpfusion", result["cdpfusion"], result["recall_ratio"], result["seconds"]))
        if "duckdb" in result:
            print(report_line(name, "duckdb", result["duckdb"], result["duckdb_recall_ratio"], result["duckdb_seconds"]))
        named = result["recall_ratio_with_names"]
        print(f"{'':<22} recall / oracle with names: {named['all']:.4f} all, {named['customer_master']:.4f} cm")
        print(f"{'':<22} still merging (kind, persons): cdpfusion {still_merging(result['cdpfusion'])}")
        print(f"{'':<22} records: {result['statuses']}, lost {result['records_lost']}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
