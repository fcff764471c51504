"""Records msticpy's process features and event clusters for the shared Windows process
samples, as the expected values of the %features and %cluster tests
(tests/expected/cluster_msticpy.json).

Run with msticpy and scikit-learn installed (a throwaway venv: pip install msticpy
scikit-learn):
    python tests/tools/cluster_msticpy.py > tests/expected/cluster_msticpy.json

Per sample: the process columns as pandas read them, every row's features from `add_process_features`, and `dbcluster_events` with
the parameters of msticpy's documentation notebook (features commandlineTokensFull,
pathScore, isSystemSession; max_cluster_distance 0.0001; min_cluster_samples 2): each
row's DBSCAN label, the number of clusters, their sizes and the output's row count.
"""
import json
import sys
import warnings
from pathlib import Path

import pandas as pd
from msticpy.analysis import eventcluster as ec

warnings.filterwarnings("ignore")
ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "msticpy" / "process"
SAMPLES = [
    "win4688_processes_on_host.csv",
    "win4688_proc_test.csv",
    "win4688_process_tree_demo.csv",
    "localdata_processes_on_host.csv",
    "localdata_process_tree.csv",
]
FEATURES = [
    "processName", "pathScore", "pathLogScore", "pathHash", "commandlineLen", "commandlineLogLen",
    "commandlineTokensFull", "commandlineScore", "commandlineTokensHash", "isSystemSession",
]
CLUSTER_ON = ["commandlineTokensFull", "pathScore", "isSystemSession"]


def plain(value):
    if hasattr(value, "item"):
        value = value.item()
    return value


def sample(name: str) -> dict:
    data = pd.read_csv(ROOT / name, parse_dates=["TimeCreatedUtc"])
    features = ec.add_process_features(data)
    clustered, dbscan, _ = ec.dbcluster_events(
        features, cluster_columns=CLUSTER_ON, time_column="TimeCreatedUtc",
        max_cluster_distance=0.0001, min_cluster_samples=2,
    )
    labels = [int(x) for x in dbscan.labels_]
    sizes = pd.Series([x for x in labels if x >= 0]).value_counts()
    inputs = data[["NewProcessName", "CommandLine", "SubjectLogonId"]].astype(object).where(data.notna(), None)
    return {
        "rows": len(data),
        # The text msticpy read (pandas reads a malformed quoted field in
        # win4688_process_tree_demo.csv differently from Huntbook's loader): the features
        # are checked on exactly this input.
        "inputs": {col: [plain(v) for v in inputs[col]] for col in inputs.columns},
        "features": {col: [plain(v) for v in features[col]] for col in FEATURES},
        "labels": labels,
        "clusters": int(len(sizes)),
        "cluster_sizes": sorted(int(x) for x in sizes),
        "noise": labels.count(-1),
        "output_rows": len(clustered),
    }


def main() -> None:
    text = "The quick & sly (as all foxes might be/or not) fox, jumped over a frog."
    expected = {
        "test_vector": {
            "text": text,
            "token_count": ec.token_count(text),
            "char_ord_score": ec.char_ord_score(text),
            "delim_count": ec.delim_count(text),
            "delim_hash": ec.delim_hash(text),
            "crc32_hash": ec.crc32_hash(text),
        },
        "samples": {name: sample(name) for name in SAMPLES},
    }
    json.dump(expected, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
