"""A notebook is a chapter's prose and a short list of calls.

Read with ``ast``, every chapter notebook's code (outside its parameters cell) must:

- have at most 40 non-comment lines;
- import only from ``jamtools.chapters`` and ``jamtools.run``;
- call only the chapter's composition, ``setup`` and the page's and run's own methods — never a
  pandas, numpy or string method, never a subscript, a comprehension, arithmetic or an f-string:
  the notebook computes, reshapes, relabels and cuts nothing.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from jamtools.run.catalogue import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
MAX_LINES = 40
#: The methods a notebook may call on the objects it holds (the page and the chapter's run).
ALLOWED_METHODS = {"show", "show_answer", "finish"}
ALLOWED_FUNCTIONS = {"setup", "globals"}
FORBIDDEN_NODES = (ast.Subscript, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp,
                   ast.BinOp, ast.JoinedStr, ast.Lambda, ast.For, ast.While)


def notebook_code(path: Path) -> str:
    """The notebook's code outside its parameters cell."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"]
                     if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", []))


def code_lines(code: str) -> int:
    return sum(1 for line in code.splitlines() if line.strip() and not line.strip().startswith("#"))


def shape_problems(code: str) -> list[str]:
    """Everything in ``code`` that a chapter notebook may not do."""
    problems = []
    tree = ast.parse(code)
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            problems += [f"import {a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if not (mod in ("jamtools.chapters", "jamtools.run") or mod.startswith("jamtools.run.")):
                problems.append(f"from {mod} import …")
            modules |= {a.asname or a.name for a in node.names}
    for node in ast.walk(tree):
        if isinstance(node, FORBIDDEN_NODES):
            problems.append(f"line {node.lineno}: {type(node).__name__}")
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name):
                if f.id not in ALLOWED_FUNCTIONS | modules:
                    problems.append(f"line {node.lineno}: calls {f.id}()")
            elif isinstance(f, ast.Attribute):
                receiver = f.value.id if isinstance(f.value, ast.Name) else None
                if receiver not in modules and f.attr not in ALLOWED_METHODS:
                    problems.append(f"line {node.lineno}: calls .{f.attr}() on data")
            else:
                problems.append(f"line {node.lineno}: a computed call")
    return problems


def _ids() -> list[str]:
    return sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_notebooks_are_the_catalogue():
    assert _ids() and _ids() == sorted(CHAPTERS)


@pytest.mark.parametrize("question_id", _ids())
def test_notebook_is_prose_and_calls(question_id):
    code = notebook_code(NOTEBOOKS / f"{question_id}.ipynb")
    assert code.strip(), "no code at all"
    assert f'setup("{question_id}", globals())' in code
    assert code_lines(code) <= MAX_LINES, f"{code_lines(code)} code lines"
    problems = shape_problems(code)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", [
    "import pandas as pd",
    "from jamtools.present import report",
    "x = page.data.groupby('kon')",
    "t = text.split('\\n\\nSiffrorna beskriver')[0]",
    "y = [a for a in b]",
    "z = a + b",
    "s = f'{a}'",
    "frame.copy()",
])
def test_shape_check_finds_library_work(code):
    assert shape_problems(code)


def test_shape_check_accepts_the_model_notebook():
    code = ('from jamtools.chapters import bof\nfrom jamtools.run.notebook import setup\n'
            'ctx = setup("x", globals())\npage = bof.investigation_to_insats(ctx)\n'
            'page.show("data")\nctx.finish(page)\n')
    assert not shape_problems(code)
