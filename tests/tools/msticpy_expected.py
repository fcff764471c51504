"""Record what msticpy gives on shared sample data, for the Rust tests to compare against.

Run with a Python that has msticpy (a throwaway venv: `python -m venv v && v/bin/pip install
msticpy`). Writes:
- tests/expected/msticpy_b64.json — base64unpack.unpack_df on the sample process frames
  (tests/b64.rs). Only the fragments msticpy decodes to text are kept in full: its binary
  fragments are mostly hex hashes and GUIDs that Huntbook deliberately does not treat as
  Base64 (see src/b64/mod.rs).
- tests/expected/msticpy_auditd.json — auditdextract.read_from_file on auditd_raw.log:
  events per type and every SYSCALL_EXECVE event (tests/auditd.rs).
"""

import json
import pathlib
import sys

import msticpy
import pandas as pd
from msticpy.transform import auditdextract, base64unpack

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "msticpy" / "process"
FRAMES = [
    ("mde_internal_proc_cs1.csv", "CreatedProcessCommandLine"),
    ("win4688_proc_test.csv", "CommandLine"),
]

result = {"msticpy": msticpy.__version__, "frames": []}
for name, column in FRAMES:
    df = pd.read_csv(DATA / name)
    out = base64unpack.unpack_df(df, column)
    text = out[out["encoding_type"] != "binary"]
    result["frames"].append(
        {
            "file": name,
            "column": column,
            "rows": len(df),
            "fragments": len(out),
            "binary_fragments": int((out["encoding_type"] == "binary").sum()),
            "text_fragments": [
                {
                    "src_index": int(r["src_index"]),
                    "encoding": r["encoding_type"],
                    "md5": r["md5"],
                    "decoded": r["decoded_string"],
                }
                for _, r in text.iterrows()
            ],
        }
    )
target = ROOT / "tests" / "expected" / "msticpy_b64.json"
target.write_text(json.dumps(result, indent=1) + "\n")
print(f"wrote {target}", file=sys.stderr)

audit = auditdextract.read_from_file(str(DATA.parent / "linux" / "auditd_raw.log"))
execve = audit[audit["EventType"] == "SYSCALL_EXECVE"]
target = ROOT / "tests" / "expected" / "msticpy_auditd.json"
target.write_text(json.dumps({
    "msticpy": msticpy.__version__,
    "events": len(audit),
    "event_types": {k: int(v) for k, v in audit["EventType"].value_counts().items()},
    "execve": [
        {"time": r["TimeGenerated"].isoformat(), "pid": int(r["pid"]), "ppid": int(r["ppid"]),
         "exe": r["exe"], "cmdline": r["cmdline"]}
        for _, r in execve.iterrows()
    ],
}, indent=1) + "\n")
print(f"wrote {target}", file=sys.stderr)
