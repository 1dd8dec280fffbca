"""The independent One-ID test world (benches/compare/one_id_world.py) and its
scoring (one_id_scoring.py) checked on their own, without the cdpfusion
extension: a wrong truth or a wrong score would grade the resolver wrongly
without anyone noticing.

Run with --noconftest where the extension is not built; REPO is therefore
worked out here rather than imported from conftest."""

import dataclasses
import pathlib
import sys

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benches" / "compare"))

import one_id_scoring as scoring
import one_id_world as world


def test_same_seed_same_world_and_another_seed_another():
    first = world.build(3000, seed=7, profile=world.DEFAULT)
    again = world.build(3000, seed=7, profile=world.DEFAULT)
    other = world.build(3000, seed=8, profile=world.DEFAULT)
    for a, b in zip(first[:4], again[:4]):
        assert a.equals(b)
    assert not first[1].equals(other[1])


def test_random_profile_is_drawn_from_the_seed_and_valid():
    a = world.profile_named("random", 3)
    b = world.profile_named("random", 3)
    assert a == b and a.name == "random"
    assert a != world.profile_named("random", 4)
    for field in dataclasses.fields(world.Profile):
        if field.name != "name":
            low, high = world.RANDOM_RANGES[field.name]
            assert low <= getattr(a, field.name) <= high, field.name


def _consistency_problems(records, links, shared, truth, persons):
    """Every way the world's truth could contradict its own data, as a list of strings."""
    con = duckdb.connect()
    for name, table in {"records": records, "links": links, "shared": shared, "truth": truth}.items():
        con.register(name, table)
    checks = {
        "record_id not unique": "SELECT count(*) - count(DISTINCT record_id) FROM records",
        "person missing or unknown": f"SELECT count(*) FROM records WHERE person_key IS NULL OR person_key < 0 OR person_key >= {persons}",
        "record_id without its source prefix": "SELECT count(*) FROM records WHERE NOT starts_with(record_id, source || ':')",
        "link of an unknown record": "SELECT count(*) FROM links l ANTI JOIN records r USING (record_id)",
        "link whose source differs from its record's": "SELECT count(*) FROM links l JOIN records r USING (record_id) WHERE l.source <> r.source",
        "duplicate link row": "SELECT count(*) - count(DISTINCT (record_id, id_type, id_value)) FROM links",
        "null in links": "SELECT count(*) FROM links WHERE record_id IS NULL OR id_type IS NULL OR id_value IS NULL",
        "bad phone": r"SELECT count(*) FROM links WHERE id_type = 'phone' AND NOT regexp_matches(id_value, '^\+861[3-9][0-9]{9}$')",
        "email not lower-case": "SELECT count(*) FROM links WHERE id_type = 'email' AND (id_value <> lower(id_value) OR id_value NOT LIKE '%_@_%.%')",
        "unknown id_type": f"SELECT count(*) FROM links WHERE id_type NOT IN {tuple(world.ID_TYPES)}",
        "shared identifier with one person": "SELECT count(*) FROM shared WHERE persons < 2",
        "shared persons miscounted": """
            SELECT count(*) FROM shared s LEFT JOIN (
              SELECT id_type, id_value, count(DISTINCT person_key) AS carriers
              FROM links JOIN records USING (record_id) GROUP BY id_type, id_value) c USING (id_type, id_value)
            WHERE c.carriers IS DISTINCT FROM s.persons""",
        "shared identifier missed": """
            SELECT count(*) FROM (
              SELECT id_type, id_value FROM links JOIN records USING (record_id)
              GROUP BY id_type, id_value HAVING count(DISTINCT person_key) > 1) m
            ANTI JOIN shared USING (id_type, id_value)""",
        "truth identity on another person's record": """
            SELECT count(*) FROM truth t JOIN links l USING (id_type, id_value) JOIN records r USING (record_id)
            WHERE r.person_key <> t.person_key""",
        "truth identity on no record": "SELECT count(*) FROM truth t ANTI JOIN links l USING (id_type, id_value)",
        "truth identity listed twice": "SELECT count(*) - count(DISTINCT (id_type, id_value)) FROM truth",
        "identifier both truth and shared": "SELECT count(*) FROM truth JOIN shared USING (id_type, id_value)",
        "unknown shared kind": f"SELECT count(*) FROM shared WHERE kind NOT IN {tuple(world.SHARED_KINDS)}",
    }
    problems = []
    for what, sql in checks.items():
        found = con.execute(sql).fetchall()[0][0]
        if found:
            problems.append(f"{what}: {found}")
    con.close()
    return problems


@pytest.mark.parametrize("profile_name", [*world.PROFILES, "random"])
def test_truth_agrees_with_the_data_in_every_profile(profile_name):
    persons = 4000
    records, links, shared, truth, summary = world.build(persons, 11, world.profile_named(profile_name, 11))
    assert _consistency_problems(records, links, shared, truth, persons) == []
    assert set(records["source"].to_pylist()) == set(world.SOURCES)
    assert sum(summary["records"].values()) == records.num_rows
    assert sum(summary["links"].values()) == links.num_rows


def test_the_planted_phenomena_are_there():
    records, _, shared, _, summary = world.build(20_000, 5, world.DEFAULT)
    kinds = set(shared["kind"].to_pylist())
    for kind in ("salesperson_phone", "demo_tablet", "placeholder_phone", "placeholder_email", "family_device"):
        assert kind in kinds, kind
    # Placeholders look like ordinary values.
    placeholder_phones = shared.filter(pa.compute.equal(shared["kind"], "placeholder_phone"))["id_value"].to_pylist()
    assert "+8613800000000" in placeholder_phones
    # A person with a duplicate CRM record: two crm records, one person.
    crm = records.filter(pa.compute.equal(records["source"], "crm"))
    _, counts = np.unique(crm["person_key"].to_numpy(), return_counts=True)
    assert (counts == 2).mean() == pytest.approx(world.DEFAULT.duplicate_crm_share, abs=0.01)
    assert summary["records_without_identifiers"] > 0


def test_busiest_salesperson_phone_is_far_above_the_median():
    _, _, shared, _, _ = world.build(20_000, 1, world.DEFAULT)
    persons = np.array(shared.filter(pa.compute.equal(shared["kind"], "salesperson_phone"))["persons"].to_pylist())
    assert len(persons) > 50
    assert persons.max() >= 5 * np.median(persons)
    assert persons.max() > 40
    assert 3 <= np.median(persons) <= 15


def test_generate_writes_the_files_and_the_cli_prints_the_summary(tmp_path, capsys):
    summary = world.generate(tmp_path / "w", 2000, seed=3, profile="sparse")
    for name in ("links", "records", "shared", "truth_identities"):
        assert (tmp_path / "w" / f"{name}.parquet").exists()
    records = pq.read_table(tmp_path / "w" / "records.parquet")
    assert records.schema.field("person_key").type == pa.int64()
    assert records.num_rows == sum(summary["records"].values())
    assert summary["profile"]["name"] == "sparse"
    world.main(["--persons", "2000", "--seed", "3", "--profile", "heavy_sharing", "--out", str(tmp_path / "cli")])
    printed = capsys.readouterr().out
    assert "salesperson_phone" in printed and "lead" in printed


def _records(*rows):
    return pa.table({"record_id": [r[0] for r in rows], "source": [r[1] for r in rows], "person_key": pa.array([r[2] for r in rows], pa.int64())})


def test_score_counts_pairs_on_a_hand_made_case():
    records = _records(
        ("crm:1", "crm", 1), ("lead:1", "lead", 1), ("lead:2", "lead", 1),
        ("lead:3", "lead", 2), ("order:1", "order", 2), ("app:1", "app", 3),
    )
    # crm:1 and lead:1 right; lead:2, lead:3 and app:1 wrongly together; order:1 lost.
    assignment = pa.table({"record_id": ["crm:1", "lead:1", "lead:2", "lead:3", "app:1"], "one_id": ["x", "x", "y", "y", "y"]})
    result = scoring.score(records, assignment, pa.table({"id_type": [], "id_value": []}))
    everything = result["all"]
    # actual: person 1 has 3 records (3 pairs), person 2 has 2 (1 pair): 4.
    # predicted: x 1 pair, y 3 pairs: 4. agreed: crm:1-lead:1 only.
    assert (everything["actual_pairs"], everything["predicted_pairs"], everything["agreed_pairs"]) == (4, 4, 1)
    assert everything["precision"] == pytest.approx(0.25) and everything["recall"] == pytest.approx(0.25)
    assert everything["one_ids"] == 3 and everything["persons"] == 3
    master = result["customer_master"]  # app:1 left out: y is lead:2 + lead:3
    assert (master["actual_pairs"], master["predicted_pairs"], master["agreed_pairs"]) == (4, 2, 1)
    assert master["precision"] == pytest.approx(0.5) and master["recall"] == pytest.approx(0.25)
    assert result["lost"] == 1 and result["lost_sample"] == ["order:1"]
    assert result["unknown_records"] == 0
    perfect = pa.table({"record_id": records["record_id"], "one_id": records["person_key"]})
    assert scoring.score(records, perfect, pa.table({"id_type": [], "id_value": []}))["all"]["precision"] == 1.0


def test_score_lists_planted_shared_identifiers_still_merging():
    records = _records(("lead:1", "lead", 1), ("lead:2", "lead", 2))
    assignment = pa.table({"record_id": ["lead:1", "lead:2"], "one_id": [1, 1]})
    shared = pa.table({
        "id_type": ["phone", "phone", "device_id", "phone", "email"],
        "id_value": ["+8613800000000", "+8613900000001", "tablet-1", "+8613900000002", "a@a.com"],
        "kind": ["placeholder_phone", "salesperson_phone", "demo_tablet", "salesperson_phone", "placeholder_email"],
        "persons": [500, 30, 40, 5, 25],
    })
    status = pa.table({
        "id_type": ["phone", "phone", "device_id", "phone", "email"],
        "id_value": ["+8613800000000", "+8613900000001", "tablet-1", "+8613900000002", "a@a.com"],
        "one_id": [1, 1, 2, 1, 3],
        "cluster_size": [2, 2, 40, 2, 1],
        "status": ["blocked", "ok", "shared", "ok", "ok"],
    })
    result = scoring.score(records, assignment, shared, identity_status=status)
    # blocked / shared are handled; 5 persons is under the bar; a singleton merges nothing.
    assert [(s["id_value"], s["kind"], s["persons"]) for s in result["still_merging"]] == [
        ("+8613900000001", "salesperson_phone", 30)
    ]
    assert result["shared_over_20"] == 4


def test_score_rejects_a_record_assigned_twice():
    records = _records(("lead:1", "lead", 1))
    with pytest.raises(ValueError):
        scoring.score(records, pa.table({"record_id": ["lead:1", "lead:1"], "one_id": [1, 2]}), pa.table({"id_type": [], "id_value": []}))


def test_oracle_links_drop_only_the_shared_identifiers():
    links = pa.table({
        "record_id": ["lead:1", "lead:1", "lead:2", "crm:1"],
        "source": ["lead", "lead", "lead", "crm"],
        "id_type": ["phone", "device_id", "phone", "phone"],
        "id_value": ["+8613800000000", "d1", "+8613800000000", "+8613512345678"],
    })
    shared = pa.table({"id_type": ["phone", "device_id"], "id_value": ["+8613800000000", "+8613512345678"], "kind": ["placeholder_phone", "demo_tablet"], "persons": [2, 2]})
    oracle = scoring.oracle_links(links, shared)
    # The device_id row with a phone's value stays: id_type is part of the identifier.
    assert oracle.to_pydict() == {"record_id": ["lead:1", "crm:1"], "source": ["lead", "crm"], "id_type": ["device_id", "phone"], "id_value": ["d1", "+8613512345678"]}
    ratio = scoring.recall_against_oracle({"all": {"recall": 0.4}, "customer_master": {"recall": 0.5}}, {"all": {"recall": 0.8}, "customer_master": {"recall": 1.0}})
    assert ratio == {"all": pytest.approx(0.5), "customer_master": pytest.approx(0.5)}


def _partition(assignment):
    groups = {}
    for record_id, one_id in zip(assignment["record_id"].to_pylist(), assignment["one_id"].to_pylist()):
        groups.setdefault(one_id, set()).add(record_id)
    return sorted(sorted(g) for g in groups.values())


def test_duckdb_guard_on_a_hand_made_links_table(tmp_path):
    rows = []

    def record(record_id, *ids):
        for id_type, id_value in ids:
            rows.append((record_id, record_id.split(":")[0], id_type, id_value))

    # A chain through a phone and an e-mail: one person.
    record("crm:1", ("phone", "P1"), ("email", "E1"))
    record("lead:1", ("phone", "P1"))
    record("order:1", ("email", "E1"), ("vin", "V1"))
    # A salesperson phone on 21 leads (over the bar): dropped, each lead keeps its openid only;
    # lead s0 also carries P2 and so joins crm:2.
    record("crm:2", ("phone", "P2"))
    for i in range(21):
        record(f"lead:s{i}", ("phone", "SALES"), ("wechat_openid", f"o{i}"), *([("phone", "P2")] if i == 0 else []))
    # A phone on exactly 20 leads: kept, one component.
    for i in range(20):
        record(f"survey:q{i}", ("phone", "Q"))
    # The same device/account pair on 21 app records: app records do not count.
    for i in range(21):
        record(f"app:a{i}", ("device_id", "D"), ("account_id", "ACC"))
    # A tablet on 7 records, each with 3 identifiers of its own: linked with 21 others, dropped.
    for i in range(7):
        record(f"lead:t{i}", ("device_id", "TABLET"), ("phone", f"T{i}"), ("email", f"t{i}@x.com"), ("wechat_openid", f"ot{i}"))
    links = pa.table({name: [r[k] for r in rows] for k, name in enumerate(["record_id", "source", "id_type", "id_value"])})
    pq.write_table(links, tmp_path / "links.parquet")
    records = _records(*[(rid, rid.split(":")[0], 0) for rid in dict.fromkeys(links["record_id"].to_pylist())], ("survey:empty", "survey", 0))
    pq.write_table(records, tmp_path / "records.parquet")

    expected = [
        ["crm:1", "lead:1", "order:1"],
        ["crm:2", "lead:s0"],
        *[[f"lead:s{i}"] for i in range(1, 21)],
        sorted(f"survey:q{i}" for i in range(20)),
        sorted(f"app:a{i}" for i in range(21)),
        *[[f"lead:t{i}"] for i in range(7)],
    ]
    guard = scoring.duckdb_guard(tmp_path / "links.parquet")
    assert guard.column_names == ["record_id", "one_id"]
    assert _partition(guard) == sorted(expected)
    with_records = scoring.duckdb_guard(tmp_path / "links.parquet", records_path=tmp_path / "records.parquet")
    assert _partition(with_records) == sorted(expected + [["survey:empty"]])


def test_guard_and_oracle_on_a_small_world(tmp_path):
    """End to end: the perfect answer scores 1, the guard loses precision to
    the planted shared identifiers and the oracle links remove that loss."""
    world.generate(tmp_path, 3000, seed=2, profile="heavy_sharing")
    records = pq.read_table(tmp_path / "records.parquet")
    shared = pq.read_table(tmp_path / "shared.parquet")
    perfect = pa.table({"record_id": records["record_id"], "one_id": records["person_key"]})
    assert scoring.score(records, perfect, shared)["all"]["recall"] == 1.0
    guard = scoring.score(records, scoring.duckdb_guard(tmp_path / "links.parquet", tmp_path / "records.parquet"), shared)
    pq.write_table(scoring.oracle_links(pq.read_table(tmp_path / "links.parquet"), shared), tmp_path / "oracle.parquet")
    oracle = scoring.score(records, scoring.duckdb_guard(tmp_path / "oracle.parquet", tmp_path / "records.parquet"), shared)
    assert guard["lost"] == 0 and oracle["lost"] == 0
    assert oracle["all"]["precision"] > guard["all"]["precision"]
    assert 0 < oracle["all"]["recall"] < 1
