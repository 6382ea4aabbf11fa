"""Swedish personnummer and samordningsnummer: recognised with the check digit, and the birth
date and legal sex read from them.

The rules are the tax agency's (Skatteverket, *Personnummer*, SKV 704): ten digits
``YYMMDD-NNNC`` (or twelve with the century), the separator ``-`` turning into ``+`` the year
a person turns 100; the ninth digit is odd for men and even for women; ``C`` is a Luhn check
digit over the ten digits. A samordningsnummer (coordination number) has 60 added to the day.
The tests use Skatteverket's published test numbers.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

_FORM = re.compile(r"^\s*(18|19|20)?(\d{2})(\d{2})(\d{2})\s?([-+]?)\s?(\d{4})\s*$")


class Identity(NamedTuple):
    """A parsed number: the twelve digits, birth date, legal sex and kind."""

    digits12: str
    born: dt.date
    sex: str            # "kvinna" | "man"
    kind: str           # "personnummer" | "samordningsnummer"


def luhn_ok(digits: str) -> bool:
    """The check digit (Luhn, over the 10-digit form ``YYMMDDNNNC``).

    Every other digit from the first is doubled, the digit sums added; the total is a multiple
    of ten for a valid number (Skatteverket, SKV 704).
    """
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def parse(value, today: dt.date | None = None) -> Identity | None:
    """Parse a personnummer or samordningsnummer; ``None`` if it is not a valid one.

    Accepts ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDD+NNNN`` and
    ``YYMMDDNNNN`` (spaces around the separator allowed). Without the century the person is
    taken to be born within the 100 years before ``today`` (``+``: 100 years or more before).
    The date must exist (29 February only in leap years) and the check digit must match.
    """
    if value is None:
        return None
    m = _FORM.match(str(value))
    if not m:
        return None
    century, yy, mm, dd, sep, tail = m.groups()
    ten = yy + mm + dd + tail
    if not luhn_ok(ten):
        return None
    day, kind = int(dd), "personnummer"
    if day > 60:
        day, kind = day - 60, "samordningsnummer"
    today = today or dt.date.today()
    if century:
        year = int(century + yy)
    else:
        year = (today.year // 100) * 100 + int(yy)
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
    try:
        born = dt.date(year, int(mm), day)
    except ValueError:
        return None
    if born > today:
        return None
    sex = "man" if int(tail[2]) % 2 == 1 else "kvinna"
    return Identity(f"{year // 100:02d}{ten}", born, sex, kind)


def normalise(value) -> str | None:
    """The 10 digits ``YYMMDDNNNC`` of a valid number, else ``None``."""
    parsed = parse(value)
    return parsed.digits12[2:] if parsed else None


def birth_date_and_sex(value, today: dt.date | None = None):
    """``(birth date, "kvinna" | "man")`` of a valid number, else ``None``."""
    parsed = parse(value, today)
    return (parsed.born, parsed.sex) if parsed else None


def age_at(born: dt.date, at) -> int:
    """Age in whole years on the date ``at`` (the birthday counts from the day itself; someone
    born on 29 February turns a year older on 1 March in other years)."""
    return at.year - born.year - ((at.month, at.day) < (born.month, born.day))


def written_forms(value) -> set[str]:
    """The ways a valid number is commonly written: ``YYMMDD-NNNN``, ``YYMMDDNNNN``,
    ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN`` (and ``YYMMDD+NNNN`` when written so); empty for
    anything else. Gives the leak scan every form in which an input number could appear."""
    parsed = parse(value)
    if parsed is None:
        return set()
    d = parsed.digits12
    forms = {f"{d[2:8]}-{d[8:]}", d[2:], f"{d[:8]}-{d[8:]}", d}
    if "+" in str(value):
        forms.add(f"{d[2:8]}+{d[8:]}")
    return forms
