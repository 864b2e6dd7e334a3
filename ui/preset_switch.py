"""The program in the platform's shape: offered at Go Live, applied by reopening the window.

视频号 is watched upright (720×1280); a window started at 1280×720 would send it a
landscape picture with black bars. When every ticked platform with a preset wants
one size that is not the program's, Go Live asks first: switch (the preset's
size, fps, bitrates and keyframe interval are saved to ``profile.toml`` and the
window reopens with them, as OBS needs its canvas changed while nothing is on
air), keep the current size, or cancel. The pipeline is sized when it is built,
so reopening is the one honest way to change it; nothing is live at that moment.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from studio.config import Profile, save_profile
from studio.messages import render
from studio.platforms import Platform

log = logging.getLogger(__name__)

SWITCH, KEEP, CANCEL = "switch", "keep", "cancel"
_restart: list[bool] = [False]  # set once the guide chose to reopen at the preset's size


def wanted_preset(profile: Profile, platforms: Iterable[Platform | None]) -> Platform | None:
    """The preset all ticked platforms agree on when its size is not the program's, else None.

    Platforms without a preset (filled in by hand) have no say; platforms that
    disagree (视频号 upright and YouTube lying) get the program as it is.
    """
    known = [p for p in platforms if p is not None]
    if not known:
        return None
    sizes = {(p.width, p.height) for p in known}
    if len(sizes) != 1 or sizes == {(profile.width, profile.height)}:
        return None
    return known[0]


def ask_preset(parent: QWidget, profile: Profile, preset: Platform, lang: str) -> str:
    """Switch / keep / cancel, in the window's language (Cancel is the Escape answer)."""
    shape = render("preset.portrait" if preset.portrait else "preset.landscape", None, lang)
    box = QMessageBox(parent)
    box.setObjectName("presetQuestion")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(render("preset.title", None, lang))
    box.setText(
        render(
            "preset.text",
            {
                "platform": preset.name,
                "shape": shape,
                "size": f"{preset.width}×{preset.height}",
                "current": f"{profile.width}×{profile.height}",
            },
            lang,
        )
    )
    box.setInformativeText(preset.settings_text(lang))
    switch = box.addButton(render("preset.switch", None, lang), QMessageBox.ButtonRole.AcceptRole)
    switch.setObjectName("presetSwitch")
    keep = box.addButton(render("preset.keep", None, lang), QMessageBox.ButtonRole.ActionRole)
    keep.setObjectName("presetKeep")
    cancel = box.addButton(render("preset.cancel", None, lang), QMessageBox.ButtonRole.RejectRole)
    cancel.setObjectName("presetCancel")
    box.setDefaultButton(switch)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return SWITCH if clicked is switch else KEEP if clicked is keep else CANCEL


def switch_to(preset: Platform, profile: Profile, config_folder: Path) -> Path:
    """Save the preset's picture settings and close the windows; the window reopens with them.

    A window that stays open (the trainer kept unsaved review notes) cancels the
    reopening; the saved size then applies at the next start.
    """
    path = save_profile(preset.apply(profile), config_folder / "profile.toml")
    log.info("program %dx%d for %s: reopening", preset.width, preset.height, preset.key)
    _restart[0] = True
    QApplication.closeAllWindows()
    if any(w.isVisible() for w in QApplication.topLevelWidgets()):
        _restart[0] = False
    return path


def restart_requested() -> bool:
    return _restart[0]


def restart_argv() -> list[str]:
    """How this process was started (``.venv/bin/studio``, ``python -m studio``, the bundle)."""
    return list(getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv])


def reopen() -> None:
    """Replace this process with a new start of itself (after the windows have closed)."""
    _restart[0] = False
    argv = restart_argv()
    log.info("reopening: %s", argv[0])
    os.execv(sys.executable, argv)
