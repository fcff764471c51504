"""Rust cells: evcxr inside the kernel, with the session's frames in reach both ways.

Real kernels through jupyter_client, with Rust turned on (the rest of the suite runs
with HUNTBOOK_NO_RUST, so each of its kernels does not start a Rust context it never
uses)."""

import csv
import os
import subprocess
import time
import unittest

import jupyter_kernel_test as jkt
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager, start_new_kernel

from cells import KEEP, TIMEOUT, run

# The first Rust cell waits for the context to start (evcxr compiles a first crate and
# the prelude): allow for a loaded two-core machine.
FIRST = 120


def rust_env(**changes):
    env = {k: v for k, v in os.environ.items() if k != "HUNTBOOK_NO_RUST"}
    env.update(changes)
    return env


@pytest.fixture
def rust():
    km, kc = start_new_kernel(kernel_name="huntbook", env=rust_env())
    # The context starts in the background; the first cell waits for it.
    content, outputs = run(kc, "1 + 1", timeout=FIRST)
    assert content["status"] == "ok", outputs
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def result_of(outputs):
    found = [m["content"]["data"] for m in outputs if m["msg_type"] == "execute_result"]
    assert len(found) == 1, outputs
    return found[0]


def streamed(outputs, name="stdout"):
    return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == name)


def error_of(outputs):
    errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, outputs
    return errors[0]


def logons_kept(kc):
    content, outputs = run(kc, "%%sql\nSELECT COUNT(*) AS n FROM kept")
    assert content["status"] == "ok", outputs
    assert "n" in result_of(outputs)["text/plain"]


def test_a_rust_cell_reads_a_frame_computes_a_column_and_sql_reads_what_it_published(rust):
    _, kc = rust
    run(kc, KEEP)
    content, outputs = run(
        kc,
        'let kept = frame("kept");\n'
        'let long: Vec<Option<bool>> = kept.text("Account").iter().map(|a| a.map(|a| a.len() > 20)).collect();\n'
        'println!("{} logons", kept.height());\n'
        'publish("scored", &kept.with_column("LongAccount", long));',
        timeout=TIMEOUT * 4,
    )
    assert content["status"] == "ok", outputs
    out = streamed(outputs)
    assert "logons" in out and "scored: " in out, out
    content, outputs = run(kc, "%%sql\nSELECT LongAccount, COUNT(*) AS n FROM scored GROUP BY LongAccount ORDER BY n DESC")
    assert content["status"] == "ok", outputs
    assert "LongAccount" in result_of(outputs)["text/plain"]
    # Magics and Rust in one cell run in the order written.
    content, outputs = run(kc, '%echo first\nprintln!("second");\n%echo third', timeout=TIMEOUT * 4)
    assert content["status"] == "ok", outputs
    assert streamed(outputs).split() == ["first", "second", "third"], outputs
    # A frame as the last expression is shown with the magics' table, and becomes `_`.
    content, outputs = run(kc, 'frame("scored").filter(&vec![true; frame("scored").height()])', timeout=TIMEOUT * 4)
    assert content["status"] == "ok", outputs
    html = result_of(outputs)["text/html"]
    assert "hb-frame" in html and "LongAccount" in html
    content, outputs = run(kc, "%%sql\nSELECT COUNT(*) AS n FROM _")
    assert content["status"] == "ok", outputs


def test_a_panic_or_a_crash_leaves_the_frames_and_the_next_cell_runs(rust):
    _, kc = rust
    run(kc, KEEP)
    content, outputs = run(kc, 'let v: Vec<u8> = Vec::new();\nlet x = v[3];', timeout=TIMEOUT * 4)
    assert content["status"] == "error" and content["ename"] == "panic", content
    e = error_of(outputs)
    assert "index out of bounds" in e["evalue"], e
    assert not streamed(outputs, "stderr"), "the panic is the error's, shown once"
    logons_kept(kc)
    content, outputs = run(kc, "std::process::abort();", timeout=TIMEOUT * 4)
    assert content["status"] == "error" and content["ename"] == "rust-crashed", content
    logons_kept(kc)
    content, outputs = run(kc, "40 + 2", timeout=TIMEOUT * 4)
    assert content["status"] == "ok", outputs
    assert result_of(outputs)["text/plain"] == "42"


def test_a_compile_error_points_at_the_cells_own_line(rust):
    _, kc = rust
    content, outputs = run(kc, '%echo before\nlet n: i32 = "not a number";', timeout=TIMEOUT * 4)
    assert content["status"] == "error" and content["ename"] == "compile-error", content
    e = error_of(outputs)
    assert "mismatched types" in e["evalue"], e
    shown = "\n".join(e["traceback"])
    assert "cell line 2" in shown and 'let n: i32 = "not a number";' in shown, shown


def test_interrupt_stops_a_long_rust_cell(rust):
    km, kc = rust
    run(kc, KEEP)
    msg_id = kc.execute("std::thread::sleep(std::time::Duration::from_secs(120));")
    time.sleep(3)
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error" and reply["content"]["ename"] == "interrupted", reply["content"]
    logons_kept(kc)
    content, outputs = run(kc, '"again"', timeout=TIMEOUT * 4)
    assert content["status"] == "ok", outputs


def test_frame_names_complete_inside_frame_calls(rust):
    _, kc = rust
    run(kc, KEEP)
    code = 'let k = frame("ke'
    kc.complete(code, len(code))
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert "kept" in reply["content"]["matches"], reply["content"]


def test_without_a_toolchain_rust_cells_say_what_is_missing_and_magics_work():
    path = ":".join(p for p in os.environ["PATH"].split(":") if not os.path.exists(os.path.join(p, "cargo")))
    km, kc = start_new_kernel(kernel_name="huntbook", env=rust_env(PATH=path))
    try:
        content, outputs = run(kc, "let x = 1;", timeout=FIRST)
        assert content["status"] == "error" and content["ename"] == "rust-unavailable", content
        assert "cargo is not on PATH" in content["evalue"], content
        content, outputs = run(kc, "%iptype 8.8.8.8")
        assert content["status"] == "ok" and result_of(outputs)["text/plain"] == "Public"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.skipif(
    not os.environ.get("HUNTBOOK_BIN_WITHOUT_RUST"),
    reason="HUNTBOOK_BIN_WITHOUT_RUST names no kernel built with --no-default-features (tests/run.sh sets it)",
)
def test_a_kernel_built_without_rust_cells_says_so_and_magics_work(tmp_path):
    binary = os.environ["HUNTBOOK_BIN_WITHOUT_RUST"]
    subprocess.run([binary, "install", "--prefix", str(tmp_path)], check=True, capture_output=True)
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "share" / "jupyter" / "kernels")])
    km = KernelManager(kernel_name="huntbook", kernel_spec_manager=specs)
    km.start_kernel(env=rust_env())
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=TIMEOUT)
        content, _ = run(kc, 'let x = frame("kept");')
        assert content["status"] == "error", content
        assert "built without Rust cells" in content["evalue"], content
        content, outputs = run(kc, KEEP)
        assert content["status"] == "ok", outputs
        content, outputs = run(kc, "%%sql\nSELECT COUNT(*) AS n FROM kept")
        assert content["status"] == "ok", outputs
        rows = len(list(csv.DictReader(open(KEEP.split("%load ")[1], newline=""))))
        assert str(rows) in result_of(outputs)["text/plain"].split(), outputs
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


class HuntbookRustKernelTests(jkt.KernelTests):
    """jupyter_kernel_test with Rust code in the tests that run code."""

    kernel_name = "huntbook"
    language_name = "huntbook"
    file_extension = ".hunt"

    code_hello_world = 'println!("hello, world");'
    code_stderr = 'eprintln!("something went to stderr");'
    code_generate_error = 'let n: i32 = "not a number";'
    code_execute_result = [{"code": "1 + 2", "result": "3"}]
    code_display_data = [
        {"code": 'html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'show(&Frame::new().with_column("n", vec![1i64, 2, 3]));', "mime": "text/html"},
        {"code": 'svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>");', "mime": "image/svg+xml"},
    ]

    @classmethod
    def setUpClass(cls):
        saved = os.environ.pop("HUNTBOOK_NO_RUST", None)
        try:
            super().setUpClass()
        finally:
            if saved is not None:
                os.environ["HUNTBOOK_NO_RUST"] = saved
        # The context starts in the background; the tests' 15-second timeout is for cells.
        content, _ = run(cls.kc, "0", timeout=FIRST)
        assert content["status"] == "ok", content


if __name__ == "__main__":
    unittest.main()
