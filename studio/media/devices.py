"""Cameras and microphones on this machine, by name, for pickers and ``studio devices``.

Camera names come from the OS (sysfs on Linux, FFmpeg's dshow/avfoundation
listings elsewhere) because OpenCV only knows indices; microphones come from
PortAudio through sounddevice, which names them the same way on every OS.
"""

from __future__ import annotations

import logging
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

COMMON_SIZES = ((640, 480), (1280, 720), (1920, 1080))


@dataclass
class Camera:
    index: int
    name: str
    sizes: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Microphone:
    index: int
    name: str
    channels: int
    default_rate: float
    is_default: bool = False


def _linux_cameras() -> list[Camera]:
    out = []
    for node in sorted(Path("/sys/class/video4linux").glob("video*")):
        try:
            if (node / "index").read_text().strip() not in ("", "0"):
                continue  # metadata node of a camera that has another capture node
            name = (node / "name").read_text().strip()
            out.append(Camera(int(node.name.removeprefix("video")), name))
        except (OSError, ValueError):
            continue
    return out


def _ffmpeg_listed_cameras(fmt: str) -> list[Camera]:
    import av
    import av.logging

    names: list[str] = []
    with av.logging.Capture() as logs:
        try:
            av.open("dummy" if fmt == "dshow" else "", format=fmt, options={"list_devices": "true"})
        except Exception:  # listing always "fails" after printing the list
            log.debug("device listing for %s ended", fmt)
    video_section = True
    for _level, _name, message in logs:
        msg = message.strip()
        if "audio devices" in msg.lower():
            video_section = False
        if (video_section and msg.startswith(('"', "[")) and "(video)" in msg) or (
            fmt == "avfoundation" and video_section and msg.startswith("[") and "]" in msg[1:]
        ):
            names.append(msg.split('"')[1] if '"' in msg else msg.split("] ", 1)[-1])
    return [Camera(i, n) for i, n in enumerate(names)]


def list_cameras(probe_sizes: bool = False) -> list[Camera]:
    if sys.platform.startswith("linux"):
        cams = _linux_cameras()
    elif sys.platform.startswith("win"):
        cams = _ffmpeg_listed_cameras("dshow")
    elif sys.platform == "darwin":
        cams = _ffmpeg_listed_cameras("avfoundation")
    else:
        cams = []
    if probe_sizes:
        for cam in cams:
            cam.sizes = advertised_sizes(cam) or probe_camera_sizes(cam.index)
    return cams


_SIZE = re.compile(r"(?<![\d{,-])(\d{3,4})x(\d{3,4})(?![\d}])")


def parse_sizes(lines: list[str], smallest: tuple[int, int] = (640, 360)) -> list[tuple[int, int]]:
    """Frame sizes in FFmpeg's device listings (v4l2 ``list_formats``, dshow
    ``list_options``, avfoundation's "Supported modes"), largest first.

    Stepwise ranges (``{64-1920, 2}x{…}``) are skipped: they name no size a
    guide would pick. Sizes below ``smallest`` are dropped for the same reason.
    """
    found: set[tuple[int, int]] = set()
    for line in lines:
        if "{" in line:
            continue
        for w, h in _SIZE.findall(line):
            size = (int(w), int(h))
            if size[0] >= smallest[0] and size[1] >= smallest[1]:
                found.add(size)
    return sorted(found, key=lambda s: (s[0] * s[1], s[0]), reverse=True)


def advertised_sizes(cam: Camera) -> list[tuple[int, int]]:
    """The sizes the camera's driver lists, asked through FFmpeg without capturing.

    Listing modes does not start the stream, so it works while the camera is
    in use by the studio, unlike opening it at each size (:func:`probe_camera_sizes`).
    """
    import av
    import av.logging

    if sys.platform.startswith("linux"):
        url, fmt, opts = f"/dev/video{cam.index}", "video4linux2", {"list_formats": "all"}
    elif sys.platform.startswith("win"):
        url, fmt, opts = f"video={cam.name}", "dshow", {"list_options": "true"}
    elif sys.platform == "darwin":  # an impossible size makes it print the supported modes
        url, fmt, opts = str(cam.index), "avfoundation", {"video_size": "1x1"}
    else:
        return []
    with av.logging.Capture() as logs:
        try:
            av.open(url, format=fmt, options=opts, timeout=5).close()
        except Exception:  # the listing ends with an "error" by design
            log.debug("mode listing for %s ended", cam.name)
    return parse_sizes([str(message) for _level, _name, message in logs])


class Capture(Protocol):
    """What the studio uses of ``cv2.VideoCapture`` (tests hand in their own)."""

    def isOpened(self) -> bool: ...  # noqa: N802 - OpenCV's names
    def read(self) -> tuple[bool, Any]: ...
    def release(self) -> None: ...
    def set(self, prop: int, value: float) -> bool: ...
    def get(self, prop: int) -> float: ...


def backend_for_platform() -> int:
    """The capture API that works best on this OS."""
    import cv2

    if sys.platform.startswith("win"):
        return cv2.CAP_DSHOW
    if sys.platform == "darwin":
        return cv2.CAP_AVFOUNDATION
    return cv2.CAP_V4L2


def open_capture(index: int, width: int, height: int, fps: int) -> Capture:
    """Camera ``index`` at the asked size and rate (here, not in sources: sizes are probed too)."""
    import cv2

    cap = cv2.VideoCapture(index, backend_for_platform())
    if cap.isOpened():
        if width * height >= 1280 * 720:
            # USB 2 webcams only reach HD at full rate in MJPEG
            cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
        cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        cap.set(cv2.CAP_PROP_FPS, fps)
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # newest frame, not a queue of stale ones
    return cap


def probe_camera_sizes(index: int) -> list[tuple[int, int]]:
    """Ask the camera for each common size and keep the ones it really delivers."""
    found: list[tuple[int, int]] = []
    for w, h in COMMON_SIZES:
        cap = open_capture(index, w, h, 30)
        try:
            if cap.isOpened():
                import cv2

                got = (
                    int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
                    int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
                )
                if got == (w, h):
                    found.append(got)
        finally:
            cap.release()
    return found


def find_camera(name_or_index: str) -> Camera:
    """Resolve ``0`` or a (part of a) camera name to a camera; raises LookupError."""
    cams = list_cameras()
    if name_or_index.isdigit():
        idx = int(name_or_index)
        for cam in cams:
            if cam.index == idx:
                return cam
        if not cams and sys.platform.startswith("linux"):
            raise LookupError(f"no camera at index {idx}: this machine has no cameras")
        if cams:
            raise LookupError(f"no camera at index {idx}")
        return Camera(idx, f"camera {idx}")
    wanted = name_or_index.casefold()
    for cam in cams:
        if wanted == cam.name.casefold() or wanted in cam.name.casefold():
            return cam
    raise LookupError(f"no camera named {name_or_index!r}")


def list_microphones() -> list[Microphone]:
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:  # OSError: PortAudio library missing
        log.warning("microphones unavailable: %s (install libportaudio2)", exc)
        return []
    try:
        devices = sd.query_devices()
        default_in = sd.default.device[0]
    except Exception as exc:
        log.warning("cannot list microphones: %s", exc)
        return []
    return [
        Microphone(
            i,
            d["name"],
            int(d["max_input_channels"]),
            float(d["default_samplerate"]),
            i == default_in,
        )
        for i, d in enumerate(devices)
        if d["max_input_channels"] > 0
    ]
