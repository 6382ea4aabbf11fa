"""The test suite's shared helpers: finding a comparison in a results file and judging it.

Every chapter test uses these, so "the interval covers the planted value", "a gap is found" and
"no gap" mean the same everywhere, and a filter that matches nothing fails instead of passing.
"""
from __future__ import annotations

import os
from collections.abc import Iterable, Mapping


def rows(results: Mapping | Iterable, **match) -> list[dict]:
    """The comparisons of ``results`` (a results file's dict, or a list of comparison rows)
    whose fields equal every ``match`` value. Fails when none matches: a test must never pass
    because its filter found nothing."""
    items = results["comparisons"] if isinstance(results, Mapping) else list(results)
    found = [c for c in items if all(c.get(k) == v for k, v in match.items())]
    assert found, f"no comparison matches {match!r} among {len(items)}"
    return found


def one(results: Mapping | Iterable, **match) -> dict:
    """The single comparison matching ``match`` (fails on none and on several)."""
    found = rows(results, **match)
    assert len(found) == 1, f"{len(found)} comparisons match {match!r}, expected one"
    return found[0]


def rd(results: Mapping, outcome: str, adjusted: bool, **match) -> dict:
    """The risk difference (percentage points) of ``outcome``, crude or adjusted."""
    return one(results, outcome=outcome, measure="risk_difference_pp", adjusted=adjusted, **match)


def covers(row: Mapping, value: float) -> bool:
    """The row's interval holds ``value`` (fails on a hidden or missing interval)."""
    low, high = row["ci_low"], row["ci_high"]
    assert low is not None and high is not None, f"no interval in {row.get('comparison')!r}"
    return low <= value <= high


def found(row: Mapping, planted: float, *, null: float = 0.0) -> bool:
    """The interval lies wholly on the side of ``null`` where the planted effect is."""
    return row["ci_low"] > null if planted > null else row["ci_high"] < null


def no_gap(row: Mapping, *, max_half_width: float, null: float = 0.0) -> bool:
    """"No clear gap" that means something: the interval covers ``null`` *and* is narrow enough
    to have found a gap of ``max_half_width`` (an interval of ±30 pp covers zero and proves
    nothing)."""
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert half <= max_half_width, (
        f"{row.get('comparison')!r}: the interval is ±{half:.3g} wide, too wide to show no gap "
        f"(bound ±{max_half_width})")
    return covers(row, null)


#: The PostgreSQL server of the SQL tests (started by ``.ci/services`` under CI).
PG_URL = os.environ.get(
    "JAMTOOLS_TEST_PG", "postgresql+psycopg://jamtools:jamtools@localhost:5432/jamtools")


def pg_available() -> bool:
    """True when a PostgreSQL server answers on localhost:5432."""
    import socket

    try:
        socket.create_connection(("localhost", 5432), timeout=1).close()
        return True
    except OSError:
        return False


class Background:
    """A command started now and awaited later (:meth:`result`), for the suite's long runs that
    go on beside the other tests. Its output goes to ``stdout.txt`` and ``stderr.txt`` in
    ``logs``, not to pipes, so that it never waits for a reader. :meth:`stop` ends it and, with
    ``remove``, deletes the folder ``remove`` names."""

    def __init__(self, cmd: list[str], *, logs, cwd, env: dict | None = None, remove=None):
        import subprocess
        from pathlib import Path

        self.logs, self.remove = Path(logs), remove
        self.logs.mkdir(parents=True, exist_ok=True)
        with open(self.logs / "stdout.txt", "wb") as out, open(self.logs / "stderr.txt", "wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env)

    def result(self):
        """The finished process, as :func:`subprocess.run` with ``capture_output`` returns it."""
        import subprocess

        code = self.proc.wait()
        out, err = ((self.logs / f).read_text(encoding="utf-8", errors="replace")
                    for f in ("stdout.txt", "stderr.txt"))
        return subprocess.CompletedProcess(self.proc.args, code, out, err)

    def stop(self) -> None:
        import shutil

        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.remove is not None:
            shutil.rmtree(self.remove, ignore_errors=True)


class CountingEngine:
    """An engine connection that appends to ``sizes`` the number of rows of each table the
    check creates (``CREATE OR REPLACE TEMP TABLE``: its first phase's combinations), for tests
    that the combinations do not grow with the rows."""

    def __init__(self, con, sizes: list):
        self._con, self._sizes = con, sizes

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args):
        out = self._con.execute(sql, *args)
        if sql.startswith("CREATE OR REPLACE TEMP TABLE"):
            table = sql.split()[5]
            self._sizes.append(self._con.sql(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        return out
