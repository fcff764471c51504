"""The notebooks as a person sees them: JupyterLab 4 (from PyPI) in headless Chromium
(Debian's `chromium`, driven by Playwright for Python; nothing is downloaded).

Each notebook in notebooks/ is opened as received from a colleague (untrusted, with its
saved outputs) and as run by its reader (run all: trusted outputs), each in the light and
the dark theme. In every case each chart must be a picture of real size (no stray text
where a chart should be, no typeset math in data), no cell may show an error unless it is
tagged `raises-exception`, and folded details must open on click. The nbconvert HTML export
and the same export through nbconvert's sanitiser (the stand-in for GitHub-style sanitised
HTML) must show every chart as a picture too. A scratch notebook checks what a hand does:
tab completion, shift-tab help and the stop button.

Screenshots are kept in tests/artifacts/browser (HUNTBOOK_ARTIFACTS to move them). The
browser may only reach loopback: every other request is refused and fails the test."""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHROMIUM = Path(os.environ.get("HUNTBOOK_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("HUNTBOOK_ARTIFACTS", ROOT / "tests" / "artifacts" / "browser"))
ACTIVE = ".jp-NotebookPanel:not(.lm-mod-hidden)"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The smallest a chart can be and still be a chart, in CSS pixels.
MIN_WIDTH, MIN_HEIGHT = 200, 80


def _need_browser():
    """In CI (.ci/run sets HUNTBOOK_REQUIRE_BROWSER) the browser test must run; elsewhere
    it is skipped when the browser is missing."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import jupyterlab  # noqa: F401
        import playwright  # noqa: F401
    except ImportError as e:
        missing.append(f"{e.name} (pip install -r tests/requirements.txt)")
    if missing:
        message = "the browser test needs " + ", ".join(missing)
        if os.environ.get("CI") or os.environ.get("HUNTBOOK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pictures_in(path: Path) -> int:
    """How many charts a notebook's saved outputs hold (each an output with a PNG)."""
    nb = json.loads(path.read_text())
    return sum(
        1
        for cell in nb["cells"]
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    )


@pytest.fixture(scope="module")
def lab(shared_data):
    """A JupyterLab server on loopback over copies of the notebooks, in a folder laid out
    like the checkout (so `../../shared/data` resolves), with settings of its own."""
    _need_browser()
    tmp = Path(tempfile.mkdtemp(prefix="huntbook-lab-"))
    (tmp / "shared").symlink_to(shared_data.parent)
    work = tmp / "work"
    (work / "notebooks").mkdir(parents=True)
    for nb in NOTEBOOKS:
        shutil.copy(nb, work / "notebooks" / nb.name)
    scratch = {
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": ""}],
        "metadata": {"kernelspec": {"display_name": "Huntbook", "language": "huntbook", "name": "huntbook"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (work / "notebooks" / "scratch.ipynb").write_text(json.dumps(scratch))
    settings = tmp / "settings" / "@jupyterlab"
    for plugin, values in {
        # Every cell in the page, so what is checked is what the notebook holds.
        "notebook-extension/tracker": {"windowingMode": "none"},
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # The kernels run as a reader's would: with Rust cells (conftest turns them off for the
    # kernel tests that never use them).
    env = dict(
        {k: v for k, v in os.environ.items() if k != "HUNTBOOK_NO_RUST"},
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
    )
    port = _free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={work}",
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(tmp / "lab.log", "w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/api/status", timeout=2)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            pytest.fail(f"JupyterLab did not start: {(tmp / 'lab.log').read_text()[-2000:]}")
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited: {(tmp / 'lab.log').read_text()[-2000:]}")
        yield {"base": base, "work": work, "log": tmp / "lab.log"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    """A fresh page whose every request off loopback is refused and remembered."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    refused = []

    def only_loopback(route):
        url = route.request.url
        if url.startswith(("data:", "blob:", "file:")) or urlparse(url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            refused.append(url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    yield page
    context.close()
    assert not refused, f"the page tried to leave loopback: {refused[:5]}"


def _open(page, lab, name: str, workspace: str):
    page.goto(f"{lab['base']}/lab/workspaces/{workspace}/tree/notebooks/{name}?reset")
    page.wait_for_selector(f"{ACTIVE} .jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=30_000)
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   return w && w.sessionContext && w.sessionContext.session &&
                          w.sessionContext.session.kernel &&
                          w.sessionContext.session.kernel.status === 'idle'; }""",
        timeout=90_000,
    )


def _theme(page, dark: bool):
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", theme)
    page.wait_for_function(
        "light => document.body.dataset.jpThemeLight === light", arg="false" if dark else "true", timeout=30_000
    )


def _images_loaded(page):
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{ACTIVE} .jp-OutputArea-output img')].every(i => i.complete)",
        timeout=30_000,
    )


def _outputs(page):
    """What each output shows: its MIME type as rendered, its pictures and their sizes,
    and any typeset math."""
    return page.evaluate(
        f"""() => [...document.querySelectorAll('{ACTIVE} .jp-OutputArea-output')].map(o => ({{
            mime: o.dataset.mimeType || '',
            pictures: [...o.querySelectorAll('img, svg')].map(e => {{
                const r = e.getBoundingClientRect();
                return {{tag: e.tagName.toLowerCase(), width: r.width, height: r.height,
                         natural: e.tagName === 'IMG' ? e.naturalWidth : r.width}};
            }}),
            math: o.querySelectorAll('mjx-container, .MathJax, .MathJax_Display').length,
            text: (o.innerText || '').slice(0, 200),
        }}))"""
    )


def _cells(page):
    """Each code cell's tags and the errors it shows, from the notebook's model."""
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
            .filter(c => c.model.type === 'code')
            .map(c => ({
                source: c.model.sharedModel.getSource().slice(0, 80),
                tags: c.model.getMetadata('tags') || [],
                count: c.model.executionCount,
                errors: c.model.outputs.toJSON().filter(o => o.output_type === 'error')
                          .map(o => o.ename + ': ' + o.evalue),
            }))"""
    )


def _check(page, nb: Path, case: str, expected: int):
    """What a reader of `nb` sees in `case`: every chart a picture, no stray math, no
    unexpected error, folded details that open; screenshots of each chart."""
    _images_loaded(page)
    outputs = _outputs(page)
    label = f"{nb.name} ({case})"
    charts = [o for o in outputs if o["mime"] in ("image/png", "image/svg+xml")]
    assert len(charts) == expected, f"{label}: {len(charts)} charts shown, {expected} expected: {[o['mime'] for o in outputs]}"
    for chart in charts:
        assert chart["pictures"], f"{label}: a chart output without a picture: {chart}"
        pic = chart["pictures"][0]
        assert pic["width"] >= MIN_WIDTH and pic["height"] >= MIN_HEIGHT and pic["natural"] > 0, f"{label}: {pic}"
    math = [o["text"] for o in outputs if o["math"]]
    assert not math, f"{label}: math typeset in outputs: {math}"
    # No chart was turned into text: an output of SVG markup or a chart's axis text alone.
    stray = [o["text"] for o in outputs if o["mime"] == "text/plain" and o["text"].startswith("[picture:")]
    assert not stray, f"{label}: a chart shown as its text form: {stray}"
    for cell in _cells(page):
        if "raises-exception" in cell["tags"]:
            assert cell["errors"], f"{label}: {cell['source']!r} is tagged raises-exception but shows no error"
        else:
            assert not cell["errors"], f"{label}: {cell['source']!r} shows {cell['errors']}"
    # The first folded part a reader can see (not one inside another folded part).
    first = page.evaluate_handle(
        f"""() => [...document.querySelectorAll('{ACTIVE} .jp-OutputArea-output details:not([open])')]
                  .find(d => d.querySelector(':scope > summary') && d.getClientRects().length > 0) || null"""
    ).as_element()
    if first is not None:
        summary = first.query_selector(":scope > summary")
        folded = first.evaluate("d => d.getBoundingClientRect().height")
        summary.click()
        assert first.evaluate("d => d.open"), f"{label}: details did not open on click"
        opened = first.evaluate("d => d.getBoundingClientRect().height")
        assert opened > folded, f"{label}: details opened but show nothing ({folded} → {opened} px)"
        summary.click()
    stem = f"{nb.stem}-{case}"
    pictures = page.locator(
        f"{ACTIVE} .jp-OutputArea-output[data-mime-type='image/png'], "
        f"{ACTIVE} .jp-OutputArea-output[data-mime-type='image/svg+xml']"
    )
    for i in range(pictures.count()):
        pictures.nth(i).screenshot(path=str(ARTIFACTS / f"{stem}-chart{i + 1}.png"))
    page.screenshot(path=str(ARTIFACTS / f"{stem}.png"))


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_reads_the_same_untrusted_and_trusted_light_and_dark(lab, page, nb):
    expected = _pictures_in(nb)
    _open(page, lab, nb.name, f"w-{nb.stem}")
    # As received: untrusted, saved outputs.
    trusted = page.evaluate("() => window.jupyterapp.shell.currentWidget.content.model.cells.get(0).trusted")
    assert not trusted, f"{nb.name} opened trusted: the untrusted case was not tested"
    for dark in (False, True):
        _theme(page, dark)
        _check(page, nb, f"untrusted-{'dark' if dark else 'light'}", expected)
    # As run by its reader: every output fresh, and trusted.
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget;
                   const code = w.content.widgets.filter(c => c.model.type === 'code');
                   return w.sessionContext.session.kernel.status === 'idle' &&
                          code.every(c => c.model.executionCount !== null &&
                                          !c.node.querySelector('.jp-InputArea-prompt').textContent.includes('*')); }""",
        timeout=300_000,
        polling=500,
    )
    for dark in (True, False):
        _theme(page, dark)
        _check(page, nb, f"trusted-{'dark' if dark else 'light'}", expected)
    # The copy is never saved; its kernel is stopped so kernels do not pile up.
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")


def _popup(page, typed: str, key: str, selector: str, expected: str, shot: str):
    """Types `typed` into the focused cell (replacing what is there), presses `key`, and
    checks that the popup `selector` appears and mentions `expected`."""
    page.keyboard.press("Control+A")
    page.keyboard.type(typed)
    page.keyboard.press(key)
    popup = page.locator(selector)
    popup.wait_for(state="visible", timeout=30_000)
    assert expected in popup.inner_text(), f"{key} after {typed!r}: {popup.inner_text()!r}"
    page.screenshot(path=str(ARTIFACTS / f"{shot}.png"))
    page.keyboard.press("Escape")


def test_a_hand_gets_completion_help_and_a_working_stop_button(lab, page):
    _open(page, lab, "scratch.ipynb", "w-scratch")
    _theme(page, False)
    editor = page.locator(f"{ACTIVE} .jp-Cell .cm-content").first
    editor.click()
    _popup(page, "%timel", "Tab", ".jp-Completer", "timeline", "scratch-completion")
    _popup(page, "%timeline", "Shift+Tab", ".jp-Tooltip", "%timeline", "scratch-help")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("%sleep 30")
    page.keyboard.press("Control+Enter")
    first = page.locator(f"{ACTIVE} .jp-CodeCell").first
    page.wait_for_function(
        f"() => document.querySelector('{ACTIVE} .jp-CodeCell .jp-InputArea-prompt').textContent.includes('*')",
        timeout=30_000,
    )
    page.locator(f"{ACTIVE} .jp-Toolbar [data-command='notebook:interrupt-kernel']").first.click()
    # Well before the sleep would end by itself, the cell is done and says it was stopped.
    page.wait_for_function(
        f"() => !document.querySelector('{ACTIVE} .jp-CodeCell .jp-InputArea-prompt').textContent.includes('*')",
        timeout=15_000,
    )
    shown = first.locator(".jp-OutputArea").inner_text()
    assert "nterrupt" in shown, shown
    page.screenshot(path=str(ARTIFACTS / "scratch-interrupted.png"))


def _export(nb: Path, out: Path, sanitise: bool) -> Path:
    command = [sys.executable, "-m", "nbconvert", "--to", "html", "--output-dir", str(out), str(nb)]
    if sanitise:
        command += ["--HTMLExporter.sanitize_html=True", "--output", f"{nb.stem}-sanitised"]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    return out / (f"{nb.stem}-sanitised.html" if sanitise else f"{nb.stem}.html")


@pytest.mark.parametrize("sanitise", [False, True], ids=["nbconvert", "sanitised"])
def test_exported_html_shows_every_chart(browser, sanitise, tmp_path):
    """nbconvert's HTML, and the same through nbconvert's sanitiser (bleach with its
    default allow-list: no SVG, no inline HTML pictures), as a stand-in for GitHub-style
    rendering: every chart is a picture of real size."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    refused = []
    context.route(
        "**/*",
        lambda route: route.continue_()
        if route.request.url.startswith(("file:", "data:"))
        else (refused.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    try:
        for nb in NOTEBOOKS:
            expected = _pictures_in(nb)
            html = _export(nb, tmp_path, sanitise)
            page.goto(html.as_uri())
            page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)
            pictures = page.evaluate(
                """() => [...document.querySelectorAll('img, svg')].map(e => {
                    const r = e.getBoundingClientRect();
                    return {tag: e.tagName.toLowerCase(), width: r.width, height: r.height,
                            natural: e.tagName === 'IMG' ? e.naturalWidth : r.width};
                }).filter(p => p.width >= %d && p.height >= %d && p.natural > 0)"""
                % (MIN_WIDTH, MIN_HEIGHT)
            )
            kind = "sanitised" if sanitise else "nbconvert"
            assert len(pictures) >= expected, f"{nb.name} ({kind}): {len(pictures)} pictures for {expected} charts"
            text = page.evaluate("() => document.body.innerText")
            assert "<svg" not in text, f"{nb.name} ({kind}): SVG markup shown as text"
            page.screenshot(path=str(ARTIFACTS / f"{nb.stem}-{kind}.png"), full_page=True)
    finally:
        context.close()
    # nbconvert's page asks for MathJax and require.js from a CDN: refused, and harmless.
    assert all(urlparse(u).scheme in ("http", "https") for u in refused), refused
