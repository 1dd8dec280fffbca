"""Scoring a record-to-person assignment against the truth of one_id_world.py,
and the DuckDB baseline an analyst would write today.

    import one_id_scoring as scoring
    result = scoring.score(records, assignment, shared)

`score` counts pairs of records: a pair is predicted when both records have
the same one_id and actual when both are about the same person_key.
Precision = agreed / predicted, recall = agreed / actual. Pairs are counted
from group sizes (n * (n - 1) / 2 per group), never enumerated, so 8 million
records score in seconds. The score is given over all records and over the
customer-master records (every source but app, whose device/account pairs
are not customers a dealer would count).

`oracle_links` removes every planted shared identifier: the links a perfect
shared-identifier detector would leave, so `recall_against_oracle` tells how
much of the recall still reachable a resolver keeps.

`duckdb_guard` is the baseline: drop identifiers seen on more than 20 non-app
records or linked with more than 20 other identifiers, then connected
components by iterative min-label propagation in SQL, as in compare.py.
"""

from __future__ import annotations

import pathlib

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CUSTOMER_MASTER_EXCLUDED_SOURCES = ("app",)
STILL_MERGING_MIN_PERSONS = 20
ACCEPTED_SHARED_STATUSES = ("shared", "blocked")


def as_arrow(data) -> pa.Table:
    """A pyarrow Table from a Table, a Parquet path, a pandas or polars
    DataFrame, or a dict of columns: callers hold the data in any of these."""
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, (str, pathlib.Path)):
        return pq.read_table(data)
    if isinstance(data, dict):
        return pa.table(data)
    if hasattr(data, "to_arrow"):  # polars
        return data.to_arrow()
    if hasattr(data, "to_pandas") or type(data).__module__.startswith("pandas"):
        return pa.Table.from_pandas(data, preserve_index=False)
    raise TypeError(f"cannot read {type(data).__name__} as a table")


def _connect():
    """A DuckDB connection that prints no progress bar into the caller's output."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    return con


def _pair_counts(con, where):
    """predicted, actual and agreed pairs among the `cells` rows that pass `where`.

    `cells` holds one row per (one_id group, person_key, customer_master) with
    its record count n, so the large table is grouped once and each figure
    below is a small sum of n * (n - 1) / 2 over coarser groups."""
    pairs = "coalesce(sum(n * (n - 1) // 2), 0)"
    row = con.execute(
        f"""
        WITH c AS (SELECT * FROM cells WHERE {where})
        SELECT
          (SELECT coalesce(sum(n), 0) FROM c),
          (SELECT {pairs} FROM (SELECT sum(n) AS n FROM c GROUP BY one_id, lost_record)),
          (SELECT {pairs} FROM (SELECT sum(n) AS n FROM c GROUP BY person_key)),
          (SELECT {pairs} FROM (SELECT sum(n) AS n FROM c GROUP BY one_id, lost_record, person_key)),
          (SELECT count(*) FROM (SELECT DISTINCT one_id, lost_record FROM c)),
          (SELECT count(DISTINCT person_key) FROM c)
        """
    ).fetchall()[0]
    records, predicted, actual, agreed, one_ids, persons = (int(v) for v in row)
    return {
        "records": records,
        "precision": agreed / predicted if predicted else 1.0,
        "recall": agreed / actual if actual else 1.0,
        "predicted_pairs": predicted,
        "actual_pairs": actual,
        "agreed_pairs": agreed,
        "one_ids": one_ids,
        "persons": persons,
    }


def score(records_truth, assignment, shared, identity_status=None) -> dict:
    """Pairwise precision and recall of `assignment` (record_id, one_id)
    against `records_truth` (records.parquet: record_id, source, person_key).

    Returns {'all': {...}, 'customer_master': {...}, 'lost': n, 'lost_sample':
    [...], 'unknown_records': n} where each of all/customer_master holds
    precision, recall, the raw predicted/actual/agreed pair counts, records,
    one_ids and persons. A truth record missing from the assignment (or with
    a NULL one_id) is scored as its own singleton and counted as lost;
    assigned record_ids the truth does not know are counted as unknown and
    otherwise ignored.

    With `identity_status` (id_type, id_value, one_id, cluster_size, status:
    one row per identifier, as a resolver reports them) the result also has
    'still_merging': the planted shared identifiers carried by more than 20
    persons that the resolver neither marked shared nor blocked and that sit
    in a cluster of more than one record, busiest first.
    """
    truth = as_arrow(records_truth).select(["record_id", "source", "person_key"])
    assigned = as_arrow(assignment).select(["record_id", "one_id"])
    shared_table = as_arrow(shared)
    con = _connect()
    try:
        con.register("truth", truth)
        con.register("assignment", assigned)
        total, distinct = con.execute("SELECT count(*), count(DISTINCT record_id) FROM assignment").fetchall()[0]
        if total != distinct:
            raise ValueError(f"assignment lists {total - distinct} record_ids more than once")
        excluded = ", ".join(f"'{s}'" for s in CUSTOMER_MASTER_EXCLUDED_SOURCES)
        con.execute(
            f"""
            CREATE TEMP TABLE scored AS
            SELECT t.record_id, t.source, t.person_key, a.one_id, a.one_id IS NULL AS lost
            FROM truth t LEFT JOIN assignment a ON a.record_id = t.record_id;
            -- A record without a one_id is its own group: lost_record keys it.
            CREATE TEMP TABLE cells AS
            SELECT one_id, CASE WHEN lost THEN record_id END AS lost_record, person_key,
                   source NOT IN ({excluded}) AS customer_master, count(*) AS n
            FROM scored GROUP BY ALL;
            """
        )
        result = {
            "all": _pair_counts(con, "true"),
            "customer_master": _pair_counts(con, "customer_master"),
            "lost": con.execute("SELECT count(*) FROM scored WHERE lost").fetchall()[0][0],
            "lost_sample": [r[0] for r in con.execute("SELECT record_id FROM scored WHERE lost ORDER BY record_id LIMIT 20").fetchall()],
            "unknown_records": con.execute(
                "SELECT count(*) FROM assignment a WHERE NOT EXISTS (SELECT 1 FROM truth t WHERE t.record_id = a.record_id)"
            ).fetchall()[0][0],
        }
        if identity_status is not None:
            con.register("shared_ids", shared_table.select(["id_type", "id_value", "kind", "persons"]))
            con.register("status", as_arrow(identity_status).select(["id_type", "id_value", "one_id", "cluster_size", "status"]))
            accepted = ", ".join(f"'{s}'" for s in ACCEPTED_SHARED_STATUSES)
            rows = con.execute(
                f"""
                SELECT s.id_type, s.id_value, s.kind, s.persons, i.status, i.cluster_size
                FROM shared_ids s JOIN status i ON i.id_type = s.id_type AND i.id_value = s.id_value
                WHERE s.persons > {STILL_MERGING_MIN_PERSONS}
                  AND coalesce(i.status, '') NOT IN ({accepted}) AND i.cluster_size > 1
                ORDER BY s.persons DESC, s.id_type, s.id_value
                """
            ).fetchall()
            names = ("id_type", "id_value", "kind", "persons", "status", "cluster_size")
            result["still_merging"] = [dict(zip(names, row)) for row in rows]
            result["shared_over_20"] = con.execute(
                f"SELECT count(*) FROM shared_ids WHERE persons > {STILL_MERGING_MIN_PERSONS}"
            ).fetchall()[0][0]
        return result
    finally:
        con.close()


def oracle_links(links, shared) -> pa.Table:
    """`links` without any row of a planted shared identifier: what a perfect
    detector of shared identifiers would leave for the resolver. Row order is
    kept."""
    links = as_arrow(links)
    shared = as_arrow(shared)
    separator = "\x1f"
    link_keys = pc.binary_join_element_wise(links["id_type"], links["id_value"], separator)
    shared_keys = pc.binary_join_element_wise(shared["id_type"], shared["id_value"], separator)
    if isinstance(shared_keys, pa.ChunkedArray):
        shared_keys = shared_keys.combine_chunks()
    return links.filter(pc.invert(pc.is_in(link_keys, value_set=shared_keys)))


def recall_against_oracle(score_result: dict, oracle_score: dict) -> dict:
    """Recall as a share of the oracle's recall, over all records and over
    customer-master records: 1.0 means the resolver lost nothing a perfect
    shared-identifier detector would have kept."""
    return {
        scope: (score_result[scope]["recall"] / oracle_score[scope]["recall"]) if oracle_score[scope]["recall"] else None
        for scope in ("all", "customer_master")
    }


def _arrow_result(con, query) -> pa.Table:
    """The query's rows as Arrow: newer DuckDB relations call it to_arrow_table, older ones arrow."""
    relation = con.sql(query)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    return fetch()


GUARD_SETUP = """
CREATE OR REPLACE TABLE links AS SELECT DISTINCT record_id, source, id_type, id_value FROM read_parquet('{links}');
CREATE OR REPLACE TABLE nodes AS SELECT row_number() OVER () AS id, id_type, id_value FROM (SELECT DISTINCT id_type, id_value FROM links);
CREATE OR REPLACE TABLE memberships AS SELECT DISTINCT l.record_id, l.source, n.id FROM links l JOIN nodes n USING (id_type, id_value);
CREATE OR REPLACE TABLE edges AS SELECT DISTINCT a.id AS src, b.id AS dst FROM memberships a JOIN memberships b ON a.record_id = b.record_id AND a.id <> b.id;
CREATE OR REPLACE TABLE busy AS
  SELECT id FROM memberships WHERE source <> 'app' GROUP BY id HAVING count(DISTINCT record_id) > {max_records}
  UNION
  SELECT src AS id FROM edges GROUP BY src HAVING count(*) > {max_linked};
DELETE FROM edges WHERE src IN (SELECT id FROM busy) OR dst IN (SELECT id FROM busy);
CREATE OR REPLACE TABLE labels AS SELECT id, id AS label FROM nodes WHERE id NOT IN (SELECT id FROM busy);
"""

GUARD_STEP = """
CREATE OR REPLACE TABLE next_labels AS
SELECT l.id, least(l.label, coalesce(min(n.label), l.label)) AS label
FROM labels l LEFT JOIN edges e ON e.src = l.id LEFT JOIN labels n ON n.id = e.dst
GROUP BY l.id, l.label;
"""

GUARD_ASSIGNMENT = """
CREATE OR REPLACE TABLE guard AS
SELECT m.record_id, coalesce('c' || CAST(min(l.label) AS VARCHAR), 'r:' || m.record_id) AS one_id
FROM memberships m LEFT JOIN labels l USING (id)
GROUP BY m.record_id;
"""


def duckdb_guard(links_path, records_path=None, max_records=20, max_linked=20, return_iterations=False):
    """The One-ID an analyst writes in DuckDB today: drop every identifier
    found on more than `max_records` distinct non-app records or linked
    (sharing a record) with more than `max_linked` distinct other
    identifiers, then connected components of records through the remaining
    identifiers by min-label propagation until no label changes.

    Returns a pyarrow table (record_id, one_id). A record whose identifiers
    were all dropped is its own component ('r:<record_id>'). links.parquet
    does not list records without identifiers; pass `records_path`
    (records.parquet) to give those their own component too instead of
    leaving them out. With `return_iterations` the number of propagation
    rounds comes back as well.
    """
    con = _connect()
    try:
        con.execute(GUARD_SETUP.format(links=str(links_path).replace("'", "''"), max_records=int(max_records), max_linked=int(max_linked)))
        iterations = 0
        while True:
            iterations += 1
            con.execute(GUARD_STEP)
            changed = con.execute("SELECT count(*) FROM next_labels n JOIN labels l USING (id) WHERE n.label <> l.label").fetchall()[0][0]
            con.execute("DROP TABLE labels; ALTER TABLE next_labels RENAME TO labels;")
            if changed == 0:
                break
        con.execute(GUARD_ASSIGNMENT)
        if records_path is None:
            query = "SELECT record_id, one_id FROM guard ORDER BY record_id"
        else:
            records = str(records_path).replace("'", "''")
            query = (
                f"SELECT r.record_id, coalesce(g.one_id, 'r:' || r.record_id) AS one_id "
                f"FROM read_parquet('{records}') r LEFT JOIN guard g USING (record_id) ORDER BY r.record_id"
            )
        table = _arrow_result(con, query)
    finally:
        con.close()
    return (table, iterations) if return_iterations else table
