"""Rust-cell latency (issue 24): from launching the kernel to the first Rust cell's result,
a trivial later cell, the first `let`, and for Huntbook the first and a later `frame(...)`
cell — next to evcxr_jupyter measured the same way. Prints figures; asserts nothing.

Usage: python benches/rust_cells.py [--huntbook PATH] [--evcxr-kernel NAME] [--starts 3]
Huntbook is a release build by default (cargo build --release -p huntbook-kernel, or
CARGO_TARGET_DIR). evcxr_jupyter is measured when a kernelspec named NAME (default
`rust`, what `evcxr_jupyter --install` writes) is on JUPYTER_PATH. Each start is a fresh
kernel; the rows are medians over starts (min–max beside them)."""

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
PROCS = ROOT.parent / "shared" / "data" / "msticpy" / "process" / "win4688_processes_on_host.csv"


def install_huntbook(binary: Path) -> None:
    prefix = Path(tempfile.mkdtemp(prefix="huntbook-bench-"))
    subprocess.run([str(binary), "install", "--prefix", str(prefix)], check=True, capture_output=True)
    paths = [str(prefix / "share" / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    os.environ["JUPYTER_PATH"] = os.pathsep.join(paths)
    os.environ["HUNTBOOK_HISTORY"] = ""
    os.environ.pop("HUNTBOOK_NO_RUST", None)


def run(kc, code: str) -> tuple:
    """Seconds until the cell is idle, and what it printed or returned (to check it ran)."""
    started = time.perf_counter()
    msg_id = kc.execute(code)
    text, error = [], None
    while True:
        msg = kc.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            text.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
        elif kind == "status" and content["execution_state"] == "idle":
            break
    elapsed = time.perf_counter() - started
    kc.get_shell_msg(timeout=60)
    if error:
        raise RuntimeError(f"{code!r} failed: {error}")
    return elapsed, "".join(text)


def one_start(kernel_name: str, frames: bool) -> dict:
    km = KernelManager(kernel_name=kernel_name)
    launched = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        # The first cell is sent at once: it waits in the kernel's queue, so the time is
        # what the analyst sees when running a cell as soon as the notebook opens.
        _, out = run(kc, "1 + 1")
        first = time.perf_counter() - launched
        assert "2" in out, out
        trivial = statistics.median(run(kc, "1 + 1")[0] for _ in range(10))
        first_let, _ = run(kc, "let answer = 40 + 2;")
        later_let, _ = run(kc, "let other = answer + 1;")
        figures = {"start → first Rust cell": first, "trivial later cell (median of 10)": trivial,
                   "first `let`": first_let, "a later `let`": later_let}
        if frames:
            run(kc, f"procs = %load {PROCS}")
            cold, out = run(kc, 'frame("procs").height()')
            assert "363" in out, out
            warm, _ = run(kc, 'frame("procs").height()')
            run(kc, "procs = %%sql\nSELECT * FROM procs LIMIT 100")  # the frame changes
            changed, out = run(kc, 'frame("procs").height()')
            assert "100" in out, out
            figures.update({"first `frame(...)` cell (363 × 19)": cold, "a later `frame(...)` cell": warm,
                            "`frame(...)` after the frame changed": changed})
        return figures
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def report(name: str, runs: list) -> None:
    print(f"\n{name} ({len(runs)} starts)")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"  {key:42} {fmt(statistics.median(values))}   ({fmt(min(values))} – {fmt(max(values))})")


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:8.0f} ms" if seconds < 1 else f"{seconds:8.2f} s "


def main() -> None:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    parser = argparse.ArgumentParser()
    parser.add_argument("--huntbook", type=Path, default=target / "release" / "huntbook")
    parser.add_argument("--evcxr-kernel", default="rust")
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    install_huntbook(args.huntbook)
    has_evcxr = args.evcxr_kernel in KernelSpecManager().find_kernel_specs()
    print(f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; Huntbook {args.huntbook}")
    # Interleaved, so a drift in the machine's speed falls on both kernels alike.
    huntbook, evcxr = [], []
    for _ in range(args.starts):
        huntbook.append(one_start("huntbook", frames=True))
        if has_evcxr:
            evcxr.append(one_start(args.evcxr_kernel, frames=False))
    report("Huntbook", huntbook)
    if has_evcxr:
        report(f"evcxr_jupyter (kernelspec {args.evcxr_kernel})", evcxr)
    else:
        print(f"\nno kernelspec named {args.evcxr_kernel!r}: evcxr_jupyter not measured")


if __name__ == "__main__":
    main()
