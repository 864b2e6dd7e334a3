"""One crash path for the studio's windows (the Qt-free half; ``ui/crash.py`` is the dialog).

Modelled on qutebrowser's ``crashsignal.py``: ``sys.excepthook``,
``threading.excepthook``, the asyncio loop's exception handler and
``faulthandler`` all end in :meth:`CrashGuard.report` or in a file this module
reads back on the next start.

A crash that runs no Python (kill -9, a power cut, ``Fatal Python error``)
cannot write anything when it happens, so the evidence is laid down *before*:
each running window keeps a marker ``sessions/<pid>.json`` in the data
directory (its kind, the recording being written, the last error, touched
every few seconds) and points faulthandler at ``fatal-<pid>.log`` in the log
directory. A clean exit deletes both. On the next start, a marker whose process
is gone is an unclean end: :meth:`CrashGuard.previous` turns it into an
:class:`UncleanEnd` naming the recording, and :func:`check_recording` says
whether that recording plays (the recorder writes crash-safe Matroska).
"""

from __future__ import annotations

import contextlib
import faulthandler
import json
import logging
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import psutil

from studio.config import data_dir
from studio.events import Event, EventBus
from studio.logsetup import log_dir
from studio.redact import redact

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0  # the marker's mtime says, to this much, when a killed studio died
DRILL_ENV = "STUDIO_CRASH_DRILL"  # tests only: "segv:SECONDS" / "abort:SECONDS" after recording


@dataclass(frozen=True)
class CrashReport:
    """One unhandled error, as the log, the marker and the dialog see it."""

    where: str  # "main thread", "thread capture-0", "asyncio"
    summary: str  # "ValueError: …", redacted
    details: str  # the traceback, redacted
    time: str  # ISO local time
    dialog: bool = True  # worth interrupting the guide for (asyncio noise is logged only)


@dataclass(frozen=True)
class RecordingCheck:
    """Whether a recording left by an unclean end opens and has pictures."""

    path: Path
    exists: bool = False
    size: int = 0
    video_frames: int = 0
    seconds: float = 0.0
    complete: bool = True  # False: the check stopped at its time budget ("at least")
    error: str = ""

    @property
    def plays(self) -> bool:
        return self.exists and self.size > 0 and self.video_frames > 0


@dataclass
class UncleanEnd:
    """A previous run of the studio that did not reach its clean exit."""

    pid: int
    kind: str
    started: str
    ended: str  # best known time of death (last heartbeat, error or fatal log)
    summary: str  # the fatal error, else the last unhandled error, else "" (kill -9)
    recordings: dict[str, Path] = field(default_factory=dict)  # "live" / "take" -> file
    fatal_log: Path | None = None  # faulthandler's output, kept under a dated name

    @property
    def fatal(self) -> bool:
        """``summary`` is what killed it (faulthandler), not an earlier error it survived."""
        return self.fatal_log is not None


def check_recording(path: Path, budget_seconds: float = 5.0) -> RecordingCheck:
    """Open ``path`` with PyAV, decode its first picture and count its video frames.

    Packets are counted without decoding, for at most ``budget_seconds`` of
    wall time, so a two-hour show is judged in seconds ("at least N s").
    A truncated last cluster (the crash) ends the count; it is not an error.
    """
    import av

    path = Path(path)
    if not path.is_file():
        return RecordingCheck(path, error="missing")
    size = path.stat().st_size
    if size == 0:
        return RecordingCheck(path, exists=True, error="empty")
    frames, first, last, decoded = 0, None, None, False
    complete = True
    deadline = time.monotonic() + budget_seconds
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return RecordingCheck(path, True, size, error="no video stream")
            stream = container.streams.video[0]
            tb = float(stream.time_base or 0) or 1 / 1000
            try:
                for packet in container.demux(stream):
                    if packet.size == 0:
                        continue
                    if not decoded:
                        decoded = bool(packet.decode())
                        if not decoded:
                            continue
                    frames += 1
                    if packet.pts is not None:
                        t = packet.pts * tb
                        first = t if first is None else min(first, t)
                        last = t if last is None else max(last, t)
                    if frames % 256 == 0 and time.monotonic() > deadline:
                        complete = False
                        break
            except (av.error.InvalidDataError, av.error.EOFError) as exc:
                log.info(
                    "recording %s ends in a cut cluster (%s): expected after a crash", path, exc
                )
    except (av.error.FFmpegError, OSError) as exc:
        return RecordingCheck(path, True, size, error=str(exc))
    seconds = (last - first) if first is not None and last is not None else 0.0
    if frames and not seconds:
        seconds = frames / 30
    return RecordingCheck(path, True, size, frames, round(seconds, 1), complete)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomic: a kill in the middle of a write leaves the old marker, never half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _same_process_alive(pid: int, created: float | None) -> bool:
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return created is None or abs(proc.create_time() - created) < 1.0
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


class CrashGuard:
    """The process's one crash path: hooks in, marker and faulthandler file out.

    ``kind`` tells windows apart ("gui", "wall", …): each start reports the
    unclean ends of its own kind. Listeners (the Qt dialog) get every
    :class:`CrashReport`; they are called on the thread that failed.
    """

    def __init__(self, kind: str = "gui", data: Path | None = None, logs: Path | None = None):
        self.kind = kind
        self.sessions = (data or data_dir()) / "sessions"
        self.logs = logs or log_dir()
        self.pid = os.getpid()
        self.marker = self.sessions / f"{self.pid}.json"
        self.fatal_path = self.logs / f"fatal-{self.pid}.log"
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {}
        self._recordings: dict[str, str] = {}  # "live" / "take" -> path
        self._listeners: list[Callable[[CrashReport], None]] = []
        self._fatal_file: IO[str] | None = None
        self._stop = threading.Event()
        self._hooks: tuple[Any, Any] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._reporting = threading.local()

    # -- the next start -------------------------------------------------------
    def previous(self) -> list[UncleanEnd]:
        """Unclean ends of this kind since the last start; their markers are consumed.

        A marker whose process still runs (a second window) is left alone. The
        faulthandler output is kept as ``crash-<time>.log`` and copied to the log.
        """
        ends: list[UncleanEnd] = []
        if not self.sessions.is_dir():
            return ends
        for marker in sorted(self.sessions.glob("*.json")):
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                pid = int(data["pid"])
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("unreadable session marker %s (%s): removed", marker, exc)
                marker.unlink(missing_ok=True)
                continue
            if pid == self.pid or data.get("kind", "gui") != self.kind:
                continue
            if _same_process_alive(pid, data.get("created")):
                continue
            ends.append(self._unclean_end(marker, data, pid))
            marker.unlink(missing_ok=True)
        return ends

    def _unclean_end(self, marker: Path, data: dict[str, Any], pid: int) -> UncleanEnd:
        ended = datetime.fromtimestamp(marker.stat().st_mtime).astimezone()
        error = data.get("last_error") or {}
        summary = str(error.get("summary", ""))
        fatal_kept: Path | None = None
        fatal = Path(data.get("fatal_log") or self.logs / f"fatal-{pid}.log")
        text = ""
        with contextlib.suppress(OSError):
            text = fatal.read_text(encoding="utf-8", errors="replace").strip()
            if text:
                ended = datetime.fromtimestamp(fatal.stat().st_mtime).astimezone()
                fatal_kept = fatal.with_name(f"crash-{ended:%Y%m%d-%H%M%S}-{pid}.log")
                os.replace(fatal, fatal_kept)
            else:
                fatal.unlink()
        if text:
            first = next((ln for ln in text.splitlines() if ln.startswith("Fatal Python")), "")
            summary = first or text.splitlines()[0]
            log.error("the studio (pid %s) died; faulthandler wrote:\n%s", pid, redact(text))
        else:
            log.warning("the studio (pid %s) ended without a clean exit: %s", pid, summary or "-")
        return UncleanEnd(
            pid=pid,
            kind=str(data.get("kind", "gui")),
            started=str(data.get("started", "")),
            ended=ended.isoformat(timespec="seconds"),
            summary=redact(summary),
            recordings={k: Path(p) for k, p in (data.get("recordings") or {}).items() if p},
            fatal_log=fatal_kept,
        )

    # -- this run ---------------------------------------------------------------
    def start(self, *, fault_handler: bool = True) -> None:
        """Write this run's marker, point faulthandler at its file, start the heartbeat."""
        self.sessions.mkdir(parents=True, exist_ok=True)
        self.logs.mkdir(parents=True, exist_ok=True)
        created = None
        with contextlib.suppress(psutil.Error):
            created = psutil.Process(self.pid).create_time()
        self._state = {
            "pid": self.pid,
            "created": created,
            "kind": self.kind,
            "started": _now(),
            "fatal_log": str(self.fatal_path) if fault_handler else None,
            "recordings": {},
            "last_error": None,
        }
        self._save()
        if fault_handler:
            self._fatal_file = self.fatal_path.open("w", encoding="utf-8")
            faulthandler.enable(self._fatal_file, all_threads=True)
        threading.Thread(target=self._heartbeat, name="crash-heartbeat", daemon=True).start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            with contextlib.suppress(OSError):
                os.utime(self.marker)

    def _save(self) -> None:
        with self._lock:
            if not self._state:
                return
            self._state["recordings"] = dict(self._recordings)
            try:
                _write_json(self.marker, self._state)
            except OSError as exc:
                log.warning("cannot write the session marker %s: %s", self.marker, exc)

    def set_recording(self, slot: str, path: Path | str | None) -> None:
        """``slot`` is "live" or "take"; ``None`` when that recording was closed."""
        with self._lock:
            if path:
                self._recordings[slot] = str(path)
            else:
                self._recordings.pop(slot, None)
        self._save()

    @property
    def recordings(self) -> dict[str, str]:
        with self._lock:
            return dict(self._recordings)

    def watch(self, bus: EventBus) -> None:
        """Follow the engine's recordings (go live, rehearsal takes) into the marker."""

        def on_event(ev: Event) -> None:
            if ev.topic == "live.started":
                self.set_recording("live", ev.data.get("record"))
                if ev.data.get("record"):
                    self._drill()
            elif ev.topic == "live.ended":
                self.set_recording("live", None)
            elif ev.topic == "rehearsal.started" and ev.data.get("folder"):
                self.set_recording("take", Path(ev.data["folder"]) / "take.mkv")
            elif ev.topic == "rehearsal.finished":
                self.set_recording("take", None)

        unsubs = [bus.subscribe(t, on_event) for t in ("live.", "rehearsal.")]

        def unsubscribe() -> None:
            for u in unsubs:
                u()

        self._unsubscribe = unsubscribe

    def _drill(self) -> None:
        """Tests only: die hard a moment after a recording starts (see ``DRILL_ENV``)."""
        spec = os.environ.get(DRILL_ENV, "")
        if not spec:
            return
        how, _, after = spec.partition(":")
        log.warning("crash drill: %s in %s s", how, after or "0")

        def die() -> None:
            time.sleep(float(after or 0))
            if how == "abort":
                os.abort()
            faulthandler._sigsegv()  # type: ignore[attr-defined]

        threading.Thread(target=die, name="crash-drill", daemon=True).start()

    def add_listener(self, fn: Callable[[CrashReport], None]) -> None:
        self._listeners.append(fn)

    # -- the hooks ----------------------------------------------------------------
    def install(self) -> None:
        """``sys.excepthook`` and ``threading.excepthook`` both go to :meth:`report`."""

        def excepthook(
            etype: type[BaseException], value: BaseException, tb: TracebackType | None
        ) -> None:
            if issubclass(etype, KeyboardInterrupt):
                sys.__excepthook__(etype, value, tb)
                return
            self.report(value, "main thread")

        def thread_hook(args: threading.ExceptHookArgs) -> None:
            if args.exc_type is SystemExit or args.exc_value is None:
                return
            name = args.thread.name if args.thread is not None else "?"
            self.report(args.exc_value, f"thread {name}")

        self._hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = excepthook
        threading.excepthook = thread_hook

    def asyncio_handler(self, loop: Any, context: dict[str, Any]) -> None:
        """For ``loop.set_exception_handler``: errors dialog, bare messages are logged."""
        exc = context.get("exception")
        message = str(context.get("message", "asyncio error"))
        if isinstance(exc, BaseException):
            self.report(exc, "asyncio", note=message)
        else:
            self.report(None, "asyncio", note=message, dialog=False)

    def report(
        self,
        exc: BaseException | None,
        where: str,
        *,
        note: str = "",
        dialog: bool = True,
    ) -> CrashReport:
        """The one place: log with traceback, remember in the marker, tell the listeners."""
        if exc is not None:
            summary = redact(f"{type(exc).__name__}: {exc}")
            details = redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        else:
            summary, details = redact(note), redact(note)
        report = CrashReport(where, summary, details, _now(), dialog)
        log.critical("unhandled error in %s%s:\n%s", where, f" ({note})" if note else "", details)
        with self._lock:
            if self._state:
                self._state["last_error"] = {
                    "time": report.time,
                    "where": where,
                    "summary": summary,
                }
        self._save()
        if getattr(self._reporting, "busy", False):  # a listener failed: do not loop
            return report
        self._reporting.busy = True
        try:
            for fn in list(self._listeners):
                try:
                    fn(report)
                except Exception:
                    log.exception("crash listener failed")
        finally:
            self._reporting.busy = False
        return report

    # -- the clean exit ---------------------------------------------------------
    def stop(self) -> None:
        """A clean exit: hooks back, faulthandler back on stderr, marker and fatal log gone."""
        self._stop.set()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._hooks is not None:
            sys.excepthook, threading.excepthook = self._hooks
            self._hooks = None
        if self._fatal_file is not None:
            if sys.__stderr__ is not None:
                faulthandler.enable(sys.__stderr__)
            else:
                faulthandler.disable()
            self._fatal_file.close()
            self._fatal_file = None
            self.fatal_path.unlink(missing_ok=True)
        with self._lock:
            self._state = {}
        self.marker.unlink(missing_ok=True)
