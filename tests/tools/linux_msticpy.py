"""Records what msticpy's Linux syslog analytics give on its own test data, as the expected
values of the %pam tests (tests/expected/linux_msticpy.json).

Run with msticpy installed (a throwaway venv: pip install msticpy):
    python tests/tools/linux_msticpy.py > tests/expected/linux_msticpy.json

- cluster_syslog_logons_df on the three files with PAM session messages;
- risky_cmd_line on sudo_data.csv with msticpy's default rules and with its custom rules file;
- cmd_speed on sudo_data_speed.csv, sorted by time first (msticpy takes the rows in the
  order given; on this file, unsorted, it measures negative spans);
- risky_sudo_sessions on sudo_session_test.csv: which sessions a risky command (the custom
  rules) or a burst (5 commands within 5 s) falls in.
"""
import json
import sys
import warnings
from pathlib import Path

import pandas as pd
from msticpy.analysis import syslog_utils
from msticpy.transform import cmd_line

warnings.filterwarnings("ignore")
LINUX = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "linux"
CUSTOM = str(LINUX / "risky_cmd_rules_custom.json")


def read(name):
    df = pd.read_csv(LINUX / name, parse_dates=["TimeGenerated"])
    df["TimeGenerated"] = pd.to_datetime(df["TimeGenerated"], utc=True)
    return df


def iso(t):
    return pd.Timestamp(t).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sessions(df):
    s = syslog_utils.cluster_syslog_logons_df(df)
    return s, [{"User": None if pd.isna(r.User) or r.User == "Unknown" else r.User,
                "Start": iso(r.Start), "End": iso(r.End)} for r in s.itertuples()]


def main() -> None:
    out = {"sessions": {}, "risky": {}}
    for name in ("sudo_session_test.csv", "syslog_data.csv", "sudo_events.csv"):
        out["sessions"][name] = sessions(read(name))[1]
    data = read("sudo_data.csv")
    for rules, path in (("default", None), ("custom", CUSTOM)):
        found = cmd_line.risky_cmd_line(data.copy(), log_type="Syslog", detection_rules=path)
        out["risky"][rules] = sorted([iso(t), c] for t, c in found.items())
    speed = read("sudo_data_speed.csv").sort_values("TimeGenerated", kind="stable").reset_index(drop=True)
    windows = cmd_line.cmd_speed(speed.copy(), "Command", time=5, events=5)
    out["speed"] = [{"commands": list(v[0]["Command"]), "span_s": v[1].total_seconds()}
                    for w in windows for v in w.values()]
    test = read("sudo_session_test.csv")
    frame, _ = sessions(test)
    risky = cmd_line.risky_cmd_line(test.copy(), log_type="Syslog", detection_rules=CUSTOM)
    fast = cmd_line.cmd_speed(test.copy(), "Command", time=5, events=5)
    out["flagged"] = {
        "risky": sorted(syslog_utils.risky_sudo_sessions(frame, risky_actions=risky)),
        "burst": sorted(syslog_utils.risky_sudo_sessions(frame, suspicious_actions=fast)),
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
