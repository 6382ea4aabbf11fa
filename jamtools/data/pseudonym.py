"""Personnummer replaced on load by a keyed pseudonym.

The key is per run: the runner puts a random key in the environment variable
``JAMTOOLS_PSEUDONYM_KEY`` for the kernels; without it (interactive use, nbval) a random key is
made per process. The key is never written anywhere, so a pseudonym cannot be turned back into
a personnummer, yet the same person gets the same pseudonym in every table of the run, however
the number is written (with or without century or hyphen).

The number's validation lives in :mod:`jamtools.data.personnummer` (re-exported here).
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets

import pandas as pd

from jamtools.data.personnummer import (age_at, birth_date_and_sex, luhn_ok, normalise, parse,
                                        written_forms)

__all__ = ["KEY_ENV", "pseudonymise", "luhn_ok", "parse", "normalise", "birth_date_and_sex",
           "age_at", "written_forms"]

KEY_ENV = "JAMTOOLS_PSEUDONYM_KEY"
_PROCESS_KEY = secrets.token_hex(32)


def _key() -> bytes:
    return (os.environ.get(KEY_ENV) or _PROCESS_KEY).encode()


def pseudonymise(values: pd.Series) -> pd.Series:
    """Keyed pseudonyms for personnummer: ``"P"`` + the first 16 hex digits of
    HMAC-SHA-256(key, YYYYMMDDNNNC) (RFC 2104). Missing values and invalid numbers give NA.

    HMAC with a secret key, rather than a plain hash, is what makes the pseudonym
    irreversible: the number space is small enough to hash every possible number.
    """
    key = _key()
    cache: dict = {}

    def one(v):
        if v in cache:
            return cache[v]
        parsed = parse(v) if not pd.isna(v) else None
        out = pd.NA if parsed is None else \
            "P" + hmac.new(key, parsed.digits12.encode(), hashlib.sha256).hexdigest()[:16]
        cache[v] = out
        return out

    return values.map(one).astype("string")
