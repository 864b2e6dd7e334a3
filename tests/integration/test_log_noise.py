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
