"""Checks done before anything starts, and fallbacks said out loud (backend, live, demo)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.nginx_rtmp import free_port


def studio(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "studio", *args], capture_output=True, text=True, timeout=90
    )


def test_backend_refuses_a_db_in_a_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nonexistent"
    r = studio("backend", "--port", str(free_port()), "--db", str(missing / "x.db"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"studio: --db {missing / 'x.db'}: the folder {missing} does not exist "
        "— create it or pick another folder"
    ]
    assert not missing.exists()  # not created behind the user's back


def test_hardware_encoder_fallback_is_one_warning_line(tmp_path: Path) -> None:
    # no NVIDIA encoder on the test machine; on one that has it there is nothing to warn about
    r = studio("live", "--encoder", "nvenc", "--size", "640x360", "--duration", "1",
               "--record", str(tmp_path / "a.mkv"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    if "(h264_nvenc)" in r.stdout:
        return
    warnings = [x for x in r.stderr.splitlines() if x.startswith("studio: warning:")]
    assert len(warnings) == 1, r.stderr
    assert "--encoder nvenc" in warnings[0] and "libx264" in warnings[0]


def test_demo_checks_the_output_url_before_starting_its_backend(tmp_path: Path) -> None:
    r = studio("demo", "--output", "ftp://x", "--record", str(tmp_path / "d.mkv"))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert "not an RTMP URL" in r.stderr.strip().splitlines()[-1]
    assert "demo backend" not in r.stdout
