"""Self-contained HTML for a take report and for two takes compared.

One file, no scripts, no network: styles inline and the chart embedded as a
``data:`` PNG, so it opens offline and can be mailed. Clip links are relative
to the report's folder (the clips sit next to it). Every word on the page comes
from the message catalogue in one language (the window's, by default), so a
trainer reading English never meets 延迟 and a guide reading Chinese never meets
"opening cue".
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from studio.messages import CATALOGUE, current_language, render, report_value

CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
body{max-width:1240px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:24px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f4f4f4} td.num{text-align:right;font-variant-numeric:tabular-nums}
.bad{color:#c62828;font-weight:bold} .warn{color:#e65100;font-weight:bold} .ok{color:#2e7d32}
.kpi{display:inline-block;margin:0 18px 8px 0} .kpi b{display:block;font-size:20px}
img.chart{max-width:100%;border:1px solid #ddd} .muted{color:#777;font-size:12px}
.better{color:#2e7d32;font-weight:bold} .worse{color:#c62828;font-weight:bold}
"""


def _w(mid: str, lang: str, **params: Any) -> str:
    """A catalogue text, HTML-escaped."""
    return escape(render(mid, params, lang))


def _known(prefix: str, value: str, lang: str) -> str:
    """``prefix.value`` from the catalogue, or the value itself (a script's own word)."""
    mid = f"{prefix}.{value}"
    return escape(render(mid, None, lang) if mid in CATALOGUE else value)


def _t(v: float | None) -> str:
    if v is None:
        return "—"
    sign = "-" if v < 0 else ""
    v = abs(v)
    return f"{sign}{int(v // 60)}:{v % 60:05.2f}"


def _d(v: float | None, lang: str) -> str:
    return "—" if v is None else render("report.seconds", {"n": f"{v:+.2f}"}, lang)


def _cls(status: str) -> str:
    if status in ("missed", "outside_window"):
        return "bad"
    if status in ("early", "late"):
        return "warn"
    return "ok" if status in ("on_time", "in_window") else ""


def _img(png: bytes | None, alt: str, lang: str) -> str:
    if not png:
        return f'<p class="muted">{_w("report.no_chart", lang)}</p>'
    b64 = base64.b64encode(png).decode()
    return f'<img class="chart" id="chart" alt="{escape(alt)}" src="data:image/png;base64,{b64}">'


def _page(title: str, body: str, lang: str) -> str:
    html_lang = "en" if lang == "en" else "zh-CN"
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def _link(path: str | None, label: str) -> str:
    return f'<a href="{escape(path)}">{escape(label)}</a>' if path else "—"


def _head(cols: list[str], lang: str, table_id: str, first: str = "") -> str:
    """A table's opening and header row: ``report.col.*`` names, or ``=text`` as it is."""
    names = [first] if first else []
    names += [c[1:] if c.startswith("=") else render("report.col." + c, None, lang) for c in cols]
    return (
        f'<table id="{table_id}"><tr>' + "".join(f"<th>{escape(n)}</th>" for n in names) + "</tr>"
    )


def take_html(report: dict[str, Any], chart_png: bytes | None, lang: str | None = None) -> str:
    """The take's report page in ``lang`` (default: the window's language)."""
    lang = lang or current_language()
    s, show = report["summary"], report["show"]
    sec = lambda n: render("report.seconds", {"n": f"{n:.1f}"}, lang)  # noqa: E731
    kpis = [
        ("plan_actual", f"{_t(s['planned_seconds'])} / {_t(s['actual_seconds'])}"),
        ("on_time", f"{s['on_time']}/{s['timed_cues']}"),
        ("early_late_missed", f"{s['early']}·{s['late']}·{s['missed']}"),
        ("out_of_order", str(s["out_of_order"])),
        ("dead_air", f"{s['dead_air_count']} ({sec(s['dead_air_seconds'])})"),
        ("speaking", f"{s['speaking_share'] * 100:.0f}%"),
    ]
    title = render("report.title", {"show": show["title"], "take": report["take"]}, lang)
    where = [show.get("store") or "", show.get("guide") or "", report.get("recording") or ""]
    where.append(render("report.tolerance", {"seconds": report["tolerance"]}, lang))
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">{escape(" · ".join(w for w in where if w))}</p>',
        '<div id="summary">'
        + "".join(
            f'<span class="kpi">{_w("report.kpi." + k, lang)}<b>{escape(v)}</b></span>'
            for k, v in kpis
        )
        + "</div>",
        f"<h2>{_w('report.h.timeline', lang)}</h2>",
        _img(chart_png, render("report.h.timeline", None, lang), lang),
        f"<h2>{_w('report.h.segments', lang)}</h2>",
        _head(
            [
                "segment",
                "planned_start",
                "actual_start",
                "planned_length",
                "actual_length",
                "deviation",
                "basis",
                "clip",
            ],
            lang,
            "segments",
            "#",
        ),
    ]
    for r in report["segments"]:
        cls = "ok" if r["within_frame"] else "warn"
        parts.append(
            f"<tr><td>{r['index']}</td><td>{escape(r['title'])}</td>"
            f'<td class="num">{_t(r["planned_start"])}</td>'
            f'<td class="num">{_t(r["actual_start"])}</td>'
            f'<td class="num">{_t(r["planned_length"])}</td>'
            f'<td class="num">{_t(r["actual_length"])}</td>'
            f'<td class="num {cls}">{escape(_d(r["deviation"], lang))}</td>'
            f"<td>{escape(report_value('basis', r['basis'], lang))}</td>"
            f"<td>{_link(r.get('clip'), render('report.play', None, lang))}</td></tr>"
        )
    parts.append(f"</table><h2>{_w('report.h.cues', lang)}</h2>")
    parts.append(
        _head(
            ["cue", "action", "trigger", "planned", "actual", "deviation", "status", "order"],
            lang,
            "cues",
        )
    )
    for c in report["cues"]:
        trig = report_value("trigger", c["trigger"], lang)
        trig += f" [{c['hotkey']}]" if c.get("hotkey") else ""
        if c.get("fired_by") and c["fired_by"] != c["trigger"]:
            trig += " → " + report_value("trigger", c["fired_by"], lang)
        order = ", ".join(c["out_of_order_with"])
        order_text = render("report.order_with", {"ids": order}, lang) if order else ""
        parts.append(
            f"<tr><td>{escape(c['id'])}</td><td>{_known('report.action', c['action'], lang)}"
            f" {escape(c.get('product') or '')}</td><td>{escape(trig)}</td>"
            f'<td class="num">{_t(c["planned_at"])}</td><td class="num">{_t(c["fired_at"])}</td>'
            f'<td class="num">{escape(_d(c["deviation"], lang))}</td>'
            f'<td class="{_cls(c["status"])}">{_known("report.status", c["status"], lang)}</td>'
            f'<td class="{"bad" if order else ""}">{escape(order_text)}</td></tr>'
        )
    parts.append(f"</table><h2>{_w('report.h.products', lang)}</h2>")
    parts.append(_head(["=SKU", "product", "planned", "shown", "product_clips"], lang, "products"))
    for p in report["products"]:
        clips = " ".join(
            _link(c, render("report.clip_n", {"n": i}, lang))
            for i, c in enumerate(p.get("clips") or [], 1)
        )
        parts.append(
            f"<tr><td>{escape(p['sku'])}</td><td>{escape(p['name'])}</td>"
            f'<td class="num">{_t(p["planned_seconds"])}</td>'
            f'<td class="num">{_t(p["shown_seconds"])}</td><td>{clips or "—"}</td></tr>'
        )
    parts.append(f"</table><h2>{_w('report.h.dead_air', lang)}</h2>")
    if report["dead_air"]:
        parts.append(_head(["start", "end", "length"], lang, "dead-air"))
        for d in report["dead_air"]:
            parts.append(
                f'<tr><td class="num">{_t(d["start"])}</td><td class="num">{_t(d["end"])}</td>'
                f'<td class="num bad">{escape(sec(d["end"] - d["start"]))}</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append(f'<p id="dead-air" class="ok">{_w("report.none", lang)}</p>')
    review = report.get("review")
    if review:
        parts.append(f"<h2>{_w('report.h.review', lang)}</h2>")
        who = review.get("reviewer") or ""
        total = review.get("total")
        parts.append(
            '<p id="reviewer">'
            + _w(
                "report.reviewer",
                lang,
                who=who or "—",
                total="—" if total is None else total,
                max=review.get("max_total", ""),
            )
            + "</p>"
        )
        rub = review.get("rubric") or []
        if rub:
            parts.append(_head(["criterion", "score"], lang, "rubric"))
            for r in rub:
                score = "—" if r.get("score") is None else f"{r['score']}/{r['max']}"
                label = (
                    _known("report.rubric", str(r["id"]), lang)
                    if f"report.rubric.{r.get('id')}" in CATALOGUE
                    else escape(r["label"])
                )
                parts.append(f"<tr><td>{label}</td><td>{score}</td></tr>")
            parts.append("</table>")
        notes = review.get("notes") or []
        if notes:
            parts.append(_head(["time", "note", "author"], lang, "notes"))
            for n in notes:
                parts.append(
                    f'<tr><td class="num">{_t(n["at"])}</td><td>{escape(n["text"])}</td>'
                    f"<td>{escape(n.get('author') or who)}</td></tr>"
                )
            parts.append("</table>")
    return _page(title, "".join(parts), lang)


def compare_html(
    cmp: dict[str, Any],
    charts: tuple[bytes | None, bytes | None] = (None, None),
    lang: str | None = None,
) -> str:
    """Two takes side by side in ``lang`` (default: the window's language)."""
    lang = lang or current_language()
    a, b = cmp["takes"]
    take_a = render("report.take", {"take": a["take"]}, lang)
    take_b = render("report.take", {"take": b["take"]}, lang)
    title = render(
        "report.compare_title", {"show": cmp["show"], "a": a["take"], "b": b["take"]}, lang
    )
    verdict = {"better": len(cmp["improved"]), "worse": len(cmp["worse"])}
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p id="verdict">{_w("report.verdict", lang, **verdict)}</p>',
        _head(["metric", f"={take_a}", f"={take_b}", "change"], lang, "metrics"),
    ]
    for m in cmp["metrics"]:
        cls = {"better": "better", "worse": "worse"}.get(m["verdict"], "")
        label = (
            _known("report.metric", m["key"], lang)
            if f"report.metric.{m.get('key')}" in CATALOGUE
            else escape(m["label"])
        )
        parts.append(
            f"<tr><td>{label}</td><td class='num'>{m['a']}</td>"
            f"<td class='num'>{m['b']}</td><td class='{cls}'>"
            f"{_w('report.change.' + m['verdict'], lang)}</td></tr>"
        )
    parts.append(f"</table><h2>{_w('report.h.segment_deviation', lang)}</h2>")
    parts.append(
        _head(["segment", "planned", f"={take_a}", f"={take_b}", "change"], lang, "segments")
    )
    for s in cmp["segments"]:
        cls = {"better": "better", "worse": "worse"}.get(s["verdict"], "")
        parts.append(
            f"<tr><td>{escape(s['title'])}</td><td class='num'>{_t(s['planned_length'])}</td>"
            f"<td class='num'>{escape(_d(s['a'], lang))}</td>"
            f"<td class='num'>{escape(_d(s['b'], lang))}</td>"
            f"<td class='{cls}'>{_w('report.change.' + s['verdict'], lang)}</td></tr>"
        )
    parts.append(f"</table><h2>{_w('report.h.cues', lang)}</h2>")
    parts.append(_head(["cue", f"={take_a}", f"={take_b}", "change"], lang, "cues"))
    for c in cmp["cues"]:
        cls = {"better": "better", "worse": "worse"}.get(c["verdict"], "")
        parts.append(
            f"<tr><td>{escape(c['id'])}</td>"
            f"<td>{_known('report.status', c['a'], lang)} {escape(_d(c['a_dev'], lang))}</td>"
            f"<td>{_known('report.status', c['b'], lang)} {escape(_d(c['b_dev'], lang))}</td>"
            f"<td class='{cls}'>{_w('report.change.' + c['verdict'], lang)}</td></tr>"
        )
    parts.append(f"</table><h2>{_w('report.h.timeline', lang)}</h2>")
    for png, shown in zip(charts, (take_a, take_b), strict=True):
        parts.append(f"<p>{escape(shown)}</p>{_img(png, shown, lang)}")
    return _page(title, "".join(parts), lang)
