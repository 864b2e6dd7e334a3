"""Open a source from the spec a user types: ``test``, ``file:PATH``, ``camera:N``, ``url:…``.

Every problem with a spec is a :class:`~studio.errors.UserError` raised here,
before anything starts, naming the spec and the fix.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import av

from studio.errors import UserError
from studio.media.sources.base import Source
from studio.media.sources.camera import CameraSource
from studio.media.sources.decoded import FileSource, UrlSource
from studio.media.sources.test_pattern import TestPatternSource
from studio.redact import redact

__all__ = ["Source", "open_source", "parse_remote_url"]

SPEC_HELP = "use test, test:CAPTION, file:PATH, camera:N, camera:NAME or url:rtmp://host/app/key"
_REMOTE_SCHEMES = {"rtmp", "rtmps", "http", "https", "srt"}


def parse_remote_url(url: str) -> str:
    """Check a pull URL (RTMP, HTTP-FLV, HLS); raise UserError naming what is wrong."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in _REMOTE_SCHEMES or not parts.hostname:
        raise UserError(
            f"{redact(url)!r} is not a stream URL",
            "give rtmp://host/app/stream, http(s)://host/…/x.flv or …/x.m3u8",
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        raise UserError(
            f"{redact(url)!r} has a bad port", "fix the number after the colon"
        ) from exc
    if parts.scheme.lower().startswith("rtmp") and parts.path.strip("/").count("/") < 1:
        raise UserError(
            f"{redact(url)!r} lacks an app or stream name", "write it as rtmp://host/app/stream"
        )
    return url


def check_push_url(url: str, label: str, fix: str = "write it as rtmp://host/app/streamkey") -> str:
    """Check a push destination: RTMP(S) only, then the stream-URL checks.

    ``label`` names the URL in the message (masked or a flag name: a push URL
    holds the stream key, so it is never echoed whole).
    """
    if not url.lower().startswith(("rtmp://", "rtmps://")):
        raise UserError(f"{label} is not an RTMP URL", fix)
    return parse_remote_url(url)


def open_source(spec: str, width: int, height: int, fps: int) -> Source:
    kind, _, arg = spec.partition(":")
    kind = kind.strip().lower()
    if kind == "test":
        return TestPatternSource(width, height, fps, caption=arg)
    if kind == "file":
        return _file_source(arg, width, height, fps)
    if kind == "camera":
        return _camera_source(arg, width, height, fps)
    if kind == "url":
        return UrlSource(parse_remote_url(arg), width, height, fps)
    if kind in _REMOTE_SCHEMES and "://" in spec:
        return UrlSource(parse_remote_url(spec), width, height, fps)
    raise UserError(f"unknown source {redact(spec)!r}", SPEC_HELP)


def _file_source(arg: str, width: int, height: int, fps: int) -> Source:
    path = Path(arg).expanduser()
    if not arg or not path.is_file():
        raise UserError(f"source file {arg!r} does not exist", "check the path after file:")
    try:
        with av.open(str(path)) as c:
            if not c.streams.video:
                raise UserError(f"{path} has no video track", "pick a video file")
    except av.error.FFmpegError as exc:
        raise UserError(
            f"{path} is not a playable video ({exc.strerror})", "pick an MP4, MKV, MOV or FLV file"
        ) from exc
    return FileSource(path, width, height, fps)


def _camera_source(arg: str, width: int, height: int, fps: int) -> Source:
    from studio.media.devices import find_camera

    m = re.fullmatch(r"(.+?)(?:@(\d+)x(\d+))?(?:@(\d+))?", arg.strip())
    if not arg.strip() or not m:
        raise UserError(
            "camera: needs a camera", "write camera:0 or camera:NAME (see `studio devices`)"
        )
    try:
        cam = find_camera(m.group(1))
    except LookupError as exc:
        raise UserError(
            str(exc), "plug the camera in, or see `studio devices` for the names"
        ) from exc
    w = int(m.group(2)) if m.group(2) else width
    h = int(m.group(3)) if m.group(3) else height
    f = int(m.group(4)) if m.group(4) else fps
    return CameraSource(cam.index, cam.name, w, h, f)
