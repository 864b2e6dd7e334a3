"""A rehearsal take from the desktop studio: the running preview becomes a take.

The GUI's pipeline is already running (the preview), so a desk take starts the
recorder and the show's clock on the same frame (a tick hook), which keeps the
recording's chapter marks and the cue engine's times on one timeline. When the
take ends, the report is written by the same :func:`write_report` as
``studio rehearse``, so both paths give the same report.

Commerce: a rehearsal must never sell for real. If the studio is connected to
a real session, :func:`rehearsal_session` creates a rehearsal session (彩排)
at the backend for the take and the app switches to it until the take ends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import UserError
from studio.media.outputs import Output, Recorder
from studio.rehearsal.take import next_take_number
from studio.show.clips import _safe

if TYPE_CHECKING:
    from studio.app import StudioApp

log = logging.getLogger(__name__)

START_TIMEOUT = 5.0  # seconds to wait for the pipeline's next frame


@dataclass
class DeskTake:
    number: int
    folder: Path
    recording: Path
    recorder: Recorder | None = None
    previews: list[Output] = field(default_factory=list)
    started_at: float = 0.0  # pipeline seconds of the take's first frame
    live_session: int | None = None  # the real session to go back to afterwards

    @property
    def report(self) -> Path:
        return self.folder / "report.json"


def take_folder(root: Path, show_path: str, title: str) -> tuple[int, Path]:
    """``root/<show>/take-NN``: takes of one script side by side, numbered on."""
    stem = _safe(Path(show_path).stem if show_path else title)
    folder = root / stem
    n = next_take_number(folder)
    return n, folder / f"take-{n:02d}"


def rehearsal_session(app: StudioApp, title: str) -> int | None:
    """The backend session a take runs on: the current one if it is a rehearsal,
    else a new rehearsal session made for this take (None when not connected)."""
    side = app.commerce
    if side is None or app.session_id is None:
        return None
    core = side.commerce
    row = core.store.one("SELECT rehearsal FROM sessions WHERE id=?", [app.session_id])
    if row and row.get("rehearsal"):
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


def start_on_next_frame(app: StudioApp, take: DeskTake) -> None:
    """Start recorder and show clock on one frame; returns once that frame is rendered."""
    pipeline = app.pipeline
    ready = threading.Event()
    failed: list[BaseException] = []

    def begin(frame: int, t: float) -> None:
        pipeline.tick_hooks.remove(begin)
        try:
            take.recorder = pipeline.add_recorder(take.recording)  # first: cue chapters go in
            app.start_show(at=t)
            take.started_at = t
        except BaseException as exc:  # reported to the caller's thread
            failed.append(exc)
        finally:
            ready.set()

    pipeline.tick_hooks.insert(0, begin)
    if not ready.wait(START_TIMEOUT):
        if begin in pipeline.tick_hooks:
            pipeline.tick_hooks.remove(begin)
        raise UserError("the preview is not running", "pick a picture source, then rehearse")
    if failed:
        raise failed[0]


def describe(report: dict[str, Any]) -> str:
    """One line for the status bar."""
    s = report["summary"]
    return (
        f"cues on time {s['on_time']}/{s['timed_cues']}, early {s['early']}, late {s['late']}, "
        f"missed {s['missed']}, dead air {s['dead_air_count']}"
    )
