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
import json
import os
import re
import stat
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from domain.errors import BBTError
from domain.i18n import _

FORMATS = ("csv", "xlsx", "json")
MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
# Real workbooks unpack to a few times their size; a zip bomb to a thousand times or more.
MAX_XLSX_UNPACKED = 1024 * 1024 * 1024
MAX_XLSX_RATIO = 200
DELIMITERS = (",", ";", "\t")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_ESCAPED = (*FORMULA_TRIGGERS, "'")
# C0 controls other than TAB, CR, LF (and DEL) never occur in a text sheet.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Cell = str | int | float | date | None


@dataclass
class Sheet:
    """A file's header cells and data rows; `row` numbers count data rows from 1."""

    name: str
    format: str
    sha256: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


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
    """Read a whole import file. `is_known` tells a recognised header (to find the CSV
    delimiter). Any problem with the file as a whole is one BBTError sentence."""
    fmt = format_of(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "csv":
        headers, rows = _read_csv(data, path.name, is_known)
    elif fmt == "xlsx":
        headers, rows = _read_xlsx(data, path.name, sheet)
    elif fmt == "ods":
        headers, rows = _read_ods(data, path.name, sheet)
    else:
        headers, rows = _read_json(data, path.name)
    if len(headers) > MAX_COLUMNS:
        raise BBTError(_("'{name}' has {count} columns; an import sheet has at most {max}.")
                       .format(name=path.name, count=len(headers), max=MAX_COLUMNS))
    return Sheet(path.name, fmt, digest, headers, rows)


def _read_bytes(path: Path) -> bytes:
    too_large = _("'{name}' is larger than {mb} MB; split it into smaller files.").format(
        name=path.name, mb=MAX_FILE_BYTES // (1024 * 1024))
    try:
        # A FIFO would block for ever and /dev/zero never ends: regular files only, and never
        # more than the cap even if the file grows while it is read.
        if path.exists() and not stat.S_ISREG(path.stat().st_mode) and not path.is_dir():
            raise BBTError(_("'{path}' is not a regular file.").format(path=path))
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BBTError(too_large)
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise BBTError(too_large)
        return data
    except FileNotFoundError:
        raise BBTError(_("The file '{path}' does not exist.").format(path=path)) from None
    except IsADirectoryError:
        raise BBTError(_("'{path}' is a folder, not a file.").format(path=path)) from None
    except OSError as exc:
        raise BBTError(_("The file '{path}' cannot be read: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None


def decode(data: bytes, name: str) -> str:
    """Text of a CSV or JSON file in NFC: UTF-8 (with or without BOM), UTF-16 or
    Windows-1258, whichever it is."""
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise BBTError(_("'{name}' is neither UTF-8, UTF-16 nor Windows-1258 text; save it "
                         "again as CSV UTF-8.").format(name=name)) from None
    if "\x00" in text:
        raise BBTError(_("'{name}' contains NUL bytes: it is not a text file; save it again "
                         "as CSV UTF-8.").format(name=name))
    if _CONTROL.search(text):
        raise BBTError(_("'{name}' contains control characters: it is not a text file; save "
                         "it again as CSV UTF-8.").format(name=name))
    # Whole-text NFC equals per-cell NFC: no delimiter or quote composes with an accent.
    return unicodedata.normalize("NFC", text)


def _encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if utf16 := _bomless_utf16(data[:4096]):
        return utf16
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1258"


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


def _read_csv(data: bytes, name: str, is_known: Callable[[str], bool]
              ) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    text = decode(data, name)
    delimiter = _delimiter(text, is_known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader, [])]
        if not any(headers):
            raise BBTError(_("'{name}' is empty: the first row must name the columns.").format(
                name=name))
        # Cells stay as read (spaces and all): trimming happens once, where a column is read.
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(reader, start=1):
            if any(cells):
                rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise _too_many_rows(name)
    except csv.Error as exc:
        raise BBTError(_("Line {line} of '{name}' cannot be read as CSV ({reason}).").format(
            line=reader.line_num, name=name, reason=exc)) from None
    return headers, rows


def _delimiter(text: str, is_known: Callable[[str], bool]) -> str:
    """The delimiter that splits the header line into the most recognised column names."""
    end = text.find("\n")
    first = text if end < 0 else text[:end]

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        return sum(1 for c in cells if is_known(c)), len(cells)

    return max(DELIMITERS, key=score)


def _too_many_rows(name: str) -> BBTError:
    return BBTError(_("'{name}' has more than {max} rows; split it into smaller files.").format(
        name=name, max=f"{MAX_ROWS:,}"))


def _read_xlsx(data: bytes, name: str, sheet: str | None
               ) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    _check_zip(data, name)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged package
        raise BBTError(_("'{name}' cannot be opened as an Excel workbook ({reason}).").format(
            name=name, reason=type(exc).__name__)) from None
    try:
        return _xlsx_rows(book, name, sheet)
    except BBTError:
        raise
    except Exception as exc:
        raise BBTError(_("'{name}' cannot be read as an Excel workbook ({reason}).").format(
            name=name, reason=type(exc).__name__)) from None
    finally:
        book.close()


def _check_zip(data: bytes, name: str) -> None:
    """Look at the zip directory before openpyxl unpacks anything: a truncated file, a zip
    that is no workbook, or one that would unpack to gigabytes is refused here."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise BBTError(_("'{name}' is not an Excel workbook (.xlsx): the file is damaged or "
                         "of another kind.").format(name=name)) from None
    with archive:
        infos = archive.infolist()
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            raise BBTError(_("'{name}' is a zip archive but not an Excel workbook.").format(
                name=name))
        unpacked = sum(i.file_size for i in infos)
        bomb = any(i.file_size > 1024 * 1024
                   and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1) for i in infos)
        if unpacked > MAX_XLSX_UNPACKED or bomb:
            raise BBTError(_("'{name}' would unpack to {mb:,} MB; refused as a zip bomb.").format(
                name=name, mb=unpacked // (1024 * 1024)))


def _xlsx_rows(book: Any, name: str, sheet: str | None
               ) -> tuple[list[str], list[tuple[int, list[Any]]]]:
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
    headers = [_xlsx_text(v) or "" for v in next(values, ())]
    while headers and not headers[-1]:
        headers.pop()
    if not any(headers):
        raise BBTError(_("'{name}' is empty: the first row must name the columns.").format(
            name=name))
    rows: list[tuple[int, list[Any]]] = []
    for number, cells in enumerate(values, start=1):
        if number > MAX_ROWS:
            raise _too_many_rows(name)
        cleaned = [_xlsx_cell(v) for v in cells[: len(headers)]]
        if any(c is not None for c in cleaned):
            rows.append((number, cleaned))
    return headers, rows


def _xlsx_text(value: Any) -> str | None:
    cell = _xlsx_cell(value)
    return None if cell is None else str(cell)


def _xlsx_cell(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip() or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, datetime):
        return value.date() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | int | float):
        return value
    return str(value)


def _read_ods(data: bytes, name: str, sheet: str | None
              ) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    from domain import ods

    ods.check_package(data, name, MAX_XLSX_UNPACKED, MAX_XLSX_RATIO)
    return ods.read(data, name, sheet, MAX_ROWS, MAX_COLUMNS)


def _read_json(data: bytes, name: str) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    try:
        items = json.loads(decode(data, name))
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        raise BBTError(_("'{name}' is not valid JSON ({reason}).").format(
            name=name, reason=reason)) from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise BBTError(_("'{name}' must hold a JSON list of objects, one per row.").format(
            name=name))
    if len(items) > MAX_ROWS:
        raise _too_many_rows(name)
    headers = list(dict.fromkeys(unicodedata.normalize("NFC", k).strip()
                                 for item in items for k in item))
    rows = []
    for number, item in enumerate(items, start=1):
        cells = {unicodedata.normalize("NFC", k).strip(): _json_cell(v) for k, v in item.items()}
        rows.append((number, [cells.get(h) for h in headers]))
    return headers, rows


def _json_cell(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value).strip() or None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict):
        return Nested()
    return value  # numbers and null


class Nested:
    """A JSON list or object where a plain value belongs: refused for its row."""


# ------------------------------------------------------------------ writing


def write(rows: Iterable[dict[str, Any]], columns: Sequence[str], text_columns: set[str],
          fmt: str, target: IO[bytes], sheet_name: str = "data") -> None:
    """Write rows in exactly the form `read` takes back. `text_columns` are escaped against
    formula injection in CSV and XLSX; numbers and dates are not text and stay as they are."""
    if fmt == "ods":
        raise BBTError(_("BBT reads .ods files but writes .xlsx; export to an .xlsx file, "
                         "which LibreOffice opens."))
    if fmt == "json":
        data = [{c: row.get(c) for c in columns} for row in rows]
        target.write(json.dumps(data, ensure_ascii=False, indent=2).encode() + b"\n")
    elif fmt == "xlsx":
        _write_xlsx(rows, columns, text_columns, target, sheet_name)
    else:
        _write_csv(rows, columns, text_columns, target)


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

    sheet.append([cell(c, True) for c in columns])
    for row in rows:
        sheet.append([cell(row.get(c), c in text_columns) for c in columns])
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
