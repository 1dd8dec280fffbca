"""Models in SQL beside scikit-learn, same rows, same split, same machine
(docs/models.md): training logistic regression and gradient-boosted trees
on 1M rows x 20 features, and predicting 10M rows.

cdpfusion is timed as a user runs it: one `cdpfusion` process that reads the
Parquet file, trains, evaluates on the held-out rows and stores the model.
scikit-learn is timed in-process from reading the same file to the held-out
AUC (StandardScaler + LogisticRegression; HistGradientBoostingClassifier
without early stopping). Prediction: cdpfusion's `model_predict` and
`predict` over a 10M-row in-memory table (the shell's own "Elapsed"),
scikit-learn's predict_proba over the same numbers as a NumPy array.

    python3 benches/compare/models_bench.py --rows 1000000
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import compare  # noqa: E402

FEATURES = [f"f{i}" for i in range(20)]


def write_rows(path, rows, seed):
    X, y = make_classification(n_samples=rows, n_features=20, n_informative=10, random_state=seed)
    held = np.random.default_rng(seed).random(rows) < 0.2
    columns = {name: X[:, i] for i, name in enumerate(FEATURES)}
    columns["label"] = y.astype(bool)
    columns["is_eval"] = held
    pq.write_table(pa.table(columns), path)


def cdpfusion_train(binary, catalog, path, model_type):
    sql = [
        f"CREATE EXTERNAL TABLE rows STORED AS PARQUET LOCATION '{path}'",
        f"CREATE OR REPLACE MODEL m OPTIONS (type = '{model_type}', label = 'label', data_split_col = 'is_eval') AS SELECT * FROM rows",
    ]
    started = time.perf_counter()
    out = subprocess.run(
        [str(binary), "-q", "--format", "csv", "--catalog", str(catalog), *sum((["-c", s] for s in sql), [])],
        check=True, capture_output=True, text=True,
    ).stdout
    elapsed = time.perf_counter() - started
    auc = next(float(line.split(",")[4]) for line in out.splitlines() if ",auc," in line)
    return elapsed, auc


def sklearn_train(path, model_type):
    started = time.perf_counter()
    table = pq.read_table(path).to_pandas()
    X, y, held = table[FEATURES].to_numpy(), table["label"].to_numpy(), table["is_eval"].to_numpy()
    if model_type == "logistic":
        scaler = StandardScaler().fit(X[~held])
        model = LogisticRegression().fit(scaler.transform(X[~held]), y[~held])
        scores = model.predict_proba(scaler.transform(X[held]))[:, 1]
    else:
        model = HistGradientBoostingClassifier(max_iter=100, early_stopping=False).fit(X[~held], y[~held])
        scores = model.predict_proba(X[held])[:, 1]
    auc = roc_auc_score(y[held], scores)
    return time.perf_counter() - started, auc


def cdpfusion_predict(binary, catalog, path, rows):
    """The shell's Elapsed of each statement; the last three are timed."""
    generated = ", ".join(f"random() AS {name}" for name in FEATURES)
    features = ", ".join(FEATURES)
    sql = [
        f"CREATE EXTERNAL TABLE rows STORED AS PARQUET LOCATION '{path}'",
        "CREATE OR REPLACE MODEL p OPTIONS (type = 'logistic', label = 'label', data_split_col = 'is_eval') AS SELECT * FROM rows",
        f"CREATE TABLE big AS SELECT {generated} FROM generate_series(1, {rows})",
        f"SELECT sum({' + '.join(FEATURES)}) FROM big",
        "SELECT sum(prediction) FROM model_predict('p', 'big')",
        f"SELECT sum(predict('p', {features})) FROM big",
    ]
    out = subprocess.run(
        [str(binary), "--catalog", str(catalog), *sum((["-c", s] for s in sql), [])],
        check=True, capture_output=True, text=True,
    ).stdout
    elapsed = [float(x) for x in re.findall(r"Elapsed ([0-9.]+) seconds", out)]
    return elapsed[-3:]


def sklearn_predict(path, rows):
    table = pq.read_table(path).to_pandas()
    X, y = table[FEATURES].to_numpy(), table["label"].to_numpy()
    scaler = StandardScaler().fit(X)
    model = LogisticRegression().fit(scaler.transform(X), y)
    big = np.random.default_rng(1).random((rows, len(FEATURES)))
    started = time.perf_counter()
    model.predict_proba(scaler.transform(big))
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--predict-rows", type=int, default=10_000_000)
    parser.add_argument("--binary", type=pathlib.Path, default=None)
    args = parser.parse_args()
    binary = compare.cdpfusion_binary(args.binary)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        path = tmp / "rows.parquet"
        write_rows(path, args.rows, seed=1)
        print(f"{args.rows:,} rows x {len(FEATURES)} features, 20% held out")
        print("| model | cdpfusion (one process) | AUC | scikit-learn | AUC | scikit-learn / cdpfusion |")
        print("| --- | --- | --- | --- | --- | --- |")
        for model_type in ["logistic", "gbdt"]:
            ours, our_auc = cdpfusion_train(binary, tmp / "catalog", path, model_type)
            theirs, their_auc = sklearn_train(path, model_type)
            print(f"| {model_type} | {ours:.2f} s | {our_auc:.4f} | {theirs:.2f} s | {their_auc:.4f} | {theirs / ours:.2f}x |")
        scan, table_function, scalar = cdpfusion_predict(binary, tmp / "catalog", path, args.predict_rows)
        theirs = sklearn_predict(path, args.predict_rows)
        millions = args.predict_rows / 1e6
        print(f"\npredicting {args.predict_rows:,} rows (logistic):")
        print(f"- cdpfusion model_predict: {table_function:.3f} s ({millions / table_function:.1f}M rows/s); "
              f"predict(): {scalar:.3f} s ({millions / scalar:.1f}M rows/s); the scan alone: {scan:.3f} s")
        print(f"- scikit-learn predict_proba (NumPy in memory): {theirs:.3f} s ({millions / theirs:.1f}M rows/s)")


if __name__ == "__main__":
    main()
