"""The rules that several parameters share, each once, with the Swedish message that says what to
write.

A chapter's own parameters (``jamtools.yml`` under ``notebooks:``, or a notebook's parameters
cell) are checked by the chapter's rule functions (``jamtools.run.catalogue.PARAMETERS``), and the
run's by ``jamtools.run.params``. The rules they have in common are here: a whole number of at
least some value (:func:`whole_number`), a year (:func:`year`; also written as text, ``"2024"``),
and one name or a list of names, perhaps from a given set (:func:`names`). Each returns the value
as the chapter uses it, or raises ValueError with a message that names the parameter and its
value and says what to write; the caller gives what the parameter means in its own words.

A rule that finds several problems at once raises :class:`ParameterProblems`, which carries them
all, so that an analyst corrects every mistake in one pass.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["ParameterProblems", "raise_all", "messages_of", "is_whole_number", "whole_number", "year", "names"]


class ParameterProblems(ValueError):
    """Every problem one rule found, each a Swedish message (:attr:`messages`); as text, one
    message per line."""

    def __init__(self, messages: Iterable[str]):
        self.messages = list(dict.fromkeys(str(m) for m in messages))
        super().__init__("\n".join(self.messages))


def raise_all(messages: Iterable[str]) -> None:
    """Raise :class:`ParameterProblems` with ``messages`` (the same message once) when there is
    any; return None when there is none."""
    messages = list(messages)
    if messages:
        raise ParameterProblems(messages)


def messages_of(exc: ValueError) -> list[str]:
    """The messages of a rule's ValueError: those of a :class:`ParameterProblems`, else its text."""
    return list(exc.messages) if isinstance(exc, ParameterProblems) else [str(exc)]


def is_whole_number(value, *, at_least: int = 1) -> bool:
    """Whether ``value`` is a whole number (an ``int``, not ``True``/``False``) of at least
    ``at_least``.

    Examples
    --------
    >>> is_whole_number(12), is_whole_number(0), is_whole_number(12.0), is_whole_number(True)
    (True, False, False, False)
    """
    return not isinstance(value, bool) and isinstance(value, int) and value >= at_least


def whole_number(name: str, value, *, meaning: str, at_least: int = 1) -> int:
    """The parameter ``name`` checked: a whole number of at least ``at_least``.

    Parameters
    ----------
    name : the parameter's name, as the analyst writes it.
    value : its value.
    meaning : what the number is, in the caller's words (after a colon in the message).
    at_least : the least value allowed.

    Returns
    -------
    int
        ``value``.

    Raises
    ------
    ValueError
        ``"Parametern <name> = <value> ska vara ett heltal ≥ <at_least>: <meaning>."``

    Examples
    --------
    >>> whole_number("antal_ord", 15, meaning="hur många ord som visas")
    15
    >>> whole_number("antal_ord", 0, meaning="hur många ord som visas")
    Traceback (most recent call last):
    ...
    ValueError: Parametern antal_ord = 0 ska vara ett heltal ≥ 1: hur många ord som visas.
    """
    if not is_whole_number(value, at_least=at_least):
        raise ValueError(f"Parametern {name} = {value!r} ska vara ett heltal ≥ {at_least}: {meaning}.")
    return value


_YEAR = re.compile(r"\s*(\d{4})\s*")


def year(name: str, value, *, meaning: str, example: int) -> int:
    """The parameter ``name`` checked and read: a year, as a whole number or as a text that is a
    whole year (``"2024"``, as a value written within quotes in ``jamtools.yml`` is read).

    Parameters
    ----------
    name : the parameter's name.
    value : its value.
    meaning : what the year is, in the caller's words (after a colon in the message).
    example : a year to give as an example.

    Returns
    -------
    int
        The year.

    Raises
    ------
    ValueError
        For anything else (``2024.5``, ``"tjugotjugofyra"``, ``True``, None), naming the parameter
        and the value.

    Examples
    --------
    >>> year("forandring_ar", "2024", meaning="det första läsåret", example=2024)
    2024
    """
    if not isinstance(value, bool) and isinstance(value, int):
        return value
    match = _YEAR.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"Parametern {name} = {value!r} ska vara ett årtal, till exempel {example}: "
                         f"{meaning}.")
    return int(match.group(1))


def names(name: str, value, *, allowed: Sequence[str] | None = None, expected: str | None = None,
          unknown: str = "känns inte igen", choose: str = "", at_least_one: bool = False) -> list[str]:
    """The parameter ``name`` checked and read: one name or a list of names (texts, not blank),
    each among ``allowed`` when it is given; one name alone is a list of one.

    Parameters
    ----------
    name : the parameter's name.
    value : its value.
    allowed : the names the value may hold; None for any.
    expected : what the value should be, in the caller's words (``"en lista med ord"``): the
        message for a value that is neither a name nor a list of names is then
        ``"… ska vara <expected>."``. None: that message is the one for names not allowed.
    unknown : what the message says of names not among ``allowed`` (``"känns inte igen"``,
        ``"nämner kolumner som tabellen eb_utfall inte har"``); a list's such names follow it.
    choose : the sentence after it that says what to choose (with the allowed names).
    at_least_one : whether an empty list is refused.

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        Naming the parameter and its value, and every name of it that is not allowed.

    Examples
    --------
    >>> names("tabell", ["ht_beslut"], allowed=["ht_beslut", "eb_klienter"])
    ['ht_beslut']
    >>> names("tabell", ["ht_beslut", "hemtjanst", 7], allowed=["ht_beslut"], choose="Välj: ht_beslut.")
    Traceback (most recent call last):
    ...
    ValueError: Parametern tabell = ['ht_beslut', 'hemtjanst', 7] känns inte igen: hemtjanst, 7. Välj: ht_beslut.
    """
    listed = [value] if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else None
    text = [v for v in listed or () if isinstance(v, str) and v.strip()]
    shape_ok = listed is not None and not (at_least_one and not listed)
    if allowed is None:
        shape_ok = shape_ok and len(text) == len(listed)
    end = f" {choose}" if choose else ""
    if not shape_ok:
        raise ValueError(f"Parametern {name} = {value!r} ska vara {expected}." if expected else
                         f"Parametern {name} = {value!r} {unknown}.{end}")
    if allowed is None:
        return listed
    bad = [v for v in listed if not isinstance(v, str) or v not in allowed]
    if bad:
        which = "" if isinstance(value, str) else ": " + ", ".join(
            v if isinstance(v, str) else repr(v) for v in bad)
        raise ValueError(f"Parametern {name} = {value!r} {unknown}{which}.{end}")
    return listed
