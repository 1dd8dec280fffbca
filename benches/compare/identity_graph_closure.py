#!/usr/bin/env python3
"""How much of an identity graph an incremental append would have to
re-resolve: the measurement behind the design in docs/identity-graphs.md
("Not yet").

    python3 benches/compare/identity_graph_bench.py --persons 1000000   # the world and full_map.parquet
    python3 benches/compare/identity_graph_closure.py --persons 1000000

The appended day is the bench's: the records whose hash(record_id) % 100 is
0. A person's resolution depends on the records of the identifiers it can
merge with, so an exact append re-resolves whole components. Three closures
are measured, each as identifiers and as link rows to read:

  raw        the connected components (identifiers joined by sharing a
             record) of every identifier on the day's records
  links      the components over identifiers that are not shared or
             blocked (the full run's statuses), of the day's identifiers;
             a shared identifier on the day's records still has all its
             records read, to judge it again
  pinned     as links, but shared identifiers are pinned: kept as they
             are, their records not read
  merging    as pinned, but only the persons (components over the base's
             records) that a day's record joins to another person: a
             record whose identifiers are new or of one person only
             attaches to it, and could join it from stored counts without
             its records being read

and the shared identifiers on the day's records, by reason, with how many
records judging them again would read.
"""

import argparse
import pathlib
import time

import duckdb
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

ROOT = pathlib.Path(__file__).resolve().parents[2]


def components(records, identifiers, record_count, identifier_count):
    """Each identifier's component over the bipartite record-identifier graph."""
    nodes = record_count + identifier_count
    graph = coo_matrix((np.ones(len(records)), (records, record_count + identifiers)), shape=(nodes, nodes))
    return connected_components(graph, directed=False)[1][record_count:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work", type=pathlib.Path, default=ROOT / "bench-data" / "identity_graph")
    args = parser.parse_args(argv)
    work = args.work / f"{args.persons}-{args.seed}"
    links, full_map = work / "world" / "links.parquet", work / "full_map.parquet"
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute(f"CREATE TABLE l AS SELECT record_id, id_type, id_value FROM '{links}'")
    con.execute(
        "CREATE TABLE ids AS SELECT row_number() OVER () - 1 AS i, id_type, id_value "
        "FROM (SELECT DISTINCT id_type, id_value FROM l)"
    )
    con.execute(
        "CREATE TABLE recs AS SELECT row_number() OVER () - 1 AS r, record_id, hash(record_id) % 100 = 0 AS in_day "
        "FROM (SELECT DISTINCT record_id FROM l)"
    )
    pairs = con.execute(
        "SELECT DISTINCT recs.r, ids.i FROM l JOIN ids USING (id_type, id_value) JOIN recs USING (record_id)"
    ).fetchnumpy()
    records, identifiers = pairs["r"].astype(np.int64), pairs["i"].astype(np.int64)
    statuses = con.execute(
        f"SELECT f.status, coalesce(f.reason, '') AS reason FROM ids JOIN '{full_map}' f USING (id_type, id_value) ORDER BY ids.i"
    ).fetchnumpy()
    excluded = np.isin(statuses["status"], ["shared", "blocked"])
    day = con.execute("SELECT r FROM recs WHERE in_day").fetchnumpy()["r"]
    record_count, identifier_count = int(records.max()) + 1, len(excluded)
    assert identifier_count == int(identifiers.max()) + 1, "the full map does not cover the links"
    print(
        f"{identifier_count} identifiers, {record_count} records, {len(records)} link rows, "
        f"{int(excluded.sum())} shared or blocked; read in {time.perf_counter() - started:.1f} s"
    )

    in_day = np.zeros(record_count, bool)
    in_day[day] = True
    touched = np.unique(identifiers[in_day[records]])

    def report(name, closure, read_records):
        read = np.zeros(record_count, bool)
        read[read_records] = True
        read[day] = True
        rows = int(read[records].sum())
        print(
            f"{name:7} {int(closure.sum()):9} identifiers ({closure.sum() / identifier_count:6.2%})"
            f" {rows:9} link rows ({rows / len(records):6.2%})"
        )

    raw = components(records, identifiers, record_count, identifier_count)
    closure = np.isin(raw, raw[touched])
    report("raw", closure, records[closure[identifiers]])

    kept = ~excluded[identifiers]
    linked = components(records[kept], identifiers[kept], record_count, identifier_count)
    joined = touched[~excluded[touched]]
    closure = np.isin(linked, linked[joined]) & ~excluded
    judged = closure.copy()
    judged[touched] = True
    report("links", judged, records[judged[identifiers]])
    report("pinned", closure, records[closure[identifiers]])

    # Persons before the day: components over the other records.
    base_rows = ~in_day[records]
    kept_base = kept & base_rows
    before = components(records[kept_base], identifiers[kept_base], record_count, identifier_count)
    in_base = np.zeros(identifier_count, bool)
    in_base[identifiers[base_rows]] = True
    joins = in_day[records] & kept & in_base[identifiers]
    record_person = np.unique(np.stack([records[joins], before[identifiers[joins]]]), axis=1)
    persons_of = np.bincount(record_person[0], minlength=record_count)
    merging = np.flatnonzero(persons_of >= 2)
    merged = np.unique(record_person[1][np.isin(record_person[0], merging)])
    closure = np.isin(before, merged) & in_base & ~excluded
    report("merging", closure, records[closure[identifiers]])
    print(
        f"day records {len(day)}: attaching to one person {int((persons_of == 1).sum())}, "
        f"joining two or more {len(merging)}"
    )

    shared_touched = touched[excluded[touched]]
    held = np.zeros(identifier_count, bool)
    held[shared_touched] = True
    by_reason = {}
    for reason in np.unique(statuses["reason"][shared_touched]):
        of_reason = held & (statuses["reason"] == reason)
        by_reason[reason] = (int(of_reason.sum()), len(np.unique(records[of_reason[identifiers]])))
    print("shared identifiers on the day's records: reason, identifiers, their records")
    for reason, (count, their_records) in sorted(by_reason.items(), key=lambda item: -item[1][1]):
        print(f"  {reason or '(blocked)':30} {count:7} {their_records:9}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
