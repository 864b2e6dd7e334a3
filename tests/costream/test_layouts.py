"""连麦 layouts: 2-4 people side by side, PiP or a 2 x 2 grid, in 16:9 and 9:16."""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
import time
from fractions import Fraction

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from studio.config import Profile
from studio.costream import rtc_loop
from studio.costream.guest_source import GuestSource
from studio.costream.host import CoHost, GuestPeer
from studio.costream.layouts import LAYOUTS, Tile, arrange, tiles
from studio.media.compositor import Compositor, Scene, TextLayer, VideoLayer
from studio.media.engine import Pipeline
from studio.media.frame import Frame, blank
from studio.overlays.manager import OverlayManager
from studio.show.catalog import demo_catalog
from tests.costream.media import mean_yuv, near

COLOURS = [(30, 200, 40), (220, 40, 200), (240, 200, 20), (30, 60, 230)]


def still(name: str, rgb: tuple[int, int, int], w: int = 640, h: int = 360) -> GuestSource:
    src = GuestSource(name, name, w, h, 20)
    src.slot.put(Frame(blank(w, h, rgb), w, h, 0.0, 1))
    return src


@pytest.mark.parametrize(
    ("kind", "people", "size"),
    list(itertools.product(LAYOUTS, (2, 3, 4), ((1280, 720), (720, 1280)))),
)
def test_tiles_fit_the_frame_and_do_not_overlap(kind, people, size) -> None:  # type: ignore[no-untyped-def]
    w, h = size
    rects = tiles(kind, people, w, h)
    assert len(rects) == people
    for r in rects:
        assert r.x >= 0 and r.y >= 0 and r.right <= w and r.bottom <= h and r.w > 0 and r.h > 0
        assert r.x % 2 == r.y % 2 == r.w % 2 == r.h % 2 == 0
    guests = rects[1:] if kind == "pip" else rects  # a pip's insets sit over the host
    for a, b in itertools.combinations(guests, 2):
        assert not a.overlaps(b), (a, b)
    if kind == "side" and h > w:  # portrait stacks the pictures
        assert len({r.x for r in rects}) == 1 and len({r.y for r in rects}) == people


def test_grid_of_four_in_portrait_renders_every_picture_and_its_name_tag() -> None:
    w, h = 720, 1280
    scene = Scene("s")
    scene.program.append(VideoLayer(name="video:host", source=still("host", COLOURS[0])))
    guests = [Tile(str(i), still(f"g{i}", COLOURS[i]), f"嘉宾{i}号") for i in (1, 2, 3)]
    arrange(scene, "grid", guests, w, h)
    frame, _ = Compositor(w, h).render(scene)
    for r, rgb in zip(tiles("grid", 4, w, h), COLOURS, strict=True):
        cx, cy = r.x + r.w // 2, r.y + r.h // 2
        assert near(mean_yuv(frame, w, h, cx - 40, cy - 20, cx + 40, cy + 20), rgb)
    tags = [ly for ly in scene.program if isinstance(ly, TextLayer)]
    assert [t.text for t in tags] == ["嘉宾1号", "嘉宾2号", "嘉宾3号"]
    arrange(scene, "grid", [], w, h)  # everyone off: the host fills the frame again
    assert [ly.name for ly in scene.program] == ["video:host"]
    frame, _ = Compositor(w, h).render(scene)
    assert near(mean_yuv(frame, w, h, 300, 600, 420, 680), COLOURS[0])


def test_the_overlay_managers_scene_switch_picks_the_costream_layout() -> None:
    profile = Profile(width=1280, height=720, fps=20)
    pipe = Pipeline(profile)
    pipe.add_source(still("host", COLOURS[0], 1280, 720))
    mgr = OverlayManager(pipe.scene, 1280, 720, demo_catalog(), clock=False)
    cohost = CoHost(pipe, on_air="manual")
    cohost.bind_overlays(mgr)
    cohost.guests[5] = GuestPeer(5, "小李", still("g5", COLOURS[1]))
    cohost.put_on(5)
    assert pipe.scene.find("costream:video:5") is not None
    mgr.set_scene("pip")
    mgr.tick(0, 0.0)
    inset = pipe.scene.find("costream:video:5")
    host = pipe.scene.find("video:host")
    assert inset is not None and host is not None
    assert (host.w, host.h) == (1280, 720) and inset.w < 640  # host full, guest an inset
    assert mgr.scene_name == "pip"
    mgr.set_scene("split")
    mgr.tick(1, 0.05)
    inset = pipe.scene.find("costream:video:5")
    assert inset is not None and (inset.x, inset.w) == (640, 640)  # side by side
    cohost.put_on(5, False)
    assert pipe.scene.find("costream:video:5") is None
    assert pipe.scene.find("costream:tag:5") is None


PLATFORMS = ["channels", "douyin", "kuaishou", "taobao", "xiaohongshu", "bilibili",
             "youtube_shorts", "youtube_live", "facebook"]  # fmt: skip


@pytest.mark.parametrize("platform", PLATFORMS)
def test_pip_insets_and_name_tags_stay_off_the_platforms_covered_bands(platform: str) -> None:
    from studio.overlays.layout import safe_area

    area = safe_area(platform)
    assert area is not None
    for (w, h), people in itertools.product(((1280, 720), (720, 1280)), (2, 3, 4)):
        insets = area.insets(w, h)
        bands = insets.bands(w, h)
        rects = tiles("pip", people, w, h, insets)
        for r in rects[1:]:
            assert not any(r.overlaps(b) for b in bands), (platform, w, h, people, r)
            assert r.h >= 40, r  # still a picture
        for a, b in itertools.combinations(rects[1:], 2):
            assert not a.overlaps(b)
        scene = Scene("s")
        scene.program.append(VideoLayer(name="video:host", source=still("host", COLOURS[0])))
        guests = [Tile(str(i), still(f"g{i}", COLOURS[i]), f"嘉宾{i}") for i in range(1, people)]
        for kind in LAYOUTS:
            arrange(scene, kind, guests, w, h, insets)
            for tag in (ly for ly in scene.program if isinstance(ly, TextLayer)):
                tag.rasterise()
                assert tag.rgba is not None
                bottom = tag.y + tag.rgba.shape[0]
                assert bottom <= h - math.ceil(insets.bottom * h), (platform, kind, w, h, tag.name)
        for kind in ("side", "grid"):
            if h > w:  # portrait: every picture between the bands
                for r in tiles(kind, people, w, h, insets):
                    assert not any(r.overlaps(b) for b in bands if b.w == w), (kind, r)


def test_an_upright_host_and_a_guest_stand_side_by_side_in_portrait() -> None:
    """A 9:16 camera on a 9:16 program: two tall halves (as 视频号 shows 连麦), not two wide
    stacked tiles that would shrink the host to a strip."""
    w, h = 720, 1280
    rects = tiles("side", 2, w, h, upright=True)
    assert [(r.x, r.w) for r in rects] == [(0, 360), (360, 360)]
    assert rects[0].h == rects[1].h == h
    scene = Scene("s")
    host = VideoLayer(name="video:host", source=still("host", COLOURS[0], 720, 1280))
    scene.program.append(host)
    arrange(scene, "side", [Tile("1", still("g1", COLOURS[1]), "嘉宾")], w, h)
    assert (host.x, host.w) == (0, 360)
    frame, _ = Compositor(w, h).render(scene)
    assert near(mean_yuv(frame, w, h, 140, 600, 220, 680), COLOURS[0])  # the host, left
    assert near(mean_yuv(frame, w, h, 500, 620, 580, 660), COLOURS[1])  # the guest, right
    # a landscape host keeps the stacked layout
    wide = tiles("side", 2, w, h, upright=False)
    assert len({r.x for r in wide}) == 1


def test_an_upright_guest_fills_its_tall_tile_and_its_name_sits_at_the_bottom() -> None:
    """A 9:16 视频号 show's guest sends an upright picture (its link asks the camera for
    360x640): it fills its tall half between the app's bands, and its name tag sits at the
    tile's foot; a 16:9 guest there is letterboxed, its tag following its picture up."""
    from studio.overlays.layout import safe_area

    w, h = 720, 1280
    area = safe_area("channels")
    assert area is not None
    insets = area.insets(w, h)
    tile = tiles("side", 2, w, h, insets, upright=True)[1]
    scene = Scene("s")
    scene.program.append(VideoLayer(name="video:host", source=still("host", COLOURS[0], 720, 1280)))
    arrange(scene, "side", [Tile("1", still("g1", COLOURS[1], 360, 640), "手机嘉宾")], w, h, insets)
    frame, _ = Compositor(w, h).render(scene)
    for y in (tile.y + 10, tile.y + tile.h // 2, tile.y + tile.h - 50):  # top to bottom
        assert near(mean_yuv(frame, w, h, tile.x + 100, y, tile.x + 260, y + 40), COLOURS[1]), y
    tag = scene.find("costream:tag:1")
    assert isinstance(tag, TextLayer) and tag.y > tile.y + tile.h * 0.8
    scene.program = scene.program[:1]
    arrange(scene, "side", [Tile("2", still("g2", COLOURS[2]), "电脑嘉宾")], w, h, insets)
    frame, _ = Compositor(w, h).render(scene)
    assert not near(mean_yuv(frame, w, h, tile.x + 100, tile.y + 10, tile.x + 260, tile.y + 50),
                    COLOURS[2])  # fmt: skip
    wide_tag = scene.find("costream:tag:2")
    assert isinstance(wide_tag, TextLayer) and wide_tag.y < tile.y + tile.h * 0.7


def test_a_guests_picture_arriving_during_a_scene_switch_deadlocks_nothing() -> None:
    """The output clock holds the compositor's lock around a scene switch, which asks the
    co-host for its layout; a guest's picture arriving on the WebRTC loop re-arranges at
    the same moment. Both take the two locks in one order, so both finish."""
    profile = Profile(width=1280, height=720, fps=20)
    pipe = Pipeline(profile)
    pipe.add_source(still("host", COLOURS[0], 1280, 720))
    cohost = CoHost(pipe, on_air="manual")
    peer = GuestPeer(5, "小李", still("g5", COLOURS[1]))
    peer.source.state = "live"  # its picture has come: the host re-arranges for it
    cohost.guests[5] = peer
    cohost.put_on(5)
    both = threading.Barrier(2)
    slow = cohost._arrange

    def arrange_slowly() -> None:  # widen the window between the two locks
        time.sleep(0.2)
        slow()

    cohost._arrange = arrange_slowly  # type: ignore[method-assign]

    def scene_switch() -> None:  # as OverlayManager.tick does
        with pipe.compositor.lock:
            both.wait()
            time.sleep(0.05)
            cohost.set_layout("pip")

    def picture_arrives() -> None:  # as GuestSource._video tells the host
        both.wait()
        cohost._guest_state(peer)

    threads = [threading.Thread(target=f, daemon=True) for f in (scene_switch, picture_arrives)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert not any(t.is_alive() for t in threads), "the clock and the WebRTC loop deadlocked"


class _Pictures(MediaStreamTrack):
    """A remote camera (aiortc's track API) sending ``count`` pictures of one size, then
    ending, as a guest's WebRTC track would."""

    kind = "video"

    def __init__(self, width: int, height: int, count: int) -> None:
        super().__init__()
        self.size, self.left = (width, height), count

    async def recv(self) -> av.VideoFrame:
        if self.left == 0:
            raise MediaStreamError
        self.left -= 1
        w, h = self.size
        frame = av.VideoFrame.from_ndarray(np.full((h, w, 3), COLOURS[1], np.uint8), "rgb24")
        frame.pts, frame.time_base = 3 - self.left, Fraction(1, 20)
        return frame


async def _play(source: GuestSource, track: _Pictures) -> None:
    source.attach(track)
    await asyncio.gather(*source._tasks)
    source.detach()


def test_the_layout_follows_a_guest_picture_that_arrives_upright_then_turns() -> None:
    """On air before its first picture, a guest is laid out as 16:9; its upright phone
    picture arriving re-arranges the tile (the tag goes to the foot), and the phone turned
    (a wide picture) moves the tag back up with the letterbox."""
    w, h = 720, 1280
    pipe = Pipeline(Profile(width=w, height=h, fps=20))
    pipe.add_source(still("host", COLOURS[0], w, h))
    cohost = CoHost(pipe, on_air="manual", safe_area="channels")
    guest = GuestSource("g7", "手机嘉宾", w, h, 20)
    peer = GuestPeer(7, "手机嘉宾", guest)
    guest.on_state = lambda _s: cohost._guest_state(peer)
    guest.on_resize = lambda _s: cohost._reshape(peer)
    cohost.guests[7] = peer
    cohost.put_on(7)
    tile = tiles("side", 2, w, h, cohost.insets, upright=True)[1]

    def tag_y() -> int:
        tag = pipe.scene.find("costream:tag:7")
        assert isinstance(tag, TextLayer)
        return tag.y

    assert tag_y() < tile.y + tile.h * 0.7  # no picture yet: laid out for 16:9
    rtc_loop.run(_play(guest, _Pictures(360, 640, 3)))
    assert tag_y() > tile.y + tile.h * 0.8  # upright: the tag at the tile's foot
    rtc_loop.run(_play(guest, _Pictures(640, 360, 3)))
    assert tag_y() < tile.y + tile.h * 0.7  # turned: letterboxed, the tag with it
