"""The 连麦 guest's page (``/join/<token>``) and the page that refuses a dead link.

The page is one file, ``static/join.html``: plain JS on the browser's own
``RTCPeerConnection`` and ``getUserMedia`` (no CDN, no build step). Its one inline
script is the same text for every link (the token is read from the address, the
words from a ``data-`` attribute), so the page's CSP allows exactly that script by
its hash (:data:`JOIN_CSP`, applied by :mod:`studio.backend.headers`).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from html import escape
from importlib import resources

from studio.backend.costream import REFUSALS

log = logging.getLogger(__name__)

_TEMPLATE = resources.files("studio.backend").joinpath("static/join.html").read_text("utf-8")
_SCRIPT = re.search(r"<script>(.*?)</script>", _TEMPLATE, re.S)
assert _SCRIPT is not None, "static/join.html has no inline script"
SCRIPT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(_SCRIPT.group(1).encode()).digest()).decode()
)
JOIN_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    f"script-src '{SCRIPT_HASH}'; connect-src 'self'; media-src 'self' blob: mediastream:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "join": "加入连麦",
        "name": "你的名字（显示在画面上）",
        "name_needed": "请先填写你的名字。",
        "mute": "静音",
        "unmute": "取消静音",
        "leave": "离开连麦",
        "ready": "填写名字后点击“加入连麦”，浏览器会请求使用摄像头和麦克风。",
        "camera": "正在打开摄像头和麦克风…",
        "nocam": "无法使用摄像头或麦克风，请在浏览器设置中允许后重试：",
        "connecting": "正在连接主播…",
        "waiting": "已发出连麦请求，等待主播接入…",
        "connected": "已连麦：你正在和主播通话。",
        "reconnecting": "连接中断，正在自动重新连接…",
        "full": "连麦人数已满，稍后自动重试…",
        "left": "你已离开连麦。",
        "host": "主播",
    },
    "en": {
        "join": "Join co-stream",
        "name": "Your name (shown on the program)",
        "name_needed": "Please enter your name first.",
        "mute": "Mute",
        "unmute": "Unmute",
        "leave": "Leave",
        "ready": "Enter your name and press Join; the browser will ask for camera and microphone.",
        "camera": "Opening camera and microphone…",
        "nocam": "Cannot use the camera or microphone; allow them in the browser and retry:",
        "connecting": "Connecting to the host…",
        "waiting": "Request sent; waiting for the host to let you in…",
        "connected": "Connected: you are talking with the host.",
        "reconnecting": "Connection lost; reconnecting by itself…",
        "full": "The co-stream is full; retrying shortly…",
        "left": "You have left the co-stream.",
        "host": "Host",
    },
}
_UNKNOWN = {
    "zh": ("连麦链接无效", "没有找到这个连麦链接，请确认链接是否完整，或向导购索取新的链接。"),
    "en": (
        "Unknown co-stream link",
        "Check that the link is complete, or ask the guide for a new one.",
    ),
}
_CSS = (
    "body{margin:0;font-family:-apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;"
    "background:#f5f5f5;color:#222}.center{max-width:480px;margin:0 auto;text-align:center;"
    "padding:80px 24px}h1{font-size:20px}.muted{color:#777}"
)


def page(lang: str, title: str, host: str, store: str) -> str:
    """The join page for a working link, in ``lang`` (``zh`` or ``en``)."""
    words = dict(TEXT[lang])
    words["title"] = title
    words["who"] = f"{words['host']} {host} · {store}" if host else store
    data = escape(json.dumps(words, ensure_ascii=False), quote=True)
    return (
        _TEMPLATE.replace("{{html_lang}}", "zh-CN" if lang == "zh" else "en")
        .replace("{{title}}", escape(title))
        .replace("{{text_json}}", data)
    )


def refused(reason: str, lang: str) -> str:
    """Why a link does not work and what to do, in one language."""
    title, todo = REFUSALS[reason][lang] if reason in REFUSALS else _UNKNOWN[lang]
    return (
        f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f'<div class="center" id="refused-{escape(reason)}"><h1>{escape(title)}</h1>'
        f'<p class="muted">{escape(todo)}</p></div></body></html>'
    )
