"""OpenCV runs without its thread pool in every entry point. It reads these settings once,
at its first parallel call: whatever uses cv2 first must already have imported ``studio``
(which sets them). Each entry point is imported in a fresh interpreter, then asked."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("entry", ["studio.cli", "ui.app", "ui.main_window", "studio.bench.child"])
def test_opencv_has_one_thread_and_does_not_spin(entry: str) -> None:
    code = (
        f"import {entry}, os, cv2; "
        "print(cv2.getNumThreads(), os.environ['OPENCV_THREAD_POOL_ACTIVE_WAIT_WORKER'])"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1", "0"]


@pytest.mark.parametrize("entry", ["studio.cli", "ui.app", "studio.bench.child"])
def test_importing_starts_no_blas_threads(entry: str) -> None:
    """numpy's and OpenCV's OpenBLAS would each start a thread per core at load, spinning
    for a tenth of a second: with ``studio`` imported first the process stays one thread."""
    code = f"import {entry}, os, numpy, cv2, av; print(len(os.listdir('/proc/self/task')))"
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1"]
