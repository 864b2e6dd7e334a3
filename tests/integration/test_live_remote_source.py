"""`studio live --source url:…`: a remote stream that never plays fails; one that plays not."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp, free_port


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "STUDIO_LOG_DIR": str(tmp_path / "logs")}


def test_a_remote_source_that_never_plays_exits_1_with_one_error_line(
    studio_cmd: list[str], tmp_path: Path
) -> None:
    url = f"rtmp://127.0.0.1:{free_port()}/live/guestkey9"  # nothing listens there
    rec = tmp_path / "show.mkv"
    done = subprocess.run(
        [*studio_cmd, "live", "--source", f"url:{url}", "--record", str(rec), "--duration", "4"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    errors = [ln for ln in done.stderr.splitlines() if ln.startswith("studio: error:")]
    assert len(errors) == 1, done.stderr
    assert "never played" in errors[0] and "check the address" in errors[0]
    assert "guestkey9" not in done.stderr + done.stdout  # the key stays masked
    assert "Traceback" not in done.stderr


@pytest.mark.rtmp
def test_a_remote_source_that_plays_exits_0(
    nginx_rtmp: NginxRtmp, studio_cmd: list[str], tmp_path: Path
) -> None:
    url = nginx_rtmp.url("guestkey9")
    guest = subprocess.Popen(
        [*studio_cmd, "live", "--source", "test", "--size", "640x360", "--output", url,
         "--duration", "30"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(tmp_path / "guest"),
    )  # fmt: skip
    try:
        for line in iter(guest.stdout.readline, b""):  # type: ignore[union-attr]
            if line.startswith(b"studio: live"):  # the guest is publishing
                break
        rec = tmp_path / "costream.mkv"
        done = subprocess.run(
            [*studio_cmd, "live", "--source", f"url:{url}", "--size", "640x360",
             "--record", str(rec), "--duration", "8"],
            capture_output=True,
            text=True,
            env=_env(tmp_path),
            timeout=120,
        )  # fmt: skip
    finally:
        guest.terminate()
        guest.wait(30)
        guest.stdout.close()  # type: ignore[union-attr]
    assert done.returncode == 0, done.stderr
    assert "studio: error" not in done.stderr
    assert read_media(str(rec)).video_times  # the guest's picture was recorded
