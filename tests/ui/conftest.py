"""Qt runs offscreen for widget tests; the window's settings live in a temp dir."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
