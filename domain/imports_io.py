"""Import sheets in and out: CSV, XLSX and JSON, and the checks that keep hostile files out.

Reading gives a `Sheet`: the header cells and the data rows, each cell plain text (NFC, no
surrounding spaces, None when empty) or a number or date as a spreadsheet or JSON holds it.
Nothing here knows about the kinds of records; domain/imports.py maps headers to columns.

Excel writes CSV as UTF-8 with a BOM, as Windows-1258 (whose accents decode to combining
marks, hence NFC) or, for "Unicode text", as tab-separated UTF-16: all are detected.
Spreadsheet cells that start with = + - @ TAB CR LF run as formulas when opened, so text
written to CSV/XLSX gets a leading apostrophe, taken off again on import (`escape`/`unescape`).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import json
import os
import pickle
import re
import stat
import struct
import tempfile
import time as time_
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, NoReturn

from domain.errors import BBTError
from domain.i18n import _
from domain.limits import INVISIBLE

FORMATS = ("csv", "xlsx", "json")
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# Real workbooks unpack to a few times their size; a zip bomb to a thousand times or more.
# Excel and LibreOffice show a sheet's first 1,048,576 rows and no more: a longer sheet
# would lose the rest without a word.
XLSX_MAX_ROWS = 1_048_576 - 1
MAX_XLSX_UNPACKED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
# Parts other than sheets (shared strings, styles) are held whole in memory by openpyxl:
# real ones compress a few times, so a part that unpacks beyond these is a crafted one.
MAX_XLSX_PART = 100 * 1024 * 1024
MAX_XLSX_PART_RATIO = 20
# A workbook gets this long to read (plus a second per MB of file).
XLSX_SECONDS = 20.0
XLSX_SECONDS_PER_MB = 1.0
# A line of text (CSV, JSON) or a JSON object: far more than a row of MAX_COLUMNS cells.
MAX_LINE_CHARS = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ESCAPED = (*FORMULA_TRIGGERS, "'")
# C0 controls other than TAB, CR, LF never occur in a text sheet (DEL, C1 and the other
# invisible characters are removed: domain.limits.INVISIBLE).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Cell = str | int | float | date | None
_LENGTH = struct.Struct("<I")
# Rows per pickle in a Rows spool, and the text they may hold (a row may be megabytes).
_BATCH, _BATCH_CHARS = 500, 1024 * 1024


class Rows:
    """A file's data rows, kept on disk (a spool of pickled rows) rather than in memory, so
    that a file of any size costs the same memory; each iteration reads them again.
    `len` is the number of rows."""

    def __init__(self) -> None:
        # Deleted when closed; lives as long as the rows (hence no context manager).
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._count = 0
        self._pending: list[tuple[int, list[Any]]] = []
        self._pending_chars = 0
        self._reading = False
        # Rows stored as {header: value} (JSON, whose headers are known only at the end)
        # come out as lists in this order.
        self.columns: list[str] | None = None

    def add(self, number: int, cells: list[Any]) -> None:
        self._pending.append((number, cells))
        self._count += 1
        values = cells.values() if type(cells) is dict else cells  # JSON objects
        self._pending_chars += sum([len(c) for c in values if type(c) is str])
        if len(self._pending) == _BATCH or self._pending_chars >= _BATCH_CHARS:
            self._write_pending()

    def _write_pending(self) -> None:
        # One pickle per batch of rows, length first: a pickle per row cost more than
        # reading the CSV (issue 13), and a batch is small enough to hold.
        if self._pending:
            data = pickle.dumps(self._pending, pickle.HIGHEST_PROTOCOL)
            self._spool.write(_LENGTH.pack(len(data)) + data)
            self._pending, self._pending_chars = [], 0

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        # One pass at a time (load, plan, rejects come one after the other): the spool has
        # one file position.
        if self._reading:
            raise RuntimeError("rows are read one pass at a time")
        self._reading = True
        try:
            self._write_pending()
            self._spool.flush()
            self._spool.seek(0)
            columns = self.columns
            for batch in self._batches():
                for number, stored in batch:
                    yield number, stored if columns is None else [stored.get(c) for c in columns]
        finally:
            self._reading = False

    def _batches(self) -> Iterator[list[tuple[int, Any]]]:
        """The pickled batches, in the order they were written."""
        size, read = _LENGTH.size, self._spool.read
        while header := read(size):
            (length,) = _LENGTH.unpack(header)
            yield pickle.loads(read(length))

    @classmethod
    def of(cls, rows: Iterable[tuple[int, list[Any]]]) -> Rows:
        spool = cls()
        for number, cells in rows:
            spool.add(number, cells)
        return spool


@dataclass
class Sheet:
    """A file's header cells and data rows; `row` numbers count data rows from 1."""

    name: str
    format: str
    sha256: str
    headers: list[str]
    rows: Rows = field(default_factory=Rows)


# ------------------------------------------------------------------ formula injection


def escape(value: str) -> str:
    """A leading apostrophe keeps a spreadsheet from running the text as a formula; text that
    already starts with one gets another, so `unescape` restores every value exactly."""
    return "'" + value if value.startswith(_ESCAPED) else value


def unescape(value: str) -> str:
    if len(value) > 1 and value[0] == "'" and value[1] in _ESCAPED:
        return value[1:]
    return value


# ------------------------------------------------------------------ reading


def format_of(path: Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in FORMATS:
            raise BBTError(_("Format '{format}' is unknown; use csv, xlsx or json.").format(
                format=explicit))
        return explicit
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix == ".json":
        return "json"
    if suffix == ".ods":
        return "ods"  # read only (domain/ods.py)
    if suffix == ".xls":
        raise BBTError(_("'{name}' is an old Excel 97-2003 workbook; save it as .xlsx or CSV "
                         "UTF-8 first.").format(name=path.name))
    raise BBTError(_("'{name}' is not a .csv, .xlsx, .ods or .json file.").format(
        name=path.name))


def read(path: Path, is_known: Callable[[str], bool], sheet: str | None = None) -> Sheet:
    """Read an import file in one streaming pass: its rows go to a spool on disk (`Rows`),
    so memory does not grow with the file. `is_known` tells a recognised header (to find the
    CSV delimiter). Any problem with the file as a whole is one BBTError sentence."""
    fmt = format_of(path)
    name = path.name
    with _open(path) as raw:
        stream = _Hashing(raw, name)
        if fmt == "csv":
            headers, rows = _read_csv(stream, name, is_known)
        elif fmt == "xlsx":
            headers, rows = _read_xlsx(stream, name, sheet)
        elif fmt == "ods":
            headers, rows = _read_ods(stream, name, sheet)
        else:
            headers, rows = _read_json(stream, name)
        stream.finish()
    return Sheet(name, fmt, stream.hexdigest(), headers, rows)


def _check_columns(headers: Sequence[str] | dict[str, None], name: str) -> None:
    if len(headers) > MAX_COLUMNS:
        raise BBTError(_("'{name}' has {count} columns; an import sheet has at most {max}.")
                       .format(name=name, count=f"{len(headers):,}", max=MAX_COLUMNS))


def _too_large(name: str) -> BBTError:
    return BBTError(_("'{name}' is larger than {mb} MB; split it into smaller files.").format(
        name=name, mb=MAX_FILE_BYTES // (1024 * 1024)))


def _open(path: Path) -> IO[bytes]:
    try:
        # A FIFO would block for ever and /dev/zero never ends: regular files only, and never
        # more than the cap even if the file grows while it is read (_Hashing counts).
        if path.exists() and not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            raise BBTError(_("'{path}' is not a regular file.").format(path=path))
        if path.stat().st_size > MAX_FILE_BYTES:
            raise _too_large(path.name)
        return path.open("rb")
    except FileNotFoundError:
        raise BBTError(_("The file '{path}' does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise BBTError(_("'{path}' is a folder, not a file.").format(path=path)) from None
    except OSError as exc:
        raise BBTError(_("The file '{path}' cannot be read: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None


class _Hashing(io.RawIOBase):
    """The file as read: every byte goes through SHA-256 once (the audit names the digest
    of exactly what was imported) and reading past MAX_FILE_BYTES is refused. Seeking (a
    zip's directory) hashes the whole file first, then reads from the file itself."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        super().__init__()
        self.raw, self.name, self.size = raw, name, 0
        self.digest = hashlib.sha256()
        self.hashed_all = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if count and not self.hashed_all:
            self.size += count
            if self.size > MAX_FILE_BYTES:
                raise _too_large(self.name)
            self.digest.update(memoryview(buffer)[:count])
        return count or 0

    def seek(self, offset: int, whence: int = 0) -> int:
        self.finish()
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def finish(self) -> None:
        """Hash the rest of the file (what a reader did not need to read is hashed too)."""
        if self.hashed_all:
            return
        self.raw.seek(self.size)
        while chunk := self.raw.read(1024 * 1024):
            self.size += len(chunk)
            if self.size > MAX_FILE_BYTES:
                raise _too_large(self.name)
            self.digest.update(chunk)
        self.hashed_all = True

    def hexdigest(self) -> str:
        return self.digest.hexdigest()


# ------------------------------------------------------------------ CSV


def _sniff(stream: IO[bytes]) -> str | None:
    """The encoding a file's first bytes declare (a BOM, or UTF-16 without one); None when
    they declare nothing, and the lines decide between UTF-8 and Windows-1258."""
    head = stream.peek(4096)[:4096]  # type: ignore[attr-defined]
    if head.startswith(codecs.BOM_UTF8):
        stream.read(len(codecs.BOM_UTF8))
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return _bomless_utf16(head)


def _text_lines(stream: IO[bytes], name: str) -> Iterator[str]:
    """The file's lines as text (line ends kept) in NFC, without invisible characters.

    One encoding per file: UTF-8 (with or without BOM), UTF-16 or Windows-1258 (whose
    accents decode to combining marks, hence NFC). Without a BOM the first line that is not
    plain ASCII decides between UTF-8 and Windows-1258; a later line that decodes the other
    way is refused (`MixedEncoding`), never imported as mojibake."""
    declared = _sniff(stream)
    if declared in ("utf-16", "utf-16-le", "utf-16-be"):
        text = io.TextIOWrapper(stream, encoding=declared, newline="")  # type: ignore[arg-type]
        lines = _utf16_lines(text, name)
    else:
        lines = _byte_lines(stream, name, declared)
    for line in lines:
        if line.rstrip("\r\n").isprintable():  # no control or format character at all
            yield line if line.isascii() else unicodedata.normalize("NFC", line)
            continue
        if "\x00" in line:
            raise BBTError(_("'{name}' contains NUL bytes: it is not a text file; save it "
                             "again as CSV UTF-8.").format(name=name))
        if _CONTROL.search(line):
            raise BBTError(_("'{name}' contains control characters: it is not a text file; "
                             "save it again as CSV UTF-8.").format(name=name))
        # DEL, C1, bidirectional and zero-width characters go; whole-line NFC equals
        # per-cell NFC: no delimiter or quote composes with an accent.
        yield unicodedata.normalize("NFC", INVISIBLE.sub("", line))


def _utf16_lines(text: IO[str], name: str) -> Iterator[str]:
    try:
        while line := text.readline(MAX_LINE_CHARS + 1):
            if len(line) > MAX_LINE_CHARS:
                raise _line_too_long(name)
            yield line
    except UnicodeDecodeError:
        raise _undecodable(name) from None


def _byte_lines(stream: IO[bytes], name: str, declared: str | None) -> Iterator[str]:
    encoding = declared
    while line := stream.readline(MAX_LINE_CHARS + 1):
        if len(line) > MAX_LINE_CHARS:
            raise _line_too_long(name)
        if line.isascii():
            yield line.decode("ascii")
            continue
        try:
            text, looks_utf8 = line.decode("utf-8"), True
        except UnicodeDecodeError:
            text, looks_utf8 = "", False
        if encoding is None:
            encoding = "utf-8" if looks_utf8 else "cp1258"
        elif looks_utf8 != (encoding == "utf-8"):
            raise MixedEncoding(encoding)
        if looks_utf8:
            yield text
            continue
        try:
            yield line.decode(encoding)
        except UnicodeDecodeError:
            raise _undecodable(name) from None


class MixedEncoding(Exception):
    """A line decodes in another encoding than the lines before it."""

    def __init__(self, encoding: str) -> None:
        super().__init__(encoding)
        self.encoding = encoding


def _undecodable(name: str) -> BBTError:
    return BBTError(_("'{name}' is neither UTF-8, UTF-16 nor Windows-1258 text; save it "
                      "again as CSV UTF-8.").format(name=name))


def _line_too_long(name: str) -> BBTError:
    return BBTError(_("'{name}' has a line longer than {mb} MB; it is not an import sheet.")
                    .format(name=name, mb=MAX_LINE_CHARS // (1024 * 1024)))


def _mixed(name: str, row: int, encoding: str) -> BBTError:
    return BBTError(_("Row {row} of '{name}' is written in another encoding than the rows "
                      "before it ({encoding}); save the whole file again as CSV UTF-8.")
                    .format(row=row, name=name,
                            encoding="UTF-8" if encoding == "utf-8" else "Windows-1258"))


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-Latin text has a zero in every other byte."""
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0 : pairs * 2 : 2].count(0)
    odd = sample[1 : pairs * 2 : 2].count(0)
    if odd > pairs * 0.3 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.3 and odd < pairs * 0.05:
        return "utf-16-be"
    return None


def _read_csv(stream: _Hashing, name: str, is_known: Callable[[str], bool]
              ) -> tuple[list[str], Rows]:
    lines = _text_lines(io.BufferedReader(stream, 1024 * 1024), name)
    rows = Rows()
    number = 0
    first = next(lines, "")
    reader = csv.reader(itertools.chain([first], lines), delimiter=_delimiter(first, is_known))
    try:
        headers = [h.strip() for h in next(reader, [])]
        if not any(headers):
            raise BBTError(_("'{name}' is empty: the first row must name the columns.").format(
                name=name))
        _check_columns(headers, name)
        # Cells stay as read (spaces and all): trimming happens once, where a column is read.
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS:
                raise _too_many_rows(name)
            if any(cells):
                rows.add(number, cells)
    except MixedEncoding as exc:
        raise _mixed(name, number + 1, exc.encoding) from None
    except csv.Error as exc:
        raise BBTError(_("Line {line} of '{name}' cannot be read as CSV ({reason}).").format(
            line=reader.line_num, name=name, reason=exc)) from None
    return headers, rows


def _delimiter(first: str, is_known: Callable[[str], bool]) -> str:
    """The delimiter that splits the header line into the most recognised column names
    (judged on the start of the line: a header of a million columns is refused afterwards,
    and no cell of the sample exceeds the csv module's field limit)."""
    sample = first[:100_000]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([sample], delimiter=delimiter), [])[:MAX_COLUMNS]
        return sum(1 for c in cells if is_known(c)), len(cells)

    return max(DELIMITERS, key=score)


def _too_many_rows(name: str) -> BBTError:
    return BBTError(_("'{name}' has more than {max} rows; split it into smaller files.").format(
        name=name, max=f"{MAX_ROWS:,}"))


# ------------------------------------------------------------------ XLSX


def _read_xlsx(stream: _Hashing, name: str, sheet: str | None) -> tuple[list[str], Rows]:
    stream.finish()  # the digest of the whole file, before the zip is opened
    stream.seek(0)
    _check_zip(stream, name)
    from openpyxl import load_workbook

    budget = _Budget(name, stream.size)
    try:
        timed = io.BufferedReader(_Timed(stream, budget), 1024 * 1024)
        book = load_workbook(timed, read_only=True, data_only=True)
    except BBTError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise BBTError(_("'{name}' cannot be opened as an Excel workbook ({reason}).").format(
            name=name, reason=_reason(exc))) from None
    try:
        return _xlsx_rows(book, name, sheet, budget)
    except BBTError:
        raise
    except Exception as exc:
        raise BBTError(_("'{name}' cannot be read as an Excel workbook ({reason}).").format(
            name=name, reason=_reason(exc))) from None
    finally:
        book.close()


def _read_ods(stream: _Hashing, name: str, sheet: str | None) -> tuple[list[str], Rows]:
    """An OpenDocument spreadsheet (LibreOffice): the same size and time limits as XLSX."""
    from domain import ods

    stream.finish()
    stream.seek(0)
    ods.check_package(stream, name, MAX_XLSX_UNPACKED, MAX_XLSX_RATIO)
    stream.seek(0)
    budget = _Budget(name, stream.size)
    rows = Rows()
    headers = ods.read(stream, name, sheet, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                       add=rows.add, tick=budget.check, clean=_clean)
    _check_columns(headers, name)
    return headers, rows


def _reason(exc: Exception) -> str:
    """What went wrong inside a workbook, in words (never a class name)."""
    if isinstance(exc, KeyError):
        return _("a part is missing")
    if isinstance(exc, zipfile.BadZipFile | EOFError):
        return _("the file is damaged")
    return _("its content is not what Excel writes")


class _Budget:
    """Time allowed for reading a workbook: enough for any real one of its size, far less
    than a crafted one would take (every read of the file and every row checks it)."""

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.deadline = time_.monotonic() + XLSX_SECONDS + XLSX_SECONDS_PER_MB * size / 2**20

    def check(self) -> None:
        if time_.monotonic() > self.deadline:
            raise BBTError(_("'{name}' takes too long to read; it is not an ordinary "
                             "workbook.").format(name=self.name))


class _Timed(io.RawIOBase):
    """The workbook file for openpyxl, checking the time budget on every read: the shared
    strings and the sheets are unpacked while they are read."""

    def __init__(self, raw: Any, budget: _Budget) -> None:
        super().__init__()
        self.raw, self.budget = raw, budget

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.budget.check()
        return self.raw.readinto(buffer)  # type: ignore[attr-defined,no-any-return]

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()


def _check_zip(stream: Any, name: str) -> None:
    """Look at the zip directory before openpyxl unpacks anything: a truncated file, a zip
    that is no workbook, or one whose parts would unpack beyond their budget is refused
    here, in milliseconds."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        raise BBTError(_("'{name}' is not an Excel workbook (.xlsx): the file is damaged or "
                         "of another kind.").format(name=name)) from None
    infos = archive.infolist()
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise BBTError(_("'{name}' is a zip archive but not an Excel workbook.").format(
            name=name))
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_XLSX_UNPACKED or any(_over_budget(i) for i in infos):
        raise BBTError(_("'{name}' would unpack to {mb:,} MB; refused as a zip bomb.").format(
            name=name, mb=unpacked // (1024 * 1024)))


def _over_budget(info: zipfile.ZipInfo) -> bool:
    """Sheets stream row by row and may be large; every other part (shared strings,
    styles) is held whole in memory by openpyxl, so it has a size and a ratio of its own."""
    ratio = info.file_size / max(info.compress_size, 1)
    if info.filename.startswith("xl/worksheets/"):
        return info.file_size > 1024 * 1024 and ratio > MAX_XLSX_RATIO
    return info.file_size > MAX_XLSX_PART or (info.file_size > 1024 * 1024
                                             and ratio > MAX_XLSX_PART_RATIO)


def _xlsx_rows(book: Any, name: str, sheet: str | None, budget: _Budget
               ) -> tuple[list[str], Rows]:
    if sheet is None:
        worksheet = book.worksheets[0]
    elif sheet in book.sheetnames:
        worksheet = book[sheet]
    else:
        raise BBTError(_("'{name}' has no sheet '{sheet}'; its sheets are {sheets}.").format(
            name=name, sheet=sheet, sheets=", ".join(book.sheetnames)))
    if hasattr(worksheet, "reset_dimensions"):
        worksheet.reset_dimensions()  # some writers record wrong dimensions: read everything
    values = worksheet.iter_rows(values_only=True)
    headers = [_xlsx_text(v) or "" for v in itertools.islice(next(values, ()), MAX_COLUMNS + 1)]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise BBTError(_("'{name}' is empty: the first row must name the columns.").format(
            name=name))
    _check_columns(headers, name)
    rows = Rows()
    for number, cells in enumerate(values, start=1):
        if number > MAX_ROWS:
            raise _too_many_rows(name)
        if number % 1000 == 0:
            budget.check()
        cleaned = [_xlsx_cell(v) for v in cells[: len(headers)]]
        if any(c is not None for c in cleaned):
            rows.add(number, cleaned)
    return headers, rows


def _xlsx_text(value: Any) -> str | None:
    cell = _xlsx_cell(value)
    return None if cell is None else str(cell)


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, str):
        return _clean(value) or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | int | float):
        return value
    return str(value)


def _clean(value: str) -> str:
    """A text cell in NFC without invisible characters (the CSV reader does whole lines)."""
    if value.isascii() and value.isprintable():
        return value.strip()
    return unicodedata.normalize("NFC", INVISIBLE.sub("", value)).strip()


# ------------------------------------------------------------------ JSON


def _read_json(stream: _Hashing, name: str) -> tuple[list[str], Rows]:
    """A JSON list of objects, read one object at a time."""
    lines = _text_lines(io.BufferedReader(stream, 1024 * 1024), name)
    headers: dict[str, None] = {}
    rows = Rows()
    number = 0
    try:
        for number, item in enumerate(_json_objects(lines, name), start=1):
            if number > MAX_ROWS:
                raise _too_many_rows(name)
            cells = {_clean(k): _json_cell(v) for k, v in item.items()}
            for key in cells:
                if key not in headers:
                    headers[key] = None
                    _check_columns(headers, name)
            rows.add(number, cells)  # type: ignore[arg-type]  # shaped by Rows.columns
    except MixedEncoding as exc:
        raise _mixed(name, number + 1, exc.encoding) from None
    rows.columns = list(headers)
    return list(headers), rows


def _json_objects(lines: Iterator[str], name: str) -> Iterator[dict[str, Any]]:
    decoder = json.JSONDecoder(parse_constant=_no_constant)
    reader = _JsonText(lines)
    if reader.next_char() != "[":
        reader.refuse_or_fail(decoder, name)
    reader.pos += 1
    while True:
        char = reader.next_char()
        if char == "]":
            reader.pos += 1
            if reader.next_char() != "":
                _invalid_json(name, _("text after the list"))
            return
        if char != "{":
            reader.refuse_or_fail(decoder, name)
        yield reader.decode(decoder, name)
        char = reader.next_char()
        if char == ",":
            reader.pos += 1
        elif char != "]":
            _invalid_json(name, _("a comma or the end of the list is missing"))


class _JsonText:
    """A window on the text of a JSON file: enough of it to decode the next object."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines, self.buffer, self.pos = lines, "", 0

    def more(self) -> bool:
        chunk = "".join(itertools.islice(self.lines, 256))
        if not chunk:
            return False
        self.buffer = self.buffer[self.pos:] + chunk
        self.pos = 0
        return True

    def next_char(self) -> str:
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in " \t\r\n":
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def decode(self, decoder: json.JSONDecoder, name: str) -> Any:
        while True:
            try:
                item, end = decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.buffer) - self.pos > MAX_LINE_CHARS or not self.more():
                    _invalid_json(name, exc.msg)
                continue
            except RecursionError:
                _invalid_json(name, _("nested too deeply"))
            except ValueError as exc:  # a constant such as NaN
                _invalid_json(name, str(exc))
            self.pos = end
            return item

    def refuse_or_fail(self, decoder: json.JSONDecoder, name: str) -> None:
        """Something other than an object where one belongs: invalid JSON, or valid JSON of
        the wrong shape; either way the file is refused."""
        if self.next_char() in ("{", "["):
            self.decode(decoder, name)
        raise BBTError(_("'{name}' must hold a JSON list of objects, one per row.").format(
            name=name))


def _no_constant(value: str) -> Any:
    raise ValueError(_("{value} is not a number").format(value=value))


def _invalid_json(name: str, reason: str) -> NoReturn:
    raise BBTError(_("'{name}' is not valid JSON ({reason}).").format(name=name, reason=reason))


def _json_cell(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value) or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return Nested()
    return value  # numbers and null


class Nested:
    """A JSON list or object where a plain value belongs: refused for its row."""


# ------------------------------------------------------------------ writing


def write(rows: Iterable[dict[str, Any]], columns: Sequence[str], text_columns: set[str],
          fmt: str, target: IO[bytes], sheet_name: str = "data") -> int:
    """Write rows in exactly the form `read` takes back, each as it comes (a generator of
    any length costs one row of memory), and say how many. `text_columns` are escaped
    against formula injection in CSV and XLSX; numbers and dates are not text and stay as
    they are."""
    if fmt == "ods":
        raise BBTError(_("BBT reads .ods files but writes .xlsx; export to an .xlsx file, "
                         "which LibreOffice opens."))
    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        for count, row in enumerate(rows, start=1):  # noqa: B007  # read after the loop
            yield row

    if fmt == "json":
        _write_json(({c: row.get(c) for c in columns} for row in counted()), target)
    elif fmt == "xlsx":
        _write_xlsx(counted(), columns, text_columns, target, sheet_name)
    else:
        _write_csv(counted(), columns, text_columns, target)
    return count


def _write_json(items: Iterable[dict[str, Any]], target: IO[bytes]) -> None:
    from domain.output import json_list

    stream = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    stream.writelines(json_list(items))
    stream.flush()
    stream.detach()


def _write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], text_columns: set[str],
               target: IO[bytes]) -> None:
    stream = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(stream)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_value(row.get(c), c in text_columns) for c in columns])
    stream.flush()
    stream.detach()


def _csv_value(value: Any, is_text: bool) -> str:
    if value is None:
        return ""
    text = str(value)
    return escape(text) if is_text else text


def _write_xlsx(rows: Iterable[dict[str, Any]], columns: Sequence[str], text_columns: set[str],
                target: IO[bytes], sheet_name: str) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name[:31])

    def cell(value: Any, is_text: bool) -> Any:
        if value is None:
            return None
        if not is_text and isinstance(value, int | float):
            return value
        text = escape(str(value)) if is_text else str(value)
        if not text.startswith("="):
            return text  # openpyxl writes any other str as a string cell
        written = WriteOnlyCell(sheet, value=text)
        written.data_type = "s"  # an explicit string: never turned into a formula
        return written

    try:
        sheet.append([cell(c, True) for c in columns])
        for number, row in enumerate(rows, start=1):
            if number > XLSX_MAX_ROWS:
                raise BBTError(_("An XLSX sheet holds at most {max} rows under its header, "
                                 "and this export has more: export to CSV or JSON.").format(
                                     max=f"{XLSX_MAX_ROWS:,}"))
            sheet.append([cell(row.get(c), c in text_columns) for c in columns])
    except BaseException:
        sheet.close()  # ends openpyxl's XML writer, which otherwise complains when collected
        raise
    book.save(target)


def write_raw(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str,
              target: IO[bytes]) -> None:
    """Rows as they were read (a rejects file to fix and import again): no escaping, since
    the cells are the sender's own, but XLSX text stays text."""
    materialised = [dict(zip(headers, row, strict=False)) for row in rows]
    if fmt == "json":
        write(materialised, headers, set(), "json", target)
    elif fmt == "xlsx":
        _write_xlsx_raw(headers, materialised, target)
    else:
        stream = io.TextIOWrapper(target, encoding="utf-8-sig", newline="", write_through=True)
        writer = csv.writer(stream)
        writer.writerow(headers)
        for row in materialised:
            writer.writerow(["" if row.get(h) is None else str(row.get(h)) for h in headers])
        stream.flush()
        stream.detach()


def _write_xlsx_raw(headers: Sequence[str], rows: list[dict[str, Any]], target: IO[bytes]
                    ) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("rejects")

    def cell(value: Any) -> Any:
        if value is None or isinstance(value, int | float | date):
            return value
        written = WriteOnlyCell(sheet, value=str(value))
        written.data_type = "s"
        return written

    sheet.append([cell(h) for h in headers])
    for row in rows:
        sheet.append([cell(row.get(h)) for h in headers])
    book.save(target)


def open_new_private(path: Path) -> IO[bytes]:
    """A new file only its owner can read (0600 from the start, never widened by the umask);
    an existing file is never overwritten."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BBTError(_("The file '{path}' already exists; name a new file so that nothing "
                         "in it is overwritten.").format(path=path)) from None
    except OSError as exc:
        raise BBTError(_("The file '{path}' cannot be created: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")
