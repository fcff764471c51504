"""Running a cell through a jupyter_client and collecting what it showed, for the kernel
tests (imported by them; pytest puts this folder on the path)."""

import queue
import time
from pathlib import Path

TIMEOUT = 30
ROOT = Path(__file__).resolve().parents[2]
# A frame a test loads first and the session must still hold after each attack.
KEEP = f"kept = %load {ROOT.parent / 'shared' / 'data' / 'msticpy' / 'logons' / 'localdata_host_logons.csv'}"


def run(kc, code, timeout=TIMEOUT, **kw):
    """Executes `code`; returns (reply content, iopub messages up to idle). Fails at once,
    rather than at the timeout, if the kernel dies on the way."""
    msg_id = kc.execute(code, **kw)
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = kc.get_shell_msg(timeout=1)
            break
        except queue.Empty:
            assert kc.is_alive(), f"the kernel died on: {code[:80]}"
            assert time.monotonic() < deadline, f"no reply in {timeout} s to: {code[:80]}"
    assert reply["parent_header"]["msg_id"] == msg_id
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        outputs.append(msg)
    return reply["content"], outputs
