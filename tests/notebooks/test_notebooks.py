"""Executes every notebook in notebooks/ with the Huntbook kernel through nbclient, as
papermill and CI runners do, and checks that no cell fails."""

import base64
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ has no notebooks"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, shared_data):
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path)
    # Cells tagged raises-exception show an error on purpose; nbclient lets them pass, and
    # so do we, but every other cell must succeed.
    expected_to_fail = [c for c in nb.cells if "raises-exception" in c.get("metadata", {}).get("tags", [])]
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code" and c not in expected_to_fail
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert not errors, errors
    for cell in expected_to_fail:
        assert any(o.output_type == "error" for o in cell.outputs), "a raises-exception cell did not fail"
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code_cells)
    assert any(o.get("data", {}).get("text/html") for c in code_cells for o in c.outputs), "no rich output at all"


def _has_rust(nb):
    """Whether a code cell has a line that is not a magic, a comment or blank: Rust."""
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source.lstrip().startswith("%%"):
            continue
        for line in cell.source.splitlines():
            word = line.strip()
            if word and not word.startswith(("%", "#", "//")) and "= %" not in word:
                return True
    return False


def _execute(nb, path):
    """Runs the notebook through nbclient; a notebook with Rust cells gets a kernel with
    Rust turned on (conftest turns it off for the rest)."""
    client = NotebookClient(nb, kernel_name="huntbook", timeout=120, resources={"metadata": {"path": str(path.parent)}})
    saved = os.environ.pop("HUNTBOOK_NO_RUST", None) if _has_rust(nb) else None
    try:
        client.execute()
    finally:
        if saved is not None:
            os.environ["HUNTBOOK_NO_RUST"] = saved


def _executed(name):
    """The notebook `name` run through nbclient: the notebook, its code cells by source,
    and `texts(prefix)`: the text of the outputs (tracebacks included) of the first cell
    whose source starts with `prefix`."""
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path)
    by_source = {c.source: c for c in nb.cells if c.cell_type == "code"}

    def texts(prefix):
        cell = next(c for s, c in by_source.items() if s.startswith(prefix))
        return "\n".join(_plain(o) for o in cell.outputs) + "\n".join(
            "\n".join(o.get("traceback", [])) for o in cell.outputs)

    return nb, by_source, texts


def _plain(output):
    text = output.get("data", {}).get("text/plain", "") or output.get("text", "")
    return "".join(text) if isinstance(text, list) else text


def _picture(outputs):
    """The one chart among a cell's outputs: an output of its own, as SVG and as a PNG of
    the SVG's size (what untrusted and sanitised views show)."""
    charts = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(charts) == 1, [sorted(o.get("data", {})) for o in outputs]
    chart = charts[0]
    png = base64.b64decode(chart["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert chart["metadata"]["image/png"]["width"] == width > 200
    assert "text/html" not in chart["data"], "no picture inside HTML"
    return chart


def test_otrf_notebook_finds_the_lsass_dump(shared_data):
    """The OTRF investigation reaches its finding: the rundll32 comsvcs MiniDump process,
    its access to lsass, and the dump file, all within the %time window it set."""
    path = ROOT / "notebooks" / "otrf-lsass-dump.ipynb"
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path)
    by_source = {c.source: c for c in nb.cells if c.cell_type == "code"}
    joined = next(c for s, c in by_source.items() if s.startswith("%%sql"))
    result = next(o for o in joined.outputs if o.output_type == "execute_result")
    table = result["data"]["application/vnd.dataresource+json"]["data"]
    assert len(table) == 2
    assert {r["GrantedAccess"] for r in table} == {"0x1410", "0x1fffff"}
    assert all("comsvcs.dll MiniDump" in r["CommandLine"] for r in table)
    assert all(r["DumpFile"].endswith("lsass-comsvcs.dmp") for r in table)
    # Query outputs say which source and window produced them, visibly and in metadata.
    procs = next(c for s, c in by_source.items() if s.startswith("procs = %query"))
    shown = next(c for s, c in by_source.items() if s.startswith("%query WindowsSecurity.list_host_processes"))
    out = next(o for o in shown.outputs if o.output_type == "execute_result")
    assert "from otrf · window 2020-10-18T07:45:00Z .. 2020-10-18T07:55:00Z" in _plain(out)
    assert out["metadata"]["huntbook"]["window"].startswith("2020-10-18T07:45:00Z")
    assert out["metadata"]["huntbook"]["source"] == "otrf"
    assert any("1 rows" in _plain(o) for o in procs.outputs)
    iocs = next(c for s, c in by_source.items() if s.startswith("%ioc"))
    found = next(o for o in iocs.outputs if o.output_type == "execute_result")
    observables = {r["Observable"] for r in found["data"]["application/vnd.dataresource+json"]["data"]}
    assert any(o.endswith("lsass-comsvcs.dmp") for o in observables), observables


def test_trees_notebook_answers_its_questions(shared_data):
    """The trees/timelines/anomalies notebook reaches its answers: the -enc PowerShell's
    ancestry runs through cmd.exe 0xbc8, and traffic has msticpy's three hours above the
    pattern plus the dips msticpy does not flag."""
    path = ROOT / "notebooks" / "trees-timelines-anomalies.ipynb"
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path)
    by_source = {c.source: c for c in nb.cells if c.cell_type == "code"}

    def result(source):
        return next(o for o in by_source[source].outputs if o.output_type == "execute_result")

    ancestry = _plain(result("%ptree procs --ancestors-of 0x1684"))
    assert "cmd.exe [0xbc8]" in ancestry and "powershell.exe [0x1684]" in ancestry
    anomalies = by_source["%anomalies traffic --value TotalBytesSent"].outputs
    assert "3 above and 5 below" in "".join(_plain(o) for o in anomalies)
    chart = _picture(anomalies)
    assert chart["data"]["image/svg+xml"].startswith("<svg")
    summary = result("%ptree procs --summary")["data"]["application/vnd.dataresource+json"]["data"]
    assert {r["Measure"]: r["Value"] for r in summary}["Processes"] == 369


def test_threat_intel_notebook_enriches_and_caches(shared_data):
    """The threat-intel notebook, against the replayed providers: the URLhaus payload and
    the X-Force malware hash come out high, the second run is answered from the cache with
    no request, and %geoip places London with MaxMind's attribution."""
    path = ROOT / "notebooks" / "threat-intel.ipynb"
    nb = nbformat.read(path, as_version=4)
    _execute(nb, path)
    by_source = {c.source: c for c in nb.cells if c.cell_type == "code"}
    flagged = next(c for s, c in by_source.items() if s.startswith("%%sql\nSELECT Ioc, Provider, Severity"))
    rows = next(o for o in flagged.outputs if o.output_type == "execute_result")["data"][
        "application/vnd.dataresource+json"
    ]["data"]
    high = {(r["Ioc"], r["Provider"]) for r in rows if r["Severity"] == "high"}
    assert ("12c8aec5766ac3e6f26f2505e2f4a8f2", "urlhaus") in high
    assert ("34d5ea586a61b0aba512c0cb1d3d8b15", "xforce") in high
    browser = next(c for s, c in by_source.items() if s == "ti = %ti iocs")
    html = next(o["data"]["text/html"] for o in browser.outputs if o.output_type == "display_data")
    assert 'class="hb-ti"' in html and "failed the checks" in html
    cached = next(c for s, c in by_source.items() if s.startswith("%%sql\nSELECT Cached"))
    counts = next(o for o in cached.outputs if o.output_type == "execute_result")["data"][
        "application/vnd.dataresource+json"
    ]["data"]
    assert [r["Cached"] for r in counts] == [True], counts
    geo = next(c for s, c in by_source.items() if s.startswith("%geoip"))
    shown = "".join(_plain(o) for o in geo.outputs)
    assert "London" in shown and "GeoLite2 data created by MaxMind" in shown
    assert "<circle" in _picture(geo.outputs)["data"]["image/svg+xml"]
    whois = next(c for s, c in by_source.items() if s.startswith("%whois"))
    owner = next(o for o in whois.outputs if o.output_type == "execute_result")
    assert "EXAMPLE-RO-NET" in _plain(owner) and "89.35.39.0/24" in _plain(owner)
    sentinel = next(c for s, c in by_source.items() if "--providers sentinel" in s)
    assert "sentinel=warning" in _plain(next(o for o in sentinel.outputs if o.output_type == "execute_result"))


def test_sentinel_notebook_runs_the_same_hunt_locally_and_on_the_workspace(shared_data):
    """The Sentinel notebook against the replayed workspace: the same library query on the
    sample source and on `soc` (with the workspace and request id in the result), the Impact
    hunts with the lockout hunt hitting and the SigninLogs one failing with the service's
    words, and no secret or token anywhere in the saved notebook."""
    nb, by_source, texts = _executed("sentinel-hunt.ipynb")

    assert "local_alerts: 25 rows" in texts("%connect sample")
    remote = texts("%time 2023-02-20 .. 2023-02-21\nalerts")
    assert "from soc" in remote and "request 51c2d7e4-replayed-alerts" in remote
    assert "datetime(2023-02-20T00:00:00Z)" in texts("%query SecurityAlert.list_alerts --print")
    assert "(2 requests" in texts("%%query --split-by 1d")
    hunts = texts("impact = %query hunt --all")
    cell = next(c for s, c in by_source.items() if s.startswith("impact = %query hunt --all"))
    html = "".join("".join(o.get("data", {}).get("text/html", "")) for o in cell.outputs)
    assert "2 hit, 1 failed" in hunts and "SEM0100" in html and "<details>" in html
    lockouts = next(c for s, c in by_source.items() if s.startswith("%%sql"))
    rows = next(o for o in lockouts.outputs if o.output_type == "execute_result")["data"][
        "application/vnd.dataresource+json"]["data"]
    assert [r["Account"] for r in rows] == ["CONTOSO\\alice", "CONTOSO\\svc-backup"]
    saved = nbformat.writes(nb)
    assert "replay-demo-secret" not in saved and "replayed.sentinel-token" not in saved


def test_carry_findings_notebook_needs_no_retyping(shared_data):
    """The findings notebook: the top talker's address reaches %whois (replayed RDAP) and a
    SQL literal, the busiest host reaches a library query's parameter, the anomalous periods
    become %time and a query runs over each, an alert's time sets the window; the typo at
    the end is pointed at with the likely column."""
    _, by_source, texts = _executed("carry-findings.ipynb")

    whois = texts("%whois {top.DestIP|first}")
    assert "13.71.172.130" in whois and "Microsoft Corporation" in whois, whois
    assert "2 rows" in texts("%%sql\nSELECT TimeGenerated, VMName, DestPort")
    assert "busiest: 570 rows" in texts("busiest = %query WindowsSecurity.list_host_logons host={hosts.Computer|first}")
    periods = texts("%%query --source series")
    assert "8 periods of %time" in periods and "24 rows" in periods, periods
    shown = "\n".join(_plain(o) for o in by_source["%time"].outputs)
    assert "from %time around 2019-01-15T05:15:03Z ±6h" in shown, shown
    assert "MSTICAlertsWin1  363" in texts("%%sql\nSELECT Computer, COUNT(*) AS Processes")
    typo = texts("%whois {top.DestIp|first}")
    assert "top has no column DestIp" in typo and "did you mean top.DestIP?" in typo, typo


def test_alerts_notebook_goes_from_alerts_to_an_incident(shared_data):
    """The alerts notebook: a host's 112 alerts as cards (3 shown), one alert read in full
    with its entities, the graph with the related alerts of the whole list drawn as a
    picture, the entities as a frame, the alerts' processes marked in the host's process
    tree, and their addresses handed to %ti (replayed)."""
    _, by_source, texts = _executed("alerts-to-incident.ipynb")
    assert "showing 3 of 112" in texts("%alerts host_alerts --rows 3")
    one = texts("%alerts petya")
    assert "1 alert(s) · High 1" in one and "Petya" in one
    graph = next(c for s, c in by_source.items() if s.startswith("%alerts host_alerts --graph"))
    assert any("image/svg+xml" in o.get("data", {}) for o in graph.outputs)
    assert "26 related alert(s)" in texts("%alerts host_alerts --graph")
    assert "ents: 1,103 rows" in texts("ents = %alerts alerts --entities")
    tree = texts("%ptree procs --alerts ents")
    assert "the alerts' processes first" in tree and "alert process(es) in ents" in tree, tree[:600]
    assert "not in the tree: " in tree, "the alerts' processes missing from the events are said"
    assert "5 observables" in texts("ti = %ti ips.IpAddress")


def test_a_rust_cell_scores_command_lines_for_the_process_tree(shared_data):
    """The Rust notebook: a Rust cell reads `procs`, scores each command line, publishes
    `scored`; SQL counts the risk bands and %ptree colours the tree by them."""
    _, by_source, texts = _executed("rust-scoring.ipynb")
    scoring = next(c for s, c in by_source.items() if s.startswith('let procs = frame("procs")'))
    said = texts('let procs = frame("procs")')
    assert "command lines score high" in said and "scored: 363 rows" in said, said
    bands = texts("%%sql\nSELECT Risk")
    assert "high" in bands and "medium" in bands and "low" in bands, bands
    tree = by_source["%ptree scored --color-by Risk --max-nodes 60"]
    html = next(o["data"]["text/html"] for o in tree.outputs if "text/html" in o.get("data", {}))
    assert "Risk" in html and "high" in html, html[:400]
    assert not any(o.output_type == "error" for o in scoring.outputs)
