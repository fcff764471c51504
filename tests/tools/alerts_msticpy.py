"""Record the entities msticpy's SecurityAlert finds in every sample alert, for the Rust
tests of %alerts to compare against (issue 22).

Run once with a Python that has msticpy (a throwaway venv: `python -m venv v && v/bin/pip
install msticpy`); writes tests/expected/alerts_msticpy.json: per alert of
../shared/data/msticpy/alerts/ (sentinel_alertlist.csv, localdata_alerts_list.json, and
the one alert of alert_entities.json), its SystemAlertId and the number of entities of
each type msticpy's `SecurityAlert(row).entities` holds (top-level entities with an `$id`,
and the entities nested in them, each `$id` once).
"""

import json
import pathlib
import sys
from collections import Counter

import msticpy
import pandas as pd
from msticpy.nbtools.security_alert import SecurityAlert

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "msticpy" / "alerts"


def counts(row):
    alert = SecurityAlert(row)
    return dict(sorted(Counter(str(e.Type) for e in alert.entities).items()))


result = {"msticpy": msticpy.__version__, "files": {}}
csv = pd.read_csv(DATA / "sentinel_alertlist.csv", encoding="utf-8-sig")
result["files"]["sentinel_alertlist.csv"] = [
    {"SystemAlertId": r["SystemAlertId"], "entities": counts(r)} for _, r in csv.iterrows()
]
listed = pd.DataFrame(json.loads((DATA / "localdata_alerts_list.json").read_text()))
result["files"]["localdata_alerts_list.json"] = [
    {"SystemAlertId": r["SystemAlertId"], "entities": counts(r)} for _, r in listed.iterrows()
]
entities = json.loads((DATA / "alert_entities.json").read_text())
one = pd.Series({"Entities": json.dumps(list(entities.values())), "ExtendedProperties": "{}"})
result["files"]["alert_entities.json"] = [{"SystemAlertId": None, "entities": counts(one)}]
target = ROOT / "tests" / "expected" / "alerts_msticpy.json"
target.write_text(json.dumps(result, indent=1) + "\n")
print(f"wrote {target}", file=sys.stderr)
