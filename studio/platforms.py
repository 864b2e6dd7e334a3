"""Platform presets: what each destination guides push to wants, as data (Qt-free).

A preset gives the program's orientation and size, fps, video bitrate and keyframe
interval, the URL scheme the platform takes, the server address to prefill (empty
where every live gets its own), where the guide finds the server and the stream
key to paste, and the key of its safe area in :data:`studio.overlays.layout.SAFE_AREAS`.

Where the figures come from:

- YouTube: "Choose live encoder settings, bitrates and resolutions"
  (support.google.com/youtube/answer/2853702): 720p30 at 1,500-4,000 kb/s, keyframes
  every 2 s (never over 4 s), AAC 128 kb/s; ingest rtmp://a.rtmp.youtube.com/live2 and
  rtmps://a.rtmps.youtube.com:443/live2.
- Facebook: Live Video API "Live video specs" (developers.facebook.com/docs/live-video-api):
  up to 1280x720 at 30 fps, at most 4,000 kb/s, a keyframe every 2 s, AAC 128 kb/s at 48 kHz,
  RTMPS only (rtmps://live-api-s.facebook.com:443/rtmp/).
- 视频号, 淘宝直播, 小红书, 哔哩哔哩, 快手: their published push/OBS help pages as far as we know
  them (portrait 720x1280 at about 2-3 Mb/s with 2 s keyframes for the phone-first apps, 1080p
  landscape for B站's third-party push at about 6 Mb/s, ingest rtmp://live-push.bilivideo.com/
  live-bvc/). These pages change without notice and some sit behind a merchant login: the
  numbers are conservative middle values, and the push address is always the one the
  platform's own tool shows.

Every platform has its own safe area (``studio.overlays.layout.SAFE_AREAS``, each with a
note on where its figures come from): Facebook's portrait bands are Meta's published
Reels/Stories safe zone (top 14 %, bottom 35 %, 6 % each side); 快手 publishes none, so its
bands are what its live room draws (a second top row of 榜单/粉丝团/红包, the comments,
小黄车 and the gift bar at the bottom, 福袋 and red-packet widgets on the right), rounded up.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from studio.config import Profile
from studio.errors import UserError
from studio.overlays.layout import SAFE_AREAS, Insets, SafeArea

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Platform:
    """One destination's preset; ``where`` says (zh, en) where the server and key are found."""

    key: str
    name: str  # shown in both languages: a product name
    width: int
    height: int
    fps: int
    video_bitrate: int  # bits per second
    keyframe_seconds: float
    safe_area: str  # a key of SAFE_AREAS
    schemes: tuple[str, ...]  # URL schemes the platform takes, the preferred one first
    server: str  # prefilled server address ("" when each live gets its own)
    where: tuple[str, str]
    audio_bitrate: int = 128_000

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def area(self) -> SafeArea:
        return SAFE_AREAS[self.safe_area]

    def hint(self, lang: str = "zh") -> str:
        """Where to find what to paste, in ``lang`` (``zh`` or ``en``)."""
        return self.where[1 if lang == "en" else 0]

    def settings_text(self, lang: str = "zh") -> str:
        """The recommended settings in one line, e.g. ``竖屏 720×1280 · 30 fps · 3000 kb/s …``."""
        zh = lang != "en"
        shape = ("竖屏" if zh else "portrait") if self.portrait else ("横屏" if zh else "landscape")
        kf = f"{self.keyframe_seconds:g}"
        key = f"关键帧 {kf} 秒" if zh else f"keyframe {kf} s"
        return (
            f"{shape} {self.width}×{self.height} · {self.fps} fps · "
            f"{self.video_bitrate // 1000} kb/s · {key}"
        )

    def scheme_problem(self, url: str) -> str | None:
        """The scheme the platform needs when ``url`` uses another one, else None."""
        scheme = urlsplit(url.strip()).scheme.lower()
        return None if scheme in self.schemes else self.schemes[0]

    def apply(self, profile: Profile, **keep: bool) -> Profile:
        """``profile`` with this preset's size, fps, bitrates and keyframe interval.

        ``keep=dict(size=True)`` (or ``fps``, ``bitrate``) leaves a value given explicitly.
        """
        changes: dict[str, object] = {
            "keyframe_seconds": self.keyframe_seconds,
            "audio_bitrate": self.audio_bitrate,
        }
        if not keep.get("size"):
            changes["width"], changes["height"] = self.width, self.height
        if not keep.get("fps"):
            changes["fps"] = self.fps
        if not keep.get("bitrate"):
            changes["video_bitrate"] = self.video_bitrate
        return profile.with_(**changes)


PLATFORMS: dict[str, Platform] = {
    p.key: p
    for p in (
        Platform(
            "channels", "视频号", 720, 1280, 30, 3_000_000, 2.0, "channels", ("rtmp",), "",
            (
                "在电脑上打开视频号助手（channels.weixin.qq.com）→ 直播 → 创建直播，"
                "把“推流地址”粘贴到服务器，“推流密钥”粘贴到推流密钥。每场直播的地址都不同。",
                "Open 视频号助手 (channels.weixin.qq.com) → 直播 → 创建直播 on a computer; paste "
                "its push address (推流地址) as the server and its key (推流密钥) as the stream "
                "key. Every live gets a new address.",
            ),
        ),
        Platform(
            "taobao", "淘宝直播", 720, 1280, 30, 2_500_000, 2.0, "taobao", ("rtmp",), "",
            (
                "在淘宝直播中控台创建直播，选择“推流直播”，复制推流地址：斜杠前的部分是服务器，"
                "最后一段是推流密钥。",
                "Create the live in 淘宝直播中控台 and choose push streaming (推流直播); of the "
                "push address, the part before the last slash is the server, the last part the "
                "stream key.",
            ),
        ),
        Platform(
            "xiaohongshu", "小红书", 720, 1280, 30, 2_500_000, 2.0, "xiaohongshu", ("rtmp",), "",
            (
                "在小红书直播（电脑端推流 / 小红书直播伴侣）开播页复制“推流地址”和“推流密钥”，"
                "分别粘贴。",
                "On 小红书's live page for computer streaming, copy the push address (推流地址) "
                "and the stream key (推流密钥) and paste each.",
            ),
        ),
        Platform(
            "bilibili", "哔哩哔哩", 1920, 1080, 30, 6_000_000, 2.0, "bilibili", ("rtmp",),
            "rtmp://live-push.bilivideo.com/live-bvc",
            (
                "打开 B站 直播中心 → 我的直播间 → 开播设置，开播后复制“服务器地址”和“串流密钥”。",
                "Open B站 直播中心 → 我的直播间 → 开播设置, start the room, then copy its server "
                "address (服务器地址) and stream key (串流密钥).",
            ),
        ),
        Platform(
            "kuaishou", "快手", 720, 1280, 30, 2_500_000, 2.0, "kuaishou", ("rtmp",), "",
            (
                "在快手直播伴侣或快手创作者服务平台开通推流直播，复制“推流地址”和“推流密钥”。",
                "Turn on push streaming in 快手直播伴侣 or the 快手 creator platform and copy its "
                "push address (推流地址) and stream key (推流密钥).",
            ),
        ),
        Platform(
            "youtube", "YouTube", 1280, 720, 30, 4_000_000, 2.0, "youtube_live",
            ("rtmps", "rtmp"), "rtmps://a.rtmps.youtube.com:443/live2",
            (
                "在 YouTube 工作室 → 直播 → 串流设置，复制“串流网址”（加密：rtmps）和“串流密钥”。",
                "In YouTube Studio → Go live → Stream settings, copy the stream URL (the "
                "encrypted rtmps one) and the stream key.",
            ),
        ),
        Platform(
            "facebook", "Facebook", 1280, 720, 30, 4_000_000, 2.0, "facebook", ("rtmps",),
            "rtmps://live-api-s.facebook.com:443/rtmp",
            (
                "在 Facebook Live Producer 选择“串流软件”，复制“服务器网址”和“串流密钥”。"
                "Facebook 只接受加密的 rtmps:// 地址。",
                "In Facebook Live Producer choose streaming software and copy the server URL "
                "and the stream key. Facebook takes encrypted rtmps:// addresses only.",
            ),
        ),
    )
}  # fmt: skip


def names() -> str:
    """The accepted names for messages: ``channels (视频号), taobao (淘宝直播), …``."""
    return ", ".join(f"{p.key} ({p.name})" for p in PLATFORMS.values())


def platform(name: str) -> Platform:
    """The preset called ``name`` (its key or its shown name, any case); UserError if none."""
    wanted = name.strip().lower()
    for p in PLATFORMS.values():
        if wanted in (p.key, p.name.lower()):
            return p
    raise UserError(f"--platform {name!r} is not known", f"use one of {names()}")


def guess(server: str) -> Platform | None:
    """The platform whose prefilled server ``server`` is on (same host), else None."""
    host = (urlsplit(server.strip()).hostname or "").lower()
    for p in PLATFORMS.values():
        if p.server and host and urlsplit(p.server).hostname == host:
            return p
    return None


def combined_area(keys: list[str]) -> SafeArea | None:
    """One safe area covering every band of ``keys`` (several platforms at once), or None.

    One program goes to every destination, so overlays keep out of each app's UI.
    """
    areas = [SAFE_AREAS[k] for k in dict.fromkeys(keys) if k in SAFE_AREAS]
    if len(areas) <= 1:
        return areas[0] if areas else None

    def union(side: str) -> Insets:
        ins = [getattr(a, side) for a in areas]
        edges = ("top", "bottom", "left", "right")
        return Insets(*(max(getattr(i, e) for i in ins) for e in edges))

    return SafeArea(
        "+".join(a.key for a in areas),
        " + ".join(a.label for a in areas),
        union("portrait"),
        union("landscape"),
        "every band of each platform",
    )
