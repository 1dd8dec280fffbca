import os
import pathlib

import pytest

import cdpfusion

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture
def ctx(tmp_path):
    """A session whose segments live in the test's own directory."""
    return cdpfusion.connect(catalog=str(tmp_path / "segments"))


@pytest.fixture(scope="session")
def cdpfusion_binary():
    """The shell binary the Rust build made (the server tests start it)."""
    binary = pathlib.Path(os.environ.get("CDPFUSION_BIN", REPO / "target" / "debug" / "cdpfusion"))
    assert binary.exists(), f"{binary} is missing: run cargo build (or set CDPFUSION_BIN)"
    return binary
