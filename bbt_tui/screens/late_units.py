"""The units late with their documents, the most late first (what `bbt doc late` shows),
and the reminder letter (công văn đôn đốc, as `bbt doc remind`): R previews it, a
confirmation shows the number it will take, then it is registered, sent and its number
shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Markdown

from bbt_tui.callbacks import when_done
from bbt_tui.db import read, run_db
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, number
from bbt_tui.widgets.dialogs import ConfirmScreen, MessageScreen
from bbt_tui.widgets.paged_table import Column, ListSource, Record
from domain.i18n import _

if TYPE_CHECKING:
    from sqlmodel import Session

    from domain.auth import Actor


def late_records(session: Session, actor: Actor) -> list[Record]:
    """domain.tracking's ranking, with the days the unit's oldest overdue document is late
    and the last letter that reminded it (domain.reminders)."""
    from domain import reminders, tracking
    from domain.text import today

    day = today()
    letters = {u.code: u for u in reminders.late_units(session, day)}
    records = []
    for rank, row in enumerate(tracking.late_units(session, actor, day), 1):
        late = letters.get(row["unit"])
        days = max((d["days_late"] for d in late.documents), default=0) if late else 0
        records.append(Record(key=row["unit"], data=row, cells=(
            str(rank), row["unit"], row["name"], number(row["overdue"]),
            number(row["unacknowledged"]), number(days) if days else "",
            late.earlier[0] if late and late.earlier else "")))
    return records


@dataclass(frozen=True)
class Preview:
    letter: str  # Markdown
    number: str  # the number registering it now would take
    units: int


def preview(session: Session, actor: Actor) -> Preview:
    from domain import reminders
    from domain.text import today

    letter = reminders.prepare(session, actor, as_of=today(), fmt="md")
    upcoming = reminders.next_number(session, actor, as_of=today())
    return Preview(letter.content.decode("utf-8"), upcoming, len(letter.late))


def register_reminder(session: Session, actor: Actor) -> str:
    """The letter as of today, kept as a Word file with its register entry, sent to every
    late unit; its number."""
    from domain import reminders
    from domain.text import today

    letter = reminders.prepare(session, actor, as_of=today(), fmt="docx", register=True)
    return letter.number or ""


class LetterScreen(ModalScreen[bool]):
    """The letter as it will be registered; dismissed with True to go on."""

    BINDINGS = [Binding("c", "answer(True)", N_("Continue"), id="letter.continue"),
                Binding("escape", "answer(False)", N_("Close"), id="letter.close")]

    def __init__(self, shown: Preview) -> None:
        super().__init__(classes="dialog-screen")
        self.shown = shown

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(_("Reminder letter to {n} units").format(n=self.shown.units),
                        classes="dialog-title")
            with VerticalScroll(classes="letter"):
                yield Markdown(self.shown.letter, id="letter")
            with Horizontal(classes="buttons"):
                yield Button(_("Continue") + " (c)", variant="primary", id="continue")
                yield Button(_("Close") + " (Esc)", id="close")

    def action_answer(self, go_on: bool) -> None:
        self.dismiss(go_on)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "continue")


class LateUnitsScreen(ListScreen):
    AREA = "late"
    TITLE_TEXT = N_("Late units")
    HELP = N_("The units late with documents sent to them, the most late first: overdue "
              "deliveries, deliveries not yet acknowledged, and the days the oldest is late. "
              "R shows the reminder letter (công văn đôn đốc) to all of them, then registers "
              "it with the next number and sends it to each unit.")
    PERMISSIONS = {"remind": "documents.write"}
    BINDINGS = [Binding("r", "remind", N_("Send a reminder"), id="late.remind")]

    def make_source(self) -> ListSource:
        columns = [Column("rank", _("No."), 4), Column("unit", _("Unit"), 11),
                   Column("name", _("Name")), Column("overdue", _("Overdue"), 7),
                   Column("unacknowledged", _("Not acknowledged"), 9),
                   Column("days", _("Days late"), 12), Column("reminded", _("Reminded"), 10)]
        return ListSource(columns, lambda: read(self.app, late_records))

    def action_remind(self) -> None:
        run_db(self, preview, on_done=self._show_letter)

    def _show_letter(self, shown: Preview) -> None:
        self.app.push_screen(LetterScreen(shown), when_done(lambda _go: self._confirm(shown)))

    def _confirm(self, shown: Preview) -> None:
        question = _("Register the reminder letter as {number} and send it to {n} units?").format(
            number=shown.number, n=shown.units)
        self.app.push_screen(ConfirmScreen(question, _("Register and send")), when_done(
            lambda _yes: run_db(self, register_reminder, on_done=self._sent)))

    def _sent(self, given: str) -> None:
        self.last_number = given
        self.app.push_screen(MessageScreen(
            _("Reminder registered"),
            _("The reminder letter was registered as {number} and sent.").format(number=given)))
        self.refresh_data()

    last_number = ""
