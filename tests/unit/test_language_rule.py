"""One language rule for the window and what the engine writes for it (rehearsal reports):
``STUDIO_LANG``, else the window's saved choice, else the system locale, Chinese by default.

``studio rehearse`` on a trainer's English machine wrote Chinese reports: the engine knew
only ``STUDIO_LANG``, while the window also read its saved choice and the locale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import messages

LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE", "LC_CTYPE", "STUDIO_LANG")


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path))
    monkeypatch.setattr(messages, "_chosen", {})
    return tmp_path


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en_US.UTF-8", "en"), ("de_DE.UTF-8", "en"), ("zh_CN.UTF-8", "zh"), ("zh_TW", "zh"),
     ("C.UTF-8", "zh"), ("C", "zh"), ("POSIX", "zh")],
)  # fmt: skip
def test_the_locale_decides_when_nothing_was_chosen(
    clean: Path, monkeypatch: pytest.MonkeyPatch, lang: str, expected: str
) -> None:
    monkeypatch.setenv("LANG", lang)
    assert messages.current_language() == expected


def test_lc_all_wins_over_lang(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("LC_ALL", "en_GB.UTF-8")
    assert messages.current_language() == "en"


def test_no_locale_at_all_is_chinese(clean: Path) -> None:
    """(Python coerces the C locale to C.UTF-8 and calls it en_US: not asked on Linux.)"""
    assert messages.current_language() == "zh"


def test_language_list_wins_once_a_locale_is_set(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "zh_CN:en")
    assert messages.current_language() == "zh"  # alone it is not read (as Qt does)
    monkeypatch.setenv("LANGUAGE", "en_US:zh")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert messages.current_language() == "en"


def test_the_windows_saved_choice_wins_over_the_locale(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (clean / "studio.ini").write_text(
        "[destinations]\nx=中文\n\n[ui]\nlanguage=en\n", encoding="utf-8"
    )  # as QSettings writes it
    assert messages.current_language() == "en"
    monkeypatch.setenv("STUDIO_LANG", "zh")  # and the environment over both
    assert messages.current_language() == "zh"


@pytest.mark.parametrize(
    "text",
    [
        '[ui]\nlanguage="en"\n',
        "\ufeff[ui]\nlanguage=en\n",
        "[ui]\nlanguage=zh\n[ui]\nlanguage=en\n",
    ],
)
def test_hand_edited_settings_read_as_qt_reads_them(
    clean: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    (clean / "studio.ini").write_text(text, encoding="utf-8")
    assert messages.current_language() == "en"


def test_an_unreadable_settings_file_is_no_choice(
    clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    (clean / "studio.ini").write_bytes(b"\xff\xfe[ui\x00 garbage")
    assert messages.current_language() == "en"


@pytest.mark.parametrize(
    "locale_env",
    [{"LANG": "en_US.UTF-8"}, {"LANG": "zh_CN.UTF-8"}, {"LANG": "C.UTF-8"}, {},
     {"LC_CTYPE": "en_US.UTF-8"}, {"LANGUAGE": "en_US"},
     {"LANG": "en_US.UTF-8", "LANGUAGE": "zh_CN:en"}, {"LANG": "C.UTF-8", "LANGUAGE": "en_US:en"},
     {"LC_ALL": "zh_CN.UTF-8", "LANGUAGE": "en_US"},
     {"LC_MESSAGES": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}],
)  # fmt: skip
def test_the_window_and_the_engine_agree(tmp_path: Path, locale_env: dict[str, str]) -> None:
    """The window asks Qt for the locale, the engine reads the environment: same answer."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS and not k.startswith("LC_")}
    env.update(locale_env, QT_QPA_PLATFORM="offscreen", STUDIO_CONFIG_DIR=str(tmp_path))
    code = (
        "import json; from studio.messages import current_language; "
        "from ui.app import ui_language; print(json.dumps([ui_language(), current_language()]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    window, engine = json.loads(out.stdout.strip().splitlines()[-1])
    assert window == engine
