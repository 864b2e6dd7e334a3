"""Fast unit tests: token signing, webhook signatures, fonts/images, CLI errors, migrations."""

from __future__ import annotations

import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

from PIL import Image

from studio.backend import images
from studio.backend.db import SCHEMA_VERSION, Database
from studio.backend.security import LinkSigner, check_webhook, sign_webhook
from studio.redact import redact
from tests.backend.conftest import REPO


def test_link_tokens_verify_only_with_our_secret() -> None:
    ours, theirs = LinkSigner("secret-one-xyz"), LinkSigner("secret-two-xyz")
    public_id, token = ours.mint()
    assert ours.verify(token) == public_id and ours.token_for(public_id) == token
    assert theirs.verify(token) is None
    pid, mac = token.split(".")
    other = "Y" if pid[-1] == "X" else "X"  # a real edit, even when the id already ends in X
    for bad in (
        pid,
        f"{pid}.",
        f".{mac}",
        f"{pid}.{mac[:-1]}",
        f"{pid[:-1]}{other}.{mac}",
        token + ".x",
        "x" * 100,
        "",
    ):
        assert ours.verify(bad) is None, bad
    assert len({ours.mint()[1] for _ in range(200)}) == 200


def test_webhook_signature_window_and_secret_redaction() -> None:
    now = time.time()
    body = b'{"a":1}'
    ts = str(int(now))
    sig = sign_webhook("k3y-value", ts, body)
    assert check_webhook("k3y-value", ts, sig, body, now) is None
    assert check_webhook("k3y-value", ts, sig, body + b" ", now) == "bad signature"
    assert "300" in (check_webhook("k3y-value", ts, sig, body, now + 301) or "")
    assert check_webhook("k3y-value", "soon", sig, body, now) is not None
    assert check_webhook("k3y-value", None, None, body, now) is not None
    LinkSigner("super-secret-link-key")
    assert "super-secret-link-key" not in redact("leaked super-secret-link-key here")


def test_product_image_and_poster_draw_chinese(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert images.cjk_font_path() is not None, "install fonts-noto-cjk"
    png = images.product_image("保湿修护精华液", "美妆", "#f4a261")
    img = Image.open(BytesIO(png))
    assert img.size == (480, 480) and len(img.convert("L").getcolors(256) or []) > 20
    # without a CJK font the pictures still render (Latin fallback), never fail
    images.cjk_font_path.cache_clear()
    images.font.cache_clear()
    monkeypatch.setattr(images, "_CJK_PATHS", ())
    monkeypatch.setattr(images.shutil, "which", lambda _: None)
    try:
        assert images.cjk_font_path() is None
        png = images.poster("标题", "小美", "门店", "待定", "http://x/live/abc")
        assert Image.open(BytesIO(png)).size == (750, 1200)
    finally:
        images.cjk_font_path.cache_clear()
        images.font.cache_clear()


def test_database_migrates_once_and_refuses_newer(tmp_path: Path) -> None:
    db = Database(tmp_path / "x.sqlite3")
    assert db.meta("schema_version") == str(SCHEMA_VERSION)
    assert db.one("PRAGMA journal_mode")[0] == "wal"
    db.close()
    Database(tmp_path / "x.sqlite3").close()  # reopening is a no-op
    db = Database(tmp_path / "x.sqlite3")
    db.set_meta("schema_version", str(SCHEMA_VERSION + 1))
    db.close()
    try:
        Database(tmp_path / "x.sqlite3")
    except RuntimeError as exc:
        assert "newer" in str(exc)
    else:
        raise AssertionError("a newer schema must be refused")


def _cli(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(REPO), "STUDIO_LOG_DIR": str(tmp), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "studio", "backend", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_rejects_bad_flags_with_one_line(tmp_path: Path) -> None:
    r = _cli("--port", "70000", tmp=tmp_path)
    assert r.returncode == 2 and "--port 70000" in r.stderr and "Traceback" not in r.stderr
    r = _cli("--demo-shoppers", "-3", tmp=tmp_path)
    assert r.returncode == 2 and "--demo-shoppers" in r.stderr
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _cli("--db", str(tmp_path / "b.db"), "--port", str(port), tmp=tmp_path)
    assert r.returncode == 2 and "pick another --port" in r.stderr
