"""Re-executes the notebooks in notebooks/ with the Huntbook kernel and saves them with
their outputs, so the copies in the repository (and on GitHub) show real results.

Usage: python tests/notebooks/refresh.py [NOTEBOOK ...]   (after tests/run.sh or with
HUNTBOOK_BIN pointing at a built kernel; the kernelspec is installed in a temp dir)."""

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import conftest  # noqa: E402,F401  (installs the kernelspec into a throwaway JUPYTER_PATH)

# conftest turns Rust cells off for the kernel tests; a saved notebook shows the real kernel.
os.environ.pop("HUNTBOOK_NO_RUST", None)

ROOT = Path(__file__).resolve().parents[2]

paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "notebooks").glob("*.ipynb"))
for path in paths:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="huntbook", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata["kernelspec"] = {"name": "huntbook", "display_name": "Huntbook", "language": "huntbook"}
    nbformat.write(nb, path)
    print(f"refreshed {path}")
