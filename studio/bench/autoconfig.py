"""Auto-configuration, like OBS's wizard: measure this PC and the uplink, pick settings.

1. CPU: a short studio-only run at 1080p and 720p: ms CPU per frame to compose
   the overlays and encode (a clip at that size, its decode cost subtracted).
2. Encoder: a hardware H.264 encoder if one opens, else x264.
3. Upload: real H.264 packets (noise, so x264 spends the whole bitrate) pushed
   through the studio's own ``RtmpOutput`` at rising bitrates for a few seconds
   each; a step passes when the output neither queued past its drop threshold
   nor dropped a frame and sent at least 90 % of the target.
4. Pick the largest size whose encode fits in half the machine's cores (the
   rest is for the camera, the window and the browser the guide keeps open) and
   whose bitrate fits in 75 % of the measured upload.
5. Soak the pick: the engine in real time at that size for ``SOAK_SECONDS`` (test
   source, the bench overlays, a recording, an RTMP output to the local nginx). A
   pick that skips a frame (render or encoder lag) is never recommended: the next
   smaller size is tried, down to 360p superfast; if even that skips, it is returned
   marked unverified, and the why says so.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from studio.config import Profile
from studio.media.encoder import EncodedPacket, Encoder

UPLOAD_STEPS_KBPS = (1000, 2500, 4500, 6000, 8000)
CPU_SHARE = 0.5  # of all cores, for the studio's own compose + encode
UPLOAD_SHARE = 0.75  # of the measured upload, for video
SOAK_SECONDS = 20.0  # the pick's own drop test, real time
CANDIDATES = (  # (width, height, default bitrate)
    (1920, 1080, 4_500_000),
    (1280, 720, 2_500_000),
    (960, 540, 1_500_000),
    (640, 360, 800_000),
)


@dataclass
class UploadStep:
    target_kbps: int
    sent_kbps: float
    dropped: int
    max_queue_s: float
    state: str

    @property
    def ok(self) -> bool:
        return (
            self.state == "live" and self.dropped == 0 and self.sent_kbps >= 0.9 * self.target_kbps
        )


def detect_encoder() -> str:
    """``nvenc``/``qsv``/… when a hardware H.264 encoder opens here, else ``x264``."""
    enc = Encoder(Profile(width=640, height=360, encoder="auto"))
    try:
        name = enc.video_codec
    finally:
        enc.close()
    return "x264" if name == "libx264" else name.removeprefix("h264_")


def _noise_packets(kbps: int, seconds: float, fps: int = 30) -> tuple[Encoder, list[EncodedPacket]]:
    """``seconds`` of 360p noise encoded at ``kbps`` (+ silent AAC), in dts order."""
    profile = Profile(
        width=640, height=360, fps=fps, video_bitrate=kbps * 1000, encoder="x264",
        keyframe_seconds=2.0,
    )  # fmt: skip
    enc = Encoder(profile)
    rng = np.random.default_rng(kbps)
    packets: list[EncodedPacket] = []
    n = round(seconds * fps)
    for k in range(n):
        frame = rng.integers(16, 236, (360 * 3 // 2, 640), dtype=np.uint8)
        packets += enc.encode_video(frame, k)
        packets += enc.encode_audio(np.zeros((48000 // fps, 2), np.float32))
    packets += enc.encode_video(None, 0)
    packets += enc.encode_audio(None)
    packets.sort(key=lambda p: p.seconds)
    return enc, packets


def measure_upload(url: str, step_seconds: float = 4.0, progress: Any = None) -> list[UploadStep]:
    """Push at rising bitrates until a step fails; one result per step tried."""
    from studio.media.outputs import RtmpOutput
    from studio.media.outputs.base import Templates

    results: list[UploadStep] = []
    for kbps in UPLOAD_STEPS_KBPS:
        if progress:
            progress(f"autoconfig: upload test at {kbps} kb/s")
        enc, packets = _noise_packets(kbps, 2.0)  # one loop: a 2 s GOP, replayed
        span = 2.0
        out = RtmpOutput(url)
        out.start(Templates(enc.video, enc.audio))
        deadline = time.monotonic() + 6
        while out.state != "live" and time.monotonic() < deadline and out.state != "failed":
            time.sleep(0.05)
        start = time.monotonic()
        bytes0 = out.stats.bytes_sent
        max_q = 0.0
        loop = 0
        while time.monotonic() - start < step_seconds and out.state == "live":
            for p in packets:
                shift = round(loop * span / p.time_base)
                due = start + loop * span + p.seconds
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                out.send(
                    EncodedPacket(p.kind, p.data, p.pts + shift, p.dts + shift, p.time_base,
                                  p.keyframe, p.duration)
                )  # fmt: skip
                max_q = max(max_q, out.stats.queued_seconds)
            loop += 1
        elapsed = max(1e-6, time.monotonic() - start)
        step = UploadStep(
            kbps,
            round((out.stats.bytes_sent - bytes0) * 8 / elapsed / 1000, 1),
            out.stats.dropped_network,
            round(max_q, 3),
            out.state,
        )
        out.stop()
        enc.close()
        results.append(step)
        if not step.ok:
            break
    return results


def upload_kbps(steps: list[UploadStep]) -> float:
    """What the uplink carried without trouble (the best passing step's sent rate)."""
    good = [s.sent_kbps for s in steps if s.ok]
    return max(good) if good else 0.0


def recommend(
    ms_per_frame: dict[int, float],
    upload: float,
    encoder: str,
    cores: int | None = None,
    below: int | None = None,
) -> tuple[Profile, list[str]]:
    """The profile to save and why, from CPU ms/frame by height and upload kb/s.

    ``below``: only sizes under this height (a soak showed that one skipping); below the
    smallest, the smallest at x264 superfast.
    """
    cores = cores or os.cpu_count() or 1
    budget_ms = 1000 * CPU_SHARE * cores  # CPU ms the studio may spend per second
    why = [f"{cores} cores: the studio may use {CPU_SHARE:.0%} of them ({budget_ms:.0f} ms CPU/s)"]
    ref_h = 720 if 720 in ms_per_frame else max(ms_per_frame)
    hw = encoder != "x264"
    chosen = None
    for w, h, rate in CANDIDATES:
        if below is not None and h >= below:
            continue
        if h in ms_per_frame:
            cost = ms_per_frame[h]
        else:  # scale the nearest measurement by pixel count
            cost = ms_per_frame[ref_h] * (w * h) / (ref_h * 16 // 9 * ref_h)
        fits_cpu = hw or cost * 30 <= budget_ms
        fits_up = upload <= 0 or rate <= UPLOAD_SHARE * upload * 1000
        why.append(
            f"{w}x{h}@30: {cost:.1f} ms/frame -> {cost * 30:.0f} ms CPU/s "
            f"({'fits' if fits_cpu else 'too much'}), {rate // 1000} kb/s "
            f"({'fits' if fits_up else 'over'} {UPLOAD_SHARE:.0%} of {upload:.0f} kb/s upload)"
        )
        if fits_cpu and fits_up and chosen is None:
            chosen = (w, h, rate, cost)
    preset = "veryfast"
    fps = 30
    if chosen is None:
        w, h, rate = CANDIDATES[-1]
        cost = ms_per_frame[ref_h] * (w * h) / (1280 * 720)
        preset = "superfast"
        fps = 30 if cost * 0.7 * 30 <= budget_ms else 20
        rate = min(rate, int(UPLOAD_SHARE * upload * 1000)) if upload > 0 else rate
        why.append(f"nothing fits: {w}x{h}@{fps}, x264 superfast, {rate // 1000} kb/s")
        chosen = (w, h, rate, cost)
    w, h, rate, _ = chosen
    rate = max(300_000, rate // 100_000 * 100_000)
    profile = Profile(
        width=w, height=h, fps=fps, video_bitrate=rate, encoder=encoder, preset=preset,
        tune="zerolatency", keyframe_seconds=2.0, bframes=0,
    )  # fmt: skip
    return profile, why


@dataclass
class SoakResult:
    """One real-time run of a candidate profile: did the engine skip frames?"""

    width: int
    height: int
    preset: str
    seconds: float
    rendered: int
    render_lag: int
    encode_lag: int
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @property
    def skipped(self) -> int:
        return self.render_lag + self.encode_lag

    @property
    def ok(self) -> bool:
        return self.rendered > 0 and self.skipped == 0


@dataclass
class AutoconfigResult:
    profile: Profile
    why: list[str]
    ms_per_frame: dict[int, float]
    encoder: str
    upload_kbps: float
    steps: list[UploadStep] = field(default_factory=list)
    soaks: list[SoakResult] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        """The recommended profile's own soak skipped nothing (True when none was run)."""
        return not self.soaks or self.soaks[-1].ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile.to_dict(),
            "why": self.why,
            "ms_cpu_per_frame": self.ms_per_frame,
            "encoder": self.encoder,
            "upload_kbps": self.upload_kbps,
            "steps": [asdict(s) for s in self.steps],
            "soaks": [{**asdict(s), "skipped": s.skipped} for s in self.soaks],
            "verified": self.verified,
        }


def soak(profile: Profile, seconds: float, work: Path, url: str | None) -> SoakResult:
    """The engine in real time with ``profile``: test source, overlays, recording, RTMP."""
    from studio.bench.proc import run_child_job
    from studio.bench.workload import overlay_set

    w, h = profile.width, profile.height
    ovs = overlay_set(w, h, work)
    res = run_child_job(
        {
            "job": "realtime", "width": w, "height": h, "fps": profile.fps, "seconds": seconds,
            "preset": profile.preset, "bitrate": profile.video_bitrate, "url": url,
            "record": str(work / f"soak-{h}p.mkv"),
            "overlays": [{**asdict(o), "path": str(o.path)} for o in ovs],
        },
        timeout=seconds + 120,
    ).result  # fmt: skip
    d = res["dropped"]
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return SoakResult(
        w, h, profile.preset, round(res["seconds"], 1), res["rendered"], d["render_lag"],
        d["encode_lag"], tuple(round(v, 2) for v in load),  # type: ignore[arg-type]
    )  # fmt: skip


def verify(
    ms: dict[int, float],
    up: float,
    encoder: str,
    run: Callable[[Profile], SoakResult],
    progress: Callable[[str], None] = lambda _m: None,
) -> tuple[Profile, list[str], list[SoakResult]]:
    """:func:`recommend`, then soak the pick and step down while it skips frames."""
    profile, why = recommend(ms, up, encoder)
    soaks: list[SoakResult] = []
    while True:
        progress(f"autoconfig: {profile.width}x{profile.height} in real time")
        result = run(profile)
        soaks.append(result)
        verdict = "no frame skipped" if result.ok else f"{result.skipped} frames skipped"
        why.append(
            f"soak {profile.width}x{profile.height}@{profile.fps} {profile.preset}, "
            f"{result.seconds:g} s: {verdict} (load {result.load_average[0]:g})"
        )
        smallest = profile.height <= CANDIDATES[-1][1] and profile.preset == "superfast"
        if result.ok or smallest:
            if not result.ok:
                why.append("even the smallest profile skipped: this computer is too busy now")
            return profile, why, soaks
        profile, more = recommend(ms, up, encoder, below=profile.height)
        why.append(f"{soaks[-1].height}p skipped frames: trying {profile.height}p")
        why.extend(line for line in more if line.startswith(f"{profile.width}x"))


def measure_cpu(work: Path, progress: Callable[[str], None]) -> dict[int, float]:
    """ms CPU per frame to compose the overlays and encode, at 1080p and 720p."""
    from studio.bench.proc import run_child_job
    from studio.bench.workload import make_clip, overlay_set

    ms: dict[int, float] = {}
    for w, h in ((1920, 1080), (1280, 720)):
        # a clip at the output size: a camera at that size needs no rescale, and
        # its capture cost is what the other half of the machine is kept for
        progress(f"autoconfig: CPU cost of compose + encode at {h}p")
        clip = make_clip(work / f"clip{h}.mp4", 2.0, w, h)
        ovs = overlay_set(w, h, work)
        cost = {}
        for stage in ("decode", "full"):
            res = run_child_job({
                "job": "throughput", "clip": str(clip), "width": w, "height": h,
                "overlays": [{**asdict(o), "path": str(o.path)} for o in ovs],
                "url": None, "frames": 60, "stage": stage,
            }).result  # fmt: skip
            cost[stage] = 1000 * res["cpu_s"] / max(1, res["frames"])
        ms[h] = max(0.1, cost["full"] - cost["decode"])
    return ms


def autoconfigure(
    server: str | None,
    progress: Callable[[str], None] = lambda _m: None,
    soak_seconds: float = SOAK_SECONDS,
) -> AutoconfigResult:
    """The whole wizard, Qt-free (the GUI runs it on a worker thread): measure, recommend.

    Without ``server`` the upload is measured against a local nginx-rtmp when
    installed (a loopback figure: it says nothing about the real uplink).
    Saving is the caller's choice (:func:`studio.config.save_profile`).
    """
    from studio.bench import nginx

    with tempfile.TemporaryDirectory(prefix="autoconfig-") as tmp:
        work = Path(tmp)
        ms = measure_cpu(work, progress)
        progress("autoconfig: probing encoders")
        encoder = detect_encoder()
        target = server
        local = None
        if not target and nginx.available():
            local = nginx.NginxRtmp(work / "nginx")
            local.start()
            target = local.url("autoconfig")
        try:
            steps = measure_upload(target, progress=progress) if target else []
            up = upload_kbps(steps)
            soaks: list[SoakResult] = []
            if encoder == "x264" and soak_seconds > 0:
                # a hardware encoder leaves the CPU free; x264's pick is run for real
                url = local.url("autoconfig-soak") if local is not None else None
                profile, why, soaks = verify(
                    ms, up, encoder, lambda p: soak(p, soak_seconds, work, url), progress
                )
            else:
                profile, why = recommend(ms, up, encoder)
        finally:
            if local is not None:
                local.stop()
    if steps:  # for the budget check before going live (studio.upload_budget)
        from studio.upload_budget import remember_upload

        remember_upload(up, loopback=local is not None)
    return AutoconfigResult(profile, why, ms, encoder, up, steps, soaks)
