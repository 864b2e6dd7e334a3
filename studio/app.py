"""The studio without a window: what the desktop UI drives (and tests drive headless).

Owns the running pipeline from the moment the app opens (the preview runs
before going live, as in OBS), the chosen source, and the live session's
outputs. Every call is quick; ``go_live`` and ``end`` may block for a moment
(connecting, flushing) and the UI runs them off its thread.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.config import Profile, ensure_folder
from studio.errors import UserError
from studio.events import EventBus
from studio.media.compositor import VideoLayer
from studio.media.engine import Pipeline
from studio.media.outputs import Output, Recorder, RtmpOutput
from studio.media.outputs.recorder import unique_path
from studio.media.sources import check_push_url, open_source
from studio.overlays.manager import OverlayManager
from studio.redact import mask_url
from studio.show.catalog import Catalog, demo_catalog
from studio.show.cues import EXPLAIN, HIDE, LINK, SEP, CueEngine, product_chapter
from studio.show.script import Show, load_show

if TYPE_CHECKING:
    from studio.commerce.credentials import Credentials
    from studio.rehearsal.desk import DeskTake

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
        self.commerce: Any = None  # CommerceSide once connected to a backend
        self._people: tuple[str, str] = ("", "")  # the session's guide and store names
        self.session_id: int | None = None
        self.embedded: Any = None  # EmbeddedBackend in demo mode
        self._credentials: Credentials | None = None  # in memory, to switch sessions
        self.take: DeskTake | None = None  # while a rehearsal take starts, runs, ends
        self.rejoin_error: str | None = None  # the real session could not be rejoined
        self._clicked: tuple[str, int] = ("", 0)
        self._click_n = 0
        self._run_id = uuid.uuid4().hex[:12]  # action ids stay unique across runs
        # chapters asked for from the GUI, marked on the clock thread like the cue engine's
        self._chapters_due: deque[str] = deque(maxlen=64)
        self.pipeline.tick_hooks.append(self._mark_chapters)

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

    # -- commerce -----------------------------------------------------------
    def connect_commerce(self, backend_url: str, user: str, password: str, session_id: int) -> int:
        """Join a backend session: links made ahead, orders followed; returns ready links."""
        from studio.commerce.credentials import Credentials

        self._refuse_during_take()
        return self._join(Credentials(backend_url, user, password=password), session_id)

    def _refuse_during_take(self) -> None:
        if self.take is not None:
            raise UserError(
                "a rehearsal take is running", "end the rehearsal, then connect to the backend"
            )

    def _join(self, creds: Credentials | None, session_id: int) -> int:
        from studio.commerce.side import CommerceSide

        if creds is None:
            raise UserError("not signed in to a backend", "connect to the backend first")
        self._stop_commerce_side()
        backend_url = creds.backend_url
        side = CommerceSide.start(
            bus=self.bus, credentials=creds, session_id=session_id, products=None, prepare_wait=5.0
        )
        core = side.commerce
        try:
            side.call(core.refresh_catalog(images=False), timeout=15)
        except Exception as exc:  # offline: keep the cached or demo catalog
            log.warning("catalog refresh failed: %s", exc)
        rows = core.store.query("SELECT * FROM products ORDER BY id")
        if rows:
            self.catalog = Catalog.from_dicts(
                {**r, "price": r["price_cents"] / 100, "list_price": r["list_price_cents"] / 100}
                for r in rows
            )
            self.overlays.catalog = self.catalog
            self.overlays.stock = {p.sku: p.stock for p in self.catalog}
        ids = [pid for pid in (core.product_id(p.sku) for p in self.catalog) if pid is not None]
        links = side.call(core.prepare_session(session_id, ids, wait=5.0), timeout=30)
        self.overlays.link_for = lambda sku: core.link_for_sku(sku, session_id) or ""
        self.overlays.links.clear()
        core.follow(session_id)
        try:  # the session's guide and store name the lower third, not a sample script's
            self._people = side.call(core.session_people(session_id), timeout=10)
        except Exception as exc:
            log.info("session names not read: %s", exc)
            self._people = ("", "")
        self.commerce, self.session_id, self._credentials = side, session_id, creds
        threading.Thread(
            target=self._fetch_images, args=(side,), name="catalog-images", daemon=True
        ).start()
        self.bus.publish(
            "commerce.connected",
            url=backend_url,
            session_id=session_id,
            links=sum(1 for u in links.values() if u),
        )
        return sum(1 for u in links.values() if u)

    def _fetch_images(self, side: Any) -> None:
        """Product pictures into the commerce cache, after connecting (not to delay it).

        Publishes ``catalog.images`` ({sku: path}) for the shelf.
        """
        core = side.commerce
        try:
            side.call(core.refresh_catalog(images=True), timeout=60)
            rows = core.store.query("SELECT sku, image_path FROM products")
        except Exception as exc:  # offline or gone: the shelf keeps its placeholders
            log.warning("product pictures not fetched: %s", exc)
            return
        images = {str(r["sku"]): str(r["image_path"]) for r in rows if r.get("image_path")}
        if images:
            self.bus.publish("catalog.images", images=images)

    def start_demo(self, shoppers: int = 20) -> int:
        """Demo mode: an embedded backend with demo data, signed in as a demo guide."""
        from studio.backend.embedded import (
            DEMO_PASSWORD,
            DEMO_SESSION,
            DEMO_USER,
            EmbeddedBackend,
        )

        self._refuse_during_take()
        self.disconnect_commerce()
        self.embedded = EmbeddedBackend.start(shoppers=shoppers)
        return self.connect_commerce(self.embedded.url, DEMO_USER, DEMO_PASSWORD, DEMO_SESSION)

    def _stop_commerce_side(self) -> None:
        if self.commerce is not None:
            self.commerce.stop(flush_timeout=3.0)
            self.commerce = None

    def disconnect_commerce(self) -> None:
        """Leave the backend; in demo mode the embedded backend stops too.

        Purchase links fall back to placeholders: a QR of a session the studio
        has left must not stay on screen.
        """
        from studio.overlays.links import placeholder_link_for

        had_links = self.commerce is not None
        self._stop_commerce_side()
        self.session_id = None
        if had_links:
            self.overlays.link_for = placeholder_link_for()
            self.overlays.links.clear()
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None

    # -- selling ------------------------------------------------------------
    def _mark_chapters(self, _frame: int, _t: float) -> None:
        while self._chapters_due:
            self.pipeline.add_chapter(self._chapters_due.popleft())

    def mark_chapter(self, title: str) -> None:
        """A chapter on the next frame, the one the overlay change it names appears on."""
        self._chapters_due.append(title)

    def product_clicked(self, sku: str) -> str:
        """First click shows the product card, the second pops its purchase link.

        Either is a chapter named as the cue engine names a scripted one, so
        ``studio clips`` cuts an unscripted explanation too. Returns what
        happened: ``"card"`` or ``"link"``.
        """
        product = self.catalog[sku]
        last, n = self._clicked
        self._click_n += 1
        action_id = f"ui:{self._run_id}:click:{self._click_n}"
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

    # -- scenes ---------------------------------------------------------------
    @property
    def video_sources(self) -> int:
        """Pictures on the program: picture-in-picture needs two (one is a black frame)."""
        return sum(isinstance(ly, VideoLayer) for ly in self.pipeline.scene.program)

    def set_scene(self, name: str) -> bool:
        """Change the layout; pip with one picture is refused (False), as the engine does."""
        if name == "pip" and self.video_sources < 2:
            log.warning("picture-in-picture refused: %d source(s)", self.video_sources)
            return False
        self.overlays.set_scene(name)
        return True

    # -- the script -----------------------------------------------------------
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

    def load_show(self, path: Path) -> Show:
        """Validate a show script against the catalog (raises ShowError with every problem)."""
        if self.take is not None:
            raise UserError("a rehearsal take is running", "end the rehearsal, then load a script")
        show = load_show(path, self.catalog)
        self.stop_show()
        self.show = show
        self.bus.publish("show.loaded", title=show.title, cues=len(show.cues))
        return show

    def start_show(self) -> None:
        """Start the loaded script's clock now (its cue times count from here)."""
        if self.take is not None:
            raise UserError("a rehearsal take is running", "end the rehearsal first")
        self.stop_show()
        self.arm_show(self.make_engine(), self.pipeline.media_seconds)

    def make_engine(self) -> CueEngine:
        """A cue engine for the loaded script (link look-ups done here, not on the clock)."""
        if self.show is None:
            raise UserError("no show script loaded", "load a .toml show script first")
        show = self.show
        ov = self.overlays
        guide, store = self._people if self.commerce is not None else ("", "")
        ov.guide, ov.store = guide or show.guide, store or show.store
        ov.commission_rate = show.commission_rate
        return CueEngine(
            show,
            self.overlays,
            self.bus,
            chapter=self.pipeline.add_chapter,
            session_id=str(self.session_id) if self.session_id else None,
        )

    def arm_show(self, engine: CueEngine, start: float, frame: int | None = None) -> None:
        """Run ``engine`` on the media clock from pipeline time ``start``.

        From a tick hook, ``frame`` is that tick: the show's first tick runs on
        that very frame (a rehearsal take starts its recording there).
        """

        def tick(n: int, t: float) -> None:
            engine.tick(n, t - start)

        self._cue_tick = tick
        self.pipeline.tick_hooks.insert(0, tick)
        self.cues, self.show_started_at = engine, start
        if frame is not None:
            tick(frame, start)

    def stop_show(self) -> None:
        cues, tick = self.cues, self._cue_tick
        self.cues, self.show_started_at = None, None
        if cues is not None:
            if tick in self.pipeline.tick_hooks:
                self.pipeline.tick_hooks.remove(tick)
            cues.close()

    @property
    def show_seconds(self) -> float | None:
        started = self.show_started_at
        if started is None:
            return None
        return self.pipeline.media_seconds - started

    # -- live ---------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return bool(self.live_outputs)

    def go_live(self, destinations: list[Destination], record: Path | None) -> list[Output]:
        if self.is_live:
            raise UserError("already live", "end the show before going live again")
        if self.take is not None:
            raise UserError("a rehearsal take is running", "end the rehearsal, then go live")
        if not destinations and record is None:
            raise UserError(
                "no destination and no recording",
                "tick a platform or the recording before going live",
            )
        for d in destinations:
            check_push_url(
                d.url, f"{d.name}: {d.shown!r}", "write it as rtmp://host/app and the key apart"
            )
        rec_path = None
        if record is not None:  # the window's folder setting, worded as one (not --record)
            if record.suffix.lower() not in (".mkv", ".mka"):
                raise UserError(
                    f"the recording {record.name} is not a Matroska file",
                    "end its name with .mkv (it survives a crash; MP4 does not)",
                )
            ensure_folder(record.parent, "record_dir")
            rec_path = unique_path(record)
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

    # -- rehearsal ------------------------------------------------------------
    @property
    def rehearsing(self) -> bool:
        """A take is recording (from its first frame until it is finished)."""
        take = self.take
        return take is not None and take.started

    def start_rehearsal(self, root: Path, preview_urls: tuple[str, ...] = ()) -> Path:
        """Run the loaded script as a rehearsal take recorded under ``root``; returns its folder.

        Nothing goes to the go-live destinations; ``preview_urls`` are private
        previews. Connected to a real session, the take runs on a rehearsal
        session made for it, so no order or commission of the take is real.
        A start that fails half way is rolled back (folder, previews, session).
        """
        from studio.rehearsal import desk

        if self.show is None:
            raise UserError("no show script loaded", "load a .toml show script first")
        if self.is_live:
            raise UserError("the studio is live", "end the live show before rehearsing")
        if self.take is not None:
            raise UserError("a rehearsal take is already running", "end it first")
        for url in preview_urls:
            check_push_url(url, f"preview {mask_url(url)!r}")
        show = self.show
        ensure_folder(root, "rehearsal_dir")
        number, folder = desk.take_folder(root, show.path, show.title)
        take = desk.DeskTake(number, folder, folder / "take.mkv")
        self.take = take  # from here go_live and connecting are refused
        try:
            self.stop_show()
            sid = desk.rehearsal_session(self, show.title)
            if sid is not None and sid != self.session_id:
                take.live_session = self.session_id
                self._join(self._credentials, sid)
            ensure_folder(folder, "rehearsal_dir")  # the take's own, under the setting's
            engine = self.make_engine()
            for url in preview_urls:
                take.previews.append(self.pipeline.add_output(RtmpOutput(url)))
            desk.start_on_next_frame(self, take, engine)
        except BaseException:
            self._drop_take()
            desk.remove_if_empty(folder)
            raise
        self.bus.publish("rehearsal.started", take=number, folder=str(folder), session_id=sid)
        return folder

    def finish_rehearsal(self) -> Path:
        """End the take: recording closed, report, chart and clips written; returns report.json."""
        from studio.rehearsal import desk
        from studio.rehearsal.report import fired_dicts
        from studio.rehearsal.take import write_report

        take, show, engine = self.take, self.show, self.cues
        if take is None or not take.started or show is None or engine is None:
            raise UserError("no rehearsal take is running", "press Rehearse first")
        end = self.pipeline.media_seconds
        fired = fired_dicts(engine.fired)
        run_id, sid = engine.run_id, self.session_id
        self.stop_show()
        if take.recorder is not None:  # every frame up to the end is in the file
            desk.wait_recorded(take.recorder, end, 1.0 / self.profile.fps)
        self._drop_take()
        path = write_report(
            show,
            take.recording,
            fired,
            fps=self.profile.fps,
            take=take.number,
            meta={"source": self.source_spec, "from": "desktop", "run_id": run_id, "session": sid},
        )
        self.bus.publish("rehearsal.finished", take=take.number, report=str(path))
        return path

    def _drop_take(self) -> None:
        """Stop the take's show, recorder and previews; back to the real session if any.

        If the real session cannot be rejoined, the studio disconnects rather than
        keep rehearsal links on screen; :attr:`rejoin_error` says why.
        """
        take = self.take
        if take is None:
            return
        take.cancel()
        self.stop_show()
        for out in [take.recorder, *take.previews]:
            if out is not None:
                self.pipeline.remove_output(out)
        self.take = None
        if take.live_session is not None and self._credentials is not None:
            try:
                self._join(self._credentials, take.live_session)
            except Exception as exc:
                log.error("could not rejoin session %s: %s", take.live_session, exc)
                self.rejoin_error = str(exc)
                self.disconnect_commerce()

    def reconnect_now(self, name: str | None = None) -> None:
        for out in self.live_outputs:
            if isinstance(out, RtmpOutput) and name in (None, out.name):
                out.reconnect_now()

    def close(self) -> None:
        if self.take is not None:
            self._drop_take()  # the recording is closed and kept; no report on exit
        self.stop_show()
        if self.is_live:
            self.end()
        self.overlays.detach()
        self.pipeline.stop()
        self.disconnect_commerce()
