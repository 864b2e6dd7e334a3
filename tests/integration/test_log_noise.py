"""The studio's log keeps what explains a problem, not every HTTP client step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import http.server, threading, httpx
from studio.logsetup import setup_logging
setup_logging(stderr=False)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
with httpx.Client() as c:
    for _ in range(20):
        c.get(f"http://127.0.0.1:{srv.server_address[1]}/")
import logging
logging.getLogger("studio.test").info("twenty requests made")
"""


def test_http_requests_leave_no_client_debug_lines_in_the_log(tmp_path: Path) -> None:
    env = {**os.environ, "STUDIO_LOG_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    log = (tmp_path / "studio.log").read_text("utf-8")
    assert "twenty requests made" in log  # the log was written
    assert "httpcore" not in log and "HTTP Request:" not in log, log[:2000]


BROKEN_VP8 = """
import av, numpy as np
from studio.logsetup import setup_logging
setup_logging(stderr=True)
enc = av.CodecContext.create("libvpx", "w")
enc.width, enc.height, enc.pix_fmt = 320, 180, "yuv420p"
enc.time_base = __import__("fractions").Fraction(1, 20)
packets = []
for i in range(10):
    rgb = np.random.default_rng(i).integers(0, 255, (180, 320, 3), np.uint8)
    f = av.VideoFrame.from_ndarray(rgb, "rgb24")
    f.pts = i
    packets += enc.encode(f.reformat(format="yuv420p"))
dec = av.CodecContext.create("libvpx", "r")
for i, p in enumerate(packets):
    data = bytes(p)
    if i == 5:
        data = data[: len(data) // 3]  # a packet lost on the way
    try:
        dec.decode(av.Packet(data))
    except av.error.FFmpegError:
        pass
"""


def test_a_guests_vp8_picture_broken_by_a_lost_packet_is_a_warning(tmp_path: Path) -> None:
    """libvpx's complaint about a truncated picture (a lost UDP packet under load) reaches
    the log as a warning: aiortc asks for a keyframe, nothing is wrong with the studio."""
    env = {**os.environ, "STUDIO_LOG_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", BROKEN_VP8], cwd=tmp_path, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    log = (tmp_path / "studio.log").read_text("utf-8")
    vpx = [ln for ln in log.splitlines() if "libav.libvpx" in ln]
    assert vpx, log[-2000:]  # libvpx did complain
    assert all(" WARNING " in ln for ln in vpx) and " ERROR " not in log
    assert "ERROR" not in r.stderr
