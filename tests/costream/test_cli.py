"""连麦 as a user runs it: two ``studio live`` processes on loopback, pushing to nginx-rtmp.

The host (``--costream``, the embedded demo backend) prints a join link; a studio
guest (``--join``) connects. A frame pulled from nginx shows both pictures side by
side, told apart by their frame-number strips (two different counters); kill -9
of the guest gives the slate on the program within 3 s while the pushed stream
keeps every frame; the used-up link is refused with a clear message.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path

import cv2
import pytest

from studio.media.sources.test_pattern import read_frame_code
from tests.costream.procs import FPS, H, Lines, W, tile_code
from tests.media_probe import frame_step, missing_frames, read_media
from tests.nginx_rtmp import NginxRtmp

pytestmark = pytest.mark.rtmp


def test_studio_guest_on_the_pushed_program_slate_on_kill_and_used_link_refused(
    nginx_rtmp: NginxRtmp, studio_cmd: list[str], tmp_path: Path
) -> None:
    env = dict(
        os.environ, STUDIO_DATA_DIR=str(tmp_path / "data"), STUDIO_LOG_DIR=str(tmp_path / "logs")
    )
    url = nginx_rtmp.url("costream")
    common = ["--size", f"{W}x{H}", "--fps", str(FPS)]
    host_err = (tmp_path / "host.err").open("w")  # -v: debug lines, a file never fills up
    host = subprocess.Popen(
        [*studio_cmd, "-v", "live", "--costream", "--costream-on-air", "manual", "--source",
         "test:HOST", "--output", url, "--duration", "60", *common],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=host_err, text=True, env=env,
    )  # fmt: skip
    guest = None
    try:
        hout = Lines(host)
        _, line = hout.wait("连麦 join link:", 40)
        link = line.split("join link:", 1)[1].strip()
        guest = subprocess.Popen(
            [*studio_cmd, "live", "--join", link, "--source", "test:GUEST",
             "--costream-name", "小李", *common],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        Lines(guest).wait("连麦 joined", 40)
        _, line = hout.wait("小李: live (off air)", 30)  # manual: connected, not on the program
        guest_id = line.split("连麦 guest ", 1)[1].split()[0]
        alone = read_media(url, seconds=2, keep_every=4)
        # the host alone, full frame: its own strip reads whole in every frame (side by
        # side, the host is shrunk into the left half and the full-frame strip reads in none).
        # Not "no code in the right half": the colour bars there can read as one.
        readable = sum(c is not None for c in alone.codes)
        assert alone.codes and readable >= 0.9 * len(alone.codes), (readable, len(alone.codes))
        assert host.stdin is not None
        host.stdin.write(f"on {guest_id}\n")  # the guide puts the guest on (stdin commands)
        host.stdin.flush()
        hout.wait("小李: live (on air)", 10)

        # a pulled frame shows both pictures: two frame counters, side by side
        full_reads: list[int | None] = []  # the full-frame strip of a side-by-side frame

        def both() -> tuple[int, int] | None:
            got = read_media(url, seconds=3, keep_every=4)
            for bgr in got.frames_kept:
                left, right = tile_code(bgr, 0), tile_code(bgr, W // 2)
                if left is not None and right is not None:
                    full_reads.append(read_frame_code(cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)))
                    return left, right
            return None

        pair = None
        deadline = time.monotonic() + 30
        while pair is None and time.monotonic() < deadline:
            pair = both()
        assert pair is not None, "no pulled frame showed both pictures"
        host_k, guest_k = pair
        assert full_reads == [None], full_reads  # so the full-frame read above meant "alone"
        assert host_k - guest_k > FPS // 2, pair  # two counters: the host started earlier

        # kill -9 the guest: the slate within 3 s, the pushed stream keeps every frame
        stop = threading.Event()
        pulled: list = []
        puller = threading.Thread(
            target=lambda: pulled.append(read_media(url, seconds=9, keep_every=2, stop=stop))
        )
        puller.start()
        time.sleep(2.0)
        killed = time.monotonic()
        guest.kill()
        t_lost, _ = hout.wait("小李: lost", 6)
        assert t_lost - killed < 3.0, f"the slate came {t_lost - killed:.1f} s after the kill"
        puller.join(15)
        got = pulled[0]
        assert not got.error, got.error
        # every frame of the 9 s pulled across the kill, at the full rate (pts steps)
        assert len(got.video_times) > FPS * 6, len(got.video_times)
        assert missing_frames(got) == 0 and abs(frame_step(got) - 1 / FPS) < 0.002
        last = got.frames_kept[-1]
        right = cv2.cvtColor(last, cv2.COLOR_BGR2GRAY)[H // 4 : 3 * H // 4, W // 2 + 10 : W - 10]
        assert right.mean() < 70 and tile_code(last, W // 2) is None, "no slate on the guest's half"
        assert tile_code(last, 0) is not None  # the host's picture goes on

        # the link was for one guest: a second one is refused with a clear message
        again = subprocess.run(
            [*studio_cmd, "live", "--join", link, "--duration", "3", *common],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert again.returncode != 0
        assert "连麦 link refused" in again.stderr and "new invite link" in again.stderr, (
            again.stderr
        )
        assert "Traceback" not in again.stderr
        assert link.rsplit("/", 1)[-1] not in again.stderr  # the token is never echoed
        host.terminate()
        host.wait(20)
        host_err.close()
        logs = (tmp_path / "host.err").read_text() + "".join(
            f.read_text(errors="replace") for f in (tmp_path / "logs").rglob("*") if f.is_file()
        )
        assert logs and link.rsplit("/", 1)[-1] not in logs  # nor logged, by any process
    finally:
        host_err.close()
        for p in (guest, host):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
            if p is not None:
                p.wait(15)
                for f in (p.stdin, p.stdout, p.stderr):
                    if f is not None:
                        f.close()
