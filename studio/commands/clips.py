"""``studio clips``: one clip per product explanation of a recorded show, with a JSON index."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.show.clips import cut_clips

HELP = "cut a show recording into per-product clips (讲解片段) at its chapter marks, no re-encode"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recording", type=Path, help="the .mkv that `studio live --show` recorded")
    p.add_argument("--out", type=Path, help="folder for the clips (default: <name>-clips/)")


def run(args: argparse.Namespace) -> int:
    index, clips = cut_clips(args.recording.expanduser(), args.out)
    for c in clips:
        print(f"studio: {c.file}  {c.duration:6.2f} s  ({c.sku} {c.name})", flush=True)
    print(f"studio: {len(clips)} clips, index {index}", flush=True)
    return 0
