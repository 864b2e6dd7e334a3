"""The package boundaries hold: import-linter's contracts, and the same rules for string imports.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``; docs/architecture.md
explains them) and CI runs ``lint-imports``. import-linter only reads import
statements, but ``importlib.import_module("ui.wall.app")`` is an import too (the
wall's runtime cycle hid in one), so an AST scan here applies the same forbidden
and protected contracts to string imports. Both are shown to fail on a violation
planted in a copy of the tree, never in the checkout.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("studio", "ui")

# The string imports the contracts allow: `studio gui` and `studio wall` open their windows
# lazily (so importing `studio` never loads Qt); nothing else in studio/ may name ui.
LAUNCHERS = {("studio.commands.gui", "ui.app"), ("studio.commands.wall", "ui.wall.app")}


@dataclass(frozen=True)
class StringImport:
    importer: str  # module doing the import
    imported: str  # the module named (for an f-string: its literal head, e.g. studio.commands)
    where: str  # path:line

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} ({self.where})"


def _named(call: ast.Call) -> str | None:
    """The module an ``import_module(...)`` / ``__import__(...)`` call names, if literal."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name not in ("import_module", "__import__") or not call.args:
        return None
    arg = call.args[0]
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values:  # f"studio.commands.{name}"
        head = arg.values[0]
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return head.value.rstrip(".") or None
    return None


def string_imports(root: Path) -> list[StringImport]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            parts = rel.with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(rel))):
                if isinstance(node, ast.Call) and (target := _named(node)):
                    found.append(StringImport(module, target, f"{rel}:{node.lineno}"))
    return found


def _under(module: str, packages: list[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _contracts(root: Path) -> list[dict[str, Any]]:
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["importlinter"]["contracts"])


def string_import_breaks(root: Path) -> list[str]:
    """Every string import that a forbidden or protected contract of ``root`` rules out."""
    contracts = _contracts(root)
    breaks = []
    for imp in string_imports(root):
        if (imp.importer, imp.imported) in LAUNCHERS:
            continue
        for c in contracts:
            ignored = f"{imp.importer} -> {imp.imported}" in c.get("ignore_imports", [])
            if c["type"] == "forbidden":
                bad = _under(imp.importer, c["source_modules"]) and _under(
                    imp.imported, c["forbidden_modules"]
                )
            elif c["type"] == "protected":
                bad = _under(imp.imported, c["protected_modules"]) and not _under(
                    imp.importer, c["allowed_importers"] + c["protected_modules"]
                )
            else:
                continue
            if bad and not ignored:
                breaks.append(f"{c['name']}: {imp}")
    return breaks


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_lint_imports_keeps_every_contract() -> None:
    r = lint_imports(ROOT)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Contracts: {len(_contracts(ROOT))} kept, 0 broken." in r.stdout, r.stdout


def test_string_imports_keep_the_contracts() -> None:
    found = {(i.importer, i.imported) for i in string_imports(ROOT)}
    assert found >= LAUNCHERS  # the scan sees the lazy window imports
    assert ("studio.cli", "studio.commands") in found  # and f-strings' literal head
    assert string_import_breaks(ROOT) == []


def _copy_tree(dest: Path) -> Path:
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.qm", "*.otf", "*.ttf", "*.png")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, dest / package, ignore=skip)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _plant(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # planted\n", encoding="utf-8")


def test_a_planted_violation_breaks_the_contracts(tmp_path: Path) -> None:
    tree = _copy_tree(tmp_path)
    _plant(tree / "studio/wall/model.py", "import ui.wall.tile")  # the engine reaches into Qt
    _plant(tree / "studio/media/stats.py", "from studio.media.engine import Pipeline")  # a cycle
    r = lint_imports(tree)
    assert r.returncode != 0, r.stdout
    out = " ".join(r.stdout.split())
    assert "studio never imports ui, PySide6 or qasync (the engine runs headless) BROKEN" in out
    assert "studio.wall.model -> ui.wall.tile" in out
    assert "No cycles are allowed in studio.media" in out and ".stats -> .engine" in out
    assert f"Contracts: {len(_contracts(ROOT)) - 2} kept, 2 broken." in out, out

    assert string_import_breaks(tree) == []  # statements are lint-imports' job, strings ours
    _plant(tree / "ui/wall/app.py", 'importlib.import_module("studio.commands.wall")')
    breaks = string_import_breaks(tree)
    assert len(breaks) == 1 and "ui.wall.app -> studio.commands.wall" in breaks[0], breaks
    assert breaks[0].startswith("ui never imports studio.commands")
    assert "# planted" not in (ROOT / "studio/wall/model.py").read_text(encoding="utf-8")
