"""Inputs that gave 500s (issue 14, 6) are clear 4xx now, over real HTTP: odd
Last-Event-ID values on both SSE routes, and a session title with a newline."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from tests.backend.conftest import Live
from tests.backend.helpers import new_live_session

BAD_IDS = ["²", "1²", "١٢", "99999999999999999999", "-1", "1e3", "12x", "0x10"]
FEEDS = ["/api/sessions/1/events", "/api/wall/events"]


@pytest.mark.parametrize("url", FEEDS)
@pytest.mark.parametrize("value", BAD_IDS)
def test_odd_last_event_ids_are_422_not_500(live: Live, url: str, value: str) -> None:
    with live.client("manager") as m:
        try:  # as a raw byte where it is one (b"\xb2" is what uvicorn decodes to "²")
            raw = value.encode("latin-1")
        except UnicodeEncodeError:
            raw = value.encode()
        r = m.get(url, params={"follow": "false"}, headers={"Last-Event-ID": raw})
        assert r.status_code == 422, (value, r.status_code, r.text[:200])  # was: 500
        assert "Last-Event-ID" in r.json()["detail"]


@pytest.mark.parametrize("url", FEEDS)
def test_good_last_event_ids_still_resume(live: Live, url: str) -> None:
    with live.client("manager") as m:
        for value in ("0", "5", "4611686018427387904"):
            r = m.get(url, params={"follow": "false"}, headers={"Last-Event-ID": value})
            assert r.status_code == 200, (value, r.text[:200])


def test_poster_of_a_title_with_newlines_and_controls_renders(live: Live) -> None:
    with live.client("guide1") as g:
        sess = new_live_session(g, title="秋冬上新\n第二行\t\u202e\u0000完")
        r = g.get(f"/api/sessions/{sess['id']}/poster.png")
        assert r.status_code == 200, r.text[:300]  # was: 500, every time
        assert Image.open(BytesIO(r.content)).size == (750, 1200)
        page = g.get(sess["share_url"].replace(sess["share_url"].split("/live/")[0], live.url))
        assert page.status_code == 200 and "秋冬上新" in page.text
