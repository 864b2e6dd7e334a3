"""Chapters marked from several threads at once all reach the crash-safe sidecar."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from studio.media.outputs.recorder import Recorder, chapters_sidecar


def test_chapters_from_many_threads_all_land_in_the_sidecar(tmp_path: Path) -> None:
    rec = Recorder(tmp_path / "show.mkv")
    go = threading.Event()

    def mark(n: int) -> None:
        go.wait()
        for i in range(25):
            rec.add_chapter(f"讲解｜商品{n}-{i}")

    threads = [threading.Thread(target=mark, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    go.set()
    for t in threads:
        t.join(30)
    saved = json.loads(chapters_sidecar(rec.path).read_text("utf-8"))["chapters"]
    assert len(saved) == 200 == len(rec.chapters)
    expected = {f"讲解｜商品{n}-{i}" for n in range(8) for i in range(25)}
    assert {c["title"] for c in saved} == expected
    assert not list(tmp_path.glob("*.tmp"))
