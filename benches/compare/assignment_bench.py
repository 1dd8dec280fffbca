"""Lead assignment beside SciPy, same leads, same advisors, same machine
(docs/assignment.md): 20,000 leads × 500 advisors in 50 stores, with
capacities, by tag affinity (cosine with IDF).

cdpfusion is timed as a user runs it: one `cdpfusion` process that reads
the two Parquet files and runs `assign_leads`. The SciPy route is what an
analyst writes today, timed in-process from reading the same files: the
affinity matrix in NumPy, then per store `linear_sum_assignment` on the
matrix with each advisor's column repeated `capacity` times. Both totals are
printed; they must agree. The round-robin baseline is printed beside them.

    python3 benches/compare/assignment_bench.py --leads 20000 --advisors 500 --stores 50
"""

import argparse
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.optimize import linear_sum_assignment

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import compare  # noqa: E402

MODELS = [f"model:{m}" for m in ["a3", "a4", "a6", "q3", "q5", "q7", "e-tron", "rs", "tt", "a8", "q8", "q4"]]
CHANNELS = ["wechat", "app", "web", "phone", "walk_in", "douyin"]
LANGUAGES = ["lang:zh", "lang:en", "lang:yue"]
STAGES = ["stage:new", "stage:test_drive", "stage:quote"]
SATISFACTION = ["sat:low", "sat:mid", "sat:high"]


def write_data(tmp, leads, advisors, stores, seed=7):
    rng = np.random.default_rng(seed)
    pick = lambda options, k: list(rng.choice(options, size=k, replace=False))  # noqa: E731
    lead_tags = [
        pick(MODELS, rng.integers(1, 3)) + pick(CHANNELS, 1) + pick(LANGUAGES, 1) + pick(STAGES, 1) + pick(SATISFACTION, 1)
        for _ in range(leads)
    ]
    advisor_tags = [
        pick(MODELS, rng.integers(2, 5)) + pick(CHANNELS, rng.integers(1, 3)) + pick(LANGUAGES, rng.integers(1, 3))
        for _ in range(advisors)
    ]
    advisor_store = [f"store{j % stores:03d}" for j in range(advisors)]
    lead_store = [f"store{s:03d}" for s in rng.integers(0, stores, size=leads)]
    # About 1.2 slots per lead overall, unevenly.
    capacity = rng.integers(1, max(2, int(2.4 * leads / advisors)), size=advisors)
    pq.write_table(pa.table({"lead_id": np.arange(leads), "tags": lead_tags, "store_id": lead_store}), tmp / "leads.parquet")
    pq.write_table(
        pa.table({"advisor_id": [f"adv{j:04d}" for j in range(advisors)], "tags": advisor_tags, "capacity": capacity, "store_id": advisor_store}),
        tmp / "advisors.parquet",
    )


def cdpfusion_assign(binary, tmp, with_stores, method="optimal"):
    columns = "*" if with_stores else "lead_id, tags"
    advisor_columns = "*" if with_stores else "advisor_id, tags, capacity"
    sql = [
        f"CREATE EXTERNAL TABLE leads STORED AS PARQUET LOCATION '{tmp / 'leads.parquet'}'",
        f"CREATE EXTERNAL TABLE advisors STORED AS PARQUET LOCATION '{tmp / 'advisors.parquet'}'",
        f"""SELECT count(advisor_id) AS placed, sum(score) AS total FROM assign_leads('SELECT {columns} FROM leads',
            'SELECT {advisor_columns} FROM advisors', '{{"method": "{method}"}}')""",
    ]
    started = time.perf_counter()
    out = subprocess.run(
        [str(binary), "-q", "--format", "csv", *sum((["-c", s] for s in sql), [])],
        check=True, capture_output=True, text=True,
    ).stdout
    elapsed = time.perf_counter() - started
    placed, total = out.strip().splitlines()[-1].split(",")
    return elapsed, int(placed), float(total)


def scipy_assign(tmp, with_stores):
    started = time.perf_counter()
    leads = pq.read_table(tmp / "leads.parquet").to_pydict()
    advisors = pq.read_table(tmp / "advisors.parquet").to_pydict()
    vocabulary = {t: i for i, t in enumerate(sorted({t for tags in leads["tags"] + advisors["tags"] for t in tags}))}

    def vectors(tag_lists):
        m = np.zeros((len(tag_lists), len(vocabulary)))
        for r, tags in enumerate(tag_lists):
            m[r, [vocabulary[t] for t in tags]] = 1.0
        return m

    lead_vectors, advisor_vectors = vectors(leads["tags"]), vectors(advisors["tags"])
    df = lead_vectors.sum(0) + advisor_vectors.sum(0)
    idf = np.log((1 + len(lead_vectors) + len(advisor_vectors)) / (1 + df)) + 1
    lead_vectors *= idf
    advisor_vectors *= idf
    lead_vectors /= np.linalg.norm(lead_vectors, axis=1, keepdims=True)
    advisor_vectors /= np.linalg.norm(advisor_vectors, axis=1, keepdims=True)
    capacity = np.array(advisors["capacity"])
    groups = sorted(set(advisors["store_id"])) if with_stores else [None]
    lead_store, advisor_store = np.array(leads["store_id"]), np.array(advisors["store_id"])
    total, placed = 0.0, 0
    for store in groups:
        rows = np.flatnonzero(lead_store == store) if with_stores else np.arange(len(lead_store))
        cols = np.flatnonzero(advisor_store == store) if with_stores else np.arange(len(advisor_store))
        scores = lead_vectors[rows] @ advisor_vectors[cols].T
        expanded = scores[:, np.repeat(np.arange(len(cols)), np.minimum(capacity[cols], len(rows)))]
        r, c = linear_sum_assignment(expanded, maximize=True)
        total += expanded[r, c].sum()
        placed += len(r)
    return time.perf_counter() - started, placed, total


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--advisors", type=int, default=500)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--one-pool", action="store_true", help="also place every lead with every advisor, ignoring stores")
    parser.add_argument("--scipy-one-pool", action="store_true", help="and time SciPy on that (large: leads × slots matrix)")
    parser.add_argument("--binary", type=pathlib.Path, default=None)
    args = parser.parse_args()
    binary = compare.cdpfusion_binary(args.binary)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        write_data(tmp, args.leads, args.advisors, args.stores)
        scenarios = [("stores", True, True)]
        if args.one_pool:
            scenarios.append(("one pool", False, args.scipy_one_pool))
        for name, with_stores, run_scipy in scenarios:
            ours, placed, total = cdpfusion_assign(binary, tmp, with_stores)
            _, _, robin = cdpfusion_assign(binary, tmp, with_stores, "round_robin")
            line = f"{name}: {args.leads} leads x {args.advisors} advisors: cdpfusion {ours:.2f} s, {placed} placed, total {total:.3f}"
            line += f"; round-robin total {robin:.3f} (optimum +{100 * (total / robin - 1):.0f}%)"
            if run_scipy:
                theirs, their_placed, their_total = scipy_assign(tmp, with_stores)
                line += f"; scipy {theirs:.2f} s, {their_placed} placed, total {their_total:.3f}; scipy / cdpfusion {theirs / ours:.1f}x"
                assert their_placed == placed and abs(their_total - total) < 1e-6 * placed, "totals differ"
            print(line, flush=True)


if __name__ == "__main__":
    main()
