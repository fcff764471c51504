"""Shared set-up for the Python test suites: a throwaway Jupyter data directory with the
Huntbook kernelspec installed by the binary itself (`huntbook install --prefix`), so the
tests exercise the real install path and never touch the developer's own Jupyter config.

The binary is taken from HUNTBOOK_BIN (tests/run.sh sets it after building)."""

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()


def huntbook_bin() -> Path:
    explicit = os.environ.get("HUNTBOOK_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "huntbook"


def _install_kernelspec() -> Path:
    prefix = Path(tempfile.mkdtemp(prefix="huntbook-jupyter-"))
    binary = huntbook_bin()
    if not binary.exists():
        raise RuntimeError(f"{binary} does not exist: build it with `cargo build -p huntbook-kernel` or set HUNTBOOK_BIN")
    subprocess.run([str(binary), "install", "--prefix", str(prefix)], check=True, capture_output=True)
    data = prefix / "share" / "jupyter"
    os.environ["JUPYTER_PATH"] = str(data)
    os.environ["JUPYTER_DATA_DIR"] = str(prefix / "data")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(prefix / "runtime")
    # Keep test runs out of the developer's history file.
    os.environ["HUNTBOOK_HISTORY"] = str(prefix / "history.ndjson")
    # Kernels started by the tests send nothing beyond 127.0.0.1 (the engine refuses).
    os.environ["HUNTBOOK_LOOPBACK_ONLY"] = "1"
    # Kernels start no Rust context unless a test asks for one (tests/kernel/test_rust_cells.py
    # and the notebooks with Rust cells): each context compiles crates in the background,
    # which on two cores would slow every other test.
    os.environ["HUNTBOOK_NO_RUST"] = "1"
    return data


# Installed at import time: jupyter_kernel_test's classes start their kernel in
# setUpClass, before any pytest fixture would run.
KERNELSPEC_DIR = _install_kernelspec()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.fail(f"the shared data folder {SHARED_DATA} is missing; tests read real data from ../shared/data")
    return SHARED_DATA


def _start_replay() -> None:
    """Threat-intel providers and a Sentinel workspace for the notebooks: the binary's
    loopback replay server with the services' recorded answers, and a huntbook.yaml
    pointing the providers and the `soc` source at it (with
    a fresh cache, and MaxMind's test databases for %geoip). Kernels inherit
    HUNTBOOK_CONFIG from this process."""
    import atexit

    binary = huntbook_bin()
    if not binary.exists():
        return
    routes = ROOT / "tests" / "notebooks" / "ti-replay.json"
    sentinel = ROOT / "tests" / "notebooks" / "sentinel-replay.json"
    work = Path(tempfile.mkdtemp(prefix="huntbook-ti-"))
    # The same command the README gives for opening notebooks/threat-intel.ipynb by hand.
    proc = subprocess.Popen(
        [str(binary), "replay", str(routes), str(sentinel), "--write-config", str(work / "huntbook.yaml"),
         "--geoip", str(SHARED_DATA / "geoip" / "test-data"), "--for", "7200"],
        stdout=subprocess.PIPE,
        text=True,
    )
    atexit.register(proc.terminate)
    url = proc.stdout.readline().strip()
    # The server prints its address and nothing else: the pipe is not kept open for the
    # whole session (the kernel tests open many sockets in this process).
    proc.stdout.close()
    if not url.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the replay server did not start: {url!r}")
    os.environ["HUNTBOOK_CONFIG"] = str(work / "huntbook.yaml")
    os.environ["HUNTBOOK_REPLAY_URL"] = url


_start_replay()
