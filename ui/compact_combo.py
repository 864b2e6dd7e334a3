"""A toolbar combo box as wide as its usual choice, not its longest one.

Why: QComboBox sizes itself to its longest item, so one long camera name or an English
label widened the source, sound and scene pickers until the toolbar pushed 连麦 and
the language switch behind its » menu at 1280 px. This one is sized for ``chars``
characters; the list it opens is as wide as its items, and the tooltip names the choice
in full when the box shows it cut.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget


class CompactCombo(QComboBox):
    def __init__(self, chars: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(chars)
        self.currentTextChanged.connect(self.setToolTip)

    def showPopup(self) -> None:  # noqa: N802 (Qt's name)
        view = self.view()
        view.setMinimumWidth(max(self.width(), view.sizeHintForColumn(0) + 2 * view.frameWidth()))
        super().showPopup()
