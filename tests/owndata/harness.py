"""Run a chapter notebook in this Python process, and build exports the way organisations write
them.

A kernel per case costs seconds; many small exports are tested here in-process: the notebook's
code cells are executed in order in a fresh namespace, with the parameters injected after the
``parameters`` cell as papermill does, ``display`` collecting what the reader would see (each
object is rendered through IPython's formatter, so a broken table fails the test), and a cell's
last expression displayed as Jupyter does.
"""
from __future__ import annotations

import ast
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SYNTHETIC = ROOT / "data" / "synthetic"


@dataclass
class Executed:
    """What an in-process run showed: rendered outputs (text), the namespace, the results."""

    notebook_id: str
    texts: list[str] = field(default_factory=list)
    namespace: dict = field(default_factory=dict)
    results: dict | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


class CellError(AssertionError):
    pass


def _render(obj) -> str:
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(obj)
    for mime in ("text/markdown", "text/html", "text/plain"):
        if mime in data:
            return str(data[mime])
    return ""


def run_chapter(notebook_id: str, params: dict, *, out: Path) -> Executed:
    """Execute ``notebooks/<notebook_id>.ipynb`` here with ``params`` (merged over the
    notebook's own); the results file is written to ``out/<id>.json`` and read back."""
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nb = nbformat.read(NOTEBOOKS / f"{notebook_id}.ipynb", as_version=4)
    params = {"results_path": str(out / f"{notebook_id}.json"), **params}
    executed = Executed(notebook_id)
    ns: dict = {"__name__": "__main__"}

    def display(*objs, **_kw):
        for obj in objs:
            executed.texts.append(_render(obj))

    real_display = IPython.display.display
    IPython.display.display = display
    try:
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            source = cell.source
            if "parameters" in cell.metadata.get("tags", []):
                source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in params.items())
            tree = ast.parse(source)
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            try:
                exec(compile(tree, f"<{notebook_id} cell {i + 1}>", "exec"), ns)
                if last is not None:
                    value = eval(compile(ast.Expression(last.value), f"<{notebook_id} cell {i + 1}>",
                                         "eval"), ns)
                    if value is not None:
                        display(value)
            except Exception as exc:
                raise CellError(f"{notebook_id}, cell {i + 1}: {type(exc).__name__}: {exc}\n"
                                f"--- cell source ---\n{cell.source}") from exc
            for num in plt.get_fignums():  # a figure shown at the end of the cell
                fig = plt.figure(num)
                fig.canvas.draw()
                executed.texts.append(" ".join(t.get_text() for ax in fig.axes
                                               for t in [ax.title, ax.xaxis.label, ax.yaxis.label]))
            plt.close("all")
    finally:
        IPython.display.display = real_display
    executed.namespace = ns
    path = Path(params["results_path"])
    executed.results = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return executed


# --------------------------------------------------------------------------------------------
# Exports as organisations write them


def demo_table(demo: Path, name: str) -> pd.DataFrame:
    """A table of freshly generated demo data (the ``demo`` fixture's folder), as text: the
    rows the exports are made from. Never the project's data/synthetic/."""
    from jamtools.data.readers import read_source

    for suffix in (".csv", ".parquet"):
        path = Path(demo) / f"{name}{suffix}"
        if path.exists():
            return read_source({"file": str(path)}, Path(demo))[0]
    raise FileNotFoundError(name)


def write_export(frame: pd.DataFrame, path: Path, *, fmt: str = "csv-sv") -> Path:
    """Write ``frame`` as an export.

    ``fmt``: ``csv-sv`` (``;``, decimal comma, Windows-1252, as Swedish Excel saves it),
    ``csv-utf8`` (``,``, UTF-8 with BOM), ``xlsx`` or ``parquet``.
    """
    path = Path(path)
    if fmt == "csv-sv":
        text = frame.copy()
        for col in text.columns:
            s = text[col].astype("string")
            looks_decimal = s.str.fullmatch(r"-?\d+\.\d+").fillna(False)
            text[col] = s.where(~looks_decimal, s.str.replace(".", ",", regex=False))
        text.to_csv(path, sep=";", index=False, encoding="cp1252")
    elif fmt == "csv-utf8":
        frame.to_csv(path, sep=",", index=False, encoding="utf-8-sig")
    elif fmt == "xlsx":
        frame.to_excel(path, index=False, sheet_name="Export")
    elif fmt == "parquet":
        frame.astype("string").to_parquet(path, index=False)
    else:
        raise ValueError(fmt)
    return path


def personnummer_for(born: pd.Series, sex: pd.Series, seed: int = 1) -> pd.Series:
    """Valid personnummer (``YYYYMMDD-NNNC``) for birth dates and sexes: a serial number drawn
    with the seed, the ninth digit odd for men and even for women, the Luhn check digit."""
    import numpy as np

    from jamtools.data.personnummer import luhn_ok

    rng = np.random.default_rng(seed)
    out = []
    used = set()
    for b, s in zip(pd.to_datetime(born), sex):
        while True:
            serial = int(rng.integers(0, 100))
            third = int(rng.integers(0, 5)) * 2 + (1 if s in ("man", "pojke") else 0)
            stem = f"{b:%y%m%d}{serial:02d}{third}"
            check = next(c for c in range(10) if luhn_ok(stem + str(c)))
            number = f"{b:%Y%m%d}-{serial:02d}{third}{check}"
            if number not in used:
                used.add(number)
                break
        out.append(number)
    return pd.Series(out, index=born.index)


def write_config(path: Path, tables: dict, **top) -> Path:
    """A jamtools.yml with ``tables`` (name -> spec) and top-level keys."""
    import yaml

    path.write_text(yaml.safe_dump({**top, "tables": tables}, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def guard_synthetic():
    """Fail any read under data/synthetic/ while the returned context is active (an audit hook
    sees every ``open`` of this process, pandas', pyarrow's and DuckDB's Python-level opens)."""
    import contextlib

    state = {"active": False, "reads": []}
    synthetic = str(SYNTHETIC.resolve())

    def hook(event, args):
        if state["active"] and event == "open" and args and isinstance(args[0], (str, bytes, Path)):
            p = args[0].decode() if isinstance(args[0], bytes) else str(args[0])
            if p.startswith(synthetic) or "data/synthetic" in p:
                state["reads"].append(p)

    if not getattr(guard_synthetic, "_installed", False):
        sys.addaudithook(hook)
        guard_synthetic._installed = True
        guard_synthetic._state = state
    state = guard_synthetic._state

    @contextlib.contextmanager
    def active():
        state["reads"].clear()
        state["active"] = True
        try:
            yield state["reads"]
        finally:
            state["active"] = False
        assert not state["reads"], f"synthetic data were read: {state['reads'][:3]}"

    return active()
