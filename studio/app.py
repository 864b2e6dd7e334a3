"""The studio without a window: what the desktop UI drives (and tests drive headless).

Owns the running pipeline from the moment the app opens (the preview runs
before going live, as in OBS), the chosen source, and the live session's
outputs. Every call is quick; ``go_live`` and ``end`` may block for a moment
(connecting, flushing) and the UI runs them off its thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from studio.config import Profile
from studio.errors import UserError
from studio.events import EventBus
from studio.media.engine import Pipeline
from studio.media.outputs import Output, Recorder, RtmpOutput
from studio.media.outputs.recorder import check_writable, unique_path
from studio.media.sources import open_source, parse_remote_url
from studio.overlays.manager import OverlayManager
from studio.redact import mask_url
from studio.show.catalog import Catalog, demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import Show, load_show

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Destination:
    """A platform to push to. ``url`` holds the key; only :func:`mask_url` of it is shown."""

    name: str
    url: str

    @property
    def shown(self) -> str:
        return mask_url(self.url)


class StudioApp:
    def __init__(
        self,
        profile: Profile | None = None,
        bus: EventBus | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.profile = profile or Profile()
        self.bus = bus or EventBus()
        self.pipeline = Pipeline(self.profile, self.bus)
        self.pipeline.preview_enabled = True
        self.source_spec = ""
        self.live_outputs: list[Output] = []
        self.recorder: Recorder | None = None
        self.catalog = catalog or demo_catalog()
        self.overlays = OverlayManager.attach(self.pipeline, self.catalog)
        self.show: Show | None = None
        self.cues: CueEngine | None = None
        self.show_started_at: float | None = None  # pipeline seconds when the script began
        self._cue_tick: object = None
        self._clicked: tuple[str, int] = ("", 0)
        self._click_n = 0

    # -- preview ------------------------------------------------------------
    def open(self, source_spec: str = "test") -> None:
        """Start the preview with a source."""
        self.set_source(source_spec)
        if not self.pipeline.running:
            self.pipeline.start()

    def set_source(self, spec: str) -> None:
        p = self.profile
        src = open_source(spec, p.width, p.height, p.fps)
        self.pipeline.replace_source(src)
        self.source_spec = spec
        self.bus.publish("source.changed", spec=spec, name=src.name)

    # -- selling ------------------------------------------------------------
    def product_clicked(self, sku: str) -> str:
        """First click shows the product card, the second pops its purchase link.

        Returns what happened: ``"card"`` or ``"link"``.
        """
        product = self.catalog[sku]
        last, n = self._clicked
        self._click_n += 1
        action_id = f"ui:{id(self):x}:click:{self._click_n}"
        if last == sku and n == 1:
            url = self.overlays.pop_link(sku)
            self._clicked = (sku, 2)
            self.bus.publish(
                "show.action",
                type="link_shown",
                session_id=None,
                payload={"sku": sku, "url": url, "name": product.name},
                action_id=action_id,
            )
            return "link"
        self.overlays.show_card(sku)
        self._clicked = (sku, 1)
        self.bus.publish(
            "show.action",
            type="card_shown",
            session_id=None,
            payload={"sku": sku, "name": product.name},
            action_id=action_id,
        )
        return "card"

    def load_show(self, path: Path) -> Show:
        """Validate a show script against the catalog (raises ShowError with every problem)."""
        show = load_show(path, self.catalog)
        self.stop_show()
        self.show = show
        self.bus.publish("show.loaded", title=show.title, cues=len(show.cues))
        return show

    def start_show(self) -> None:
        """Start the loaded script's clock now (its cue times count from here)."""
        if self.show is None:
            raise UserError("no show script loaded", "load a .toml show script first")
        self.stop_show()
        show = self.show
        ov = self.overlays
        ov.guide, ov.store, ov.commission_rate = show.guide, show.store, show.commission_rate
        engine = CueEngine(show, self.overlays, self.bus, chapter=self.pipeline.add_chapter)
        start = self.pipeline.media_seconds

        def tick(frame: int, t: float) -> None:
            engine.tick(frame, t - start)

        self._cue_tick = tick
        self.pipeline.tick_hooks.insert(0, tick)
        self.cues, self.show_started_at = engine, start

    def stop_show(self) -> None:
        if self.cues is not None:
            if self._cue_tick in self.pipeline.tick_hooks:
                self.pipeline.tick_hooks.remove(self._cue_tick)
            self.cues.close()
        self.cues, self.show_started_at = None, None

    @property
    def show_seconds(self) -> float | None:
        if self.show_started_at is None:
            return None
        return self.pipeline.media_seconds - self.show_started_at

    # -- live ---------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return bool(self.live_outputs)

    def go_live(self, destinations: list[Destination], record: Path | None) -> list[Output]:
        if self.is_live:
            raise UserError("already live", "end the show before going live again")
        if not destinations and record is None:
            raise UserError(
                "no destination and no recording",
                "tick a platform or the recording before going live",
            )
        for d in destinations:
            if not d.url.lower().startswith(("rtmp://", "rtmps://")):
                raise UserError(
                    f"{d.name}: {d.shown!r} is not an RTMP address",
                    "write it as rtmp://host/app and the stream key apart",
                )
            parse_remote_url(d.url)
        rec_path = None
        if record is not None:
            rec_path = unique_path(record)
            check_writable(rec_path)
        outs: list[Output] = []
        for d in destinations:
            out = RtmpOutput(d.url)
            out.name = d.name
            outs.append(self.pipeline.add_output(out))
        if rec_path is not None:
            self.recorder = self.pipeline.add_recorder(rec_path)
            outs.append(self.recorder)
        self.live_outputs = outs
        self.bus.publish(
            "live.started",
            outputs=[o.name for o in outs],
            record=str(rec_path) if rec_path else None,
        )
        return outs

    def end(self) -> Path | None:
        """End the show: every output flushed and closed; returns the recording path."""
        path = self.recorder.path if self.recorder else None
        for out in self.live_outputs:
            self.pipeline.remove_output(out)
        self.live_outputs = []
        self.recorder = None
        self.bus.publish("live.ended", record=str(path) if path else None)
        return path

    def reconnect_now(self, name: str | None = None) -> None:
        for out in self.live_outputs:
            if isinstance(out, RtmpOutput) and name in (None, out.name):
                out.reconnect_now()

    def close(self) -> None:
        self.stop_show()
        if self.is_live:
            self.end()
        self.overlays.detach()
        self.pipeline.stop()
