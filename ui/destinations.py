"""Add or edit a platform: which one, name, server address, stream key (masked, show toggle).

Picking a platform (视频号, YouTube, ...) fills its server address where it has a fixed
one and says where its push address and key are found and what it recommends; the
window then keeps the overlays clear of that platform's own UI (its safe area).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studio.platforms import PLATFORMS, Platform, guess
from ui.bridge import window_language
from ui.settings import split_push_url


def check_server(server: str) -> str | None:
    """What is wrong with a server address (``scheme``, ``port``, ``app``), or None."""
    parts = urlsplit(server.strip())
    if parts.scheme.lower() not in ("rtmp", "rtmps") or not parts.hostname:
        return "scheme"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "port"
    if not parts.path.strip("/"):
        return "app"
    return None


def push_url_words(url: str) -> str:
    """Why a whole push address (``rtmp://host/app/key``, e.g. the rehearsal preview) is
    refused, in the window's language: the engine's UserError text is English."""
    problem = check_server(url)
    if problem == "scheme":
        return QCoreApplication.translate(
            "PushUrl", "地址应以 rtmp:// 或 rtmps:// 开头，例如 rtmp://push.example.com/live/推流码"
        )
    if problem == "port":
        return QCoreApplication.translate(
            "PushUrl", "地址里冒号后面的端口号不正确，例如 rtmp://push.example.com:1935/live/推流码"
        )
    if urlsplit(url.strip()).path.strip("/").count("/") < 1:
        return QCoreApplication.translate(
            "PushUrl", "地址里要有应用名和推流码，例如 rtmp://push.example.com/live/推流码"
        )
    return QCoreApplication.translate("PushUrl", "请检查地址，格式是 rtmp://服务器/应用名/推流码")


class DestinationDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None = None,
        name: str = "",
        server: str = "",
        has_key: bool = False,
        platform: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("推流平台"))
        self.platform_combo = QComboBox()
        self.platform_combo.setObjectName("platformPicker")
        self.platform_combo.addItem(self.tr("其他平台（自己填写）"), "")
        for p in PLATFORMS.values():
            self.platform_combo.addItem(p.name, p.key)
        self.hint = QLabel()
        self.hint.setObjectName("platformHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #555")
        self.name_edit = QLineEdit(name)
        self.name_edit.setPlaceholderText(self.tr("例如：视频号"))
        self.server_edit = QLineEdit(server)
        self.server_edit.setPlaceholderText("rtmp://push.example.com/live")
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("streamKey")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(
            self.tr("已保存（留空则不变）") if has_key else self.tr("推流密钥")
        )
        self.show_key = QCheckBox(self.tr("显示密钥"))
        self.show_key.toggled.connect(
            lambda on: self.key_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setStyleSheet("color: #d9534f")
        form = QFormLayout()
        form.addRow(self.tr("平台"), self.platform_combo)
        form.addRow(self.tr("名称"), self.name_edit)
        form.addRow(self.tr("服务器"), self.server_edit)
        form.addRow(self.tr("推流密钥"), self.key_edit)
        form.addRow("", self.show_key)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.hint)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.setMinimumWidth(460)
        chosen = PLATFORMS.get(platform) or guess(server)
        if chosen is not None:
            self.platform_combo.setCurrentIndex(self.platform_combo.findData(chosen.key))
        self._show_hint(chosen)
        self.platform_combo.currentIndexChanged.connect(lambda _i: self._platform_chosen())

    def platform(self) -> Platform | None:
        """The platform picked (None: another one, filled in by hand)."""
        return PLATFORMS.get(self.platform_combo.currentData() or "")

    def _platform_chosen(self) -> None:
        p = self.platform()
        name = self.name_edit.text().strip()
        if not name or name in {q.name for q in PLATFORMS.values()}:
            self.name_edit.setText(p.name if p else "")
        if p is not None and p.server:
            self.server_edit.setText(p.server)
        elif guess(self.server_edit.text()) not in (None, p):  # another platform's address
            self.server_edit.clear()
        self._show_hint(p)

    def _show_hint(self, p: Platform | None) -> None:
        if p is None:
            self.hint.setText(self.tr("填写平台给的推流地址（rtmp:// 或 rtmps://）和推流密钥。"))
            self.server_edit.setPlaceholderText("rtmp://push.example.com/live")
            return
        lang = window_language()
        self.hint.setText(f"{p.hint(lang)}\n{self.tr('推荐设置：')}{p.settings_text(lang)}")
        self.server_edit.setPlaceholderText(p.server or self.tr("粘贴平台给的推流地址"))
        self.adjustSize()  # a longer hint: the dialog grows instead of clipping it

    def _accept(self) -> None:
        if not self.name_edit.text().strip():
            self.error.setText(self.tr("请填写名称"))
            return
        problem = check_server(self.server_edit.text())
        if problem:
            self.error.setText(
                {
                    "scheme": self.tr(
                        "服务器地址应以 rtmp:// 开头，例如 rtmp://push.example.com/live"
                    ),
                    "port": self.tr("端口号不正确"),
                    "app": self.tr("地址里缺少应用名，例如 …/live"),
                }[problem]
            )
            return
        p = self.platform()
        wanted = p.scheme_problem(self.server_edit.text()) if p else None
        if p is not None and wanted:
            self.error.setText(self.tr("%1 只接受 %2:// 开头的地址").replace("%1", p.name)
                               .replace("%2", wanted))  # fmt: skip
            return
        self.accept()

    def values(self) -> tuple[str, str, str]:
        """(name, server, key); a full push URL in the server field is split into both."""
        server, key = split_push_url(self.server_edit.text(), self.key_edit.text().strip())
        return self.name_edit.text().strip(), server, key
