"""The environment the suite runs in is exactly the lock: the versions CI tested.

packaging/setup.sh installs packaging/requirements-test.lock with --require-hashes into .venv; a
package that floated (installed by hand, or resolved from pyproject.toml's ranges) fails here.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _locked(path: Path) -> dict[str, str]:
    """Name -> version for every lock line whose marker applies to this interpreter."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = PIN.match(line)
        if m and (m.group(3) is None or Marker(m.group(3)).evaluate()):
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _installed() -> dict[str, str]:
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def test_installed_versions_are_the_locked_ones() -> None:
    locked = _locked(ROOT / "packaging" / "requirements-test.lock")
    installed = _installed()
    assert len(locked) > 50 and "pyside6" in locked
    wrong = {n: (installed.get(n), v) for n, v in locked.items() if installed.get(n) != v}
    assert not wrong, f"installed != locked (installed, locked): {wrong}; run setup.sh --test"
    extra = sorted(set(installed) - set(locked) - {"guide-studio"})
    assert not extra, f"installed but not in the lock: {extra}; add them via packaging/lock.sh"


def test_runtime_lock_is_the_test_locks_subset() -> None:
    """The installers (runtime lock) ship the very versions the suite ran on."""
    test = _locked(ROOT / "packaging" / "requirements-test.lock")
    runtime = _locked(ROOT / "packaging" / "requirements.lock")
    assert {"pyside6", "av", "numpy", "fastapi"} <= set(runtime)
    assert "pytest" not in runtime
    assert {n: v for n, v in runtime.items() if test.get(n) != v} == {}


def test_lock_is_current_with_pyproject() -> None:
    """Every direct dependency of pyproject.toml appears in the lock (re-lock after editing it)."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {canonicalize_name(re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0]) for d in deps}
    missing = names - set(_locked(ROOT / "packaging" / "requirements-test.lock"))
    assert not missing, f"in pyproject.toml but not locked: {missing}; run bash packaging/lock.sh"
