"""Trainings (tập huấn): date, topic, the units that attended."""

from __future__ import annotations

from datetime import date
from typing import Any

from textual.binding import Binding

from bbt_tui.callbacks import when_done
from bbt_tui.db import read
from bbt_tui.screens.lists import ListScreen
from bbt_tui.text import N_, number, vn_date
from bbt_tui.widgets.dialogs import MessageScreen
from bbt_tui.widgets.form import FormField, FormScreen, check_date
from bbt_tui.widgets.paged_table import Column, ListSource, Record
from domain.i18n import _, plural


def training_records(session: Any) -> list[Record]:
    from domain import units

    return [
        Record(key=str(training.id),
               cells=(vn_date(training.date), training.topic, number(len(codes)),
                      ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")),
               data={"date": training.date, "topic": training.topic, "units": codes})
        for training, codes in units.trainings(session)
    ]


class TrainingsScreen(ListScreen):
    AREA = "trainings"
    TITLE_TEXT = N_("Trainings")
    HELP = N_("Trainings given to the units on using the software, and which units attended. "
              "Enter shows every unit of a training.")
    PERMISSIONS = {"new": "trainings.write"}
    BINDINGS = [Binding("n", "new", N_("New training"), id="trainings.new")]

    def make_source(self) -> ListSource:
        columns = [Column("date", _("Date"), 12), Column("topic", _("Topic")),
                   Column("count", _("Units"), 8),
                   Column("units", _("Unit codes"), 40, priority=-1)]
        return ListSource(columns, lambda: read(self.app, lambda s, _a: training_records(s)))

    def action_new(self) -> None:
        from domain import units

        fields = [
            FormField("date", N_("Date (dd/mm/yyyy)"), date.today().strftime("%d/%m/%Y"),
                      required=True, check=check_date),
            FormField("topic", N_("Topic"), required=True),
            FormField("units", N_("Units that attended"), [], kind="units", required=True),
        ]

        def save(session: Any, actor: Any, v: dict[str, Any]) -> str:
            return str(units.add_training(session, actor, v["date"], v["topic"], v["units"]).id)

        self.app.push_screen(
            FormScreen(_("New training"), fields, save),
            when_done(lambda key: self.changed(_("Training recorded."), key)))

    def open_record(self, record: Record) -> None:
        data = record.data
        self.app.push_screen(MessageScreen(
            f"{vn_date(data['date'])} — {data['topic']}",
            plural(len(data["units"]), N_("{n} unit attended:"),
                   N_("{n} units attended:")).format(n=len(data["units"])) + "\n"
            + ", ".join(data["units"])))
