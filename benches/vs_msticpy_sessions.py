"""%sessions against msticpy's sessionize_data + score_sessions on the same events (issue
23): seconds for both, in one of msticpy's three models (--model commands, params or
values; for the last two the Parameters JSON is read into Cmd objects inside msticpy's
timing, as %sessions reads it inside its own). Prints figures; asserts nothing.

The events: msticpy's Exchange demo (1,334 operations) replicated onto N users, each copy
shifted by a day per round so sessions stay apart. msticpy's sessionize_data walks the
rows one at a time with pandas' iloc, so it runs on at most --msticpy-max-rows of them and
its rate is given; Huntbook runs every size through a real kernel.

Usage: python benches/vs_msticpy_sessions.py --msticpy-python /tmp/venv/bin/python
           [--huntbook target/release/huntbook] [--sizes 100000,1000000] [--msticpy-max-rows 20000]
           [--model commands|params|values]
"""
import argparse
import csv
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_msticpy import ROOT, run_cell, start_kernel  # noqa: E402

DEMO = ROOT.parent / "shared" / "data" / "msticpy" / "sessions" / "demo_exchange_data.csv"

MSTICPY = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from msticpy.analysis.anomalous_sequence import anomalous, sessionize
from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd
df = pd.read_csv(sys.argv[1], nrows=int(sys.argv[2]))
model = sys.argv[3]
started = time.perf_counter()
event = "Operation"
if model != "commands":
    def cmd(op, ps):
        ps = json.loads(ps) if isinstance(ps, str) and ps.strip() else []
        return Cmd(op, {p["Name"]: p["Value"] for p in ps} if model == "values" else {p["Name"] for p in ps})
    df["cmd"] = [cmd(o, p) for o, p in zip(df["Operation"], df["Parameters"])]
    event = "cmd"
s = sessionize.sessionize_data(df, user_identifier_cols=["UserId", "ClientIP"], time_col="TimeGenerated",
                               max_session_time_mins=20, max_event_separation_mins=2, event_col=event)
scored = anomalous.score_sessions(s, session_column=f"{event}_list", window_length=3)
print(time.perf_counter() - started, len(df), len(scored))
"""


def events_csv(rows: int, folder: Path, parameters: bool) -> Path:
    path = folder / f"sessions_{rows}_{parameters}.csv"
    keys = ("TimeGenerated", "UserId", "ClientIP", "Operation") + (("Parameters",) if parameters else ())
    with open(DEMO, newline="") as f:
        base = [{k: r[k] for k in keys} for r in csv.DictReader(f)]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(base[0].keys()))
        w.writeheader()
        for i in range(rows):
            r = dict(base[i % len(base)])
            copy = i // len(base)
            t = datetime.strptime(r["TimeGenerated"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(days=copy % 365)
            r["TimeGenerated"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
            r["UserId"] = f"{r['UserId']}#{copy // 365}"
            w.writerow(r)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--msticpy-max-rows", type=int, default=20000)
    parser.add_argument("--model", choices=["commands", "params", "values"], default="commands")
    args = parser.parse_args()
    flags = {"commands": "", "params": " --params Parameters", "values": " --params Parameters --values"}[args.model]
    os.environ["HUNTBOOK_NO_RUST"] = "1"
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}; model: {args.model}")
    prefix, km, kc = start_kernel(args.huntbook)
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            path = events_csv(size, prefix, args.model != "commands")
            run_cell(kc, f"ev = %load {path}")
            started = time.perf_counter()
            said = run_cell(kc, f"s = %sessions ev --user UserId,ClientIP --event Operation --gap 2m --max-length 20m{flags}")
            ours = time.perf_counter() - started
            n = said.split(":", 1)[1].split()[0] if said.startswith("s:") else "?"
            rows = min(size, args.msticpy_max_rows)
            out = subprocess.run([args.msticpy_python, "-c", MSTICPY, str(path), str(rows), args.model], capture_output=True,
                                 text=True, check=True)
            seconds, m_rows, m_sessions = out.stdout.split()[-3:]
            m_rate = int(m_rows) / float(seconds)
            print(f"{size:>9,} events  Huntbook {ours:.2f} s ({size / ours:,.0f} events/s), {n} sessions;"
                  f"  msticpy {float(seconds):.1f} s for its first {int(m_rows):,} ({m_rate:,.0f} events/s,"
                  f" {m_sessions} sessions): {size / ours / m_rate:,.0f}x")
            sys.stdout.flush()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
