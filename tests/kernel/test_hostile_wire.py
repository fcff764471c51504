"""Hostile neighbours on the wire: whoever can reach a kernel port, with or without the
key, must not be able to take the kernel down, grow it without end, or flood its log.
Each test attacks a real kernel process, then shows it alive with the session's frames
intact."""

import os
import socket
import struct
import time
from pathlib import Path

import pytest
import zmq
from jupyter_client.manager import start_new_kernel

from cells import KEEP, TIMEOUT, run

PORTS = ("shell_port", "control_port", "stdin_port", "iopub_port", "hb_port")
# A ZMTP 3.0 greeting: signature, version, the NULL mechanism, as-server 0, filler.
GREETING = b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 0]) + b"NULL".ljust(20, b"\x00") + b"\x00" * 32
assert len(GREETING) == 64


def start(tmp_path, **env):
    """A kernel whose standard error goes to a file the test can read."""
    log = open(tmp_path / "kernel.log", "w")
    extra = dict(os.environ, **env)
    km, kc = start_new_kernel(kernel_name="huntbook", stderr=log, env=extra)
    return km, kc, tmp_path / "kernel.log"


@pytest.fixture
def kernel(tmp_path):
    km, kc, log = start(tmp_path)
    yield km, kc, log
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def assert_alive_with(kc, name):
    """The kernel answers on shell, control and heartbeat, and still holds frame `name`."""
    assert kc.is_alive()
    kc.kernel_info()
    assert kc.get_shell_msg(timeout=TIMEOUT)["msg_type"] == "kernel_info_reply"
    msg = kc.session.msg("kernel_info_request")
    kc.control_channel.send(msg)
    assert kc.get_control_msg(timeout=TIMEOUT)["msg_type"] == "kernel_info_reply"
    content, outputs = run(kc, "%vars")
    assert content["status"] == "ok"
    shown = "".join(str(m["content"].get("data", {}).get("text/plain", "")) for m in outputs)
    assert name in shown, shown


def read_until_closed(sock, limit_seconds=10):
    """Reads what the kernel sends until it closes the connection; fails if it does not."""
    sock.settimeout(limit_seconds)
    received = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            pytest.fail(f"the kernel kept the connection open after a hostile frame ({len(received)} bytes read)")
        if not chunk:
            return received
        received += chunk


def rss_kib(km):
    status = Path(f"/proc/{km.provisioner.process.pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))


def test_a_frame_claiming_a_terabyte_closes_that_connection_only(kernel):
    """73 bytes before any signature check: the ZMTP greeting, then a long-frame header
    declaring 1 TiB. Upstream zeromq reserved the declared length and the process aborted."""
    km, kc, _ = kernel
    assert run(kc, KEEP)[0]["status"] == "ok"
    info = km.get_connection_info()
    for port in PORTS:
        with socket.create_connection((info["ip"], info[port])) as sock:
            sock.sendall(GREETING + bytes([0x02]) + struct.pack(">Q", 1 << 40))
            answered = read_until_closed(sock)
            assert answered[:1] == b"\xff", f"{port}: no ZMTP greeting before the close"
    assert km.is_alive()
    assert_alive_with(kc, "kept")


def test_oversized_and_many_framed_messages_are_refused_after_the_handshake(tmp_path):
    """Through a real ZeroMQ peer that completed the handshake, properly signed requests:
    one over the limit (set to 1 MiB here with HUNTBOOK_MAX_MESSAGE_MB) and one carrying
    5,000 buffer frames are refused and that peer's connection closed; the same requests
    within the limits are answered."""
    km, kc, _ = start(tmp_path, HUNTBOOK_MAX_MESSAGE_MB="1")
    try:
        assert run(kc, KEEP)[0]["status"] == "ok"
        info = km.get_connection_info()
        ctx = zmq.Context.instance()

        def answered(code, buffers):
            sock = ctx.socket(zmq.DEALER)
            sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
            msg = kc.session.msg("execute_request", {"code": code, "silent": True, "store_history": False})
            sock.send_multipart(kc.session.serialize(msg) + buffers)
            got = sock.poll(5000) != 0
            sock.close(0)
            return got

        assert answered("%echo " + "a" * 600_000, [b""] * 10), "a request within the limits was not answered"
        assert not answered("%echo " + "a" * 2_000_000, []), "the kernel answered a message over its size limit"
        assert not answered("%echo small", [b""] * 5000), "the kernel answered a message of 5,000 frames"
        assert_alive_with(kc, "kept")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_flood_of_signed_requests_does_not_grow_the_kernel(kernel):
    """While a cell waits at a prompt, 100,000 signed requests arrive on shell. The kernel
    queues a bounded number and stops reading; before, every one was queued (790 MB)."""
    km, kc, _ = kernel
    assert run(kc, KEEP)[0]["status"] == "ok"
    cell = kc.execute("%secret virustotal", allow_stdin=True)
    assert kc.get_stdin_msg(timeout=TIMEOUT)["msg_type"] == "input_request"
    before = rss_kib(km)
    info = km.get_connection_info()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.SNDHWM, 1000)
    sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    sent, blocked_since = 0, None
    while sent < 100_000:
        msg = kc.session.msg("kernel_info_request", {"pad": "x" * 400})
        try:
            sock.send_multipart(kc.session.serialize(msg), flags=zmq.NOBLOCK)
            sent, blocked_since = sent + 1, None
        except zmq.Again:
            blocked_since = blocked_since or time.monotonic()
            if time.monotonic() - blocked_since > 3:
                break
            time.sleep(0.05)
    grown_mib = (rss_kib(km) - before) / 1024
    sock.close(0)
    assert sent < 100_000, "the kernel read every request while its shell was busy: its queue is unbounded"
    assert grown_mib < 150, f"the kernel grew by {grown_mib:.0f} MiB under {sent} queued requests"
    kc.input("s3cr3t-api-key")
    while True:
        reply = kc.get_shell_msg(timeout=120)
        if reply["parent_header"].get("msg_id") == cell:
            break
    assert reply["content"]["status"] == "ok"
    assert_alive_with(kc, "kept")


def test_the_dropped_message_warning_is_throttled(kernel):
    """2,000 forged messages make at most a minute's worth of warnings (20) and one line
    saying the rest are held back."""
    km, kc, log = kernel
    info = km.get_connection_info()
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
    for i in range(2000):
        sock.send_multipart([b"<IDS|MSG>", b"forged", b"{}", b"{}", b"{}", str(i).encode()])
    # One peer's messages are read in order: when this one is answered, all were read.
    kc.session.send(sock, "kernel_info_request")
    assert sock.poll(TIMEOUT * 1000), "the kernel did not answer after the forged messages"
    sock.close(0)
    assert_alive_with(kc, "")
    text = log.read_text()
    dropped = text.count("dropped a message on shell")
    assert 1 <= dropped <= 20, f"{dropped} warnings for 2,000 forged messages"
    assert "held back" in text
