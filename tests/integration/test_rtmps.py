"""RTMPS: nginx-rtmp behind a real TLS terminator (stunnel4) with a CA made here.

Push through rtmps:// and pull back through the same TLS port; a server whose
certificate the studio cannot verify fails the output with what, where and the
fix, and the stream key never goes to it.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from studio.media.engine import Pipeline
from studio.media.outputs.rtmp import RtmpOutput
from studio.messages import render
from tests.integration.conftest import wait_for
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp, free_port, port_open

pytestmark = pytest.mark.rtmp


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def make_ca(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert, key)."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
             "-out", "ca.pem", "-days", "2", "-subj", f"/CN={name} test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
             "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=folder)  # fmt: skip
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-out", "server.pem", "-days", "2",
             "-extfile", "ext.cnf", cwd=folder)  # fmt: skip
    return folder / "ca.pem", folder / "server.pem", folder / "server.key"


@dataclass
class Terminator:
    port: int
    ca: Path
    log: Path

    def url(self, key: str) -> str:
        return f"rtmps://127.0.0.1:{self.port}/live/{key}"


@contextmanager
def stunnel(folder: Path, ca_name: str, backend_port: int) -> Iterator[Terminator]:
    """stunnel4 on a loopback port with a certificate of its own CA, plain RTMP behind."""
    binary = shutil.which("stunnel4") or shutil.which("stunnel")
    assert binary, "stunnel4 is not installed: run packaging/setup.sh --test"
    ca, cert, key = make_ca(folder / "pki", ca_name)
    port = free_port()
    conf = folder / "stunnel.conf"
    log = folder / "stunnel.log"
    conf.write_text(
        f"foreground = yes\npid =\noutput = {log}\ndebug = 5\n"
        f"[rtmps]\naccept = 127.0.0.1:{port}\nconnect = 127.0.0.1:{backend_port}\n"
        f"cert = {cert}\nkey = {key}\n"
    )
    proc = subprocess.Popen([binary, str(conf)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while not port_open(port):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "stunnel did not open its port"
            time.sleep(0.05)
        yield Terminator(port, ca, log)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
def tls(nginx_rtmp: NginxRtmp, tmp_path: Path) -> Iterator[Terminator]:
    """stunnel4 on a loopback port: TLS in front, plain RTMP to nginx behind."""
    with stunnel(tmp_path, "studio", nginx_rtmp.port) as term:
        yield term


class FirstToGenuine:
    """A TCP relay that sends its first connection to ``genuine`` and every later one to
    ``impostor``: an interceptor that lets a first check through and takes what follows."""

    def __init__(self, genuine: int, impostor: int) -> None:
        self.targets = [genuine, impostor]
        self.accepted = 0
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, name="relay", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            target = self.targets[min(self.accepted, 1)]
            self.accepted += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", target))
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def close(self) -> None:
        self.server.close()


def test_push_through_rtmps_and_pull_back_through_tls(
    pipeline: Pipeline, tls: Terminator, nginx_rtmp: NginxRtmp
) -> None:
    out = RtmpOutput(tls.url("tls-store"), ca_file=str(tls.ca))
    pipeline.add_output(out)
    pipeline.start()
    assert wait_for(lambda: out.state == "live", 15), (out.state, out.reason)
    sink = out._sink
    assert sink is not None and sink.unused == [], "FFmpeg's TLS took no tls_verify/ca_file"
    pulled = read_media(tls.url("tls-store"), seconds=4)  # back through stunnel
    assert not pulled.error, pulled.error
    assert (pulled.width, pulled.height) == (640, 360)
    assert len(pulled.video_times) >= 60  # 4 s at 30 fps, with slack for the shared machine
    assert len({c for c in pulled.codes if c is not None}) >= 30  # distinct frames, moving
    plain = read_media(nginx_rtmp.url("tls-store"), seconds=1)  # nginx itself has it too
    assert not plain.error and plain.video_times
    assert out.stats.reconnects == 0 and out.stats.dropped_network == 0
    assert "tls-store" not in out.name  # the key stays masked


def test_a_certificate_the_studio_cannot_verify_fails_with_what_where_and_fix(
    pipeline: Pipeline, tls: Terminator, nginx_rtmp: NginxRtmp
) -> None:
    out = RtmpOutput(tls.url("secret-key-123"))  # the test CA is not trusted
    pipeline.add_output(out)
    pipeline.start()
    assert wait_for(lambda: out.state == "failed", 15), (out.state, out.reason)
    where = f"127.0.0.1:{tls.port}"
    assert f"the certificate of {where} cannot be verified" in out.reason
    assert "--ca-file" in out.reason and "secret-key-123" not in out.reason
    assert out.message is not None and out.message.id == "output.certificate"
    zh = render(out.message.id, out.message.params, "zh")
    assert where in zh and "证书无法验证" in zh
    assert out.stats.reconnects == 0  # no retry loop against a server it cannot trust
    assert read_media(nginx_rtmp.url("secret-key-123"), seconds=1, open_timeout=3).error


def test_a_certificate_signed_by_another_ca_is_refused_too(
    pipeline: Pipeline, tls: Terminator, tmp_path: Path
) -> None:
    other, _, _ = make_ca(tmp_path / "other", "other")
    out = RtmpOutput(tls.url("k2"), ca_file=str(other))
    pipeline.add_output(out)
    pipeline.start()
    assert wait_for(lambda: out.state == "failed", 15), (out.state, out.reason)
    assert out.message is not None and out.message.id == "output.certificate"


def test_the_stream_connection_itself_is_verified_not_only_the_first_check(
    pipeline: Pipeline, tls: Terminator, nginx_rtmp: NginxRtmp, tmp_path: Path
) -> None:
    """The reachability check (Python's TLS) and FFmpeg's connection are two connections: an
    interceptor that lets the first through to the real server must not get the key on the
    second. FFmpeg verifies the chain and the host name as Python does."""
    with stunnel(tmp_path / "impostor", "impostor", nginx_rtmp.port) as impostor:
        relay = FirstToGenuine(tls.port, impostor.port)
        try:
            out = RtmpOutput(
                f"rtmps://127.0.0.1:{relay.port}/live/intercepted-key-7", ca_file=str(tls.ca)
            )
            pipeline.add_output(out)
            pipeline.start()
            assert wait_for(lambda: out.state == "failed", 30), (out.state, out.reason)
        finally:
            relay.close()
    assert relay.accepted >= 2, "the stream never tried the connection after the check"
    assert out.stats.video_frames_sent == 0
    assert out.message is not None and out.message.id == "output.certificate", out.reason
    assert "intercepted-key-7" not in out.reason
    # the impostor relays to the same nginx: a stream under the key would be there
    assert read_media(nginx_rtmp.url("intercepted-key-7"), seconds=1, open_timeout=3).error


def test_cli_rtmps_with_and_without_the_ca_file(tls: Terminator, nginx_rtmp: NginxRtmp) -> None:
    base = [sys.executable, "-m", "studio", "live", "--audio", "none", "--size", "640x360"]
    ok = subprocess.run(
        [*base, "--duration", "3", "--output", tls.url("cli"), "--ca-file", str(tls.ca)],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "every output failed" not in ok.stderr
    bad = subprocess.run(
        [*base, "--duration", "20", "--output", tls.url("cli-key-9")],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr and "cli-key-9" not in bad.stderr
    last = bad.stderr.strip().splitlines()[-1]
    assert last.startswith("studio: every output failed") and "cannot be verified" in last
