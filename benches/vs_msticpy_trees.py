"""%ptree, %timeline and %anomalies against msticpy (and statsmodels) on the same data
(issue 5). Prints seconds for both and the ratio; asserts nothing.

- Process trees: msticpy's 1,000-event 4688 test set replicated onto N hosts (host0…),
  so the trees stay real; msticpy `build_process_tree(df, WIN_EVENT_SCH)` vs
  `s = %ptree procs --summary` (build and count) and `t = %ptree procs` (build and the
  full tree frame) through a real kernel.
- Timeline: the same events, msticpy `display_timeline(df, group_by="Computer", hide=True)`
  (a Bokeh figure, not drawn) vs `%timeline procs --group-by Computer` (the SVG).
- STL: an hourly series of N points (daily and weekly cycles, trend, noise, spikes);
  statsmodels `STL(y, period=24, seasonal=7).fit()` vs `%anomalies series --value y`
  (decomposition, scores, chart).

Usage: python benches/vs_msticpy_trees.py --msticpy-python /tmp/venv/bin/python
           [--huntbook target/release/huntbook] [--events 1000000] [--points 100000]
           [--msticpy-timeout 600]
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_msticpy import ROOT, run_cell, start_kernel  # noqa: E402

PROCESS = ROOT.parent / "shared" / "data" / "msticpy" / "process" / "win4688_proc_test.csv"

MSTICPY = r"""
import sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
what, path = sys.argv[1], sys.argv[2]
df = pd.read_csv(path)
started = time.perf_counter()
if what == "ptree":
    from msticpy.transform.proc_tree_builder import build_process_tree
    from msticpy.transform.proc_tree_schema import WIN_EVENT_SCH
    out = build_process_tree(df, schema=WIN_EVENT_SCH)
    n = len(out)
elif what == "timeline":
    from msticpy.vis.timeline import display_timeline
    df["TimeGenerated"] = pd.to_datetime(df["TimeGenerated"])
    display_timeline(df, group_by="Computer", hide=True)
    n = len(df)
else:
    from statsmodels.tsa.seasonal import STL
    STL(df["y"].to_numpy(dtype=float), period=24, seasonal=7).fit()
    n = len(df)
print(time.perf_counter() - started, n)
"""


def events_csv(hosts: int, folder: Path) -> Path:
    path = folder / f"procs_{hosts}_hosts.csv"
    with open(PROCESS, newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for h in range(hosts):
            for r in rows:
                r = dict(r)
                r["Computer"] = f"host{h}"
                w.writerow(r)
    return path


def series_csv(points: int, folder: Path) -> Path:
    path = folder / f"series_{points}.csv"
    rng = random.Random(7)
    with open(path, "w") as f:
        f.write("TimeGenerated,y\n")
        for i in range(points):
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_546_300_800 + 3600 * i))
            y = 1000 + i * 0.01 + 300 * math.sin(2 * math.pi * i / 24) + 100 * math.sin(2 * math.pi * i / 168)
            y += rng.gauss(0, 20) + (2000 if rng.random() < 0.001 else 0)
            f.write(f"{t},{y:.3f}\n")
    return path


def msticpy(python: str, what: str, path: Path, timeout: int):
    try:
        out = subprocess.run([python, "-c", MSTICPY, what, str(path)], capture_output=True, text=True,
                             check=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return float(out.stdout.split()[-2])


def huntbook(kc, code: str) -> float:
    started = time.perf_counter()
    run_cell(kc, code)
    return time.perf_counter() - started


def report(what: str, size: str, theirs, ours: float, timeout: int):
    if theirs is None:
        print(f"{what:<34} {size:>10} {'> ' + str(timeout):>12} {ours:>12.2f} {'>' + format(timeout / ours, '.0f') + 'x':>9}")
    else:
        print(f"{what:<34} {size:>10} {theirs:>12.2f} {ours:>12.2f} {theirs / ours:>8.1f}x")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--msticpy-timeout", type=int, default=600)
    args = parser.parse_args()
    prefix, km, kc = start_kernel(args.huntbook)
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; seconds (lower is better)")
    print(f"{'what':<34} {'size':>10} {'msticpy s':>12} {'huntbook s':>12} {'ratio':>9}")
    try:
        events = events_csv(max(1, args.events // 1000), prefix)
        run_cell(kc, f"procs = %load {events}")
        size = f"{args.events:,}"
        theirs = msticpy(args.msticpy_python, "ptree", events, args.msticpy_timeout)
        report("tree build (summary)", size, theirs, huntbook(kc, "s = %ptree procs --summary"), args.msticpy_timeout)
        report("tree build + tree frame", size, theirs, huntbook(kc, "t = %ptree procs"), args.msticpy_timeout)
        theirs = msticpy(args.msticpy_python, "timeline", events, args.msticpy_timeout)
        report("timeline by host", size, theirs, huntbook(kc, "%timeline procs --group-by Computer"), args.msticpy_timeout)
        series = series_csv(args.points, prefix)
        run_cell(kc, f"series = %load {series}")
        theirs = msticpy(args.msticpy_python, "stl", series, args.msticpy_timeout)
        report("STL (statsmodels) vs %anomalies", f"{args.points:,}", theirs,
               huntbook(kc, "a = %anomalies series --value y"), args.msticpy_timeout)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
