"""Each overlay as a pure function: state in, straight-alpha RGBA pixels out.

Sizes are design units of a 720p canvas times ``scale`` (1.5 at 1080p), so
text is rasterised at the output resolution, never stretched. Pure functions
make the reference-image tests exact and let the manager cache by content.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from studio.messages import render
from studio.overlays.draw import (
    GOLD,
    GREEN,
    GREY,
    INK,
    ORANGE,
    RED,
    SS,
    WHITE,
    Canvas,
    even,
    hex_rgb,
    mmss,
    money,
    qr_rgba,
)
from studio.privacy import mask_name
from studio.show.catalog import Product

LOW_STOCK = 10  # at or below this the card says 仅剩 N 件
PANEL = (255, 255, 255, 238)
DARK = (20, 20, 28, 210)


def _size(w: float, h: float, scale: float) -> tuple[int, int]:
    return even(w * scale), even(h * scale)


def product_picture(product: Product, px: int) -> Image.Image:
    """A stand-in product photo: the product's colour, a soft gradient, its first character."""
    r, g, b = hex_rgb(product.color)
    t = np.linspace(0.0, 1.0, px, dtype=np.float32)[:, None, None]
    base = np.array([r, g, b], np.float32)
    grad = (255 * (1 - 0.6 * t) + base * 0.6 * t) * np.ones((1, px, 1), np.float32)
    img = Image.fromarray(grad.astype(np.uint8), "RGB")
    c = Canvas(1, 1, 1.0)  # for its font helper only
    d = ImageDraw.Draw(img)
    f = c.font(px * 0.5 / SS, bold=True)
    d.text(
        (px / 2, px * 0.55), product.name[:1], font=f, fill=(r // 2, g // 2, b // 2), anchor="mm"
    )
    return img


def product_card(
    product: Product, stock: int, scale: float, picture: Image.Image | None = None
) -> np.ndarray:
    """Image, name, ¥price, struck list price, stock badge; greyed with 已售罄 when sold out."""
    w, h = 440, 150
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, PANEL, radius=14)
    pic = picture or product_picture(product, c.u(126))
    c.paste(pic, 12, 12, 126, 126)
    x = 154
    c.text(x, 16, c.fit(product.name, 26, w - x - 14, bold=True), 26, INK, bold=True)
    sold_out = stock <= 0
    pw = c.text(x, 62, money(product.price), 40, GREY if sold_out else RED, bold=True)
    if product.list_price > product.price:
        c.text(x + pw + 10, 80, money(product.list_price), 20, GREY, strike=True)
    if sold_out:
        c.veil((235, 235, 240, 170), radius=14)
        c.rect(w - 150, 100, 136, 38, (90, 90, 100, 255), radius=19)
        c.text(w - 82, 119, "已售罄", 22, WHITE, bold=True, anchor="mm")
    else:
        low = stock <= LOW_STOCK
        label = f"仅剩 {stock} 件" if low else "现货"
        bw = c.text_width(label, 20, True) + 28
        c.rect(w - 14 - bw, 102, bw, 34, ORANGE if low else GREEN, radius=17)
        c.text(w - 14 - bw / 2, 119, label, 20, WHITE, bold=True, anchor="mm")
    return c.finish()


def short_url(url: str) -> str:
    return url.split("://", 1)[-1]


def purchase_popup(
    product: Product,
    url: str,
    scale: float,
    flash_price: float | None = None,
    seconds_left: float | None = None,
    *,
    sold_out: bool = False,
) -> np.ndarray:
    """扫码下单: the link's QR code, the short URL, the price and an optional flash countdown.

    ``sold_out``: 已售罄 in place of the QR code (nothing to scan), no flash price.
    """
    w, h = 280, 420
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, PANEL, radius=16)
    if sold_out:
        c.rect(0, 0, w, 46, (90, 90, 100, 255), radius=16)
        c.rect(0, 30, w, 16, (90, 90, 100, 255))
        c.text(w / 2, 23, "已售罄", 22, WHITE, bold=True, anchor="mm")
        c.rect(30, 66, w - 60, 200, (235, 235, 240, 255), radius=12)
        c.text(w / 2, 150, "已售罄", 40, GREY, bold=True, anchor="mm")
        c.text(w / 2, 200, "下次早点来", 18, GREY, anchor="mm")
        c.text(
            w / 2, 316, c.fit(product.name, 20, w - 24, bold=True), 20, INK, bold=True, anchor="mm"
        )
        c.text(w / 2, 356, money(product.price), 34, GREY, bold=True, anchor="mm")
        return c.finish()
    c.rect(0, 0, w, 46, RED, radius=16)
    c.rect(0, 30, w, 16, RED)
    c.text(
        w / 2,
        23,
        "扫码下单" if flash_price is None else "限时秒杀 · 扫码下单",
        22,
        WHITE,
        bold=True,
        anchor="mm",
    )
    qr_box = 220
    qr = qr_rgba(url, round(qr_box * scale))
    qx = (c.w - qr.shape[1]) // 2
    qy = round(56 * scale + (qr_box * scale - qr.shape[0]) / 2)
    c.text(w / 2, 290, c.fit(short_url(url), 13, w - 20), 13, GREY, anchor="mm")
    c.text(w / 2, 316, c.fit(product.name, 20, w - 24, bold=True), 20, INK, bold=True, anchor="mm")
    if flash_price is not None:
        pw = c.text_width(money(flash_price), 34, True)
        lw = c.text_width(money(product.price), 18)
        x0 = (w - pw - lw - 10) / 2
        c.text(x0, 334, money(flash_price), 34, RED, bold=True)
        c.text(x0 + pw + 10, 350, money(product.price), 18, GREY, strike=True)
    else:
        c.text(w / 2, 356, money(product.price), 34, RED, bold=True, anchor="mm")
    if seconds_left is not None:
        c.rect(40, 382, w - 80, 30, (255, 236, 236, 255), radius=15)
        c.text(w / 2, 397, f"距结束 {mmss(seconds_left)}", 18, RED, bold=True, anchor="mm")
    return c.finish([(qr, qx, qy)])


def coupon(
    amount: float, scale: float, threshold: float | None = None, title: str = ""
) -> np.ndarray:
    """A red ticket: ¥20, 满199可用, its title."""
    w, h = 300, 120
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, (236, 58, 58, 245), radius=14)
    c.rect(104, 12, 2, h - 24, (255, 210, 210, 200))
    c.text(54, 58, money(amount), 38, GOLD, bold=True, anchor="mm")
    c.text(
        54, 94, f"满{money(threshold)[1:]}可用" if threshold else "无门槛", 15, WHITE, anchor="mm"
    )
    c.text(122, 22, c.fit(title or "直播间专享券", 22, w - 134, bold=True), 22, WHITE, bold=True)
    c.rect(122, 70, 120, 34, GOLD, radius=17)
    c.text(182, 87, "立即领取", 18, (150, 20, 20, 255), bold=True, anchor="mm")
    return c.finish()


def groupbuy(
    product: Product,
    joined: int,
    size: int,
    scale: float,
    price: float | None = None,
    seconds_left: float | None = None,
) -> np.ndarray:
    """拼团 2/3 人 with a progress bar, the group price and the countdown."""
    w, h = 300, 150
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, PANEL, radius=14)
    c.rect(12, 12, 64, 30, ORANGE, radius=15)
    c.text(44, 27, "拼团", 18, WHITE, bold=True, anchor="mm")
    c.text(86, 12, c.fit(product.name, 20, w - 98, bold=True), 20, INK, bold=True)
    done = joined >= size
    c.text(
        14,
        56,
        "已成团！" if done else f"{min(joined, size)}/{size} 人",
        28,
        GREEN if done else RED,
        bold=True,
    )
    c.text(w - 14, 62, f"拼团价 {money(price or product.price)}", 20, RED, bold=True, anchor="ra")
    c.rect(14, 100, w - 28, 12, (238, 238, 242, 255), radius=6)
    frac = min(1.0, joined / size) if size else 0.0
    if frac > 0:
        c.rect(14, 100, (w - 28) * frac, 12, GREEN if done else ORANGE, radius=6)
    if seconds_left is not None and not done:
        c.text(w / 2, 132, f"剩余 {mmss(seconds_left)}", 16, GREY, anchor="mm")
    return c.finish()


def lottery(
    prize: str, scale: float, seconds_left: float | None = None, winner: str | None = None
) -> np.ndarray:
    """抽奖: a countdown, then the (masked) winner."""
    w, h = 300, 150
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, (120, 40, 170, 240), radius=14)
    c.text(
        w / 2, 26, c.fit(f"抽奖 · {prize}", 22, w - 24, bold=True), 22, GOLD, bold=True, anchor="mm"
    )
    if winner is not None:
        c.text(w / 2, 74, "恭喜中奖", 20, WHITE, anchor="mm")
        c.text(w / 2, 112, mask_name(winner), 32, GOLD, bold=True, anchor="mm")
    elif seconds_left is not None and seconds_left > 0:
        c.text(w / 2, 78, mmss(seconds_left), 40, WHITE, bold=True, anchor="mm")
        c.text(w / 2, 124, "评论区扣 1 参与", 16, (230, 220, 255, 255), anchor="mm")
    else:
        c.text(w / 2, 90, "开奖中…", 30, WHITE, bold=True, anchor="mm")
    return c.finish()


def order_toast(
    product_name: str, scale: float, phone_tail: str = "", buyer: str = "", max_w: float = 576
) -> np.ndarray:
    """尾号 8821 刚刚下单 … : the buyer is masked (a phone tail, or a first character).

    ``max_w``: the widest it may be, in design units (the text is cut with …).
    """
    who = f"尾号 {phone_tail[-4:]}" if phone_tail else mask_name(buyer)
    text = f"{who} 刚刚下单 {product_name}"
    probe = Canvas(2, 2, scale)
    text = probe.fit(text, 20, min(520, max_w - 56))
    w = probe.text_width(text, 20) + 56
    c = Canvas(*_size(w, 44, scale), scale)
    c.rect(0, 0, w, 44, (0, 0, 0, 170), radius=22)
    c.rect(10, 10, 24, 24, ORANGE, radius=12)
    c.text(22, 22, "购", 14, WHITE, bold=True, anchor="mm")
    c.text(42, 22, text, 20, WHITE, anchor="lm")
    return c.finish()


def leaderboard(
    rows: list[tuple[str, float]], scale: float, title: str = "本小时 超级带单王"
) -> np.ndarray:
    """The top five of the hour: rank, masked name, amount."""
    w = 260
    h = 52 + 34 * max(1, min(5, len(rows))) + 10
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, DARK, radius=14)
    c.text(w / 2, 26, title, 20, GOLD, bold=True, anchor="mm")
    medals = [GOLD, (200, 200, 210, 255), (205, 127, 50, 255)]
    if not rows:
        c.text(w / 2, 69, "等你来上榜", 18, GREY, anchor="mm")
    for i, (name, amount) in enumerate(rows[:5]):
        y = 52 + 34 * i
        col = medals[i] if i < 3 else (90, 90, 100, 255)
        c.rect(12, y + 4, 26, 26, col, radius=13)
        c.text(25, y + 17, str(i + 1), 16, INK if i < 3 else WHITE, bold=True, anchor="mm")
        c.text(48, y + 17, c.fit(name, 18, 110), 18, WHITE, anchor="lm")
        c.text(w - 14, y + 17, money(amount), 18, GOLD, bold=True, anchor="rm")
    return c.finish()


def lower_third(name: str, detail: str, scale: float, max_w: float = 600) -> np.ndarray:
    """The guide and the store, bottom left; no wider than ``max_w`` design units."""
    probe = Canvas(2, 2, scale)
    w = max(probe.text_width(name, 28, True), probe.text_width(detail, 18)) + 48
    w = min(w, max_w)
    c = Canvas(*_size(w, 76, scale), scale)
    c.rect(0, 0, w, 76, DARK, radius=10)
    c.rect(0, 0, 8, 76, RED, radius=4)
    c.text(24, 10, c.fit(name, 28, w - 36, bold=True), 28, WHITE, bold=True)
    c.text(24, 48, c.fit(detail, 18, w - 36), 18, (220, 220, 230, 255))
    return c.finish()


def clock(now: float, scale: float) -> np.ndarray:
    """Local wall-clock time, HH:MM:SS."""
    text = time.strftime("%H:%M:%S", time.localtime(now))
    w, h = 128, 40
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, (0, 0, 0, 150), radius=20)
    c.text(w / 2, h / 2, text, 22, WHITE, bold=True, anchor="mm")
    return c.finish()


@dataclass
class GuideInfo:
    """What only the guide sees: money earned, what comes next, what to say."""

    commission: float = 0.0
    orders: int = 0
    segment: str = ""
    next_cue: str = ""
    notes: str = ""
    talking_points: tuple[str, ...] = ()
    alert: str = ""  # a promotion not on air and why (未上屏 ¥10 券：后台拒绝)
    rank: str = ""  # the guide's own place on the region's board when not in its top 5


GUIDE_BG = (16, 72, 48, 255)  # opaque, distinctive: tests look for it in the program (absent)


def guide_panel(info: GuideInfo, scale: float, lang: str = "zh") -> np.ndarray:
    """The guide-only panel: commission, the next cue, notes and talking points.

    In the window's language (``lang``): only the guide sees it, on the preview.
    """
    w = 520
    points = list(info.talking_points[:4])
    extra = [t for t in (info.rank, info.alert) if t]
    h = 112 + 28 * len(points) + (30 if info.notes else 0) + 30 * len(extra)
    c = Canvas(*_size(w, h, scale), scale)
    c.rect(0, 0, w, h, GUIDE_BG, radius=12)
    label = render("guide.commission", None, lang)
    c.text(16, 12, label, 18, (190, 230, 200, 255))
    c.text(max(100, 28 + c.text_width(label, 18)), 6, money(info.commission), 30, GOLD, bold=True)
    orders = render("guide.orders", {"orders": info.orders}, lang)
    c.text(w - 16, 12, orders, 18, (190, 230, 200, 255), anchor="ra")
    now = render("guide.now", {"text": info.segment or "—"}, lang)
    nxt = render("guide.next", {"text": info.next_cue or "—"}, lang)
    c.text(16, 50, c.fit(now, 18, w - 32), 18, WHITE)
    c.text(16, 78, c.fit(nxt, 18, w - 32), 18, GOLD)
    y = 110
    if info.notes:
        notes = render("guide.notes", {"text": info.notes}, lang)
        c.text(16, y, c.fit(notes, 17, w - 32), 17, (255, 200, 200, 255))
        y += 30
    if info.rank:
        c.text(16, y, c.fit(info.rank, 17, w - 32), 17, GOLD)
        y += 30
    if info.alert:
        c.text(16, y, c.fit(f"！{info.alert}", 17, w - 32), 17, (255, 170, 150, 255))
        y += 30
    for p in points:
        c.text(16, y, c.fit(f"· {p}", 17, w - 32), 17, (230, 240, 235, 255))
        y += 28
    return c.finish()
