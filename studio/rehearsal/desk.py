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

from studio.config import ensure_folder
from studio.errors import UserError
from studio.media.outputs import Output, Recorder, RtmpOutput
from studio.media.sources import check_push_url
from studio.redact import mask_url
from studio.rehearsal.take import next_take_number
from studio.show.clips import _safe

if TYPE_CHECKING:
    from studio.config import Profile
    from studio.media.engine import Pipeline
    from studio.onair.show import ShowController
    from studio.overlays.manager import OverlayManager
    from studio.show.cues import CueEngine

log = logging.getLogger(__name__)

START_TIMEOUT = 5.0  # seconds to wait for the pipeline's next frame


class Connection(Protocol):
    """What the desk uses of the studio's backend connection (``StudioApp`` is one)."""

    @property
    def commerce(self) -> Any: ...  # the CommerceSide, None when not connected
    @property
    def session_id(self) -> int | None: ...
    @property
    def people(self) -> tuple[str, str]: ...  # the session's guide and store names
    @property
    def signed_in(self) -> bool: ...
    def join_session(self, session_id: int) -> None: ...
    def start_session(self, session_id: int) -> None: ...
    def end_session(self, session_id: int) -> None: ...
    def disconnect_commerce(self) -> None: ...


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
    return side.commerce.store.is_rehearsal(session_id)


def rehearsal_session(app: Connection, title: str) -> int | None:
    """The backend session a take runs on: the current one if it is a rehearsal that
    has not ended, else a new rehearsal session made for this take (None when not
    connected). A take's session is ended when the take ends."""
    side = app.commerce
    if side is None or app.session_id is None:
        return None
    core = side.commerce
    row = core.store.session(app.session_id)
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


class RehearsalDesk:
    """Rehearsal takes on the running preview, built from the studio's parts.

    Holds the take while it starts, runs and ends (the app refuses going live
    and connecting meanwhile). Connected to a real session, a take runs on a
    rehearsal session made for it, so no order or commission of it is real,
    and the real session is joined again afterwards.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        profile: Profile,
        director: ShowController,
        overlays: OverlayManager,
        conn: Connection,
    ) -> None:
        self.pipeline, self.profile = pipeline, profile
        self.director, self.overlays, self.conn = director, overlays, conn
        self.take: DeskTake | None = None
        self.rejoin_error: str | None = None  # the real session could not be rejoined

    @property
    def rehearsing(self) -> bool:
        """A take is recording (from its first frame until it is finished)."""
        take = self.take
        return take is not None and take.started

    def start(self, root: Path, preview_urls: tuple[str, ...] = ()) -> Path:
        """Run the loaded script as a take recorded under ``root``; returns its folder.

        Nothing goes to the go-live destinations; ``preview_urls`` are private
        previews. A start that fails half way is rolled back (folder, previews,
        session).
        """
        show, conn = self.director.show, self.conn
        if show is None:
            raise UserError("no show script loaded", "load a .toml show script first")
        if self.take is not None:
            raise UserError("a rehearsal take is already running", "end it first")
        for url in preview_urls:
            check_push_url(url, f"preview {mask_url(url)!r}")
        ensure_folder(root, "rehearsal_dir")
        number, folder = take_folder(root, show.path, show.title)
        take = DeskTake(number, folder, folder / "take.mkv")
        self.take = take  # from here go_live and connecting are refused
        try:
            self.director.stop()
            sid = rehearsal_session(conn, show.title)
            take.session_id = sid
            if sid is not None and sid != conn.session_id:
                take.made_session = True
                if not is_rehearsal(conn, conn.session_id):
                    take.live_session = conn.session_id  # the real one, to go back to
                conn.join_session(sid)
            ensure_folder(folder, "rehearsal_dir")  # the take's own, under the setting's
            engine = self.director.make_engine(conn.people, conn.session_id)
            for url in preview_urls:
                take.previews.append(self.pipeline.add_output(RtmpOutput(url)))
            start_on_next_frame(self.pipeline, self.director, take, engine)
            if sid is not None:  # on the manager's wall: 彩排
                conn.start_session(sid)
        except BaseException:
            self.drop()
            remove_if_empty(folder)
            raise
        self.pipeline.bus.publish(
            "rehearsal.started", take=number, folder=str(folder), session_id=sid
        )
        return folder

    def finish(self, source: str) -> Path:
        """End the take: recording closed, report, chart and clips written; returns report.json.

        ``source`` is the picture source's spec, kept in the report's meta.
        """
        from studio.rehearsal.report import fired_dicts
        from studio.rehearsal.take import write_report

        take, show, engine = self.take, self.director.show, self.director.cues
        if take is None or not take.started or show is None or engine is None:
            raise UserError("no rehearsal take is running", "press Rehearse first")
        end = self.pipeline.media_seconds
        fired = fired_dicts(engine.fired)
        run_id, sid = engine.run_id, self.conn.session_id
        self.director.stop()
        if take.recorder is not None:  # every frame up to the end is in the file
            wait_recorded(take.recorder, end, 1.0 / self.profile.fps)
        self.drop()
        path = write_report(
            show,
            take.recording,
            fired,
            fps=self.profile.fps,
            take=take.number,
            meta={"source": source, "from": "desktop", "run_id": run_id, "session": sid},
        )
        self.pipeline.bus.publish("rehearsal.finished", take=take.number, report=str(path))
        return path

    def drop(self) -> None:
        """Stop the take's show, recorder and previews; back to the real session if any.

        The take's overlays leave the preview and its rehearsal session is ended at
        the backend (through the outbox, once). If the real session cannot be
        rejoined, the studio disconnects rather than keep rehearsal links on screen;
        :attr:`rejoin_error` says why.
        """
        take, conn = self.take, self.conn
        if take is None:
            return
        take.cancel()
        self.director.stop()
        self.overlays.clear_show()
        for out in [take.recorder, *take.previews]:
            if out is not None:
                self.pipeline.remove_output(out)
        self.take = None
        sid = take.session_id
        if sid is not None and conn.commerce is not None and (take.started or take.made_session):
            conn.end_session(sid)
        if take.live_session is not None and conn.signed_in:
            try:
                conn.join_session(take.live_session)
            except Exception as exc:
                log.error("could not rejoin session %s: %s", take.live_session, exc)
                self.rejoin_error = str(exc)
                conn.disconnect_commerce()
