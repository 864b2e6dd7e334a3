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


MARKED = STUCK.replace("import ctypes\n", "import ctypes\n\nimport pytest\n").replace(
    "def test_stuck_in_c", "@pytest.mark.timeout(3)\ndef test_stuck_in_c"
)
INI = """[pytest]
timeout = 1
faulthandler_timeout = 3
faulthandler_exit_on_timeout = true
"""


def _run_stuck(tmp_path: Path, test: str) -> str:
    (tmp_path / "conftest.py").write_text((ROOT / "tests" / "conftest.py").read_text("utf-8"))
    (tmp_path / "pytest.ini").write_text(INI)
    (tmp_path / "test_stuck.py").write_text(test)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "test_stuck.py", "-q", "-p", "no:cacheprovider",
         "--rootdir", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "STUDIO_TEST_HANG_MARGIN": "2"},
    )  # fmt: skip
    assert run.returncode == 1, run.stdout + run.stderr
    return run.stdout + run.stderr


def test_the_ini_faulthandler_timeout_ends_a_stuck_test(tmp_path: Path) -> None:
    # as the project's pyproject.toml: faulthandler_timeout = timeout + margin, exiting
    out = _run_stuck(tmp_path, STUCK)
    assert "Timeout (0:00:03)!" in out
    assert 'test_stuck.py", line 10 in test_stuck_in_c' in out


def test_a_timeout_marker_moves_the_guard_past_the_ini_faulthandler_timeout(
    tmp_path: Path,
) -> None:
    # pytest arms faulthandler at 3 s; the conftest re-arms the same timer at 3 + 2 s
    out = _run_stuck(tmp_path, MARKED)
    assert "Timeout (0:00:05)!" in out
    assert "Timeout (0:00:03)!" not in out
    assert 'test_stuck.py", line 13 in test_stuck_in_c' in out
