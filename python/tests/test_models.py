"""Models in SQL against scikit-learn on the same rows and the same split
(docs/models.md): data sets cdpfusion did not shape (scikit-learn's breast
cancer and diabetes sets, and a make_classification problem)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_breast_cancer, load_diabetes, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.preprocessing import StandardScaler


def split_frame(X, y, columns, seed=0, share=0.2):
    """The rows as a frame with the label and an `is_eval` column, the
    split cdpfusion takes through data_split_col."""
    frame = pd.DataFrame(X, columns=columns)
    frame["label"] = y
    frame["is_eval"] = np.random.default_rng(seed).random(len(frame)) < share
    return frame


def metric(ctx, model, name):
    rows = ctx.sql(f"SELECT value FROM model_evaluate('{model}') WHERE metric = '{name}'").to_pandas()
    return float(rows["value"][0])


def problems():
    cancer = load_breast_cancer()
    columns = [f"f{i}" for i in range(cancer.data.shape[1])]
    yield "breast_cancer", split_frame(cancer.data, cancer.target.astype(bool), columns)
    X, y = make_classification(n_samples=20_000, n_features=20, n_informative=8, random_state=7)
    yield "make_classification", split_frame(X, y.astype(bool), [f"f{i}" for i in range(20)])


@pytest.mark.parametrize("name,frame", list(problems()), ids=lambda p: p if isinstance(p, str) else "")
def test_classifiers_match_scikit_learn_auc(ctx, name, frame):
    ctx.register_arrow("rows", frame)
    features = [c for c in frame.columns if c.startswith("f")]
    train, held = frame[~frame.is_eval], frame[frame.is_eval]

    ctx.sql("CREATE MODEL lr OPTIONS (type = 'logistic', label = 'label', data_split_col = 'is_eval') AS SELECT * FROM rows").to_arrow()
    scaler = StandardScaler().fit(train[features])
    sk_lr = LogisticRegression(C=1.0, max_iter=5000).fit(scaler.transform(train[features]), train.label)
    sk_auc = roc_auc_score(held.label, sk_lr.predict_proba(scaler.transform(held[features]))[:, 1])
    ours = metric(ctx, "lr", "auc")
    print(f"{name}: logistic AUC cdpfusion {ours:.4f}, scikit-learn {sk_auc:.4f}")
    assert abs(ours - sk_auc) <= 0.01

    # The same probabilities row by row, through model_predict.
    # Rows come back in any order: matched on three features, together
    # unique in both data sets.
    key = ["f0", "f1", "f2"]
    predicted = ctx.sql("SELECT f0, f1, f2, prediction FROM model_predict('lr', 'SELECT * FROM rows WHERE is_eval')").to_pandas()
    expected = held.assign(sk=sk_lr.predict_proba(scaler.transform(held[features]))[:, 1])[key + ["sk"]]
    both = predicted.merge(expected, on=key)
    assert len(both) == len(held)
    assert np.corrcoef(both.prediction, both.sk)[0, 1] > 0.995

    ctx.sql("CREATE MODEL trees OPTIONS (type = 'gbdt', label = 'label', data_split_col = 'is_eval') AS SELECT * FROM rows").to_arrow()
    sk_gb = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0).fit(train[features], train.label)
    sk_auc = roc_auc_score(held.label, sk_gb.predict_proba(held[features])[:, 1])
    ours = metric(ctx, "trees", "auc")
    print(f"{name}: gbdt AUC cdpfusion {ours:.4f}, scikit-learn {sk_auc:.4f}")
    assert abs(ours - sk_auc) <= 0.01


def test_linear_regression_equals_scikit_learn(ctx):
    diabetes = load_diabetes()
    frame = split_frame(diabetes.data, diabetes.target, [f"f{i}" for i in range(10)])
    ctx.register_arrow("rows", frame)
    ctx.sql("CREATE MODEL lin OPTIONS (type = 'linear', label = 'label', data_split_col = 'is_eval') AS SELECT * FROM rows").to_arrow()
    train, held = frame[~frame.is_eval], frame[frame.is_eval]
    features = [f"f{i}" for i in range(10)]
    sk = LinearRegression().fit(train[features], train.label)
    assert metric(ctx, "lin", "r2") == pytest.approx(r2_score(held.label, sk.predict(held[features])), abs=1e-9)


def test_kmeans_inertia_within_one_percent_of_scikit_learn(ctx):
    cancer = load_breast_cancer()
    columns = [f"f{i}" for i in range(cancer.data.shape[1])]
    frame = pd.DataFrame(cancer.data, columns=columns)
    ctx.register_arrow("rows", frame)
    ctx.sql("CREATE MODEL clusters OPTIONS (type = 'kmeans', k = 4, n_init = 4) AS SELECT * FROM rows").to_arrow()
    # cdpfusion clusters standardised features (population standard deviation, as StandardScaler).
    sk = KMeans(n_clusters=4, init="k-means++", n_init=4, random_state=0).fit(StandardScaler().fit_transform(frame))
    ours = metric(ctx, "clusters", "inertia")
    print(f"k-means inertia cdpfusion {ours:.1f}, scikit-learn {sk.inertia_:.1f}")
    assert ours <= sk.inertia_ * 1.01
    sizes = ctx.sql("SELECT sum(value) AS n FROM model_evaluate('clusters') WHERE metric LIKE 'cluster_%_size'").to_pandas()
    assert int(sizes.n[0]) == len(frame)
