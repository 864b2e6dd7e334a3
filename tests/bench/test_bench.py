"""The bench's own correctness, with tiny durations. No timed assertions: figures are
only checked for shape and sanity (positive, present), never against targets."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from studio.bench import nginx
from studio.bench.autoconfig import SoakResult, UploadStep, recommend, upload_kbps, verify
from studio.bench.proc import run_child_job
from studio.bench.realtime import latencies, missing_codes
from studio.bench.throughput import (
    RAW_PICTURES,
    ffmpeg_command,
    ffmpeg_encode_command,
    raw_pictures,
    spread,
    x264_args,
)
from studio.bench.workload import ClipRenderer, bench_profile, make_clip, overlay_set
from studio.config import Profile, load_profile, save_profile
from studio.media.encoder import Encoder
from studio.media.frame import planes
from studio.media.sources.test_pattern import read_frame_code

REPO = Path(__file__).resolve().parents[2]
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg CLI absent")
needs_nginx = pytest.mark.skipif(not nginx.available(), reason="nginx-rtmp absent")


def test_clip_carries_frame_code_motion_and_tone(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", 0.5, 640, 360)
    with av.open(str(clip)) as c:
        assert c.streams.audio, "the clip has a tone track"
        frames = [f.to_ndarray() for f in c.decode(video=0)]
    assert len(frames) == 15
    codes = [read_frame_code(planes(f, 640, 360)[0]) for f in frames]
    assert codes == list(range(15))
    assert np.abs(frames[5].astype(int) - frames[6].astype(int)).mean() > 5  # it moves


def test_overlays_are_pngs_inside_the_canvas_clear_of_the_code(tmp_path: Path) -> None:
    for w, h in ((1920, 1080), (1280, 720)):
        ovs = overlay_set(w, h, tmp_path)
        assert {o.name for o in ovs} == {"card", "qr", "toast"}
        frame = ClipRenderer(w, h).render(40)
        y = planes(frame, w, h)[0].copy()
        for o in ovs:
            rgba = o.rgba()
            assert rgba.shape == (o.height, o.width, 4) and o.path.suffix == ".png"
            assert o.x >= 0 and o.x + o.width <= w and o.y + o.height <= h
            y[o.y : o.y + o.height, o.x : o.x + o.width] = 128  # cover fully
        assert read_frame_code(y) == 40


def test_toast_slide_matches_the_ffmpeg_expression(tmp_path: Path) -> None:
    toast = next(o for o in overlay_set(1280, 720, tmp_path) if o.slides)
    assert toast.x_at(0.0, 1280) == 1280  # starts off screen
    assert toast.x_at(0.25, 1280) == toast.x + (1280 - toast.x) // 2
    assert toast.x_at(1.0, 1280) == toast.x
    expr = toast.ffmpeg_x()
    assert "mod(t\\,4.0)" in expr and str(toast.x) in expr


def test_ffmpeg_command_does_the_same_encode(tmp_path: Path) -> None:
    ovs = overlay_set(1280, 720, tmp_path)
    cmd = ffmpeg_command(tmp_path / "c.mp4", ovs, 1280, 720, "rtmp://127.0.0.1:1/live/x")
    line = " ".join(cmd)
    for part in ("-preset veryfast", "-tune zerolatency", "-b:v 2500k", "-g 60", "-bf 0",
                 "scale=1280:720", "-f flv"):  # fmt: skip
        assert part in line
    assert line.count("overlay=") == 3
    assert ffmpeg_command(tmp_path / "c.mp4", ovs, 1920, 1080, None)[-3:] == ["-f", "null", "-"]


def test_spread_and_latency_helpers() -> None:
    assert spread([3.0, 1.0, 2.0]) == {"min": 1.0, "median": 2.0, "max": 3.0}
    assert spread([]) == {}
    codes = [(k, 10.0 + k / 30 + 0.1) for k in range(200) if k != 150]
    lat = latencies(codes, t0=10.0, fps=30)
    assert lat and all(abs(x - 0.1) < 1e-9 for x in lat)
    assert len(lat) < len(codes)  # the joining period is left out
    assert missing_codes(codes) == 1


def test_recommend_picks_what_fits_cpu_and_upload() -> None:
    p, why = recommend({1080: 20.0, 720: 10.0}, upload=20_000, encoder="x264", cores=2)
    assert (p.width, p.height, p.video_bitrate) == (1920, 1080, 4_500_000) and why
    p, _ = recommend({1080: 40.0, 720: 20.0}, upload=20_000, encoder="x264", cores=2)
    assert p.height == 720  # 1080p would need 1.2 s CPU per second of 1.0 allowed
    p, _ = recommend({1080: 20.0, 720: 10.0}, upload=2_500, encoder="x264", cores=2)
    assert p.height <= 540 and p.video_bitrate <= 0.75 * 2_500_000
    p, _ = recommend({1080: 90.0, 720: 60.0}, upload=20_000, encoder="nvenc", cores=2)
    assert p.height == 1080 and p.encoder == "nvenc"  # hardware: CPU is not the limit
    p, _ = recommend({1080: 400.0, 720: 200.0}, upload=500, encoder="x264", cores=2)
    assert p.preset == "superfast" and p.video_bitrate <= 375_000


def test_upload_estimate_uses_passing_steps_only() -> None:
    steps = [UploadStep(1000, 1100, 0, 0.0, "live"), UploadStep(2500, 1500, 3, 0.9, "live")]
    assert upload_kbps(steps) == 1100
    assert upload_kbps([]) == 0.0


def test_save_profile_is_atomic_and_keeps_other_tables(tmp_path: Path) -> None:
    path = tmp_path / "profile.toml"
    path.write_text('[ui]\ntheme = "dark"\n\n[output]\nwidth = 640\nheight = 360\n')
    wanted = Profile(width=1920, height=1080, video_bitrate=4_500_000, encoder="x264")
    save_profile(wanted, path)
    assert load_profile(path) == wanted
    assert 'theme = "dark"' in path.read_text()
    assert [p.name for p in tmp_path.iterdir()] == ["profile.toml"]  # no temp file left


def _studio(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO), "STUDIO_CONFIG_DIR": str(tmp / "cfg"),
           "STUDIO_LOG_DIR": str(tmp / "logs"), "PATH": "/usr/bin:/bin:/usr/sbin"}  # fmt: skip
    import os

    env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "studio", "bench", *args], capture_output=True,
                          text=True, env=env, timeout=600, check=False)  # fmt: skip


def test_cli_rejects_unknown_sections(tmp_path: Path) -> None:
    r = _studio("--only", "throughput,bogus", tmp=tmp_path)
    assert r.returncode == 2 and "bogus" in r.stderr


def test_cli_soak_is_a_drop_test_on_its_own(tmp_path: Path) -> None:
    from studio.bench.runner import Plan

    r = _studio("--soak", "600", "--quick", tmp=tmp_path)
    assert r.returncode == 2 and "--soak" in r.stderr
    plan = Plan.soak(600)
    assert plan.realtime_seconds == 600 and plan.realtime_sizes == [(1280, 720)]  # the issue's
    assert Plan.soak(60, (1920, 1080)).realtime_sizes == [(1920, 1080)]
    assert plan.ideal_seconds == 0


def test_cli_autoconfig_refuses_a_non_rtmp_server(tmp_path: Path) -> None:
    r = _studio("--autoconfig", "--server", "http://x/app/secretkey123", tmp=tmp_path)
    assert r.returncode == 2 and "secretkey123" not in r.stderr


@pytest.mark.slow
@pytest.mark.rtmp
@needs_ffmpeg
@needs_nginx
def test_tiny_bench_end_to_end_writes_json(tmp_path: Path) -> None:
    """Every section once with tiny durations: the plumbing works and the JSON is whole."""
    from studio.bench.runner import Plan, run_bench

    steps: list[str] = []
    report = run_bench(["throughput", "realtime", "commerce", "wall"], Plan.tiny(), steps.append,
                       tmp_path)  # fmt: skip
    json.dumps(report)
    assert report["sink"].startswith("nginx")
    tp = report["throughput"]["sizes"]["1080p"]
    assert tp["studio"][0]["frames"] == 30 and tp["studio_ms"]["median"] > 0
    # the studio side is measured as the ffmpeg side: less its own 1-frame run, over n - 1
    run, base = tp["studio"][0], tp["studio_first_frame_cpu_s"]
    assert (
        base == sorted(tp["studio_first_frame_runs_cpu_s"])[1]
        and len(tp["ffmpeg_startup_runs_cpu_s"]) == len(tp["studio_first_frame_runs_cpu_s"]) == 3
    )
    # the baseline is a shorter run of the same job: it costs less than the 30-frame run
    assert 0 < base < run["ms_cpu_per_frame_window"] * run["frames"] / 1000
    cpu_ms = run["ms_cpu_per_frame_window"] * run["frames"]
    assert abs(run["ms_cpu_per_frame"] * (run["frames"] - 1) + 1000 * base - cpu_ms) < 1e-6
    assert tp["ffmpeg_ms"]["median"] > 0 and tp["ratio"]["median"] > 0
    rt = report["realtime"]["sizes"]["720p"]
    assert rt["rendered"] > 0 and rt["viewer_frames"] > 0 and "render_lag" in rt["dropped"]
    cm = report["commerce"]["rates"][0]
    assert cm["orders"] > 0 and cm["shown"] == cm["orders"]
    wall = report["wall"]["rows"]
    assert [r["keyframes_only"] for r in wall] == [False, True]
    assert wall[0]["connected"] == 2 and wall[0]["fps_mean"] > 0
    assert steps


def test_ffmpeg_breakdown_stages_stop_before_the_encoder(tmp_path: Path) -> None:
    ovs = overlay_set(1280, 720, tmp_path)
    decode = ffmpeg_command(tmp_path / "c.mp4", ovs, 1280, 720, None, 10, "decode")
    compose = ffmpeg_command(tmp_path / "c.mp4", ovs, 1280, 720, None, 10, "compose")
    assert "libx264" not in decode and "libx264" not in compose
    assert "-filter_complex" not in decode and "-filter_complex" in compose
    assert decode[-3:] == compose[-3:] == ["-f", "null", "-"]


def _x264_options(stream: bytes) -> bytes:
    """x264's settings as it writes them into the stream (its SEI), less version and threads."""
    start = stream.index(b"options: ") + len(b"options: ")
    text = stream[start : stream.index(b"\x00", start)]
    skip = (b"threads=", b"lookahead_threads=")
    return b" ".join(o for o in text.split() if not o.startswith(skip))


def test_x264_alone_is_the_same_settings_on_the_same_pictures(tmp_path: Path) -> None:
    """The encoder-alone stage: both sides encode the same raw pictures, looped, with the
    settings x264 itself reports identical; the studio's job encodes what it was asked."""
    clip = make_clip(tmp_path / "c.mp4", 1.0)
    raw = raw_pictures(clip, 1280, 720, tmp_path)
    assert raw.stat().st_size == min(RAW_PICTURES, 30) * 1280 * 720 * 3 // 2
    p = bench_profile(1280, 720)
    line = ffmpeg_command(clip, overlay_set(1280, 720, tmp_path), 1280, 720, None)
    args = x264_args(p)
    assert any(line[i : i + len(args)] == args for i in range(len(line)))
    cmd = ffmpeg_encode_command(raw, 1280, 720, 45)
    assert cmd[-3:] == ["-f", "null", "-"]
    out = tmp_path / "ff.h264"
    subprocess.run([*cmd[:-3], "-f", "h264", str(out)], check=True, timeout=120)
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 45  # 30 pictures, looped
    enc = Encoder(p)
    pictures = np.fromfile(raw, np.uint8).reshape(-1, 1080, 1280)
    studio = b"".join(pk.data for i in range(3) for pk in enc.encode_video(pictures[i], i))
    studio += b"".join(pk.data for pk in enc.encode_video(None, 0))
    enc.close()
    assert _x264_options(studio) == _x264_options(out.read_bytes())
    res = run_child_job(
        {"job": "encode", "raw": str(raw), "width": 1280, "height": 720, "frames": 45}
    ).result
    assert res["frames"] == 45 and res["cpu_s"] > 0 and res["encoder"] == "libx264"


def test_autoconfigure_combines_cpu_encoder_and_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.bench import autoconfig

    monkeypatch.setattr(autoconfig, "measure_cpu", lambda _w, _p: {1080: 40.0, 720: 15.0})
    monkeypatch.setattr(autoconfig, "detect_encoder", lambda: "x264")
    monkeypatch.setattr(
        autoconfig, "measure_upload",
        lambda _url, progress=None: [UploadStep(4500, 4600, 0, 0.1, "live")],
    )  # fmt: skip
    soaked: list[tuple[int, str]] = []

    def fake_soak(p: Any, seconds: float, _work: Path, _url: str | None) -> SoakResult:
        soaked.append((p.height, p.preset))
        return SoakResult(p.width, p.height, p.preset, seconds, 600, 0, 0)

    monkeypatch.setattr(autoconfig, "soak", fake_soak)
    res = autoconfig.autoconfigure("rtmp://127.0.0.1:1/live/k")
    assert (res.profile.width, res.profile.height, res.profile.video_bitrate) == (
        1280, 720, 2_500_000,
    )  # fmt: skip
    assert soaked == [(720, "veryfast")] and res.verified  # the pick itself ran in real time
    assert json.loads(json.dumps(res.to_dict()))["upload_kbps"] == 4600


def _soak_skipping_at(heights: set[int]) -> Any:
    def run(p: Any) -> SoakResult:
        lag = 40 if p.height in heights else 0
        return SoakResult(p.width, p.height, p.preset, 20.0, 600, 0, lag, (1.0, 1.0, 1.0))

    return run


def test_a_pick_whose_soak_skips_frames_is_never_recommended() -> None:
    # CPU says 1080p fits, but in real time it skips (the 2-core case): 720p then
    profile, why, soaks = verify({1080: 15.0, 720: 7.0}, 20_000, "x264",
                                 _soak_skipping_at({1080}))  # fmt: skip
    assert [(s.height, s.ok) for s in soaks] == [(1080, False), (720, True)]
    assert (profile.width, profile.height) == (1280, 720)
    assert any("1080p skipped frames" in line for line in why)
    # skipping at every size ends at the smallest, superfast, and says it is not verified
    profile, why, soaks = verify({1080: 15.0, 720: 7.0}, 20_000, "x264",
                                 _soak_skipping_at({1080, 720, 540, 360}))  # fmt: skip
    assert (profile.height, profile.preset) == (360, "superfast") and not soaks[-1].ok
    assert "too busy" in why[-1]


@pytest.mark.rtmp
@needs_nginx
def test_upload_steps_push_real_packets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from studio.bench import autoconfig

    monkeypatch.setattr(autoconfig, "UPLOAD_STEPS_KBPS", (800, 1500))
    with nginx.NginxRtmp(tmp_path / "nginx") as server:
        steps = autoconfig.measure_upload(server.url("up"), step_seconds=1.0)
    assert [s.target_kbps for s in steps] == [800, 1500]
    assert all(s.state == "live" and s.sent_kbps > 0 and s.dropped == 0 for s in steps)


@pytest.mark.slow
@needs_ffmpeg
def test_without_nginx_both_sides_use_a_null_sink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studio.bench import runner

    monkeypatch.setattr(runner.nginx, "available", lambda: False)
    report = runner.run_bench(["throughput", "wall"], runner.Plan.tiny(), lambda _m: None,
                              tmp_path)  # fmt: skip
    assert report["sink"] == "null"
    assert report["throughput"]["sizes"]["720p"]["ratio"]["median"] > 0
    assert "skipped" in report["wall"]
