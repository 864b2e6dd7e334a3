"""The one catalogue of engine messages a guide can see, in Chinese and English.

The engine keeps its English text for logs and the CLI; next to it, it hands
the UI a :class:`Message` (a stable id plus parameters) that the window renders
in its own language. Qt-free: the window, the wall and tests all read it.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

LANGUAGES = ("zh", "en")

# id -> (Chinese, English); parameters in {braces}
CATALOGUE: dict[str, tuple[str, str]] = {
    # why an output is not live (RtmpOutput / Output reasons)
    "output.unreachable": ("连不上推流服务器", "cannot reach the streaming server"),
    "output.refused": ("服务器拒绝了推流（{detail}）", "the server refused the stream ({detail})"),
    "output.closed_on_publish": (
        "服务器一开始推流就断开了，通常是推流码或地址不对",
        "the server closed the stream as soon as it started, usually a wrong key or address",
    ),
    "output.stalled": ("服务器不再接收画面", "the server stopped taking the picture"),
    "output.connection_lost": ("连接断了（{detail}）", "the connection dropped ({detail})"),
    "output.reconnect_requested": ("按要求重新连接", "reconnecting as asked"),
    "output.stopped": ("已停止", "stopped"),
    "output.internal_error": ("软件内部出错（{detail}）", "an internal error ({detail})"),
    "output.certificate": (
        "{where} 的证书无法验证（{detail}）。请核对推流地址；公司网络或代理可能在拦截加密连接；"
        "若是自建的服务器，请用 --ca-file 或 STUDIO_CA_FILE 指定它的 CA 证书",
        "the certificate of {where} cannot be verified ({detail}). Check the stream address; "
        "a company network or proxy may be intercepting the encrypted connection; for a "
        "server of your own, give its CA certificate with --ca-file or STUDIO_CA_FILE",
    ),
    # the upload budget, before going live
    "budget.over": (
        "{n} 个平台 × {each} kb/s = {need} kb/s，超过了上次测得上行带宽 {upload} kb/s 的"
        "安全用量 {allowed} kb/s。画面可能卡顿、掉帧。建议降低码率、减少平台，或换更快的网络。",
        "{n} destinations × {each} kb/s = {need} kb/s, more than the {allowed} kb/s that is "
        "safe on the {upload} kb/s upload measured last. The picture may stutter and drop "
        "frames: lower the bitrate, push to fewer platforms, or use a faster network.",
    ),
    # the banner over the window while an output cannot connect
    "banner.retrying": (
        "“{name}”连不上：{reason}。请检查{fix}。正在自动重试（已试 {tries} 次）。",
        "“{name}” cannot connect: {reason}. Check {fix}. "
        "Retrying by itself ({tries} tries so far).",
    ),
    "banner.failed": (
        "“{name}”推流失败：{reason}。请检查{fix}，改好后重新开播。",
        "“{name}” failed: {reason}. Check {fix}, then go live again.",
    ),
    "fix.unreachable": ("推流地址和网络", "the stream address and the network"),
    "fix.refused": (
        "推流码和推流地址（地址里 /live 这一段）",
        "the stream key and the stream address (the /live part)",
    ),
    "fix.any": ("推流地址、推流码和网络", "the stream address, the stream key and the network"),
    "fix.certificate": (
        "推流地址，以及网络是否拦截加密连接",
        "the stream address and whether the network intercepts encrypted connections",
    ),
    # stream keys without a secure keyring
    "keys.memory_only": (
        "这台电脑没有安全的系统钥匙串：推流码只在本次运行中保存，重启后要重新填写。",
        "This computer has no secure keyring: stream keys are kept for this run only "
        "and must be entered again after a restart.",
    ),
    "keys.not_saved": ("推流码未保存，开播时填写", "key not saved, asked at Go Live"),
    "keys.ask_title": ("需要推流码", "Stream key needed"),
    "keys.ask": (
        "“{name}”的推流码没有保存（这台电脑没有安全的钥匙串）。请输入推流码：",
        "The stream key of “{name}” was not saved (no secure keyring on this computer). "
        "Enter the stream key:",
    ),
    "keys.ask_missing": (
        "“{name}”还没有推流码。请输入平台给的推流码：",
        "“{name}” has no stream key yet. Enter the stream key the platform gives:",
    ),
    "keys.missing": (
        "没有开播：“{name}”缺少推流码。请在“编辑”里填写推流码，"
        "或把平台给的完整推流地址（…/live/推流码）粘贴到服务器一栏。",
        "Not live: “{name}” has no stream key. Enter the stream key under “Edit”, "
        "or paste the full push address the platform gives (…/live/KEY) into the server field.",
    ),
    # the guide-only panel on the preview (never on air): the window's language
    "guide.commission": ("我的佣金", "My commission"),
    "guide.orders": ("{orders} 单", "{orders} orders"),
    "guide.now": ("当前：{text}", "Now: {text}"),
    "guide.next": ("下一条：{text}", "Next: {text}"),
    "guide.notes": ("备注：{text}", "Notes: {text}"),
    "guide.not_on_air": ("未上屏 {what}：{why}", "Not on air: {what}: {why}"),
    "guide.what.coupon": ("¥{amount} 券", "¥{amount} coupon"),
    "guide.what.groupbuy": ("拼团 ¥{price}", "group buy ¥{price}"),
    "guide.what.groupbuy_any": ("拼团", "group buy"),
    "guide.what.flash_price": ("秒杀 ¥{price}", "flash sale ¥{price}"),
    "guide.what.pop_link": ("购买码 · {product}", "purchase code · {product}"),
    "guide.why.unconfirmed": (
        "后台未确认（离线或未登记）",
        "not confirmed (offline or not registered)",
    ),
    "guide.why.refused": ("后台拒绝", "refused by the backend"),
    "guide.why.no_link": (
        "后台还没有给出它的购买链接",
        "the backend has not made its purchase link yet",
    ),
    "guide.why.would_refuse": (
        "超出门店促销限制，后台会拒绝",
        "over the store's promotion limits, the backend would refuse it",
    ),
    "guide.why.no_product": ("商品不在目录中", "the product is not in the catalogue"),
    "guide.why.incomplete": ("脚本参数不全", "the script gives too little"),
    "guide.rank": (
        "我的排名 第{place}名 · {orders}单 · ¥{gmv}",
        "My rank #{place} · {orders} orders · ¥{gmv}",
    ),
    "guide.rank_none": ("我的排名 本小时暂无成交", "My rank: no sales this hour"),
    # what a cue does (the cue list)
    "cue.show_card": ("商品卡 · {product}", "product card · {product}"),
    "cue.hide_card": ("收起商品卡", "hide the product card"),
    "cue.pop_link": ("弹出购买码 · {product}", "purchase code · {product}"),
    "cue.flash_price": ("秒杀 ¥{price}", "flash sale ¥{price}"),
    "cue.hide_link": ("收起购买码", "hide the purchase code"),
    "cue.coupon": ("优惠券 ¥{amount}", "coupon ¥{amount}"),
    "cue.coupon_threshold": ("满 {threshold} 可用", "on orders over ¥{threshold}"),
    "cue.groupbuy": ("拼团 · {product} · {size} 人团", "group buy · {product} · {size} people"),
    "cue.groupbuy_price": ("¥{price}", "¥{price}"),
    "cue.lottery": ("抽奖 · {prize}", "lucky draw · {prize}"),
    "cue.lower_third": ("字幕条", "lower third"),
    "cue.leaderboard": ("排行榜", "leaderboard"),
    "cue.scene": ("切换场景 · {name}", "switch scene · {name}"),
    "cue.chapter": ("章节 · {title}", "chapter · {title}"),
    "cue.on.orders": ("（每 {count} 单）", "(every {count} orders)"),
    "cue.on.sold_out": ("（{product} 售罄时）", "(when {product} sells out)"),
    "scene.full": ("全屏", "full screen"),
    "scene.split": ("分屏", "split screen"),
    "scene.pip": ("画中画", "picture in picture"),
    # rehearsal report values
    "report.basis.opening cue": ("开场提示", "opening cue"),
    "report.basis.chapter": ("章节标记", "chapter mark"),
    "report.basis.not reached": ("未到达", "not reached"),
    "report.trigger.time": ("定时", "timed"),
    "report.trigger.manual": ("手动", "manual"),
    "report.trigger.event": ("事件", "event"),
    "report.trigger.next": ("“下一条”键", "the Next key"),
    "report.summary": (
        "提示准时 {on_time}/{timed_cues} · 提前 {early} · 延迟 {late} · 漏掉 {missed} · "
        "顺序不对 {out_of_order} · 冷场 {dead_air_count} 次 · 说话占比 {speaking}%",
        "cues on time {on_time}/{timed_cues} · early {early} · late {late} · "
        "missed {missed} · out of order {out_of_order} · dead air {dead_air_count} · "
        "speaking {speaking}%",
    ),
    # the rehearsal report's page (studio.rehearsal.html) and its timeline picture
    "report.take": ("第 {take} 次", "take {take}"),
    "report.title": ("彩排报告 · {show} · 第 {take} 次", "Rehearsal report · {show} · take {take}"),
    "report.compare_title": (
        "彩排对比 · {show} · 第 {a} 次与第 {b} 次",
        "Takes compared · {show} · take {a} vs take {b}",
    ),
    "report.tolerance": ("容差 ±{seconds} 秒", "tolerance ±{seconds} s"),
    "report.kpi.plan_actual": ("计划 / 实际", "Planned / actual"),
    "report.kpi.on_time": ("准时提示", "Cues on time"),
    "report.kpi.early_late_missed": ("提前·延迟·未触发", "Early·late·missed"),
    "report.kpi.out_of_order": ("顺序错乱", "Out of order"),
    "report.kpi.dead_air": ("冷场超过 3 秒", "Dead air over 3 s"),
    "report.kpi.speaking": ("说话占比", "Speaking"),
    "report.h.timeline": ("时间线", "Timeline"),
    "report.h.segments": ("段落", "Segments"),
    "report.h.cues": ("提示", "Cues"),
    "report.h.products": ("商品", "Products"),
    "report.h.dead_air": ("冷场（超过 3 秒）", "Dead air (over 3 s)"),
    "report.h.review": ("点评", "Review"),
    "report.h.segment_deviation": ("段落偏差", "Segment deviation"),
    "report.col.segment": ("段落", "Segment"),
    "report.col.planned_start": ("计划开始", "Planned start"),
    "report.col.actual_start": ("实际开始", "Actual start"),
    "report.col.planned_length": ("计划时长", "Planned length"),
    "report.col.actual_length": ("实际时长", "Actual length"),
    "report.col.deviation": ("偏差", "Deviation"),
    "report.col.basis": ("依据", "Measured from"),
    "report.col.clip": ("片段", "Clip"),
    "report.col.cue": ("提示", "Cue"),
    "report.col.action": ("动作", "Action"),
    "report.col.trigger": ("触发", "Trigger"),
    "report.col.planned": ("计划", "Planned"),
    "report.col.actual": ("实际", "Actual"),
    "report.col.status": ("状态", "Status"),
    "report.col.order": ("顺序", "Order"),
    "report.col.product": ("商品", "Product"),
    "report.col.shown": ("讲解时长", "Explained for"),
    "report.col.product_clips": ("讲解片段", "Explanation clips"),
    "report.col.start": ("开始", "Start"),
    "report.col.end": ("结束", "End"),
    "report.col.length": ("时长", "Length"),
    "report.col.criterion": ("项目", "Criterion"),
    "report.col.score": ("分数", "Score"),
    "report.col.time": ("时间", "Time"),
    "report.col.note": ("点评", "Note"),
    "report.col.author": ("作者", "Author"),
    "report.col.metric": ("指标", "Metric"),
    "report.col.change": ("变化", "Change"),
    "report.play": ("播放", "play"),
    "report.clip_n": ("片段 {n}", "clip {n}"),
    "report.none": ("无", "none"),
    "report.no_chart": ("（没有时间线图）", "(no timeline picture)"),
    "report.order_with": ("先于/晚于 {ids}", "swapped with {ids}"),
    "report.reviewer": (
        "点评人：{who} · 总分：{total}/{max}",
        "Reviewer: {who} · total: {total}/{max}",
    ),
    "report.verdict": ("改进 {better} 项，退步 {worse} 项", "{better} better, {worse} worse"),
    "report.seconds": ("{n} 秒", "{n} s"),
    "report.status.on_time": ("准时", "on time"),
    "report.status.early": ("提前", "early"),
    "report.status.late": ("延迟", "late"),
    "report.status.missed": ("未触发", "missed"),
    "report.status.in_window": ("时段内", "in its segment"),
    "report.status.outside_window": ("时段外", "outside its segment"),
    "report.status.not_used": ("未使用", "not used"),
    "report.status.fired": ("已触发", "fired"),
    "report.status.not_triggered": ("未触发", "not triggered"),
    "report.change.better": ("改进", "better"),
    "report.change.worse": ("退步", "worse"),
    "report.change.same": ("持平", "same"),
    "report.action.show_card": ("商品卡", "product card"),
    "report.action.hide_card": ("收起商品卡", "hide the card"),
    "report.action.pop_link": ("弹出购买码", "purchase code"),
    "report.action.hide_link": ("收起购买码", "hide the purchase code"),
    "report.action.coupon": ("优惠券", "coupon"),
    "report.action.groupbuy": ("拼团", "group buy"),
    "report.action.lottery": ("抽奖", "lucky draw"),
    "report.action.lower_third": ("字幕条", "lower third"),
    "report.action.leaderboard": ("排行榜", "leaderboard"),
    "report.action.scene": ("切换场景", "switch scene"),
    "report.action.chapter": ("章节", "chapter"),
    "report.metric.mean_segment_deviation": ("段落平均偏差（秒）", "Mean segment deviation (s)"),
    "report.metric.max_segment_deviation": ("段落最大偏差（秒）", "Largest segment deviation (s)"),
    "report.metric.on_time": ("准时提示", "Cues on time"),
    "report.metric.early": ("提前提示", "Early cues"),
    "report.metric.late": ("延迟提示", "Late cues"),
    "report.metric.missed": ("未触发提示", "Missed cues"),
    "report.metric.out_of_order": ("顺序错乱", "Out of order"),
    "report.metric.manual_outside_window": ("时段外手动提示", "Manual cues outside their segment"),
    "report.metric.dead_air_seconds": ("冷场秒数", "Dead air (s)"),
    "report.metric.speaking_share": ("说话占比", "Speaking share"),
    "report.rubric.timing": ("节奏", "Timing"),
    "report.rubric.product": ("商品讲解", "Product knowledge"),
    "report.rubric.call_to_action": ("引导下单", "Call to action"),
    "report.rubric.energy": ("状态", "Energy"),
    "report.rubric.interaction": ("互动", "Interaction"),
    "chart.plan": ("计划", "plan"),
    "chart.actual": ("实际", "actual"),
    "chart.cues": ("提示", "cues"),
    "chart.products": ("商品", "products"),
    "chart.sound": ("声音", "sound"),
    # the regional wall's alerts (studio.wall.alerts kinds)
    "wall.dropped": ("直播中断 {n} 秒", "stream lost for {n} s"),
    "wall.frames": ("丢帧率 {n}", "dropping {n} of frames"),
    "wall.no_orders": ("{n} 分钟无订单", "no orders for {n} min"),
    # the wall reaching its backend (studio.wall.feed.backend_problem kinds), and its sound
    "wall.backend.unreachable": (
        "连不上后台 {url}。请检查后台地址（--backend）和网络，确认后台已经启动，然后重新打开大屏。",
        "Cannot reach the backend at {url}. Check the backend address (--backend) and the "
        "network, make sure the backend is running, then open the wall again.",
    ),
    "wall.backend.timeout": (
        "后台 {url} 没有及时回应。请检查网络，稍后重新打开大屏。",
        "The backend at {url} did not answer in time. Check the network, then open the wall "
        "again in a moment.",
    ),
    "wall.backend.status": (
        "后台 {url} 出错（HTTP {status}）。请稍后重新打开大屏；一直这样，请联系后台管理员。",
        "The backend at {url} failed (HTTP {status}). Open the wall again in a moment; if it "
        "keeps failing, ask the backend's administrator.",
    ),
    "wall.backend.other": (
        "无法登录后台 {url}。请检查后台地址（--backend），然后重新打开大屏。",
        "Cannot sign in to the backend at {url}. Check the backend address (--backend), then "
        "open the wall again.",
    ),
    "wall.focus_failed": (
        "暂时读不到“{store}”的订单和排行：{why}。稍后再点开这家门店。",
        "The orders and ranking of “{store}” cannot be read now: {why}. Open the store again "
        "in a moment.",
    ),
    "wall.why.unreachable": (
        "连不上后台，请检查网络",
        "the backend cannot be reached, check the network",
    ),
    "wall.why.timeout": ("后台没有及时回应", "the backend did not answer in time"),
    "wall.why.status": ("后台出错（HTTP {status}）", "the backend failed (HTTP {status})"),
    "wall.why.other": ("后台出错", "the backend failed"),
    "wall.audio_off": ("声音已关闭", "Sound is off"),
    "wall.no_audio": (
        "没有可用的音频输出设备，焦点画面静音",
        "No audio output device: the focused store plays without sound",
    ),
    "playback.off": ("声音已关闭", "Sound is off"),
    "playback.no_device": (
        "没有可用的音频输出设备：这台电脑上听不到连麦嘉宾",
        "No audio output device: co-stream guests cannot be heard on this computer",
    ),
    # the end of a live in the guide's window, and opening its recording
    "live.ended_title": ("直播已结束", "The live has ended"),
    "live.recording_saved": ("录像已保存：\n{path}", "The recording is saved:\n{path}"),
    "live.open_recording": ("打开录像", "Open recording"),
    "open.failed_title": ("打不开文件", "Cannot open the file"),
    "open.failed": (
        "打不开 {path}：{why}。\n请在文件管理器里打开这个文件夹：{folder}",
        "Could not open {path}: {why}.\nOpen this folder in your file manager: {folder}",
    ),
    "open.no_opener": (
        "这台电脑上没有打开文件的程序（{program}）",
        "there is no program to open files on this computer ({program})",
    ),
    "open.exit": ("{program} 失败了（退出码 {code}）", "{program} failed (exit code {code})"),
    # Go Live to platforms whose preset wants another picture size (ui/preset_switch.py)
    "preset.title": ("画面尺寸", "Picture size"),
    "preset.portrait": ("竖屏", "portrait"),
    "preset.landscape": ("横屏", "landscape"),
    "preset.text": (
        "{platform}推荐{shape} {size}，现在的画面是 {current}。\n"
        "改用推荐尺寸时，窗口会重新打开（几秒钟），然后请再点一次“开始直播”。",
        "{platform} recommends {shape} {size}; the picture is {current} now.\n"
        "To use the recommended size the window reopens (a few seconds); then press "
        "Go Live again.",
    ),
    "preset.switch": ("改用推荐尺寸", "Use the recommended size"),
    "preset.keep": ("按现在的尺寸开播", "Go live at the current size"),
    "preset.cancel": ("取消", "Cancel"),
}


@dataclass(frozen=True)
class Message:
    """A message id and its parameters; rendered in a language on the UI's side."""

    id: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "zh") -> str:
        return render(self.id, self.params, lang)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Message | None:
        if not data or not data.get("id"):
            return None
        return cls(str(data["id"]), dict(data.get("params") or {}))


_chosen: dict[str, str] = {}  # "lang": the window's language, once it has one


def set_language(lang: str) -> None:
    """The window's language, for what the engine writes on its behalf (report pages)."""
    _chosen["lang"] = "en" if lang == "en" else "zh"


def current_language() -> str:
    """The window's language in this process, else what the window would pick at its next
    start (:func:`preferred_language` with its saved choice): a report that ``studio
    rehearse`` writes reads like the window that shows it."""
    if "lang" in _chosen:
        return _chosen["lang"]
    return preferred_language(saved_language())


def preferred_language(setting: str = "auto", system: str | None = None) -> str:
    """``zh`` or ``en``: ``STUDIO_LANG``, else the window's saved choice, else the system's.

    ``system`` is the system language as the caller knows it (the window passes Qt's);
    without it the locale environment is read. Chinese, unless the system says another
    language: no locale at all (``C``, ``POSIX``, unset) is the default, Chinese.
    """
    choice = os.environ.get("STUDIO_LANG") or setting or "auto"
    if choice != "auto":
        return "en" if choice.lower().startswith("en") else "zh"
    name = (system if system is not None else _system_locale()).lower()
    if not name or name in ("c", "posix") or name.startswith(("c.", "zh", "chinese")):
        return "zh"
    return "en"


def _system_locale() -> str:
    """The user's language as Qt reads it on Unix (the window's view): ``LC_ALL``, else
    ``LC_MESSAGES``, else ``LANG``, and once any of them is set the first of ``LANGUAGE``
    over it. Windows and macOS set none of them: Python's view there. Elsewhere, none set
    means no locale (Python 3 would report its own C.UTF-8 coercion as ``en_US``)."""
    base = next((v for v in map(os.environ.get, ("LC_ALL", "LC_MESSAGES", "LANG")) if v), "")
    if base:
        first = os.environ.get("LANGUAGE", "").split(":")[0]
        return first or base
    if sys.platform not in ("win32", "darwin"):
        return ""
    import locale

    try:
        return locale.getlocale()[0] or ""
    except ValueError:  # an unknown locale name
        return ""


def saved_language() -> str:
    """The window's saved choice (``ui/language`` in its settings file), ``auto`` if none.

    Read with configparser: the file is Qt's INI format, written by the window, and the
    engine never imports Qt. A file that cannot be read is the same as no choice."""
    import configparser

    from studio.config import LANGUAGE_SETTING, WINDOW_SETTINGS, config_dir

    section, key = LANGUAGE_SETTING.split("/")
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read(config_dir() / WINDOW_SETTINGS, encoding="utf-8-sig")  # a BOM from an editor
        value = parser.get(section, key, fallback="auto").strip().strip('"').strip()
        return value or "auto"
    except (configparser.Error, OSError, UnicodeDecodeError):
        log.debug("window settings unreadable; language from the system", exc_info=True)
        return "auto"


def render(mid: str, params: Mapping[str, Any] | None = None, lang: str = "zh") -> str:
    """The text of ``mid`` in ``lang``; an unknown id comes back as itself (and is logged)."""
    texts = CATALOGUE.get(mid)
    if texts is None:
        log.warning("no message %r in the catalogue", mid)
        return mid
    template = texts[1 if lang == "en" else 0]
    try:
        return template.format(**(params or {}))
    except (KeyError, IndexError, ValueError):
        log.warning("message %r lacks a parameter: %r", mid, params)
        return template


def _num(value: Any) -> str:
    """58.0 -> 58, 9.9 -> 9.9: prices as a guide writes them."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def describe_cue(cue: Any, lang: str = "zh", name_of: Callable[[str], str] | None = None) -> str:
    """What a cue does, e.g. ``弹出购买码 · 云南小粒咖啡豆 · 秒杀 ¥58`` (no ids).

    ``cue`` is a :class:`studio.show.script.Cue`; ``name_of`` turns a SKU into
    the product's name (the SKU stays when the catalogue does not know it).
    """

    def name(sku: Any) -> str:
        if not sku:
            return ""
        if name_of is not None:
            try:
                return name_of(str(sku)) or str(sku)
            except (KeyError, LookupError):
                pass
        return str(sku)

    p = dict(cue.params)
    action = cue.action
    parts: list[str]
    if action in ("show_card", "pop_link"):
        parts = [render(f"cue.{action}", {"product": name(p.get("product"))}, lang)]
        if action == "pop_link" and p.get("flash_price") is not None:
            parts.append(render("cue.flash_price", {"price": _num(p["flash_price"])}, lang))
    elif action == "coupon":
        text = render("cue.coupon", {"amount": _num(p.get("amount"))}, lang)
        if p.get("threshold") is not None:
            text += " " + render("cue.coupon_threshold", {"threshold": _num(p["threshold"])}, lang)
        parts = [text]
        if p.get("title"):
            parts.append(str(p["title"]))
    elif action == "groupbuy":
        parts = [
            render("cue.groupbuy", {"product": name(p.get("product")), "size": p.get("size")}, lang)
        ]
        if p.get("price") is not None:
            parts.append(render("cue.groupbuy_price", {"price": _num(p["price"])}, lang))
    elif action == "scene":
        scene = str(p.get("name", ""))
        shown = render(f"scene.{scene}", None, lang) if f"scene.{scene}" in CATALOGUE else scene
        parts = [render("cue.scene", {"name": shown}, lang)]
    elif f"cue.{action}" in CATALOGUE:
        parts = [render(f"cue.{action}", {k: p.get(k, "") for k in ("prize", "title")}, lang)]
        if action == "lower_third" and p.get("text"):
            parts.append(str(p["text"]))
    else:
        parts = [action]
    what = " · ".join(parts)
    if cue.trigger == "time":
        return f"{_clock(cue.at or 0)}  {what}"
    if cue.trigger == "manual":
        return f"[{cue.hotkey}]  {what}"
    when = render(
        f"cue.on.{cue.on}", {"count": cue.count, "product": name(cue.of or p.get("product"))}, lang
    )
    return f"{when}  {what}"


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def report_value(kind: str, value: str, lang: str = "zh") -> str:
    """A rehearsal report value (``basis`` or ``trigger``) in ``lang``; unknown ones as they are."""
    mid = f"report.{kind}.{value}"
    return render(mid, None, lang) if mid in CATALOGUE else value


def report_summary(summary: Mapping[str, Any], lang: str = "zh") -> str:
    """A take's summary in one line (the window's status bar)."""
    params = dict(summary)
    params["speaking"] = f"{float(summary.get('speaking_share') or 0) * 100:.0f}"
    return render("report.summary", params, lang)


_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def wall_alert(kind: str, text: str, lang: str = "zh") -> str:
    """A wall alert (``studio.wall.alerts``: Chinese text per kind) in ``lang``."""
    mid = f"wall.{kind}"
    found = _NUMBER.search(text)
    if mid not in CATALOGUE or found is None:
        return text
    return render(mid, {"n": found.group(0)}, lang)
