"""Render the application icon (guide-studio.svg) to PNG, ICO and ICNS for the desktop bundle.

    .venv/bin/python assets/icons/make_icons.py OUT_DIR

Run by packaging/build.sh; the output is build output, never committed (only the SVG is).
Qt's SVG renderer (PySide6, already in the venv on every OS) draws it; Pillow packs the ICO
(Windows: 16-256 px) and the ICNS (macOS: 16-1024 px).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)


def render(svg: Path, out: Path) -> list[Path]:
    from PIL import Image
    from PySide6.QtCore import Qt  # noqa: TID251 (a build tool, not studio/)
    from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: TID251 (a build tool, not studio/)
    from PySide6.QtSvg import QSvgRenderer  # noqa: TID251 (a build tool, not studio/)

    _app = QGuiApplication.instance() or QGuiApplication(["make_icons", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not a valid SVG")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for size in SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / f"guide-studio-{size}.png"
        if not img.save(str(path)):
            raise SystemExit(f"make_icons: could not write {path}")
        written.append(path)
    big = Image.open(out / "guide-studio-1024.png").convert("RGBA")
    ico = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
    big.save(out / "guide-studio.ico", sizes=ico)
    big.save(out / "guide-studio.icns")
    return [*written, out / "guide-studio.ico", out / "guide-studio.icns"]


def main() -> int:
    if len(sys.argv) != 2:
        sys.stderr.write("usage: make_icons.py OUT_DIR\n")
        return 2
    files = render(HERE / "guide-studio.svg", Path(sys.argv[1]))
    print(f"make_icons: {len(files)} files in {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
