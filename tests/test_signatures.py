"""The general layers take no hidden choices: options are explicit and keyword-only.

For every public function defined in a module of :mod:`jamtools.stats` or
:mod:`jamtools.disclosure` (found by importing the modules, not from ``__init__``'s
re-exports):

- a parameter ``levels`` (the groups compared) or ``level`` has no default: which groups, and in
  which order, is the caller's decision (the chapters name them with the constants of
  :mod:`jamtools.data.model`), never a silent ``("kvinna", "man")`` or ``("flicka", "pojke")``;
- a parameter annotated with a ``Literal`` (an option with a fixed set of values) is
  keyword-only.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import typing

import pytest

import jamtools.disclosure
import jamtools.stats

PACKAGES = (jamtools.stats, jamtools.disclosure)
#: Parameters that name the groups compared.
GROUP_PARAMETERS = ("levels", "level")


def public_functions() -> list[tuple[str, object]]:
    """(``module.name``, function) for every public function defined in a module of the
    packages (the package's own ``__init__`` included)."""
    found = []
    for package in PACKAGES:
        modules = [package] + [importlib.import_module(f"{package.__name__}.{info.name}")
                               for info in pkgutil.iter_modules(package.__path__)]
        for module in modules:
            for name, func in inspect.getmembers(module, inspect.isfunction):
                if not name.startswith("_") and func.__module__ == module.__name__:
                    found.append((f"{module.__name__}.{name}", func))
    return sorted(found, key=lambda item: item[0])


def is_literal(annotation) -> bool:
    """Whether an (evaluated) annotation is a ``Literal``, alone or in a union (``Literal[...] |
    None``)."""
    if typing.get_origin(annotation) is typing.Literal:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(is_literal(arg) for arg in typing.get_args(annotation))
    return False


FUNCTIONS = public_functions()


def test_the_packages_have_functions():
    names = [name for name, _ in FUNCTIONS]
    assert "jamtools.stats.binary.compare_groups" in names
    assert "jamtools.disclosure.analyses.binary_outcome" in names


@pytest.mark.parametrize("name, func", FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_groups_compared_have_no_default(name, func):
    params = inspect.signature(func).parameters
    defaults = {p: params[p].default for p in GROUP_PARAMETERS
                if p in params and params[p].default is not inspect.Parameter.empty}
    assert not defaults, f"{name}: {defaults} har ett förval; grupperna ska anges av den som anropar"


@pytest.mark.parametrize("name, func", FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_literal_options_are_keyword_only(name, func):
    # eval_str: the modules use ``from __future__ import annotations``.
    params = inspect.signature(func, eval_str=True).parameters
    positional = [p.name for p in params.values()
                  if is_literal(p.annotation) and p.kind is not inspect.Parameter.KEYWORD_ONLY]
    assert not positional, f"{name}: {positional} har en Literal-typ men är inte keyword-only"


def test_literal_options_are_found():
    """The check above sees the options it is about (not vacuously true)."""
    from jamtools.stats import amounts, binary, multiple, survival
    for func, option in ((binary.share_by_group, "method"), (multiple.adjust_pvalues, "method"),
                         (survival.cox_hazard_ratio, "ties"),
                         (amounts.adjusted_amount_difference, "model")):
        param = inspect.signature(func, eval_str=True).parameters[option]
        assert is_literal(param.annotation), (func.__name__, option)
        assert param.kind is inspect.Parameter.KEYWORD_ONLY
