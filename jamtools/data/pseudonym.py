"""Personnummer: recognised with the check digit, replaced on load by a keyed pseudonym.

The key is per run: the runner puts a random key in the environment variable
``JAMTOOLS_PSEUDONYM_KEY`` for the kernels; without it (interactive use) a random key is made
per process. The key is never written anywhere, so a pseudonym cannot be turned back into a
personnummer, yet the same person gets the same pseudonym in every table of the run.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets

import pandas as pd

KEY_ENV = "JAMTOOLS_PSEUDONYM_KEY"
_PROCESS_KEY = secrets.token_hex(32)
_PNR = re.compile(r"^\s*(?:19|20)?(\d{6})[-+]?(\d{4})\s*$")


def _key() -> bytes:
    return (os.environ.get(KEY_ENV) or _PROCESS_KEY).encode()


def luhn_ok(digits: str) -> bool:
    """The personnummer check digit (Luhn, over the 10-digit form)."""
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def normalise(value) -> str | None:
    """The 10 digits YYMMDDNNNN of a valid personnummer or samordningsnummer, else None."""
    m = _PNR.match(str(value)) if value is not None else None
    if not m:
        return None
    digits = m.group(1) + m.group(2)
    return digits if luhn_ok(digits) else None


def pseudonymise(values: pd.Series) -> pd.Series:
    """Keyed pseudonyms (HMAC-SHA-256, 16 hex digits) for personnummer; None stays missing."""
    key = _key()

    def one(v):
        digits = normalise(v)
        if digits is None:
            return pd.NA
        return "P" + hmac.new(key, digits.encode(), hashlib.sha256).hexdigest()[:16]

    return values.map(one).astype("string")


def birth_date_and_sex(value, today=None):
    """(birth date, 'kvinna'|'man') from a valid personnummer or samordningsnummer, else None.

    The century comes from a 12-digit form when given; otherwise the number is taken as born
    within the last 100 years (``+`` as separator marks 100 years or older, as the tax agency
    writes it). The second-to-last digit is odd for men and even for women. Samordningsnummer
    have 60 added to the day.
    """
    import datetime as dt

    text = str(value).strip()
    m = re.match(r"^((?:19|20)?)(\d{6})([-+]?)(\d{4})$", text)
    if not m or not luhn_ok(m.group(2) + m.group(4)):
        return None
    century, ymd, sep, tail = m.groups()
    yy, mm, dd = int(ymd[:2]), int(ymd[2:4]), int(ymd[4:6])
    if dd > 60:
        dd -= 60
    today = today or dt.date.today()
    if century:
        year = int(century + ymd[:2])
    else:
        year = (today.year // 100) * 100 + yy
        if year > today.year:
            year -= 100
        if sep == "+":
            year -= 100
    try:
        born = dt.date(year, mm, dd)
    except ValueError:
        return None
    sex = "man" if int(tail[2]) % 2 == 1 else "kvinna"
    return born, sex


def written_forms(value) -> set[str]:
    """The ways a valid personnummer or samordningsnummer is commonly written.

    ``YYMMDD-NNNN``, ``YYMMDDNNNN``, ``YYYYMMDD-NNNN`` and ``YYYYMMDDNNNN`` (the century from
    :func:`birth_date_and_sex`); an empty set for anything else. Used to give the leak scan
    every form in which a number from the input could appear in an output.
    """
    derived = birth_date_and_sex(value)
    digits = normalise(value)
    if derived is None or digits is None:
        return set()
    born = derived[0]
    # The 12-digit form: the century from the birth year (day of a samordningsnummer kept).
    century = f"{born.year // 100:02d}"
    short, tail = digits[:6], digits[6:]
    forms = {f"{short}-{tail}", f"{short}{tail}", f"{century}{short}-{tail}", f"{century}{short}{tail}"}
    if "+" in str(value):
        forms.add(f"{short}+{tail}")
    return forms
