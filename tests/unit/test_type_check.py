"""CI's mypy step fails on a planted type error, and its packages' protocols fit their users.

The step is the ``.venv/bin/mypy ...`` line of ``.ci/run``, taken from there (so
the test follows the packages the integrator adds), run on a copy of the tree
with one wrong annotation planted: never in the checkout.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MYPY = Path(sys.executable).with_name("mypy")

# studio.show drives the overlays through a narrow protocol (no show <-> overlays cycle);
# the manager the app hands it must still be one, as mypy sees it.
CONFORMS = """
from studio.overlays.manager import OverlayManager
from studio.show.stage import Stage


def stage(manager: OverlayManager) -> Stage:
    return manager
"""


def ci_mypy_targets() -> list[str]:
    """The paths CI's mypy step checks, from its line in .ci/run."""
    for line in (ROOT / ".ci/run").read_text(encoding="utf-8").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == ".venv/bin/mypy":
            return words[1:]
    raise AssertionError(".ci/run has no mypy step")


def test_the_ci_mypy_step_fails_on_a_planted_type_error(tmp_path: Path) -> None:
    targets = ci_mypy_targets()
    assert "studio/show" in targets
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.qm", "*.otf", "*.ttf", "*.png")
    shutil.copytree(ROOT / "studio", tmp_path / "studio", ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    script = tmp_path / "studio/show/script.py"
    script.write_text(
        script.read_text(encoding="utf-8") + '\n\nPLANTED: int = "one"  # planted\n',
        encoding="utf-8",
    )
    (tmp_path / "conforms.py").write_text(CONFORMS, encoding="utf-8")
    r = subprocess.run(
        [str(MYPY), "--cache-dir", str(tmp_path / ".mypy_cache"), *targets, "conforms.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    errors = [x for x in r.stdout.splitlines() if ": error:" in x]
    assert r.returncode == 1, r.stdout + r.stderr
    assert len(errors) == 1, errors  # the planted one; the rest of the tree is clean
    assert errors[0].startswith("studio/show/script.py:") and "[assignment]" in errors[0]
    assert "# planted" not in (ROOT / "studio/show/script.py").read_text(encoding="utf-8")
