"""assign_leads against SciPy (docs/assignment.md): on random instances the
total affinity equals the optimum scipy.optimize.linear_sum_assignment finds
on the capacity-expanded matrix, the affinities are recomputed here
independently, and the gain over round-robin is printed."""

import numpy as np
import pyarrow as pa
import pytest
from scipy.optimize import linear_sum_assignment

VOCABULARY = [f"t{i}" for i in range(14)]


def random_tags(rng, low, high):
    count = rng.integers(low, high + 1)
    return sorted(rng.choice(VOCABULARY, size=count, replace=False).tolist())


def affinity_matrix(lead_tags, advisor_tags, kind):
    """Cosine with smoothed IDF over leads and advisors together, or
    Jaccard, written from the documented formulas."""
    rows = lead_tags + advisor_tags
    index = {t: i for i, t in enumerate(VOCABULARY)}

    def vectors(tag_lists):
        m = np.zeros((len(tag_lists), len(VOCABULARY)))
        for r, tags in enumerate(tag_lists):
            for t in tags:
                m[r, index[t]] = 1.0
        return m

    leads, advisors = vectors(lead_tags), vectors(advisor_tags)
    if kind == "jaccard":
        common = leads @ advisors.T
        union = leads.sum(1)[:, None] + advisors.sum(1)[None, :] - common
        return np.divide(common, union, out=np.zeros_like(common), where=union > 0)
    df = vectors(rows).sum(0)
    idf = np.log((1 + len(rows)) / (1 + df)) + 1
    leads, advisors = leads * idf, advisors * idf
    norms = np.linalg.norm(leads, axis=1)[:, None] * np.linalg.norm(advisors, axis=1)[None, :]
    dot = leads @ advisors.T
    return np.divide(dot, norms, out=np.zeros_like(dot), where=norms > 0)


def scipy_optimum(scores, capacities):
    """The best total over the leads × advisor-slots matrix."""
    columns = np.repeat(np.arange(len(capacities)), capacities)
    if len(columns) == 0:
        return 0.0
    expanded = scores[:, columns]
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    return expanded[rows, cols].sum()


def instance(seed, with_stores):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(20, 160)), int(rng.integers(2, 12))
    stores = [f"s{int(rng.integers(0, 3))}" for _ in range(m)] if with_stores else None
    lead_stores = [stores[int(rng.integers(0, m))] for _ in range(n)] if with_stores else None
    lead_tags = [random_tags(rng, 0, 4) for _ in range(n)]
    advisor_tags = [random_tags(rng, 1, 5) for _ in range(m)]
    # Some instances short of capacity, some with room to spare; some zeros.
    capacities = rng.integers(0, max(2, 2 * n // m), size=m)
    leads = {"lead_id": np.arange(n) + 1000, "tags": lead_tags}
    advisors = {"advisor_id": [f"a{j:02d}" for j in range(m)], "tags": advisor_tags, "capacity": capacities}
    if with_stores:
        leads["store_id"] = lead_stores
        advisors["store_id"] = stores
    return pa.table(leads), pa.table(advisors), lead_tags, advisor_tags, capacities, lead_stores, stores


@pytest.mark.parametrize("kind", ["cosine", "jaccard"])
@pytest.mark.parametrize("with_stores", [False, True], ids=["one_pool", "stores"])
def test_total_equals_scipy_optimum(ctx, kind, with_stores):
    gains = []
    for seed in range(12):
        leads, advisors, lead_tags, advisor_tags, capacities, lead_stores, stores = instance(seed, with_stores)
        ctx.register_arrow("leads", leads)
        ctx.register_arrow("advisors", advisors)
        options = f'{{"affinity": "{kind}"}}'
        placed = ctx.sql(f"SELECT * FROM assign_leads('SELECT * FROM leads', 'SELECT * FROM advisors', '{options}')").to_pandas()
        robin = ctx.sql(
            f"""SELECT sum(score) AS total FROM assign_leads('SELECT * FROM leads', 'SELECT * FROM advisors',
                '{{"affinity": "{kind}", "method": "round_robin"}}')"""
        ).to_pandas()
        ctx.sql("DROP TABLE leads").to_arrow()
        ctx.sql("DROP TABLE advisors").to_arrow()
        assert len(placed) == len(lead_tags)

        scores = affinity_matrix(lead_tags, advisor_tags, kind)
        optimum = 0.0
        groups = sorted(set(stores)) if with_stores else [None]
        for store in groups:
            rows = [i for i in range(len(lead_tags)) if not with_stores or lead_stores[i] == store]
            cols = [j for j in range(len(advisor_tags)) if not with_stores or stores[j] == store]
            optimum += scipy_optimum(scores[np.ix_(rows, cols)], capacities[cols])

        # Each placed pair's score is the affinity recomputed here, no
        # advisor is over capacity, and as many leads are placed as scipy places.
        column = {f"a{j:02d}": j for j in range(len(advisor_tags))}
        placed_rows = placed[placed.advisor_id.notna()]
        for lead_id, advisor_id, score in zip(placed_rows.lead_id, placed_rows.advisor_id, placed_rows.score):
            assert abs(score - scores[lead_id - 1000, column[advisor_id]]) < 1e-9
        load = placed_rows.advisor_id.value_counts()
        assert all(load.get(f"a{j:02d}", 0) <= capacities[j] for j in range(len(advisor_tags)))
        expected_placed = sum(
            min(
                sum(1 for s in lead_stores if s == store) if with_stores else len(lead_tags),
                sum(c for c, s in zip(capacities, stores or [None] * len(capacities)) if s == store),
            )
            for store in groups
        )
        assert len(placed_rows) == expected_placed, f"seed {seed}"

        total = placed.score.sum()
        assert abs(total - optimum) < 1e-6 * max(1, len(lead_tags)), f"seed {seed}: {total} vs scipy {optimum}"
        round_robin = float(robin.total[0] or 0.0)
        assert round_robin <= total + 1e-9
        gains.append((total, round_robin))
    total, round_robin = map(sum, zip(*gains))
    print(f"{kind}, {'stores' if with_stores else 'one pool'}: optimum {total:.2f} = scipy; round-robin {round_robin:.2f}; gain {100 * (total / round_robin - 1):.0f}%")


def test_many_identical_leads_and_ties(ctx):
    """An adversarial case for auctions: 600 leads with the same tags,
    competing for a few advisors with the same tags."""
    leads = pa.table({"lead_id": list(range(600)), "tags": [["suv", "ev"]] * 600})
    advisors = pa.table({
        "advisor_id": list(range(8)),
        "tags": [["suv", "ev"]] * 4 + [["suv"]] * 4,
        "capacity": [50] * 8,
    })
    ctx.register_arrow("leads", leads)
    ctx.register_arrow("advisors", advisors)
    placed = ctx.sql("SELECT advisor_id, count(*) AS n, sum(score) AS total FROM assign_leads('SELECT * FROM leads', 'SELECT * FROM advisors', '{\"affinity\": \"jaccard\"}') WHERE advisor_id IS NOT NULL GROUP BY advisor_id ORDER BY advisor_id").to_pandas()
    # 400 placed: the four perfect matches full, 200 at 0.5.
    assert placed.n.sum() == 400
    assert placed.total.sum() == pytest.approx(200 * 1.0 + 200 * 0.5)


def test_fairness_floors_match_scipy(ctx):
    """With fairness 0.6, every advisor gets at least its floor (0.6 of the
    equal share, capped by capacity), and the total is SciPy's optimum on
    the expanded matrix whose floor slots carry a bonus above any affinity."""
    for seed in range(8):
        leads, advisors, lead_tags, advisor_tags, capacities, _, _ = instance(100 + seed, False)
        ctx.register_arrow("leads", leads)
        ctx.register_arrow("advisors", advisors)
        placed = ctx.sql("SELECT * FROM assign_leads('SELECT * FROM leads', 'SELECT * FROM advisors', '{\"fairness\": 0.6}')").to_pandas()
        ctx.sql("DROP TABLE leads").to_arrow()
        ctx.sql("DROP TABLE advisors").to_arrow()

        n, m = len(lead_tags), len(advisor_tags)
        floors = np.minimum(int(0.6 * (n // m)), np.minimum(capacities, n))
        scores = affinity_matrix(lead_tags, advisor_tags, "cosine")
        columns, bonus = [], []
        for j in range(m):
            slots = min(capacities[j], n)
            columns += [j] * slots
            bonus += [2.0] * floors[j] + [0.0] * (slots - floors[j])
        expanded = scores[:, columns] + np.array(bonus)[None, :]
        rows, cols = linear_sum_assignment(expanded, maximize=True)
        optimum = scores[rows, np.array(columns)[cols]].sum()

        load = placed.advisor_id.value_counts()
        assert all(load.get(f"a{j:02d}", 0) >= floors[j] for j in range(m)), f"seed {seed}"
        assert abs(placed.score.sum() - optimum) < 1e-6 * n, f"seed {seed}: {placed.score.sum()} vs scipy {optimum}"
