"""Protocol behaviour beyond jupyter_kernel_test: signatures, interrupts, a responsive
control channel, errors that leave the session intact, stop_on_error, shutdown and
restart. Every test talks to a real kernel process through jupyter_client."""

import time
from pathlib import Path

import pytest
import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

from cells import TIMEOUT, run



@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="huntbook")
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def error_of(outputs):
    errors = [m for m in outputs if m["msg_type"] == "error"]
    assert len(errors) == 1, outputs
    return errors[0]["content"]


def test_messages_with_a_bad_or_missing_signature_are_dropped(kernel):
    km, kc = kernel
    info = km.get_connection_info()
    ctx = zmq.Context.instance()
    for key in (b"not-the-key", b""):
        sock = ctx.socket(zmq.DEALER)
        sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        forged = Session(key=key)
        forged.send(sock, "execute_request", {"code": "%echo forged", "silent": False})
        assert sock.poll(1000) == 0, "the kernel answered a message with a bad signature"
        sock.close(0)
    # And it keeps serving properly signed requests.
    content, outputs = run(kc, "%iptype 8.8.8.8")
    assert content["status"] == "ok"
    assert not any(m["msg_type"] == "stream" and "forged" in m["content"]["text"] for m in outputs)


def test_a_replayed_signed_message_runs_once(kernel):
    """Whoever can reach the port can capture a signed request and send it again; the
    kernel answers the first copy only, as jupyter_client's session does."""
    km, kc = kernel
    info = km.get_connection_info()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    msg = kc.session.msg("execute_request", {"code": "%echo replayed", "silent": False, "store_history": True,
                                              "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    frames = kc.session.serialize(msg)
    sock.send_multipart(frames)
    sock.send_multipart(frames)
    replies = []
    while sock.poll(2000):
        replies.append(sock.recv_multipart())
    sock.close(0)
    assert len(replies) == 1, f"{len(replies)} replies to one signed message sent twice"
    content, _ = run(kc, "%iptype 8.8.8.8")
    assert content["status"] == "ok"


def interrupted_and_logons_kept(kc, msg_id):
    """The cell `msg_id` answered (within TIMEOUT) that it was interrupted, and the
    `logons` frame loaded before it is still in the session."""
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "interrupted"
    content, outputs = run(kc, "%show logons --rows 1")
    assert content["status"] == "ok"
    result = [m for m in outputs if m["msg_type"] == "execute_result"][0]
    assert "<b>logons</b> · 25 rows × 20 columns" in result["content"]["data"]["text/html"]


def test_interrupt_stops_the_cell_and_keeps_the_session(kernel, shared_data):
    km, kc = kernel
    content, _ = run(kc, f"logons = %load {shared_data}/msticpy/logons/localdata_host_logons.csv")
    assert content["status"] == "ok"
    msg_id = kc.execute("%sleep 60")
    time.sleep(0.5)
    km.interrupt_kernel()
    # TIMEOUT is half the sleep: only an interrupted cell can answer in time.
    interrupted_and_logons_kept(kc, msg_id)


def test_control_answers_while_a_cell_runs(kernel):
    km, kc = kernel
    kc.execute("%sleep 5")
    time.sleep(0.3)
    msg = kc.session.msg("kernel_info_request", {})
    kc.control_channel.send(msg)
    reply = kc.control_channel.get_msg(timeout=TIMEOUT)
    assert reply["msg_type"] == "kernel_info_reply"
    # The cell is still running: control did not wait for it.
    assert not kc.shell_channel.msg_ready(), "control waited for the running cell"
    assert kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"] == "ok"


BAD_INPUT = [
    ("%nosuchmagic", "unknown-magic", "%nosuchmagic"),
    ("%load /no/such/evidence.csv", "no-such-file", "/no/such/evidence.csv"),
    ("%%sql\nSELEC broken FROM", "sql-error", "SELEC"),
    ("%show nosuchframe", "no-such-frame", "nosuchframe"),
    ("%load {corrupt}", "bad-file", "corrupt.parquet"),
    ("%iptype 999.1.1.1", "invalid-ip", "999.1.1.1"),
]


@pytest.mark.parametrize("code,ename,named", BAD_INPUT, ids=[b[1] for b in BAD_INPUT])
def test_bad_input_is_a_clear_error_and_loses_nothing(kernel, shared_data, tmp_path, code, ename, named):
    km, kc = kernel
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1" + b"\x00garbage" * 20)
    code = code.format(corrupt=corrupt)
    run(kc, f"logons = %load {shared_data}/msticpy/logons/localdata_host_logons.csv")
    content, outputs = run(kc, code)
    assert content["status"] == "error"
    assert content["ename"] == ename
    error = error_of(outputs)
    assert named in error["evalue"] or named in "\n".join(error["traceback"]), error
    assert km.is_alive()
    content, _ = run(kc, "%show logons")
    assert content["status"] == "ok", "the session lost its frames"


def test_stop_on_error_aborts_queued_cells(kernel):
    km, kc = kernel
    first = kc.execute("%nosuchmagic")
    second = kc.execute("%echo should not run")
    replies = {}
    for _ in range(2):
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        replies[reply["parent_header"]["msg_id"]] = reply["content"]
    assert {k: v["status"] for k, v in replies.items()} == {first: "error", second: "aborted"}
    # As ipykernel: a skipped cell gets no execution count, so it does not look executed.
    assert "execution_count" not in replies[second], replies[second]
    content, _ = run(kc, "%echo runs again")
    assert content["status"] == "ok"


def test_busy_and_idle_wrap_every_request(kernel):
    km, kc = kernel
    msg_id = kc.complete("%ipt", 4)
    kc.get_shell_msg(timeout=TIMEOUT)
    states = []
    while len(states) < 2:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
            states.append(msg["content"]["execution_state"])
    assert states == ["busy", "idle"]


def test_execution_count_and_silent_execution(kernel):
    km, kc = kernel
    first, _ = run(kc, "%iptype 8.8.8.8")
    silent, outputs = run(kc, "%iptype 8.8.8.8", silent=True)
    assert not [m for m in outputs if m["msg_type"] in ("execute_input", "execute_result")]
    # A silent request publishes nothing but its status, displays included.
    _, outputs = run(kc, "%help iptype\n%echo x", silent=True)
    assert [m["msg_type"] for m in outputs] == ["status"], outputs
    after, _ = run(kc, "%iptype 8.8.8.8")
    assert after["execution_count"] == first["execution_count"] + 1


def test_inspect_and_complete_take_multibyte_delimiters(kernel):
    """inspect_request on '%show\u00a0x' used to panic the shell thread while the heartbeat
    stayed up: every position of cells with multi-byte characters gets a reply, and the
    kernel then still runs cells."""
    km, kc = kernel
    for code in ("%show\u00a0x", "%load\u2014--format\u00a0c", "%ioc x.\U0001F600Col"):
        for cursor in range(len(code) + 1):
            for send, reply_type in ((kc.inspect, "inspect_reply"), (kc.complete, "complete_reply")):
                msg_id = send(code, cursor)
                while True:
                    reply = kc.get_shell_msg(timeout=TIMEOUT)
                    if reply["parent_header"].get("msg_id") == msg_id:
                        break
                assert reply["header"]["msg_type"] == reply_type
                assert reply["content"]["status"] == "ok", reply["content"]
    content, outputs = run(kc, "%iptype 10.0.0.1")
    assert content["status"] == "ok"
    assert any(m["msg_type"] == "execute_result" for m in outputs)


def test_shell_and_control_answer_alike(kernel):
    """kernel_info and unknown requests get the same answer on either channel."""
    km, kc = kernel
    answers = {}
    for channel in ("shell", "control"):
        for msg_type in ("kernel_info_request", "no_such_request"):
            stream = getattr(kc, f"{channel}_channel")
            msg = kc.session.msg(msg_type, {})
            stream.send(msg)
            while True:
                reply = stream.get_msg(timeout=TIMEOUT)
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    break
            content = dict(reply["content"])
            answers[(channel, msg_type)] = (reply["header"]["msg_type"], content)
    assert answers[("shell", "kernel_info_request")] == answers[("control", "kernel_info_request")]
    assert answers[("shell", "no_such_request")] == answers[("control", "no_such_request")]
    kind, content = answers[("control", "no_such_request")]
    assert kind == "no_such_reply" and content["status"] == "error", content


def test_user_expressions_are_evaluated(kernel):
    km, kc = kernel
    content, _ = run(kc, "%echo hi", user_expressions={"cls": "%iptype 10.0.0.1", "bad": "%nosuch"})
    assert content["user_expressions"]["cls"]["data"]["text/plain"] == "Private"
    assert content["user_expressions"]["bad"]["status"] == "error"


def test_restart_gives_a_fresh_session(kernel, shared_data):
    km, kc = kernel
    run(kc, f"logons = %load {shared_data}/msticpy/logons/localdata_host_logons.csv")
    km.restart_kernel()
    kc.wait_for_ready(timeout=TIMEOUT)
    content, _ = run(kc, "%show logons")
    assert content["status"] == "error" and content["ename"] == "no-such-frame"


def test_shutdown_ends_the_process_cleanly():
    km, kc = start_new_kernel(kernel_name="huntbook")
    try:
        kc.shutdown()
        reply = kc.get_control_msg(timeout=TIMEOUT)
        assert reply["content"] == {"status": "ok", "restart": False}
        deadline = time.monotonic() + 10
        while km.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not km.is_alive()
        assert km.provisioner.process.returncode == 0
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_secret_prompts_over_stdin_with_hidden_input(kernel):
    km, kc = kernel
    msg_id = kc.execute("%secret virustotal", allow_stdin=True)
    request = kc.get_stdin_msg(timeout=TIMEOUT)
    assert request["msg_type"] == "input_request"
    assert request["parent_header"]["msg_id"] == msg_id
    assert request["content"]["password"] is True
    # A reply naming another request does not answer the prompt; the one naming it does.
    stale = kc.session.msg("input_reply", {"value": "stale-key"}, parent={"msg_id": "an-older-prompt"})
    kc.stdin_channel.send(stale)
    kc.input("s3cr3t-api-key")
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["content"]["status"] == "ok"
    content, outputs = run(kc, "%secret")
    shown = [m for m in outputs if m["msg_type"] == "execute_result"][0]["content"]["data"]["text/plain"]
    assert "virustotal" in shown and "s3cr3t" not in shown and "stale" not in shown
    # Without stdin the cell fails clearly instead of hanging.
    content, outputs = run(kc, "%secret otx", allow_stdin=False)
    assert content["ename"] == "no-prompt"


def test_multi_file_load_shows_progress_updated_in_place(kernel, shared_data):
    km, kc = kernel
    content, outputs = run(kc, f"all = %load {shared_data}/msticpy/logons/*.csv")
    assert content["status"] == "ok"
    shown = [m for m in outputs if m["msg_type"] == "display_data"]
    updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
    assert len(shown) == 1 and len(updates) == 3
    display_id = shown[0]["content"]["transient"]["display_id"]
    assert all(u["content"]["transient"]["display_id"] == display_id for u in updates)
    assert updates[-1]["content"]["data"]["text/plain"].startswith("loaded 3 files")


def test_history_survives_a_restart(kernel):
    km, kc = kernel
    run(kc, "%iptype 203.0.113.7")
    kc.history(hist_access_type="tail", n=1, output=False, raw=True)
    before = kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"][-1]
    km.restart_kernel()
    kc.wait_for_ready(timeout=TIMEOUT)
    run(kc, "%echo after the restart")
    kc.history(hist_access_type="search", pattern="%iptype 203.0.113.7", output=False, raw=True)
    hits = kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"]
    assert [before] == hits[-1:], "the previous session's input is not in the history"
    kc.history(hist_access_type="tail", n=1, output=False, raw=True)
    latest = kc.get_shell_msg(timeout=TIMEOUT)["content"]["history"][-1]
    assert latest[2] == "%echo after the restart"
    assert latest[0] == before[0] + 1, "a restarted kernel starts a new history session"


def test_interrupt_stops_a_remote_query_and_keeps_the_session(kernel, shared_data):
    """A query on the replayed Sentinel workspace (conftest's `soc` source) whose answer
    takes a minute: the cell's progress line counts the seconds waited, in place, and an
    interrupt ends the request at once, leaving the session's frames."""
    km, kc = kernel
    content, _ = run(kc, f"logons = %load {shared_data}/msticpy/logons/localdata_host_logons.csv")
    assert content["status"] == "ok"
    msg_id = kc.execute("%%query --source soc\nSlowTable_CL | take 10")
    waited = []
    deadline = time.monotonic() + TIMEOUT
    while not any("waiting for the service: 2 s" in w for w in waited):
        assert time.monotonic() < deadline, waited
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "update_display_data":
            waited.append(msg["content"]["data"]["text/plain"])
    assert any("waiting for the service: 1 s" in w for w in waited), waited
    km.interrupt_kernel()
    # The answer would take 60 s; TIMEOUT is half that: only an interrupted request answers.
    interrupted_and_logons_kept(kc, msg_id)
