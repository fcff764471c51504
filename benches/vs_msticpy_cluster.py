"""%cluster against msticpy's dbcluster_events on the same rows (issue 23): seconds and
peak memory for both, at each size. Prints figures; asserts nothing.

The rows: msticpy's 1,000-event 4688 test set replicated, each copy's command lines varied
(0–3 extra arguments of random words, a user folder in some paths), so the features take
many values, as on a real estate of hosts. Both sides cluster on msticpy's documented
features (commandlineTokensFull, pathScore, isSystemSession) with the eps of msticpy's
notebook, 0.0001 (at the default 0.01 normalised rows of these features are all one
cluster: the path score outweighs the rest), min samples 2, rows normalised: msticpy `add_process_features` then `dbcluster_events`; Huntbook
`%cluster procs` (which adds the same features) through a real kernel. msticpy runs in its
own process under an address-space limit (--msticpy-memory-gb), so a size it cannot do
fails there and is reported, not swapped.

Usage: python benches/vs_msticpy_cluster.py --msticpy-python /tmp/venv/bin/python
           [--huntbook target/release/huntbook] [--sizes 100000,300000,1000000]
           [--msticpy-memory-gb 16] [--msticpy-timeout 1200]
"""
import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_msticpy import ROOT, run_cell, start_kernel  # noqa: E402

PROCESS = ROOT.parent / "shared" / "data" / "msticpy" / "process" / "win4688_proc_test.csv"
WORDS = ["update", "sync", "report", "backup", "svc", "task", "agent", "scan", "log", "cfg", "tmp", "run"]

MSTICPY = r"""
import resource, sys, time, warnings
warnings.filterwarnings("ignore")
limit = int(sys.argv[2]) * 1024 ** 3
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
import pandas as pd
from msticpy.analysis.eventcluster import add_process_features, dbcluster_events
df = pd.read_csv(sys.argv[1], parse_dates=["TimeCreatedUtc"])
started = time.perf_counter()
feats = add_process_features(df)
out, db, _ = dbcluster_events(feats, cluster_columns=["commandlineTokensFull", "pathScore", "isSystemSession"],
                              time_column="TimeCreatedUtc", max_cluster_distance=0.0001, min_cluster_samples=2)
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(elapsed, peak, len(set(db.labels_)) - (1 if -1 in db.labels_ else 0), len(out))
"""


def events_csv(rows: int, folder: Path) -> Path:
    path = folder / f"cluster_{rows}.csv"
    with open(PROCESS, newline="") as f:
        base = list(csv.DictReader(f))
    rng = random.Random(23)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(base[0].keys()))
        w.writeheader()
        for i in range(rows):
            r = dict(base[i % len(base)])
            extra = " ".join(f"/{rng.choice(WORDS)}:{rng.choice(WORDS)}" for _ in range(rng.randrange(4)))
            r["CommandLine"] = f"{r['CommandLine']} {extra}".rstrip()
            if rng.random() < 0.2:
                r["NewProcessName"] = r["NewProcessName"].replace("C:\\", f"C:\\Users\\u{rng.randrange(500)}\\", 1)
            w.writerow(r)
    return path


def kernel_peak_mb(pid: int) -> float:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def msticpy(python: str, path: Path, memory_gb: int, timeout: int) -> str:
    try:
        out = subprocess.run([python, "-c", MSTICPY, str(path), str(memory_gb)], capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"over {timeout} s"
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1]
        return f"failed ({last[:60]})"
    seconds, peak, clusters, rows = out.stdout.split()[-4:]
    return f"{float(seconds):.2f} s, {float(peak):,.0f} MB, {clusters} clusters, {rows} rows"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--msticpy-memory-gb", type=int, default=16)
    parser.add_argument("--msticpy-timeout", type=int, default=1200)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}")
    os.environ["HUNTBOOK_NO_RUST"] = "1"  # no Rust context compiling beside the measurement
    for size in [int(s) for s in args.sizes.split(",")]:
        # A kernel per size, so its peak memory is this size's.
        prefix, km, kc = start_kernel(args.huntbook)
        try:
            path = events_csv(size, prefix)
            run_cell(kc, f"procs = %load {path}")
            before = kernel_peak_mb(km.provisioner.process.pid)
            started = time.perf_counter()
            said = run_cell(kc, "c = %cluster procs --eps 0.0001 --time TimeCreatedUtc")
            ours = time.perf_counter() - started
            peak = kernel_peak_mb(km.provisioner.process.pid)
            # "c: 1,234 rows × 25 columns from …": the exemplars and the rows in no cluster.
            rows = said.split(":", 1)[1].split()[0] if said.startswith("c:") else "?"
            print(f"{size:>9,} rows  Huntbook {ours:.2f} s, peak {peak:,.0f} MB (after %load {before:,.0f} MB), {rows} rows")
            sys.stdout.flush()
            theirs = msticpy(args.msticpy_python, path, args.msticpy_memory_gb, args.msticpy_timeout)
            print(f"{'':>9}       msticpy  {theirs}")
            sys.stdout.flush()
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
