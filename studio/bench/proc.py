"""Run a measured child process and account its CPU exactly (``wait4`` rusage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ChildResult:
    returncode: int
    cpu_s: float  # user + system of the child and all its threads, from wait4
    wall_s: float
    maxrss_mb: float
    events: list[dict[str, Any]] = field(default_factory=list)
    stderr: str = ""

    @property
    def result(self) -> dict[str, Any]:
        for ev in reversed(self.events):
            if ev.get("event") == "result":
                return ev
        raise RuntimeError(f"child gave no result (exit {self.returncode}): {self.stderr[-800:]}")


def child_env() -> dict[str, str]:
    """The environment for ``python -m studio...``: this checkout first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_measured(
    cmd: list[str],
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = 900.0,
) -> ChildResult:
    """Run ``cmd``; call ``on_ready`` on its ``ready`` JSON line; reap it with ``wait4``."""
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        start_new_session=True,
    )
    events: list[dict[str, Any]] = []
    err_chunks: list[str] = []
    err_thread = threading.Thread(
        target=lambda: err_chunks.append(proc.stderr.read() if proc.stderr else ""),
        name="bench-child-stderr",
        daemon=True,
    )
    err_thread.start()
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.strip()
            if not line.startswith("{"):
                continue
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            events.append(ev)
            if ev.get("event") == "ready" and on_ready is not None:
                on_ready(ev)
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err_thread.join(5)
    for pipe in (proc.stdout, proc.stderr):  # read to the end; closing them is ours
        if pipe is not None:
            pipe.close()
    return ChildResult(
        returncode=proc.returncode,
        cpu_s=usage.ru_utime + usage.ru_stime,
        wall_s=time.monotonic() - started,
        maxrss_mb=usage.ru_maxrss / 1024,
        events=events,
        stderr="".join(err_chunks),
    )


def run_child_job(
    spec: dict[str, Any],
    on_ready: Callable[[dict[str, Any]], None] | None = None,
    timeout: float = 900.0,
) -> ChildResult:
    """Run one :mod:`studio.bench.child` job in a fresh interpreter."""
    cmd = [sys.executable, "-m", "studio.bench.child", json.dumps(spec)]
    res = run_measured(cmd, on_ready, timeout)
    if res.returncode != 0:
        raise RuntimeError(
            f"bench child {spec['job']} failed ({res.returncode}): {res.stderr.strip()[-800:]}"
        )
    return res
