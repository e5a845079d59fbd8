"""What every kind of import shares: columns and their headers, reading one row's cells with
the errors found in them, the plan (insert, update, unchanged, rejected) and bulk writes.

A kind subclasses `Handler`: `load` reads what already exists once (dicts keyed by natural
key) or `lookup` a chunk's stored records, `check` turns one row's cells into typed values,
`resolve` checks what looks beyond one row (references inside the file), `changed` compares
with the stored record, `write` writes one chunk's plan with Core executemany (COPY on
PostgreSQL). No per-row flush, no per-row audit.
"""

from __future__ import annotations

import gc
import re
from array import array
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any, ClassVar

from sqlalchemy import Table, bindparam, insert, update
from sqlmodel import Session

from domain.auth import Actor
from domain.columns import every_label
from domain.errors import BBTError
from domain.i18n import _
from domain.imports_io import MAX_CELL_CHARS, Nested, Rows, unescape
from domain.limits import COUNT_MAX, TEXT_LIMITS
from domain.text import fold, parse_date

CHUNK = 5_000
Progress = Callable[[str, int, int], None]
# A file's rows: spooled on disk when read from a file, or a list (tests, the TUI).
RowSource = Rows | Sequence[tuple[int, list[Any]]]


@dataclass(frozen=True)
class Column:
    name: str
    vi: tuple[str, ...] = ()  # Vietnamese headers (SPEC section 4)
    required: bool = False
    text: bool = True  # free text: escaped against formula injection in CSV/XLSX

    def headers(self) -> tuple[str, ...]:
        # The headers an export writes, in either language, read back (domain.columns).
        return (self.name, *self.vi, *every_label(self.name))


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while a file's rows are built and written: they
    are hundreds of thousands of acyclic lists and dicts, and collecting over and over
    while they pile up costs as much as the import itself. Reference counting still frees
    everything; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def header_key(text: str) -> str:
    """Headers match ignoring case, accents, spaces and punctuation: "Họ và tên",
    "ho va ten", "HO_VA_TEN" and "hovaten" are one header."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


@dataclass(slots=True)
class Planned:
    row: int
    values: dict[str, Any]
    key: Any = None  # the natural key (hashable)
    errors: list[str] = field(default_factory=list)
    current: Any = None  # the stored record, for an update


@dataclass
class Plan:
    inserts: list[Planned] = field(default_factory=list)
    updates: list[Planned] = field(default_factory=list)
    unchanged: list[Planned] = field(default_factory=list)
    rejected: list[Planned] = field(default_factory=list)
    # Good rows counted but not kept (written a chunk at a time, or a dry run).
    counted: dict[str, int] = field(default_factory=lambda: dict.fromkeys(
        ("inserts", "updates", "unchanged"), 0))

    def count(self, fate: str) -> int:
        """How many rows have this fate ("inserts", "updates", "unchanged")."""
        return len(getattr(self, fate)) + self.counted[fate]


class Cells:
    """One row's cells by column name, and the errors found while reading them."""

    __slots__ = ("errors", "unescape", "values")

    def __init__(self, values: dict[str, Any], unescape: frozenset[str] = frozenset()) -> None:
        self.values = values
        self.unescape = unescape  # text columns of a spreadsheet: export's apostrophe goes
        self.errors: list[str] = []

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(f"{column}: {reason}")

    def given(self, column: str) -> bool:
        value = self.values.get(column)
        return value is not None and (not isinstance(value, str) or bool(value.strip()))

    def raw(self, column: str, required: bool = False) -> Any:
        """The cell trimmed, or None (after noting why) when it is empty or unreadable."""
        value = self.values.get(column)
        if isinstance(value, str):
            value = value.strip()
            if value[:1] == "'" and column in self.unescape:
                value = unescape(value)
            if len(value) > MAX_CELL_CHARS:
                self.fail(column, _("At most {limit} characters.").format(
                    limit=f"{MAX_CELL_CHARS:,}"))
                return None
        elif isinstance(value, Nested):
            self.fail(column, _("Write plain text or a number here."))
            return None
        if value is None or value == "":
            if required:
                self.fail(column, _("A value is required."))
            return None
        return value

    def text(self, column: str, required: bool = False, limit: int | None = None) -> str | None:
        value = self.raw(column, required)
        if value is None:
            return None
        if not isinstance(value, str):
            value = _as_text(value)
            if value is None:
                self.fail(column, _("Write plain text or a number here."))
                return None
        limit = limit if limit is not None else TEXT_LIMITS.get(column)
        if limit is not None and len(value) > limit:
            self.fail(column, _("At most {limit} characters.").format(limit=f"{limit:,}"))
            return None
        return value

    def check(self, column: str, checker: Callable[[str], Any], required: bool = False,
              cache: dict[str, Any] | None = None) -> Any:
        """A value passed through a domain check_* function; `cache` remembers the answers
        for repeated values (kinds, statuses) so a large file pays for each value once."""
        value = self.text(column, required)
        if value is None:
            return None
        if cache is not None and value in cache:
            answer = cache[value]
        else:
            try:
                answer = checker(value)
            except BBTError as exc:
                answer = exc
            if cache is not None:
                cache[value] = answer
        if isinstance(answer, BBTError):
            self.fail(column, str(answer))
            return None
        return answer

    def date(self, column: str, required: bool = False,
             cache: dict[Any, Any] | None = None) -> date | None:
        value = self.raw(column, required)
        if value is None:
            return None
        if cache is not None:
            known = cache.get(value)
            if known is not None:
                return known
        try:
            day = parse_date(value, column) if isinstance(value, str | date) else None
        except BBTError as exc:
            self.fail(column, str(exc))
            return None
        if day is None:
            self.fail(column, _("Write a date as YYYY-MM-DD or DD/MM/YYYY."))
            return None
        if cache is not None:
            cache[value] = day
        return day

    def integer(self, column: str, required: bool = False, minimum: int | None = 0
                ) -> int | None:
        value = self.raw(column, required)
        if value is None:
            return None
        number = _as_int(value)
        if number is None:
            self.fail(column, _("'{value}' is not a whole number.").format(value=value))
        elif minimum is not None and number < minimum:
            self.fail(column, _("Must be at least {minimum}.").format(minimum=minimum))
            return None
        elif number > COUNT_MAX:
            self.fail(column, _("At most {max}.").format(max=f"{COUNT_MAX:,}"))
            return None
        return number


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, int | float | date):
        return str(value)  # a date's str is its ISO form
    return None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        text = value.replace(" ", "").replace("\u00a0", "")
        if re.fullmatch(r"[+-]?\d{1,15}", text):
            return int(text)
    return None


class KeyIndex:
    """The first row of each natural key, in 12 bytes a slot (an open-addressing table of
    the keys' 64-bit hashes and row numbers) instead of a dict's hundred and more: with it
    a dry run's memory hardly grows with the file. Two different keys sharing a hash is a
    chance in 2**64 per pair."""

    def __init__(self) -> None:
        self._size = 1 << 12
        self._hashes = array("q", bytes(8 * self._size))
        self._rows = array("i", bytes(4 * self._size))  # 0: empty (rows count from 1)
        self._used = 0

    def setdefault(self, key: Hashable, row: int) -> int:
        """The row that first had `key`: `row` itself when it is the first."""
        digest = hash(key)
        hashes, rows, mask = self._hashes, self._rows, self._size - 1
        slot = digest & mask
        while True:
            first = rows[slot]
            if first == 0:
                hashes[slot], rows[slot] = digest, row
                self._used += 1
                if self._used * 10 > self._size * 7:
                    self._grow()
                return row
            if hashes[slot] == digest:
                return first
            slot = (slot + 1) & mask

    def _grow(self) -> None:
        old = zip(self._hashes, self._rows, strict=True)
        self._size *= 2
        self._hashes = array("q", bytes(8 * self._size))
        self._rows = array("i", bytes(4 * self._size))
        mask = self._size - 1
        for digest, row in old:
            if row:
                slot = digest & mask
                while self._rows[slot]:
                    slot = (slot + 1) & mask
                self._hashes[slot], self._rows[slot] = digest, row


def choice(aliases: dict[str, str], check: Callable[[str], str]) -> Callable[[str], str]:
    """An enumeration read as written ("Outgoing", "đi", "very urgent") then checked by the
    domain's own check function."""

    def read(value: str) -> str:
        folded = fold(value)
        return check(aliases.get(folded, folded.replace(" ", "_")))

    return read


class Handler:
    """One kind of import. Subclasses set the class attributes and the hooks below."""

    kind: ClassVar[str]
    permission: ClassVar[str]
    columns: ClassVar[tuple[Column, ...]]
    key_names: ClassVar[str] = ""  # the natural key in words, for duplicate rows
    # Good rows checked, classified and written together; None: the whole file at once.
    chunk_rows: ClassVar[int | None] = CHUNK

    def __init__(self, session: Session, actor: Actor, mapping: dict[str, int]) -> None:
        self.session = session
        self.actor = actor
        self.mapping = mapping  # column name -> position in the file's rows
        self.present = frozenset(mapping)
        self.unescape: frozenset[str] = frozenset()
        self.rows: RowSource = ()

    # --- hooks
    def load(self) -> None:
        """Read what exists (natural keys, references) once, before any row is checked."""

    def fast(self) -> Callable[[list[Any]], tuple[Hashable, dict[str, Any]] | None] | None:
        """Optionally, a check of a raw row for kinds that come by the hundred thousand:
        it answers the common clean row and returns None for anything else, which then
        takes `check`."""
        return None

    def check(self, cells: Cells) -> tuple[Hashable, dict[str, Any]]:
        raise NotImplementedError

    def resolve(self, planned: list[Planned]) -> None:
        """Checks that look beyond one row (references between rows of the file), a chunk
        of good rows at a time: what they remember across chunks lives in the handler."""

    def lookup(self, chunk: list[Planned]) -> None:
        """Optionally, read the stored records of one chunk's natural keys (for kinds whose
        records come by the hundred thousand, instead of all of them in `load`)."""

    def existing(self, planned: Planned) -> Any:
        raise NotImplementedError

    def changed(self, planned: Planned, current: Any) -> bool:
        raise NotImplementedError

    def duplicate(self, planned: Planned, first_row: int) -> str:
        """The reason given to a row whose natural key an earlier row of the file has."""
        return f"{self.columns[0].name}: " + _("row {row} has the same {key}.").format(
            row=first_row, key=_(self.key_names) if self.key_names else "")

    def write(self, plan: Plan, progress: Progress | None) -> None:
        raise NotImplementedError

    def export(self) -> Iterator[dict[str, Any]]:
        """Every record as an import row, in a stable order, as they are read."""
        raise NotImplementedError

    # --- the common flow
    def plan(self, rows: RowSource, progress: Progress | None) -> Plan:
        """Every row's fate, good rows kept (the TUI's preview lists them row by row)."""
        whole = Plan()

        def keep(part: Plan, _so_far: Plan) -> None:
            for fate in ("inserts", "updates", "unchanged"):
                getattr(whole, fate).extend(getattr(part, fate))

        found = self.stream(rows, progress, keep)
        whole.rejected = found.rejected
        return whole

    def stream(self, rows: RowSource, progress: Progress | None,
               settle: Callable[[Plan, Plan], None] | None = None) -> Plan:
        """Check every row and classify the good ones a chunk at a time: `settle` gets each
        chunk's plan (to write it) and the chunk is dropped, so that memory holds one chunk,
        the rejected rows and 12 bytes per natural key, whatever the size of the file. The
        answer counts the good rows and keeps the rejected ones, in row order; `settle`
        also gets it as it grows (a rejected row stops an all-or-nothing import's writes)."""
        self.rows = rows
        self.load()
        result = Plan()
        chunk: list[Planned] = []
        reject = result.rejected.append
        claim = KeyIndex().setdefault
        fast = self.fast()
        cells_of = self._cells_reader()
        size = self.chunk_rows or len(rows) or 1
        total = len(rows)
        for done, (row, raw) in enumerate(rows, start=1):
            if self.skip(raw):
                continue
            answer = fast(raw) if fast is not None else None
            if answer is None:
                cells = cells_of(raw)
                key, typed = self.check(cells)
                planned = Planned(row, typed, key, cells.errors)
            else:
                key, typed = answer
                planned = Planned(row, typed, key)
            if planned.errors:
                reject(planned)
            elif key is None or (first := claim(key, row)) == row:
                chunk.append(planned)
                if len(chunk) >= size:
                    self._settle(chunk, result, settle)
                    chunk = []
            else:  # the same natural key as an earlier good row
                planned.errors.append(self.duplicate(planned, first))
                reject(planned)
            if progress and done % 5000 == 0:
                progress("check", done, total)
        self._settle(chunk, result, settle)
        if settle is not None and (rest := self.finish()) is not None:
            settle(rest, result)
        result.rejected.sort(key=lambda p: p.row)
        return result

    def skip(self, raw: list[Any]) -> bool:
        """A line of the sheet that is no record (a printed register's column numbers)."""
        return False

    def finish(self) -> Plan | None:
        """After the last chunk, what `write` kept waiting for every row (documents:
        incoming numbers given after every number the file names are claimed)."""
        return None

    def _settle(self, chunk: list[Planned], result: Plan,
                settle: Callable[[Plan, Plan], None] | None) -> None:
        self.lookup(chunk)
        self.resolve(chunk)
        part = Plan()
        self._classify(chunk, part)
        result.rejected.extend(part.rejected)
        for fate in ("inserts", "updates", "unchanged"):
            result.counted[fate] += len(getattr(part, fate))
        if settle is not None:
            settle(part, result)
        # The collector is paused for the import (paused_gc), but executing a chunk's
        # statements leaves reference cycles (SQLAlchemy's contexts, holding the lookup's
        # thousands of parameters): without this they piled up with every chunk. Only the
        # young generation: the objects made since the last chunk.
        gc.collect(0)

    def _classify(self, good: list[Planned], result: Plan) -> None:
        existing, changed = self.existing, self.changed
        for planned in good:
            if planned.errors:  # found by resolve
                result.rejected.append(planned)
                continue
            current = existing(planned)
            if current is None:
                result.inserts.append(planned)
            elif changed(planned, current):
                planned.current = current
                result.updates.append(planned)
            else:
                result.unchanged.append(planned)

    def _cells_reader(self) -> Callable[[list[Any]], Cells]:
        names = list(self.mapping)
        indices = [self.mapping[n] for n in names]
        width = max(indices, default=-1) + 1
        unescape = self.unescape

        def cells_of(raw: list[Any]) -> Cells:
            if len(raw) < width:  # a short row: the missing cells are empty
                raw = [*raw, *([None] * (width - len(raw)))]
            return Cells({n: raw[i] for n, i in zip(names, indices, strict=True)}, unescape)

        return cells_of

    def column(self, name: str) -> Iterator[Any]:
        """The raw cells of one column, row after row (None where the file has none)."""
        index = self.mapping.get(name)
        for _row, raw in self.rows:
            yield raw[index] if index is not None and index < len(raw) else None

    def changed_in(self, pairs: dict[str, tuple[Any, Any]]) -> bool:
        """True when a column the file has holds another value than the stored record:
        `pairs` maps column names to (value in the file, stored value)."""
        return any(new != old for name, (new, old) in pairs.items() if name in self.present)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]],
                progress: Progress | None = None) -> None:
    """Insert rows (dicts with the same keys) in chunks of Core executemany; on SQLite
    straight through the driver, since SQLAlchemy's per-row parameter handling would cost
    more than the insert itself (each type's bind processor still runs, once per distinct
    value)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows, progress)
        return
    sqlite = connection.dialect.name == "sqlite"
    statement = _driver_insert(connection.dialect, table, list(rows[0])) if sqlite else None
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if statement is None:
            session.execute(insert(table), chunk)
        else:
            sql, convert = statement
            # The session's own DBAPI connection, inside its transaction.
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                cursor.executemany(sql, convert(chunk))
            finally:
                cursor.close()
        if progress:
            progress("write", min(start + CHUNK, len(rows)), len(rows))


def _copy(connection: Any, table: Table, rows: list[dict[str, Any]],
          progress: Progress | None) -> None:
    """PostgreSQL's COPY: one stream instead of a statement per row (psycopg adapts dates,
    aware times and NULLs itself)."""
    names = list(rows[0])
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    pick = itemgetter(*names)
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        with cursor.copy(sql) as copy:
            for done, row in enumerate(rows, start=1):
                copy.write_row(pick(row) if len(names) > 1 else (pick(row),))
                if progress and done % CHUNK == 0:
                    progress("write", done, len(rows))
    finally:
        cursor.close()


def _driver_insert(dialect: Any, table: Table, names: list[str]
                   ) -> tuple[str, Callable[[list[dict[str, Any]]], list[Any]]]:
    """A qmark INSERT for the driver, and a converter from dicts to its parameter lists."""
    quote = dialect.identifier_preparer.quote
    sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "
           f"VALUES ({', '.join('?' * len(names))})")
    pick = itemgetter(*names)
    processors = [(i, p) for i, n in enumerate(names)
                  if (p := table.c[n].type.dialect_impl(dialect).bind_processor(dialect))
                  is not None]

    def convert(chunk: list[dict[str, Any]]) -> list[Any]:
        if len(names) == 1:
            params = [[pick(row)] for row in chunk]
        else:
            params = [list(pick(row)) for row in chunk]
        for index, process in processors:
            done: dict[Any, Any] = {}
            for param in params:
                value = param[index]
                try:
                    param[index] = done[value]
                except KeyError:
                    param[index] = done[value] = process(value)
        return params

    return sql, convert


def bulk_update(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = :id for every row, executemany in chunks; every row names the
    same columns (plus "id")."""
    if not rows:
        return
    names = [name for name in rows[0] if name != "id"]
    stmt = (update(table).where(table.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in names}))
    params = [{f"b_{k}": v for k, v in row.items()} for row in rows]
    for start in range(0, len(params), CHUNK):
        session.execute(stmt, params[start:start + CHUNK])
