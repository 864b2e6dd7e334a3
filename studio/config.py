"""Output profiles and the parsing of user-facing settings (sizes, bitrates).

A profile is what an OBS user calls the output settings: canvas size, fps,
bitrates and encoder. Parsing lives here so the CLI and the GUI reject bad
values with the same message.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from studio import APP_AUTHOR, APP_NAME
from studio.errors import UserError

log = logging.getLogger(__name__)

SUPPORTED_SIZES = {
    (640, 360),
    (854, 480),
    (960, 540),
    (1280, 720),
    (1600, 900),
    (1920, 1080),
    (720, 1280),
    (1080, 1920),  # portrait, as phones watch store lives
}
SUPPORTED_FPS = (15, 20, 24, 25, 30, 50, 60)


@dataclass(frozen=True)
class Profile:
    """Output settings shared by every destination (one encode feeds them all)."""

    width: int = 1280
    height: int = 720
    fps: int = 30
    video_bitrate: int = 2_500_000
    audio_bitrate: int = 128_000
    encoder: str = "auto"  # auto | x264 | nvenc | qsv | videotoolbox | amf
    preset: str = "veryfast"
    tune: str = "zerolatency"
    keyframe_seconds: float = 2.0
    bframes: int = 0

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def gop(self) -> int:
        return max(1, round(self.fps * self.keyframe_seconds))

    def with_(self, **changes: Any) -> Profile:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` -> (1280, 720); only sizes the encoder path supports."""
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×*]\s*(\d{2,5})\s*", text or "")
    if not m:
        raise UserError(
            f"--size {text!r} is not a size",
            "write it as WIDTHxHEIGHT, for example 1280x720",
        )
    w, h = int(m.group(1)), int(m.group(2))
    if (w, h) not in SUPPORTED_SIZES:
        sizes = ", ".join(f"{a}x{b}" for a, b in sorted(SUPPORTED_SIZES))
        raise UserError(f"--size {w}x{h} is not supported", f"pick one of {sizes}")
    return w, h


def parse_fps(text: str | int) -> int:
    try:
        fps = int(str(text).strip())
    except ValueError:
        fps = -1
    if fps not in SUPPORTED_FPS:
        raise UserError(
            f"--fps {text!r} is not supported",
            "use one of " + ", ".join(map(str, SUPPORTED_FPS)),
        )
    return fps


def parse_bitrate(text: str | int) -> int:
    """``"2500k"``, ``"4.5M"`` or ``"2500000"`` -> bits per second."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)(?:b/?s|bps)?\s*", str(text))
    if not m:
        raise UserError(f"--bitrate {text!r} is not a bitrate", "write it like 2500k or 4.5M")
    value = float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6}[m.group(2).lower()]
    if not 100_000 <= value <= 50_000_000:
        raise UserError(
            f"--bitrate {text} is out of range", "choose between 100k and 50M (2500k suits 720p)"
        )
    return int(value)


# The window's settings (Qt's INI format) in :func:`config_dir`, and its language key
# (auto | zh | en): the window writes them, the engine reads the language for its reports.
WINDOW_SETTINGS = "studio.ini"
LANGUAGE_SETTING = "ui/language"


def config_dir() -> Path:
    override = os.environ.get("STUDIO_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    override = os.environ.get("STUDIO_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))


def load_profile(path: Path | None = None) -> Profile:
    """Read ``profile.toml`` from the config directory; defaults when absent."""
    path = path or config_dir() / "profile.toml"
    if not path.exists():
        return Profile()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(
            f"{path}: cannot read the profile ({exc})", "fix or delete the file"
        ) from exc
    return Profile.from_dict(data.get("output", {}))


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def save_profile(profile: Profile, path: Path | None = None) -> Path:
    """Write the profile's ``[output]`` table to ``profile.toml`` atomically.

    Only :class:`Profile` fields are written (no stream keys: those live in the
    keyring). Other tables of an existing file are kept as they are. The file is
    written next to the target and renamed over it, so a crash never leaves a
    half-written profile behind.
    """
    path = path or config_dir() / "profile.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    kept: list[str] = []
    if path.exists():
        skipping = False
        for line in path.read_text(encoding="utf-8").splitlines():
            header = line.strip()
            if header.startswith("[") and not header.startswith("[["):
                skipping = header == "[output]"
            if not skipping:
                kept.append(line)
    body = ["[output]", *(f"{k} = {_toml_value(v)}" for k, v in profile.to_dict().items())]
    text = "\n".join(body) + "\n"
    rest = "\n".join(kept).strip()
    if rest:
        text += "\n" + rest + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# -- the folders the studio writes to -------------------------------------------------------

# setting name (the GUI's INI key) -> how an English message names it; never a CLI flag
FOLDER_SETTINGS = {"record_dir": "recording folder", "rehearsal_dir": "rehearsal folder"}


def default_recordings_dir() -> Path:
    """The platform's videos folder (``~/Videos``) plus ``Guide Studio``; made on first use."""
    return Path(platformdirs.user_videos_dir()) / "Guide Studio"


class FolderError(UserError):
    """A folder setting that cannot take files; the window words it in its own language.

    ``problem`` is ``not_a_folder``, ``cannot_create`` or ``not_writable``;
    ``detail`` is the system's reason (``Permission denied``) and ``errno`` its
    code, which the window words itself.
    """

    def __init__(
        self, setting: str, folder: Path, problem: str, detail: str = "", errno: int | None = None
    ) -> None:
        self.setting, self.folder, self.problem = setting, folder, problem
        self.detail, self.errno = detail, errno
        label = FOLDER_SETTINGS.get(setting, setting)
        what = {
            "not_a_folder": "is a file, not a folder",
            "cannot_create": "cannot be created",
            "not_writable": "cannot be written to",
        }.get(problem, problem)
        super().__init__(
            f"the {label} {folder} {what}" + (f" ({detail})" if detail else ""),
            f"pick another {label} in the settings",
        )


def ensure_folder(folder: Path, setting: str) -> Path:
    """Make ``folder`` (and its parents) if missing, and prove a file can be written there.

    A fresh home has no ``~/Videos``: the first Go Live must not fail on that.
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise FolderError(setting, folder, "not_a_folder")
    if not folder.is_dir():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FolderError(
                setting, folder, "cannot_create", exc.strerror or str(exc), exc.errno
            ) from exc
        log.info("made the %s %s", FOLDER_SETTINGS.get(setting, setting), folder)
    probe = folder / f".guide-studio-write-test-{os.getpid()}"
    try:
        with open(probe, "xb"):
            pass
        probe.unlink()
    except FileExistsError:
        probe.unlink(missing_ok=True)
    except OSError as exc:
        raise FolderError(
            setting, folder, "not_writable", exc.strerror or str(exc), exc.errno
        ) from exc
    return folder
