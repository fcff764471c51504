"""Hostile evidence under a memory limit: each reproducer builds a small crafted input,
runs the magic that once took gigabytes or never returned in a kernel started under
`ulimit -v` (RLIMIT_AS), and shows the kernel alive with the session's frames intact and
the outcome stated — a result with a warning, or a clear error. A regression fails here
(the allocation fails and the kernel dies) instead of swapping the machine."""

import bz2
import base64
import io
import os
import resource
import tarfile
import zlib

import pytest
from jupyter_client.manager import start_new_kernel

import cells
from cells import KEEP

TIMEOUT = 300
# Enough for the kernel's thread stacks and allocator arenas, far below what the
# reproducers took before their fixes (2.7 to 8 GB).
LIMIT_BYTES = int(os.environ.get("HUNTBOOK_TEST_MEMORY_LIMIT", 3 << 30))


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="huntbook", preexec_fn=_limit_memory)
    content, _ = run(kc, KEEP)
    assert content["status"] == "ok"
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def shown(outputs):
    """Everything a cell showed as plain text: results, displays, streams and errors."""
    parts = []
    for m in outputs:
        c = m["content"]
        parts.append(str(c.get("data", {}).get("text/plain", "")))
        parts.append(c.get("text", ""))
        parts.append(c.get("evalue", ""))
    return "\n".join(parts)


def run(kc, code):
    return cells.run(kc, code, timeout=TIMEOUT)


def survives(km, kc, code):
    """Runs `code`; the kernel must still be alive, still hold `kept`, and answer."""
    content, outputs = run(kc, code)
    assert km.is_alive(), f"the kernel died on: {code[:80]}"
    check, _ = run(kc, "%show kept")
    assert check["status"] == "ok", "the session lost its frames"
    return content, shown(outputs)


def test_the_kernel_runs_under_the_limit(kernel):
    km, _ = kernel
    limit = resource.prlimit(km.provisioner.process.pid, resource.RLIMIT_AS)
    assert limit[0] == LIMIT_BYTES


def test_b64_of_thousands_of_distinct_runs(kernel, tmp_path):
    km, kc = kernel
    runs = [base64.b64encode(f"distinct payload number {i:06} of many".encode()).decode() for i in range(5000)]
    path = tmp_path / "runs.csv"
    path.write_text("CommandLine\n" + " ".join(runs) + "\n")
    content, text = survives(km, kc, f"runs = %load {path}\nout = %b64 runs.CommandLine")
    assert content["status"] == "ok", text
    check, outputs = run(kc, "%%sql\nSELECT COUNT(*) AS n FROM out")
    assert "5000" in shown(outputs)


def test_b64_bzip2_bombs_in_forty_rows_share_one_budget(kernel, tmp_path):
    km, kc = kernel
    bomb = base64.b64encode(bz2.compress(b"\0" * (60 << 20), 9)).decode()
    path = tmp_path / "bombs.csv"
    path.write_text("CommandLine\n" + "".join(f"cmd /c {bomb}\n" for _ in range(40)))
    content, text = survives(km, kc, f"bombs = %load {path}\nout = %b64 bombs.CommandLine")
    assert content["status"] == "ok", text
    assert "output budget" in text and "spent" in text, text


def test_auditd_with_a_new_field_name_on_every_line(kernel, tmp_path):
    km, kc = kernel
    path = tmp_path / "audit.log"
    path.write_text(
        "".join(
            f"type=USER_CMD msg=audit(1551485405.{i % 1000:03}:{i}): pid=1 uid=0 key{i}=value{i}\n"
            for i in range(40_000)
        )
    )
    assert path.stat().st_size > 1_200_000
    content, text = survives(km, kc, f"audit = %load {path}")
    assert content["status"] == "ok", text
    assert "distinct field names" in text and "ExtraFields" in text, text


def test_zeek_header_of_twenty_thousand_fields(kernel, tmp_path):
    km, kc = kernel
    path = tmp_path / "conn.log"
    fields = "\t".join(f"f{i}" for i in range(20_000))
    path.write_text(f"#separator \\x09\n#fields\t{fields}\n" + ("x\t" * 50 + "\n") * 2000)
    content, text = survives(km, kc, f"zeek = %load {path}")
    assert content["status"] == "error"
    assert "20000 fields" in text, text


def test_ndjson_nested_a_thousand_deep_in_a_connected_folder(kernel, tmp_path):
    km, kc = kernel
    folder = tmp_path / "case"
    folder.mkdir()
    line = '{"a":' + "[" * 1000 + "1" + "]" * 1000 + "}"
    (folder / "events.ndjson").write_text((line + "\n") * 3)
    whole = tmp_path / "whole.json"
    whole.write_text("[" * 100_000 + "]" * 100_000)
    content, text = survives(km, kc, f"%connect case --kind local --path {folder}")
    assert content["status"] == "ok", text
    content, text = survives(km, kc, "%%query --source case\nSELECT * FROM events")
    assert content["status"] == "error" and "nested deeper than 100 levels" in text, text
    content, text = survives(km, kc, f"%load {whole}")
    assert content["status"] == "error" and "nested deeper than 100 levels" in text, text


def test_ptree_on_a_twenty_thousand_deep_chain(kernel, tmp_path):
    km, kc = kernel
    path = tmp_path / "chain.csv"
    rows = ["EventID,Computer,NewProcessId,ProcessId,NewProcessName,CommandLine,TimeGenerated"]
    for i in range(20_000):
        rows.append(
            f"4688,HOST,0x{i + 16:x},0x{i + 15:x},C:\\w\\p{i}.exe,p{i}.exe,"
            f"2024-01-01 00:{i // 60000 % 60:02}:{i // 1000 % 60:02}.{i % 1000:03}"
        )
    path.write_text("\n".join(rows) + "\n")
    content, text = survives(km, kc, f"chain = %load {path}\ntree = %ptree chain")
    assert content["status"] == "ok", text


def test_timeline_at_the_ends_of_the_datetime_range(kernel, tmp_path):
    km, kc = kernel
    path = tmp_path / "extremes.csv"
    path.write_text("TimeGenerated,Host\n-262000-01-01T00:00:00Z,a\n+262000-12-31T23:59:59Z,b\n")
    content, text = survives(km, kc, f"x = %load {path}\n%timeline x --group-by Host")
    assert content["status"] == "ok", text


def test_connect_on_a_folder_of_symlink_loops(kernel, tmp_path):
    km, kc = kernel
    folder = tmp_path / "loops"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "events.csv").write_text("Account\nalice\n")
    os.symlink(folder, folder / "sub" / "back-to-root")
    os.symlink(folder / "sub", folder / "sub" / "self")
    content, text = survives(km, kc, f"%connect loops --kind local --path {folder}")
    assert content["status"] == "ok", text


class Zeros:
    """`size` zero bytes, read in pieces (tarfile only calls read)."""

    def __init__(self, size):
        self.left = size

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def test_a_tar_gz_of_three_gibibyte_members(kernel, tmp_path):
    """14 MB on disk, 3 GiB unpacked: members are taken one at a time and those of no
    format are passed over unread, so the kernel holds a member's first bytes at most."""
    km, kc = kernel
    path = tmp_path / "evidence.tar.gz"
    with open(path, "wb") as out:
        gz = zlib.compressobj(1, zlib.DEFLATED, 31)

        class Sink(io.RawIOBase):
            def writable(self):
                return True

            def write(self, b):
                out.write(gz.compress(bytes(b)))
                return len(b)

        with tarfile.open(fileobj=Sink(), mode="w|") as tar:
            for name in ("a.log", "b.log", "c.log"):
                info = tarfile.TarInfo(name)
                info.size = 1 << 30
                tar.addfile(info, Zeros(1 << 30))
            # Read after the three: the archive is streamed through, not given up.
            csv = b"Account,Count\nalice,3\n"
            info = tarfile.TarInfo("logons.csv")
            info.size = len(csv)
            tar.addfile(info, io.BytesIO(csv))
        out.write(gz.flush())
    assert path.stat().st_size < 20 << 20
    content, text = survives(km, kc, f"ev = %load {path}")
    assert content["status"] == "ok", text
    check, outputs = run(kc, "%%sql\nSELECT Account FROM ev")
    assert "alice" in shown(outputs)
