"""Records msticpy's process-tree summaries for the shared process samples, as the
expected values of tests/ptree.rs (tests/expected/ptree_msticpy.json).

Run with msticpy installed (a throwaway venv: pip install msticpy):
    python tests/tools/ptree_msticpy.py > tests/expected/ptree_msticpy.json
"""
import json
import sys
import warnings
from pathlib import Path

import pandas as pd
from msticpy.transform import process_tree_utils as utils
from msticpy.transform.proc_tree_builder import build_process_tree
from msticpy.transform.proc_tree_schema import (LX_EVENT_SCH, MDE_EVENT_SCH, MDE_INT_EVENT_SCH,
                                                SYSMON_PROCESS_CREATE_EVENT_SCH, WIN_EVENT_SCH, ProcSchema)

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "process"
SAMPLES = {
    "win4688_proc_test.csv": WIN_EVENT_SCH,
    "win4688_processes_on_host.csv": WIN_EVENT_SCH,
    "win4688_process_tree_demo.csv": WIN_EVENT_SCH,
    "localdata_processes_on_host.csv": WIN_EVENT_SCH,
    "localdata_process_tree.csv": WIN_EVENT_SCH,
    "linux_auditd_proc_test.csv": LX_EVENT_SCH,
    "sysmon_eid1_derived_from_win4688.csv": SYSMON_PROCESS_CREATE_EVENT_SCH,
    "mde_deviceprocessevents_pub.csv": MDE_EVENT_SCH,
    "mde_internal_proc_cs1.csv": MDE_INT_EVENT_SCH,
    # msticpy's own test builds this one with a custom schema.
    "volatility_pslist_minimal.csv": ProcSchema(time_stamp="CreateTime", process_name="ImageFileName",
                                                process_id="PID", parent_id="PPID"),
}

out = {}
for name, schema in SAMPLES.items():
    path = ROOT / name
    df = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
    try:
        tree = build_process_tree(df, schema=schema)
        summary = {k: int(v) for k, v in utils.get_summary_info(tree).items()}
        hosts = schema.host_name_column
        summary["Hosts"] = int(df[hosts].nunique()) if hosts and hosts in df.columns else None
        out[name] = summary
    except Exception as err:  # recorded, so the test can say what msticpy could not do
        out[name] = {"error": f"{type(err).__name__}: {err}"}
json.dump(out, sys.stdout, indent=2, sort_keys=True)
print()
