"""Readers for what Swedish exports really look like.

CSV with ``;`` or ``,`` (detected), decimal comma, UTF-8 with or without BOM or
Windows-1252/Latin-1 (detected, or set in the configuration); Excel ``.xlsx`` (a named sheet);
Parquet; and SQL through SQLAlchemy. Every reader returns text columns (missing values as NA),
so that one validation step (``jamtools.data.load``) types them all the same way, whatever the
source.
"""
from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import threading
import warnings
from pathlib import Path
from typing import NamedTuple

import pandas as pd


class SourceError(ValueError):
    """The source cannot be read; the message says which and what to do."""


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` for a BOM, ``utf-8`` when the bytes decode as UTF-8, else ``cp1252``.

    Windows-1252 is a superset of Latin-1 for the printable range that Swedish exports use
    (å, ä, ö, é), so one fallback covers both.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def detect_separator(sample: str) -> str:
    """``;``, ``,`` or tab, from the first lines (csv.Sniffer, restricted to those three)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(";,\t", key=first.count)


def _one_as_text(v):
    if pd.isna(v):
        return pd.NA
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v == round(v):
        return str(int(v))
    return v.isoformat()[:10] if hasattr(v, "isoformat") else str(v)


def _column_as_text(s: pd.Series) -> pd.Series:
    """One column as text, vectorised for the common column types (millions of rows)."""
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d")
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean").astype("Int8").astype("string")
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64").astype("string")
    if pd.api.types.is_float_dtype(s):
        present = s.dropna()
        if present.eq(present.round()).all() and present.abs().lt(2**53).all():
            return s.astype("Float64").astype("Int64").astype("string")
        return s.astype("string")
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("string", "empty"):
        return s.astype("string")
    if kind in ("date", "datetime", "datetime64"):
        return pd.to_datetime(s).dt.strftime("%Y-%m-%d")
    if kind in ("integer", "floating", "mixed-integer-float"):
        text = _numbers_as_text(s)
        if text is not None:
            return text
    return s.map(_one_as_text)  # mixed columns (a spreadsheet with numbers and text)


def _numbers_as_text(s: pd.Series) -> pd.Series | None:
    """A column of Python numbers (what a spreadsheet's reader gives: integral numbers as
    ``int``, others as ``float``) as :func:`_one_as_text` writes each, for a whole column at
    once (the integral ones by Arrow); None when a value is not below 2**53 in size (then
    each value is written on its own)."""
    import numpy as np

    missing = s.isna().to_numpy()
    present = s.to_numpy(dtype=object)[~missing]
    kinds = set(map(type, present))
    if not all(k in (int, float, np.float64) or issubclass(k, np.integer) for k in kinds):
        return None  # (a float32 is written by its own str, not as the float64 it widens to)
    x = np.zeros(len(s))
    try:
        x[~missing] = present.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        return None
    text = _floats_as_text(x, missing)
    return None if text is None else pd.Series(pd.array(text, dtype="string"), index=s.index, name=s.name)


def _floats_as_text(x, missing):
    """The numbers ``x`` (float64; ``missing`` marks the missing ones) as :func:`_one_as_text`
    writes each (as Python numbers: integral ones without decimals), as an Arrow string array;
    None when one is not below 2**53 in size."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (np.abs(x[~missing]) < 2.0 ** 53).all():  # (false for an infinite number too)
        return None  # an integer is exact as a float only below 2**53
    x = np.where(missing, 0.0, x)
    integral = x == np.floor(x)
    whole = pc.cast(pa.array(np.where(integral, x, 0).astype(np.int64)), pa.string())
    # Arrow writes a float as Python does (the shortest digits that read back the same) with
    # the same notation between 1e-4 and 1e9 (Python: below 1e16); outside, Python writes it
    plain = ~integral & (np.abs(x) >= 1e-4) & (np.abs(x) < 1e9)
    fraction = pc.cast(pa.array(np.where(plain, x, 0.5)), pa.string())
    other = np.full(len(x), None, dtype=object)
    rest = ~integral & ~plain & ~missing
    other[rest] = [str(float(v)) for v in x[rest]]
    return pc.if_else(pa.array(integral & ~missing), whole,
                      pc.if_else(pa.array(plain), fraction, pa.array(other, type=pa.string())))


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text; dates as YYYY-MM-DD; integral numbers without decimals; booleans
    as 1/0; missing values stay NA; surrounding spaces removed."""
    out = {}  # (one frame at the end: a column at a time costs more with every column)
    for col in frame.columns:
        text = _column_as_text(frame[col])
        out[str(col)] = text.astype("string").str.strip().replace("", pd.NA)
    return pd.DataFrame(out, index=frame.index)


def _long_rows(text, sep: str, *, widest: list | None = None) -> list[int]:
    """Row numbers of rows with more fields than the header, trailing empty fields aside (an
    export that ends every row with the separator is fine): as a spreadsheet numbers them, and
    the check does (:class:`RowGaps`), a line of the file each, blank lines too, but a quoted
    field's line breaks aside (the header is 1 when no blank line comes before it). ``text`` is the
    file's text, or its lines. ``widest`` (a list) gets the largest number of fields a row
    has, empty ones included."""
    import itertools

    lines = iter(io.StringIO(text) if isinstance(text, str) else text)
    # the header is the first line that is not blank: pandas skips lines of spaces and tabs
    # (spaces only under a tab separator) before it, and the CSV reader would take one for it
    blank = " \r\n" if sep == "\t" else " \t\r\n"
    skipped = 0
    for line in lines:
        if line.strip(blank):
            lines = itertools.chain([line], lines)
            break
        skipped += 1
    reader = csv.reader(lines, delimiter=sep)
    width = len(next(reader, []))
    out, most = [], width
    for number, row in enumerate(reader, start=2):  # (a blank line is a row of no field)
        most = max(most, len(row))
        while len(row) > width and row[-1] == "":
            row = row[:-1]
        if len(row) > width:
            out.append(skipped + number)
    if widest is not None:
        widest.append(most)
    return out


def read_csv(path: Path, *, encoding: str | None = None, separator: str | None = None) -> pd.DataFrame:
    """A CSV export as text columns (:func:`_read_csv`), decoded once per run (:func:`_decoded`)."""
    return _decoded(path, ("csv", encoding, separator),
                    lambda: _read_csv(path, encoding=encoding, separator=separator),
                    parts=lambda sink: _read_csv(path, encoding=encoding, separator=separator, sink=sink))


def _too_many_fields(name: str, rows: list[int]) -> SourceError:
    """The readers' error for a CSV export with rows longer than its header (``rows``, as
    :func:`_long_rows` numbers them)."""
    return SourceError(f"Filen {name} har rader med fler fält än rubrikraden (too many fields): "
                       f"rad {', '.join(map(str, rows[:5]))}"
                       f"{f' (och {len(rows) - 5} till)' if len(rows) > 5 else ''}. Kontrollera "
                       "avgränsaren (ange 'separator' i jamtools.yml) eller citattecken runt "
                       "text som innehåller avgränsaren.")


#: Rows of a CSV export that pandas parses at a time in :func:`_read_csv` (its ``chunksize``):
#: each part is written as text before the next is parsed.
_CSV_PART_ROWS = 200_000


def _read_csv(path: Path, *, encoding: str | None = None, separator: str | None = None,
              sink=None) -> pd.DataFrame | None:
    """Read a CSV export as text columns.

    The encoding (UTF-8 with or without BOM, else Windows-1252) and the separator (``;``,
    ``,`` or tab) are detected unless given. Every row must have as many fields as the header
    (or more by empty fields only, which are left out, as the engine's reader leaves them).

    The file is read from disk :data:`_CSV_PART_ROWS` rows at a time, each part written as text
    before the next (as a workbook's sheet is, :func:`_sheet_frame`), never held whole as bytes,
    text and pandas' objects at once (a 10-million-row export: some 6 GB). With ``sink`` (a list,
    or :class:`_ParquetParts`) the parts are appended to it and nothing is returned; ``sink``
    is cleared when a read must begin again. Otherwise the parts together, as one frame. A file
    that is empty, cannot be decoded or holds a NUL character is read whole, as it was, so that
    the message is the same (:func:`_csv_text`)."""
    path = Path(path)
    name = path.name
    _check_separator(separator)
    parts = [] if sink is None else sink
    enc, sample = _csv_stream_facts(path, encoding)
    if enc is None:  # (read whole, to say what is wrong as before)
        text = _csv_text(path, encoding)
        sep = separator or detect_separator(text[:5000])
        gaps = _text_gaps(text, sep)
        _parse_csv(lambda: io.StringIO(text), sep, name, parts, gaps=gaps)
    else:
        sep = separator or detect_separator(sample)
        gaps = _csv_gaps(path, enc, sep) if not _ascii_bytes(enc) or _may_have_blank_lines(path) else None
        _parse_csv(lambda: _text_without_marks(path, enc), sep, name, parts, gaps=gaps)
    if sink is None:
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=gaps is None or not gaps.shifts)
    return None


def _may_have_blank_lines(path: Path) -> bool:
    """Whether the file may hold a blank line (as :func:`_scan_csv` searches: each piece with
    the end of the one before): a quick search, so that an export without one is not looked at
    closer (:func:`_csv_gaps`)."""
    blank_line = re.compile(rb"\n[ \t]*\r?\n")
    tail = b"\n"  # (a blank first line, found as one after a line break)
    head = True
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            if head:  # (after the byte-order marks at the start)
                chunk = chunk.lstrip(b"\xef\xbb\xbf")
                head = not chunk
            window = tail + chunk
            if blank_line.search(window):
                return True
            tail = window[max(0, len(window.rstrip(b" \t\r")) - 1):]
    return len(tail) > 1 and tail.startswith(b"\n")  # (a last line of spaces)


def _text_gaps(text: str, sep: str) -> RowGaps | None:
    """:func:`_csv_gaps` for the whole text of an export."""
    blank = _BlankLines(sep, notes=True)
    blank.drop(text.encode("utf-8", errors="replace"), final=True)
    if blank.unsure:
        return None
    gaps = row_gaps(blank.blank_records(), blank.total)
    return gaps if len(gaps.blank_rows) else None


def _csv_text(path: Path, encoding: str | None) -> str:
    """The whole text of a CSV export without its byte-order marks; raises the readers' errors
    (an empty file, one that cannot be decoded, one with a NUL character)."""
    name = path.name
    raw = path.read_bytes()
    if not raw.strip():
        raise SourceError(f"Filen {name} är tom (empty file). Exportera tabellen på nytt.")
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except (UnicodeError, LookupError) as exc:  # (UTF-16 without its mark: a UnicodeError)
        raise SourceError(f"Filen {name} kan inte läsas med teckenkodningen {enc} (encoding; "
                          f"{exc}). Ange rätt 'encoding' i jamtools.yml, till exempel cp1252.") from None
    if "\x00" in text:
        raise SourceError(f"Filen {name} innehåller binära data och är ingen textfil (not a CSV "
                          "file). Kontrollera att det är rätt fil och att den är sparad som CSV.")
    return text.lstrip("\ufeff")


def _check_separator(separator) -> None:
    """Raises the readers' error for a ``separator`` in ``jamtools.yml`` that is not one
    character (the CSV readers take one)."""
    if separator is not None and not (isinstance(separator, str) and len(separator) == 1):
        raise SourceError(f"'separator' i jamtools.yml ska vara ett enda tecken, till exempel ';' "
                          f"eller ',' (nu {separator!r}).")


def _text_encoding(encoding: str) -> bool:
    """Whether ``encoding`` names a codec from bytes to text (not ``base64``, ``rot13``, ...)."""
    import codecs

    try:
        return bool(codecs.lookup(encoding)._is_text_encoding)
    except LookupError:
        return False


def _csv_stream_facts(path: Path, encoding: str | None) -> tuple[str | None, str]:
    """(the encoding :func:`_csv_text` would decode with, the first 5000 characters of the text
    without byte-order marks), found in one pass over the file a block at a time; or (None, "")
    when :func:`_csv_text` would raise (an empty file, one that cannot be decoded, a NUL
    character), or may (an encoding that cannot be decoded a block at a time)."""
    enc = encoding
    if enc is not None and not _text_encoding(enc):
        return None, ""
    with open(path, "rb") as f:
        head = f.read(4)
        f.seek(0)
        if enc is None:
            enc = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"
        tried = [enc] if encoding or enc == "utf-8-sig" else ["utf-8", "cp1252"]
        for candidate in tried:  # (detect_encoding: UTF-8 when the whole file decodes so)
            decoder = _piece_decoder(candidate)
            f.seek(0)
            text, nonblank = "", False
            try:
                while chunk := f.read(_CHUNK):
                    part = decoder.decode(chunk)
                    if "\x00" in part:
                        return None, ""
                    nonblank = nonblank or bool(chunk.strip())
                    if len(text) < 5000 + 16:
                        text += part[:5016]
                text += decoder.decode(b"", final=True)
            except UnicodeError:
                continue
            except Exception:  # noqa: BLE001  (a codec's own fault: the whole read says what)
                return None, ""
            if not nonblank:
                return None, ""
            return candidate, text.lstrip("\ufeff")[:5000]
    return None, ""


@contextlib.contextmanager
def _text_without_marks(path: Path, enc: str):
    """The export's text as a stream (lines and line ends as they are), without the byte-order
    marks at its start (as :func:`_csv_text` strips them)."""
    with open(path, encoding=enc, newline="\n") as f:
        first = f.read(1)
        while first == "\ufeff":
            first = f.read(1)
        yield _Prefixed(first, f)


class _Prefixed(io.TextIOBase):
    """A text stream: ``prefix``, then the rest of ``stream``."""

    def __init__(self, prefix: str, stream):
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        head, self._prefix = self._prefix, ""
        if size is None or size < 0:
            return head + self._stream.read()
        return head + self._stream.read(max(size - len(head), 0)) if head else self._stream.read(size)

    def readline(self, size: int = -1) -> str:
        head, self._prefix = self._prefix, ""
        if head.endswith("\n"):
            return head
        return head + self._stream.readline()


def _parse_csv(open_text, sep: str, name: str, sink, *, gaps: RowGaps | None = None) -> None:
    """Parse the CSV text that ``open_text()`` gives (a stream, or a context manager of one)
    with pandas, :data:`_CSV_PART_ROWS` rows at a time, each part as text appended to ``sink``;
    raises the readers' errors (``sink`` then cleared). With ``gaps`` (the text's blank lines,
    which pandas skips, :class:`RowGaps`) that fall before a row, each part's index is its rows'
    numbers (:func:`row_numbers`), named :data:`ROW_COLUMN`; else their positions."""
    def stream():
        opened = open_text()
        return opened if isinstance(opened, contextlib.AbstractContextManager) and not isinstance(
            opened, io.IOBase) else contextlib.nullcontext(opened)

    def fill(kept=None, **options):
        with warnings.catch_warnings(), stream() as text:
            warnings.simplefilter("error", pd.errors.ParserWarning)
            if kept is not None:  # (more names than the header has: said, and meant)
                warnings.filterwarnings("ignore", "Length of header or names", pd.errors.ParserWarning)
            for part in pd.read_csv(text, sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                                    skipinitialspace=True, index_col=False, chunksize=_CSV_PART_ROWS,
                                    **options):
                if kept is not None:  # (the header read as a row, with more columns: see below)
                    part = part.iloc[1:] if part.index[:1].tolist() == [0] else part
                    if part.iloc[:, len(kept):].notna().to_numpy().any():
                        raise pd.errors.ParserError("a field beyond the header's holds a value")
                    part = part.iloc[:, :len(kept)].set_axis(kept, axis=1)
                    part.index = part.index - 1
                if gaps is not None and gaps.shifts:
                    part.index = pd.Index(row_numbers(part.index, gaps), name=ROW_COLUMN)
                sink.append(_as_text(part))

    def header_names() -> list:
        with warnings.catch_warnings(), stream() as text:
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return list(pd.read_csv(text, sep=sep, dtype=str, skipinitialspace=True, index_col=False,
                                    nrows=0).columns)

    def fill_beyond_header(widest: int) -> None:
        # every row read with as many columns as the longest has (``widest``, as the CSV
        # reader counts them; where it counts otherwise, pandas' message says how many a row
        # has, one longer row at a time), and taken only when the columns beyond the header's
        # are empty in every row: nothing with a value is dropped, whatever the CSV reader
        # missed (a carriage return ending lines, a field longer than it takes)

        names = header_names()
        width = max(len(names) + 1, widest)
        for _ in range(100):
            try:
                fill(names, header=None, names=range(width))
                return
            except pd.errors.ParserError as exc:
                sink.clear()
                saw = re.search(r"Expected \d+ fields in line \d+, saw (\d+)", str(exc))
                if saw is None or int(saw.group(1)) <= width:
                    raise
                width = int(saw.group(1))
        raise pd.errors.ParserError("too many columns")

    try:
        fill()
    except (pd.errors.ParserWarning, pd.errors.ParserError) as exc:
        sink.clear()
        widest: list[int] = []
        try:
            with stream() as text:
                rows = _long_rows(iter(text.readline, ""), sep, widest=widest)
        except csv.Error:  # (a carriage return alone in a field: pandas' own message below)
            rows = []
        if not rows:
            # rows longer than the header by empty fields only (``1;2;3;`` under three columns,
            # some rows but not all, which pandas refuses): read as the engine reads them, the
            # empty fields left out
            try:
                fill_beyond_header(max(widest, default=0))
                return
            except (pd.errors.ParserWarning, pd.errors.ParserError, ValueError):
                sink.clear()
            first = str(exc).strip().splitlines()[0]
            raise SourceError(f"Filen {name} kan inte tolkas som CSV med avgränsaren {sep!r} "
                              f"(parse error: {first}). Kontrollera citattecken och antalet fält "
                              "per rad, eller ange 'separator' i jamtools.yml.") from None
        raise _too_many_fields(name, rows) from None
    except (pd.errors.EmptyDataError, ValueError) as exc:
        sink.clear()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(f"Filen {name} kan inte tolkas som CSV med avgränsaren {sep!r} (parse "
                          f"error: {first}). Kontrollera citattecken och antalet fält per rad, "
                          "eller ange 'separator' i jamtools.yml.") from None


#: Environment variable naming a folder where a run keeps the exports it has decoded in Python
#: (workbooks, and CSV files the engine's reader cannot take), as text in Parquet, so that the
#: run's check, every chapter and the leak scan need not decode an export again: decoding is
#: most of the time of such an export (a 400 000-row sheet of 21 columns: 14 s, against under a
#: second to read the decoded copy back). Every CSV export the engine's reader can take is kept
#: there whole as Parquet (:func:`_parquet_copy`), every column of it; one in another encoding
#: than UTF-8 that the engine does not read itself (Windows-1252 with a byte of 0x80-0x9F), or
#: with blank lines, first written again in UTF-8 without them (:func:`_engine_copy`). The runner makes
#: the folder for one run (:func:`run_folder`) and removes it when the run ends. A folder is used only when it
#: is such a run's folder: it holds :data:`DECODED_MARK` and, where the system has owners and
#: permissions, belongs to this user and is closed to everyone else; otherwise (a notebook run by
#: hand, a folder set by hand), nothing is kept.
DECODED_ENV = "JAMTOOLS_DECODED_SOURCES"
#: The file that marks a run's folder of decoded exports; it holds the run's process id.
DECODED_MARK = ".jamtools-decoded"
#: The prefix of such folders in the system's temporary folder.
DECODED_PREFIX = "jamtools-decoded-"
#: Part of the key of a decoded copy: a change to how values become text makes new copies.
_DECODED_VERSION = "1"


def run_folder() -> Path:
    """A new folder for one run's decoded exports: in the system's temporary folder, readable
    by this user only, marked with the run's process id. Folders of earlier runs whose process
    is gone (a run that was killed) are removed first: they hold an export's values."""
    import shutil
    import tempfile

    for old in Path(tempfile.gettempdir()).glob(DECODED_PREFIX + "*"):
        try:
            pid = int((old / DECODED_MARK).read_text().strip())
        except (OSError, ValueError):
            continue
        if _private(old) and not _alive(pid):
            shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix=DECODED_PREFIX))
    (folder / DECODED_MARK).write_text(str(os.getpid()))
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process, or no way to ask: treat as alive
        return True
    return True


def _private(folder: Path) -> bool:
    """A run's folder: marked, and (where the system has owners) this user's, closed to others."""
    try:
        st = folder.stat()
        if not (folder / DECODED_MARK).is_file():
            return False
    except OSError:
        return False
    if hasattr(os, "getuid"):
        return st.st_uid == os.getuid() and st.st_mode & 0o077 == 0
    return True


def source_path(spec: dict, base: Path | str | None = None) -> Path:
    """The file a ``file:`` source names (its entry in ``jamtools.yml``): as given when absolute,
    else relative to ``base`` (default the spec's ``_base``, the folder paths start from)."""
    path = Path(str(spec["file"]))
    if path.is_absolute():
        return path
    return Path(base if base is not None else spec.get("_base") or ".") / path


def file_state(path: Path) -> tuple:
    """What tells one version of a file from another: its device, inode, size, and modification
    and change times (the change time cannot be reset by copying with the times kept). Part of
    every key of what a run keeps about a file (decoded exports, the ids other tables refer to).
    Raises OSError when the file cannot be read."""
    st = Path(path).stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


@contextlib.contextmanager
def _one_at_a_time(lock: Path):
    """An exclusive lock on the file ``lock`` for the ``with`` block (POSIX ``flock``, released
    by the system also when the process is killed); where the system has none, no lock."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): no lock
        fcntl = None
    handle = None
    if fcntl is not None:
        try:
            handle = open(lock, "a")
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError:  # a folder whose file system has no locks (some network mounts): no lock
            if handle is not None:
                handle.close()
            handle = None
    try:
        yield
    finally:
        if handle is not None:
            handle.close()  # closing releases the lock


def _run_copy(path: Path, how: tuple, suffix: str) -> tuple[Path, tuple] | None:
    """Where a run keeps a copy of the file ``path`` made ``how``, and the file's state now
    (:func:`file_state`): in the run's folder (:data:`DECODED_ENV`), named by a hash of the
    file's resolved path, its state, ``how`` and :data:`_DECODED_VERSION`, so that a file
    changed in any way gets a new copy. None outside a run or when the file cannot be read."""
    import hashlib

    folder = os.environ.get(DECODED_ENV)
    if not folder or not _private(Path(folder)):
        return None
    try:
        before = file_state(path)
    except OSError:
        return None
    key = repr((str(Path(path).resolve()), before, how, _DECODED_VERSION))
    return Path(folder) / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}", before


def _decoded(path: Path, how: tuple, decode, *, parts=None) -> pd.DataFrame:
    """``decode()``, kept for the run: in a run's folder (:data:`DECODED_ENV`) the decoded
    frame is kept, keyed on the file (its resolved path, device, inode, size, modification and
    change times), ``how`` it is read (sheet, encoding, separator) and the decoding's version,
    and read back by every later reader of the same file. A file that changes while it is
    decoded is not kept. Outside a run, ``decode()`` itself.

    One reader at a time decodes a file: chapters run side by side that want the same export
    first wait for the one decoding it (a lock per key in the run's folder) and read its copy.

    ``parts(sink)``, when given, decodes the file a part at a time into ``sink`` (as
    :func:`_read_csv` does): in a run each part is written to the copy as it comes."""
    place = _run_copy(path, (*how, pd.__version__), ".parquet")
    if place is None:  # outside a run, or no such file (the reader says so)
        return decode()
    copy, before = place
    kept = _read_copy(copy)
    if kept is not None:
        return kept
    with _one_at_a_time(copy.with_suffix(".lock")):
        kept = _read_copy(copy)  # decoded by another reader while this one waited
        if kept is not None:
            return kept
        frame = _decode_and_keep(path, before, copy, decode, parts=parts)
    return frame if frame is not None else decode()


def _decoded_copy(path: Path, how: tuple, decode, *, parts=None) -> tuple[Path | None, pd.DataFrame | None]:
    """:func:`_decoded` for the engine: (the run's copy of the decoded frame, None), made now
    when it is not yet (a damaged one made again); or (None, the frame) when no copy is kept
    (outside a run, a file that changed while it was decoded, a frame without columns or one
    Parquet cannot hold). A copy is not read back into pandas here: the engine reads from it
    only the columns it needs (a sheet of 822 950 rows and 21 columns held as a frame of text
    is some 1 GB in every process that reads it)."""
    place = _run_copy(path, (*how, pd.__version__), ".parquet")
    if place is None:  # outside a run, or no such file (the reader says so)
        return None, decode()
    copy, before = place
    if _copy_readable(copy):
        return copy, None
    with _one_at_a_time(copy.with_suffix(".lock")):
        if _copy_readable(copy):  # decoded by another reader while this one waited
            return copy, None
        frame = _decode_and_keep(path, before, copy, decode, parts=parts, back=False)
    if _copy_readable(copy):
        return copy, None
    return None, frame if frame is not None else decode()


def _copy_readable(copy: Path) -> bool:
    """Whether ``copy`` is a Parquet file whose schema can be read (a damaged one is not)."""
    import pyarrow.parquet as pq

    try:
        return copy.is_file() and pq.read_schema(copy) is not None
    except Exception:  # noqa: BLE001
        return False


def _decoded_source(name: str, path: Path, how: tuple, decode, reread, *, parts=None) -> "Source":
    """The source of an export decoded in Python (``decode()``, keyed ``how`` as
    :func:`_decoded` keys it): in a run, the engine reads the run's copy
    (:func:`_decoded_copy`); otherwise, or when the copy's columns are not the engine's to read
    (one named as its row number, or repeated), the frame as an Arrow table. ``reread()`` gives
    the frame again (the source's :meth:`Source.fallback`)."""
    copy, frame = _decoded_copy(path, how, decode, parts=parts)
    if copy is not None:
        import pyarrow.parquet as pq

        names = pq.read_schema(copy).names
        numbered = ROW_COLUMN in names  # (the rows' numbers, :func:`_parse_csv`)
        names = [n for n in names if n != ROW_COLUMN]
        if ROW_NUMBER not in {n.lower() for n in names} and len(set(names)) == len(names):
            src = Source(name, names, kind="parquet", path=copy, fallback=reread,
                         row_column=ROW_COLUMN if numbered else None)
            src.decoded = True
            return src
        frame = reread()
    return Source(name, [str(c) for c in frame.columns], kind="arrow", path=path, frame=frame)


def _engine_copy(path: Path, encoding: str, sep: str) -> Path | None:
    """In a run's folder (:data:`DECODED_ENV`): the CSV export ``path`` written again for the
    engine's reader, made once per run and file (keyed as :func:`_decoded` keys its copies):
    in UTF-8 from ``encoding`` (an export in Windows-1252 with a byte of 0x80-0x9F, which the
    engine's Latin-1 does not read as Windows-1252 does, is then read as one in UTF-8 instead of
    being parsed in Python; every character of a one-byte encoding is one character of the
    copy, so its lines and fields are the export's), with the byte-order marks at its start
    taken off and without the blank lines (:class:`_BlankLines`) that :func:`read_csv`
    skips (pandas' reader) and the engine's reader does not always skip. The rows, and so their
    numbers, are those :func:`read_csv` reads. ``sep`` is the separator :func:`read_csv` uses.

    None outside a run, when the export cannot be decoded with ``encoding`` (the readers then
    say why), when it changed while it was written, or when it has a blank line and its quotes
    do not say for sure which lines are inside a quoted field (:func:`read_csv` reads it)."""
    place = _run_copy(path, ("engine copy", encoding, sep), ".csv")
    if not _text_encoding(encoding):
        return None
    decoder = _piece_decoder(encoding)
    if place is None or place[0].with_suffix(".doubt").exists():  # (found so earlier in the run)
        return None

    def write(part: Path) -> None:
        blank = _BlankLines(sep)
        with open(path, "rb") as src, open(part, "wb") as dst:
            head, written = True, False
            while True:
                chunk = src.read(_CHUNK)
                text = decoder.decode(chunk, final=not chunk)
                if head:  # (pandas' reader takes them off: :func:`_read_csv`)
                    text = text.lstrip("\ufeff")
                    head = not text and bool(chunk)
                out = blank.drop(text.encode("utf-8"), final=not chunk)
                if out and not written:
                    written = True
                    # a mark after blank lines at the start: pandas reads it as part of the
                    # first name, the engine's reader would take it off
                    blank.unsure = blank.unsure or out.startswith(b"\xef\xbb\xbf")
                dst.write(out)
                if not chunk or blank.unsure:
                    break
        if blank.unsure:
            place[0].with_suffix(".doubt").touch()
            raise ValueError("the copy would not be read as the export is")
        # where the blank lines were (before the copy is in place: its reader finds them)
        gaps = row_gaps(blank.blank_records(), blank.total)
        _save_gaps(_gaps_place(place[0]), gaps)

    return _made_once(place, path, write)


def _gaps_place(copy: Path) -> Path:
    """Where the :class:`RowGaps` of the export a copy was made from are kept beside it."""
    return copy.with_suffix(".gaps.npz")


def _save_gaps(at: Path, gaps: RowGaps) -> None:
    """Keep ``gaps`` at ``at`` (written whole, then renamed)."""
    import numpy as np

    part = at.with_name(f"{at.stem}.{os.getpid()}.part.npz")
    np.savez(part, lead=np.int64(gaps.lead), before=gaps.before, blank_rows=gaps.blank_rows)
    os.replace(part, at)


def _load_gaps(at: Path) -> RowGaps | None:
    """The :class:`RowGaps` kept at ``at``; None when there are none (or they cannot be read)."""
    import numpy as np

    try:
        with np.load(at) as kept:
            return RowGaps(int(kept["lead"]), kept["before"], kept["blank_rows"])
    except (OSError, ValueError, KeyError):
        return None


class _BlankLines:
    """The blank lines of a CSV text in UTF-8, given a piece at a time (:meth:`drop`), taken
    out as :func:`read_csv` skips them: a line of nothing but spaces and tabs (spaces only
    when the separator is a tab: pandas reads a line with a tab as a row of empty fields), a
    carriage return before its line break allowed, that is not inside a quoted field.

    Whether a line begins inside a quoted field follows from the number of quotes before it
    (odd: inside) when every quote is where a quoted field has them: one opens a field at the
    start of a line or after a separator; within the field quotes come in pairs (a quote
    written twice), and the single quote that closes it stands before a separator, a line's
    end or the file's end. A quote anywhere else (pandas reads it as text, or as a quote after
    spaces) makes the count say nothing: then a blank line, or one inside a quoted field
    (which the engine's reader is not trusted with either), sets :attr:`unsure`, and the copy
    is not used; so does a carriage return outside quotes that is not before a line break
    (pandas ends a line there), and under a tab separator a line of tabs. Vectorised over each
    piece (numpy: a review measured 34 s for 94 MB with every other line blank when each
    blank line took a step in Python); a piece is processed up to its last line break and the
    rest kept for the next, so that no line and no run of quotes is split."""

    def __init__(self, sep: str, *, notes: bool = False):
        self.sep = ord(sep)
        #: Whether a blank line inside a quoted field (a note's) is taken as the note's line and
        #: left in (to count the lines only, :func:`_csv_gaps`), rather than making the copy
        #: :attr:`unsure` (the engine's reader is not trusted with it).
        self.notes = notes
        self.inside = False  # within a quoted field at the start of what is left
        self.irregular = False  # a quote seen where a quoted field does not have it
        self.unsure = False
        self._rest = b""
        #: The records (lines, a quoted field's line breaks aside) begun before what is left:
        #: the number of line breaks outside quoted fields so far.
        self.records = 0
        #: After the last piece: the text's records, blank lines included.
        self.total = 0
        #: The record numbers (0 = the text's first line) of the blank lines taken out so far,
        #: as arrays (:meth:`blank_records` joins them).
        self._blank: list = []

    def blank_records(self):
        """The record numbers of the blank lines taken out (0 = the first line; a line of the
        text is a record, a quoted field's line breaks aside), ascending: a spreadsheet shows
        record ``r`` as its row ``r + 1``."""
        import numpy as np

        return np.concatenate(self._blank) if self._blank else np.zeros(0, dtype=np.int64)

    def drop(self, data: bytes, *, final: bool = False) -> bytes:
        """``data`` (the next piece of the text) without its blank lines, as far as they are
        known: up to its last line break, or all of it with ``final``."""
        data = self._rest + data
        end = len(data) if final else data.rfind(b"\n") + 1
        self._rest = data[end:]
        if self.unsure:
            return b""
        out = self._lines(data[:end])
        if final:  # (a last line without a line break is a record too)
            self.total = self.records + (bool(data) and not data.endswith(b"\n"))
        return out

    def _lines(self, data: bytes) -> bytes:
        import numpy as np

        if not data:
            return data
        a = np.frombuffer(data, dtype=np.uint8)
        quotes = np.flatnonzero(a == 34)
        if quotes.size:
            new_run = np.empty(quotes.size, dtype=bool)
            new_run[0] = True
            np.not_equal(np.diff(quotes), 1, out=new_run[1:])
            first = np.flatnonzero(new_run)
            starts = quotes[first]
            lengths = np.diff(np.append(first, quotes.size))
            ends = starts + lengths
            before_in = (np.concatenate(([0], np.cumsum(lengths)[:-1])) + self.inside) % 2 == 1
            # the byte before each run (a line's start at the piece's start) and after it (the
            # file's end: a line break)
            prev = np.where(starts > 0, a[np.maximum(starts - 1, 0)], 10)
            after = np.where(ends < a.size, a[np.minimum(ends, a.size - 1)], 10)
            ends_field = (after == self.sep) | (after == 10) | (after == 13)
            odd = lengths % 2 == 1
            opens_ok = (prev == self.sep) | (prev == 10)
            ok = np.where(before_in, ~odd | ends_field, opens_ok & (odd | ends_field))
            if not ok.all():
                self.irregular = True

        def inside(at):  # whether each position in ``at`` is within a quoted field
            return (self.inside + np.searchsorted(quotes, at)) % 2 == 1

        # a carriage return not before a line break ends a line for pandas, not here
        if b"\r" in data and _BARE_CR.search(data):
            cr = np.flatnonzero(a == 13)
            bare = cr[(cr + 1 >= a.size) | (a[np.minimum(cr + 1, a.size - 1)] != 10)]
            if bare.size and (self.irregular or not inside(bare).all()):
                self.unsure = True
                return b""
        if not _blank_line_in(data):  # (most pieces)
            self._count_records(data, a, quotes, inside)
            self.inside = (self.inside + quotes.size) % 2 == 1
            return data
        # each line with its line break, and whether it holds anything but spaces (and tabs,
        # but under a tab separator) and a carriage return: one byte per byte and one per line
        starts = np.concatenate(([0], np.flatnonzero(a == 10) + 1))
        starts = starts[starts < a.size]  # (nothing after the last line break is a line)
        space = (a == 32) | (a == 13) | (a == 10)
        if self.sep == 9:
            tab_line = ~np.logical_or.reduceat(~(space | (a == 9)), starts)
        else:
            space |= a == 9
        blank = ~np.logical_or.reduceat(~space, starts)
        del space
        if self.sep == 9 and (tab_line & ~blank & ~inside(starts)).any():
            self.unsure = True  # a line of tabs: pandas reads a row of empty fields (not here)
            return b""
        if not blank.any():
            self._count_records(data, a, quotes, inside)
            self.inside = (self.inside + quotes.size) % 2 == 1
            return data
        if not self.irregular and self.notes:
            blank &= ~inside(starts)  # (a note's blank line is the note's)
        if self.irregular or inside(starts[blank]).any():
            self.unsure = True  # (the piece is no longer needed: the copy is not used)
            return b""
        # each line's record number: the records before the piece and the line breaks outside
        # quoted fields before the line (a line that begins inside one is no record's start)
        breaks = starts[1:] - 1 if len(starts) > 1 else starts[:0]
        outside = np.concatenate(([0], np.cumsum(~inside(breaks)))) if breaks.size else np.zeros(1, dtype=np.int64)
        self._blank.append((self.records + outside[np.flatnonzero(blank)]).astype(np.int64))
        self._count_records(data, a, quotes, inside)
        self.inside = (self.inside + quotes.size) % 2 == 1
        stops = np.append(starts[1:], a.size)  # (each line's end, with its line break)
        out, last = [], 0
        for start, stop in _spans(starts[blank], stops[blank]):
            out.append(data[last:start])
            last = stop
        out.append(data[last:])
        return b"".join(out)


    def _count_records(self, data: bytes, a, quotes, inside) -> None:
        """Count the piece's line breaks outside quoted fields (``inside`` says which positions
        are within one) into :attr:`records`: without a quote, every line break (bytes.count);
        else a pass of numpy over the piece's line breaks."""
        import numpy as np

        if not quotes.size and not self.inside:
            self.records += data.count(b"\n")
        else:
            breaks = np.flatnonzero(a == 10)
            self.records += int(np.count_nonzero(~inside(breaks)))


#: What :class:`_BlankLines` looks for in a piece before it looks closer: a carriage return
#: not before a line break, a blank first line, a line break before a blank line (found at
#: line breaks, not tried at every byte).
_BARE_CR = re.compile(rb"\r(?!\n)")
_BLANK_FIRST = re.compile(rb"[ \t]*\r?(?:\n|\Z)")
_BLANK_AFTER = re.compile(rb"\n[ \t]*\r?(?:\n|\Z)")


def _blank_line_in(data: bytes) -> bool:
    """Whether the piece ``data`` may hold a blank line (:data:`_BLANK_FIRST`,
    :data:`_BLANK_AFTER`). The line break that ends a piece is not a blank line after it: a
    piece is processed up to its last line break (:meth:`_BlankLines.drop`), so every piece
    but a last one without a line break ends so, and looking closer at each (a pass of numpy
    over the piece's lines, to find none) took 3.5 of the 10 s that the copy of a 10-million-row
    export in Windows-1252 took."""
    if not data:
        return False
    if _BLANK_FIRST.match(data):
        return True
    found = _BLANK_AFTER.search(data)
    # (a match of one byte is the last line break and the piece's end: the first match is then
    # the only one)
    return found is not None and found.end() - found.start() > 1


class RowGaps(NamedTuple):
    """Where a CSV export's blank lines (those :func:`read_csv` skips) fall among its rows, so
    that each row keeps its number in the file (:func:`row_numbers`): the row a spreadsheet
    shows it on, the header's being 1 when no blank line comes before it."""

    #: The blank lines before the header.
    lead: int
    #: For each blank line after the header and before a row (not the last lines of the file),
    #: the number of rows before it, ascending.
    before: object
    #: The spreadsheet row of every blank line skipped (the last ones too), ascending.
    blank_rows: object

    @property
    def shifts(self) -> bool:
        """Whether a row's number differs from its position + 2 (a blank line before a row)."""
        return bool(self.lead or len(self.before))


def row_gaps(blank_records, total: int) -> RowGaps:
    """:class:`RowGaps` from the record numbers (0 = the file's first line) of the blank lines
    skipped and the file's number of records (lines, a quoted field's line breaks aside)."""
    import numpy as np

    blank = np.asarray(blank_records, dtype=np.int64)
    lead = int(np.count_nonzero(blank == np.arange(len(blank))))  # (the first lines, each blank)
    rest = blank[lead:]
    before = rest - lead - 1 - np.arange(len(rest))  # the rows before each: records less blanks
    # the blank lines at the end are before no row
    trailing = int(np.count_nonzero(rest - np.arange(len(rest)) == total - len(rest))) if len(rest) else 0
    return RowGaps(lead, before[:len(before) - trailing], blank + 1)


def row_numbers(positions, gaps: RowGaps | None):
    """The rows at ``positions`` (0 = the first row after the header, blank lines skipped), as
    numbers ``n`` that make ``n + 2`` their row in a spreadsheet (:class:`RowGaps`): the
    positions themselves when no blank line comes before a row."""
    import numpy as np

    positions = np.asarray(positions, dtype=np.int64)
    if gaps is None or not gaps.shifts:
        return positions
    return positions + gaps.lead + np.searchsorted(gaps.before, positions, side="right")


def blank_lines(spec: dict) -> RowGaps | None:
    """The blank lines the readers skip in a CSV source (:class:`RowGaps`: their spreadsheet
    rows in ``blank_rows``), for the check to say; None for a source that is not a CSV file,
    one without a blank line, or one whose quotes leave it unsure which lines are blank (as
    :func:`_csv_gaps`). A quick search of the bytes first: an export without a blank line is
    read once more, not decoded."""
    if "file" not in spec:
        return None
    path = source_path(spec)
    if not path.is_file() or path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".parquet"):
        return None
    try:
        if not _may_have_blank_lines(path):
            return None
        encoding = spec.get("encoding")
        with open(path, "rb") as f:
            head = f.read(20000)
        if encoding is None:  # (only the separator is found from it: ASCII in either)
            encoding = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "cp1252"
        sep = spec.get("separator") or detect_separator(head.decode(encoding, errors="replace").lstrip("\ufeff"))
        return _csv_gaps(path, encoding, sep)
    except (OSError, LookupError, UnicodeError):
        return None


def _ascii_bytes(encoding: str) -> bool:
    """Whether in ``encoding`` every ASCII character is its own byte, and such a byte is always
    that character (UTF-8, Windows-1252, Latin-1, ASCII): line breaks, quotes, separators and
    spaces can then be found in the file's bytes as they are."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name in ("utf-8", "utf-8-sig", "ascii") or name in _LATIN1_LIKE


def _csv_gaps(path: Path, encoding: str, sep: str) -> RowGaps | None:
    """The :class:`RowGaps` of the CSV export ``path`` (in ``encoding``, separated by ``sep``),
    found in one pass over it a piece at a time (:class:`_BlankLines`, numpy over each piece:
    nothing per row in Python); None when it has no blank line, or when its quotes
    do not say which lines are inside a quoted field (a quote within a field, a carriage return
    alone: then the rows are numbered by their position, as a spreadsheet would only by luck)."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    raw = _ascii_bytes(encoding)
    decoder = None if raw else codecs.getincrementaldecoder(encoding)()
    blank = _BlankLines(sep, notes=True)
    head = True
    try:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(_CHUNK)
                data = chunk if raw else decoder.decode(chunk, final=not chunk).encode("utf-8")
                if head:  # (the byte-order marks at the start, which :func:`_csv_text` takes off)
                    data = data.lstrip(b"\xef\xbb\xbf") if name.startswith("utf-8") or not raw else data
                    head = not data and bool(chunk)
                blank.drop(data, final=not chunk)
                if blank.unsure:
                    return None
                if not chunk:
                    break
    except (OSError, UnicodeError):
        return None
    gaps = row_gaps(blank.blank_records(), blank.total)
    return gaps if len(gaps.blank_rows) else None


class _OneByteDecoder:
    """``decoder.decode(piece, final=...)`` as :func:`codecs.getincrementaldecoder` gives it,
    for Windows-1252 (and Latin-1), where a piece without a byte of 0x80-0x9F (the only bytes
    in which the two differ, and Windows-1252's undefined ones among them) is decoded as
    Latin-1: some 15 times faster (a copy of the bytes) than the codec's table, which decodes
    the other pieces. A one-byte encoding keeps no state between pieces."""

    def __init__(self, encoding: str):
        import codecs

        self._latin1 = codecs.lookup(encoding).name == "iso8859-1"
        self._codec = None if self._latin1 else codecs.getincrementaldecoder(encoding)()

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._latin1 or not _has_c1(data):
            return data.decode("latin-1")
        return self._codec.decode(data, final)


def _piece_decoder(encoding: str):
    """An incremental decoder for ``encoding`` (:class:`_OneByteDecoder` for Windows-1252 and
    Latin-1). Raises :class:`LookupError` for an unknown encoding, as the codecs do."""
    import codecs

    if codecs.lookup(encoding).name in _LATIN1_LIKE:
        return _OneByteDecoder(encoding)
    return codecs.getincrementaldecoder(encoding)()


def _spans(starts, stops):
    """Adjacent spans (``starts[i]``, ``stops[i]``) joined: the blank lines to take out, as
    runs of lines (a run of many blank lines is one span, not a step per line)."""
    import numpy as np

    if not len(starts):
        return []
    joined = np.flatnonzero(starts[1:] != stops[:-1])
    firsts = np.concatenate(([0], joined + 1))
    lasts = np.concatenate((joined, [len(starts) - 1]))
    return zip(starts[firsts].tolist(), stops[lasts].tolist())


def _csv_sql(path: Path, sep: str, columns: list[str], *, short_rows: bool = True,
             encoding: str = "utf-8") -> str:
    """The engine's reading of a CSV export (in ``encoding``: UTF-8, or Latin-1, which the
    engine decodes without an extension but refuses with a byte of 0x80-0x9F; header
    ``columns``, separated by ``sep``),
    every field as text, in the file's order. A row with fewer fields than the header has the
    rest missing, as in pandas; ``short_rows=False`` refuses such a file instead, and then
    takes a quoted field with line breaks in it (a note written over several lines), which the
    engine's parallel reader refuses with short rows allowed. (Its reader of one thread takes
    both, but skips a row with an unterminated quote without a word: not used.)"""
    from jamtools.data.engine import literal

    struct = "{" + ", ".join(f"{literal(c)}: 'VARCHAR'" for c in columns) + "}"
    return (f"read_csv({literal(str(path))}, delim={literal(sep)}, header=true, quote='\"', escape='\"', "
            + ("" if encoding == "utf-8" else f"encoding={literal(encoding)}, ") +
            f"auto_detect=false, columns={struct}, strict_mode=true, "
            f"null_padding={'true' if short_rows else 'false'}, all_varchar=true)")


def _parquet_place(path: Path, spec: dict) -> tuple[Path, tuple] | None:
    """Where a run keeps the CSV export ``path`` as Parquet (:func:`_parquet_copy`): keyed on
    the file and on what ``spec`` (its entry in ``jamtools.yml``) says of its encoding and
    separator, which with the file's content decide how it is read."""
    return _run_copy(path, ("csv as parquet", spec.get("encoding"), spec.get("separator")), ".parquet")


def _parquet_copy(place: tuple[Path, tuple], path: Path, read: Path, sep: str,
                  columns: list[str], *, encoding: str = "utf-8", gaps: RowGaps | None = None) -> Path | None:
    """In a run's folder, at ``place`` (:func:`_parquet_place`): the CSV export ``path``, as
    the engine reads it from ``read`` (the export, in ``encoding``, or its copy in UTF-8), kept as Parquet with
    text columns in the file's order, made once per run and export. The engine's CSV reader
    numbers the rows with a window over the whole file at every read; the copy has their
    numbers (the row's position in the file) for free, and each later read takes only the
    columns it needs and scans nothing (a 500 000-row export's load 1.3 s from the CSV, 0.24 s
    from the copy). None when the engine cannot read the export (its readers say why) or it
    changed while it was read.

    ``gaps``: the export's blank lines that ``read`` (a copy without them) lacks. When they come
    before rows at more than :data:`_FEW_GAPS` places, the rows' numbers in the export
    (:func:`row_numbers`) are kept as the column :data:`ROW_COLUMN`: each row's position, by a
    window over the file, joined (as of) to the number of blank lines before it, in the file's
    order. Otherwise the engine shifts each row's position as it reads the copy (the gaps are
    kept beside it, :func:`_gaps_place`)."""
    import duckdb

    from jamtools.data.engine import ident, literal, shared, unique_name

    def refuses(exc: Exception) -> bool:  # (not a passing cause: memory, disk, an interrupt;
        return (isinstance(exc, (duckdb.InvalidInputException, duckdb.ConversionException,  # its
                                 duckdb.NotImplementedException))  # parallel reader's limits)
                or str(exc).startswith("CSV Error"))

    def rows(scan: str) -> str:  # the rows of ``scan``, with their numbers when they need them
        if steps is None:
            return f"SELECT * FROM {scan}"
        return (f"SELECT r.* EXCLUDE (__pos), r.__pos + coalesce(g.shift, {int(gaps.lead)}) AS "
                f"{ident(ROW_COLUMN)} FROM (SELECT *, (row_number() OVER () - 1)::BIGINT AS __pos FROM {scan}) r "
                f"ASOF LEFT JOIN {steps} g ON r.__pos >= g.pos ORDER BY r.__pos")

    steps = None
    if gaps is not None and len(gaps.before) > _FEW_GAPS:  # from the first row after each blank line: the shift
        import numpy as np
        import pyarrow as pa

        pos = np.unique(np.asarray(gaps.before, dtype=np.int64))
        shift = gaps.lead + np.searchsorted(gaps.before, pos, side="right")
        steps = unique_name("gaps")
        shared().register(steps, pa.table({"pos": pa.array(pos), "shift": pa.array(shift.astype(np.int64))}))

    def write(part: Path) -> None:
        try:
            try:
                shared().execute(f"COPY ({rows(_csv_sql(read, sep, columns, encoding=encoding))}) TO "
                                 f"{literal(str(part))} (FORMAT parquet)")
            except duckdb.Error as exc:
                if not refuses(exc):
                    raise
                # a quoted field over several lines (a note with line breaks): read without
                # short rows, as pandas reads it; a short row or any other fault refuses it again
                shared().execute(f"COPY ({rows(_csv_sql(read, sep, columns, short_rows=False, encoding=encoding))}) "
                                 f"TO {literal(str(part))} (FORMAT parquet)")
        except duckdb.Error as exc:
            # the engine's CSV reader refused the file: remembered for the run, the readers in
            # Python read it from now on
            if refuses(exc):
                _refused(place).touch()
            raise

    if gaps is not None and gaps.shifts and steps is None and not place[0].is_file():
        _save_gaps(_gaps_place(place[0]), gaps)  # (before the copy is in place: its reader finds them)
    try:
        return _made_once(place, path, write)
    finally:
        if steps is not None:
            shared().unregister(steps)


def _shift_sql(position: str, gaps: RowGaps | None) -> str:
    """SQL for the rows' numbers (:func:`row_numbers`) from their positions ``position``: the
    blank lines before the header, and one comparison per place where blank lines come before
    a row (:data:`_FEW_GAPS` at most)."""
    import numpy as np

    if gaps is None or not gaps.shifts:
        return position
    at, count = np.unique(np.asarray(gaps.before, dtype=np.int64), return_counts=True)
    terms = [str(int(gaps.lead))] if gaps.lead else []
    terms += [f"(CASE WHEN {position} >= {int(a)} THEN {int(c)} ELSE 0 END)" for a, c in zip(at, count)]
    return f"({position} + {' + '.join(terms)})"


def _refused(place: tuple[Path, tuple]) -> Path:
    """The mark, beside a Parquet copy's place, that the engine's reader refused the export."""
    return place[0].with_suffix(".refused")


def _made_once(place: tuple[Path, tuple], path: Path, write) -> Path | None:
    """The copy of ``path`` at ``place`` (:func:`_run_copy`), written by ``write(part)`` unless
    a reader has written it already: one reader at a time (a lock per copy, so that chapters
    side by side wait for the one writing it), whole and then renamed (no reader sees half a
    copy), and kept only when ``path`` did not change meanwhile. None when it cannot be
    written (a file that cannot be decoded, or that the engine refuses: the readers say why)."""
    import duckdb

    copy, before = place
    if copy.is_file():
        return copy
    with _one_at_a_time(copy.with_suffix(".lock")):
        if copy.is_file():  # written by another reader while this one waited
            return copy
        part = copy.with_name(f"{copy.stem}.{os.getpid()}.part{copy.suffix}")
        try:
            write(part)
            if file_state(path) != before:
                raise OSError("the file changed while it was read")
            os.replace(part, copy)
        except duckdb.InterruptException:
            part.unlink(missing_ok=True)
            raise
        except (OSError, ValueError, duckdb.Error):  # (a UnicodeDecodeError is a ValueError)
            part.unlink(missing_ok=True)
            return None
    return copy


def _read_copy(copy: Path) -> pd.DataFrame | None:
    """The decoded copy, or None when there is none or it cannot be read (decoded again)."""
    if not copy.is_file():
        return None
    try:
        return pd.read_parquet(copy)
    except Exception:  # noqa: BLE001  (an unreadable copy: decode the file again)
        return None


def _decode_and_keep(path: Path, before: tuple, copy: Path, decode, *, parts=None,
                     back: bool = True) -> pd.DataFrame | None:
    """``decode()``, kept as ``copy`` when the file did not change while it was decoded. With
    ``parts`` (see :func:`_decoded`), the parts are written to the copy as they come: the frame
    is then not held whole; it is returned when ``back`` (read back from the copy) or when no
    copy is kept. None: kept, and not ``back``."""
    part = copy.with_name(f"{copy.stem}.{os.getpid()}.part")  # whole, then renamed: a chapter
    if parts is not None:                                      # beside never reads half a file
        sink = _ParquetParts(part)
        try:
            parts(sink)
            sink.close()
        except _CopyFailed:  # (a full disk: the export is read without a copy kept)
            part.unlink(missing_ok=True)
            return decode()
        except BaseException:
            with contextlib.suppress(_CopyFailed):
                sink.close()
            part.unlink(missing_ok=True)
            raise
        try:
            unchanged = file_state(path) == before
        except OSError:
            unchanged = False
        try:
            if not unchanged or sink.width == 0:  # not kept: read back (nothing that could differ)
                return pd.read_parquet(part) if sink.width else decode()
            os.replace(part, copy)
        except Exception:  # noqa: BLE001  (no copy kept: the next reader decodes again)
            return decode()
        finally:
            part.unlink(missing_ok=True)
        return _read_copy(copy) if back else None
    frame = decode()
    try:
        unchanged = file_state(path) == before
    except OSError:
        unchanged = False
    if not unchanged or frame.shape[1] == 0:  # nothing kept that could differ when read back
        return frame
    try:
        frame.to_parquet(part, index=frame.index.name == ROW_COLUMN)
        os.replace(part, copy)
    except BaseException as exc:  # (no copy kept: the next reader decodes again)
        part.unlink(missing_ok=True)
        if not isinstance(exc, Exception):  # (an interrupt)
            raise
    return frame


class _ParquetParts:
    """A sink of text frames (:func:`_read_csv`) that writes each to one Parquet file as it
    comes, as ``frame.to_parquet(path, index=False)`` would write them together (the first
    part's schema, with pandas' description of its columns, for every part)."""

    def __init__(self, path: Path):
        self.path, self.width = path, 0
        self._writer = self._schema = None

    def append(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:  # (rows numbered otherwise than by position: their numbers too, :data:`ROW_COLUMN`)
            table = pa.Table.from_pandas(frame, schema=self._schema,
                                         preserve_index=frame.index.name == ROW_COLUMN)
            if self._writer is None:
                self._schema, self.width = table.schema, frame.shape[1]
                self._writer = pq.ParquetWriter(self.path, table.schema)
            self._writer.write_table(table)
        except Exception as exc:  # (not the reader's: a ValueError would read as a parse error)
            raise _CopyFailed(str(exc)) from exc

    def clear(self) -> None:
        """Forget what was written (the read begins again)."""
        self.close()
        self.path.unlink(missing_ok=True)
        self._writer = self._schema = None
        self.width = 0

    def close(self) -> None:
        try:
            if self._writer is not None:
                self._writer.close()
        except Exception as exc:
            raise _CopyFailed(str(exc)) from exc
        finally:
            self._writer = None


class _CopyFailed(Exception):
    """The run's copy could not be written (a full disk, say): the export is then read without
    a copy kept, as when a copy cannot be kept otherwise. Not a ValueError, which the readers
    would report as a fault of the export."""


def read_excel(path: Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """One sheet of an Excel workbook as text (:func:`_read_excel`), parsed once per run
    (:func:`_decoded`)."""
    return _decoded(path, ("xlsx", repr(sheet)), lambda: _read_excel(path, sheet=sheet))


#: The memory a workbook's parse holds at its peak, per byte of the file, taken high: calamine
#: keeps every cell of the sheet's range (for a moment twice), empty ones too, and an empty
#: cell costs the file almost nothing. Measured: a varied export 18 bytes per byte (822 950
#: rows x 21 columns, 73 MB: 1.6 GB), very repetitive cells 40, a sparse sheet (an id and 11
#: mostly empty columns) 97.
WORKBOOK_PEAK_PER_BYTE = 100


def decode_workbooks(specs, *, jobs: int, memory: float) -> int:
    """In a run, decode the workbooks that ``specs`` (table sources, as
    :func:`jamtools.data.load.table_sources` gives them) name, up to ``jobs`` at a time, each as
    :func:`read_source` reads it, so that the run's check, which reads its tables one after
    another, finds each decoded (:func:`read_excel` keeps the copy for the run).

    calamine parses a sheet without holding Python's lock, so two workbooks parse side by side:
    two exports of 410 000 and 500 000 rows took 12.1 s instead of 19.1 s, with a peak of 1.4
    GB instead of 0.85 GB. Each workbook's peak is taken as :data:`WORKBOOK_PEAK_PER_BYTE` times
    its size, and workbooks parse side by side only while their peaks together fit in
    ``memory`` bytes (the runner gives half the memory available to it); the largest starts
    first, and one that does not fit runs alone. Outside a run's own folder (nothing would be
    kept), with one workbook or with ``jobs`` 1 nothing is done. A workbook that cannot be read
    is left to its reader, which says why. An interrupt (Ctrl-C, or the runner's stop) starts
    no further parse; those under way end first (calamine cannot be stopped mid-sheet).

    Returns the number of workbooks read here (decoded, or their copy already kept)."""
    from concurrent.futures import ThreadPoolExecutor, wait

    folder = os.environ.get(DECODED_ENV)
    if jobs < 2 or not folder or not _private(Path(folder)):
        return 0
    books, seen = [], set()
    for spec in specs:
        if "file" not in spec:
            continue
        path = source_path(spec)
        key = (str(path.resolve()), repr(spec.get("sheet")))
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls") and path.is_file() and key not in seen:
            seen.add(key)
            books.append((path, spec.get("sheet"), path.stat().st_size * WORKBOOK_PEAK_PER_BYTE))
    if len(books) < 2:
        return 0
    books.sort(key=lambda b: -b[2])  # the largest first: the small ones fill in beside them
    state, turn = {"used": 0.0, "stop": False}, threading.Condition()

    def decode(book) -> bool:
        path, sheet, peak = book
        with turn:
            turn.wait_for(lambda: state["stop"] or state["used"] == 0 or state["used"] + peak <= memory)
            if state["stop"]:
                return False
            state["used"] += peak
        try:
            _decoded_copy(path, ("xlsx", repr(sheet)), lambda: _read_excel(path, sheet=sheet))
            return True
        except Exception:  # noqa: BLE001  (the check reads it again and says why)
            return False
        finally:
            with turn:
                state["used"] -= peak
                turn.notify_all()

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(books)), thread_name_prefix="arbetsbok")
    try:
        running = {pool.submit(decode, book) for book in books}
        done = 0
        while running:  # (woken every tenth of a second: an interrupt is seen while parses run,
            finished, running = wait(running, timeout=0.1)  # not only when one ends)
            done += sum(f.result() for f in finished)
        return done
    finally:
        with turn:  # (after an interrupt: the parses waiting for memory do not start)
            state["stop"] = True
            turn.notify_all()
        pool.shutdown(wait=True, cancel_futures=True)


def _read_excel(path: Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read one sheet of an Excel workbook (the first unless ``sheet`` names one).

    The reader is calamine (``python-calamine``, a compiled reader that pandas supports as
    ``engine="calamine"``), at about an eighth of openpyxl's time (a 10 000-row export: 0.5 s
    against 4.0 s); outside a run, each reader of an export parses it again (in a run,
    :func:`read_excel` keeps the decoded sheet). A cell becomes the same text as with openpyxl, the reader before it
    (dates, times, numbers, booleans, errors, blanks, formulas), with two known exceptions: a
    date before 1900 (stored as a negative day number; it gives a time of day, which the check
    then reports as an invalid date) and the escape ``_x000D_`` typed as text. Old ``.xls``
    workbooks, which openpyxl cannot open, are read too. The sheet's cells become the frame
    pandas' ``read_excel`` would give a column at a time, and its text a block of rows at a
    time (:func:`_sheet_frame`), unless pandas would rename a column of its header. Without ``sheet`` the first worksheet is read (a chart
    sheet before it is not a table), and ``sheet=n`` is the n-th worksheet."""
    name = Path(path).name
    try:
        book = pd.ExcelFile(path, engine="calamine")
    except Exception as exc:  # not a zip, not a workbook, encrypted ...
        raise SourceError(f"Filen {name} kan inte läsas som Excel-arbetsbok (corrupt or not an "
                          f"xlsx file: {type(exc).__name__}). Spara den på nytt som .xlsx.") from None
    with book:
        if sheet is not None and sheet not in book.sheet_names and not (
                isinstance(sheet, int) and 0 <= sheet < len(book.sheet_names)):
            raise SourceError(f"Bladet {sheet!r} finns inte i {name} (sheet not found). Bladen i "
                              f"arbetsboken heter: {', '.join(map(repr, book.sheet_names))}. Ange "
                              "rätt 'sheet' i jamtools.yml.")
        # The first worksheet, or the n-th: calamine's own index counts chart sheets too
        worksheets = book.sheet_names
        which = sheet if isinstance(sheet, str) else worksheets[sheet or 0] if worksheets else 0
        frame = _sheet_frame(book.book, which, text=True)  # (its text already)
        if frame is None:
            frame = _as_text(pd.read_excel(book, sheet_name=which, dtype=object))
    return frame


#: The texts a spreadsheet cell may hold that ``pd.read_excel`` reads as missing (its default
#: ``na_values``; an empty cell is ``""``).
_MISSING_TEXTS = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                  "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null")


#: Cells of a sheet converted at a time by :func:`_sheet_frame`: its rows are taken from the
#: workbook's parse this many cells at a time (as many rows as fit), so that the Python objects
#: of a whole sheet never exist at once. The cells of one row are some 60 bytes each as Python
#: objects, and a sheet at Excel's limit of 1 048 576 rows has millions of them.
_SHEET_CHUNK_CELLS = 1_000_000


_COLLECTOR = {"lock": threading.Lock(), "pauses": 0, "was_on": False}


@contextlib.contextmanager
def _collector_paused():
    """Python's garbage collector off inside, and on again after as it was before, also when
    several threads pause it at once (workbooks decoded side by side): the first pause turns
    it off, the last one's end turns it on again. (Each thread reading ``gc.isenabled()`` for
    itself could find it off by another's pause, and turn it off after that one had turned it
    on again: off for good.)"""
    import gc

    with _COLLECTOR["lock"]:
        if _COLLECTOR["pauses"] == 0:
            _COLLECTOR["was_on"] = gc.isenabled()
            gc.disable()
        _COLLECTOR["pauses"] += 1
    try:
        yield
    finally:
        with _COLLECTOR["lock"]:
            _COLLECTOR["pauses"] -= 1
            if _COLLECTOR["pauses"] == 0 and _COLLECTOR["was_on"]:
                gc.enable()


def _sheet_frame(book, sheet: str | int, *, text: bool = False) -> pd.DataFrame | None:
    """The frame ``pd.read_excel(..., sheet_name=sheet, dtype=object, engine="calamine")``
    gives for one sheet of the calamine workbook ``book``, built a column at a time instead of
    a cell at a time; None when the header row is not distinct, non-empty texts, or begins with
    a byte-order mark, or the table does not start in A1 (then pandas names the columns, and
    reads the sheet itself).

    The cells are pandas': an integral number as ``int``, other numbers as ``float``, a date as
    a ``datetime`` at midnight, the texts of :data:`_MISSING_TEXTS` (an empty cell among them)
    as NaN, everything else as calamine gives it. pandas converts each cell with a Python call
    and then parses the rows as a text file's; here the cells of a kind are found and converted
    a column at a time.

    ``text=True`` gives instead the text of pandas' frame (:func:`_as_text`): a column of texts
    only, or of numbers, or of dates and date-times, and empty cells, is written as text at
    once (Arrow, NumPy), the others from pandas' cells.

    The rows are converted :data:`_SHEET_CHUNK_CELLS` cells at a time (calamine's ``iter_rows``,
    the rows of ``to_python(skip_empty_area=False)`` for a table in A1), each block of rows
    column by column; with ``text=True`` each block is written as text before the next is
    taken. Every cell's value and text are its own, whatever the rest of its column holds, so
    the blocks together are the sheet's frame. The memory beyond calamine's own parse of the
    sheet is then one block's Python objects and the text: a sheet of 822 950 rows and 21
    columns read with a peak of 2.4 GB when its rows were all taken at once."""
    import itertools

    import numpy as np

    found = book.get_sheet_by_name(sheet) if isinstance(sheet, str) else book.get_sheet_by_index(sheet)
    if found.start is None:  # an empty sheet
        return pd.DataFrame()
    if tuple(found.start) != (0, 0):  # (to_python's header would have empty cells: pandas reads)
        return None
    rows = found.iter_rows()
    header = next(rows, None)
    if not header:
        return pd.DataFrame()
    if not all(type(h) is str and h for h in header) or len(set(header)) != len(header) or \
            header[0].startswith("\ufeff"):  # (pandas takes a byte-order mark off, and quotes)
        return None
    step = max(1, _SHEET_CHUNK_CELLS // len(header))
    parts = []
    while True:
        with _collector_paused():  # a list per row, no cycles: the collector would only walk them
            batch = list(itertools.islice(rows, step))  # (1.7 -> 0.6 s for 410 000 rows)
        if parts and not batch:
            break
        cells = np.empty((len(batch), len(header)), dtype=object)
        try:
            if batch:
                cells[:] = batch  # (calamine's rows are all as wide as the sheet's range)
        except ValueError:  # (should one not be: pandas reads it)
            return None
        del batch
        part = _cells_frame(cells, header, text=text)
        parts.append(_as_text(part) if text else part)
        if len(cells) < step:
            break
    return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)


def _cells_frame(cells, header: list[str], *, text: bool) -> pd.DataFrame:
    """One block of a sheet's rows (``cells``, an object array, a column per name of ``header``)
    as :func:`_sheet_frame` converts them: pandas' cells, or with ``text`` some columns written
    as text at once (the rest are pandas' cells, for :func:`_as_text`)."""
    import datetime as dt

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    kind_of = np.frompyfunc(type, 1, 1)
    missing = pa.array(_MISSING_TEXTS, pa.string())
    columns = {}
    for j, name in enumerate(header):
        col = cells[:, j]
        kind = pd.api.types.infer_dtype(col, skipna=False)
        if text and kind == "string":  # texts only: those pandas reads as missing are missing
            arrow = pa.array(col, pa.string())
            columns[name] = pd.array(pc.if_else(pc.is_in(arrow, value_set=missing), None, arrow),
                                     dtype="string")
            continue
        if text and kind in ("floating", "date", "datetime", "mixed"):
            empty = col == ""
            rest = col[~empty] if kind == "mixed" else col
            among = pd.api.types.infer_dtype(rest, skipna=False) if kind == "mixed" else kind
            if among == "floating":  # numbers (calamine's are floats) and empty cells
                x = np.zeros(len(col))
                x[~empty] = rest.astype(np.float64)
                arrow = _floats_as_text(x, empty)
                if arrow is not None:
                    columns[name] = pd.array(arrow, dtype="string")
                    continue
            elif len(rest) and set(map(type, rest)) <= {dt.date, dt.datetime}:  # days, empty cells
                days = pd.Series(pd.NaT, index=pd.RangeIndex(len(col)), dtype="datetime64[us]")
                days[~empty] = pd.to_datetime(rest)  # (as pandas' date-times, written by the rule)
                columns[name] = pd.array(_column_as_text(days), dtype="string")
                continue
        col = col.copy()
        kinds = kind_of(col)
        at = np.flatnonzero(kinds == str)
        if len(at):
            drop = pc.is_in(pa.array(col[at], pa.string()), value_set=missing)
            col[at[drop.to_numpy(zero_copy_only=False)]] = np.nan
        at = np.flatnonzero(kinds == float)
        if len(at):
            x = col[at].astype(np.float64)
            whole = np.isfinite(x) & (x == np.floor(x))
            fits = whole & (np.abs(x) < 2.0 ** 63)
            col[at[fits]] = np.array(x[fits].astype(np.int64).tolist(), dtype=object)
            col[at[whole & ~fits]] = np.array([int(v) for v in x[whole & ~fits]], dtype=object)
        for i in np.flatnonzero(kinds == dt.date):
            d = col[i]
            col[i] = dt.datetime(d.year, d.month, d.day)
        columns[name] = col
    index = pd.RangeIndex(len(cells))
    return pd.DataFrame({k: pd.Series(v, index=index, dtype=v.dtype) for k, v in columns.items()},
                        index=index)


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file (every column, as text)."""
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow: not Parquet, truncated, unsupported type
        raise SourceError(f"Filen {Path(path).name} kan inte läsas som Parquet (corrupt or not a "
                          f"Parquet file: {type(exc).__name__}). Exportera den på nytt.") from None
    return _as_text(frame)


def _sql_engine(url: str):
    """(SQLAlchemy engine, the url without its password) for a ``sql:`` source."""
    import sqlalchemy

    try:
        engine = sqlalchemy.create_engine(url)
        return engine, engine.url.render_as_string(hide_password=True)
    except Exception as exc:
        raise SourceError(f"SQL-källans url kan inte tolkas ({type(exc).__name__}). Skriv den "
                          "som dialekt+drivrutin://användare:lösenord@server:port/databas.") from None


def _sql_failed(shown: str, exc: Exception) -> SourceError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return SourceError(f"SQL-källan {shown} kunde inte läsas ({type(exc).__name__}: {first}). "
                       "Kontrollera 'url' och 'query' i jamtools.yml.")


def read_sql(url: str, query: str) -> pd.DataFrame:
    """Run ``query`` against the database at the SQLAlchemy ``url``."""
    import sqlalchemy

    engine, shown = _sql_engine(url)
    try:
        with engine.connect() as con:
            frame = pd.read_sql(sqlalchemy.text(query), con)
    except Exception as exc:  # connection refused, bad query, missing driver ...
        raise _sql_failed(shown, exc) from None
    finally:
        engine.dispose()
    return _as_text(frame)


#: Environment variable naming a file to which every statement sent to a ``sql:`` source is
#: appended (one JSON object per line: table, source, statement, grouped). The runner sets it
#: per notebook and shows the statements in the book (*Frågor till databasen*).
SQL_LOG_ENV = "JAMTOOLS_SQL_LOG"


#: The name of the count column of a grouped statement.
GROUP_COUNT = "jamtools_antal_rader"


def _query(sql: dict) -> str:
    """The configuration's query, without a closing semicolon (it becomes a subquery)."""
    return str(sql["query"]).strip().rstrip(";").strip()


class SqlStatement:
    """One statement the handbook sends to a ``sql:`` source: its text as the database's dialect
    writes it, and whether it returns counts per combination of values (``grouped``) or rows."""

    def __init__(self, text: str, grouped: bool, columns: list[str]):
        self.text, self.grouped, self.columns = text, grouped, columns


def sql_statement(url: str, query: str, columns: list[str], all_columns: list[str], *,
                  grouped: bool) -> SqlStatement:
    """The statement that reads ``columns`` of the ``sql:`` source ``query``.

    With ``grouped``, the database counts the rows of every combination of the columns' values
    (``SELECT a, b, COUNT(*) ... GROUP BY a, b``), so that no row of a person leaves it; without,
    it returns the columns' rows (only those columns). The query is wrapped as a subquery and
    the statement is written in the url's dialect (SQLAlchemy), so quoting follows the
    database.
    """
    import sqlalchemy as sa

    engine, _ = _sql_engine(url)
    try:
        sub = sa.text(query.strip().rstrip(";")).columns(*[sa.column(c) for c in all_columns]).subquery("kalla")
        cols = [sub.c[c] for c in columns]
        if grouped:
            stmt = (sa.select(*cols, sa.func.count().label(GROUP_COUNT))
                    .group_by(*cols).order_by(*cols))
        else:
            stmt = sa.select(*cols)
        text = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    finally:
        engine.dispose()
    return SqlStatement(text, grouped, list(columns))


def key_repeats_statement(url: str, query: str, column: str, all_columns: list[str]) -> SqlStatement:
    """The statement that counts the values of ``column`` that more than one row of the
    ``sql:`` source ``query`` has (``SELECT COUNT(*) FROM (SELECT k ... GROUP BY k HAVING
    COUNT(*) > 1)``): one number leaves the database. ``grouped``: it returns a count."""
    import sqlalchemy as sa

    engine, _ = _sql_engine(url)
    try:
        sub = sa.text(query.strip().rstrip(";")).columns(*[sa.column(c) for c in all_columns]).subquery("kalla")
        # as the engine compares ids: as text, without surrounding blanks, an empty one none
        key = sa.func.trim(sa.cast(sub.c[column], sa.String)).label("id")
        repeated = (sa.select(key).where(key.is_not(None), key != "").group_by(key)
                    .having(sa.func.count() > 1).subquery("upprepade"))
        stmt = sa.select(sa.func.count().label(GROUP_COUNT)).select_from(repeated)
        text = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
    finally:
        engine.dispose()
    return SqlStatement(text, True, [column])


def _log_sql(table: str, shown: str, statement: SqlStatement) -> None:
    import json
    import os

    path = os.environ.get(SQL_LOG_ENV)
    if not path:
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"table": table, "source": shown, "grouped": statement.grouped,
                            "columns": statement.columns, "statement": statement.text},
                           ensure_ascii=False) + "\n")


def _sql_columns(url: str, query: str) -> list[str]:
    """The column names of a ``sql:`` source, without reading a row."""
    import sqlalchemy as sa

    engine, shown = _sql_engine(url)
    try:
        with engine.connect() as con:
            sub = sa.text(query.strip().rstrip(";")).columns().subquery("kalla")
            result = con.execute(sa.select(sa.text("*")).select_from(sub).limit(0))
            return [str(c) for c in result.keys()]
    except Exception as exc:
        raise _sql_failed(shown, exc) from None
    finally:
        engine.dispose()


def read_source(spec: dict, base: Path) -> tuple[pd.DataFrame, str]:
    """Read one table's source as described in the configuration; return it and its name."""
    if "sql" in spec:
        sql = spec["sql"]
        if not isinstance(sql, dict) or not {"url", "query"} <= set(sql):
            raise SourceError("'sql' i jamtools.yml ska ha nycklarna url och query.")
        return read_sql(str(sql["url"]), str(sql["query"])), f"SQL ({sql.get('name', 'fråga')})"
    path = source_path(spec, base)
    if not path.is_file():
        raise SourceError(f"Filen {path} finns inte. Kontrollera 'file' i jamtools.yml.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return read_excel(path, sheet=spec.get("sheet")), path.name
    if suffix == ".parquet":
        return read_parquet(path), path.name
    return read_csv(path, encoding=spec.get("encoding"), separator=spec.get("separator")), path.name


# --- Sources for the engine ------------------------------------------------------------------
#
# ``open_source`` looks at a source without reading its rows (a Parquet file's schema, a CSV
# file's encoding, separator and header), and ``Source.view`` hands the engine only the columns
# asked for: Parquet and CSV in UTF-8, or in Windows-1252 or Latin-1 without a byte of
# 0x80-0x9F (read as Latin-1), are scanned by DuckDB itself (``read_parquet``/``read_csv`` with
# projection; in a run a CSV export once, then its Parquet copy, one with such a byte or with
# blank lines through a copy in UTF-8), everything else (such an export outside a run, XLSX,
# SQL, a CSV the engine's parser would read differently from the one above) is read by the readers above
# and handed over as an Arrow table. The rows keep their file order and ``__row`` is the row's position (0 = the first
# data row), as the index of :func:`read_source`'s frame.

_CHUNK = 1 << 24
#: The bytes in which Windows-1252 differs from Latin-1 (and has five it has no character for).
_C1 = bytes(range(0x80, 0xA0))
#: The encodings (the codecs' own names) that are Latin-1 outside :data:`_C1`.
_LATIN1_LIKE = ("cp1252", "iso8859-1")


def _has_c1(data: bytes) -> bool:
    """Whether ``data`` holds a byte of :data:`_C1` (ASCII is looked at no further)."""
    return not data.isascii() and len(data.translate(None, _C1)) != len(data)
#: The column the engine's Parquet reader adds for each row's number (``file_row_number``): a
#: file with a column of that name (in any case) is read in Python.
ROW_NUMBER = "file_row_number"
#: The name of the rows' numbers where they are not their positions (a CSV export with blank
#: lines, which the readers skip, :class:`RowGaps`): the index of the readers' frame, and a
#: column of the run's Parquet copies (the engine reads it as ``__row``). An export with a
#: column of that name is read in Python.
ROW_COLUMN = "__jamtools_row"
#: Up to this many places where blank lines shift the rows' numbers (:class:`RowGaps`), the
#: engine adds the shift to each row's position as it reads the run's Parquet copy (a sum of
#: comparisons, :func:`_shift_sql`); beyond, the copy keeps the numbers as :data:`ROW_COLUMN`
#: (a window and an as-of join in order when it is made: a copy of 2 million rows 14 -> 42 s).
_FEW_GAPS = 256


class Source:
    """One table's source as the engine reads it (see :func:`open_source`)."""

    def __init__(self, name: str, columns: list[str], *, kind: str, path: Path | None = None,
                 frame: pd.DataFrame | None = None, csv_options: dict | None = None,
                 types: dict[str, str] | None = None, fallback=None, row_column: str | None = None):
        self.name, self.columns, self.kind, self.path = name, columns, kind, path
        #: For kind ``parquet``: the column holding the rows' numbers (:data:`ROW_COLUMN`) when
        #: they are not their positions (an export with blank lines); else the position is,
        #: shifted by :attr:`gaps` (a run's copy of an export with a few blank lines).
        self.row_column = row_column
        self.gaps: RowGaps | None = None
        self.frame, self.csv_options = frame, csv_options
        self.types = types or {c: "VARCHAR" for c in columns}
        self._fallback = fallback
        #: Whether the readers in Python decoded it (kind ``arrow``, or in a run ``parquet``:
        #: their copy, :func:`_decoded_source`).
        self.decoded = kind == "arrow"
        #: For a ``sql:`` source: the configuration's entry, the table's name, and the
        #: statements sent so far (:class:`SqlStatement`).
        self.sql: dict | None = None
        self.table: str | None = None
        self.sent: list[SqlStatement] = []

    def fallback(self) -> "Source":
        """The same source read by the readers above (as text); raises their SourceError."""
        if self._fallback is None:
            return self
        frame = self._fallback()
        if isinstance(frame, Source):  # (in a run, the copy of the export decoded in Python)
            return frame
        return Source(self.name, [str(c) for c in frame.columns], kind="arrow", path=self.path,
                      frame=frame)

    def key_repeats(self, column: str) -> bool:
        """For a ``sql:`` source: whether some value of ``column`` (the table's key) occurs on
        more than one row. The database counts the repeated values and sends one number
        (logged as every statement sent, :func:`key_repeats_statement`)."""
        import sqlalchemy as sa

        sql = self.sql
        statement = key_repeats_statement(str(sql["url"]), _query(sql), column, self.columns)
        self.sent.append(statement)
        _log_sql(self.table or "", self.name, statement)
        engine, shown = _sql_engine(str(sql["url"]))
        try:
            with engine.connect() as db:
                return bool(db.execute(sa.text(statement.text)).scalar())
        except Exception as exc:
            raise _sql_failed(shown, exc) from None
        finally:
            engine.dispose()

    def view(self, con, columns: list[str], name: str = "src", *, grouped: bool = False):
        """Register view ``name`` in ``con``: ``__row`` and ``columns`` of this source. Returns
        a function that drops it again.

        ``grouped`` matters for a ``sql:`` source only: the database sends counts per
        combination of the columns' values instead of rows (:func:`sql_statement`), and the
        view repeats each combination as many times as it occurs, so that the checks and
        chapters see the same values as from the rows; ``__row`` then numbers those repeated
        rows, not the database's."""
        from jamtools.data.engine import ident, literal

        _check_names(self.columns, self.name, columns)
        cols = ", ".join(ident(c) for c in columns)
        sep = ", " if columns else ""
        registered = None
        if self.kind == "sql":
            import numpy as np
            import pyarrow as pa
            import sqlalchemy as sa

            sql = self.sql
            statement = sql_statement(str(sql["url"]), _query(sql), columns, self.columns,
                                      grouped=grouped)
            self.sent.append(statement)
            _log_sql(self.table or "", self.name, statement)
            engine, shown = _sql_engine(str(sql["url"]))
            try:
                with engine.connect() as db:
                    frame = pd.read_sql(sa.text(statement.text), db)
            except Exception as exc:
                raise _sql_failed(shown, exc) from None
            finally:
                engine.dispose()
            counts = frame.pop(GROUP_COUNT).to_numpy(dtype="int64") if grouped else None
            frame = _as_text(frame)
            arrays = [pa.array(frame[c].astype("string")) for c in columns]
            registered = name + "_sql"
            if grouped:
                con.register(registered, pa.Table.from_arrays(
                    [*arrays, pa.array(counts)], names=[*columns, GROUP_COUNT]))
                inner = ", ".join(ident(c) for c in columns)
                con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT "
                            f"(row_number() OVER () - 1)::BIGINT AS __row{sep}{inner} FROM ("
                            f"SELECT {inner}{sep}unnest(range({ident(GROUP_COUNT)})) AS __k "
                            f"FROM {ident(registered)})")
            else:
                con.register(registered, pa.Table.from_arrays(
                    [pa.array(np.arange(len(frame), dtype="int64")), *arrays], names=["__row", *columns]))
                con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT * FROM {ident(registered)}")
        elif self.kind == "parquet":
            if self.row_column:  # (an export with blank lines: the rows' numbers in the file)
                con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT {ident(self.row_column)} "
                            f"AS __row{sep}{cols} FROM read_parquet({literal(str(self.path))})")
            else:
                con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT "
                            f"{_shift_sql('file_row_number', self.gaps)} AS __row"
                            f"{sep}{cols} FROM read_parquet({literal(str(self.path))}, file_row_number=true)")
        elif self.kind == "csv":
            con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT "
                        f"(row_number() OVER () - 1)::BIGINT AS __row{sep}{cols} FROM "
                        f"{_csv_sql(self.path, self.csv_options['sep'], self.columns, encoding=self.csv_options.get('encoding', 'utf-8'))}")
        else:
            import numpy as np
            import pyarrow as pa

            frame = self.frame
            # (the rows' numbers where the readers numbered them otherwise, :data:`ROW_COLUMN`)
            numbers = (frame.index.to_numpy(dtype="int64") if frame.index.name == ROW_COLUMN
                       else np.arange(len(frame), dtype="int64"))
            arrays = [pa.array(numbers)]
            arrays += [pa.array(frame[c].astype("string")) for c in columns]
            registered = name + "_arrow"
            con.register(registered, pa.Table.from_arrays(arrays, names=["__row", *columns]))
            con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS SELECT * FROM {ident(registered)}")

        def drop():
            con.execute(f"DROP VIEW IF EXISTS {ident(name)}")
            if registered:
                con.unregister(registered)
        return drop


def _is_utf8(encoding: str) -> bool:
    """Whether ``encoding`` names UTF-8 (with or without a BOM), the engine's CSV reader's."""
    return encoding.replace("_", "-").lower() in ("utf-8", "utf8", "utf-8-sig")


class _CsvScan(NamedTuple):
    """What :func:`_scan_csv` finds in a CSV export."""

    #: The encoding :func:`read_csv` decodes it with.
    encoding: str
    #: The first 5000 characters as :func:`read_csv` decodes them.
    sample: str
    #: Whether the engine's CSV reader may read the export as it is, in :attr:`engine_encoding`.
    engine_ok: bool
    #: Whether it may once its blank lines are taken out (:func:`_engine_copy`).
    blank_lines: bool
    #: The encoding the engine's reader reads it in: ``utf-8``, or ``latin-1`` for an export
    #: in Windows-1252 or Latin-1 without a byte of 0x80-0x9F: the engine's reader decodes
    #: Latin-1 without an extension, so such an export needs no copy in UTF-8. (Those are the
    #: bytes where Windows-1252 differs from Latin-1, and the engine's Latin-1 refuses them.)
    #: None for an export in another encoding, or with such a byte: then what the engine would
    #: read otherwise is not searched for (only the copy in UTF-8 can say).
    engine_encoding: str | None


def _scan_csv(path: Path, encoding: str | None, name: str) -> _CsvScan:
    """What the engine's reader may do with a CSV export (:class:`_CsvScan`), found in one pass
    over the file without holding it in memory. Raises the errors of :func:`read_csv` (empty
    file, wrong encoding, binary data)."""
    import codecs

    # What the engine's reader reads otherwise than :func:`read_csv`: a blank line (spaces and
    # tabs only, or empty), a quote after spaces (after a separator, or at a line's start, where
    # the engine keeps the quotes as text) or before them, and a carriage return that is not before a line
    # break, anywhere in the file (pandas ends a line there; a line of spaces and one became
    # rows of missing values in the engine). (An empty line is mostly
    # skipped by both, but not always by the engine: one ended by CRLF that begins at the edge
    # of the engine's buffer became a row of missing values, one ended by LF there stopped its
    # parallel reader, and in a file of one column each became a row; so in a run the engine
    # reads a copy without them, :func:`_engine_copy`, and outside a run Python reads the
    # export.) Searched in windows of a chunk and what a match may need of
    # the one before (the first after a line break of its own, so that a blank first line is
    # found). A pattern that begins with a line break is tried at each line break, where
    # ``(^|\n)...`` was tried at every byte (0.08 s against 1.4 s for a 35 MB export).
    blank_line = re.compile(rb"\n[ \t]*\r?\n")
    spaced_quote = re.compile(rb"[;,\t\n] +\"")  # (after a separator, or at a line's start)
    # spaces after a closing quote: pandas keeps them in the field, the engine drops them (an
    # empty quoted field with a space is then no longer one too many)
    quote_spaced = re.compile(rb"\" +[;,\t\r\n]")  # (at the file's end: below)
    bare_cr = re.compile(rb"\r(?!\n)")  # (a line's end for pandas, anywhere in the file)
    head = b""
    size = 0
    blank = True
    utf8 = codecs.getincrementaldecoder("utf-8")()
    is_utf8 = True
    # read by the engine as Latin-1 (:attr:`_CsvScan.engine_encoding`): while no byte says not
    given = codecs.lookup(encoding).name if encoding and _text_encoding(encoding) else None
    one_byte = encoding is None or given in _LATIN1_LIKE
    binary = False
    plain = True
    blanks = False
    tail = b"\n"
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            if len(head) < 20000:
                head += chunk[:20000 - len(head)]
            size += len(chunk)
            if blank and chunk.strip():
                blank = False
            if b"\x00" in chunk:
                binary = True
            if is_utf8:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    is_utf8 = False
            if one_byte and _has_c1(chunk):
                one_byte = False
            # only a UTF-8 file, or one the engine reads as Latin-1, can go to the engine: for
            # any other the search is moot
            if plain and (is_utf8 or one_byte):
                window = tail + chunk
                if (b' "' in window and spaced_quote.search(window)
                        or b'" ' in window and quote_spaced.search(window)):
                    plain = blanks = False
                elif b"\r" in window and bare_cr.search(window, 0, len(window) - window.endswith(b"\r")):
                    plain = blanks = False  # (a last carriage return: the next chunk may begin a line break)
                elif not blanks and blank_line.search(window):
                    blanks = True
                # what a match across the edge needs: the last byte before the spaces, tabs and
                # carriage returns the window ends with (a line break or a separator), and them
                tail = window[max(0, len(window.rstrip(b" \t\r")) - 1):]
    if is_utf8:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
    if plain and (is_utf8 or one_byte) and len(tail) > 1 and tail.startswith(b"\n"):
        blanks = True  # a last line of spaces without a line break: the engine reads a row of it
    if tail.endswith(b"\r") or re.match(rb"(\xef\xbb\xbf)* +\"", head) or re.search(rb"\" +\Z", tail):
        plain = blanks = False  # (a carriage return at the end; a quote after spaces at the start)
    if blank:
        raise SourceError(f"Filen {name} är tom (empty file). Exportera tabellen på nytt.")
    enc = encoding or ("utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8" if is_utf8 else "cp1252")
    if is_utf8 and _is_utf8(enc):
        engine_enc = "utf-8"
    elif one_byte and not head.startswith(b"\xef\xbb\xbf"):  # (Windows-1252 found, or one of the two given)
        engine_enc = "latin-1"  # (a UTF-8 mark read as Windows-1252: left to the copy and Python)
    else:
        engine_enc = None
    copy_ok = plain and not binary and engine_enc is not None
    try:
        text = head.decode(enc, errors="replace")
    except LookupError:
        text = head.decode("latin-1")
    return _CsvScan(enc, text.lstrip("\ufeff")[:5000], copy_ok and not blanks, copy_ok and blanks, engine_enc)


def _csv_source(path: Path, spec: dict) -> Source:
    name = path.name
    encoding, separator = spec.get("encoding"), spec.get("separator")
    _check_separator(separator)

    def legacy():  # the readers in Python (in a run, their copy)
        return _decoded_source(name, path, ("csv", encoding, separator),
                               lambda: _read_csv(path, encoding=encoding, separator=separator),
                               lambda: read_csv(path, encoding=encoding, separator=separator),
                               parts=lambda sink: _read_csv(path, encoding=encoding, separator=separator,
                                                            sink=sink))
    place = _parquet_place(path, spec)
    if place is not None and _refused(place).exists():  # the engine refused it earlier in the run
        return Source(name, [], kind="csv", path=path, fallback=legacy).fallback()
    if place is not None and place[0].is_file():  # kept in this run: its columns are the header
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(place[0]).names
            src = Source(name, [n for n in names if n != ROW_COLUMN], kind="parquet", path=place[0],
                         fallback=legacy, row_column=ROW_COLUMN if ROW_COLUMN in names else None)
            src.gaps = None if src.row_column else _load_gaps(_gaps_place(place[0]))
            return src
        except Exception:  # noqa: BLE001  (a damaged copy: the export is read again)
            place[0].unlink(missing_ok=True)
    enc, sample, engine_ok, blank_lines, engine_enc = _scan_csv(path, spec.get("encoding"), name)
    # the separator read_csv finds in the export's first lines (blank lines among them too)
    sep = spec.get("separator") or detect_separator(sample)
    read = path  # the file the engine reads
    gaps = None  # the blank lines that the copy lacks (:class:`RowGaps`)
    if blank_lines or engine_enc is None and not _is_utf8(enc):
        # blank lines, or another encoding (Windows-1252 with a byte the engine's Latin-1 does
        # not decode as it does): in a run, the engine reads a copy in UTF-8 without blank lines
        # (not when the search found what the engine reads otherwise: Python reads it)
        copy = _engine_copy(path, enc, sep)
        if copy is not None:
            _, sample, engine_ok, _, engine_enc = _scan_csv(copy, "utf-8", name)
            read = copy
            gaps = _load_gaps(_gaps_place(copy))
            # (the rows' numbers are the export's only with the gaps: else Python reads it)
            engine_ok = engine_ok and (gaps is not None or not blank_lines)
    if not engine_ok:
        return Source(name, [], kind="csv", path=path, fallback=legacy).fallback()
    header = next(csv.reader(io.StringIO(sample), delimiter=sep, skipinitialspace=True), [])
    # (one column: the engine took an empty line, or a line of a separator before a CRLF, for a
    # row of it)
    if (len(header) < 2 or len({_fold(h) for h in header}) != len(header) or any(not h.strip() for h in header)
            or header != [h.strip() for h in header] or len(sample) >= 5000 and "\n" not in sample):
        return Source(name, [], kind="csv", path=path, fallback=legacy).fallback()
    # (a column the engine's Parquet reader would take for its own row number stays in the CSV)
    copy = (_parquet_copy(place, path, read, sep, header, encoding=engine_enc, gaps=gaps)
            if place is not None and not {ROW_NUMBER, ROW_COLUMN} & {h.lower() for h in header} else None)
    if copy is None and place is not None and _refused(place).exists():
        return Source(name, [], kind="csv", path=path, fallback=legacy).fallback()
    if copy is not None:  # in a run: read once by the engine, kept with the rows' numbers
        import pyarrow.parquet as pq

        numbered = ROW_COLUMN in pq.read_schema(copy).names
        src = Source(name, header, kind="parquet", path=copy, fallback=legacy,
                     row_column=ROW_COLUMN if numbered else None)
        src.gaps = None if numbered else gaps
        return src
    if gaps is not None and gaps.shifts:  # (the engine's window would number the copy's rows)
        return Source(name, [], kind="csv", path=path, fallback=legacy).fallback()
    return Source(name, header, kind="csv", path=read, csv_options={"sep": sep, "encoding": engine_enc},
                  fallback=legacy)


def _parquet_source(path: Path) -> Source:
    from jamtools.data.engine import literal, shared

    legacy = lambda: read_parquet(path)  # noqa: E731
    try:
        import pyarrow.parquet as pq

        schema = pq.read_schema(path)
        index = {c for c in ((schema.pandas_metadata or {}).get("index_columns") or []) if isinstance(c, str)}
        described = shared().execute(f"DESCRIBE SELECT * FROM read_parquet({literal(str(path))})").fetchall()
    except Exception:
        return Source(path.name, [], kind="parquet", path=path, fallback=legacy).fallback()
    if len(described) != len(schema.names):
        return Source(path.name, [], kind="parquet", path=path, fallback=legacy).fallback()
    # (the file's own names: the engine names the second of two that differ only in case
    # ``kon_1``; :meth:`Source.view` refuses to read either)
    types = {str(n): str(r[1]) for n, r in zip(schema.names, described) if str(n) not in index}
    if (any(not isinstance(f.name, str) for f in schema) or len(types) != len(set(types))
            or ROW_NUMBER in {str(f.name).lower() for f in schema}):  # (an index column too)
        return Source(path.name, [], kind="parquet", path=path, fallback=legacy).fallback()
    return Source(path.name, list(types), kind="parquet", path=path, types=types, fallback=legacy)


def open_source(spec: dict, base: Path, *, table: str | None = None) -> Source:
    """A table's source as the engine reads it, named as :func:`read_source` names it; raises
    :class:`SourceError` as :func:`read_source` does. A ``sql:`` source reads no row here
    (only its column names); ``table`` names the model's table in the log of statements sent.

    A column read whose name differs only in case from another's (``Kon`` and ``kon``) stops
    :meth:`Source.view` with a message (:func:`_check_names`)."""
    return _open_source(spec, base, table=table)


def _fold(name: str) -> str:
    """``name`` as the engine compares names: A-Z as a-z (Ä and ä stay two names to it)."""
    import string

    return name.translate(str.maketrans(string.ascii_uppercase, string.ascii_lowercase))


def _check_names(columns, shown: str, wanted) -> None:
    """Raises the readers' error when a column of ``wanted`` has a name that differs only in
    case from another of ``columns`` (the source's): the engine does not tell such names apart
    (``SELECT "kon"`` gives the first of them), so one column's values would be read as the
    other's. Such columns that are not read are no matter."""
    wanted = {_fold(str(c)) for c in wanted}
    seen: dict[str, str] = {}
    for column in map(str, columns):
        other = seen.setdefault(_fold(column), column)
        if other != column and _fold(column) in wanted:
            raise SourceError(
                f"Kolumnerna {other!r} och {column!r} i {shown} har samma namn om man bortser "
                "från stora och små bokstäver, och motorn skiljer inte på dem (column names "
                "differ only in case). Byt namn på den ena i exporten, eller ta bort den.")


def _open_source(spec: dict, base: Path, *, table: str | None = None) -> Source:
    if "sql" in spec:
        sql = spec["sql"]
        if not isinstance(sql, dict) or not {"url", "query"} <= set(sql):
            raise SourceError("'sql' i jamtools.yml ska ha nycklarna url och query.")
        shown = f"SQL ({sql.get('name', 'fråga')})"
        src = Source(shown, _sql_columns(str(sql["url"]), _query(sql)), kind="sql")
        src.sql, src.table = sql, table
        return src
    path = source_path(spec, base)
    if not path.is_file():
        raise SourceError(f"Filen {path} finns inte. Kontrollera 'file' i jamtools.yml.")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet_source(path)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        sheet = spec.get("sheet")
        return _decoded_source(path.name, path, ("xlsx", repr(sheet)), lambda: _read_excel(path, sheet=sheet),
                               lambda: read_excel(path, sheet=sheet))
    return _csv_source(path, spec)
