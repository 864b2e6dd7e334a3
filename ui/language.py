"""The 语言 / Language choice: saved as ``ui/language``, used at the next start.

Qt's and the studio's translators are installed before the first widget is
built, so a switch while the window is open would leave half of it in the old
language; the dialog says the choice takes effect at the next start.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.config import LANGUAGE_SETTING
from ui.settings import AppSettings

log = logging.getLogger(__name__)

SETTING = LANGUAGE_SETTING  # read by ui.app.run_gui and the engine's reports


class LanguageDialog(QDialog):
    """Pick the window's language (follow the system, 中文, English) for the next start."""

    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("languageDialog")
        self.setWindowTitle(self.tr("语言"))
        self.combo = QComboBox()
        self.combo.setObjectName("languagePicker")
        # each language under its own name, so a guide in the wrong one still finds hers
        self.combo.addItem(self.tr("跟随系统"), "auto")
        self.combo.addItem("中文", "zh")
        self.combo.addItem("English", "en")
        current = settings.value(SETTING, "auto")
        self.combo.setCurrentIndex(max(0, self.combo.findData(current)))
        note = QLabel(self.tr("重新启动导购直播台后生效。"))
        note.setObjectName("languageNote")
        note.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("界面语言（观众看到的画面仍是中文）")))
        lay.addWidget(self.combo)
        lay.addWidget(note)
        if os.environ.get("STUDIO_LANG"):
            env = QLabel(self.tr("现在由环境变量 STUDIO_LANG 决定，它优先于这里的选择。"))
            env.setObjectName("languageEnv")
            env.setWordWrap(True)
            lay.addWidget(env)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _save(self) -> None:
        choice = str(self.combo.currentData())
        self.settings.set_value(SETTING, choice)
        log.info("window language set to %s for the next start", choice)
        self.accept()
