"""Self-contained HTML for a take report and for two takes compared.

One file, no scripts, no network: styles inline and the chart embedded as a
``data:`` PNG, so it opens offline and can be mailed. Clip links are relative
to the report's folder (the clips sit next to it).
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

STATUS_ZH = {
    "on_time": "准时",
    "early": "提前",
    "late": "延迟",
    "missed": "未触发",
    "in_window": "时段内",
    "outside_window": "时段外",
    "not_used": "未使用",
    "fired": "已触发",
    "not_triggered": "未触发",
}
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


def _t(v: float | None) -> str:
    if v is None:
        return "—"
    sign = "-" if v < 0 else ""
    v = abs(v)
    return f"{sign}{int(v // 60)}:{v % 60:05.2f}"


def _d(v: float | None) -> str:
    return "—" if v is None else f"{v:+.2f} s"


def _cls(status: str) -> str:
    if status in ("missed", "outside_window"):
        return "bad"
    if status in ("early", "late"):
        return "warn"
    return "ok" if status in ("on_time", "in_window") else ""


def _img(png: bytes | None, alt: str) -> str:
    if not png:
        return '<p class="muted">(no chart)</p>'
    b64 = base64.b64encode(png).decode()
    return f'<img class="chart" id="chart" alt="{escape(alt)}" src="data:image/png;base64,{b64}">'


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>"
    )


def _link(path: str | None, label: str) -> str:
    return f'<a href="{escape(path)}">{escape(label)}</a>' if path else "—"


def take_html(report: dict[str, Any], chart_png: bytes | None) -> str:
    s, show = report["summary"], report["show"]
    kpis = [
        ("计划 / 实际", f"{_t(s['planned_seconds'])} / {_t(s['actual_seconds'])}"),
        ("准时提示", f"{s['on_time']}/{s['timed_cues']}"),
        ("提前·延迟·未触发", f"{s['early']}·{s['late']}·{s['missed']}"),
        ("顺序错乱", str(s["out_of_order"])),
        ("冷场 >3 s", f"{s['dead_air_count']} ({s['dead_air_seconds']:.1f} s)"),
        ("说话占比", f"{s['speaking_share'] * 100:.0f}%"),
    ]
    parts = [
        f"<h1>彩排报告 · {escape(show['title'])} · 第 {report['take']} 条</h1>",
        f'<p class="muted">{escape(show.get("store") or "")} {escape(show.get("guide") or "")}'
        f" · {escape(report.get('recording') or '')} · 容差 ±{report['tolerance']} s</p>",
        '<div id="summary">'
        + "".join(f'<span class="kpi">{escape(k)}<b>{escape(v)}</b></span>' for k, v in kpis)
        + "</div>",
        "<h2>时间线 Timeline</h2>",
        _img(chart_png, "timeline"),
        "<h2>段落 Segments</h2>",
        '<table id="segments"><tr><th>#</th><th>段落</th><th>计划开始</th><th>实际开始</th>'
        "<th>计划时长</th><th>实际时长</th><th>偏差</th><th>依据</th><th>片段</th></tr>",
    ]
    for r in report["segments"]:
        cls = "ok" if r["within_frame"] else "warn"
        parts.append(
            f"<tr><td>{r['index']}</td><td>{escape(r['title'])}</td>"
            f'<td class="num">{_t(r["planned_start"])}</td>'
            f'<td class="num">{_t(r["actual_start"])}</td>'
            f'<td class="num">{_t(r["planned_length"])}</td>'
            f'<td class="num">{_t(r["actual_length"])}</td>'
            f'<td class="num {cls}">{_d(r["deviation"])}</td><td>{escape(r["basis"])}</td>'
            f"<td>{_link(r.get('clip'), '播放')}</td></tr>"
        )
    parts.append("</table><h2>提示 Cues</h2>")
    parts.append(
        '<table id="cues"><tr><th>提示</th><th>动作</th><th>触发</th><th>计划</th><th>实际</th>'
        "<th>偏差</th><th>状态</th><th>顺序</th></tr>"
    )
    for c in report["cues"]:
        trig = c["trigger"] + (f" [{c['hotkey']}]" if c.get("hotkey") else "")
        if c.get("fired_by") and c["fired_by"] != c["trigger"]:
            trig += f" → {c['fired_by']}"
        order = ", ".join(c["out_of_order_with"])
        parts.append(
            f"<tr><td>{escape(c['id'])}</td><td>{escape(c['action'])}"
            f" {escape(c.get('product') or '')}</td><td>{escape(trig)}</td>"
            f'<td class="num">{_t(c["planned_at"])}</td><td class="num">{_t(c["fired_at"])}</td>'
            f'<td class="num">{_d(c["deviation"])}</td>'
            f'<td class="{_cls(c["status"])}">{STATUS_ZH.get(c["status"], c["status"])}</td>'
            f'<td class="{"bad" if order else ""}">'
            f"{escape(('先于/晚于 ' + order) if order else '')}</td></tr>"
        )
    parts.append("</table><h2>商品 Products</h2>")
    parts.append(
        '<table id="products"><tr><th>SKU</th><th>商品</th><th>计划</th><th>讲解时长</th>'
        "<th>讲解片段</th></tr>"
    )
    for p in report["products"]:
        clips = " ".join(_link(c, f"片段{i}") for i, c in enumerate(p.get("clips") or [], 1))
        parts.append(
            f"<tr><td>{escape(p['sku'])}</td><td>{escape(p['name'])}</td>"
            f'<td class="num">{_t(p["planned_seconds"])}</td>'
            f'<td class="num">{_t(p["shown_seconds"])}</td><td>{clips or "—"}</td></tr>'
        )
    parts.append("</table><h2>冷场 Dead air (&gt; 3 s)</h2>")
    if report["dead_air"]:
        parts.append('<table id="dead-air"><tr><th>开始</th><th>结束</th><th>时长</th></tr>')
        for d in report["dead_air"]:
            parts.append(
                f'<tr><td class="num">{_t(d["start"])}</td><td class="num">{_t(d["end"])}</td>'
                f'<td class="num bad">{d["end"] - d["start"]:.1f} s</td></tr>'
            )
        parts.append("</table>")
    else:
        parts.append('<p id="dead-air" class="ok">无</p>')
    review = report.get("review")
    if review:
        parts.append("<h2>点评 Review</h2>")
        who = review.get("reviewer") or ""
        total = review.get("total")
        parts.append(
            f'<p id="reviewer">点评人 Reviewer：{escape(who) or "—"} · 总分 Total：'
            f"{'—' if total is None else total}/{review.get('max_total', '')}</p>"
        )
        rub = review.get("rubric") or []
        if rub:
            parts.append('<table id="rubric"><tr><th>项目</th><th>分数</th></tr>')
            for r in rub:
                score = "—" if r.get("score") is None else f"{r['score']}/{r['max']}"
                parts.append(f"<tr><td>{escape(r['label'])}</td><td>{score}</td></tr>")
            parts.append("</table>")
        notes = review.get("notes") or []
        if notes:
            parts.append('<table id="notes"><tr><th>时间</th><th>点评</th><th>作者</th></tr>')
            for n in notes:
                parts.append(
                    f'<tr><td class="num">{_t(n["at"])}</td><td>{escape(n["text"])}</td>'
                    f"<td>{escape(n.get('author') or who)}</td></tr>"
                )
            parts.append("</table>")
    return _page(f"彩排报告 {show['title']} 第{report['take']}条", "".join(parts))


def compare_html(
    cmp: dict[str, Any], charts: tuple[bytes | None, bytes | None] = (None, None)
) -> str:
    a, b = cmp["takes"]
    parts = [
        f"<h1>彩排对比 · {escape(cmp['show'])} · 第 {a['take']} 条 vs 第 {b['take']} 条</h1>",
        f'<p id="verdict">改进 {len(cmp["improved"])} 项，退步 {len(cmp["worse"])} 项</p>',
        '<table id="metrics"><tr><th>指标</th>'
        f"<th>第 {a['take']} 条</th><th>第 {b['take']} 条</th><th>变化</th></tr>",
    ]
    for m in cmp["metrics"]:
        cls = {"better": "better", "worse": "worse"}.get(m["verdict"], "")
        zh = {"better": "改进", "worse": "退步", "same": "持平"}[m["verdict"]]
        parts.append(
            f"<tr><td>{escape(m['label'])}</td><td class='num'>{m['a']}</td>"
            f"<td class='num'>{m['b']}</td><td class='{cls}'>{zh}</td></tr>"
        )
    parts.append("</table><h2>段落偏差 Segment deviation</h2>")
    parts.append(
        '<table id="segments"><tr><th>段落</th><th>计划</th>'
        f"<th>第 {a['take']} 条</th><th>第 {b['take']} 条</th><th>变化</th></tr>"
    )
    for s in cmp["segments"]:
        cls = {"better": "better", "worse": "worse"}.get(s["verdict"], "")
        zh = {"better": "改进", "worse": "退步", "same": "持平"}[s["verdict"]]
        parts.append(
            f"<tr><td>{escape(s['title'])}</td><td class='num'>{_t(s['planned_length'])}</td>"
            f"<td class='num'>{_d(s['a'])}</td><td class='num'>{_d(s['b'])}</td>"
            f"<td class='{cls}'>{zh}</td></tr>"
        )
    parts.append("</table><h2>提示 Cues</h2>")
    parts.append(
        '<table id="cues"><tr><th>提示</th>'
        f"<th>第 {a['take']} 条</th><th>第 {b['take']} 条</th><th>变化</th></tr>"
    )
    for c in cmp["cues"]:
        cls = {"better": "better", "worse": "worse"}.get(c["verdict"], "")
        zh = {"better": "改进", "worse": "退步", "same": "持平"}[c["verdict"]]
        parts.append(
            f"<tr><td>{escape(c['id'])}</td><td>{STATUS_ZH.get(c['a'], c['a'])} {_d(c['a_dev'])}"
            f"</td><td>{STATUS_ZH.get(c['b'], c['b'])} {_d(c['b_dev'])}</td>"
            f"<td class='{cls}'>{zh}</td></tr>"
        )
    parts.append("</table><h2>时间线 Timelines</h2>")
    for take, png in zip((a, b), charts, strict=True):
        alt = f"timeline take {take['take']}"
        parts.append(f"<p>第 {take['take']} 条</p>{_img(png, alt)}")
    return _page(f"彩排对比 {cmp['show']}", "".join(parts))
