"""First run: sign in to the shop's backend, or try everything in demo mode."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


class FirstRunDialog(QDialog):
    """Returns with ``choice`` = ``"demo"`` or ``"login"`` (and the fields filled)."""

    def __init__(self, parent: QWidget | None = None, cameras: list[tuple[str, str]] = ()) -> None:  # type: ignore[assignment]
        super().__init__(parent)
        self.setWindowTitle(self.tr("欢迎使用导购直播台"))
        self.choice = ""
        intro = QLabel(
            self.tr("登录门店后台开始直播；或先用演示模式熟悉一下（自带演示商品和模拟顾客）。")
        )
        intro.setWordWrap(True)
        self.url = QLineEdit("http://127.0.0.1:8700")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.session = QSpinBox()
        self.session.setRange(1, 10**9)
        form = QFormLayout()
        form.addRow(self.tr("后台地址"), self.url)
        form.addRow(self.tr("账号"), self.user)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("直播场次"), self.session)
        self.camera = QComboBox()
        self.camera.setObjectName("firstRunCamera")
        self.camera.addItem(self.tr("测试画面"), "test")
        for label, spec in cameras:
            self.camera.addItem(label, spec)
        form.addRow(self.tr("摄像头"), self.camera)
        self.test_recording = QCheckBox(self.tr("先试录 5 秒，确认画面和声音"))
        self.test_recording.setObjectName("testRecording")
        self.autoconfig = QCheckBox(self.tr("测量这台电脑，推荐画质（约 1 分钟）"))
        self.autoconfig.setObjectName("autoconfig")
        form.addRow("", self.test_recording)
        form.addRow("", self.autoconfig)
        self.login_button = QPushButton(self.tr("登录"))
        self.login_button.setObjectName("login")
        self.login_button.clicked.connect(self._login)
        self.demo_button = QPushButton(self.tr("演示模式"))
        self.demo_button.setObjectName("demo")
        self.demo_button.clicked.connect(self._demo)
        later = QPushButton(self.tr("以后再说"))
        later.clicked.connect(self.reject)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d9534f")
        row = QHBoxLayout()
        row.addWidget(self.demo_button)
        row.addStretch(1)
        row.addWidget(later)
        row.addWidget(self.login_button)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.error)
        lay.addLayout(row)
        self.setMinimumWidth(480)

    def remember(self, url: str, user: str, session: int) -> None:
        """The last sign-in's address, account and session (a typo is fixed, not retyped)."""
        if url:
            self.url.setText(url)
        if user:
            self.user.setText(user)
        if session > 0:
            self.session.setValue(session)

    def _login(self) -> None:
        if not self.url.text().strip().startswith(("http://", "https://")):
            self.error.setText(self.tr("后台地址应以 http:// 或 https:// 开头"))
            return
        if not self.user.text().strip() or not self.password.text():
            self.error.setText(self.tr("请填写账号和密码"))
            return
        self.choice = "login"
        self.accept()

    def _demo(self) -> None:
        self.choice = "demo"
        self.accept()
