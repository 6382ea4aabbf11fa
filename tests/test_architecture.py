"""The house shows its flow: data → stats → disclosure → present → chapters → run.

The import contract lives in ``pyproject.toml`` (``[tool.importlinter]``) and is checked here
with import-linter; a second check (import-linter has no contract for it) forbids importing a
private name (``_x``) from another package of the library.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("data", "stats", "disclosure", "present", "chapters", "run")


def _lint(root: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(exe), "--config", str(root / "pyproject.toml")], cwd=root,
                          capture_output=True, text=True, env={"PYTHONPATH": str(root), "PATH": ""})


def test_import_contract_is_kept():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "2 kept, 0 broken" in proc.stdout


@pytest.mark.parametrize("module, line", [
    ("jamtools/data/model.py", "from jamtools.present import report  # an arrow pointing up"),
    ("jamtools/chapters/bof.py", "from jamtools.chapters import eb  # a chapter importing another"),
])
def test_contract_fails_on_an_upward_or_sideways_import(tmp_path, module, line):
    """The contract can fail: a copy of the library with one bad import breaks it."""
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copytree(ROOT / "jamtools", copy / "jamtools",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")
    proc = _lint(copy)
    assert proc.returncode != 0
    assert "BROKEN" in proc.stdout


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT / "jamtools").parts
    return parts[0] if len(parts) > 1 else ""


def _private_imports(path: Path) -> list[str]:
    own = _package(path)
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("jamtools"):
            parts = node.module.split(".")
            other = parts[1] if len(parts) > 1 else ""
            if other != own or any(p.startswith("_") for p in parts[1:]):
                for alias in node.names:
                    if alias.name.startswith("_"):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}.{alias.name}")
    return found


def test_no_private_name_crosses_a_package():
    bad = [hit for path in sorted((ROOT / "jamtools").rglob("*.py")) for hit in _private_imports(path)]
    assert not bad, "\n".join(bad)


def test_private_import_check_can_fail(tmp_path, monkeypatch):
    fake = ROOT / "jamtools" / "run" / "_probe_private.py"
    try:
        fake.write_text(textwrap.dedent("from jamtools.present.report import _interval\n"))
        assert _private_imports(fake)
    finally:
        fake.unlink()


def test_top_level_is_only_the_layers():
    modules = sorted(p.name for p in (ROOT / "jamtools").iterdir()
                     if p.suffix == ".py" or (p.is_dir() and (p / "__init__.py").exists()))
    assert modules == sorted(["__init__.py", "__main__.py", *PACKAGES])
