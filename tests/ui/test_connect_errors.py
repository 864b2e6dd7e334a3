"""Signing in from the window: what went wrong is said, "connected" only when it is true.

A new user's report: 连接后台 → http://127.0.0.1:8700 (nothing listening), guide1,
a wrong password: the dialog just closed, the Sales tab said ``Offline · waiting 1``
and a few seconds later ``Connected: http://127.0.0.1:8700``, the status bar
``Connected; purchase links ready: 20``. Now the guide gets a dialog in the window's
language saying what to fix, and the backend refusing the login (then, or once it
answers) is a dialog too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from tests.commerce.backend import Backend, free_port
from tests.ui.test_selling import make_window
from ui.main_window import MainWindow

WORDS = {  # what each dialog must say, per window language
    "zh": {"unreachable": "没有响应", "refused": "拒绝了登录", "connected": "已连接"},
    "en": {
        "unreachable": "does not answer",
        "refused": "refused the login",
        "connected": "Connected",
    },
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Backend]:
    b = Backend(tmp_path / "shop.sqlite3", free_port(), tmp_path / "shop.log")
    yield b
    b.stop()


def sign_in(qtbot, win: MainWindow, url: str, user: str, password: str) -> None:  # type: ignore[no-untyped-def]
    dlg = win.setup.first_run()
    dlg.url.setText("")
    qtbot.keyClicks(dlg.url, url)
    dlg.user.setText("")
    qtbot.keyClicks(dlg.user, user)
    qtbot.keyClicks(dlg.password, password)
    qtbot.mouseClick(dlg.login_button, Qt.MouseButton.LeftButton)


def dialogs(win: MainWindow) -> list[str]:
    return [
        f"{box.windowTitle()}\n{box.text()}"
        for box in win.findChildren(QMessageBox, "errorDialog")
        if box.isVisible()
    ]


def test_an_unreachable_backend_and_then_a_refused_login_are_each_a_dialog(
    qtbot,
    tmp_path: Path,
    language: str,
    data_dir: Path,
    shop: Backend,  # type: ignore[no-untyped-def]
) -> None:
    words = WORDS[language]
    win = make_window(qtbot, tmp_path, size=(640, 360))
    try:
        sign_in(qtbot, win, shop.url, "guide1", "wrongpw")  # nothing listens there yet
        qtbot.waitUntil(lambda: bool(dialogs(win)), timeout=20000)
        (said,) = dialogs(win)
        assert shop.url in said and words["unreachable"] in said, said
        assert words["connected"] not in win.sales.state.text()
        assert words["connected"] not in win.statusBar().currentMessage()
        qtbot.wait(3000)  # the old window said "Connected" a few seconds later
        assert words["connected"] not in win.sales.state.text(), win.sales.state.text()
        assert win.app.joined is not None and not win.app.joined.online

        shop.start()  # the backend answers now, and refuses the password
        qtbot.waitUntil(lambda: len(dialogs(win)) == 2, timeout=45000)
        (refused,) = [d for d in dialogs(win) if d != said]
        assert words["refused"] in refused and "guide1" in refused, refused
        assert words["connected"] not in win.sales.state.text()
        assert win.app.commerce.commerce.status().reason == "login_refused"
    finally:
        win.close()


def test_a_refused_login_is_a_dialog_and_nothing_stays_connected(
    qtbot,
    tmp_path: Path,
    language: str,
    data_dir: Path,
    shop: Backend,  # type: ignore[no-untyped-def]
) -> None:
    words = WORDS[language]
    shop.start()
    win = make_window(qtbot, tmp_path, size=(640, 360))
    try:
        sign_in(qtbot, win, shop.url, "guide1", "wrongpw")
        qtbot.waitUntil(lambda: bool(dialogs(win)), timeout=20000)
        (said,) = dialogs(win)
        assert words["refused"] in said and "guide1" in said and shop.url in said, said
        assert win.app.commerce is None and win.app.session_id is None
        assert words["connected"] not in win.sales.state.text()
        # the next sign-in starts from what was typed (the password is never kept)
        dlg = win.setup.first_run()
        assert dlg.url.text() == shop.url and dlg.user.text() == "guide1"
        assert dlg.password.text() == ""
        dlg.reject()
    finally:
        win.close()
