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
import csv
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vs_msticpy import ROOT, compare_rates, rates_parser  # noqa: E402

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
print(time.perf_counter() - started, len(df), len(sessions), "sessions,", len(flagged), "flagged")
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
    args = rates_parser().parse_args()
    compare_rates(args, "msticpy's custom rules", events_csv, f"p = %pam ev --rules {RULES}", MSTICPY, [str(RULES)])


if __name__ == "__main__":
    main()
