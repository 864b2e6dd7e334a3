"""Qt's own buttons and dialogs speak the window's language (qtbase translations)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QMessageBox

from ui.app import install_translator

HAN = re.compile(r"[\u4e00-\u9fff]")


def _buttons(app: QApplication) -> list[str]:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "t",
        "t",
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Cancel
        | QMessageBox.StandardButton.Yes
        | QMessageBox.StandardButton.No
        | QMessageBox.StandardButton.Ok,
    )
    try:
        return [b.text() for b in box.buttons()]
    finally:
        box.deleteLater()


def _file_dialog_texts() -> list[str]:
    dlg = QFileDialog()
    dlg.setOption(QFileDialog.Option.DontUseNativeDialog)  # what Linux shows without a portal
    try:
        box = dlg.findChild(QDialogButtonBox)
        assert box is not None
        return [b.text() for b in box.buttons()] + [
            dlg.labelText(QFileDialog.DialogLabel.FileName),
            dlg.labelText(QFileDialog.DialogLabel.FileType),
            dlg.labelText(QFileDialog.DialogLabel.LookIn),  # 查找范围, from our gaps file
        ]
    finally:
        dlg.deleteLater()


def test_qt_buttons_and_file_dialog_in_chinese_then_english(qapp: QApplication) -> None:
    install_translator(qapp, "zh")
    zh = _buttons(qapp) + _file_dialog_texts()
    assert [t for t in zh if not HAN.search(t)] == []  # 保存 / 取消 / 是 / 否 / 确定, 文件名称 …
    tr = install_translator(qapp, "en")
    try:
        en = _buttons(qapp) + _file_dialog_texts()
        assert not any(HAN.search(t) for t in en), en
        assert any("Save" in t for t in en)
    finally:
        if tr is not None:
            qapp.removeTranslator(tr)
        install_translator(qapp, "zh")


def test_the_gaps_qm_is_built_from_its_ts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import subprocess

    from ui.app import I18N

    lrelease = shutil.which("pyside6-lrelease")
    assert lrelease is not None, "pyside6-lrelease ships with PySide6"
    out = tmp_path / "gaps.qm"
    ts = I18N / "qtbase_gaps_zh_CN.ts"
    subprocess.run([lrelease, str(ts), "-qm", str(out)], check=True, capture_output=True)
    assert out.read_bytes() == (I18N / "qtbase_gaps_zh_CN.qm").read_bytes(), "run pyside6-lrelease"
