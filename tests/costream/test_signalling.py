"""The studio's 连麦 over the real backend (the embedded demo backend, over HTTP).

Invite, a studio guest opens the link and connects through the backend's long
polls, the host's on-air reaches the backend's guest list, a guest who leaves goes
off the host's program, and a revoked link is refused with a clear message.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from studio.costream import rtc_loop
from studio.costream.guest import StudioGuest
from studio.costream.host import CoHost
from studio.costream.signalling import HostSignalling, JoinSignalling, LinkRefusedError
from studio.demo.data import DEMO_PASSWORD, DEMO_SESSION, DEMO_USER
from studio.demo.embedded import EmbeddedBackend
from studio.media.engine import Pipeline
from tests.costream.media import ToneSource
from tests.costream.test_loopback import GREEN, MAGENTA, P, wait_for


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[tuple[str, str]]:
    b = EmbeddedBackend.start(shoppers=0, db=tmp_path / "demo.sqlite3")
    try:
        r = httpx.post(
            f"{b.url}/api/auth/login", json={"username": DEMO_USER, "password": DEMO_PASSWORD}
        )
        yield b.url, str(r.json()["token"])
    finally:
        b.stop()


def test_studio_guest_over_the_backend_on_air_leave_and_revoked_link(backend) -> None:  # type: ignore[no-untyped-def]
    url, token = backend
    host_pipe, guest_pipe = Pipeline(P), Pipeline(P)
    host_pipe.add_source(ToneSource("host", GREEN, 440, P.width, P.height, P.fps))
    guest_pipe.add_source(ToneSource("guest", MAGENTA, 1500, P.width, P.height, P.fps))
    host_pipe.start()
    guest_pipe.start()
    cohost = CoHost(host_pipe, HostSignalling(url, token, DEMO_SESSION))
    guest = StudioGuest(guest_pipe, "西门店 小王")
    try:
        invite = cohost.invite({"label": "西门店", "uses": 1})
        assert invite["shape"] == "landscape"  # the program's orientation (P is 16:9)
        cohost.start_polling()
        guest.open(invite["join_url"])
        assert guest.config is not None and guest.config["label"] == "西门店"
        guest.connect()
        wait_for(lambda: len(cohost.guests) == 1, 10, "the guest at the host")
        (gid,) = cohost.guests
        wait_for(lambda: cohost.guests[gid].source.state == "live", 20, "the guest's picture")
        assert host_pipe.scene.find(f"costream:video:{gid}") is not None  # auto: on air

        def backend_row() -> dict:  # type: ignore[type-arg]
            rows = rtc_loop.run(cohost.signalling.guests())  # type: ignore[union-attr]
            return next(r for r in rows if r["guest_id"] == gid)

        wait_for(lambda: backend_row()["on_air"], 10, "on air at the backend")
        assert backend_row()["name"] == "西门店 小王"
        wait_for(lambda: guest.host.slot.peek() is not None, 15, "the host's program at the guest")

        guest.close()  # the guest leaves: off the host's program, not a slate forever
        wait_for(lambda: gid not in cohost.guests, 10, "the guest gone from the host")
        assert host_pipe.scene.find(f"costream:video:{gid}") is None

        # the host removes a guest: it stops rejoining and says why
        again = cohost.invite({"label": "总部"})
        other = StudioGuest(guest_pipe, "总部 小陈")
        try:
            other.open(again["join_url"])
            other.connect()
            wait_for(lambda: len(cohost.guests) == 1, 10, "the second guest at the host")
            (gid2,) = cohost.guests
            wait_for(lambda: cohost.guests[gid2].source.state == "live", 20, "its picture")
            cohost.remove(gid2)
            wait_for(lambda: bool(other.ended), 15, "the removed guest told it is over")
            assert gid2 not in cohost.guests and other.rejoins == 0
            assert "连麦 link refused" in other.ended, other.ended
        finally:
            other.close()

        second = cohost.invite({"label": "品牌"})
        cohost.revoke(second["id"])
        refused = JoinSignalling(second["join_url"])
        with pytest.raises(LinkRefusedError) as err:
            rtc_loop.run(refused.config())
        rtc_loop.run(refused.close())
        text = str(err.value)
        assert "连麦 link refused" in text and "revoked" in text.lower(), text
        assert second["token"] not in text
    finally:
        guest.close()
        cohost.close()
        host_pipe.stop()
        guest_pipe.stop()


class _LosesFirstAnswer:
    """A loopback relay to the backend that passes the first request on but drops the
    connection instead of its answer (a store's network losing the reply), then relays."""

    def __init__(self, upstream: str) -> None:
        parts = httpx.URL(upstream)
        self.upstream = (parts.host, parts.port or 80)
        self.dropped = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        up = socket.create_connection(self.upstream)
        lose = self.dropped == 0
        with client, up:
            if lose:  # the request reaches the server; its answer never comes back
                self.dropped += 1
                up.sendall(client.recv(65536))
                up.recv(65536)
                return
            threading.Thread(target=_copy, args=(client, up), daemon=True).start()
            _copy(up, client)

    def close(self) -> None:
        self._listener.close()


def _copy(src: socket.socket, dst: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := src.recv(65536):
            dst.sendall(data)
        dst.shutdown(socket.SHUT_WR)


def test_an_invite_whose_answer_was_lost_is_asked_again_and_is_one_link(backend) -> None:  # type: ignore[no-untyped-def]
    url, token = backend
    relay = _LosesFirstAnswer(url)
    sig, direct = (
        HostSignalling(relay.url, token, DEMO_SESSION),
        HostSignalling(url, token, DEMO_SESSION),
    )
    try:
        invite = rtc_loop.run(sig.invite({"label": "东门店"}))
        listed = rtc_loop.run(direct.invites())
    finally:
        rtc_loop.run(sig.close())
        rtc_loop.run(direct.close())
        relay.close()
    assert relay.dropped == 1  # the first answer was lost, the server had made the link
    mine = [i for i in listed if i["label"] == "东门店"]
    assert [i["id"] for i in mine] == [invite["id"]] and mine[0]["token"] == invite["token"]
