"""Logging: a rotating file in the user's log directory plus stderr, both redacted.

FFmpeg's own messages are routed into Python logging (logger ``libav``) so that
they pass the same redaction as ours instead of going straight to stderr.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from studio import APP_AUTHOR, APP_NAME
from studio.redact import RedactingFilter

log = logging.getLogger(__name__)

_FMT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"


def log_dir() -> Path:
    """Where the rotating log lives (``STUDIO_LOG_DIR`` overrides, for tests)."""
    override = os.environ.get("STUDIO_LOG_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))


# Loggers whose DEBUG lines are data, not diagnostics: sse_starlette logs every SSE chunk
# it sends (whole orders) and every ping, so a reconnect storm wrote the feed to disk.
_QUIET = {
    "sse_starlette": logging.INFO,
    "multipart": logging.INFO,
    "PIL": logging.INFO,
    "httpcore": logging.INFO,  # every request's connect/send/receive: 90 % of a day's log
    "httpx": logging.WARNING,  # a line per request (outbox, board): the outcome is logged by us
}


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose files are created readable by their owner only (0600)."""

    def _open(self):  # type: ignore[no-untyped-def]  # (typeshed: TextIOWrapper)
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with contextlib.suppress(OSError):
            os.chmod(self.baseFilename, 0o600)  # a file from before this rule
        return open(fd, self.mode, encoding=self.encoding, errors=self.errors)


def setup_logging(level: int = logging.INFO, *, stderr: bool = True) -> Path:
    """Install the file and stderr handlers once; return the log file path."""
    root = logging.getLogger()
    path = log_dir() / "studio.log"
    if getattr(root, "_studio_configured", False):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = RedactingFilter()
    fh = PrivateRotatingFileHandler(path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8")
    fh.setFormatter(logging.Formatter(_FMT))
    fh.addFilter(redactor)
    fh.setLevel(logging.DEBUG)
    root.addHandler(fh)
    if stderr:
        sh = logging.StreamHandler()
        sh.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        sh.addFilter(redactor)
        sh.setLevel(level)
        root.addHandler(sh)
    root.setLevel(logging.DEBUG)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, level))
    _route_libav_logs()
    root._studio_configured = True  # type: ignore[attr-defined]
    return path


def _route_libav_logs() -> None:
    """Send FFmpeg's log lines through Python logging (and so through redaction)."""
    try:
        import av.logging as avlog
    except ImportError:  # pragma: no cover - av is a hard dependency
        return
    avlog.set_level(avlog.WARNING)
    logging.getLogger("libav").setLevel(logging.WARNING)
    logging.getLogger("libav.libvpx").addFilter(_lost_packet_is_a_warning)


def _lost_packet_is_a_warning(record: logging.LogRecord) -> bool:
    """libvpx decodes only 连麦 guests' VP8 here. A picture broken by a lost packet
    ("Corrupt frame detected", "Truncated packet") is a network event aiortc recovers from
    by asking for a keyframe, and warns about itself: a warning in the guide's log, not an
    error (a loaded machine dropping loopback UDP showed it in the soak)."""
    if record.levelno > logging.WARNING:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True
