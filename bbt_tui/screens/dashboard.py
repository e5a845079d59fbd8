"""The figures a leader asks for first; each opens the screen behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Input, Label, Static

from bbt_tui.db import run_db
from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_, number, vn_datetime
from bbt_tui.widgets.bar_chart import BarChart
from bbt_tui.widgets.figures import Figure
from domain.i18n import _, plural

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor


@dataclass(frozen=True)
class FigureSpec:
    id: str
    label: str  # English msgid
    area: str
    # (value, detail) for the month shown (its first day), in a worker; a str value is
    # shown as it is (a percentage); most figures are of today and ignore the month
    compute: Callable[[Session, Actor, date], tuple[int | str, str]]


def _units(session: Session, _actor: Actor, _month: date) -> tuple[int, str]:
    from domain import units

    rows = [u for u in units.listing(session) if u.active]
    grassroots = sum(1 for u in rows if u.kind == "grassroots")
    return len(rows), plural(grassroots, N_("{n} grassroots organisation"),
                             N_("{n} grassroots organisations")).format(n=number(grassroots))


def _accounts(session: Session, _actor: Actor, _month: date) -> tuple[int, str]:
    from domain import accounts

    rows = [a for a, _code in accounts.listing(session)]
    locked = sum(1 for a in rows if a.status == "locked")
    never = sum(1 for a in rows if a.last_login_at is None)
    return len(rows), _("{locked} locked, {never} never logged in").format(
        locked=number(locked), never=number(never))


def _trainings(session: Session, _actor: Actor, _month: date) -> tuple[int, str]:
    from domain import units

    rows = units.trainings(session)
    trained = {code for _t, codes in rows for code in codes}
    return len(rows), plural(len(trained), N_("{n} unit trained"),
                             N_("{n} units trained")).format(n=number(len(trained)))


def _audit(session: Session, _actor: Actor, _month: date) -> tuple[int, str]:
    from domain import audit

    newest = audit.entries(session, limit=1)
    if not newest:
        return 0, ""
    # Entry ids run 1, 2, 3... without gaps (the chain checks it), so the newest id counts them.
    return newest[0].id or 0, _("last change {when}").format(when=vn_datetime(newest[0].at))


def _documents_of_month(session: Session, actor: Actor, month: date) -> tuple[int, str]:
    from domain import documents
    from domain.periods import next_month

    last = next_month(month) - timedelta(days=1)
    out = documents.count(session, actor, documents.Filters(
        direction="outgoing", date_from=month, date_to=last))
    incoming = documents.count(session, actor, documents.Filters(
        direction="incoming", date_from=month, date_to=last))
    return out + incoming, _("{out} issued, {incoming} received in {month}").format(
        out=number(out), incoming=number(incoming), month=month.strftime("%m/%Y"))


def _overdue(session: Session, actor: Actor, _month: date) -> tuple[int, str]:
    """Read from the open deliveries only (domain.tracking), so cheap at any size."""
    from domain import tracking

    late = tracking.overdue_documents(session, actor)
    worst = [row for row in tracking.late_units(session, actor) if row["overdue"]][:3]
    if not worst:
        return late, _("documents with a unit late to process them")
    return late, _("latest units: {units}").format(
        units=", ".join(f"{row['unit']} ({row['overdue']})" for row in worst))


def _acknowledged(session: Session, actor: Actor, _month: date) -> tuple[str, str]:
    from domain import tracking

    acknowledged, open_ = tracking.acknowledgement(session, actor)
    share = f"{round(100 * acknowledged / open_)}%" if open_ else "–"
    return share, _("{n} of {total} open deliveries acknowledged").format(
        n=number(acknowledged), total=number(open_))


def _dataentry(session: Session, _actor: Actor, _month: date) -> tuple[str, str]:
    from domain import dataentry

    cells = done = behind = 0
    for block in dataentry.matrix(session)["subsystems"]:
        for line in block["units"]:
            cells += len(block["periods"])
            done += len(block["periods"]) - len(line["missing"])
            behind += line["behind"]
    share = f"{round(100 * done / cells)}%" if cells else "–"
    return share, plural(behind, N_("{done} of {cells} periods entered, {behind} unit behind"),
                         N_("{done} of {cells} periods entered, {behind} units behind")).format(
        done=number(done), cells=number(cells), behind=number(behind))


def _published(session: Session, _actor: Actor, month: date) -> tuple[int, str]:
    from domain import stats

    year = month.year
    totals = stats.monthly(session, year)["totals"]
    return totals["news"], _("news in {year}, with {photos} photos; {documents} documents "
                             "posted").format(year=year, photos=number(totals["photos"]),
                                              documents=number(totals["documents"]))


def _visitors(session: Session, _actor: Actor, _month: date) -> tuple[int, str]:
    from domain import articles

    rows = articles.visits(session)
    if not rows:
        return 0, ""
    last = rows[-1]
    return last["cumulative"], _("{n} in {month}").format(n=number(last["visitors"]),
                                                          month=last["month"])


def _queue(session: Session, actor: Actor, _month: date) -> tuple[int, str]:
    from bbt_tui.screens.board import queue_figure

    return queue_figure(session, actor)


FIGURES: list[FigureSpec] = [
    FigureSpec("queue", N_("Articles waiting"), "articles", _queue),
    FigureSpec("documents", N_("Documents of the month"), "documents", _documents_of_month),
    FigureSpec("overdue", N_("Overdue documents"), "documents", _overdue),
    FigureSpec("acknowledged", N_("Deliveries acknowledged"), "documents", _acknowledged),
    FigureSpec("published", N_("News published in the year"), "stats", _published),
    FigureSpec("visitors", N_("Website visitors"), "visits", _visitors),
    FigureSpec("dataentry", N_("Data entry complete"), "dataentry", _dataentry),
    FigureSpec("units", N_("Units"), "units", _units),
    FigureSpec("accounts", N_("Accounts"), "accounts", _accounts),
    FigureSpec("trainings", N_("Trainings"), "trainings", _trainings),
    FigureSpec("audit", N_("Audit entries"), "audit", _audit),
]


def shown(actor: Actor | None) -> list[FigureSpec]:
    """The figures whose screen this role may open (the audit trail is for admins and
    auditors only, so is its figure)."""
    from bbt_tui import areas

    return [spec for spec in FIGURES
            if actor is not None and actor.role in areas.by_name(spec.area).roles]


@dataclass
class Overview:
    figures: dict[str, tuple[int | str, str]]
    months: list[dict[str, int]]  # stats.monthly of the month's year, for the chart
    month: date  # the first day of the month shown


def collect(session: Session, actor: Actor, month: date | None = None) -> Overview:
    """The figures of `month`, by default the newest month with records (a board that
    entered 2022 sees 2022 however late it opens the program)."""
    from domain import periods, stats

    if month is None:
        month = date(*periods.latest_month(session), 1)
    return Overview({spec.id: spec.compute(session, actor, month) for spec in shown(actor)},
                    stats.monthly(session, month.year)["months"], month)


class DashboardScreen(AreaScreen):
    AREA = "dashboard"
    TITLE_TEXT = N_("Dashboard")
    HELP = N_("The main figures, of the newest month with records. Move between them with "
              "Tab or the arrow keys and press Enter to open the screen behind a figure. [ and "
              "] show the month before and after; M moves to the month box (type 2022-06 and "
              "Enter). F5 reloads.")
    BINDINGS = [
        Binding("f5", "reload", N_("Reload"), id="dashboard.reload"),
        Binding("left_square_bracket", "month(-1)", N_("Month before"), id="dashboard.previous"),
        Binding("right_square_bracket", "month(1)", N_("Month after"), id="dashboard.next"),
        Binding("m", "pick_month", N_("Month"), id="dashboard.month"),
        Binding("right,down", "app.focus_next", N_("Next figure"), show=False),
        Binding("left,up", "app.focus_previous", N_("Previous figure"), show=False),
    ]

    month: date | None = None  # None until the newest month with records is known

    def compose_body(self) -> ComposeResult:
        with Horizontal(classes="toolbar period"):
            yield Label(_("Month"))
            yield Input(placeholder=_("YYYY-MM"), id="month", max_length=7)
        with VerticalScroll(classes="figures"):
            with Grid(id="figure-grid"):
                for spec in shown(self.app.actor):  # type: ignore[attr-defined]
                    yield Figure(_(spec.label), spec.area, id=f"figure-{spec.id}")
            with Horizontal(id="dashboard-charts"):
                yield Static(id="chart-news", classes="chart")
                yield Static(id="chart-photos", classes="chart")

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_data()
        self.query_one(Figure).focus()

    def refresh_data(self) -> None:
        month = self.month
        run_db(self, lambda session, actor: collect(session, actor, month), on_done=self._show)

    def _show(self, overview: Overview) -> None:
        self.month = overview.month
        self.query_one("#month", Input).value = overview.month.strftime("%Y-%m")
        for key, (value, detail) in overview.figures.items():
            shown_value = value if isinstance(value, str) else number(value)
            self.query_one(f"#figure-{key}", Figure).set(shown_value, detail)
        year = overview.month.year
        labels = [_("M{month}").format(month=m["month"]) for m in overview.months]
        self.query_one("#chart-news", Static).update(BarChart(
            _("News per month, {year}").format(year=year), labels,
            [m["news"] for m in overview.months], height=5, style="cyan", bar_width=2))
        self.query_one("#chart-photos", Static).update(BarChart(
            _("Photos per month, {year}").format(year=year), labels,
            [m["photos"] for m in overview.months], height=5, style="magenta", bar_width=2))

    def action_reload(self) -> None:
        self.refresh_data()

    def action_month(self, step: int) -> None:
        from domain.periods import next_month, previous_month

        if self.month is not None:
            self.month = next_month(self.month) if step > 0 else previous_month(self.month)
            self.refresh_data()

    def action_pick_month(self) -> None:
        self.query_one("#month", Input).focus()

    @on(Input.Submitted, "#month")
    def _month_typed(self, event: Input.Submitted) -> None:
        from domain.periods import parse_month

        event.stop()
        month = parse_month(event.value)
        if month is None:
            self.notify(_("Write the month as YYYY-MM, e.g. 2022-06."), severity="warning")
            return
        self.month = month
        self.refresh_data()
        self.query_one(Figure).focus()

    @on(Figure.Opened)
    def _open(self, event: Figure.Opened) -> None:
        app: Any = self.app
        app.show_area(event.figure.area)
