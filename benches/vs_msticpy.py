"""%ioc and %b64 against msticpy on the same command-line frames (issue 4).

Builds CSVs of N command lines by replicating real ones (msticpy's Windows 4688 sample and
its Defender for Endpoint sample, which carries Base64), then times:
- msticpy: IoCExtract().extract_df(df, columns=["CommandLine"]) and
  base64unpack.unpack_df(df, "CommandLine") in their own venv (pip install msticpy in a
  throwaway venv; pass its python with --msticpy-python);
- Huntbook: the `%ioc cl.CommandLine` and `%b64 cl.CommandLine` cells through a real kernel
  (jupyter_client), after the CSV was loaded by an earlier cell, so only the work is timed.
Prints rows/s for both and the ratio. Asserts nothing.

Usage: python benches/vs_msticpy.py --msticpy-python /tmp/venv/bin/python
           [--sizes 100000,1000000] [--magics ioc,b64] [--msticpy-max-rows 100000]
msticpy's base64 decoder takes minutes per 100k rows; above --msticpy-max-rows its
rows/s is measured on that many rows and the size is marked as extrapolated.
"""

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parents[1]
PROCESS = ROOT.parent / "shared" / "data" / "msticpy" / "process"
SAMPLES = [("win4688_proc_test.csv", "CommandLine"), ("mde_internal_proc_cs1.csv", "CreatedProcessCommandLine")]

MSTICPY_TIMER = r"""
import sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
df = pd.read_csv(sys.argv[1], nrows=int(sys.argv[3]))
started = time.perf_counter()
if sys.argv[2] == "ioc":
    from msticpy.transform.iocextract import IoCExtract
    out = IoCExtract().extract_df(df, columns=["CommandLine"])
else:
    from msticpy.transform import base64unpack
    out = base64unpack.unpack_df(df, "CommandLine")
print(time.perf_counter() - started, len(out))
"""


def make_csv(rows: int, folder: Path) -> Path:
    csv.field_size_limit(1 << 30)
    lines = []
    for name, column in SAMPLES:
        with open(PROCESS / name, newline="") as f:
            lines += [r[column] for r in csv.DictReader(f) if r[column]]
    path = folder / f"cmdlines_{rows}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["CommandLine"])
        for i in range(rows):
            w.writerow([lines[i % len(lines)]])
    return path


def time_msticpy(python: str, path: Path, magic: str, rows: int):
    out = subprocess.run([python, "-c", MSTICPY_TIMER, str(path), magic, str(rows)],
                         capture_output=True, text=True, check=True)
    seconds, found = out.stdout.split()[-2:]
    return float(seconds), int(found)


def run_cell(kc, code: str) -> str:
    """Runs one cell in the kernel; returns what it printed. Fails if the cell fails."""
    msg_id = kc.execute(code)
    reply = kc.get_shell_msg(timeout=3600)
    streams = ""
    while True:
        msg = kc.get_iopub_msg(timeout=3600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            streams += msg["content"]["text"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    assert reply["content"]["status"] == "ok", reply["content"]
    return streams


def start_kernel(huntbook: str):
    """Installs the Huntbook binary's kernel spec in a temporary prefix and starts it."""
    prefix = Path(tempfile.mkdtemp(prefix="huntbook-bench-"))
    subprocess.run([huntbook, "install", "--prefix", str(prefix)], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["HUNTBOOK_HISTORY"] = ""
    km, kc = start_new_kernel(kernel_name="huntbook")
    return prefix, km, kc


def rates_parser() -> argparse.ArgumentParser:
    """The options of a benchmark that gives msticpy's rate on its first rows."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--msticpy-max-rows", type=int, default=20000)
    return parser


def compare_rates(args, what: str, make_csv, cell: str, script: str, script_args=()):
    """For each size: the events `make_csv(size, folder)` writes, loaded as `ev`; `cell`
    timed in a real kernel; msticpy's `script` run in its own process on the first
    --msticpy-max-rows rows (argv: path, rows, *script_args; it prints its seconds, the rows
    and what it found); both printed with the ratio of their rates."""
    os.environ["HUNTBOOK_NO_RUST"] = "1"
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; {what}")
    prefix, km, kc = start_kernel(args.huntbook)
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            path = make_csv(size, prefix)
            run_cell(kc, f"ev = %load {path}")
            started = time.perf_counter()
            said = run_cell(kc, cell)
            ours = time.perf_counter() - started
            # "x: 1,234 rows × 6 columns from …"
            rows_out = said.split(":", 1)[1].split()[0] if ":" in said else "?"
            rows = min(size, args.msticpy_max_rows)
            out = subprocess.run([args.msticpy_python, "-c", script, str(path), str(rows), *script_args],
                                 capture_output=True, text=True, check=True)
            seconds, m_rows, *found = out.stdout.strip().splitlines()[-1].split()
            m_rate = int(m_rows) / float(seconds)
            print(f"{size:>9,} events  Huntbook {ours:.2f} s ({size / ours:,.0f} events/s), {rows_out} rows out;"
                  f"  msticpy {float(seconds):.1f} s for its first {int(m_rows):,} ({m_rate:,.0f} events/s,"
                  f" found {' '.join(found)}): {size / ours / m_rate:,.0f}x")
            sys.stdout.flush()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def time_huntbook(kc, path: Path, magic: str):
    run_cell(kc, f"cl = %load {path}")
    started = time.perf_counter()
    said = run_cell(kc, f"found = %{magic} cl.CommandLine")
    seconds = time.perf_counter() - started
    # "found: 1,234 rows × 5 columns from …"
    found = said.split(":", 1)[1].split()[0] if said.startswith("found:") else "?"
    return seconds, found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--magics", default="ioc,b64")
    parser.add_argument("--msticpy-max-rows", type=int, default=100000)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    args = parser.parse_args()
    prefix, km, kc = start_kernel(args.huntbook)
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; samples {', '.join(n for n, _ in SAMPLES)}")
    print(f"{'magic':>5} {'rows':>9} {'msticpy rows/s':>15} {'huntbook rows/s':>16} {'ratio':>8}")
    try:
        for rows in (int(s) for s in args.sizes.split(",")):
            path = make_csv(rows, prefix)
            for magic in args.magics.split(","):
                m_rows = min(rows, args.msticpy_max_rows)
                m_seconds, m_found = time_msticpy(args.msticpy_python, path, magic, m_rows)
                m_rate = m_rows / m_seconds
                h_seconds, h_found = time_huntbook(kc, path, magic)
                h_rate = rows / h_seconds
                note = "" if m_rows == rows else f", rate from its first {m_rows} rows"
                print(f"{magic:>5} {rows:>9} {m_rate:>15.0f} {h_rate:>16.0f} {h_rate / m_rate:>7.0f}x"
                      f"   (msticpy {m_seconds:.1f} s for {m_rows} rows, {m_found} out{note};"
                      f" huntbook {h_seconds:.2f} s, {h_found} out)")
                sys.stdout.flush()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
