"""%pam against msticpy's Linux syslog analytics on the same events: seconds for both.
Prints figures; asserts nothing.

The events: msticpy's sudo_session_test.csv (78 syslog rows: five sudo sessions and their
commands) replicated, each copy an hour later, to N rows. Both sides pair the PAM
sessions, match the commands against msticpy's custom rules file, look for bursts (10
commands within 5 s) and flag the sessions: msticpy's cluster_syslog_logons_df,
risky_cmd_line, cmd_speed and risky_sudo_sessions, against one `%pam` cell. msticpy walks
rows and sessions one by one, so it runs on at most --msticpy-max-rows and its rate is
given; Huntbook runs every size through a real kernel.

Usage: python benches/vs_msticpy_pam.py --msticpy-python /tmp/venv/bin/python
           [--huntbook target/release/huntbook] [--sizes 100000,1000000] [--msticpy-max-rows 20000]
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

LINUX = ROOT.parent / "shared" / "data" / "msticpy" / "linux"
RULES = LINUX / "risky_cmd_rules_custom.json"

MSTICPY = r"""
import sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
from msticpy.analysis import syslog_utils
from msticpy.transform import cmd_line
df = pd.read_csv(sys.argv[1], nrows=int(sys.argv[2]), parse_dates=["TimeGenerated"])
started = time.perf_counter()
sessions = syslog_utils.cluster_syslog_logons_df(df)
risky = cmd_line.risky_cmd_line(df.copy(), log_type="Syslog", detection_rules=sys.argv[3])
fast = cmd_line.cmd_speed(df.copy(), "Command", time=5, events=10)
flagged = syslog_utils.risky_sudo_sessions(sessions, risky_actions=risky, suspicious_actions=fast)
print(time.perf_counter() - started, len(df), len(sessions), len(flagged))
"""


def events_csv(rows: int, folder: Path) -> Path:
    path = folder / f"pam_{rows}.csv"
    with open(LINUX / "sudo_session_test.csv", newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = [k for k in reader.fieldnames if k]
        base = [{k: r[k] for k in fields} for r in reader]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        for i in range(rows):
            r = dict(base[i % len(base)])
            shift = timedelta(hours=i // len(base))
            for col in ("TimeGenerated", "EventTime"):
                r[col] = (datetime.strptime(r[col], "%Y-%m-%d %H:%M:%S") + shift).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow(r)
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--msticpy-python", required=True)
    parser.add_argument("--huntbook", default=str(ROOT / "target" / "release" / "huntbook"))
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--msticpy-max-rows", type=int, default=20000)
    args = parser.parse_args()
    os.environ["HUNTBOOK_NO_RUST"] = "1"
    print(f"{os.cpu_count()} cores; date {time.strftime('%Y-%m-%d')}")
    prefix, km, kc = start_kernel(args.huntbook)
    try:
        for size in [int(s) for s in args.sizes.split(",")]:
            path = events_csv(size, prefix)
            run_cell(kc, f"ev = %load {path}")
            started = time.perf_counter()
            said = run_cell(kc, f"p = %pam ev --rules {RULES}")
            ours = time.perf_counter() - started
            n = said.split(":", 1)[1].split()[0] if said.startswith("p:") else "?"
            rows = min(size, args.msticpy_max_rows)
            out = subprocess.run([args.msticpy_python, "-c", MSTICPY, str(path), str(rows), str(RULES)],
                                 capture_output=True, text=True, check=True)
            seconds, m_rows, m_sessions, m_flagged = out.stdout.split()[-4:]
            m_rate = int(m_rows) / float(seconds)
            print(f"{size:>9,} events  Huntbook {ours:.2f} s ({size / ours:,.0f} events/s), {n} sessions;"
                  f"  msticpy {float(seconds):.1f} s for its first {int(m_rows):,} ({m_rate:,.0f} events/s,"
                  f" {m_sessions} sessions, {m_flagged} flagged): {size / ours / m_rate:,.0f}x")
            sys.stdout.flush()
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
