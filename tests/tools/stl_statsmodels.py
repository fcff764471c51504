"""Records statsmodels' STL decomposition and msticpy's anomalies for the shared time
series, as the expected values of tests/timeseries.rs
(tests/expected/stl_statsmodels.csv).

Run where msticpy and statsmodels are installed (a throwaway venv):
    python tests/tools/stl_statsmodels.py > tests/expected/stl_statsmodels.csv
"""
import sys
import warnings
from pathlib import Path

import pandas as pd
from statsmodels.tsa.seasonal import STL
from msticpy.analysis.timeseries import ts_anomalies_stl

warnings.filterwarnings("ignore")
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "timeseries" / "time_series.csv"

df = pd.read_csv(DATA, encoding="utf-8-sig", parse_dates=["TimeGenerated"])
series = df["TotalBytesSent"].astype(float).to_numpy()
fit = STL(series, period=24, seasonal=7).fit()
flags = ts_anomalies_stl(df[["TimeGenerated", "TotalBytesSent"]], time_column="TimeGenerated",
                         data_column="TotalBytesSent", period=24, seasonal=7, score_threshold=3.0)
out = pd.DataFrame({
    "TimeGenerated": df["TimeGenerated"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "TotalBytesSent": df["TotalBytesSent"],
    "trend": fit.trend,
    "seasonal": fit.seasonal,
    "resid": fit.resid,
    "msticpy_anomalies": flags["anomalies"].to_numpy(),
})
out.to_csv(sys.stdout, index=False, float_format="%.17g")
