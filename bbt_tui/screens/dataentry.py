"""Data entry into the general information system (nhập liệu): units x periods for each
subsystem, the units that are behind in red, set a cell's status, and what is ready to sync
to the province."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Select, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.labels import label, options
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, vn_date
from bbt_tui.widgets.dialogs import TableScreen
from bbt_tui.widgets.files import check_new_file, expand, suggested, write_file
from bbt_tui.widgets.form import FormField, FormScreen, check_date
from bbt_tui.widgets.paged_table import Column, ListSource, Query, Record
from domain.i18n import _, plural

STATUS_LABELS = {"missing": N_("missing"), "entered": N_("entered"), "synced": N_("synced")}
# How a cell reads: the same marks as `bbt dataentry matrix`.
MARKS = {"synced": ("✔", "green"), "entered": ("●", "yellow"), "missing": ("✘", "bold red"),
         None: ("·", "dim")}
# The status a cell most likely moves to next (the form's default).
NEXT_STATUS = {None: "entered", "missing": "entered", "entered": "synced", "synced": "synced"}
EXPORT_SUFFIXES = (".csv", ".xlsx", ".json")


def legend() -> Text:
    text = Text()
    for status in ("synced", "entered", "missing", None):
        mark, style = MARKS[status]
        text.append(f" {mark} ", style=style)
        text.append(_(STATUS_LABELS[status]) if status else _("no record"))
    return text


def matrix_records(session: Any) -> tuple[list[str], list[Record]]:
    """Every (subsystem, unit) line over the periods of all subsystems."""
    from domain import dataentry

    data = dataentry.matrix(session)
    periods: list[str] = data["periods"]
    records = []
    for block in data["subsystems"]:
        for line in block["units"]:
            behind = line["behind"]
            unit_style = "bold red" if behind else ""
            cells: list[Any] = [block["subsystem"], Text(line["unit"], style=unit_style),
                                line["name"]]
            for period in periods:
                mark, style = MARKS[line["statuses"].get(period)]
                cells.append(Text(mark, style=style, justify="center"))
            cells.append(Text(", ".join(line["missing"]) or "—",
                              style="red" if behind else "dim"))
            records.append(Record(
                key=f"{block['subsystem']}\x1f{line['unit']}", cells=tuple(cells),
                data={"subsystem": block["subsystem"], "unit": line["unit"],
                      "statuses": line["statuses"], "missing": line["missing"],
                      "behind": behind}))
    return periods, records


class MatrixSource(ListSource):
    """The matrix's columns are its periods, known only once it is read."""

    def __init__(self, app: Any) -> None:
        super().__init__(self._columns([]), self._load, self._matches)
        self.app = app
        self.periods: list[str] = []

    @staticmethod
    def _columns(periods: list[str]) -> list[Column]:
        return [Column("subsystem", _("Subsystem"), 16), Column("unit", _("Unit"), 10),
                Column("name", _("Name"), 30),
                *(Column(f"period:{p}", p, max(4, len(p))) for p in periods),
                Column("missing", _("Behind"))]

    def _load(self) -> list[Record]:
        periods, records = read(self.app, lambda s, _a: matrix_records(s))
        self.periods = periods
        self.columns = self._columns(periods)
        return records

    @staticmethod
    def _matches(record: Record, query: Query) -> bool:
        subsystem, behind = query.filter("subsystem"), query.filter("behind")
        return ((not subsystem or record.data["subsystem"] == subsystem)
                and (not behind or record.data["behind"]))


class DataEntryScreen(ListScreen):
    AREA = "dataentry"
    TITLE_TEXT = N_("Data entry")
    HELP = N_("Which unit has entered which period of each subsystem into the general "
              "information system. Units that are behind are red. Move to a cell and press "
              "Enter or E to set its status; N records a new unit, subsystem or period; "
              "Y lists what is entered but not yet synced to the province.")
    CURSOR_TYPE = "cell"
    PERMISSIONS = {"set_status": "dataentry.write", "new": "dataentry.write"}
    BINDINGS = [
        Binding("e", "set_status", N_("Set status"), id="dataentry.set"),
        Binding("n", "new", N_("New record"), id="dataentry.new"),
        Binding("y", "ready", N_("Ready to sync"), id="dataentry.ready"),
    ]

    def make_source(self) -> MatrixSource:
        return MatrixSource(self.app)

    def filters(self) -> list[Widget]:
        return [Select([], prompt=_("All subsystems"), id="subsystem-filter"),
                Select([(_("behind only"), "yes")], prompt=_("All units"), id="behind-filter")]

    def compose_body(self) -> ComposeResult:
        yield Static(legend(), classes="legend")
        yield from super().compose_body()

    @on(Select.Changed, "#subsystem-filter")
    def _subsystem(self, event: Select.Changed) -> None:
        self.list.set_filter("subsystem", "" if event.select.is_blank() else str(event.value))

    @on(Select.Changed, "#behind-filter")
    def _behind(self, event: Select.Changed) -> None:
        self.list.set_filter("behind", "" if event.select.is_blank() else "yes")

    def on_paged_table_loaded(self, _event: Any) -> None:
        """Offer the subsystems that the matrix holds now."""
        select = self.query_one("#subsystem-filter", Select)
        names = sorted({r.data["subsystem"] for r in self.source.rows()})  # type: ignore[attr-defined]
        current = None if select.is_blank() else select.value
        select.set_options([(name, name) for name in names])
        if current in names:
            select.value = current

    def _cell(self) -> tuple[dict[str, Any], str | None]:
        """The selected line and the period under the cursor (None off the period columns)."""
        record = self.selected
        data = record.data if record is not None else {}
        column = self.list.selected_column or ""
        return data, column.removeprefix("period:") if column.startswith("period:") else None

    def action_set_status(self) -> None:
        data, period = self._cell()
        if not data:
            self.action_new()
            return
        period = period or (data["missing"][0] if data["missing"] else "")
        self._form(data["unit"], data["subsystem"], period,
                   NEXT_STATUS[data["statuses"].get(period)])

    def action_new(self) -> None:
        self._form("", "", "", "entered")

    def _form(self, unit: str, subsystem: str, period: str, status: str) -> None:
        from domain import dataentry

        fields = [
            FormField("unit", N_("Unit code"), unit, required=True),
            FormField("subsystem", N_("Subsystem (phân hệ)"), subsystem, required=True),
            FormField("period", N_("Period (a year such as 2021 or a quarter such as 2022-Q1)"),
                      period, required=True),
            FormField("status", N_("Status"), status, kind="select", required=True,
                      options=options(STATUS_LABELS)),
            FormField("on", N_("Date entered or synced (dd/mm/yyyy, empty: today)"),
                      check=check_date),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            row = dataentry.set_status(session, actor, v["unit"], v["subsystem"], v["period"],
                                       v["status"], v["on"] or None)
            return _("Saved: {unit}, {subsystem}, {period}, {status}.").format(
                unit=v["unit"].strip().upper(), subsystem=row.subsystem, period=row.period,
                status=label(STATUS_LABELS, row.status))

        self.app.push_screen(FormScreen(_("Data entry status"), fields, save),
                             when_done(self.changed))

    # --- ready to sync ---------------------------------------------------------------------

    def action_ready(self) -> None:
        from domain import dataentry

        run_db(self, lambda session, _actor: dataentry.export_ready(session),
               on_done=self._show_ready)

    def _show_ready(self, rows: list[dict[str, Any]]) -> None:
        from datetime import date

        columns = [Column("unit", _("Unit"), 12), Column("subsystem", _("Subsystem"), 20),
                   Column("period", _("Period"), 9), Column("date", _("Entered on"), 12)]
        records = [Record(key=f"{r['unit']}/{r['subsystem']}/{r['period']}",
                          cells=(r["unit"], r["subsystem"], r["period"],
                                 vn_date(date.fromisoformat(r["date"])) if r["date"] else ""))
                   for r in rows]
        self.app.push_screen(TableScreen(
            plural(len(rows), N_("Ready to sync: {n} period"),
                   N_("Ready to sync: {n} periods")).format(n=len(rows)), columns, records,
            intro=_("Entered but not yet synced to the province. Save the list as a file "
                    "(CSV, XLSX or JSON): after syncing, set the status to synced and "
                    "import the file again."),
            save_as=suggested("dong-bo.csv") if rows else None,
            save=lambda path: self._save_ready(rows, path)))

    def _save_ready(self, rows: list[dict[str, Any]], path_text: str) -> str | None:
        """Write the list (in the dataentry import columns); an error sentence or None."""
        from domain import imports, imports_io

        problem = check_new_file(*EXPORT_SUFFIXES)(path_text)
        if problem:
            return problem
        path = expand(path_text)
        fmt = imports_io.format_of(path)
        write_file(path, lambda target: imports.write_export("dataentry", rows, fmt, target))
        self.notify(plural(len(rows), N_("{count} row written to {path}."),
                           N_("{count} rows written to {path}.")).format(count=len(rows),
                                                                          path=path))
        return None
