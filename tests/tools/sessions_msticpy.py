"""Records msticpy's sessions and their Markov scores for its Exchange demo data, as the
expected values of the %sessions tests (tests/expected/sessions_msticpy.json).

Run with msticpy installed (a throwaway venv: pip install msticpy):
    python tests/tools/sessions_msticpy.py > tests/expected/sessions_msticpy.json

The parameters are those of msticpy's anomalous-sequence notebook: sessions per UserId and
ClientIP, at most 20 minutes long, a new one after a 2-minute gap; events are the
Operation column; the rarest window of 3 (and of 2) commands, start and end tokens used.
Each session is scored with msticpy's three models, as its notebook builds them from the
Parameters column (a JSON list of {Name, Value}): commands only; commands with the set of
their parameter names (Cmd(name, params=set)); commands with their parameters and values
(Cmd(name, params=dict)), values modelled for the parameters msticpy finds modellable.
"""
import json
import math
import sys
import warnings
from pathlib import Path

import pandas as pd
from msticpy.analysis.anomalous_sequence import anomalous, sessionize
from msticpy.analysis.anomalous_sequence.utils.data_structures import Cmd

warnings.filterwarnings("ignore")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "sessions" / "demo_exchange_data.csv"
MODELS = {"commands": "Operation", "params": "cmd_params", "values": "cmd_values"}


def nan_none(x):
    return None if isinstance(x, float) and math.isnan(x) else x


def parameters(text):
    return json.loads(text) if isinstance(text, str) and text.strip() else []


def main() -> None:
    data = pd.read_csv(DATA)
    data["cmd_params"] = [Cmd(name=op, params={p["Name"] for p in parameters(ps)})
                          for op, ps in zip(data["Operation"], data["Parameters"])]
    data["cmd_values"] = [Cmd(name=op, params={p["Name"]: p["Value"] for p in parameters(ps)})
                          for op, ps in zip(data["Operation"], data["Parameters"])]
    out = {"events": len(data), "sessions": []}
    scored = {}
    frames = {}
    for model, column in MODELS.items():
        frames[model] = sessionize.sessionize_data(
            data, user_identifier_cols=["UserId", "ClientIP"], time_col="TimeGenerated",
            max_session_time_mins=20, max_event_separation_mins=2, event_col=column,
        )
        for w in (2, 3):
            scored[model, w] = anomalous.score_sessions(frames[model], session_column=f"{column}_list", window_length=w)
    sessions = frames["commands"]
    for i in range(len(sessions)):
        row = sessions.iloc[i]
        record = {
            "UserId": nan_none(row["UserId"]),
            "ClientIP": nan_none(row["ClientIP"]),
            "start": row["TimeGenerated_min"].isoformat(),
            "end": row["TimeGenerated_max"].isoformat(),
            "commands": list(row["Operation_list"]),
        }
        for model in MODELS:
            prefix = "" if model == "commands" else f"{model}_"
            for w in (2, 3):
                got = scored[model, w].iloc[i]
                record[f"{prefix}rarest_window{w}_likelihood"] = nan_none(float(got[f"rarest_window{w}_likelihood"]))
                record[f"{prefix}rarest_window{w}"] = [c if isinstance(c, str) else c.name for c in got[f"rarest_window{w}"]]
        out["sessions"].append(record)
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
