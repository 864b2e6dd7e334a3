"""What every soak needs: its own Xvfb, the window as a real process, screenshots, RSS, logs.

The window runs as ``python -m tests.soak.driver MODE ...`` (the real ``studio gui`` /
``studio wall`` entry point plus a small driver that clicks what a person would
click) on a fresh Xvfb. The driver prints ``SOAK {json}`` status lines on stdout and
reads commands (``close``) on stdin. Here we watch it from outside: the process's
RSS (psutil), root-window screenshots (``import -window root``), the studio's log
directory and the process's stderr.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
PREFIX = "SOAK "

# what must never appear in the studio's log or the window process's stderr
PROBLEM = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback \(most recent call last\)|Fatal Python error")

SUMMARIES: list[str] = []  # one line per soak, printed at the end of the session (conftest)


def scale() -> float:
    """STUDIO_SOAK_SCALE shortens every soak while developing (default 1.0: real durations)."""
    value = float(os.environ.get("STUDIO_SOAK_SCALE", "1.0") or 1.0)
    if value <= 0:
        raise ValueError("STUDIO_SOAK_SCALE must be > 0")
    return value


def scaled(seconds: float, floor: float = 1.0) -> float:
    return max(floor, seconds * scale())


# ---- X server ------------------------------------------------------------------------
@contextmanager
def xvfb(size: str = "1600x900") -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (``-displayfd``: no races)."""
    assert shutil.which("Xvfb") and shutil.which("import"), (
        "run packaging/setup.sh (xvfb, imagemagick)"
    )
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as r:
            number = r.readline().strip().decode()
        assert number.isdigit(), f"Xvfb did not report a display (exit {proc.poll()})"
        yield f":{number}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def screenshot(display: str, path: Path) -> np.ndarray:
    """The whole screen as a user would see it (RGB array); the PNG is kept in artifacts/."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["import", "-display", display, "-window", "root", str(path)],
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return np.asarray(Image.open(path).convert("RGB"))


def changed_pixels(
    a: np.ndarray, b: np.ndarray, box: tuple[int, int, int, int] | None = None
) -> int:
    """Pixels that differ by more than compression-free noise (any channel > 24) in ``box``."""
    if box is not None:
        x0, y0, x1, y1 = box
        a, b = a[y0:y1, x0:x1], b[y0:y1, x0:x1]
    diff = np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=2)
    return int((diff > 24).sum())


# ---- the window process -----------------------------------------------------------------
@dataclass
class RssSample:
    t: float  # seconds since the process started
    rss_mb: float  # the window process
    children_mb: float  # its child processes (the embedded demo backend)


@dataclass
class WindowProcess:
    """``python -m tests.soak.driver ARGS`` on ``display``, watched from outside."""

    args: list[str]
    display: str
    env: dict[str, str]
    stderr_path: Path
    proc: subprocess.Popen[str] | None = None
    statuses: list[dict[str, Any]] = field(default_factory=list)
    other_stdout: list[str] = field(default_factory=list)
    rss: list[RssSample] = field(default_factory=list)
    started_at: float = 0.0
    children_seen: set[int] = field(default_factory=set)
    _events: queue.Queue[dict[str, Any]] = field(default_factory=queue.Queue)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        env = dict(
            os.environ,
            **self.env,
            DISPLAY=self.display,
            QT_QPA_PLATFORM="xcb",
            PYTHONPATH=str(ROOT),
            PYTHONFAULTHANDLER="1",  # a native crash prints where it happened
            PYTHONUNBUFFERED="1",
        )
        self.stderr_path.parent.mkdir(parents=True, exist_ok=True)
        err = self.stderr_path.open("w", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.soak.driver", *self.args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            encoding="utf-8",
        )
        err.close()
        self.started_at = time.monotonic()
        for target, name in ((self._read_stdout, "soak-stdout"), (self._sample_rss, "soak-rss")):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _read_stdout(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith(PREFIX):
                status = json.loads(line[len(PREFIX) :])
                status["rx"] = round(time.monotonic() - self.started_at, 2)  # our clock
                self.statuses.append(status)
                self._events.put(status)
            else:
                self.other_stdout.append(line.rstrip("\n"))

    def _sample_rss(self, every: float = 5.0) -> None:
        try:
            ps = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            try:
                kids = ps.children(recursive=True)
                self.children_seen.update(k.pid for k in kids)
                kids_mb = 0.0
                for k in kids:
                    with suppress(psutil.Error):
                        kids_mb += k.memory_info().rss / 2**20
                self.rss.append(
                    RssSample(
                        round(time.monotonic() - self.started_at, 1),
                        round(ps.memory_info().rss / 2**20, 1),
                        round(kids_mb, 1),
                    )
                )
            except psutil.Error:
                return
            self._stop.wait(every)

    def rss_now(self) -> float:
        return round(psutil.Process(self.pid).memory_info().rss / 2**20, 1)

    def send(self, command: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def latest(self) -> dict[str, Any]:
        return self.statuses[-1] if self.statuses else {}

    def wait_for(
        self, pred: Callable[[dict[str, Any]], bool], timeout: float, what: str
    ) -> dict[str, Any]:
        """The first status line (old or new) where ``pred`` holds; fails if the process dies."""
        for s in list(self.statuses):
            if pred(s):
                return s
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                s = self._events.get(timeout=0.5)
            except queue.Empty:
                assert self.alive(), f"window process died waiting for {what}: {self.tail()}"
                continue
            if pred(s):
                return s
            assert not str(s.get("phase", "")).startswith("failed"), s
        raise AssertionError(
            f"timed out ({timeout:.0f} s) waiting for {what}; last {self.latest()}"
        )

    def run_for(self, seconds: float, every: Callable[[], None] | None = None) -> None:
        """Keep the soak going ``seconds``, failing at once if the process dies."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            assert self.alive(), f"window process died mid-soak: {self.tail()}"
            time.sleep(min(2.0, left))
            if every is not None:
                every()

    def close(self, timeout: float = 60.0) -> int:
        """Ask the driver to close the window as a user would; the exit code."""
        assert self.proc is not None
        if self.alive():
            self.send("close")
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)  # the driver's faulthandler: every stack
            time.sleep(2)
            self.kill()
            raise AssertionError(
                f"window did not exit within {timeout:.0f} s of closing: {self.tail(80)}"
            ) from None
        finally:
            self._stop.set()
            self._close_pipes()
        return rc

    def _close_pipes(self) -> None:
        """The window's stdin and stdout, once its output is read to the end (no leaked files)."""
        assert self.proc is not None
        for t in self._threads:
            t.join(10)
        if self.proc.stdin is not None:
            with suppress(OSError):  # a window that died leaves a broken pipe
                self.proc.stdin.close()
        reader_done = not any(t.is_alive() for t in self._threads if t.name == "soak-stdout")
        if self.proc.stdout is not None and reader_done:
            self.proc.stdout.close()

    def kill(self) -> None:
        """Teardown only: the window process and whatever it started, by pid."""
        self._stop.set()
        if self.proc is None:
            return
        pids = set(self.children_seen)
        if self.alive():
            with suppress(psutil.Error):
                pids.update(k.pid for k in psutil.Process(self.pid).children(recursive=True))
            self.proc.kill()
            self.proc.wait(10)
        for pid in pids:
            with suppress(psutil.Error):
                psutil.Process(pid).kill()
        self._close_pipes()

    def orphans(self) -> list[str]:
        """Children of the window still running after it exited (e.g. the demo backend)."""
        out = []
        for pid in sorted(self.children_seen):
            try:
                p = psutil.Process(pid)
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    out.append(f"{pid} {' '.join(p.cmdline())[:120]}")
            except psutil.Error:
                pass
        return out

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, n: int = 30) -> str:
        rc = self.proc.poll() if self.proc else None
        lines = self.stderr_text().splitlines()[-n:]
        return f"exit {rc}; stderr tail:\n" + "\n".join(lines)


def keep_evidence(name: str, win: WindowProcess, logs: Path) -> Path:
    """The window's stderr, status lines and log directory, copied to artifacts/soak-<name>/."""
    out = ARTIFACTS / f"soak-{name}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    if win.stderr_path.is_file():
        shutil.copy(win.stderr_path, out / "stderr.txt")
    (out / "status.jsonl").write_text(
        "".join(json.dumps(s, ensure_ascii=False) + "\n" for s in win.statuses), encoding="utf-8"
    )
    if logs.is_dir():
        shutil.copytree(logs, out / "log")
    return out


# ---- logs -----------------------------------------------------------------------------------
def problems_in(paths: list[Path], extra_text: str = "") -> list[str]:
    """Every log line (and stderr line) with ERROR, CRITICAL, a traceback or a fatal error."""
    found = []
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if not f.is_file():
                continue
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                if PROBLEM.search(line):
                    found.append(f"{f.name}: {line[:300]}")
    for line in extra_text.splitlines():
        if PROBLEM.search(line):
            found.append(f"stderr: {line[:300]}")
    return found


def warnings_in(path: Path) -> list[str]:
    """Distinct WARNING messages in the log directory (recorded, not failed on)."""
    seen: dict[str, int] = {}
    for f in sorted(path.rglob("studio.log*")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            if " WARNING " in line:
                msg = re.sub(r"\d+", "N", line.split(" WARNING ", 1)[1].split(": ", 1)[-1])[:160]
                seen[msg] = seen.get(msg, 0) + 1
    return [f"{n}x {m}" for m, n in sorted(seen.items(), key=lambda kv: -kv[1])]


# ---- the record -------------------------------------------------------------------------------
def record(name: str, summary: dict[str, Any]) -> str:
    """Write artifacts/soak-<name>.json and return (and remember) the one-line summary."""
    ARTIFACTS.mkdir(exist_ok=True)
    summary = {"soak": name, "scale": scale(), **summary}
    (ARTIFACTS / f"soak-{name}.json").write_text(
        json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    line = (
        f"soak {name}: alive={summary.get('alive')} exit={summary.get('exit_code')} "
        f"frames_pulled={summary.get('frames_pulled')} "
        f"rss {summary.get('rss_start_mb')}→{summary.get('rss_end_mb')} MB "
        f"(max {summary.get('rss_max_mb')}) duration {summary.get('duration_s')} s"
    )
    SUMMARIES.append(line)
    print(line, flush=True)
    return line


def rss_figures(samples: list[RssSample], start_after: float) -> dict[str, Any]:
    """RSS at the soak's start (first sample after ``start_after`` s) and end, and its max."""
    steady = [s for s in samples if s.t >= start_after] or samples
    if not steady:
        return {}
    return {
        "rss_start_mb": steady[0].rss_mb,
        "rss_end_mb": steady[-1].rss_mb,
        "rss_max_mb": max(s.rss_mb for s in steady),
        "rss_growth_mb": round(steady[-1].rss_mb - steady[0].rss_mb, 1),
        "children_rss_start_mb": steady[0].children_mb,
        "children_rss_end_mb": steady[-1].children_mb,
        "rss_series": [[s.t, s.rss_mb, s.children_mb] for s in samples],
    }
