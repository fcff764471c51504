"""Executes every notebook in notebooks/ with the Huntbook kernel through nbclient, as
papermill and CI runners do, and checks that no cell fails."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, shared_data):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="huntbook", timeout=120, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    # Cells tagged raises-exception show an error on purpose; nbclient lets them pass, and
    # so do we, but every other cell must succeed.
    expected_to_fail = [c for c in nb.cells if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code" and c not in expected_to_fail
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors, errors
    for cell in expected_to_fail:
        assert any(o.output_type == "error" for o in cell.outputs), "a raises-exception cell did not fail"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    assert any(o.get("data", {}).get("text/html") for c in code_cells for o in c.outputs), "no rich output at all"
