"""Add or edit a platform: name, server address, stream key (masked, with a show toggle)."""

from __future__ import annotations

from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)


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


class DestinationDialog(QDialog):
    def __init__(
        self, parent: QWidget | None = None, name: str = "", server: str = "", has_key: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("推流平台"))
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
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.setMinimumWidth(460)

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
        self.accept()

    def values(self) -> tuple[str, str, str]:
        return (
            self.name_edit.text().strip(),
            self.server_edit.text().strip().rstrip("/"),
            self.key_edit.text().strip(),
        )
