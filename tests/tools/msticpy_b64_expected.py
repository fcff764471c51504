"""Record what msticpy's base64unpack.unpack_df gives on the sample process frames.

Run with a Python that has msticpy (a throwaway venv: `python -m venv v && v/bin/pip install
msticpy`); writes tests/expected/msticpy_b64.json, which tests/b64.rs compares against.
Only the fragments msticpy decodes to text are kept in full: its binary fragments are mostly
hex hashes and GUIDs that Huntbook deliberately does not treat as Base64 (see src/b64/mod.rs).
"""

import json
import pathlib
import sys

import msticpy
import pandas as pd
from msticpy.transform import base64unpack

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
