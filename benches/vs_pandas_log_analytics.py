"""The comparison for benches/log_analytics_parse.rs: the same Log Analytics answer read
the way msticpy's Azure Monitor driver turns it into a DataFrame — the JSON parsed whole,
a DataFrame built from the rows and column names, datetime columns converted to UTC — with
its time and peak memory. Run in a throwaway venv with pandas:

  cargo bench --bench log_analytics_parse -- 1000000 --keep /tmp/la-1m.json
  python benches/vs_pandas_log_analytics.py /tmp/la-1m.json
"""

import json
import resource
import sys
import time

import pandas as pd

path = sys.argv[1]
with open(path, "rb") as f:
    raw = f.read()
start = time.perf_counter()
answer = json.loads(raw)
table = answer["tables"][0]
names = [c["name"] for c in table["columns"]]
df = pd.DataFrame(table["rows"], columns=names)
for c in table["columns"]:
    if c["type"] == "datetime":
        df[c["name"]] = pd.to_datetime(df[c["name"]], utc=True)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"pandas {pd.__version__}: {len(df)} rows × {df.shape[1]} columns in {seconds:.2f} s "
      f"({len(df) / seconds:.0f} rows/s); peak resident memory {peak:.0f} MB; answer {len(raw) / 1048576:.1f} MB")
