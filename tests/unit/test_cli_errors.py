"""Bad input: one clear line naming the problem and the fix, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CASES = [
    (["live", "--source", "nope", "--record", "{tmp}/a.mkv"], "unknown source"),
    (["live", "--source", "file:{tmp}/missing.mp4", "--record", "{tmp}/a.mkv"], "does not exist"),
    (["live", "--source", "camera:0", "--record", "{tmp}/a.mkv"], "camera"),
    (["live", "--source", "url:rtmp://host-only", "--record", "{tmp}/a.mkv"], "app or stream"),
    (["live", "--output", "http://x/y", "--duration", "1"], "not an RTMP URL"),
    (["live", "--output", "rtmp://h:99999/live/k"], "bad port"),
    (["live", "--size", "1000x1000", "--record", "{tmp}/a.mkv"], "not supported"),
    (["live", "--fps", "12.5", "--record", "{tmp}/a.mkv"], "not supported"),
    (["live", "--bitrate", "lots", "--record", "{tmp}/a.mkv"], "not a bitrate"),
    (["live", "--record", "/proc/nope/show.mkv"], "does not exist"),
    (["live", "--record", "/sys/show.mkv"], "cannot write"),
    (["live", "--record", "{tmp}/show.mp4"], ".mkv"),
    (["live"], "nothing to do"),
    (["live", "--duration", "-3", "--record", "{tmp}/a.mkv"], "positive"),
    (["live", "--bogus-flag"], "unrecognized arguments"),
]


@pytest.mark.parametrize(("argv", "needle"), CASES, ids=[c[1] for c in CASES])
def test_bad_input_is_one_line_and_exit_2(argv: list[str], needle: str, tmp_path: Path) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    r = subprocess.run(
        [sys.executable, "-m", "studio", *args], capture_output=True, text=True, timeout=60
    )
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert needle in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith(("studio: ", "studio: error:"))
    assert not list(tmp_path.glob("*.mkv"))  # nothing half-written


def test_devices_lists_without_hardware() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "studio", "devices", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0
    import json

    data = json.loads(r.stdout)
    assert data["cameras"] == [] and isinstance(data["microphones"], list)
