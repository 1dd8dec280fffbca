"""The example notebook runs top to bottom on a small demo dataset, so it
never goes stale."""

import pathlib

import nbformat
from nbclient import NotebookClient

NOTEBOOK = pathlib.Path(__file__).resolve().parents[1] / "examples" / "journey.ipynb"


def test_journey_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("CDPFUSION_DEMO_PERSONS", "3000")
    monkeypatch.setenv("CDPFUSION_DEMO_DATA", str(tmp_path / "demo"))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    html = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any("high_value" in page for page in html)
