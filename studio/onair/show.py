"""The show controller: a loaded script run on the media clock, and the guide's own cues.

One of the parts :class:`studio.app.StudioApp` is built from (with the live
outputs and the commerce connection). It owns the loaded :class:`Show`, its
cue engine while it runs, and the chapters and ``show.action`` events of what
the guide does by hand (a product card, its purchase link), named as the cue
engine names scripted ones so ``studio clips`` cuts both alike. A rehearsal
take arms the same engine on the frame its recording starts
(:func:`studio.rehearsal.desk.start_on_next_frame`).
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from pathlib import Path

from studio.events import EventBus
from studio.media.engine import Pipeline
from studio.overlays.manager import OverlayManager
from studio.show.catalog import Catalog
from studio.show.cues import EXPLAIN, HIDE, LINK, SEP, CueEngine, product_chapter
from studio.show.script import Show, load_show

log = logging.getLogger(__name__)


class ShowController:
    """The script and the guide's hand on the program, on one pipeline's clock."""

    def __init__(self, pipeline: Pipeline, overlays: OverlayManager, bus: EventBus) -> None:
        self.pipeline = pipeline
        self.overlays = overlays
        self.bus = bus
        self.show: Show | None = None
        self.cues: CueEngine | None = None
        self.started_at: float | None = None  # pipeline seconds when the script began
        self._cue_tick: object = None
        self.run_id = uuid.uuid4().hex[:12]  # action ids stay unique across runs
        self._clicked: tuple[str, int] = ("", 0)
        self._click_n = 0
        # chapters asked for from the GUI, marked on the clock thread like the cue engine's
        self._chapters_due: deque[str] = deque(maxlen=64)
        pipeline.tick_hooks.append(self._mark_chapters)

    # -- the script ------------------------------------------------------------
    def load(self, path: Path, catalog: Catalog) -> Show:
        """Validate a show script against ``catalog`` (raises ShowError with every problem)."""
        show = load_show(path, catalog)
        self.stop()
        self.show = show
        self.bus.publish("show.loaded", title=show.title, cues=len(show.cues))
        return show

    def make_engine(self, people: tuple[str, str], session_id: int | None) -> CueEngine:
        """A cue engine for the loaded script (link look-ups done here, not on the clock).

        ``people`` are the session's guide and store names ("" for the script's own).
        """
        from studio.errors import UserError

        if self.show is None:
            raise UserError("no show script loaded", "load a .toml show script first")
        show, ov = self.show, self.overlays
        guide, store = people
        ov.guide, ov.store = guide or show.guide, store or show.store
        ov.commission_rate = show.commission_rate
        return CueEngine(
            show,
            ov,
            self.bus,
            chapter=self.pipeline.add_chapter,
            session_id=str(session_id) if session_id else None,
        )

    def arm(self, engine: CueEngine, start: float, frame: int | None = None) -> None:
        """Run ``engine`` on the media clock from pipeline time ``start``.

        From a tick hook, ``frame`` is that tick: the show's first tick runs on
        that very frame (a rehearsal take starts its recording there).
        """

        def tick(n: int, t: float) -> None:
            engine.tick(n, t - start)

        self._cue_tick = tick
        self.pipeline.tick_hooks.insert(0, tick)
        self.cues, self.started_at = engine, start
        if frame is not None:
            tick(frame, start)

    def stop(self) -> None:
        cues, tick = self.cues, self._cue_tick
        self.cues, self.started_at = None, None
        if cues is not None:
            if tick in self.pipeline.tick_hooks:
                self.pipeline.tick_hooks.remove(tick)
            cues.close()

    @property
    def seconds(self) -> float | None:
        """How far into the running script the program is (None when none runs)."""
        started = self.started_at
        if started is None:
            return None
        return self.pipeline.media_seconds - started

    def trigger_cue(self, cue_id: str) -> bool:
        """Fire one cue of the running script now (double-click in the cue list)."""
        cues = self.cues
        if cues is None:
            return False
        cues.trigger(cue_id)
        return True

    def cue_hotkey(self, key: str) -> bool:
        """The manual cue bound to ``key`` (``[F2]`` in the guide's "next" line) fires."""
        cues = self.cues
        return cues is not None and cues.hotkey(key)

    def next_cue(self) -> str | None:
        """Fire the next planned cue now; its id, or None (no script running or none left)."""
        cues = self.cues
        cue = cues.next_cue() if cues is not None else None
        return cue.id if cue is not None else None

    # -- the guide's hand --------------------------------------------------------
    def _mark_chapters(self, _frame: int, _t: float) -> None:
        while self._chapters_due:
            self.pipeline.add_chapter(self._chapters_due.popleft())

    def mark_chapter(self, title: str) -> None:
        """A chapter on the next frame, the one the overlay change it names appears on."""
        self._chapters_due.append(title)

    def product_clicked(self, sku: str, catalog: Catalog) -> str:
        """First click shows the product card, the second pops its purchase link.

        Either is a chapter named as the cue engine names a scripted one, so
        ``studio clips`` cuts an unscripted explanation too. Returns what
        happened: ``"card"`` or ``"link"``.
        """
        product = catalog[sku]
        last, n = self._clicked
        self._click_n += 1
        action_id = f"ui:{self.run_id}:click:{self._click_n}"
        if last == sku and n == 1:
            url = self.overlays.pop_link(sku)
            self._clicked = (sku, 2)
            self.mark_chapter(product_chapter(LINK, product))
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
        self.mark_chapter(product_chapter(EXPLAIN, product))
        self.bus.publish(
            "show.action",
            type="card_shown",
            session_id=None,
            payload={"sku": sku, "name": product.name},
            action_id=action_id,
        )
        return "card"

    def hide_products(self) -> None:
        """Card and link off: the explanation's clip ends here (a ``收起`` chapter)."""
        self.overlays.hide_card()
        self.overlays.hide_link()
        self._clicked = ("", 0)
        self.mark_chapter(f"{HIDE}{SEP}商品卡")
