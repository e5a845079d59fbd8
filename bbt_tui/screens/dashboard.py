"""The figures a leader asks for first; each opens the screen behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll

from bbt_tui.db import run_db
from bbt_tui.screens.base import AreaScreen
from bbt_tui.text import N_, number, vn_datetime
from bbt_tui.widgets.figures import Figure
from domain.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor


@dataclass(frozen=True)
class FigureSpec:
    id: str
    label: str  # English msgid
    area: str
    compute: Callable[[Session, Actor], tuple[int, str]]  # (value, detail), in a worker


def _units(session: Session, _actor: Actor) -> tuple[int, str]:
    from domain import units

    rows = [u for u in units.listing(session) if u.active]
    grassroots = sum(1 for u in rows if u.kind == "grassroots")
    return len(rows), _("{n} grassroots organisations").format(n=number(grassroots))


def _accounts(session: Session, _actor: Actor) -> tuple[int, str]:
    from domain import accounts

    rows = [a for a, _code in accounts.listing(session)]
    locked = sum(1 for a in rows if a.status == "locked")
    never = sum(1 for a in rows if a.last_login_at is None)
    return len(rows), _("{locked} locked, {never} never logged in").format(
        locked=number(locked), never=number(never))


def _trainings(session: Session, _actor: Actor) -> tuple[int, str]:
    from domain import units

    rows = units.trainings(session)
    trained = {code for _t, codes in rows for code in codes}
    return len(rows), _("{n} units trained").format(n=number(len(trained)))


def _audit(session: Session, _actor: Actor) -> tuple[int, str]:
    from domain import audit

    newest = audit.entries(session, limit=1)
    if not newest:
        return 0, ""
    # Entry ids run 1, 2, 3... without gaps (the chain checks it), so the newest id counts them.
    return newest[0].id or 0, _("last change {when}").format(when=vn_datetime(newest[0].at))


def _documents_this_month(session: Session, actor: Actor) -> tuple[int, str]:
    from datetime import date

    from domain import documents

    today = date.today()
    first = today.replace(day=1)
    out = documents.count(session, actor, documents.Filters(
        direction="outgoing", date_from=first, date_to=today))
    incoming = documents.count(session, actor, documents.Filters(
        direction="incoming", date_from=first, date_to=today))
    return out + incoming, _("{out} issued, {incoming} received").format(
        out=number(out), incoming=number(incoming))


def _overdue(session: Session, actor: Actor) -> tuple[int, str]:
    from domain import documents

    late = documents.count(session, actor, documents.Filters(overdue=True))
    return late, _("documents with a unit late to process them")


FIGURES: list[FigureSpec] = [
    FigureSpec("documents", N_("Documents this month"), "documents", _documents_this_month),
    FigureSpec("overdue", N_("Overdue documents"), "documents", _overdue),
    FigureSpec("units", N_("Units"), "units", _units),
    FigureSpec("accounts", N_("Accounts"), "accounts", _accounts),
    FigureSpec("trainings", N_("Trainings"), "trainings", _trainings),
    FigureSpec("audit", N_("Audit entries"), "audit", _audit),
]


def collect(session: Session, actor: Actor) -> dict[str, tuple[int, str]]:
    return {spec.id: spec.compute(session, actor) for spec in FIGURES}


class DashboardScreen(AreaScreen):
    AREA = "dashboard"
    TITLE_TEXT = N_("Dashboard")
    HELP = N_("The main figures. Move between them with Tab or the arrow keys and press Enter "
              "to open the screen behind a figure. F5 reloads.")
    BINDINGS = [
        Binding("f5", "reload", N_("Reload"), id="dashboard.reload"),
        Binding("right,down", "app.focus_next", N_("Next figure"), show=False),
        Binding("left,up", "app.focus_previous", N_("Previous figure"), show=False),
    ]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="figures"), Grid(id="figure-grid"):
            for spec in FIGURES:
                yield Figure(_(spec.label), spec.area, id=f"figure-{spec.id}")

    def on_mount(self) -> None:
        super().on_mount()
        self.refresh_data()
        self.query_one(Figure).focus()

    def refresh_data(self) -> None:
        run_db(self, collect, on_done=self._show)

    def _show(self, values: dict[str, tuple[int, str]]) -> None:
        for key, (value, detail) in values.items():
            self.query_one(f"#figure-{key}", Figure).set(number(value), detail)

    def action_reload(self) -> None:
        self.refresh_data()

    @on(Figure.Opened)
    def _open(self, event: Figure.Opened) -> None:
        app: Any = self.app
        app.show_area(event.figure.area)
