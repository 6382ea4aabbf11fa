"""What the run's check of its inputs found about whole tables, for the chapters' kernels.

The run checks every table once before any chapter starts (:func:`jamtools.run.check.check_inputs`):
among other things, whether a table's key repeats and whether its ids refer to rows another
table lacks. A chapter that loads the same table with its ids kept in the engine
(``load_table(..., linked=True)``) would search for both again, over every row: at ten million
rows each search is a grouping or a join of every id, one to two seconds a table. Where the
run's check found nothing, the kernel can take its word for it: two facts are kept, each only
when the check found *no* problem (a problem is always searched for again, because the kernel
needs its rows):

- ``unique_keys``: a file's key, as read, repeats in no row;
- ``references``: every id a file's column gives is among the ids another file gives.

Each fact names its files by :func:`source_key`: the table, its entry in the configuration,
and the file's path and state (:func:`jamtools.data.readers.file_state`: device, inode, size,
and modification and change times). A file changed after the check
has another key, and its fact does not apply: the kernel searches as it would without. Only
files have facts, never a ``sql:`` source, whose database may change between the check and a
kernel.

The check takes a file's key before and after reading it and keeps a fact only when the two
agree, and only about ids as the file gives them: not about a ``person_id`` derived from a
personnummer, whose validity (a birth date not after today) depends on the day. A kernel takes
the key before and after its own read too, and searches when they differ.

The runner writes the facts as JSON in the run's own temporary folder, readable by the user
only and removed when the run ends, and names it in :data:`FACTS_ENV` for the kernels; the
manifest keeps them too, for a later run that reuses the check (whose files must then still
have the same keys). The facts are digests only: no value, no path. Without the variable (a
notebook run on its own, nbval) there are no facts and every search is made. The results are the
same either way (tested).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

#: The environment variable that names the run's facts file for its kernels.
FACTS_ENV = "JAMTOOLS_RUN_FACTS"


def source_key(table: str, spec: dict) -> str | None:
    """The digest that names one version of a table's file: the table, its configuration entry,
    and the file's resolved path and :func:`~jamtools.data.readers.file_state`. None for a
    source that is not a file, or a file that cannot be read. (The run's pseudonym key is not
    part of it: the kernels get theirs after the check, and whether the pseudonyms of a file's
    personnummer repeat, or are among another file's, does not depend on the key.)"""
    if "file" not in spec or "sql" in spec:
        return None
    from jamtools.data.readers import file_state, source_path

    path = source_path(spec)
    try:
        state = file_state(path)
        resolved = str(path.resolve())
    except OSError:
        return None
    # the entry as the user wrote it (not where it was read from: the path is resolved above)
    entry = repr(sorted((str(k), repr(v)) for k, v in spec.items() if not str(k).startswith("_")))
    text = json.dumps([table, entry, resolved, list(state)])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Facts:
    """What the run's check found absent (see the module's description)."""

    #: :func:`source_key` of files whose key repeats in no row.
    unique_keys: set[str] = field(default_factory=set)
    #: (file, column, other file, other column): every id the column gives is among the
    #: other's (as :func:`jamtools.data.check.dangling_references` compares them).
    references: set[tuple[str, str, str, str]] = field(default_factory=set)

    def key_unique(self, source: str | None) -> bool:
        """Whether the file ``source`` (a :func:`source_key`) is known to repeat no key."""
        return source is not None and source in self.unique_keys

    def references_found(self, source: str | None, column: str, other: str | None,
                         other_column: str) -> bool:
        """Whether every id of ``column`` in file ``source`` is known to be among ``other``'s
        ``other_column``."""
        return (source is not None and other is not None
                and (source, column, other, other_column) in self.references)

    def as_dict(self) -> dict:
        return {"unique_keys": sorted(self.unique_keys),
                "references": [list(r) for r in sorted(self.references)]}

    @classmethod
    def from_dict(cls, d: dict | None) -> "Facts":
        d = d or {}
        return cls({str(k) for k in d.get("unique_keys") or []},
                   {tuple(str(x) for x in r) for r in d.get("references") or [] if len(r) == 4})

    def write(self, path: Path) -> None:
        """Write the facts to ``path`` (readable by this user only)."""
        path = Path(path)
        path.write_text(json.dumps(self.as_dict()), encoding="utf-8")
        path.chmod(0o600)


_READ: dict = {}


def current() -> Facts:
    """The facts of the run this process is part of (the file :data:`FACTS_ENV` names); none
    when the variable is unset or the file cannot be read."""
    name = os.environ.get(FACTS_ENV)
    if not name:
        return Facts()
    try:
        st = os.stat(name)
    except OSError:
        return Facts()
    stamp = (name, st.st_mtime_ns, st.st_size)
    if stamp not in _READ:
        try:
            facts = Facts.from_dict(json.loads(Path(name).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError, AttributeError):
            facts = Facts()
        _READ.clear()
        _READ[stamp] = facts
    return _READ[stamp]


__all__ = ["FACTS_ENV", "Facts", "current", "source_key"]
