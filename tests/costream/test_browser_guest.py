"""A phone or desktop browser as a 连麦 guest: headless Chromium with its fake devices.

The host (``studio live --costream`` pushing to nginx-rtmp) prints a join link;
Chromium opens the backend's join page with ``--use-fake-device-for-media-stream``
and ``--use-fake-ui-for-media-stream``, fed a magenta picture and a 600 Hz tone
made here (Chromium's file-backed fake devices), and joins. A frame pulled from
nginx shows both pictures (the host's test pattern with its frame number on the
left, magenta on the right) and the pulled sound carries the guest's tone.
"""

from __future__ import annotations

import os
import subprocess
import time
import wave
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from tests.browser import ARGS, CHROMIUM
from tests.costream.media import tone_level
from tests.costream.procs import FPS, H, Lines, W, tile_code
from tests.media_probe import read_media
from tests.nginx_rtmp import NginxRtmp

pytestmark = pytest.mark.rtmp

GUEST_HZ = 600.0


def fake_devices(work: Path) -> tuple[Path, Path]:
    """A Y4M of solid magenta (640x360, 1 s) and a WAV of a 600 Hz tone for Chromium."""
    y4m = work / "guest.y4m"
    bgr = np.zeros((H, W, 3), np.uint8)
    bgr[:] = (200, 40, 220)
    i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420).tobytes()
    with y4m.open("wb") as f:
        f.write(f"YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FPS):
            f.write(b"FRAME\n" + i420)
    wav = work / "guest.wav"
    t = np.arange(48_000 * 2) / 48_000
    pcm = (0.4 * 32767 * np.sin(2 * np.pi * GUEST_HZ * t)).astype(np.int16)
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(48_000)
        w.writeframes(pcm.tobytes())
    return y4m, wav


def test_browser_guest_on_the_pushed_program_with_its_tone(
    nginx_rtmp: NginxRtmp, studio_cmd: list[str], tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: apt-get install -y chromium (see packaging/setup.sh)")
    env = dict(
        os.environ, STUDIO_DATA_DIR=str(tmp_path / "data"), STUDIO_LOG_DIR=str(tmp_path / "logs")
    )
    url = nginx_rtmp.url("browser")
    y4m, wav = fake_devices(tmp_path)
    host = subprocess.Popen(
        [*studio_cmd, "live", "--costream", "--source", "test:HOST", "--output", url,
         "--audio", "none", "--duration", "60", "--size", f"{W}x{H}", "--fps", str(FPS)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        hout = Lines(host)
        _, line = hout.wait("连麦 join link:", 40)
        link = line.split("join link:", 1)[1].strip()
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=[
                    *ARGS,
                    "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={y4m}",
                    f"--use-file-for-fake-audio-capture={wav}",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            try:
                page = browser.new_page()
                page.goto(link)
                page.fill("#name", "品牌培训师")
                page.click("#join")
                page.locator('#state[data-state="connected"]').wait_for(timeout=40_000)
                hout.wait("品牌培训师: live (on air)", 30)
                # the guest sees the host's program in the page
                page.wait_for_function(
                    "() => document.getElementById('program').videoWidth > 0", timeout=20_000
                )
                shown = None
                deadline = time.monotonic() + 30
                while shown is None and time.monotonic() < deadline:
                    got = read_media(url, seconds=4, keep_every=4)
                    for bgr in got.frames_kept:
                        right = bgr[H // 4 + 20 : 3 * H // 4 - 20, W // 2 + 20 : W - 20]
                        b, g, r = (float(c) for c in right.reshape(-1, 3).mean(axis=0))
                        if tile_code(bgr, 0) is not None and r > 150 and b > 140 and g < 90:
                            shown = got
                            break
                assert shown is not None, "no pulled frame showed the host's pattern and the guest"
                sound = np.concatenate(shown.audio)[-48_000:]
                assert tone_level(sound, GUEST_HZ) > 0.2, "the guest's tone is not in the program"
            finally:
                browser.close()
    finally:
        if host.poll() is None:
            host.terminate()
            try:
                host.wait(15)
            except subprocess.TimeoutExpired:
                host.kill()
        host.wait(15)
        for f in (host.stdout, host.stderr):
            if f is not None:
                f.close()
