"""Commerce: an order placed at the backend until its toast is in the composed frame.

What is measured (the studio's own commerce client and overlays are not on main
yet, so the bench brings a minimal stand-in for each and says so):

1. the bench POSTs a signed shop webhook order to a real ``studio backend --demo``
   process (its own SQLite) and notes the send time;
2. a small SSE subscriber (httpx, the session's live feed as the guide) receives
   ``order.placed``;
3. a tick hook of a running ``Pipeline`` (720p30 test source, recording on, so
   the encoder loads the machine as in a show) rasterises a toast for it (Pillow,
   CJK font) into an ``ImageLayer``;
4. the order counts as on screen when the compositor returns the first frame
   that contains that toast.

Orders arrive as a Poisson process at 10, 100 and 1,000 a minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import queue
import random
import secrets
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from studio.bench.backendproc import PASSWORD, BackendProcess
from studio.bench.realtime import percentile
from studio.bench.workload import bench_profile, toast_image
from studio.media.compositor import Compositor, ImageLayer, Scene
from studio.ports import free_port


class Backend:
    """``studio backend --demo`` with a temp database and this run's webhook secret.

    Started by the one launcher (:class:`studio.bench.backendproc.BackendProcess`),
    which waits for ``/healthz`` and never leaves the process behind.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.webhook_secret = secrets.token_hex(16)
        self.process = BackendProcess(
            db=workdir / "backend.sqlite3",
            port=free_port(),
            logfile=workdir / "backend.log",
            webhook_secret=self.webhook_secret,
            home=workdir,
            data_dir=workdir / "data",
        )
        self.url = self.process.url

    def __enter__(self) -> Backend:
        self.process.start(timeout=90)
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stop()

    def sign(self, body: bytes) -> dict[str, str]:
        ts = str(int(time.time()))
        mac = hmac.new(self.webhook_secret.encode(), ts.encode() + b"." + body, hashlib.sha256)
        return {
            "X-Studio-Timestamp": ts,
            "X-Studio-Signature": "sha256=" + mac.hexdigest(),
            "Content-Type": "application/json",
        }


class FeedSubscriber:
    """Follows the session's SSE feed; puts (shop order id, received time) on a queue."""

    def __init__(self, url: str, token: str, session_id: int, after: int) -> None:
        self.url = f"{url}/api/sessions/{session_id}/events?after={after}"
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
        self.orders: queue.Queue[tuple[str, float]] = queue.Queue()
        self.received: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sse", daemon=True)
        self.error = ""

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        event = ""
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=None)) as client,
                client.stream("GET", self.url, headers=self.headers) as resp,
            ):
                resp.raise_for_status()
                for line in resp.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "order.placed":
                        oid = json.loads(line[5:]).get("shop_order_id") or ""
                        now = time.monotonic()
                        self.received[oid] = now
                        self.orders.put((oid, now))
        except (httpx.HTTPError, json.JSONDecodeError) as exc:
            if not self._stop.is_set():
                self.error = str(exc)


class ToastOverlay:
    """Tick hook + compositor wrapper: shows a toast per order and notes when it is drawn."""

    def __init__(self, pipeline: Any, feed: FeedSubscriber) -> None:
        self.feed = feed
        self.pipeline = pipeline
        w, h = pipeline.profile.width, pipeline.profile.height
        self.height = h
        self.layer = ImageLayer(name="order-toast", x=w * 6 // 10 // 2 * 2, y=h * 8 // 10 // 2 * 2)
        self.visible: dict[str, float] = {}
        self._drawing: list[str] = []
        overlay = self

        class TimedCompositor(Compositor):
            def render(self, scene: Scene, with_guide: bool = False):  # type: ignore[no-untyped-def]
                result = super().render(scene, with_guide)
                if overlay._drawing:
                    now = time.monotonic()
                    for oid in overlay._drawing:
                        overlay.visible[oid] = now
                    overlay._drawing = []
                return result

        pipeline.compositor = TimedCompositor(w, h)
        pipeline.scene.program.append(self.layer)
        pipeline.tick_hooks.append(self.on_tick)

    def on_tick(self, _n: int, _t: float) -> None:
        ids: list[str] = []
        with contextlib.suppress(queue.Empty):
            while True:
                ids.append(self.feed.orders.get_nowait()[0])
        if ids:
            text = f"新订单 {ids[-1][-6:]} 刚刚下单" if len(ids) == 1 else f"{len(ids)} 笔新订单"
            self.layer.set_image(toast_image(text, self.height))
            self._drawing = ids


def _poisson_orders(
    backend: Backend, link_token: str, per_minute: float, seconds: float, tag: str
) -> dict[str, float]:
    """Send webhook orders at Poisson times; returns shop order id -> send time."""
    rng = random.Random(per_minute)
    sent: dict[str, float] = {}
    end = time.monotonic() + seconds
    t = time.monotonic()
    with httpx.Client(base_url=backend.url, timeout=10) as client:
        i = 0
        while True:
            t += rng.expovariate(per_minute / 60.0)
            if t >= end:
                break
            delay = t - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            oid = f"{tag}-{i}"
            i += 1
            body = json.dumps(
                {"shop_order_id": oid, "link_token": link_token, "status": "paid",
                 "quantity": 1, "amount_cents": 5990, "fulfilment": "pickup"}
            ).encode()  # fmt: skip
            sent[oid] = time.monotonic()
            r = client.post("/api/webhooks/orders", content=body, headers=backend.sign(body))
            r.raise_for_status()
    return sent


def run_commerce(
    rates: list[tuple[float, float]], workdir: Path, step: Any = lambda _m: None
) -> dict[str, Any]:
    """``rates`` is [(orders a minute, seconds)]; returns latency figures per rate."""
    from studio.media.engine import Pipeline
    from studio.media.sources.test_pattern import TestPatternSource

    workdir.mkdir(parents=True, exist_ok=True)
    step("commerce: starting studio backend --demo")
    out: dict[str, Any] = {
        "measured": "webhook order POST -> SSE order.placed -> toast layer in the composed "
        "frame (720p30 pipeline, recording on)",
        "rates": [],
    }
    with Backend(workdir) as backend:
        login = httpx.post(
            f"{backend.url}/api/auth/login",
            json={"username": "guide1", "password": PASSWORD},
            timeout=10,
        )
        login.raise_for_status()
        token = login.json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        links = httpx.get(f"{backend.url}/api/sessions/1/links", headers=auth, timeout=10).json()
        link_token = links[0]["token"]
        backlog = httpx.get(
            f"{backend.url}/api/sessions/1/events?follow=false", headers=auth, timeout=10
        ).text
        after = max((int(x[3:]) for x in backlog.splitlines() if x.startswith("id:")), default=0)
        feed = FeedSubscriber(backend.url, token, 1, after)
        feed.start()
        profile = bench_profile(1280, 720)
        pipe = Pipeline(profile)
        pipe.add_source(TestPatternSource(1280, 720, profile.fps, caption="commerce"))
        pipe.add_recorder(workdir / "commerce.mkv")
        toast = ToastOverlay(pipe, feed)
        pipe.start()
        try:
            time.sleep(1.0)
            for per_minute, seconds in rates:
                step(f"commerce: {per_minute:g} orders/min for {seconds:.0f} s")
                sent = _poisson_orders(
                    backend,
                    link_token,
                    per_minute,
                    seconds,
                    f"bench{int(per_minute)}-{os.getpid()}",
                )
                time.sleep(1.0)  # let the last toasts land
                total = [toast.visible[o] - t for o, t in sent.items() if o in toast.visible]
                feed_part = [feed.received[o] - t for o, t in sent.items() if o in feed.received]
                draw_part = [
                    toast.visible[o] - feed.received[o]
                    for o in sent
                    if o in toast.visible and o in feed.received
                ]
                out["rates"].append(
                    {
                        "per_minute": per_minute,
                        "seconds": seconds,
                        "orders": len(sent),
                        "shown": len(total),
                        "p50_ms": _ms(percentile(total, 50)),
                        "p95_ms": _ms(percentile(total, 95)),
                        "max_ms": _ms(max(total) if total else None),
                        "to_feed_p50_ms": _ms(percentile(feed_part, 50)),
                        "to_feed_p95_ms": _ms(percentile(feed_part, 95)),
                        "feed_to_frame_p95_ms": _ms(percentile(draw_part, 95)),
                    }
                )
        finally:
            pipe.stop()
            feed.stop()
        out["dropped"] = {
            "render_lag": pipe.counters.render_lag,
            "encode_lag": pipe.counters.encode_lag,
        }
        out["feed_error"] = feed.error
    return out


def _ms(v: float | None) -> float | None:
    return None if v is None else round(1000 * v, 1)
