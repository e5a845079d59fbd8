"""Imports: choose a kind and a file (CSV, XLSX or JSON), see what would happen to every row
(inserted, updated, unchanged, or rejected with its reasons) without writing anything, then
import. New accounts' one-time passwords go to a new file only its owner can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Input, Select, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import run_db
from bbt_tui.labels import label, options
from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_, number
from bbt_tui.widgets.files import (
    FilePicker,
    check_existing_file,
    check_new_file,
    expand,
    suggested,
)
from bbt_tui.widgets.form import FormField, FormScreen
from bbt_tui.widgets.paged_table import Column, ListSource, PagedTable, Query, Record
from domain.i18n import _

KIND_LABELS = {"units": N_("units"), "accounts": N_("accounts"), "trainings": N_("trainings"),
               "documents": N_("documents"), "deliveries": N_("deliveries"),
               "articles": N_("articles"), "visits": N_("visitors"),
               "dataentry": N_("data entry")}
FATE_LABELS = {"insert": N_("new"), "update": N_("updated"), "unchanged": N_("unchanged"),
               "reject": N_("rejected")}
FATE_STYLES = {"insert": "green", "update": "yellow", "unchanged": "dim", "reject": "bold red"}
SUFFIXES = (".csv", ".xlsx", ".json")


@dataclass
class Checked:
    """A file read and planned: what importing it would do, row by row."""

    kind: str
    path: str
    prepared: Any  # domain.imports.Prepared: imported as previewed, without reading again
    fates: list[tuple[int, str, list[str]]]  # (row, fate, reasons) in row order
    counts: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def check_file(session: Any, actor: Any, kind: str, path: Path) -> Checked:
    """The dry run, row by row. domain.imports.run_import(dry_run=True) answers with counts
    and the rejected rows only; the plan behind it names every row's fate, so this sets the
    handler up the way run_import does and keeps the plan (tests compare the two)."""
    from domain import imports
    from domain.auth import require

    prepared = imports.prepare(kind, path)
    cls = prepared.cls
    require(actor, cls.permission)
    work = cls(session, actor, prepared.mapping)
    if prepared.read.format != "json":
        work.unescape = frozenset(c.name for c in cls.columns if c.text)
    plan = work.plan(prepared.read.rows, None)
    fates = [(p.row, fate, list(p.errors))
             for fate, rows in (("insert", plan.inserts), ("update", plan.updates),
                                ("unchanged", plan.unchanged), ("reject", plan.rejected))
             for p in rows]
    fates.sort()
    counts = {fate: len(rows) for fate, rows in (
        ("insert", plan.inserts), ("update", plan.updates), ("unchanged", plan.unchanged),
        ("reject", plan.rejected))}
    return Checked(cls.kind, str(path), prepared, fates, counts, prepared.ignored)


def fate_records(checked: Checked) -> list[Record]:
    raw = dict(checked.prepared.read.rows)
    records = []
    for row, fate, reasons in checked.fates:
        cells = raw.get(row, [])
        content = " | ".join("" if c is None else str(c) for c in cells)
        records.append(Record(
            key=str(row),
            cells=(str(row), Text(label(FATE_LABELS, fate), style=FATE_STYLES[fate]),
                   content[:70], Text("; ".join(reasons), style="red")),
            data=fate))
    return records


class FateSource(ListSource):
    def __init__(self) -> None:
        columns = [Column("row", _("Row"), 7), Column("fate", _("What happens"), 12),
                   Column("content", _("Content"), 72, priority=-1),
                   Column("reasons", _("Reasons"))]
        super().__init__(columns, lambda: self.records, self._matches)
        self.records: list[Record] = []

    def show(self, records: list[Record]) -> None:
        self.records = records
        self.invalidate()

    @staticmethod
    def _matches(record: Record, query: Query) -> bool:
        fate = query.filter("fate")
        return not fate or record.data == fate


class ImportsScreen(AreaScreen):
    AREA = "imports"
    TITLE_TEXT = N_("Imports")
    HELP = N_("Bring records in from a spreadsheet: choose the kind, type the file's path or "
              "press B to pick it, then F3 (or Enter in the file box) checks every row and "
              "shows what would happen to it (nothing is written); the row under the cursor "
              "shows its reasons in full below the list. F4 imports: by default one bad row and nothing is "
              "written; you may write the good rows only. Importing the same file twice "
              "changes nothing the second time.")
    BINDINGS = [
        Binding("b", "browse", N_("Pick a file"), id="imports.browse"),
        # Function keys: they work from the path box too, where a letter is typed into it.
        Binding("f3,c", "check", N_("Check (dry run)"), id="imports.check"),
        Binding("f4,i", "run_import", N_("Import"), id="imports.run"),
        Binding("slash", "search", N_("Search"), id="imports.search"),
    ]

    checked: Checked | None = None

    def compose_body(self) -> ComposeResult:
        actor: Any = self.app.actor  # type: ignore[attr-defined]
        with Horizontal(classes="toolbar"):
            yield Select([(text, code) for text, code in options(KIND_LABELS)
                          if actor is None or actor.can(permission_of(code))],
                         prompt=_("Kind of records…"), id="kind", compact=True)
            yield Input(placeholder=_("File: .csv, .xlsx or .json"), id="path", compact=True)
            yield Button(_("Pick…") + " (b)", id="browse", compact=True)
            yield Button(_("Check") + " (F3)", id="check", variant="primary", compact=True)
        yield Static(_("Choose the kind and the file, then F3 (or Enter in the file box)."),
                     id="import-status")
        self.source = FateSource()
        yield PagedTable(self.source, id="fates", tools=[
            Select(options(FATE_LABELS), prompt=_("Every row"), id="fate-filter")])
        yield Static("", id="fate-detail")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#kind", Select).focus()

    def _status(self, text: str | Text) -> None:
        self.query_one("#import-status", Static).update(text)

    def _values(self) -> tuple[str, str] | None:
        kind = self.query_one("#kind", Select)
        path = self.query_one("#path", Input).value
        if kind.is_blank():
            self._status(Text(_("Choose the kind of records first."), style="bold red"))
            kind.focus()
            return None
        if problem := check_existing_file(path) if path.strip() else _("Type the file's path "
                                                                         "or press B."):
            self._status(Text(problem, style="bold red"))
            self.query_one("#path", Input).focus()
            return None
        return str(kind.value), path

    # --- check -----------------------------------------------------------------------------

    def action_check(self, imported: str | None = None) -> None:
        """Check the file; after an import (`imported`: what it wrote), check it again to show
        the rows as they stand now, under the import's result."""
        values = self._values()
        if values is None:
            return
        kind, path = values
        self.checked = None
        self._status(_("Checking every row…"))
        run_db(self, lambda session, actor: check_file(session, actor, kind, expand(path)),
               on_done=lambda checked: self._checked(checked, imported), on_error=self._failed)

    def _failed(self, message: str) -> None:
        self._status(Text(message, style="bold red"))

    def _checked(self, checked: Checked, imported: str | None = None) -> None:
        self.checked = checked
        self.source.show(fate_records(checked))
        self.query_one("#fates", PagedTable).reload()
        self._status(self.summary(checked, imported))
        self.query_one("#fates", PagedTable).table.focus()

    @staticmethod
    def summary(checked: Checked, imported: str | None = None) -> Text:
        c = checked.counts
        counts = _("{kind}, {rows} rows: {insert} new, {update} updated, {unchanged} "
                   "unchanged, {reject} rejected.").format(
            kind=label(KIND_LABELS, checked.kind), rows=number(len(checked.fates)),
            insert=number(c["insert"]), update=number(c["update"]),
            unchanged=number(c["unchanged"]), reject=number(c["reject"]))
        if imported is not None:
            text = Text(imported + " ", style="bold green")
            text.append(_("The file checked again, as it stands now: {counts}").format(
                counts=counts))
        else:
            text = Text(counts + " " + _("Nothing written yet: F4 imports."))
        if checked.ignored:
            text.append("  " + _("Columns ignored: {columns}.").format(
                columns=", ".join(checked.ignored)), style="yellow")
        return text

    # --- import ----------------------------------------------------------------------------

    def action_run_import(self) -> None:
        checked = self.checked
        if checked is None:
            self._status(Text(_("Check the file first (F3): you see every row's fate before "
                                "anything is written."), style="bold red"))
            return
        c = checked.counts
        if not c["insert"] and not c["update"]:
            self._status(Text(_("Nothing to import: no row is new or changed."), style="yellow"))
            return
        self.app.push_screen(self._import_form(checked), when_done(self._imported))

    def _import_form(self, checked: Checked) -> FormScreen:
        from domain import imports

        c = checked.counts
        fields = [FormField("on_error", N_("Rows with errors"),
                            "abort" if c["reject"] else "skip", kind="select", required=True,
                            options=[(_("write nothing while a row has errors"), "abort"),
                                     (_("write the good rows, leave out the rest"), "skip")])]
        if checked.kind == "accounts" and c["insert"]:
            fields.append(FormField(
                "credentials", N_("New file for the one-time passwords (readable only by you)"),
                suggested("mat-khau-mot-lan.csv"), required=True, check=new_private_file))
        written: list[Any] = []

        def save(session: Any, actor: Any, v: dict[str, Any]) -> Any:
            result = imports.run_import(
                session, actor, checked.kind, checked.prepared, on_error=v["on_error"],
                credentials=expand(v["credentials"]) if v.get("credentials") else None)
            written.append(result)
            return result

        def discard() -> None:
            for result in written:  # the commit failed: those passwords open nothing
                imports.discard_credentials(result.credentials)
            written.clear()

        intro = _("{insert} new and {update} updated rows will be written ({reject} rejected)."
                  ).format(insert=number(c["insert"]), update=number(c["update"]),
                           reject=number(c["reject"]))
        return FormScreen(_("Import {kind} from {file}").format(
            kind=label(KIND_LABELS, checked.kind), file=Path(checked.path).name), fields, save,
            save_label=_("Import"), intro=intro, failed=discard)

    def _imported(self, result: Any) -> None:
        if not result.written:
            self._status(Text(_("Nothing was written: {count} rows have errors; fix them, or "
                                "choose to write the good rows.").format(
                count=len(result.rejected)), style="bold red"))
            return
        message = _("{kind}: {inserted} inserted, {updated} updated, {unchanged} unchanged, "
                    "{rejected} rejected.").format(
            kind=label(KIND_LABELS, result.kind), inserted=result.inserted,
            updated=result.updated, unchanged=result.unchanged, rejected=len(result.rejected))
        self.notify(message, title=_("Imported"), timeout=10)
        if result.credentials is not None:
            self.notify(_("The one-time passwords of {count} new accounts are in {path} "
                          "(readable only by you); hand them out and delete the file.").format(
                count=result.inserted, path=result.credentials), timeout=20)
        self.action_check(message)  # the rows as they stand now (all unchanged)

    # --- the file ----------------------------------------------------------------------------

    def action_browse(self) -> None:
        current = self.query_one("#path", Input).value
        start = expand(current).parent if current.strip() else Path.cwd()
        self.app.push_screen(FilePicker(start, SUFFIXES), when_done(self._picked))

    def _picked(self, path: str) -> None:
        self.query_one("#path", Input).value = path
        self.action_check()

    def action_search(self) -> None:
        self.query_one("#fates", PagedTable).focus_search()

    @on(PagedTable.Highlighted, "#fates")
    def _reasons_in_full(self, event: PagedTable.Highlighted) -> None:
        """The table cuts long reasons at its edge: the highlighted row's are shown whole."""
        record = event.record
        reasons = record.cells[3].plain if isinstance(record.cells[3], Text) else ""
        detail = Text(_("Row {row}").format(row=record.key) + ": ", style="bold")
        detail.append(reasons or _("no problem"), style="red" if reasons else "dim")
        self.query_one("#fate-detail", Static).update(detail)

    @on(Input.Submitted, "#path")
    def _path_typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_check()

    @on(Select.Changed, "#fate-filter")
    def _fate(self, event: Select.Changed) -> None:
        self.query_one("#fates", PagedTable).set_filter(
            "fate", "" if event.select.is_blank() else str(event.value))

    @on(Button.Pressed, "#browse")
    def _browse(self) -> None:
        self.action_browse()

    @on(Button.Pressed, "#check")
    def _check(self) -> None:
        self.action_check()


def permission_of(kind: str) -> str:
    from domain import imports

    return imports.handler(kind).permission


def new_private_file(value: str) -> str | None:
    if problem := check_new_file()(value):
        return problem
    if expand(value).exists():
        return _("The file {path} exists already; name a new file.").format(path=expand(value))
    return None
