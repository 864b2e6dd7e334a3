"""Shared fixtures: isolated user directories, a real nginx-rtmp, subprocess helpers."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.nginx_rtmp import NginxRtmp

ROOT = Path(__file__).resolve().parent.parent

# The suite runs as `.venv/bin/python -m pytest` with no venv activated: the venv's own tools
# (pyside6-lrelease, schemathesis, ...) are found beside the interpreter, ahead of anything else.
os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Logs, config and data of the studio go to a temp dir, never the user's."""
    base = tmp_path_factory.mktemp("userdirs")
    old = {k: os.environ.get(k) for k in ("STUDIO_LOG_DIR", "STUDIO_CONFIG_DIR", "STUDIO_DATA_DIR")}
    os.environ["STUDIO_LOG_DIR"] = str(base / "log")
    os.environ["STUDIO_CONFIG_DIR"] = str(base / "config")
    os.environ["STUDIO_DATA_DIR"] = str(base / "data")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def nginx_rtmp(tmp_path: Path) -> Iterator[NginxRtmp]:
    server = NginxRtmp(tmp_path / "nginx")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def studio_cmd() -> list[str]:
    return [sys.executable, "-m", "studio"]
