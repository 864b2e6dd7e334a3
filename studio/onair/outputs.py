"""The live outputs: where a live goes (platforms, the recording) on the running pipeline.

One of the parts :class:`studio.app.StudioApp` is built from. It checks what a
live asks for before anything starts (push addresses, the recording's folder
and format), adds the outputs to the pipeline, and takes them away again at
the end, flushed; the app decides what a live means for the show and the
backend session around it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from studio.config import ensure_folder
from studio.errors import UserError
from studio.media.engine import Pipeline
from studio.media.outputs import Output, Recorder, RtmpOutput
from studio.media.outputs.recorder import unique_path
from studio.media.sources import check_push_url
from studio.redact import mask_url

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    """A platform to push to. ``url`` holds the key; only :func:`mask_url` of it is shown."""

    name: str
    url: str

    @property
    def shown(self) -> str:
        return mask_url(self.url)


class LiveOutputs:
    """A live's RTMP outputs and recording on one pipeline (none between lives)."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.outputs: list[Output] = []
        self.recorder: Recorder | None = None

    @property
    def is_live(self) -> bool:
        return bool(self.outputs)

    def check(self, destinations: list[Destination], record: Path | None) -> Path | None:
        """Refuse a live that cannot start (UserError); the recording's own free path."""
        if self.is_live:
            raise UserError("already live", "end the show before going live again")
        if not destinations and record is None:
            raise UserError(
                "no destination and no recording",
                "tick a platform or the recording before going live",
            )
        for d in destinations:
            check_push_url(
                d.url, f"{d.name}: {d.shown!r}", "write it as rtmp://host/app and the key apart"
            )
        if record is None:
            return None
        # the window's folder setting, worded as one (not --record)
        if record.suffix.lower() not in (".mkv", ".mka"):
            raise UserError(
                f"the recording {record.name} is not a Matroska file",
                "end its name with .mkv (it survives a crash; MP4 does not)",
            )
        ensure_folder(record.parent, "record_dir")
        return unique_path(record)

    def start(self, destinations: list[Destination], record: Path | None) -> list[Output]:
        """Every destination and the recording (a path :meth:`check` gave) on the pipeline."""
        outs: list[Output] = []
        for d in destinations:
            out = RtmpOutput(d.url)
            out.name = d.name
            outs.append(self.pipeline.add_output(out))
        if record is not None:
            self.recorder = self.pipeline.add_recorder(record)
            outs.append(self.recorder)
        self.outputs = outs
        return outs

    def stop(self) -> Path | None:
        """Every output flushed and closed; the recording's path, if there was one."""
        path = self.recorder.path if self.recorder else None
        for out in self.outputs:
            self.pipeline.remove_output(out)
        self.outputs = []
        self.recorder = None
        return path

    def reconnect_now(self, name: str | None = None) -> None:
        """Retry the platforms that are not live (one by name, or all)."""
        for out in self.outputs:
            if isinstance(out, RtmpOutput) and name in (None, out.name):
                out.reconnect_now()
