"""A rehearsal take from the desktop studio: the running preview becomes a take.

The GUI's pipeline is already running (the preview), so a desk take starts the
recorder and the show's clock on the same frame (a tick hook), which keeps the
recording's chapter marks and the cue engine's times on one timeline. When the
take ends, the report is written by the same :func:`write_report` as
``studio rehearse``, so both paths give the same report.

The desk depends on the studio's parts, not on the app: the pipeline, the
show controller that arms the script (:class:`studio.onair.show.ShowController`)
and, for commerce, the narrow :class:`Connection` the app provides.

Commerce: a rehearsal must never sell for real. If the studio is connected to
a real session, :func:`rehearsal_session` creates a rehearsal session (彩排)
at the backend for the take and the app switches to it until the take ends.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from studio.errors import UserError
from studio.media.outputs import Output, Recorder
from studio.rehearsal.take import next_take_number
from studio.show.clips import _safe

if TYPE_CHECKING:
    from studio.media.engine import Pipeline
    from studio.onair.show import ShowController
    from studio.show.cues import CueEngine

log = logging.getLogger(__name__)

START_TIMEOUT = 5.0  # seconds to wait for the pipeline's next frame


class Connection(Protocol):
    """What the desk reads of the studio's backend connection (``StudioApp`` is one)."""

    @property
    def commerce(self) -> Any: ...  # the CommerceSide, None when not connected
    @property
    def session_id(self) -> int | None: ...


@dataclass
class DeskTake:
    number: int
    folder: Path
    recording: Path
    recorder: Recorder | None = None
    previews: list[Output] = field(default_factory=list)
    started: bool = False  # the first frame is recorded and the show's clock runs
    live_session: int | None = None  # the real session to go back to afterwards
    session_id: int | None = None  # the rehearsal session the take runs on (ended after it)
    made_session: bool = False  # that session was made for this take
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _cancelled: bool = False

    @property
    def report(self) -> Path:
        return self.folder / "report.json"

    def cancel(self) -> None:
        """No start after this: a hook still waiting for its frame does nothing."""
        with self._lock:
            self._cancelled = True


def take_folder(root: Path, show_path: str, title: str) -> tuple[int, Path]:
    """``root/<show>/take-NN``: takes of one script side by side, numbered on."""
    stem = _safe(Path(show_path).stem if show_path else title)
    folder = root / stem
    n = next_take_number(folder)
    return n, folder / f"take-{n:02d}"


def is_rehearsal(app: Connection, session_id: int | None) -> bool:
    """Is ``session_id`` a rehearsal session (as the backend said when it was prepared)?"""
    side = app.commerce
    if side is None or session_id is None:
        return False
    row = side.commerce.store.one("SELECT rehearsal FROM sessions WHERE id=?", [session_id])
    return bool(row and row.get("rehearsal"))


def rehearsal_session(app: Connection, title: str) -> int | None:
    """The backend session a take runs on: the current one if it is a rehearsal that
    has not ended, else a new rehearsal session made for this take (None when not
    connected). A take's session is ended when the take ends."""
    side = app.commerce
    if side is None or app.session_id is None:
        return None
    core = side.commerce
    row = core.store.one("SELECT rehearsal, state FROM sessions WHERE id=?", [app.session_id])
    if row and row.get("rehearsal") and row.get("state") != "ended":
        return app.session_id
    try:
        made = side.call(
            core.client.request(
                "POST", "/api/sessions", json={"title": f"彩排 · {title}"[:100], "rehearsal": True}
            ),
            timeout=20,
        )
    except Exception as exc:
        raise UserError(
            f"could not create a rehearsal session at the backend ({exc})",
            "check the connection, or disconnect the backend to rehearse without it",
        ) from exc
    log.info("rehearsal session %s created for %r", made["id"], title)
    return int(made["id"])


def start_on_next_frame(
    pipeline: Pipeline, director: ShowController, take: DeskTake, engine: CueEngine
) -> None:
    """Start recorder and show clock on one frame; returns once that frame has begun.

    The hook runs on the pipeline's clock thread and only arms what was built
    beforehand. The recorder's first picture is that very frame (a keyframe is
    forced there, older frames still in the encode queue are left out), so the
    recording, its chapters and the cue times share one zero.
    """
    ready = threading.Event()
    failed: list[BaseException] = []

    def begin(frame: int, t: float) -> None:
        if begin in pipeline.tick_hooks:
            pipeline.tick_hooks.remove(begin)
        with take._lock:
            if take._cancelled:
                return
            try:
                take.recorder = pipeline.add_recorder(take.recording, at_frame=frame)
                director.arm(engine, t, frame)  # after the recorder: cue chapters go in
                take.started = True
            except BaseException as exc:  # reported on the caller's thread
                failed.append(exc)
            finally:
                ready.set()

    pipeline.tick_hooks.insert(0, begin)
    if not ready.wait(START_TIMEOUT):
        take.cancel()  # waits for a hook that is running right now
        if begin in pipeline.tick_hooks:
            pipeline.tick_hooks.remove(begin)
        if not take.started:
            raise UserError("the preview is not running", "pick a picture source, then rehearse")
    if failed:
        raise failed[0]


def wait_recorded(recorder: Recorder, until: float, frame: float, timeout: float = 5.0) -> bool:
    """Wait until the recorder has written the picture at pipeline time ``until``.

    Frames still in the encode queue when a take ends belong to it; a loaded
    machine may hold several. False if the recorder did not get there in time.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        origin = recorder.base_seconds
        if origin is not None and recorder.last_seconds + origin >= until - frame - 1e-6:
            return True
        if recorder.state in ("failed", "stopped"):
            return False
        time.sleep(0.02)
    log.warning("recording of the take is %.1f s behind at its end", until - recorder.last_seconds)
    return False


def remove_if_empty(folder: Path) -> None:
    """A take that never started leaves no empty folder (and no gap in the numbering)."""
    with contextlib.suppress(OSError):  # not empty, or not there
        folder.rmdir()
