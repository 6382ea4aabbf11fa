"""The one way jamtools talks to its query engine (DuckDB): a connection with bounded memory.

Every DuckDB use in jamtools goes through :func:`connect`, so that a register-sized table is
read, checked and aggregated with at most ``memory_limit`` of working memory (the rest spills
to a temporary folder) and ``threads`` threads. Nothing is downloaded: extensions are never
installed automatically (the handbook runs offline), so XLSX (and, outside a run, CSV in
Windows-1252) are read in Python and handed to the engine as Arrow tables; in a run, a CSV in
Windows-1252 is written again in UTF-8 for the engine's reader (:mod:`jamtools.data.readers`).

The memory limit is ``1GB`` unless the environment variable ``JAMTOOLS_DUCKDB_MEMORY`` says
otherwise (a DuckDB size such as ``4GB`` or ``500MB``).
"""
from __future__ import annotations

import itertools
import os
import tempfile
from pathlib import Path

#: Environment variable that overrides the engine's memory limit.
MEMORY_ENV = "JAMTOOLS_DUCKDB_MEMORY"
DEFAULT_MEMORY = "1GB"
#: Environment variable for the engine's threads (the runner sets it so that notebooks run side
#: by side share the cores instead of each taking all of them).
THREADS_ENV = "JAMTOOLS_DUCKDB_THREADS"
DEFAULT_THREADS = 2

#: Every character Python's ``str.strip()`` removes (``str.isspace``), for SQL ``trim``.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
              "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def temp_directory() -> Path:
    """The folder the engine spills to: ``jamtools-duckdb`` in the system's temporary folder."""
    return Path(tempfile.gettempdir()) / "jamtools-duckdb"


def connect(*, memory_limit: str | None = None, threads: int | None = None):
    """A new in-memory DuckDB connection with bounded memory.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB size (``"1GB"``); default ``$JAMTOOLS_DUCKDB_MEMORY`` or ``1GB``.
    threads : int, optional
        Worker threads; default ``$JAMTOOLS_DUCKDB_THREADS`` or 2.

    Returns
    -------
    duckdb.DuckDBPyConnection
        Insertion order is preserved (a scan's rows come out in file order) and no extension
        is installed from the network.
    """
    import duckdb

    limit = memory_limit or os.environ.get(MEMORY_ENV) or DEFAULT_MEMORY
    tmp = temp_directory()
    tmp.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(config={
        "memory_limit": str(limit),
        "threads": int(threads or os.environ.get(THREADS_ENV) or DEFAULT_THREADS),
        "temp_directory": str(tmp),
        "preserve_insertion_order": True,
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    })


def literal(value: str) -> str:
    """``value`` as an SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """``name`` as a quoted SQL identifier."""
    return '"' + str(name).replace('"', '""') + '"'


_SHARED: dict = {}


def shared():
    """This thread's engine connection (made by :func:`connect` on first use and kept): opening
    a DuckDB connection costs a fifth of a second, more than checking a small table. Views and
    functions registered on it should have names from :func:`unique_name` and be dropped after
    use."""
    import threading

    key = (os.getpid(), threading.get_ident())
    con = _SHARED.get(key)
    if con is None:
        con = _SHARED[key] = connect()
    return con


_COUNTER = itertools.count(1)  # next() on it is atomic: threads never get the same number


def release() -> None:
    """Close this process's shared connections (:func:`shared`; the next use opens a new one)
    and hand the memory they held back to the system.

    The runner calls it when its own check of the tables is done and before the notebooks'
    kernels start: at ten million rows the check leaves some 800 MB in this process, and a
    kernel that runs beside a process holding that much took over a second longer for eb_03
    on this project's machine (its first cell 7.9-8.2 s against 6.4 s with the memory given
    back). Engine tables and views on the closed connections are gone with them. Call it
    through :func:`jamtools.data.load.release_engine`, which also forgets what is kept per
    connection.
    """
    import gc

    for key, con in list(_SHARED.items()):
        if key[0] == os.getpid():
            try:
                con.close()
            except Exception:  # noqa: BLE001  (already closed)
                pass
        del _SHARED[key]
    gc.collect()
    try:  # glibc keeps freed memory in its arenas unless asked to give it back
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory is freed, if not returned
        pass


def unique_name(prefix: str) -> str:
    """A view name not used before in this process (never again, also after it is dropped:
    :func:`jamtools.data.links.missing_count` relies on it)."""
    return f"{prefix}_{os.getpid()}_{next(_COUNTER)}"
