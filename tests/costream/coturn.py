"""A real coturn (``turnserver`` from Debian) on a loopback port, long-term credentials.

Started with a temp config and killed with its parent (``PR_SET_PDEATHSIG``: the
fixture starts it from pytest's main thread, which lives as long as the run).
"""

from __future__ import annotations

import ctypes
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.ports import free_port, port_open

USER, PASSWORD, REALM = "studio", "turn-test-pw-5c1e", "studio.test"


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def start_coturn(work: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    low = 49152 + port % 10000
    conf = work / "turnserver.conf"
    conf.write_text(
        "\n".join(
            [
                "listening-ip=127.0.0.1",
                "relay-ip=127.0.0.1",
                f"listening-port={port}",
                f"min-port={low}",
                f"max-port={low + 200}",
                "lt-cred-mech",
                f"user={USER}:{PASSWORD}",
                f"realm={REALM}",
                "allow-loopback-peers",  # both peers are on this machine
                "no-tls",
                "no-dtls",
                "no-cli",
                "no-multicast-peers",
                f"pidfile={work / 'turnserver.pid'}",
                f"log-file={work / 'turn.log'}",
                "simple-log",
                "verbose",
            ]
        )
        + "\n"
    )
    proc = subprocess.Popen(
        ["turnserver", "-c", str(conf), "--no-stdout-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=_die_with_parent,  # noqa: PLW1509 - the one way to die with the parent
    )
    deadline = time.monotonic() + 10
    while not port_open(port):  # coturn listens on TCP and UDP alike
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"turnserver did not start (see {work / 'turn.log'})")
        time.sleep(0.1)
    return proc, port


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[dict[str, object]]:
    if shutil.which("turnserver") is None:
        pytest.fail("turnserver (coturn) is not installed: apt-get install coturn")
    proc, port = start_coturn(tmp_path)
    try:
        yield {
            "urls": [f"turn:127.0.0.1:{port}?transport=udp"],
            "username": USER,
            "credential": PASSWORD,
            "log": tmp_path,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
