"""cdpfusion: a customer data platform inside DataFusion, for notebooks.

>>> import cdpfusion
>>> ctx = cdpfusion.connect()
>>> ctx.sql("SELECT normalize_phone('138-0013-8000') AS phone").to_pandas()
           phone
0  +8613800138000

``cdpfusion.register(ctx)`` adds cdpfusion's functions to a
``datafusion.SessionContext`` of the ``datafusion`` package instead.
"""

from ._cdpfusion import (
    DATAFUSION_VERSION,
    FFI_VERSION,
    AggregateFunction,
    Context,
    Result,
    ScalarFunction,
    SQLError,
    TableFunction,
    __version__,
    aggregate_functions,
    scalar_functions,
    table_functions,
)

__all__ = [
    "AggregateFunction",
    "Context",
    "DATAFUSION_VERSION",
    "FFI_VERSION",
    "Result",
    "SQLError",
    "ScalarFunction",
    "TableFunction",
    "__version__",
    "aggregate_functions",
    "connect",
    "register",
    "scalar_functions",
    "table_functions",
]

# Table functions that plan a SQL query of their own argument need a native
# cdpfusion session; through the FFI they would only get a foreign one.
NATIVE_ONLY_TABLE_FUNCTIONS = frozenset({"resolve_identities", "resolve_records", "identity_lookup", "identity_graph"})


def connect(catalog=None, memory_limit=None, disk_limit=None, spill_directory=None, remote=None):
    """A new cdpfusion session.

    ``catalog`` is where segments are kept: a directory or an ``s3://`` URL
    (default: ``$CDPFUSION_CATALOG``, else ``~/.local/share/cdpfusion/segments``).
    ``memory_limit`` caps the memory of all the session's queries (bytes or
    a size such as ``"2G"``): operators that can spill do, into
    ``spill_directory`` (at most ``disk_limit``), the rest fail with
    "Resources exhausted" naming the limit. ``remote`` (``"df://HOST:PORT"``)
    runs the session's queries on the Apache Ballista cluster of that
    ``cdpfusion scheduler`` (docs/scale-out.md).
    """
    return Context(catalog, memory_limit, disk_limit, spill_directory, remote)


def register(ctx):
    """Adds cdpfusion's scalar, aggregate and table functions to ``ctx``, a
    ``datafusion.SessionContext`` of the ``datafusion`` package (same major
    version as ``cdpfusion.FFI_VERSION``). Returns the names registered.

    The table functions that take a SQL query as their argument
    (``resolve_identities``, ``resolve_records``, ``identity_lookup``,
    ``identity_graph``) need a
    cdpfusion session and are not added; use ``cdpfusion.connect()`` for them.
    """
    import datafusion

    registered = []
    for function in scalar_functions():
        ctx.register_udf(datafusion.udf(function))
        registered.append(function.name)
    for function in aggregate_functions():
        ctx.register_udaf(datafusion.udaf(function))
        registered.append(function.name)
    for function in table_functions():
        if function.name in NATIVE_ONLY_TABLE_FUNCTIONS:
            continue
        ctx.register_udtf(datafusion.TableFunction(function.name, function, ctx))
        registered.append(function.name)
    return registered
