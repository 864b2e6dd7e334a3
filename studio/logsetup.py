"""Logging: a rotating file in the user's log directory plus stderr, both redacted.

FFmpeg's own messages are routed into Python logging (logger ``libav``) so that
they pass the same redaction as ours instead of going straight to stderr.
"""

from __future__ import annotations

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


def setup_logging(level: int = logging.INFO, *, stderr: bool = True) -> Path:
    """Install the file and stderr handlers once; return the log file path."""
    root = logging.getLogger()
    path = log_dir() / "studio.log"
    if getattr(root, "_studio_configured", False):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    redactor = RedactingFilter()
    fh = logging.handlers.RotatingFileHandler(
        path, maxBytes=5 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
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
