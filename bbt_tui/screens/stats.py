"""Monthly statistics of a year: the table of `bbt stats monthly`, a chart of news and photos
per month, and the same table exported as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Label, Static

from bbt_tui.callbacks import when_done
from bbt_tui.db import run_db
from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_, number
from bbt_tui.widgets.bar_chart import BarChart
from bbt_tui.widgets.files import check_new_file, expand, suggested, write_file
from bbt_tui.widgets.form import FormField, FormScreen
from domain.columns import label
from domain.i18n import _
from domain.stats import FIGURES


def write_stats(data: dict[str, Any], path_text: str) -> str:
    """The table `bbt stats monthly --csv/--xlsx` writes."""
    from domain.stats import write_table

    path = expand(path_text)
    fmt = "xlsx" if path.suffix.lower() == ".xlsx" else "csv"
    write_file(path, lambda target: write_table(data, fmt, target))
    return str(path)


def latest_year(session: Any) -> int:
    """The year of the newest records, which the screen opens on (not the calendar's)."""
    from domain import periods

    return periods.latest_month(session)[0]


class StatsScreen(AreaScreen):
    AREA = "stats"
    TITLE_TEXT = N_("Statistics")
    HELP = N_("Published news, features, photos, slogans and posted documents, visitors and "
              "documents per month of a year, counted from the records; it opens on the year "
              "of the newest records. Y moves to the year box (type a year and Enter), [ and "
              "] show the year before and after. C saves the table as CSV, X as an Excel "
              "file.")
    BINDINGS = [
        Binding("left_square_bracket", "year(-1)", N_("Year before"), id="stats.previous"),
        Binding("right_square_bracket", "year(1)", N_("Year after"), id="stats.next"),
        Binding("c", "export('csv')", N_("Save CSV"), id="stats.csv"),
        Binding("x", "export('xlsx')", N_("Save Excel"), id="stats.xlsx"),
        Binding("f5", "reload", N_("Reload"), id="stats.reload"),
        Binding("y", "pick_year", N_("Year"), id="stats.year"),
    ]

    data: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="toolbar period"):
            yield Label(_("Year"))
            yield Input(placeholder=_("YYYY"), id="year", type="integer", max_length=4)
            yield Static("", id="stats-status")
        with VerticalScroll(id="stats-body"):
            yield DataTable(id="stats-table", zebra_stripes=True, cursor_type="row")
            with Horizontal(id="stats-charts"):
                yield Static(id="chart-news", classes="chart")
                yield Static(id="chart-photos", classes="chart")

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one(DataTable)
        table.add_column(label("month"), key="month", width=8)
        for key in FIGURES:
            table.add_column(label(key), key=key)
        table.focus()
        run_db(self, lambda session, _actor: latest_year(session), on_done=self._opened)

    def _opened(self, year: int) -> None:
        self.query_one("#year", Input).value = str(year)
        self.refresh_data()

    def action_pick_year(self) -> None:
        self.query_one("#year", Input).focus()

    @property
    def year(self) -> int | None:
        text = self.query_one("#year", Input).value.strip()
        return int(text) if text.isdigit() else None

    def refresh_data(self) -> None:
        from domain import stats

        year = self.year
        if year is None:
            self.query_one("#stats-status", Static).update(_("Type a year, e.g. 2022."))
            return
        run_db(self, lambda session, _actor: stats.monthly(session, year), on_done=self._show,
               on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.query_one("#stats-status", Static).update(Text(message, style="bold red"))

    def _show(self, data: dict[str, Any]) -> None:
        self.data = data
        table = self.query_one(DataTable)
        table.clear()
        for month in data["months"]:
            table.add_row(str(month["month"]),
                          *(number(month[key]) for key in FIGURES), key=str(month["month"]))
        table.add_row(Text(_("Total"), style="bold"),
                      *(Text(number(data["totals"][key]), style="bold") for key in FIGURES),
                      key="total")
        months = [_("M{month}").format(month=m["month"]) for m in data["months"]]
        self.query_one("#chart-news", Static).update(BarChart(
            _("News per month, {year}").format(year=data["year"]), months,
            [m["news"] for m in data["months"]], style="cyan", bar_width=2))
        self.query_one("#chart-photos", Static).update(BarChart(
            _("Photos per month, {year}").format(year=data["year"]), months,
            [m["photos"] for m in data["months"]], style="magenta", bar_width=2))
        self.query_one("#stats-status", Static).update(
            _("{news} news and {photos} photos published in {year}.").format(
                news=number(data["totals"]["news"]), photos=number(data["totals"]["photos"]),
                year=data["year"]))

    @on(Input.Submitted, "#year")
    def _year_typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.refresh_data()
        self.query_one(DataTable).focus()

    def action_year(self, step: int) -> None:
        year = self.year
        if year is not None:
            self.query_one("#year", Input).value = str(year + step)
            self.refresh_data()

    def action_reload(self) -> None:
        self.refresh_data()

    def action_export(self, fmt: str) -> None:
        from domain import stats

        year = self.year
        if year is None:
            return
        suffix = f".{fmt}"
        fields = [FormField("path", N_("File"), suggested(f"thong-ke-{year}{suffix}"),
                            required=True, check=check_new_file(suffix))]

        def save(session: Any, _actor: Any, v: dict[str, Any]) -> str:
            return write_stats(stats.monthly(session, year), v["path"])

        title = _("Save the statistics of {year}").format(year=year)
        self.app.push_screen(FormScreen(title, fields, save),
                             when_done(lambda path: self.notify(
                                 _("Saved {path}").format(path=path))))
