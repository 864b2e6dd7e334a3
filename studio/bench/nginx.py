"""A real nginx with the RTMP module on a loopback port, started by the bench itself.

The product cannot import tests/, so this is the bench's own copy of
``tests/nginx_rtmp.py``: a temp config, one worker, one loopback port.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from studio.ports import free_port, port_open

MODULE_CANDIDATES = (
    "/usr/lib/nginx/modules/ngx_rtmp_module.so",
    "/usr/lib64/nginx/modules/ngx_rtmp_module.so",
)

CONF = """
load_module {module};
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        chunk_size 4096;
        application live {{
            live on;
            record off;
            wait_key on;
        }}
        application closed {{
            live on;
            deny publish all;
        }}
    }}
}}
"""


def available() -> bool:
    """True when nginx and its RTMP module are installed (else the bench uses a null sink)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    return Path(nginx).exists() and any(Path(m).exists() for m in MODULE_CANDIDATES)


class NginxRtmp:
    """``start`` it, push/pull ``url(key)``, ``stop`` it (or use it as a context manager)."""

    def __init__(self, prefix: Path, port: int | None = None) -> None:
        self.nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        module = next((m for m in MODULE_CANDIDATES if Path(m).exists()), None)
        if module is None or not Path(self.nginx).exists():
            raise RuntimeError(
                "nginx with the RTMP module is not installed: run packaging/setup.sh"
            )
        self.prefix = prefix
        self.port = port or free_port()
        prefix.mkdir(parents=True, exist_ok=True)
        (prefix / "logs").mkdir(exist_ok=True)
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(CONF.format(module=module, prefix=prefix, port=self.port))
        self.proc: subprocess.Popen[bytes] | None = None

    def url(self, key: str, app: str = "live") -> str:
        return f"rtmp://127.0.0.1:{self.port}/{app}/{key}"

    def start(self, timeout: float = 10.0) -> None:
        self._close_pipe()  # a restart after kill(): the old process's pipe goes
        self.proc = subprocess.Popen(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.conf)],
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise RuntimeError(f"nginx exited: {err}")
            if port_open(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("nginx did not open its port")

    def kill(self) -> None:
        """SIGKILL the whole process group: the server vanishes as in a crash."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)
        self._close_pipe()
        deadline = time.monotonic() + 5
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def __enter__(self) -> NginxRtmp:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._close_pipe()

    def _close_pipe(self) -> None:
        """The stderr pipe kept for start()'s error message, closed once nginx is gone."""
        if self.proc and self.proc.poll() is not None and self.proc.stderr:
            self.proc.stderr.close()
