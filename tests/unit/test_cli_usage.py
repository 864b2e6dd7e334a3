"""What a new user hits first: bad files and URLs, no terminal, --help naming the variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.rehearsal.report import FORMAT


def studio(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m studio ARGS`` with no terminal at all (stdin closed, own session)."""
    return subprocess.run(
        [sys.executable, "-m", "studio", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # no controlling terminal: getpass cannot open /dev/tty
        env=env,
    )


def one_clear_line(r: subprocess.CompletedProcess[str], needle: str) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("studio: ") and needle in lines[0], lines[0]
    return lines[0]


def test_compare_missing_reports(tmp_path: Path) -> None:
    r = studio("rehearse", "--out", str(tmp_path), "--compare", "/nope.json", "/nope2.json")
    one_clear_line(r, "--compare /nope.json: no such file")


def test_compare_with_a_file_that_is_not_json(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"format": FORMAT, "take": 1}), "utf-8")
    r = studio("rehearse", "--out", str(tmp_path), "--compare", str(report), "/etc/hostname")
    one_clear_line(r, "--compare /etc/hostname is not a take report")


def _without_wall_password() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "STUDIO_WALL_PASSWORD"}


def test_wall_without_terminal_or_password_names_the_variable() -> None:
    r = studio("wall", "--backend", "http://127.0.0.1:1", env=_without_wall_password())
    one_clear_line(r, "STUDIO_WALL_PASSWORD")
    assert "echoed" not in r.stderr


def test_wall_checks_the_url_before_asking_for_the_password() -> None:
    r = studio("wall", "--backend", "ftp://x", env=_without_wall_password())
    one_clear_line(r, "--backend 'ftp://x' is not an http(s) URL")


@pytest.mark.parametrize(
    ("command", "variable"),
    [
        (["wall"], "STUDIO_WALL_PASSWORD"),
        (["live"], "STUDIO_BACKEND_PASSWORD"),
        (["sync"], "STUDIO_BACKEND_PASSWORD"),
        (["sync", "flush"], "STUDIO_BACKEND_PASSWORD"),
    ],
)
def test_help_names_the_password_variable(command: list[str], variable: str) -> None:
    r = studio(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert "environment:" in r.stdout and variable in r.stdout.split("environment:")[1]
