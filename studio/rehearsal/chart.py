"""The take's timeline as a picture (PNG, Pillow): plan vs actual at a glance.

Rows, top to bottom: planned segments, actual segments, cues (a hollow tick
at the plan, a dot where it fired, joined by a line coloured by status),
products on screen, and the sound (loudness, dead air in red). One picture
answers "where did the take drift" faster than the tables below it.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from studio.fonts import cjk_font_path
from studio.messages import current_language, render

W, LEFT, RIGHT = 1200, 110, 20
ROW = 44
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f"]
STATUS = {
    "on_time": "#2e7d32",
    "early": "#1565c0",
    "late": "#e65100",
    "missed": "#c62828",
    "in_window": "#2e7d32",
    "outside_window": "#e65100",
    "fired": "#555555",
}

FLAGGED = ("early", "late", "missed", "outside_window")


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default()


def render_chart(report: dict[str, Any], lang: str | None = None) -> bytes:
    """PNG bytes of the report's timeline, its row names in ``lang`` (the window's)."""
    lang = lang or current_language()
    total = max(
        float(report["summary"]["actual_seconds"] or 0), float(report["summary"]["planned_seconds"])
    )
    total = max(total, 1.0)
    names = ("plan", "actual", "cues", "products", "sound")
    rows = [render(f"chart.{r}", None, lang) for r in names]
    h = 40 + ROW * len(rows) + 30
    img = Image.new("RGB", (W, h), "white")
    d = ImageDraw.Draw(img)
    f, small = _font(15), _font(12)
    x = lambda t: LEFT + (W - LEFT - RIGHT) * max(0.0, min(float(t), total)) / total  # noqa: E731
    top = lambda i: 30 + ROW * i  # noqa: E731

    # time axis
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800) if total / s <= 15)
    t = 0.0
    while t <= total + 1e-6:
        d.line([(x(t), 24), (x(t), h - 26)], fill="#e6e6e6")
        label = f"{int(t // 60)}:{int(t % 60):02d}"
        d.text((x(t) - 12, h - 22), label, fill="#666", font=small)
        t += step
    for i, name in enumerate(rows):
        d.text((8, top(i) + 12), name, fill="#222", font=f)

    segs = report["segments"]
    for i, s in enumerate(segs):
        color = PALETTE[i % len(PALETTE)]
        spans = [(0, s["planned_start"], s["planned_length"])]
        if s["actual_start"] is not None:
            spans.append((1, s["actual_start"], s["actual_length"] or 0))
        for row, start, length in spans:
            y = top(row)
            x0, x1 = x(start), x(start + length)
            d.rectangle([x0, y + 6, max(x0 + 1, x1 - 1), y + ROW - 8], fill=color)
            label = f"{s['index']} {s['title']}"
            if d.textlength(label, font=small) < x1 - x0 - 6:
                d.text((x0 + 4, y + 14), label, fill="white", font=small)
        if not s["within_frame"] and s["actual_start"] is not None:
            y, a = top(1), s["actual_start"]
            d.rectangle(
                [x(a), y + 4, x(a + s["actual_length"]), y + ROW - 6],
                outline="#c62828",
                width=2,
            )

    y = top(2) + ROW // 2
    for c in report["cues"]:
        color = STATUS.get(c["status"], "#555")
        if c["planned_at"] is not None:
            px = x(c["planned_at"])
            d.line([(px, y - 12), (px, y + 12)], fill="#999", width=2)
        if c["fired_at"] is not None:
            fx = x(c["fired_at"])
            if c["planned_at"] is not None:
                d.line([(x(c["planned_at"]), y), (fx, y)], fill=color, width=3)
            d.ellipse([fx - 5, y - 5, fx + 5, y + 5], fill=color)
            if c["status"] in FLAGGED or c["out_of_order_with"]:
                d.text((fx + 6, y - 20), c["id"], fill=color, font=small)
        elif c["status"] == "missed":
            px = x(c["planned_at"] or 0)
            d.line([(px - 5, y - 5), (px + 5, y + 5)], fill=STATUS["missed"], width=3)
            d.line([(px - 5, y + 5), (px + 5, y - 5)], fill=STATUS["missed"], width=3)
            d.text((px + 6, y - 20), c["id"], fill=STATUS["missed"], font=small)

    skus = [p["sku"] for p in report["products"]]
    for p in report["products"]:
        color = PALETTE[(skus.index(p["sku"]) + 3) % len(PALETTE)]
        for a, b in p["spans"]:
            yy = top(3)
            d.rectangle([x(a), yy + 10, max(x(a) + 1, x(b) - 1), yy + ROW - 12], fill=color)
            if d.textlength(p["name"], font=small) < x(b) - x(a) - 6:
                d.text((x(a) + 4, yy + 14), p["name"], fill="white", font=small)

    yy = top(4)
    for dead in report["dead_air"]:
        d.rectangle([x(dead["start"]), yy + 4, x(dead["end"]), yy + ROW - 4], fill="#ffcdd2")
    env = report.get("loudness") or []
    if env:
        end = float(report["summary"]["actual_seconds"] or total)
        pts = []
        for i, db in enumerate(env):
            t = end * i / max(1, len(env) - 1)
            level = (max(-80.0, min(0.0, db)) + 80) / 80
            pts.append((x(t), yy + ROW - 6 - level * (ROW - 12)))
        d.line(pts, fill="#37474f", width=1)
    buf = BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()
