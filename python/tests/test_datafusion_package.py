"""cdpfusion's functions inside a `datafusion` package session, through the
datafusion-ffi capsules."""

import importlib.metadata

import datafusion
import pytest

import cdpfusion


def test_register_adds_scalar_aggregate_and_table_functions(tmp_path, monkeypatch):
    monkeypatch.setenv("CDPFUSION_CATALOG", str(tmp_path / "segments"))
    native = cdpfusion.connect()
    native.sql("CREATE SEGMENT vip AS SELECT column1 AS one_id FROM (VALUES (7), (9))")

    ctx = datafusion.SessionContext()
    names = cdpfusion.register(ctx)
    assert {"normalize_phone", "window_funnel", "rfm", "segment_members"} <= set(names)
    assert not set(names) & cdpfusion.NATIVE_ONLY_TABLE_FUNCTIONS

    phone = ctx.sql("SELECT normalize_phone('138-0013-8000') AS p").to_pydict()
    assert phone == {"p": ["+8613800138000"]}
    funnel = ctx.sql(
        """SELECT window_funnel(INTERVAL '1 hour', ts, e = 'view', e = 'lead', e = 'visit') AS level
           FROM (VALUES (TIMESTAMP '2026-01-01 10:00:00', 'view'),
                        (TIMESTAMP '2026-01-01 10:10:00', 'lead')) AS t(ts, e)"""
    ).to_pydict()
    assert funnel == {"level": [2]}
    members = ctx.sql("SELECT one_id FROM segment_members('vip') ORDER BY one_id").to_pydict()
    assert members == {"one_id": [7, 9]}


def test_a_mismatched_datafusion_version_fails_clearly(monkeypatch):
    real_version = importlib.metadata.version
    monkeypatch.setattr(
        importlib.metadata, "version", lambda name: "54.1.0" if name == "datafusion" else real_version(name)
    )
    with pytest.raises(ImportError, match=r"datafusion 54\.1\.0 is installed"):
        cdpfusion.register(datafusion.SessionContext())
