"""The studio without a window: what the desktop UI drives (and tests drive headless).

Composed of parts (FeelUOwn's app/app.py is the model): the running
:class:`Pipeline` with its overlays, the :class:`ShowController` (the script on
the media clock, the guide's own cues), the :class:`LiveOutputs` (platforms and
the recording), :class:`CoStreaming` (连麦, ``studio/onair/costream.py``) and the
commerce connection this class keeps itself (the backend session joined, its
links and figures). The preview runs from the moment the app opens, as in OBS;
rehearsal takes are the :class:`RehearsalDesk`'s, which sees this class only as
its narrow ``Connection`` (and 连麦 only as its ``SessionLogin``). Every call is
quick; ``go_live``, ``end`` and the rehearsal calls may block for a moment
(connecting, flushing) and the UI runs them off its thread.

Size (~610 lines): the commerce connection (joining a session, catching up after
an offline join, demo sessions, the session's start and end, ~300 lines) is still
written here; it is the next part to move to ``studio/onair``.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.config import Profile
from studio.errors import UserError
from studio.events import EventBus
from studio.media.compositor import VideoLayer
from studio.media.engine import Pipeline
from studio.media.outputs import Output, Recorder
from studio.media.sources import open_source
from studio.onair.costream import CoStreaming
from studio.onair.outputs import Destination, LiveOutputs
from studio.onair.show import ShowController
from studio.overlays.manager import OverlayManager
from studio.rehearsal.desk import DeskTake, RehearsalDesk
from studio.show.catalog import Catalog, demo_catalog
from studio.show.cues import CueEngine
from studio.show.script import Show

if TYPE_CHECKING:
    from studio.commerce.credentials import Credentials
    from studio.events import Event

log = logging.getLogger(__name__)

__all__ = ["Destination", "Joined", "StudioApp"]


@dataclass(frozen=True)
class Joined:
    """How joining a backend session went, for the window to say so."""

    url: str
    session_id: int
    links: int  # purchase links ready (made ahead: they work offline too)
    online: bool  # the backend answered and took the login
    reason: str | None = None  # why not online (SyncStatus.reason)
    user: str | None = None


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
        self.catalog = catalog or demo_catalog()
        self.overlays = OverlayManager.attach(self.pipeline, self.catalog)
        # the parts: what goes on air, and the script run on the media clock
        self.outputs = LiveOutputs(self.pipeline)
        self.director = ShowController(self.pipeline, self.overlays, self.bus)
        # the commerce connection
        self.commerce: Any = None  # CommerceSide once connected to a backend
        self._people: tuple[str, str] = ("", "")  # the session's guide and store names
        self.session_id: int | None = None
        self.embedded: Any = None  # EmbeddedBackend in demo mode
        self._credentials: Credentials | None = None  # in memory, to switch sessions
        self.joined: Joined | None = None  # the last session joined, and how
        self._live_session: tuple[str, int] | None = None  # (backend, session) this live runs
        self._run_id = self.director.run_id  # action ids stay unique across runs
        # rehearsal takes on the running preview (needs the parts above and this connection)
        self.desk = RehearsalDesk(self.pipeline, self.profile, self.director, self.overlays, self)
        self.bus.subscribe("commerce.totals", self._on_totals)
        self.bus.subscribe("commerce.link", self._on_link)
        self.bus.subscribe("commerce.status", self._on_status)
        self._catching_up = threading.Lock()  # one catch-up after an offline join at a time
        # 连麦: guests on this session, or this studio as another's guest
        self.costreaming = CoStreaming(
            self.pipeline, self.overlays, self.bus, self.profile, session=self
        )

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
        self.costreaming.close()  # its signalling is that session's
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

    # -- selling: the guide's hand on the program (ShowController) ------------------
    def mark_chapter(self, title: str) -> None:
        """A chapter on the next frame, the one the overlay change it names appears on."""
        self.director.mark_chapter(title)

    def product_clicked(self, sku: str) -> str:
        """First click shows the product card, the second pops its link: ``card``/``link``."""
        return self.director.product_clicked(sku, self.catalog)

    def hide_products(self) -> None:
        """Card and link off: the explanation's clip ends here (a ``收起`` chapter)."""
        self.director.hide_products()

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

    # -- the script (ShowController) ------------------------------------------
    @property
    def show(self) -> Show | None:
        return self.director.show

    @property
    def cues(self) -> CueEngine | None:
        return self.director.cues

    @property
    def show_started_at(self) -> float | None:
        return self.director.started_at

    @property
    def show_seconds(self) -> float | None:
        return self.director.seconds

    def trigger_cue(self, cue_id: str) -> bool:
        """Fire one cue of the running script now (double-click in the cue list)."""
        return self.director.trigger_cue(cue_id)

    def cue_hotkey(self, key: str) -> bool:
        """The manual cue bound to ``key`` (``[F2]`` in the guide's "next" line) fires."""
        return self.director.cue_hotkey(key)

    def next_cue(self) -> str | None:
        """Fire the next planned cue now; its id, or None (no script running or none left)."""
        return self.director.next_cue()

    def load_show(self, path: Path) -> Show:
        """Validate a show script against the catalog (raises ShowError with every problem)."""
        if self.take is not None:
            raise UserError("a rehearsal take is running", "end the rehearsal, then load a script")
        return self.director.load(path, self.catalog)

    def start_show(self) -> None:
        """Start the loaded script's clock now (its cue times count from here)."""
        if self.take is not None:
            raise UserError("a rehearsal take is running", "end the rehearsal first")
        self.stop_show()
        self.director.arm(self.make_engine(), self.pipeline.media_seconds)

    def make_engine(self) -> CueEngine:
        """A cue engine for the loaded script, naming the joined session's guide and store."""
        return self.director.make_engine(self.people, self.session_id)

    def stop_show(self) -> None:
        self.director.stop()

    # -- live (LiveOutputs) ----------------------------------------------------
    @property
    def live_outputs(self) -> list[Output]:
        return self.outputs.outputs

    @property
    def recorder(self) -> Recorder | None:
        return self.outputs.recorder

    @property
    def is_live(self) -> bool:
        return self.outputs.is_live

    def go_live(self, destinations: list[Destination], record: Path | None) -> list[Output]:
        if self.take is not None and not self.is_live:  # live: "already live", from check
            raise UserError("a rehearsal take is running", "end the rehearsal, then go live")
        rec_path = self.outputs.check(destinations, record)
        if destinations:  # on air, selling: a session that has ended sells nothing
            self._open_session_for_live()
        outs = self.outputs.start(destinations, rec_path)
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
        path = self.outputs.stop()
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

    # -- rehearsal (RehearsalDesk) --------------------------------------------
    @property
    def take(self) -> DeskTake | None:
        """The rehearsal take starting, running or ending (go live and connecting refused)."""
        return self.desk.take

    @property
    def rehearsing(self) -> bool:
        """A take is recording (from its first frame until it is finished)."""
        return self.desk.rehearsing

    @property
    def rejoin_error(self) -> str | None:
        """Why the real session could not be rejoined after a take (None: it was)."""
        return self.desk.rejoin_error

    @rejoin_error.setter
    def rejoin_error(self, value: str | None) -> None:
        self.desk.rejoin_error = value

    def start_rehearsal(self, root: Path, preview_urls: tuple[str, ...] = ()) -> Path:
        """Run the loaded script as a rehearsal take under ``root``; returns its folder."""
        if self.is_live:
            raise UserError("the studio is live", "end the live show before rehearsing")
        return self.desk.start(root, preview_urls)

    def finish_rehearsal(self) -> Path:
        """End the take: recording closed, report, chart and clips written; returns report.json."""
        return self.desk.finish(self.source_spec)

    # -- the connection as the desk sees it (studio.rehearsal.desk.Connection) -----------
    @property
    def people(self) -> tuple[str, str]:
        """The joined session's guide and store names ("" when not connected)."""
        return self._people if self.commerce is not None else ("", "")

    def join_session(self, session_id: int) -> None:
        """Switch to another session of the backend signed in to (ConnectError if refused)."""
        self._join(self._credentials, session_id)

    def start_session(self, session_id: int) -> None:
        """``session_started`` into the outbox (the manager's wall shows it live)."""
        if self.commerce is not None:
            self.commerce.commerce.start_session(
                session_id, action_id=f"ui:{self._run_id}:start:{session_id}"
            )

    def end_session(self, session_id: int) -> None:
        """``session_ended`` into the outbox of the backend joined now (once per run)."""
        if self.commerce is not None:
            self._end_backend_session(self.commerce.commerce.client.base_url, session_id)

    @property
    def signed_in(self) -> bool:
        """Credentials are held (in memory) to switch sessions with."""
        return self._credentials is not None

    def reconnect_now(self, name: str | None = None) -> None:
        self.outputs.reconnect_now(name)

    # -- 连麦: the part is studio.onair.costream; this is its login (SessionLogin) ------
    def session_login(self) -> tuple[str, str, int]:
        """(backend URL, bearer token, session id) of the joined session, for 连麦."""
        side, sid, joined = self.commerce, self.session_id, self.joined
        if side is None or sid is None or joined is None:
            raise UserError("连麦 needs the session's backend", "connect to the backend first")
        try:
            auth = side.call(side.commerce.client.auth_headers(), timeout=15)
        except Exception as exc:
            raise UserError(
                f"连麦: the backend {joined.url} does not answer ({type(exc).__name__})",
                "check the connection to the backend, then try again",
            ) from None
        return joined.url, str(auth["Authorization"]).removeprefix("Bearer "), sid

    def close(self) -> None:
        self.costreaming.close()
        self.desk.drop()  # a take's recording is closed and kept; no report on exit
        self.stop_show()
        if self.is_live:
            self.end()
        self.overlays.detach()
        self.pipeline.stop()
        self.disconnect_commerce()
