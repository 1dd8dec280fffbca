"""One-ID quality on worlds that cdpfusion's generator did not make.

benches/compare/one_id_world.py was written without reading the resolver:
each named profile and a set of randomly drawn ones (share and spread of
shared identifiers, walk-in leads carrying only a salesperson's phone,
placeholders outside the block list, persons with two phones, duplicate CRM
records, family devices; names typed with titles alone, blanks, nicknames and
pinyin) is generated, resolved with the default rules through the shell
(names included), and scored against its truth. The oracle is the same
resolver on identifiers alone with the truth's shared identifiers removed:
the recall any rule for shared identifiers could keep from identifiers
alone. The DuckDB
guard an analyst writes today (benches/compare/one_id_scoring.duckdb_guard)
runs beside it.

The issue's targets (precision 0.995 over all records and 0.99 over
customer-master records, recall 0.99 of the oracle's) are asserted on every
world, against the oracle and against the same oracle reading names: the
oracle reads identifiers alone, and names that confirm an identifier keep
more than it does.
"""

import sys

import numpy as np
import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "benches" / "compare"))
import one_id_quality as quality  # noqa: E402
import one_id_world as world  # noqa: E402

PERSONS = 4000
SEED = 42
RANDOM_PROFILES = 6
WORLDS = quality.worlds(list(world.PROFILES), RANDOM_PROFILES, SEED)


@pytest.mark.parametrize("name,profile", WORLDS, ids=[name for name, _ in WORLDS])
def test_one_id_on_an_independent_world(name, profile, cdpfusion_binary, tmp_path):
    world_dir = tmp_path / "world"
    world.generate(world_dir, PERSONS, SEED, profile)
    result = quality.evaluate(cdpfusion_binary, world_dir, tmp_path / "runs", duckdb=True)
    ours, guard = result["cdpfusion"], result["duckdb"]
    print()
    print(quality.HEADER)
    print(quality.report_line(name, "cdpfusion", ours, result["recall_ratio"], result["seconds"]))
    print(quality.report_line(name, "duckdb", guard, result["duckdb_recall_ratio"], result["duckdb_seconds"]))
    print(f"recall / oracle with names: {result['recall_ratio_with_names']}")
    print(f"still merging: {quality.still_merging(ours)}; records {result['statuses']}")

    # Every record that holds an identifier comes back, once.
    assert result["records_lost"] == 0
    assert ours["unknown_records"] == 0
    # No planted shared identifier of more than 20 persons merges anyone.
    assert quality.still_merging(ours) == []
    # Recall: what the rules keep of what identifiers alone could, and of
    # what they could with names.
    for ratio in (result["recall_ratio"], result["recall_ratio_with_names"]):
        assert ratio["all"] >= 0.99, ratio
        assert ratio["customer_master"] >= 0.99, ratio
    # Precision: the targets, and above the DuckDB guard.
    assert ours["all"]["precision"] >= 0.995, ours["all"]
    assert ours["customer_master"]["precision"] >= 0.99, ours["customer_master"]
    assert ours["all"]["precision"] > guard["all"]["precision"]
    assert ours["customer_master"]["precision"] > guard["customer_master"]["precision"]


def test_the_oracle_makes_no_wrong_pair(cdpfusion_binary, tmp_path):
    """Without the planted shared identifiers the resolver makes no wrong
    pair: what is left of precision is theirs, not noise of the world. The
    oracle reads identifiers alone; names, which confirm a customer's own
    phone on more of their leads than `max_records_unconfirmed` allows,
    keep more than it does."""
    world_dir = tmp_path / "world"
    world.generate(world_dir, PERSONS, SEED, "heavy_sharing")
    result = quality.evaluate(cdpfusion_binary, world_dir, tmp_path / "runs")
    assert result["oracle"]["all"]["precision"] == pytest.approx(1.0, abs=1e-3)
    assert result["cdpfusion"]["all"]["recall"] > result["oracle"]["all"]["recall"]
    statuses = result["statuses"]
    assert set(statuses) <= {"assigned", "conflict", "unlinked"}
    assert np.sum(list(statuses.values())) > PERSONS
