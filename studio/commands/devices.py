"""``studio devices``: cameras (by name, with their sizes) and microphones."""

from __future__ import annotations

import argparse
import json

from studio.media.devices import list_cameras, list_microphones

HELP = "list cameras (with sizes) and microphones"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--no-probe", action="store_true", help="skip opening cameras to test sizes")


def run(args: argparse.Namespace) -> int:
    cams = list_cameras(probe_sizes=not args.no_probe)
    mics = list_microphones()
    if args.json:
        print(
            json.dumps(
                {
                    "cameras": [
                        {
                            "index": c.index,
                            "name": c.name,
                            "sizes": [f"{w}x{h}" for w, h in c.sizes],
                        }
                        for c in cams
                    ],
                    "microphones": [
                        {
                            "index": m.index,
                            "name": m.name,
                            "channels": m.channels,
                            "default": m.is_default,
                        }
                        for m in mics
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print("Cameras:" if cams else "Cameras: none found")
    for c in cams:
        sizes = ", ".join(f"{w}x{h}" for w, h in c.sizes) or "sizes unknown"
        print(f"  camera:{c.index}  {c.name}  ({sizes})")
    print("Microphones:" if mics else "Microphones: none found")
    for m in mics:
        print(f"  mic:{m.name}  ({m.channels} ch){'  [default]' if m.is_default else ''}")
    return 0
