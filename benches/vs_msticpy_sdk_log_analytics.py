"""The comparison for benches/log_analytics_parse.rs through the code msticpy really runs:
msticpy's AzureMonitorDriver calls azure-monitor-query's LogsQueryClient.query_workspace,
whose answer is read by the SDK — azure-core's `response.json()` (the body decoded, then
`json.loads`), the generated client's `_deserialize(QueryResults, …)`, then
`LogsQueryResult._from_generated`, which wraps every row in a `LogsTableRow` and converts
each cell to its Python type (`process_row`: datetimes parsed one by one) — and the driver
makes a DataFrame of it with `pd.DataFrame(data=table.rows, columns=table.columns)`. Here
those same SDK calls run on the answer's bytes (no network), timed with their peak memory.
Run in a throwaway venv with pandas and azure-monitor-query:

  cargo bench --bench log_analytics_parse -- 1000000 --keep /tmp/la-1m.json
  python benches/vs_msticpy_sdk_log_analytics.py /tmp/la-1m.json
"""

import json
import resource
import sys
import time

import pandas as pd
from azure.monitor.query import __version__ as sdk_version
from azure.monitor.query import models as generated_models
from azure.monitor.query._models import LogsQueryResult
from azure.monitor.query._utils.model_base import _deserialize

path = sys.argv[1]
with open(path, "rb") as f:
    raw = f.read()
start = time.perf_counter()
# azure-core's HttpResponse.json(): json.loads of the decoded text.
answer = json.loads(raw.decode("utf-8-sig"))
parsed = time.perf_counter()
generated = _deserialize(generated_models._models.QueryResults, answer)
result = LogsQueryResult._from_generated(generated)
table = result.tables[0]
rows = time.perf_counter()
# msticpy's AzureMonitorDriver.query_with_results.
df = pd.DataFrame(table.rows, columns=table.columns)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"azure-monitor-query {sdk_version} + pandas {pd.__version__}: {len(df)} rows × {df.shape[1]} columns "
      f"in {seconds:.2f} s ({len(df) / seconds:.0f} rows/s); peak resident memory {peak:.0f} MB; "
      f"answer {len(raw) / 1048576:.1f} MB; TimeGenerated is {df['TimeGenerated'].dtype}\n"
      f"  json.loads {parsed - start:.2f} s, the SDK's rows {rows - parsed:.2f} s, "
      f"the DataFrame {seconds - (rows - start):.2f} s")
