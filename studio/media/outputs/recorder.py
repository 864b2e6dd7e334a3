"""The local recording: Matroska written from the same packets as the streams.

Crash safety: clusters are closed at least every second and every packet is
flushed to the OS, so ``kill -9`` or a power cut leaves a file that plays and
lacks at most the last second or two. Chapter marks go into the file on a
clean close and into a JSON sidecar at once, so a crash loses none of them;
:func:`studio.media.recording.repair` puts them back into a crashed file.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from fractions import Fraction
from pathlib import Path

import av

from studio.errors import UserError
from studio.media.outputs.base import Output, _close_quietly

log = logging.getLogger(__name__)

MAX_BACKLOG_SECONDS = 30.0  # a disk this slow is broken; drop rather than eat all memory
CHAPTER_TB = Fraction(1, 1000)


def chapters_sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".chapters.json")


def unique_path(path: Path) -> Path:
    """``show.mkv`` or, if that exists, ``show-1.mkv``, ``show-2.mkv`` …: never overwrite."""
    if not path.exists():
        return path
    for i in range(1, 10_000):
        candidate = path.with_name(f"{path.stem}-{i}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise UserError(f"too many recordings named {path.name}", "pick another --record name")


def check_writable(path: Path) -> None:
    """Fail before the show starts, not an hour into it."""
    if path.suffix.lower() not in (".mkv", ".mka"):
        raise UserError(
            f"--record {path}: recordings are Matroska files",
            "end the name with .mkv (it survives a crash; MP4 does not)",
        )
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(
            f"--record {path}: the folder {parent} does not exist",
            "create it or pick another folder",
        )
    try:
        with open(path, "xb"):
            pass
        path.unlink()
    except OSError as exc:
        raise UserError(
            f"--record {path}: cannot write there ({exc.strerror})",
            "pick a folder you can write to",
        ) from exc


class Recorder(Output):
    kind = "record"

    def __init__(self, path: Path) -> None:
        super().__init__(path.name)
        self.path = path
        self._chapters: list[dict] = []
        self._chapter_lock = threading.Lock()
        self.last_seconds = 0.0

    def add_chapter(self, title: str, at_seconds: float | None = None) -> None:
        """Mark a chapter at pipeline time ``at_seconds`` (default: the newest packet)."""
        if at_seconds is None:
            t = self.last_seconds
        else:
            # before the first keyframe is muxed, the start the output was given
            # (or, for an output without one, the recording's start)
            origin = self.base_seconds if self.base_seconds is not None else self.not_before
            t = 0.0 if origin is None else max(0.0, at_seconds - origin)
        # the sidecar is rewritten under the lock: two cues at once (the clock thread and a
        # click) must not write one temp file together, nor an older list replace a newer one
        with self._chapter_lock:
            self._chapters.append({"title": title, "start": round(t, 3)})
            data = {"chapters": list(self._chapters)}
            tmp = chapters_sidecar(self.path).with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")
            os.replace(tmp, chapters_sidecar(self.path))
        log.info("chapter %r at %.2f s", title, t)

    @property
    def chapters(self) -> list[dict]:
        with self._chapter_lock:
            return list(self._chapters)

    def _admit(self, packet) -> None:  # type: ignore[no-untyped-def]
        self._queue.append(packet)
        if self._queued_seconds_locked() > MAX_BACKLOG_SECONDS:
            dropped = sum(1 for p in self._queue if p.kind == "video")
            self.stats.dropped_network += dropped
            self._queue.clear()
            log.error(
                "recording to %s is %.0f s behind: the disk is too slow",
                self.path,
                MAX_BACKLOG_SECONDS,
            )

    def _run(self) -> None:
        self._set_state("connecting")
        try:
            container, streams = self._open_container(
                str(self.path),
                "matroska",
                {
                    "cluster_time_limit": "1000",
                    "flush_packets": "1",
                    "reserve_index_space": "262144",
                },
            )
        except (av.error.FFmpegError, OSError) as exc:
            self._set_state("failed", f"cannot write {self.path}: {exc}")
            return
        self._set_state("live")
        self._begin_connection()
        try:
            while self._draining(float("inf")):  # a recording keeps every queued packet
                pkt = self._next_to_mux()
                if pkt is None:
                    continue
                self._mux(container, streams, pkt)
                self.last_seconds = pkt.seconds - (self.base_seconds or 0.0)
        except (av.error.FFmpegError, OSError) as exc:
            self._set_state("failed", f"writing {self.path} failed: {exc}")
        finally:
            chapters = self._container_chapters()
            if chapters:
                container.set_chapters(chapters)
            _close_quietly(container)

    def _container_chapters(self) -> list[dict]:
        chs = self.chapters
        out = []
        for i, ch in enumerate(chs):
            end = chs[i + 1]["start"] if i + 1 < len(chs) else max(self.last_seconds, ch["start"])
            out.append(
                {
                    "id": i + 1,
                    "start": int(ch["start"] * 1000),
                    "end": int(end * 1000),
                    "time_base": CHAPTER_TB,
                    "metadata": {"title": ch["title"]},
                }
            )
        return out
