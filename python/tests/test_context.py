import os
import signal
import threading

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import cdpfusion


def test_sql_runs_cdpfusion_functions_and_returns_arrow_pandas_and_polars(ctx):
    query = """
        SELECT normalize_phone(raw) AS phone, mask_phone(normalize_phone(raw)) AS masked
        FROM (VALUES ('138-0013-8000'), ('+86 139 0000 0000'), ('not a phone')) AS t(raw)
        ORDER BY phone NULLS LAST
    """
    table = ctx.sql(query).to_arrow()
    assert isinstance(table, pa.Table)
    assert table.column("phone").to_pylist() == ["+8613800138000", "+8613900000000", None]
    frame = ctx.sql(query).to_pandas()
    assert isinstance(frame, pd.DataFrame)
    assert frame["masked"].tolist()[:2] == ["+86138****8000", "+86139****0000"]
    polars_frame = ctx.sql(query).to_polars()
    assert isinstance(polars_frame, pl.DataFrame)
    assert polars_frame["phone"].to_list()[0] == "+8613800138000"


def test_results_speak_the_arrow_c_stream_interface(ctx):
    result = ctx.sql("SELECT CAST(value AS BIGINT) AS id FROM generate_series(1, 5000)")
    reader = pa.RecordBatchReader.from_stream(result)
    assert reader.schema.names == ["id"]
    assert sum(batch.num_rows for batch in reader) == 5000
    # polars reads any __arrow_c_stream__ producer directly.
    assert pl.DataFrame(ctx.sql("SELECT 1 AS one"))["one"].to_list() == [1]


def test_a_script_runs_in_order_and_returns_the_last_result(ctx):
    result = ctx.sql("CREATE VIEW v AS SELECT 41 AS x; SELECT x + 1 AS answer FROM v")
    assert result.columns == ["answer"]
    assert result.to_arrow().to_pydict() == {"answer": [42]}
    assert "v" in ctx.tables()


def test_register_arrow_takes_pyarrow_pandas_and_polars(ctx):
    ctx.register_arrow("from_arrow", pa.table({"phone": ["138-0013-8000", None]}))
    ctx.register_arrow("from_pandas", pd.DataFrame({"phone": ["13900000000"]}))
    ctx.register_arrow("from_polars", pl.DataFrame({"phone": ["+86 137 0000 0000"]}))
    rows = ctx.sql(
        "SELECT normalize_phone(phone) AS p FROM from_arrow UNION ALL "
        "SELECT normalize_phone(phone) FROM from_pandas UNION ALL "
        "SELECT normalize_phone(phone) FROM from_polars ORDER BY p NULLS LAST"
    ).to_arrow()
    assert rows.column("p").to_pylist() == ["+8613700000000", "+8613800138000", "+8613900000000", None]
    with pytest.raises(TypeError, match="register_arrow"):
        ctx.register_arrow("bad", 42)


def test_generate_and_register_parquet(ctx, tmp_path):
    written = ctx.generate(300, tmp_path / "data", seed=5)
    assert written["leads"] > 0
    ctx.register_parquet("leads", str(tmp_path / "data" / "leads.parquet"))
    assert ctx.sql("SELECT count(*) AS n FROM leads").to_arrow().column("n")[0].as_py() == written["leads"]


def test_errors_are_python_exceptions_carrying_the_sql_error(ctx):
    with pytest.raises(cdpfusion.SQLError, match="normalize_phone"):
        ctx.sql("SELECT normalize_phone(1, 2, 3)").to_arrow()
    with pytest.raises(cdpfusion.SQLError, match="no_such_table"):
        ctx.sql("SELECT * FROM no_such_table")
    with pytest.raises(cdpfusion.SQLError, match="empty"):
        ctx.sql("  ;  ")


def test_segments_from_python(ctx):
    created = ctx.sql("CREATE SEGMENT vip AS SELECT column1 AS one_id FROM (VALUES (3), (1), (3))").to_arrow()
    assert created.column("size").to_pylist() == [2]
    members = ctx.sql("SELECT one_id FROM segment_members('vip') ORDER BY one_id").to_arrow()
    assert members.column("one_id").to_pylist() == [1, 3]


def test_notebook_display_and_show(ctx, capsys):
    result = ctx.sql("SELECT '<b>' AS tag, CAST(NULL AS INT) AS missing FROM generate_series(1, 25)")
    html = result._repr_html_()
    assert html.startswith('<table class="cdpfusion">')
    assert "<td>&lt;b&gt;</td><td>NULL</td>" in html
    assert "first 20 rows shown" in html
    result.show(rows=3)
    printed = capsys.readouterr().out
    assert printed.count("<b>") == 3 and "first 3 rows shown" in printed
    assert result.count() == 25


def test_ten_million_rows_reach_pandas(ctx):
    frame = ctx.sql("SELECT CAST(value AS BIGINT) AS id, CAST(value % 7 AS INT) AS bucket FROM generate_series(1, 10000000)").to_pandas()
    assert len(frame) == 10_000_000
    assert frame["id"].sum() == 10_000_000 * 10_000_001 // 2
    assert frame["bucket"].value_counts()[0] == 10_000_000 // 7


@pytest.mark.timeout(120)
def test_ctrl_c_interrupts_a_running_query(ctx):
    timer = threading.Timer(1.0, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            ctx.sql("SELECT count(DISTINCT value % 1000003) AS n FROM generate_series(1, 100000000000)").to_arrow()
    finally:
        timer.cancel()
    # The session is still usable afterwards.
    assert ctx.sql("SELECT 1 AS one").to_arrow().to_pydict() == {"one": [1]}


def test_a_memory_limit_holds_and_bad_sizes_are_named(tmp_path):
    limited = cdpfusion.connect(catalog=str(tmp_path / "segments"), memory_limit="2M", spill_directory=str(tmp_path))
    resolve = (
        "SELECT count(DISTINCT one_id) AS persons FROM resolve_identities('SELECT v AS record_id, ''phone'' AS id_type,"
        " CAST(v % 100000 AS VARCHAR) AS id_value FROM range(1, 400000) t(v)')"
    )
    with pytest.raises(cdpfusion.SQLError, match="Resources exhausted.*resolve_identities"):
        limited.sql(resolve).to_arrow()
    roomy = cdpfusion.connect(catalog=str(tmp_path / "segments"), memory_limit=512 * 2**20)
    assert roomy.sql(resolve).to_arrow().to_pydict() == {"persons": [100000]}
    with pytest.raises(cdpfusion.SQLError, match="connect: memory_limit: expected a size"):
        cdpfusion.connect(memory_limit="lots")
