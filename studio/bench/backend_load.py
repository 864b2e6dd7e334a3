"""``studio bench --backend-load``: a chain's region on one backend (issue 19).

A real ``studio backend --demo --load-stores 200 --load-sessions 500`` process (SQLite,
or a throwaway PostgreSQL from the system's package with 1 or 4 workers), then from
this process (asyncio, httpx):

- 500 studios, each following its own session's feed (``GET /api/sessions/{id}/events``,
  as the store's guide);
- 20 regional walls (``GET /api/wall/events`` as the regional manager);
- orders at ``rate`` a minute (Poisson), half signed shop webhooks and half checkout
  purchases through the session's link, on random sessions.

Reported: order → SSE latency at the studio that owns the session (send time to the
``order.placed`` line arriving), p50 / p95 / max; events lost and duplicated per feed
(every studio's ids against the session's whole feed read afterwards with
``follow=false``); order → wall latency; CPU (% of one core) and peak memory of each
backend process, PostgreSQL's processes and this client; the load average.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from studio.bench.backendproc import PASSWORD, BackendProcess, free_port
from studio.bench.realtime import percentile

WEBHOOK_SECRET = "backend-load-webhook"


@dataclass
class LoadPlan:
    stores: int = 200
    studios: int = 500
    walls: int = 20
    rate: float = 1000.0  # orders a minute
    seconds: float = 60.0
    configs: tuple[tuple[str, int], ...] = (("sqlite", 1), ("postgresql", 1), ("postgresql", 4))


@dataclass
class LoadResult:
    engine: str
    workers: int
    seconds: float
    orders: int
    failed: int
    latency_ms: dict[str, float]
    wall_ms: dict[str, float]
    lost: int
    duplicated: int
    studios: int
    walls: int
    cpu: dict[str, float]
    rss_mb: dict[str, float]
    load_avg: tuple[float, float, float]
    notes: list[str] = field(default_factory=list)


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    v = sorted(values)
    return {"n": len(v), "p50": percentile(v, 50), "p95": percentile(v, 95), "max": v[-1]}


class Processes:
    """CPU and peak RSS of the backend's processes, PostgreSQL's and this one."""

    def __init__(self, groups: dict[str, list[psutil.Process]]) -> None:
        self.groups = groups
        self.start = time.monotonic()
        self.cpu0 = {k: self._cpu(ps) for k, ps in groups.items()}
        self.peak: Counter[str] = Counter()

    @staticmethod
    def _cpu(ps: list[psutil.Process]) -> float:
        total = 0.0
        for p in ps:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def sample(self) -> None:
        for k, ps in self.groups.items():
            rss = 0.0
            for p in ps:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss / 2**20
            self.peak[k] = max(self.peak[k], rss)

    def result(self) -> tuple[dict[str, float], dict[str, float]]:
        wall = time.monotonic() - self.start
        cpu = {k: 100 * (self._cpu(ps) - self.cpu0[k]) / wall for k, ps in self.groups.items()}
        return cpu, dict(self.peak)


def _sign(raw: bytes) -> dict[str, str]:
    stamp = str(int(time.time()))
    mac = hmac.new(WEBHOOK_SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256)
    return {
        "X-Studio-Timestamp": stamp,
        "X-Studio-Signature": "sha256=" + mac.hexdigest(),
        "Content-Type": "application/json",
    }


async def _lines(r: httpx.Response) -> Any:
    async for line in r.aiter_lines():
        yield line


class Run:
    def __init__(self, backend: BackendProcess, plan: LoadPlan) -> None:
        self.b, self.plan = backend, plan
        self.sent: dict[str, float] = {}  # order key -> send time
        self.got: dict[str, float] = {}
        self.wall_got: dict[str, float] = {}
        self.ids: dict[int, list[int]] = {}  # session -> ids received (all studios of it)
        self.per_studio: list[tuple[int, list[int]]] = []
        self.failed = 0
        self.failures: Counter[str] = Counter()  # why: an HTTP status or an exception's name
        self.stop = asyncio.Event()

    @staticmethod
    def key_of(order: dict[str, Any]) -> str | None:
        if order.get("shop_order_id"):
            return str(order["shop_order_id"])
        tail = order.get("buyer_phone_tail") or ""
        return f"P{order['session_id']}-{tail}" if tail else None

    async def studio(self, c: httpx.AsyncClient, sid: int, token: str) -> None:
        mine: list[int] = []
        self.per_studio.append((sid, mine))
        headers = {"Authorization": f"Bearer {token}"}
        while not self.stop.is_set():
            if mine:
                headers["Last-Event-ID"] = str(mine[-1])
            try:
                async with c.stream(
                    "GET", f"/api/sessions/{sid}/events", headers=headers, timeout=None
                ) as r:
                    event = ""
                    async for line in _lines(r):
                        if line.startswith("id:"):
                            mine.append(int(line[3:]))
                        elif line.startswith("event:"):
                            event = line[6:].strip()
                        elif line.startswith("data:") and event == "order.placed":
                            k = self.key_of(json.loads(line[5:]))
                            if k is not None and k not in self.got:
                                self.got[k] = time.monotonic()
                        if self.stop.is_set():
                            return
            except (httpx.HTTPError, asyncio.CancelledError):
                if self.stop.is_set():
                    return
                await asyncio.sleep(0.2)

    async def wall(self, c: httpx.AsyncClient, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with contextlib.suppress(httpx.HTTPError, asyncio.CancelledError):
            async with c.stream("GET", "/api/wall/events", headers=headers, timeout=None) as r:
                event = ""
                async for line in _lines(r):
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "order.placed":
                        k = self.key_of(json.loads(line[5:]))
                        if k is not None and k not in self.wall_got:
                            self.wall_got[k] = time.monotonic()
                    if self.stop.is_set():
                        return

    async def order(self, c: httpx.AsyncClient, n: int, sid: int, token: str) -> None:
        try:
            if n % 2:
                key = f"LOAD-{n}"
                raw = json.dumps(
                    {
                        "shop_order_id": key,
                        "link_token": token,
                        "status": "paid",
                        "quantity": 1,
                        "amount_cents": 9900,
                        "fulfilment": "pickup",
                    }
                ).encode()
                self.sent[key] = time.monotonic()
                r = await c.post("/api/webhooks/orders", content=raw, headers=_sign(raw))
                ok = r.status_code == 200
            else:
                phone = f"139{n:08d}"
                key = f"P{sid}-{phone[-4:]}"
                self.sent[key] = time.monotonic()
                r = await c.post(
                    f"/p/{token}/buy",
                    data={"quantity": "1", "fulfilment": "pickup", "buyer_phone": phone},
                )
                ok = r.status_code == 201
            if not ok:
                self.failed += 1
                self.failures[f"HTTP {r.status_code}"] += 1
                self.sent.pop(key, None)
        except httpx.HTTPError as exc:
            self.failed += 1
            self.failures[type(exc).__name__] += 1

    async def main(self, sessions: list[tuple[int, str, str]], manager: str) -> None:
        limits = httpx.Limits(max_connections=2000, max_keepalive_connections=200)
        async with httpx.AsyncClient(
            base_url=self.b.url, limits=limits, timeout=httpx.Timeout(30, read=None)
        ) as c:
            tasks = [
                asyncio.create_task(self.studio(c, sid, tok))
                for sid, _, tok in sessions[: self.plan.studios]
            ]
            tasks += [asyncio.create_task(self.wall(c, manager)) for _ in range(self.plan.walls)]
            await asyncio.sleep(5)  # every feed connected and past its backlog
            rng = random.Random(19)
            t_end = time.monotonic() + self.plan.seconds
            n, orders = 0, []
            async with httpx.AsyncClient(base_url=self.b.url, timeout=30) as shop:
                while time.monotonic() < t_end:
                    await asyncio.sleep(rng.expovariate(self.plan.rate / 60))
                    n += 1
                    sid, link, _ = rng.choice(sessions[: self.plan.studios])
                    orders.append(asyncio.create_task(self.order(shop, n, sid, link)))
                await asyncio.gather(*orders)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not set(self.sent) <= set(self.got):
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)
            self.stop.set()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def _world(b: BackendProcess, plan: LoadPlan) -> tuple[list[tuple[int, str, str]], str]:
    """(session id, link token, the guide's bearer) per live session; the manager's bearer."""
    out: list[tuple[int, str, str]] = []
    with httpx.Client(base_url=b.url, timeout=60) as c:
        for i in range(plan.stores):
            r = c.post("/api/auth/login", json={"username": f"load{i}", "password": PASSWORD})
            r.raise_for_status()
            tok = r.json()["token"]
            h = {"Authorization": f"Bearer {tok}"}
            for s in c.get("/api/sessions", params={"state": "live"}, headers=h).json():
                if s["title"].startswith("压测直播"):
                    (link,) = c.get(f"/api/sessions/{s['id']}/links", headers=h).json()
                    out.append((int(s["id"]), link["token"], tok))
    out.sort()
    return out, b.token("manager")


def _truth(b: BackendProcess, sessions: list[tuple[int, str, str]]) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = {}
    with httpx.Client(base_url=b.url, timeout=60) as c:
        for sid, _, tok in sessions:
            got: list[int] = []
            with c.stream(
                "GET",
                f"/api/sessions/{sid}/events",
                params={"follow": "false"},
                headers={"Authorization": f"Bearer {tok}"},
            ) as r:
                for line in r.iter_lines():
                    if line.startswith("id:"):
                        got.append(int(line[3:]))
            ids[sid] = got
    return ids


def run_config(engine: str, workers: int, plan: LoadPlan, work: Path) -> LoadResult:
    pg = None
    notes: list[str] = []
    try:
        if engine == "postgresql":
            from studio.bench.pgserver import PgServer

            pg = PgServer().start()
            db: Path | str = pg.new_database("load")
        else:
            db = work / f"load-{workers}.sqlite3"
        home = work / f"{engine}-{workers}"
        home.mkdir(parents=True, exist_ok=True)
        b = BackendProcess(
            db,
            free_port(),
            home / "server.out",
            (
                "--load-stores",
                str(plan.stores),
                "--load-sessions",
                str(plan.studios),
                "--workers",
                str(workers),
                "--buys-per-minute",
                "0",
                "--limit-concurrency",
                "5000",
            ),
            webhook_secret=WEBHOOK_SECRET,
            home=home,
            data_dir=home / "data",
        ).start(timeout=300)
        try:
            sessions, manager = _world(b, plan)
            assert b.proc is not None
            backend = psutil.Process(b.proc.pid)
            groups = {"backend": [backend, *backend.children(recursive=True)]}
            if pg is not None:
                postmaster = psutil.Process(
                    int((pg.data / "postmaster.pid").read_text().split()[0])
                )
                groups["postgresql"] = [postmaster, *postmaster.children(recursive=True)]
            groups["client"] = [psutil.Process(os.getpid())]
            meter = Processes(groups)
            run = Run(b, plan)

            async def sampled() -> None:
                sampler = asyncio.create_task(_sample(meter))
                try:
                    await run.main(sessions, manager)
                finally:
                    sampler.cancel()

            t0 = time.monotonic()
            asyncio.run(sampled())
            elapsed = time.monotonic() - t0
            load = os.getloadavg()
            cpu, rss = meter.result()
            truth = _truth(b, sessions[: plan.studios])
            lost = dup = 0
            for sid, mine in run.per_studio:
                want = set(truth.get(sid, []))
                seen = Counter(mine)
                lost += len(want - set(seen))
                dup += sum(n - 1 for n in seen.values() if n > 1)
            lat = [1000 * (run.got[k] - t) for k, t in run.sent.items() if k in run.got]
            wall = [1000 * (run.wall_got[k] - t) for k, t in run.sent.items() if k in run.wall_got]
            missing = len([k for k in run.sent if k not in run.got])
            if missing:
                notes.append(f"{missing} orders never reached their studio")
            if run.failures:
                why = ", ".join(f"{k} x{n}" for k, n in run.failures.most_common())
                notes.append(f"{run.failed} orders refused or failed: {why}")
            return LoadResult(
                engine,
                workers,
                elapsed,
                len(run.sent),
                run.failed,
                _stats(lat),
                _stats(wall),
                lost + missing,
                dup,
                len(run.per_studio),
                plan.walls,
                cpu,
                rss,
                (load[0], load[1], load[2]),
                notes,
            )
        finally:
            b.stop()
    finally:
        if pg is not None:
            pg.stop()


async def _sample(meter: Processes) -> None:
    while True:
        meter.sample()
        await asyncio.sleep(1)


def run_load(plan: LoadPlan, say: Any = print) -> list[LoadResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="studio-backend-load-") as tmp:
        for engine, workers in plan.configs:
            say(f"backend load: {engine}, {workers} worker(s), {plan.seconds:.0f} s")
            results.append(run_config(engine, workers, plan, Path(tmp)))
            say(table([results[-1]]))
    return results


def table(results: list[LoadResult]) -> str:
    rows = [
        "| engine | workers | orders (failed) | order → studio SSE p50 / p95 / max ms "
        "| order → wall p95 ms | lost | duplicated | CPU % backend / PostgreSQL / client "
        "| peak RSS MiB backend / PostgreSQL / client | load avg 1 / 5 min |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lat, w = r.latency_ms, r.wall_ms
        rows.append(
            f"| {r.engine} | {r.workers} | {r.orders} ({r.failed}) "
            f"| {lat['p50']:.0f} / {lat['p95']:.0f} / {lat['max']:.0f} | {w['p95']:.0f} "
            f"| {r.lost} | {r.duplicated} "
            f"| {r.cpu.get('backend', 0):.0f} / {r.cpu.get('postgresql', 0):.0f} / "
            f"{r.cpu.get('client', 0):.0f} "
            f"| {r.rss_mb.get('backend', 0):.0f} / {r.rss_mb.get('postgresql', 0):.0f} / "
            f"{r.rss_mb.get('client', 0):.0f} "
            f"| {r.load_avg[0]:.1f} / {r.load_avg[1]:.1f} |"
        )
    rows += [f"- {r.engine} x {r.workers}: {note}" for r in results for note in r.notes]
    return "\n".join(rows)
