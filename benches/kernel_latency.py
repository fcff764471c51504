"""Kernel latency benchmark (issue 2): start → kernel_info_reply, and the median round
trip of a trivial cell over 100 executes, for Huntbook (`%iptype 8.8.8.8`) and
ipykernel (`1+1`) on the same machine. Prints figures; asserts nothing.

Usage: python benches/kernel_latency.py [--huntbook PATH] [--runs 100] [--starts 10]
Needs jupyter_client and ipykernel in the Python environment; uses a release build of
Huntbook by default (cargo build --release -p huntbook-kernel)."""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]


def install_huntbook(binary: Path) -> None:
    prefix = Path(tempfile.mkdtemp(prefix="huntbook-bench-"))
    subprocess.run([str(binary), "install", "--prefix", str(prefix)], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["HUNTBOOK_HISTORY"] = ""


def start_to_kernel_info(kernel_name: str) -> float:
    """Seconds from launching the process to receiving kernel_info_reply."""
    km = KernelManager(kernel_name=kernel_name)
    started = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    # Send kernel_info until one is answered: the sockets may not be bound yet. Requests
    # sent early queue in the client's DEALER socket, so the first reply to any of them
    # is the moment the kernel became able to answer.
    sent = set()
    while True:
        sent.add(kc.kernel_info())
        try:
            while True:
                reply = kc.get_shell_msg(timeout=0.02)
                if reply["parent_header"].get("msg_id") in sent:
                    elapsed = time.perf_counter() - started
                    kc.stop_channels()
                    km.shutdown_kernel(now=True)
                    return elapsed
        except Exception:
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{kernel_name} did not answer kernel_info in 30 s")


def round_trips(kernel_name: str, code: str, runs: int) -> list:
    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    times = []
    for _ in range(runs + 5):
        started = time.perf_counter()
        msg_id = kc.execute(code)
        kc.get_shell_msg(timeout=30)
        # Until idle: the cell is done for the user only when its outputs have arrived.
        while True:
            msg = kc.get_iopub_msg(timeout=30)
            if (
                msg["parent_header"].get("msg_id") == msg_id
                and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"
            ):
                break
        times.append(time.perf_counter() - started)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    return times[5:]  # the first few warm caches up


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--starts", type=int, default=10)
    args = parser.parse_args()
    install_huntbook(Path(args.huntbook))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}")
    print(f"python {sys.version.split()[0]}; date {time.strftime('%Y-%m-%d')}")
    rows = []
    for name, kernel, code in (("huntbook", "huntbook", "%iptype 8.8.8.8"), ("ipykernel", "python3", "1+1")):
        starts = [start_to_kernel_info(kernel) for _ in range(args.starts)]
        trips = round_trips(kernel, code, args.runs)
        rows.append((name, code, statistics.median(starts), statistics.median(trips), statistics.quantiles(trips, n=20)[18]))
    print(f"{'kernel':<10} {'cell':<18} {'start→kernel_info (median)':>28} {'round trip median':>18} {'p95':>9}")
    for name, code, start, trip, p95 in rows:
        print(f"{name:<10} {code:<18} {start * 1000:>25.1f} ms {trip * 1000:>15.2f} ms {p95 * 1000:>6.2f} ms")
    ratio = rows[1][3] / rows[0][3]
    print(f"round trip: huntbook is {ratio:.2f}x ipykernel's speed (target: >= 1.0); start target: < 150 ms")


if __name__ == "__main__":
    main()
