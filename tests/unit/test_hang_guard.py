"""A test stuck in C code ends the run with its stack, instead of eating CI's 90 minutes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

STUCK = """
import ctypes


def test_stuck_in_c():
    libc = ctypes.PyDLL(None)  # keeps the GIL, as PySide does through a Qt call
    mutex = ctypes.create_string_buffer(64)
    libc.pthread_mutex_init(mutex, None)
    libc.pthread_mutex_lock(mutex)
    libc.pthread_mutex_lock(mutex)  # never returns; SIGALRM is never handled
"""


def test_a_test_stuck_in_c_ends_the_run_with_its_stack(tmp_path: Path) -> None:
    # the suite's own conftest, on a planted test that pytest-timeout cannot interrupt
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text("utf-8"))
    (tmp_path / "test_stuck.py").write_text(STUCK)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "test_stuck.py", "-q", "-p", "no:cacheprovider",
         "-o", "timeout=1", "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "STUDIO_TEST_HANG_MARGIN": "2"},
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout + run.stderr
    assert "Timeout (0:00:03)!" in out
    assert 'test_stuck.py", line 10 in test_stuck_in_c' in out
