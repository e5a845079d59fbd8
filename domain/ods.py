"""Read the first (or a named) sheet of an OpenDocument spreadsheet (.ods, LibreOffice Calc).

Neither Python ODS library is kept up (odfpy's last release is from January 2020, and
pyexcel-ods3 of January 2022 rests on pyexcel-ezodf of 2017), and both build the whole
document in memory, where an .ods file says "this empty row, a million times" in one
element. So the sheet is read here as a stream: expat over `content.xml`, a megabyte at a
time, keeping only the rows that hold something. A document type declaration (the door to
entity expansion bombs) is refused; expat never fetches external entities.

The rows go to `add` as `imports_io` gives XLSX rows: text cleaned (NFC, no invisible
characters, no surrounding spaces), whole numbers as int, dates as date, empty cells as None,
data rows numbered from 1; `tick` is called as the parse goes (the caller's time budget).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any
from xml.parsers import expat

from domain.errors import BBTError
from domain.i18n import _

TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
CHUNK = 1 << 20


class _Done(Exception):
    """The sheet wanted has been read: stop parsing the rest of the document."""


class _Forbidden(Exception):
    """A DTD or an entity declaration: never in a real spreadsheet."""


def check_package(file: Any, name: str, max_unpacked: int, max_ratio: int) -> None:
    """The zip directory looked at before anything is unpacked (as for XLSX)."""
    try:
        archive = zipfile.ZipFile(file)
    except zipfile.BadZipFile:
        raise BBTError(_("'{name}' is not an OpenDocument spreadsheet (.ods): the file is "
                         "damaged or of another kind.").format(name=name)) from None
    with archive:
        infos = {i.filename: i for i in archive.infolist()}
        if "content.xml" not in infos or not _is_spreadsheet(archive, infos):
            raise BBTError(_("'{name}' is a zip archive but not an OpenDocument "
                             "spreadsheet.").format(name=name))
        unpacked = sum(i.file_size for i in infos.values())
        bomb = any(i.file_size > 1024 * 1024 and i.file_size > max_ratio * max(i.compress_size, 1)
                   for i in infos.values())
        if unpacked > max_unpacked or bomb:
            raise BBTError(_("'{name}' would unpack to {mb:,} MB; refused as a zip bomb.").format(
                name=name, mb=unpacked // (1024 * 1024)))


def _is_spreadsheet(archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> bool:
    info = infos.get("mimetype")
    return info is not None and info.file_size < 200 and \
        archive.read(info).strip() == MIMETYPE


Add = Callable[[int, list[Any]], None]


def read(file: Any, name: str, sheet: str | None, *, max_rows: int, max_columns: int,
         add: Add, tick: Callable[[], None], clean: Callable[[str], str]) -> list[str]:
    """The header cells of one sheet (the first unless `sheet` names one); its data rows go
    to `add`."""
    reader = _SheetReader(sheet, max_rows, max_columns, name, add, clean)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.buffer_text = True
    try:
        with zipfile.ZipFile(file) as archive, archive.open("content.xml") as xml:
            while chunk := xml.read(CHUNK):
                tick()
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Done:
        pass
    except (_Forbidden, expat.ExpatError, zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise BBTError(_("'{name}' cannot be read as an OpenDocument spreadsheet "
                         "({reason}).").format(name=name, reason=type(exc).__name__)) from None
    return reader.result()


def _refuse(*_args: Any) -> None:
    raise _Forbidden


class _SheetReader:
    """expat's callbacks: the state of one sheet's rows and cells while they stream by."""

    def __init__(self, wanted: str | None, max_rows: int, max_columns: int, name: str,
                 add: Add, clean: Callable[[str], str]) -> None:
        self.wanted, self.max_rows, self.max_columns, self.name = wanted, max_rows, max_columns, name
        self.add, self.clean = add, clean
        self.sheets: list[str] = []
        self.active = False
        self.headers: list[str] | None = None
        self.row_number = 0  # data rows seen, empty ones too (as XLSX numbers them)
        self.cells: list[Any] = []
        self.pending_empty = 0
        self.row_repeat = 1
        self.cell: dict[str, Any] | None = None
        self.parts: list[str] = []
        self.paragraphs = 0
        self.in_paragraph = 0  # text:p elements open (text between them is layout)
        self.ignore_depth = 0  # inside a comment (office:annotation): not the cell's text

    # --- elements
    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{TABLE} table":
            self._start_table(attrs.get(f"{TABLE} name", ""))
        elif not self.active:
            return
        elif self.ignore_depth or tag == f"{OFFICE} annotation":
            self.ignore_depth += 1
        elif tag == f"{TABLE} table-row":
            self.cells, self.pending_empty = [], 0
            self.row_repeat = _count(attrs.get(f"{TABLE} number-rows-repeated"))
        elif tag in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            self.cell, self.parts, self.paragraphs = attrs, [], 0
        elif self.cell is not None:
            self._start_text(tag, attrs)

    def _start_table(self, sheet_name: str) -> None:
        self.sheets.append(sheet_name)
        self.active = (self.wanted is None and len(self.sheets) == 1) or sheet_name == self.wanted

    def _start_text(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{TEXT} p":
            if self.paragraphs:
                self.parts.append("\n")
            self.paragraphs += 1
            self.in_paragraph += 1
        elif tag == f"{TEXT} s":
            self.parts.append(" " * min(_count(attrs.get(f"{TEXT} c")), 1000))
        elif tag == f"{TEXT} tab":
            self.parts.append("\t")
        elif tag == f"{TEXT} line-break":
            self.parts.append("\n")

    def end(self, tag: str) -> None:
        if not self.active:
            return
        if self.ignore_depth:
            self.ignore_depth -= 1
        elif tag == f"{TEXT} p":
            self.in_paragraph -= 1
        elif tag in (f"{TABLE} table-cell", f"{TABLE} covered-table-cell"):
            self._end_cell()
        elif tag == f"{TABLE} table-row":
            self._end_row()
        elif tag == f"{TABLE} table":
            raise _Done

    def text(self, data: str) -> None:
        if self.active and self.cell is not None and not self.ignore_depth and self.in_paragraph:
            self.parts.append(data)

    # --- values
    def _end_cell(self) -> None:
        assert self.cell is not None
        value = _value(self.cell, "".join(self.parts), self.clean)
        repeat = _count(self.cell.get(f"{TABLE} number-columns-repeated"))
        self.cell = None
        if value is None:
            self.pending_empty += repeat  # trailing empty columns are never materialised
            return
        width = len(self.cells) + self.pending_empty + repeat
        if width > self.max_columns:
            raise BBTError(_("'{name}' has {count} columns; an import sheet has at most "
                             "{max}.").format(name=self.name, count=width, max=self.max_columns))
        self.cells.extend([None] * self.pending_empty)
        self.cells.extend([value] * repeat)
        self.pending_empty = 0

    def _end_row(self) -> None:
        if self.headers is None:
            self.headers = ["" if c is None else str(c) for c in self.cells]
            self.row_repeat -= 1
        if not self.cells:
            self.row_number += self.row_repeat  # a million empty rows cost one addition
            return
        for _repeat in range(self.row_repeat):
            self.row_number += 1
            if self.row_number > self.max_rows:
                raise BBTError(_("'{name}' has more than {max} rows; split it into smaller "
                                 "files.").format(name=self.name, max=f"{self.max_rows:,}"))
            self.add(self.row_number, list(self.cells))

    def result(self) -> list[str]:
        if self.wanted is not None and self.wanted not in self.sheets:
            raise BBTError(_("'{name}' has no sheet '{sheet}'; its sheets are {sheets}.").format(
                name=self.name, sheet=self.wanted, sheets=", ".join(self.sheets)))
        if not self.headers or not any(self.headers):
            raise BBTError(_("'{name}' is empty: the first row must name the columns.").format(
                name=self.name))
        return self.headers


def _count(value: str | None) -> int:
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


def _value(attrs: dict[str, str], text: str, clean: Callable[[str], str]) -> Any:
    """A cell's value by its office:value-type, as openpyxl would give it for XLSX."""
    kind = attrs.get(f"{OFFICE} value-type")
    if kind in ("float", "percentage", "currency"):
        number = _number(attrs.get(f"{OFFICE} value"))
        if number is not None:
            return number
    elif kind == "date":
        day = _date(attrs.get(f"{OFFICE} date-value", ""))
        if day is not None:
            return day
    elif kind == "boolean":
        return attrs.get(f"{OFFICE} boolean-value", "false").lower()
    return clean(text) or None


def _number(value: str | None) -> int | float | None:
    try:
        number = float(value) if value else None
    except ValueError:
        return None
    if number is not None and number.is_integer() and abs(number) < 1e15:
        return int(number)
    return number


def _date(value: str) -> date | str | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.date() if moment.time() == time(0) else moment.isoformat(sep=" ")
