"""Where each overlay goes: platform safe areas as data, one arrangement per orientation.

A platform's app draws its own UI over the picture (title bar, comments, the shopping bag,
the like button); a :class:`SafeArea` lists those bands as fractions of the frame, per
orientation. :func:`layout_for` gives every program overlay slot a fixed :class:`Region`
outside them: regions are pairwise disjoint and each widget is drawn no larger than its
region, so any combination of overlays on air at once never overlaps. Landscape keeps the
classic corners (board top-left, clock and promo top-right, pop-up bottom-right, card over
the lower third bottom-left); portrait stacks two columns (left: promo on top, order toasts
over the card over the lower third; right: clock, pop-up, leaderboard). Overlays are scaled
by the frame's shorter side (720 design units), shrunk only as far as the safe areas
require. Qt-free, pure data. Size (~500 lines): the regions of both orientations and the
platforms' bands are one solver; split, each half would re-derive the other's regions.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from studio.overlays.draw import Canvas

log = logging.getLogger(__name__)

MARGIN = 24  # design units from the frame edge when no platform is given
PLATFORM_MARGIN = 12  # design units beyond a platform's covered bands (they are generous)
GAP = 12  # design units between stacked overlays

# design sizes (720p units) of each slot's largest image; widgets never draw larger
SIZES: dict[str, tuple[int, int]] = {
    "card": (440, 150),
    "popup": (280, 420),
    "promo": (300, 150),  # coupon, group-buy, lottery
    "board": (260, 232),  # five rows
    "toast": (576, 44),  # text fitted to 520 + its badge
    "lower": (600, 76),
    "clock": (128, 40),
}
SLOTS = tuple(SIZES)


@dataclass(frozen=True)
class Rect:
    """A rectangle in output pixels."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def overlaps(self, o: Rect) -> bool:
        return self.x < o.right and o.x < self.right and self.y < o.bottom and o.y < self.bottom

    def contains(self, o: Rect) -> bool:
        return self.x <= o.x and self.y <= o.y and o.right <= self.right and o.bottom <= self.bottom


@dataclass(frozen=True)
class Insets:
    """Bands a platform covers, as fractions of the frame, and what covers them."""

    top: float = 0.0
    bottom: float = 0.0
    left: float = 0.0
    right: float = 0.0
    why: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def bands(self, w: int, h: int) -> tuple[Rect, ...]:
        """The covered bands in pixels (rounded outwards); the side bands span the middle."""
        t, b = math.ceil(self.top * h), math.ceil(self.bottom * h)
        lw, rw = math.ceil(self.left * w), math.ceil(self.right * w)
        out = []
        if t:
            out.append(Rect(0, 0, w, t))
        if b:
            out.append(Rect(0, h - b, w, b))
        if lw:
            out.append(Rect(0, t, lw, h - t - b))
        if rw:
            out.append(Rect(w - rw, t, rw, h - t - b))
        return tuple(out)


@dataclass(frozen=True)
class SafeArea:
    """A platform's covered bands for portrait (9:16) and landscape (16:9) programs."""

    key: str
    label: str
    portrait: Insets
    landscape: Insets
    note: str = ""

    def insets(self, width: int, height: int) -> Insets:
        return self.portrait if height > width else self.landscape


# Where a platform publishes no safe zone, the bands are estimated from what its live room
# draws over the picture (named in ``why``) on a 9:19.5 phone, the video filling the screen's
# width; apps move their UI between versions and devices crop 9:16 to taller screens, so every
# band is rounded up. Each SafeArea's ``note`` says where its figures come from. Landscape
# lives are mostly watched letterboxed (the app's UI outside the picture) or rotated full
# screen with a slim UI: small bands.
SAFE_AREAS: dict[str, SafeArea] = {
    "channels": SafeArea(
        "channels",
        "视频号",
        Insets(
            0.12,
            0.28,
            0.0,
            0.10,
            why={
                "top": "主播头像、直播间标题、在线人数、关闭按钮",
                "bottom": "评论区滚动、说点什么输入框、购物袋(小黄车)、礼物、点赞",
                "right": "点赞飘心与活动挂件 (lower right; kept clear over the whole height)",
            },
        ),
        Insets(
            0.10,
            0.12,
            0.0,
            0.05,
            why={"top": "标题栏", "bottom": "评论输入、购物袋", "right": "点赞/礼物"},
        ),
        "ARCHITECTURE: the platform UI covers the top bar and the bottom quarter",
    ),
    "douyin": SafeArea(
        "douyin",
        "抖音",
        Insets(
            0.13,
            0.30,
            0.0,
            0.12,
            why={
                "top": "主播信息、关注、小时榜/人气榜、观众头像、关闭",
                "bottom": "评论区 (reaches highest of all apps)、输入框、小黄车、礼物、分享",
                "right": "点赞/礼物挂件、福袋 (kept clear over the whole height)",
            },
        ),
        Insets(
            0.10,
            0.12,
            0.0,
            0.06,
            why={"top": "标题栏", "bottom": "评论、小黄车", "right": "点赞、礼物挂件"},
        ),
        "estimated, no published figures: conservative",
    ),
    "kuaishou": SafeArea(
        "kuaishou",
        "快手",
        Insets(
            0.14,
            0.32,
            0.0,
            0.12,
            why={
                "top": "主播头像、关注、在线观众、关闭，下面一行小时榜、粉丝团、红包",
                "bottom": "评论区滚动、说点什么、小黄车、礼物、分享、更多",
                "right": "福袋、红包、活动挂件 (kept clear over the whole height)",
            },
        ),
        Insets(
            0.10,
            0.12,
            0.0,
            0.06,
            why={"top": "标题栏", "bottom": "评论、小黄车", "right": "点赞、礼物挂件"},
        ),
        "快手 publishes no figures: its live room's elements, as 抖音's, with a second top row",
    ),
    "taobao": SafeArea(
        "taobao",
        "淘宝直播",
        Insets(
            0.13,
            0.30,
            0.0,
            0.12,
            why={
                "top": "主播卡片、关注、观看人数、关闭",
                "bottom": "评论、宝贝口袋、输入框、点赞",
                "right": "优惠券/抽奖挂件",
            },
        ),
        Insets(
            0.10,
            0.14,
            0.0,
            0.06,
            why={"top": "标题栏", "bottom": "宝贝口袋、评论", "right": "优惠券、抽奖挂件"},
        ),
        "estimated, no published figures: conservative",
    ),
    "xiaohongshu": SafeArea(
        "xiaohongshu",
        "小红书",
        Insets(
            0.12,
            0.28,
            0.0,
            0.10,
            why={
                "top": "主播头像、关注、观众、关闭",
                "bottom": "评论、输入框、商品、点赞",
                "right": "点赞/分享挂件",
            },
        ),
        Insets(
            0.10,
            0.12,
            0.0,
            0.05,
            why={"top": "标题栏", "bottom": "评论、商品", "right": "点赞、分享"},
        ),
        "estimated, no published figures: conservative",
    ),
    "bilibili": SafeArea(
        "bilibili",
        "哔哩哔哩",
        Insets(
            0.10,
            0.24,
            0.0,
            0.08,
            why={
                "top": "主播信息、人气、关闭",
                "bottom": "弹幕/评论列表、输入框、礼物",
                "right": "礼物/活动挂件",
            },
        ),
        Insets(0.08, 0.10, 0.0, 0.0, why={"top": "标题栏", "bottom": "播放控制、弹幕输入"}),
        "mostly watched landscape; estimated, conservative",
    ),
    "youtube_shorts": SafeArea(
        "youtube_shorts",
        "YouTube Shorts",
        Insets(
            0.15,
            0.35,
            0.0,
            0.12,
            why={
                "top": "search, camera and menu buttons",
                "bottom": "channel name, title, subscribe, sound",
                "right": "like, dislike, comments, share, remix column",
            },
        ),
        Insets(
            0.10,
            0.15,
            0.0,
            0.08,
            why={"top": "title", "bottom": "controls, title", "right": "like, comments, share"},
        ),
        "after YouTube's Shorts safe-zone guidance, rounded up",
    ),
    "youtube_live": SafeArea(
        "youtube_live",
        "YouTube Live",
        Insets(
            0.12,
            0.30,
            0.0,
            0.10,
            why={"top": "title, viewers", "bottom": "live chat, super chat", "right": "like"},
        ),
        Insets(
            0.08,
            0.14,
            0.0,
            0.0,
            why={"top": "title, viewers", "bottom": "player controls, progress, live chat toggle"},
        ),
        "estimated, conservative",
    ),
    "facebook": SafeArea(
        "facebook",
        "Facebook",
        Insets(
            0.14,
            0.35,
            0.06,
            0.06,
            why={
                "top": "profile, LIVE badge, viewers, close",
                "bottom": "comments, write a comment, reactions, share",
                "left": "screen edge (Meta's side margin)",
                "right": "floating reactions",
            },
        ),
        Insets(
            0.10,
            0.14,
            0.0,
            0.10,
            why={
                "top": "LIVE badge, viewers, title",
                "bottom": "comments over the picture full screen, reactions bar, controls",
                "right": "floating reactions",
            },
        ),
        "portrait: Meta's Reels/Stories safe zone (top 14 %, bottom 35 %, sides 6 %); "
        "landscape estimated from the full-screen live player, conservative",
    ),
}


@dataclass(frozen=True)
class Region:
    """A slot's rectangle and the corner (``tl``, ``tr``, ``bl``, ``br``, ``tc``) it hugs."""

    rect: Rect
    anchor: str

    def place(self, w: int, h: int) -> tuple[int, int]:
        r = self.rect
        x = r.right - w if self.anchor[1] == "r" else r.x
        if self.anchor[1] == "c":
            x = r.x + (r.w - w) // 2
        y = r.bottom - h if self.anchor[0] == "b" else r.y
        return x, y


@dataclass(frozen=True)
class Layout:
    """Regions of one frame size and platform; ``scale`` is the widgets' design scale."""

    width: int
    height: int
    scale: float
    regions: dict[str, Region]
    guide: Region  # the guide-only panel (preview only: it may sit on a covered band)
    covered: tuple[Rect, ...] = ()
    platform: SafeArea | None = None

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    def max_w(self, slot: str) -> float:
        """The widest a slot's widget may draw, in design units."""
        return math.floor(self.regions[slot].rect.w / self.scale)


def safe_area(platform: str | SafeArea | None) -> SafeArea | None:
    if platform is None or isinstance(platform, SafeArea):
        return platform
    if platform in ("", "none"):
        return None
    try:
        return SAFE_AREAS[platform]
    except KeyError:
        raise ValueError(
            f"unknown platform {platform!r}: one of none, {', '.join(SAFE_AREAS)}"
        ) from None


def _even(v: float) -> int:
    return max(2, round(v) // 2 * 2)


def _up(v: int) -> int:
    return v + v % 2


def layout_for(width: int, height: int, platform: str | SafeArea | None = None) -> Layout:
    """The overlay regions for a ``width`` x ``height`` program on ``platform`` (None: none)."""
    area = safe_area(platform)
    ins = area.insets(width, height) if area else Insets()
    portrait = height > width
    # a full margin on a free edge (rounded phone corners), a small one beyond a covered band
    ml, mt, mr, mb = (
        PLATFORM_MARGIN if v else MARGIN for v in (ins.left, ins.top, ins.right, ins.bottom)
    )
    free_w = width * (1 - ins.left - ins.right)
    free_h = height * (1 - ins.top - ins.bottom)
    # design units the arrangement needs across and down (see the column sums below)
    need_w, need_h = (732, 716) if portrait else (732, 638)
    base = min(width, height) / 720
    scale = min(base, free_w / (need_w + ml + mr), free_h / (need_h + mt + mb))
    if scale < base:
        log.debug("overlays at %.3f (not %.3f) to clear %s", scale, base, area and area.key)

    def s(v: float) -> int:
        return _even(v * scale)

    # every edge even: the compositor draws layers at even coordinates (I420 chroma)
    g = _even(GAP * scale)
    fx = _up(math.ceil(ins.left * width) + _even(ml * scale))
    fy = _up(math.ceil(ins.top * height) + _even(mt * scale))
    fr = (width - math.ceil(ins.right * width) - _even(mr * scale)) // 2 * 2
    fb = (height - math.ceil(ins.bottom * height) - _even(mb * scale)) // 2 * 2
    regions: dict[str, Region] = {}
    if portrait:
        col = fr - s(280)  # right column: clock, pop-up, leaderboard
        left_w = (col - g - fx) // 2 * 2
        regions["clock"] = Region(Rect(fr - s(128), fy, s(128), s(40)), "tr")
        regions["popup"] = Region(Rect(col, fy + s(40) + g, s(280), s(420)), "tr")
        regions["board"] = Region(Rect(col, fy + s(40) + s(420) + 2 * g, s(280), s(232)), "tr")
        regions["promo"] = Region(Rect(fx, fy, s(300), s(150)), "tl")
        regions["lower"] = Region(Rect(fx, fb - s(76), left_w, s(76)), "bl")
        card_y = fb - s(76) - g - s(150)
        regions["card"] = Region(Rect(fx, card_y, s(440), s(150)), "bl")
        # order toasts just above the card, where the apps' own "正在购买" bubbles sit
        # (and off the test pattern's counter in the top-left corner)
        regions["toast"] = Region(Rect(fx, card_y - g - s(44), left_w, s(44)), "bl")
    else:
        board = Rect(fx, fy, s(260), s(232))
        clock = Rect(fr - s(128), fy, s(128), s(40))
        popup = Rect(fr - s(280), fb - s(420), s(280), s(420))
        lower_w = min(s(600), (popup.x - g - fx) // 2 * 2)
        lower = Rect(fx, fb - s(76), lower_w, s(76))
        regions["lower"] = Region(lower, "bl")
        card_b = lower.y - g
        regions["card"] = Region(Rect(fx, card_b - s(150), s(440), s(150)), "bl")
        regions["popup"] = Region(popup, "br")
        regions["promo"] = Region(Rect(fr - s(300), fy + _even(56 * scale), s(300), s(150)), "tr")
        regions["board"] = Region(board, "tl")
        regions["clock"] = Region(clock, "tr")
        # centred on the free area, clear of the leaderboard and the clock
        cx = (fx - _even(ml * scale) + fr + _even(mr * scale)) // 4 * 2
        half = min(cx - board.right - g, clock.x - g - cx)
        tw = min(s(576), 2 * half) // 4 * 4  # half of it even too
        regions["toast"] = Region(Rect(cx - tw // 2, fy, tw, s(44)), "tc")
    covered = ins.bands(width, height) if area else ()
    # the guide-only panel: under the clock in landscape (as before); in portrait on the
    # bottom band viewers cannot see anyway, or between the columns without a platform
    guide_y = _even(110 * scale)
    if portrait:
        bottom = [c for c in covered if c.bottom == height and c.w == width]
        guide_y = bottom[0].y + g if bottom else regions["board"].rect.bottom + g
    guide = Region(Rect(0, guide_y, width, height - guide_y), "tc")
    return Layout(width, height, scale, regions, guide, covered, area)


def check(layout: Layout) -> list[str]:
    """What is wrong with a layout's regions (empty: inside, clear of the bands, disjoint)."""
    frame = Rect(0, 0, layout.width, layout.height)
    errors = [f"{n} has no region" for n in SLOTS if n not in layout.regions]
    items = list(layout.regions.items())
    for i, (name, reg) in enumerate(items):
        if not frame.contains(reg.rect):
            errors.append(f"{name} {reg.rect} leaves the frame")
        errors += [
            f"{name} {reg.rect} on covered {c}" for c in layout.covered if reg.rect.overlaps(c)
        ]
        errors += [
            f"{name} {reg.rect} overlaps {other} {o.rect}"
            for other, o in items[i + 1 :]
            if reg.rect.overlaps(o.rect)
        ]
    return errors


SAFE_AREA_RGBA = (255, 70, 70, 70)  # translucent red: the guide sees the picture beneath


def _band_label(area: SafeArea, why: str, lang: str) -> str:
    """``视频号 遮挡区 · 标题栏``; in English the app's own (Chinese) element names are left out."""
    if lang != "en":
        return f"{area.label} 遮挡区 · {why}"
    text = f"covered by {area.label}'s own UI"
    return f"{text} · {why}" if why and why.isascii() else text


def safe_area_images(layout: Layout, lang: str = "zh") -> list[tuple[Rect, np.ndarray]]:
    """The platform's covered bands as translucent labelled boxes, for the guide's preview.

    Guide-only, so labelled in the window's language (``lang``).
    """
    area = layout.platform
    if area is None:
        return []
    ins = area.insets(layout.width, layout.height)
    s = layout.scale
    out = []
    sides = [k for k, v in (("top", ins.top), ("bottom", ins.bottom)) if v]
    sides += [k for k, v in (("left", ins.left), ("right", ins.right)) if v]
    for side, rect in zip(sides, layout.covered, strict=True):
        c = Canvas(rect.w, rect.h, s)
        w, h = rect.w / s, rect.h / s
        c.rect(0, 0, w, h, SAFE_AREA_RGBA)
        c.rect(1, 1, w - 2, h - 2, (0, 0, 0, 0))  # a hollow frame over the tint
        c.veil(SAFE_AREA_RGBA)
        if side in ("top", "bottom") and h >= 24:
            why = ins.why.get(side, "")
            text = c.fit(_band_label(area, why, lang), 16, w - 24)
            c.text(12, 8 if side == "top" else h - 28, text, 16, (255, 255, 255, 230))
        out.append((rect, c.finish()))
    return out
