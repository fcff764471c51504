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
import csv
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_msticpy import ROOT, compare_rates, rates_parser  # noqa: E402

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
print(time.perf_counter() - started, len(df), len(scored), "sessions")
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
    parser = rates_parser()
    parser.add_argument("--model", choices=["commands", "params", "values"], default="commands")
    args = parser.parse_args()
    flags = {"commands": "", "params": " --params Parameters", "values": " --params Parameters --values"}[args.model]
    compare_rates(
        args,
        f"model: {args.model}",
        lambda size, folder: events_csv(size, folder, args.model != "commands"),
        f"s = %sessions ev --user UserId,ClientIP --event Operation --gap 2m --max-length 20m{flags}",
        MSTICPY,
        [args.model],
    )


if __name__ == "__main__":
    main()
