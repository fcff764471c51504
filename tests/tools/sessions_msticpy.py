"""Records msticpy's sessions and their Markov scores (commands only) for its Exchange
demo data, as the expected values of the %sessions tests (tests/expected/sessions_msticpy.json).

Run with msticpy installed (a throwaway venv: pip install msticpy):
    python tests/tools/sessions_msticpy.py > tests/expected/sessions_msticpy.json

The parameters are those of msticpy's anomalous-sequence notebook: sessions per UserId and
ClientIP, at most 20 minutes long, a new one after a 2-minute gap; events are the
Operation column; the rarest window of 3 (and of 2) commands, start and end tokens used.
"""
import json
import math
import sys
import warnings
from pathlib import Path

import pandas as pd
from msticpy.analysis.anomalous_sequence import anomalous, sessionize

warnings.filterwarnings("ignore")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "sessions" / "demo_exchange_data.csv"


def nan_none(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def main() -> None:
    data = pd.read_csv(DATA)
    sessions = sessionize.sessionize_data(
        data, user_identifier_cols=["UserId", "ClientIP"], time_col="TimeGenerated",
        max_session_time_mins=20, max_event_separation_mins=2, event_col="Operation",
    )
    out = {"events": len(data), "sessions": []}
    scored = {w: anomalous.score_sessions(sessions, session_column="Operation_list", window_length=w) for w in (2, 3)}
    for i in range(len(sessions)):
        row = sessions.iloc[i]
        out["sessions"].append({
            "UserId": nan_none(row["UserId"]),
            "ClientIP": nan_none(row["ClientIP"]),
            "start": row["TimeGenerated_min"].isoformat(),
            "end": row["TimeGenerated_max"].isoformat(),
            "commands": list(row["Operation_list"]),
            **{f"rarest_window{w}_likelihood": nan_none(float(scored[w].iloc[i][f"rarest_window{w}_likelihood"]))
               for w in (2, 3)},
            **{f"rarest_window{w}": list(scored[w].iloc[i][f"rarest_window{w}"]) for w in (2, 3)},
        })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
