"""The README's first command: `studio demo` on embedded defaults, no accounts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.media_probe import read_media


def test_studio_demo_records_a_show_with_real_purchase_links(tmp_path: Path) -> None:
    env = dict(
        os.environ, STUDIO_DATA_DIR=str(tmp_path / "data"), STUDIO_LOG_DIR=str(tmp_path / "logs")
    )
    rec = tmp_path / "demo.mkv"
    r = subprocess.run(
        [sys.executable, "-m", "studio", "demo", "--duration", "8", "--record", str(rec)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert "purchase links ready" in r.stdout and "4/4" in r.stdout
    assert "recording saved" in r.stdout
    played = read_media(str(rec))
    assert not played.error and len(played.video_times) >= 6 * 30
    assert len(played.samples) > 48000 * 5
    chapters = Path(str(rec) + ".chapters.json").read_text(encoding="utf-8")
    assert "讲解" in chapters  # the show's cues ran and marked the products
