"""How many rounds distributed connected components takes on cdpfusion's
identity graphs: large-star / small-star (Kiveris et al., SoCC 2014), the
algorithm GraphFrames and Splink run in SQL, simulated round by round on
the record-identifier links of a generated dataset, and checked against
scipy's connected components.

Each round is what a cluster would run as SQL: a large-star (group the
edges by node, point every larger neighbour at the smallest label) and a
small-star (the same over smaller neighbours), both a join and an
aggregate over the edge table. Identifiers held by more records than
`--max-records` are left out first, as the resolver's shared-identifier
guard leaves them out (a group-by over the links), so the components are
the ones the rules then run within.

    python3 benches/compare/connected_components_rounds.py \
        --links bench-data/one_id_quality/default-1000000-42/links.parquet
"""

import argparse
import time

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def edges_of(links, max_records):
    """Record-identifier edges as integer node pairs (records and
    identifiers numbered apart), shared identifiers left out."""
    table = duckdb.sql(
        f"""
        WITH l AS (SELECT DISTINCT record_id, id_type || ':' || id_value AS identifier
                   FROM '{links}' WHERE id_value IS NOT NULL),
             kept AS (SELECT identifier FROM l GROUP BY identifier HAVING count(*) <= {max_records})
        SELECT dense_rank() OVER (ORDER BY record_id) - 1 AS r,
               dense_rank() OVER (ORDER BY identifier) - 1 AS i
        FROM l JOIN kept USING (identifier)
        """
    ).df()
    records = int(table.r.max()) + 1
    return table.r.to_numpy(np.int64), table.i.to_numpy(np.int64) + records, records + int(table.i.max()) + 1


def min_over_group(keys, values, nodes):
    """The smallest value per key (keys without one keep themselves)."""
    smallest = np.arange(nodes, dtype=np.int64)
    np.minimum.at(smallest, keys, values)
    return smallest


def large_star(u, v, nodes):
    # Both directions: each node sees all its neighbours.
    a, b = np.concatenate([u, v]), np.concatenate([v, u])
    m = min_over_group(a, b, nodes)
    larger = b > a
    return b[larger], m[a[larger]]


def small_star(u, v, nodes):
    # Each edge from its larger end to its smaller one.
    a, b = np.maximum(u, v), np.minimum(u, v)
    m = min_over_group(a, b, nodes)
    # Every smaller neighbour, and the node itself, point at the minimum.
    out_u = np.concatenate([b, np.unique(a)])
    out_v = np.concatenate([m[a], m[np.unique(a)]])
    keep = out_u != out_v
    return out_u[keep], out_v[keep]


def dedupe(u, v):
    pairs = np.unique(np.stack([u, v], axis=1), axis=0)
    return pairs[:, 0], pairs[:, 1]


def rounds(u, v, nodes, limit=50):
    for round_ in range(1, limit + 1):
        before = (u.copy(), v.copy())
        u, v = dedupe(*large_star(u, v, nodes))
        u, v = dedupe(*small_star(u, v, nodes))
        if len(u) == len(before[0]) and np.array_equal(u, before[0]) and np.array_equal(v, before[1]):
            return round_, u, v
    raise RuntimeError(f"no convergence in {limit} rounds")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", required=True, help="a links Parquet file (record_id, id_type, id_value)")
    parser.add_argument("--max-records", type=int, default=30, help="identifiers on more records are shared")
    args = parser.parse_args()

    started = time.time()
    u, v, nodes = edges_of(args.links, args.max_records)
    print(f"{len(u):,} edges over {nodes:,} nodes (read in {time.time() - started:.1f} s)")
    started = time.time()
    taken, star_u, star_v = rounds(u, v, nodes)
    # Converged: every node points at its component's smallest node.
    label = np.arange(nodes, dtype=np.int64)
    label[star_u] = star_v
    simulated = len(np.unique(label))
    graph = coo_matrix((np.ones(len(u)), (u, v)), shape=(nodes, nodes))
    expected, _ = connected_components(graph, directed=False)
    print(f"large-star/small-star: {taken} rounds, {simulated:,} components ({time.time() - started:.1f} s); "
          f"scipy: {expected:,} components")
    assert simulated == expected, "the simulation disagrees with scipy"
    sizes = pd.Series(label).value_counts()
    print(f"largest component: {sizes.max():,} nodes; log2(nodes) = {np.log2(nodes):.1f}")


if __name__ == "__main__":
    main()
