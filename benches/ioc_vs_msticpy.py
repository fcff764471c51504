"""%ioc against msticpy's IoCExtract on the same command-line frames (issue 4).

Builds CSVs of N command lines by replicating the shared sample (4688 process events),
then times:
- msticpy: IoCExtract().extract_df(df, columns=["CommandLine"]) in its own venv
  (pip install msticpy in a throwaway venv; pass its python with --msticpy-python);
- Huntbook: the `%ioc frame.CommandLine` cell through a real kernel (jupyter_client),
  after the CSV was loaded by an earlier cell, so only the extraction is timed.
Prints rows/s for both and the ratio. Asserts nothing.

Usage: python benches/ioc_vs_msticpy.py --msticpy-python /tmp/venv/bin/python [--sizes 100000,1000000]
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
SAMPLE = ROOT.parent / "shared" / "data" / "msticpy" / "process" / "win4688_processes_on_host.csv"

MSTICPY_TIMER = r"""
import sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from msticpy.transform.iocextract import IoCExtract
df = pd.read_csv(sys.argv[1])
extractor = IoCExtract()
started = time.perf_counter()
out = extractor.extract_df(df, columns=["CommandLine"])
print(time.perf_counter() - started, len(out))
"""


def make_csv(rows: int, folder: Path) -> Path:
    with open(SAMPLE, newline="") as f:
        lines = [r["CommandLine"] for r in csv.DictReader(f) if r["CommandLine"]]
    path = folder / f"cmdlines_{rows}.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["CommandLine"])
        for i in range(rows):
            w.writerow([lines[i % len(lines)]])
    return path


def time_msticpy(python: str, path: Path):
    out = subprocess.run([python, "-c", MSTICPY_TIMER, str(path)], capture_output=True, text=True, check=True)
    seconds, found = out.stdout.split()[-2:]
    return float(seconds), int(found)


def time_huntbook(kc, path: Path):
    def run(code):
        msg_id = kc.execute(code)
        reply = kc.get_shell_msg(timeout=3600)
        while True:
            msg = kc.get_iopub_msg(timeout=3600)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"]["execution_state"] == "idle":
                break
        assert reply["content"]["status"] == "ok", reply["content"]
        return reply

    run(f"cl = %load {path}")
    started = time.perf_counter()
    run("found = %ioc cl.CommandLine")
    seconds = time.perf_counter() - started
    return seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    args = parser.parse_args()
    prefix = Path(tempfile.mkdtemp(prefix="huntbook-bench-"))
    subprocess.run([args.huntbook, "install", "--prefix", str(prefix)], check=True, capture_output=True)
    os.environ["JUPYTER_PATH"] = str(prefix / "share" / "jupyter")
    os.environ["HUNTBOOK_HISTORY"] = ""
    km, kc = start_new_kernel(kernel_name="huntbook")
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; sample {SAMPLE.name}")
    print(f"{'rows':>9} {'msticpy rows/s':>15} {'huntbook rows/s':>16} {'ratio':>8}")
    try:
        for rows in (int(s) for s in args.sizes.split(",")):
            path = make_csv(rows, prefix)
            m_seconds, m_found = time_msticpy(args.msticpy_python, path)
            h_seconds = time_huntbook(kc, path)
            print(f"{rows:>9} {rows / m_seconds:>15.0f} {rows / h_seconds:>16.0f} {m_seconds / h_seconds:>7.0f}x"
                  f"   (msticpy {m_seconds:.1f} s, {m_found} rows out; huntbook {h_seconds:.2f} s)")
            sys.stdout.flush()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
