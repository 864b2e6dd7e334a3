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
from dataclasses import dataclass, replace
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
    from studio.events import Event
    from studio.rehearsal.desk import DeskTake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Joined:
    """How joining a backend session went, for the window to say so."""

    url: str
    session_id: int
    links: int  # purchase links ready (made ahead: they work offline too)
    online: bool  # the backend answered and took the login
    reason: str | None = None  # why not online (SyncStatus.reason)
    user: str | None = None


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
        self.joined: Joined | None = None  # the last session joined, and how
        self._live_session: tuple[str, int] | None = None  # (backend, session) this live runs
        self._clicked: tuple[str, int] = ("", 0)
        self._click_n = 0
        self._run_id = uuid.uuid4().hex[:12]  # action ids stay unique across runs
        # chapters asked for from the GUI, marked on the clock thread like the cue engine's
        self._chapters_due: deque[str] = deque(maxlen=64)
        self.pipeline.tick_hooks.append(self._mark_chapters)
        self.bus.subscribe("commerce.totals", self._on_totals)
        self.bus.subscribe("commerce.link", self._on_link)
        self.bus.subscribe("commerce.status", self._on_status)
        self._catching_up = threading.Lock()  # one catch-up after an offline join at a time

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
        """Sign in, cache the catalog, make the session's links ahead; follow its orders.

        A refused login, a session the backend does not have or will not let this login
        run, or one that has ended raises :class:`ConnectError` (nothing stays joined).
        A backend that does not answer is joined offline: the outbox waits for it and
        :attr:`joined` says so (``online`` False, ``reason``); only links made ahead for
        this backend are shown. The session goes live at the backend with :meth:`go_live`.
        """
        from studio.commerce.client import (
            BackendClient,
            ConnectError,
            LoginRefusedError,
            PermanentError,
            SessionEndedError,
        )
        from studio.commerce.core import Commerce
        from studio.commerce.side import CommerceSide
        from studio.commerce.store import Store

        if creds is None:
            raise UserError("not signed in to a backend", "connect to the backend first")
        left = self.commerce is not None
        if left:
            self._stop_commerce_side()
            self._forget_session(placeholders=False)  # no QR of the last session meanwhile
        backend_url = creds.backend_url
        core = Commerce(Store(), BackendClient(creds), self.bus, session_id=session_id)
        core.attach()
        side = CommerceSide(core)
        side.owns_store = True
        try:
            online = side.call(core.sign_in(), timeout=30) is not None
            if online:
                try:
                    side.call(core.refresh_catalog(images=False), timeout=15)
                except Exception as exc:  # keep the cached or demo catalog
                    log.warning("catalog refresh failed: %s", exc)
            rows = core.store.products()
            if rows:
                self.catalog = Catalog.from_dicts(
                    {
                        **r,
                        "price": r["price_cents"] / 100,
                        "list_price": r["list_price_cents"] / 100,
                    }
                    for r in rows
                )
                self.overlays.catalog = self.catalog
                self.overlays.stock = {p.sku: p.stock for p in self.catalog}
            ids = self._product_ids(core)
            links = side.call(core.prepare_session(session_id, ids, wait=5.0), timeout=30)
        except BaseException as exc:
            side.stop(flush_timeout=0)
            if left:  # placeholders, as after disconnecting (untouched if never connected)
                self._forget_session()
            user = creds.username
            if isinstance(exc, LoginRefusedError):
                raise ConnectError("login_refused", backend_url, user=user) from exc
            if isinstance(exc, SessionEndedError):
                raise ConnectError("session_ended", backend_url, session_id=session_id) from exc
            if isinstance(exc, PermanentError):
                problem = "session_missing" if exc.status == 404 else "session_refused"
                raise ConnectError(
                    problem, backend_url, user=user, session_id=session_id, detail=exc.detail
                ) from exc
            raise
        self.overlays.link_for = lambda sku: core.link_for_sku(sku, session_id) or ""
        self.overlays.links.clear()
        core.follow(session_id)
        self._people = ("", "")
        if online:  # the session's guide and store name the lower third, not a sample script's
            try:
                self._people = side.call(core.session_people(session_id), timeout=10)
            except Exception as exc:
                log.info("session names not read: %s", exc)
        self.commerce, self.session_id, self._credentials = side, session_id, creds
        ready = sum(1 for u in links.values() if u)
        status = core.status()
        self.joined = Joined(
            backend_url, session_id, ready, bool(status.online), status.reason, creds.username
        )
        self._announce(side, self.joined, images=online)
        return ready

    def _announce(self, side: Any, joined: Joined, *, images: bool) -> None:
        """Joined (or caught up): product pictures fetched, the figures so far, "connected"."""
        core = side.commerce
        if images:
            threading.Thread(
                target=self._fetch_images, args=(side,), name="catalog-images", daemon=True
            ).start()
        core.publish_totals(joined.session_id)  # the session's figures so far, from the store
        self.bus.publish(
            "commerce.connected",
            url=joined.url,
            session_id=joined.session_id,
            links=joined.links,
            online=joined.online,
            reason=joined.reason,
            user=joined.user,
            orders=core.session_orders(joined.session_id),
        )

    def _product_ids(self, core: Any) -> list[int]:
        """The backend's ids of the catalogue's products (those it knows)."""
        return [pid for pid in (core.product_id(p.sku) for p in self.catalog) if pid is not None]

    def _on_totals(self, event: Event) -> None:
        """The guide-only panel shows the session's figures, as the Sales tab does."""
        d = event.data
        if d.get("session_id") == self.session_id:
            self.overlays.set_guide_info(commission=float(d["commission"]), orders=int(d["orders"]))

    def _on_status(self, event: Event) -> None:
        """Joined offline and the backend answers now: catch up (catalog, links) off-thread."""
        joined, side = self.joined, self.commerce
        d = event.data
        if joined is None or joined.online or side is None or not d.get("online"):
            return
        if d.get("backend_url") != joined.url or not self._catching_up.acquire(blocking=False):
            return
        threading.Thread(
            target=self._catch_up, args=(side, joined), name="commerce-catch-up", daemon=True
        ).start()

    def _catch_up(self, side: Any, joined: Joined) -> None:
        """What joining would have done had the backend answered: links ready, "connected"."""
        core, sid = side.commerce, joined.session_id
        try:
            side.call(core.refresh_catalog(images=False), timeout=30)
            ids = self._product_ids(core)
            links = side.call(core.prepare_session(sid, ids, wait=10.0), timeout=60)
        except Exception as exc:  # offline again, or the session is not this login's
            log.warning("catching up with %s after an offline start: %s", joined.url, exc)
            return
        finally:
            self._catching_up.release()
        if self.commerce is not side:  # left that backend meanwhile
            return
        self.overlays.links.clear()  # the next pop-up asks again: its link is there now
        ready = sum(1 for u in links.values() if u)
        self.joined = replace(joined, links=ready, online=True, reason=None)
        log.info("caught up with %s: %d purchase links ready", joined.url, ready)
        self._announce(side, self.joined, images=True)

    def _on_link(self, event: Event) -> None:
        """A link the backend made after all: the next pop-up of its product shows it."""
        d = event.data
        if d.get("session_id") == self.session_id and d.get("sku"):
            self.overlays.links.pop(str(d["sku"]), None)

    def _fetch_images(self, side: Any) -> None:
        """Product pictures into the commerce cache, after connecting (not to delay it).

        Publishes ``catalog.images`` ({sku: path}) for the shelf.
        """
        core = side.commerce
        try:
            side.call(core.refresh_catalog(images=True), timeout=60)
            images = core.store.images()
        except Exception as exc:  # offline or gone: the shelf keeps its placeholders
            log.warning("product pictures not fetched: %s", exc)
            return
        if images:
            self.bus.publish("catalog.images", images=images)

    def start_demo(self, shoppers: int = 20) -> int:
        """Demo mode: an embedded backend with demo data, signed in as a demo guide.

        The demo's own session while it is open; once a live (or an earlier run) ended
        it, the demo guide's next open session, made if there is none.
        """
        from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
        from studio.demo.embedded import EmbeddedBackend

        self._refuse_during_take()
        self.disconnect_commerce()
        self.embedded = EmbeddedBackend.start(shoppers=shoppers)
        sid = self._open_demo_session(DEMO_SESSION)
        return self.connect_commerce(self.embedded.url, DEMO_USER, DEMO_PASSWORD, sid)

    def _open_demo_session(self, preferred: int) -> int:
        """A demo session that still sells: ``preferred`` unless ended, else one made now."""
        import httpx

        from studio.demo.data import DEMO_PASSWORD, DEMO_USER

        base = self.embedded.url
        with httpx.Client(base_url=base, timeout=10) as http:
            r = http.post(
                "/api/auth/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD}
            )
            r.raise_for_status()
            auth = {"Authorization": f"Bearer {r.json()['token']}"}
            me = http.get("/api/me", headers=auth).json()
            sessions = http.get("/api/sessions", headers=auth).json()
            mine = [
                x for x in sessions if x["guide_id"] == me.get("guide_id") and not x["rehearsal"]
            ]
            first = next((x for x in mine if x["id"] == preferred), None)
            if first is not None and first["state"] != "ended":
                return preferred
            open_ = [x for x in mine if x["state"] != "ended"]
            if open_:
                return int(open_[-1]["id"])
            title = first["title"] if first else "演示专场"
            made = http.post(
                "/api/sessions",
                json={"title": title},
                headers={**auth, "Idempotency-Key": uuid.uuid4().hex},
            )
            made.raise_for_status()
            log.info("demo session %s ended; demo session %s made", preferred, made.json()["id"])
            return int(made.json()["id"])

    def _stop_commerce_side(self) -> None:
        if self.commerce is not None:
            self.commerce.stop(flush_timeout=3.0)
            self.commerce = None

    def _forget_session(self, *, placeholders: bool = True) -> None:
        """No session any more: a QR of a session the studio has left must not stay on screen.

        Purchase links fall back to placeholders (nothing sells), or with
        ``placeholders=False`` (while another session is being joined) to none.
        """
        from studio.overlays.links import placeholder_link_for

        self.session_id = None
        self.joined = None
        self.overlays.link_for = placeholder_link_for() if placeholders else (lambda _sku: "")
        self.overlays.links.clear()

    def disconnect_commerce(self) -> None:
        """Leave the backend; in demo mode the embedded backend stops too."""
        if self.commerce is not None:
            self._stop_commerce_side()
            self._forget_session()
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
        if destinations:  # on air, selling: a session that has ended sells nothing
            self._open_session_for_live()
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
        if destinations:
            self._start_backend_session()
        self.bus.publish(
            "live.started",
            outputs=[o.name for o in outs],
            record=str(rec_path) if rec_path else None,
        )
        return outs

    def end(self) -> Path | None:
        """End the show: every output flushed and closed; returns the recording path.

        The script stops and its overlays leave the preview (the next live starts
        clean), and the backend session this live ran on is ended through the outbox
        (offline, it is sent when the backend is back), once.
        """
        path = self.recorder.path if self.recorder else None
        for out in self.live_outputs:
            self.pipeline.remove_output(out)
        self.live_outputs = []
        self.recorder = None
        self.stop_show()
        self.overlays.clear_show()
        live, self._live_session = self._live_session, None
        if live is not None:
            self._end_backend_session(*live)
        self.bus.publish("live.ended", record=str(path) if path else None)
        return path

    # -- the backend session's life: live with the first platform, ended with the live -------
    def _open_session_for_live(self) -> None:
        """Going on air on a session that has ended: demo mode moves on to a fresh demo
        session; a shop's backend needs the next session picked (``ConnectError``)."""
        from studio.commerce.client import ConnectError

        side, sid = self.commerce, self.session_id
        if side is None or sid is None:
            return
        if side.commerce.store.session_state(sid) != "ended":
            return
        if self.embedded is None:
            raise ConnectError("session_ended", side.commerce.client.base_url, session_id=sid)
        self._join(self._credentials, self._open_demo_session(sid))

    def _start_backend_session(self) -> None:
        side, sid = self.commerce, self.session_id
        if side is None or sid is None:
            return
        core = side.commerce
        core.start_session(sid, action_id=f"ui:{self._run_id}:start:{sid}")
        self._live_session = (core.client.base_url, sid)

    def _end_backend_session(self, backend: str, sid: int) -> None:
        """``session_ended`` for ``sid`` into the outbox of its backend (once per run)."""
        side = self.commerce
        if side is None or side.commerce.client.base_url != backend:
            log.warning(
                "session %s at %s not ended: the studio has left that backend", sid, backend
            )
            return
        side.commerce.end_session(sid, action_id=f"ui:{self._run_id}:end:{sid}")

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
            take.session_id = sid
            if sid is not None and sid != self.session_id:
                take.made_session = True
                if not desk.is_rehearsal(self, self.session_id):
                    take.live_session = self.session_id  # the real one, to go back to
                self._join(self._credentials, sid)
            ensure_folder(folder, "rehearsal_dir")  # the take's own, under the setting's
            engine = self.make_engine()
            for url in preview_urls:
                take.previews.append(self.pipeline.add_output(RtmpOutput(url)))
            desk.start_on_next_frame(self, take, engine)
            if sid is not None and self.commerce is not None:  # on the manager's wall: 彩排
                self.commerce.commerce.start_session(
                    sid, action_id=f"ui:{self._run_id}:start:{sid}"
                )
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

        The take's overlays leave the preview and its rehearsal session is ended at
        the backend (through the outbox, once). If the real session cannot be
        rejoined, the studio disconnects rather than keep rehearsal links on screen;
        :attr:`rejoin_error` says why.
        """
        take = self.take
        if take is None:
            return
        take.cancel()
        self.stop_show()
        self.overlays.clear_show()
        for out in [take.recorder, *take.previews]:
            if out is not None:
                self.pipeline.remove_output(out)
        self.take = None
        side, sid = self.commerce, take.session_id
        if sid is not None and side is not None and (take.started or take.made_session):
            self._end_backend_session(side.commerce.client.base_url, sid)
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
