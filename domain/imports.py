"""Bulk import and export of every kind of record (SPEC section 4): `bbt import KIND FILE`
and `bbt export KIND`.

An import reads the file to a spool on disk, then checks its rows (types, enumerations,
references, natural keys, duplicates inside the file) and writes them in bulk a chunk at a
time, so that memory does not grow with the file. It is all or nothing all the same: the
chunks go into a savepoint of the caller's single transaction, undone when any row is bad;
one audit entry names the file's SHA-256 and the counts. Natural keys make it idempotent:
the same file again is all "unchanged". Export writes exactly the columns import reads, so a
round trip changes nothing.

File formats live in imports_io, the shared machinery in imports_base, the kinds in
imports_people (units, accounts, trainings) and imports_records (the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import text
from sqlmodel import Session

from domain import audit, imports_io, imports_nd30, scope
from domain.auth import Actor, require
from domain.columns import labels
from domain.errors import BBTError
from domain.i18n import _
from domain.imports_base import Column, Handler, Plan, Progress, header_key, paused_gc
from domain.imports_people import Accounts, Trainings, Units
from domain.imports_records import Articles, DataEntries, Deliveries, Documents, Visits

KINDS: dict[str, type[Handler]] = {
    h.kind: h for h in (Units, Accounts, Trainings, Documents, Deliveries, Articles, Visits,
                        DataEntries)
}
ON_ERROR = ("abort", "skip")
REJECTS_COLUMN = "import_errors"


@dataclass
class Result:
    kind: str
    inserted: int
    updated: int
    unchanged: int
    rejected: list[dict[str, Any]]
    sha256: str
    written: bool = False
    ignored_columns: list[str] = field(default_factory=list)
    credentials: Path | None = None  # the file that holds new one-time passwords
    extra: dict[str, Any] = field(default_factory=dict)  # a layout's own findings

    def as_json(self) -> dict[str, Any]:
        """The `import --json` shape of SPEC section 4 (and 7.1): the counts say what was
        written; a run that wrote nothing (a dry run, or rows refused) says 0 and tells what
        it would have done in `would_*`."""
        counts = {"inserted": self.inserted, "updated": self.updated,
                  "unchanged": self.unchanged}
        if self.written:
            return {"kind": self.kind, **counts, "rejected": self.rejected, **self.extra}
        return {"kind": self.kind, **dict.fromkeys(counts, 0),
                "would_insert": self.inserted, "would_update": self.updated,
                "would_unchanged": self.unchanged,
                "rejected": self.rejected, **self.extra}


def handler(kind: str) -> type[Handler]:
    found = KINDS.get(kind.strip().lower())
    if found is None:
        raise BBTError(_("Kind '{kind}' is unknown; use one of {kinds}.").format(
            kind=kind, kinds=", ".join(KINDS)))
    return found


def columns(kind: str) -> list[Column]:
    return list(handler(kind).columns)


@dataclass
class Prepared:
    """A file read and its headers matched, before any database work: reading a large
    file does not hold the database's write lock."""

    cls: type[Handler]
    read: imports_io.Sheet
    mapping: dict[str, int]
    ignored: list[str]


def prepare(kind: str, path: Path | str, sheet: str | None = None) -> Prepared:
    cls = handler(kind)
    lookup = {header_key(h): c.name for c in cls.columns for h in c.headers()}
    known = set(lookup) | (imports_nd30.known_headers() if cls is Documents else set())
    with paused_gc():
        read = imports_io.read(Path(path), lambda h: header_key(h) in known, sheet)
        if (layout := imports_nd30.layout_for(cls, read.headers)) is not cls:
            cls = layout  # a register in the Phụ lục IV layout (NĐ30)
            lookup = {header_key(h): c.name for c in cls.columns for h in c.headers()}
        mapping, ignored = _map_headers(cls, read.headers, lookup)
        return Prepared(cls, read, mapping, ignored)


IMPORT_LOCK_KEY = 0x4242_1001  # pg_advisory_xact_lock key of `bbt import`


def run_import(
    session: Session,
    actor: Actor,
    kind: str,
    source: Path | str | Prepared,
    *,
    on_error: str = "abort",
    dry_run: bool = False,
    credentials: Path | str | None = None,
    rejects: Path | str | None = None,
    sheet: str | None = None,
    progress: Progress | None = None,
) -> Result:
    """Import a file (or one already `prepare`d). With bad rows and on_error="abort", or
    with dry_run, nothing is written; the result says what was, or would have been, done."""
    cls = handler(kind)
    require(actor, cls.permission)
    scope.require_unscoped(actor)  # an import's rows may name any unit: not for a scoped admin
    if on_error not in ON_ERROR:
        raise BBTError(_("--on-error is abort or skip."))
    ready = source if isinstance(source, Prepared) else prepare(kind, source, sheet)
    if not dry_run:
        _serialise_imports(session)
    with paused_gc():
        return _run(session, actor, ready.cls, ready, on_error=on_error, dry_run=dry_run,
                    credentials=credentials, rejects=rejects, progress=progress)


def _serialise_imports(session: Session) -> None:
    """One import at a time: a plan is made from the rows already there, and articles have
    no unique natural key, so two concurrent imports of one file would both insert it.
    SQLite's write transactions are serialised already; PostgreSQL takes an advisory lock
    held until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK_KEY})


def _run(session: Session, actor: Actor, cls: type[Handler], ready: Prepared, *,
         on_error: str, dry_run: bool, credentials: Path | str | None,
         rejects: Path | str | None, progress: Progress | None) -> Result:
    work = cls(session, actor, ready.mapping)
    if ready.read.format != "json":
        work.unescape = frozenset(c.name for c in cls.columns if c.text)
    if isinstance(work, Accounts):
        work.credentials = Path(credentials) if credentials else None
    writer = None if dry_run else _Writer(session, work, on_error, progress)
    try:
        plan = work.stream(ready.read.rows, progress, writer)
        kept = writer is not None and writer.keep(plan)
    except BaseException:
        discard_credentials(getattr(work, "credentials_written", None))
        raise
    result = Result(cls.kind, plan.count("inserts"), plan.count("updates"),
                    plan.count("unchanged"),
                    [{"row": p.row, "errors": p.errors} for p in plan.rejected],
                    ready.read.sha256, ignored_columns=ready.ignored)
    result.extra = work.report() if hasattr(work, "report") else {}
    if rejects is not None and plan.rejected:
        write_rejects(Path(rejects), ready.read, plan)
    if writer is None or not kept:
        return result
    result.written = True
    result.credentials = getattr(work, "credentials_written", None)
    if writer.wrote:
        # One entry for the whole file; never any password, only counts and the digest.
        audit.record(session, actor, "import", work.kind, ready.read.name,
                     sha256=ready.read.sha256, format=ready.read.format,
                     inserted=result.inserted, updated=result.updated,
                     unchanged=result.unchanged, rejected=len(result.rejected))
    return result


class _Writer:
    """Writes each chunk as soon as it is checked, inside a savepoint of the caller's
    transaction: a bad row found after thousands were written (on_error="abort") undoes
    them all, and from the first bad row on nothing more is written."""

    def __init__(self, session: Session, work: Handler, on_error: str,
                 progress: Progress | None) -> None:
        self.session, self.work, self.progress = session, work, progress
        self.abort = on_error == "abort"
        self.savepoint: Any = None
        self.wrote = False

    def __call__(self, part: Plan, so_far: Plan) -> None:
        if not (part.inserts or part.updates) or (self.abort and so_far.rejected):
            return  # nothing to write, or it will all be undone: write no more
        if self.savepoint is None:
            self.savepoint = self.session.begin_nested()
        self.work.write(part, self.progress)
        self.wrote = True

    def keep(self, plan: Plan) -> bool:
        """Whether what was written stays; else it is rolled back."""
        if self.abort and plan.rejected:
            if self.savepoint is not None:
                self.savepoint.rollback()
            discard_credentials(getattr(self.work, "credentials_written", None))
            return False
        if self.savepoint is not None:
            self.savepoint.commit()
        return True


def discard_credentials(path: Path | None) -> None:
    """A credentials file whose accounts were not committed is removed again."""
    if path is not None:
        path.unlink(missing_ok=True)


def _map_headers(cls: type[Handler], headers: Sequence[str], lookup: dict[str, str]
                 ) -> tuple[dict[str, int], list[str]]:
    mapping: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        name = lookup.get(key)
        if name is None:
            ignored.append(header)
        elif name in mapping:
            raise BBTError(_("The columns '{first}' and '{second}' both mean {column}; keep "
                             "one of them.").format(first=headers[mapping[name]], second=header,
                                                     column=name))
        else:
            mapping[name] = index
    missing = [c for c in cls.columns if c.required and c.name not in mapping]
    if missing:
        raise BBTError(_("The file has no column {missing}; a {kind} sheet needs the columns "
                         "{required}.").format(
            missing=", ".join(_describe(c) for c in missing), kind=cls.kind,
            required=", ".join(c.name for c in cls.columns if c.required)))
    return mapping, ignored


def _describe(column: Column) -> str:
    return f"'{column.name}'" + (f" ({column.vi[0]})" if column.vi else "")


def write_rejects(path: Path, read: imports_io.Sheet, plan: Plan) -> None:
    """The rejected rows as they were read, in the file's own format and headers, with the
    reasons in one more column (which import ignores): fix them and import this file."""
    reasons = {p.row: " | ".join(p.errors) for p in plan.rejected}
    headers = [*read.headers, REJECTS_COLUMN]
    # The rows stream past; only the rejected ones are kept.
    rows = [[*cells, *([None] * (len(read.headers) - len(cells))), reasons[number]]
            for number, cells in read.rows if number in reasons]
    try:
        with path.open("wb") as target:
            imports_io.write_raw(headers, rows, read.format, target)
    except OSError as exc:
        raise BBTError(_("The rejects file '{path}' cannot be written: {reason}.").format(
            path=path, reason=exc.strerror or exc)) from None


def export(session: Session, actor: Actor, kind: str) -> Iterator[dict[str, Any]]:
    """Every record of a kind as import rows (accounts: never any password material), read
    as they are written: the large kinds a page at a time, so that an export of any size
    holds one page. Who may export is checked now; the rows come while the session is
    open."""
    require(actor, "read")
    scope.require_unscoped(actor)  # an export holds every unit's records
    cls = handler(kind)
    return cls(session, actor, {}).export()


def write_export(kind: str, rows: Iterable[dict[str, Any]], fmt: str, target: IO[bytes]
                 ) -> int:
    """CSV and XLSX headed in the user's language (imports read either back); JSON keeps
    the English codes. Written row by row as they come; the answer is how many."""
    cls = handler(kind)
    names = [c.name for c in cls.columns]
    text = {c.name for c in cls.columns if c.text}
    if fmt != "json":
        headers = dict(zip(names, labels(names), strict=True))
        rows = ({headers[k]: v for k, v in row.items() if k in headers} for row in rows)
        names, text = list(headers.values()), {headers[name] for name in text}
    return imports_io.write(rows, names, text, fmt, target, sheet_name=cls.kind)
